// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Files from the field (issue 18): read in a separate process with limits, so that a reader
// that crashes, runs away or lies refuses one file and leaves the caller and the mission as they
// were; zip bombs refused by the one archive rule; GIS files as users have them (multi-part
// geometries, several layers); an import that brings nothing says so. Written as the adversary.
#include "TestSupport.h"
#include "interop/MissionImport.h"
#include "interop/ParseProcess.h"
#include "interop/TakArchive.h"
#include "interop/TakPackage.h"
#include "store/MissionStore.h"

#include <QBuffer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <catch2/catch.hpp>
#include <cpl_conv.h>

using namespace tessera;
using namespace tessera::interop;
using Catch::Matchers::Contains;

namespace {

/// Sets an environment variable for one scope (the parse process inherits the environment).
class ScopedEnv {
public:
    ScopedEnv(const char* name, const QByteArray& value)
        : name_(name)
        , old_(qgetenv(name))
        , had_(qEnvironmentVariableIsSet(name)) {
        qputenv(name, value);
    }
    ~ScopedEnv() {
        if (had_)
            qputenv(name_, old_);
        else
            qunsetenv(name_);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
    QByteArray old_;
    bool had_;
};

Result<store::MissionStore> newMission(const QTemporaryDir& dir) {
    store::MissionInfo info;
    info.name = QStringLiteral("Field files");
    info.marking = {QStringLiteral("UNCLASSIFIED"), QString()};
    return store::MissionStore::create(dir.filePath(QStringLiteral("m.tessera")), info);
}

ImportOptions options() {
    ImportOptions o;
    o.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO TEST")};
    o.mapping.title = QStringLiteral("name");
    o.mapping.observedAt = QStringLiteral("date");
    return o;
}

/// The mission's bytes on disk, its write-ahead log included: unchanged means nothing written.
QByteArray missionState(const QTemporaryDir& dir) {
    QByteArray state = test::fileHash(dir.filePath(QStringLiteral("m.tessera")));
    if (QFile::exists(dir.filePath(QStringLiteral("m.tessera-wal"))))
        state += test::fileHash(dir.filePath(QStringLiteral("m.tessera-wal")));
    return state;
}

const QByteArray kPointGeoJson =
    R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Roadblock",)"
    R"("date":"2026-11-20T07:40:00Z"},"geometry":{"type":"Point","coordinates":[-0.04,16.27]}}]})";

/// A KML that GDAL's LIBKML driver dereferences null on (a gx:Track without <when>), with one
/// ordinary placemark beside it.
const QByteArray kLibkmlCrasher =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<kml xmlns=\"http://www.opengis.net/kml/2.2\" "
    "xmlns:gx=\"http://www.google.com/kml/ext/2.2\">\n"
    "<Document><Placemark><name>patrol</name>\n"
    "<gx:Track><gx:coord>-3.0 14.5 0</gx:coord><gx:coord>-3.1 14.6 0</gx:coord></gx:Track>\n"
    "</Placemark>\n"
    "<Placemark><name>Checkpoint</name><description>2026-11-20T07:40:00Z</description>"
    "<Point><coordinates>-3,14</coordinates></Point></Placemark>\n"
    "</Document></kml>\n";

const QByteArray kTrackGpx =
    "<?xml version=\"1.0\"?>\n<gpx version=\"1.1\" creator=\"test\" "
    "xmlns=\"http://www.topografix.com/GPX/1/1\"><trk><name>patrol</name><trkseg>"
    "<trkpt lat=\"16.27\" lon=\"-0.04\"><ele>262</ele><time>2026-11-20T07:40:00Z</time></trkpt>"
    "<trkpt lat=\"16.28\" lon=\"-0.03\"><ele>263.5</ele><time>2026-11-20T07:45:00Z</time>"
    "</trkpt></trkseg></trk></gpx>\n";

void writeZip(const QString& path, const QString& entry, const QByteArray& bytes) {
    void* zip = CPLCreateZip(path.toUtf8().constData(), nullptr);
    REQUIRE(zip != nullptr);
    REQUIRE(CPLCreateFileInZip(zip, entry.toUtf8().constData(), nullptr) == CE_None);
    REQUIRE(CPLWriteFileInZip(zip, bytes.constData(), static_cast<int>(bytes.size())) == CE_None);
    REQUIRE(CPLCloseFileInZip(zip) == CE_None);
    REQUIRE(CPLCloseZip(zip) == CE_None);
}

} // namespace

TEST_CASE("A reader that crashes, lies or runs away refuses its file and nothing else",
          "[parse][adversary]") {
    QTemporaryDir dir;
    auto store = newMission(dir);
    REQUIRE(store.ok());
    const QString file = dir.filePath(QStringLiteral("points.geojson"));
    test::writeAll(file, kPointGeoJson);
    const QString gpx = dir.filePath(QStringLiteral("patrol.gpx"));
    test::writeAll(gpx, kTrackGpx);
    const QByteArray before = missionState(dir);

    struct Case {
        const char* how;
        const char* message;
    };
    const Case cases[] = {
        {"abort", "the file made the reader crash (signal 6"},
        {"garbage", "the reader's output is not what it should be"},
        {"cut", "stops before its end"},
    };
    for (const Case& c : cases) {
        DYNAMIC_SECTION(c.how) {
            ScopedEnv misbehave("TESSERA_PARSE_TEST", c.how);
            Result<ImportReport> report = importIncidents(store.value(), file, options());
            REQUIRE_FALSE(report.ok());
            CHECK_THAT(report.error().message.toStdString(), Contains(c.message));
            CHECK_THAT(report.error().message.toStdString(), Contains("nothing was imported"));
            // The records reader and the probe go the same way.
            RecordImportOptions ro;
            ro.marking = options().marking;
            CHECK_FALSE(importRecords(store.value(), file, ro).ok());
            CHECK_FALSE(holdsRecords(file).ok());
            // So does a GPX track (the route form's "Import track", mission import --track).
            Result<QList<store::TrackPoint>> track = readTrack(gpx);
            REQUIRE_FALSE(track.ok());
            CHECK_THAT(track.error().message.toStdString(), Contains(c.message));
        }
    }
    CHECK(store.value().incidents().value().isEmpty());
    CHECK(missionState(dir) == before);
    // And the same mission takes the file once the reader behaves.
    REQUIRE(importIncidents(store.value(), file, options()).ok());
    CHECK(store.value().incidents().value().size() == 1);
    Result<QList<store::TrackPoint>> track = readTrack(gpx);
    REQUIRE(track.ok());
    REQUIRE(track.value().size() == 2);
    CHECK(track.value()[1].elevation == std::optional<double>(263.5));
    CHECK(track.value()[1].recordedAt == QDateTime(QDate(2026, 11, 20), QTime(7, 45), Qt::UTC));
}

TEST_CASE("The parse process is stopped at its time and memory limits", "[parse][adversary]") {
    QTemporaryDir dir;
    auto store = newMission(dir);
    REQUIRE(store.ok());
    const QString file = dir.filePath(QStringLiteral("points.geojson"));
    test::writeAll(file, kPointGeoJson);
    const QByteArray before = missionState(dir);
    SECTION("time") {
        ScopedEnv misbehave("TESSERA_PARSE_TEST", "hang");
        ScopedEnv seconds("TESSERA_PARSE_SECONDS", "2");
        QElapsedTimer clock;
        clock.start();
        Result<ImportReport> report = importIncidents(store.value(), file, options());
        REQUIRE_FALSE(report.ok());
        CHECK_THAT(report.error().message.toStdString(), Contains("limit of 2 s"));
        CHECK(clock.elapsed() < 20000);
    }
    SECTION("memory") {
        ScopedEnv misbehave("TESSERA_PARSE_TEST", "memory");
        ScopedEnv memory("TESSERA_PARSE_MEMORY_MB", "400");
        Result<ImportReport> report = importIncidents(store.value(), file, options());
        REQUIRE_FALSE(report.ok());
        CHECK_THAT(report.error().message.toStdString(), Contains("memory limit of 400 MB"));
    }
    SECTION("a cancel kills it at once") {
        ScopedEnv misbehave("TESSERA_PARSE_TEST", "hang");
        ImportOptions o = options();
        o.cancelled = [] { return true; };
        Result<ImportReport> report = importIncidents(store.value(), file, o);
        REQUIRE_FALSE(report.ok());
        CHECK_THAT(report.error().message.toStdString(), Contains("cancelled"));
    }
    CHECK(missionState(dir) == before);
}

TEST_CASE("A KML that crashes GDAL's LIBKML reader is read, not fatal", "[parse][adversary]") {
    // Before the parse process this took the test (and the CLI, and the app) down with it.
    QTemporaryDir dir;
    auto store = newMission(dir);
    REQUIRE(store.ok());
    const QString kml = dir.filePath(QStringLiteral("track-without-when.kml"));
    test::writeAll(kml, kLibkmlCrasher);
    ImportOptions o = options();
    o.mapping.observedAt = QStringLiteral("description");
    Result<ImportReport> report = importIncidents(store.value(), kml, o);
    REQUIRE(report.ok());
    CHECK(report.value().imported == 1);
    // Read again with GDAL's plain KML driver after LIBKML crashed, and the operator told.
    REQUIRE_FALSE(report.value().notes.isEmpty());
    CHECK_THAT(report.value().notes.first().toStdString(), Contains("LIBKML reader crashed"));
    REQUIRE(store.value().incidents().value().size() == 1);
    CHECK(store.value().incidents().value().first().title == QStringLiteral("Checkpoint"));
}

TEST_CASE("The CLI survives a crashing reader and says which file", "[parse][adversary][cli]") {
    QTemporaryDir dir;
    const QString mission = dir.filePath(QStringLiteral("m.tessera"));
    const QString cli = qEnvironmentVariable("TESSERA_CLI");
    REQUIRE(QProcess::execute(cli,
                              {QStringLiteral("mission"), QStringLiteral("create"), mission}) == 0);
    const QString file = dir.filePath(QStringLiteral("points.geojson"));
    test::writeAll(file, kPointGeoJson);
    const QByteArray before = test::fileHash(mission);
    QProcess run;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("TESSERA_PARSE_TEST"), QStringLiteral("abort"));
    run.setProcessEnvironment(env);
    run.start(cli, {QStringLiteral("mission"), QStringLiteral("import"), mission, file});
    REQUIRE(run.waitForFinished(120000));
    CHECK(run.exitStatus() == QProcess::NormalExit); // the CLI itself did not crash
    CHECK(run.exitCode() == 1);
    const QString said = QString::fromUtf8(run.readAllStandardError());
    CHECK_THAT(said.toStdString(), Contains("points.geojson: the file made the reader crash"));
    CHECK(test::fileHash(mission) == before);
}

TEST_CASE("A KMZ bomb is refused by the archive rule before any reader inflates it",
          "[parse][limits][adversary]") {
    QTemporaryDir dir;
    auto store = newMission(dir);
    REQUIRE(store.ok());
    // Valid KML that any reader takes, with 8 MiB of blanks in a comment: it deflates about 1000
    // to 1, into a few KB of zip. Before the rule, it was inflated and imported.
    const QByteArray kml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\">"
        "<Document><Placemark><name>Checkpoint</name><ExtendedData><Data name=\"date\"><value>"
        "2026-11-20T07:40:00Z</value></Data></ExtendedData><Point><coordinates>-3,14</coordinates>"
        "</Point></Placemark><!--" +
        QByteArray(8 * 1024 * 1024, ' ') + "--></Document></kml>\n";
    const QString kmz = dir.filePath(QStringLiteral("bomb.kmz"));
    writeZip(kmz, QStringLiteral("doc.kml"), kml);
    CHECK(QFileInfo(kmz).size() < 64 * 1024);
    const QByteArray before = missionState(dir);
    QElapsedTimer clock;
    clock.start();
    Result<ImportReport> report = importIncidents(store.value(), kmz, options());
    REQUIRE_FALSE(report.ok());
    CHECK_THAT(report.error().message.toStdString(), Contains("a zip bomb, refused"));
    CHECK(clock.elapsed() < 20000);
    CHECK(missionState(dir) == before);
    // The same rule, whatever the name: a zip called .geojson is still a zip to GDAL's readers.
    const QString renamed = dir.filePath(QStringLiteral("bomb.geojson"));
    QFile::copy(kmz, renamed);
    CHECK_FALSE(checkArchiveFile(renamed).ok());
    CHECK_FALSE(checkArchiveFile(QStringLiteral("/vsizip/") + kmz).ok());
}

TEST_CASE("GIS files as users have them: multi-part geometries and every layer", "[parse]") {
    QTemporaryDir dir;
    auto store = newMission(dir);
    REQUIRE(store.ok());
    SECTION("a MultiPolygon incident is its largest part, and the operator is told") {
        const QString file = dir.filePath(QStringLiteral("district.geojson"));
        test::writeAll(file,
                       R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":)"
                       R"({"name":"Flooded district","date":"2026-11-20T07:40:00Z"},"geometry":)"
                       R"({"type":"MultiPolygon","coordinates":[)"
                       R"([[[0,16],[0.1,16],[0.1,16.1],[0,16]]],)"
                       R"([[[1,16],[2,16],[2,17],[1,17],[1,16]]]]}}]})");
        Result<ImportReport> report = importIncidents(store.value(), file, options());
        REQUIRE(report.ok());
        CHECK(report.value().imported == 1);
        REQUIRE(report.value().notes.size() == 1);
        CHECK_THAT(report.value().notes.first().toStdString(), Contains("largest area"));
        const store::Incident i = store.value().incidents().value().first();
        CHECK(i.area.size() == 4); // the square of 1 degree, not the small triangle
        CHECK(i.location.lon > 1);
        CHECK(i.location.lon < 2);
    }
    SECTION("a KML of two folders brings both") {
        const QString file = dir.filePath(QStringLiteral("two-folders.kml"));
        auto placemark = [](const char* name, const char* where) {
            return QByteArray("<Placemark><name>") + name +
                   "</name><ExtendedData><Data name=\"date\"><value>2026-11-20T07:40:00Z</value>"
                   "</Data></ExtendedData><Point><coordinates>" +
                   where + "</coordinates></Point></Placemark>";
        };
        test::writeAll(file, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                             "<kml xmlns=\"http://www.opengis.net/kml/2.2\"><Document>"
                             "<Folder><name>North</name>" +
                                 placemark("Gao bridge", "-0.04,16.27") +
                                 "</Folder><Folder><name>South</name>" +
                                 placemark("Ansongo ferry", "0.5,15.66") +
                                 placemark("Bourem market", "-0.35,16.95") +
                                 "</Folder></Document></kml>");
        Result<ImportReport> report = importIncidents(store.value(), file, options());
        REQUIRE(report.ok());
        CHECK(report.value().imported == 3);
        CHECK(report.value().layer == QStringLiteral("North, South"));
        SECTION("or the one layer asked for") {
            ImportOptions o = options();
            o.layer = QStringLiteral("South");
            Result<ImportReport> one = importIncidents(store.value(), file, o);
            REQUIRE(one.ok());
            CHECK(one.value().imported == 2);
        }
    }
}

TEST_CASE("An import that brings nothing says so instead of succeeding", "[parse]") {
    QTemporaryDir dir;
    auto store = newMission(dir);
    REQUIRE(store.ok());
    const QString empty = dir.filePath(QStringLiteral("empty.geojson"));
    test::writeAll(empty, R"({"type":"FeatureCollection","features":[]})");
    Result<ImportReport> report = importIncidents(store.value(), empty, options());
    REQUIRE_FALSE(report.ok());
    CHECK_THAT(report.error().message.toStdString(), Contains("nothing imported"));
    CHECK_THAT(report.error().message.toStdString(), Contains("holds no features"));
    RecordImportOptions ro;
    ro.marking = options().marking;
    Result<RecordImportReport> records = importRecords(store.value(), empty, ro);
    REQUIRE_FALSE(records.ok());
    CHECK_THAT(records.error().message.toStdString(), Contains("nothing imported"));
    SECTION("every feature rejected, with --skip-invalid") {
        const QString bad = dir.filePath(QStringLiteral("untitled.geojson"));
        test::writeAll(bad,
                       R"({"type":"FeatureCollection","features":[{"type":"Feature",)"
                       R"("properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}]})");
        ImportOptions o = options();
        o.skipInvalid = true;
        Result<ImportReport> skipped = importIncidents(store.value(), bad, o);
        REQUIRE_FALSE(skipped.ok());
        CHECK_THAT(skipped.error().message.toStdString(),
                   Contains("nothing imported: all 1 features were rejected"));
    }
}

TEST_CASE("A refused TAK package leaves no folder beside the mission", "[parse][tak]") {
    QTemporaryDir dir;
    auto store = newMission(dir);
    REQUIRE(store.ok());
    // An overlay with nothing in it: refused after the scratch folder was made.
    const QString zip = dir.filePath(QStringLiteral("empty-overlay.zip"));
    writeZip(zip, QStringLiteral("overlays/nothing.kml"),
             "<?xml version=\"1.0\"?><kml xmlns=\"http://www.opengis.net/kml/2.2\"><Document>"
             "</Document></kml>");
    Result<TakImportReport> report = importTakPackage(store.value(), zip);
    REQUIRE_FALSE(report.ok());
    CHECK_FALSE(QFileInfo::exists(dir.filePath(QStringLiteral("packages"))));
}

namespace {
/// Runs tessera-cli; its exit code (-1: it crashed) and what it said on stderr.
std::pair<int, QString> runCli(const QStringList& args) {
    QProcess run;
    run.start(qEnvironmentVariable("TESSERA_CLI"), args);
    REQUIRE(run.waitForFinished(300000));
    return {run.exitStatus() == QProcess::NormalExit ? run.exitCode() : -1,
            QString::fromUtf8(run.readAllStandardError())};
}
} // namespace

TEST_CASE("A TAK overlay that crashes LIBKML does not crash every later render",
          "[parse][tak][render][adversary]") {
    QTemporaryDir dir;
    const QString mission = dir.filePath(QStringLiteral("m.tessera"));
    REQUIRE(runCli({QStringLiteral("mission"), QStringLiteral("create"), mission}).first == 0);
    const QString zip = dir.filePath(QStringLiteral("overlay.zip"));
    writeZip(zip, QStringLiteral("overlays/field.kml"), kLibkmlCrasher);
    const auto imported = runCli({QStringLiteral("tak"), QStringLiteral("import"), mission, zip});
    INFO(imported.second.toStdString());
    REQUIRE(imported.first == 0);
    const QString png = dir.filePath(QStringLiteral("out.png"));
    const auto rendered = runCli({QStringLiteral("render"), QStringLiteral("--mission"), mission,
                                  QStringLiteral("--size"), QStringLiteral("320x200"), png});
    INFO(rendered.second.toStdString());
    CHECK(rendered.first == 0); // -1 before: LIBKML took the render down at every run
    CHECK(QFileInfo(png).size() > 0);
}

TEST_CASE("A layer that cannot be drawn is named and left out; the others are drawn",
          "[parse][render]") {
    QTemporaryDir dir;
    const QString mission = dir.filePath(QStringLiteral("m.tessera"));
    {
        auto store = newMission(dir);
        REQUIRE(store.ok());
        const QString nothing = dir.filePath(QStringLiteral("no-geometry.geojson"));
        test::writeAll(nothing, R"({"type":"FeatureCollection","features":[{"type":"Feature",)"
                                R"("properties":{"name":"x"},"geometry":null}]})");
        const QString points = dir.filePath(QStringLiteral("points.geojson"));
        test::writeAll(points, kPointGeoJson);
        store::LayerSpec broken;
        broken.name = QStringLiteral("Nothing drawable");
        broken.kind = store::LayerKind::Vector;
        broken.source = QStringLiteral("no-geometry.geojson");
        REQUIRE(store.value().addLayer(broken).ok());
        store::LayerSpec fine = broken;
        fine.name = QStringLiteral("Checkpoints");
        fine.source = QStringLiteral("points.geojson");
        fine.stackOrder = 1;
        REQUIRE(store.value().addLayer(fine).ok());
    }
    const QString png = dir.filePath(QStringLiteral("out.png"));
    const auto rendered = runCli({QStringLiteral("render"), QStringLiteral("--mission"), mission,
                                  QStringLiteral("--size"), QStringLiteral("320x200"), png});
    CHECK(rendered.first == 0);
    CHECK_THAT(rendered.second.toStdString(), Contains("Nothing drawable"));
    CHECK_THAT(rendered.second.toStdString(), Contains("not drawn"));
    CHECK(QFileInfo(png).size() > 0);
}

TEST_CASE("A lying reader's numbers too large for an integer are garbage, not undefined",
          "[parse][adversary]") {
    // Found by fuzz_parsed_records: "features": 2e75 was cast to a 64-bit integer (UBSan:
    // outside the range of representable values), likewise a rejected feature's number, the
    // end line's count and an incident's credibility.
    ParsedFile f;
    f.layers = {QStringLiteral("incidents")};
    f.features = 1;
    const QByteArray honest = encodeParsed(f);
    for (const char* lie : {"2e75", "-1e300", "1.5", "1e16"}) {
        INFO(lie);
        QByteArray lying = honest;
        lying.replace("\"features\":1", QByteArray("\"features\":") + lie);
        REQUIRE(lying != honest);
        QBuffer in(&lying);
        REQUIRE(in.open(QIODevice::ReadOnly));
        Result<ParsedFile> read = decodeParsed(in);
        REQUIRE_FALSE(read.ok());
        CHECK_THAT(read.error().message.toStdString(), Contains("a malformed header"));
    }
    QByteArray copy = honest;
    QBuffer in(&copy);
    REQUIRE(in.open(QIODevice::ReadOnly));
    CHECK(decodeParsed(in).ok());
}
