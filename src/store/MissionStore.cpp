// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/MissionStore.h"

#include "geo/ThreadCheck.h"
#include "store/AnnotationRow.h"
#include "store/ImportRegistry.h"
#include "store/IncidentRow.h"
#include "store/MarkerKey.h"
#include "store/Migrations.h"
#include "store/RouteRow.h"
#include "store/Situation.h"
#include "store/StatementCache.h"
#include "store/Uuid.h"

#include <QCryptographicHash>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QVariant>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace tessera::store {

namespace {

/// How much of a mission file a read-only connection maps into memory (1 GiB).
constexpr qint64 kReadMapBytes = qint64(1) << 30;

QDateTime fromMs(qint64 ms) {
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

Error withPath(const QString& path, const Error& e) {
    return Error{QStringLiteral("%1: %2").arg(path, e.message)};
}

bool validPoint(const geo::GeoPoint& p) {
    return std::isfinite(p.lon) && std::isfinite(p.lat) && p.lon >= -180.0 && p.lon <= 180.0 &&
           p.lat >= -90.0 && p.lat <= 90.0;
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

template <typename T, typename Read>
Result<QList<T>> collect(Statement& stmt, Read read) {
    QList<T> rows;
    for (;;) {
        Result<bool> row = stmt.step();
        if (!row)
            return row.error();
        if (!row.value())
            break;
        rows.append(read(stmt));
    }
    return rows;
}
template <typename T, typename Read>
Result<QList<T>> collect(Database& db, const QString& sql, Read read) {
    Result<Statement> stmt = db.prepare(sql);
    if (!stmt)
        return stmt.error();
    return collect<T>(stmt.value(), read);
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

/// Incidents are read through one column list everywhere: the incident's description
/// (IncidentRow.h), then its stamp.
const QString kIncidentColumns =
    incidentReadColumns("i") +
    QStringLiteral(", i.created_hlc, i.updated_hlc, s.uuid, i.deleted FROM incident i "
                   "LEFT JOIN station s ON s.id = i.station");
/// Live: not a tombstone, not part of an import that has not finished.
const QString kLiveIncident =
    QStringLiteral("i.deleted = 0 AND (i.import_id IS NULL OR i.import_id NOT IN "
                   "(SELECT id FROM import WHERE state <> 'done'))");

RecordStamp readStamp(const Statement& s, int first) {
    return {Hlc{s.integer(first)}, Hlc{s.integer(first + 1)}, s.text(first + 2),
            s.integer(first + 3) != 0};
}

Incident readIncident(const Statement& s) {
    Incident i = readIncidentContent(s, 0);
    i.stamp = readStamp(s, kIncidentReadColumns);
    return i;
}

PatrolRoute readRoute(const Statement& s) {
    PatrolRoute r = readRouteRow(s, 0);
    r.stamp = readStamp(s, kRouteReadColumns);
    return r;
}

/// User words to an FTS5 query that cannot be a syntax error: each word quoted, all required.
QString ftsQuery(const QString& text) {
    QStringList terms;
    for (QString word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const bool prefix = word.endsWith(QLatin1Char('*'));
        if (prefix)
            word.chop(1);
        if (word.isEmpty())
            continue;
        word.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        terms.append(QLatin1Char('"') + word + QLatin1Char('"') +
                     (prefix ? QStringLiteral("*") : QString()));
    }
    return terms.join(QLatin1Char(' '));
}

} // namespace

// ---- opening ----

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
    if (Status s = store.loadStation(); !s)
        return withPath(path, s.error());
    if (Status s = store.db_.exec(QStringLiteral("PRAGMA foreign_keys = ON")); !s)
        return withPath(path, s.error());
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
    Result<QVariant> version = db.value().scalar(QStringLiteral("PRAGMA user_version"));
    if (!version)
        return withPath(path, version.error());
    if (version.value().toInt() > latestSchemaVersion())
        return Error{QStringLiteral("%1 was written by a newer Tessera (schema %2; this build "
                                    "reads up to %3). Update Tessera to open it.")
                         .arg(path)
                         .arg(version.value().toInt())
                         .arg(latestSchemaVersion())};
    if (access == Access::ReadOnly) {
        if (version.value().toInt() < latestSchemaVersion())
            return Error{QStringLiteral("%1 uses an older schema (%2): open it for writing once to "
                                        "upgrade it")
                             .arg(path)
                             .arg(version.value().toInt())};
        // Readers (the map, lists) jump between rows all over the file: a box of 10,000
        // incidents touches about as many pages. Mapped, a page costs a memory read instead of a
        // read() call; the file stays read through SQLite (docs/store.md, "Queries").
        if (Status s = db.value().exec(QStringLiteral("PRAGMA mmap_size = %1").arg(kReadMapBytes));
            !s)
            return withPath(path, s.error());
    } else {
        if (db.value().isReadOnly())
            return Error{QStringLiteral("%1: the file is read-only; open it read-only, or make it "
                                        "writable to change it")
                             .arg(path)};
        if (Status s = db.value().exec(QStringLiteral("PRAGMA journal_mode = WAL")); !s)
            return withPath(path, s.error());
        if (Status s = migrate(db.value()); !s)
            return s.error();
    }
    if (Status s = db.value().exec(QStringLiteral("PRAGMA foreign_keys = ON")); !s)
        return withPath(path, s.error());
    MissionStore store(std::move(db).value());
    if (Status s = store.loadStation(); !s)
        return withPath(path, s.error());
    if (access == Access::ReadWrite)
        if (Status s = store.recoverInterruptedImports(); !s)
            return withPath(path, s.error());
    return store;
}

Result<MissionSnapshot> MissionStore::load(const QString& path) {
    Result<MissionStore> store = open(path, Access::ReadOnly);
    if (!store)
        return store.error();
    return store.value().snapshot();
}

Status MissionStore::loadStation() {
    Result<Statement> stmt =
        db_.prepare(QStringLiteral("SELECT id, uuid FROM station WHERE local = 1 LIMIT 1"));
    if (!stmt)
        return stmt.error();
    Result<bool> row = stmt.value().step();
    if (!row)
        return row.error();
    if (!row.value())
        return Error{QStringLiteral("the mission has no local station")};
    stationId_ = stmt.value().integer(0);
    stationUuid_ = stmt.value().text(1);
    // Never issue a stamp below one already in the file, whatever the wall clock says.
    // (Changes are logged in stamp order per transaction, so the last entry holds the highest.)
    Result<QVariant> version = db_.scalar(QStringLiteral("PRAGMA data_version"));
    if (!version)
        return version.error();
    dataVersion_ = version.value().toLongLong();
    Result<Statement> last =
        db_.prepare(QStringLiteral("SELECT hlc, seq FROM change_log ORDER BY seq DESC LIMIT 1"));
    if (!last)
        return last.error();
    Result<bool> hasLast = last.value().step();
    if (!hasLast)
        return hasLast.error();
    if (hasLast.value()) {
        clock_.observe(Hlc{last.value().integer(0)});
        seenSeq_ = last.value().integer(1);
    }
    return success();
}

Hlc MissionStore::editStamp() {
    // Errors only skip the catch-up: the clock still never goes below what it has seen.
    if (Result<QVariant> version = db_.scalar(QStringLiteral("PRAGMA data_version"));
        version && version.value().toLongLong() != dataVersion_) {
        dataVersion_ = version.value().toLongLong();
        Result<Statement> s =
            db_.prepare(QStringLiteral("SELECT max(hlc), max(seq) FROM change_log WHERE seq > ?1"));
        if (s) {
            s.value().bind(1, seenSeq_);
            Result<bool> row = s.value().step();
            if (row && row.value() && !s.value().isNull(0)) {
                clock_.observe(Hlc{s.value().integer(0)});
                seenSeq_ = s.value().integer(1);
            }
        }
    }
    return clock_.now();
}

Status MissionStore::recoverInterruptedImports() {
    Result<QList<std::pair<qint64, qint64>>> running = collect<std::pair<qint64, qint64>>(
        db_, QStringLiteral("SELECT id, owner FROM import WHERE state = 'running'"),
        [](const Statement& s) {
            return std::pair{s.integer(0), s.integer(1)};
        });
    if (!running)
        return running.error();
    for (const auto& [id, owner] : running.value()) {
        if (importOwnerIsAlive(db_.path(), id, owner))
            continue;
        // A copy to capture: Debian's clang 14 cannot capture a structured binding (C++20,
        // clang 16), and the fuzz build (scripts/test) compiles the store with it.
        const qint64 importId = id;
        Status undone = db_.transaction([&]() -> Status {
            Result<Statement> del = db_.prepare(QStringLiteral(
                "DELETE FROM incident WHERE id > (SELECT base_id FROM import WHERE id = ?1) "
                "AND import_id = ?1"));
            if (!del)
                return del.error();
            if (Status s = del.value().bind(1, importId).run(); !s)
                return s;
            Result<Statement> imp = db_.prepare(QStringLiteral("DELETE FROM import WHERE id = ?1"));
            if (!imp)
                return imp.error();
            return imp.value().bind(1, importId).run();
        });
        if (!undone)
            return Error{QStringLiteral("cannot roll back an interrupted import: %1")
                             .arg(undone.error().message)};
    }
    return success();
}

// ---- mission and layers ----

Status MissionStore::setInfo(const MissionInfo& info) {
    return db_.transaction([&] { return writeInfo(info); });
}

Status MissionStore::writeInfo(const MissionInfo& info) {
    Result<Statement> stmt =
        db_.prepare(QStringLiteral("INSERT INTO mission (key, value) VALUES (?1, ?2) "
                                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    if (!stmt)
        return stmt.error();
    QList<std::pair<const char*, QString>> values{
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
    if (!info.id.trimmed().isEmpty()) // else the one migration 6 made stays
        values.append({"id", info.id.trimmed()});
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
        if (key == QLatin1String("id"))
            info.id = value;
        else if (key == QLatin1String("name"))
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
        "stack_order, id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id"));
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
    if (layer.id > 0)
        stmt.value().bind(9, layer.id);
    Result<bool> row = stmt.value().step();
    if (!row)
        return row.error();
    return stmt.value().integer(0);
}

Status MissionStore::saveLayerStack(const QList<LayerSpec>& stack) {
    return db_.transaction([&]() -> Status {
        Result<Statement> update = db_.prepare(
            QStringLiteral("UPDATE layer SET name = ?2, style = ?3, visible = ?4, opacity = ?5, "
                           "stack_order = ?6 WHERE id = ?1"));
        if (!update)
            return update.error();
        QStringList kept;
        for (const LayerSpec& layer : stack) {
            if (Status s = update.value()
                               .bind(1, layer.id)
                               .bind(2, layer.name)
                               .bind(3, layer.style.isEmpty() ? QStringLiteral("{}") : layer.style)
                               .bind(4, layer.visible ? 1 : 0)
                               .bind(5, layer.opacity)
                               .bind(6, layer.stackOrder)
                               .run();
                !s)
                return s;
            kept.append(QString::number(layer.id));
        }
        return db_.exec(
            QStringLiteral("DELETE FROM layer WHERE id NOT IN (%1)")
                .arg(kept.isEmpty() ? QStringLiteral("NULL") : kept.join(QLatin1Char(','))));
    });
}

Result<QList<LayerSpec>> MissionStore::layers() {
    return collect<LayerSpec>(db_,
                              QStringLiteral("SELECT id, name, kind, source, source_layer, style, "
                                             "visible, opacity, stack_order FROM layer "
                                             "ORDER BY stack_order, id"),
                              &readLayer);
}

// ---- change log and indexes ----

Status MissionStore::logChange(const char* kind, const QString& uuid, const char* op, Hlc hlc) {
    Result<Statement> stmt = db_.prepare(QStringLiteral(
        "INSERT INTO change_log (kind, uuid, op, hlc, station) VALUES (?1, ?2, ?3, ?4, ?5)"));
    if (!stmt)
        return stmt.error();
    return stmt.value()
        .bind(1, QString::fromLatin1(kind))
        .bind(2, uuid)
        .bind(3, QString::fromLatin1(op))
        .bind(4, hlc.value)
        .bind(5, stationId_)
        .run();
}

Result<qint64> MissionStore::incidentKey(const QString& uuid) {
    Result<Statement> stmt =
        db_.prepare(QStringLiteral("SELECT id FROM incident WHERE uuid = ?1 AND deleted = 0"));
    if (!stmt)
        return stmt.error();
    stmt.value().bind(1, uuid);
    Result<bool> row = stmt.value().step();
    if (!row)
        return row.error();
    if (!row.value())
        return Error{QStringLiteral("no incident %1").arg(uuid)};
    return stmt.value().integer(0);
}

namespace {
/// Runs each of `statements` for the row of id ?1.
Status runForRow(Database& db, const QStringList& statements, qint64 id) {
    for (const QString& sql : statements) {
        Result<Statement> s = db.prepare(sql);
        if (!s)
            return s.error();
        if (Status done = s.value().bind(1, id).run(); !done)
            return done;
    }
    return success();
}
} // namespace

Status MissionStore::indexIncident(qint64 id) {
    return runForRow(db_, incidentIndexStatements(), id);
}

Status MissionStore::unindexIncident(qint64 id) {
    return runForRow(db_, incidentUnindexStatements(), id);
}

// ---- incidents ----

QList<FieldProblem> incidentProblems(const Incident& i) {
    QList<FieldProblem> problems;
    auto refuse = [&problems](const char* field, const QString& reason) {
        problems.append({QString::fromLatin1(field), reason});
    };
    if (i.title.trimmed().isEmpty())
        refuse("title", QStringLiteral("the title is empty"));
    if (!validPoint(i.location))
        refuse("location", QStringLiteral("the position (%1, %2) is not a longitude/latitude in "
                                          "degrees")
                               .arg(i.location.lon)
                               .arg(i.location.lat));
    if (!i.area.isEmpty()) {
        if (i.area.size() < 3)
            refuse("area", QStringLiteral("an area needs at least three points"));
        else if (!std::all_of(i.area.begin(), i.area.end(), validPoint))
            refuse("area", QStringLiteral("an area point is not a longitude/latitude in degrees"));
    }
    if (!i.observedAt.isValid())
        refuse("observedAt", QStringLiteral("the observed time is missing or invalid"));
    if (i.reliability.size() != 1 || i.reliability[0] < QLatin1Char('A') ||
        i.reliability[0] > QLatin1Char('F'))
        refuse(
            "reliability",
            QStringLiteral("the source reliability '%1' is not a grade A to F").arg(i.reliability));
    if (i.credibility < 1 || i.credibility > 6)
        refuse("credibility", QStringLiteral("the information credibility %1 is not a grade 1 to 6")
                                  .arg(i.credibility));
    if (i.marking.classification.isEmpty())
        refuse("classification", QStringLiteral("the record has no classification"));
    return problems;
}

QList<FieldProblem> incidentEditProblems(const Incident& incident, const QDateTime& now,
                                         qint64 futureToleranceSeconds) {
    QList<FieldProblem> problems = incidentProblems(incident);
    // A marking typed in a form is read with the grammar sharing uses, or refused: "TOP SECRET"
    // or "RELEASABLE TO FRA" saved here would be withheld from every peer, or worse, read
    // differently by each reader.
    if (!incident.marking.classification.isEmpty()) {
        if (Result<ParsedMarking> level = parseMarking({incident.marking.classification, {}});
            !level)
            problems.append({QStringLiteral("classification"), level.error().message});
        else if (Result<ParsedMarking> whole = parseMarking(incident.marking); !whole)
            problems.append({QStringLiteral("releasability"), whole.error().message});
    }
    if (incident.observedAt.isValid() && incident.observedAt > now.addSecs(futureToleranceSeconds))
        problems.append(
            {QStringLiteral("observedAt"),
             QStringLiteral("the observed time %1 is in the future (now: %2 UTC)")
                 .arg(incident.observedAt.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm")),
                      now.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm")))});
    return problems;
}

QString MissionStore::invalidReason(const Incident& i) {
    const QList<FieldProblem> problems = incidentProblems(i);
    return problems.isEmpty() ? QString() : problems.first().reason;
}

namespace {
const QString kIncidentValues = incidentUpdateAssignments();

} // namespace

Status MissionStore::addIncident(Incident& incident) {
    if (incident.uuid.isEmpty())
        incident.uuid = newUuid();
    const Hlc hlc = editStamp();
    return db_.transaction([&]() -> Status {
        Result<Statement> stmt = db_.prepare(
            QStringLiteral("INSERT INTO incident (%1, created_hlc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                           "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, "
                           "?21, ?22, ?22)")
                .arg(incidentWriteColumns()));
        if (!stmt)
            return stmt.error();
        bindIncident(stmt.value(), incident, stationId_, hlc);
        if (Status s = stmt.value().run(); !s)
            return s;
        if (Status s = indexIncident(db_.lastInsertRowId()); !s)
            return s;
        if (Status s = logChange("incident", incident.uuid, "insert", hlc); !s)
            return s;
        incident.stamp = {hlc, hlc, stationUuid_, false};
        return success();
    });
}

Status MissionStore::checkRemark(const char* table, const QString& uuid, const Marking& proposed) {
    Result<Statement> s = db_.prepare(
        QStringLiteral("SELECT classification, releasability, origin FROM %1 WHERE uuid = ?1")
            .arg(QString::fromLatin1(table)));
    if (!s)
        return s.error();
    s.value().bind(1, uuid);
    Result<bool> row = s.value().step();
    if (!row)
        return row.error();
    if (!row.value())
        return success(); // the update itself says the record is not there
    // This station's own records are its to re-mark (and the form checks their grammar).
    if (s.value().isNull(2) || s.value().integer(2) == stationId_)
        return success();
    if (const QString why = remarkRefusal({s.value().text(0), s.value().text(1)}, proposed, false);
        !why.isEmpty())
        return Error{QStringLiteral("Not saved: %1. Raise it, or ask the station that created "
                                    "it.")
                         .arg(why)};
    return success();
}

Status MissionStore::updateIncident(Incident& incident) {
    const Hlc hlc = editStamp();
    return db_.transaction([&]() -> Status {
        if (Status s = checkRemark("incident", incident.uuid, incident.marking); !s)
            return s;
        Result<qint64> id = incidentKey(incident.uuid);
        if (!id)
            return id.error();
        if (Status s = unindexIncident(id.value()); !s)
            return s;
        Result<Statement> stmt = db_.prepare(
            QStringLiteral("UPDATE incident SET %1 WHERE uuid = ?1").arg(kIncidentValues));
        if (!stmt)
            return stmt.error();
        bindIncident(stmt.value(), incident, stationId_, hlc);
        if (Status s = stmt.value().run(); !s)
            return s;
        if (Status s = indexIncident(id.value()); !s)
            return s;
        if (Status s = logChange("incident", incident.uuid, "update", hlc); !s)
            return s;
        incident.stamp.updated = hlc;
        incident.stamp.station = stationUuid_;
        return success();
    });
}

Status MissionStore::deleteIncident(const QString& uuid) {
    const Hlc hlc = editStamp();
    return db_.transaction([&]() -> Status {
        Result<qint64> id = incidentKey(uuid);
        if (!id)
            return id.error();
        if (Status s = unindexIncident(id.value()); !s)
            return s;
        Result<Statement> stmt = db_.prepare(QStringLiteral(
            "UPDATE incident SET deleted = 1, updated_hlc = ?2, station = ?3 WHERE id = ?1"));
        if (!stmt)
            return stmt.error();
        if (Status s =
                stmt.value().bind(1, id.value()).bind(2, hlc.value).bind(3, stationId_).run();
            !s)
            return s;
        return logChange("incident", uuid, "delete", hlc);
    });
}

Result<Incident> MissionStore::incident(const QString& uuid) {
    Result<Statement> stmt =
        db_.prepare(QStringLiteral("SELECT %1 WHERE i.uuid = ?1").arg(kIncidentColumns));
    if (!stmt)
        return stmt.error();
    stmt.value().bind(1, uuid);
    Result<bool> row = stmt.value().step();
    if (!row)
        return row.error();
    if (!row.value())
        return Error{QStringLiteral("no incident %1").arg(uuid)};
    return readIncident(stmt.value());
}

Result<QList<Incident>> MissionStore::incidents() {
    return collect<Incident>(db_,
                             QStringLiteral("SELECT %1 WHERE %2 ORDER BY i.observed_at, i.uuid")
                                 .arg(kIncidentColumns, kLiveIncident),
                             &readIncident);
}

namespace {

/// The FROM, WHERE and ORDER BY of an incident query, with its parameters. With a bounding
/// box the R*Tree is the outer loop (CROSS JOIN keeps the planner from turning it round): it
/// finds candidates, then the exact coordinates decide, because the R*Tree holds 32-bit boxes
/// rounded outwards.
struct IncidentFilter {
    QString from;
    QString where;
    QString order;
    QVariantList args;
    /// Markers in a box: the SELECT of points (empty when no key range) and of areas, with
    /// `%1` for the columns; each needs " AND " and `where` appended.
    QString markerPoints;
    QString markerAreas;

    void bind(Statement& stmt) const {
        for (qsizetype k = 0; k < args.size(); ++k) {
            const QVariant& v = args[k];
            const int index = static_cast<int>(k + 1);
            if (v.typeId() == QMetaType::Double)
                stmt.bind(index, v.toDouble());
            else if (v.typeId() == QMetaType::LongLong)
                stmt.bind(index, v.toLongLong());
            else
                stmt.bind(index, v.toString());
        }
    }
};

IncidentFilter incidentFilter(const IncidentQuery& q, bool markers = false) {
    IncidentFilter f;
    QStringList where;
    auto arg = [&](const QVariant& v) {
        f.args.append(v);
        return QStringLiteral("?%1").arg(f.args.size());
    };
    f.from = QStringLiteral("incident i");
    if (q.bbox && markers) {
        // Markers in a box (schema 3): points from the few contiguous Hilbert-key ranges of
        // `incident_marker` that cover the box, areas through their own R*Tree; both hold only
        // live rows of finished imports, and both are re-checked on exact coordinates. Both
        // name their table `i` with the columns the filters, the order and markerColumns()
        // use. queryMarkers runs the two parts as two statements (markerPoints, markerAreas,
        // each to be followed by " AND " and the filter); `from` is their union, for the title
        // order, which SQLite sorts.
        const geo::Extent& b = *q.bbox;
        const QString w = arg(b.minX), s = arg(b.minY), e = arg(b.maxX), n = arg(b.maxY);
        QStringList ranges;
        for (const auto& [lo, hi] : markerKeyRanges(b)) {
            const QString first = arg(static_cast<qint64>(lo));
            ranges.append(QStringLiteral("(%1,%2)").arg(first, arg(static_cast<qint64>(hi))));
        }
        if (!ranges.isEmpty())
            f.markerPoints =
                QStringLiteral("WITH cover (lo, hi) AS (VALUES %1) SELECT %6 FROM cover CROSS "
                               "JOIN incident_marker i ON i.hkey BETWEEN cover.lo AND cover.hi "
                               "WHERE i.lon BETWEEN %2 AND %4 AND i.lat BETWEEN %3 AND %5")
                    .arg(ranges.join(QLatin1Char(',')), w, s, e, n, QStringLiteral("%1"));
        f.markerAreas =
            QStringLiteral("SELECT %5 FROM incident_area_rtree r CROSS JOIN incident i ON i.id "
                           "= r.id WHERE r.min_lon <= %3 AND r.max_lon >= %1 AND r.min_lat <= "
                           "%4 AND r.max_lat >= %2 AND i.area_west <= %3 AND i.area_east >= %1 "
                           "AND i.area_south <= %4 AND i.area_north >= %2")
                .arg(w, s, e, n, QStringLiteral("%1"));
        const QString unionColumns = QStringLiteral("i.id, i.uuid, i.title, i.category, "
                                                    "i.severity, i.status, i.observed_at, "
                                                    "i.lon, i.lat, %1 AS area_west");
        f.from = QStringLiteral("(%1%2) i")
                     .arg(f.markerPoints.isEmpty()
                              ? QString()
                              : f.markerPoints.arg(unionColumns.arg(QStringLiteral("NULL"))) +
                                    QStringLiteral(" UNION ALL "),
                          f.markerAreas.arg(unionColumns.arg(QStringLiteral("i.area_west"))));
    } else {
        where.append(kLiveIncident);
    }
    if (q.bbox && !markers) {
        const geo::Extent& b = *q.bbox;
        const QString w = arg(b.minX), s = arg(b.minY), e = arg(b.maxX), n = arg(b.maxY);
        f.from = QStringLiteral("incident_rtree r CROSS JOIN incident i ON i.id = r.id");
        where.append(QStringLiteral("r.min_lon <= %3 AND r.max_lon >= %1 AND r.min_lat <= %4 "
                                    "AND r.max_lat >= %2")
                         .arg(w, s, e, n));
        // area_west is set exactly when there is an area (IncidentRow.cpp: bindIncident).
        where.append(QStringLiteral("(CASE WHEN i.area_west IS NULL THEN i.lon BETWEEN %1 AND %3 "
                                    "AND i.lat BETWEEN %2 AND %4 ELSE i.area_west <= %3 AND "
                                    "i.area_east >= %1 AND i.area_south <= %4 AND "
                                    "i.area_north >= %2 END)")
                         .arg(w, s, e, n));
    }
    if (q.from.isValid())
        where.append(QStringLiteral("i.observed_at >= %1").arg(arg(q.from.toMSecsSinceEpoch())));
    if (q.to.isValid())
        where.append(QStringLiteral("i.observed_at < %1").arg(arg(q.to.toMSecsSinceEpoch())));
    auto inList = [&](const char* column, const QStringList& values) {
        QStringList marks;
        for (const QString& v : values)
            marks.append(arg(v));
        where.append(QStringLiteral("i.%1 IN (%2)")
                         .arg(QString::fromLatin1(column), marks.join(QLatin1Char(','))));
    };
    if (!q.categories.isEmpty())
        inList("category", q.categories);
    if (!q.severities.isEmpty()) {
        QStringList v;
        for (Severity s : q.severities)
            v.append(toString(s));
        inList("severity", v);
    }
    if (!q.statuses.isEmpty()) {
        QStringList v;
        for (IncidentStatus s : q.statuses)
            v.append(toString(s));
        inList("status", v);
    }
    const QString match = ftsQuery(q.text);
    if (!match.isEmpty())
        where.append(QStringLiteral("i.id IN (SELECT rowid FROM incident_fts WHERE incident_fts "
                                    "MATCH %1)")
                         .arg(arg(match)));
    else if (!q.text.trimmed().isEmpty())
        where.append(QStringLiteral("0"));
    f.where = where.isEmpty() ? QStringLiteral("1") : where.join(QStringLiteral(" AND "));
    switch (q.order) {
    case IncidentOrder::NewestFirst:
        f.order = QStringLiteral("i.observed_at DESC, i.id DESC");
        break;
    case IncidentOrder::OldestFirst:
        f.order = QStringLiteral("i.observed_at, i.id");
        break;
    case IncidentOrder::MostSevere:
        f.order = QStringLiteral("CASE i.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN "
                                 "'medium' THEN 2 ELSE 3 END, i.observed_at DESC, i.id DESC");
        break;
    case IncidentOrder::Title:
        f.order = QStringLiteral("i.title, i.id");
        break;
    }
    return f;
}

/// `SELECT columns FROM ... WHERE ... ORDER BY ... LIMIT ... OFFSET ...` of `q`.
QString pageSql(const QString& columns, const IncidentFilter& f, const IncidentQuery& q) {
    return QStringLiteral("SELECT %1 FROM %2 WHERE %3 ORDER BY %4 LIMIT %5 OFFSET %6")
        .arg(columns, f.from, f.where, f.order)
        .arg(std::max(0, q.limit))
        .arg(std::max(0, q.offset));
}

Result<qint64> countMatches(Database& db, const IncidentFilter& f) {
    Result<Statement> count =
        db.prepare(QStringLiteral("SELECT count(*) FROM %1 WHERE %2").arg(f.from, f.where));
    if (!count)
        return count.error();
    f.bind(count.value());
    Result<bool> row = count.value().step();
    if (!row)
        return row.error();
    return count.value().integer(0);
}

/// Severity and status come back as their enum values (the CASE is made from toString, so it
/// follows the enums), which spares a string per row.
QString enumCase(const char* column, int count, QString (*name)(int)) {
    QString sql = QStringLiteral("CASE i.%1").arg(QString::fromLatin1(column));
    for (int k = 0; k < count; ++k)
        sql += QStringLiteral(" WHEN '%1' THEN %2").arg(name(k)).arg(k);
    return sql + QStringLiteral(" ELSE 0 END");
}

const QString& markerColumns() {
    static const QString columns =
        QStringLiteral("i.uuid, i.title, i.category, %1, %2, i.observed_at, i.lon, i.lat, "
                       "i.area_west IS NOT NULL")
            .arg(enumCase("severity", 4, [](int k) { return toString(static_cast<Severity>(k)); }),
                 enumCase("status", 3,
                          [](int k) { return toString(static_cast<IncidentStatus>(k)); }));
    return columns;
}

IncidentMarker readMarker(const Statement& s) {
    IncidentMarker m;
    m.uuid = s.text(0);
    m.title = s.text(1);
    m.category = s.text(2);
    m.severity = static_cast<Severity>(s.integer(3));
    m.status = static_cast<IncidentStatus>(s.integer(4));
    m.observedMs = s.integer(5);
    m.location = {s.real(6), s.real(7)};
    m.isArea = s.integer(8) != 0;
    return m;
}

} // namespace

Result<IncidentPage> MissionStore::queryIncidents(const IncidentQuery& q) {
    const IncidentFilter filter = incidentFilter(q);
    // kIncidentColumns ends in "FROM incident i LEFT JOIN station s ...": the station's join
    // goes after the filter's FROM instead.
    static const QString columns = QStringLiteral(
        "i.uuid, i.title, i.category, i.severity, i.status, i.observed_at, i.lon, i.lat, i.area, "
        "i.source, i.reliability, i.credibility, i.narrative, i.classification, i.releasability, "
        "i.exercise, i.created_hlc, i.updated_hlc, s.uuid, i.deleted");
    IncidentFilter withStation = filter;
    withStation.from += QStringLiteral(" LEFT JOIN station s ON s.id = i.station");
    IncidentPage page;
    Result<Statement> stmt = db_.prepare(pageSql(columns, withStation, q));
    if (!stmt)
        return stmt.error();
    filter.bind(stmt.value());
    Result<QList<Incident>> rows = collect<Incident>(stmt.value(), &readIncident);
    if (!rows)
        return rows.error();
    page.incidents = std::move(rows).value();
    if (q.countTotal) {
        Result<qint64> total = countMatches(db_, filter);
        if (!total)
            return total.error();
        page.total = total.value();
    }
    return page;
}

Result<MarkerPage> MissionStore::queryMarkers(const IncidentQuery& q) {
    const IncidentFilter filter = incidentFilter(q, true);
    if (q.bbox && q.order != IncidentOrder::Title) {
        // A box's markers come from a few contiguous key ranges (points) and the areas' R*Tree,
        // unsorted, as two plain statements (not their union, whose rows SQLite would copy
        // once more); they are sorted here on integers (rank, time, id: the ORDER BY of
        // incidentFilter), which costs a fraction of SQLite's sorter carrying every column of
        // every row. All matches are read (as SQLite's sorter would), so the total comes with
        // them. Titles are ordered by SQLite, whose BINARY collation (UTF-8 bytes) QString
        // does not share. Per row: the title and uuid strings; the category string is shared
        // between rows (categories are few), severity and status are matched on their bytes.
        static const QByteArray severities[] = {
            toString(Severity::Low).toUtf8(), toString(Severity::Medium).toUtf8(),
            toString(Severity::High).toUtf8(), toString(Severity::Critical).toUtf8()};
        static const QByteArray statuses[] = {toString(IncidentStatus::Reported).toUtf8(),
                                              toString(IncidentStatus::Confirmed).toUtf8(),
                                              toString(IncidentStatus::Resolved).toUtf8()};
        static const QString columns = QStringLiteral(
            "i.id, i.uuid, i.title, i.category, i.severity, i.status, i.observed_at, i.lon, i.lat");
        struct Key {
            int rank;
            qint64 observed;
            qint64 id;
            qsizetype row;
        };
        QList<IncidentMarker> rows;
        std::vector<Key> keys;
        rows.reserve(4096);
        keys.reserve(4096);
        auto same = [](QByteArrayView a, QByteArrayView b) {
            return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
        };
        std::vector<std::pair<QByteArray, QString>> categories;
        auto category = [&](QByteArrayView utf8) -> const QString& {
            for (const auto& [bytes, name] : categories)
                if (same(bytes, utf8))
                    return name;
            return categories.emplace_back(utf8.toByteArray(), QString::fromUtf8(utf8)).second;
        };
        for (const bool areas : {false, true}) {
            const QString& part = areas ? filter.markerAreas : filter.markerPoints;
            if (part.isEmpty())
                continue;
            Result<Statement> stmt =
                db_.prepare(part.arg(columns) + QStringLiteral(" AND ") + filter.where);
            if (!stmt)
                return stmt.error();
            filter.bind(stmt.value());
            for (;;) {
                Result<bool> row = stmt.value().step();
                if (!row)
                    return row.error();
                if (!row.value())
                    break;
                const Statement& r = stmt.value();
                IncidentMarker& m = rows.emplace_back();
                m.uuid = r.text(1);
                m.title = r.text(2);
                m.category = category(r.utf8(3));
                const QByteArrayView severity = r.utf8(4);
                for (int k = 0; k < 4; ++k)
                    if (same(severity, severities[k]))
                        m.severity = static_cast<Severity>(k);
                const QByteArrayView status = r.utf8(5);
                for (int k = 0; k < 3; ++k)
                    if (same(status, statuses[k]))
                        m.status = static_cast<IncidentStatus>(k);
                const qint64 observed = r.integer(6);
                m.observedMs = observed;
                m.location = {r.real(7), r.real(8)};
                m.isArea = areas;
                const int rank = m.severity == Severity::Critical ? 0
                                 : m.severity == Severity::High   ? 1
                                 : m.severity == Severity::Medium ? 2
                                                                  : 3;
                keys.push_back({rank, observed, r.integer(0), rows.size() - 1});
            }
        }
        auto newest = [](const Key& a, const Key& b) {
            return a.observed != b.observed ? a.observed > b.observed : a.id > b.id;
        };
        switch (q.order) {
        case IncidentOrder::NewestFirst:
            std::sort(keys.begin(), keys.end(), newest);
            break;
        case IncidentOrder::OldestFirst:
            std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
                return a.observed != b.observed ? a.observed < b.observed : a.id < b.id;
            });
            break;
        case IncidentOrder::MostSevere:
            std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
                return a.rank != b.rank ? a.rank < b.rank : newest(a, b);
            });
            break;
        case IncidentOrder::Title:
            break;
        }
        MarkerPage page;
        const auto count = static_cast<qsizetype>(keys.size());
        const qsizetype first = std::min<qsizetype>(std::max(0, q.offset), count);
        const qsizetype last = std::min<qsizetype>(first + std::max(0, q.limit), count);
        page.markers.reserve(last - first);
        for (qsizetype k = first; k < last; ++k)
            page.markers.append(std::move(rows[keys[static_cast<size_t>(k)].row]));
        if (q.countTotal)
            page.total = count;
        return page;
    }
    Result<Statement> stmt = db_.prepare(pageSql(markerColumns(), filter, q));
    if (!stmt)
        return stmt.error();
    filter.bind(stmt.value());
    MarkerPage page;
    if (q.limit > 0)
        page.markers.reserve(std::min(q.limit, 100000));
    if (Status s = stmt.value().forEachRow(
            [&](const Statement& r) { page.markers.append(readMarker(r)); });
        !s)
        return s.error();
    if (q.countTotal) {
        Result<qint64> total = countMatches(db_, filter);
        if (!total)
            return total.error();
        page.total = total.value();
    }
    return page;
}

// ---- notes and attachments ----

Status MissionStore::addNote(const QString& incidentUuid, IncidentNote& note) {
    if (note.text.trimmed().isEmpty())
        return Error{QStringLiteral("a note needs text")};
    if (note.uuid.isEmpty())
        note.uuid = newUuid();
    if (!note.writtenAt.isValid())
        note.writtenAt = QDateTime::currentDateTimeUtc();
    const Hlc hlc = editStamp();
    return db_.transaction([&]() -> Status {
        Result<qint64> id = incidentKey(incidentUuid);
        if (!id)
            return id.error();
        if (Status s = unindexIncident(id.value()); !s)
            return s;
        Result<Statement> stmt = db_.prepare(QStringLiteral(
            "INSERT INTO incident_note (uuid, incident_id, author, text, written_at, "
            "classification, releasability, station, created_hlc, updated_hlc) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)"));
        if (!stmt)
            return stmt.error();
        if (Status s = stmt.value()
                           .bind(1, note.uuid)
                           .bind(2, id.value())
                           .bind(3, note.author)
                           .bind(4, note.text)
                           .bind(5, note.writtenAt.toMSecsSinceEpoch())
                           .bind(6, note.marking.classification)
                           .bind(7, note.marking.releasability)
                           .bind(8, stationId_)
                           .bind(9, hlc.value)
                           .run();
            !s)
            return s;
        if (Status s = indexIncident(id.value()); !s)
            return s;
        note.stamp = {hlc, hlc, stationUuid_, false};
        return logChange("note", note.uuid, "insert", hlc);
    });
}

Result<QList<IncidentNote>> MissionStore::notes(const QString& incidentUuid) {
    Result<Statement> stmt = db_.prepare(QStringLiteral(
        "SELECT n.uuid, n.author, n.text, n.written_at, n.classification, n.releasability, "
        "n.created_hlc, n.updated_hlc, s.uuid, n.deleted FROM incident_note n "
        "JOIN incident i ON i.id = n.incident_id LEFT JOIN station s ON s.id = n.station "
        "WHERE i.uuid = ?1 ORDER BY n.id"));
    if (!stmt)
        return stmt.error();
    stmt.value().bind(1, incidentUuid);
    return collect<IncidentNote>(stmt.value(), [](const Statement& s) {
        return IncidentNote{
            s.text(0),      s.text(1), s.text(2), fromMs(s.integer(3)), {s.text(4), s.text(5)},
            readStamp(s, 6)};
    });
}

Result<Attachment> MissionStore::attach(const QString& incidentUuid, const QString& name,
                                        const QByteArray& data, const QString& mediaType,
                                        const Marking& marking) {
    Attachment a;
    a.uuid = newUuid();
    a.name = name;
    a.mediaType = mediaType.isEmpty() ? QStringLiteral("application/octet-stream") : mediaType;
    a.sha256 =
        QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
    a.size = data.size();
    a.marking = marking;
    const Hlc hlc = editStamp();
    Status done = db_.transaction([&]() -> Status {
        Result<qint64> id = incidentKey(incidentUuid);
        if (!id)
            return id.error();
        Result<Statement> blob = db_.prepare(QStringLiteral(
            "INSERT INTO attachment_blob (sha256, data) VALUES (?1, ?2) ON CONFLICT DO NOTHING"));
        if (!blob)
            return blob.error();
        if (Status s = blob.value().bind(1, a.sha256).bindBlob(2, data).run(); !s)
            return s;
        Result<Statement> stmt = db_.prepare(QStringLiteral(
            "INSERT INTO attachment (uuid, incident_id, name, media_type, sha256, size, "
            "classification, releasability, station, created_hlc, updated_hlc) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)"));
        if (!stmt)
            return stmt.error();
        if (Status s = stmt.value()
                           .bind(1, a.uuid)
                           .bind(2, id.value())
                           .bind(3, a.name)
                           .bind(4, a.mediaType)
                           .bind(5, a.sha256)
                           .bind(6, a.size)
                           .bind(7, marking.classification)
                           .bind(8, marking.releasability)
                           .bind(9, stationId_)
                           .bind(10, hlc.value)
                           .run();
            !s)
            return s;
        return logChange("attachment", a.uuid, "insert", hlc);
    });
    if (!done)
        return done.error();
    a.stamp = {hlc, hlc, stationUuid_, false};
    return a;
}

Result<QList<Attachment>> MissionStore::attachments(const QString& incidentUuid) {
    Result<Statement> stmt = db_.prepare(QStringLiteral(
        "SELECT a.uuid, a.name, a.media_type, a.sha256, a.size, a.classification, "
        "a.releasability, a.created_hlc, a.updated_hlc, s.uuid, a.deleted FROM attachment a "
        "JOIN incident i ON i.id = a.incident_id LEFT JOIN station s ON s.id = a.station "
        "WHERE i.uuid = ?1 AND a.deleted = 0 ORDER BY a.id"));
    if (!stmt)
        return stmt.error();
    stmt.value().bind(1, incidentUuid);
    return collect<Attachment>(stmt.value(), [](const Statement& s) {
        return Attachment{s.text(0),      s.text(1),    s.text(2),
                          s.text(3),      s.integer(4), {s.text(5), s.text(6)},
                          readStamp(s, 7)};
    });
}

Result<QByteArray> MissionStore::attachmentData(const Attachment& attachment) {
    Result<Statement> stmt =
        db_.prepare(QStringLiteral("SELECT data FROM attachment_blob WHERE sha256 = ?1"));
    if (!stmt)
        return stmt.error();
    stmt.value().bind(1, attachment.sha256);
    Result<bool> row = stmt.value().step();
    if (!row)
        return row.error();
    if (!row.value())
        return Error{QStringLiteral("the content of %1 is missing").arg(attachment.name)};
    QByteArray data = stmt.value().blob(0);
    if (QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex()) !=
        attachment.sha256)
        return Error{QStringLiteral("the content of %1 does not match its SHA-256: damaged")
                         .arg(attachment.name)};
    return data;
}

// ---- routes ----

namespace {
/// ?1 uuid, ?2..?7 the route's own fields and marking.
} // namespace

Status MissionStore::addRoute(PatrolRoute& route) {
    if (route.uuid.isEmpty())
        route.uuid = newUuid();
    const Hlc hlc = editStamp();
    return db_.transaction([&]() -> Status {
        Result<Statement> insert = db_.prepare(QStringLiteral(
            "INSERT INTO route (uuid, name, unit, status, classification, releasability, "
            "exercise, station, created_hlc, updated_hlc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
            "?8, ?9, ?9)"));
        if (!insert)
            return insert.error();
        if (Status s =
                bindRoute(insert.value(), route).bind(8, stationId_).bind(9, hlc.value).run();
            !s)
            return s;
        if (Status s = writeWaypoints(route.uuid, route.waypoints); !s)
            return s;
        if (Status s = writeTrack(route.uuid, route.track); !s)
            return s;
        route.stamp = {hlc, hlc, stationUuid_, false};
        return logChange("route", route.uuid, "insert", hlc);
    });
}

Status MissionStore::updateRoute(PatrolRoute& route) {
    return db_.transaction([&]() -> Status {
        if (Status s = checkRemark("route", route.uuid, route.marking); !s)
            return s;
        Result<Statement> update = db_.prepare(QStringLiteral(
            "UPDATE route SET name = ?2, unit = ?3, status = ?4, classification = "
            "?5, releasability = ?6, exercise = ?7 WHERE uuid = ?1 AND deleted = 0"));
        if (!update)
            return update.error();
        if (Status s = bindRoute(update.value(), route).run(); !s)
            return s;
        if (Status s = touchRoute(route.uuid, "update"); !s)
            return s;
        if (Status s = writeWaypoints(route.uuid, route.waypoints); !s)
            return s;
        return writeTrack(route.uuid, route.track);
    });
}

Status MissionStore::writeWaypoints(const QString& routeUuid, const QList<Waypoint>& waypoints) {
    StatementCache statements(db_);
    return store::writeWaypoints(statements, routeUuid, waypoints);
}

Status MissionStore::writeTrack(const QString& routeUuid, const QList<TrackPoint>& track) {
    StatementCache statements(db_);
    return store::writeTrack(statements, routeUuid, track);
}

Status MissionStore::touchRoute(const QString& routeUuid, const char* op) {
    const Hlc hlc = editStamp();
    Result<Statement> stmt = db_.prepare(QStringLiteral(
        "UPDATE route SET updated_hlc = ?2, station = ?3 WHERE uuid = ?1 AND deleted = 0"));
    if (!stmt)
        return stmt.error();
    if (Status s = stmt.value().bind(1, routeUuid).bind(2, hlc.value).bind(3, stationId_).run(); !s)
        return s;
    if (db_.changes() != 1)
        return Error{QStringLiteral("no route %1").arg(routeUuid)};
    return logChange("route", routeUuid, op, hlc);
}

Status MissionStore::setRouteTrack(const QString& routeUuid, const QList<TrackPoint>& track) {
    return db_.transaction([&]() -> Status {
        if (Status s = touchRoute(routeUuid, "update"); !s)
            return s;
        return writeTrack(routeUuid, track);
    });
}

Status MissionStore::setRouteStatus(const QString& routeUuid, RouteStatus status) {
    return db_.transaction([&]() -> Status {
        Result<Statement> stmt =
            db_.prepare(QStringLiteral("UPDATE route SET status = ?2 WHERE uuid = ?1"));
        if (!stmt)
            return stmt.error();
        if (Status s = stmt.value().bind(1, routeUuid).bind(2, toString(status)).run(); !s)
            return s;
        return touchRoute(routeUuid, "update");
    });
}

Status MissionStore::deleteRoute(const QString& routeUuid) {
    return db_.transaction([&]() -> Status {
        if (Status s = touchRoute(routeUuid, "delete"); !s)
            return s;
        Result<Statement> stmt =
            db_.prepare(QStringLiteral("UPDATE route SET deleted = 1 WHERE uuid = ?1"));
        if (!stmt)
            return stmt.error();
        return stmt.value().bind(1, routeUuid).run();
    });
}

Result<QList<PatrolRoute>> MissionStore::routes() {
    Result<QList<PatrolRoute>> routes = collect<PatrolRoute>(
        db_,
        QStringLiteral("SELECT ") + routeReadColumns("r") +
            QStringLiteral(", r.created_hlc, r.updated_hlc, s.uuid, r.deleted FROM route r LEFT "
                           "JOIN station s ON s.id = r.station WHERE r.deleted = 0 ORDER BY "
                           "r.name, r.uuid"),
        &readRoute);
    if (!routes)
        return routes;
    StatementCache statements(db_);
    for (PatrolRoute& route : routes.value()) {
        Result<QList<Waypoint>> waypoints = store::readWaypoints(statements, route.uuid);
        if (!waypoints)
            return waypoints.error();
        Result<QList<TrackPoint>> track = store::readTrack(statements, route.uuid);
        if (!track)
            return track.error();
        route.waypoints = std::move(waypoints).value();
        route.track = std::move(track).value();
    }
    return routes;
}

// ---- annotations ----

/// Why an annotation cannot be stored as it is; empty when it can.
int annotationPointsNeeded(AnnotationKind kind) {
    return kind == AnnotationKind::Point ? 1 : kind == AnnotationKind::Line ? 2 : 3;
}

QString annotationProblem(const Annotation& a) {
    if (a.geometry.isEmpty())
        return QStringLiteral("an annotation needs a position");
    for (const geo::GeoPoint& p : a.geometry)
        if (!validPoint(p))
            return QStringLiteral("an annotation point is not a longitude/latitude");
    if (a.geometry.size() < annotationPointsNeeded(a.kind) ||
        (a.kind == AnnotationKind::Point && a.geometry.size() != 1))
        return QStringLiteral("a %1 annotation with %2 points")
            .arg(toString(a.kind))
            .arg(a.geometry.size());
    return {};
}

Status MissionStore::addAnnotation(Annotation& a) {
    if (const QString why = annotationProblem(a); !why.isEmpty())
        return Error{why};
    if (a.uuid.isEmpty())
        a.uuid = newUuid();
    if (!a.writtenAt.isValid())
        a.writtenAt = QDateTime::currentDateTimeUtc();
    const Hlc hlc = editStamp();
    return db_.transaction([&]() -> Status {
        Result<Statement> stmt = db_.prepare(
            QStringLiteral("INSERT INTO annotation (%1, created_hlc) VALUES (?1, ?2, ?3, ?4, ?5, "
                           "?6, ?7, ?8, ?9, ?10, ?10)")
                .arg(annotationWriteColumns()));
        if (!stmt)
            return stmt.error();
        if (Status s = bindAnnotation(stmt.value(), a, stationId_, hlc).run(); !s)
            return s;
        a.stamp = {hlc, hlc, stationUuid_, false};
        return logChange("annotation", a.uuid, "insert", hlc);
    });
}

Status MissionStore::updateAnnotation(Annotation& a) {
    if (const QString why = annotationProblem(a); !why.isEmpty())
        return Error{why};
    if (!a.writtenAt.isValid())
        a.writtenAt = QDateTime::currentDateTimeUtc();
    const Hlc hlc = editStamp();
    return db_.transaction([&]() -> Status {
        if (Status s = checkRemark("annotation", a.uuid, a.marking); !s)
            return s;
        Result<Statement> stmt =
            db_.prepare(QStringLiteral("UPDATE annotation SET %1 WHERE uuid = ?1 AND deleted = 0")
                            .arg(annotationUpdateAssignments()));
        if (!stmt)
            return stmt.error();
        if (Status s = bindAnnotation(stmt.value(), a, stationId_, hlc).run(); !s)
            return s;
        if (db_.changes() != 1)
            return Error{QStringLiteral("no annotation %1").arg(a.uuid)};
        a.stamp.updated = hlc;
        a.stamp.station = stationUuid_;
        return logChange("annotation", a.uuid, "update", hlc);
    });
}

Status MissionStore::deleteAnnotation(const QString& uuid) {
    const Hlc hlc = editStamp();
    return db_.transaction([&]() -> Status {
        Result<Statement> stmt = db_.prepare(
            QStringLiteral("UPDATE annotation SET deleted = 1, updated_hlc = ?2, station = ?3 "
                           "WHERE uuid = ?1 AND deleted = 0"));
        if (!stmt)
            return stmt.error();
        if (Status s = stmt.value().bind(1, uuid).bind(2, hlc.value).bind(3, stationId_).run(); !s)
            return s;
        if (db_.changes() != 1)
            return Error{QStringLiteral("no annotation %1").arg(uuid)};
        return logChange("annotation", uuid, "delete", hlc);
    });
}

Result<QList<Annotation>> MissionStore::annotations() {
    return collect<Annotation>(
        db_,
        QStringLiteral("SELECT %1, a.created_hlc, a.updated_hlc, s.uuid, a.deleted FROM "
                       "annotation a LEFT JOIN station s ON s.id = a.station WHERE a.deleted = 0 "
                       "ORDER BY a.id")
            .arg(annotationReadColumns("a")),
        [](const Statement& s) {
            Annotation a = readAnnotationContent(s, 0);
            a.stamp = readStamp(s, kAnnotationReadColumns);
            return a;
        });
}

Result<bool> MissionStore::holds(RecordKind kind, const QString& uuid, bool countDeleted) {
    const char* table = kind == RecordKind::Incident ? "incident"
                        : kind == RecordKind::Note   ? "incident_note"
                        : kind == RecordKind::Route  ? "route"
                                                     : "annotation";
    Result<Statement> stmt =
        db_.prepare(QStringLiteral("SELECT 1 FROM %1 WHERE uuid = ?1%2")
                        .arg(QLatin1String(table),
                             countDeleted ? QString() : QStringLiteral(" AND deleted = 0")));
    if (!stmt)
        return stmt.error();
    return stmt.value().bind(1, uuid).step();
}

// ---- what Cursor-on-Target events carried ----

Status MissionStore::setCotOrigin(const QString& uuid, const CotOrigin& origin) {
    Result<Statement> stmt = db_.prepare(
        QStringLiteral("INSERT OR REPLACE INTO cot_origin (uuid, uid, type, how, stale_ms, hae, "
                       "ce, le) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    if (!stmt)
        return stmt.error();
    Statement& s = stmt.value();
    s.bind(1, uuid).bind(2, origin.uid).bind(3, origin.type).bind(4, origin.how);
    s.bind(5, origin.stale.toMSecsSinceEpoch());
    int column = 6;
    for (const std::optional<double>& v : {origin.hae, origin.ce, origin.le}) {
        if (v)
            s.bind(column, *v);
        ++column;
    }
    return s.run();
}

Result<QHash<QString, CotOrigin>> MissionStore::cotOrigins() {
    QHash<QString, CotOrigin> origins;
    // A mission opened read-only at an older schema has no table yet: then nothing came as CoT.
    Result<bool> present = db_.hasTable(QStringLiteral("cot_origin"));
    if (!present)
        return present.error();
    if (!present.value())
        return origins;
    // Only live records: a deleted one keeps its row (sync may bring it back) but is not drawn.
    Result<Statement> stmt = db_.prepare(QStringLiteral(
        "SELECT o.uuid, o.uid, o.type, o.how, o.stale_ms, o.hae, o.ce, o.le FROM cot_origin o "
        "WHERE EXISTS (SELECT 1 FROM incident i WHERE i.uuid = o.uuid AND i.deleted = 0) "
        "OR EXISTS (SELECT 1 FROM route r WHERE r.uuid = o.uuid AND r.deleted = 0) "
        "OR EXISTS (SELECT 1 FROM annotation a WHERE a.uuid = o.uuid AND a.deleted = 0)"));
    if (!stmt)
        return stmt.error();
    Statement& s = stmt.value();
    for (;;) {
        Result<bool> row = s.step();
        if (!row)
            return row.error();
        if (!row.value())
            break;
        auto optionalReal = [&](int column) {
            return s.isNull(column) ? std::nullopt : std::optional<double>(s.real(column));
        };
        origins.insert(s.text(0), CotOrigin{s.text(1), s.text(2), s.text(3), fromMs(s.integer(4)),
                                            optionalReal(5), optionalReal(6), optionalReal(7)});
    }
    return origins;
}

// ---- sync feed, statistics, snapshot ----

Result<QList<Change>> MissionStore::changes(qint64 afterSeq, int limit) {
    Result<Statement> stmt = db_.prepare(QStringLiteral(
        "SELECT c.seq, c.kind, c.uuid, c.op, c.hlc, s.uuid FROM change_log c LEFT JOIN station s "
        "ON s.id = c.station WHERE c.seq > ?1 ORDER BY c.seq LIMIT ?2"));
    if (!stmt)
        return stmt.error();
    stmt.value().bind(1, afterSeq).bind(2, limit);
    return collect<Change>(stmt.value(), [](const Statement& s) {
        return Change{s.integer(0), s.text(1), s.text(2), s.text(3), Hlc{s.integer(4)}, s.text(5)};
    });
}

Result<MissionStats> MissionStore::stats() {
    MissionStats st;
    st.station = stationUuid_;
    auto number = [&](const QString& sql) -> Result<qint64> {
        Result<QVariant> v = db_.scalar(sql);
        if (!v)
            return v.error();
        return v.value().toLongLong();
    };
    const std::pair<qint64*, QString> counts[] = {
        {&st.incidents, QStringLiteral("SELECT count(*) FROM incident i WHERE ") + kLiveIncident},
        {&st.deletedIncidents, QStringLiteral("SELECT count(*) FROM incident WHERE deleted = 1")},
        {&st.notes, QStringLiteral("SELECT count(*) FROM incident_note")},
        {&st.attachments, QStringLiteral("SELECT count(*) FROM attachment WHERE deleted = 0")},
        {&st.routes, QStringLiteral("SELECT count(*) FROM route WHERE deleted = 0")},
        {&st.annotations, QStringLiteral("SELECT count(*) FROM annotation WHERE deleted = 0")},
        {&st.changes, QStringLiteral("SELECT count(*) FROM change_log")},
        {&st.imports, QStringLiteral("SELECT count(*) FROM import WHERE state = 'done'")},
        {&st.bytes, QStringLiteral("SELECT page_count * page_size FROM pragma_page_count(), "
                                   "pragma_page_size()")},
    };
    for (const auto& [target, sql] : counts) {
        Result<qint64> n = number(sql);
        if (!n)
            return n.error();
        *target = n.value();
    }
    Result<qint64> version = number(QStringLiteral("PRAGMA user_version"));
    if (!version)
        return version.error();
    st.schemaVersion = static_cast<int>(version.value());
    const std::pair<QMap<QString, qint64>*, const char*> groups[] = {
        {&st.bySeverity, "severity"}, {&st.byStatus, "status"}, {&st.byCategory, "category"}};
    for (const auto& [target, column] : groups) {
        Result<Statement> stmt = db_.prepare(
            QStringLiteral("SELECT i.%1, count(*) FROM incident i WHERE %2 GROUP BY i.%1")
                .arg(QString::fromLatin1(column), kLiveIncident));
        if (!stmt)
            return stmt.error();
        QMap<QString, qint64>* grouped = target; // clang 14 cannot capture a binding
        if (Status s = stmt.value().forEachRow(
                [grouped](const Statement& r) { grouped->insert(r.text(0), r.integer(1)); });
            !s)
            return s.error();
    }
    return st;
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
    Result<QList<Annotation>> a = annotations();
    if (!a)
        return withPath(path(), a.error());
    snap.annotations = a.value();
    Result<QHash<QString, CotOrigin>> origins = cotOrigins();
    if (!origins)
        return withPath(path(), origins.error());
    for (auto it = origins.value().cbegin(); it != origins.value().cend(); ++it)
        snap.staleAt.insert(it.key(), it.value().stale);
    snap.marking = shownMarking(snap, {-180, -90, 180, 90}, {});
    return snap;
}

} // namespace tessera::store
