// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/MissionStore.h"

#include "geo/ThreadCheck.h"
#include "store/Migrations.h"

#include <QFileInfo>
#include <QUuid>

namespace tessera::store {

namespace {

QString isoUtc(const QDateTime& t) {
    return t.toUTC().toString(Qt::ISODate);
}
QDateTime fromIso(const QString& s) {
    return QDateTime::fromString(s, Qt::ISODate).toUTC();
}
QString newUuid() {
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

Error withPath(const QString& path, const Error& e) {
    return Error{QStringLiteral("%1: %2").arg(path, e.message)};
}

/// Checks that `db` is a Tessera mission before anything is written to it.
Status checkIsMission(Database& db) {
    // The first read of the header is where SQLite notices a file that is not a database.
    Result<QVariant> appId = db.scalar(QStringLiteral("PRAGMA application_id"));
    if (!appId)
        return Error{QStringLiteral("%1: not a Tessera mission file (%2)")
                         .arg(db.path(), appId.error().message)};
    if (appId.value().toInt() != kApplicationId)
        return Error{QStringLiteral("%1: an SQLite database, but not a Tessera mission file")
                         .arg(db.path())};
    Result<QVariant> ok = db.scalar(QStringLiteral("PRAGMA quick_check"));
    if (!ok || ok.value().toString() != QLatin1String("ok"))
        return Error{QStringLiteral("%1: the mission file is damaged (%2)")
                         .arg(db.path(), ok ? ok.value().toString() : ok.error().message)};
    return success();
}

template <typename T>
Result<QList<T>> collect(Database& db, const QString& sql, T (*read)(const Statement&)) {
    Result<Statement> stmt = db.prepare(sql);
    if (!stmt)
        return stmt.error();
    QList<T> rows;
    for (;;) {
        Result<bool> row = stmt.value().step();
        if (!row)
            return row.error();
        if (!row.value())
            break;
        rows.append(read(stmt.value()));
    }
    return rows;
}

LayerSpec readLayer(const Statement& s) {
    LayerSpec l;
    l.id = s.integer(0);
    l.name = s.text(1);
    l.kind = layerKindFromString(s.text(2)).value_or(LayerKind::Raster);
    l.source = s.text(3);
    l.sourceLayer = s.text(4);
    l.style = s.text(5);
    l.visible = s.integer(6) != 0;
    l.opacity = s.real(7);
    l.stackOrder = static_cast<int>(s.integer(8));
    return l;
}

Incident readIncident(const Statement& s) {
    Incident i;
    i.uuid = s.text(0);
    i.title = s.text(1);
    i.category = s.text(2);
    i.severity = severityFromString(s.text(3)).value_or(Severity::Low);
    i.status = incidentStatusFromString(s.text(4)).value_or(IncidentStatus::Reported);
    i.observedAt = fromIso(s.text(5));
    i.location = {s.real(6), s.real(7)};
    i.source = s.text(8);
    i.reliability = s.text(9);
    i.credibility = static_cast<int>(s.integer(10));
    i.narrative = s.text(11);
    i.marking = {s.text(12), s.text(13)};
    i.exercise = s.integer(14) != 0;
    return i;
}

PatrolRoute readRoute(const Statement& s) {
    PatrolRoute r;
    r.uuid = s.text(0);
    r.name = s.text(1);
    r.unit = s.text(2);
    r.status = routeStatusFromString(s.text(3)).value_or(RouteStatus::Planned);
    r.marking = {s.text(4), s.text(5)};
    r.exercise = s.integer(6) != 0;
    return r;
}

} // namespace

Result<MissionStore> MissionStore::create(const QString& path, const MissionInfo& info) {
    TESSERA_ASSERT_WORKER_THREAD();
    if (QFileInfo::exists(path))
        return Error{QStringLiteral("%1: already exists; will not overwrite it").arg(path)};
    Result<Database> db = Database::open(path, Database::Mode::Create);
    if (!db)
        return db.error();
    if (Status s = db.value().exec(QStringLiteral("PRAGMA journal_mode = WAL")); !s)
        return withPath(path, s.error());
    if (Status s = migrate(db.value()); !s)
        return s.error();
    MissionStore store(std::move(db).value());
    if (Status s = store.setInfo(info); !s)
        return withPath(path, s.error());
    return store;
}

Result<MissionStore> MissionStore::open(const QString& path, Access access) {
    TESSERA_ASSERT_WORKER_THREAD();
    Result<Database> db = Database::open(
        path, access == Access::ReadOnly ? Database::Mode::ReadOnly : Database::Mode::ReadWrite);
    if (!db)
        return db.error();
    if (Status s = checkIsMission(db.value()); !s)
        return s.error();
    if (access == Access::ReadOnly) {
        Result<QVariant> version = db.value().scalar(QStringLiteral("PRAGMA user_version"));
        if (!version)
            return withPath(path, version.error());
        if (version.value().toInt() > latestSchemaVersion())
            return Error{QStringLiteral("%1 was written by a newer Tessera (schema %2; this build "
                                        "reads up to %3). Update Tessera to open it.")
                             .arg(path)
                             .arg(version.value().toInt())
                             .arg(latestSchemaVersion())};
        if (version.value().toInt() < latestSchemaVersion())
            return Error{QStringLiteral("%1 uses an older schema (%2): open it for writing once to "
                                        "upgrade it")
                             .arg(path)
                             .arg(version.value().toInt())};
    } else {
        if (Status s = migrate(db.value()); !s)
            return s.error();
        if (Status s = db.value().exec(QStringLiteral("PRAGMA journal_mode = WAL")); !s)
            return withPath(path, s.error());
    }
    if (Status s = db.value().exec(QStringLiteral("PRAGMA foreign_keys = ON")); !s)
        return withPath(path, s.error());
    return MissionStore(std::move(db).value());
}

Result<MissionSnapshot> MissionStore::load(const QString& path) {
    Result<MissionStore> store = open(path, Access::ReadOnly);
    if (!store)
        return store.error();
    return store.value().snapshot();
}

Status MissionStore::setInfo(const MissionInfo& info) {
    return db_.transaction([&] { return writeInfo(info); });
}

Status MissionStore::writeInfo(const MissionInfo& info) {
    Result<Statement> stmt =
        db_.prepare(QStringLiteral("INSERT INTO mission (key, value) VALUES (?1, ?2) "
                                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    if (!stmt)
        return stmt.error();
    const QList<std::pair<const char*, QString>> values{
        {"name", info.name},
        {"description", info.description},
        {"classification", info.marking.classification},
        {"releasability", info.marking.releasability},
        {"exercise", info.exercise ? QStringLiteral("1") : QStringLiteral("0")},
        {"view_west", QString::number(info.initialView.minX, 'g', 17)},
        {"view_south", QString::number(info.initialView.minY, 'g', 17)},
        {"view_east", QString::number(info.initialView.maxX, 'g', 17)},
        {"view_north", QString::number(info.initialView.maxY, 'g', 17)},
    };
    for (const auto& [key, value] : values)
        if (Status s = stmt.value().bind(1, QString::fromLatin1(key)).bind(2, value).run(); !s)
            return s;
    return success();
}

Result<MissionInfo> MissionStore::info() {
    Result<Statement> stmt = db_.prepare(QStringLiteral("SELECT key, value FROM mission"));
    if (!stmt)
        return stmt.error();
    MissionInfo info;
    for (;;) {
        Result<bool> row = stmt.value().step();
        if (!row)
            return row.error();
        if (!row.value())
            break;
        const QString key = stmt.value().text(0);
        const QString value = stmt.value().text(1);
        if (key == QLatin1String("name"))
            info.name = value;
        else if (key == QLatin1String("description"))
            info.description = value;
        else if (key == QLatin1String("classification"))
            info.marking.classification = value;
        else if (key == QLatin1String("releasability"))
            info.marking.releasability = value;
        else if (key == QLatin1String("exercise"))
            info.exercise = value == QLatin1String("1");
        else if (key == QLatin1String("view_west"))
            info.initialView.minX = value.toDouble();
        else if (key == QLatin1String("view_south"))
            info.initialView.minY = value.toDouble();
        else if (key == QLatin1String("view_east"))
            info.initialView.maxX = value.toDouble();
        else if (key == QLatin1String("view_north"))
            info.initialView.maxY = value.toDouble();
    }
    return info;
}

Result<qint64> MissionStore::addLayer(const LayerSpec& layer) {
    Result<Statement> stmt = db_.prepare(QStringLiteral(
        "INSERT INTO layer (name, kind, source, source_layer, style, visible, opacity, "
        "stack_order) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id"));
    if (!stmt)
        return stmt.error();
    stmt.value()
        .bind(1, layer.name)
        .bind(2, toString(layer.kind))
        .bind(3, layer.source)
        .bind(4, layer.sourceLayer)
        .bind(5, layer.style.isEmpty() ? QStringLiteral("{}") : layer.style)
        .bind(6, layer.visible ? 1 : 0)
        .bind(7, layer.opacity)
        .bind(8, layer.stackOrder);
    Result<bool> row = stmt.value().step();
    if (!row)
        return row.error();
    return stmt.value().integer(0);
}

Result<QList<LayerSpec>> MissionStore::layers() {
    return collect<LayerSpec>(db_,
                              QStringLiteral("SELECT id, name, kind, source, source_layer, style, "
                                             "visible, opacity, stack_order FROM layer "
                                             "ORDER BY stack_order, id"),
                              &readLayer);
}

Status MissionStore::addIncident(Incident& incident) {
    if (incident.uuid.isEmpty())
        incident.uuid = newUuid();
    Result<Statement> stmt = db_.prepare(QStringLiteral(
        "INSERT INTO incident (uuid, title, category, severity, status, observed_at, lon, lat, "
        "source, reliability, credibility, narrative, classification, releasability, exercise) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"));
    if (!stmt)
        return stmt.error();
    return stmt.value()
        .bind(1, incident.uuid)
        .bind(2, incident.title)
        .bind(3, incident.category)
        .bind(4, toString(incident.severity))
        .bind(5, toString(incident.status))
        .bind(6, isoUtc(incident.observedAt))
        .bind(7, incident.location.lon)
        .bind(8, incident.location.lat)
        .bind(9, incident.source)
        .bind(10, incident.reliability)
        .bind(11, incident.credibility)
        .bind(12, incident.narrative)
        .bind(13, incident.marking.classification)
        .bind(14, incident.marking.releasability)
        .bind(15, incident.exercise ? 1 : 0)
        .run();
}

Result<QList<Incident>> MissionStore::incidents() {
    return collect<Incident>(
        db_,
        QStringLiteral("SELECT uuid, title, category, severity, status, observed_at, lon, lat, "
                       "source, reliability, credibility, narrative, classification, "
                       "releasability, exercise FROM incident ORDER BY observed_at, uuid"),
        &readIncident);
}

Status MissionStore::addRoute(PatrolRoute& route) {
    if (route.uuid.isEmpty())
        route.uuid = newUuid();
    return db_.transaction([&]() -> Status {
        Result<Statement> insert = db_.prepare(
            QStringLiteral("INSERT INTO route (uuid, name, unit, status, classification, "
                           "releasability, exercise) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
        if (!insert)
            return insert.error();
        if (Status s = insert.value()
                           .bind(1, route.uuid)
                           .bind(2, route.name)
                           .bind(3, route.unit)
                           .bind(4, toString(route.status))
                           .bind(5, route.marking.classification)
                           .bind(6, route.marking.releasability)
                           .bind(7, route.exercise ? 1 : 0)
                           .run();
            !s)
            return s;
        Result<Statement> waypoint = db_.prepare(
            QStringLiteral("INSERT INTO route_waypoint (route_uuid, seq, name, lon, lat, "
                           "planned_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
        if (!waypoint)
            return waypoint.error();
        for (int seq = 0; seq < route.waypoints.size(); ++seq) {
            const Waypoint& w = route.waypoints[seq];
            if (Status s = waypoint.value()
                               .bind(1, route.uuid)
                               .bind(2, seq)
                               .bind(3, w.name)
                               .bind(4, w.location.lon)
                               .bind(5, w.location.lat)
                               .bind(6, isoUtc(w.plannedAt))
                               .run();
                !s)
                return s;
        }
        return success();
    });
}

Result<QList<PatrolRoute>> MissionStore::routes() {
    Result<QList<PatrolRoute>> routes = collect<PatrolRoute>(
        db_,
        QStringLiteral("SELECT uuid, name, unit, status, classification, releasability, exercise "
                       "FROM route ORDER BY name, uuid"),
        &readRoute);
    if (!routes)
        return routes;
    Result<Statement> stmt =
        db_.prepare(QStringLiteral("SELECT name, lon, lat, planned_at FROM route_waypoint WHERE "
                                   "route_uuid = ?1 ORDER BY seq"));
    if (!stmt)
        return stmt.error();
    for (PatrolRoute& route : routes.value()) {
        stmt.value().bind(1, route.uuid);
        for (;;) {
            Result<bool> row = stmt.value().step();
            if (!row)
                return row.error();
            if (!row.value())
                break;
            route.waypoints.append(Waypoint{{stmt.value().real(1), stmt.value().real(2)},
                                            fromIso(stmt.value().text(3)),
                                            stmt.value().text(0)});
        }
        stmt.value().reset();
    }
    return routes;
}

Result<MissionSnapshot> MissionStore::snapshot() {
    TESSERA_ASSERT_WORKER_THREAD();
    MissionSnapshot snap;
    snap.path = QFileInfo(path()).absoluteFilePath();
    Result<MissionInfo> i = info();
    if (!i)
        return withPath(path(), i.error());
    snap.info = i.value();
    Result<QList<LayerSpec>> l = layers();
    if (!l)
        return withPath(path(), l.error());
    snap.layers = l.value();
    Result<QList<Incident>> inc = incidents();
    if (!inc)
        return withPath(path(), inc.error());
    snap.incidents = inc.value();
    Result<QList<PatrolRoute>> r = routes();
    if (!r)
        return withPath(path(), r.error());
    snap.routes = r.value();
    return snap;
}

} // namespace tessera::store
