// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/Gazetteer.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace tessera::interop {

Result<Gazetteer> Gazetteer::read(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("%1: %2").arg(path, file.errorString())};
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return Error{QStringLiteral("%1: not valid JSON at offset %2: %3")
                         .arg(path)
                         .arg(parseError.offset)
                         .arg(parseError.errorString())};
    if (!doc.isArray())
        return Error{QStringLiteral("%1: expected a JSON array of places").arg(path)};
    Gazetteer g;
    const QJsonArray array = doc.array();
    g.places_.reserve(array.size());
    for (const QJsonValue v : array) {
        const QJsonObject o = v.toObject();
        bool okLat = false;
        bool okLon = false;
        Place p;
        p.name = o.value(QLatin1String("name")).toString();
        p.country = o.value(QLatin1String("country")).toString();
        p.location.lat = o.value(QLatin1String("lat")).toString().toDouble(&okLat);
        p.location.lon = o.value(QLatin1String("lng")).toString().toDouble(&okLon);
        if (p.name.isEmpty() || !okLat || !okLon || !p.location.isValid())
            continue; // a malformed entry is skipped; the rest of GeoNames is still good
        g.places_.append(std::move(p));
    }
    if (g.places_.isEmpty())
        return Error{QStringLiteral("%1: no usable places in the file").arg(path)};
    return g;
}

QList<Place> Gazetteer::inCountry(const QString& country) const {
    QList<Place> result;
    for (const Place& p : places_)
        if (p.country == country)
            result.append(p);
    return result;
}

Result<Place> Gazetteer::find(const QString& name, const QString& country) const {
    QList<Place> matches;
    for (const Place& p : places_)
        if (p.country == country && p.name == name)
            matches.append(p);
    if (matches.isEmpty())
        return Error{QStringLiteral("no place named \"%1\" in %2").arg(name, country)};
    if (matches.size() > 1)
        return Error{QStringLiteral("%1 places named \"%2\" in %3; the name is ambiguous")
                         .arg(matches.size())
                         .arg(name, country)};
    return matches.first();
}

} // namespace tessera::interop
