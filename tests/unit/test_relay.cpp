// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Sharing through a real Mosquitto broker (docs/deployment.md), started by the tests from the
// sample configuration: stations converge and each holds exactly what it may; the broker's
// persistence file and the bytes on the wire hold no plaintext; a station away for the whole
// first half, a broker restarted, parts delivered twice and out of order; the broker's ACL
// against a station that reads or writes in another's name; a relaying peer that forges a
// record; a station killed with kill -9 while it applies; two bridged brokers.
#include "BrokerSupport.h"
#include "ShareTestSupport.h"
#include "TestSupport.h"
#include "relay/BrokerClient.h"
#include "relay/Inbox.h"
#include "relay/Relay.h"
#include "share/Bundle.h"
#include "share/BundleFormat.h"
#include "share/BundleRecords.h"
#include "store/MissionStore.h"

#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QUuid>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <fcntl.h>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace tessera;
using namespace tessera::share;
using namespace tessera::relay;

namespace {

const store::Marking kOpen{QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
const store::Marking kFrenchOnly{QStringLiteral("SECRET"), QStringLiteral("REL TO FRA")};
const QString kCli = QStringLiteral(TESSERA_CLI);

struct Station {
    Identity id;
    QString mission;
    ContactBook book;
};

Station makeStation(const QTemporaryDir& dir, const QString& name, const QString& org) {
    // Every station is of the UN mission; some are also national (REL TO FRA).
    Result<Identity> id =
        Identity::create({name, org, {QStringLiteral("UN")}, Classification::Secret, {}});
    REQUIRE(id.ok());
    store::MissionInfo info;
    info.id = test::kSharedMissionId;
    info.name = name;
    info.marking = kOpen;
    const QString path = dir.filePath(name + QStringLiteral(".tessera"));
    REQUIRE(store::MissionStore::create(path, info).ok());
    return {std::move(id).value(), path, {}};
}

/// Every station trusts every other.
void trustAll(QList<Station*> stations) {
    for (Station* a : stations)
        for (Station* b : stations)
            if (a != b)
                REQUIRE(a->book.importCard(b->id.card(), b->id.card().fingerprintText()).ok());
}

store::MissionStore open(const QString& mission) {
    Result<store::MissionStore> m =
        store::MissionStore::open(mission, store::MissionStore::Access::ReadWrite);
    REQUIRE(m.ok());
    return std::move(m).value();
}

void addIncidents(const Station& s, int count, const QString& prefix,
                  const store::Marking& marking) {
    store::MissionStore m = open(s.mission);
    for (int i = 0; i < count; ++i) {
        store::Incident x;
        x.title = QStringLiteral("%1 %2").arg(prefix).arg(i);
        x.narrative = QStringLiteral("%1 narrative %2 seen near the ford").arg(prefix).arg(i);
        x.category = QStringLiteral("other");
        x.observedAt = QDateTime(QDate(2026, 3, 1), QTime(10, 30), Qt::UTC);
        x.location = {1.0 + i * 1e-3, 15.0};
        x.marking = marking;
        REQUIRE(m.addIncident(x).ok());
    }
}

/// Titles of a mission's live incidents, sorted; read-only, so a running relay may write on.
QStringList titles(const QString& mission) {
    Result<store::MissionStore> m =
        store::MissionStore::open(mission, store::MissionStore::Access::ReadOnly);
    if (!m)
        return {QStringLiteral("cannot open: ") + m.error().message};
    Result<store::Statement> q = m.value().database().prepare(
        QStringLiteral("SELECT title FROM incident WHERE deleted = 0 ORDER BY title"));
    REQUIRE(q.ok());
    QStringList out;
    while (q.value().step().value())
        out.append(q.value().text(0));
    return out;
}

QString integrity(const QString& mission) {
    store::MissionStore m = open(mission);
    return m.database().scalar(QStringLiteral("PRAGMA integrity_check")).value().toString();
}

/// A station's relay on its own thread, stopped and joined when it goes.
class RunningRelay {
public:
    RunningRelay(const Station& s, const test::TestBroker& broker, const QString& url = {},
                 RelaySettings settings = {}) {
        settings.broker.endpoint =
            BrokerEndpoint::parse(url.isEmpty() ? broker.url() : url).value();
        settings.broker.caFile = broker.certificate();
        settings.broker.reconnectFirstMs = 100;
        settings.broker.reconnectLastMs = 1000;
        settings.missionPath = s.mission;
        settings.pollMs = 100;
        relay_ = std::make_unique<Relay>(s.id, sync::fixedTrust(s.book), settings);
        // TESSERA_RELAY_LOG=1 shows what each relay does, when a test needs explaining.
        const QString name = s.id.card().profile.stationName;
        thread_ = std::thread([this, name] {
            result_ = relay_->run([name](const QString& line) {
                if (qEnvironmentVariableIsSet("TESSERA_RELAY_LOG"))
                    std::fprintf(stderr, "[%s] %s\n", qPrintable(name), qPrintable(line));
            });
        });
    }
    ~RunningRelay() { stop(); }
    void stop() {
        if (!thread_.joinable())
            return;
        relay_->stop();
        thread_.join();
        REQUIRE(result_.ok());
    }
    [[nodiscard]] RelayStatus status() const { return relay_->status(); }

private:
    std::unique_ptr<Relay> relay_;
    std::thread thread_;
    Status result_ = success();
};

bool eventually(const std::function<bool()>& done, int timeoutMs = 60000) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (std::chrono::steady_clock::now() < end) {
        if (done())
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return done();
}

QStringList expected(const QString& prefix, int count) {
    QStringList out;
    for (int i = 0; i < count; ++i)
        out.append(QStringLiteral("%1 %2").arg(prefix).arg(i));
    return out;
}

QStringList sorted(QStringList l) {
    l.sort();
    return l;
}

/// A TCP relay between a station and the broker that keeps every byte it passes on: what an
/// eavesdropper on the link would hold.
class Tap {
public:
    explicit Tap(quint16 brokerPort)
        : brokerPort_(brokerPort) {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof a;
        REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(listener_, 4) == 0);
        REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &size) == 0);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~Tap() {
        stop_ = true;
        thread_.join();
        ::close(listener_);
    }
    [[nodiscard]] quint16 port() const { return port_; }
    [[nodiscard]] QByteArray seen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }

private:
    void serve() {
        while (!stop_) {
            pollfd p{listener_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0)
                continue;
            const int client = ::accept(listener_, nullptr, nullptr);
            const int broker = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            a.sin_port = htons(brokerPort_);
            if (::connect(broker, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
                ::close(client);
                ::close(broker);
                continue;
            }
            pump(client, broker); // one link at a time, until it ends
            ::close(client);
            ::close(broker);
        }
    }
    void pump(int a, int b) {
        char buffer[65536];
        while (!stop_) {
            pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
            if (::poll(fds, 2, 100) <= 0)
                continue;
            for (int i = 0; i < 2; ++i) {
                if (!(fds[i].revents & (POLLIN | POLLHUP)))
                    continue;
                const ssize_t n = ::recv(fds[i].fd, buffer, sizeof buffer, 0);
                if (n <= 0)
                    return;
                {
                    std::lock_guard lock(mutex_);
                    seen_.append(buffer, n);
                }
                if (::send(i == 0 ? b : a, buffer, static_cast<size_t>(n), MSG_NOSIGNAL) != n)
                    return;
            }
        }
    }
    quint16 brokerPort_;
    quint16 port_ = 0;
    int listener_ = -1;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex mutex_;
    QByteArray seen_;
};

/// A bare MQTT client as `id`, for playing a station that does what the relay never would.
struct RawClient {
    std::unique_ptr<BrokerClient> client;
    std::mutex mutex;
    bool connected = false;
    QString lastDisconnect;
    QHash<int, int> published; ///< mid -> reason
    QList<QList<int>> granted;
    QStringList received; ///< topics of the messages that reached this client

    RawClient(const Identity& id, const test::TestBroker& broker) {
        BrokerSettings settings;
        settings.endpoint = BrokerEndpoint::parse(broker.url()).value();
        settings.caFile = broker.certificate();
        settings.reconnectFirstMs = 200;
        BrokerEvents e;
        e.connected = [this](bool) {
            std::lock_guard lock(mutex);
            connected = true;
        };
        e.disconnected = [this](const QString& why) {
            std::lock_guard lock(mutex);
            connected = false;
            lastDisconnect = why;
        };
        e.published = [this](int mid, int reason) {
            std::lock_guard lock(mutex);
            published.insert(mid, reason);
        };
        e.subscribed = [this](int, const QList<int>& g) {
            std::lock_guard lock(mutex);
            granted.append(g);
        };
        e.message = [this](const QString& topic, const QByteArray&, const UserProperties&) {
            std::lock_guard lock(mutex);
            received.append(topic);
        };
        Result<std::unique_ptr<BrokerClient>> c = BrokerClient::start(id, settings, e);
        REQUIRE(c.ok());
        client = std::move(c).value();
    }
    bool isConnected() {
        std::lock_guard lock(mutex);
        return connected;
    }
    int reasonFor(int mid) {
        REQUIRE(eventually(
            [&] {
                std::lock_guard lock(mutex);
                return published.contains(mid);
            },
            20000));
        std::lock_guard lock(mutex);
        return published.value(mid);
    }
    /// Publishes a bundle's parts as the relay would (in the order given).
    void publishParts(const QString& topic, const QList<Part>& parts) {
        for (const Part& part : parts) {
            Result<int> mid = client->publish(
                topic, part.bytes,
                {{QStringLiteral("tessera-bundle"), part.header.bundle},
                 {QStringLiteral("tessera-part"), QString::number(part.header.part)},
                 {QStringLiteral("tessera-parts"), QString::number(part.header.parts)}});
            REQUIRE(mid.ok());
            CHECK(reasonFor(mid.value()) == 0);
        }
    }
};

/// The topic of `to`'s community (its organisation and communities), in `from`'s name.
QString communityTopicOf(const Identity& to, const Identity& from) {
    return QStringLiteral("tessera/%1/community/%2/from/%3")
        .arg(Relay::missionTopic(test::kSharedMissionId),
             sync::communityTopic(to.card().profile.organisation, to.card().profile.communities),
             QString::fromLatin1(from.fingerprint().toHex()));
}

QString inboxTopic(const Identity& to, const Identity& from) {
    return QStringLiteral("tessera/%1/to/%2/from/%3")
        .arg(Relay::missionTopic(test::kSharedMissionId),
             QString::fromLatin1(to.fingerprint().toHex()),
             QString::fromLatin1(from.fingerprint().toHex()));
}

} // namespace

TEST_CASE("A bundle split into parts comes back whole from the inbox, in any order, once",
          "[relay]") {
    QTemporaryDir dir;
    const QByteArray bundle = QByteArray(700 * 1024, 'x') + "end";
    QList<Part> parts = splitBundle(bundle, 256 * 1024);
    REQUIRE(parts.size() == 3);
    const QString sender(64, QLatin1Char('a'));
    Inbox inbox(dir.filePath(QStringLiteral("in")), 1 << 20, 256 * 1024);
    REQUIRE(inbox.open().ok());
    REQUIRE(inbox.store(sender, parts[2].header, parts[2].bytes).ok());
    REQUIRE(inbox.store(sender, parts[0].header, parts[0].bytes).ok());
    REQUIRE(inbox.store(sender, parts[0].header, parts[0].bytes).ok()); // delivered twice
    CHECK(inbox.whole().isEmpty());
    // A station killed now keeps what it had: a new inbox on the same folder finds the parts.
    Inbox again(dir.filePath(QStringLiteral("in")), 1 << 20, 256 * 1024);
    REQUIRE(again.open().ok());
    CHECK(again.partsHeld() == 2);
    REQUIRE(again.store(sender, parts[1].header, parts[1].bytes).ok());
    const QList<Inbox::Whole> whole = again.whole();
    REQUIRE(whole.size() == 1);
    CHECK(again.assemble(whole.first()).value() == bundle);
    again.remove(whole.first());
    // A part delivered again after the bundle was taken is not kept a second time.
    REQUIRE(again.store(sender, parts[1].header, parts[1].bytes).ok());
    CHECK(again.partsHeld() == 0);

    SECTION("bounds: more parts than the largest bundle, a part too large, a bad name") {
        PartHeader h = parts[0].header;
        h.parts = 5; // 5 x 256 KiB > 1 MiB
        CHECK_FALSE(inbox.store(sender, h, parts[0].bytes).ok());
        CHECK_FALSE(inbox.store(sender, parts[0].header, QByteArray(256 * 1024 + 1, 'y')).ok());
        CHECK_FALSE(inbox.store(QStringLiteral("../../etc"), parts[0].header, parts[0].bytes).ok());
        h = parts[0].header;
        h.bundle = QStringLiteral("../x");
        CHECK_FALSE(inbox.store(sender, h, parts[0].bytes).ok());
    }
    SECTION("parts that do not add up to the hash they claim are refused") {
        QTemporaryDir other;
        Inbox bad(other.filePath(QStringLiteral("in")), 1 << 20, 256 * 1024);
        REQUIRE(bad.open().ok());
        QList<Part> p = splitBundle("the real bundle", 256 * 1024);
        REQUIRE(bad.store(sender, p[0].header, "an altered bundle").ok());
        REQUIRE(bad.whole().size() == 1);
        CHECK_FALSE(bad.assemble(bad.whole().first()).ok());
    }
}

TEST_CASE("The inbox's journal drops a record cut short by a crash, keeps taken bundles taken "
          "after a restart, and is rewritten when little of it still waits",
          "[relay]") {
    QTemporaryDir dir;
    const QString folder = dir.filePath(QStringLiteral("in"));
    const QString a(64, QLatin1Char('a'));
    const QString b(64, QLatin1Char('b'));
    const QList<Part> first = splitBundle("first bundle", 256);
    const QList<Part> second = splitBundle(QByteArray(600, 's'), 256); // 3 parts
    const QList<Part> third = splitBundle("third bundle", 256);
    REQUIRE(second.size() == 3);
    qint64 goodLength = 0;
    {
        Inbox inbox(folder, 1 << 20, 256);
        REQUIRE(inbox.open().ok());
        REQUIRE(inbox.store(a, first[0].header, first[0].bytes).ok());
        REQUIRE(inbox.store(b, second[0].header, second[0].bytes).ok());
        REQUIRE(inbox.whole().size() == 1);
        inbox.remove(inbox.whole().first()); // the first bundle taken; the second waits
        goodLength = inbox.journalBytes();
        REQUIRE(inbox.store(b, second[1].header, second[1].bytes).ok());
    }
    // Killed while the last part was written: half of its record reached the disk.
    const qint64 full = QFileInfo(folder + QStringLiteral("/journal")).size();
    REQUIRE(full > goodLength);
    REQUIRE(::truncate(QFile::encodeName(folder + QStringLiteral("/journal")).constData(),
                       goodLength + (full - goodLength) / 2) == 0);
    {
        Inbox inbox(folder, 1 << 20, 256);
        REQUIRE(inbox.open().ok());
        CHECK(inbox.journalBytes() == goodLength); // the torn record is gone
        CHECK(inbox.partsHeld() == 1);             // the second bundle's first part
        // The first bundle, taken before the crash and delivered again, is not kept again.
        REQUIRE(inbox.store(a, first[0].header, first[0].bytes).ok());
        CHECK(inbox.whole().isEmpty());
        // The broker delivers the torn part again, and the rest.
        REQUIRE(inbox.store(b, second[1].header, second[1].bytes).ok());
        REQUIRE(inbox.store(b, second[2].header, second[2].bytes).ok());
        REQUIRE(inbox.whole().size() == 1);
        CHECK(inbox.assemble(inbox.whole().first()).value() == QByteArray(600, 's'));
    }
    SECTION("a damaged record ends the journal there") {
        QFile f(folder + QStringLiteral("/journal"));
        REQUIRE(f.open(QIODevice::ReadWrite));
        REQUIRE(f.seek(goodLength + 100)); // in the payload of the second bundle's second part
        REQUIRE(f.write("!") == 1);
        f.close();
        Inbox inbox(folder, 1 << 20, 256);
        REQUIRE(inbox.open().ok());
        CHECK(inbox.partsHeld() == 1);
        CHECK(inbox.journalBytes() == goodLength);
    }
    SECTION("mostly taken: rewritten with what waits, which stays whole") {
        Inbox inbox(folder, 1 << 20, 256);
        REQUIRE(inbox.open().ok());
        inbox.setCompactBytes(512);
        REQUIRE(inbox.store(a, third[0].header, third[0].bytes).ok());
        const QList<Inbox::Whole> whole = inbox.whole(); // the second, then the third
        REQUIRE(whole.size() == 2);
        const qint64 before = inbox.journalBytes();
        inbox.remove(whole[0]);
        CHECK(inbox.journalBytes() < before / 4);
        REQUIRE(inbox.whole().size() == 1);
        CHECK(inbox.assemble(inbox.whole().first()).value() == "third bundle");
        Inbox reopened(folder, 1 << 20, 256);
        REQUIRE(reopened.open().ok());
        REQUIRE(reopened.whole().size() == 1);
        CHECK(reopened.assemble(reopened.whole().first()).value() == "third bundle");
        reopened.remove(reopened.whole().first());
        CHECK(reopened.journalBytes() == 0); // nothing waits: emptied
    }
}

TEST_CASE("Stations converge through a real broker, each holding exactly what it may, and the "
          "broker and the wire hold no plaintext",
          "[relay]") {
    QTemporaryDir dir;
    Station paris = makeStation(dir, QStringLiteral("Paris"), QStringLiteral("FRA"));
    Station lyon = makeStation(dir, QStringLiteral("Lyon"), QStringLiteral("FRA"));
    Station accra = makeStation(dir, QStringLiteral("Accra"), QStringLiteral("GHA"));
    Station away = makeStation(dir, QStringLiteral("Away"), QStringLiteral("GHA"));
    trustAll({&paris, &lyon, &accra, &away});
    test::TestBroker broker(kCli, QStringLiteral("sector-north"));
    broker.admit({&paris.id, &lyon.id, &accra.id, &away.id});
    broker.start();

    // Away connects once (its session and subscription stay at the broker), then goes.
    {
        RunningRelay once(away, broker);
        REQUIRE(eventually([&] { return once.status().connected; }));
    }

    addIncidents(paris, 20, QStringLiteral("Paris open"), kOpen);
    addIncidents(paris, 5, QStringLiteral("Paris national"), kFrenchOnly);
    addIncidents(accra, 10, QStringLiteral("Accra open"), kOpen);
    const QStringList everything = sorted(expected(QStringLiteral("Paris open"), 20) +
                                          expected(QStringLiteral("Paris national"), 5) +
                                          expected(QStringLiteral("Accra open"), 10));
    const QStringList open = sorted(expected(QStringLiteral("Paris open"), 20) +
                                    expected(QStringLiteral("Accra open"), 10));
    {
        Tap tap(broker.port());
        RunningRelay a(paris, broker, QStringLiteral("mqtts://127.0.0.1:%1").arg(tap.port()));
        RunningRelay b(lyon, broker);
        RunningRelay c(accra, broker);
        REQUIRE(eventually([&] { return titles(lyon.mission) == everything; }));
        REQUIRE(eventually([&] { return titles(accra.mission) == open; }));
        REQUIRE(eventually([&] { return titles(paris.mission) == everything; }));
        // Written while the relays run: on its way within a poll.
        addIncidents(lyon, 3, QStringLiteral("Lyon late"), kOpen);
        REQUIRE(eventually(
            [&] { return titles(accra.mission).contains(QStringLiteral("Lyon late 2")); }));
        // The national reports never reached Accra, and nothing reached a station twice.
        CHECK_FALSE(
            titles(accra.mission).join(QLatin1Char(',')).contains(QLatin1String("national")));
        CHECK(a.status().refused == 0);
        CHECK(c.status().recordsApplied == 23);

        // The eavesdropper on Paris's link saw TLS only.
        const QByteArray wire = tap.seen();
        CHECK(wire.size() > 10000); // the bundles went this way
        for (const QString& title : everything)
            CHECK_FALSE(wire.contains(title.toUtf8()));
        CHECK_FALSE(wire.contains("narrative"));
        CHECK_FALSE(wire.contains("tessera/")); // not even the topics
    }

    // The broker restarts with what it queued for Away: its persistence file holds the bundles
    // (their magic is there) and not one title or narrative.
    broker.stop();
    const QByteArray persisted = test::readAll(broker.persistenceFile());
    CHECK(persisted.contains(kBundleMagic));
    for (const QString& title : everything)
        CHECK_FALSE(persisted.contains(title.toUtf8()));
    CHECK_FALSE(persisted.contains("narrative"));
    broker.start();

    // Away, offline for the whole first half, returns to everything it may hold.
    {
        RunningRelay late(away, broker);
        REQUIRE(eventually([&] {
            return titles(away.mission) == sorted(open + expected(QStringLiteral("Lyon late"), 3));
        }));
        CHECK(late.status().refused == 0);
    }
    for (const Station* s : {&paris, &lyon, &accra, &away})
        CHECK(integrity(s->mission) == QStringLiteral("ok"));
}

TEST_CASE("The broker's ACL refuses a station that reads or writes in another's name or reads "
          "another community, and a station it has not admitted",
          "[relay]") {
    QTemporaryDir dir;
    Station alpha = makeStation(dir, QStringLiteral("Alpha"), QStringLiteral("UN"));
    Station bravo = makeStation(dir, QStringLiteral("Bravo"), QStringLiteral("UN"));
    Station charlie = makeStation(dir, QStringLiteral("Charlie"), QStringLiteral("UN"));
    Station delta = makeStation(dir, QStringLiteral("Delta"), QStringLiteral("FRA"));
    Station stranger = makeStation(dir, QStringLiteral("Stranger"), QStringLiteral("UN"));
    test::TestBroker broker(kCli, QStringLiteral("sector-north"));
    broker.admit({&alpha.id, &bravo.id, &charlie.id, &delta.id});
    broker.start();

    RawClient a(alpha.id, broker);
    const bool up = eventually([&] { return a.isConnected(); }, 20000);
    INFO((a.lastDisconnect + QLatin1Char('\n') + broker.log().right(3000)).toStdString());
    REQUIRE(up);
    // Its own inbox, Bravo's by name, and everything through a wildcard: Mosquitto 2 grants
    // subscriptions and checks each message against the ACL as it delivers it, so only what
    // is addressed to Alpha reaches Alpha (checked below).
    const QString alphaInbox = inboxTopic(alpha.id, charlie.id);
    const QString bravoInbox = inboxTopic(bravo.id, charlie.id);
    REQUIRE(a.client->subscribe(alphaInbox).ok());
    REQUIRE(a.client->subscribe(bravoInbox).ok());
    REQUIRE(a.client->subscribe(QStringLiteral("tessera/#")).ok());
    REQUIRE(eventually([&] {
        std::lock_guard lock(a.mutex);
        return a.granted.size() == 3;
    }));
    CHECK(a.granted[0] == QList<int>{1});
    // Publishing to Bravo in its own name: taken. In Charlie's name: refused. To a community in
    // its own name: taken; in Charlie's: refused.
    const int own = a.client->publish(inboxTopic(bravo.id, alpha.id), "x").value();
    const int forged = a.client->publish(bravoInbox, "x").value();
    CHECK(a.reasonFor(own) == 0);
    CHECK(a.reasonFor(forged) >= 128);
    CHECK(a.reasonFor(a.client->publish(communityTopicOf(delta.id, alpha.id), "x").value()) == 0);
    CHECK(a.reasonFor(a.client->publish(communityTopicOf(alpha.id, charlie.id), "x").value()) >=
          128);
    // Charlie writes to Bravo and to Alpha: Bravo reads its own, Alpha only its own.
    RawClient b(bravo.id, broker);
    RawClient c(charlie.id, broker);
    REQUIRE(eventually([&] { return b.isConnected() && c.isConnected(); }));
    REQUIRE(b.client
                ->subscribe(inboxTopic(bravo.id, alpha.id).section(QLatin1Char('/'), 0, 4) +
                            QStringLiteral("/+"))
                .ok());
    REQUIRE(eventually([&] {
        std::lock_guard lock(b.mutex);
        return b.granted.size() == 1;
    }));
    CHECK(c.reasonFor(c.client->publish(bravoInbox, "for bravo").value()) == 0);
    CHECK(c.reasonFor(c.client->publish(alphaInbox, "for alpha").value()) == 0);
    // Alpha's community (the UN's, with Bravo) and Delta's (France's, in the UN): Alpha reads
    // only its own.
    const QString alphaCommunity = communityTopicOf(alpha.id, charlie.id);
    REQUIRE(alphaCommunity == communityTopicOf(bravo.id, charlie.id));
    REQUIRE(alphaCommunity != communityTopicOf(delta.id, charlie.id));
    CHECK(c.reasonFor(c.client->publish(alphaCommunity, "for the UN").value()) == 0);
    CHECK(c.reasonFor(
              c.client->publish(communityTopicOf(delta.id, charlie.id), "for France").value()) ==
          0);
    REQUIRE(eventually([&] {
        std::lock_guard lock(b.mutex);
        return !b.received.isEmpty();
    }));
    REQUIRE(eventually([&] {
        std::lock_guard lock(a.mutex);
        return !a.received.isEmpty();
    }));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    {
        std::lock_guard lock(a.mutex);
        REQUIRE_FALSE(a.received.isEmpty());
        CHECK(a.received.contains(alphaCommunity));
        a.received.removeAll(alphaInbox); // once per matching subscription
        a.received.removeAll(alphaCommunity);
        CHECK(a.received.isEmpty());
    }
    {
        std::lock_guard lock(b.mutex);
        CHECK(b.received == QStringList{bravoInbox});
    }

    // A station the broker has not admitted does not get past TLS.
    RawClient s(stranger.id, broker);
    std::this_thread::sleep_for(std::chrono::seconds(2));
    CHECK_FALSE(s.isConnected());
}

TEST_CASE("Parts delivered twice and out of order are applied once, and a peer relaying a forged "
          "record through the broker is refused",
          "[relay]") {
    QTemporaryDir dir;
    Station alpha = makeStation(dir, QStringLiteral("Alpha"), QStringLiteral("UN"));
    Station bravo = makeStation(dir, QStringLiteral("Bravo"), QStringLiteral("UN"));
    Station mallory = makeStation(dir, QStringLiteral("Mallory"), QStringLiteral("UN"));
    trustAll({&alpha, &bravo, &mallory});
    test::TestBroker broker(kCli, QStringLiteral("sector-north"));
    broker.admit({&alpha.id, &bravo.id, &mallory.id});
    broker.start();
    addIncidents(alpha, 400, QStringLiteral("Alpha"), kOpen);

    auto b = std::make_unique<RunningRelay>(bravo, broker);
    REQUIRE(eventually([&] { return b->status().connected; }));
    SECTION("twice and reordered") {
        store::MissionStore m = open(alpha.mission);
        Result<ExportReport> bundle = exportBundle(m, alpha.id, {bravo.id.card()}, {});
        REQUIRE(bundle.ok());
        QList<Part> parts = splitBundle(bundle.value().bytes, 4 * 1024);
        REQUIRE(parts.size() > 3);
        std::reverse(parts.begin(), parts.end());
        parts.append(parts.mid(0, 3)); // some parts twice
        RawClient a(alpha.id, broker);
        REQUIRE(eventually([&] { return a.isConnected(); }));
        a.publishParts(inboxTopic(bravo.id, alpha.id), parts);
        REQUIRE(eventually([&] { return titles(bravo.mission).size() == 400; }));
        // The whole bundle again, while Bravo runs and after it restarted (its inbox then
        // remembers nothing): the mission's sharing log knows the bundle.
        a.publishParts(inboxTopic(bravo.id, alpha.id),
                       splitBundle(bundle.value().bytes, 16 * 1024));
        std::this_thread::sleep_for(std::chrono::seconds(1));
        CHECK(b->status().bundlesApplied == 1);
        CHECK(b->status().recordsApplied == 400);
        b = std::make_unique<RunningRelay>(bravo, broker);
        REQUIRE(eventually([&] { return b->status().connected; }));
        a.publishParts(inboxTopic(bravo.id, alpha.id),
                       splitBundle(bundle.value().bytes, 16 * 1024));
        REQUIRE(eventually([&] { return b->status().duplicates == 1; }));
        CHECK(b->status().bundlesApplied == 0);
        CHECK(titles(bravo.mission).size() == 400);
    }
    SECTION("a forged record") {
        // Bravo holds Alpha's reports, from Alpha. Mallory then passes on a version of one of
        // them with the title changed, signed by itself in Alpha's name.
        {
            RunningRelay a(alpha, broker);
            REQUIRE(eventually([&] { return titles(bravo.mission).size() == 400; }));
        }
        store::MissionStore m = open(alpha.mission);
        Result<QList<SharedRecord>> records = changedRecords(m, {});
        REQUIRE(records.ok());
        QList<SharedRecord> forged{records.value().first()};
        forged[0].value.insert(QStringLiteral("title"),
                               QStringLiteral("Forged through the broker"));
        const QByteArray payload = test::signedPayload(mallory.id, forged);
        BundleHeader header;
        header.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
        header.created = QDateTime::currentDateTimeUtc();
        header.sender = mallory.id.fingerprint();
        header.recipients = {bravo.id.fingerprint()};
        header.mission = test::kSharedMissionId;
        Result<QByteArray> sealed = sealBundle(header, payload, mallory.id, {bravo.id.card()});
        REQUIRE(sealed.ok());
        RawClient mc(mallory.id, broker);
        REQUIRE(eventually([&] { return mc.isConnected(); }));
        mc.publishParts(inboxTopic(bravo.id, mallory.id), splitBundle(sealed.value(), 256 * 1024));
        REQUIRE(eventually([&] { return b->status().refused == 1; }));
        INFO(b->status().lastError.toStdString());
        CHECK(b->status().lastError.contains(QLatin1String("sign")));
        CHECK_FALSE(titles(bravo.mission).contains(QStringLiteral("Forged through the broker")));
        CHECK(titles(bravo.mission).size() == 400);
    }
    b.reset();
    CHECK(integrity(bravo.mission) == QStringLiteral("ok"));
}

TEST_CASE("A bundle that arrives while the mission is busy with another writer waits in the "
          "inbox and is applied, not dropped",
          "[relay]") {
    QTemporaryDir dir;
    Station alpha = makeStation(dir, QStringLiteral("Alpha"), QStringLiteral("UN"));
    Station bravo = makeStation(dir, QStringLiteral("Bravo"), QStringLiteral("UN"));
    trustAll({&alpha, &bravo});
    test::TestBroker broker(kCli, QStringLiteral("sector-north"));
    broker.admit({&alpha.id, &bravo.id});
    broker.start();
    RunningRelay b(bravo, broker);
    REQUIRE(eventually([&] { return b.status().connected; }));
    // Another writer holds Bravo's mission for longer than SQLite waits (5 s).
    store::MissionStore holder = open(bravo.mission);
    REQUIRE(holder.database().exec(QStringLiteral("BEGIN IMMEDIATE")).ok());
    addIncidents(alpha, 50, QStringLiteral("Alpha"), kOpen);
    {
        RunningRelay a(alpha, broker);
        REQUIRE(eventually([&] { return b.status().lastError.contains(QLatin1String("waits")); },
                           30000));
        CHECK(b.status().refused == 0);
        REQUIRE(holder.database().exec(QStringLiteral("COMMIT")).ok());
        REQUIRE(eventually([&] { return titles(bravo.mission).size() == 50; }));
    }
    CHECK(b.status().bundlesApplied >= 1);
}

TEST_CASE("A station killed with kill -9 while it applies resumes and converges, and the broker "
          "restarted mid-run loses nothing",
          "[relay]") {
    QTemporaryDir dir;
    Station alpha = makeStation(dir, QStringLiteral("Alpha"), QStringLiteral("UN"));
    Station bravo = makeStation(dir, QStringLiteral("Bravo"), QStringLiteral("UN"));
    trustAll({&alpha, &bravo});
    // Bravo runs as `tessera-cli relay run`, with its identity and contact book in files.
    const QByteArray pass = "correct horse battery staple";
    const QString identity = dir.filePath(QStringLiteral("bravo.identity"));
    REQUIRE(bravo.id.save(identity, pass).ok());
    const QString contacts = dir.filePath(QStringLiteral("bravo-contacts.cbor"));
    {
        Result<ContactBook> book = ContactBook::load(contacts, bravo.id.card());
        REQUIRE(book.ok());
        REQUIRE(book.value().importCard(alpha.id.card(), alpha.id.card().fingerprintText()).ok());
        REQUIRE(book.value().save(bravo.id).ok());
    }
    test::TestBroker broker(kCli, QStringLiteral("sector-north"));
    broker.admit({&alpha.id, &bravo.id});
    broker.start();
    auto startBravo = [&](QProcess& p) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("TESSERA_IDENTITY"), identity);
        env.insert(QStringLiteral("TESSERA_PASSPHRASE"), QString::fromLatin1(pass));
        p.setProcessEnvironment(env);
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(kCli, {QStringLiteral("relay"), QStringLiteral("run"), bravo.mission,
                       QStringLiteral("--contacts"), contacts, QStringLiteral("--broker"),
                       broker.url(), QStringLiteral("--broker-ca"), broker.certificate(),
                       QStringLiteral("--poll"), QStringLiteral("0.2")});
        REQUIRE(p.waitForStarted());
    };
    QProcess first;
    startBravo(first);
    REQUIRE(eventually(
        [&] { return QFile::exists(bravo.mission + QStringLiteral(".relay/state.cbor")); }));

    {
        RunningRelay a(alpha, broker);
        // Alpha writes ten waves of 300 reports while Bravo applies them, one bundle a wave.
        // (Catch's assertions are for the test's own thread: the writer only counts failures.)
        std::atomic<int> writeFailures{0};
        std::thread writer([&] {
            Result<store::MissionStore> m =
                store::MissionStore::open(alpha.mission, store::MissionStore::Access::ReadWrite);
            if (!m) {
                ++writeFailures;
                return;
            }
            for (int wave = 0; wave < 10; ++wave) {
                for (int i = 0; i < 300; ++i) {
                    store::Incident x;
                    x.title = QStringLiteral("Alpha %1 %2").arg(wave).arg(i);
                    x.category = QStringLiteral("other");
                    x.observedAt = QDateTime(QDate(2026, 3, 1), QTime(10, 30), Qt::UTC);
                    x.location = {1.0 + i * 1e-3, 15.0};
                    x.marking = kOpen;
                    if (!m.value().addIncident(x))
                        ++writeFailures;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(700));
            }
        });
        // Killed in the middle: some of the waves applied, not all of them.
        REQUIRE(eventually([&] { return titles(bravo.mission).size() >= 600; }));
        ::kill(static_cast<pid_t>(first.processId()), SIGKILL);
        first.waitForFinished();
        const qsizetype atKill = titles(bravo.mission).size();
        INFO("applied when killed: " << atKill);
        CHECK(atKill < 3000);
        // The broker restarts while Alpha still has parts in flight.
        broker.stop();
        broker.start();
        QProcess second;
        startBravo(second);
        writer.join();
        REQUIRE(writeFailures == 0);
        REQUIRE(eventually([&] { return titles(bravo.mission).size() == 3000; }, 120000));
        second.terminate();
        REQUIRE(second.waitForFinished(20000));
        CHECK(QString::fromUtf8(second.readAll()).contains(QLatin1String("stopped:")));
    }
    QStringList all;
    for (int wave = 0; wave < 10; ++wave)
        all += expected(QStringLiteral("Alpha %1").arg(wave), 300);
    CHECK(titles(bravo.mission) == sorted(all));
    CHECK(integrity(bravo.mission) == QStringLiteral("ok"));
}
TEST_CASE("A station in a process holding over 1,024 files still reaches the broker", "[relay]") {
    // mosquitto_loop() waits with select(2), which refuses a socket numbered 1024 or above: the
    // client never connected and said only "Invalid function arguments provided" (seen with
    // 200 stations in one process). Files held open push the client's socket past 1024.
    rlimit limit = {};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
    if (limit.rlim_cur < 1400) {
        limit.rlim_cur = std::min<rlim_t>(1400, limit.rlim_max);
        REQUIRE(::setrlimit(RLIMIT_NOFILE, &limit) == 0);
    }
    REQUIRE(limit.rlim_cur >= 1400);
    QTemporaryDir dir;
    Station alpha = makeStation(dir, QStringLiteral("Alpha"), QStringLiteral("UN"));
    Station bravo = makeStation(dir, QStringLiteral("Bravo"), QStringLiteral("UN"));
    test::TestBroker broker(kCli, QStringLiteral("sector-north"));
    broker.admit({&alpha.id, &bravo.id});
    broker.start();
    std::vector<int> held;
    while (held.empty() || held.back() < 1100) {
        const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            break;
        held.push_back(fd);
    }
    const auto release = qScopeGuard([&] {
        for (int fd : held)
            ::close(fd);
    });
    REQUIRE(held.size() > 100);
    RawClient a(alpha.id, broker);
    RawClient b(bravo.id, broker);
    const bool up = eventually([&] { return a.isConnected() && b.isConnected(); }, 20000);
    INFO(a.lastDisconnect.toStdString());
    REQUIRE(up);
    REQUIRE(b.client->subscribe(inboxTopic(bravo.id, alpha.id)).ok());
    REQUIRE(eventually([&] {
        std::lock_guard lock(b.mutex);
        return b.granted.size() == 1;
    }));
    CHECK(a.reasonFor(a.client->publish(inboxTopic(bravo.id, alpha.id), "over 1024").value()) == 0);
    CHECK(eventually([&] {
        std::lock_guard lock(b.mutex);
        return b.received.contains(inboxTopic(bravo.id, alpha.id));
    }));
}

TEST_CASE("Two bridged brokers, sector to force HQ, carry bundles between their stations",
          "[relay]") {
    QTemporaryDir dir;
    Station sector = makeStation(dir, QStringLiteral("Sector"), QStringLiteral("UN"));
    Station force = makeStation(dir, QStringLiteral("Force"), QStringLiteral("UN"));
    trustAll({&sector, &force});
    test::TestBroker north(kCli, QStringLiteral("sector-north"));
    test::TestBroker hq(kCli, QStringLiteral("force-hq"));
    north.admit({&sector.id});
    hq.admit({&force.id});
    north.bridgeTo(hq);
    hq.start();
    north.start();
    addIncidents(sector, 30, QStringLiteral("Sector"), kOpen);
    addIncidents(force, 20, QStringLiteral("Force"), kOpen);
    RunningRelay s(sector, north);
    RunningRelay f(force, hq);
    const QStringList all =
        sorted(expected(QStringLiteral("Sector"), 30) + expected(QStringLiteral("Force"), 20));
    const bool crossed = eventually([&] { return titles(force.mission) == all; });
    INFO((north.log().right(3000) + hq.log().right(3000)).toStdString());
    REQUIRE(crossed);
    REQUIRE(eventually([&] { return titles(sector.mission) == all; }));
}
