// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The one description of a patrol route, from tables to wire, as IncidentRow.h is for
// incidents: the route row (bindRoute, readRouteRow), its planned path and actual track (two
// child tables, written and read whole), and the keys it travels under in a bundle
// (docs/formats/bundle.md). MissionStore, RemoteApply and sharing's reader all go through it.

#include "geo/Result.h"
#include "store/Database.h"
#include "store/Mission.h"
#include "store/StatementCache.h"

#include <QCborMap>
#include <QString>

namespace tessera::store {

/// "r.uuid, r.name, r.unit, r.status, r.classification, r.releasability, r.exercise" for a
/// table aliased `alias`: what readRouteRow reads.
QString routeReadColumns(const char* alias);
constexpr int kRouteReadColumns = 7;
/// A route's row content (no points, no stamp) from a row of routeReadColumns.
PatrolRoute readRouteRow(const Statement& s, int first = 0);
/// ?1 uuid, ?2 name, ?3 unit, ?4 status, ?5..?6 marking, ?7 exercise.
Statement& bindRoute(Statement& s, const PatrolRoute& route);
/// The columns bindRoute binds, in its order, and an UPDATE's SET list for them.
QString routeWriteColumns();
QString routeUpdateAssignments();

/// The route's planned path and track, in order.
Result<QList<Waypoint>> readWaypoints(StatementCache& db, const QString& routeUuid);
Result<QList<TrackPoint>> readTrack(StatementCache& db, const QString& routeUuid);
/// Replaces them.
Status writeWaypoints(StatementCache& db, const QString& routeUuid,
                      const QList<Waypoint>& waypoints);
Status writeTrack(StatementCache& db, const QString& routeUuid, const QList<TrackPoint>& track);

/// A waypoint's planned time as it is kept and travels: ISO 8601 in UTC to the second
/// ("2026-03-01T06:00:00Z"), empty for none. One form only, since a record's signature covers
/// its text: a relay that rebuilt another form from the time would break it.
QString plannedTimeText(const QDateTime& t);

/// The route's content under its bundle keys (name, unit, status, exercise, waypoints, track);
/// the marking and stamps are every record's. A waypoint is [name, lon, lat, planned] or, when
/// it is a control point or keeps a height or CoT link uid, [name, lon, lat, planned, control,
/// height or null, link uid]; a track point [lon, lat, ms since epoch, height or null].
void routeToWire(const PatrolRoute& route, QCborMap& wire);
/// The content of a route from its bundle keys; an error names what cannot be read, including
/// a planned time in any form but plannedTimeText's. The caller sets uuid, marking and stamp.
Result<PatrolRoute> routeFromWire(const QCborMap& wire);

} // namespace tessera::store
