// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/TlsLink.h"

#include "sync/OpenSslHandles.h"

#include <QtEndian>

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tessera::sync {

namespace {

using openssl::Cert;
using openssl::Ctx;
using openssl::Pkey;
using openssl::Ssl;

/// The last OpenSSL error as text, and the queue cleared.
QString opensslReason() {
    return openssl::lastError();
}

QString systemReason(int error) {
    return QString::fromLocal8Bit(std::strerror(error));
}

/// A socket closed by the peer must fail a write, not kill the process: writes on a dropped
/// link are expected here, and OpenSSL writes with write(2), which raises SIGPIPE.
void ignoreSigpipe() {
    static std::once_flag once;
    std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

using Clock = std::chrono::steady_clock;

/// Bounds a blocking connect(2) (SO_SNDTIMEO applies to it on Linux). Everything after the
/// connect runs on a non-blocking socket under deadlines (see TlsLink::Impl::wait).
void setConnectTimeout(int fd, int timeoutMs) {
    timeval tv{};
    tv.tv_sec = timeoutMs / 1000;
    tv.tv_usec = static_cast<suseconds_t>((timeoutMs % 1000) * 1000);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/// Non-blocking, so that no read or write can outlast its deadline: a blocked SSL call returns
/// WANT_READ/WANT_WRITE and we wait in poll() for at most the time left.
bool makeNonBlocking(int fd) {
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const int flags = ::fcntl(fd, F_GETFL, 0);
    return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

/// Milliseconds until `deadline`: 0 when it has passed.
int msLeft(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
}

/// The deadline of one frame, in or out: `timeoutMs` from its start, plus one second for each
/// `minBytesPerSecond` bytes of it done so far. A peer gets no more time than that by sending
/// (or reading) slowly, whatever the size of the reads.
struct FrameClock {
    Clock::time_point start = Clock::now();
    int timeoutMs = 0;
    qint64 minBytesPerSecond = 0;
    qint64 done = 0;

    [[nodiscard]] Clock::time_point deadline() const {
        const qint64 earned = minBytesPerSecond > 0 ? done * 1000 / minBytesPerSecond : 0;
        return start + std::chrono::milliseconds(timeoutMs) + std::chrono::milliseconds(earned);
    }
};

/// A certificate for this session: the station's Ed25519 public key, self-signed, its common
/// name the station's fingerprint in hex. Nothing in it is trusted by the peer but the key
/// (proved by the handshake) and the fingerprint (looked up in the peer's contact book).
Result<Cert> sessionCertificate(const share::Identity& me, EVP_PKEY* key) {
    Cert cert(X509_new());
    if (!cert)
        return Error{QStringLiteral("cannot make a certificate: %1").arg(opensslReason())};
    unsigned char serial[8];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    ASN1_INTEGER* asn = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    const QByteArray cn = me.fingerprint().toHex();
    X509_NAME* name = X509_get_subject_name(cert.get());
    const bool ok =
        asn && X509_set_version(cert.get(), 2) == 1 &&
        X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) &&
        X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600) &&
        X509_set_pubkey(cert.get(), key) == 1 &&
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(cn.constData()),
                                   static_cast<int>(cn.size()), -1, 0) == 1 &&
        X509_set_issuer_name(cert.get(), name) == 1 &&
        X509_sign(cert.get(), key, nullptr) > 0; // Ed25519: no separate digest
    if (!ok)
        return Error{QStringLiteral("cannot make a certificate: %1").arg(opensslReason())};
    return cert;
}

/// What the certificate check found, kept on the SSL object for the verify callback.
struct PeerCheck {
    const TrustSource* trust = nullptr;
    share::ContactBook book; ///< as read from `trust` when the certificate was checked
    QByteArray expected;
    share::ContactCard peer;
    bool accepted = false;
    QString refusal;
};

int peerCheckIndex() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

QString shortFingerprint(const QByteArray& fingerprint) {
    return share::formatFingerprint(fingerprint).left(19);
}

/// The trust decision about the peer's certificate (see TlsLink). Chain errors are ignored:
/// certificates are self-signed, and trust comes from the contact book, not from issuers.
void checkPeerCertificate(X509* cert, PeerCheck& check) {
    EVP_PKEY* key = X509_get0_pubkey(cert);
    if (!key || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
        check.refusal = QStringLiteral("the peer's certificate does not carry an Ed25519 station "
                                       "key: not a Tessera station");
        return;
    }
    QByteArray proved(32, '\0');
    std::size_t length = 32;
    if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(proved.data()),
                                    &length) != 1 ||
        length != 32) {
        check.refusal = QStringLiteral("the peer's key cannot be read");
        return;
    }
    char cn[129] = {};
    const int cnLength =
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    const QByteArray claimed =
        cnLength == 64 ? QByteArray::fromHex(QByteArray(cn, cnLength)) : QByteArray();
    if (claimed.size() != 32) {
        check.refusal = QStringLiteral("the peer's certificate names no station fingerprint: not "
                                       "a Tessera station");
        return;
    }
    // Read now, not when the connection was accepted or the server started: a station revoked
    // while this one waited is refused here.
    Result<share::ContactBook> book = (*check.trust)();
    if (!book) {
        check.refusal = QStringLiteral("cannot read the contact book to check the peer: %1")
                            .arg(book.error().message);
        return;
    }
    check.book = std::move(book).value();
    switch (check.book.standing(claimed)) {
    case share::ContactBook::Standing::Revoked:
        check.refusal = QStringLiteral("the peer %1 is revoked in the contact book")
                            .arg(shortFingerprint(claimed));
        return;
    case share::ContactBook::Standing::Unknown:
        check.refusal = QStringLiteral("unknown peer: the station %1 is not in the contact book "
                                       "(import its card and check its fingerprint first)")
                            .arg(shortFingerprint(claimed));
        return;
    case share::ContactBook::Standing::Trusted:
        break;
    }
    const std::optional<share::ContactCard> card = check.book.find(claimed);
    if (!card || card->signingKey != proved) {
        check.refusal =
            QStringLiteral("impersonation refused: the peer claims to be %1 (%2) but "
                           "proved another key")
                .arg(card ? card->profile.stationName : QString(), shortFingerprint(claimed));
        return;
    }
    if (!check.expected.isEmpty() && claimed != check.expected) {
        check.refusal = QStringLiteral("reached %1 (%2), not the station this link was meant for "
                                       "(%3)")
                            .arg(card->profile.stationName, shortFingerprint(claimed),
                                 shortFingerprint(check.expected));
        return;
    }
    check.peer = *card;
    check.accepted = true;
}

int verifyCallback(int /*preverified*/, X509_STORE_CTX* store) {
    SSL* ssl =
        static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* check = static_cast<PeerCheck*>(SSL_get_ex_data(ssl, peerCheckIndex()));
    if (!check)
        return 0;
    if (X509_STORE_CTX_get_error_depth(store) != 0)
        return 1; // only the leaf's key matters; extra certificates are ignored
    // OpenSSL calls back more than once for the leaf (once per chain error it found, as it is
    // self-signed, then once more): decide once, with one reading of the contact book.
    if (!check->accepted && check->refusal.isEmpty())
        checkPeerCertificate(X509_STORE_CTX_get_current_cert(store), *check);
    if (!check->accepted) {
        X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
        return 0;
    }
    return 1;
}

/// A TLS 1.3-only context that presents `me` and checks peers with the callback above.
Result<Ctx> makeContext(const share::Identity& me, bool server) {
    const share::crypto::SecretBytes& secret = me.signingSecretForTls();
    Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, secret.data(), secret.size()));
    if (!key)
        return Error{QStringLiteral("cannot use the station key: %1").arg(opensslReason())};
    Result<Cert> cert = sessionCertificate(me, key.get());
    if (!cert)
        return cert.error();
    Ctx ctx(SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()));
    if (!ctx || SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(ctx.get(), TLS1_3_VERSION) != 1 ||
        SSL_CTX_use_certificate(ctx.get(), cert.value().get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 ||
        SSL_CTX_check_private_key(ctx.get()) != 1)
        return Error{QStringLiteral("cannot set up TLS: %1").arg(opensslReason())};
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       verifyCallback);
    // No session tickets or resumption: every link proves both keys afresh.
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx.get(), 0);
    SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
    return ctx;
}

/// Why an SSL call failed, in words an operator can act on.
QString failure(SSL* ssl, int ret, const char* what) {
    const int code = SSL_get_error(ssl, ret);
    const int saved = errno;
    QString reason = opensslReason();
    if (code == SSL_ERROR_ZERO_RETURN)
        return QStringLiteral("%1: the peer closed the link").arg(QLatin1String(what));
    if (code == SSL_ERROR_SYSCALL && reason.isEmpty()) {
        if (saved == EAGAIN || saved == EWOULDBLOCK)
            return QStringLiteral("%1: timed out").arg(QLatin1String(what));
        return QStringLiteral("%1: the link dropped (%2)")
            .arg(QLatin1String(what),
                 saved ? systemReason(saved) : QStringLiteral("end of stream"));
    }
    if (reason.contains(QLatin1String("alert"), Qt::CaseInsensitive))
        return QStringLiteral("%1: the peer refused this station (%2): is this station in its "
                              "contact book, and not revoked?")
            .arg(QLatin1String(what), reason);
    return QStringLiteral("%1: %2").arg(QLatin1String(what),
                                        reason.isEmpty() ? QStringLiteral("TLS error") : reason);
}

} // namespace

TrustSource fixedTrust(const share::ContactBook& book) {
    return [book]() -> Result<share::ContactBook> { return book; };
}

TrustSource trustFromFile(const QString& path, const share::ContactCard& station) {
    return [path, station]() { return share::ContactBook::load(path, station); };
}

Connection::Connection(int fd, QString from)
    : fd_(fd)
    , from_(std::move(from)) {}
Connection::Connection(Connection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1))
    , from_(std::move(other.from_)) {}
Connection& Connection::operator=(Connection&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        from_ = std::move(other.from_);
    }
    return *this;
}
Connection::~Connection() {
    if (fd_ >= 0)
        ::close(fd_);
}

struct TlsLink::Impl {
    int fd = -1;
    Ctx ctx;
    Ssl ssl;
    TrustSource trust;
    PeerCheck check;
    LinkOptions options;

    ~Impl() {
        ssl.reset();
        if (fd >= 0)
            ::close(fd);
    }

    /// After an SSL call returned `ret`: when it only wants the socket, waits in poll() until it
    /// is ready or `deadline` passes, and answers success (call again). Otherwise the error.
    Status wait(int ret, Clock::time_point deadline, const char* what) {
        const int code = SSL_get_error(ssl.get(), ret);
        if (code != SSL_ERROR_WANT_READ && code != SSL_ERROR_WANT_WRITE)
            return Error{failure(ssl.get(), ret, what)};
        pollfd p{fd, static_cast<short>(code == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
        for (;;) {
            const int ready = ::poll(&p, 1, msLeft(deadline));
            if (ready > 0)
                return success();
            if (ready == 0)
                return Error{QStringLiteral("%1: timed out: the peer did not keep up within the "
                                            "deadline")
                                 .arg(QLatin1String(what))};
            if (errno != EINTR)
                return Error{
                    QStringLiteral("%1: %2").arg(QLatin1String(what), systemReason(errno))};
        }
    }

    /// Sets up TLS on the connected socket and runs the handshake by `deadline`.
    Status start(const share::Identity& me, const TrustSource& source, const LinkOptions& opts,
                 bool server, Clock::time_point deadline) {
        options = opts;
        trust = source;
        if (!makeNonBlocking(fd))
            return Error{QStringLiteral("cannot set up the socket: %1").arg(systemReason(errno))};
        Result<Ctx> made = makeContext(me, server);
        if (!made)
            return made.error();
        ctx = std::move(made).value();
        ssl.reset(SSL_new(ctx.get()));
        if (!ssl)
            return Error{QStringLiteral("cannot set up TLS: %1").arg(opensslReason())};
        check.trust = &trust;
        check.expected = options.expectedPeer;
        if (!SSL_set_fd(ssl.get(), fd) || !SSL_set_ex_data(ssl.get(), peerCheckIndex(), &check))
            return Error{QStringLiteral("cannot set up TLS: %1").arg(opensslReason())};
        for (;;) {
            const int ret = server ? SSL_accept(ssl.get()) : SSL_connect(ssl.get());
            if (ret == 1)
                break;
            if (!check.refusal.isEmpty()) {
                ERR_clear_error();
                return Error{QStringLiteral("TLS handshake refused: %1").arg(check.refusal)};
            }
            if (Status s = wait(ret, deadline, "TLS handshake"); !s)
                return s;
        }
        if (!check.accepted) // a peer that sent no certificate never reaches the callback
            return Error{QStringLiteral("TLS handshake refused: the peer presented no station "
                                        "certificate")};
        if (SSL_version(ssl.get()) != TLS1_3_VERSION)
            return Error{QStringLiteral("TLS handshake refused: not TLS 1.3")};
        return success();
    }

    [[nodiscard]] FrameClock frameClock() const {
        return {Clock::now(), options.timeoutMs, options.minBytesPerSecond, 0};
    }

    Status writeAll(const char* data, qint64 size, FrameClock& clock) {
        while (size > 0) {
            // One TLS record at a time: the clock sees progress at that grain. (A write that
            // wants the socket must be retried with the same piece.)
            const auto piece = static_cast<std::size_t>(std::min<qint64>(size, 16 * 1024));
            std::size_t written = 0;
            const int ret = SSL_write_ex(ssl.get(), data, piece, &written);
            if (ret != 1) {
                if (Status s = wait(ret, clock.deadline(), "sending"); !s)
                    return s;
                continue;
            }
            data += written;
            size -= static_cast<qint64>(written);
            clock.done += static_cast<qint64>(written);
        }
        return success();
    }

    Status readAll(char* data, qint64 size, FrameClock& clock) {
        while (size > 0) {
            std::size_t got = 0;
            const int ret = SSL_read_ex(ssl.get(), data, static_cast<std::size_t>(size), &got);
            if (ret != 1) {
                if (Status s = wait(ret, clock.deadline(), "receiving"); !s)
                    return s;
                continue;
            }
            data += got;
            size -= static_cast<qint64>(got);
            clock.done += static_cast<qint64>(got);
        }
        return success();
    }
};

TlsLink::TlsLink(std::unique_ptr<Impl> impl)
    : d(std::move(impl)) {}
TlsLink::TlsLink(TlsLink&&) noexcept = default;
TlsLink& TlsLink::operator=(TlsLink&&) noexcept = default;
TlsLink::~TlsLink() = default;

const share::ContactCard& TlsLink::peer() const {
    return d->check.peer;
}

const share::ContactBook& TlsLink::book() const {
    return d->check.book;
}

Result<TlsLink> TlsLink::connect(const QString& host, quint16 port, const share::Identity& me,
                                 const share::ContactBook& book, const LinkOptions& options) {
    ignoreSigpipe();
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const QByteArray service = QByteArray::number(port);
    if (const int rc = getaddrinfo(host.toUtf8().constData(), service.constData(), &hints, &found);
        rc != 0)
        return Error{QStringLiteral("cannot resolve %1: %2")
                         .arg(host, QString::fromLocal8Bit(gai_strerror(rc)))};
    auto impl = std::make_unique<Impl>();
    int lastError = 0;
    for (addrinfo* a = found; a && impl->fd < 0; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            lastError = errno;
            continue;
        }
        setConnectTimeout(fd, options.timeoutMs);
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            impl->fd = fd;
        } else {
            lastError = errno;
            ::close(fd);
        }
    }
    freeaddrinfo(found);
    if (impl->fd < 0)
        return Error{QStringLiteral("cannot reach %1:%2: %3")
                         .arg(host)
                         .arg(port)
                         .arg(systemReason(lastError))};
    // The server may hold us in its backlog while its sessions are busy: the whole timeout.
    const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(options.timeoutMs);
    if (Status s = impl->start(me, fixedTrust(book), options, false, deadline); !s)
        return s.error();
    return TlsLink(std::move(impl));
}

Result<TlsLink> TlsLink::serve(Connection connection, const share::Identity& me,
                               const TrustSource& trust, const LinkOptions& options) {
    ignoreSigpipe();
    // From the accept: time a client spent in the backlog is not charged to it, time it takes to
    // answer is.
    const Clock::time_point deadline =
        Clock::now() + std::chrono::milliseconds(options.handshakeTimeoutMs);
    auto impl = std::make_unique<Impl>();
    impl->fd = std::exchange(connection.fd_, -1);
    if (Status s = impl->start(me, trust, options, true, deadline); !s)
        return Error{QStringLiteral("%1 (from %2)").arg(s.error().message, connection.from())};
    return TlsLink(std::move(impl));
}

Status TlsLink::send(const Frame& frame) {
    if (frame.body.size() > kMaxFrameBytes)
        return Error{
            QStringLiteral("a frame of %1 bytes is over the limit").arg(frame.body.size())};
    char head[5];
    qToBigEndian(static_cast<quint32>(frame.body.size()), head);
    head[4] = static_cast<char>(frame.type);
    FrameClock clock = d->frameClock();
    if (Status s = d->writeAll(head, sizeof head, clock); !s)
        return s;
    return d->writeAll(frame.body.constData(), frame.body.size(), clock);
}

Result<Frame> TlsLink::receive(std::span<const FrameRule> accepted) {
    // The clock starts now: a peer that sends nothing is dropped as surely as one that trickles.
    FrameClock clock = d->frameClock();
    char head[5];
    if (Status s = d->readAll(head, sizeof head, clock); !s)
        return s.error();
    const qint64 size = qFromBigEndian<quint32>(head);
    Frame frame;
    frame.type = static_cast<quint8>(head[4]);
    const auto rule = std::find_if(accepted.begin(), accepted.end(),
                                   [&](const FrameRule& r) { return r.type == frame.type; });
    if (rule == accepted.end()) {
        QStringList names;
        for (const FrameRule& r : accepted)
            names.append(QString::fromLatin1(r.name));
        return Error{QStringLiteral("the peer broke the protocol: a frame of type %1 where %2 "
                                    "was expected")
                         .arg(frame.type)
                         .arg(names.join(QStringLiteral(" or ")))};
    }
    // Before reading or holding any of the body: what a frame claims costs nothing until it
    // is within its type's limit.
    if (size > std::min(rule->maxBytes, kMaxFrameBytes))
        return Error{QStringLiteral("the peer sent a %1 frame of %2 bytes, over the limit of %3 "
                                    "for %1: refused before reading it")
                         .arg(QLatin1String(rule->name))
                         .arg(size)
                         .arg(std::min(rule->maxBytes, kMaxFrameBytes))};
    // Held as it arrives, not as claimed: a peer that stops half way has cost what it sent.
    constexpr qint64 kChunk = 1 << 20;
    while (frame.body.size() < size) {
        const qint64 have = frame.body.size();
        const qint64 next = std::min(size, have + kChunk);
        if (frame.body.capacity() < next)
            frame.body.reserve(static_cast<qsizetype>(std::min(size, std::max(next, 2 * have))));
        frame.body.resize(static_cast<qsizetype>(next));
        if (Status s = d->readAll(frame.body.data() + have, next - have, clock); !s)
            return s.error();
    }
    return frame;
}

void TlsLink::close() {
    if (!d)
        return;
    if (d->ssl)
        SSL_shutdown(d->ssl.get());
    d->ssl.reset();
    if (d->fd >= 0)
        ::close(d->fd);
    d->fd = -1;
}

TlsListener::TlsListener(int fd, quint16 port)
    : fd_(fd)
    , port_(port) {}
TlsListener::TlsListener(TlsListener&& other) noexcept
    : fd_(std::exchange(other.fd_, -1))
    , port_(other.port_) {}
TlsListener& TlsListener::operator=(TlsListener&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        port_ = other.port_;
    }
    return *this;
}
TlsListener::~TlsListener() {
    if (fd_ >= 0)
        ::close(fd_);
}

quint16 TlsListener::port() const {
    return port_;
}

Result<TlsListener> TlsListener::listen(const QString& address, quint16 port) {
    ignoreSigpipe();
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
    addrinfo* found = nullptr;
    const QByteArray service = QByteArray::number(port);
    if (const int rc =
            getaddrinfo(address.toUtf8().constData(), service.constData(), &hints, &found);
        rc != 0)
        return Error{QStringLiteral("cannot listen on %1: %2")
                         .arg(address, QString::fromLocal8Bit(gai_strerror(rc)))};
    const int fd =
        ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
    const int one = 1;
    const bool ok = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
                    ::bind(fd, found->ai_addr, found->ai_addrlen) == 0 && ::listen(fd, 64) == 0;
    const int error = errno;
    freeaddrinfo(found);
    if (!ok) {
        if (fd >= 0)
            ::close(fd);
        return Error{QStringLiteral("cannot listen on %1 port %2: %3")
                         .arg(address)
                         .arg(port)
                         .arg(systemReason(error))};
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
    const quint16 actual =
        ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    return TlsListener(fd, actual);
}

bool TlsListener::pending(int waitMs) const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, waitMs) == 1;
}

Result<Connection> TlsListener::waitForConnection(int waitMs) {
    pollfd p{fd_, POLLIN, 0};
    int ready = -1;
    do
        ready = ::poll(&p, 1, waitMs);
    while (ready < 0 && errno == EINTR);
    if (ready == 0)
        return Error{QStringLiteral("no peer connected in time")};
    if (ready < 0)
        return Error{QStringLiteral("cannot wait for peers: %1").arg(systemReason(errno))};
    sockaddr_storage from{};
    socklen_t length = sizeof from;
    const int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&from), &length, SOCK_CLOEXEC);
    if (fd < 0)
        return Error{QStringLiteral("cannot accept a peer: %1").arg(systemReason(errno))};
    char host[NI_MAXHOST] = {};
    char service[NI_MAXSERV] = {};
    const bool named = getnameinfo(reinterpret_cast<sockaddr*>(&from), length, host, sizeof host,
                                   service, sizeof service, NI_NUMERICHOST | NI_NUMERICSERV) == 0;
    return Connection(fd, named ? QStringLiteral("%1:%2").arg(QString::fromLatin1(host),
                                                              QString::fromLatin1(service))
                                : QStringLiteral("an unknown address"));
}

Result<TlsLink> TlsListener::accept(const share::Identity& me, const TrustSource& trust,
                                    const LinkOptions& options, int waitMs) {
    Result<Connection> connection = waitForConnection(waitMs);
    if (!connection)
        return connection.error();
    return TlsLink::serve(std::move(connection).value(), me, trust, options);
}

Result<TlsLink> TlsListener::accept(const share::Identity& me, const share::ContactBook& book,
                                    const LinkOptions& options, int waitMs) {
    return accept(me, fixedTrust(book), options, waitMs);
}

} // namespace tessera::sync
