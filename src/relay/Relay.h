// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "relay/BrokerClient.h"
#include "share/BundleFormat.h"
#include "share/Identity.h"
#include "sync/TlsLink.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <functional>
#include <memory>

namespace tessera::relay {

/// How a station shares through a mission's broker (docs/deployment.md).
struct RelaySettings {
    BrokerSettings broker;
    QString missionPath;
    /// Where the relay keeps its inbox and what it has sent: beside the mission by default
    /// (MISSION.relay). Holds only encrypted bundles and stamps.
    QString stateFolder;
    /// Bytes per MQTT message: a bundle travels in parts of this size (the sample broker
    /// configuration takes messages of up to 1 MiB).
    int partBytes = 256 * 1024;
    /// How often the mission is looked at for changes to send, when nothing else wakes the relay.
    int pollMs = 1000;
    /// Also pass on other stations' records a peer lacks (a station that links the broker to
    /// peers reached by TLS sync or files). Off: each station sends only what it wrote itself,
    /// since every writer on the broker reaches every peer directly.
    bool forward = false;
    /// A bundle the broker has not acknowledged whole after this long is sent again.
    int inFlightTimeoutMs = 2 * 60 * 1000;
    share::BundleLimits limits;
};

/// What the relay has done with one peer.
struct RelayPeer {
    QString fingerprintHex;
    QString name;
    QDateTime lastReceived; ///< when a bundle from it was last applied
    int bundlesIn = 0;
    int recordsIn = 0;
    int bundlesOut = 0;
    int recordsOut = 0;
};

/// The relay's state for the sharing panel and the CLI: a copy.
struct RelayStatus {
    bool running = false;
    bool connected = false;
    QString lastError;   ///< the last thing that went wrong, in words; empty when none
    int partsQueued = 0; ///< published and not yet acknowledged by the broker
    int partsHeld = 0;   ///< received, waiting for the rest of their bundle
    int bundlesApplied = 0;
    int recordsApplied = 0;
    int bundlesSent = 0;
    int recordsSent = 0;
    qint64 bytesSent = 0;     ///< bundle bytes published and acknowledged by the broker
    qint64 bytesReceived = 0; ///< bundle bytes taken whole from the inbox
    int duplicates = 0;       ///< bundles delivered again, recognised and not applied twice
    int notAddressed = 0;     ///< bundles on the community's topic for other stations of it
    int refused = 0;          ///< bundles refused (each reason in the log)
    QList<RelayPeer> peers;
};

/// A station's side of sharing through an MQTT broker (docs/deployment.md): the same bundles as
/// files and TLS sync (signed, encrypted to their recipients, released by share::ReleasePolicy),
/// one bundle per group of peers that see the same records, published once to their community's
/// topic tessera/MISSION/community/COMMUNITY/from/STATION (sync::communityTopic), or to a lone
/// peer's own tessera/MISSION/to/PEER/from/STATION; applied on arrival with share::importBundle.
/// The broker sees only ciphertext, fingerprints and community hashes.
///
/// Threads: run() blocks the calling thread (a worker: it opens the mission there) until
/// stop(); stop(), poke() and status() from any thread.
class Relay {
public:
    Relay(share::Identity me, sync::TrustSource trust, RelaySettings settings);
    ~Relay();
    Relay(const Relay&) = delete;
    Relay& operator=(const Relay&) = delete;

    /// Runs until stop(). `log` gets one line per event worth telling an operator. An error
    /// only when the relay cannot start (mission, state folder, TLS set-up); a broker that is
    /// away is waited for.
    Status run(const std::function<void(const QString&)>& log = {});
    void stop();
    /// The mission changed: look for what to send now rather than at the next poll.
    void poke();
    [[nodiscard]] RelayStatus status() const;

    /// The topic segment that names a mission (its id when it is a plain word, else a hash).
    static QString missionTopic(const QString& missionId);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace tessera::relay
