// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/IncidentImport.h"

#include "store/ImportRegistry.h"
#include "store/IncidentRow.h"
#include "store/MissionStore.h"
#include "store/Uuid.h"

#include <utility>

namespace tessera::store {

namespace {
const char* kInsert =
    "INSERT INTO incident (uuid, title, category, severity, status, observed_at, lon, lat, area, "
    "area_west, area_south, area_east, area_north, source, reliability, credibility, narrative, "
    "classification, releasability, exercise, station, created_hlc, updated_hlc, import_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
    "?19, ?20, ?21, ?22, ?22, ?23)";

} // namespace

Result<IncidentImport> IncidentImport::begin(MissionStore& store, const QString& source,
                                             int batchSize) {
    Database& db = store.database();
    // Bulk work wants a bigger page cache than the default 2 MiB.
    if (Status s = db.exec(QStringLiteral("PRAGMA cache_size = -131072")); !s)
        return s.error();
    qint64 id = 0;
    Status started = db.transaction([&]() -> Status {
        Result<Statement> stmt = db.prepare(QStringLiteral(
            "INSERT INTO import (source, state, started_hlc, base_id, owner) VALUES (?1, "
            "'running', ?2, (SELECT coalesce(max(id), 0) FROM incident), ?3) RETURNING id"));
        if (!stmt)
            return stmt.error();
        stmt.value().bind(1, source).bind(2, store.stamp().value).bind(3, currentProcessId());
        Result<bool> row = stmt.value().step();
        if (!row)
            return row.error();
        id = stmt.value().integer(0);
        return success();
    });
    if (!started)
        return started.error();
    registerImport(store.path(), id);
    Result<Statement> insert = db.prepare(QString::fromLatin1(kInsert));
    if (!insert) {
        unregisterImport(store.path(), id);
        return insert.error();
    }
    return IncidentImport(store, id, std::max(1, batchSize), std::move(insert).value());
}

IncidentImport::IncidentImport(MissionStore& store, qint64 id, int batchSize, Statement insert)
    : store_(&store)
    , id_(id)
    , batchSize_(batchSize)
    , insert_(std::move(insert))
    , open_(true) {}

IncidentImport::IncidentImport(IncidentImport&& o) noexcept
    : store_(std::exchange(o.store_, nullptr))
    , id_(o.id_)
    , batchSize_(o.batchSize_)
    , insert_(std::move(o.insert_))
    , added_(o.added_)
    , inBatch_(o.inBatch_)
    , open_(std::exchange(o.open_, false)) {}

IncidentImport::~IncidentImport() {
    if (open_)
        (void)abandon();
}

Status IncidentImport::add(Incident& incident) {
    if (!open_)
        return Error{QStringLiteral("the import is closed")};
    Database& db = store_->database();
    if (inBatch_ == 0)
        if (Status s = db.exec(QStringLiteral("BEGIN IMMEDIATE")); !s)
            return s;
    if (incident.uuid.isEmpty())
        incident.uuid = newUuid();
    const Hlc hlc = store_->stamp();
    Statement& s = *insert_;
    bindIncident(s, incident, store_->stationKey(), hlc);
    s.bind(23, id_);
    if (Status r = s.run(); !r) {
        (void)abandon();
        return r;
    }
    incident.stamp = {hlc, hlc, store_->station(), false};
    ++added_;
    if (++inBatch_ >= batchSize_)
        return commitBatch();
    return success();
}

Status IncidentImport::commitBatch() {
    if (inBatch_ == 0)
        return success();
    inBatch_ = 0;
    if (Status s = store_->database().exec(QStringLiteral("COMMIT")); !s) {
        (void)abandon();
        return s;
    }
    return success();
}

Result<qint64> IncidentImport::finish() {
    if (!open_)
        return Error{QStringLiteral("the import is closed")};
    if (Status s = commitBatch(); !s)
        return s.error();
    Database& db = store_->database();
    const QString range = QStringLiteral("id > (SELECT base_id FROM import WHERE id = %1) AND "
                                         "import_id = %1")
                              .arg(id_);
    Status done = db.transaction([&]() -> Status {
        // Bulk steps in key order: the R*Tree and FTS5 b-trees fill far faster than row by row.
        const QStringList steps{
            QStringLiteral("INSERT INTO incident_rtree SELECT id, coalesce(area_west, lon), "
                           "coalesce(area_east, lon), coalesce(area_south, lat), "
                           "coalesce(area_north, lat) FROM incident WHERE %1 ORDER BY id")
                .arg(range),
            QStringLiteral("INSERT INTO incident_fts (rowid, title, narrative, notes) SELECT id, "
                           "title, narrative, '' FROM incident WHERE %1 ORDER BY id")
                .arg(range),
            QStringLiteral("INSERT INTO change_log (kind, uuid, op, hlc, station) SELECT "
                           "'incident', uuid, 'insert', created_hlc, station FROM incident "
                           "WHERE %1 ORDER BY id")
                .arg(range),
            QStringLiteral("UPDATE import SET state = 'done', rows = %1 WHERE id = %2")
                .arg(added_)
                .arg(id_),
        };
        for (const QString& step : steps)
            if (Status s = db.exec(step); !s)
                return s;
        return success();
    });
    if (!done) {
        (void)abandon();
        return done.error();
    }
    open_ = false;
    insert_.reset();
    unregisterImport(store_->path(), id_);
    return added_;
}

Status IncidentImport::abandon() {
    if (!store_)
        return success();
    Database& db = store_->database();
    if (db.inTransaction())
        (void)db.exec(QStringLiteral("ROLLBACK"));
    open_ = false;
    inBatch_ = 0;
    insert_.reset();
    Status undone = db.transaction([&]() -> Status {
        if (Status s = db.exec(QStringLiteral("DELETE FROM incident WHERE id > (SELECT base_id "
                                              "FROM import WHERE id = %1) AND import_id = %1")
                                   .arg(id_));
            !s)
            return s;
        return db.exec(QStringLiteral("DELETE FROM import WHERE id = %1").arg(id_));
    });
    // When even this fails (a full disk), the next read-write open rolls the import back.
    unregisterImport(store_->path(), id_);
    return undone;
}

} // namespace tessera::store
