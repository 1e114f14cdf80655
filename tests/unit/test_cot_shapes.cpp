// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Cursor-on-Target beyond points: TAK routes (b-m-r) to patrol routes, TAK drawings (freehand
// lines and shapes, rectangles, circles) and map markers to annotations, and back; what an event
// carried beyond its record (uid, type, how, stale, hae/ce/le) kept for the way back and for the
// map's stale markers.
#include "TestSupport.h"
#include "geo/Geodesy.h"
#include "interop/CursorOnTarget.h"
#include "render/OverlayPainter.h"
#include "render/Palette.h"
#include "store/MissionStore.h"

#include <QImage>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

using namespace tessera;
using namespace tessera::interop;
using Catch::Matchers::Contains;

namespace {

store::MissionStore newMission(const QTemporaryDir& dir, const QString& name) {
    store::MissionInfo info;
    info.name = QStringLiteral("CoT shapes");
    info.marking = {QStringLiteral("UNCLASSIFIED"), {}};
    Result<store::MissionStore> m = store::MissionStore::create(dir.filePath(name), info);
    REQUIRE(m.ok());
    return std::move(m).value();
}

std::string text(const QString& s) {
    return s.toStdString();
}

double metresBetween(geo::GeoPoint a, geo::GeoPoint b) {
    return geo::geodesy::inverse(a, b).distanceMetres;
}

} // namespace

TEST_CASE("CoT: an ATAK route becomes a patrol route with its waypoints", "[cot][shapes]") {
    QTemporaryDir dir;
    store::MissionStore m = newMission(dir, QStringLiteral("m.tessera"));
    Result<ImportReport> report =
        importCot(m, test::dataFile(QStringLiteral("cot/atak-route.cot")));
    REQUIRE(report.ok());
    CHECK(report.value().imported == 1);
    const QList<store::PatrolRoute> routes = m.routes().value();
    REQUIRE(routes.size() == 1);
    const store::PatrolRoute& r = routes.first();
    CHECK(r.uuid == QStringLiteral("4d3c2b1a-aaaa-4bbb-8ccc-0123456789ab"));
    CHECK(r.name == QStringLiteral("Route Gao-Ansongo"));
    CHECK(r.marking.banner() == QStringLiteral("UNCLASSIFIED // REL TO FRA, NLD"));
    // Waypoints and the control point between them, in order; the parent link has no point.
    REQUIRE(r.waypoints.size() == 3);
    CHECK(r.waypoints[0].name == QStringLiteral("Gao"));
    CHECK(r.waypoints[1].name == QStringLiteral("CP1"));
    CHECK(r.waypoints[2].name == QStringLiteral("Ansongo"));
    CHECK(r.waypoints[2].location.lat == Approx(15.66));
    CHECK(r.waypoints[2].location.lon == Approx(0.50));
    CHECK(m.incidents().value().isEmpty());
    CHECK(m.annotations().value().isEmpty());
    // What ATAK needs to update its own markers: the points' uids, which are control points,
    // and the heights it sent.
    CHECK(r.waypoints[0].linkUid == QStringLiteral("wp-1"));
    CHECK(r.waypoints[1].linkUid == QStringLiteral("cp-1"));
    CHECK(r.waypoints[2].linkUid == QStringLiteral("wp-2"));
    CHECK_FALSE(r.waypoints[0].control);
    CHECK(r.waypoints[1].control);
    CHECK_FALSE(r.waypoints[2].control);
    CHECK(r.waypoints[0].elevation == std::optional<double>(262.0));
    CHECK_FALSE(r.waypoints[1].elevation.has_value());

    SECTION("it goes back to ATAK with the same points: uids, kinds and heights") {
        const QString out = dir.filePath(QStringLiteral("back.cot"));
        REQUIRE(exportCot(m, out).ok());
        Result<CotStream> events = readCotStream(test::readAll(out));
        REQUIRE(events.ok());
        REQUIRE(events.value().events.size() == 1);
        const CotEvent& e = events.value().events.first();
        CHECK(e.type == QStringLiteral("b-m-r"));
        QStringList uids, types;
        QList<std::optional<double>> heights;
        for (const CotLink& link : e.links) {
            uids.append(link.uid);
            types.append(link.type);
            heights.append(link.hae);
        }
        CHECK(uids ==
              QStringList{QStringLiteral("wp-1"), QStringLiteral("cp-1"), QStringLiteral("wp-2")});
        CHECK(types == QStringList{QStringLiteral("b-m-p-w"), QStringLiteral("b-m-p-c"),
                                   QStringLiteral("b-m-p-w")});
        CHECK(heights == QList<std::optional<double>>{262.0, std::nullopt, std::nullopt});
        // Consistent times: a kept object, fresh from the export for a day.
        CHECK(e.time == e.start);
        CHECK(e.start.secsTo(e.stale) == 24 * 3600);
    }

    // Sent again after an edit in ATAK: the same route, replaced.
    QByteArray edited = test::readAll(test::dataFile(QStringLiteral("cot/atak-route.cot")));
    edited.replace("<link uid='cp-1' callsign='CP1' type='b-m-p-c' point='16.0,0.2' remarks='' "
                   "relation='c'/>",
                   "");
    edited.replace("Route Gao-Ansongo", "Route Gao-Ansongo (east bank)");
    const QString again = dir.filePath(QStringLiteral("again.cot"));
    test::writeAll(again, edited);
    REQUIRE(importCot(m, again).ok());
    const QList<store::PatrolRoute> after = m.routes().value();
    REQUIRE(after.size() == 1);
    CHECK(after.first().name == QStringLiteral("Route Gao-Ansongo (east bank)"));
    CHECK(after.first().waypoints.size() == 2);
}

TEST_CASE("CoT: ATAK drawings and markers become annotations", "[cot][shapes]") {
    QTemporaryDir dir;
    store::MissionStore m = newMission(dir, QStringLiteral("m.tessera"));
    Result<ImportReport> report =
        importCot(m, test::dataFile(QStringLiteral("cot/atak-shapes.cot")));
    REQUIRE(report.ok());
    CHECK(report.value().imported == 5);
    QHash<QString, store::Annotation> byText;
    const QList<store::Annotation> annotations = m.annotations().value();
    for (const store::Annotation& a : annotations)
        byText.insert(a.text, a);
    REQUIRE(byText.size() == 5);

    SECTION("a closed freehand shape is an area, its closing vertex dropped") {
        const store::Annotation a = byText.value(QStringLiteral("Road impassable after the rain."));
        CHECK(a.kind == store::AnnotationKind::Area);
        REQUIRE(a.geometry.size() == 3);
        CHECK(a.geometry[1] == geo::GeoPoint{0.2, 16.2});
        CHECK(a.author == QStringLiteral("BRAVO 2")); // the parent link's callsign
        CHECK(a.writtenAt == QDateTime(QDate(2026, 11, 20), QTime(9, 0), Qt::UTC));
    }
    SECTION("an open one is a line, named by its callsign when it has no remarks") {
        const store::Annotation a = byText.value(QStringLiteral("Bypass track"));
        CHECK(a.kind == store::AnnotationKind::Line);
        CHECK(a.geometry.size() == 3);
    }
    SECTION("a rectangle is an area of four corners with the caveat in its marking") {
        const store::Annotation a = byText.value(QStringLiteral("Landing zone"));
        CHECK(a.kind == store::AnnotationKind::Area);
        CHECK(a.geometry.size() == 4);
        CHECK(a.marking.classification == QStringLiteral("UNCLASSIFIED // EXERCISE"));
    }
    SECTION("a circle is an area whose every vertex is its radius from the centre") {
        const store::Annotation a = byText.value(QStringLiteral("Exclusion zone"));
        CHECK(a.kind == store::AnnotationKind::Area);
        REQUIRE(a.geometry.size() == 72);
        for (const geo::GeoPoint& p : a.geometry)
            CHECK(metresBetween(p, {-0.0447, 16.2717}) == Approx(500.0).margin(0.01));
    }
    SECTION("a marker is a point annotation") {
        const store::Annotation a =
            byText.value(QStringLiteral("Borehole, working, queue at noon."));
        CHECK(a.kind == store::AnnotationKind::Point);
        CHECK(a.geometry == QList<geo::GeoPoint>{{-0.0412, 16.2801}});
        CHECK(a.marking.releasability == QStringLiteral("REL TO UN"));
    }
}

TEST_CASE("CoT: routes and annotations survive the round trip through a CoT file",
          "[cot][shapes]") {
    QTemporaryDir dir;
    store::MissionStore source = newMission(dir, QStringLiteral("a.tessera"));
    const QDateTime t0(QDate(2026, 11, 24), QTime(6, 0), Qt::UTC);
    store::PatrolRoute route;
    route.name = QStringLiteral("Route ALPHA <RN16> & \"bridge\"");
    route.unit = QStringLiteral("BANBAT Coy B");
    route.status = store::RouteStatus::InProgress;
    route.exercise = true;
    route.marking = {QStringLiteral("RESTRICTED // EXERCISE"), QStringLiteral("REL TO BGD, UN")};
    route.waypoints = {{{-0.0447, 16.2717}, t0, QStringLiteral("Gao")},
                       {{0.2, 16.0}, QDateTime(), QString()},
                       {{0.5, 15.66}, t0.addSecs(3 * 3600), QStringLiteral("Ansongo")}};
    route.waypoints[0].elevation = 262.5;
    route.waypoints[1].control = true;
    route.track = {{{-0.0447, 16.2717}, t0.addSecs(60), 262.5},
                   {{0.01, 16.2}, t0.addSecs(900), std::nullopt},
                   {{0.1, 16.1}, t0.addMSecs(1800250), 259.0}};
    REQUIRE(source.addRoute(route).ok());
    QList<store::Annotation> drawn;
    for (store::AnnotationKind kind :
         {store::AnnotationKind::Point, store::AnnotationKind::Line, store::AnnotationKind::Area}) {
        store::Annotation a;
        a.kind = kind;
        a.geometry = kind == store::AnnotationKind::Point
                         ? QList<geo::GeoPoint>{{0.01, 16.27}}
                         : QList<geo::GeoPoint>{{0.0, 16.2}, {0.2, 16.2}, {0.2, 16.0}};
        a.text = QStringLiteral("%1 drawn by G2\nsecond line").arg(store::toString(kind));
        a.author = QStringLiteral("G2 analyst");
        a.writtenAt = t0.addSecs(static_cast<int>(kind) * 60);
        a.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
        REQUIRE(source.addAnnotation(a).ok());
        drawn.append(a);
    }
    const QString file = dir.filePath(QStringLiteral("out.cot"));
    Result<qint64> written = exportCot(source, file);
    REQUIRE(written.ok());
    CHECK(written.value() == 4);

    store::MissionStore copy = newMission(dir, QStringLiteral("b.tessera"));
    REQUIRE(importCot(copy, file).ok());
    const QList<store::PatrolRoute> routes = copy.routes().value();
    REQUIRE(routes.size() == 1);
    const store::PatrolRoute& r = routes.first();
    CHECK(r.uuid == route.uuid);
    CHECK(r.name == route.name);
    CHECK(r.unit == route.unit);
    CHECK(r.status == route.status);
    CHECK(r.exercise);
    CHECK(r.marking == route.marking);
    REQUIRE(r.waypoints.size() == 3);
    for (int n = 0; n < 3; ++n) {
        CHECK(r.waypoints[n].name == route.waypoints[n].name);
        CHECK(r.waypoints[n].plannedAt == route.waypoints[n].plannedAt);
        CHECK(r.waypoints[n].location.lat == Approx(route.waypoints[n].location.lat));
        CHECK(r.waypoints[n].location.lon == Approx(route.waypoints[n].location.lon));
        CHECK(r.waypoints[n].control == route.waypoints[n].control);
        CHECK(r.waypoints[n].elevation == route.waypoints[n].elevation);
        // Made here, a point gets a uid in the file, which the copy keeps for the next time.
        CHECK(r.waypoints[n].linkUid == QStringLiteral("%1.wp%2").arg(route.uuid).arg(n + 1));
    }
    REQUIRE(r.track.size() == 3);
    for (int n = 0; n < 3; ++n) {
        CHECK(r.track[n].recordedAt == route.track[n].recordedAt);
        CHECK(r.track[n].elevation == route.track[n].elevation);
        CHECK(r.track[n].location.lat == Approx(route.track[n].location.lat));
    }
    const QList<store::Annotation> annotations = copy.annotations().value();
    REQUIRE(annotations.size() == 3);
    for (const store::Annotation& original : drawn) {
        const auto it =
            std::find_if(annotations.begin(), annotations.end(),
                         [&](const store::Annotation& a) { return a.uuid == original.uuid; });
        REQUIRE(it != annotations.end());
        CHECK(it->kind == original.kind);
        CHECK(it->text == original.text);
        CHECK(it->author == original.author);
        CHECK(it->writtenAt == original.writtenAt);
        CHECK(it->marking == original.marking);
        REQUIRE(it->geometry.size() == original.geometry.size());
        for (qsizetype n = 0; n < original.geometry.size(); ++n) {
            CHECK(it->geometry[n].lat == Approx(original.geometry[n].lat));
            CHECK(it->geometry[n].lon == Approx(original.geometry[n].lon));
        }
    }
}

TEST_CASE("CoT: an event goes back out with the uid type how stale and hae it came with",
          "[cot][shapes]") {
    QTemporaryDir dir;
    store::MissionStore m = newMission(dir, QStringLiteral("m.tessera"));
    const QString in = dir.filePath(QStringLiteral("in.cot"));
    test::writeAll(in, "<event version='2.0' uid='ANDROID-3f2a9c.hostile-7' type='a-h-G-U-C-I' "
                       "how='m-g' time='2026-11-20T10:00:00Z' start='2026-11-20T10:00:00Z' "
                       "stale='2026-11-20T10:30:00Z' access='UNCLASSIFIED'>"
                       "<point lat='16.25' lon='-0.03' hae='261.5' ce='15.0' le='9999999.0'/>"
                       "<detail><contact callsign='Armed group, 2 pickups'/></detail></event>");
    REQUIRE(importCot(m, in).ok());
    const QString uuid = recordUuidForUid(QStringLiteral("ANDROID-3f2a9c.hostile-7"));
    Result<QHash<QString, store::CotOrigin>> origins = m.cotOrigins();
    REQUIRE(origins.ok());
    REQUIRE(origins.value().contains(uuid));
    CHECK(origins.value().value(uuid).hae == std::optional<double>(261.5));
    CHECK_FALSE(origins.value().value(uuid).le.has_value());

    const QString out = dir.filePath(QStringLiteral("out.cot"));
    REQUIRE(exportCot(m, out).ok());
    Result<CotStream> back = readCotStream(test::readAll(out));
    REQUIRE(back.ok());
    REQUIRE(back.value().events.size() == 1);
    CotEvent e = back.value().events.first();
    CHECK(e.uid == QStringLiteral("ANDROID-3f2a9c.hostile-7"));
    CHECK(e.type == QStringLiteral("a-h-G-U-C-I"));
    CHECK(e.how == QStringLiteral("m-g"));
    CHECK(e.stale == QDateTime(QDate(2026, 11, 20), QTime(10, 30), Qt::UTC));
    CHECK(e.hae == 261.5);
    CHECK(e.ce == 15.0);
    CHECK(e.le == 9999999.0);

    // The analyst recategorises it: the type then says what Tessera now holds.
    store::Incident i = m.incident(uuid).value();
    i.category = QStringLiteral("crime");
    REQUIRE(m.updateIncident(i).ok());
    REQUIRE(exportCot(m, out).ok());
    e = readCotStream(test::readAll(out)).value().events.first();
    CHECK(e.type == cotTypeForCategory(QStringLiteral("crime")));
    CHECK(e.uid == QStringLiteral("ANDROID-3f2a9c.hostile-7"));
}

TEST_CASE("CoT: an incident past its stale time is drawn as stale", "[cot][shapes]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("m.tessera"));
    {
        store::MissionStore m = newMission(dir, QStringLiteral("m.tessera"));
        const QString in = dir.filePath(QStringLiteral("in.cot"));
        test::writeAll(in, "<event version='2.0' uid='old' type='a-h-G' how='h-e' "
                           "time='2026-11-20T10:00:00Z' start='2026-11-20T10:00:00Z' "
                           "stale='2026-11-20T10:30:00Z' access='UNCLASSIFIED'>"
                           "<point lat='10' lon='10'/><detail/></event>"
                           "<event version='2.0' uid='new' type='a-h-G' how='h-e' "
                           "time='2026-11-20T10:00:00Z' start='2026-11-20T10:00:00Z' "
                           "stale='2026-11-20T12:00:00Z' access='UNCLASSIFIED'>"
                           "<point lat='10' lon='10.1'/><detail/></event>");
        REQUIRE(importCot(m, in).ok());
    }
    Result<store::MissionSnapshot> snapshot = store::MissionStore::load(path);
    REQUIRE(snapshot.ok());
    REQUIRE(snapshot.value().staleAt.size() == 2);
    CHECK(snapshot.value().staleAt.value(recordUuidForUid(QStringLiteral("old"))) ==
          QDateTime(QDate(2026, 11, 20), QTime(10, 30), Qt::UTC));

    render::OverlayContent content;
    content.incidents = snapshot.value().incidents;
    content.staleAt = snapshot.value().staleAt;
    content.now = QDateTime(QDate(2026, 11, 20), QTime(11, 0), Qt::UTC); // between the two
    const render::Viewport view =
        render::Viewport::fittingGeographic({9.8, 9.8, 10.3, 10.2}, QSize(400, 200));
    QImage image(view.size(), QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    {
        QPainter painter(&image);
        render::OverlayPainter::paint(painter, view, content);
    }
    const QColor medium = render::palette::severity(store::Severity::Medium);
    const QPoint stale = view.toPixel(geo::GeoPoint{10.0, 10.0}).toPoint();
    const QPoint live = view.toPixel(geo::GeoPoint{10.1, 10.0}).toPoint();
    CHECK(test::colorDistance(image.pixelColor(live), medium) < 30);
    CHECK(test::colorDistance(image.pixelColor(stale), medium) > 150);
    // The stale fill over the white background.
    const QColor fill = render::palette::staleFill();
    auto over = [&](int c) {
        return static_cast<int>(c * fill.alphaF() + 255 * (1 - fill.alphaF()));
    };
    CHECK(test::colorDistance(image.pixelColor(stale), QColor(over(fill.red()), over(fill.green()),
                                                              over(fill.blue()))) < 12);
}

TEST_CASE("CoT: routes and drawings that cannot be records are refused with nothing written",
          "[cot][shapes][bad-input]") {
    QTemporaryDir dir;
    store::MissionStore m = newMission(dir, QStringLiteral("m.tessera"));
    const QByteArray head = "<event version='2.0' uid='u%1' type='%2' how='h-e' "
                            "time='2026-11-20T10:00:00Z' start='2026-11-20T10:00:00Z' "
                            "stale='2026-11-20T12:00:00Z' access='UNCLASSIFIED'>"
                            "<point lat='16' lon='0'/><detail>";
    auto event = [&](int n, const char* type, const QByteArray& detail) {
        return QString::fromUtf8(head).arg(n).arg(QLatin1String(type)).toUtf8() + detail +
               "</detail></event>";
    };
    const QByteArray good = event(1, "u-d-f", "<link point='16,0'/><link point='16.1,0.1'/>");
    struct Case {
        QByteArray event;
        const char* reason;
    };
    const QList<Case> cases{
        {event(2, "b-m-r", "<link point='16,0' callsign='only one'/>"), "at least two waypoints"},
        {event(3, "u-d-f", "<link point='16,0'/><link point='95,0'/>"), "link 2 has the point"},
        {event(4, "u-d-c-c", "<contact callsign='no radius'/>"), "no usable <shape><ellipse"},
        {event(5, "u-d-f", "<link point='16,0'/><link point='16.1,0.1'/>")
             .replace("access='UNCLASSIFIED'", ""),
         "no classification"},
        {event(6, "b-m-r",
               "<link point='16,0'/><link point='16.1,0.1'/><__tessera record='route'>"
               "<fix point='16,0' time='not a time'/></__tessera>"),
         "track fix 1"},
    };
    for (const Case& c : cases) {
        INFO(c.reason);
        const QString file = dir.filePath(QStringLiteral("bad.cot"));
        test::writeAll(file, good + c.event);
        Result<ImportReport> refused = importCot(m, file);
        REQUIRE_FALSE(refused.ok());
        CHECK_THAT(text(refused.error().message), Contains("event 2") && Contains(c.reason));
        CHECK(m.annotations().value().isEmpty());
        CHECK(m.routes().value().isEmpty());
    }
}

TEST_CASE("CoT: an incident's notes thread travels with it and is not doubled", "[cot][shapes]") {
    QTemporaryDir dir;
    store::MissionStore source = newMission(dir, QStringLiteral("a.tessera"));
    store::Incident i;
    i.title = QStringLiteral("Roadblock at the ferry");
    i.category = QStringLiteral("civil_unrest");
    i.observedAt = QDateTime(QDate(2026, 11, 21), QTime(9, 0), Qt::UTC);
    i.location = {-0.04, 16.27};
    i.source = QStringLiteral("Patrol");
    i.reliability = QStringLiteral("C");
    i.credibility = 3;
    i.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
    REQUIRE(source.addIncident(i).ok());
    store::IncidentNote open;
    open.author = QStringLiteral("G2 analyst");
    open.text = QStringLiteral("Cleared by 11:00 <local> & \"calm\".\nFerry running.");
    open.writtenAt = QDateTime(QDate(2026, 11, 21), QTime(11, 5, 30, 125), Qt::UTC);
    open.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
    REQUIRE(source.addNote(i.uuid, open).ok());
    store::IncidentNote secret;
    secret.author = QStringLiteral("J2");
    secret.text = QStringLiteral("Source says the organiser is known to us.");
    secret.marking = {QStringLiteral("SECRET"), QStringLiteral("REL TO FRA")};
    REQUIRE(source.addNote(i.uuid, secret).ok());

    const QString file = dir.filePath(QStringLiteral("out.cot"));
    REQUIRE(exportCot(source, file, [](const store::Marking& m) {
                return m.classification == QLatin1String("UNCLASSIFIED");
            }).ok());
    CHECK_FALSE(test::readAll(file).contains("organiser"));
    store::MissionStore copy = newMission(dir, QStringLiteral("b.tessera"));
    REQUIRE(importCot(copy, file).ok());
    REQUIRE(importCot(copy, file).ok()); // again: the same note is not added twice
    const QList<store::IncidentNote> notes = copy.notes(i.uuid).value();
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].uuid == open.uuid);
    CHECK(notes[0].author == open.author);
    CHECK(notes[0].text == open.text);
    CHECK(notes[0].writtenAt == open.writtenAt);
    CHECK(notes[0].marking == open.marking);
}

TEST_CASE("CoT: drawings taken in from TAK show on the map", "[cot][shapes]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("m.tessera"));
    {
        store::MissionStore m = newMission(dir, QStringLiteral("m.tessera"));
        REQUIRE(importCot(m, test::dataFile(QStringLiteral("cot/atak-shapes.cot"))).ok());
    }
    Result<store::MissionSnapshot> snapshot = store::MissionStore::load(path);
    REQUIRE(snapshot.ok());
    render::OverlayContent content;
    content.annotations = snapshot.value().annotations;
    const render::Viewport view =
        render::Viewport::fittingGeographic({-0.2, 15.95, 0.3, 16.35}, QSize(800, 640));
    QImage image(view.size(), QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    {
        QPainter painter(&image);
        render::OverlayPainter::paint(painter, view, content);
    }
    // Inside the flooded-wadi triangle (16.2,0.0 / 16.2,0.2 / 16.0,0.2): the area's light fill.
    const QColor inside = image.pixelColor(view.toPixel(geo::GeoPoint{0.15, 16.15}).toPoint());
    const QColor fill = render::palette::annotation();
    auto over = [&](int c) { return static_cast<int>(c * 55 / 255.0 + 255 * (1 - 55 / 255.0)); };
    CHECK(test::colorDistance(
              inside, QColor(over(fill.red()), over(fill.green()), over(fill.blue()))) < 12);
    // The marker: a square of the annotation colour.
    const QColor marker = image.pixelColor(view.toPixel(geo::GeoPoint{-0.0412, 16.2801}).toPoint());
    CHECK(test::colorDistance(marker, fill) < 30);
    // Outside every drawing: untouched.
    CHECK(image.pixelColor(view.toPixel(geo::GeoPoint{0.28, 15.97}).toPoint()) ==
          QColor(Qt::white));
}

namespace {

/// One ATAK drawing event, written as ATAK writes them (single quotes, no access).
QByteArray atakEvent(const char* uid, const char* type, double lat, double lon,
                     const QByteArray& detail) {
    const QByteArray t = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toLatin1();
    return "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n<event version='2.0' uid='" +
           QByteArray(uid) + "' type='" + QByteArray(type) + "' time='" + t + "' start='" + t +
           "' stale='" + t + "' how='h-e'><point lat='" + QByteArray::number(lat, 'f', 7) +
           "' lon='" + QByteArray::number(lon, 'f', 7) +
           "' hae='9999999.0' ce='9999999.0' le='9999999.0'/><detail>" + detail +
           "<link uid='ANDROID-7d1e44b0c2' type='a-f-G-U-C' parent_callsign='BRAVO 2' "
           "relation='p-p'/></detail></event>\n";
}

/// Whether `p` is inside `ring` as a map draws and tests an area in longitude and latitude
/// (even-odd, the ring closed implicitly).
bool insideOnTheMap(const QList<geo::GeoPoint>& ring, geo::GeoPoint p) {
    bool inside = false;
    for (qsizetype i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
        const geo::GeoPoint a = ring[i], b = ring[j];
        if ((a.lat > p.lat) != (b.lat > p.lat) &&
            p.lon < (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon)
            inside = !inside;
    }
    return inside;
}

/// Imports `cot` into `m` (UNCLASSIFIED by default), exports it, and reads the export back.
QList<CotEvent> throughTessera(store::MissionStore& m, const QTemporaryDir& dir,
                               const QByteArray& cot) {
    const QString in = dir.filePath(QStringLiteral("in.cot"));
    test::writeAll(in, cot);
    CotImportOptions options;
    options.defaultMarking = cotDefaultMarking(QStringLiteral("UNCLASSIFIED")).value();
    Result<ImportReport> imported = importCot(m, in, options);
    const std::string why = imported.ok() ? std::string() : text(imported.error().message);
    INFO(why);
    REQUIRE(imported.ok());
    const QString out = dir.filePath(QStringLiteral("out.cot"));
    REQUIRE(exportCot(m, out).ok());
    Result<CotStream> back = readCotStream(test::readAll(out));
    REQUIRE(back.ok());
    return back.value().events;
}

const CotEvent& byUid(const QList<CotEvent>& events, const char* uid) {
    for (const CotEvent& e : events)
        if (e.uid == QLatin1String(uid))
            return e;
    FAIL("no event " << uid);
    return events.first();
}

} // namespace

TEST_CASE("CoT shapes: circles and ellipses go back to ATAK as ATAK reads them",
          "[cot][shapes][atak]") {
    QTemporaryDir dir;
    store::MissionStore m = newMission(dir, QStringLiteral("m.tessera"));
    const geo::GeoPoint centre{-0.0442, 16.2731};
    const QByteArray in =
        atakEvent("circle-1", "u-d-c-c", centre.lat, centre.lon,
                  "<shape><ellipse major='500.0' minor='500.0' angle='360'/>"
                  "<link uid='circle-1.Style' type='b-x-KmlStyle' relation='p-c'><Style>"
                  "<LineStyle><color>ffff0000</color><width>4.0</width></LineStyle></Style>"
                  "</link></shape><contact callsign='Cordon'/>") +
        atakEvent("ellipse-1", "u-d-c-e", centre.lat, centre.lon,
                  "<shape><ellipse major='2000.0' minor='800.0' angle='30.0'/></shape>"
                  "<contact callsign='Search area'/>");
    const QList<CotEvent> back = throughTessera(m, dir, in);

    // In Tessera: ATAK's ellipse is 2000 m by 800 m across (diameters), not twice that.
    const QList<store::Annotation> shapes = m.annotations().value();
    for (const store::Annotation& a : shapes) {
        REQUIRE(a.kind == store::AnnotationKind::Area);
        double far = 0, near = 1e9;
        for (const geo::GeoPoint& p : a.geometry) {
            far = std::max(far, metresBetween(centre, p));
            near = std::min(near, metresBetween(centre, p));
        }
        if (a.text.startsWith(QLatin1String("Cordon"))) {
            CHECK(far == Approx(500).margin(0.5));
            CHECK(near == Approx(500).margin(0.5));
        } else {
            CHECK(far == Approx(1000).margin(0.5));
            CHECK(near == Approx(400).margin(0.5));
        }
    }
    // Back out: the shape detail ATAK requires, centred, with ATAK's axis meaning.
    const CotEvent& circle = byUid(back, "circle-1");
    CHECK(circle.type == QStringLiteral("u-d-c-c"));
    CHECK(circle.ellipseMajor == Approx(500).margin(0.01));
    CHECK(circle.ellipseMinor == Approx(500).margin(0.01));
    CHECK(std::fmod(circle.ellipseAngle, 360.0) == 0.0);
    CHECK(metresBetween({circle.lon, circle.lat}, centre) < 0.01);
    CHECK(circle.links.isEmpty());
    const CotEvent& ellipse = byUid(back, "ellipse-1");
    CHECK(ellipse.type == QStringLiteral("u-d-c-e"));
    CHECK(ellipse.ellipseMajor == Approx(2000).margin(0.01));
    CHECK(ellipse.ellipseMinor == Approx(800).margin(0.01));
    CHECK(ellipse.ellipseAngle == Approx(30).margin(0.001));
    CHECK(metresBetween({ellipse.lon, ellipse.lat}, centre) < 0.01);
    // The written event carries <shape><ellipse major minor angle>.
    CHECK(writeCotEvent(circle).contains("<shape><ellipse major=\"500.000\" minor=\"500.000\""));

    SECTION("an edited circle goes back as the freehand shape it now is") {
        store::Annotation edited;
        const QList<store::Annotation> held = m.annotations().value();
        for (const store::Annotation& a : held)
            if (a.text.startsWith(QLatin1String("Cordon")))
                edited = a;
        edited.geometry[5].lat += 0.01;
        REQUIRE(m.updateAnnotation(edited).ok());
        const QString out = dir.filePath(QStringLiteral("edited.cot"));
        REQUIRE(exportCot(m, out).ok());
        const QList<CotEvent> again = readCotStream(test::readAll(out)).value().events;
        const CotEvent& now = byUid(again, "circle-1");
        CHECK(now.type == QStringLiteral("u-d-f"));
        CHECK(now.links.size() == 73);
    }
}

TEST_CASE("CoT shapes: a circle across longitude 180 or around a pole contains its centre",
          "[cot][shapes][atak]") {
    QTemporaryDir dir;
    store::MissionStore m = newMission(dir, QStringLiteral("m.tessera"));
    // Fiji straddles 180: a 20 km cordon east of Labasa, and a 150 km circle at the north pole.
    const geo::GeoPoint fiji{179.95, -16.4};
    const geo::GeoPoint pole{10.0, 89.6};
    const QList<CotEvent> back = throughTessera(
        m, dir,
        atakEvent("fiji", "u-d-c-c", fiji.lat, fiji.lon,
                  "<shape><ellipse major='20000' minor='20000' angle='0'/></shape>"
                  "<contact callsign='Fiji'/>") +
            atakEvent("pole", "u-d-c-c", pole.lat, pole.lon,
                      "<shape><ellipse major='150000' minor='150000' angle='360'/></shape>"
                      "<contact callsign='Pole'/>"));
    const QList<store::Annotation> rings = m.annotations().value();
    for (const store::Annotation& a : rings) {
        const bool isFiji = a.text.startsWith(QLatin1String("Fiji"));
        INFO(text(a.text));
        CHECK(insideOnTheMap(a.geometry, isFiji ? fiji : pole));
        CHECK(insideOnTheMap(a.geometry,
                             isFiji ? geo::GeoPoint{-179.9, -16.4} : geo::GeoPoint{-170.0, 89.5}));
        // ... and nothing far away: the ring is not turned inside out.
        CHECK_FALSE(insideOnTheMap(a.geometry,
                                   isFiji ? geo::GeoPoint{0, -16.4} : geo::GeoPoint{10.0, 80.0}));
        for (const geo::GeoPoint& p : a.geometry)
            CHECK(p.isValid());
    }
    // And back as the same circles.
    for (const char* uid : {"fiji", "pole"}) {
        const CotEvent& e = byUid(back, uid);
        INFO(uid);
        CHECK(e.type == QStringLiteral("u-d-c-c"));
        CHECK(metresBetween({e.lon, e.lat}, uid == std::string("fiji") ? fiji : pole) < 0.05);
        CHECK(e.ellipseMajor == Approx(uid == std::string("fiji") ? 20000 : 150000).margin(0.05));
    }
}

TEST_CASE("CoT shapes: range and bearing lines, telestrations, and drawings without vertices",
          "[cot][shapes][atak]") {
    QTemporaryDir dir;
    store::MissionStore m = newMission(dir, QStringLiteral("m.tessera"));
    const geo::GeoPoint from{-0.0442, 16.2731};
    // A telestration: each line a whole event, escaped, in a link's `line` (as ATAK sends it).
    auto line = [](const char* uid, const char* points) {
        QByteArray inner = "<event version='2.0' uid='" + QByteArray(uid) +
                           "' type='u-d-f' time='2026-12-01T10:00:00Z' start='2026-12-01T10:00:00Z'"
                           " stale='2026-12-02T10:00:00Z' how='h-e'><point lat='16.3' lon='-0.05'"
                           " hae='9999999.0' ce='9999999.0' le='9999999.0'/><detail>" +
                           QByteArray(points) + "</detail></event>";
        return "<link line='" +
               inner.replace("&", "&amp;")
                   .replace("<", "&lt;")
                   .replace(">", "&gt;")
                   .replace("'", "&apos;") +
               "'/>";
    };
    const QByteArray cot =
        atakEvent("rb-1", "u-rb-a", from.lat, from.lon,
                  "<range value='1234.5'/><bearing value='47.25'/><inclination value='0.0'/>"
                  "<rangeUnits value='1'/><bearingUnits value='0'/><northRef value='1'/>"
                  "<contact callsign='R&amp;B 1'/>") +
        atakEvent(
            "tele-1", "u-d-f-m", 0, 0,
            line("tele-1.line-1", "<link point='16.30,-0.05'/><link point='16.31,-0.04'/>"
                                  "<link point='16.32,-0.05'/>") +
                line("tele-1.line-2", "<link point='16.29,-0.06'/><link point='16.28,-0.07'/>") +
                "<contact callsign='Arrow to the wadi'/>");
    const QList<CotEvent> back = throughTessera(m, dir, cot);

    const QList<store::Annotation> drawn = m.annotations().value();
    REQUIRE(drawn.size() == 3); // the line, and the telestration's two lines
    for (const store::Annotation& a : drawn) {
        CHECK(a.kind == store::AnnotationKind::Line);
        for (const geo::GeoPoint& p : a.geometry)
            CHECK(metresBetween(p, {0, 0}) > 1.0e6); // never a point at 0,0
    }
    const CotEvent& rb = byUid(back, "rb-1");
    CHECK(rb.type == QStringLiteral("u-rb-a"));
    CHECK(rb.range == Approx(1234.5).margin(0.01));
    CHECK(rb.bearing == Approx(47.25).margin(0.0001));
    CHECK(metresBetween({rb.lon, rb.lat}, from) < 0.01);
    CHECK(byUid(back, "tele-1.line-1").links.size() == 3);
    CHECK(byUid(back, "tele-1.line-2").type == QStringLiteral("u-d-f"));
    CHECK_THAT(text(byUid(back, "tele-1.line-2").remarks), Contains("Arrow to the wadi"));

    SECTION("a drawing without vertices is refused, not a point at 0,0") {
        const QString file = dir.filePath(QStringLiteral("empty.cot"));
        test::writeAll(file, atakEvent("empty", "u-d-f", 0, 0, "<contact callsign='x'/>") +
                                 atakEvent("tele-0", "u-d-f-m", 0, 0, "") +
                                 atakEvent("rb-0", "u-rb-a", 16, 0, ""));
        CotImportOptions options;
        options.defaultMarking = cotDefaultMarking(QStringLiteral("UNCLASSIFIED")).value();
        Result<ImportReport> refused = importCot(m, file, options);
        REQUIRE_FALSE(refused.ok());
        CHECK_THAT(text(refused.error().message),
                   Contains("event 1: uid empty: the u-d-f drawing has no vertices") &&
                       Contains("event 2: the telestration (u-d-f-m) has no lines") &&
                       Contains("event 3: uid rb-0: the range and bearing line has no usable"));
    }
}

TEST_CASE("CoT shapes: a route goes out with start now and stale after it", "[cot][shapes][atak]") {
    QTemporaryDir dir;
    store::MissionStore m = newMission(dir, QStringLiteral("m.tessera"));
    // ATAK's route, sent long ago (its stale time years past): Tessera sends it as of now.
    QByteArray route = test::readAll(test::dataFile(QStringLiteral("cot/atak-route.cot")));
    const QList<CotEvent> back = throughTessera(m, dir, route);
    REQUIRE(back.size() == 1);
    const CotEvent& e = back.first();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    CHECK(e.type == QStringLiteral("b-m-r"));
    CHECK(std::abs(e.time.secsTo(now)) < 600);
    CHECK(e.start == e.time);
    CHECK(e.stale > e.start);
    CHECK_FALSE(e.isStale(now));
}
