// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "share/BundleFormat.h"
#include "share/ContactBook.h"
#include "share/Identity.h"
#include "store/MissionStore.h"
#include "sync/TlsLink.h"

#include <QString>
#include <QStringList>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace tessera::sync {

/// The largest HELLO frame taken, checked on the frame's header before its body is read, and
/// the most stations its `knows` may name. A HELLO names one station in about 50 bytes.
constexpr qint64 kMaxHelloBytes = 64 * 1024;
constexpr int kMaxHelloStations = 1024;
/// DONE and ACK are a few dozen bytes; ERROR is a sentence.
constexpr qint64 kMaxControlBytes = 4 * 1024;
constexpr qint64 kMaxErrorBytes = 64 * 1024;

/// How a sync session runs.
struct SyncOptions {
    /// Records per bundle: a link that drops loses at most the bundle in flight.
    int recordsPerBundle = 2000;
    /// Connecting, and each frame in or out, in total (LinkOptions::timeoutMs).
    int timeoutMs = 60000;
    /// Serving: the whole TLS handshake (LinkOptions::handshakeTimeoutMs).
    int handshakeTimeoutMs = 10000;
    /// BUNDLE frames are taken up to limits.maxBundleBytes.
    share::BundleLimits limits;
};

/// What one session did, both ways.
struct SyncReport {
    share::ContactCard peer;
    int bundlesSent = 0;
    int recordsSent = 0;
    int withheld = 0; ///< changed, but not releasable to the peer
    int bundlesReceived = 0;
    int recordsApplied = 0;
    int recordsUnchanged = 0;
    int recordsSkipped = 0;
    int conflicts = 0;
    /// What the bundles' imports told beyond the counts (share::ImportReport::warnings: versions
    /// refused by the marking authority, the peer's clock running ahead).
    QStringList warnings;
};

/// Runs the sync protocol (docs/sharing.md, "Sync over TLS") on a verified link, against the
/// mission `store` (opened read-write on this thread; keep it open between sessions). Each side
/// says what it holds; the dialling side sends what the other lacks and is cleared for, then
/// receives the same way. Every bundle is a normal bundle, checked and applied by importBundle in
/// its own transaction, so a link that drops leaves whole bundles applied and the next session
/// sends only the rest. `client`: this side dialled. `trust` is read again before each bundle
/// sent or applied: a peer revoked during a long session gets nothing more and gives nothing
/// more. `applyLock`, when given, is held while a bundle is applied (a server's sessions share
/// one, so that they write the mission one at a time). Threads: a worker; blocking.
Result<SyncReport> runSession(TlsLink& link, bool client, store::MissionStore& store,
                              const share::Identity& me, const TrustSource& trust,
                              const SyncOptions& options, std::mutex* applyLock = nullptr);
Result<SyncReport> runSession(TlsLink& link, bool client, store::MissionStore& store,
                              const share::Identity& me, const share::ContactBook& book,
                              const SyncOptions& options);

/// Dials a peer and runs a session: the peer must be `expected` (a trusted card).
Result<SyncReport> syncWith(const QString& host, quint16 port, const share::ContactCard& expected,
                            store::MissionStore& store, const share::Identity& me,
                            const share::ContactBook& book, const SyncOptions& options = {});

/// How `sync serve` serves.
struct ServerOptions {
    SyncOptions session;
    /// Sessions (handshakes included) at once; further connections wait in the listen backlog
    /// until one ends. Each ends by its deadlines at the latest, so silent or trickling clients
    /// hold a slot for a bounded time and cannot stop the others.
    int maxSessions = 16;
};

/// One connection the server has finished with: the peer's address and how its session went.
struct SessionEnd {
    QString from; ///< empty when accept() itself failed (no session ran)
    Result<SyncReport> result;
};

/// Serves sync sessions from a listener, each connection on its own thread, a bounded number at
/// once. For each one, after the TLS handshake: the contact book is read at the moment the
/// client's certificate is checked (TrustSource), the mission is opened on a connection of its
/// own, and bundles are applied one at a time across sessions.
///
/// Threads: run() blocks on the calling thread and starts the session threads; stop() may be
/// called from any thread; `ended` is called on session threads, one call at a time.
class SyncServer {
public:
    SyncServer(share::Identity me, TrustSource trust, QString missionPath, ServerOptions options);
    SyncServer(const SyncServer&) = delete;
    SyncServer& operator=(const SyncServer&) = delete;

    /// Accepts connections until stop(), or until `stopAfter` (> 0) sessions have ended; then
    /// waits for the sessions in flight (each bounded by its deadlines) and returns. Once per
    /// server.
    Status run(TlsListener& listener, const std::function<void(const SessionEnd&)>& ended,
               int stopAfter = 0);
    /// Stops accepting; run() returns when the sessions in flight have ended.
    void stop();

private:
    Result<SyncReport> serveOne(Connection connection);

    share::Identity me_;
    TrustSource trust_;
    QString missionPath_;
    ServerOptions options_;
    std::mutex applyLock_; ///< held while a session applies a bundle
    std::mutex mutex_;     ///< guards active_ and ended_, with slots_
    std::condition_variable slots_;
    int active_ = 0;
    int ended_ = 0;
    std::atomic<bool> stopping_{false};
};

} // namespace tessera::sync
