// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "share/Identity.h"
#include "store/MissionStore.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>

namespace tessera::share {

/// Where this mission stands with one peer: when bundles last went each way, and what the next
/// bundle for it would carry (docs/sharing.md, "In the app").
struct PeerStatus {
    QByteArray fingerprint;
    QDateTime lastSent;     ///< the last bundle this mission sent with the peer among its
                            ///< recipients; invalid when none
    QDateTime lastReceived; ///< the last bundle received from the peer; invalid when none
    int sentBundles = 0;
    int receivedBundles = 0;
    /// Whether the peer has ever said what it holds (a bundle from it was received). Until it
    /// has, everything is pending for it.
    bool knowsReported = false;
    /// Records changed since what the peer last said it holds, that it may have: what the next
    /// exportBundle() for it alone carries. Bundles sent are not assumed to have arrived, so this
    /// falls only when the peer's own bundle says it holds them.
    int pending = 0;
    /// Changed since then, but not releasable to the peer (ReleasePolicy): never sent to it.
    int withheld = 0;
};

/// What peerStatus() may keep between calls on one mission: the changed records' markings,
/// counted per peer knowledge, valid while the mission's change log and imports stay as they
/// were (they are checked on every call). Counting reads the whole change log and every changed
/// record (seconds at 100,000 records for a peer that never reported; docs/sharing.md), so a panel
/// that refreshes after each action keeps one. Threads: with its store.
/// A number of changed records with one marking, belonging to records with these markings.
struct MarkedCount {
    store::Marking marking;
    QList<store::Marking> ancestors; ///< a note's or attachment's incident
    int count = 0;
    /// Incidents this station created and last wrote: the ones it may send sanitised.
    bool ownIncident = false;
};

struct PeerStatusCache {
    QString missionState;
    QHash<QString, QList<MarkedCount>> countsByKnowledge;
};

/// The status of each of `peers` in this mission, in the same order. Reads the sharing log, what
/// each peer said it knows, and the change log; the release decision is ReleasePolicy's, so
/// `pending` and `withheld` are the counts exportBundle() would report for a bundle to that peer
/// alone. A mission that never shared has no sharing tables: every record is pending.
/// Threads: the store's thread (a worker).
Result<QList<PeerStatus>> peerStatus(store::MissionStore& store, const QList<ContactCard>& peers,
                                     PeerStatusCache* cache = nullptr);

} // namespace tessera::share
