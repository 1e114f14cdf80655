// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Sync over TLS 1.3 on loopback: mutual authentication bound to the stations' keys, refusal of
// unknown, revoked and impersonating peers, a full sync both ways, and resumption after a link
// that drops in the middle of a series without resending what arrived. Then the server against
// an adversary: clients that stay silent or trickle (handshake and frames), a trusted peer whose
// HELLO claims 16 MiB or names too many stations, and stations revoked in the contacts file
// while the server waits or while a session runs.
#include "TestSupport.h"
#include "share/Bundle.h"
#include "share/BundleRecords.h"
#include "store/MissionStore.h"
#include "sync/Sync.h"
#include "sync/TlsLink.h"

#include <QCborMap>
#include <QFile>
#include <QTemporaryDir>
#include <QUuid>
#include <QtEndian>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace tessera;
using namespace tessera::share;
using namespace tessera::sync;

namespace {

const store::Marking kOpen{QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
const store::Marking kNationalOnly{QStringLiteral("SECRET"), QStringLiteral("REL TO FRA")};
constexpr int kWaitMs = 20000;

struct Station {
    Identity id;
    ContactBook book;
    QString mission;
};

Station station(const QTemporaryDir& dir, const QString& name,
                const QString& org = QStringLiteral("UN")) {
    Result<Identity> id = Identity::create({name, org, {}, Classification::Secret, {}});
    REQUIRE(id.ok());
    store::MissionInfo info;
    info.id = test::kSharedMissionId;
    info.name = name;
    info.marking = kOpen;
    const QString path = dir.filePath(name + QStringLiteral(".tessera"));
    REQUIRE(store::MissionStore::create(path, info).ok());
    return {std::move(id).value(), ContactBook(), path};
}

void trust(Station& a, const Station& b) {
    REQUIRE(a.book.importCard(b.id.card(), b.id.card().fingerprintText()).ok());
}

store::MissionStore open(const Station& s) {
    Result<store::MissionStore> m =
        store::MissionStore::open(s.mission, store::MissionStore::Access::ReadWrite);
    REQUIRE(m.ok());
    return std::move(m).value();
}

void addIncidents(const Station& s, int count, const QString& prefix,
                  const store::Marking& marking = kOpen) {
    store::MissionStore m = open(s);
    for (int i = 0; i < count; ++i) {
        store::Incident x;
        x.title = QStringLiteral("%1 %2").arg(prefix).arg(i);
        x.category = QStringLiteral("other");
        x.observedAt = QDateTime(QDate(2026, 3, 1), QTime(10, 30), Qt::UTC);
        x.location = {1.0 + i * 1e-3, 15.0};
        x.marking = marking;
        REQUIRE(m.addIncident(x).ok());
    }
}

/// Titles of a mission's live incidents, sorted.
QStringList titles(const Station& s) {
    store::MissionStore m = open(s);
    Result<store::Statement> q = m.database().prepare(
        QStringLiteral("SELECT title FROM incident WHERE deleted = 0 ORDER BY title"));
    REQUIRE(q.ok());
    QStringList out;
    while (q.value().step().value())
        out.append(q.value().text(0));
    return out;
}

/// The server side of one session, on its own thread.
std::future<Result<SyncReport>> serveOnce(TlsListener& listener, const Station& s,
                                          const SyncOptions& options = {}) {
    return std::async(std::launch::async, [&listener, &s, options]() -> Result<SyncReport> {
        Result<store::MissionStore> m =
            store::MissionStore::open(s.mission, store::MissionStore::Access::ReadWrite);
        if (!m)
            return m.error();
        Result<TlsLink> link = listener.accept(s.id, s.book, {options.timeoutMs, {}}, kWaitMs);
        if (!link)
            return link.error();
        return runSession(link.value(), false, m.value(), s.id, s.book, options);
    });
}

/// The dialling side of one session, on this thread.
Result<SyncReport> dial(quint16 port, const Station& to, const Station& from,
                        const SyncOptions& options = {}, const ContactBook* book = nullptr) {
    store::MissionStore m = open(from);
    return syncWith(QStringLiteral("127.0.0.1"), port, to.id.card(), m, from.id,
                    book ? *book : from.book, options);
}

TlsListener listenLoopback() {
    Result<TlsListener> l = TlsListener::listen(QStringLiteral("127.0.0.1"), 0);
    REQUIRE(l.ok());
    REQUIRE(l.value().port() != 0);
    return std::move(l).value();
}

/// A TCP relay between a client and the listener that cuts both directions once `limit` bytes
/// have gone from the client to the server: a link that drops in the middle of a session.
class DroppingRelay {
public:
    DroppingRelay(quint16 target, qint64 limit)
        : limit_(limit) {
        listen_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(listen_, 1) == 0);
        socklen_t len = sizeof a;
        getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this, target] { run(target); });
    }
    ~DroppingRelay() {
        thread_.join();
        ::close(listen_);
    }
    [[nodiscard]] quint16 port() const { return port_; }
    [[nodiscard]] qint64 forwarded() const { return forwarded_; }

private:
    void run(quint16 target) {
        pollfd wait{listen_, POLLIN, 0};
        if (::poll(&wait, 1, kWaitMs) != 1)
            return;
        const int client = ::accept(listen_, nullptr, nullptr);
        const int server = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(target);
        if (::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(client);
            return;
        }
        char buffer[16384];
        for (bool open = true; open;) {
            pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
            if (::poll(p, 2, kWaitMs) <= 0)
                break;
            for (int k = 0; k < 2 && open; ++k) {
                if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
                    continue;
                const ssize_t n = ::read(p[k].fd, buffer, sizeof buffer);
                if (n <= 0) {
                    open = false;
                    break;
                }
                ssize_t send = n;
                if (k == 0) {
                    send = static_cast<ssize_t>(std::min<qint64>(n, limit_ - forwarded_));
                    forwarded_ += send;
                }
                if (send > 0 && ::write(p[1 - k].fd, buffer, static_cast<size_t>(send)) != send)
                    open = false;
                if (k == 0 && forwarded_ >= limit_)
                    open = false; // the link drops here
            }
        }
        ::shutdown(client, SHUT_RDWR);
        ::shutdown(server, SHUT_RDWR);
        ::close(client);
        ::close(server);
    }
    int listen_ = -1;
    quint16 port_ = 0;
    qint64 limit_;
    std::atomic<qint64> forwarded_{0};
    std::thread thread_;
};

/// A plain TCP connection to the server, below TLS: the adversary that says nothing, or says
/// the start of a ClientHello a byte at a time.
int tcpConnect(quint16 port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(port);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
    return fd;
}

/// Whether the other end has closed `fd` (or reset it); false while it is open and quiet.
bool closedByPeer(int fd) {
    char c = 0;
    const ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/// Trickles a TLS handshake record on its own thread: a record header that announces 16 KiB of
/// ClientHello, then one byte every 100 ms, until told to stop, the server hangs up, or `cap`
/// bytes. Counts what it got out.
class HandshakeTrickler {
public:
    HandshakeTrickler(quint16 port, int cap)
        : fd_(tcpConnect(port)) {
        thread_ = std::thread([this, cap] {
            const char header[5] = {0x16, 0x03, 0x01, 0x40, 0x00};
            if (::send(fd_, header, sizeof header, MSG_NOSIGNAL) != 5)
                return;
            for (int i = 0; i < cap && !stop_; ++i) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                const char byte = 0x01;
                if (stop_ || closedByPeer(fd_) || ::send(fd_, &byte, 1, MSG_NOSIGNAL) != 1)
                    return;
                ++sent_;
            }
        });
    }
    ~HandshakeTrickler() {
        stop();
        ::close(fd_);
    }
    void stop() {
        stop_ = true;
        if (thread_.joinable())
            thread_.join();
    }
    /// Stops and closes its end, so that the server sees the end of the stream.
    void hangUp() {
        stop();
        ::shutdown(fd_, SHUT_RDWR);
    }
    [[nodiscard]] int sent() const { return sent_; }
    [[nodiscard]] int fd() const { return fd_; }

private:
    int fd_;
    std::atomic<bool> stop_{false};
    std::atomic<int> sent_{0};
    std::thread thread_;
};

/// A trusted station's own TLS client below TlsLink: it proves its key like any station (a
/// certificate made from its identity), then writes whatever bytes the test chooses, as slowly
/// as it chooses. The adversary here is an authenticated peer.
class RawStation {
public:
    RawStation(const Station& s, quint16 port) {
        const auto& secret = s.id.signingSecretForTls();
        key_ =
            EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, secret.data(), secret.size());
        REQUIRE(key_);
        cert_ = X509_new();
        const QByteArray cn = s.id.fingerprint().toHex();
        X509_NAME* name = X509_get_subject_name(cert_);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(cn.constData()),
                                   static_cast<int>(cn.size()), -1, 0);
        X509_set_issuer_name(cert_, name);
        X509_gmtime_adj(X509_getm_notBefore(cert_), -60);
        X509_gmtime_adj(X509_getm_notAfter(cert_), 3600);
        X509_set_pubkey(cert_, key_);
        REQUIRE(X509_sign(cert_, key_, nullptr) > 0);
        ctx_ = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_min_proto_version(ctx_, TLS1_3_VERSION);
        REQUIRE(SSL_CTX_use_certificate(ctx_, cert_) == 1);
        REQUIRE(SSL_CTX_use_PrivateKey(ctx_, key_) == 1);
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
        fd_ = tcpConnect(port);
        timeval tv{kWaitMs / 1000, 0};
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ssl_ = SSL_new(ctx_);
        SSL_set_fd(ssl_, fd_);
        REQUIRE(SSL_connect(ssl_) == 1);
    }
    ~RawStation() {
        SSL_free(ssl_);
        ::close(fd_);
        SSL_CTX_free(ctx_);
        X509_free(cert_);
        EVP_PKEY_free(key_);
    }
    /// One TLS record; false once the server has hung up.
    bool write(const QByteArray& bytes) {
        return SSL_write(ssl_, bytes.constData(), static_cast<int>(bytes.size())) == bytes.size();
    }
    /// Everything the server sends until it closes the link (or kWaitMs of silence).
    QByteArray readToEnd() {
        QByteArray all;
        char buffer[4096];
        for (int n; (n = SSL_read(ssl_, buffer, sizeof buffer)) > 0;)
            all.append(buffer, n);
        return all;
    }

private:
    EVP_PKEY* key_ = nullptr;
    X509* cert_ = nullptr;
    SSL_CTX* ctx_ = nullptr;
    SSL* ssl_ = nullptr;
    int fd_ = -1;
};

/// A frame as the protocol writes it: 4-byte big-endian length, type, body. `claimed`, when
/// not negative, is the length the header says whatever the body.
QByteArray frameBytes(quint8 type, const QByteArray& body, qint64 claimed = -1) {
    char head[5];
    qToBigEndian(static_cast<quint32>(claimed >= 0 ? claimed : body.size()), head);
    head[4] = static_cast<char>(type);
    return QByteArray(head, 5) + body;
}

QByteArray helloBody(int stations, const QString& padding = {}) {
    QCborMap knows;
    for (int i = 0; i < stations; ++i)
        knows.insert(QUuid::createUuid().toString(QUuid::WithoutBraces), 1);
    QCborMap m;
    m.insert(QStringLiteral("protocol"), QStringLiteral("tessera-sync/1"));
    m.insert(QStringLiteral("knows"), knows);
    if (!padding.isEmpty())
        m.insert(QStringLiteral("padding"), padding);
    return m.toCborValue().toCbor();
}

/// A SyncServer on its own thread, recording how each session ended.
class RunningServer {
public:
    RunningServer(TlsListener& listener, const Station& s, TrustSource trust,
                  const ServerOptions& options)
        : server_(s.id, std::move(trust), s.mission, options) {
        thread_ = std::thread([this, &listener] {
            (void)server_.run(listener, [this](const SessionEnd& end) {
                std::lock_guard<std::mutex> lock(mutex_);
                ends_.append({end.from, end.result.errorMessage(), end.result.ok()});
                changed_.notify_all();
            });
        });
    }
    ~RunningServer() { stop(); }
    void stop() {
        server_.stop();
        if (thread_.joinable())
            thread_.join();
    }
    struct End {
        QString from;
        QString error;
        bool ok = false;
    };
    /// The sessions ended so far, once there are at least `count` (or kWaitMs passed).
    QList<End> waitForEnds(int count) {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait_for(lock, std::chrono::milliseconds(kWaitMs),
                          [&] { return ends_.size() >= count; });
        return ends_;
    }

private:
    SyncServer server_;
    std::mutex mutex_;
    std::condition_variable changed_;
    QList<End> ends_;
    std::thread thread_;
};

SharedRecord record(const QString& kind, const QString& uuid, qint64 updated,
                    const QString& incident = {}) {
    SharedRecord r;
    r.kind = kind;
    r.uuid = uuid;
    r.updated = updated;
    r.station = QStringLiteral("s");
    if (!incident.isEmpty())
        r.value.insert(QStringLiteral("incident"), incident);
    return r;
}

} // namespace

TEST_CASE("Series cuts keep every prefix whole", "[sync]") {
    SECTION("at most the limit when nothing ties") {
        QList<SharedRecord> r;
        for (int i = 0; i < 10; ++i)
            r.append(record(QStringLiteral("incident"), QString::number(i), i + 1));
        CHECK(seriesCuts(r, 3) == QList<int>{3, 6, 9, 10});
        CHECK(seriesCuts(r, 0) == QList<int>{10});
        CHECK(seriesCuts(r, 20) == QList<int>{10});
        CHECK(seriesCuts({}, 3) == QList<int>{0});
    }
    SECTION("never between two records of one stamp") {
        QList<SharedRecord> r;
        for (int i = 0; i < 6; ++i)
            r.append(record(QStringLiteral("incident"), QString::number(i), i < 4 ? 1 : 2));
        CHECK(seriesCuts(r, 2) == QList<int>{4, 6});
    }
    SECTION("a note never travels before its incident") {
        QList<SharedRecord> r;
        r.append(record(QStringLiteral("incident"), QStringLiteral("a"), 1));
        r.append(record(QStringLiteral("note"), QStringLiteral("n"), 2, QStringLiteral("late")));
        r.append(record(QStringLiteral("incident"), QStringLiteral("b"), 3));
        r.append(record(QStringLiteral("incident"), QStringLiteral("late"), 4));
        r.append(record(QStringLiteral("incident"), QStringLiteral("c"), 5));
        r.append(record(QStringLiteral("incident"), QStringLiteral("d"), 6));
        // The note (stamp 2) belongs to an incident last changed at stamp 4: no cut before it.
        CHECK(seriesCuts(r, 1) == QList<int>{1, 4, 5, 6});
    }
}

TEST_CASE("Sync over TLS: both ways, only what the peer may have", "[sync]") {
    QTemporaryDir dir;
    Station a = station(dir, QStringLiteral("Alpha"));
    Station b = station(dir, QStringLiteral("Bravo"));
    trust(a, b);
    trust(b, a);
    addIncidents(a, 120, QStringLiteral("A"));
    addIncidents(a, 3, QStringLiteral("Secret"), kNationalOnly);
    addIncidents(b, 40, QStringLiteral("B"));
    {
        store::MissionStore m = open(a);
        store::IncidentNote note;
        note.text = QStringLiteral("seen from the hill");
        note.author = QStringLiteral("analyst");
        note.writtenAt = QDateTime(QDate(2026, 3, 1), QTime(11, 0), Qt::UTC);
        note.marking = kOpen;
        REQUIRE(m.addNote(m.incidents().value().first().uuid, note).ok());
    }

    TlsListener listener = listenLoopback();
    SyncOptions options;
    options.recordsPerBundle = 25;
    auto server = serveOnce(listener, b, options);
    Result<SyncReport> client = dial(listener.port(), b, a, options);
    Result<SyncReport> served = server.get();
    REQUIRE(client.errorMessage() == QString());
    REQUIRE(served.errorMessage() == QString());

    CHECK(client.value().peer.profile.stationName == QStringLiteral("Bravo"));
    CHECK(served.value().peer.profile.stationName == QStringLiteral("Alpha"));
    CHECK(client.value().recordsSent == 121); // 120 incidents and the note
    CHECK(client.value().withheld == 3);      // REL TO FRA: Bravo is UN
    CHECK(client.value().bundlesSent == 5);
    CHECK(served.value().recordsApplied == 121);
    CHECK(served.value().recordsSent == 40);
    CHECK(client.value().recordsApplied == 40);

    QStringList atB = titles(b);
    CHECK(atB.size() == 160);
    CHECK(std::none_of(atB.begin(), atB.end(),
                       [](const QString& t) { return t.startsWith(QLatin1String("Secret")); }));
    CHECK(titles(a).size() == 163);
    {
        store::MissionStore m = open(b);
        Result<QList<BundleLogEntry>> log = bundleLog(m);
        REQUIRE(log.ok());
        CHECK(std::count_if(log.value().begin(), log.value().end(), [](const BundleLogEntry& e) {
                  return e.direction == QLatin1String("received");
              }) == 5);
    }

    SECTION("a second session sends nothing again") {
        auto again = serveOnce(listener, b, options);
        Result<SyncReport> second = dial(listener.port(), b, a, options);
        REQUIRE(again.get().ok());
        REQUIRE(second.ok());
        CHECK(second.value().recordsSent == 0);
        CHECK(second.value().recordsApplied == 0);
        CHECK(titles(b).size() == 160);
    }
}

TEST_CASE("Sync resumes after a dropped link without resending what arrived", "[sync]") {
    QTemporaryDir dir;
    Station a = station(dir, QStringLiteral("Alpha"));
    Station b = station(dir, QStringLiteral("Bravo"));
    trust(a, b);
    trust(b, a);
    addIncidents(a, 400, QStringLiteral("A"));
    SyncOptions options;
    options.recordsPerBundle = 20;
    options.timeoutMs = 5000;
    TlsListener listener = listenLoopback();

    // How many bytes a whole session sends from Alpha, measured on a copy of Bravo's mission.
    const QString pristine = dir.filePath(QStringLiteral("bravo-pristine.tessera"));
    REQUIRE(QFile::copy(b.mission, pristine));
    qint64 total = 0;
    {
        DroppingRelay relay(listener.port(), std::numeric_limits<qint64>::max());
        auto server = serveOnce(listener, b, options);
        REQUIRE(dial(relay.port(), b, a, options).ok());
        REQUIRE(server.get().ok());
        total = relay.forwarded();
    }
    REQUIRE(titles(b).size() == 400);
    REQUIRE(QFile::remove(b.mission));
    REQUIRE(QFile::copy(pristine, b.mission));
    REQUIRE(titles(b).isEmpty());

    // The same session, cut when half of those bytes have gone.
    {
        DroppingRelay relay(listener.port(), total / 2);
        auto server = serveOnce(listener, b, options);
        Result<SyncReport> cut = dial(relay.port(), b, a, options);
        CHECK_FALSE(cut.ok());
        Result<SyncReport> served = server.get();
        CHECK_FALSE(served.ok());
    }
    const int arrived = static_cast<int>(titles(b).size());
    INFO("arrived before the link dropped: " << arrived);
    CHECK(arrived > 0);
    CHECK(arrived < 400);
    CHECK(arrived % 20 == 0); // whole bundles only

    auto server = serveOnce(listener, b, options);
    Result<SyncReport> resumed = dial(listener.port(), b, a, options);
    REQUIRE(server.get().ok());
    REQUIRE(resumed.errorMessage() == QString());
    CHECK(resumed.value().recordsSent == 400 - arrived);
    CHECK(titles(b) == titles(a));
}

TEST_CASE("Sync refuses unknown revoked and unexpected peers before anything is sent", "[sync]") {
    QTemporaryDir dir;
    Station a = station(dir, QStringLiteral("Alpha"));
    Station b = station(dir, QStringLiteral("Bravo"));
    Station c = station(dir, QStringLiteral("Charlie"));
    trust(a, b);
    trust(a, c);
    trust(c, a);
    addIncidents(a, 5, QStringLiteral("A"));
    TlsListener listener = listenLoopback();
    SyncOptions options;
    options.timeoutMs = 5000;

    SECTION("the server does not know the client") {
        auto server = serveOnce(listener, b, options); // Bravo's book is empty
        Result<SyncReport> client = dial(listener.port(), b, a, options);
        Result<SyncReport> served = server.get();
        REQUIRE_FALSE(served.ok());
        CHECK(served.error().message.contains(QLatin1String("unknown peer")));
        REQUIRE_FALSE(client.ok());
        CHECK(titles(b).isEmpty());
    }
    SECTION("the client does not know the server") {
        ContactBook empty;
        auto server = serveOnce(listener, c, options);
        Result<SyncReport> client = dial(listener.port(), c, a, options, &empty);
        REQUIRE_FALSE(client.ok());
        CHECK(client.error().message.contains(QLatin1String("unknown peer")));
        CHECK_FALSE(server.get().ok());
        CHECK(titles(c).isEmpty());
    }
    SECTION("a revoked client") {
        REQUIRE(c.book.revokeLocally(a.id.fingerprint(), QStringLiteral("laptop lost")).ok());
        auto server = serveOnce(listener, c, options);
        Result<SyncReport> client = dial(listener.port(), c, a, options);
        Result<SyncReport> served = server.get();
        REQUIRE_FALSE(served.ok());
        CHECK(served.error().message.contains(QLatin1String("revoked")));
        CHECK_FALSE(client.ok());
        CHECK(titles(c).isEmpty());
    }
    SECTION("the wrong station answers") {
        auto server = serveOnce(listener, c, options); // Charlie answers; Alpha dials Bravo
        Result<SyncReport> client = dial(listener.port(), b, a, options);
        REQUIRE_FALSE(client.ok());
        CHECK(
            client.error().message.contains(QLatin1String("not the station this link was meant")));
        CHECK_FALSE(server.get().ok());
        CHECK(titles(c).isEmpty());
    }
}

TEST_CASE("Sync refuses a peer that claims a trusted station's fingerprint with another key",
          "[sync]") {
    QTemporaryDir dir;
    Station a = station(dir, QStringLiteral("Alpha"));
    Station b = station(dir, QStringLiteral("Bravo"));
    trust(b, a);
    TlsListener listener = listenLoopback();
    auto server = serveOnce(listener, b);

    // The impostor: its own Ed25519 key, in a certificate that names Alpha's fingerprint.
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    REQUIRE(key);
    X509* cert = X509_new();
    const QByteArray cn = a.id.fingerprint().toHex();
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.constData()),
                               static_cast<int>(cn.size()), -1, 0);
    X509_set_issuer_name(cert, name);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    REQUIRE(X509_sign(cert, key, nullptr) > 0);
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    REQUIRE(SSL_CTX_use_certificate(ctx, cert) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey(ctx, key) == 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(listener.port());
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    (void)SSL_connect(ssl);
    char buffer[64];
    (void)SSL_read(ssl, buffer, sizeof buffer); // the server's verdict arrives here in TLS 1.3

    Result<SyncReport> served = server.get();
    REQUIRE_FALSE(served.ok());
    CHECK(served.error().message.contains(QLatin1String("impersonation refused")));
    SSL_free(ssl);
    ::close(fd);
    SSL_CTX_free(ctx);
    X509_free(cert);
    EVP_PKEY_free(key);
}

// ---- the server against an adversary ----

TEST_CASE("A trusted peer's HELLO that claims 16 MiB is refused on its header, and the next "
          "station is served",
          "[sync][adversary]") {
    QTemporaryDir dir;
    Station a = station(dir, QStringLiteral("Alpha"));
    Station b = station(dir, QStringLiteral("Bravo"));
    trust(a, b);
    trust(b, a);
    addIncidents(a, 3, QStringLiteral("A"));
    TlsListener listener = listenLoopback();
    SyncOptions options;
    options.timeoutMs = 5000;

    {
        auto server = serveOnce(listener, b, options);
        RawStation peer(a, listener.port());
        // The header alone: the server must refuse on it, without waiting for (or holding)
        // the 16 MiB it announces.
        REQUIRE(peer.write(frameBytes(1, "x", 16 * 1024 * 1024).left(5)));
        Result<SyncReport> served = server.get();
        REQUIRE_FALSE(served.ok());
        CHECK_THAT(served.error().message.toStdString(),
                   Catch::Matchers::Contains("HELLO frame of 16777216 bytes, over the limit of "
                                             "65536"));
        // The peer is told why before the link closes.
        CHECK(peer.readToEnd().contains("over the limit"));
    }
    auto server = serveOnce(listener, b, options);
    Result<SyncReport> next = dial(listener.port(), b, a, options);
    REQUIRE(next.errorMessage() == QString());
    REQUIRE(server.get().ok());
    CHECK(titles(b).size() == 3);
}

TEST_CASE("A trusted peer's HELLO that names more stations than the limit is refused",
          "[sync][adversary]") {
    QTemporaryDir dir;
    Station a = station(dir, QStringLiteral("Alpha"));
    Station b = station(dir, QStringLiteral("Bravo"));
    trust(b, a);
    TlsListener listener = listenLoopback();
    SyncOptions options;
    options.timeoutMs = 5000;
    auto server = serveOnce(listener, b, options);
    RawStation peer(a, listener.port());
    const QByteArray body = helloBody(kMaxHelloStations + 1);
    REQUIRE(body.size() < kMaxHelloBytes); // within the size: the count is what is refused
    REQUIRE(peer.write(frameBytes(1, body)));
    Result<SyncReport> served = server.get();
    REQUIRE_FALSE(served.ok());
    CHECK_THAT(served.error().message.toStdString(),
               Catch::Matchers::Contains("names 1025 stations, more than 1024"));
}

TEST_CASE("A trusted peer that trickles its HELLO a byte at a time is dropped at the frame "
          "deadline",
          "[sync][adversary]") {
    QTemporaryDir dir;
    Station a = station(dir, QStringLiteral("Alpha"));
    Station b = station(dir, QStringLiteral("Bravo"));
    trust(b, a);
    TlsListener listener = listenLoopback();
    SyncOptions options;
    options.timeoutMs = 300; // each frame, in total
    auto server = serveOnce(listener, b, options);
    RawStation peer(a, listener.port());
    // A valid HELLO, one byte every 100 ms: each read is quick, the frame is not. It is sent
    // until the server has given up on it.
    const QByteArray frame = frameBytes(1, helloBody(0, QString(60, QLatin1Char('p'))));
    int sent = 0;
    while (sent < frame.size() &&
           server.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready)
        if (peer.write(frame.mid(sent, 1)))
            ++sent;
    INFO("bytes of the " << frame.size() << "-byte frame sent when the server gave up: " << sent);
    CHECK(sent < frame.size());
    Result<SyncReport> served = server.get();
    REQUIRE_FALSE(served.ok());
    CHECK_THAT(served.error().message.toStdString(), Catch::Matchers::Contains("timed out"));
}

TEST_CASE("A client that trickles its TLS handshake is dropped at the handshake deadline",
          "[sync][adversary]") {
    QTemporaryDir dir;
    Station b = station(dir, QStringLiteral("Bravo"));
    TlsListener listener = listenLoopback();
    LinkOptions link;
    link.handshakeTimeoutMs = 300;
    auto server = std::async(std::launch::async, [&]() -> Status {
        Result<TlsLink> l = listener.accept(b.id, b.book, link, kWaitMs);
        return l ? success() : Status(l.error());
    });
    HandshakeTrickler trickler(listener.port(), 100);
    const Status served = server.get();
    trickler.stop();
    INFO("bytes trickled when the server gave up: " << trickler.sent());
    CHECK(trickler.sent() < 100);
    REQUIRE_FALSE(served.ok());
    CHECK_THAT(served.errorMessage().toStdString(), Catch::Matchers::Contains("timed out"));
}

TEST_CASE("Silent and trickling clients do not stop a trusted station from syncing",
          "[sync][adversary]") {
    QTemporaryDir dir;
    Station a = station(dir, QStringLiteral("Alpha"));
    Station b = station(dir, QStringLiteral("Bravo"));
    trust(a, b);
    trust(b, a);
    addIncidents(a, 30, QStringLiteral("A"));
    TlsListener listener = listenLoopback();

    SECTION("served at the same time as them") {
        ServerOptions options;
        options.maxSessions = 4;
        options.session.handshakeTimeoutMs = 60000; // only concurrency can let Alpha through
        RunningServer server(listener, b, fixedTrust(b.book), options);
        const int silent = tcpConnect(listener.port());
        HandshakeTrickler trickler(listener.port(), 100000);
        Result<SyncReport> synced = dial(listener.port(), b, a);
        REQUIRE(synced.errorMessage() == QString());
        CHECK(synced.value().recordsSent == 30);
        CHECK(titles(b).size() == 30);
        // Both are still connected: Alpha was not served after them, but beside them.
        CHECK_FALSE(closedByPeer(silent));
        CHECK_FALSE(closedByPeer(trickler.fd()));
        trickler.hangUp();
        ::close(silent);
        server.stop();
    }
    SECTION("a silent client holding the only slot is dropped at the handshake deadline") {
        ServerOptions options;
        options.maxSessions = 1;
        options.session.handshakeTimeoutMs = 300;
        RunningServer server(listener, b, fixedTrust(b.book), options);
        const int silent = tcpConnect(listener.port());
        Result<SyncReport> synced = dial(listener.port(), b, a); // waits in the backlog
        REQUIRE(synced.errorMessage() == QString());
        const QList<RunningServer::End> ends = server.waitForEnds(2);
        REQUIRE(ends.size() == 2);
        CHECK(std::count_if(ends.begin(), ends.end(), [](const RunningServer::End& e) {
                  return !e.ok && e.error.contains(QLatin1String("TLS handshake: timed out"));
              }) == 1);
        CHECK(std::count_if(ends.begin(), ends.end(),
                            [](const RunningServer::End& e) { return e.ok; }) == 1);
        CHECK(closedByPeer(silent));
        ::close(silent);
        server.stop();
    }
}

TEST_CASE("A station revoked in the contacts file while the server waits is refused at its "
          "next connection",
          "[sync][adversary]") {
    QTemporaryDir dir;
    Station a = station(dir, QStringLiteral("Alpha"));
    Station b = station(dir, QStringLiteral("Bravo"));
    trust(a, b);
    addIncidents(a, 3, QStringLiteral("A"));
    const QString contacts = dir.filePath(QStringLiteral("bravo-contacts.cbor"));
    {
        Result<ContactBook> book = ContactBook::load(contacts, b.id.card());
        REQUIRE(book.ok());
        REQUIRE(book.value().importCard(a.id.card(), a.id.card().fingerprintText()).ok());
        REQUIRE(book.value().save(b.id).ok());
    }
    TlsListener listener = listenLoopback();
    RunningServer server(listener, b, trustFromFile(contacts, b.id.card()), {});
    // The server is up and waiting. Another writer (as `contact revoke` in another process)
    // revokes Alpha in the file.
    {
        Result<ContactBook> book = ContactBook::load(contacts, b.id.card());
        REQUIRE(book.ok());
        REQUIRE(book.value().revokeLocally(a.id.fingerprint(), QStringLiteral("laptop lost")).ok());
        REQUIRE(book.value().save(b.id).ok());
    }
    Result<SyncReport> refused = dial(listener.port(), b, a);
    REQUIRE_FALSE(refused.ok());
    const QList<RunningServer::End> ends = server.waitForEnds(1);
    REQUIRE(ends.size() == 1);
    CHECK_FALSE(ends.first().ok);
    CHECK_THAT(ends.first().error.toStdString(),
               Catch::Matchers::Contains("is revoked in the contact book"));
    CHECK(titles(b).isEmpty());
}

TEST_CASE("A station revoked during a long session gets and gives nothing more",
          "[sync][adversary]") {
    QTemporaryDir dir;
    Station a = station(dir, QStringLiteral("Alpha"));
    Station b = station(dir, QStringLiteral("Bravo"));
    trust(a, b);
    addIncidents(a, 100, QStringLiteral("A"));
    const QString contacts = dir.filePath(QStringLiteral("bravo-contacts.cbor"));
    {
        Result<ContactBook> book = ContactBook::load(contacts, b.id.card());
        REQUIRE(book.ok());
        REQUIRE(book.value().importCard(a.id.card(), a.id.card().fingerprintText()).ok());
        REQUIRE(book.value().save(b.id).ok());
    }
    // Bravo reads its contacts file at the handshake and before each bundle; the third read
    // finds Alpha revoked, written by another writer just before it (between bundles 1 and 2).
    int reads = 0;
    const TrustSource file = trustFromFile(contacts, b.id.card());
    TrustSource trustAndRevoke = [&]() -> Result<ContactBook> {
        if (++reads == 3) { // on the server's thread: no REQUIRE here
            Result<ContactBook> other = ContactBook::load(contacts, b.id.card());
            if (!other)
                return other.error();
            if (Status s =
                    other.value().revokeLocally(a.id.fingerprint(), QStringLiteral("compromised"));
                !s)
                return s.error();
            if (Status s = other.value().save(b.id); !s)
                return s.error();
        }
        return file();
    };
    SyncOptions options;
    options.recordsPerBundle = 25;
    TlsListener listener = listenLoopback();
    auto server = std::async(std::launch::async, [&]() -> Result<SyncReport> {
        Result<store::MissionStore> m =
            store::MissionStore::open(b.mission, store::MissionStore::Access::ReadWrite);
        if (!m)
            return m.error();
        Result<TlsLink> link = listener.accept(b.id, trustAndRevoke, {}, kWaitMs);
        if (!link)
            return link.error();
        return runSession(link.value(), false, m.value(), b.id, trustAndRevoke, options);
    });
    Result<SyncReport> client = dial(listener.port(), b, a, options);
    Result<SyncReport> served = server.get();
    CHECK_FALSE(client.ok());
    REQUIRE_FALSE(served.ok());
    CHECK_THAT(served.error().message.toStdString(),
               Catch::Matchers::Contains("is revoked in the contact book"));
    CHECK(titles(b).size() == 25); // the first bundle only
}
