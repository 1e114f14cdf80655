// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/Sync.h"

#include "share/Bundle.h"
#include "share/BundleRecords.h"
#include "store/MissionStore.h"

#include <QCborMap>
#include <QCborValue>

#include <algorithm>
#include <array>
#include <chrono>
#include <list>
#include <memory>
#include <thread>

namespace tessera::sync {

namespace {

/// Frame types of protocol version 1 (docs/sharing.md, "Sync over TLS").
enum FrameType : quint8 {
    kHello = 1,  ///< CBOR {protocol, knows}: what this side holds, per station
    kBundle = 2, ///< one bundle file, exactly as `bundle export` writes it
    kDone = 3,   ///< CBOR {bundles}: the sender's series is complete
    kAck = 4,    ///< CBOR {id, applied}: one bundle applied
    kError = 5,  ///< UTF-8 text: why this side stops; the link closes after it
};

const QString kProtocol = QStringLiteral("tessera-sync/1");

/// What each side takes at each step, and how large (see TlsLink::receive).
constexpr FrameRule kHelloRule{kHello, "HELLO", kMaxHelloBytes};
constexpr FrameRule kDoneRule{kDone, "DONE", kMaxControlBytes};
constexpr FrameRule kAckRule{kAck, "ACK", kMaxControlBytes};
constexpr FrameRule kErrorRule{kError, "ERROR", kMaxErrorBytes};
constexpr FrameRule kGreeting[] = {kHelloRule, kErrorRule};
constexpr FrameRule kAcks[] = {kAckRule, kErrorRule};

/// The frames of a series: BUNDLE up to the largest bundle file this side opens.
std::array<FrameRule, 3> seriesRules(const SyncOptions& options) {
    return {FrameRule{kBundle, "BUNDLE", options.limits.maxBundleBytes}, kDoneRule, kErrorRule};
}

QCborMap readMap(const QByteArray& body) {
    QCborParserError error;
    const QCborValue v = QCborValue::fromCbor(body, &error);
    return error.error == QCborError::NoError ? v.toMap() : QCborMap();
}

/// Our HELLO, within the limits the peer holds us to (the same as ours).
Result<QByteArray> hello(const share::Knowledge& knows) {
    if (knows.size() > kMaxHelloStations)
        return Error{QStringLiteral("this mission holds changes from %1 stations, more than a sync "
                                    "greeting may name (%2)")
                         .arg(knows.size())
                         .arg(kMaxHelloStations)};
    QCborMap k;
    for (auto it = knows.constBegin(); it != knows.constEnd(); ++it)
        k.insert(it.key(), it.value());
    QCborMap m;
    m.insert(QStringLiteral("protocol"), kProtocol);
    m.insert(QStringLiteral("knows"), k);
    QByteArray bytes = m.toCborValue().toCbor();
    if (bytes.size() > kMaxHelloBytes)
        return Error{
            QStringLiteral("this station's sync greeting is %1 bytes, over the limit of %2")
                .arg(bytes.size())
                .arg(kMaxHelloBytes)};
    return bytes;
}

Result<share::Knowledge> readHello(const Frame& frame) {
    if (frame.type == kError)
        return Error{QStringLiteral("the peer refused the session: %1")
                         .arg(QString::fromUtf8(frame.body.left(2000)))};
    const QCborMap m = readMap(frame.body);
    if (frame.type != kHello || m.value(QStringLiteral("protocol")).toString() != kProtocol)
        return Error{QStringLiteral("the peer does not speak %1").arg(kProtocol)};
    // The body is at most kMaxHelloBytes, so the decoded map is small; its count is still
    // bounded, since every station named costs a lookup and an entry for the whole session.
    const QCborMap k = m.value(QStringLiteral("knows")).toMap();
    if (k.size() > kMaxHelloStations)
        return Error{QStringLiteral("the peer's greeting names %1 stations, more than %2")
                         .arg(k.size())
                         .arg(kMaxHelloStations)};
    share::Knowledge knows;
    for (auto it = k.constBegin(); it != k.constEnd(); ++it) {
        if (!it.key().isString() || !it.value().isInteger() ||
            !share::isUuidText(it.key().toString()))
            return Error{QStringLiteral("the peer's greeting is malformed")};
        knows.insert(it.key().toString(), it.value().toInteger());
    }
    return knows;
}

/// A failure on this side: the peer is told why before the link closes.
Error tellAndStop(TlsLink& link, const Error& why) {
    (void)link.send({kError, why.message.toUtf8()});
    return why;
}

/// A frame this side cannot take (over its limit, out of turn, late): the peer is told why.
Result<Frame> receive(TlsLink& link, std::span<const FrameRule> accepted) {
    Result<Frame> frame = link.receive(accepted);
    if (!frame)
        return tellAndStop(link, frame.error());
    return frame;
}

/// Whether the peer at the other end is still trusted, read afresh: a revocation written while
/// a long session runs stops it at the next bundle. Also the book to check that bundle with.
Result<share::ContactBook> stillTrusted(const TlsLink& link, const TrustSource& trust) {
    Result<share::ContactBook> book = trust();
    if (!book)
        return Error{QStringLiteral("cannot read the contact book: %1").arg(book.error().message)};
    const QByteArray peer = link.peer().fingerprint();
    switch (book.value().standing(peer)) {
    case share::ContactBook::Standing::Trusted:
        break;
    case share::ContactBook::Standing::Revoked:
        return Error{
            QStringLiteral("the peer %1 (%2) is revoked in the contact book: the session "
                           "stops here")
                .arg(link.peer().profile.stationName, share::formatFingerprint(peer).left(19))};
    case share::ContactBook::Standing::Unknown:
        return Error{
            QStringLiteral("the peer %1 (%2) is no longer in the contact book: the "
                           "session stops here")
                .arg(link.peer().profile.stationName, share::formatFingerprint(peer).left(19))};
    }
    return book;
}

/// Sending failed: the peer may have said why before it closed.
Error sendFailed(TlsLink& link, const Error& why) {
    Result<Frame> last = link.receive(kAcks);
    while (last && last.value().type == kAck)
        last = link.receive(kAcks);
    if (last && last.value().type == kError)
        return Error{QStringLiteral("the peer refused: %1")
                         .arg(QString::fromUtf8(last.value().body.left(2000)))};
    return why;
}

/// Sends what the peer lacks as a series of bundles, then reads one acknowledgement for each.
Status push(TlsLink& link, store::MissionStore& store, const share::Identity& me,
            const TrustSource& trust, const share::Knowledge& peerKnows, const SyncOptions& options,
            SyncReport& report) {
    bool untrusted = false;
    Result<share::SeriesReport> series = share::exportBundleSeries(
        store, me, link.peer(), peerKnows, options.recordsPerBundle,
        [&](const share::ExportReport& bundle) -> Status {
            if (Result<share::ContactBook> book = stillTrusted(link, trust); !book) {
                untrusted = true;
                return book.error();
            }
            return link.send({kBundle, bundle.bytes});
        });
    if (!series && untrusted)
        return tellAndStop(link, series.error());
    if (!series)
        return sendFailed(link, series.error());
    report.bundlesSent = series.value().bundles;
    report.recordsSent = series.value().records;
    report.withheld = series.value().withheld;
    QCborMap done;
    done.insert(QStringLiteral("bundles"), report.bundlesSent);
    if (Status s = link.send({kDone, done.toCborValue().toCbor()}); !s)
        return sendFailed(link, s.error());
    for (int i = 0; i < report.bundlesSent; ++i) {
        Result<Frame> ack = receive(link, kAcks);
        if (!ack)
            return ack.error();
        if (ack.value().type == kError)
            return Error{QStringLiteral("the peer refused a bundle: %1")
                             .arg(QString::fromUtf8(ack.value().body.left(2000)))};
        if (ack.value().type != kAck)
            return Error{
                QStringLiteral("the peer broke the protocol (expected an acknowledgement)")};
    }
    return success();
}

/// Receives the peer's series, applying each bundle as it arrives.
Status pull(TlsLink& link, store::MissionStore& store, const share::Identity& me,
            const TrustSource& trust, const SyncOptions& options, std::mutex* applyLock,
            SyncReport& report) {
    const auto rules = seriesRules(options);
    for (;;) {
        Result<Frame> frame = receive(link, rules);
        if (!frame)
            return frame.error();
        switch (frame.value().type) {
        case kDone:
            return success();
        case kError:
            return Error{QStringLiteral("the peer stopped: %1")
                             .arg(QString::fromUtf8(frame.value().body.left(2000)))};
        case kBundle: {
            Result<share::ContactBook> book = stillTrusted(link, trust);
            if (!book)
                return tellAndStop(link, book.error());
            std::unique_lock<std::mutex> writing;
            if (applyLock)
                writing = std::unique_lock<std::mutex>(*applyLock);
            Result<share::ImportReport> applied =
                share::importBundle(store, frame.value().body, me, book.value(), options.limits,
                                    link.peer().fingerprint());
            if (writing.owns_lock())
                writing.unlock();
            if (!applied)
                return tellAndStop(link, applied.error());
            ++report.bundlesReceived;
            report.recordsApplied += applied.value().applied;
            report.recordsUnchanged += applied.value().unchanged;
            report.recordsSkipped += applied.value().skipped;
            report.conflicts += applied.value().conflicts;
            report.warnings += applied.value().warnings();
            QCborMap ack;
            ack.insert(QStringLiteral("id"), applied.value().id);
            ack.insert(QStringLiteral("applied"), applied.value().applied);
            if (Status s = link.send({kAck, ack.toCborValue().toCbor()}); !s)
                return s;
            break;
        }
        default:
            return tellAndStop(link,
                               Error{QStringLiteral("the peer broke the protocol (frame type %1)")
                                         .arg(frame.value().type)});
        }
    }
}

} // namespace

Result<SyncReport> runSession(TlsLink& link, bool client, store::MissionStore& store,
                              const share::Identity& me, const share::ContactBook& book,
                              const SyncOptions& options) {
    return runSession(link, client, store, me, fixedTrust(book), options);
}

Result<SyncReport> runSession(TlsLink& link, bool client, store::MissionStore& store,
                              const share::Identity& me, const TrustSource& trust,
                              const SyncOptions& options, std::mutex* applyLock) {
    SyncReport report;
    report.peer = link.peer();
    Result<share::Knowledge> knows = share::missionKnowledge(store);
    if (!knows)
        return tellAndStop(link, knows.error());
    Result<QByteArray> greet = hello(knows.value());
    if (!greet)
        return tellAndStop(link, greet.error());
    if (Status s = link.send({kHello, greet.value()}); !s)
        return s.error();
    Result<Frame> greeting = receive(link, kGreeting);
    if (!greeting)
        return greeting.error();
    Result<share::Knowledge> peerKnows = readHello(greeting.value());
    if (!peerKnows)
        return tellAndStop(link, peerKnows.error());
    // The dialling side sends first; then the other. One direction at a time, so that neither
    // side can fill the link while the other is not reading.
    if (client) {
        if (Status s = push(link, store, me, trust, peerKnows.value(), options, report); !s)
            return s.error();
        if (Status s = pull(link, store, me, trust, options, applyLock, report); !s)
            return s.error();
    } else {
        if (Status s = pull(link, store, me, trust, options, applyLock, report); !s)
            return s.error();
        if (Status s = push(link, store, me, trust, peerKnows.value(), options, report); !s)
            return s.error();
    }
    link.close();
    return report;
}

Result<SyncReport> syncWith(const QString& host, quint16 port, const share::ContactCard& expected,
                            store::MissionStore& store, const share::Identity& me,
                            const share::ContactBook& book, const SyncOptions& options) {
    LinkOptions link;
    link.timeoutMs = options.timeoutMs;
    link.handshakeTimeoutMs = options.handshakeTimeoutMs;
    link.expectedPeer = expected.fingerprint();
    Result<TlsLink> connected = TlsLink::connect(host, port, me, book, link);
    if (!connected)
        return connected.error();
    return runSession(connected.value(), true, store, me, book, options);
}

SyncServer::SyncServer(share::Identity me, TrustSource trust, QString missionPath,
                       ServerOptions options)
    : me_(std::move(me))
    , trust_(std::move(trust))
    , missionPath_(std::move(missionPath))
    , options_(std::move(options)) {}

void SyncServer::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    slots_.notify_all();
}

Result<SyncReport> SyncServer::serveOne(Connection connection) {
    // Its own copy: an Identity is used on one thread at a time.
    const share::Identity me = me_;
    LinkOptions link;
    link.timeoutMs = options_.session.timeoutMs;
    link.handshakeTimeoutMs = options_.session.handshakeTimeoutMs;
    Result<TlsLink> verified = TlsLink::serve(std::move(connection), me, trust_, link);
    if (!verified)
        return verified.error();
    // Opened after the handshake, so that a stranger costs no database connection; one per
    // session, as SQLite wants a connection used on one thread at a time.
    Result<store::MissionStore> mission =
        store::MissionStore::open(missionPath_, store::MissionStore::Access::ReadWrite);
    if (!mission)
        return tellAndStop(verified.value(), mission.error());
    return runSession(verified.value(), false, mission.value(), me, trust_, options_.session,
                      &applyLock_);
}

Status SyncServer::run(TlsListener& listener, const std::function<void(const SessionEnd&)>& ended,
                       int stopAfter) {
    std::mutex reporting; // `ended` is called one at a time
    struct Running {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };
    std::list<Running> running;
    const int maxSessions = std::max(1, options_.maxSessions);
    for (;;) {
        {
            // A slot first: connections beyond the bound wait in the kernel's backlog, not in a
            // thread of ours.
            std::unique_lock<std::mutex> lock(mutex_);
            slots_.wait(lock, [&] {
                return stopping_ || (stopAfter > 0 && ended_ >= stopAfter) || active_ < maxSessions;
            });
            if (stopping_ || (stopAfter > 0 && ended_ >= stopAfter))
                break;
        }
        for (auto it = running.begin(); it != running.end();) {
            if (*it->done) {
                it->thread.join();
                it = running.erase(it);
            } else {
                ++it;
            }
        }
        // Short waits, so that stop() and the end of a --once session are seen promptly.
        if (!listener.pending(100))
            continue;
        Result<Connection> connection = listener.waitForConnection(0);
        if (!connection) { // the client went away before accept(), or no descriptor is free
            if (ended) {
                std::lock_guard<std::mutex> lock(reporting);
                ended({QString(), connection.error()});
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            continue;
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            ++active_;
        }
        auto done = std::make_shared<std::atomic<bool>>(false);
        std::thread thread(
            [this, &ended, &reporting, done, connection = std::move(connection).value()]() mutable {
                const QString from = connection.from();
                Result<SyncReport> result = serveOne(std::move(connection));
                if (ended) {
                    std::lock_guard<std::mutex> lock(reporting);
                    ended({from, std::move(result)});
                }
                {
                    std::lock_guard<std::mutex> lock(mutex_);
                    --active_;
                    ++ended_;
                }
                *done = true;
                slots_.notify_all();
            });
        running.push_back({std::move(thread), std::move(done)});
    }
    for (Running& r : running)
        r.thread.join();
    return success();
}

} // namespace tessera::sync
