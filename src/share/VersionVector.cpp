// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "share/VersionVector.h"

#include "share/BundleRecords.h"

#include <QCborMap>
#include <QJsonDocument>
#include <QJsonObject>

namespace tessera::share {

bool dominatedBy(const VersionVector& a, const VersionVector& b) {
    for (auto it = a.constBegin(); it != a.constEnd(); ++it)
        if (it.value() > b.value(it.key(), -1))
            return false;
    return true;
}

bool concurrent(const VersionVector& a, const VersionVector& b) {
    return !dominatedBy(a, b) && !dominatedBy(b, a);
}

VersionVector merged(VersionVector a, const VersionVector& b) {
    for (auto it = b.constBegin(); it != b.constEnd(); ++it)
        a[it.key()] = std::max(a.value(it.key(), -1), it.value());
    return a;
}

QCborValue toCbor(const VersionVector& v) {
    QCborMap m;
    for (auto it = v.constBegin(); it != v.constEnd(); ++it)
        m.insert(it.key(), it.value());
    return m;
}

std::optional<VersionVector> vectorFromCbor(const QCborValue& value) {
    if (!value.isMap())
        return std::nullopt;
    const QCborMap m = value.toMap();
    if (m.isEmpty() || m.size() > kMaxVectorEntries)
        return std::nullopt;
    VersionVector v;
    for (auto it = m.constBegin(); it != m.constEnd(); ++it) {
        if (!it.key().isString() || !isUuidText(it.key().toString()) || !it.value().isInteger() ||
            it.value().toInteger() < 0)
            return std::nullopt;
        v.insert(it.key().toString(), it.value().toInteger());
    }
    return v;
}

QString toJson(const VersionVector& v) {
    QJsonObject o;
    for (auto it = v.constBegin(); it != v.constEnd(); ++it)
        o.insert(it.key(), QJsonValue(it.value()));
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

std::optional<VersionVector> vectorFromJson(const QString& json) {
    const QJsonDocument doc = QJsonDocument::fromJson(json.toUtf8());
    if (!doc.isObject())
        return std::nullopt;
    VersionVector v;
    const QJsonObject o = doc.object();
    for (auto it = o.constBegin(); it != o.constEnd(); ++it) {
        // HLC stamps (ms << 16) are above 2^53: Qt 6 keeps a JSON integer as a qint64, and
        // SQLite's json_set writes one as an integer literal.
        if (!it.value().isDouble())
            return std::nullopt;
        v.insert(it.key(), it.value().toInteger());
    }
    return v;
}

} // namespace tessera::share
