// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Raster layers across the formats GDAL reads, band choice, stretch, palette, nodata, world
// files, overviews, and reprojection of a real scene checked against gdalwarp.
#include "TestSupport.h"
#include "geo/WebMercator.h"
#include "render/RasterLayer.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>

#include <catch2/catch.hpp>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <ogr_srs_api.h>

#include <vector>

using namespace tessera;
using namespace tessera::render;
using Catch::Matchers::Contains;

namespace {

const TilePyramid kPyramid(256);

QString blueMarble() {
    return QFileInfo(test::demoMission())
        .absoluteDir()
        .filePath(QStringLiteral("imagery/bluemarble.tif"));
}

TileId tileAt(double lon, double lat, int z) {
    const geo::MapPoint m = geo::webmercator::project({lon, lat});
    return kPyramid.tilesCovering({m.x, m.y, m.x, m.y}, z).first();
}

QImage draw(const RasterLayer& layer, TileId tile) {
    auto image = layer.renderTile(kPyramid, tile, nullptr);
    REQUIRE(image.ok());
    return image.value();
}

/// Mean absolute difference over R, G, B of the pixels opaque in both, and how many those are.
std::pair<double, int> compare(const QImage& a, const QImage& b) {
    double sum = 0;
    int n = 0;
    for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x) {
            const QColor ca = a.pixelColor(x, y);
            const QColor cb = b.pixelColor(x, y);
            if (ca.alpha() < 255 || cb.alpha() < 255)
                continue;
            sum += test::colorDistance(ca, cb) / 3.0;
            ++n;
        }
    return {n ? sum / n : 1e9, n};
}

/// Writes a GeoTIFF from a buffer of `type` values through GDAL's MEM driver.
void writeRaster(const QString& path, int w, int h, GDALDataType type, const void* data,
                 const char* srs, const double gt[6], const double* noData = nullptr,
                 GDALColorTableH table = nullptr) {
    GDALDriverH mem = GDALGetDriverByName("MEM");
    GDALDatasetH ds = GDALCreate(mem, "", w, h, 1, type, nullptr);
    GDALSetGeoTransform(ds, const_cast<double*>(gt));
    if (srs) {
        OGRSpatialReferenceH ref = OSRNewSpatialReference(nullptr);
        OSRSetFromUserInput(ref, srs);
        GDALSetSpatialRef(ds, ref);
        OSRDestroySpatialReference(ref);
    }
    GDALRasterBandH band = GDALGetRasterBand(ds, 1);
    REQUIRE(GDALRasterIO(band, GF_Write, 0, 0, w, h, const_cast<void*>(data), w, h, type, 0, 0) ==
            CE_None);
    if (noData)
        GDALSetRasterNoDataValue(band, *noData);
    if (table) {
        GDALSetRasterColorInterpretation(band, GCI_PaletteIndex);
        GDALSetRasterColorTable(band, table);
    }
    GDALDatasetH out = GDALCreateCopy(GDALGetDriverByName("GTiff"), path.toUtf8().constData(), ds,
                                      FALSE, nullptr, nullptr, nullptr);
    REQUIRE(out);
    GDALClose(out);
    GDALClose(ds);
}

/// gdal_translate through the C API (the same as the command line tool).
void translate(const QString& from, const QString& to, const QStringList& arguments) {
    CPLStringList args;
    for (const QString& a : arguments)
        args.AddString(a.toUtf8().constData());
    GDALDatasetH src = GDALOpen(from.toUtf8().constData(), GA_ReadOnly);
    REQUIRE(src);
    GDALTranslateOptions* options = GDALTranslateOptionsNew(args.List(), nullptr);
    GDALDatasetH out = GDALTranslate(to.toUtf8().constData(), src, options, nullptr);
    GDALTranslateOptionsFree(options);
    REQUIRE(out);
    GDALClose(out);
    GDALClose(src);
}

const double kLonLatTransform[6] = {-10.0, 0.1, 0.0,
                                    20.0,  0.0, -0.1}; // 10 W..10 E, 0..20 N for 200x200

} // namespace

TEST_CASE("The Landsat scene (EPSG:31985) reprojects to Web Mercator like gdalwarp",
          "[render][raster][reprojection]") {
    GDALAllRegister();
    const QString scene = test::sourceFile(QStringLiteral("L7_ETMs.tif"));
    REQUIRE(QFileInfo::exists(scene));
    auto layer = RasterLayer::open(
        1, QStringLiteral("L7"), scene,
        RasterStyle::fromJson(QStringLiteral(R"({"bands": [3, 2, 1], "stretch": "none"})")));
    REQUIRE(layer.ok());
    CHECK(layer.value()->bandCount() == 6);
    CHECK(layer.value()->bands() == QList<int>{3, 2, 1});
    // The scene lies over Olinda, Brazil, at about 34.87 W 7.99 S.
    CHECK(layer.value()->extent().contains(geo::webmercator::project({-34.871, -7.995})));

    QTemporaryDir dir;
    for (const TileId tile :
         {tileAt(-34.87, -7.99, 13), tileAt(-34.87, -7.99, 15), tileAt(-34.85, -7.97, 16)}) {
        const geo::Extent e = kPyramid.tileExtent(tile);
        // The reference: gdal_translate picks the bands, gdalwarp reprojects; command-line tools.
        const QString vrt = dir.filePath(QStringLiteral("bands.vrt"));
        const QString png = dir.filePath(
            QStringLiteral("reference-%1-%2-%3.tif").arg(tile.z).arg(tile.x).arg(tile.y));
        REQUIRE(QProcess::execute(QStringLiteral("gdal_translate"),
                                  {QStringLiteral("-q"), QStringLiteral("-of"),
                                   QStringLiteral("VRT"), QStringLiteral("-b"), QStringLiteral("3"),
                                   QStringLiteral("-b"), QStringLiteral("2"), QStringLiteral("-b"),
                                   QStringLiteral("1"), scene, vrt}) == 0);
        REQUIRE(QProcess::execute(QStringLiteral("gdalwarp"),
                                  {QStringLiteral("-q"), QStringLiteral("-overwrite"),
                                   QStringLiteral("-t_srs"), QStringLiteral("EPSG:3857"),
                                   QStringLiteral("-te"), QString::number(e.minX, 'f', 6),
                                   QString::number(e.minY, 'f', 6), QString::number(e.maxX, 'f', 6),
                                   QString::number(e.maxY, 'f', 6), QStringLiteral("-ts"),
                                   QStringLiteral("256"), QStringLiteral("256"),
                                   QStringLiteral("-r"), QStringLiteral("bilinear"),
                                   QStringLiteral("-dstalpha"), vrt, png}) == 0);
        QImage reference(256, 256, QImage::Format_ARGB32);
        {
            GDALDatasetH ds = GDALOpen(png.toUtf8().constData(), GA_ReadOnly);
            REQUIRE(ds);
            REQUIRE(GDALGetRasterCount(ds) == 4);
            std::vector<unsigned char> rgba(256 * 256 * 4);
            int map[4] = {1, 2, 3, 4};
            REQUIRE(GDALDatasetRasterIO(ds, GF_Read, 0, 0, 256, 256, rgba.data(), 256, 256,
                                        GDT_Byte, 4, map, 4, 256 * 4, 1) == CE_None);
            GDALClose(ds);
            reference = QImage(rgba.data(), 256, 256, QImage::Format_RGBA8888).copy();
        }
        const QImage ours = draw(*layer.value(), tile);
        const auto [difference, compared] = compare(ours, reference);
        INFO("tile " << tile.z << "/" << tile.x << "/" << tile.y);
        CHECK(compared > 1000);
        // Under 2 of 255 per channel at the scene's resolution; magnified 12x (zoom 16) the
        // warped-VRT path resamples twice where gdalwarp resamples once, so allow a little more.
        CHECK(difference < (tile.z >= 16 ? 3.0 : 2.0));
        // Same footprint: opaque where the reference is opaque, within the edge pixels.
        int footprintMismatch = 0;
        for (int y = 0; y < 256; ++y)
            for (int x = 0; x < 256; ++x)
                footprintMismatch += (reference.pixelColor(x, y).alpha() > 128) !=
                                             (ours.pixelColor(x, y).alpha() > 128)
                                         ? 1
                                         : 0;
        CHECK(footprintMismatch < 256 * 4);
    }
}

TEST_CASE("Raster bands, stretch, palette and nodata", "[render][raster]") {
    GDALAllRegister();
    QTemporaryDir dir;
    SECTION("16-bit data is stretched over the display range") {
        std::vector<quint16> values(200 * 200);
        for (int y = 0; y < 200; ++y)
            for (int x = 0; x < 200; ++x)
                values[y * 200 + x] =
                    static_cast<quint16>(1000 + x * 20); // 1000 .. 4980, west to east
        const QString path = dir.filePath(QStringLiteral("uint16.tif"));
        writeRaster(path, 200, 200, GDT_UInt16, values.data(), "EPSG:4326", kLonLatTransform);
        auto layer = RasterLayer::open(1, QStringLiteral("u16"), path);
        REQUIRE(layer.ok());
        REQUIRE(layer.value()->stretchMinimum().size() == 1);
        CHECK(layer.value()->stretchMinimum()[0] == Approx(1080).margin(40));
        CHECK(layer.value()->stretchMaximum()[0] == Approx(4900).margin(40));
        const QImage tile = draw(*layer.value(), {0, 0, 0});
        // The raster covers 10 W..10 E: at zoom 0 that is pixels ~121..135 of row ~115.
        int darkest = 255;
        int brightest = 0;
        for (int x = 120; x <= 136; ++x) {
            const QColor c = tile.pixelColor(x, 120);
            if (c.alpha() < 255)
                continue;
            darkest = std::min(darkest, c.red());
            brightest = std::max(brightest, c.red());
        }
        CHECK(darkest < 40);
        CHECK(brightest > 215);
    }
    SECTION("a fixed stretch from the style") {
        std::vector<quint16> values(200 * 200, 3000);
        const QString path = dir.filePath(QStringLiteral("flat.tif"));
        writeRaster(path, 200, 200, GDT_UInt16, values.data(), "EPSG:4326", kLonLatTransform);
        auto layer = RasterLayer::open(1, QStringLiteral("u16"), path,
                                       RasterStyle::fromJson(QStringLiteral(
                                           R"({"stretch": {"min": [2000], "max": [4000]}})")));
        REQUIRE(layer.ok());
        const QColor c = draw(*layer.value(), tileAt(5, 10, 6)).pixelColor(128, 128);
        CHECK(c.red() == Approx(128).margin(2));
    }
    SECTION("nodata is transparent") {
        std::vector<quint8> values(200 * 200, 200);
        for (int y = 0; y < 200; ++y)
            for (int x = 0; x < 100; ++x)
                values[y * 200 + x] = 0; // the western half has no data
        const QString path = dir.filePath(QStringLiteral("nodata.tif"));
        const double noData = 0;
        writeRaster(path, 200, 200, GDT_Byte, values.data(), "EPSG:4326", kLonLatTransform,
                    &noData);
        auto layer = RasterLayer::open(1, QStringLiteral("nd"), path);
        REQUIRE(layer.ok());
        CHECK(draw(*layer.value(), tileAt(-5, 10, 5)).pixelColor(128, 128).alpha() == 0);
        const QColor east = draw(*layer.value(), tileAt(5, 10, 5)).pixelColor(128, 128);
        CHECK(east.alpha() == 255);
        CHECK(east.red() == 200); // 8-bit grey is shown as it is
    }
    SECTION("a paletted raster draws its colours") {
        std::vector<quint8> values(200 * 200);
        for (int y = 0; y < 200; ++y)
            for (int x = 0; x < 200; ++x)
                values[y * 200 + x] = x < 100 ? 1 : 2;
        GDALColorTableH table = GDALCreateColorTable(GPI_RGB);
        const GDALColorEntry red{220, 20, 20, 255};
        const GDALColorEntry blue{20, 20, 220, 255};
        GDALSetColorEntry(table, 1, &red);
        GDALSetColorEntry(table, 2, &blue);
        const QString path = dir.filePath(QStringLiteral("palette.tif"));
        writeRaster(path, 200, 200, GDT_Byte, values.data(), "EPSG:4326", kLonLatTransform, nullptr,
                    table);
        GDALDestroyColorTable(table);
        auto layer = RasterLayer::open(1, QStringLiteral("pal"), path);
        REQUIRE(layer.ok());
        CHECK(draw(*layer.value(), tileAt(-5, 10, 5)).pixelColor(128, 128) == QColor(220, 20, 20));
        CHECK(draw(*layer.value(), tileAt(5, 10, 5)).pixelColor(128, 128) == QColor(20, 20, 220));
    }
}

TEST_CASE("World files: lon/lat is assumed WGS84 and said so, metres without a CRS are refused",
          "[render][raster][bad-input]") {
    QTemporaryDir dir;
    QImage image(100, 50, QImage::Format_RGB32);
    image.fill(QColor(30, 160, 40));
    const QString png = dir.filePath(QStringLiteral("scan.png"));
    REQUIRE(image.save(png));
    SECTION("degrees") {
        test::writeAll(dir.filePath(QStringLiteral("scan.pgw")), "0.1\n0\n0\n-0.1\n-4.95\n17.95\n");
        auto layer = RasterLayer::open(1, QStringLiteral("scan"), png);
        REQUIRE(layer.ok());
        CHECK_THAT(layer.value()->notice().toStdString(), Contains("WGS84 is assumed"));
        const QColor c = draw(*layer.value(), tileAt(0, 15, 6)).pixelColor(128, 128);
        CHECK(test::colorDistance(c, QColor(30, 160, 40)) < 6);
    }
    SECTION("metres") {
        test::writeAll(dir.filePath(QStringLiteral("scan.pgw")),
                       "30\n0\n0\n-30\n288776\n9120760\n");
        auto layer = RasterLayer::open(1, QStringLiteral("scan"), png);
        REQUIRE_FALSE(layer.ok());
        CHECK_THAT(layer.error().message.toStdString(),
                   Contains("scan.png") && Contains("no coordinate reference system"));
    }
}

namespace {

/// `from` warped by GDAL to EPSG:3857 into the GeoTIFF `to` (bilinear), with `creation`
/// options; the open result, for the caller to change and close.
GDALDatasetH warpToMercatorTiff(const QString& from, const QString& to,
                                std::initializer_list<const char*> creation = {}) {
    GDALDatasetH src = GDALOpen(from.toUtf8().constData(), GA_ReadOnly);
    CPLStringList args;
    for (const char* a : {"-t_srs", "EPSG:3857", "-r", "bilinear", "-of", "GTiff", "-q"})
        args.AddString(a);
    for (const char* option : creation) {
        args.AddString("-co");
        args.AddString(option);
    }
    GDALWarpAppOptions* options = GDALWarpAppOptionsNew(args.List(), nullptr);
    GDALDatasetH out = GDALWarp(to.toUtf8().constData(), nullptr, 1, &src, options, nullptr);
    GDALWarpAppOptionsFree(options);
    GDALClose(src);
    return out;
}

} // namespace

TEST_CASE("Rasters in the formats GDAL writes draw the same picture", "[render][raster][formats]") {
    GDALAllRegister();
    QTemporaryDir dir;
    // Africa from the demo's Blue Marble, as the reference.
    const QString africa = dir.filePath(QStringLiteral("africa.tif"));
    translate(blueMarble(), africa,
              {QStringLiteral("-projwin"), QStringLiteral("-20"), QStringLiteral("30"),
               QStringLiteral("20"), QStringLiteral("-10")});
    auto reference = RasterLayer::open(1, QStringLiteral("ref"), africa);
    REQUIRE(reference.ok());
    const TileId tile = tileAt(0, 12, 5);
    const QImage expected = draw(*reference.value(), tile);

    struct Case {
        const char* name;
        QString file;
        QStringList args;
        double tolerance; // mean difference per channel: lossy and resampled formats differ more
    };
    const QList<Case> cases{
        {"Cloud Optimized GeoTIFF",
         dir.filePath(QStringLiteral("a.cog.tif")),
         {QStringLiteral("-of"), QStringLiteral("COG")},
         1.0},
        {"VRT",
         dir.filePath(QStringLiteral("a.vrt")),
         {QStringLiteral("-of"), QStringLiteral("VRT")},
         0.5},
        {"MBTiles",
         dir.filePath(QStringLiteral("a.mbtiles")),
         {QStringLiteral("-of"), QStringLiteral("MBTILES"), QStringLiteral("-co"),
          QStringLiteral("TILE_FORMAT=PNG")},
         8.0},
        {"GeoPackage tiles",
         dir.filePath(QStringLiteral("a.gpkg")),
         {QStringLiteral("-of"), QStringLiteral("GPKG"), QStringLiteral("-co"),
          QStringLiteral("TILING_SCHEME=GoogleMapsCompatible")},
         8.0},
        {"JPEG with a world file",
         dir.filePath(QStringLiteral("a.jpg")),
         {QStringLiteral("-of"), QStringLiteral("JPEG"), QStringLiteral("-co"),
          QStringLiteral("WORLDFILE=YES"), QStringLiteral("-co"), QStringLiteral("QUALITY=95")},
         6.0},
    };
    CHECK_FALSE(reference.value()->readsWithoutWarp()); // the Blue Marble is in lon/lat
    for (const Case& c : cases) {
        INFO(c.name);
        translate(africa, c.file, c.args);
        auto layer = RasterLayer::open(2, QString::fromLatin1(c.name), c.file);
        REQUIRE(layer.ok());
        // MBTiles and GoogleMapsCompatible GeoPackages are Web Mercator: read with no warp.
        CHECK(layer.value()->readsWithoutWarp() == (c.file.endsWith(QStringLiteral(".mbtiles")) ||
                                                    c.file.endsWith(QStringLiteral(".gpkg"))));
        const auto [difference, compared] = compare(draw(*layer.value(), tile), expected);
        CHECK(compared > 256 * 200);
        CHECK(difference < c.tolerance);
    }

    SECTION("a Web Mercator GeoTIFF with nodata, read with no warp") {
        // The reference warped once to EPSG:3857 by GDAL, its western third set to nodata.
        const QString mercator = dir.filePath(QStringLiteral("mercator.tif"));
        {
            GDALDatasetH out = warpToMercatorTiff(africa, mercator);
            REQUIRE(out);
            const int w = GDALGetRasterXSize(out);
            const int h = GDALGetRasterYSize(out);
            std::vector<quint8> zeros(static_cast<size_t>(w / 3) * h, 0);
            for (int b = 1; b <= 3; ++b) {
                GDALRasterBandH band = GDALGetRasterBand(out, b);
                REQUIRE(GDALRasterIO(band, GF_Write, 0, 0, w / 3, h, zeros.data(), w / 3, h,
                                     GDT_Byte, 0, 0) == CE_None);
                GDALSetRasterNoDataValue(band, 0);
            }
            GDALClose(out);
        }
        auto layer = RasterLayer::open(3, QStringLiteral("mercator"), mercator);
        REQUIRE(layer.ok());
        CHECK(layer.value()->readsWithoutWarp());
        const auto [difference, compared] = compare(draw(*layer.value(), tile), expected);
        CHECK(compared > 256 * 200);
        CHECK(difference < 3.0);
        // 20 W .. 20 E: the western third (west of about 6.7 W) has no data and stays clear.
        const QImage west = draw(*layer.value(), tileAt(-15, 10, 6));
        CHECK(west.pixelColor(128, 128).alpha() == 0);
        const QImage east = draw(*layer.value(), tileAt(10, 10, 6));
        CHECK(east.pixelColor(128, 128).alpha() == 255);
    }
    SECTION("an uncompressed striped Web Mercator GeoTIFF, read directly") {
        // Stored as the benchmark's striped raster is: full-width strips, no compression, no
        // overviews. Read with no warp, straight from the file, the tile resampled by Qt.
        const QString striped = dir.filePath(QStringLiteral("striped.tif"));
        {
            GDALDatasetH out = warpToMercatorTiff(africa, striped, {"TILED=NO", "COMPRESS=NONE"});
            REQUIRE(out);
            CHECK(GDALGetOverviewCount(GDALGetRasterBand(out, 1)) == 0);
            GDALClose(out);
        }
        auto layer = RasterLayer::open(3, QStringLiteral("striped"), striped);
        REQUIRE(layer.ok());
        CHECK(layer.value()->readsWithoutWarp());
        const QImage ours = draw(*layer.value(), tile);
        const auto [difference, compared] = compare(ours, expected);
        CHECK(compared == 256 * 256); // opaque everywhere: no margin or edge left clear
        CHECK(difference < 3.0);

        // Bands chosen in another order come back in that order.
        RasterStyle reversed;
        reversed.bands = {3, 2, 1};
        auto swapped = RasterLayer::open(4, QStringLiteral("swapped"), striped, reversed);
        REQUIRE(swapped.ok());
        const QImage other = draw(*swapped.value(), tile);
        int mismatched = 0;
        for (int y = 0; y < 256; y += 8)
            for (int x = 0; x < 256; x += 8) {
                const QRgb a = ours.pixel(x, y);
                const QRgb b = other.pixel(x, y);
                if (qRed(a) != qBlue(b) || qGreen(a) != qGreen(b) || qBlue(a) != qRed(b))
                    ++mismatched;
            }
        CHECK(mismatched == 0);
    }
    SECTION("a local TMS through GDAL_WMS") {
        // Tiles cut from the reference by our own renderer, served as file:// URLs.
        const QString tiles = dir.filePath(QStringLiteral("tms"));
        for (int z = 0; z <= 3; ++z)
            for (int x = 0; x < (1 << z); ++x)
                for (int y = 0; y < (1 << z); ++y) {
                    QDir().mkpath(QStringLiteral("%1/%2/%3").arg(tiles).arg(z).arg(x));
                    REQUIRE(
                        draw(*reference.value(), {z, x, y})
                            .save(
                                QStringLiteral("%1/%2/%3/%4.png").arg(tiles).arg(z).arg(x).arg(y)));
                }
        const QString xml = dir.filePath(QStringLiteral("tms.xml"));
        test::writeAll(xml, QStringLiteral(R"(<GDAL_WMS>
  <Service name="TMS"><ServerUrl>file://%1/${z}/${x}/${y}.png</ServerUrl></Service>
  <DataWindow><UpperLeftX>-20037508.34</UpperLeftX><UpperLeftY>20037508.34</UpperLeftY>
    <LowerRightX>20037508.34</LowerRightX><LowerRightY>-20037508.34</LowerRightY>
    <TileLevel>3</TileLevel><TileCountX>1</TileCountX><TileCountY>1</TileCountY><YOrigin>top</YOrigin></DataWindow>
  <Projection>EPSG:3857</Projection><BlockSizeX>256</BlockSizeX><BlockSizeY>256</BlockSizeY><BandsCount>4</BandsCount>
</GDAL_WMS>)")
                                .arg(tiles)
                                .toUtf8());
        auto layer = RasterLayer::open(3, QStringLiteral("tms"), xml);
        REQUIRE(layer.ok());
        const TileId z3 = tileAt(0, 12, 3);
        const auto [difference, compared] =
            compare(draw(*layer.value(), z3), draw(*reference.value(), z3));
        CHECK(compared > 1000);
        CHECK(difference < 3.0);
    }
}

TEST_CASE("Overviews are built on request, with progress, and can be cancelled",
          "[render][raster][overviews]") {
    GDALAllRegister();
    QTemporaryDir dir;
    const QString big = dir.filePath(QStringLiteral("big.tif"));
    translate(blueMarble(), big,
              {QStringLiteral("-outsize"), QStringLiteral("5400"), QStringLiteral("2700"),
               QStringLiteral("-co"), QStringLiteral("TILED=YES")});
    auto before = RasterLayer::open(1, QStringLiteral("big"), big);
    REQUIRE(before.ok());
    CHECK(before.value()->overviewCount() == 0);
    CHECK(before.value()->needsOverviews());

    SECTION("cancelled") {
        const Status s = buildOverviews(big, [](double done) { return done < 0.2; });
        REQUIRE_FALSE(s.ok());
        CHECK(s.error().message == QStringLiteral("cancelled"));
        CHECK_FALSE(QFileInfo::exists(big + QStringLiteral(".ovr"))); // nothing half-built left
        auto again = RasterLayer::open(1, QStringLiteral("big"), big);
        REQUIRE(again.ok());
        CHECK(again.value()->overviewCount() == 0);
    }
    SECTION("built") {
        QList<double> reported;
        REQUIRE(buildOverviews(big, [&](double done) {
                    reported.append(done);
                    return true;
                }).ok());
        REQUIRE(reported.size() > 2);
        CHECK(std::is_sorted(reported.begin(), reported.end()));
        CHECK(reported.last() == Approx(1.0));
        auto after = RasterLayer::open(1, QStringLiteral("big"), big);
        REQUIRE(after.ok());
        CHECK(after.value()->overviewCount() >= 4);
        CHECK_FALSE(after.value()->needsOverviews());
        const auto [difference, compared] =
            compare(draw(*after.value(), {2, 2, 1}), draw(*before.value(), {2, 2, 1}));
        CHECK(compared > 10000);
        CHECK(difference < 6.0); // averaged overviews versus warping from full resolution
    }
}
