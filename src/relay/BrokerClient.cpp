// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "relay/BrokerClient.h"

#include "sync/OpenSslHandles.h"
#include "sync/StationCertificate.h"

#include <QFile>
#include <QUrl>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <mutex>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>

namespace tessera::relay {

namespace {

using sync::openssl::Bio;
using sync::openssl::Cert;
using sync::openssl::Ctx;
using sync::openssl::Pkey;

QString opensslReason() {
    const QString reason = sync::openssl::lastError();
    return reason.isEmpty() ? QStringLiteral("unknown OpenSSL error") : reason;
}

void initialiseLibrary() {
    static std::once_flag once;
    std::call_once(once, [] {
        mosquitto_lib_init();
        // A broker that drops the link must fail a write, not end the process.
        std::signal(SIGPIPE, SIG_IGN);
    });
}

/// TLS 1.3 only; presents the station's broker certificate with its key (from memory); trusts
/// only `caFile` for the broker, whose certificate must name `host`.
Result<Ctx> makeContext(const share::Identity& me, const QString& caFile, const QString& host) {
    const share::crypto::SecretBytes& secret = me.signingSecretForTls();
    Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, secret.data(), secret.size()));
    Result<QByteArray> pem = sync::brokerCertificatePem(me);
    if (!pem)
        return pem.error();
    Bio bio(BIO_new_mem_buf(pem.value().constData(), static_cast<int>(pem.value().size())));
    Cert cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    Ctx ctx(SSL_CTX_new(TLS_client_method()));
    if (!key || !cert || !ctx || SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION) != 1 ||
        SSL_CTX_use_certificate(ctx.get(), cert.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 ||
        SSL_CTX_check_private_key(ctx.get()) != 1)
        return Error{QStringLiteral("cannot set up TLS to the broker: %1").arg(opensslReason())};
    if (SSL_CTX_load_verify_locations(ctx.get(), QFile::encodeName(caFile).constData(), nullptr) !=
        1)
        return Error{QStringLiteral("cannot read the broker's certificate %1: %2")
                         .arg(caFile, opensslReason())};
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx.get());
    const QByteArray name = host.toUtf8();
    const bool named = sync::openssl::isIpAddress(host)
                           ? X509_VERIFY_PARAM_set1_ip_asc(param, name.constData()) == 1
                           : X509_VERIFY_PARAM_set1_host(param, name.constData(), 0) == 1;
    if (!named)
        return Error{QStringLiteral("cannot check the broker's name %1").arg(host)};
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    return ctx;
}

QString connackReason(int rc) {
    return QString::fromUtf8(mosquitto_reason_string(rc));
}

} // namespace

Result<BrokerEndpoint> BrokerEndpoint::parse(const QString& url) {
    const QUrl u(url, QUrl::StrictMode);
    if (!u.isValid() || u.scheme() != QLatin1String("mqtts") || u.host().isEmpty() ||
        (!u.path().isEmpty() && u.path() != QLatin1String("/")))
        return Error{QStringLiteral("not a broker address: %1 (write mqtts://HOST:PORT; the "
                                    "broker is always reached over TLS)")
                         .arg(url)};
    BrokerEndpoint e;
    e.host = u.host();
    e.port = static_cast<quint16>(u.port(8883));
    return e;
}

struct BrokerClient::Impl {
    BrokerSettings settings;
    BrokerEvents events;
    Ctx ctx;
    mosquitto* mosq = nullptr;
    QByteArray clientId;
    std::thread thread;
    std::atomic<bool> stopping{false};
    std::mutex waitMutex;
    std::condition_variable wake;
    /// Written when there is something to send or the client stops: wakes the network loop.
    int wakeFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

    ~Impl() {
        if (mosq)
            mosquitto_destroy(mosq);
        if (wakeFd >= 0)
            ::close(wakeFd);
    }

    void nudge() const {
        const quint64 one = 1;
        if (wakeFd >= 0)
            (void)!::write(wakeFd, &one, sizeof one);
    }

    /// One turn of the network loop, on poll(2) rather than mosquitto_loop()'s select(2), which
    /// refuses a socket numbered FD_SETSIZE (1024) or above: in a process holding many files
    /// (200 stations in one benchmark, each with its mission, WAL and journal) the client would
    /// never connect, and said only "Invalid function arguments provided".
    int loopOnce(int timeoutMs) {
        const int sock = mosquitto_socket(mosq);
        if (sock < 0)
            return MOSQ_ERR_NO_CONN;
        pollfd fds[2] = {
            {sock, static_cast<short>(POLLIN | (mosquitto_want_write(mosq) ? POLLOUT : 0)), 0},
            {wakeFd, POLLIN, 0}};
        const int ready = ::poll(fds, wakeFd >= 0 ? 2 : 1, timeoutMs);
        if (ready < 0 && errno != EINTR)
            return MOSQ_ERR_ERRNO;
        if (ready > 0 && (fds[1].revents & POLLIN)) {
            quint64 count = 0;
            (void)!::read(wakeFd, &count, sizeof count);
        }
        int rc = MOSQ_ERR_SUCCESS;
        if (ready > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
            rc = mosquitto_loop_read(mosq, 1);
        if (rc == MOSQ_ERR_SUCCESS && mosquitto_want_write(mosq))
            rc = mosquitto_loop_write(mosq, 1);
        if (rc == MOSQ_ERR_SUCCESS)
            rc = mosquitto_loop_misc(mosq);
        return rc;
    }

    void pause(int ms) {
        std::unique_lock lock(waitMutex);
        wake.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping.load(); });
    }

    void run() {
        mosquitto_property* connectProperties = nullptr;
        mosquitto_property_add_int32(&connectProperties, MQTT_PROP_SESSION_EXPIRY_INTERVAL,
                                     settings.sessionExpirySeconds);
        const QByteArray host = settings.endpoint.host.toUtf8();
        int backoff = settings.reconnectFirstMs;
        bool up = false;
        while (!stopping) {
            if (!up) {
                const int rc = mosquitto_connect_bind_v5(
                    mosq, host.constData(), settings.endpoint.port, settings.keepAliveSeconds,
                    nullptr, connectProperties);
                if (rc != MOSQ_ERR_SUCCESS) {
                    if (events.disconnected)
                        events.disconnected(
                            QStringLiteral("cannot reach the broker at %1:%2: %3")
                                .arg(settings.endpoint.host)
                                .arg(settings.endpoint.port)
                                .arg(rc == MOSQ_ERR_ERRNO
                                         ? QString::fromLocal8Bit(strerror(errno))
                                         : QString::fromUtf8(mosquitto_strerror(rc))));
                    ERR_clear_error();
                    pause(backoff);
                    backoff = std::min(backoff * 2, settings.reconnectLastMs);
                    continue;
                }
                up = true;
            }
            const int rc = loopOnce(200);
            if (rc == MOSQ_ERR_SUCCESS) {
                if (connectedOnce.exchange(false))
                    backoff = settings.reconnectFirstMs;
                continue;
            }
            up = false;
            ERR_clear_error();
            if (stopping)
                break;
            if (events.disconnected)
                events.disconnected(QStringLiteral("the link to the broker dropped: %1")
                                        .arg(QString::fromUtf8(mosquitto_strerror(rc))));
            pause(backoff);
            backoff = std::min(backoff * 2, settings.reconnectLastMs);
        }
        mosquitto_property_free_all(&connectProperties);
        if (up) {
            mosquitto_disconnect_v5(mosq, MQTT_RC_NORMAL_DISCONNECTION, nullptr);
            // Let the DISCONNECT go out.
            for (int i = 0; i < 5 && mosquitto_want_write(mosq); ++i)
                (void)loopOnce(50);
        }
    }

    std::atomic<bool> connectedOnce{false};
};

BrokerClient::BrokerClient(std::unique_ptr<Impl> impl)
    : d(std::move(impl)) {}

BrokerClient::~BrokerClient() {
    stop();
}

Result<std::unique_ptr<BrokerClient>> BrokerClient::start(const share::Identity& me,
                                                          const BrokerSettings& settings,
                                                          BrokerEvents events) {
    initialiseLibrary();
    auto impl = std::make_unique<Impl>();
    impl->settings = settings;
    impl->events = std::move(events);
    Result<Ctx> ctx = makeContext(me, settings.caFile, settings.endpoint.host);
    if (!ctx)
        return ctx.error();
    impl->ctx = std::move(ctx).value();
    impl->clientId = me.fingerprint().toHex();
    // Clean start off: the broker keeps the session (subscriptions, queued messages).
    impl->mosq = mosquitto_new(impl->clientId.constData(), false, impl.get());
    if (!impl->mosq)
        return Error{QStringLiteral("cannot create the MQTT client")};
    mosquitto_int_option(impl->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    mosquitto_threaded_set(impl->mosq, true);
    // Our context as it is: libmosquitto's defaults would want key and certificate files.
    mosquitto_int_option(impl->mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
    mosquitto_void_option(impl->mosq, MOSQ_OPT_SSL_CTX, impl->ctx.get());
    mosquitto_connect_v5_callback_set(impl->mosq, [](mosquitto*, void* self, int rc, int flags,
                                                     const mosquitto_property*) {
        auto* d = static_cast<Impl*>(self);
        if (rc != 0) {
            if (d->events.disconnected)
                d->events.disconnected(
                    QStringLiteral("the broker refused this station: %1").arg(connackReason(rc)));
            return;
        }
        d->connectedOnce = true;
        if (d->events.connected)
            d->events.connected((flags & 1) != 0);
    });
    mosquitto_publish_v5_callback_set(
        impl->mosq, [](mosquitto*, void* self, int mid, int reason, const mosquitto_property*) {
            auto* d = static_cast<Impl*>(self);
            if (d->events.published)
                d->events.published(mid, reason);
        });
    mosquitto_subscribe_v5_callback_set(impl->mosq,
                                        [](mosquitto*, void* self, int mid, int count,
                                           const int* granted, const mosquitto_property*) {
                                            auto* d = static_cast<Impl*>(self);
                                            QList<int> out;
                                            for (int i = 0; i < count; ++i)
                                                out.append(granted[i]);
                                            if (d->events.subscribed)
                                                d->events.subscribed(mid, out);
                                        });
    mosquitto_message_v5_callback_set(impl->mosq, [](mosquitto*, void* self,
                                                     const mosquitto_message* m,
                                                     const mosquitto_property* properties) {
        auto* d = static_cast<Impl*>(self);
        UserProperties user;
        const mosquitto_property* p = properties;
        char* name = nullptr;
        char* value = nullptr;
        bool first = true;
        while ((p = mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY, &name, &value,
                                                        !first)) != nullptr) {
            user.append({QString::fromUtf8(name), QString::fromUtf8(value)});
            free(name);
            free(value);
            name = value = nullptr;
            first = false;
        }
        if (d->events.message)
            d->events.message(QString::fromUtf8(m->topic),
                              QByteArray(static_cast<const char*>(m->payload), m->payloadlen),
                              user);
    });
    Impl* raw = impl.get();
    std::unique_ptr<BrokerClient> client(new BrokerClient(std::move(impl)));
    raw->thread = std::thread([raw] { raw->run(); });
    return client;
}

Result<int> BrokerClient::publish(const QString& topic, const QByteArray& payload,
                                  const UserProperties& properties) {
    mosquitto_property* props = nullptr;
    for (const auto& [name, value] : properties)
        mosquitto_property_add_string_pair(&props, MQTT_PROP_USER_PROPERTY,
                                           name.toUtf8().constData(), value.toUtf8().constData());
    int mid = 0;
    const int rc = mosquitto_publish_v5(d->mosq, &mid, topic.toUtf8().constData(),
                                        static_cast<int>(payload.size()), payload.constData(), 1,
                                        false, props);
    mosquitto_property_free_all(&props);
    d->nudge();
    if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN)
        return Error{QStringLiteral("cannot publish to the broker: %1")
                         .arg(QString::fromUtf8(mosquitto_strerror(rc)))};
    return mid;
}

Result<int> BrokerClient::subscribe(const QString& topic) {
    int mid = 0;
    const int rc = mosquitto_subscribe_v5(d->mosq, &mid, topic.toUtf8().constData(), 1, 0, nullptr);
    d->nudge();
    if (rc != MOSQ_ERR_SUCCESS)
        return Error{QStringLiteral("cannot subscribe at the broker: %1")
                         .arg(QString::fromUtf8(mosquitto_strerror(rc)))};
    return mid;
}

void BrokerClient::stop() {
    if (!d || !d->thread.joinable())
        return;
    {
        std::lock_guard lock(d->waitMutex);
        d->stopping = true;
    }
    d->wake.notify_all();
    d->nudge();
    d->thread.join();
}

} // namespace tessera::relay
