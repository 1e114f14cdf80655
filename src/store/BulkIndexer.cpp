// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/BulkIndexer.h"

#include "store/MarkerKey.h"

#include <algorithm>
#include <system_error>

namespace tessera::store {

namespace {

// The mission's full-text table as migration 2 creates it. The bulk index is built with the
// same columns and tokenizer, so that its segments mean the same in the mission's index; a
// mission whose table differs is indexed by finish() itself.
const QLatin1String kMissionFts(
    "fts5 (title, narrative, notes, content = 'incident_text',\n    content_rowid = 'id', "
    "tokenize = 'unicode61 remove_diacritics 2')");
const QLatin1String kBulkFts("CREATE VIRTUAL TABLE bulk.fts USING fts5 (title, narrative, notes, "
                             "content = '', tokenize = 'unicode61 remove_diacritics 2')");

} // namespace

Result<std::unique_ptr<BulkIndexer>> BulkIndexer::start(const QString& missionPath, qint64 importId,
                                                        qint64 baseId, int synchronous,
                                                        size_t markerBytes, qint64 asideBytes) {
    Result<Database> opened = Database::open(missionPath, Database::Mode::ReadWrite);
    if (!opened)
        return opened.error();
    Database& db = opened.value();
    Result<QVariant> fts =
        db.scalar(QStringLiteral("SELECT sql FROM main.sqlite_schema WHERE name = 'incident_fts'"));
    if (!fts)
        return fts.error();
    if (!fts.value().toString().contains(kMissionFts))
        return Error{QStringLiteral("%1: a full-text table this build does not index in bulk")
                         .arg(missionPath)};
    // An empty file name is a private temporary database, deleted when the connection closes
    // (also when the process is killed: SQLite unlinks it as soon as it is created).
    for (const QString& sql : {
             QStringLiteral("ATTACH '' AS bulk"),
             QStringLiteral("PRAGMA bulk.journal_mode = OFF"),
             QStringLiteral("PRAGMA bulk.synchronous = OFF"),
             QStringLiteral("PRAGMA bulk.cache_size = -65536"),
             QStringLiteral("PRAGMA main.cache_size = -131072"),
             QStringLiteral("PRAGMA main.synchronous = %1").arg(synchronous),
             QString(kBulkFts),
             // No incremental merges: appendFtsIndex copies whole segments only.
             QStringLiteral("INSERT INTO bulk.fts (fts, rank) VALUES ('automerge', 0)"),
         })
        if (Status s = db.exec(sql); !s)
            return s.error();
    if (asideBytes > 0) {
        Result<QVariant> page = db.scalar(QStringLiteral("PRAGMA bulk.page_size"));
        if (!page)
            return page.error();
        // At least 1: 0 would leave the limit as it is. (SQLite raises a limit below the
        // pages already used to their number.)
        const qint64 pages =
            std::max<qint64>(asideBytes / std::max<qint64>(page.value().toLongLong(), 512), 1);
        if (Status s = db.exec(QStringLiteral("PRAGMA bulk.max_page_count = %1").arg(pages)); !s)
            return s.error();
    }
    std::unique_ptr<BulkIndexer> indexer(
        new BulkIndexer(std::move(opened).value(), importId, markerBytes));
    indexer->indexed_ = baseId;
    try {
        indexer->thread_ = std::thread([p = indexer.get()] { p->run(); });
    } catch (const std::system_error& e) { // no thread to be had: finish() does the work
        return Error{QStringLiteral("no indexer thread: %1").arg(QString::fromLocal8Bit(e.what()))};
    }
    return indexer;
}

BulkIndexer::BulkIndexer(Database db, qint64 importId, size_t markerBytes)
    : db_(std::move(db))
    , importId_(importId)
    , markerBytes_(markerBytes) {}

BulkIndexer::~BulkIndexer() {
    (void)drain();
}

void BulkIndexer::committed(qint64 lastId) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        published_ = std::max(published_, lastId);
    }
    wake_.notify_one();
}

Status BulkIndexer::drain() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable())
        thread_.join();
    return outcome_;
}

void BulkIndexer::run() {
    for (;;) {
        qint64 upTo = 0;
        bool finishing = false;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [this] { return published_ > indexed_ || stopping_; });
            if (published_ <= indexed_)
                return; // stopping, and everything committed is indexed
            upTo = published_;
            finishing = stopping_;
        }
        if (outcome_) // after a failure, only keeps count
            if (Status s = indexRange(indexed_, upTo); !s)
                outcome_ = s;
        // The importing connection does not checkpoint while it writes batches (it would spend
        // the writing core on copying pages); this core copies them instead, which keeps the
        // WAL from growing to the size of the import (readers slow down as it grows). A
        // checkpoint that cannot finish (a reader holds old pages) is simply taken up again.
        // Once finish() waits, the commit that ends the import checkpoints instead.
        if (!finishing)
            (void)db_.exec(QStringLiteral("PRAGMA main.wal_checkpoint(PASSIVE)"));
        indexed_ = upTo;
    }
}

Status BulkIndexer::indexRange(qint64 after, qint64 upTo) {
    if (Status s = db_.exec(QStringLiteral("BEGIN")); !s)
        return s;
    Status indexed = [&]() -> Status {
        // The batch's rows: ?1 < id <= ?2, of this import. Read twice, because FTS5 fills its
        // table far faster from one INSERT ... SELECT than from a prepared insert per row.
        const QLatin1String batch(
            " FROM main.incident WHERE id > ?1 AND id <= ?2 AND +import_id = ?3 ORDER BY id");
        Result<Statement> rows = db_.prepare(
            QLatin1String("SELECT id, title, uuid, category, severity, status, observed_at, lon, "
                          "lat, area_west, area_east, area_south, area_north") +
            batch);
        Result<Statement> fts = db_.prepare(
            QLatin1String("INSERT INTO bulk.fts (rowid, title, narrative, notes) SELECT id, "
                          "title, narrative, ''") +
            batch);
        if (!rows || !fts)
            return rows ? fts.error() : rows.error();
        fts.value().bind(1, after).bind(2, upTo).bind(3, importId_);
        if (Status s = fts.value().run(); !s)
            return s;
        rows.value().bind(1, after).bind(2, upTo).bind(3, importId_);
        return rows.value().forEachRow([&](const Statement& row) {
            const qint64 id = row.integer(0);
            const double lon = row.real(7);
            const double lat = row.real(8);
            if (!row.isNull(9)) { // an area: its box, and no marker
                boxes_.push_back(
                    rtreeEntry(id, row.real(9), row.real(10), row.real(11), row.real(12)));
                return;
            }
            boxes_.push_back(rtreeEntry(id, lon, lon, lat, lat));
            if (!keepMarkers_)
                return;
            Marker m;
            m.key = static_cast<qint64>(markerKey(lon, lat));
            m.id = id;
            m.observedMs = row.integer(6);
            m.lon = lon;
            m.lat = lat;
            m.text = text_.size();
            // uuid, title, category, severity, status: the order of the marker's columns.
            static constexpr int kColumns[5] = {2, 1, 3, 4, 5};
            for (int k = 0; k < 5; ++k) {
                const QByteArrayView value = row.utf8(kColumns[k]);
                text_.append(value.data() ? value.data() : "", static_cast<size_t>(value.size()));
                m.lengths[k] = static_cast<quint32>(value.size());
            }
            markers_.push_back(m);
            // A million marker rows take about 170 MB; past the bound, finish() sorts them in
            // SQL as it did before the indexer existed.
            if (markers_.size() * sizeof(Marker) + text_.size() > markerBytes_) {
                keepMarkers_ = false;
                std::vector<Marker>().swap(markers_);
                std::string().swap(text_);
            }
        });
    }();
    if (!indexed) {
        (void)db_.exec(QStringLiteral("ROLLBACK"));
        return indexed;
    }
    return db_.exec(QStringLiteral("COMMIT"));
}

Status BulkIndexer::writeMarkers() {
    // The clustered table's order: appended in key order, its b-tree fills page after page.
    std::sort(markers_.begin(), markers_.end(), [](const Marker& a, const Marker& b) {
        return a.key != b.key ? a.key < b.key : a.id < b.id;
    });
    return db_.insertRows(
        QStringLiteral("INSERT INTO main.incident_marker (hkey, id, uuid, title, category, "
                       "severity, status, observed_at, lon, lat) VALUES "),
        10, markers_.size(), [this](Statement& s, int first, size_t k) {
            const Marker& m = markers_[k];
            s.bind(first, m.key).bind(first + 1, m.id);
            size_t at = m.text;
            for (int c = 0; c < 5; ++c) {
                s.bindUtf8(first + 2 + c, QByteArrayView(text_.data() + at, m.lengths[c]));
                at += m.lengths[c];
            }
            s.bind(first + 7, m.observedMs).bind(first + 8, m.lon).bind(first + 9, m.lat);
        });
}

} // namespace tessera::store
