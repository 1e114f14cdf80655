// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Signed records (docs/sharing.md, "Signed records"): every version of a record is signed by the
// station that wrote it, in batches. A batch is one Ed25519 signature over the salted hashes
// ("leaves") of up to kBatchLeaves versions; each version carries its proof (which batch, which
// leaf, its salt). A relay passes versions on with their batches, but cannot alter one (its leaf
// would no longer match) nor invent one (it has no leaf in any batch the writer signed). A
// version withheld from a recipient stays hidden behind its salted leaf.
//
// This file is the format and the checks, apart from the store (BundleRecords.cpp keeps batches
// and proofs in the mission's record_batch and record_proof tables).

#include "geo/Result.h"

#include <QByteArray>
#include <QCborMap>
#include <QCborValue>
#include <QList>
#include <QString>

namespace tessera::share {

/// The most versions one batch signs: a relayed record carries its batch's leaves (32 bytes
/// each, at most 32 KiB), and a full bundle carries about 32 bytes per record.
constexpr int kBatchLeaves = 1024;
constexpr int kSaltBytes = 16;
constexpr int kLeafBytes = 32;

/// RFC 8949 section 4.2.1, core deterministic encoding: definite lengths, the shortest form of
/// every integer and length, floating-point values in the shortest of half, single and double
/// precision that keeps the value, map keys sorted by their encoded bytes. One value, one form.
QByteArray canonicalCbor(const QCborValue& value);

/// The leaf of one version: SHA-256 over a domain tag, the salt and the canonical encoding of
/// everything the record carries on the wire except its proof and an attachment's content
/// (whose SHA-256 and size are in the record): kind, uuid, stamps, writing station, origin,
/// marking, tombstone and content.
QByteArray recordLeaf(const QCborMap& wireRecord, const QByteArray& salt);
/// recordLeaf of each record with its salt, on every core for a large bundle.
QList<QByteArray> recordLeaves(const QList<const QCborMap*>& records,
                               const QList<QByteArray>& salts);

/// One station's signed batch, as kept in the store and as it travels in a bundle.
struct RecordBatch {
    QString station;      ///< the writing station's UUID, as its records name it
    qint64 seq = 0;       ///< the station's batches are numbered from 1
    QByteArray keys;      ///< the signer's Ed25519 then X25519 public keys (64 bytes)
    QByteArray leaves;    ///< kLeafBytes per version
    QByteArray signature; ///< Ed25519 over statement()

    /// The signer's fingerprint, as its contact card has it (SHA-256 of both keys).
    [[nodiscard]] QByteArray fingerprint() const;
    [[nodiscard]] int size() const { return static_cast<int>(leaves.size() / kLeafBytes); }
    [[nodiscard]] QByteArray leaf(int index) const {
        return leaves.mid(static_cast<qsizetype>(index) * kLeafBytes, kLeafBytes);
    }
    /// What the signature covers: a domain tag, the mission's id (a batch of one mission is
    /// worthless in another), the station, the number, the keys and every leaf.
    [[nodiscard]] QByteArray statement(const QString& missionId) const;

    [[nodiscard]] QCborMap toCbor() const;
    /// A batch from a bundle; an error for anything malformed (not for a bad signature:
    /// verifySignature() says that).
    static Result<RecordBatch> fromCbor(const QCborValue& value);
    /// Whether the signature is the signing key's over statement(missionId).
    [[nodiscard]] bool verifySignature(const QString& missionId) const;
};

/// A version's proof, as a record carries it on the wire (key "proof"): [batch index in the
/// bundle's batches, leaf index, salt].
struct RecordProof {
    int batch = -1;
    int leaf = -1;
    QByteArray salt;

    [[nodiscard]] QCborValue toCbor() const;
    /// The proof a record carries; an error when it has none or a malformed one.
    static Result<RecordProof> of(const QCborMap& wireRecord);
};

} // namespace tessera::share
