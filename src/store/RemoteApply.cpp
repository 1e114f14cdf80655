// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/RemoteApply.h"

#include "store/AnnotationRow.h"
#include "store/IncidentRow.h"
#include "store/MissionStore.h"
#include "store/RouteRow.h"

#include <algorithm>

namespace tessera::store {

namespace {

/// The change-log kinds RemoteApply writes, and their tables.
const char* tableOf(const QString& kind) {
    if (kind == QLatin1String("incident"))
        return "incident";
    if (kind == QLatin1String("note"))
        return "incident_note";
    if (kind == QLatin1String("attachment"))
        return "attachment";
    if (kind == QLatin1String("route"))
        return "route";
    if (kind == QLatin1String("annotation"))
        return "annotation";
    return nullptr;
}

const char* opName(RemoteWrite op) {
    switch (op) {
    case RemoteWrite::Inserted:
        return "insert";
    case RemoteWrite::Updated:
        return "update";
    case RemoteWrite::Deleted:
        return "delete";
    }
    return "update";
}

RemoteWrite writeOf(bool held, bool deleted) {
    return !held ? RemoteWrite::Inserted : deleted ? RemoteWrite::Deleted : RemoteWrite::Updated;
}

} // namespace

QString recordOriginColumn(const char* alias) {
    return QStringLiteral("coalesce((SELECT uuid FROM station WHERE id = %1.origin), (SELECT uuid "
                          "FROM station WHERE local = 1))")
        .arg(QString::fromLatin1(alias));
}

RemoteApply::RemoteApply(MissionStore& store)
    : store_(store)
    , db_(store.database()) {}

Result<qint64> RemoteApply::stationKey(const QString& uuid) {
    if (const auto found = stations_.constFind(uuid); found != stations_.constEnd())
        return found.value();
    if (Status s = db_.run(QStringLiteral("INSERT INTO station (uuid, local) VALUES (?1, 0) ON "
                                          "CONFLICT (uuid) DO NOTHING"),
                           {uuid});
        !s)
        return s.error();
    Result<Statement*> select =
        db_.prepare(QStringLiteral("SELECT id FROM station WHERE uuid = ?1"));
    if (!select)
        return select.error();
    select.value()->bind(1, uuid);
    Result<bool> row = select.value()->step();
    if (!row)
        return row.error();
    if (!row.value())
        return Error{QStringLiteral("station %1 could not be recorded").arg(uuid)};
    const qint64 key = select.value()->integer(0);
    stations_.insert(uuid, key);
    return key;
}

Result<std::optional<HeldVersion>> heldVersion(StatementCache& db, const QString& kind,
                                               const QString& uuid) {
    const char* table = tableOf(kind);
    if (!table)
        return Error{QStringLiteral("no record kind \"%1\"").arg(kind)};
    Result<Statement*> s = db.prepare(
        QStringLiteral("SELECT t.rowid, t.updated_hlc, st.uuid, t.deleted, t.classification, "
                       "t.releasability, %2 FROM %1 t JOIN station st ON st.id = t.station "
                       "WHERE t.uuid = ?1")
            .arg(QString::fromLatin1(table), recordOriginColumn("t")));
    if (!s)
        return s.error();
    s.value()->bind(1, uuid);
    Result<bool> row = s.value()->step();
    if (!row)
        return row.error();
    if (!row.value())
        return std::optional<HeldVersion>();
    const Statement& q = *s.value();
    return std::optional(HeldVersion{q.integer(0), q.integer(1), q.text(2), q.integer(3) != 0,
                                     Marking{q.text(4), q.text(5)}, q.text(6)});
}

Status RemoteApply::runForRow(const QStringList& statements, qint64 id) {
    for (const QString& statement : statements)
        if (Status s = db_.run(statement, {id}); !s)
            return s;
    return success();
}

Status RemoteApply::log(const QString& kind, const QString& uuid, RemoteWrite op,
                        const RemoteStamp& stamp) {
    Result<qint64> station = stationKey(stamp.station);
    if (!station)
        return station.error();
    log_.append({kind, uuid, opName(op), stamp.updated, station.value()});
    return success();
}

Result<RemoteApply::Target> RemoteApply::targetOf(const QString& kind, const QString& uuid,
                                                  const RemoteStamp& stamp) {
    Result<std::optional<HeldVersion>> local = held(kind, uuid);
    if (!local)
        return local.error();
    Result<qint64> station = stationKey(stamp.station);
    if (!station)
        return station.error();
    Result<qint64> origin = stationKey(stamp.origin.isEmpty() ? stamp.station : stamp.origin);
    if (!origin)
        return origin.error();
    return Target{local.value(), station.value(), origin.value()};
}

Result<RemoteWrite> RemoteApply::logged(const QString& kind, const QString& uuid,
                                        const std::optional<HeldVersion>& held,
                                        const RemoteStamp& stamp) {
    const RemoteWrite op = writeOf(held.has_value(), stamp.deleted);
    if (Status s = log(kind, uuid, op, stamp); !s)
        return s.error();
    return op;
}

Result<bool> RemoteApply::dropSuperseded(const QString& incidentUuid) {
    Result<Statement*> find = db_.prepare(QStringLiteral(
        "SELECT i.id, i.deleted FROM incident i WHERE i.uuid = ?1 AND NOT EXISTS (SELECT 1 FROM "
        "incident_note n WHERE n.incident_id = i.id) AND NOT EXISTS (SELECT 1 FROM attachment a "
        "WHERE a.incident_id = i.id)"));
    if (!find)
        return find.error();
    find.value()->reset();
    find.value()->bind(1, incidentUuid);
    Result<bool> row = find.value()->step();
    if (!row)
        return row.error();
    if (!row.value())
        return false;
    const qint64 id = find.value()->integer(0);
    const bool deleted = find.value()->integer(1) != 0;
    find.value()->reset();
    if (!deleted)
        if (Status s = runForRow(incidentUnindexStatements(), id); !s)
            return s.error();
    if (Status s = db_.run(QStringLiteral("DELETE FROM incident WHERE id = ?1"), {id}); !s)
        return s.error();
    return true;
}

Result<RemoteWrite> RemoteApply::incident(const Incident& i, const RemoteStamp& stamp) {
    Result<Target> target = targetOf(QStringLiteral("incident"), i.uuid, stamp);
    if (!target)
        return target.error();
    const std::optional<HeldVersion>& local = target.value().held;
    const qint64 station = target.value().station;
    const qint64 origin = target.value().origin;
    qint64 id = 0;
    if (local) {
        id = local->id;
        if (!local->deleted)
            if (Status s = runForRow(incidentUnindexStatements(), id); !s)
                return s.error();
        Result<Statement*> stmt = db_.prepare(
            QStringLiteral("UPDATE incident SET %1, created_hlc = ?23, deleted = ?24 WHERE uuid = "
                           "?1")
                .arg(incidentUpdateAssignments()));
        if (!stmt)
            return stmt.error();
        bindIncident(*stmt.value(), i, station, Hlc{stamp.updated});
        if (Status s = stmt.value()->bind(23, stamp.created).bind(24, stamp.deleted ? 1 : 0).run();
            !s)
            return s.error();
    } else {
        Result<Statement*> stmt = db_.prepare(
            QStringLiteral("INSERT INTO incident (%1, created_hlc, deleted, origin) VALUES (?1, "
                           "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
                           "?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)")
                .arg(incidentWriteColumns()));
        if (!stmt)
            return stmt.error();
        bindIncident(*stmt.value(), i, station, Hlc{stamp.updated});
        if (Status s = stmt.value()
                           ->bind(23, stamp.created)
                           .bind(24, stamp.deleted ? 1 : 0)
                           .bind(25, origin)
                           .run();
            !s)
            return s.error();
        id = db_.lastInsertRowId();
    }
    if (!stamp.deleted)
        if (Status s = runForRow(incidentIndexStatements(), id); !s)
            return s.error();
    return logged(QStringLiteral("incident"), i.uuid, local, stamp);
}

Result<std::optional<bool>> RemoteApply::note(const IncidentNote& note, const QString& incidentUuid,
                                              const RemoteStamp& stamp) {
    Result<Target> target = targetOf(QStringLiteral("note"), note.uuid, stamp);
    if (!target)
        return target.error();
    if (target.value().held)
        return std::optional<bool>();
    Result<std::optional<HeldVersion>> incident = held(QStringLiteral("incident"), incidentUuid);
    if (!incident)
        return incident.error();
    if (!incident.value())
        return std::optional(false);
    const qint64 station = target.value().station;
    const qint64 origin = target.value().origin;
    // A note's text is in its incident's full-text row: out before, back in after.
    const qint64 incidentId = incident.value()->id;
    const bool live = !incident.value()->deleted;
    if (live)
        if (Status s = runForRow(incidentUnindexStatements(), incidentId); !s)
            return s.error();
    if (Status s =
            db_.run(QStringLiteral("INSERT INTO incident_note (uuid, incident_id, author, "
                                   "text, written_at, classification, releasability, "
                                   "station, created_hlc, updated_hlc, origin) VALUES "
                                   "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
                    {note.uuid, incidentId, note.author, note.text,
                     note.writtenAt.toMSecsSinceEpoch(), note.marking.classification,
                     note.marking.releasability, station, stamp.created, stamp.updated, origin});
        !s)
        return s.error();
    if (live)
        if (Status s = runForRow(incidentIndexStatements(), incidentId); !s)
            return s.error();
    if (Status s = log(QStringLiteral("note"), note.uuid, RemoteWrite::Inserted, stamp); !s)
        return s.error();
    return std::optional(true);
}

Result<bool> RemoteApply::attachment(const Attachment& a, const QString& incidentUuid,
                                     const QByteArray& data, const RemoteStamp& stamp) {
    Result<std::optional<HeldVersion>> incident = held(QStringLiteral("incident"), incidentUuid);
    if (!incident)
        return incident.error();
    if (!incident.value())
        return false;
    Result<Target> target = targetOf(QStringLiteral("attachment"), a.uuid, stamp);
    if (!target)
        return target.error();
    const std::optional<HeldVersion>& local = target.value().held;
    const qint64 station = target.value().station;
    const qint64 origin = target.value().origin;
    if (Status s = db_.run(QStringLiteral("INSERT INTO attachment_blob (sha256, data) VALUES "
                                          "(?1, ?2) ON CONFLICT DO NOTHING"),
                           {a.sha256, QVariant(data)});
        !s)
        return s.error();
    QList<QVariant> args{a.uuid,
                         incident.value()->id,
                         a.name,
                         a.mediaType,
                         a.sha256,
                         a.size,
                         a.marking.classification,
                         a.marking.releasability,
                         station,
                         stamp.created,
                         stamp.updated,
                         stamp.deleted ? 1 : 0};
    const QString sql =
        local
            ? QStringLiteral("UPDATE attachment SET incident_id = ?2, name = ?3, media_type = ?4, "
                             "sha256 = ?5, size = ?6, classification = ?7, releasability = ?8, "
                             "station = ?9, created_hlc = ?10, updated_hlc = ?11, deleted = ?12 "
                             "WHERE uuid = ?1")
            : QStringLiteral("INSERT INTO attachment (uuid, incident_id, name, media_type, "
                             "sha256, size, classification, releasability, station, created_hlc, "
                             "updated_hlc, deleted, origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                             "?8, ?9, ?10, ?11, ?12, ?13)");
    if (!local)
        args.append(origin);
    if (Status s = db_.run(sql, args); !s)
        return s.error();
    if (Result<RemoteWrite> w = logged(QStringLiteral("attachment"), a.uuid, local, stamp); !w)
        return w.error();
    return true;
}

Result<RemoteWrite> RemoteApply::annotation(const Annotation& annotation,
                                            const RemoteStamp& stamp) {
    Result<Target> target = targetOf(QStringLiteral("annotation"), annotation.uuid, stamp);
    if (!target)
        return target.error();
    const std::optional<HeldVersion>& local = target.value().held;
    const qint64 station = target.value().station;
    const qint64 origin = target.value().origin;
    const QString sql =
        local ? QStringLiteral("UPDATE annotation SET %1, created_hlc = ?11, deleted = ?12 WHERE "
                               "uuid = ?1")
                    .arg(annotationUpdateAssignments())
              : QStringLiteral("INSERT INTO annotation (%1, created_hlc, deleted, origin) VALUES "
                               "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")
                    .arg(annotationWriteColumns());
    Result<Statement*> stmt = db_.prepare(sql);
    if (!stmt)
        return stmt.error();
    bindAnnotation(*stmt.value(), annotation, station, Hlc{stamp.updated})
        .bind(11, stamp.created)
        .bind(12, stamp.deleted ? 1 : 0);
    if (!local)
        stmt.value()->bind(13, origin);
    if (Status s = stmt.value()->run(); !s)
        return s.error();
    return logged(QStringLiteral("annotation"), annotation.uuid, local, stamp);
}

Result<RemoteWrite> RemoteApply::route(const PatrolRoute& route, const RemoteStamp& stamp) {
    Result<Target> target = targetOf(QStringLiteral("route"), route.uuid, stamp);
    if (!target)
        return target.error();
    const std::optional<HeldVersion>& local = target.value().held;
    const qint64 station = target.value().station;
    const qint64 origin = target.value().origin;
    const QString sql =
        local ? QStringLiteral("UPDATE route SET %1, station = ?8, created_hlc = ?9, updated_hlc = "
                               "?10, deleted = ?11 WHERE uuid = ?1")
                    .arg(routeUpdateAssignments())
              : QStringLiteral("INSERT INTO route (%1, station, created_hlc, updated_hlc, deleted, "
                               "origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")
                    .arg(routeWriteColumns());
    Result<Statement*> stmt = db_.prepare(sql);
    if (!stmt)
        return stmt.error();
    bindRoute(*stmt.value(), route)
        .bind(8, station)
        .bind(9, stamp.created)
        .bind(10, stamp.updated)
        .bind(11, stamp.deleted ? 1 : 0);
    if (!local)
        stmt.value()->bind(12, origin);
    if (Status s = stmt.value()->run(); !s)
        return s.error();
    if (Status s = writeWaypoints(db_, route.uuid, route.waypoints); !s)
        return s.error();
    if (Status s = writeTrack(db_, route.uuid, route.track); !s)
        return s.error();
    return logged(QStringLiteral("route"), route.uuid, local, stamp);
}

Status RemoteApply::finish() {
    std::stable_sort(log_.begin(), log_.end(),
                     [](const PendingChange& x, const PendingChange& y) { return x.hlc < y.hlc; });
    for (const PendingChange& c : log_)
        if (Status s = db_.run(QStringLiteral("INSERT INTO change_log (kind, uuid, op, hlc, "
                                              "station) VALUES (?1, ?2, ?3, ?4, ?5)"),
                               {c.kind, c.uuid, QString::fromLatin1(c.op), c.hlc, c.station});
            !s)
            return s;
    if (!log_.isEmpty())
        store_.observe(Hlc{log_.last().hlc});
    log_.clear();
    return success();
}

} // namespace tessera::store
