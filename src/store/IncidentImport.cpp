// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/IncidentImport.h"

#include "store/BulkIndexer.h"
#include "store/FtsMerge.h"
#include "store/ImportRegistry.h"
#include "store/IncidentRow.h"
#include "store/MissionStore.h"
#include "store/RtreePack.h"
#include "store/Uuid.h"

#include <QElapsedTimer>

#include <utility>

namespace tessera::store {

namespace {
// Rows per INSERT statement. Before schema 4 the incident table's CHECK constraints had IN
// lists (severity, status, reliability), set up again at every statement run: one row per
// statement spent most of the import there. The OR chains of schema 4 cost little per run, and
// one run per 64 rows still spreads the statement's own set-up (docs/store.md, "Bulk import").
constexpr int kRowsPerStatement = 64;
// Parameters per row: the 22 of bindIncident and the import id.
constexpr int kParamsPerRow = 23;

/// An INSERT of `rows` incidents: row r binds ?(23r + 1) .. ?(23r + 23).
QString insertSql(int rows) {
    QString sql = QStringLiteral("INSERT INTO incident (%1, created_hlc, import_id) VALUES ")
                      .arg(incidentWriteColumns());
    for (int r = 0; r < rows; ++r) {
        const int b = r * kParamsPerRow;
        if (r > 0)
            sql += QLatin1Char(',');
        sql += QLatin1Char('(');
        for (int k = 1; k <= 22; ++k)
            sql += QStringLiteral("?%1,").arg(b + k);
        sql += QStringLiteral("?%1,?%2)").arg(b + 22).arg(b + 23); // created = updated
    }
    return sql;
}

} // namespace

Result<IncidentImport> IncidentImport::begin(MissionStore& store, const QString& source,
                                             int batchSize, ImportSharing sharing) {
    Database& db = store.database();
    // Bulk work wants a bigger page cache than the default 2 MiB.
    if (Status s = db.exec(QStringLiteral("PRAGMA cache_size = -131072")); !s)
        return s.error();

    qint64 id = 0;
    qint64 baseId = 0;
    Status started = db.transaction([&]() -> Status {
        Result<Statement> stmt = db.prepare(QStringLiteral(
            "INSERT INTO import (source, state, started_hlc, base_id, owner) VALUES (?1, "
            "'running', ?2, (SELECT coalesce(max(id), 0) FROM incident), ?3) RETURNING id, "
            "base_id"));
        if (!stmt)
            return stmt.error();
        stmt.value().bind(1, source).bind(2, store.stamp().value).bind(3, currentProcessId());
        Result<bool> row = stmt.value().step();
        if (!row)
            return row.error();
        id = stmt.value().integer(0);
        baseId = stmt.value().integer(1);
        return success();
    });
    if (!started)
        return started.error();
    registerImport(store.path(), id);
    // The batches need not reach the disk one by one: until finish() the import is rolled back
    // whole after a crash, so a lost batch costs nothing. In WAL mode, NORMAL keeps the file
    // consistent and skips the sync at each batch's commit; finish() syncs at the level the
    // connection had (FULL) when it makes the import visible (docs/store.md, "Bulk import").
    Result<QVariant> synchronous = db.scalar(QStringLiteral("PRAGMA synchronous"));
    Result<QVariant> checkpoint = db.scalar(QStringLiteral("PRAGMA wal_autocheckpoint"));
    if (!synchronous || !checkpoint) {
        unregisterImport(store.path(), id);
        return synchronous ? checkpoint.error() : synchronous.error();
    }
    const int level = synchronous.value().toInt();
    // Nor does this connection copy the batches from the WAL into the file: the indexer's
    // thread does (BulkIndexer::run), or, without one, the commit that ends the import.
    if (Status s = db.exec(QStringLiteral("PRAGMA synchronous = NORMAL; "
                                          "PRAGMA wal_autocheckpoint = 0"));
        !s) {
        unregisterImport(store.path(), id);
        return s.error();
    }
    Result<Statement> many = db.prepare(insertSql(kRowsPerStatement));
    Result<Statement> one = db.prepare(insertSql(1));
    if (!many || !one) {
        (void)db.exec(QStringLiteral("PRAGMA synchronous = %1; PRAGMA wal_autocheckpoint = %2")
                          .arg(level)
                          .arg(checkpoint.value().toInt()));
        unregisterImport(store.path(), id);
        return many ? one.error() : many.error();
    }
    IncidentImport import(store, id, std::max(1, batchSize), level, std::move(many).value(),
                          std::move(one).value());
    import.checkpointPages_ = checkpoint.value().toInt();
    import.baseId_ = baseId;
    import.sharing_ = sharing;
    return import;
}

IncidentImport::IncidentImport(MissionStore& store, qint64 id, int batchSize, int synchronous,
                               Statement insertMany, Statement insertOne)
    : store_(&store)
    , id_(id)
    , batchSize_(batchSize)
    , synchronous_(synchronous)
    , insertMany_(std::move(insertMany))
    , insertOne_(std::move(insertOne))
    , open_(true) {
    pending_.reserve(kRowsPerStatement);
}

IncidentImport::IncidentImport(IncidentImport&& o) noexcept
    : store_(std::exchange(o.store_, nullptr))
    , id_(o.id_)
    , batchSize_(o.batchSize_)
    , synchronous_(o.synchronous_)
    , checkpointPages_(o.checkpointPages_)
    , baseId_(o.baseId_)
    , sharing_(o.sharing_)
    , indexerTried_(o.indexerTried_)
    , indexer_(std::move(o.indexer_))
    , insertMany_(std::move(o.insertMany_))
    , insertOne_(std::move(o.insertOne_))
    , pending_(std::move(o.pending_))
    , added_(o.added_)
    , areas_(o.areas_)
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
    incident.stamp = {hlc, hlc, store_->station(), false};
    pending_.emplace_back(incident, hlc);
    ++added_;
    if (!incident.area.isEmpty())
        ++areas_;
    if (static_cast<int>(pending_.size()) == kRowsPerStatement)
        if (Status s = flush(); !s)
            return s;
    if (++inBatch_ >= batchSize_) {
        if (Status s = commitBatch(); !s)
            return s;
        startIndexer();
    }
    return success();
}

void IncidentImport::startIndexer() {
    // The second core indexes the committed batches while this thread writes the next ones,
    // from the end of the first batch on: an import that fits in one batch is indexed by
    // finish() itself, as FTS5 would index it (merging as it goes), instead of adding a
    // segment of a few rows to the mission's text index each time. Without an indexer (its
    // connection cannot be opened, say) finish() does all the indexing.
    if (indexer_ || indexerTried_ || !sharing_.indexAside)
        return;
    indexerTried_ = true;
    Result<std::unique_ptr<BulkIndexer>> indexer = BulkIndexer::start(
        store_->path(), id_, baseId_, synchronous_, sharing_.markerBytes, sharing_.asideBytes);
    if (!indexer)
        return;
    indexer_ = std::move(indexer).value();
    indexer_->committed(store_->database().lastInsertRowId());
}

Status IncidentImport::flush() {
    const qint64 station = store_->stationKey();
    const bool full = static_cast<int>(pending_.size()) == kRowsPerStatement;
    for (size_t k = 0; k < pending_.size(); ++k) {
        Statement& s = full ? *insertMany_ : *insertOne_;
        const int first = full ? static_cast<int>(k) * kParamsPerRow + 1 : 1;
        bindIncident(s, pending_[k].first, station, pending_[k].second, first);
        s.bind(first + kParamsPerRow - 1, id_);
        if (full && k + 1 < pending_.size())
            continue;
        if (Status r = s.run(); !r) {
            (void)abandon();
            return r;
        }
    }
    pending_.clear();
    return success();
}

Status IncidentImport::commitBatch() {
    if (inBatch_ == 0)
        return success();
    if (Status s = flush(); !s)
        return s;
    inBatch_ = 0;
    Database& db = store_->database();
    if (Status s = db.exec(QStringLiteral("COMMIT")); !s) {
        (void)abandon();
        return s;
    }
    if (indexer_) // the batch's last statement inserted its highest id
        indexer_->committed(db.lastInsertRowId());
    return success();
}

Result<qint64> IncidentImport::finish() {
    if (!open_)
        return Error{QStringLiteral("the import is closed")};
    if (Status s = commitBatch(); !s)
        return s.error();
    if (Status s = restoreConnection(); !s) {
        (void)abandon();
        return s.error();
    }
    QElapsedTimer clock;
    clock.start();
    auto lap = [&clock] { // seconds since the last lap
        const double seconds = static_cast<double>(clock.nsecsElapsed()) / 1e9;
        clock.restart();
        return seconds;
    };
    times_ = {};
    // What the second core built is used only when all of it was built; otherwise this
    // connection indexes the rows itself, as a whole.
    std::vector<RtreeEntry> boxes;
    if (indexer_) {
        if (indexer_->drain())
            boxes = indexer_->takeBoxes();
        else
            indexer_.reset();
    }
    // The transaction goes through the indexer's connection when there is one: it holds the
    // full-text index to append, and its FTS5 module has no cached view of the mission's index
    // (BulkIndexer.h). The importing connection sees the result as another's commit.
    times_.waiting = lap();
    Database& db = indexer_ ? indexer_->connection() : store_->database();
    // The import's rows are the ids above its base: a range of the table's own b-tree, read in
    // order. (`+` keeps SQLite from driving the scan by the import_id index instead, which
    // costs one table lookup per row.)
    const QString range = QStringLiteral("id > (SELECT base_id FROM import WHERE id = %1) AND "
                                         "+import_id = %1")
                              .arg(id_);
    Status done = db.transaction([&]() -> Status {
        if (Status s = fillRtree(db, range, std::move(boxes)); !s)
            return s;
        times_.rtree = lap();
        if (indexer_ && indexer_->hasMarkers()) {
            if (Status s = indexer_->writeMarkers(); !s)
                return s;
        } else if (Status s = db.exec(
                       // Markers of points in key order (appended to the clustered table).
                       QStringLiteral("INSERT INTO incident_marker SELECT tessera_marker_key(lon, "
                                      "lat), id, uuid, title, category, severity, status, "
                                      "observed_at, lon, lat FROM incident WHERE %1 AND "
                                      "area_west IS NULL ORDER BY 1, 2")
                           .arg(range));
                   !s) {
            return s;
        }
        if (areas_ > 0) // boxes of areas
            if (Status s = db.exec(QStringLiteral("INSERT INTO incident_area_rtree SELECT id, "
                                                  "area_west, area_east, area_south, area_north "
                                                  "FROM incident WHERE %1 AND area_west IS NOT "
                                                  "NULL ORDER BY id")
                                       .arg(range));
                !s)
                return s;
        times_.markers = lap();
        bool textIndexed = false;
        if (indexer_) {
            Result<bool> appended =
                appendFtsIndex(db, QStringLiteral("main.incident_fts"), QStringLiteral("bulk.fts"));
            if (!appended)
                return appended.error();
            textIndexed = appended.value();
        }
        builtAside_ = textIndexed;
        // In id order: FTS5's b-trees fill far faster than row by row.
        if (!textIndexed)
            if (Status s = db.exec(QStringLiteral("INSERT INTO incident_fts (rowid, title, "
                                                  "narrative, notes) SELECT id, title, narrative, "
                                                  "'' FROM incident WHERE %1 ORDER BY id")
                                       .arg(range));
                !s)
                return s;
        times_.text = lap();
        QStringList steps;
        steps << QStringLiteral("INSERT INTO change_log (kind, uuid, op, hlc, station) SELECT "
                                "'incident', uuid, 'insert', created_hlc, station FROM incident "
                                "WHERE %1 ORDER BY id")
                     .arg(range)
              << QStringLiteral("UPDATE import SET state = 'done', rows = %1 WHERE id = %2")
                     .arg(added_)
                     .arg(id_);
        for (const QString& step : steps)
            if (Status s = db.exec(step); !s)
                return s;
        times_.changeLog = lap();
        return success();
    });
    times_.commit = lap();
    indexer_.reset();
    if (!done) {
        (void)abandon();
        return done.error();
    }
    open_ = false;
    insertMany_.reset();
    insertOne_.reset();
    unregisterImport(store_->path(), id_);
    return added_;
}

Status IncidentImport::restoreConnection() {
    return store_->database().exec(
        QStringLiteral("PRAGMA synchronous = %1; PRAGMA wal_autocheckpoint = %2")
            .arg(synchronous_)
            .arg(checkpointPages_));
}

Status IncidentImport::fillRtree(Database& db, const QString& range,
                                 std::vector<RtreeEntry> collected) {
    const QString newBoxes = QStringLiteral(
        "SELECT id, coalesce(area_west, lon), coalesce(area_east, lon), coalesce(area_south, lat), "
        "coalesce(area_north, lat) FROM incident WHERE %1 ORDER BY id");
    Result<QVariant> held = db.scalar(QStringLiteral("SELECT count(*) FROM incident_rtree_rowid"));
    if (!held)
        return held.error();
    // A small import into a large tree: through the virtual table, entry by entry. Otherwise the
    // whole tree is rebuilt, packed, from what it holds and the new boxes: one sorted pass
    // instead of R*Tree inserts (each a descent, a split now and then, re-inserts), and a
    // better tree for queries (full nodes, neighbours together).
    if (held.value().toLongLong() >= added_)
        return db.exec(QStringLiteral("INSERT INTO incident_rtree ") + newBoxes.arg(range));
    std::vector<RtreeEntry> entries;
    entries.reserve(static_cast<size_t>(held.value().toLongLong() + added_));
    QStringList reads{QStringLiteral("SELECT id, min_lon, max_lon, min_lat, max_lat FROM "
                                     "incident_rtree")};
    // The new boxes, unless the indexer collected them (exactly one per imported row).
    const bool haveBoxes = static_cast<qint64>(collected.size()) == added_;
    if (!haveBoxes)
        reads << newBoxes.arg(range);
    for (const QString& sql : reads) {
        Result<Statement> stmt = db.prepare(sql);
        if (!stmt)
            return stmt.error();
        if (Status s = stmt.value().forEachRow([&](const Statement& r) {
                entries.push_back(
                    rtreeEntry(r.integer(0), r.real(1), r.real(2), r.real(3), r.real(4)));
            });
            !s)
            return s;
    }
    if (haveBoxes)
        entries.insert(entries.end(), collected.begin(), collected.end());
    return packRtree(db, QStringLiteral("incident_rtree"), std::move(entries));
}

Status IncidentImport::abandon() {
    if (!store_)
        return success();
    Database& db = store_->database();
    indexer_.reset(); // stops its thread before the rows it reads go
    if (db.inTransaction())
        (void)db.exec(QStringLiteral("ROLLBACK"));
    (void)restoreConnection();
    open_ = false;
    inBatch_ = 0;
    pending_.clear();
    insertMany_.reset();
    insertOne_.reset();
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
