// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Internal to tessera_share: records between a mission store and a bundle's payload.
//
// The store keeps a change log of references (kind, uuid, op, hlc, station) and has no public
// API to write a record with another station's stamps, so this file reads and writes the
// mission's tables through the store's Database handle (MissionStore::database()), keeping the
// R*Tree, the full-text index and the change log in step exactly as MissionStore does
// (docs/sharing.md says why, and what the store should offer instead).

#include "geo/Result.h"
#include "share/BundleFormat.h"
#include "store/Mission.h"
#include "store/MissionStore.h"

#include <QCborMap>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace tessera::share {

/// One record in a payload: its kind ("incident", "note", "route", "annotation",
/// "attachment"), the state
/// of the record as CBOR (docs/formats/bundle.md), and its marking for the release policy.
struct SharedRecord {
    QString kind;
    QString uuid;
    store::Marking marking;
    qint64 updated = 0;
    QString station; ///< the station that wrote this version
    QString origin;  ///< the station that created the record: the one that may lower its marking
    QCborMap value;
    /// The markings of the records this one belongs to, nearest first (a note's or an
    /// attachment's incident), as the sending station holds them: the record is released only
    /// when they are too (ReleasePolicy). Not on the wire.
    QList<store::Marking> ancestors;
};

/// What this mission holds, per station: the highest change-log stamp of each.
Result<Knowledge> missionKnowledge(store::MissionStore& store);
/// The index on the change log by (station, stamp) that makes missionKnowledge and
/// changedRecords read only what they need. Sharing adds it on first use, like its tables.
Status ensureChangeLogIndex(store::Database& db);

/// The current state of every record with a change-log entry the peer does not know of (a stamp
/// above `peerKnows[station]`), in apply order (incidents, routes, annotations, notes,
/// attachments with their content in chunks).
Result<QList<SharedRecord>> changedRecords(store::MissionStore& store, const Knowledge& peerKnows);

/// The record kinds a payload carries, in apply order (an incident before its notes and
/// attachments).
const QStringList& recordKinds();
/// A lower-case, dashed UUID of 36 characters.
bool isUuidText(const QString& text);

/// Reads the records of a decrypted payload; an error for anything malformed.
/// (BundlePayload.cpp: needs no store.)
Result<QList<SharedRecord>> decodeRecords(const QByteArray& payload, qint64 maxRecords);
QByteArray encodeRecords(const QList<SharedRecord>& records);

/// A version not applied because of the marking authority (ReleasePolicy::mayRemark).
struct RefusedRecord {
    QString kind;
    QString uuid;
    QString station; ///< the station that wrote the refused version
    QString reason;
};

/// What applying records did.
struct ApplyCounts {
    int applied = 0;   ///< written: new, or newer than ours
    int unchanged = 0; ///< ours is the same or newer (last writer wins by HLC, then station)
    int skipped = 0;   ///< a note or attachment whose incident this station does not hold
    int conflicts = 0; ///< concurrent edits found (both versions kept in share_conflict)
    QList<RefusedRecord> refused; ///< versions refused by the marking authority (share_refused)
};

/// Where records come from. With the sender's knowledge, a record we changed without the
/// sender having seen our change is a conflict: both versions go to the share_conflict table
/// (which the caller has created).
struct ApplyContext {
    const Knowledge* senderKnows = nullptr;
    QString bundleId;
};

/// Applies records inside the caller's transaction: last writer wins by (updated HLC, station
/// UUID); a record equal to ours changes nothing, so applying twice is a no-op. The store's
/// clock observes the stamps written, so that a local edit made next wins over them.
Result<ApplyCounts> applyRecords(store::MissionStore& store, const QList<SharedRecord>& records,
                                 const ApplyContext& context = {});

/// The current state of one record as it would travel; nullopt when there is none.
Result<std::optional<SharedRecord>> currentRecord(store::MissionStore& store, const QString& kind,
                                                  const QString& uuid);

} // namespace tessera::share
