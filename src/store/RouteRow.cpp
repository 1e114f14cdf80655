// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/RouteRow.h"

#include "store/IncidentRow.h"

#include <QCborArray>

#include <cmath>
#include <iterator>

namespace tessera::store {

namespace {

constexpr const char* kWriteColumns[]{"uuid",           "name",          "unit",    "status",
                                      "classification", "releasability", "exercise"};
static_assert(std::size(kWriteColumns) == kRouteReadColumns);
/// The longest uid a route point may keep from the CoT event it came from (TAK's are UUIDs).
constexpr qsizetype kMaxLinkUid = 200;

QCborValue heightToCbor(const std::optional<double>& h) {
    return h ? QCborValue(*h) : QCborValue(QCborValue::Null);
}

} // namespace

QString routeReadColumns(const char* alias) {
    return qualifiedList(alias, kWriteColumns);
}

QString routeWriteColumns() {
    return columnList(kWriteColumns);
}

QString routeUpdateAssignments() {
    return assignmentList(kWriteColumns);
}

PatrolRoute readRouteRow(const Statement& s, int first) {
    PatrolRoute r;
    r.uuid = s.text(first);
    r.name = s.text(first + 1);
    r.unit = s.text(first + 2);
    r.status = routeStatusFromString(s.text(first + 3)).value_or(RouteStatus::Planned);
    r.marking = {s.text(first + 4), s.text(first + 5)};
    r.exercise = s.integer(first + 6) != 0;
    return r;
}

Statement& bindRoute(Statement& s, const PatrolRoute& route) {
    return s.bind(1, route.uuid)
        .bind(2, route.name)
        .bind(3, route.unit)
        .bind(4, toString(route.status))
        .bind(5, route.marking.classification)
        .bind(6, route.marking.releasability)
        .bind(7, route.exercise ? 1 : 0);
}

QString plannedTimeText(const QDateTime& t) {
    return t.isValid() ? t.toUTC().toString(Qt::ISODate) : QString();
}

Result<QList<Waypoint>> readWaypoints(StatementCache& db, const QString& routeUuid) {
    Result<Statement*> s = db.prepare(
        QStringLiteral("SELECT name, lon, lat, planned_at, control, elevation, link_uid FROM "
                       "route_waypoint WHERE route_uuid = ?1 ORDER BY seq"));
    if (!s)
        return s.error();
    s.value()->bind(1, routeUuid);
    QList<Waypoint> out;
    if (Status done = s.value()->forEachRow([&](const Statement& r) {
            Waypoint w;
            w.location = {r.real(1), r.real(2)};
            w.plannedAt = QDateTime::fromString(r.text(3), Qt::ISODate).toUTC();
            w.name = r.text(0);
            w.control = r.integer(4) != 0;
            if (!r.isNull(5))
                w.elevation = r.real(5);
            w.linkUid = r.text(6);
            out.append(std::move(w));
        });
        !done)
        return done.error();
    return out;
}

Result<QList<TrackPoint>> readTrack(StatementCache& db, const QString& routeUuid) {
    Result<Statement*> s =
        db.prepare(QStringLiteral("SELECT lon, lat, recorded_at, elevation FROM "
                                  "route_track_point WHERE route_uuid = ?1 ORDER BY seq"));
    if (!s)
        return s.error();
    s.value()->bind(1, routeUuid);
    QList<TrackPoint> out;
    if (Status done = s.value()->forEachRow([&](const Statement& t) {
            out.append(TrackPoint{{t.real(0), t.real(1)},
                                  QDateTime::fromMSecsSinceEpoch(t.integer(2), Qt::UTC),
                                  t.isNull(3) ? std::nullopt : std::optional(t.real(3))});
        });
        !done)
        return done.error();
    return out;
}

Status writeWaypoints(StatementCache& db, const QString& routeUuid,
                      const QList<Waypoint>& waypoints) {
    if (Status s =
            db.run(QStringLiteral("DELETE FROM route_waypoint WHERE route_uuid = ?1"), {routeUuid});
        !s)
        return s;
    Result<Statement*> insert = db.prepare(QStringLiteral(
        "INSERT INTO route_waypoint (route_uuid, seq, name, lon, lat, planned_at, "
        "control, elevation, link_uid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    if (!insert)
        return insert.error();
    for (int seq = 0; seq < waypoints.size(); ++seq) {
        const Waypoint& w = waypoints[seq];
        Statement& s = *insert.value();
        s.reset();
        s.bind(1, routeUuid)
            .bind(2, seq)
            .bind(3, w.name)
            .bind(4, w.location.lon)
            .bind(5, w.location.lat)
            .bind(6, plannedTimeText(w.plannedAt))
            .bind(7, w.control ? 1 : 0)
            .bind(9, w.linkUid);
        if (w.elevation)
            s.bind(8, *w.elevation);
        else
            s.bindNull(8);
        if (Status done = s.run(); !done)
            return done;
    }
    return success();
}

Status writeTrack(StatementCache& db, const QString& routeUuid, const QList<TrackPoint>& track) {
    if (Status s = db.run(QStringLiteral("DELETE FROM route_track_point WHERE route_uuid = ?1"),
                          {routeUuid});
        !s)
        return s;
    Result<Statement*> insert =
        db.prepare(QStringLiteral("INSERT INTO route_track_point (route_uuid, seq, lon, lat, "
                                  "recorded_at, elevation) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    if (!insert)
        return insert.error();
    for (int seq = 0; seq < track.size(); ++seq) {
        const TrackPoint& p = track[seq];
        Statement& s = *insert.value();
        s.reset();
        s.bind(1, routeUuid)
            .bind(2, seq)
            .bind(3, p.location.lon)
            .bind(4, p.location.lat)
            .bind(5, p.recordedAt.toMSecsSinceEpoch());
        if (p.elevation)
            s.bind(6, *p.elevation);
        else
            s.bindNull(6);
        if (Status done = s.run(); !done)
            return done;
    }
    return success();
}

void routeToWire(const PatrolRoute& route, QCborMap& wire) {
    wire.insert(QStringLiteral("name"), route.name);
    wire.insert(QStringLiteral("unit"), route.unit);
    wire.insert(QStringLiteral("status"), toString(route.status));
    wire.insert(QStringLiteral("exercise"), route.exercise);
    QCborArray waypoints;
    for (const Waypoint& w : route.waypoints) {
        QCborArray point{w.name, w.location.lon, w.location.lat, plannedTimeText(w.plannedAt)};
        // A plain waypoint keeps the four-element form, which builds before schema 7 read.
        if (w.control || w.elevation || !w.linkUid.isEmpty()) {
            point.append(w.control);
            point.append(heightToCbor(w.elevation));
            point.append(w.linkUid);
        }
        waypoints.append(point);
    }
    wire.insert(QStringLiteral("waypoints"), waypoints);
    QCborArray track;
    for (const TrackPoint& p : route.track)
        track.append(QCborArray{p.location.lon, p.location.lat, p.recordedAt.toMSecsSinceEpoch(),
                                heightToCbor(p.elevation)});
    wire.insert(QStringLiteral("track"), track);
}

Result<PatrolRoute> routeFromWire(const QCborMap& wire) {
    PatrolRoute r;
    const auto status = routeStatusFromString(wire[QStringLiteral("status")].toString());
    r.name = wire[QStringLiteral("name")].toString();
    if (!status || r.name.isEmpty())
        return Error{QStringLiteral("unknown status or no name")};
    r.status = *status;
    r.unit = wire[QStringLiteral("unit")].toString();
    r.exercise = wire[QStringLiteral("exercise")].toBool();
    const auto finite = [](const QCborValue& v) {
        return v.isDouble() && std::isfinite(v.toDouble());
    };
    const auto finiteOrNull = [&](const QCborValue& v) { return v.isNull() || finite(v); };
    const QCborArray waypoints = wire[QStringLiteral("waypoints")].toArray();
    for (qsizetype k = 0; k < waypoints.size(); ++k) {
        const QCborArray w = waypoints[k].toArray();
        const bool plain = w.size() == 4;
        const auto damaged = [k] {
            return Error{QStringLiteral("waypoint %1 is damaged").arg(k + 1)};
        };
        if ((!plain && w.size() != 7) || !finite(w[1]) || !finite(w[2]) || !w[3].isString())
            return damaged();
        Waypoint point;
        point.name = w[0].toString();
        point.location = {w[1].toDouble(), w[2].toDouble()};
        const QString planned = w[3].toString();
        // An empty time is a waypoint without one (a bend clicked on the map).
        point.plannedAt = QDateTime::fromString(planned, Qt::ISODate).toUTC();
        if (!planned.isEmpty() && plannedTimeText(point.plannedAt) != planned)
            return Error{QStringLiteral("waypoint %1's planned time \"%2\" is not in the form "
                                        "YYYY-MM-DDThh:mm:ssZ")
                             .arg(k + 1)
                             .arg(planned.left(40))};
        if (!plain) {
            if (!w[4].isBool() || !finiteOrNull(w[5]) || !w[6].isString() ||
                w[6].toString().size() > kMaxLinkUid)
                return damaged();
            point.control = w[4].toBool();
            if (w[5].isDouble())
                point.elevation = w[5].toDouble();
            point.linkUid = w[6].toString();
        }
        r.waypoints.append(std::move(point));
    }
    const QCborArray track = wire[QStringLiteral("track")].toArray();
    for (qsizetype k = 0; k < track.size(); ++k) {
        const QCborArray p = track[k].toArray();
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(p[2].toInteger(), Qt::UTC);
        if (p.size() != 4 || !finite(p[0]) || !finite(p[1]) || !p[2].isInteger() ||
            !finiteOrNull(p[3]))
            return Error{QStringLiteral("track point %1 is damaged").arg(k + 1)};
        r.track.append(TrackPoint{{p[0].toDouble(), p[1].toDouble()},
                                  at,
                                  p[3].isDouble() ? std::optional(p[3].toDouble()) : std::nullopt});
    }
    return r;
}

} // namespace tessera::store
