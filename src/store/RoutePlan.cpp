// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/RoutePlan.h"

#include "geo/Geodesy.h"

#include <cmath>

namespace tessera::store {

QList<Waypoint> plannedWaypoints(const RoutePlan& plan) {
    QList<Waypoint> waypoints;
    if (!(plan.speedKmh > 0) || !plan.departure.isValid())
        return waypoints;
    const double metresPerSecond = plan.speedKmh * 1000.0 / 3600.0;
    double covered = 0.0;
    for (qsizetype k = 0; k < plan.points.size(); ++k) {
        if (k > 0)
            covered += geo::geodesy::inverse(plan.points[k - 1], plan.points[k]).distanceMetres;
        Waypoint w;
        w.location = plan.points[k];
        w.name = QStringLiteral("WP%1").arg(k + 1);
        // Whole seconds: the store keeps times to the second.
        w.plannedAt =
            plan.departure.addSecs(static_cast<qint64>(std::llround(covered / metresPerSecond)));
        waypoints.append(w);
    }
    return waypoints;
}

QList<FieldProblem> routeProblems(const PatrolRoute& route) {
    QList<FieldProblem> problems;
    if (route.name.trimmed().isEmpty())
        problems.append({QStringLiteral("name"), QStringLiteral("Give the route a name.")});
    if (route.unit.trimmed().isEmpty())
        problems.append(
            {QStringLiteral("unit"), QStringLiteral("Say which unit patrols it (e.g. BANBAT-2).")});
    if (route.waypoints.size() < 2)
        problems.append({QStringLiteral("waypoints"),
                         QStringLiteral("Click at least two waypoints on the map (%1 so far).")
                             .arg(route.waypoints.size())});
    for (qsizetype k = 0; k < route.waypoints.size(); ++k) {
        const Waypoint& w = route.waypoints[k];
        if (!w.location.isValid()) {
            problems.append(
                {QStringLiteral("waypoints"),
                 QStringLiteral("Waypoint %1 is not a longitude/latitude.").arg(k + 1)});
            break;
        }
        if (k > 0 && w.plannedAt.isValid() && route.waypoints[k - 1].plannedAt.isValid() &&
            w.plannedAt < route.waypoints[k - 1].plannedAt) {
            problems.append(
                {QStringLiteral("waypoints"),
                 QStringLiteral("Waypoint %1 is planned before waypoint %2.").arg(k + 1).arg(k)});
            break;
        }
    }
    for (qsizetype k = 0; k < route.track.size(); ++k) {
        const TrackPoint& p = route.track[k];
        if (!p.location.isValid() || !p.recordedAt.isValid()) {
            problems.append({QStringLiteral("track"),
                             QStringLiteral("Track point %1 has no place or no time.").arg(k + 1)});
            break;
        }
        if (k > 0 && p.recordedAt < route.track[k - 1].recordedAt) {
            problems.append({QStringLiteral("track"),
                             QStringLiteral("Track point %1 is recorded before point %2: the "
                                            "track is out of order.")
                                 .arg(k + 1)
                                 .arg(k)});
            break;
        }
    }
    return problems;
}

QList<FieldProblem> routePlanProblems(const RoutePlan& plan, const PatrolRoute& route) {
    QList<FieldProblem> problems;
    if (!(plan.speedKmh > 0) || plan.speedKmh > kFastestPatrolKmh)
        problems.append(
            {QStringLiteral("speed"), QStringLiteral("A planned speed between 1 and %1 km/h.")
                                          .arg(kFastestPatrolKmh, 0, 'f', 0)});
    if (!plan.departure.isValid())
        problems.append({QStringLiteral("departure"),
                         QStringLiteral("A departure time, e.g. 2026-11-27 06:00 (UTC).")});
    problems.append(routeProblems(route));
    return problems;
}

} // namespace tessera::store
