// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// The route editor (issue 5): a patrol's plan drawn on the map and timed from its speed, refused
// field by field or saved whole; a route taken up again; its GPX track read on a worker with
// progress and cancel.
#include "TestSupport.h"
#include "geo/Geodesy.h"
#include "interop/MissionImport.h"
#include "quick/EditHistory.h"
#include "quick/MapItem.h"
#include "quick/MissionController.h"
#include "quick/RouteDraft.h"
#include "store/MissionStore.h"
#include "store/RoutePlan.h"

#include <QFile>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

#include <cmath>

using namespace tessera;
using namespace tessera::quick;

namespace {

/// One degree of longitude along the equator on WGS84: a * pi / 180.
constexpr double kEquatorDegreeMetres = 6378137.0 * 3.14159265358979323846 / 180.0;

const QDateTime kDeparture(QDate(2026, 11, 27), QTime(6, 0), Qt::UTC);

QString createMission(const QString& path) {
    store::MissionInfo info;
    info.name = QStringLiteral("Routes");
    info.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
    info.initialView = {-0.5, 15.8, 0.5, 16.6};
    auto created = store::MissionStore::create(path, info);
    REQUIRE(created.ok());
    store::PatrolRoute r;
    r.name = QStringLiteral("Route ALPHA");
    r.unit = QStringLiteral("BANBAT-1");
    r.waypoints = {{{0.0, 16.0}, kDeparture, QStringLiteral("FOB")},
                   {{0.2, 16.2}, kDeparture.addSecs(3600), QStringLiteral("bridge")},
                   {{0.3, 16.4}, kDeparture.addSecs(7200), QStringLiteral("well")}};
    REQUIRE(created.value().addRoute(r).ok());
    return r.uuid;
}

/// The mission's routes as its file holds them, read on a connection of the test's own.
QList<store::PatrolRoute> storedRoutes(const QString& path) {
    auto m = store::MissionStore::open(path, store::MissionStore::Access::ReadOnly);
    REQUIRE(m.ok());
    auto routes = m.value().routes();
    REQUIRE(routes.ok());
    return routes.value();
}

/// A GPX file of `points` track points a minute apart going north from 16°N; the point numbered
/// `untimed` (from 1) has no time when set.
QString writeGpx(const QString& path, int points, int untimed = 0) {
    QFile f(path);
    REQUIRE(f.open(QIODevice::WriteOnly));
    QByteArray gpx =
        "<?xml version=\"1.0\"?>\n<gpx version=\"1.1\" creator=\"test\" "
        "xmlns=\"http://www.topografix.com/GPX/1/1\"><trk><name>patrol</name><trkseg>\n";
    for (int k = 1; k <= points; ++k) {
        gpx += QStringLiteral("<trkpt lat=\"%1\" lon=\"0.05\">")
                   .arg(16.0 + k * 1e-5, 0, 'f', 6)
                   .toUtf8();
        if (k != untimed)
            gpx += "<time>" + kDeparture.addSecs(60 * k).toString(Qt::ISODate).toUtf8() + "</time>";
        gpx += "</trkpt>\n";
    }
    gpx += "</trkseg></trk></gpx>\n";
    REQUIRE(f.write(gpx) == gpx.size());
    return path;
}

struct Routes {
    QTemporaryDir dir;
    QString path = dir.filePath(QStringLiteral("routes.tessera"));
    QString alpha = createMission(path);
    MissionController mission;
    QQuickWindow window;
    MapItem* map = new MapItem(window.contentItem());
    RouteDraft draft;
    Routes() {
        window.resize(800, 600);
        map->setSize(QSizeF(800, 600));
        map->setMission(&mission);
        window.show();
        mission.setPath(path);
        REQUIRE(test::waitUntil([&] {
            return mission.status() == MissionController::Status::Ready &&
                   mission.records() != nullptr;
        }));
        REQUIRE(test::waitUntil([&] {
            window.grabWindow();
            return map->isComplete();
        }));
        draft.setMission(&mission);
        draft.setMap(map);
    }
    void click(geo::GeoPoint at) {
        const QPointF pixel = map->viewport().toPixel(at);
        map->clickAt(pixel.x(), pixel.y());
    }
};

} // namespace

TEST_CASE("Planned waypoints are timed by the geodesic distance at the planned speed",
          "[store][routes]") {
    store::RoutePlan plan;
    plan.points = {{0.0, 0.0}, {1.0, 0.0}, {3.0, 0.0}}; // along the equator: 1 degree, then 2
    plan.departure = kDeparture;
    plan.speedKmh = 40.0;
    const QList<store::Waypoint> w = store::plannedWaypoints(plan);
    REQUIRE(w.size() == 3);
    CHECK(w[0].name == QStringLiteral("WP1"));
    CHECK(w[2].name == QStringLiteral("WP3"));
    CHECK(w[0].plannedAt == kDeparture);
    const double secondsPerDegree = kEquatorDegreeMetres / (40.0 * 1000.0 / 3600.0); // 10,019 s
    CHECK(std::abs(kDeparture.secsTo(w[1].plannedAt) - secondsPerDegree) <= 1.0);
    CHECK(std::abs(kDeparture.secsTo(w[2].plannedAt) - 3 * secondsPerDegree) <= 1.0);
    CHECK(w[1].location.lon == 1.0);

    plan.speedKmh = 0;
    CHECK(store::plannedWaypoints(plan).isEmpty());

    // What the editor refuses, field by field.
    store::PatrolRoute r;
    r.waypoints = {{{0, 0}, kDeparture, {}}};
    QStringList fields;
    for (const store::FieldProblem& p : store::routeProblems(r))
        fields << p.field;
    CHECK(fields ==
          QStringList{QStringLiteral("name"), QStringLiteral("unit"), QStringLiteral("waypoints")});
    r.name = QStringLiteral("Route X");
    r.unit = QStringLiteral("FPU-3");
    r.waypoints.append({{0.1, 0.1}, kDeparture.addSecs(-60), {}});
    REQUIRE(store::routeProblems(r).size() == 1);
    CHECK(store::routeProblems(r).first().reason.contains(QStringLiteral("planned before")));
    r.waypoints[1].plannedAt = kDeparture.addSecs(60);
    CHECK(store::routeProblems(r).isEmpty());
    r.track = {{{0, 0}, kDeparture.addSecs(120), {}}, {{0, 0.01}, kDeparture.addSecs(60), {}}};
    REQUIRE(store::routeProblems(r).size() == 1);
    CHECK(store::routeProblems(r).first().field == QStringLiteral("track"));
    plan.speedKmh = 900;
    plan.departure = QDateTime();
    QStringList planFields;
    for (const store::FieldProblem& p : store::routePlanProblems(plan, r))
        planFields << p.field;
    CHECK(planFields.contains(QStringLiteral("speed")));
    CHECK(planFields.contains(QStringLiteral("departure")));
}

TEST_CASE("A route drawn on the map is refused field by field or saved with its planned times",
          "[quick][routes]") {
    Routes desk;
    RouteDraft& draft = desk.draft;
    MapItem* map = desk.map;
    draft.start();
    CHECK(draft.active());
    CHECK(map->tool() == MapItem::Tool::Draw);
    CHECK(map->measurePath()); // a route is a path: no area filled or measured
    // Departure: the next quarter hour.
    const QDateTime departure = QDateTime::fromString(
        draft.property("departure").toString() + QStringLiteral(":00"), Qt::ISODate);
    CHECK(departure.time().minute() % 15 == 0);

    desk.click({-0.2, 16.0});
    desk.click({0.0, 16.0});
    desk.click({0.2, 16.1});
    desk.click({0.25, 16.3});
    CHECK(draft.pointCount() == 4);
    map->removeLastPoint(); // Backspace
    CHECK(draft.pointCount() == 3);
    CHECK(draft.waypoints().size() == 3);
    CHECK(draft.summary().startsWith(QStringLiteral("3 waypoints")));

    // No name, no unit: refused beside each field, nothing written.
    draft.setProperty("departure", QStringLiteral("2026-11-27 06:00"));
    draft.setProperty("speedKmh", 20.0);
    CHECK_FALSE(draft.save());
    CHECK(draft.problems().contains(QStringLiteral("name")));
    CHECK(draft.problems().contains(QStringLiteral("unit")));
    CHECK_FALSE(draft.problems().contains(QStringLiteral("waypoints")));
    draft.setProperty("name", QStringLiteral("Route FOXTROT"));
    draft.setProperty("unit", QStringLiteral("BANBAT-2"));
    draft.setProperty("departure", QStringLiteral("soon"));
    CHECK_FALSE(draft.save());
    CHECK(draft.problems().keys() == QStringList{QStringLiteral("departure")});
    CHECK(storedRoutes(desk.path).size() == 1);

    draft.setProperty("departure", QStringLiteral("2026-11-27 06:00"));
    QSignalSpy saved(&draft, &RouteDraft::saved);
    REQUIRE(draft.save());
    REQUIRE(test::waitUntil([&] { return saved.count() == 1; }));
    CHECK_FALSE(draft.active());
    CHECK(map->tool() == MapItem::Tool::Pan);
    CHECK_FALSE(map->measurePath());

    const QString uuid = saved.first().first().toString();
    store::PatrolRoute foxtrot;
    for (const store::PatrolRoute& r : storedRoutes(desk.path))
        if (r.uuid == uuid)
            foxtrot = r;
    REQUIRE(foxtrot.uuid == uuid);
    CHECK(foxtrot.name == QStringLiteral("Route FOXTROT"));
    CHECK(foxtrot.unit == QStringLiteral("BANBAT-2"));
    CHECK(foxtrot.marking.classification == QStringLiteral("UNCLASSIFIED"));
    REQUIRE(foxtrot.waypoints.size() == 3);
    CHECK(foxtrot.waypoints[0].plannedAt == kDeparture);
    // The second waypoint: the first leg's geodesic length at 20 km/h after departure.
    const double leg =
        geo::geodesy::inverse(foxtrot.waypoints[0].location, foxtrot.waypoints[1].location)
            .distanceMetres;
    CHECK(std::abs(kDeparture.secsTo(foxtrot.waypoints[1].plannedAt) - leg / (20000.0 / 3600.0)) <=
          1.0);
    CHECK(std::abs(foxtrot.waypoints[0].location.lon - -0.2) < 0.01);
    CHECK(std::abs(foxtrot.waypoints[2].location.lat - 16.1) < 0.01);
    // The map's records follow.
    REQUIRE(test::waitUntil([&] { return desk.mission.routeCount() == 2; }));
}

TEST_CASE("A route taken up again keeps its uuid and waypoint names and is saved as edited",
          "[quick][routes]") {
    Routes desk;
    RouteDraft& draft = desk.draft;
    REQUIRE(draft.routes().size() == 1);
    CHECK_FALSE(draft.edit(QStringLiteral("no-such-route")));
    REQUIRE(draft.edit(desk.alpha));
    CHECK(draft.editing() == desk.alpha);
    CHECK(draft.property("name").toString() == QStringLiteral("Route ALPHA"));
    CHECK(draft.property("departure").toString() == QStringLiteral("2026-11-27 06:00"));
    CHECK(desk.map->measurePoints().size() == 3);
    // Its pace: the path's length over the two hours from the first waypoint to the last.
    const double km = geo::geodesy::pathLength(desk.map->measurePoints()) / 1000.0;
    CHECK(std::abs(draft.property("speedKmh").toDouble() - km / 2.0) < 0.06);

    draft.setProperty("unit", QStringLiteral("BANBAT-3"));
    desk.click({0.4, 16.5}); // a fourth waypoint
    QSignalSpy saved(&draft, &RouteDraft::saved);
    REQUIRE(draft.save());
    REQUIRE(test::waitUntil([&] { return saved.count() == 1; }));
    CHECK(saved.first().first().toString() == desk.alpha);
    const QList<store::PatrolRoute> routes = storedRoutes(desk.path);
    REQUIRE(routes.size() == 1);
    const store::PatrolRoute& alpha = routes.first();
    CHECK(alpha.uuid == desk.alpha);
    CHECK(alpha.unit == QStringLiteral("BANBAT-3"));
    REQUIRE(alpha.waypoints.size() == 4);
    CHECK(alpha.waypoints[1].name == QStringLiteral("bridge"));
    CHECK(alpha.waypoints[3].name == QStringLiteral("WP4"));
    CHECK(alpha.waypoints[3].plannedAt > alpha.waypoints[2].plannedAt);
}

TEST_CASE("A GPX track is read on a worker with progress and can be cancelled or refused",
          "[quick][routes]") {
    Routes desk;
    RouteDraft& draft = desk.draft;
    REQUIRE(draft.edit(desk.alpha));

    // A good track: read whole, with progress on the way.
    const QString good = writeGpx(desk.dir.filePath(QStringLiteral("good.gpx")), 12000);
    QSignalSpy progress(&draft, &RouteDraft::progressChanged);
    draft.importTrack(QUrl::fromLocalFile(good));
    CHECK(draft.importing());
    REQUIRE(test::waitUntil([&] { return !draft.importing(); }, 60000));
    CHECK(draft.trackPoints() == 12000);
    CHECK(draft.importedPoints() == 12000);
    CHECK(progress.count() >= 1);
    CHECK(draft.problems().isEmpty());

    // A point without a time refuses the whole file; the track read before stays.
    const QString bad = writeGpx(desk.dir.filePath(QStringLiteral("bad.gpx")), 50, 17);
    draft.importTrack(QUrl::fromLocalFile(bad));
    REQUIRE(test::waitUntil([&] { return !draft.importing(); }));
    CHECK(draft.trackPoints() == 12000);
    CHECK(draft.problems()
              .value(QStringLiteral("track"))
              .toString()
              .contains(QStringLiteral("has no time")));

    // Cancelled while reading a long one: nothing taken, and it says so.
    const QString big = writeGpx(desk.dir.filePath(QStringLiteral("big.gpx")), 300000);
    draft.importTrack(QUrl::fromLocalFile(big));
    draft.cancelImport();
    REQUIRE(test::waitUntil([&] { return !draft.importing(); }, 60000));
    CHECK(draft.trackPoints() == 12000);
    CHECK(draft.problems()
              .value(QStringLiteral("track"))
              .toString()
              .contains(QStringLiteral("cancelled")));

    // Saved with the route.
    QSignalSpy saved(&draft, &RouteDraft::saved);
    REQUIRE(draft.save());
    REQUIRE(test::waitUntil([&] { return saved.count() == 1; }));
    const QList<store::PatrolRoute> routes = storedRoutes(desk.path);
    REQUIRE(routes.size() == 1);
    REQUIRE(routes.first().track.size() == 12000);
    CHECK(routes.first().track.first().recordedAt == kDeparture.addSecs(60));
    CHECK(std::abs(routes.first().track.last().location.lat - (16.0 + 12000 * 1e-5)) < 1e-6);
}

TEST_CASE("Routes saved from the editor are undone and redone as edits of the mission",
          "[quick][routes][history]") {
    Routes desk;
    RouteDraft& draft = desk.draft;
    EditHistory* history = desk.mission.history();
    QSignalSpy saved(&draft, &RouteDraft::saved);
    auto waitIdle = [&] { REQUIRE(test::waitUntil([&] { return !history->busy(); })); };

    // An edit of route ALPHA: undo puts the unit and the waypoints back.
    REQUIRE(draft.edit(desk.alpha));
    draft.setProperty("unit", QStringLiteral("BANBAT-9"));
    desk.click({0.45, 16.5});
    REQUIRE(draft.save());
    REQUIRE(test::waitUntil([&] { return saved.count() == 1; }));
    REQUIRE(history->canUndo());
    CHECK(history->undoText().contains(QStringLiteral("edit of route Route ALPHA")));
    history->undo();
    waitIdle();
    QList<store::PatrolRoute> routes = storedRoutes(desk.path);
    REQUIRE(routes.size() == 1);
    CHECK(routes.first().unit == QStringLiteral("BANBAT-1"));
    CHECK(routes.first().waypoints.size() == 3);
    history->redo();
    waitIdle();
    routes = storedRoutes(desk.path);
    CHECK(routes.first().unit == QStringLiteral("BANBAT-9"));
    CHECK(routes.first().waypoints.size() == 4);

    // A new route: undo deletes it, redo adds it again.
    draft.start();
    desk.click({-0.2, 16.0});
    desk.click({0.1, 16.2});
    draft.setProperty("name", QStringLiteral("Route GOLF"));
    draft.setProperty("unit", QStringLiteral("FPU-1"));
    REQUIRE(draft.save());
    REQUIRE(test::waitUntil([&] { return saved.count() == 2; }));
    CHECK(storedRoutes(desk.path).size() == 2);
    history->undo();
    waitIdle();
    CHECK(storedRoutes(desk.path).size() == 1);
    history->redo();
    waitIdle();
    routes = storedRoutes(desk.path);
    REQUIRE(routes.size() == 2);
    CHECK((routes[0].name == QStringLiteral("Route GOLF") ||
           routes[1].name == QStringLiteral("Route GOLF")));
}
