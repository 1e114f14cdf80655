// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// The payload's CBOR, apart from the store: what the fuzz target can build on its own.
#include "share/BundleRecords.h"
#include "share/Cbor.h"

#include <QCborArray>

namespace tessera::share {

namespace {

constexpr char kPayloadFormat[] = "tessera-payload/1";

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

QByteArray encodeRecords(const QList<SharedRecord>& records) {
    QCborArray array;
    for (const SharedRecord& r : records)
        array.append(r.value);
    QCborMap m;
    m.insert(QStringLiteral("format"), QString::fromLatin1(kPayloadFormat));
    m.insert(QStringLiteral("records"), array);
    return m.toCborValue().toCbor();
}

Result<QList<SharedRecord>> decodeRecords(const QByteArray& payload, qint64 maxRecords) {
    Result<QCborValue> value = cbor::decodeStrict(payload, "bundle payload");
    if (!value)
        return value.error();
    const QCborMap m = value.value().toMap();
    if (m[QStringLiteral("format")].toString() != QLatin1String(kPayloadFormat) ||
        !m[QStringLiteral("records")].isArray())
        return Error{QStringLiteral("the bundle's payload is not in a format this Tessera reads")};
    const QCborArray array = m[QStringLiteral("records")].toArray();
    if (array.size() > maxRecords)
        return Error{QStringLiteral("bundle refused: oversized: %1 records").arg(array.size())};
    QList<SharedRecord> records;
    records.reserve(array.size());
    for (const QCborValue& v : array) {
        const QCborMap r = v.toMap();
        SharedRecord s;
        s.kind = r[QStringLiteral("kind")].toString();
        s.uuid = r[QStringLiteral("uuid")].toString();
        s.station = r[QStringLiteral("station")].toString();
        // The origin (store migration 6): absent in bundles of earlier builds, where the writer
        // is the best knowledge there is.
        s.origin = r.contains(QStringLiteral("origin")) ? r[QStringLiteral("origin")].toString()
                                                        : s.station;
        s.updated = r[QStringLiteral("updated")].toInteger(-1);
        s.marking = {r[QStringLiteral("classification")].toString(),
                     r[QStringLiteral("releasability")].toString()};
        s.value = r;
        if (!recordKinds().contains(s.kind) || !isUuidText(s.uuid) || !isUuidText(s.station) ||
            !isUuidText(s.origin) || s.updated < 0 ||
            r[QStringLiteral("created")].toInteger(-1) < 0 ||
            !r[QStringLiteral("deleted")].isBool() ||
            !r[QStringLiteral("classification")].isString() ||
            !r[QStringLiteral("releasability")].isString())
            return Error{
                QStringLiteral("a record in the bundle is malformed (%1 %2)").arg(s.kind, s.uuid)};
        records.append(std::move(s));
    }
    return records;
}

} // namespace tessera::share
