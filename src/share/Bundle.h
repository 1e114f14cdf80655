// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "share/BundleFormat.h"
#include "share/ContactBook.h"
#include "share/Identity.h"
#include "store/MissionStore.h"
#include "store/ReleasedVersion.h"

#include <QByteArray>
#include <QCborMap>
#include <QDateTime>
#include <QList>
#include <QString>

#include <functional>

namespace tessera::share {

struct SharedRecord; // BundleRecords.h

/// Where the program finds a mission's first-level regions, for sanitised versions that
/// coarsen a position to its region (docs/sharing.md, "Sanitised versions"): sharing reads no
/// map files itself (no GDAL here), so the programs that do (tessera-cli, the app) install
/// interop::regionsOfMission at start. None installed: such versions are withheld.
using RegionProvider = std::function<store::RegionLocator(store::MissionStore&)>;
void setRegionProvider(RegionProvider provider);

struct ExportOptions {
    /// What the recipients are known to hold already (per station, the highest stamp); only
    /// newer changes are carried. Empty: everything. exportBundle() fills it from the last
    /// bundle received from the recipient when `sinceLastReceived` is set.
    Knowledge since;
    bool sinceLastReceived = true;
    /// Only this station's own changes: not other stations' versions a peer may lack below its
    /// knowledge (a broker's relay, where every writer reaches every peer itself).
    bool ownChangesOnly = false;
};

struct ExportReport {
    QByteArray bytes; ///< the bundle file
    QString id;
    int records = 0;  ///< carried
    int withheld = 0; ///< changed, but not releasable to every recipient
    /// Other stations' versions received before records were signed, which no receiver would
    /// accept: left out (docs/sharing.md, "Signed records").
    int unsignedForeign = 0;
};

/// Builds a bundle of the mission's changes for `recipients`. Only records that
/// ReleasePolicy::mayRelease allows for EVERY recipient are serialised; the others are counted
/// as withheld and never leave the function. For the most each peer may have, build one bundle
/// per peer (what `tessera-cli bundle export --to PEER` does; docs/sharing.md says why). The
/// bundle is recorded in the mission's sharing log. Threads: the store's thread.
Result<ExportReport> exportBundle(store::MissionStore& store, const Identity& sender,
                                  const QList<ContactCard>& recipients,
                                  const ExportOptions& options = {});

/// Splits `records`, sorted by (updated stamp, station), into bundles of about `maxRecords`:
/// the indices where each bundle ends (the last is records.size()). A cut never separates two
/// records of one stamp, nor a note or attachment from an incident that comes after it, so
/// that a peer holding any number of whole bundles of the series holds, for each station,
/// every change up to the highest stamp it has of that station (docs/sharing.md, "Sync").
/// maxRecords <= 0: one bundle.
QList<int> seriesCuts(const QList<SharedRecord>& records, int maxRecords);

struct SeriesReport {
    int bundles = 0;
    int records = 0;
    int withheld = 0;
};

/// The changes `recipient` lacks (above `since`, what it said it holds) as a series of bundles
/// of about `maxRecords` records each (seriesCuts), for a link that may drop: each bundle is
/// handed to `sink` as soon as it is sealed, then logged as sent; an error from the sink stops
/// the series. Bundles already handed over stay valid and whole; the next series starts from
/// what the peer then says it holds, so nothing it received is sent again. With nothing to send,
/// one empty bundle (it still carries the sender's knowledge). Threads: the store's thread.
Result<SeriesReport> exportBundleSeries(store::MissionStore& store, const Identity& sender,
                                        const ContactCard& recipient, const Knowledge& since,
                                        int maxRecords,
                                        const std::function<Status(const ExportReport&)>& sink);

struct ImportReport {
    QString id;
    QString sender; ///< station name
    int applied = 0;
    int unchanged = 0;
    int skipped = 0;
    int conflicts = 0; ///< concurrent edits found; both versions kept (conflicts())
    /// Versions not applied because they lowered or widened a marking without the authority
    /// to (docs/sharing.md, "Marking authority"), each in words for the analyst; the rest of
    /// the bundle was applied.
    QStringList refused;
    /// How far the sender's clock (its header or its newest stamp) runs ahead of ours, when
    /// more than a few seconds but within the accepted horizon; 0 otherwise.
    qint64 clockSkewMs = 0;
    /// Writers whose key was revoked after they wrote versions this bundle carried (applied).
    QStringList revokedWriters;
    /// What the sender held when it made the bundle (its header's `knows`): a relay learns
    /// from it what a peer has, when the peer asks for what it lacks.
    Knowledge senderKnows;

    /// What the analyst must be told beyond the counts, in sentences: each refused version, and
    /// a sender's clock running ahead. The CLI prints them and the sharing panel shows them.
    [[nodiscard]] QStringList warnings() const;
};

/// Opens the bundle (openBundle: every check, signature before decryption), refuses one whose
/// id this mission has already received (replay) or that carries a record this station is not
/// cleared for, and applies its records in one transaction: all or nothing. Records older than
/// or equal to ours change nothing, so the same changes arriving twice leave the mission as it
/// was. Threads: the store's thread.
/// With `expectedSender` (a fingerprint), a bundle signed by any other station is refused before
/// anything is applied (a sync link carries only its peer's own bundles).
Result<ImportReport> importBundle(store::MissionStore& store, const QByteArray& bytes,
                                  const Identity& me, const ContactBook& book,
                                  const BundleLimits& limits = {},
                                  const QByteArray& expectedSender = {});

/// One line of the mission's sharing log (docs/sharing.md).
struct BundleLogEntry {
    QString id;
    QString direction; ///< "sent" or "received"
    QString peers;     ///< fingerprints, hex, comma-separated
    QDateTime at;
    int records = 0;
};
Result<QList<BundleLogEntry>> bundleLog(store::MissionStore& store);

/// One record a bundle carried: which version of it, under which marking.
struct BundleLogRecord {
    QString kind;
    QString uuid;
    qint64 updated = 0; ///< the version's HLC stamp
    store::Marking marking;
};
/// The records of a bundle sent or received ("sent", "received"): the audit of what went to whom.
Result<QList<BundleLogRecord>> bundleRecords(store::MissionStore& store, const QString& bundleId,
                                             const QString& direction);

/// A concurrent edit found on import: the sender changed a record without having seen our last
/// change of it (docs/sharing.md). Last writer wins decides what the record shows at every
/// station alike; both versions are kept here until an analyst chooses.
struct Conflict {
    qint64 id = 0;
    QString kind; ///< incident, route, annotation
    QString uuid;
    QDateTime detectedAt;
    QString bundleId;
    QCborMap ours;   ///< our version when theirs arrived (payload form, docs/formats/bundle.md)
    QCborMap theirs; ///< the version that arrived
    QString shown;   ///< "ours" or "theirs": which one last writer wins kept
    QDateTime resolvedAt;
    QString resolution; ///< "ours" or "theirs" once resolved
};
Result<QList<Conflict>> conflicts(store::MissionStore& store, bool unresolvedOnly = true);

enum class ConflictChoice { Ours, Theirs };
/// Keeps the chosen version: written again as a new change of this station (so it supersedes
/// both wherever it travels), and the conflict marked resolved. One transaction.
Status resolveConflict(store::MissionStore& store, qint64 id, ConflictChoice keep);

} // namespace tessera::share
