// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "share/BundleRecords.h"

#include "share/Cbor.h"
#include "share/Crypto.h"
#include "share/ReleasePolicy.h"
#include "share/VersionVector.h"
#include "store/AnnotationRow.h"
#include "store/Hlc.h"
#include "store/IncidentRow.h"

#include <QCborArray>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

namespace tessera::share {

using store::Database;
using store::Statement;

namespace {

const QStringList& kKinds = recordKinds();
/// Attachment content travels in pieces of at most this size (docs/formats/bundle.md).
constexpr qsizetype kChunkBytes = 1024 * 1024;
/// The longest uid a route point may keep from the CoT event it came from (TAK's are UUIDs).
constexpr qsizetype kMaxLinkUid = 200;

/// The mission's database with each statement prepared once per read or apply of a bundle:
/// preparing one costs more than running it for a row, and a bundle reads or writes thousands.
/// Statements come back reset; one must not be used again while a loop still steps it.
class Db {
public:
    explicit Db(Database& db)
        : db_(db) {}
    Result<Statement*> prepare(const QString& sql) {
        const auto found = cache_.find(sql);
        if (found != cache_.end()) {
            found->second.reset();
            return &found->second;
        }
        Result<Statement> s = db_.prepare(sql);
        if (!s)
            return s.error();
        return &cache_.emplace(sql, std::move(s).value()).first->second;
    }
    Result<QVariant> scalar(const QString& sql) { return db_.scalar(sql); }
    [[nodiscard]] qint64 lastInsertRowId() const { return db_.lastInsertRowId(); }

private:
    Database& db_;
    std::map<QString, Statement> cache_;
};

/// Runs `stmt` to its first row; false when there is none.
Result<bool> firstRow(Statement& stmt) {
    return stmt.step();
}

/// The SQL of a record's origin station's uuid, for a table aliased `alias`: its `origin`
/// column, or this mission's own station when that is NULL (store migration 6).
QString originColumn(const char* alias) {
    return QStringLiteral("coalesce((SELECT uuid FROM station WHERE id = %1.origin), (SELECT uuid "
                          "FROM station WHERE local = 1))")
        .arg(QString::fromLatin1(alias));
}

/// The common part of every record: identity, stamps, marking, origin.
SharedRecord common(const QString& kind, const Statement& s, int uuidColumn, int markingColumn,
                    int stampColumn, int originAt) {
    SharedRecord r;
    r.kind = kind;
    r.uuid = s.text(uuidColumn);
    r.marking = {s.text(markingColumn), s.text(markingColumn + 1)};
    r.updated = s.integer(stampColumn + 1);
    r.station = s.text(stampColumn + 2);
    r.origin = s.text(originAt);
    QCborMap& m = r.value;
    m.insert(QStringLiteral("kind"), kind);
    m.insert(QStringLiteral("uuid"), r.uuid);
    m.insert(QStringLiteral("station"), r.station);
    m.insert(QStringLiteral("origin"), r.origin);
    m.insert(QStringLiteral("created"), s.integer(stampColumn));
    m.insert(QStringLiteral("updated"), r.updated);
    m.insert(QStringLiteral("deleted"), s.integer(stampColumn + 3) != 0);
    m.insert(QStringLiteral("classification"), r.marking.classification);
    m.insert(QStringLiteral("releasability"), r.marking.releasability);
    return r;
}

/// An incident as it travels, from a row of kIncidentColumns.
SharedRecord incidentFrom(const Statement& q) {
    // The incident's description (store/IncidentRow.h): its content columns, then the stamp.
    constexpr int stamp = store::kIncidentReadColumns;
    SharedRecord r = common(QStringLiteral("incident"), q, 0, 13, stamp, stamp + 4);
    store::incidentToWire(store::readIncidentContent(q, 0), r.value);
    return r;
}

/// The columns incidentFrom reads, and which incidents a peer may see: not those of an
/// import still running.
const QString kIncidentColumns =
    QStringLiteral("SELECT ") + store::incidentReadColumns("i") +
    QStringLiteral(", i.created_hlc, i.updated_hlc, st.uuid, i.deleted, ") + originColumn("i") +
    QStringLiteral(
        " FROM incident i JOIN station st ON st.id = i.station WHERE (i.import_id IS NULL OR "
        "i.import_id NOT IN (SELECT id FROM import WHERE state <> 'done'))");

Result<std::optional<SharedRecord>> readIncident(Db& db, const QString& uuid) {
    Result<Statement*> s = db.prepare(kIncidentColumns + QStringLiteral(" AND i.uuid = ?1"));
    if (!s)
        return s.error();
    s.value()->bind(1, uuid);
    Result<bool> row = firstRow(*s.value());
    if (!row)
        return row.error();
    if (!row.value())
        return std::optional<SharedRecord>();
    return std::optional(incidentFrom(*s.value()));
}

/// Many incidents: one pass over the table in storage order, keeping those in `uuids`, is far
/// cheaper than as many lookups by random UUID.
Status scanIncidents(Db& db, const QSet<QString>& uuids, QList<SharedRecord>& out) {
    Result<Statement*> s = db.prepare(kIncidentColumns);
    if (!s)
        return s.error();
    for (;;) {
        Result<bool> row = s.value()->step();
        if (!row)
            return row.error();
        if (!row.value())
            return success();
        if (uuids.contains(s.value()->text(0)))
            out.append(incidentFrom(*s.value()));
    }
}

Result<std::optional<SharedRecord>> readNote(Db& db, const QString& uuid) {
    Result<Statement*> s = db.prepare(
        QStringLiteral("SELECT n.uuid, i.uuid, n.author, n.text, n.written_at, n.classification, "
                       "n.releasability, n.created_hlc, n.updated_hlc, st.uuid, n.deleted, ") +
        originColumn("n") +
        QStringLiteral(", i.classification, i.releasability FROM incident_note n "
                       "JOIN incident i ON i.id = n.incident_id JOIN station st ON st.id = "
                       "n.station WHERE n.uuid = ?1"));
    if (!s)
        return s.error();
    s.value()->bind(1, uuid);
    Result<bool> row = firstRow(*s.value());
    if (!row)
        return row.error();
    if (!row.value())
        return std::optional<SharedRecord>();
    const Statement& q = *s.value();
    SharedRecord r = common(QStringLiteral("note"), q, 0, 5, 7, 11);
    r.ancestors = {{q.text(12), q.text(13)}};
    r.value.insert(QStringLiteral("incident"), q.text(1));
    r.value.insert(QStringLiteral("author"), q.text(2));
    r.value.insert(QStringLiteral("text"), q.text(3));
    r.value.insert(QStringLiteral("written_at"), q.integer(4));
    return std::optional(r);
}

Result<std::optional<SharedRecord>> readAttachment(Db& db, const QString& uuid) {
    Result<Statement*> s = db.prepare(
        QStringLiteral(
            "SELECT a.uuid, i.uuid, a.name, a.media_type, a.sha256, a.size, a.classification, "
            "a.releasability, a.created_hlc, a.updated_hlc, st.uuid, a.deleted, b.data, ") +
        originColumn("a") +
        QStringLiteral(", i.classification, i.releasability FROM attachment a JOIN incident i ON "
                       "i.id = a.incident_id JOIN station st ON st.id = a.station JOIN "
                       "attachment_blob b ON b.sha256 = a.sha256 WHERE a.uuid = ?1"));
    if (!s)
        return s.error();
    s.value()->bind(1, uuid);
    Result<bool> row = firstRow(*s.value());
    if (!row)
        return row.error();
    if (!row.value())
        return std::optional<SharedRecord>();
    const Statement& q = *s.value();
    SharedRecord r = common(QStringLiteral("attachment"), q, 0, 6, 8, 13);
    r.ancestors = {{q.text(14), q.text(15)}};
    r.value.insert(QStringLiteral("incident"), q.text(1));
    r.value.insert(QStringLiteral("name"), q.text(2));
    r.value.insert(QStringLiteral("media_type"), q.text(3));
    r.value.insert(QStringLiteral("sha256"), q.text(4));
    r.value.insert(QStringLiteral("size"), q.integer(5));
    const QByteArray data = q.blob(12);
    QCborArray chunks;
    for (qsizetype at = 0; at < data.size(); at += kChunkBytes)
        chunks.append(data.mid(at, kChunkBytes));
    r.value.insert(QStringLiteral("chunks"), chunks);
    return std::optional(r);
}

Result<std::optional<SharedRecord>> readAnnotation(Db& db, const QString& uuid) {
    Result<Statement*> s = db.prepare(
        QStringLiteral("SELECT ") + store::annotationReadColumns("a") +
        QStringLiteral(", a.created_hlc, a.updated_hlc, st.uuid, a.deleted, ") + originColumn("a") +
        QStringLiteral(" FROM annotation a JOIN station st ON st.id = a.station WHERE a.uuid = "
                       "?1"));
    if (!s)
        return s.error();
    s.value()->bind(1, uuid);
    Result<bool> row = firstRow(*s.value());
    if (!row)
        return row.error();
    if (!row.value())
        return std::optional<SharedRecord>();
    const Statement& q = *s.value();
    // The annotation's description (store/AnnotationRow.h): its content, then the stamp.
    constexpr int stamp = store::kAnnotationReadColumns;
    SharedRecord r = common(QStringLiteral("annotation"), q, 0, 6, stamp, stamp + 4);
    store::annotationToWire(store::readAnnotationContent(q, 0), r.value);
    return std::optional(r);
}

Result<std::optional<SharedRecord>> readRoute(Db& db, const QString& uuid) {
    Result<Statement*> s = db.prepare(
        QStringLiteral(
            "SELECT r.uuid, r.name, r.unit, r.status, r.classification, r.releasability, "
            "r.exercise, r.created_hlc, r.updated_hlc, st.uuid, r.deleted, ") +
        originColumn("r") +
        QStringLiteral(" FROM route r JOIN station st ON st.id = r.station WHERE r.uuid = ?1"));
    if (!s)
        return s.error();
    s.value()->bind(1, uuid);
    Result<bool> row = firstRow(*s.value());
    if (!row)
        return row.error();
    if (!row.value())
        return std::optional<SharedRecord>();
    const Statement& q = *s.value();
    SharedRecord r = common(QStringLiteral("route"), q, 0, 4, 7, 11);
    r.value.insert(QStringLiteral("name"), q.text(1));
    r.value.insert(QStringLiteral("unit"), q.text(2));
    r.value.insert(QStringLiteral("status"), q.text(3));
    r.value.insert(QStringLiteral("exercise"), q.integer(6) != 0);

    Result<Statement*> w = db.prepare(
        QStringLiteral("SELECT name, lon, lat, planned_at, control, elevation, "
                       "link_uid FROM route_waypoint WHERE route_uuid = ?1 ORDER BY seq"));
    if (!w)
        return w.error();
    w.value()->bind(1, uuid);
    QCborArray waypoints;
    for (;;) {
        Result<bool> next = w.value()->step();
        if (!next)
            return next.error();
        if (!next.value())
            break;
        const Statement& p = *w.value();
        QCborArray point{p.text(0), p.real(1), p.real(2), p.text(3)};
        // A plain waypoint keeps the four-element form, which builds before schema 7 read.
        if (p.integer(4) != 0 || !p.isNull(5) || !p.text(6).isEmpty()) {
            point.append(p.integer(4) != 0);
            point.append(p.isNull(5) ? QCborValue(QCborValue::Null) : QCborValue(p.real(5)));
            point.append(p.text(6));
        }
        waypoints.append(point);
    }
    r.value.insert(QStringLiteral("waypoints"), waypoints);

    Result<Statement*> t = db.prepare(
        QStringLiteral("SELECT lon, lat, recorded_at, elevation FROM route_track_point WHERE "
                       "route_uuid = ?1 ORDER BY seq"));
    if (!t)
        return t.error();
    t.value()->bind(1, uuid);
    QCborArray track;
    for (;;) {
        Result<bool> next = t.value()->step();
        if (!next)
            return next.error();
        if (!next.value())
            break;
        const Statement& p = *t.value();
        track.append(
            QCborArray{p.real(0), p.real(1), p.integer(2),
                       p.isNull(3) ? QCborValue(QCborValue::Null) : QCborValue(p.real(3))});
    }
    r.value.insert(QStringLiteral("track"), track);
    return std::optional(r);
}

// ---- applying ----

/// The station's key in this mission, made when the station is new here.
Result<qint64> stationKey(Db& db, const QString& uuid) {
    Result<Statement*> insert = db.prepare(QStringLiteral(
        "INSERT INTO station (uuid, local) VALUES (?1, 0) ON CONFLICT (uuid) DO NOTHING"));
    if (!insert)
        return insert.error();
    if (Status s = insert.value()->bind(1, uuid).run(); !s)
        return s.error();
    Result<Statement*> select =
        db.prepare(QStringLiteral("SELECT id FROM station WHERE uuid = ?1"));
    if (!select)
        return select.error();
    select.value()->bind(1, uuid);
    Result<bool> row = select.value()->step();
    if (!row)
        return row.error();
    return select.value()->integer(0);
}

/// What this mission holds of a record: its version, marking and origin.
struct Local {
    qint64 id = 0;
    qint64 updated = 0;
    QString station;
    bool deleted = false;
    store::Marking marking;
    QString origin;
};

Result<std::optional<Local>> localStamp(Db& db, const char* table, const QString& uuid) {
    Result<Statement*> s = db.prepare(
        QStringLiteral("SELECT t.rowid, t.updated_hlc, st.uuid, t.deleted, t.classification, "
                       "t.releasability, %2 FROM %1 t JOIN station st ON st.id = t.station "
                       "WHERE t.uuid = ?1")
            .arg(QString::fromLatin1(table), originColumn("t")));
    if (!s)
        return s.error();
    s.value()->bind(1, uuid);
    Result<bool> row = s.value()->step();
    if (!row)
        return row.error();
    if (!row.value())
        return std::optional<Local>();
    const Statement& q = *s.value();
    return std::optional(Local{q.integer(0), q.integer(1), q.text(2), q.integer(3) != 0,
                               store::Marking{q.text(4), q.text(5)}, q.text(6)});
}

Status run(Db& db, const QString& sql, const QList<QVariant>& args) {
    Result<Statement*> s = db.prepare(sql);
    if (!s)
        return s.error();
    for (qsizetype k = 0; k < args.size(); ++k) {
        const QVariant& v = args[k];
        const int index = static_cast<int>(k + 1);
        if (v.isNull())
            s.value()->bindNull(index);
        else if (v.typeId() == QMetaType::QByteArray)
            s.value()->bindBlob(index, v.toByteArray());
        else if (v.typeId() == QMetaType::Double)
            s.value()->bind(index, v.toDouble());
        else if (v.typeId() == QMetaType::LongLong || v.typeId() == QMetaType::Int ||
                 v.typeId() == QMetaType::Bool)
            s.value()->bind(index, v.toLongLong());
        else
            s.value()->bind(index, v.toString());
    }
    return s.value()->run();
}

/// The incident's index entries: the store's own statements (store/IncidentRow.h), run with
/// this apply's prepared statements.
Status indexIncident(Db& db, qint64 id) {
    for (const QString& statement : store::incidentIndexStatements())
        if (Status s = run(db, statement, {id}); !s)
            return s;
    return success();
}

/// Removes them, before the row changes (the full-text 'delete' and the marker's key need the
/// stored values).
Status unindexIncident(Db& db, qint64 id) {
    for (const QString& statement : store::incidentUnindexStatements())
        if (Status s = run(db, statement, {id}); !s)
            return s;
    return success();
}

/// A change-log entry of an applied record, written at the end of the bundle in stamp order
/// (see applyRecords).
struct PendingChange {
    QString kind;
    QString uuid;
    QString op;
    qint64 hlc = 0;
    qint64 station = 0;
};

/// What applying one bundle needs along the way.
struct Apply {
    Db& db;
    const ApplyContext& context;
    QList<PendingChange> log;
    int conflicts = 0;
    QList<RefusedRecord> refused;
};

Status logChange(Apply& a, const SharedRecord& r, const char* op, qint64 station) {
    a.log.append({r.kind, r.uuid, QString::fromLatin1(op), r.updated, station});
    return success();
}

Result<std::optional<SharedRecord>> readRecord(Db& db, const QString& kind, const QString& uuid);

/// Whether this mission logged this very version before (the writer's stamp on this record):
/// then it is not news, and whatever conflict it made was found when it first arrived.
Result<bool> seenBefore(Db& db, const SharedRecord& r, qint64 station) {
    Result<Statement*> s = db.prepare(QStringLiteral(
        "SELECT 1 FROM change_log WHERE station = ?1 AND hlc = ?2 AND uuid = ?3 LIMIT 1"));
    if (!s)
        return s.error();
    s.value()->bind(1, station).bind(2, r.updated).bind(3, r.uuid);
    return s.value()->step();
}

/// A concurrent edit: neither version's vector dominates the other (the caller checked), and
/// we had not seen theirs before (a stale bundle that brings a version we already hold, or an
/// older one we built on, is no conflict). Both
/// versions are kept for an analyst; last writer wins decides what the record shows meanwhile,
/// the same at every station.
Status noteConflict(Apply& a, const SharedRecord& r, const std::optional<Local>& local,
                    qint64 station) {
    if (!local || std::pair(local->updated, local->station) == std::pair(r.updated, r.station))
        return success();
    Result<bool> seen = seenBefore(a.db, r, station);
    if (!seen)
        return seen.error();
    if (seen.value())
        return success();
    Result<std::optional<SharedRecord>> ours = readRecord(a.db, r.kind, r.uuid);
    if (!ours)
        return ours.error();
    if (!ours.value())
        return success();
    const bool theirsWins =
        std::pair(r.updated, r.station) > std::pair(local->updated, local->station);
    ++a.conflicts;
    return run(a.db,
               QStringLiteral("INSERT INTO share_conflict (kind, uuid, detected_at, bundle_id, "
                              "ours, theirs, shown) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
               {r.kind, r.uuid, QDateTime::currentMSecsSinceEpoch(), a.context.bundleId,
                QVariant(ours.value()->value.toCborValue().toCbor()),
                QVariant(r.value.toCborValue().toCbor()),
                theirsWins ? QStringLiteral("theirs") : QStringLiteral("ours")});
}

/// Marking authority (ReleasePolicy::mayRemark): a version that would lower or widen the
/// marking of a record this mission holds, written by a station other than the record's
/// origin, is not applied. It is kept in share_refused with the reason for the analyst, and the
/// rest of the bundle applies. True when refused.
/// Last writer wins: whether our copy is the same version as `r`, or newer, by (updated HLC,
/// station UUID).
bool holdsSameOrNewer(const std::optional<Local>& local, const SharedRecord& r) {
    return local && std::pair(local->updated, local->station) >= std::pair(r.updated, r.station);
}

Result<bool> refuseRemark(Apply& a, const SharedRecord& r, const std::optional<Local>& local) {
    if (!local || holdsSameOrNewer(local, r))
        return false; // new here, or not newer: nothing of ours would change
    const ReleaseDecision d =
        ReleasePolicy::mayRemark(local->marking, r.marking, r.station == local->origin);
    if (d)
        return false;
    RefusedRecord refused{r.kind, r.uuid, r.station, d.reason};
    if (Status s =
            run(a.db,
                QStringLiteral("INSERT INTO share_refused (bundle_id, kind, uuid, station, "
                               "reason, at, theirs) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
                {a.context.bundleId, r.kind, r.uuid, r.station, d.reason,
                 QDateTime::currentMSecsSinceEpoch(), QVariant(r.value.toCborValue().toCbor())});
        !s)
        return s.error();
    a.refused.append(refused);
    return true;
}

/// A record's causal clock (store migration 9, record_clock): the vector of the version it
/// shows, and the merge of every version's this station has held. A record without a row has
/// its writer's one-entry vector for both.
struct Clock {
    VersionVector vv;
    VersionVector seen;
};

VersionVector writerVector(const QString& station, qint64 updated) {
    return VersionVector{{station, updated}};
}

Result<Clock> clockOf(Db& db, const QString& kind, const QString& uuid, const QString& station,
                      qint64 updated) {
    Result<Statement*> s = db.prepare(
        QStringLiteral("SELECT vv, seen FROM record_clock WHERE kind = ?1 AND uuid = ?2"));
    if (!s)
        return s.error();
    s.value()->bind(1, kind).bind(2, uuid);
    Result<bool> row = s.value()->step();
    if (!row)
        return row.error();
    if (row.value()) {
        const std::optional<VersionVector> vv = vectorFromJson(s.value()->text(0));
        const std::optional<VersionVector> seen = vectorFromJson(s.value()->text(1));
        if (vv && seen)
            return Clock{*vv, *seen};
    }
    const VersionVector own = writerVector(station, updated);
    return Clock{own, own};
}

/// Keeps `clock` for the record, or no row when it is its writer's one entry.
Status saveClock(Db& db, const QString& kind, const QString& uuid, const Clock& clock) {
    const bool trivial = clock.vv == clock.seen && clock.vv.size() == 1;
    if (trivial)
        return run(db, QStringLiteral("DELETE FROM record_clock WHERE kind = ?1 AND uuid = ?2"),
                   {kind, uuid});
    return run(db,
               QStringLiteral("INSERT INTO record_clock (kind, uuid, vv, seen) VALUES (?1, ?2, "
                              "?3, ?4) ON CONFLICT (kind, uuid) DO UPDATE SET vv = excluded.vv, "
                              "seen = excluded.seen"),
               {kind, uuid, toJson(clock.vv), toJson(clock.seen)});
}

/// The steps every record kind takes before it is written: marking authority, conflict, last
/// writer wins, the record's clock. Nullopt: write it; else the count it goes to (false:
/// unchanged, or refused).
Result<std::optional<bool>> admit(Apply& a, const SharedRecord& r,
                                  const std::optional<Local>& local, qint64 station) {
    Result<bool> refused = refuseRemark(a, r, local);
    if (!refused)
        return refused.error();
    if (refused.value())
        return std::optional(false);
    // Checked when the payload was read (decodePayload): a vector naming its own writer.
    const VersionVector theirs =
        vectorFromCbor(r.value[QStringLiteral("vv")]).value_or(writerVector(r.station, r.updated));
    const bool applies = !holdsSameOrNewer(local, r);
    Clock next{theirs, theirs};
    if (local) {
        Result<Clock> ours = clockOf(a.db, r.kind, r.uuid, local->station, local->updated);
        if (!ours)
            return ours.error();
        // Concurrent with everything this station has held of the record: a conflict here,
        // as at every station that holds both, whichever way and order they came.
        if (concurrent(theirs, ours.value().seen))
            if (Status c = noteConflict(a, r, local, station); !c)
                return c.error();
        next = {applies ? theirs : ours.value().vv, merged(ours.value().seen, theirs)};
    }
    if (Status s = saveClock(a.db, r.kind, r.uuid, next); !s)
        return s.error();
    if (!applies)
        return std::optional(false);
    return std::optional<bool>();
}

Error bad(const SharedRecord& r, const QString& why) {
    return Error{
        QStringLiteral("the %1 %2 in the bundle is not valid: %3").arg(r.kind, r.uuid, why)};
}

Result<bool> applyIncident(Apply& a, const SharedRecord& r, qint64 station, qint64 origin) {
    Db& db = a.db;
    const QCborMap& m = r.value;
    Result<store::Incident> read = store::incidentFromWire(m);
    if (!read)
        return bad(r, read.error().message);
    store::Incident i = std::move(read).value();
    i.uuid = r.uuid;
    i.marking = r.marking;
    if (const QString why = store::MissionStore::invalidReason(i); !why.isEmpty())
        return bad(r, why);
    const bool deleted = m[QStringLiteral("deleted")].toBool();
    const qint64 created = m[QStringLiteral("created")].toInteger();

    Result<std::optional<Local>> local = localStamp(db, "incident", r.uuid);
    if (!local)
        return local.error();
    Result<std::optional<bool>> admitted = admit(a, r, local.value(), station);
    if (!admitted)
        return admitted.error();
    if (admitted.value())
        return *admitted.value();
    qint64 id = 0;
    if (local.value()) {
        id = local.value()->id;
        if (!local.value()->deleted)
            if (Status s = unindexIncident(db, id); !s)
                return s.error();
        Result<Statement*> stmt = db.prepare(
            QStringLiteral("UPDATE incident SET %1, created_hlc = ?23, deleted = ?24 WHERE uuid = "
                           "?1")
                .arg(store::incidentUpdateAssignments()));
        if (!stmt)
            return stmt.error();
        store::bindIncident(*stmt.value(), i, station, store::Hlc{r.updated});
        if (Status s = stmt.value()->bind(23, created).bind(24, deleted ? 1 : 0).run(); !s)
            return s.error();
    } else {
        Result<Statement*> stmt = db.prepare(
            QStringLiteral("INSERT INTO incident (%1, created_hlc, deleted, origin) VALUES (?1, "
                           "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
                           "?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)")
                .arg(store::incidentWriteColumns()));
        if (!stmt)
            return stmt.error();
        store::bindIncident(*stmt.value(), i, station, store::Hlc{r.updated});
        if (Status s =
                stmt.value()->bind(23, created).bind(24, deleted ? 1 : 0).bind(25, origin).run();
            !s)
            return s.error();
        id = db.lastInsertRowId();
    }
    if (!deleted)
        if (Status s = indexIncident(db, id); !s)
            return s.error();
    if (Status s = logChange(a, r,
                             !local.value() ? "insert"
                             : deleted      ? "delete"
                                            : "update",
                             station);
        !s)
        return s.error();
    return true;
}

/// Notes are append-only: one we hold never changes. Returns nullopt when its incident is not
/// here (not released to us, or not yet received).
Result<std::optional<bool>> applyNote(Apply& a, const SharedRecord& r, qint64 station,
                                      qint64 origin) {
    Db& db = a.db;
    const QCborMap& m = r.value;
    const QString text = m[QStringLiteral("text")].toString();
    if (text.trimmed().isEmpty())
        return bad(r, QStringLiteral("a note needs text"));
    Result<std::optional<Local>> local = localStamp(db, "incident_note", r.uuid);
    if (!local)
        return local.error();
    if (local.value())
        return std::optional(false);
    Result<std::optional<Local>> incident =
        localStamp(db, "incident", m[QStringLiteral("incident")].toString());
    if (!incident)
        return incident.error();
    if (!incident.value())
        return std::optional<bool>();
    const qint64 incidentId = incident.value()->id;
    const bool live = !incident.value()->deleted;
    if (live)
        if (Status s = unindexIncident(db, incidentId); !s)
            return s.error();
    if (Status s = run(db,
                       QStringLiteral("INSERT INTO incident_note (uuid, incident_id, author, text, "
                                      "written_at, classification, releasability, station, "
                                      "created_hlc, updated_hlc, origin) VALUES (?1, ?2, ?3, ?4, "
                                      "?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
                       {r.uuid, incidentId, m[QStringLiteral("author")].toString(), text,
                        m[QStringLiteral("written_at")].toInteger(), r.marking.classification,
                        r.marking.releasability, station, m[QStringLiteral("created")].toInteger(),
                        r.updated, origin});
        !s)
        return s.error();
    if (live)
        if (Status s = indexIncident(db, incidentId); !s)
            return s.error();
    if (Status s = logChange(a, r, "insert", station); !s)
        return s.error();
    return std::optional(true);
}

/// An attachment: its content is checked against its SHA-256 and size before anything is
/// written, and stored once per content as the store does. Nullopt when its incident is not
/// here.
Result<std::optional<bool>> applyAttachment(Apply& a, const SharedRecord& r, qint64 station,
                                            qint64 origin) {
    Db& db = a.db;
    const QCborMap& m = r.value;
    const QString name = m[QStringLiteral("name")].toString();
    const QString sha = m[QStringLiteral("sha256")].toString();
    const qint64 size = m[QStringLiteral("size")].toInteger(-1);
    if (name.isEmpty() || sha.size() != 64 || size < 0 || !m[QStringLiteral("chunks")].isArray())
        return bad(r, QStringLiteral("no name, content hash, size or content"));
    QByteArray data;
    for (const QCborValue& chunk : m[QStringLiteral("chunks")].toArray()) {
        if (!chunk.isByteArray() || chunk.toByteArray().size() > kChunkBytes ||
            data.size() + chunk.toByteArray().size() > size)
            return bad(r, QStringLiteral("the content does not match its size"));
        data += chunk.toByteArray();
    }
    if (data.size() != size || QString::fromLatin1(crypto::sha256(data).toHex()) != sha)
        return bad(r, QStringLiteral("the content does not match its SHA-256"));
    Result<std::optional<Local>> local = localStamp(db, "attachment", r.uuid);
    if (!local)
        return local.error();
    Result<std::optional<bool>> admitted = admit(a, r, local.value(), station);
    if (!admitted)
        return admitted.error();
    if (admitted.value())
        return std::optional(*admitted.value());
    Result<std::optional<Local>> incident =
        localStamp(db, "incident", m[QStringLiteral("incident")].toString());
    if (!incident)
        return incident.error();
    if (!incident.value())
        return std::optional<bool>();
    if (Status s = run(db,
                       QStringLiteral("INSERT INTO attachment_blob (sha256, data) VALUES (?1, ?2) "
                                      "ON CONFLICT DO NOTHING"),
                       {sha, QVariant(data)});
        !s)
        return s.error();
    const bool deleted = m[QStringLiteral("deleted")].toBool();
    QList<QVariant> args{r.uuid,
                         incident.value()->id,
                         name,
                         m[QStringLiteral("media_type")].toString(),
                         sha,
                         size,
                         r.marking.classification,
                         r.marking.releasability,
                         station,
                         m[QStringLiteral("created")].toInteger(),
                         r.updated,
                         deleted ? 1 : 0};
    const QString sql =
        local.value()
            ? QStringLiteral("UPDATE attachment SET incident_id = ?2, name = ?3, media_type = ?4, "
                             "sha256 = ?5, size = ?6, classification = ?7, releasability = ?8, "
                             "station = ?9, created_hlc = ?10, updated_hlc = ?11, deleted = ?12 "
                             "WHERE uuid = ?1")
            : QStringLiteral("INSERT INTO attachment (uuid, incident_id, name, media_type, "
                             "sha256, size, classification, releasability, station, created_hlc, "
                             "updated_hlc, deleted, origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                             "?8, ?9, ?10, ?11, ?12, ?13)");
    if (!local.value())
        args.append(origin);
    if (Status s = run(db, sql, args); !s)
        return s.error();
    if (Status s = logChange(a, r,
                             !local.value() ? "insert"
                             : deleted      ? "delete"
                                            : "update",
                             station);
        !s)
        return s.error();
    return std::optional(true);
}

Result<bool> applyAnnotation(Apply& a, const SharedRecord& r, qint64 station, qint64 origin) {
    Db& db = a.db;
    const QCborMap& m = r.value;
    Result<store::Annotation> read = store::annotationFromWire(m);
    if (!read)
        return bad(r, read.error().message);
    store::Annotation annotation = std::move(read).value();
    annotation.uuid = r.uuid;
    annotation.marking = r.marking;
    Result<std::optional<Local>> local = localStamp(db, "annotation", r.uuid);
    if (!local)
        return local.error();
    Result<std::optional<bool>> admitted = admit(a, r, local.value(), station);
    if (!admitted)
        return admitted.error();
    if (admitted.value())
        return *admitted.value();
    const bool deleted = m[QStringLiteral("deleted")].toBool();
    const QString sql =
        local.value()
            ? QStringLiteral("UPDATE annotation SET %1, created_hlc = ?11, deleted = ?12 WHERE "
                             "uuid = ?1")
                  .arg(store::annotationUpdateAssignments())
            : QStringLiteral("INSERT INTO annotation (%1, created_hlc, deleted, origin) VALUES "
                             "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")
                  .arg(store::annotationWriteColumns());
    Result<Statement*> stmt = db.prepare(sql);
    if (!stmt)
        return stmt.error();
    store::bindAnnotation(*stmt.value(), annotation, station, store::Hlc{r.updated})
        .bind(11, m[QStringLiteral("created")].toInteger())
        .bind(12, deleted ? 1 : 0);
    if (!local.value())
        stmt.value()->bind(13, origin);
    if (Status s = stmt.value()->run(); !s)
        return s.error();
    if (Status s = logChange(a, r,
                             !local.value() ? "insert"
                             : deleted      ? "delete"
                                            : "update",
                             station);
        !s)
        return s.error();
    return true;
}

Result<bool> applyRoute(Apply& a, const SharedRecord& r, qint64 station, qint64 origin) {
    Db& db = a.db;
    const QCborMap& m = r.value;
    const auto status = store::routeStatusFromString(m[QStringLiteral("status")].toString());
    if (!status || m[QStringLiteral("name")].toString().isEmpty())
        return bad(r, QStringLiteral("unknown status or no name"));
    Result<std::optional<Local>> local = localStamp(db, "route", r.uuid);
    if (!local)
        return local.error();
    Result<std::optional<bool>> admitted = admit(a, r, local.value(), station);
    if (!admitted)
        return admitted.error();
    if (admitted.value())
        return *admitted.value();
    const bool deleted = m[QStringLiteral("deleted")].toBool();
    QList<QVariant> args{r.uuid,
                         m[QStringLiteral("name")].toString(),
                         m[QStringLiteral("unit")].toString(),
                         store::toString(*status),
                         r.marking.classification,
                         r.marking.releasability,
                         m[QStringLiteral("exercise")].toBool() ? 1 : 0,
                         station,
                         m[QStringLiteral("created")].toInteger(),
                         r.updated,
                         deleted ? 1 : 0};
    const QString sql =
        local.value()
            ? QStringLiteral("UPDATE route SET name = ?2, unit = ?3, status = ?4, "
                             "classification = ?5, releasability = ?6, exercise = ?7, "
                             "station = ?8, created_hlc = ?9, updated_hlc = ?10, deleted = ?11 "
                             "WHERE uuid = ?1")
            : QStringLiteral("INSERT INTO route (uuid, name, unit, status, classification, "
                             "releasability, exercise, station, created_hlc, updated_hlc, "
                             "deleted, origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                             "?11, ?12)");
    if (!local.value())
        args.append(origin);
    if (Status s = run(db, sql, args); !s)
        return s.error();
    for (const char* table : {"route_waypoint", "route_track_point"})
        if (Status s = run(db,
                           QStringLiteral("DELETE FROM %1 WHERE route_uuid = ?1")
                               .arg(QString::fromLatin1(table)),
                           {r.uuid});
            !s)
            return s.error();
    const QCborArray waypoints = m[QStringLiteral("waypoints")].toArray();
    for (qsizetype k = 0; k < waypoints.size(); ++k) {
        const QCborArray w = waypoints[k].toArray();
        const bool plain = w.size() == 4;
        if ((!plain && w.size() != 7) || !w[1].isDouble() || !w[2].isDouble() || !w[3].isString() ||
            // An empty time is a waypoint without one (a bend clicked on the map).
            (!w[3].toString().isEmpty() &&
             !QDateTime::fromString(w[3].toString(), Qt::ISODate).isValid()) ||
            (!plain && (!w[4].isBool() ||
                        !(w[5].isNull() || (w[5].isDouble() && std::isfinite(w[5].toDouble()))) ||
                        !w[6].isString() || w[6].toString().size() > kMaxLinkUid)))
            return bad(r, QStringLiteral("waypoint %1 is damaged").arg(k + 1));
        if (Status s = run(db,
                           QStringLiteral("INSERT INTO route_waypoint (route_uuid, seq, name, lon, "
                                          "lat, planned_at, control, elevation, link_uid) VALUES "
                                          "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
                           {r.uuid, static_cast<qint64>(k), w[0].toString(), w[1].toDouble(),
                            w[2].toDouble(), w[3].toString(),
                            static_cast<qint64>(!plain && w[4].toBool() ? 1 : 0),
                            !plain && w[5].isDouble() ? QVariant(w[5].toDouble()) : QVariant(),
                            plain ? QString() : w[6].toString()});
            !s)
            return s.error();
    }
    const QCborArray track = m[QStringLiteral("track")].toArray();
    for (qsizetype k = 0; k < track.size(); ++k) {
        const QCborArray p = track[k].toArray();
        if (p.size() != 4 || !p[0].isDouble() || !p[1].isDouble() || !p[2].isInteger())
            return bad(r, QStringLiteral("track point %1 is damaged").arg(k + 1));
        if (Status s =
                run(db,
                    QStringLiteral("INSERT INTO route_track_point (route_uuid, seq, lon, "
                                   "lat, recorded_at, elevation) VALUES (?1, ?2, ?3, ?4, "
                                   "?5, ?6)"),
                    {r.uuid, static_cast<qint64>(k), p[0].toDouble(), p[1].toDouble(),
                     p[2].toInteger(), p[3].isDouble() ? QVariant(p[3].toDouble()) : QVariant()});
            !s)
            return s.error();
    }
    if (Status s = logChange(a, r,
                             !local.value() ? "insert"
                             : deleted      ? "delete"
                                            : "update",
                             station);
        !s)
        return s.error();
    return true;
}

Result<std::optional<SharedRecord>> readRecord(Db& db, const QString& kind, const QString& uuid) {
    if (kind == QLatin1String("incident"))
        return readIncident(db, uuid);
    if (kind == QLatin1String("route"))
        return readRoute(db, uuid);
    if (kind == QLatin1String("note"))
        return readNote(db, uuid);
    if (kind == QLatin1String("attachment"))
        return readAttachment(db, uuid);
    return readAnnotation(db, uuid);
}

} // namespace

Result<VersionVector> seenVector(store::MissionStore& store, const QString& kind,
                                 const QString& uuid) {
    Db db(store.database());
    Result<std::optional<Local>> local = localStamp(
        db, kind == QLatin1String("note") ? "incident_note" : kind.toUtf8().constData(), uuid);
    if (!local)
        return local.error();
    if (!local.value())
        return VersionVector{};
    Result<Clock> clock = clockOf(db, kind, uuid, local.value()->station, local.value()->updated);
    if (!clock)
        return clock.error();
    return clock.value().seen;
}

namespace {

/// Each record's version vector into its travelling form (key "vv"), where the signature
/// covers it.
Status attachClocks(Db& db, QList<SharedRecord>& records) {
    for (SharedRecord& r : records) {
        Result<Clock> clock = clockOf(db, r.kind, r.uuid, r.station, r.updated);
        if (!clock)
            return clock.error();
        r.value.insert(QStringLiteral("vv"), toCbor(clock.value().vv));
    }
    return success();
}

} // namespace

Result<std::optional<SharedRecord>> currentRecord(store::MissionStore& store, const QString& kind,
                                                  const QString& uuid) {
    if (!kKinds.contains(kind))
        return Error{QStringLiteral("no record kind '%1'").arg(kind)};
    Db db(store.database());
    Result<std::optional<SharedRecord>> r = readRecord(db, kind, uuid);
    if (!r || !r.value())
        return r;
    QList<SharedRecord> one{*r.value()};
    if (Status s = attachClocks(db, one); !s)
        return s.error();
    return std::optional(one.first());
}

Result<Knowledge> missionKnowledge(store::MissionStore& store) {
    // Per station through the (station, hlc) index where sharing has made it; a scan otherwise.
    Result<Statement> s = store.database().prepare(QStringLiteral(
        "SELECT st.uuid, (SELECT max(c.hlc) FROM change_log c WHERE c.station = st.id) AS top "
        "FROM station st WHERE top IS NOT NULL"));
    if (!s)
        return s.error();
    Knowledge k;
    for (;;) {
        Result<bool> row = s.value().step();
        if (!row)
            return row.error();
        if (!row.value())
            break;
        k.insert(s.value().text(0), s.value().integer(1));
    }
    return k;
}

Status ensureChangeLogIndex(store::Database& db) {
    return db.exec(QStringLiteral("CREATE INDEX IF NOT EXISTS share_change_log_station_hlc ON "
                                  "change_log (station, hlc)"));
}

Result<QList<SharedRecord>> changedRecords(store::MissionStore& store, const Knowledge& peerKnows) {
    Db db(store.database());
    // Station by station, only the entries above what the peer holds of it.
    Result<Statement*> stations = db.prepare(QStringLiteral("SELECT id, uuid FROM station"));
    if (!stations)
        return stations.error();
    QList<std::pair<qint64, qint64>> ranges; // station key, stamp the peer holds
    for (;;) {
        Result<bool> row = stations.value()->step();
        if (!row)
            return row.error();
        if (!row.value())
            break;
        ranges.append(
            {stations.value()->integer(0),
             peerKnows.value(stations.value()->text(1), std::numeric_limits<qint64>::min())});
    }
    Result<Statement*> log = db.prepare(QStringLiteral(
        "SELECT kind, uuid FROM change_log WHERE station = ?1 AND hlc > ?2 ORDER BY hlc"));
    if (!log)
        return log.error();
    QMap<QString, QStringList> wanted; // kind -> uuids
    QMap<QString, QSet<QString>> seen;
    for (const auto& [station, known] : ranges) {
        log.value()->reset();
        log.value()->bind(1, station).bind(2, known);
        for (;;) {
            Result<bool> row = log.value()->step();
            if (!row)
                return row.error();
            if (!row.value())
                break;
            const QString kind = log.value()->text(0);
            const QString uuid = log.value()->text(1);
            if (!kKinds.contains(kind))
                continue;
            QSet<QString>& kindSeen = seen[kind];
            if (kindSeen.contains(uuid))
                continue;
            kindSeen.insert(uuid);
            wanted[kind].append(uuid);
        }
    }
    // Lookups by UUID land on random pages; past a sixteenth of the table, one pass in storage
    // order reads fewer pages (measured in tests/bench/share).
    bool scan = false;
    if (const qsizetype n = wanted.value(QStringLiteral("incident")).size(); n > 256) {
        Result<QVariant> rows = db.scalar(QStringLiteral("SELECT max(id) FROM incident"));
        if (!rows)
            return rows.error();
        scan = n * 16 > rows.value().toLongLong();
    }
    QList<SharedRecord> records;
    for (const QString& kind : kKinds) {
        if (kind == QLatin1String("incident") && scan) {
            if (Status s = scanIncidents(db, seen.value(kind), records); !s)
                return s.error();
            continue;
        }
        for (const QString& uuid : wanted.value(kind)) {
            Result<std::optional<SharedRecord>> r = readRecord(db, kind, uuid);
            if (!r)
                return r.error();
            if (r.value())
                records.append(*r.value());
        }
    }
    if (Status s = attachClocks(db, records); !s)
        return s.error();
    return records;
}

Result<ApplyCounts> applyRecords(store::MissionStore& store, const QList<SharedRecord>& records,
                                 const ApplyContext& context) {
    Db db(store.database());
    Apply a{db, context, {}, 0, {}};
    ApplyCounts counts;
    QMap<QString, qint64> stations;
    const auto keyOf = [&](const QString& uuid) -> Result<qint64> {
        if (const auto found = stations.constFind(uuid); found != stations.constEnd())
            return found.value();
        Result<qint64> key = stationKey(a.db, uuid);
        if (key)
            stations.insert(uuid, key.value());
        return key;
    };
    // Apply order: an incident before its notes, whatever order the payload has.
    for (const QString& kind : kKinds) {
        for (const SharedRecord& r : records) {
            if (r.kind != kind)
                continue;
            Result<qint64> station = keyOf(r.station);
            if (!station)
                return station.error();
            Result<qint64> origin = keyOf(r.origin.isEmpty() ? r.station : r.origin);
            if (!origin)
                return origin.error();
            if (kind == QLatin1String("note") || kind == QLatin1String("attachment")) {
                Result<std::optional<bool>> done =
                    kind == QLatin1String("note")
                        ? applyNote(a, r, station.value(), origin.value())
                        : applyAttachment(a, r, station.value(), origin.value());
                if (!done)
                    return done.error();
                if (!done.value())
                    ++counts.skipped;
                else
                    ++(*done.value() ? counts.applied : counts.unchanged);
                continue;
            }
            Result<bool> done = kind == QLatin1String("incident")
                                    ? applyIncident(a, r, station.value(), origin.value())
                                : kind == QLatin1String("route")
                                    ? applyRoute(a, r, station.value(), origin.value())
                                    : applyAnnotation(a, r, station.value(), origin.value());
            if (!done)
                return done.error();
            ++(done.value() ? counts.applied : counts.unchanged);
        }
    }
    // The change log in stamp order, so that its last entry holds the highest applied stamp:
    // the store's clock observes that entry when the mission is next opened.
    std::stable_sort(a.log.begin(), a.log.end(),
                     [](const PendingChange& x, const PendingChange& y) { return x.hlc < y.hlc; });
    for (const PendingChange& c : a.log)
        if (Status s = run(a.db,
                           QStringLiteral("INSERT INTO change_log (kind, uuid, op, hlc, station) "
                                          "VALUES (?1, ?2, ?3, ?4, ?5)"),
                           {c.kind, c.uuid, c.op, c.hlc, c.station});
            !s)
            return s.error();
    if (!a.log.isEmpty())
        store.observe(store::Hlc{a.log.last().hlc});
    counts.conflicts = a.conflicts;
    counts.refused = a.refused;
    return counts;
}

// ---- signed records ----

namespace {

Result<RecordBatch> batchById(Db& db, qint64 id) {
    Result<Statement*> s = db.prepare(QStringLiteral(
        "SELECT station, seq, keys, leaves, signature FROM record_batch WHERE id = ?1"));
    if (!s)
        return s.error();
    s.value()->bind(1, id);
    Result<bool> row = s.value()->step();
    if (!row)
        return row.error();
    if (!row.value())
        return Error{QStringLiteral("signed batch %1 is missing from the mission").arg(id)};
    const Statement& q = *s.value();
    return RecordBatch{q.text(0), q.integer(1), q.blob(2), q.blob(3), q.blob(4)};
}

QString writerName(const QByteArray& fingerprint, const ContactBook& book, const Identity& me) {
    if (fingerprint == me.card().fingerprint())
        return me.card().profile.stationName;
    if (std::optional<ContactCard> c = book.find(fingerprint))
        return c->profile.stationName;
    return QStringLiteral("the station with fingerprint %1")
        .arg(formatFingerprint(fingerprint).left(19));
}

} // namespace

Result<SignedRecords> signRecords(store::MissionStore& store, const Identity& signer,
                                  const QString& missionId, QList<SharedRecord>& records) {
    Db db(store.database());
    SignedRecords out;
    QList<SharedRecord*> pending;
    QList<SharedRecord> kept;
    kept.reserve(records.size());
    for (SharedRecord& r : records) {
        Result<Statement*> s = db.prepare(
            QStringLiteral("SELECT batch, leaf, salt FROM record_proof WHERE kind = ?1 AND uuid = "
                           "?2 AND updated = ?3 AND station = ?4"));
        if (!s)
            return s.error();
        s.value()->bind(1, r.kind).bind(2, r.uuid).bind(3, r.updated).bind(4, r.station);
        Result<bool> row = s.value()->step();
        if (!row)
            return row.error();
        if (row.value()) {
            r.batch = s.value()->integer(0);
            r.leaf = static_cast<int>(s.value()->integer(1));
            r.salt = s.value()->blob(2);
        } else if (r.station != store.station()) {
            ++out.unsignedForeign;
            continue;
        }
        kept.append(std::move(r));
    }
    records = std::move(kept);
    for (SharedRecord& r : records)
        if (r.batch < 0)
            pending.append(&r);
    if (!pending.isEmpty()) {
        Result<Statement*> last = db.prepare(
            QStringLiteral("SELECT coalesce(max(seq), 0) FROM record_batch WHERE station = ?1"));
        if (!last)
            return last.error();
        last.value()->bind(1, store.station());
        Result<bool> row = last.value()->step();
        if (!row)
            return row.error();
        const qint64 nextSeq = last.value()->integer(0) + 1;
        Result<QList<RecordBatch>> made =
            signVersions(signer, missionId, store.station(), nextSeq, pending);
        if (!made)
            return made.error();
        QList<qint64> ids;
        for (const RecordBatch& b : made.value()) {
            Result<Statement*> s = db.prepare(
                QStringLiteral("INSERT INTO record_batch (station, seq, keys, leaves, signature) "
                               "VALUES (?1, ?2, ?3, ?4, ?5)"));
            if (!s)
                return s.error();
            s.value()->bind(1, b.station).bind(2, b.seq);
            s.value()->bindBlob(3, b.keys).bindBlob(4, b.leaves).bindBlob(5, b.signature);
            if (Status done = s.value()->run(); !done)
                return done.error();
            ids.append(db.lastInsertRowId());
        }
        for (SharedRecord* r : pending) {
            r->batch = ids[static_cast<int>(r->batch)];
            Result<Statement*> s = db.prepare(
                QStringLiteral("INSERT INTO record_proof (kind, uuid, updated, station, batch, "
                               "leaf, salt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
            if (!s)
                return s.error();
            s.value()->bind(1, r->kind).bind(2, r->uuid).bind(3, r->updated).bind(4, r->station);
            s.value()->bind(5, r->batch).bind(6, r->leaf).bindBlob(7, r->salt);
            if (Status done = s.value()->run(); !done)
                return done.error();
        }
        out.signedNow = static_cast<int>(pending.size());
        Result<Statement*> bind = db.prepare(QStringLiteral(
            "INSERT OR IGNORE INTO station_key (station, fingerprint) VALUES (?1, ?2)"));
        if (!bind)
            return bind.error();
        bind.value()->bind(1, store.station()).bindBlob(2, signer.card().fingerprint());
        if (Status done = bind.value()->run(); !done)
            return done.error();
    }
    for (const SharedRecord& r : records)
        if (!out.batches.contains(r.batch)) {
            Result<RecordBatch> b = batchById(db, r.batch);
            if (!b)
                return b.error();
            out.batches.insert(r.batch, std::move(b).value());
        }
    return out;
}

Result<qint64> unsignedForeignRecords(store::MissionStore& store) {
    Database& db = store.database();
    qint64 total = 0;
    for (const char* table : {"incident", "incident_note", "attachment", "route", "annotation"}) {
        const QString kind = QString::fromLatin1(table) == QLatin1String("incident_note")
                                 ? QStringLiteral("note")
                                 : QString::fromLatin1(table);
        Result<QVariant> n = db.scalar(
            QStringLiteral("SELECT count(*) FROM %1 t JOIN station st ON st.id = t.station WHERE "
                           "st.local = 0 AND NOT EXISTS (SELECT 1 FROM record_proof p WHERE "
                           "p.kind = '%2' AND p.uuid = t.uuid AND p.updated = t.updated_hlc AND "
                           "p.station = st.uuid)")
                .arg(QString::fromLatin1(table), kind));
        if (!n)
            return n.error();
        total += n.value().toLongLong();
    }
    return total;
}

Result<Verification> verifyPayload(store::MissionStore& store, const Payload& payload,
                                   const ContactBook& book, const Identity& me,
                                   const QString& missionId) {
    Db db(store.database());
    Verification out;
    // Each batch once: its signer's standing, its signature, and the key its station signed
    // with before. A failure is reported at the first record that uses the batch.
    struct Checked {
        QString problem;
        std::optional<QDateTime> revokedAt;
    };
    QList<Checked> checked;
    checked.reserve(payload.batches.size());
    QHash<QString, QByteArray> keyOf; // station -> fingerprint, as this payload binds them
    for (const RecordBatch& b : payload.batches) {
        Checked c;
        const QByteArray fingerprint = b.fingerprint();
        if (fingerprint != me.card().fingerprint()) {
            switch (book.standing(fingerprint)) {
            case ContactBook::Standing::Unknown:
                c.problem = QStringLiteral("its writer signed with a key this station does not "
                                           "know (fingerprint %1)")
                                .arg(formatFingerprint(fingerprint).left(19));
                break;
            case ContactBook::Standing::Revoked:
                for (const ContactBook::Revoked& r : book.revoked())
                    if (r.fingerprint == fingerprint)
                        c.revokedAt = r.at;
                break;
            case ContactBook::Standing::Trusted:
                break;
            }
        }
        if (c.problem.isEmpty() && !b.verifySignature(missionId))
            c.problem = QStringLiteral("the signature of its batch is not its writer's over "
                                       "this mission's records");
        if (c.problem.isEmpty()) {
            QByteArray bound = keyOf.value(b.station);
            if (bound.isEmpty()) {
                Result<Statement*> s = db.prepare(
                    QStringLiteral("SELECT fingerprint FROM station_key WHERE station = ?1"));
                if (!s)
                    return s.error();
                s.value()->bind(1, b.station);
                Result<bool> row = s.value()->step();
                if (!row)
                    return row.error();
                if (row.value())
                    bound = s.value()->blob(0);
            }
            if (!bound.isEmpty() && bound != fingerprint)
                c.problem = QStringLiteral("its station %1 signs with another key (%2), and %3 "
                                           "signed this batch")
                                .arg(b.station, writerName(bound, book, me),
                                     writerName(fingerprint, book, me));
            else
                keyOf.insert(b.station, fingerprint);
        }
        checked.append(std::move(c));
    }
    QList<const QCborMap*> maps;
    QList<QByteArray> salts;
    maps.reserve(payload.records.size());
    salts.reserve(payload.records.size());
    for (const SharedRecord& r : payload.records) {
        maps.append(&r.value);
        salts.append(r.salt);
    }
    const QList<QByteArray> leaves = recordLeaves(maps, salts);
    QSet<QString> revokedNames;
    qsizetype index = 0;
    for (const SharedRecord& r : payload.records) {
        const QByteArray& leaf = leaves[index++];
        const RecordBatch& b = payload.batches[static_cast<int>(r.batch)];
        const Checked& c = checked[static_cast<int>(r.batch)];
        auto refuse = [&](const QString& why) {
            return Error{QStringLiteral("bundle refused: the %1 %2, written by %3: %4")
                             .arg(r.kind, r.uuid, writerName(b.fingerprint(), book, me), why)};
        };
        if (!c.problem.isEmpty())
            return refuse(c.problem);
        if (b.station != r.station)
            return refuse(QStringLiteral("it names the station %1 as its writer, and its batch "
                                         "was signed for %2")
                              .arg(r.station, b.station));
        if (!crypto::constantTimeEqual(leaf, b.leaf(r.leaf)))
            return refuse(QStringLiteral("it does not match its writer's signature (altered or "
                                         "invented on the way)"));
        if (c.revokedAt) {
            if (store::Hlc{r.updated}.time() >= *c.revokedAt)
                return refuse(QStringLiteral("it is stamped %1, after its writer's key was "
                                             "revoked (%2)")
                                  .arg(store::Hlc{r.updated}.time().toString(Qt::ISODate),
                                       c.revokedAt->toString(Qt::ISODate)));
            revokedNames.insert(writerName(b.fingerprint(), book, me));
        }
    }
    out.revokedWriters = QStringList(revokedNames.begin(), revokedNames.end());
    out.revokedWriters.sort();
    return out;
}

Status keepProofs(store::MissionStore& store, const Payload& payload) {
    Db db(store.database());
    QList<qint64> ids;
    ids.reserve(payload.batches.size());
    for (const RecordBatch& b : payload.batches) {
        Result<Statement*> find =
            db.prepare(QStringLiteral("SELECT id, leaves, signature, keys FROM record_batch WHERE "
                                      "station = ?1 AND seq = ?2"));
        if (!find)
            return find.error();
        find.value()->bind(1, b.station).bind(2, b.seq);
        Result<bool> row = find.value()->step();
        if (!row)
            return row.error();
        if (row.value()) {
            // A station that signed two different batches under one number: keep the first,
            // refuse the second (its records are verified against the batch they came with).
            if (find.value()->blob(1) != b.leaves || find.value()->blob(3) != b.keys)
                return Error{QStringLiteral("bundle refused: the station %1 signed two different "
                                            "batches numbered %2")
                                 .arg(b.station)
                                 .arg(b.seq)};
            ids.append(find.value()->integer(0));
            continue;
        }
        Result<Statement*> insert = db.prepare(
            QStringLiteral("INSERT INTO record_batch (station, seq, keys, leaves, signature) "
                           "VALUES (?1, ?2, ?3, ?4, ?5)"));
        if (!insert)
            return insert.error();
        insert.value()->bind(1, b.station).bind(2, b.seq);
        insert.value()->bindBlob(3, b.keys).bindBlob(4, b.leaves).bindBlob(5, b.signature);
        if (Status s = insert.value()->run(); !s)
            return s;
        ids.append(db.lastInsertRowId());
        Result<Statement*> bind = db.prepare(QStringLiteral(
            "INSERT OR IGNORE INTO station_key (station, fingerprint) VALUES (?1, ?2)"));
        if (!bind)
            return bind.error();
        bind.value()->bind(1, b.station).bindBlob(2, b.fingerprint());
        if (Status s = bind.value()->run(); !s)
            return s;
    }
    for (const SharedRecord& r : payload.records) {
        Result<Statement*> s = db.prepare(
            QStringLiteral("INSERT OR IGNORE INTO record_proof (kind, uuid, updated, station, "
                           "batch, leaf, salt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
        if (!s)
            return s.error();
        s.value()->bind(1, r.kind).bind(2, r.uuid).bind(3, r.updated).bind(4, r.station);
        s.value()->bind(5, ids[static_cast<int>(r.batch)]).bind(6, r.leaf).bindBlob(7, r.salt);
        if (Status done = s.value()->run(); !done)
            return done;
    }
    return success();
}

} // namespace tessera::share
