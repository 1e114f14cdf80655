// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "TestSupport.h"
#include "geo/WebMercator.h"
#include "render/MapScene.h"
#include "render/Palette.h"
#include "render/RasterLayer.h"
#include "render/SceneRenderer.h"
#include "render/TileCache.h"
#include "render/TilePyramid.h"
#include "render/TileRenderer.h"
#include "render/VectorLayer.h"
#include "store/MissionStore.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QTemporaryDir>

#include <catch2/catch.hpp>
#include <ogrsf_frmts.h>

using namespace tessera;
using namespace tessera::render;
using Catch::Matchers::Contains;

namespace {
QString demoFile(const QString& relative) {
    return QFileInfo(test::demoMission()).absoluteDir().filePath(relative);
}
std::string text(const Error& e) {
    return e.message.toStdString();
}
} // namespace

TEST_CASE("TilePyramid arithmetic", "[render][tiles]") {
    const TilePyramid pyramid(256);
    SECTION("zoom 0 is the whole world in one tile") {
        CHECK(pyramid.tileExtent({0, 0, 0}) == geo::webmercator::worldExtent());
        CHECK(pyramid.tilesCovering(geo::webmercator::worldExtent(), 0).size() == 1);
    }
    SECTION("a tile's children split it in four and name it their parent") {
        const TileId t{5, 17, 11};
        const geo::Extent e = pyramid.tileExtent(t);
        const TileId child{6, 35, 23};
        CHECK(child.parent() == t);
        const geo::Extent c = pyramid.tileExtent(child);
        CHECK(c.width() == Approx(e.width() / 2));
        CHECK(c.maxX == Approx(e.maxX));
        CHECK(c.minY == Approx(e.minY));
    }
    SECTION("the tile of Gao at zoom 10") {
        const geo::MapPoint gao = geo::webmercator::project({-0.0447, 16.2717});
        const auto tiles = pyramid.tilesCovering({gao.x, gao.y, gao.x, gao.y}, 10);
        REQUIRE(tiles.size() == 1);
        // x = floor((lon + 180) / 360 * 2^z), y from the Mercator formula: slippy-map convention.
        CHECK(tiles[0] == TileId{10, 511, 465});
    }
    SECTION("covering is clipped to the world") {
        const double big = 3 * geo::webmercator::kHalfWorld;
        CHECK(pyramid.tilesCovering({-big, -big, big, big}, 2).size() == 16);
        CHECK(pyramid.tilesCovering({big, big, 2 * big, 2 * big}, 2).isEmpty());
    }
    SECTION("zoomFor picks tiles at least as sharp as the view") {
        CHECK(pyramid.zoomFor(pyramid.resolution(7)) == 7);
        CHECK(pyramid.zoomFor(pyramid.resolution(7) * 0.8) == 8);
        CHECK(pyramid.zoomFor(pyramid.resolution(7) * 1.05) == 7); // nearly sharp: keep level 7
        CHECK(pyramid.zoomFor(1e9) == 0);
        CHECK(pyramid.zoomFor(1e-9) == TilePyramid::kMaxZoom);
    }
    SECTION("with the nearest-level slack, tiles are enlarged at most sqrt(2) times") {
        const double r7 = pyramid.resolution(7);
        CHECK(pyramid.zoomFor(r7, TilePyramid::kNearestSlack) == 7);
        CHECK(pyramid.zoomFor(r7 / 1.3, TilePyramid::kNearestSlack) == 7); // 1.3x enlarged
        CHECK(pyramid.zoomFor(r7 / 1.5, TilePyramid::kNearestSlack) == 8); // 8 is shrunk 1.33x
        CHECK(pyramid.zoomFor(r7 / 1.3) == 8); // crisp slack: never enlarge by 1.3
        const Viewport view({0, 0}, r7 / 1.3, QSize(1024, 768));
        CHECK(pyramid.placements(view, TilePyramid::kNearestSlack).first().tile.z == 7);
        CHECK(pyramid.placements(view).first().tile.z == 8);
    }
    SECTION("placements cover the view, centre first") {
        const Viewport view({0, 1800000}, 1000.0, QSize(1000, 600));
        const auto placements = pyramid.placements(view);
        REQUIRE_FALSE(placements.isEmpty());
        QRectF covered;
        for (const auto& p : placements)
            covered = covered.united(p.target);
        CHECK(covered.contains(QRectF(0, 0, 1000, 600)));
        CHECK(placements.first().target.contains(QPointF(500, 300)));
    }
}

TEST_CASE("Viewport maps between pixels and the map", "[render][viewport]") {
    Viewport view({100000, 2000000}, 500.0, QSize(800, 600));
    SECTION("the centre pixel is the centre point, and back") {
        const QPointF c = view.toPixel(geo::MapPoint{100000, 2000000});
        CHECK(c.x() == Approx(400));
        CHECK(c.y() == Approx(300));
        const geo::MapPoint m = view.toMap(QPointF(123, 456));
        const QPointF back = view.toPixel(m);
        CHECK(back.x() == Approx(123));
        CHECK(back.y() == Approx(456));
    }
    SECTION("zooming about a pixel keeps the point under it") {
        const QPointF anchor(650, 120);
        const geo::MapPoint before = view.toMap(anchor);
        view.zoomAbout(anchor, 2.0);
        CHECK(view.resolution() == Approx(250.0));
        const geo::MapPoint after = view.toMap(anchor);
        CHECK(after.x == Approx(before.x).margin(1e-6));
        CHECK(after.y == Approx(before.y).margin(1e-6));
    }
    SECTION("dragging moves the content with the pointer") {
        const geo::MapPoint under = view.toMap(QPointF(400, 300));
        view.panBy(QPointF(50, -20));
        const QPointF now = view.toPixel(under);
        CHECK(now.x() == Approx(450));
        CHECK(now.y() == Approx(280));
    }
    SECTION("fitting a geographic extent shows all of it") {
        const auto fit = Viewport::fittingGeographic({-6, 12.5, 5, 21}, QSize(1920, 1080));
        const geo::Extent e = fit.extent();
        const geo::Extent want = geo::webmercator::project(-6, 12.5, 5, 21);
        CHECK(e.minX <= want.minX + 1e-6);
        CHECK(e.maxX >= want.maxX - 1e-6);
        CHECK(e.minY <= want.minY + 1e-6);
        CHECK(e.maxY >= want.maxY - 1e-6);
    }
}

TEST_CASE("RasterLayer reads real imagery and refuses bad rasters", "[render][raster]") {
    SECTION("the demo's Blue Marble: whole world, tiled, with overviews") {
        auto layer = RasterLayer::open(1, QStringLiteral("bm"),
                                       demoFile(QStringLiteral("imagery/bluemarble.tif")));
        REQUIRE(layer.ok());
        CHECK(layer.value()->rasterSize() == QSize(2700, 1350));
        CHECK(layer.value()->overviewCount() >= 3);
        const geo::Extent e = layer.value()->extent();
        CHECK(e.minX == Approx(-geo::webmercator::kHalfWorld).epsilon(0.01));
        CHECK(e.maxX == Approx(geo::webmercator::kHalfWorld).epsilon(0.01));
        // A tile over the Atlantic is dark blue; one over the Sahara is sand.
        const TilePyramid pyramid(256);
        const geo::MapPoint sea = geo::webmercator::project({-30.0, 0.0});
        const geo::MapPoint sahara = geo::webmercator::project({5.0, 24.0});
        auto seaTile = layer.value()->renderTile(
            pyramid, pyramid.tilesCovering({sea.x, sea.y, sea.x, sea.y}, 5).first(), nullptr);
        auto sandTile = layer.value()->renderTile(
            pyramid, pyramid.tilesCovering({sahara.x, sahara.y, sahara.x, sahara.y}, 5).first(),
            nullptr);
        REQUIRE(seaTile.ok());
        REQUIRE(sandTile.ok());
        const QColor s = seaTile.value().pixelColor(128, 128);
        const QColor d = sandTile.value().pixelColor(128, 128);
        CHECK(s.blue() > s.red());
        CHECK(d.red() > d.blue() + 30);
        CHECK(d.alpha() == 255);
    }
    QTemporaryDir dir;
    SECTION("a missing file") {
        auto layer =
            RasterLayer::open(1, QStringLiteral("x"), dir.filePath(QStringLiteral("nope.tif")));
        REQUIRE_FALSE(layer.ok());
        CHECK_THAT(text(layer.error()), Contains("nope.tif"));
    }
    SECTION("a file in no raster format") {
        const QString path = dir.filePath(QStringLiteral("notes.tif"));
        test::writeAll(path, "these are not pixels\n");
        auto layer = RasterLayer::open(1, QStringLiteral("x"), path);
        REQUIRE_FALSE(layer.ok());
        CHECK_THAT(text(layer.error()), Contains("notes.tif") && Contains("not a raster"));
    }
    SECTION("a truncated GeoTIFF") {
        const QString path = dir.filePath(QStringLiteral("truncated.tif"));
        const QByteArray whole = test::readAll(demoFile(QStringLiteral("imagery/bluemarble.tif")));
        REQUIRE(whole.size() > 100000);
        test::writeAll(path, whole.left(whole.size() / 3));
        auto layer = RasterLayer::open(1, QStringLiteral("x"), path);
        REQUIRE_FALSE(layer.ok());
        CHECK_THAT(text(layer.error()), Contains("truncated.tif"));
    }
    SECTION("an image with no georeferencing") {
        const QString path = dir.filePath(QStringLiteral("photo.png"));
        QImage image(64, 32, QImage::Format_RGB32);
        image.fill(Qt::red);
        REQUIRE(image.save(path));
        auto layer = RasterLayer::open(1, QStringLiteral("x"), path);
        REQUIRE_FALSE(layer.ok());
        CHECK_THAT(text(layer.error()), Contains("photo.png") && Contains("not georeferenced"));
    }
}

TEST_CASE("VectorLayer reads OGR layers and refuses bad ones", "[render][vector]") {
    SECTION("Natural Earth countries from the demo") {
        auto layer = VectorLayer::open(
            2, QStringLiteral("countries"), demoFile(QStringLiteral("boundaries/world_map.gpkg")),
            QStringLiteral("countries"),
            LayerStyle::fromJson(QStringLiteral(R"({"stroke": "#ffffff", "width": 2})")));
        REQUIRE(layer.ok());
        CHECK(layer.value()->featureCount() > 200);
        CHECK(layer.value()->skippedFeatures() == 0);
        CHECK(layer.value()->style().width == 2.0);
    }
    SECTION("features with broken geometries are skipped and counted, the rest drawn") {
        auto layer = VectorLayer::open(
            2, QStringLiteral("b"), test::dataFile(QStringLiteral("broken-geometries.geojson")),
            QString(),
            LayerStyle::fromJson(QStringLiteral(R"({"stroke": "#ff0000", "width": 3})")));
        REQUIRE(layer.ok());
        CHECK(layer.value()->featureCount() == 2);
        CHECK(layer.value()->skippedFeatures() == 2);
        const TilePyramid pyramid(256);
        const geo::MapPoint mid = geo::webmercator::project({0.0, 16.5});
        const TileId tile = pyramid.tilesCovering({mid.x, mid.y, mid.x, mid.y}, 6).first();
        auto image = layer.value()->renderTile(pyramid, tile, nullptr);
        REQUIRE(image.ok());
        int red = 0;
        for (int y = 0; y < 256; ++y)
            for (int x = 0; x < 256; ++x)
                red += image.value().pixelColor(x, y).red() > 200 ? 1 : 0;
        CHECK(red > 20);
    }
    SECTION("a truncated GeoJSON") {
        auto layer =
            VectorLayer::open(2, QStringLiteral("t"),
                              test::dataFile(QStringLiteral("truncated.geojson")), QString(), {});
        REQUIRE_FALSE(layer.ok());
        CHECK_THAT(text(layer.error()), Contains("truncated.geojson"));
    }
    SECTION("a layer name the file does not have") {
        auto layer = VectorLayer::open(2, QStringLiteral("x"),
                                       demoFile(QStringLiteral("boundaries/world_map.gpkg")),
                                       QStringLiteral("rivers"), {});
        REQUIRE_FALSE(layer.ok());
        CHECK_THAT(text(layer.error()), Contains("rivers"));
    }
}

TEST_CASE("TileRenderer delivers tiles and drops what the view no longer wants",
          "[render][tiles][threads]") {
    auto raster = RasterLayer::open(7, QStringLiteral("bm"),
                                    demoFile(QStringLiteral("imagery/bluemarble.tif")));
    REQUIRE(raster.ok());
    TileRenderer renderer(256);
    renderer.setLayers({raster.value()});
    QList<TileKey> delivered;
    QObject::connect(&renderer, &TileRenderer::tileReady, [&](TileKey key, const QImage& image) {
        CHECK(image.size() == QSize(256, 256));
        delivered.append(key);
    });
    SECTION("every requested tile arrives once") {
        const QList<TileKey> wanted{{7, {3, 3, 3}}, {7, {3, 4, 3}}, {7, {3, 3, 4}}};
        renderer.request(wanted);
        REQUIRE(test::waitUntil([&] { return renderer.pendingCount() == 0; }));
        CHECK(delivered.size() == 3);
        for (const TileKey& key : wanted)
            CHECK(delivered.contains(key));
    }
    SECTION("tiles no longer wanted are not delivered") {
        QList<TileKey> first;
        for (int x = 0; x < 64; ++x)
            first.append(TileKey{7, {6, x, 28}});
        renderer.request(first);
        const QList<TileKey> second{{7, {2, 1, 1}}};
        renderer.request(second); // the view moved on: the 64 tiles are cancelled
        REQUIRE(test::waitUntil([&] { return renderer.pendingCount() == 0; }));
        renderer.waitForIdle();
        QCoreApplication::processEvents();
        CHECK(delivered.contains(second.first()));
        for (const TileKey& key : delivered)
            CHECK((key == second.first() || first.contains(key)));
        // Only tiles whose render was already past its last cancellation check may slip through.
        CHECK(delivered.size() < first.size());
    }
    SECTION("a tile of an unknown layer is ignored") {
        renderer.request({{99, {1, 0, 0}}});
        CHECK(renderer.pendingCount() == 0);
    }
}

TEST_CASE("The demo renders: sea, desert, borders and incidents where they are", "[render][demo]") {
    auto scene = loadScene(test::demoMission());
    REQUIRE(scene.ok());
    REQUIRE(scene.value()->problems().isEmpty());
    const Viewport view = Viewport::fittingGeographic({-25.0, 2.0, 10.0, 28.0}, QSize(1600, 900));
    const auto outcome = SceneRenderer::render(*scene.value(), view);
    REQUIRE(outcome.tileErrors.isEmpty());
    const QImage& image = outcome.image;
    auto at = [&](double lon, double lat) {
        const QPointF p = view.toPixel(geo::GeoPoint{lon, lat});
        return image.pixelColor(p.toPoint());
    };

    SECTION("the Atlantic is dark blue") {
        const QColor sea = at(-22.0, 8.0);
        CHECK(sea.blue() > sea.red() + 20);
        CHECK(sea.lightness() < 110);
    }
    SECTION("the Sahara is sand") {
        const QColor sand = at(-2.0, 22.5);
        CHECK(sand.red() > sand.blue() + 40);
        CHECK(sand.lightness() > 120);
    }
    SECTION("Mali's border is drawn in white") {
        // Mali's northernmost vertex, read from the same Natural Earth file.
        GDALDataset* ds = GDALDataset::Open(
            demoFile(QStringLiteral("boundaries/world_map.gpkg")).toUtf8().constData(),
            GDAL_OF_VECTOR);
        REQUIRE(ds);
        OGRLayer* countries = ds->GetLayerByName("countries");
        countries->SetAttributeFilter("NAME = 'Mali'");
        OGRFeature* mali = countries->GetNextFeature();
        REQUIRE(mali);
        OGREnvelope envelope;
        mali->GetGeometryRef()->getEnvelope(&envelope);
        OGRFeature::DestroyFeature(mali);
        GDALClose(ds);
        // Walk a line across the northern edge: somewhere near it the border is white.
        const double lon = -4.5;
        bool white = false;
        for (double lat = envelope.MaxY - 1.5; lat < envelope.MaxY + 0.5 && !white; lat += 0.01) {
            const QColor c = at(lon, lat);
            // Bright and neutral: the white line, not sand (which is much redder than blue).
            white = std::min({c.red(), c.green(), c.blue()}) > 210 &&
                    std::max({c.red(), c.green(), c.blue()}) -
                            std::min({c.red(), c.green(), c.blue()}) <
                        25;
        }
        CHECK(white);
    }
    SECTION("each critical incident shows a vermillion marker at its position") {
        int checked = 0;
        for (const store::Incident& incident : scene.value()->mission.incidents) {
            if (incident.severity != store::Severity::Critical ||
                incident.status == store::IncidentStatus::Resolved)
                continue;
            const QColor c = at(incident.location.lon, incident.location.lat);
            CHECK(test::colorDistance(c, palette::severity(store::Severity::Critical)) < 40);
            ++checked;
        }
        CHECK(checked >= 1);
    }
}

TEST_CASE("A mission with a broken layer still loads its other layers", "[render][bad-input]") {
    QTemporaryDir dir;
    const QString missionPath = dir.filePath(QStringLiteral("m.tessera"));
    QFile::copy(demoFile(QStringLiteral("imagery/bluemarble.tif")),
                dir.filePath(QStringLiteral("good.tif")));
    test::writeAll(dir.filePath(QStringLiteral("bad.tif")), QByteArray(4096, 'x'));
    {
        store::MissionInfo info;
        info.name = QStringLiteral("Broken layer");
        info.marking.classification = QStringLiteral("UNCLASSIFIED");
        auto store = store::MissionStore::create(missionPath, info);
        REQUIRE(store.ok());
        store::LayerSpec good;
        good.name = QStringLiteral("Good");
        good.source = QStringLiteral("good.tif");
        store::LayerSpec bad = good;
        bad.name = QStringLiteral("Bad");
        bad.source = QStringLiteral("bad.tif");
        bad.stackOrder = 1;
        REQUIRE(store.value().addLayer(good).ok());
        REQUIRE(store.value().addLayer(bad).ok());
    }
    const QByteArray before = test::fileHash(missionPath);
    auto scene = loadScene(missionPath);
    REQUIRE(scene.ok());
    REQUIRE(scene.value()->layers.size() == 2);
    CHECK_FALSE(scene.value()->layers[0].isBroken());
    CHECK(scene.value()->layers[1].isBroken());
    REQUIRE(scene.value()->problems().size() == 1);
    CHECK_THAT(scene.value()->problems().first().toStdString(),
               Contains("Bad") && Contains("bad.tif"));
    const auto outcome = SceneRenderer::render(
        *scene.value(), Viewport::fittingGeographic({-20, -10, 20, 30}, QSize(400, 400)));
    CHECK(outcome.tileErrors.isEmpty());
    CHECK(outcome.image.pixelColor(200, 200) != palette::mapBackground()); // the good layer drew
    CHECK(test::fileHash(missionPath) == before);
}

TEST_CASE("OverlayPainter keeps labels apart and out of covered areas", "[render][overlay]") {
    const Viewport view({0, 0}, 1000.0, QSize(400, 200));
    OverlayContent content;
    // A grid of places, far more than fit: the placer must drop the ones that would collide.
    for (int i = 0; i < 200; ++i)
        content.places.push_back({view.toMap(QPointF(10 + (i % 20) * 19, 10 + (i / 20) * 19)),
                                  QStringLiteral("Place %1").arg(i), i % 3});
    auto paint = [&](const OverlayContent& c) {
        QImage image(view.size(), QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        QPainter painter(&image);
        OverlayPainter::paint(painter, view, c);
        return image;
    };
    auto inkIn = [](const QImage& image, QRect r) {
        int ink = 0;
        for (int y = r.top(); y <= r.bottom(); ++y)
            for (int x = r.left(); x <= r.right(); ++x)
                ink += qAlpha(image.pixel(x, y)) > 0 ? 1 : 0;
        return ink;
    };
    const QImage open = paint(content);
    CHECK(inkIn(open, QRect(0, 0, 200, 200)) > 500);
    CHECK(inkIn(open, QRect(200, 0, 200, 200)) > 500);
    content.keepClear = {QRectF(0, 0, 200, 200)};
    const QImage covered = paint(content);
    // A dot just left of the edge may carry its label out to the right; nothing further in.
    CHECK(inkIn(covered, QRect(0, 0, 170, 200)) == 0);
    CHECK(inkIn(covered, QRect(205, 0, 195, 200)) > 500);
}

TEST_CASE("TileCache evicts the least recently used tiles past its byte bound",
          "[render][tiles][cache]") {
    QImage tile(256, 256, QImage::Format_ARGB32_Premultiplied); // 256 KiB
    tile.fill(Qt::red);
    TileCache cache(3 * 256 * 1024); // room for three tiles
    const TileKey a{1, {5, 1, 1}};
    const TileKey b{1, {5, 2, 1}};
    const TileKey c{2, {5, 3, 1}};
    const TileKey d{2, {5, 4, 1}};
    cache.insert(a, tile);
    cache.insert(b, tile);
    cache.insert(c, tile);
    CHECK(cache.count() == 3);
    CHECK(cache.bytes() == 3 * 256 * 1024);
    REQUIRE(cache.find(a)); // a is now the most recently used: b is the oldest
    cache.insert(d, tile);
    CHECK(cache.count() == 3);
    CHECK(cache.contains(a));
    CHECK_FALSE(cache.contains(b));
    CHECK(cache.contains(c));
    CHECK(cache.contains(d));
    SECTION("a layer's tiles go together") {
        cache.removeLayer(2);
        CHECK(cache.count() == 1);
        CHECK(cache.contains(a));
    }
    SECTION("a tile larger than the whole cache is not kept") {
        QImage huge(2048, 2048, QImage::Format_ARGB32_Premultiplied);
        cache.insert({3, {1, 0, 0}}, huge);
        CHECK_FALSE(cache.contains({3, {1, 0, 0}}));
        CHECK(cache.bytes() <= cache.maxBytes());
    }
}
