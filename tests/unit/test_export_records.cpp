// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Incidents, patrol routes and annotations exported through OGR (GeoJSON, GeoPackage, KML, KMZ,
// GPX) and read back: every field each format holds, the markings, the release policy.
#include "TestSupport.h"
#include "interop/MissionExport.h"
#include "interop/MissionImport.h"
#include "store/MissionStore.h"

#include <QDir>
#include <QFileInfo>
#include <QMap>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

using namespace tessera;
using namespace tessera::store;
using Catch::Matchers::Contains;

namespace {

const Marking kOpen{QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
const Marking kSecret{QStringLiteral("CONFIDENTIAL"), QStringLiteral("REL TO MINUSMA")};

QString storeData(const char* name) {
    return test::dataFile(QStringLiteral("store/") + QString::fromLatin1(name));
}

QDateTime utc(int y, int mo, int d, int h, int mi, int s = 0, int ms = 0) {
    return {QDate(y, mo, d), QTime(h, mi, s, ms), Qt::UTC};
}

MissionStore newMission(const QTemporaryDir& dir, const QString& name) {
    MissionInfo info;
    info.name = name;
    info.marking = kOpen;
    Result<MissionStore> m =
        MissionStore::create(dir.filePath(name + QStringLiteral(".tessera")), info);
    REQUIRE(m.ok());
    return std::move(m).value();
}

/// A mission with two incidents (a point, an area), three routes and three annotations (a
/// point, a line, an area), markings of two levels. The first route's actual track is the
/// 300 recorded points of route-excerpt.gpx (times and elevations).
MissionStore sampleMission(const QTemporaryDir& dir) {
    MissionStore m = newMission(dir, QStringLiteral("source"));
    Incident clash;
    clash.title = QStringLiteral("Exchange of fire near the ferry");
    clash.category = QStringLiteral("armed_clash");
    clash.severity = Severity::High;
    clash.status = IncidentStatus::Confirmed;
    clash.observedAt = utc(2026, 11, 20, 7, 40, 12, 250);
    clash.location = {0.7321, 51.3771};
    clash.source = QStringLiteral("Patrol report");
    clash.reliability = QStringLiteral("B");
    clash.credibility = 2;
    clash.narrative = QStringLiteral("Small arms fire from the east bank.\nNo casualties.");
    clash.marking = kSecret;
    clash.exercise = true;
    REQUIRE(m.addIncident(clash).ok());
    Incident flood;
    flood.title = QStringLiteral("Market flooded");
    flood.category = QStringLiteral("crime");
    flood.severity = Severity::Medium;
    flood.observedAt = utc(2026, 11, 21, 14, 5);
    flood.area = {{0.725, 51.372}, {0.735, 51.372}, {0.735, 51.379}, {0.725, 51.379}};
    flood.location = {0.73, 51.3755};
    flood.reliability = QStringLiteral("C");
    flood.credibility = 3;
    flood.marking = kOpen;
    REQUIRE(m.addIncident(flood).ok());

    PatrolRoute run;
    run.name = QStringLiteral("Route AMBER");
    run.unit = QStringLiteral("BANBAT 2 / 1 Coy");
    run.status = RouteStatus::InProgress;
    run.exercise = true;
    run.marking = kOpen;
    run.waypoints = {{{0.73133, 51.37673}, utc(2014, 5, 10, 7, 20), QStringLiteral("SP")},
                     {{0.7290, 51.3790}, utc(2014, 5, 10, 7, 23), QStringLiteral("CP 1 ford")},
                     {{0.7262, 51.3812}, utc(2014, 5, 10, 7, 26), QStringLiteral("RP")}};
    REQUIRE(m.addRoute(run).ok());
    Result<interop::ImportReport> track =
        interop::importTrack(m, storeData("route-excerpt.gpx"), run.uuid);
    REQUIRE(track.ok());
    REQUIRE(track.value().imported == 300);

    PatrolRoute escort;
    escort.name = QStringLiteral("Route BLACK");
    escort.unit = QStringLiteral("Force Protection");
    escort.marking = kSecret;
    escort.waypoints = {{{0.7400, 51.3700}, utc(2026, 11, 22, 5, 0), QStringLiteral("Gate")},
                        {{0.7500, 51.3650}, utc(2026, 11, 22, 6, 30), QStringLiteral("Depot")}};
    REQUIRE(m.addRoute(escort).ok());

    // Recorded without a plan, some fixes without elevation.
    PatrolRoute recce;
    recce.name = QStringLiteral("Recce CHARLIE");
    recce.unit = QStringLiteral("Recce Pl");
    recce.status = RouteStatus::Completed;
    recce.marking = kOpen;
    recce.track = {{{0.7101, 51.3601}, utc(2026, 11, 19, 16, 0, 1, 125), 12.5},
                   {{0.7112, 51.3609}, utc(2026, 11, 19, 16, 1, 3, 0), std::nullopt},
                   {{0.7125, 51.3618}, utc(2026, 11, 19, 16, 2, 7, 900), 14.0}};
    REQUIRE(m.addRoute(recce).ok());

    Annotation ford;
    ford.kind = AnnotationKind::Point;
    ford.geometry = {{0.7290, 51.3790}};
    ford.text = QStringLiteral("Ford passable\nwater 0.6 m");
    ford.author = QStringLiteral("Lt Diallo");
    ford.writtenAt = utc(2026, 11, 20, 9, 15, 30, 500);
    ford.marking = kOpen;
    REQUIRE(m.addAnnotation(ford).ok());
    Annotation phase;
    phase.kind = AnnotationKind::Line;
    phase.geometry = {{0.720, 51.370}, {0.728, 51.375}, {0.736, 51.381}};
    phase.text = QStringLiteral("Phase line BLUE");
    phase.author = QStringLiteral("G3 Ops");
    phase.writtenAt = utc(2026, 11, 20, 10, 0);
    phase.marking = kSecret;
    REQUIRE(m.addAnnotation(phase).ok());
    Annotation noGo;
    noGo.kind = AnnotationKind::Area;
    noGo.geometry = {{0.740, 51.370}, {0.745, 51.370}, {0.745, 51.374}, {0.740, 51.374}};
    noGo.text = QStringLiteral("No-go: suspected IED belt");
    noGo.author = QStringLiteral("EOD");
    noGo.writtenAt = utc(2026, 11, 20, 11, 45, 0, 5);
    noGo.marking = kOpen;
    REQUIRE(m.addAnnotation(noGo).ok());
    return m;
}

void checkPoint(const geo::GeoPoint& got, const geo::GeoPoint& want) {
    CHECK(got.lon == Approx(want.lon).margin(1e-9));
    CHECK(got.lat == Approx(want.lat).margin(1e-9));
}

/// What a format keeps of the sample.
struct Holds {
    bool areas = true; ///< GPX: an area incident comes back as its point, area annotations not
};

void checkIncidents(MissionStore& from, MissionStore& to, const Holds& holds) {
    QMap<QString, Incident> back;
    const QList<Incident> toIncidents = to.incidents().value();
    for (const Incident& i : toIncidents)
        back.insert(i.uuid, i);
    const QList<Incident> original = from.incidents().value();
    REQUIRE(back.size() == original.size());
    for (const Incident& want : original) {
        INFO(want.title.toStdString());
        REQUIRE(back.contains(want.uuid));
        const Incident& got = back[want.uuid];
        CHECK(got.title == want.title);
        CHECK(got.category == want.category);
        CHECK(got.severity == want.severity);
        CHECK(got.status == want.status);
        CHECK(got.observedAt == want.observedAt);
        CHECK(got.source == want.source);
        CHECK(got.reliability == want.reliability);
        CHECK(got.credibility == want.credibility);
        CHECK(got.narrative == want.narrative);
        CHECK(got.exercise == want.exercise);
        CHECK(got.marking == want.marking);
        if (holds.areas || want.area.isEmpty()) {
            checkPoint(got.location, want.location);
            REQUIRE(got.area.size() == want.area.size());
            for (int k = 0; k < want.area.size(); ++k)
                checkPoint(got.area[k], want.area[k]);
        } else {
            CHECK(got.area.isEmpty());
            checkPoint(got.location, want.location);
        }
    }
}

void checkRoute(const PatrolRoute& got, const PatrolRoute& want) {
    INFO(want.name.toStdString());
    CHECK(got.name == want.name);
    CHECK(got.unit == want.unit);
    CHECK(got.status == want.status);
    CHECK(got.exercise == want.exercise);
    CHECK(got.marking == want.marking);
    REQUIRE(got.waypoints.size() == want.waypoints.size());
    for (int k = 0; k < want.waypoints.size(); ++k) {
        CHECK(got.waypoints[k].name == want.waypoints[k].name);
        CHECK(got.waypoints[k].plannedAt == want.waypoints[k].plannedAt);
        checkPoint(got.waypoints[k].location, want.waypoints[k].location);
    }
    REQUIRE(got.track.size() == want.track.size());
    for (int k = 0; k < want.track.size(); ++k) {
        INFO("track point " << k);
        CHECK(got.track[k].recordedAt == want.track[k].recordedAt);
        CHECK(got.track[k].elevation == want.track[k].elevation);
        checkPoint(got.track[k].location, want.track[k].location);
    }
}

void checkRoutes(MissionStore& from, MissionStore& to) {
    QMap<QString, PatrolRoute> back;
    const QList<PatrolRoute> toRoutes = to.routes().value();
    for (const PatrolRoute& r : toRoutes)
        back.insert(r.uuid, r);
    const QList<PatrolRoute> original = from.routes().value();
    REQUIRE(back.size() == original.size());
    for (const PatrolRoute& want : original) {
        REQUIRE(back.contains(want.uuid));
        checkRoute(back[want.uuid], want);
    }
}

void checkAnnotation(const Annotation& got, const Annotation& want) {
    INFO(want.text.toStdString());
    CHECK(got.kind == want.kind);
    CHECK(got.text == want.text);
    CHECK(got.author == want.author);
    CHECK(got.writtenAt == want.writtenAt);
    CHECK(got.marking == want.marking);
    REQUIRE(got.geometry.size() == want.geometry.size());
    for (int k = 0; k < want.geometry.size(); ++k)
        checkPoint(got.geometry[k], want.geometry[k]);
}

void checkAnnotations(MissionStore& from, MissionStore& to, const Holds& holds) {
    QMap<QString, Annotation> back;
    const QList<Annotation> toAnnotations = to.annotations().value();
    for (const Annotation& a : toAnnotations)
        back.insert(a.uuid, a);
    int expected = 0;
    const QList<Annotation> fromAnnotations = from.annotations().value();
    for (const Annotation& want : fromAnnotations) {
        if (!holds.areas && want.kind == AnnotationKind::Area) {
            CHECK_FALSE(back.contains(want.uuid));
            continue;
        }
        ++expected;
        REQUIRE(back.contains(want.uuid));
        checkAnnotation(back[want.uuid], want);
    }
    CHECK(back.size() == expected);
}

interop::RecordImportOptions importOptions() {
    interop::RecordImportOptions o;
    o.marking = {QStringLiteral("RESTRICTED"), {}}; // for records without their own: none here
    return o;
}

/// No file and no partial file beside it.
bool nothingWritten(const QString& file) {
    const QFileInfo info(file);
    const QStringList partial = info.absoluteDir().entryList(
        {QStringLiteral(".*.partial.*")}, QDir::Files | QDir::Hidden | QDir::System);
    return partial.isEmpty() && !info.isFile();
}

} // namespace

TEST_CASE("Round trips through GeoJSON GeoPackage KML and KMZ keep every field",
          "[export][import]") {
    QTemporaryDir dir;
    MissionStore m = sampleMission(dir);
    for (const char* name : {"mission.geojson", "mission.gpkg", "mission.kml", "mission.kmz"}) {
        INFO(name);
        const QString file = dir.filePath(QString::fromLatin1(name));
        Result<interop::RecordExportReport> written = interop::exportRecords(m, file);
        INFO(written.errorMessage().toStdString());
        REQUIRE(written.ok());
        CHECK(written.value().written == interop::RecordCounts{2, 3, 3});
        CHECK(written.value().withheld == interop::RecordCounts{});
        CHECK(written.value().notRepresentable == interop::RecordCounts{});
        CHECK(written.value().notes.isEmpty());
        CHECK(interop::holdsRecords(file).value());

        MissionStore copy = newMission(dir, QStringLiteral("copy-") + QString::fromLatin1(name));
        Result<interop::RecordImportReport> read =
            interop::importRecords(copy, file, importOptions());
        INFO(read.errorMessage().toStdString());
        REQUIRE(read.ok());
        CHECK(read.value().imported == interop::RecordCounts{2, 3, 3});
        CHECK(read.value().present == interop::RecordCounts{});
        checkIncidents(m, copy, {});
        checkRoutes(m, copy);
        checkAnnotations(m, copy, {});
    }
}

TEST_CASE("Each format writes what its readers show", "[export]") {
    QTemporaryDir dir;
    MissionStore m = sampleMission(dir);
    SECTION("GeoJSON: one collection, the kind of each feature in record_type") {
        const QString file = dir.filePath(QStringLiteral("m.geojson"));
        REQUIRE(interop::exportRecords(m, file).ok());
        const QString text = QString::fromUtf8(test::readAll(file));
        for (const char* type : {"incident", "route", "route_track", "annotation"})
            CHECK(text.contains(
                QStringLiteral("\"record_type\": \"%1\"").arg(QString::fromLatin1(type))));
        CHECK(text.contains(QLatin1String("\"waypoints\": [ {"))); // JSON, not a string
        CHECK(text.contains(QLatin1String("\"CONFIDENTIAL\"")));
    }
    SECTION("KML: a route's name and an annotation's text are the placemarks' names") {
        const QString file = dir.filePath(QStringLiteral("m.kml"));
        REQUIRE(interop::exportRecords(m, file).ok());
        const QString text = QString::fromUtf8(test::readAll(file));
        for (const char* layer : {"incidents", "routes", "route_tracks", "annotations"})
            CHECK(text.contains(QStringLiteral("<name>%1</name>").arg(QString::fromLatin1(layer))));
        CHECK(text.contains(QLatin1String("<name>Route AMBER</name>")));
        CHECK(text.contains(QLatin1String("<name>Phase line BLUE</name>")));
        CHECK(text.contains(QLatin1String("<name>Exchange of fire near the ferry</name>")));
        CHECK(text.contains(QLatin1String("REL TO MINUSMA")));
    }
    SECTION("GPX: routes as rte, tracks as trk with times and elevations") {
        const QString file = dir.filePath(QStringLiteral("m.gpx"));
        REQUIRE(interop::exportRecords(m, file).ok());
        const QString text = QString::fromUtf8(test::readAll(file));
        CHECK(text.count(QLatin1String("<rte>")) == 3); // two planned routes, one line annotation
        CHECK(text.count(QLatin1String("<trk>")) == 2);
        CHECK(text.count(QLatin1String("<trkpt ")) == 303);
        CHECK(text.contains(QLatin1String("<name>CP 1 ford</name>")));
        CHECK(text.contains(QLatin1String("<time>2014-05-10T07:20:55Z</time>")));
        CHECK(text.contains(QLatin1String("<ele>8.0</ele>")));
        CHECK(
            text.contains(QLatin1String("<ogr:classification>CONFIDENTIAL</ogr:classification>")));
    }
}

TEST_CASE("A GPX round trip keeps what GPX holds and says what it cannot", "[export][import]") {
    QTemporaryDir dir;
    MissionStore m = sampleMission(dir);
    const QString file = dir.filePath(QStringLiteral("mission.gpx"));
    Result<interop::RecordExportReport> written = interop::exportRecords(m, file);
    INFO(written.errorMessage().toStdString());
    REQUIRE(written.ok());
    CHECK(written.value().written == interop::RecordCounts{2, 3, 2});
    CHECK(written.value().notRepresentable == interop::RecordCounts{0, 0, 1});
    const std::string notes = written.value().notes.join(QLatin1Char('\n')).toStdString();
    CHECK_THAT(notes, Contains("GPX holds no areas: 1 area annotations were not written"));
    CHECK_THAT(notes, Contains("1 area incidents were written as their point"));
    CHECK_FALSE(QString::fromUtf8(test::readAll(file)).contains(QLatin1String("IED belt")));
    CHECK(interop::holdsRecords(file).value());

    MissionStore copy = newMission(dir, QStringLiteral("copy"));
    Result<interop::RecordImportReport> read = interop::importRecords(copy, file, importOptions());
    INFO(read.errorMessage().toStdString());
    REQUIRE(read.ok());
    CHECK(read.value().imported == interop::RecordCounts{2, 3, 2});
    const Holds gpx{false};
    checkIncidents(m, copy, gpx);
    checkRoutes(m, copy); // the route without a plan is rebuilt from its <trk>
    checkAnnotations(m, copy, gpx);
}

TEST_CASE("An export for a recipient withholds what it may not have", "[export][import]") {
    QTemporaryDir dir;
    MissionStore m = sampleMission(dir);
    const auto unclassifiedOnly = [](const Marking& mk) {
        return mk.classification == QLatin1String("UNCLASSIFIED");
    };
    interop::RecordExportOptions options;
    options.releasable = store::wholeOrNothing(unclassifiedOnly);
    for (const char* name : {"for.geojson", "for.gpkg", "for.kml", "for.kmz", "for.gpx"}) {
        INFO(name);
        const QString file = dir.filePath(QString::fromLatin1(name));
        Result<interop::RecordExportReport> written = interop::exportRecords(m, file, options);
        INFO(written.errorMessage().toStdString());
        REQUIRE(written.ok());
        CHECK(written.value().withheld == interop::RecordCounts{1, 1, 1});
        const bool gpx = QString::fromLatin1(name).endsWith(QLatin1String(".gpx"));
        CHECK(written.value().written == interop::RecordCounts{1, 2, gpx ? 1 : 2});
        if (!QString::fromLatin1(name).endsWith(QLatin1String(".kmz"))) {
            const QByteArray bytes = test::readAll(file);
            CHECK_FALSE(bytes.contains("CONFIDENTIAL"));
            CHECK_FALSE(bytes.contains("Route BLACK"));
            CHECK_FALSE(bytes.contains("Phase line BLUE"));
            CHECK_FALSE(bytes.contains("Exchange of fire"));
        }
        MissionStore copy = newMission(dir, QStringLiteral("copy-") + QString::fromLatin1(name));
        Result<interop::RecordImportReport> read =
            interop::importRecords(copy, file, importOptions());
        INFO(read.errorMessage().toStdString());
        REQUIRE(read.ok());
        const QList<PatrolRoute> copyRoutes = copy.routes().value();
        for (const PatrolRoute& r : copyRoutes)
            CHECK(r.marking == kOpen);
        const QList<Annotation> copyAnnotations = copy.annotations().value();
        for (const Annotation& a : copyAnnotations)
            CHECK(a.marking == kOpen);
        const QList<Incident> copyIncidents = copy.incidents().value();
        for (const Incident& i : copyIncidents)
            CHECK(i.marking == kOpen);
        CHECK(copy.routes().value().size() == 2);
    }
    SECTION("exportIncidents is exportRecords of incidents alone") {
        const QString file = dir.filePath(QStringLiteral("incidents.gpkg"));
        qint64 withheld = -1;
        Result<qint64> written = interop::exportIncidents(
            m, file, {}, store::wholeOrNothing(unclassifiedOnly), &withheld);
        REQUIRE(written.ok());
        CHECK(written.value() == 1);
        CHECK(withheld == 1);
        MissionStore copy = newMission(dir, QStringLiteral("incidents-only"));
        Result<interop::RecordImportReport> read =
            interop::importRecords(copy, file, importOptions());
        REQUIRE(read.ok());
        CHECK(read.value().imported == interop::RecordCounts{1, 0, 0});
    }
}

TEST_CASE("An export that cannot be written leaves no file", "[export]") {
    QTemporaryDir dir;
    MissionStore m = sampleMission(dir);
    SECTION("into a folder that does not exist") {
        const QString file = dir.filePath(QStringLiteral("missing/out.gpkg"));
        Result<interop::RecordExportReport> written = interop::exportRecords(m, file);
        REQUIRE_FALSE(written.ok());
        CHECK_THAT(written.error().message.toStdString(), Contains("out.gpkg"));
        CHECK_FALSE(QFileInfo::exists(dir.filePath(QStringLiteral("missing"))));
    }
    SECTION("onto a folder: the export is not moved into place, and nothing is left beside it") {
        for (const char* name : {"taken.geojson", "taken.kml", "taken.gpx", "taken.gpkg"}) {
            INFO(name);
            const QString file = dir.filePath(QString::fromLatin1(name));
            REQUIRE(QDir(dir.path()).mkdir(QString::fromLatin1(name)));
            Result<interop::RecordExportReport> written = interop::exportRecords(m, file);
            REQUIRE_FALSE(written.ok());
            CHECK(QFileInfo(file).isDir());
            CHECK(nothingWritten(file));
        }
    }
    SECTION("a format Tessera does not write") {
        const QString file = dir.filePath(QStringLiteral("out.shp"));
        REQUIRE_FALSE(interop::exportRecords(m, file).ok());
        CHECK(nothingWritten(file));
    }
}

TEST_CASE("Importing a file of records again leaves the records it already has",
          "[export][import]") {
    QTemporaryDir dir;
    MissionStore m = sampleMission(dir);
    const QString file = dir.filePath(QStringLiteral("again.gpkg"));
    REQUIRE(interop::exportRecords(m, file).ok());
    MissionStore copy = newMission(dir, QStringLiteral("copy"));
    REQUIRE(interop::importRecords(copy, file, importOptions()).ok());
    // A local edit after the import: importing the old file again must not undo it.
    const QString recce = copy.routes().value().last().uuid;
    REQUIRE(copy.setRouteStatus(recce, RouteStatus::Planned).ok());
    REQUIRE(copy.deleteAnnotation(copy.annotations().value().first().uuid).ok());
    Result<interop::RecordImportReport> again = interop::importRecords(copy, file, importOptions());
    REQUIRE(again.ok());
    CHECK(again.value().imported == interop::RecordCounts{});
    CHECK(again.value().present == interop::RecordCounts{2, 3, 3});
    CHECK(copy.incidents().value().size() == 2);
    CHECK(copy.routes().value().last().status == RouteStatus::Planned);
    CHECK(copy.annotations().value().size() == 2); // the deleted one stays deleted
}

TEST_CASE("A malformed file of records is refused whole, each bad feature named",
          "[import][bad-input]") {
    QTemporaryDir dir;
    MissionStore m = newMission(dir, QStringLiteral("target"));
    const auto nothingImported = [&] {
        const MissionStats stats = m.stats().value();
        CHECK(stats.incidents == 0);
        CHECK(stats.routes == 0);
        CHECK(stats.annotations == 0);
        CHECK(m.database().scalar(QStringLiteral("SELECT count(*) FROM route")).value().toInt() ==
              0);
    };
    SECTION("GeoJSON: broken geometries and fields") {
        Result<interop::RecordImportReport> read =
            interop::importRecords(m, storeData("bad-records.geojson"), importOptions());
        REQUIRE_FALSE(read.ok());
        const std::string text = read.error().message.toStdString();
        INFO(text);
        CHECK_THAT(text, Contains("8 rejected (of 9 features); nothing was imported"));
        CHECK_THAT(text, Contains("records feature 2: point 2 is not a longitude/latitude"));
        CHECK_THAT(text,
                   Contains("records feature 3: waypoints lists 3 points for a geometry of 2"));
        CHECK_THAT(text,
                   Contains("records feature 4: the track has no track_points (their times)"));
        CHECK_THAT(text, Contains("records feature 5: unknown route status 'lost'"));
        CHECK_THAT(text, Contains("records feature 6: the planned path is an area"));
        CHECK_THAT(text, Contains("records feature 7: a line annotation with a point"));
        CHECK_THAT(text, Contains("records feature 8: unknown record_type 'sighting'"));
        CHECK_THAT(text, Contains("records feature 9: the uuid 'not-a-uuid' is not a UUID"));
        CHECK_THAT(text, !Contains("feature 1:"));
        nothingImported();
    }
    SECTION("GPX: a track point without a time") {
        Result<interop::RecordImportReport> read =
            interop::importRecords(m, storeData("bad-records.gpx"), importOptions());
        REQUIRE_FALSE(read.ok());
        const std::string text = read.error().message.toStdString();
        INFO(text);
        CHECK_THAT(text, Contains("track_points feature 1: track point 2 has no time"));
        CHECK_THAT(text, Contains("nothing was imported"));
        nothingImported();
    }
    SECTION("a cancelled import leaves nothing") {
        QTemporaryDir other;
        MissionStore source = sampleMission(other);
        const QString file = dir.filePath(QStringLiteral("whole.geojson"));
        REQUIRE(interop::exportRecords(source, file).ok());
        interop::RecordImportOptions o = importOptions();
        int calls = 0;
        o.cancelled = [&] { return ++calls > 3; };
        Result<interop::RecordImportReport> read = interop::importRecords(m, file, o);
        REQUIRE_FALSE(read.ok());
        CHECK_THAT(read.error().message.toStdString(), Contains("cancelled"));
        nothingImported();
    }
    SECTION("an import needs a marking for records without one") {
        REQUIRE_FALSE(interop::importRecords(m, storeData("bad-records.geojson"), {}).ok());
    }
}

TEST_CASE("Files of other programs are not taken for records", "[import]") {
    CHECK_FALSE(interop::holdsRecords(storeData("incidents.csv")).value());
    CHECK_FALSE(interop::holdsRecords(storeData("route-excerpt.gpx")).value());
    CHECK(interop::holdsRecords(storeData("bad-records.geojson")).value());
    CHECK_FALSE(interop::holdsRecords(storeData("none.geojson")).ok());
}
