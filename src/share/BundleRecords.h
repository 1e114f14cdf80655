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
#include "share/ContactBook.h"
#include "share/Identity.h"
#include "share/RecordSignature.h"
#include "share/VersionVector.h"
#include "store/Mission.h"
#include "store/MissionStore.h"

#include <QCborMap>
#include <QHash>
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
    /// The version's signature proof (RecordSignature.h): its batch (the mission's record_batch
    /// id when read from the store; the index in Payload::batches when on the wire), its leaf
    /// and its salt. batch < 0: none.
    qint64 batch = -1;
    int leaf = -1;
    QByteArray salt;
};

/// A bundle's payload: the records and the signed batches their proofs point into.
struct Payload {
    QList<SharedRecord> records; ///< each record's `batch` indexes `batches`
    QList<RecordBatch> batches;
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

/// Reads a decrypted payload (format tessera-payload/2: records with their proofs, and the
/// batches); an error for anything malformed, a record without a proof included. Signatures
/// are checked by verifyPayload. (BundlePayload.cpp: needs no store.)
Result<Payload> decodePayload(const QByteArray& payload, qint64 maxRecords);
QByteArray encodePayload(const Payload& payload);
/// The payload of `records` whose `batch` is a key of `batches` (the store's ids): the
/// batches they use, in order of first use, and each record's proof pointing into them.
Payload payloadOf(const QList<SharedRecord>& records, const QHash<qint64, RecordBatch>& batches);

/// Signs `records`, every one a version written by `station` (the signer's station in this
/// mission), as new batches of at most kBatchLeaves numbered from `firstSeq`: a fresh salt and
/// its leaf for each, one signature per batch. Sets each record's batch (an index into the
/// returned list), leaf and salt. In memory: the store's side is signRecords.
Result<QList<RecordBatch>> signVersions(const Identity& signer, const QString& missionId,
                                        const QString& station, qint64 firstSeq,
                                        const QList<SharedRecord*>& records);

/// What signRecords did to a list of records about to be sent.
struct SignedRecords {
    QHash<qint64, RecordBatch> batches; ///< by the store's id, every batch a record uses
    int signedNow = 0;                  ///< versions of this station signed by this call
    int unsignedForeign = 0; ///< other stations' versions received before records were signed:
                             ///< left out (no receiver would accept them)
};
/// Gives every record its proof before it is sent: the one kept in the store, or, for a
/// version this station wrote and has not signed yet, a new one (signVersions, kept in
/// record_batch and record_proof). A version another station wrote that has no proof is taken
/// out of `records`. Inside the caller's transaction.
Result<SignedRecords> signRecords(store::MissionStore& store, const Identity& signer,
                                  const QString& missionId, QList<SharedRecord>& records);

/// How many records this mission holds whose current version another station wrote and no
/// signature covers: received before records were signed. They stay here, marked so in the
/// sharing panel, and are not passed on (docs/sharing.md, "Signed records").
Result<qint64> unsignedForeignRecords(store::MissionStore& store);

/// What verifyPayload found beyond a pass.
struct Verification {
    /// Writers whose key has been revoked since they wrote versions in the payload (those
    /// versions are older than the revocation and are applied, marked in the report), by name.
    QStringList revokedWriters;
};
/// Checks every record of a payload against its writer's signature before anything is applied:
/// its batch is signed, for this mission, by a key this station trusts (its own, a trusted
/// contact's, or a contact revoked after the version's stamp); the batch names the record's
/// writer, and that station has signed with no other key before (station_key); the record's
/// leaf is in the batch. The first failure refuses the whole bundle and names the record, its
/// writer and the reason.
Result<Verification> verifyPayload(store::MissionStore& store, const Payload& payload,
                                   const ContactBook& book, const Identity& me,
                                   const QString& missionId);
/// Keeps the payload's batches and proofs, and binds each writing station to its key, so that
/// the records can be passed on with them. Inside the caller's transaction, after verifyPayload.
Status keepProofs(store::MissionStore& store, const Payload& payload);

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

/// The merge of the version vectors of every version of a record this station has held
/// (docs/sharing.md, "Conflicts"); empty when it holds none. A version written after seeing
/// them all builds on this.
Result<VersionVector> seenVector(store::MissionStore& store, const QString& kind,
                                 const QString& uuid);

/// The current state of one record as it would travel; nullopt when there is none.
Result<std::optional<SharedRecord>> currentRecord(store::MissionStore& store, const QString& kind,
                                                  const QString& uuid);

} // namespace tessera::share
