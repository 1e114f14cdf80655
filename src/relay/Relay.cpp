// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "relay/Relay.h"

#include "relay/Inbox.h"
#include "share/Bundle.h"
#include "share/BundleRecords.h"
#include "store/MissionStore.h"
#include "sync/StationCertificate.h"

#include <QCborMap>
#include <QCborValue>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QHash>
#include <QRegularExpression>
#include <QSaveFile>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>
#include <variant>

namespace tessera::relay {

namespace {

const QString kBundleKey = QStringLiteral("tessera-bundle");
const QString kPartKey = QStringLiteral("tessera-part");
const QString kPartsKey = QStringLiteral("tessera-parts");
const QString kResendKey = QStringLiteral("tessera-resend");

/// What the network thread tells the relay's thread.
struct Connected {
    bool sessionPresent = false;
};
struct Disconnected {
    QString reason;
};
struct Published {
    int mid = 0;
    int reason = 0;
};
struct Subscribed {
    QList<int> granted;
};
struct Arrived {};
struct Problem {
    QString text;
};
using Event = std::variant<Connected, Disconnected, Published, Subscribed, Arrived, Problem>;

/// A bundle sent to one peer, waiting for the broker to acknowledge every part of it; then the
/// peer's share of the mission up to `covers` has left this station for good.
struct InFlight {
    QSet<int> mids;
    share::Knowledge covers;
    int bundles = 0;
    int records = 0;
    qint64 bytes = 0;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

bool covered(const share::Knowledge& have, const share::Knowledge& sent) {
    for (auto it = have.constBegin(); it != have.constEnd(); ++it)
        if (it.value() > sent.value(it.key(), 0))
            return false;
    return true;
}

void mergeInto(share::Knowledge& into, const share::Knowledge& more) {
    for (auto it = more.constBegin(); it != more.constEnd(); ++it)
        into[it.key()] = std::max(into.value(it.key(), 0), it.value());
}

} // namespace

QString Relay::missionTopic(const QString& missionId) {
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9._-]{1,64}$"));
    if (plain.match(missionId).hasMatch())
        return missionId;
    return QString::fromLatin1(
        QCryptographicHash::hash(missionId.toUtf8(), QCryptographicHash::Sha256).toHex().left(32));
}

struct Relay::Impl {
    share::Identity me;
    sync::TrustSource trust;
    RelaySettings settings;
    QString meHex;

    std::mutex mutex; ///< guards events, status, stopping
    std::condition_variable wake;
    std::deque<Event> events;
    RelayStatus status;
    bool stopping = false;
    bool poked = false;

    // The relay thread's own state.
    std::unique_ptr<Inbox> inbox;
    QHash<QString, share::Knowledge> sent; ///< per peer (hex): what has left for it
    QHash<QString, InFlight> inFlight;     ///< per peer (hex)
    QHash<int, QStringList> midPeers;      ///< message id -> the peers it was sent to (hex)
    bool askResend = false;
    /// Something may be due to a peer: the mission changed, a flight ended, a peer asked. A
    /// turn with nothing due skips the contact book and the mission (at 200 stations, idle
    /// turns were most of the work).
    bool sendDue = true;
    qint64 dataVersion = -1; ///< SQLite's data_version at the last turn: other writers' commits
    /// The last turn that looked at every peer; one is due every 30 s whatever happened (a
    /// contact trusted meanwhile, in a book this relay reads from its file).
    std::chrono::steady_clock::time_point lastFullTurn;
    bool retryApply = false;  ///< a bundle waits for the mission file (applyArrived)
    QSet<QString> askPending; ///< peers still to be asked for what we lack
    bool subscribed = false;
    QString topicPrefix;     ///< tessera/MISSION/to/
    QString communityPrefix; ///< tessera/MISSION/community/
    QString myCommunity;     ///< this station's community topic segment

    Impl(share::Identity i, sync::TrustSource t, RelaySettings s)
        : me(std::move(i))
        , trust(std::move(t))
        , settings(std::move(s)) {
        meHex = QString::fromLatin1(me.fingerprint().toHex());
        if (settings.stateFolder.isEmpty())
            settings.stateFolder = settings.missionPath + QStringLiteral(".relay");
    }

    void post(Event e) {
        {
            std::lock_guard lock(mutex);
            events.push_back(std::move(e));
        }
        wake.notify_all();
    }

    template <typename F>
    void update(F&& f) {
        std::lock_guard lock(mutex);
        f(status);
    }

    RelayPeer& peer(RelayStatus& s, const QString& hex) {
        for (RelayPeer& p : s.peers)
            if (p.fingerprintHex == hex)
                return p;
        s.peers.append({hex, {}, {}, 0, 0, 0, 0});
        return s.peers.last();
    }

    QString statePath() const { return settings.stateFolder + QStringLiteral("/state.cbor"); }

    Status loadState() {
        QFile f(statePath());
        if (!f.exists())
            return success();
        if (!f.open(QIODevice::ReadOnly))
            return Error{QStringLiteral("cannot read %1").arg(f.fileName())};
        const QCborMap m = QCborValue::fromCbor(f.readAll()).toMap();
        const QCborMap peers = m.value(QStringLiteral("sent")).toMap();
        for (auto it = peers.constBegin(); it != peers.constEnd(); ++it) {
            share::Knowledge k;
            const QCborMap stations = it.value().toMap();
            for (auto s = stations.constBegin(); s != stations.constEnd(); ++s)
                k.insert(s.key().toString(), s.value().toInteger());
            sent.insert(it.key().toString(), k);
        }
        return success();
    }

    /// Written whole or not at all: a station killed while saving keeps the previous state, and
    /// at worst sends again what the peer already has (applied once: bundles are idempotent).
    Status saveState() {
        QCborMap peers;
        for (auto it = sent.constBegin(); it != sent.constEnd(); ++it) {
            QCborMap stations;
            for (auto s = it.value().constBegin(); s != it.value().constEnd(); ++s)
                stations.insert(s.key(), s.value());
            peers.insert(it.key(), stations);
        }
        QCborMap m;
        m.insert(QStringLiteral("sent"), peers);
        QSaveFile f(statePath());
        if (!f.open(QIODevice::WriteOnly) || f.write(m.toCborValue().toCbor()) < 0 || !f.commit())
            return Error{QStringLiteral("cannot write %1: %2").arg(f.fileName(), f.errorString())};
        return success();
    }

    /// saveState(), a failure shown in the status (the relay goes on: at worst it sends again).
    void keepState() {
        if (Status s = saveState(); !s)
            update([&](RelayStatus& st) { st.lastError = s.error().message; });
    }

    /// On the network thread: keeps the part on disk before the broker hears it arrived.
    void onMessage(const QString& topic, const QByteArray& payload, const UserProperties& props) {
        // tessera/MISSION/to/ME/from/SENDER or tessera/MISSION/community/OURS/from/SENDER; the
        // broker's ACL lets only SENDER publish there.
        const QStringList segments = topic.split(QLatin1Char('/'));
        if ((!topic.startsWith(topicPrefix + meHex + QStringLiteral("/from/")) &&
             !topic.startsWith(communityPrefix + myCommunity + QStringLiteral("/from/"))) ||
            segments.size() != 6) {
            post(Problem{
                QStringLiteral("a message on an unexpected topic %1 was ignored").arg(topic)});
            return;
        }
        PartHeader h;
        bool partOk = false, partsOk = false;
        for (const auto& [name, value] : props) {
            if (name == kBundleKey)
                h.bundle = value;
            else if (name == kPartKey)
                h.part = value.toInt(&partOk);
            else if (name == kPartsKey)
                h.parts = value.toInt(&partsOk);
            else if (name == kResendKey)
                h.resend = value == QLatin1String("1");
        }
        Status kept = partOk && partsOk
                          ? inbox->store(segments[5], h, payload)
                          : Status(Error{QStringLiteral("a message without its part header")});
        if (!kept)
            post(Problem{QStringLiteral("a message from %1 was not kept: %2")
                             .arg(segments[5].left(16), kept.error().message)});
        else
            post(Arrived{});
    }

    Result<std::unique_ptr<BrokerClient>> connect() {
        BrokerEvents e;
        e.connected = [this](bool present) { post(Connected{present}); };
        e.disconnected = [this](const QString& why) { post(Disconnected{why}); };
        e.published = [this](int mid, int reason) { post(Published{mid, reason}); };
        e.subscribed = [this](int, const QList<int>& granted) { post(Subscribed{granted}); };
        e.message = [this](const QString& topic, const QByteArray& payload,
                           const UserProperties& props) { onMessage(topic, payload, props); };
        return BrokerClient::start(me, settings.broker, std::move(e));
    }

    void handle(const Event& event, BrokerClient& client,
                const std::function<void(const QString&)>& log) {
        if (const auto* c = std::get_if<Connected>(&event)) {
            update([](RelayStatus& s) {
                s.connected = true;
                s.lastError.clear();
            });
            sendDue = true;
            // What was in flight on the link before this one may never be acknowledged (the
            // client's queue of a dropped link is not bound to reach the broker): sent again at
            // the next turn; a peer applies what it already has as unchanged.
            if (!inFlight.isEmpty()) {
                inFlight.clear();
                midPeers.clear();
                update([](RelayStatus& s) { s.partsQueued = 0; });
            }
            if (!c->sessionPresent) {
                // A new session: subscribe, and ask every peer for what we lack. Whatever the
                // broker queued in an earlier session is gone, and what peers sent before this
                // station first subscribed never had a queue to wait in.
                askResend = true;
                subscribed = false;
            }
            if (!subscribed) {
                // What is addressed to this station alone, and to its community.
                subscribed = true;
                for (const QString& topic :
                     {topicPrefix + meHex + QStringLiteral("/from/+"),
                      communityPrefix + myCommunity + QStringLiteral("/from/+")}) {
                    Result<int> sub = client.subscribe(topic);
                    if (!sub && log)
                        log(sub.error().message);
                    subscribed = subscribed && sub.ok();
                }
            }
            if (log)
                log(c->sessionPresent ? QStringLiteral("connected to the broker (session resumed)")
                                      : QStringLiteral("connected to the broker (new session)"));
        } else if (const auto* g = std::get_if<Disconnected>(&event)) {
            update([&](RelayStatus& s) {
                s.connected = false;
                s.lastError = g->reason;
            });
            if (log)
                log(g->reason);
        } else if (const auto* p = std::get_if<Published>(&event)) {
            const QStringList peers = midPeers.take(p->mid);
            if (peers.isEmpty())
                return;
            update([](RelayStatus& s) { s.partsQueued = std::max(0, s.partsQueued - 1); });
            if (p->reason >= 128) {
                const QString why =
                    QStringLiteral("the broker refused a message to %1 (MQTT reason %2)")
                        .arg(peers.size() == 1 ? peers.first().left(16)
                                               : QStringLiteral("%1 stations").arg(peers.size()))
                        .arg(p->reason);
                update([&](RelayStatus& s) { s.lastError = why; });
                if (log)
                    log(why);
                for (const QString& peerHex : peers)
                    dropFlight(peerHex);
                return;
            }
            bool done = false;
            qint64 bytes = 0;
            for (const QString& peerHex : peers) {
                auto it = inFlight.find(peerHex);
                if (it == inFlight.end())
                    continue;
                it->mids.remove(p->mid);
                if (!it->mids.isEmpty())
                    continue;
                mergeInto(sent[peerHex], it->covers);
                const InFlight flight = *it;
                inFlight.erase(it);
                done = true;
                bytes = flight.bytes; // one publication for all of them
                update([&](RelayStatus& s) {
                    s.recordsSent += flight.records;
                    RelayPeer& rp = peer(s, peerHex);
                    rp.bundlesOut += flight.bundles;
                    rp.recordsOut += flight.records;
                });
            }
            if (!done)
                return;
            sendDue = true;
            keepState();
            update([&](RelayStatus& s) {
                ++s.bundlesSent;
                s.bytesSent += bytes;
            });
        } else if (const auto* s = std::get_if<Subscribed>(&event)) {
            if (!s->granted.isEmpty() && s->granted.first() >= 128) {
                const QString why = QStringLiteral("the broker refused this station's "
                                                   "subscription (MQTT reason %1): is the station "
                                                   "admitted at the broker?")
                                        .arg(s->granted.first());
                update([&](RelayStatus& st) { st.lastError = why; });
                if (log)
                    log(why);
            }
        } else if (const auto* pr = std::get_if<Problem>(&event)) {
            update([&](RelayStatus& st) { st.lastError = pr->text; });
            if (log)
                log(pr->text);
        }
    }

    /// Failures of the mission file rather than of a bundle: the bundle is tried again.
    static bool isStoreTrouble(const QString& message) {
        for (const char* words :
             {"database is locked", "disk is full", "could not be read or written", "read-only"})
            if (message.contains(QLatin1String(words)))
                return true;
        return false;
    }

    /// Applies every bundle whose parts are all here, in the order they began to arrive.
    void applyArrived(store::MissionStore& mission,
                      const std::function<void(const QString&)>& log) {
        retryApply = false;
        // A backlog (hundreds of bundles after a link comes back) is applied one transaction
        // after another; without a rest now and then, the operator's own edits to the mission
        // wait for the write lock past SQLite's 5 s and fail ("database is locked": seen in
        // bench_relay with 200 stations). Every 100 ms of applying, 25 ms for other writers.
        auto restedAt = std::chrono::steady_clock::now();
        const QList<Inbox::Whole> arrived = inbox->whole();
        if (arrived.isEmpty())
            return;
        // Once per turn: a contact book read from its file is parsed and checked each time.
        Result<share::ContactBook> book = trust();
        if (!book) {
            update([&](RelayStatus& s) { s.lastError = book.error().message; });
            retryApply = true;
            return; // keep the bundles until the contact book can be read
        }
        for (const Inbox::Whole& w : arrived) {
            if (std::chrono::steady_clock::now() - restedAt > std::chrono::milliseconds(100)) {
                std::this_thread::sleep_for(std::chrono::milliseconds(25));
                restedAt = std::chrono::steady_clock::now();
            }
            Result<QByteArray> bytes = inbox->assemble(w);
            if (bytes)
                update([&](RelayStatus& s) { s.bytesReceived += bytes.value().size(); });
            Result<share::ImportReport> imported =
                bytes
                    ? share::importBundle(mission, bytes.value(), me, book.value(), settings.limits,
                                          QByteArray::fromHex(w.sender.toLatin1()))
                    : Result<share::ImportReport>(bytes.error());
            if (imported) {
                const share::ImportReport& r = imported.value();
                if (settings.forward && r.applied > 0)
                    sendDue = true; // others' records to pass on
                if (w.resend) {
                    // The peer lost what the broker held for it: start again from what it has.
                    sent[w.sender] = r.senderKnows;
                    dropFlight(w.sender);
                    sendDue = true;
                    keepState();
                }
                update([&](RelayStatus& s) {
                    ++s.bundlesApplied;
                    s.recordsApplied += r.applied;
                    RelayPeer& p = peer(s, w.sender);
                    p.name = r.sender;
                    p.lastReceived = QDateTime::currentDateTimeUtc();
                    ++p.bundlesIn;
                    p.recordsIn += r.applied;
                });
                if (log && (r.applied > 0 || !r.refused.isEmpty()))
                    log(QStringLiteral("from %1: %2 applied, %3 unchanged, %4 conflicts")
                            .arg(r.sender)
                            .arg(r.applied)
                            .arg(r.unchanged)
                            .arg(r.conflicts));
                if (log)
                    for (const QString& warning : r.warnings())
                        log(warning);
            } else if (imported.error().message.contains(QLatin1String("replayed"))) {
                update([](RelayStatus& s) { ++s.duplicates; });
            } else if (imported.error().message.contains(
                           QLatin1String("not addressed to this station"))) {
                // Published to our community for others of it (a sender that does not trust
                // this station, or sends it something else): not ours to open.
                update([](RelayStatus& s) { ++s.notAddressed; });
            } else if (isStoreTrouble(imported.error().message)) {
                // Not the bundle's fault (the mission busy with another writer, a full disk):
                // it stays in the inbox, it and those after it applied at the next turn. The
                // broker was told it arrived; dropping it would lose it for good.
                update([&](RelayStatus& s) {
                    s.lastError = QStringLiteral("a bundle from %1 waits: %2")
                                      .arg(w.sender.left(16), imported.error().message);
                });
                retryApply = true;
                break;
            } else {
                const QString why = QStringLiteral("a bundle from %1 was refused: %2")
                                        .arg(w.sender.left(16), imported.error().message);
                update([&](RelayStatus& s) {
                    ++s.refused;
                    s.lastError = why;
                });
                if (log)
                    log(why);
            }
            inbox->remove(w);
        }
        update([&](RelayStatus& s) { s.partsHeld = inbox->partsHeld(); });
    }

    /// Forgets what is in flight to a peer (and the message ids no other peer waits on).
    void dropFlight(const QString& peerHex) {
        const auto it = inFlight.constFind(peerHex);
        if (it == inFlight.constEnd())
            return;
        for (int mid : it->mids) {
            auto m = midPeers.find(mid);
            if (m == midPeers.end())
                continue;
            m->removeAll(peerHex);
            if (m->isEmpty())
                midPeers.erase(m);
        }
        inFlight.remove(peerHex);
        sendDue = true;
    }

    /// Publishes a bundle's parts once to `topic`, for `peers`; returns their message ids.
    Result<QSet<int>> publish(BrokerClient& client, const QString& topic, const QStringList& peers,
                              const QList<Part>& parts, bool resend) {
        QSet<int> mids;
        for (const Part& part : parts) {
            UserProperties props{{kBundleKey, part.header.bundle},
                                 {kPartKey, QString::number(part.header.part)},
                                 {kPartsKey, QString::number(part.header.parts)}};
            if (resend)
                props.append({kResendKey, QStringLiteral("1")});
            Result<int> mid = client.publish(topic, part.bytes, props);
            if (!mid) {
                for (int m : std::as_const(mids))
                    midPeers.remove(m);
                return mid.error();
            }
            mids.insert(mid.value());
            midPeers.insert(mid.value(), peers);
            update([](RelayStatus& s) { ++s.partsQueued; });
        }
        return mids;
    }

    /// Peers that see the same records: their (capped) profiles are alike, so one release
    /// decision serves them all.
    static QString releaseClass(const share::StationProfile& p) {
        QStringList communities = p.communities;
        communities.sort();
        QStringList caveats = p.caveats;
        caveats.sort();
        return QStringList{p.organisation, communities.join(QLatin1Char(',')),
                           toString(p.clearance), caveats.join(QLatin1Char(','))}
            .join(QLatin1Char('|'));
    }

    /// Where a peer's point is in what has left for it: peers at the same point can share a bundle.
    QString pointOf(const QString& peerHex, const QString& station) const {
        const share::Knowledge k = sent.value(peerHex);
        if (!settings.forward)
            return QString::number(k.value(station, 0));
        QStringList parts;
        for (auto it = k.constBegin(); it != k.constEnd(); ++it) // QMap: in key order
            parts.append(it.key() + QLatin1Char('=') + QString::number(it.value()));
        return parts.join(QLatin1Char(','));
    }

    /// What has not left for the peers with nothing in flight, as one bundle per group of peers
    /// that see the same records (alike capped profiles), share a community and stand at the same
    /// point: sealed once (its content key wrapped for each of them) and published once, to the
    /// community's topic (or to the peer's own when the group is one). Per-peer bundles cost one
    /// export, one encryption and one publication per peer, which at 200 stations was most of
    /// the work and 94 KB through the broker per change (docs/benchmarks.md).
    void sendChanges(store::MissionStore& mission, BrokerClient& client,
                     const std::function<void(const QString&)>& log) {
        // This station's own changes come from other connections (the app, the CLI): their
        // commits move SQLite's data_version.
        if (Result<QVariant> version =
                mission.database().scalar(QStringLiteral("PRAGMA data_version"));
            version && version.value().toLongLong() != dataVersion) {
            dataVersion = version.value().toLongLong();
            sendDue = true;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now - lastFullTurn > std::chrono::seconds(30))
            sendDue = true;
        for (const InFlight& f : std::as_const(inFlight))
            if (now - f.started > std::chrono::milliseconds(settings.inFlightTimeoutMs))
                sendDue = true;
        if (!std::exchange(sendDue, false))
            return;
        lastFullTurn = now;
        Result<share::ContactBook> book = trust();
        if (!book) {
            sendDue = true;
            return;
        }
        Result<share::Knowledge> knowledge = share::missionKnowledge(mission);
        if (!knowledge) {
            sendDue = true;
            return;
        }
        const QString station = mission.station();
        const QList<share::ContactCard> contacts = book.value().contacts();
        if (std::exchange(askResend, false))
            for (const share::ContactCard& card : contacts)
                askPending.insert(QString::fromLatin1(card.fingerprint().toHex()));
        // What a bundle covers: this station's own changes, or (forwarding) everything held.
        const share::Knowledge covers =
            settings.forward ? knowledge.value()
                             : share::Knowledge{{station, knowledge.value().value(station, 0)}};
        struct Group {
            QString community;
            QList<share::ContactCard> cards;
            QStringList peers;
            bool resend = false;
        };
        QMap<QString, Group> groups;
        QHash<QString, int> communitySize; // trusted peers per community
        for (const share::ContactCard& card : contacts)
            ++communitySize[sync::communityTopic(card.profile.organisation,
                                                 card.profile.communities)];
        for (const share::ContactCard& card : contacts) {
            const QString peerHex = QString::fromLatin1(card.fingerprint().toHex());
            if (const auto it = inFlight.constFind(peerHex);
                it != inFlight.constEnd() &&
                std::chrono::steady_clock::now() - it->started >
                    std::chrono::milliseconds(settings.inFlightTimeoutMs)) {
                // Never acknowledged (the client's queue lost on the way): send it again; the
                // peer applies what it already has as unchanged.
                dropFlight(peerHex);
            }
            if (peerHex == meHex || inFlight.contains(peerHex))
                continue;
            const bool resend = askPending.remove(peerHex);
            if (!resend && covered(covers, sent.value(peerHex)))
                continue;
            const QString community =
                sync::communityTopic(card.profile.organisation, card.profile.communities);
            const QString key = QStringList{resend ? QStringLiteral("ask") : QStringLiteral("send"),
                                            community, releaseClass(card.profile),
                                            resend ? QString() : pointOf(peerHex, station)}
                                    .join(QLatin1Char('|'));
            Group& g = groups[key];
            g.community = community;
            g.cards.append(card);
            g.peers.append(peerHex);
            g.resend = resend;
        }
        for (const Group& g : std::as_const(groups)) {
            // From where the group stands; an ask carries nothing but our knowledge: an empty
            // bundle.
            share::Knowledge since = knowledge.value();
            if (!g.resend) {
                if (settings.forward)
                    since = sent.value(g.peers.first());
                else
                    since[station] = sent.value(g.peers.first()).value(station, 0);
            }
            share::ExportOptions options;
            options.since = since;
            options.sinceLastReceived = false;
            options.ownChangesOnly = !settings.forward;
            Result<share::ExportReport> bundle = share::exportBundle(mission, me, g.cards, options);
            if (!bundle) {
                sendDue = true; // tried again at the next turn
                if (log)
                    log(QStringLiteral("cannot send to %1 stations: %2")
                            .arg(g.cards.size())
                            .arg(bundle.error().message));
                continue;
            }
            const QList<Part> parts =
                splitBundle(bundle.value().bytes, settings.partBytes, g.resend);
            // Once to the community when the group is most of it; else to each member's own
            // topic, so that the rest of the community does not receive what is not for it
            // (a few peers that asked to be sent everything again, in a community of fifty).
            QStringList topics;
            if (g.peers.size() > 1 && 2 * g.peers.size() >= communitySize.value(g.community))
                topics.append(communityPrefix + g.community + QStringLiteral("/from/") + meHex);
            else
                for (const QString& peer : g.peers)
                    topics.append(topicPrefix + peer + QStringLiteral("/from/") + meHex);
            Result<QSet<int>> mids = QSet<int>();
            for (const QString& topic : std::as_const(topics)) {
                Result<QSet<int>> some = publish(client, topic, g.peers, parts, g.resend);
                if (!some) {
                    mids = some.error();
                    break;
                }
                mids.value().unite(some.value());
            }
            if (!mids) {
                sendDue = true;
                if (log)
                    log(mids.error().message);
                continue;
            }
            for (const QString& peer : g.peers) {
                InFlight flight;
                flight.mids = mids.value();
                // Asking is not sending: what left for the peer stays as it was.
                flight.covers = g.resend ? sent.value(peer) : covers;
                flight.bundles = 1;
                flight.records = bundle.value().records;
                flight.bytes = bundle.value().bytes.size();
                inFlight.insert(peer, flight);
            }
        }
    }
};

Relay::Relay(share::Identity me, sync::TrustSource trust, RelaySettings settings)
    : d(std::make_unique<Impl>(std::move(me), std::move(trust), std::move(settings))) {}

Relay::~Relay() = default;

Status Relay::run(const std::function<void(const QString&)>& log) {
    Result<store::MissionStore> mission =
        store::MissionStore::open(d->settings.missionPath, store::MissionStore::Access::ReadWrite);
    if (!mission)
        return mission.error();
    Result<store::MissionInfo> info = mission.value().info();
    if (!info)
        return info.error();
    d->topicPrefix = QStringLiteral("tessera/%1/to/").arg(missionTopic(info.value().id));
    d->communityPrefix = QStringLiteral("tessera/%1/community/").arg(missionTopic(info.value().id));
    const share::StationProfile& profile = d->me.card().profile;
    d->myCommunity = sync::communityTopic(profile.organisation, profile.communities);
    if (!QDir().mkpath(d->settings.stateFolder))
        return Error{QStringLiteral("cannot create %1").arg(d->settings.stateFolder)};
    d->inbox = std::make_unique<Inbox>(d->settings.stateFolder + QStringLiteral("/inbox"),
                                       d->settings.limits.maxBundleBytes, d->settings.partBytes);
    if (Status s = d->inbox->open(); !s)
        return s;
    if (Status s = d->loadState(); !s)
        return s;
    Result<std::unique_ptr<BrokerClient>> client = d->connect();
    if (!client)
        return client.error();
    d->update([](RelayStatus& s) { s.running = true; });
    // Bundles whole before a stop or a crash are applied first.
    d->applyArrived(mission.value(), log);
    for (;;) {
        std::deque<Event> batch;
        {
            std::unique_lock lock(d->mutex);
            d->wake.wait_for(lock, std::chrono::milliseconds(d->settings.pollMs),
                             [this] { return d->stopping || d->poked || !d->events.empty(); });
            if (d->stopping)
                break;
            if (std::exchange(d->poked, false))
                d->sendDue = true;
            batch.swap(d->events);
        }
        bool arrived = false;
        for (const Event& e : batch) {
            arrived = arrived || std::holds_alternative<Arrived>(e);
            d->handle(e, *client.value(), log);
        }
        if (arrived || d->retryApply)
            d->applyArrived(mission.value(), log);
        bool connected = false;
        d->update([&](RelayStatus& s) { connected = s.connected; });
        if (connected)
            d->sendChanges(mission.value(), *client.value(), log);
    }
    client.value()->stop();
    d->update([](RelayStatus& s) {
        s.running = false;
        s.connected = false;
    });
    return success();
}

void Relay::stop() {
    {
        std::lock_guard lock(d->mutex);
        d->stopping = true;
    }
    d->wake.notify_all();
}

void Relay::poke() {
    {
        std::lock_guard lock(d->mutex);
        d->poked = true;
    }
    d->wake.notify_all();
}

RelayStatus Relay::status() const {
    std::lock_guard lock(d->mutex);
    return d->status;
}

} // namespace tessera::relay
