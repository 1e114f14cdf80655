// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "TestSupport.h"
#include "geo/Geodesy.h"
#include "geo/ThreadCheck.h"
#include "interop/CursorOnTarget.h"
#include "quick/LayerListModel.h"
#include "quick/LegendModel.h"
#include "quick/MapItem.h"
#include "quick/MissionController.h"
#include "render/Palette.h"
#include "render/RasterLayer.h"
#include "render/SceneRenderer.h"
#include "store/MissionStore.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <catch2/catch.hpp>
#include <cpl_conv.h>

using namespace tessera;
using namespace tessera::quick;
using Catch::Matchers::Contains;

namespace {

bool loaded(MissionController& m) {
    return test::waitUntil([&] {
        return m.status() == MissionController::Status::Ready ||
               m.status() == MissionController::Status::Failed;
    });
}

/// A real window with the map filling it, on the offscreen platform.
struct MapWindow {
    QQuickWindow window;
    MissionController mission;
    MapItem* map = new MapItem(window.contentItem());
    explicit MapWindow(QSize size = QSize(800, 600)) {
        window.resize(size);
        map->setSize(QSizeF(size));
        map->setMission(&mission);
        window.show();
    }
    QImage grab() { return window.grabWindow(); }
};

/// A new mission file at `path`, unclassified, opening on `view`, holding the CoT `events`.
void createCotMission(const QString& path, const QString& name, const geo::Extent& view,
                      const QStringList& events) {
    store::MissionInfo info;
    info.name = name;
    info.marking = {QStringLiteral("UNCLASSIFIED"), {}};
    info.initialView = view;
    auto m = store::MissionStore::create(path, info);
    REQUIRE(m.ok());
    for (const QString& file : events)
        REQUIRE(interop::importCot(m.value(), file).ok());
}

/// The map's view drawn by the headless renderer, every layer tile by tile, without the
/// operational overlay (it draws place labels, which the map without its overlay does not).
QImage headlessView(MapWindow& w) {
    render::MapScene scene = *w.mission.scene();
    scene.mission.incidents.clear();
    scene.mission.routes.clear();
    return render::SceneRenderer::render(scene, w.map->viewport()).image;
}

/// How many of a grid of samples of `drawn` are within `tolerance` of `reference`, of how many.
std::pair<int, int> closeSamples(const QImage& drawn, const QImage& reference, int tolerance) {
    int close = 0;
    int samples = 0;
    for (int y = 20; y < 600; y += 20)
        for (int x = 20; x < 800; x += 20) {
            ++samples;
            close +=
                test::colorDistance(drawn.pixelColor(x, y), reference.pixelColor(x, y)) < tolerance
                    ? 1
                    : 0;
        }
    return {close, samples};
}

} // namespace

TEST_CASE("MissionController opens missions in the background", "[quick][mission]") {
    MissionController mission;
    SECTION("the demo mission") {
        mission.setPath(test::demoMission());
        CHECK(mission.status() == MissionController::Status::Loading); // not loaded on this thread
        REQUIRE(loaded(mission));
        REQUIRE(mission.status() == MissionController::Status::Ready);
        CHECK(mission.name().contains(QStringLiteral("EXERCISE")));
        CHECK(mission.banner().startsWith(QStringLiteral("EXERCISE")));
        CHECK(mission.incidentCount() >= 24);
        CHECK(mission.problems().isEmpty());
    }
    SECTION("a missing file fails with its name") {
        mission.setPath(QStringLiteral("/nonexistent/mission.tessera"));
        REQUIRE(loaded(mission));
        CHECK(mission.status() == MissionController::Status::Failed);
        CHECK_THAT(mission.errorMessage().toStdString(), Contains("/nonexistent/mission.tessera"));
    }
    SECTION("a corrupt file fails with a reason") {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("corrupt.tessera"));
        test::writeAll(path, QByteArray(10000, '\x42'));
        mission.setPath(path);
        REQUIRE(loaded(mission));
        CHECK(mission.status() == MissionController::Status::Failed);
        CHECK_THAT(mission.errorMessage().toStdString(),
                   Contains("corrupt.tessera") && Contains("not a Tessera mission"));
    }
}

TEST_CASE("Legend and layer models follow the mission", "[quick][models]") {
    MissionController mission;
    LegendModel legend;
    LayerListModel layers;
    legend.setMission(&mission);
    layers.setMission(&mission);
    CHECK(layers.rowCount() == 0);
    mission.setPath(test::demoMission());
    REQUIRE(loaded(mission));
    // Severities, routes, annotations, then the four marker shapes; no CoT markers in the demo:
    // no row for stale ones.
    REQUIRE(legend.rowCount() == 12);
    CHECK(legend.data(legend.index(7), LegendModel::LabelRole).toString() ==
          QStringLiteral("Annotations"));
    CHECK(legend.data(legend.index(7), LegendModel::CountRole).toInt() ==
          mission.scene()->mission.annotations.size());
    int incidents = 0;
    for (int row = 0; row < 4; ++row)
        incidents += legend.data(legend.index(row), LegendModel::CountRole).toInt();
    CHECK(incidents == mission.incidentCount());
    // Every incident has one marker shape by its category: the shapes count them all again.
    int shaped = 0;
    QStringList symbols;
    for (int row = 8; row < 12; ++row) {
        CHECK(legend.data(legend.index(row), LegendModel::KindRole).toString() ==
              QStringLiteral("symbol"));
        symbols << legend.data(legend.index(row), LegendModel::SymbolRole).toString();
        shaped += legend.data(legend.index(row), LegendModel::CountRole).toInt();
    }
    CHECK(shaped == mission.incidentCount());
    CHECK(symbols == QStringList{QStringLiteral("diamond"), QStringLiteral("square"),
                                 QStringLiteral("circle"), QStringLiteral("triangle")});
    int attacks = 0;
    for (const store::Incident& i : mission.scene()->mission.incidents)
        attacks += QStringList{QStringLiteral("armed_clash"), QStringLiteral("ambush"),
                               QStringLiteral("ied"), QStringLiteral("indirect_fire")}
                           .contains(i.category)
                       ? 1
                       : 0;
    CHECK(legend.data(legend.index(8), LegendModel::CountRole).toInt() == attacks);
    CHECK(legend.data(legend.index(4), LegendModel::GroupStartRole).toBool());
    CHECK_FALSE(legend.data(legend.index(5), LegendModel::GroupStartRole).toBool());
    CHECK(legend.data(legend.index(8), LegendModel::GroupStartRole).toBool());
    CHECK(legend.data(legend.index(0), LegendModel::LabelRole).toString() ==
          QStringLiteral("Critical"));
    CHECK(legend.data(legend.index(0), LegendModel::ColorRole).value<QColor>() ==
          render::palette::severity(store::Severity::Critical));
    REQUIRE(layers.rowCount() == 5);
    CHECK(layers.data(layers.index(4), LayerListModel::NameRole)
              .toString()
              .contains(QStringLiteral("Blue Marble")));
    CHECK_FALSE(layers.data(layers.index(0), LayerListModel::BrokenRole).toBool());
}

TEST_CASE("MapItem draws the demo and follows the hand", "[quick][map]") {
#ifdef TESSERA_CHECK_THREADS
    int violations = 0;
    threadcheck::setViolationHandler([&](const char* where) {
        ++violations;
        WARN("blocking call on the GUI thread: " << where);
    });
    threadcheck::markGuiThread();
#endif
    MapWindow w;
    w.mission.setPath(test::demoMission());
    REQUIRE(loaded(w.mission));
    REQUIRE(test::waitUntil([&] {
        w.window.grabWindow(); // drives polish and render like a frame would
        return w.map->isComplete();
    }));

    SECTION("critical incidents are drawn at their positions") {
        const QImage image = w.grab();
        int checked = 0;
        for (const auto& incident : w.mission.scene()->mission.incidents) {
            if (incident.severity != store::Severity::Critical ||
                incident.status == store::IncidentStatus::Resolved)
                continue;
            const QPointF p = w.map->viewport().toPixel(incident.location);
            CHECK(test::colorDistance(image.pixelColor(p.toPoint()),
                                      render::palette::severity(store::Severity::Critical)) < 40);
            ++checked;
        }
        CHECK(checked >= 1);
    }
    SECTION("the wheel zooms about the cursor") {
        const QPointF cursor(600, 150);
        const geo::GeoPoint before = w.map->viewport().toGeo(cursor);
        const double resolution = w.map->viewport().resolution();
        QWheelEvent wheel(cursor, w.window.mapToGlobal(cursor), QPoint(), QPoint(0, 240),
                          Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QCoreApplication::sendEvent(&w.window, &wheel);
        CHECK(w.map->viewport().resolution() == Approx(resolution / 2.0));
        const geo::GeoPoint after = w.map->viewport().toGeo(cursor);
        CHECK(after.lon == Approx(before.lon).margin(1e-9));
        CHECK(after.lat == Approx(before.lat).margin(1e-9));
    }
    SECTION("dragging pans the map with the pointer") {
        const geo::GeoPoint grabbed = w.map->viewport().toGeo(QPointF(300, 300));
        QTest::mousePress(&w.window, Qt::LeftButton, Qt::NoModifier, QPoint(300, 300));
        QTest::mouseMove(&w.window, QPoint(340, 320));
        QTest::mouseMove(&w.window, QPoint(400, 350));
        QTest::mouseRelease(&w.window, Qt::LeftButton, Qt::NoModifier, QPoint(400, 350));
        const QPointF now = w.map->viewport().toPixel(grabbed);
        CHECK(now.x() == Approx(400).margin(0.5));
        CHECK(now.y() == Approx(350).margin(0.5));
    }
    SECTION("two fingers pinch: the map zooms about them and follows their midpoint") {
        static QPointingDevice* touchscreen = QTest::createTouchDevice();
        // Fingers 200 px apart about (400, 300), spread to 400 px apart about (450, 320).
        const geo::GeoPoint underMidpoint = w.map->viewport().toGeo(QPointF(400, 300));
        const double resolution = w.map->viewport().resolution();
        QTest::touchEvent(&w.window, touchscreen)
            .press(0, QPoint(300, 300))
            .press(1, QPoint(500, 300));
        QTest::touchEvent(&w.window, touchscreen)
            .move(0, QPoint(300, 310))
            .move(1, QPoint(550, 310));
        QTest::touchEvent(&w.window, touchscreen)
            .move(0, QPoint(250, 320))
            .move(1, QPoint(650, 320));
        QTest::touchEvent(&w.window, touchscreen)
            .release(0, QPoint(250, 320))
            .release(1, QPoint(650, 320));
        CHECK(w.map->viewport().resolution() == Approx(resolution / 2.0).epsilon(1e-6));
        const QPointF now = w.map->viewport().toPixel(underMidpoint);
        CHECK(now.x() == Approx(450).margin(0.5));
        CHECK(now.y() == Approx(320).margin(0.5));
    }
    SECTION("one finger drags like the mouse") {
        static QPointingDevice* touchscreen = QTest::createTouchDevice();
        const geo::GeoPoint grabbed = w.map->viewport().toGeo(QPointF(300, 300));
        const double resolution = w.map->viewport().resolution();
        QTest::touchEvent(&w.window, touchscreen).press(0, QPoint(300, 300));
        QTest::touchEvent(&w.window, touchscreen).move(0, QPoint(330, 320));
        QTest::touchEvent(&w.window, touchscreen).move(0, QPoint(380, 340));
        QTest::touchEvent(&w.window, touchscreen).release(0, QPoint(380, 340));
        CHECK(w.map->viewport().resolution() == Approx(resolution));
        const QPointF now = w.map->viewport().toPixel(grabbed);
        CHECK(now.x() == Approx(380).margin(0.5));
        CHECK(now.y() == Approx(340).margin(0.5));
    }
    SECTION("the cursor position is shown as latitude/longitude and MGRS") {
        QTest::mouseMove(&w.window, QPoint(400, 300));
        REQUIRE(w.map->hasCursor());
        const geo::GeoPoint at = w.map->viewport().toGeo(QPointF(400, 300));
        CHECK(w.map->cursorLatLon() == geo::formatLatLon(at));
        CHECK(w.map->cursorLatLon().contains(QStringLiteral("N")));
        CHECK(w.map->cursorMgrs().size() == 17);
    }
    SECTION("while sharper tiles load, the scaled parent tiles stand in") {
        w.map->zoomIn();
        const QImage image = w.grab(); // tiles for the new zoom are not there yet
        CHECK_FALSE(w.map->isComplete());
        int background = 0;
        for (int y = 50; y < 550; y += 50)
            for (int x = 50; x < 750; x += 50)
                background += image.pixelColor(x, y) == render::palette::mapBackground() ? 1 : 0;
        CHECK(background == 0);
        REQUIRE(test::waitUntil([&] {
            w.window.grabWindow();
            return w.map->isComplete();
        }));
    }
    SECTION("a moving view is drawn with nearest sampling, smooth once it settles") {
        // Out and back to the same view: every tile is held, only the settling is awaited.
        w.map->setShowOverlay(false);
        // Finished: complete, and every composite made (they are painted on a worker).
        auto finished = [&] {
            int composites = -1;
            return test::waitUntil([&] {
                w.window.grabWindow();
                const bool steady = w.map->compositeCount() == composites;
                composites = w.map->compositeCount();
                return w.map->isComplete() && steady;
            });
        };
        REQUIRE(finished());
        const QImage before = w.grab();
        w.map->zoomAt(400, 300, 1.25);
        w.map->zoomAt(400, 300, 1.0 / 1.25);
        CHECK_FALSE(w.map->isSettled());
        const QImage moving = w.grab();
        CHECK_FALSE(w.map->isComplete()); // the moving frame is never the finished picture
        REQUIRE(finished());
        CHECK(w.map->isSettled());
        const QImage settled = w.grab();
        // The tiles are drawn scaled at this view, so the two samplings differ visibly, and
        // the settled frame is the picture from before the move.
        int differ = 0;
        int same = 0;
        for (int y = 0; y < settled.height(); y += 4)
            for (int x = 0; x < settled.width(); x += 4) {
                differ += moving.pixel(x, y) != settled.pixel(x, y) ? 1 : 0;
                same += test::colorDistance(before.pixelColor(x, y), settled.pixelColor(x, y)) < 3
                            ? 1
                            : 0;
            }
        const int samples = (settled.height() / 4) * (settled.width() / 4);
        CHECK(differ > samples / 10);
        CHECK(same > samples * 99 / 100);
    }
    SECTION("the scale bar is a round distance") {
        CHECK((w.map->scaleText().endsWith(QStringLiteral(" km")) ||
               w.map->scaleText().endsWith(QStringLiteral(" m"))));
        CHECK(w.map->scaleBarWidth() > 40);
        CHECK(w.map->scaleBarWidth() <= 121);
    }
#ifdef TESSERA_CHECK_THREADS
    threadcheck::clearGuiThread();
    CHECK(violations == 0);
#endif
}

TEST_CASE("Flattened tiles look like the layers drawn one by one", "[quick][map][composite]") {
    MapWindow w;
    w.mission.setPath(test::demoMission());
    REQUIRE(loaded(w.mission));
    w.map->setShowOverlay(false); // the tiles only
    REQUIRE(test::waitUntil([&] {
        w.window.grabWindow();
        return w.map->isComplete();
    }));
    QImage flattened;
    int before = -1;
    REQUIRE(test::waitUntil([&] { // composites are made a few per frame, until all are there
        flattened = w.grab();
        const bool settled = w.map->compositeCount() == before;
        before = w.map->compositeCount();
        return settled && before > 0;
    }));
    // The same view through the headless renderer, which draws every layer tile by tile.
    // Samples fall mostly beside the labels only the headless render draws.
    const auto [close, samples] = closeSamples(flattened, headlessView(w), 30);
    CHECK(close > samples * 9 / 10);
}

TEST_CASE("A moving view composites on the nearest level and shows the layers",
          "[quick][map][composite]") {
    MapWindow w;
    w.mission.setPath(test::demoMission());
    REQUIRE(loaded(w.mission));
    w.map->setShowOverlay(false);  // the tiles only
    w.map->setSettleDelay(600000); // once moved, the view stays "moving" for the whole test
    // A view a third of the way between two levels: vector layers take the finer level (they
    // are shrunk, never enlarged), the nearest level is the coarser one, so the composites of
    // a moving view are made from the finer tiles, four to a cell.
    const render::TilePyramid pyramid;
    const double level = std::log2(pyramid.resolution(0) / w.map->viewport().resolution());
    w.map->zoomAt(400, 300, std::exp2(std::floor(level) + 0.3 - level));
    const double resolution = w.map->viewport().resolution();
    REQUIRE(pyramid.zoomFor(resolution, render::TilePyramid::kNearestSlack) <
            pyramid.zoomFor(resolution, render::TilePyramid::kCrispSlack));
    REQUIRE_FALSE(w.map->isSettled());
    QImage moving;
    int composites = -1;
    int unchanged = 0;
    REQUIRE(test::waitUntil([&] { // tiles loaded, composites made: no new one for 20 frames
        moving = w.grab();
        unchanged = w.map->compositeCount() == composites ? unchanged + 1 : 0;
        composites = w.map->compositeCount();
        return composites > 0 && unchanged >= 20;
    }));
    CHECK_FALSE(w.map->isSettled());
    CHECK_FALSE(w.map->isComplete()); // a moving view is never the finished picture
    // The same view through the headless renderer, every layer drawn tile by tile.
    const QImage layered = headlessView(w);
    const auto [close, samples] = closeSamples(moving, layered, 40);
    CHECK(close > samples * 85 / 100);
    // The vector layers' lines, which come from the finer tiles: nearly every light pixel of a
    // boundary in the moving frame (no labels: the overlay is off) has one within three pixels
    // in the headless render (which adds labels, so not the other way round).
    int lines = 0;
    int found = 0;
    const QImage movingRgb = moving.convertToFormat(QImage::Format_RGB32);
    const QImage layeredRgb = layered.convertToFormat(QImage::Format_RGB32);
    for (int y = 3; y < 597; ++y)
        for (int x = 3; x < 797; ++x) {
            if (qGray(movingRgb.pixel(x, y)) < 235)
                continue;
            ++lines;
            bool near = false;
            for (int dy = -3; dy <= 3 && !near; ++dy)
                for (int dx = -3; dx <= 3 && !near; ++dx)
                    near = qGray(layeredRgb.pixel(x + dx, y + dy)) >= 180;
            found += near ? 1 : 0;
        }
    // (92 % here; 82 % with two of the four finer tiles of each cell swapped.)
    CHECK(lines > 300);
    CHECK(found > lines * 88 / 100);
}

TEST_CASE("A map away from the window's origin draws inside its own rectangle", "[quick][map]") {
    QQuickWindow window;
    window.setColor(Qt::magenta);
    window.resize(800, 600);
    MissionController mission;
    auto* map = new MapItem(window.contentItem());
    map->setPosition(QPointF(400, 300));
    map->setSize(QSizeF(200, 200));
    map->setMission(&mission);
    window.show();
    mission.setPath(test::demoMission());
    REQUIRE(loaded(mission));
    REQUIRE(test::waitUntil([&] {
        window.grabWindow();
        return map->isComplete();
    }));
    const QImage image = window.grabWindow();
    int inside = 0;
    int outside = 0;
    for (int y = 0; y < 600; y += 10)
        for (int x = 0; x < 800; x += 10) {
            const bool magenta = image.pixelColor(x, y) == QColor(Qt::magenta);
            if (QRect(400, 300, 200, 200).contains(x, y))
                inside += magenta ? 1 : 0;
            else
                outside += magenta ? 0 : 1;
        }
    CHECK(inside == 0);  // the map covers its rectangle
    CHECK(outside == 0); // and nothing else: tiles reaching past the edge are clipped
}

TEST_CASE("The layer manager changes the stack at once and saves it with the mission",
          "[quick][layers]") {
    QTemporaryDir dir;
    const QString copy = dir.filePath(QStringLiteral("demo"));
    REQUIRE(QProcess::execute(
                QStringLiteral("cp"),
                {QStringLiteral("-r"), QFileInfo(test::demoMission()).absolutePath(), copy}) == 0);
    const QString path = copy + QStringLiteral("/mali-exercise.tessera");
    MapWindow w;
    w.mission.setPath(path);
    REQUIRE(loaded(w.mission));
    REQUIRE(w.mission.status() == MissionController::Status::Ready);
    auto idOf = [&](const char* name) -> qint64 {
        for (const auto& l : w.mission.scene()->layers)
            if (l.spec.name.contains(QLatin1String(name)))
                return l.spec.id;
        return 0;
    };
    auto saved = [&] {
        REQUIRE(test::waitUntil([&] { return !w.mission.busy(); }));
        auto snapshot = store::MissionStore::load(path);
        REQUIRE(snapshot.ok());
        return snapshot.value().layers;
    };
    const render::Viewport before = w.map->viewport();

    SECTION("hide, fade, reorder and remove") {
        const qint64 countries = idOf("Countries");
        const qint64 places = idOf("Places");
        w.mission.setLayerVisible(countries, false);
        w.mission.setLayerOpacity(idOf("Blue Marble"), 0.5);
        w.mission.moveLayer(places, -1); // one step down the stack
        w.mission.removeLayer(idOf("Regions"));
        // Shown at once, without waiting for the file.
        const auto& now = w.mission.scene()->layers;
        REQUIRE(now.size() == 4);
        CHECK(now[3].spec.name.contains(QStringLiteral("Disputed")));
        CHECK(now[2].spec.id == places);
        CHECK(w.map->viewport() == before); // the view stays where the user had it
        const QList<store::LayerSpec> layers = saved();
        REQUIRE(layers.size() == 4);
        CHECK(layers[0].name.contains(QStringLiteral("Blue Marble")));
        CHECK(layers[0].opacity == Approx(0.5));
        CHECK_FALSE(layers[1].visible);
        CHECK(layers[2].id == places);
    }
    SECTION("add a vector file") {
        QSignalSpy added(&w.mission, &MissionController::layerAdded);
        w.mission.addLayerFile(
            QUrl::fromLocalFile(test::dataFile(QStringLiteral("patrol-sample.geojson"))));
        REQUIRE(test::waitUntil([&] { return added.count() == 1; }));
        const qint64 id = added.first().at(0).toLongLong();
        CHECK(added.first().at(1).toString().isEmpty());
        REQUIRE(w.mission.scene()->layers.size() == 6);
        CHECK(w.mission.scene()->layers.last().spec.id == id);
        CHECK_FALSE(w.mission.scene()->layers.last().isBroken());
        const QList<store::LayerSpec> layers = saved();
        REQUIRE(layers.size() == 6);
        CHECK(layers.last().id == id);
        CHECK(layers.last().kind == store::LayerKind::Vector);
        w.map->zoomToLayer(id);
        const geo::GeoPoint centre = w.map->viewport().toGeo(QPointF(400, 300));
        CHECK(centre.lon == Approx(0.25).margin(0.2));
        CHECK(centre.lat == Approx(16.0).margin(0.2));
    }
    SECTION("a TAK data package dropped on the map brings its records and overlays") {
        const QString zip = dir.filePath(QStringLiteral("sitrep.zip"));
        void* writer = CPLCreateZip(zip.toUtf8().constData(), nullptr);
        REQUIRE(writer != nullptr);
        const QByteArray spot =
            "<event version='2.0' uid='ANDROID-77.spot-1' type='a-h-G' how='h-e' "
            "time='2026-11-20T10:00:00Z' start='2026-11-20T10:00:00Z' "
            "stale='2026-11-20T10:30:00Z' access='UNCLASSIFIED'><point lat='16.27' "
            "lon='-0.04'/><detail><contact callsign='Shots heard'/></detail></event>";
        const QByteArray kml = test::readAll(test::dataFile(QStringLiteral("store/incidents.kml")));
        for (const auto& [name, bytes] :
             {std::pair{"spot/spot.cot", spot}, std::pair{"overlay/places.kml", kml}}) {
            REQUIRE(CPLCreateFileInZip(writer, name, nullptr) == CE_None);
            REQUIRE(CPLWriteFileInZip(writer, bytes.constData(), static_cast<int>(bytes.size())) ==
                    CE_None);
            REQUIRE(CPLCloseFileInZip(writer) == CE_None);
        }
        REQUIRE(CPLCloseZip(writer) == CE_None);
        const qsizetype incidentsBefore = w.mission.scene()->mission.incidents.size();
        QSignalSpy notice(&w.mission, &MissionController::importNoticeChanged);
        CHECK(MissionController::isExchangeFile(QUrl::fromLocalFile(zip)));
        w.mission.importExchangeFile(QUrl::fromLocalFile(zip));
        REQUIRE(test::waitUntil([&] { return notice.count() == 1; }));
        CHECK_THAT(w.mission.importNotice().toStdString(),
                   Contains("sitrep") && Contains("1 incidents") && Contains("1 map layers"));
        REQUIRE(test::waitUntil([&] { return w.mission.scene()->layers.size() == 6; }));
        CHECK(w.mission.scene()->mission.incidents.size() == incidentsBefore + 1);
        CHECK(w.mission.scene()->mission.staleAt.size() == 1);
        LegendModel legend;
        legend.setMission(&w.mission);
        REQUIRE(legend.rowCount() == 13);
        CHECK(legend.data(legend.index(7), LegendModel::LabelRole).toString() ==
              QStringLiteral("Stale (CoT)"));
        CHECK(legend.data(legend.index(7), LegendModel::CountRole).toInt() == 1);
        CHECK_FALSE(w.mission.scene()->layers.last().isBroken());

        const QString evil = dir.filePath(QStringLiteral("evil.zip"));
        writer = CPLCreateZip(evil.toUtf8().constData(), nullptr);
        REQUIRE(CPLCreateFileInZip(writer, "../spot.cot", nullptr) == CE_None);
        REQUIRE(CPLWriteFileInZip(writer, spot.constData(), static_cast<int>(spot.size())) ==
                CE_None);
        REQUIRE(CPLCloseFileInZip(writer) == CE_None);
        REQUIRE(CPLCloseZip(writer) == CE_None);
        w.mission.importExchangeFile(QUrl::fromLocalFile(evil));
        REQUIRE(test::waitUntil([&] { return !w.mission.layerError().isEmpty(); }));
        CHECK_THAT(w.mission.layerError().toStdString(), Contains("path traversal"));
        CHECK(w.mission.scene()->mission.incidents.size() == incidentsBefore + 1);
    }
    SECTION("ATAK's unmarked events are refused until the operator chooses their marking") {
        // Most ATAK events carry no classification: never guessed, the window asks for one.
        const QUrl atak = QUrl::fromLocalFile(test::dataFile(QStringLiteral("cot/atak-field.cot")));
        const qsizetype recordsBefore = w.mission.scene()->mission.incidents.size() +
                                        w.mission.scene()->mission.annotations.size();
        w.mission.importExchangeFile(atak);
        REQUIRE(test::waitUntil([&] { return !w.mission.layerError().isEmpty(); }));
        CHECK_THAT(w.mission.layerError().toStdString(), Contains("no classification"));
        CHECK(w.mission.unmarkedFile() == atak);
        // A marking outside the grammar is refused, and the file still waits for one.
        w.mission.importExchangeFile(atak, QStringLiteral("Undefined"), QString());
        REQUIRE(test::waitUntil(
            [&] { return !w.mission.layerError().contains(QLatin1String("no classification")); }));
        CHECK_FALSE(w.mission.layerError().isEmpty());
        QSignalSpy notice(&w.mission, &MissionController::importNoticeChanged);
        w.mission.importExchangeFile(atak, QStringLiteral("UNCLASSIFIED"),
                                     QStringLiteral("REL TO UN"));
        REQUIRE(test::waitUntil([&] { return w.mission.layerError().isEmpty(); }));
        REQUIRE(test::waitUntil([&] {
            return w.mission.scene()->mission.incidents.size() +
                       w.mission.scene()->mission.annotations.size() >
                   recordsBefore;
        }));
        CHECK(w.mission.unmarkedFile().isEmpty());
        for (const store::Incident& i : w.mission.scene()->mission.incidents)
            if (i.narrative.contains(QLatin1String("Marking defaulted")))
                CHECK(i.marking ==
                      store::Marking{QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")});
    }
    SECTION("a file that cannot be drawn is refused and nothing is saved") {
        const QString junk = dir.filePath(QStringLiteral("junk.tif"));
        test::writeAll(junk, QByteArray(3000, 'j'));
        QSignalSpy added(&w.mission, &MissionController::layerAdded);
        w.mission.addLayerFile(QUrl::fromLocalFile(junk));
        REQUIRE(test::waitUntil([&] { return added.count() == 1; }));
        CHECK_FALSE(added.first().at(1).toString().isEmpty());
        CHECK_THAT(w.mission.layerError().toStdString(), Contains("junk.tif"));
        CHECK(w.mission.scene()->layers.size() == 5);
        CHECK(saved().size() == 5);
    }
    SECTION("a raster whose reader crashes is refused in the parse process; the app goes on") {
        const QString image = dir.filePath(QStringLiteral("imagery.tif"));
        REQUIRE(QFile::copy(QFileInfo(test::demoMission()).absolutePath() +
                                QStringLiteral("/imagery/bluemarble.tif"),
                            image));
        QSignalSpy added(&w.mission, &MissionController::layerAdded);
        qputenv("TESSERA_PARSE_TEST", "abort"); // the reader dies as GDAL would on a bad file
        w.mission.addLayerFile(QUrl::fromLocalFile(image));
        REQUIRE(test::waitUntil([&] { return added.count() == 1; }));
        qunsetenv("TESSERA_PARSE_TEST");
        CHECK_THAT(w.mission.layerError().toStdString(), Contains("crash"));
        CHECK(w.mission.scene()->layers.size() == 5);
        CHECK(saved().size() == 5);
        // The same file, with a reader that behaves, is added.
        w.mission.addLayerFile(QUrl::fromLocalFile(image));
        REQUIRE(test::waitUntil([&] { return added.count() == 2; }));
        CHECK(added.at(1).at(1).toString().isEmpty());
        CHECK(w.mission.scene()->layers.size() == 6);
    }
}

TEST_CASE("Layer styles are edited, redrawn and saved; a layer that cannot be redrawn keeps its "
          "style",
          "[quick][layers][style]") {
    QTemporaryDir dir;
    const QString copy = dir.filePath(QStringLiteral("demo"));
    REQUIRE(QProcess::execute(
                QStringLiteral("cp"),
                {QStringLiteral("-r"), QFileInfo(test::demoMission()).absolutePath(), copy}) == 0);
    const QString path = copy + QStringLiteral("/mali-exercise.tessera");
    MissionController mission;
    mission.setPath(path);
    REQUIRE(loaded(mission));
    LayerListModel model;
    model.setMission(&mission);
    auto layerNamed = [&](const char* name) -> const render::LoadedLayer& {
        for (const auto& l : mission.scene()->layers)
            if (l.spec.name.contains(QLatin1String(name)))
                return l;
        FAIL("no layer " << name);
        return mission.scene()->layers.first();
    };
    auto savedStyle = [&](qint64 id) {
        REQUIRE(test::waitUntil([&] { return !mission.busy(); }));
        auto snapshot = store::MissionStore::load(path);
        REQUIRE(snapshot.ok());
        for (const auto& l : snapshot.value().layers)
            if (l.id == id)
                return QJsonDocument::fromJson(l.style.toUtf8()).object();
        return QJsonObject();
    };

    SECTION("a vector layer's colour and width") {
        const qint64 id = layerNamed("Regions").spec.id;
        const render::MapLayer* before = layerNamed("Regions").layer.get();
        mission.setLayerStyle(id, {{QStringLiteral("stroke"), QStringLiteral("#e69f00")},
                                   {QStringLiteral("width"), 3}});
        REQUIRE(test::waitUntil([&] { return layerNamed("Regions").layer.get() != before; }));
        const QJsonObject style = savedStyle(id);
        CHECK(style.value(QLatin1String("stroke")).toString() == QStringLiteral("#e69f00"));
        CHECK(style.value(QLatin1String("width")).toDouble() == 3);
        CHECK(mission.layerStyle(id).value(QStringLiteral("stroke")).toString() ==
              QStringLiteral("#e69f00"));
        // The model shows the new style to the panel.
        bool seen = false;
        for (int row = 0; row < model.rowCount(); ++row)
            if (model.data(model.index(row), LayerListModel::LayerIdRole).toLongLong() == id)
                seen = model.data(model.index(row), LayerListModel::StyleRole)
                           .toMap()
                           .value(QStringLiteral("width"))
                           .toInt() == 3;
        CHECK(seen);
    }
    SECTION("raster bands: one band draws grey, removing the key goes back to colour") {
        const render::LoadedLayer& marble = layerNamed("Blue Marble");
        const auto* raster = dynamic_cast<const render::RasterLayer*>(marble.layer.get());
        REQUIRE(raster);
        const qint64 id = marble.spec.id;
        mission.setLayerStyle(id, {{QStringLiteral("bands"), QVariantList{1}},
                                   {QStringLiteral("stretch"), QStringLiteral("auto")}});
        REQUIRE(test::waitUntil([&] {
            const auto* now =
                dynamic_cast<const render::RasterLayer*>(layerNamed("Blue Marble").layer.get());
            return now && now != raster;
        }));
        const auto* grey =
            dynamic_cast<const render::RasterLayer*>(layerNamed("Blue Marble").layer.get());
        CHECK(grey->bands() == QList<int>{1});
        CHECK(savedStyle(id).value(QLatin1String("bands")).toArray().size() == 1);
        mission.setLayerStyle(id, {{QStringLiteral("bands"), QVariant()}});
        REQUIRE(test::waitUntil([&] {
            const auto* now =
                dynamic_cast<const render::RasterLayer*>(layerNamed("Blue Marble").layer.get());
            return now && now->bands().size() == 3;
        }));
        CHECK_FALSE(savedStyle(id).contains(QLatin1String("bands")));
    }
    SECTION("a layer that cannot be redrawn keeps its old style, and the user is told") {
        const render::LoadedLayer& marble = layerNamed("Blue Marble");
        const render::MapLayer* before = marble.layer.get();
        const qint64 id = marble.spec.id;
        const QString styleBefore = marble.spec.style;
        REQUIRE(QFile::rename(copy + QStringLiteral("/imagery/bluemarble.tif"),
                              copy + QStringLiteral("/imagery/moved.tif")));
        mission.setLayerStyle(id, {{QStringLiteral("bands"), QVariantList{2}}});
        REQUIRE(test::waitUntil([&] { return !mission.layerError().isEmpty(); }));
        CHECK_THAT(mission.layerError().toStdString(), Contains("bluemarble.tif"));
        CHECK(layerNamed("Blue Marble").layer.get() == before);
        CHECK(layerNamed("Blue Marble").spec.style == styleBefore);
        CHECK_FALSE(savedStyle(id).contains(QLatin1String("bands")));
    }
}

TEST_CASE("A large raster without overviews is flagged, and overviews are built on request",
          "[quick][layers][overviews]") {
    QTemporaryDir dir;
    const QString copy = dir.filePath(QStringLiteral("demo"));
    REQUIRE(QProcess::execute(
                QStringLiteral("cp"),
                {QStringLiteral("-r"), QFileInfo(test::demoMission()).absolutePath(), copy}) == 0);
    const QString path = copy + QStringLiteral("/mali-exercise.tessera");
    // The demo's Blue Marble, enlarged to 6000 px without overviews: a raster to flag.
    const QString big = dir.filePath(QStringLiteral("big.tif"));
    REQUIRE(QProcess::execute(QStringLiteral("gdal_translate"),
                              {QStringLiteral("-q"), QStringLiteral("-outsize"),
                               QStringLiteral("6000"), QStringLiteral("3000"),
                               QStringLiteral("-co"), QStringLiteral("TILED=YES"),
                               copy + QStringLiteral("/imagery/bluemarble.tif"), big}) == 0);
    MissionController mission;
    mission.setPath(path);
    REQUIRE(loaded(mission));
    LayerListModel model;
    model.setMission(&mission);
    QSignalSpy added(&mission, &MissionController::layerAdded);
    mission.addLayerFile(QUrl::fromLocalFile(big));
    REQUIRE(test::waitUntil([&] { return added.count() == 1; }));
    const qint64 id = added.first().at(0).toLongLong();
    REQUIRE(id > 0);
    REQUIRE(model.data(model.index(0), LayerListModel::LayerIdRole).toLongLong() == id);
    CHECK(model.data(model.index(0), LayerListModel::NeedsOverviewsRole).toBool());
    CHECK(model.data(model.index(0), LayerListModel::OverviewProgressRole).toDouble() == -1.0);
    CHECK(model.data(model.index(0), LayerListModel::BandCountRole).toInt() == 3);

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    std::vector<double> progress;
    QObject::connect(&mission, &MissionController::overviewsChanged, [&](qint64 layer) {
        if (layer == id)
            progress.push_back(mission.overviewProgress(id));
    });
    mission.buildOverviews(id);
    REQUIRE(test::waitUntil([&] {
        return !mission.busy() &&
               !model.data(model.index(0), LayerListModel::NeedsOverviewsRole).toBool();
    }));
    CHECK(QFileInfo::exists(big + QStringLiteral(".ovr")));
    REQUIRE(progress.size() >= 3);  // started, some progress, finished
    CHECK(progress.front() == 0.0); // started
    CHECK(progress.back() == -1.0); // finished
    CHECK(*std::max_element(progress.begin(), progress.end()) > 0.5);
    CHECK(changed.count() >= 2); // the panel saw it
    const auto* raster =
        dynamic_cast<const render::RasterLayer*>(mission.scene()->layers.last().layer.get());
    REQUIRE(raster);
    CHECK(raster->overviewCount() > 0);
}

TEST_CASE("Measuring and range rings on the map", "[quick][map][measure]") {
    MapWindow w;
    w.mission.setPath(test::demoMission());
    REQUIRE(loaded(w.mission));
    SECTION("clicks in the measuring tool give geodesic distance, bearing and area") {
        w.map->setTool(MapItem::Tool::Measure);
        QTest::mouseClick(&w.window, Qt::LeftButton, Qt::NoModifier, QPoint(200, 300));
        CHECK(w.map->measureText() == QStringLiteral("Click the next point"));
        QTest::mouseClick(&w.window, Qt::LeftButton, Qt::NoModifier, QPoint(600, 300));
        const geo::GeoPoint a = w.map->viewport().toGeo(QPointF(200, 300));
        const geo::GeoPoint b = w.map->viewport().toGeo(QPointF(600, 300));
        const auto leg = geo::geodesy::inverse(a, b);
        CHECK(w.map->measureText() ==
              QStringLiteral("Distance %1 km · last leg %2°")
                  .arg(leg.distanceMetres / 1000.0, 0, 'f', 1)
                  .arg(qRound(leg.initialBearingDeg), 3, 10, QLatin1Char('0')));
        CHECK(leg.initialBearingDeg == Approx(90).margin(3)); // east along the screen
        QTest::mouseClick(&w.window, Qt::LeftButton, Qt::NoModifier, QPoint(600, 100));
        CHECK(w.map->measureText().contains(QStringLiteral("area")));
        // A drag still pans and adds no point.
        const QString before = w.map->measureText();
        QTest::mousePress(&w.window, Qt::LeftButton, Qt::NoModifier, QPoint(300, 300));
        QTest::mouseMove(&w.window, QPoint(340, 330));
        QTest::mouseRelease(&w.window, Qt::LeftButton, Qt::NoModifier, QPoint(380, 360));
        CHECK(w.map->measureText() == before);
        QTest::keyClick(&w.window, Qt::Key_Escape);
        CHECK(w.map->measureText().isEmpty());
    }
    SECTION("range rings are drawn around the clicked centre") {
        w.map->setTool(MapItem::Tool::RangeRings);
        w.map->setRingRadiiKm({100});
        w.map->clickAt(400, 300);
        CHECK(w.map->measureText().startsWith(QStringLiteral("rings at")));
        REQUIRE(test::waitUntil([&] {
            w.window.grabWindow();
            return w.map->isComplete();
        }));
        const QImage image = w.grab();
        // The 100 km ring passes through the point 100 km due north of the centre.
        const geo::GeoPoint north =
            geo::geodesy::destination(w.map->viewport().toGeo(QPointF(400, 300)), 100000.0, 0.0);
        const QPoint at = w.map->viewport().toPixel(north).toPoint();
        int yellow = 0;
        for (int dy = -3; dy <= 3; ++dy)
            yellow += test::colorDistance(image.pixelColor(at.x(), at.y() + dy),
                                          QColor(0xFF, 0xD2, 0x3F)) < 60
                          ? 1
                          : 0;
        CHECK(yellow > 0);
    }
}

TEST_CASE("A CoT marker turns stale on the map and in the legend when its time comes",
          "[quick][map][models]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("live.tessera"));
    // A contact reported a minute ago that goes stale three seconds from now.
    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto iso = [](const QDateTime& t) { return t.toString(Qt::ISODateWithMs).toUtf8(); };
    const QString cot = dir.filePath(QStringLiteral("contact.cot"));
    test::writeAll(cot,
                   "<event version='2.0' uid='ANDROID-9.contact-1' type='a-h-G' how='h-g-i-g-o' "
                   "time='" +
                       iso(now.addSecs(-60)) + "' start='" + iso(now.addSecs(-60)) + "' stale='" +
                       iso(now.addSecs(3)) +
                       "' access='UNCLASSIFIED'><point lat='16.33' lon='-0.02'/><detail>"
                       "<contact callsign='Armed men'/></detail></event>");
    createCotMission(path, QStringLiteral("Live CoT"), {-0.2, 16.2, 0.2, 16.45}, {cot});
    MapWindow w;
    w.mission.setPath(path);
    REQUIRE(loaded(w.mission));
    LegendModel legend;
    legend.setMission(&w.mission);
    const int staleRow = 7;
    REQUIRE(legend.data(legend.index(staleRow), LegendModel::LabelRole).toString() ==
            QStringLiteral("Stale (CoT)"));
    REQUIRE(test::waitUntil([&] {
        w.window.grabWindow();
        return w.map->isComplete();
    }));
    const QPoint at = w.map->viewport().toPixel(geo::GeoPoint{-0.02, 16.33}).toPoint();
    const bool beforeStale = QDateTime::currentDateTimeUtc() < now.addSecs(3);
    if (beforeStale) { // (on a very slow machine the time may have passed already)
        CHECK(legend.data(legend.index(staleRow), LegendModel::CountRole).toInt() == 0);
        CHECK(test::colorDistance(w.grab().pixelColor(at),
                                  render::palette::severity(store::Severity::Medium)) < 60);
    }
    QSignalSpy recounted(&legend, &QAbstractItemModel::dataChanged);
    // Nobody touches the map or the legend: both change by themselves.
    REQUIRE(test::waitUntil(
        [&] { return legend.data(legend.index(staleRow), LegendModel::CountRole).toInt() == 1; },
        15000));
    if (beforeStale)
        CHECK(recounted.count() == 1);
    QColor marker;
    REQUIRE(test::waitUntil(
        [&] {
            marker = w.grab().pixelColor(at);
            return std::abs(marker.red() - marker.green()) < 12 &&
                   std::abs(marker.green() - marker.blue()) < 12;
        },
        15000));
    CHECK(test::colorDistance(marker, render::palette::severity(store::Severity::Medium)) > 150);
}

TEST_CASE("The map shows annotations and CoT markers past their stale time", "[quick][map]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("cot.tessera"));
    // The ATAK drawings and a contact whose stale time passed in 2026-11-20.
    createCotMission(path, QStringLiteral("CoT on the map"), {-0.2, 15.95, 0.3, 16.35},
                     {test::dataFile(QStringLiteral("cot/atak-shapes.cot")),
                      test::dataFile(QStringLiteral("cot/stale-contact.cot"))});
    MapWindow w;
    w.mission.setPath(path);
    REQUIRE(loaded(w.mission));
    REQUIRE(w.mission.status() == MissionController::Status::Ready);
    REQUIRE(test::waitUntil([&] {
        w.window.grabWindow();
        return w.map->isComplete();
    }));
    const QImage image = w.grab();
    const render::Viewport& view = w.map->viewport();
    // The marker annotation: a square of the annotation colour.
    CHECK(test::colorDistance(
              image.pixelColor(view.toPixel(geo::GeoPoint{-0.0412, 16.2801}).toPoint()),
              render::palette::annotation()) < 40);
    // The stale contact: the grey fill, not its severity's yellow.
    const QColor stale = image.pixelColor(view.toPixel(geo::GeoPoint{-0.02, 16.33}).toPoint());
    CHECK(test::colorDistance(stale, render::palette::severity(store::Severity::Medium)) > 150);
    CHECK(std::abs(stale.red() - stale.green()) < 12); // grey
    CHECK(std::abs(stale.green() - stale.blue()) < 12);
}
