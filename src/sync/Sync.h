// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "share/BundleFormat.h"
#include "share/ContactBook.h"
#include "share/Identity.h"
#include "store/MissionStore.h"
#include "sync/TlsLink.h"

#include <QString>

namespace tessera::sync {

/// How a sync session runs.
struct SyncOptions {
    /// Records per bundle: a link that drops loses at most the bundle in flight.
    int recordsPerBundle = 2000;
    int timeoutMs = 60000;
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
};

/// Runs the sync protocol (docs/sharing.md, "Sync over TLS") on a verified link, against the
/// mission `store` (opened read-write on this thread; keep it open between sessions). Each side
/// says what it holds; the dialling side sends what the other lacks and is cleared for, then
/// receives the same way. Every bundle is a normal bundle, checked and applied by importBundle in
/// its own transaction, so a link that drops leaves whole bundles applied and the next session
/// sends only the rest. `client`: this side dialled. Threads: a worker; blocking.
Result<SyncReport> runSession(TlsLink& link, bool client, store::MissionStore& store,
                              const share::Identity& me, const share::ContactBook& book,
                              const SyncOptions& options);

/// Dials a peer and runs a session: the peer must be `expected` (a trusted card).
Result<SyncReport> syncWith(const QString& host, quint16 port, const share::ContactCard& expected,
                            store::MissionStore& store, const share::Identity& me,
                            const share::ContactBook& book, const SyncOptions& options = {});

} // namespace tessera::sync
