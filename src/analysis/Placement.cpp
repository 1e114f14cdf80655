// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/Placement.h"

#include <cmath>

namespace tessera::analysis {

Placement::Placement(geo::GeoPoint centre, QString crs, geo::CoordinateTransform transform)
    : centre_(centre)
    , crs_(std::move(crs))
    , transform_(std::make_shared<geo::CoordinateTransform>(std::move(transform))) {}

Result<Placement> Placement::centredOn(geo::GeoPoint centre) {
    const geo::GeoPoint rounded{std::round(centre.lon), std::round(centre.lat)};
    const QString crs = QStringLiteral("+proj=laea +lat_0=%1 +lon_0=%2 +datum=WGS84 +units=m")
                            .arg(rounded.lat)
                            .arg(rounded.lon);
    Result<geo::CoordinateTransform> t =
        geo::CoordinateTransform::create(QStringLiteral("EPSG:4326"), crs);
    if (!t)
        return t.error();
    return Placement(rounded, crs, std::move(t).value());
}

Result<Placement> Placement::around(std::span<const geo::GeoPoint> points) {
    double west = 180, east = -180, south = 90, north = -90;
    for (const geo::GeoPoint& p : points) {
        west = std::min(west, p.lon);
        east = std::max(east, p.lon);
        south = std::min(south, p.lat);
        north = std::max(north, p.lat);
    }
    if (points.empty())
        return centredOn({0, 0});
    return centredOn({(west + east) / 2, (south + north) / 2});
}

geo::MapPoint Placement::toMetres(geo::GeoPoint p) const {
    return transform_->transform({p.lon, p.lat});
}

geo::GeoPoint Placement::toDegrees(geo::MapPoint p) const {
    const geo::MapPoint back = transform_->inverse(p);
    return {back.x, back.y};
}

PlacedIncidents placeIncidents(const Placement& placement, const QList<store::Incident>& incidents,
                               const store::TimeWindow& window, const QStringList& categories) {
    PlacedIncidents placed;
    for (int k = 0; k < incidents.size(); ++k) {
        const store::Incident& i = incidents[k];
        if (!store::inWindow(i, window) || !i.observedAt.isValid())
            continue;
        if (!categories.isEmpty() && !categories.contains(i.category, Qt::CaseInsensitive))
            continue;
        const geo::MapPoint m = placement.toMetres(i.location);
        if (!std::isfinite(m.x) || !std::isfinite(m.y))
            continue;
        placed.events.push_back({m.x, m.y, static_cast<double>(i.observedAt.toSecsSinceEpoch())});
        placed.sourceIndex.push_back(k);
    }
    return placed;
}

} // namespace tessera::analysis
