// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// The payload's CBOR, apart from the store: what the fuzz target can build on its own.
#include "share/BundleRecords.h"
#include "share/Cbor.h"
#include "share/Crypto.h"
#include "share/SanitisedRecords.h"
#include "share/VersionVector.h"

#include <QCborArray>
#include <QUuid>

#include <algorithm>

namespace tessera::share {

namespace {

/// Version 2 carries signed batches and a proof with every record (docs/formats/bundle.md).
constexpr char kPayloadFormat[] = "tessera-payload/2";

} // namespace

const QStringList& recordKinds() {
    static const QStringList kinds{QStringLiteral("incident"), QStringLiteral("route"),
                                   QStringLiteral("annotation"), QStringLiteral("note"),
                                   QStringLiteral("attachment")};
    return kinds;
}

bool isUuidText(const QString& s) {
    static const QString hex = QStringLiteral("0123456789abcdef");
    if (s.size() != 36)
        return false;
    for (int k = 0; k < 36; ++k) {
        const bool dash = k == 8 || k == 13 || k == 18 || k == 23;
        if (dash ? s[k] != QLatin1Char('-') : !hex.contains(s[k]))
            return false;
    }
    return true;
}

// Sanitised versions' names (SanitisedRecords.h), here with the reader that checks them: the
// fuzzed reader needs no store.
namespace {
/// The namespace of sanitised versions' UUIDs (a random UUID, fixed here for ever).
const QUuid kSanitisedNamespace(QStringLiteral("{5b0f7c7e-3f4a-4d8e-9a37-6c1d2e8b9f10}"));
} // namespace

QString sanitisedUuid(const QString& original) {
    return QUuid::createUuidV5(kSanitisedNamespace, original).toString(QUuid::WithoutBraces);
}

Status checkSanitisedOf(const QString& kind, const QString& uuid, const QCborMap& record) {
    if (!record.contains(kSanitisedOfKey))
        return success();
    const QString original = record.value(kSanitisedOfKey).toString();
    if (kind != QLatin1String("incident") || !isUuidText(original) ||
        sanitisedUuid(original) != uuid)
        return Error{QStringLiteral("the %1 %2 says it is the sanitised version of '%3', which "
                                    "its UUID is not")
                         .arg(kind, uuid, original)};
    return success();
}

QByteArray encodePayload(const Payload& payload) {
    QCborArray array;
    for (const SharedRecord& r : payload.records) {
        QCborMap m = r.value;
        if (r.batch >= 0)
            m.insert(QStringLiteral("proof"),
                     RecordProof{static_cast<int>(r.batch), r.leaf, r.salt}.toCbor());
        array.append(m);
    }
    QCborArray batches;
    for (const RecordBatch& b : payload.batches)
        batches.append(b.toCbor());
    QCborMap m;
    m.insert(QStringLiteral("format"), QString::fromLatin1(kPayloadFormat));
    m.insert(QStringLiteral("batches"), batches);
    m.insert(QStringLiteral("records"), array);
    return m.toCborValue().toCbor();
}

Payload payloadOf(const QList<SharedRecord>& records, const QHash<qint64, RecordBatch>& batches) {
    Payload out;
    QHash<qint64, int> index; // store id -> place in out.batches
    out.records.reserve(records.size());
    for (const SharedRecord& r : records) {
        SharedRecord copy = r;
        auto it = index.constFind(r.batch);
        if (it == index.constEnd()) {
            it = index.insert(r.batch, static_cast<int>(out.batches.size()));
            out.batches.append(batches.value(r.batch));
        }
        copy.batch = it.value();
        out.records.append(std::move(copy));
    }
    return out;
}

Result<QList<RecordBatch>> signVersions(const Identity& signer, const QString& missionId,
                                        const QString& station, qint64 firstSeq,
                                        const QList<SharedRecord*>& records) {
    QList<RecordBatch> batches;
    const QByteArray keys = signer.card().signingKey + signer.card().agreementKey;
    QList<const QCborMap*> maps;
    QList<QByteArray> salts;
    maps.reserve(records.size());
    salts.reserve(records.size());
    // One draw from the generator for every salt.
    const QByteArray random = crypto::randomBytes(static_cast<int>(records.size()) * kSaltBytes);
    for (SharedRecord* r : records) {
        r->salt = random.mid(maps.size() * kSaltBytes, kSaltBytes);
        maps.append(&r->value);
        salts.append(r->salt);
    }
    const QList<QByteArray> leaves = recordLeaves(maps, salts);
    for (qsizetype start = 0; start < records.size(); start += kBatchLeaves) {
        RecordBatch b;
        b.station = station;
        b.seq = firstSeq + batches.size();
        b.keys = keys;
        const qsizetype end = std::min(records.size(), start + kBatchLeaves);
        b.leaves.reserve((end - start) * kLeafBytes);
        for (qsizetype k = start; k < end; ++k) {
            SharedRecord& r = *records[k];
            r.leaf = static_cast<int>(k - start);
            r.batch = batches.size();
            b.leaves += leaves[k];
        }
        Result<QByteArray> signature = signer.sign(b.statement(missionId));
        if (!signature)
            return signature.error();
        b.signature = std::move(signature).value();
        batches.append(std::move(b));
    }
    return batches;
}

Result<Payload> decodePayload(const QByteArray& payload, qint64 maxRecords) {
    Result<QCborValue> value = cbor::decodeStrict(payload, "bundle payload");
    if (!value)
        return value.error();
    const QCborMap m = value.value().toMap();
    const QString format = m[QStringLiteral("format")].toString();
    if (format == QLatin1String("tessera-payload/1"))
        return Error{QStringLiteral("bundle refused: its records are not signed (a bundle of a "
                                    "Tessera from before signed records): ask the sender to "
                                    "update Tessera and export again")};
    if (format != QLatin1String(kPayloadFormat) || !m[QStringLiteral("records")].isArray() ||
        !m[QStringLiteral("batches")].isArray())
        return Error{QStringLiteral("the bundle's payload is not in a format this Tessera reads")};
    const QCborArray array = m[QStringLiteral("records")].toArray();
    if (array.size() > maxRecords)
        return Error{QStringLiteral("bundle refused: oversized: %1 records").arg(array.size())};
    Payload out;
    const QCborArray batches = m[QStringLiteral("batches")].toArray();
    if (batches.size() > array.size())
        return Error{QStringLiteral("bundle refused: more signed batches than records")};
    for (const QCborValue& v : batches) {
        Result<RecordBatch> b = RecordBatch::fromCbor(v);
        if (!b)
            return b.error();
        out.batches.append(std::move(b).value());
    }
    QList<SharedRecord>& records = out.records;
    records.reserve(array.size());
    for (const QCborValue& v : array) {
        QCborMap r = v.toMap();
        SharedRecord s;
        s.kind = r[QStringLiteral("kind")].toString();
        s.uuid = r[QStringLiteral("uuid")].toString();
        s.station = r[QStringLiteral("station")].toString();
        s.origin = r[QStringLiteral("origin")].toString();
        s.updated = r[QStringLiteral("updated")].toInteger(-1);
        s.marking = {r[QStringLiteral("classification")].toString(),
                     r[QStringLiteral("releasability")].toString()};
        if (!recordKinds().contains(s.kind) || !isUuidText(s.uuid) || !isUuidText(s.station) ||
            !isUuidText(s.origin) || s.updated < 0 ||
            r[QStringLiteral("created")].toInteger(-1) < 0 ||
            !r[QStringLiteral("deleted")].isBool() ||
            !r[QStringLiteral("classification")].isString() ||
            !r[QStringLiteral("releasability")].isString())
            return Error{
                QStringLiteral("a record in the bundle is malformed (%1 %2)").arg(s.kind, s.uuid)};
        // The version vector names the version's own write: its writer at its stamp.
        const std::optional<VersionVector> vv = vectorFromCbor(r[QStringLiteral("vv")]);
        if (!vv || vv->value(s.station, -1) != s.updated)
            return Error{QStringLiteral("a record in the bundle is malformed (%1 %2: its version "
                                        "vector is missing or does not name its own write)")
                             .arg(s.kind, s.uuid)};
        if (Status named = checkSanitisedOf(s.kind, s.uuid, r); !named)
            return Error{QStringLiteral("bundle refused: ") + named.error().message};
        Result<RecordProof> proof = RecordProof::of(r);
        if (!proof)
            return Error{QStringLiteral("bundle refused: the %1 %2: %3")
                             .arg(s.kind, s.uuid, proof.error().message)};
        if (proof.value().batch >= out.batches.size() ||
            proof.value().leaf >= out.batches[proof.value().batch].size())
            return Error{QStringLiteral("bundle refused: the %1 %2: its signature proof points "
                                        "outside the bundle's batches")
                             .arg(s.kind, s.uuid)};
        s.batch = proof.value().batch;
        s.leaf = proof.value().leaf;
        s.salt = proof.value().salt;
        r.remove(QStringLiteral("proof"));
        s.value = std::move(r);
        records.append(std::move(s));
    }
    return out;
}

} // namespace tessera::share
