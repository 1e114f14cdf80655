// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "TestSupport.h"
#include "geo/Geodesy.h"
#include "interop/DemoMission.h"
#include "interop/ExerciseScenario.h"
#include "interop/Gazetteer.h"
#include "render/MapScene.h"
#include "store/MissionStore.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>

#include <catch2/catch.hpp>
#include <gdal.h>
#include <ogr_spatialref.h>

using namespace tessera;
using namespace tessera::interop;
using Catch::Matchers::Contains;

namespace {
std::string text(const Error& e) {
    return e.message.toStdString();
}

QString writeScenario(const QTemporaryDir& dir, const QByteArray& incidentsAndRoutes) {
    const QString path = dir.filePath(QStringLiteral("scenario.json"));
    test::writeAll(path,
                   R"({"name": "T", "classification": "UNCLASSIFIED", "releasability": "REL TO T",
        "view": {"west": -1, "south": 15, "east": 1, "north": 17}, )" +
                       incidentsAndRoutes + "}");
    return path;
}

const QByteArray kIncident = R"({"title": "EXERCISE - t", "category": "ied", "severity": "high",
    "status": "reported", "place": "Gao", "offset_km": 10, "bearing_deg": 90,
    "observed": "2026-11-20T06:00:00Z", "source": "s", "reliability": "B", "credibility": 2,
    "narrative": "n"})";
} // namespace

TEST_CASE("Gazetteer reads GeoNames places", "[interop][gazetteer]") {
    auto g = Gazetteer::read(test::dataFile(QStringLiteral("places-small.json")));
    REQUIRE(g.ok());
    SECTION("malformed entries are skipped, the rest kept") {
        CHECK(g.value().places().size() == 5);
    }
    SECTION("find is by name within a country, and refuses ambiguity") {
        auto gao = g.value().find(QStringLiteral("Gao"), QStringLiteral("ML"));
        REQUIRE(gao.ok());
        CHECK(gao.value().location.lat == Approx(16.27167));
        CHECK(g.value().find(QStringLiteral("Gao"), QStringLiteral("IT")).value().location.lat ==
              Approx(40.0));
        auto twin = g.value().find(QStringLiteral("Twin"), QStringLiteral("ML"));
        REQUIRE_FALSE(twin.ok());
        CHECK_THAT(text(twin.error()), Contains("ambiguous"));
        CHECK_FALSE(g.value().find(QStringLiteral("Atlantis"), QStringLiteral("ML")).ok());
    }
    SECTION("files that are not a list of places") {
        QTemporaryDir dir;
        const QString notJson = dir.filePath(QStringLiteral("a.json"));
        test::writeAll(notJson, "[{\"name\": ");
        CHECK_THAT(text(Gazetteer::read(notJson).error()), Contains("not valid JSON"));
        const QString object = dir.filePath(QStringLiteral("b.json"));
        test::writeAll(object, "{\"name\": \"Gao\"}");
        CHECK_THAT(text(Gazetteer::read(object).error()), Contains("array"));
        CHECK_FALSE(Gazetteer::read(dir.filePath(QStringLiteral("missing.json"))).ok());
    }
}

TEST_CASE("ExerciseScenario places records by real place names", "[interop][scenario]") {
    auto g = Gazetteer::read(test::dataFile(QStringLiteral("places-small.json")));
    REQUIRE(g.ok());
    QTemporaryDir dir;
    SECTION("an incident lands at its offset from the named place") {
        const QString path =
            writeScenario(dir, "\"incidents\": [" + kIncident + "], \"routes\": []");
        auto s = ExerciseScenario::read(path, g.value(), QStringLiteral("ML"));
        REQUIRE(s.ok());
        REQUIRE(s.value().incidents.size() == 1);
        const auto inv =
            geo::geodesy::inverse({-0.04472, 16.27167}, s.value().incidents[0].location);
        CHECK(inv.distanceMetres == Approx(10000.0).margin(0.01));
        CHECK(inv.initialBearingDeg == Approx(90.0).margin(1e-6));
        CHECK(s.value().incidents[0].exercise);
        CHECK(s.value().incidents[0].marking.banner() ==
              QStringLiteral("UNCLASSIFIED // REL TO T"));
        CHECK(s.value().placesUsed == QStringList{QStringLiteral("Gao")});
    }
    SECTION("an unknown place is an error naming the record") {
        QByteArray bad = kIncident;
        bad.replace("\"Gao\"", "\"Atlantis\"");
        auto s = ExerciseScenario::read(writeScenario(dir, "\"incidents\": [" + bad + "]"),
                                        g.value(), QStringLiteral("ML"));
        REQUIRE_FALSE(s.ok());
        CHECK_THAT(text(s.error()), Contains("incident 1") && Contains("Atlantis"));
    }
    SECTION("an unknown category or a bad grade is refused") {
        QByteArray bad = kIncident;
        bad.replace("\"ied\"", "\"alien\"");
        CHECK_THAT(text(ExerciseScenario::read(writeScenario(dir, "\"incidents\": [" + bad + "]"),
                                               g.value(), QStringLiteral("ML"))
                            .error()),
                   Contains("alien"));
        QByteArray grade = kIncident;
        grade.replace("\"credibility\": 2", "\"credibility\": 9");
        CHECK_FALSE(ExerciseScenario::read(writeScenario(dir, "\"incidents\": [" + grade + "]"),
                                           g.value(), QStringLiteral("ML"))
                        .ok());
    }
    SECTION("route waypoints must go forward in time") {
        const QByteArray route =
            R"("routes": [{"name": "R", "unit": "U", "status": "planned", "waypoints": [
            {"place": "Gao", "offset_km": 0, "bearing_deg": 0, "time": "2026-11-20T08:00:00Z"},
            {"place": "Ansongo", "offset_km": 0, "bearing_deg": 0, "time": "2026-11-20T06:00:00Z"}]}])";
        auto s = ExerciseScenario::read(writeScenario(dir, route), g.value(), QStringLiteral("ML"));
        REQUIRE_FALSE(s.ok());
        CHECK_THAT(text(s.error()), Contains("backwards"));
    }
}

TEST_CASE("The exercise moves to the day it is built, times of day and written dates with it",
          "[interop][scenario]") {
    // The real scenario: its last incident is 2026-11-24 10:00Z, route BRAVO is under way from
    // 24 Nov 04:00Z to 25 Nov 11:30Z, a narrative speaks of "the clashes of 18 Nov".
    auto g = Gazetteer::read(QStringLiteral(TESSERA_SOURCES_DIR "/cities.json"));
    REQUIRE(g.ok());
    auto read = [&] {
        auto s = ExerciseScenario::read(QStringLiteral(TESSERA_SCENARIO), g.value(),
                                        QStringLiteral("ML"));
        REQUIRE(s.ok());
        return s.value();
    };
    const ExerciseScenario asWritten = read();
    ExerciseScenario moved = read();
    const QDateTime built(QDate(2027, 3, 9), QTime(8, 15), Qt::UTC);
    const int days = moved.moveToPresent(built);
    // 24 Nov 10:00 to 9 Mar 08:15 is 104 days and 22 hours: 104 whole days.
    CHECK(days == 104);
    QDateTime last;
    for (qsizetype k = 0; k < moved.incidents.size(); ++k) {
        CHECK(moved.incidents[k].observedAt == asWritten.incidents[k].observedAt.addDays(104));
        CHECK(moved.incidents[k].observedAt.time() == asWritten.incidents[k].observedAt.time());
        last = std::max(last, moved.incidents[k].observedAt);
    }
    // The last incident lies in the day before the build, never after it.
    CHECK(last <= built);
    CHECK(last.secsTo(built) < 86400);
    // Under "24 h" and "7 days" there is something to see.
    int lastDay = 0, lastWeek = 0;
    for (const store::Incident& i : moved.incidents) {
        lastDay += i.observedAt > built.addDays(-1) ? 1 : 0;
        lastWeek += i.observedAt > built.addDays(-7) ? 1 : 0;
    }
    CHECK(lastDay >= 1);
    CHECK(lastWeek >= 10);
    // The route under way is under way at the build.
    for (const store::PatrolRoute& r : moved.routes)
        if (r.status == store::RouteStatus::InProgress) {
            CHECK(r.waypoints.first().plannedAt <= built);
            CHECK(r.waypoints.last().plannedAt >= built);
        }
    // Dates in narratives move too: 18 Nov 2026 + 104 days is 2 Mar.
    bool found = false;
    for (qsizetype k = 0; k < moved.incidents.size(); ++k)
        if (asWritten.incidents[k].narrative.contains(QStringLiteral("clashes of 18 Nov"))) {
            found = true;
            CHECK(moved.incidents[k].narrative.contains(QStringLiteral("clashes of 2 Mar")));
            CHECK_FALSE(moved.incidents[k].narrative.contains(QStringLiteral("18 Nov")));
        }
    CHECK(found);
    // Built on the scenario's own day: nothing moves.
    ExerciseScenario same = read();
    CHECK(same.moveToPresent(QDateTime(QDate(2026, 11, 24), QTime(23, 0), Qt::UTC)) == 0);
    CHECK(same.incidents.first().observedAt == asWritten.incidents.first().observedAt);
}

TEST_CASE("The demo mission holds the exercise on real data", "[interop][demo]") {
    auto snapshot = store::MissionStore::load(test::demoMission());
    REQUIRE(snapshot.ok());
    const store::MissionSnapshot& s = snapshot.value();
    SECTION("it is an exercise, and says so everywhere") {
        CHECK(s.info.exercise);
        CHECK(s.info.name.contains(QStringLiteral("EXERCISE")));
        CHECK(s.info.marking.classification == QStringLiteral("UNCLASSIFIED"));
        for (const auto& i : s.incidents) {
            CHECK(i.exercise);
            CHECK(i.title.startsWith(QStringLiteral("EXERCISE")));
            CHECK(i.narrative.startsWith(QStringLiteral("EXERCISE")));
        }
        for (const auto& r : s.routes) {
            CHECK(r.exercise);
            CHECK(r.name.startsWith(QStringLiteral("EXERCISE")));
        }
    }
    SECTION("a few dozen incidents and several routes in central and northern Mali") {
        CHECK(s.incidents.size() >= 24);
        CHECK(s.routes.size() >= 4);
        for (const auto& i : s.incidents) {
            // Mali's bounding box; the scenario's area lies north of 13 N.
            CHECK(i.location.lon > -12.3);
            CHECK(i.location.lon < 4.3);
            CHECK(i.location.lat > 13.0);
            CHECK(i.location.lat < 25.0);
        }
        for (const auto& r : s.routes) {
            REQUIRE(r.waypoints.size() >= 2);
            for (qsizetype k = 1; k < r.waypoints.size(); ++k)
                CHECK(r.waypoints[k - 1].plannedAt < r.waypoints[k].plannedAt);
        }
        QSet<store::Severity> severities;
        for (const auto& i : s.incidents)
            severities.insert(i.severity);
        CHECK(severities.size() == 4);
    }
    SECTION("every layer loads: imagery, boundaries, places") {
        auto scene = render::loadScene(test::demoMission());
        REQUIRE(scene.ok());
        CHECK(scene.value()->problems().isEmpty());
        QStringList names;
        for (const auto& l : scene.value()->layers)
            names.append(l.spec.name);
        CHECK(names.size() == 5);
        CHECK(names.filter(QStringLiteral("Blue Marble")).size() == 1);
        CHECK(names.filter(QStringLiteral("Countries")).size() == 1);
        CHECK(names.filter(QStringLiteral("Disputed")).size() == 1);
        const auto labels = scene.value()->labelPoints();
        CHECK(labels.size() > 90);
    }
    SECTION("the imagery is a georeferenced, tiled GeoTIFF with overviews") {
        const QString tif = QFileInfo(test::demoMission())
                                .absoluteDir()
                                .filePath(QStringLiteral("imagery/bluemarble.tif"));
        GDALAllRegister();
        GDALDatasetH ds = GDALOpen(tif.toUtf8().constData(), GA_ReadOnly);
        REQUIRE(ds);
        double gt[6];
        REQUIRE(GDALGetGeoTransform(ds, gt) == CE_None);
        CHECK(gt[0] == Approx(-180.0));
        CHECK(gt[3] == Approx(90.0));
        CHECK(gt[1] == Approx(360.0 / 2700));
        const OGRSpatialReference* srs = OGRSpatialReference::FromHandle(GDALGetSpatialRef(ds));
        REQUIRE(srs);
        CHECK(QByteArray(srs->GetAuthorityCode(nullptr)) == "4326");
        int bx = 0;
        int by = 0;
        GDALGetBlockSize(GDALGetRasterBand(ds, 1), &bx, &by);
        CHECK(bx == 256);
        CHECK(by == 256);
        CHECK(GDALGetOverviewCount(GDALGetRasterBand(ds, 1)) == 3);
        GDALClose(ds);
    }
}

TEST_CASE("Building the demo refuses missing sources and leaves nothing behind",
          "[interop][demo][bad-input]") {
    QTemporaryDir dir;
    const QString out = dir.filePath(QStringLiteral("demo"));
    DemoSources sources = DemoSources::inFolder(dir.filePath(QStringLiteral("no-sources")),
                                                QStringLiteral(TESSERA_SCENARIO));
    auto report = buildDemoMission(sources, out);
    REQUIRE_FALSE(report.ok());
    CHECK_THAT(text(report.error()), Contains("fetch-sources"));
    CHECK_FALSE(QFileInfo::exists(out));

    SECTION("a scenario naming an unknown place stops the build before anything is kept") {
        sources = DemoSources::inFolder(QStringLiteral(TESSERA_SOURCES_DIR), QString());
        QByteArray bad = kIncident;
        bad.replace("\"Gao\"", "\"Atlantis\"");
        sources.scenario = writeScenario(dir, "\"incidents\": [" + bad + "]");
        auto failed = buildDemoMission(sources, out);
        REQUIRE_FALSE(failed.ok());
        CHECK_THAT(text(failed.error()), Contains("Atlantis"));
        CHECK_FALSE(QFileInfo::exists(out));
        CHECK_FALSE(QFileInfo::exists(out + QStringLiteral(".partial")));
    }
}
