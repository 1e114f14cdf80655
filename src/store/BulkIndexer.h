// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Internal to the store: the second core's share of a bulk import (docs/store.md, "Bulk
// import").

#include "geo/Result.h"
#include "store/Database.h"
#include "store/RtreePack.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tessera::store {

/// Indexes a running import's committed batches on a thread of its own while the import writes
/// the next ones: the full-text index of their titles and narratives (in a private temporary
/// database attached as `bulk`, contentless FTS5 table `bulk.fts`, automerge off), the R*Tree
/// entries of their boxes and the marker rows of their points (in memory, up to a bound).
///
/// Its connection reads the mission like any reader (WAL: it never waits for the writer) and
/// writes only the temporary database. After drain() the import's finish() uses that same
/// connection to write the mission: its FTS5 module has never read the mission's index, so the
/// segments appended behind FTS5's back (appendFtsIndex) are read fresh, and the importing
/// connection sees them as another connection's commit.
///
/// Threads: committed() and drain() from the importing thread; the rest after drain().
class BulkIndexer {
public:
    /// Opens the connection and starts the thread for the import `importId`, whose rows have ids
    /// above `baseId`. `synchronous` is the level the final commit must have (the importing
    /// connection's); `markerBytes` bounds the memory the marker rows may take, `asideBytes`
    /// (when above 0) the temporary database.
    static Result<std::unique_ptr<BulkIndexer>> start(const QString& missionPath, qint64 importId,
                                                      qint64 baseId, int synchronous,
                                                      size_t markerBytes, qint64 asideBytes = 0);
    BulkIndexer(const BulkIndexer&) = delete;
    BulkIndexer& operator=(const BulkIndexer&) = delete;
    ~BulkIndexer();

    /// The import's rows with ids up to `lastId` are committed: index them.
    void committed(qint64 lastId);
    /// Waits until every committed row is indexed and stops the thread. The indexing's error,
    /// if it failed (then finish() does the work itself).
    Status drain();

    /// After drain(): the connection (main: the mission; bulk: the built full-text index).
    Database& connection() { return db_; }
    /// After drain(): the R*Tree entries of the rows indexed, in id order.
    std::vector<RtreeEntry> takeBoxes() { return std::move(boxes_); }
    /// After drain(): whether the marker rows were kept (false when they outgrew the bound).
    [[nodiscard]] bool hasMarkers() const { return keepMarkers_; }
    /// After drain(): inserts the kept marker rows into `incident_marker`, in key order.
    Status writeMarkers();

private:
    struct Marker {
        qint64 key = 0;
        qint64 id = 0;
        qint64 observedMs = 0;
        double lon = 0;
        double lat = 0;
        size_t text = 0;         ///< uuid, title, category, severity, status at text_[text...]
        quint32 lengths[5] = {}; ///< their byte lengths, one after the other
    };

    BulkIndexer(Database db, qint64 importId, size_t markerBytes);
    void run();
    Status indexRange(qint64 after, qint64 upTo);

    Database db_;
    qint64 importId_ = 0;
    size_t markerBytes_ = 0;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable wake_;
    qint64 published_ = 0;       ///< guarded by mutex_
    bool stopping_ = false;      ///< guarded by mutex_
    Status outcome_ = success(); ///< the first failure; written by the thread, read after it ends
    qint64 indexed_ = 0;         ///< the thread's own
    std::vector<RtreeEntry> boxes_;
    std::vector<Marker> markers_;
    std::string text_;
    bool keepMarkers_ = true;
};

} // namespace tessera::store
