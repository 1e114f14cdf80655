// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Vector layers across the formats OGR reads, point symbols, and the grid index behind them.
#include "TestSupport.h"
#include "geo/WebMercator.h"
#include "render/GridIndex.h"
#include "render/VectorLayer.h"

#include <QDir>
#include <QTemporaryDir>

#include <catch2/catch.hpp>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_utils.h>

#include <random>

using namespace tessera;
using namespace tessera::render;
using Catch::Matchers::Contains;

namespace {

const TilePyramid kPyramid(256);

TileId tileAt(double lon, double lat, int z) {
    const geo::MapPoint m = geo::webmercator::project({lon, lat});
    return kPyramid.tilesCovering({m.x, m.y, m.x, m.y}, z).first();
}

int countColour(const QImage& image, QColor colour, int tolerance = 30) {
    int n = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            n += test::colorDistance(image.pixelColor(x, y), colour) < tolerance &&
                         image.pixelColor(x, y).alpha() > 200
                     ? 1
                     : 0;
    return n;
}

/// ogr2ogr through the C API.
void convert(const QString& from, const QString& to, const QStringList& arguments) {
    CPLStringList args;
    for (const QString& a : arguments)
        args.AddString(a.toUtf8().constData());
    GDALDatasetH src =
        GDALOpenEx(from.toUtf8().constData(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr);
    REQUIRE(src);
    GDALVectorTranslateOptions* options = GDALVectorTranslateOptionsNew(args.List(), nullptr);
    int usageError = FALSE;
    GDALDatasetH out =
        GDALVectorTranslate(to.toUtf8().constData(), nullptr, 1, &src, options, &usageError);
    GDALVectorTranslateOptionsFree(options);
    REQUIRE(out);
    GDALClose(out);
    GDALClose(src);
}

} // namespace

TEST_CASE("GridIndex finds exactly the items a brute-force scan finds", "[render][index]") {
    std::mt19937 random(7);
    std::uniform_real_distribution<double> coordinate(0.0, 1000.0);
    std::uniform_real_distribution<double> size(0.0, 30.0);
    std::vector<geo::Extent> boxes;
    for (int i = 0; i < 5000; ++i) {
        const double x = coordinate(random);
        const double y = coordinate(random);
        boxes.push_back({x, y, x + size(random) * (i % 50 == 0 ? 20 : 1), y + size(random)});
    }
    const GridIndex index(boxes, {0, 0, 1600, 1030});
    for (int q = 0; q < 200; ++q) {
        const double x = coordinate(random);
        const double y = coordinate(random);
        const geo::Extent area{x, y, x + size(random) * 5, y + size(random) * 5};
        std::vector<std::uint32_t> expected;
        for (std::uint32_t i = 0; i < boxes.size(); ++i)
            if (boxes[i].intersects(area))
                expected.push_back(i);
        std::vector<std::uint32_t> found = index.query(area);
        // The index may return neighbours from the same cells; it must never miss one.
        std::vector<std::uint32_t> hits;
        for (std::uint32_t i : found)
            if (boxes[i].intersects(area))
                hits.push_back(i);
        CHECK(hits == expected);
        CHECK(std::is_sorted(found.begin(), found.end()));
        CHECK(std::adjacent_find(found.begin(), found.end()) == found.end());
    }
    CHECK(index.query({5000, 5000, 6000, 6000}).empty());
    CHECK(GridIndex({}, {0, 0, 1, 1}).query({0, 0, 1, 1}).empty());
}

TEST_CASE("Vector layers read the formats field data comes in", "[render][vector][formats]") {
    GDALAllRegister();
    QTemporaryDir dir;
    const QString source = test::dataFile(QStringLiteral("patrol-sample.geojson"));
    const LayerStyle style = LayerStyle::fromJson(
        QStringLiteral(R"({"stroke": "#ff00ff", "width": 3, "point": "#00ff00", "size": 5})"));
    struct Case {
        const char* name;
        QString file;
        QStringList args;
        int features; // GPX keeps points and lines only; the polygon becomes a track or is dropped
    };
    const QList<Case> cases{
        {"GeoJSON", source, {}, 4},
        {"GeoPackage",
         dir.filePath(QStringLiteral("p.gpkg")),
         {QStringLiteral("-f"), QStringLiteral("GPKG")},
         4},
        {"Shapefile (lines)",
         dir.filePath(QStringLiteral("lines.shp")),
         {QStringLiteral("-f"), QStringLiteral("ESRI Shapefile"), QStringLiteral("-where"),
          QStringLiteral("name = 'Gao-Ansongo road'")},
         1},
        {"KML",
         dir.filePath(QStringLiteral("p.kml")),
         {QStringLiteral("-f"), QStringLiteral("KML")},
         4},
        {"KMZ",
         dir.filePath(QStringLiteral("p.kmz")),
         {QStringLiteral("-f"), QStringLiteral("LIBKML")},
         4},
        {"FlatGeobuf (points)",
         dir.filePath(QStringLiteral("p.fgb")),
         {QStringLiteral("-f"), QStringLiteral("FlatGeobuf"), QStringLiteral("-where"),
          QStringLiteral("name IN ('Gao', 'Ansongo')")},
         2},
        {"GPX (waypoints)",
         dir.filePath(QStringLiteral("p.gpx")),
         {QStringLiteral("-f"), QStringLiteral("GPX"), QStringLiteral("-nlt"),
          QStringLiteral("POINT"), QStringLiteral("-where"),
          QStringLiteral("name IN ('Gao', 'Ansongo')")},
         2},
    };
    for (const Case& c : cases) {
        INFO(c.name);
        if (c.file != source)
            convert(source, c.file, c.args);
        auto layer = VectorLayer::open(1, QString::fromLatin1(c.name), c.file, QString(), style);
        REQUIRE(layer.ok());
        CHECK(layer.value()->featureCount() == c.features);
        CHECK(layer.value()->skippedFeatures() == 0);
        // Gao and its surroundings at zoom 8: the line in magenta or the points in green.
        auto tile = layer.value()->renderTile(kPyramid, tileAt(0.2, 16.0, 7), nullptr);
        REQUIRE(tile.ok());
        CHECK(countColour(tile.value(), QColor(0xff, 0x00, 0xff)) +
                  countColour(tile.value(), QColor(0x00, 0xff, 0x00)) >
              20);
    }
}

TEST_CASE("Points are drawn as symbols where they are, labelled points go to the overlay",
          "[render][vector]") {
    const QString source = test::dataFile(QStringLiteral("patrol-sample.geojson"));
    SECTION("symbols") {
        auto layer = VectorLayer::open(
            1, QStringLiteral("p"), source, QString(),
            LayerStyle::fromJson(QStringLiteral(
                R"({"point": "#00ff00", "stroke": "#000000", "size": 6, "width": 0})")));
        REQUIRE(layer.ok());
        CHECK(layer.value()->labelPoints().empty());
        const TileId tile = tileAt(-0.0447, 16.2717, 10);
        auto image = layer.value()->renderTile(kPyramid, tile, nullptr);
        REQUIRE(image.ok());
        const geo::Extent e = kPyramid.tileExtent(tile);
        const geo::MapPoint gao = geo::webmercator::project({-0.0447, 16.2717});
        const QPoint at(static_cast<int>((gao.x - e.minX) / kPyramid.resolution(10)),
                        static_cast<int>((e.maxY - gao.y) / kPyramid.resolution(10)));
        CHECK(image.value().pixelColor(at) == QColor(0, 255, 0));
        CHECK(countColour(image.value(), QColor(0, 255, 0), 10) < 150); // one dot, not the sector
    }
    SECTION("labels") {
        auto layer =
            VectorLayer::open(1, QStringLiteral("p"), source, QString(),
                              LayerStyle::fromJson(QStringLiteral(R"({"label": "name"})")));
        REQUIRE(layer.ok());
        REQUIRE(layer.value()->labelPoints().size() == 2);
        CHECK(layer.value()->labelPoints()[0].text == QStringLiteral("Gao"));
    }
}
