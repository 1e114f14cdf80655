// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "TestSupport.h"
#include "store/Migrations.h"
#include "store/MissionStore.h"

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

using namespace tessera;
using namespace tessera::store;
using Catch::Matchers::Contains;

namespace {

MissionInfo sampleInfo() {
    MissionInfo info;
    info.name = QStringLiteral("Test mission");
    info.description = QStringLiteral("Made by test_store");
    info.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO TEST")};
    info.exercise = true;
    info.initialView = {-6.0, 12.5, 5.0, 21.0};
    return info;
}

Incident sampleIncident() {
    Incident i;
    i.title = QStringLiteral("EXERCISE - Test incident");
    i.category = QStringLiteral("ied");
    i.severity = Severity::High;
    i.status = IncidentStatus::Confirmed;
    i.observedAt = QDateTime(QDate(2026, 11, 20), QTime(7, 40), Qt::UTC);
    i.location = {-0.0447, 16.2717};
    i.source = QStringLiteral("Patrol");
    i.reliability = QStringLiteral("B");
    i.credibility = 2;
    i.narrative = QStringLiteral("Narrative with ünïcödé");
    i.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO TEST")};
    i.exercise = true;
    return i;
}

std::string message(const Error& e) {
    return e.message.toStdString();
}

} // namespace

TEST_CASE("MissionStore keeps what it is given", "[store]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("m.tessera"));
    {
        auto store = MissionStore::create(path, sampleInfo());
        REQUIRE(store.ok());
        LayerSpec layer;
        layer.name = QStringLiteral("Imagery");
        layer.kind = LayerKind::Raster;
        layer.source = QStringLiteral("imagery/x.tif");
        layer.opacity = 0.5;
        layer.stackOrder = 3;
        REQUIRE(store.value().addLayer(layer).ok());
        Incident incident = sampleIncident();
        REQUIRE(store.value().addIncident(incident).ok());
        CHECK(incident.uuid.size() == 36);
        PatrolRoute route;
        route.name = QStringLiteral("Route ALPHA");
        route.unit = QStringLiteral("Coy B");
        route.status = RouteStatus::InProgress;
        route.waypoints = {{{-0.04, 16.27},
                            QDateTime(QDate(2026, 11, 24), QTime(6, 0), Qt::UTC),
                            QStringLiteral("Gao")},
                           {{0.50, 15.66},
                            QDateTime(QDate(2026, 11, 24), QTime(9, 0), Qt::UTC),
                            QStringLiteral("Ansongo")}};
        route.marking = {QStringLiteral("UNCLASSIFIED"), QString()};
        REQUIRE(store.value().addRoute(route).ok());
    }
    auto snapshot = MissionStore::load(path);
    REQUIRE(snapshot.ok());
    const MissionSnapshot& s = snapshot.value();
    CHECK(s.info.name == QStringLiteral("Test mission"));
    CHECK(s.info.marking.banner() == QStringLiteral("UNCLASSIFIED // REL TO TEST"));
    CHECK(s.info.exercise);
    CHECK(s.info.initialView == geo::Extent{-6.0, 12.5, 5.0, 21.0});
    REQUIRE(s.layers.size() == 1);
    CHECK(s.layers[0].opacity == 0.5);
    CHECK(s.resolveSource(s.layers[0]) ==
          QFileInfo(path).absoluteDir().filePath(QStringLiteral("imagery/x.tif")));
    REQUIRE(s.incidents.size() == 1);
    const Incident& i = s.incidents[0];
    CHECK(i.title == sampleIncident().title);
    CHECK(i.severity == Severity::High);
    CHECK(i.status == IncidentStatus::Confirmed);
    CHECK(i.observedAt == sampleIncident().observedAt);
    CHECK(i.location == sampleIncident().location);
    CHECK(i.narrative == sampleIncident().narrative);
    CHECK(i.reliability == QStringLiteral("B"));
    CHECK(i.credibility == 2);
    REQUIRE(s.routes.size() == 1);
    REQUIRE(s.routes[0].waypoints.size() == 2);
    CHECK(s.routes[0].status == RouteStatus::InProgress);
    CHECK(s.routes[0].waypoints[1].name == QStringLiteral("Ansongo"));
    CHECK(s.routes[0].waypoints[0].plannedAt < s.routes[0].waypoints[1].plannedAt);
}

TEST_CASE("MissionStore refuses bad files and leaves them untouched", "[store][bad-input]") {
    QTemporaryDir dir;
    SECTION("a missing file is named and not created") {
        const QString path = dir.filePath(QStringLiteral("missing.tessera"));
        auto store = MissionStore::open(path, MissionStore::Access::ReadWrite);
        REQUIRE_FALSE(store.ok());
        CHECK_THAT(message(store.error()), Contains("missing.tessera") && Contains("no such file"));
        CHECK_FALSE(QFileInfo::exists(path));
    }
    SECTION("an empty file stays empty") {
        const QString path = dir.filePath(QStringLiteral("empty.tessera"));
        test::writeAll(path, {});
        auto store = MissionStore::open(path, MissionStore::Access::ReadWrite);
        REQUIRE_FALSE(store.ok());
        CHECK_THAT(message(store.error()), Contains("empty"));
        CHECK(QFileInfo(path).size() == 0);
    }
    SECTION("a file of garbage is not a mission") {
        const QString path = dir.filePath(QStringLiteral("garbage.tessera"));
        QByteArray junk;
        for (int i = 0; i < 8192; ++i)
            junk.append(static_cast<char>((i * 7919) % 251));
        test::writeAll(path, junk);
        const QByteArray before = test::fileHash(path);
        auto store = MissionStore::open(path, MissionStore::Access::ReadWrite);
        REQUIRE_FALSE(store.ok());
        CHECK_THAT(message(store.error()), Contains("not a Tessera mission"));
        CHECK(test::fileHash(path) == before);
    }
    SECTION("a foreign SQLite database is refused without writing to it") {
        const QString path = dir.filePath(QStringLiteral("foreign.sqlite"));
        {
            auto db = Database::open(path, Database::Mode::Create);
            REQUIRE(db.ok());
            REQUIRE(db.value()
                        .exec(QStringLiteral("CREATE TABLE t (x); INSERT INTO t VALUES (1)"))
                        .ok());
        }
        const QByteArray before = test::fileHash(path);
        auto store = MissionStore::open(path, MissionStore::Access::ReadWrite);
        REQUIRE_FALSE(store.ok());
        CHECK_THAT(message(store.error()), Contains("not a Tessera mission"));
        CHECK(test::fileHash(path) == before);
    }
    SECTION("a mission damaged in the middle is reported as damaged") {
        const QString path = dir.filePath(QStringLiteral("damaged.tessera"));
        {
            auto store = MissionStore::create(path, sampleInfo());
            REQUIRE(store.ok());
            for (int n = 0; n < 200; ++n) {
                Incident i = sampleIncident();
                REQUIRE(store.value().addIncident(i).ok());
            }
            REQUIRE(store.value()
                        .database()
                        .exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"))
                        .ok());
        }
        QByteArray bytes = test::readAll(path);
        REQUIRE(bytes.size() > 3 * 4096);
        for (qsizetype k = 2 * 4096; k < 3 * 4096; ++k)
            bytes[k] = static_cast<char>(0xA5);
        test::writeAll(path, bytes);
        auto snapshot = MissionStore::load(path);
        REQUIRE_FALSE(snapshot.ok());
        CHECK_THAT(message(snapshot.error()), Contains("damaged.tessera"));
    }
    SECTION("a mission from a newer Tessera is refused, naming both versions") {
        const QString path = dir.filePath(QStringLiteral("newer.tessera"));
        {
            auto store = MissionStore::create(path, sampleInfo());
            REQUIRE(store.ok());
            REQUIRE(store.value().database().exec(QStringLiteral("PRAGMA user_version = 99")).ok());
        }
        for (auto access : {MissionStore::Access::ReadOnly, MissionStore::Access::ReadWrite}) {
            auto store = MissionStore::open(path, access);
            REQUIRE_FALSE(store.ok());
            CHECK_THAT(message(store.error()), Contains("newer Tessera") && Contains("99"));
        }
    }
    SECTION("create will not overwrite an existing file") {
        const QString path = dir.filePath(QStringLiteral("exists.tessera"));
        test::writeAll(path, "keep me");
        auto store = MissionStore::create(path, sampleInfo());
        REQUIRE_FALSE(store.ok());
        CHECK_THAT(message(store.error()), Contains("already exists"));
        CHECK(test::readAll(path) == QByteArray("keep me"));
    }
}

TEST_CASE("MissionStore refuses invalid records and keeps the rest", "[store][bad-input]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("m.tessera"));
    auto store = MissionStore::create(path, sampleInfo());
    REQUIRE(store.ok());
    Incident good = sampleIncident();
    REQUIRE(store.value().addIncident(good).ok());

    Incident badLatitude = sampleIncident();
    badLatitude.location.lat = 123.0;
    CHECK_FALSE(store.value().addIncident(badLatitude).ok());
    Incident noTitle = sampleIncident();
    noTitle.title.clear();
    CHECK_FALSE(store.value().addIncident(noTitle).ok());
    Incident badGrade = sampleIncident();
    badGrade.credibility = 9;
    CHECK_FALSE(store.value().addIncident(badGrade).ok());

    SECTION("a route with a bad waypoint is not half-saved") {
        PatrolRoute route;
        route.name = QStringLiteral("Broken route");
        route.waypoints = {{{0.0, 16.0}, QDateTime::currentDateTimeUtc(), QString()},
                           {{0.0, 200.0}, QDateTime::currentDateTimeUtc(), QString()}};
        route.marking = {QStringLiteral("UNCLASSIFIED"), QString()};
        CHECK_FALSE(store.value().addRoute(route).ok());
        auto routes = store.value().routes();
        REQUIRE(routes.ok());
        CHECK(routes.value().isEmpty());
    }
    auto incidents = store.value().incidents();
    REQUIRE(incidents.ok());
    REQUIRE(incidents.value().size() == 1);
    CHECK(incidents.value()[0].uuid == good.uuid);
}

TEST_CASE("Mission enums keep one name for one thing", "[store]") {
    for (auto s : {Severity::Low, Severity::Medium, Severity::High, Severity::Critical})
        CHECK(severityFromString(toString(s)) == s);
    for (auto s : {RouteStatus::Planned, RouteStatus::InProgress, RouteStatus::Completed})
        CHECK(routeStatusFromString(toString(s)) == s);
    CHECK_FALSE(severityFromString(QStringLiteral("Severe")).has_value());
    CHECK(incidentCategories().contains(QStringLiteral("ied")));
    CHECK(categoryLabel(QStringLiteral("ied")) == QStringLiteral("IED"));
    CHECK(latestSchemaVersion() >= 1);
}

TEST_CASE("The layer stack is saved with the mission", "[store][layers]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("m.tessera"));
    auto store = MissionStore::create(path, sampleInfo());
    REQUIRE(store.ok());
    QList<LayerSpec> stack;
    for (int i = 0; i < 3; ++i) {
        LayerSpec layer;
        layer.name = QStringLiteral("Layer %1").arg(i);
        layer.source = QStringLiteral("l%1.tif").arg(i);
        layer.stackOrder = i;
        auto id = store.value().addLayer(layer);
        REQUIRE(id.ok());
        layer.id = id.value();
        stack.append(layer);
    }
    // Hide the first, fade the second, put the third at the bottom, drop nothing.
    stack[0].visible = false;
    stack[1].opacity = 0.4;
    stack[2].stackOrder = -1;
    REQUIRE(store.value().saveLayerStack(stack).ok());
    auto saved = store.value().layers();
    REQUIRE(saved.ok());
    REQUIRE(saved.value().size() == 3);
    CHECK(saved.value()[0].name == QStringLiteral("Layer 2"));
    CHECK_FALSE(saved.value()[1].visible);
    CHECK(saved.value()[2].opacity == Approx(0.4));
    SECTION("a layer left out is removed") {
        stack.removeAt(1);
        REQUIRE(store.value().saveLayerStack(stack).ok());
        auto after = MissionStore::load(path);
        REQUIRE(after.ok());
        REQUIRE(after.value().layers.size() == 2);
        CHECK(after.value().layers[1].name == QStringLiteral("Layer 0"));
    }
    SECTION("a bad value changes nothing") {
        stack[0].opacity = 7.0; // the schema allows 0..1
        stack[1].visible = false;
        CHECK_FALSE(store.value().saveLayerStack(stack).ok());
        auto after = store.value().layers();
        REQUIRE(after.ok());
        CHECK(after.value()[2].visible); // layer 1 untouched: the transaction rolled back
    }
}

TEST_CASE("Routes and annotations sent again are replaced in place", "[store]") {
    QTemporaryDir dir;
    auto store = MissionStore::create(dir.filePath(QStringLiteral("m.tessera")), sampleInfo());
    REQUIRE(store.ok());
    MissionStore& m = store.value();
    const QDateTime t0(QDate(2026, 11, 24), QTime(6, 0), Qt::UTC);
    PatrolRoute route;
    route.name = QStringLiteral("Route ALPHA");
    route.unit = QStringLiteral("Coy B");
    route.waypoints = {{{-0.04, 16.27}, t0, QStringLiteral("Gao")},
                       {{0.50, 15.66}, t0.addSecs(3 * 3600), QStringLiteral("Ansongo")}};
    route.track = {{{-0.04, 16.27}, t0, 260.0}, {{0.1, 16.0}, t0.addSecs(600), std::nullopt}};
    route.marking = {QStringLiteral("UNCLASSIFIED"), QString()};
    REQUIRE(m.addRoute(route).ok());
    auto changes = m.changes(0);
    REQUIRE(changes.ok());
    REQUIRE(changes.value().size() == 1); // one insert, not an insert and a track update
    CHECK(changes.value()[0].op == QStringLiteral("insert"));

    route.name = QStringLiteral("Route ALPHA (revised)");
    route.status = RouteStatus::InProgress;
    route.marking = {QStringLiteral("RESTRICTED"), QStringLiteral("REL TO UN")};
    route.waypoints.removeLast();
    route.waypoints.append({{0.2, 15.9}, t0.addSecs(7200), QStringLiteral("Bourem turn")});
    route.track = {{{0.3, 15.8}, t0.addSecs(900), 250.5}};
    REQUIRE(m.updateRoute(route).ok());
    auto routes = m.routes();
    REQUIRE(routes.ok());
    REQUIRE(routes.value().size() == 1);
    const PatrolRoute& r = routes.value()[0];
    CHECK(r.uuid == route.uuid);
    CHECK(r.name == QStringLiteral("Route ALPHA (revised)"));
    CHECK(r.status == RouteStatus::InProgress);
    CHECK(r.marking.banner() == QStringLiteral("RESTRICTED // REL TO UN"));
    REQUIRE(r.waypoints.size() == 2);
    CHECK(r.waypoints[1].name == QStringLiteral("Bourem turn"));
    CHECK(r.waypoints[1].plannedAt == t0.addSecs(7200));
    REQUIRE(r.track.size() == 1);
    CHECK(r.track[0].elevation == std::optional<double>(250.5));
    CHECK(r.stamp.updated > r.stamp.created);

    PatrolRoute unknown = route;
    unknown.uuid = QStringLiteral("00000000-0000-4000-8000-000000000001");
    CHECK_FALSE(m.updateRoute(unknown).ok());

    Annotation note;
    note.kind = AnnotationKind::Line;
    note.geometry = {{-0.04, 16.27}, {0.5, 15.66}};
    note.text = QStringLiteral("Bridge out");
    note.author = QStringLiteral("G2 analyst");
    note.marking = {QStringLiteral("UNCLASSIFIED"), QString()};
    REQUIRE(m.addAnnotation(note).ok());
    note.kind = AnnotationKind::Area;
    note.geometry.append({0.1, 15.5});
    note.text = QStringLiteral("Flooded area");
    REQUIRE(m.updateAnnotation(note).ok());
    Annotation broken = note;
    broken.geometry = {{0.0, 95.0}};
    CHECK_FALSE(m.updateAnnotation(broken).ok());
    auto annotations = m.annotations();
    REQUIRE(annotations.ok());
    REQUIRE(annotations.value().size() == 1);
    CHECK(annotations.value()[0].kind == AnnotationKind::Area);
    CHECK(annotations.value()[0].geometry.size() == 3);
    CHECK(annotations.value()[0].text == QStringLiteral("Flooded area"));
}
