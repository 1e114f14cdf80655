// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "store/Database.h"
#include "store/Mission.h"
#include "store/RtreePack.h"

#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace tessera::store {

class BulkIndexer;
class MissionStore;

/// Rows per committed batch unless the caller says otherwise: big enough that a commit's cost
/// spreads thin, small enough that a batch's pages stay in the page cache.
constexpr int kDefaultImportBatch = 20000;

/// How an import's work is shared between the importing thread and the indexer's
/// (BulkIndexer). The defaults are what imports use; tests take the other paths.
struct ImportSharing {
    bool indexAside = true; ///< false: finish() indexes everything itself
    /// Memory the indexer may keep marker rows in; past it, finish() sorts them in SQL.
    size_t markerBytes = size_t{512} << 20;
    /// Room the indexer's temporary database may take (0: as much as the temporary directory
    /// has). When it runs out, the indexer stops and finish() indexes everything itself.
    qint64 asideBytes = 0;
};

/// Where finish() spent its time, in seconds (for the benchmark, docs/benchmarks.md).
struct ImportFinishTimes {
    double waiting = 0;   ///< for the indexer to index what was committed
    double rtree = 0;     ///< the R*Tree, packed or entry by entry
    double markers = 0;   ///< the marker table and the areas' R*Tree
    double text = 0;      ///< the full-text index, appended or fed to FTS5
    double changeLog = 0; ///< the change log and the import's state
    double commit = 0;    ///< the commit, with its sync and checkpoint
};

/// A bulk import of incidents: all or nothing, and safe to kill at any moment.
///
/// Rows go into the incident table in committed batches, tagged with the import's id; until
/// finish() they are invisible (queries, snapshots and the map skip imports still running), and
/// the next read-write open rolls back an import whose process is gone. Rows are written 64 to a
/// statement, and batches commit without a sync (synchronous = NORMAL: a lost batch is rolled
/// back with the rest anyway). From the first whole batch on, a BulkIndexer on a second thread
/// indexes the committed batches (full text, R*Tree entries, markers) and checkpoints the WAL.
/// finish() then fills the R*Tree (packed in one pass when the import is larger than what the
/// tree holds), the marker table, the full-text index (the indexer's segments appended, or
/// FTS5 fed the rows) and the change log, and marks the import done, in one transaction synced
/// at the connection's level (docs/store.md, "Bulk import").
///
/// Threads: the thread of the MissionStore it writes to; the store must outlive it.
class IncidentImport {
public:
    static Result<IncidentImport> begin(MissionStore& store, const QString& source,
                                        int batchSize = kDefaultImportBatch,
                                        ImportSharing sharing = {});
    IncidentImport(IncidentImport&&) noexcept;
    IncidentImport& operator=(IncidentImport&&) = delete;
    /// Abandons the import (deletes its rows) unless finish() succeeded.
    ~IncidentImport();

    /// Adds one incident, which must be valid (MissionStore::invalidReason); gives it a UUID.
    Status add(Incident& incident);
    /// Makes the import visible as a whole. Returns the number of incidents.
    Result<qint64> finish();
    /// Deletes what was written so far.
    Status abandon();

    [[nodiscard]] qint64 id() const { return id_; }
    [[nodiscard]] qint64 added() const { return added_; }
    /// After finish(): whether the full-text index was built on the second thread and appended
    /// (false when finish() indexed the rows itself: no indexer, or an index format it does
    /// not know).
    [[nodiscard]] bool builtAside() const { return builtAside_; }
    /// After finish(): where its time went.
    [[nodiscard]] const ImportFinishTimes& finishTimes() const { return times_; }

private:
    IncidentImport(MissionStore& store, qint64 id, int batchSize, int synchronous,
                   Statement insertMany, Statement insertOne);
    /// Writes the rows added since the last flush (in the open batch transaction).
    Status flush();
    Status commitBatch();
    /// After the first whole batch: starts the indexer (BulkIndexer), if it is to be used.
    void startIndexer();
    /// Back to the connection's synchronous level and automatic checkpoints.
    Status restoreConnection();
    /// Fills the R*Tree with the import's boxes (`collected`: all of them, or none) on `db`.
    Status fillRtree(Database& db, const QString& range, std::vector<RtreeEntry> collected);

    MissionStore* store_ = nullptr;
    qint64 id_ = 0;
    int batchSize_ = 0;
    int synchronous_ = 2; ///< the connection's PRAGMA synchronous, restored by finish/abandon
    int checkpointPages_ = 1000; ///< and its PRAGMA wal_autocheckpoint
    qint64 baseId_ = 0;          ///< the import's rows have ids above this
    ImportSharing sharing_;
    bool indexerTried_ = false;
    std::unique_ptr<BulkIndexer> indexer_; ///< the second core's part, once it has started
    std::optional<Statement> insertMany_;  ///< kRowsPerStatement rows
    std::optional<Statement> insertOne_;   ///< the rest of a batch
    std::vector<std::pair<Incident, Hlc>> pending_;
    qint64 added_ = 0;
    qint64 areas_ = 0; ///< of which areas
    int inBatch_ = 0;
    bool open_ = false;
    bool builtAside_ = false;
    ImportFinishTimes times_;
};

} // namespace tessera::store
