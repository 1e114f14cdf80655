// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "share/Identity.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <functional>
#include <memory>

namespace tessera::relay {

/// Where the broker is: "mqtts://host:port" (port 8883 when left out).
struct BrokerEndpoint {
    QString host;
    quint16 port = 8883;
    static Result<BrokerEndpoint> parse(const QString& url);
};

/// How a station reaches its broker (docs/deployment.md).
struct BrokerSettings {
    BrokerEndpoint endpoint;
    /// The broker's certificate, or the CA that issued it (PEM): the only one this station
    /// accepts, its names checked against endpoint.host.
    QString caFile;
    int keepAliveSeconds = 30;
    /// How long the broker keeps this station's session, and the messages queued for it, while
    /// the station is away (MQTT 5 Session Expiry Interval): two weeks.
    quint32 sessionExpirySeconds = 14 * 24 * 3600;
    /// Back-off between attempts to reconnect: doubles from the first to the last.
    int reconnectFirstMs = 500;
    int reconnectLastMs = 60000;
};

using UserProperties = QList<QPair<QString, QString>>;

/// What the client reports, each on its network thread (keep handlers short; message() must
/// have kept what it needs before it returns: the broker is told the message arrived then).
struct BrokerEvents {
    std::function<void(bool sessionPresent)> connected;
    std::function<void(const QString& reason)> disconnected;
    /// A QoS 1 publication acknowledged by the broker; `reason` is the MQTT 5 reason code (0
    /// success; 135 not authorised: the broker's ACL refused it).
    std::function<void(int mid, int reason)> published;
    /// Granted QoS per topic, or 128 and above for a refusal (135: not authorised).
    std::function<void(int mid, const QList<int>& granted)> subscribed;
    std::function<void(const QString& topic, const QByteArray& payload,
                       const UserProperties& properties)>
        message;
};

/// A station's MQTT 5 client (libmosquitto, the broker's own project): TLS 1.3 with the station's
/// broker certificate (sync/StationCertificate.h) and its Ed25519 key held in memory, never
/// written to disk; the client id is the station's fingerprint; clean start off and a session
/// expiry of days, so the broker queues what arrives while the station is away. Reconnects by
/// itself with back-off until stopped.
///
/// Threads: start() and stop() on one thread; publish() and subscribe() from any thread; the
/// events on the client's own network thread.
class BrokerClient {
public:
    ~BrokerClient();
    BrokerClient(const BrokerClient&) = delete;
    BrokerClient& operator=(const BrokerClient&) = delete;

    /// Sets up TLS and starts the network thread, which connects (and reconnects) by itself.
    static Result<std::unique_ptr<BrokerClient>>
    start(const share::Identity& me, const BrokerSettings& settings, BrokerEvents events);

    /// QoS 1; the message id, whose acknowledgement comes as events.published.
    Result<int> publish(const QString& topic, const QByteArray& payload,
                        const UserProperties& properties = {});
    /// QoS 1; the message id, whose answer comes as events.subscribed.
    Result<int> subscribe(const QString& topic);
    /// Disconnects (the broker keeps the session) and ends the network thread.
    void stop();

private:
    struct Impl;
    explicit BrokerClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

} // namespace tessera::relay
