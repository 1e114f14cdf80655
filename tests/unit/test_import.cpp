// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Import through OGR (GeoJSON, CSV, KML, GPX, GeoPackage) and export back, all or nothing.
#include "TestSupport.h"
#include "interop/MissionExport.h"
#include "interop/MissionImport.h"
#include "store/MissionStore.h"

#include <QTemporaryDir>

#include <catch2/catch.hpp>

using namespace tessera;
using namespace tessera::store;
using Catch::Matchers::Contains;

namespace {
QString storeData(const char* name) {
    return test::dataFile(QStringLiteral("store/") + QString::fromLatin1(name));
}
Result<MissionStore> newMission(const QTemporaryDir& dir) {
    MissionInfo info;
    info.name = QStringLiteral("Import");
    info.marking = {QStringLiteral("UNCLASSIFIED"), QString()};
    return MissionStore::create(dir.filePath(QStringLiteral("m.tessera")), info);
}
interop::ImportOptions options() {
    interop::ImportOptions o;
    o.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO TEST")};
    return o;
}
} // namespace

TEST_CASE("Incidents import from the formats OGR reads", "[import]") {
    QTemporaryDir dir;
    auto store = newMission(dir);
    REQUIRE(store.ok());
    MissionStore& m = store.value();
    SECTION("CSV with coordinate columns and graded sources") {
        auto report = interop::importIncidents(m, storeData("incidents.csv"), options());
        REQUIRE(report.ok());
        CHECK(report.value().imported == 2);
        auto list = m.incidents().value();
        REQUIRE(list.size() == 2);
        CHECK(list[0].title == QStringLiteral("Roadblock at Gao bridge"));
        CHECK(list[0].severity == Severity::High);
        CHECK(list[0].reliability == QStringLiteral("B"));
        CHECK(list[0].credibility == 2);
        CHECK(list[0].location == geo::GeoPoint{-0.0447, 16.2717});
        CHECK(list[0].observedAt == QDateTime(QDate(2026, 11, 20), QTime(7, 40), Qt::UTC));
        CHECK(list[0].marking.releasability == QStringLiteral("REL TO TEST"));
    }
    SECTION("KML points and areas, with a field mapping") {
        interop::ImportOptions o = options();
        o.mapping.title = QStringLiteral("Name");
        auto report = interop::importIncidents(m, storeData("incidents.kml"), o);
        REQUIRE(report.ok());
        CHECK(report.value().imported == 2);
        IncidentQuery q;
        q.bbox = geo::Extent{0.25, 16.35, 0.5, 16.5}; // touches the flooded area only
        auto page = m.queryIncidents(q);
        REQUIRE(page.ok());
        REQUIRE(page.value().incidents.size() == 1);
        CHECK(page.value().incidents[0].area.size() == 4);
    }
    SECTION("a GPX track becomes a route's actual track, with times") {
        PatrolRoute r;
        r.name = QStringLiteral("Run");
        r.marking = {QStringLiteral("UNCLASSIFIED"), QString()};
        REQUIRE(m.addRoute(r).ok());
        auto report = interop::importTrack(m, storeData("route-excerpt.gpx"), r.uuid);
        REQUIRE(report.ok());
        CHECK(report.value().imported == 300);
        const PatrolRoute back = m.routes().value().first();
        REQUIRE(back.track.size() == 300);
        CHECK(back.track[0].recordedAt == QDateTime(QDate(2014, 5, 10), QTime(7, 20, 55), Qt::UTC));
        CHECK(back.track[0].location == geo::GeoPoint{0.73133, 51.37673});
        CHECK(back.track[0].elevation == 8.0);
        CHECK(back.track[299].recordedAt > back.track[0].recordedAt);
        CHECK_FALSE(interop::importTrack(m, storeData("route-excerpt.gpx"),
                                         QStringLiteral("01a2140d-0000-7000-8000-000000000000"))
                        .ok());
    }
}

TEST_CASE("An import with bad features is all or nothing, listing each one",
          "[import][bad-input]") {
    QTemporaryDir dir;
    auto store = newMission(dir);
    REQUIRE(store.ok());
    MissionStore& m = store.value();
    SECTION("by default one rejected feature refuses the whole file") {
        auto report = interop::importIncidents(m, storeData("bad-incidents.geojson"), options());
        REQUIRE_FALSE(report.ok());
        const std::string text = report.error().message.toStdString();
        CHECK_THAT(text, Contains("5 of 6 features rejected") && Contains("nothing was imported"));
        CHECK_THAT(text, Contains("feature 2: no geometry"));
        CHECK_THAT(text, Contains("feature 3: the title is empty"));
        CHECK_THAT(text, Contains("feature 4: unknown severity 'apocalyptic'"));
        CHECK_THAT(text, Contains("feature 5: the observed time"));
        CHECK_THAT(text, Contains("feature 6: a Line String is neither a point nor an area"));
        CHECK(m.stats().value().incidents == 0);
        CHECK(
            m.database().scalar(QStringLiteral("SELECT count(*) FROM incident")).value().toInt() ==
            0);
    }
    SECTION("with skipInvalid the good ones go in and the rest are listed") {
        interop::ImportOptions o = options();
        o.skipInvalid = true;
        auto report = interop::importIncidents(m, storeData("bad-incidents.geojson"), o);
        REQUIRE(report.ok());
        CHECK(report.value().imported == 1);
        REQUIRE(report.value().rejected.size() == 5);
        CHECK(report.value().rejected[0].feature == 2);
    }
    SECTION("a file that is not vector data, or missing, is refused by name") {
        test::writeAll(dir.filePath(QStringLiteral("junk.geojson")), "{ not json");
        auto junk =
            interop::importIncidents(m, dir.filePath(QStringLiteral("junk.geojson")), options());
        REQUIRE_FALSE(junk.ok());
        CHECK_THAT(junk.error().message.toStdString(), Contains("junk.geojson"));
        auto missing =
            interop::importIncidents(m, dir.filePath(QStringLiteral("none.csv")), options());
        REQUIRE_FALSE(missing.ok());
        CHECK_THAT(missing.error().message.toStdString(), Contains("no such file"));
    }
    SECTION("a cancelled import leaves nothing") {
        interop::ImportOptions o = options();
        int calls = 0;
        o.cancelled = [&] { return ++calls > 1; };
        auto report = interop::importIncidents(m, storeData("incidents.csv"), o);
        REQUIRE_FALSE(report.ok());
        CHECK(
            m.database().scalar(QStringLiteral("SELECT count(*) FROM incident")).value().toInt() ==
            0);
    }
}

TEST_CASE("Exports to GeoJSON and GeoPackage read back the same incidents", "[import][export]") {
    QTemporaryDir dir;
    auto store = newMission(dir);
    REQUIRE(store.ok());
    MissionStore& m = store.value();
    interop::ImportOptions o = options();
    o.mapping.title = QStringLiteral("Name");
    REQUIRE(interop::importIncidents(m, storeData("incidents.kml"), o).ok());
    REQUIRE(interop::importIncidents(m, storeData("incidents.csv"), options()).ok());
    for (const char* name : {"out.geojson", "out.gpkg"}) {
        const QString file = dir.filePath(QString::fromLatin1(name));
        IncidentQuery all;
        all.limit = 0;
        auto written = interop::exportIncidents(m, file, all);
        REQUIRE(written.ok());
        CHECK(written.value() == 4);
        QTemporaryDir again;
        auto copy = newMission(again);
        REQUIRE(copy.ok());
        auto report = interop::importIncidents(copy.value(), file, options());
        REQUIRE(report.ok());
        CHECK(report.value().imported == 4);
        QStringList before, after;
        const QList<Incident> mine = m.incidents().value();
        const QList<Incident> theirs = copy.value().incidents().value();
        for (const Incident& i : mine)
            before.append(i.title + i.observedAt.toString(Qt::ISODate) +
                          QString::number(i.area.size()));
        for (const Incident& i : theirs)
            after.append(i.title + i.observedAt.toString(Qt::ISODate) +
                         QString::number(i.area.size()));
        before.sort();
        after.sort();
        CHECK(before == after);
    }
    CHECK_FALSE(interop::exportIncidents(m, dir.filePath(QStringLiteral("out.shp")), {}).ok());
}
