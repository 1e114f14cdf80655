// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "analysis/SpaceTimeCube.h"
#include "geo/CoordinateTransform.h"
#include "store/Mission.h"
#include "store/TimeWindow.h"

#include <QList>

#include <memory>

namespace tessera::analysis {

/// Incidents placed for analysis: in metres of a Lambert azimuthal equal-area projection centred
/// on the whole degree nearest their middle, so that a cell of 1 km is 1 km² wherever it lies in
/// a mission area and the same data gives the same cells. Threads: one at a time (PROJ).
class Placement {
public:
    /// Centred on the incidents' middle (0, 0 when there are none).
    static Result<Placement> around(std::span<const geo::GeoPoint> points);
    static Result<Placement> centredOn(geo::GeoPoint centre);

    [[nodiscard]] geo::MapPoint toMetres(geo::GeoPoint p) const;
    [[nodiscard]] geo::GeoPoint toDegrees(geo::MapPoint p) const;
    [[nodiscard]] geo::GeoPoint centre() const { return centre_; }
    /// The projection's definition, for docs and exports.
    [[nodiscard]] QString crs() const { return crs_; }

private:
    Placement(geo::GeoPoint centre, QString crs, geo::CoordinateTransform transform);
    geo::GeoPoint centre_;
    QString crs_;
    std::shared_ptr<geo::CoordinateTransform> transform_;
};

/// The incidents in `window` (exercise ones too: an exercise is analysed like the real thing)
/// of the categories in `categories` (all when empty), as events, with their indexes in
/// `incidents` in `sourceIndex`.
struct PlacedIncidents {
    std::vector<Event> events;
    std::vector<int> sourceIndex;
};
PlacedIncidents placeIncidents(const Placement& placement, const QList<store::Incident>& incidents,
                               const store::TimeWindow& window, const QStringList& categories = {});

} // namespace tessera::analysis
