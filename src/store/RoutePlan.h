// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/GeoTypes.h"
#include "store/Mission.h"

#include <QDateTime>
#include <QList>

namespace tessera::store {

/// A patrol's plan as the route editor makes it: the points clicked on the map, a departure
/// time and a planned speed. Each waypoint's time follows from the geodesic distance covered
/// before it at that speed, so that a late patrol shows against its plan.
struct RoutePlan {
    QList<geo::GeoPoint> points;
    QDateTime departure;
    double speedKmh = 30.0;
};

/// The planned waypoints: "WP1", "WP2", ... at the plan's points, timed from its departure at its
/// speed along geodesics (GeographicLib). Empty when the speed is not positive or there is no
/// departure time.
QList<Waypoint> plannedWaypoints(const RoutePlan& plan);

/// A speed beyond any patrol's: a typing error (kilometres per hour).
constexpr double kFastestPatrolKmh = 300.0;

/// Every reason the editor refuses `route`, field by field ("name", "unit", "waypoints",
/// "speed", "track"): no name or unit, fewer than two waypoints, a point off the globe,
/// waypoints planned out of order, a track with a point without a time or out of order.
QList<FieldProblem> routeProblems(const PatrolRoute& route);

/// The plan's own problems (speed, departure) and those of the route it makes.
QList<FieldProblem> routePlanProblems(const RoutePlan& plan, const PatrolRoute& route);

} // namespace tessera::store
