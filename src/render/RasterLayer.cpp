// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "render/RasterLayer.h"

#include "geo/GdalEnvironment.h"
#include "geo/ThreadCheck.h"

#include <QFile>
#include <QFileInfo>
#include <QPainter>

#include <cpl_string.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <gdal_utils.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <vector>

namespace tessera::render {

namespace {

using UniqueDataset = geo::UniqueGdalDataset;

int CPL_STDCALL progressUnlessCancelled(double, const char*, void* flag) {
    const auto* cancelled = static_cast<const CancelFlag*>(flag);
    return cancelled && cancelled->load(std::memory_order_relaxed) ? FALSE : TRUE;
}

const Error kCancelled{QStringLiteral("cancelled")};

/// gdalwarp's arguments for a layer's warps to EPSG:3857 into `format` (VRT or MEM).
CPLStringList warpArguments(const char* format, bool paletted, bool stretched,
                            const QString& assumedCrs) {
    CPLStringList args;
    for (const char* a :
         {"-t_srs", "EPSG:3857", "-dstalpha", "-q", "-et", "0.125", "-wo", "SAMPLE_GRID=YES"})
        args.AddString(a);
    args.AddString("-of");
    args.AddString(format);
    args.AddString("-r");
    args.AddString(paletted ? "near" : "bilinear"); // palette indices must not be averaged
    if (stretched) {
        args.AddString("-ot");
        args.AddString("Float32"); // stretched after the warp, from the source values
    }
    if (!assumedCrs.isEmpty()) {
        args.AddString("-s_srs");
        args.AddString(assumedCrs.toUtf8().constData());
    }
    return args;
}

/// True when the raster is already in the view's CRS, north up: its pixels can be read as they
/// are (GDAL still picks the overview), with no warp at all — the common case of tiled imagery,
/// MBTiles and Web Mercator COGs.
bool isNorthUpWebMercator(GDALDatasetH ds, bool hasTransform, const double gt[6], bool hasGcps) {
    if (!hasTransform || hasGcps || gt[2] != 0.0 || gt[4] != 0.0 || gt[1] <= 0.0 || gt[5] >= 0.0)
        return false;
    OGRSpatialReferenceH source = GDALGetSpatialRef(ds);
    if (!source)
        return false;
    OGRSpatialReferenceH mercator = OSRNewSpatialReference(nullptr);
    OSRImportFromEPSG(mercator, 3857);
    const char* options[] = {"IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES",
                             "CRITERION=EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS", nullptr};
    const bool same = OSRIsSameEx(source, mercator, options) != 0;
    OSRDestroySpatialReference(mercator);
    return same;
}

GDALDatasetH openRaster(const QString& path) {
    return GDALOpenEx(path.toUtf8().constData(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr,
                      nullptr, nullptr);
}

/// The bands to draw: the style's when valid, else red/green/blue by colour interpretation, else
/// the first three, else band 1.
QList<int> chooseBands(GDALDatasetH ds, const QList<int>& wanted) {
    const int count = GDALGetRasterCount(ds);
    const bool valid =
        (wanted.size() == 1 || wanted.size() == 3) &&
        std::all_of(wanted.begin(), wanted.end(), [&](int b) { return b >= 1 && b <= count; });
    if (valid)
        return wanted;
    int red = 0;
    int green = 0;
    int blue = 0;
    for (int b = 1; b <= count; ++b) {
        switch (GDALGetRasterColorInterpretation(GDALGetRasterBand(ds, b))) {
        case GCI_RedBand:
            red = red ? red : b;
            break;
        case GCI_GreenBand:
            green = green ? green : b;
            break;
        case GCI_BlueBand:
            blue = blue ? blue : b;
            break;
        default:
            break;
        }
    }
    if (red && green && blue)
        return {red, green, blue};
    // Skip a trailing alpha band when counting colour bands.
    const bool lastIsAlpha =
        GDALGetRasterColorInterpretation(GDALGetRasterBand(ds, count)) == GCI_AlphaBand;
    return count - (lastIsAlpha ? 1 : 0) >= 3 ? QList<int>{1, 2, 3} : QList<int>{1};
}

/// Whether the chosen bands can be shown as they are: 8-bit with a display interpretation.
bool displayReady(GDALDatasetH ds, const QList<int>& bands) {
    for (int b : bands) {
        GDALRasterBandH band = GDALGetRasterBand(ds, b);
        if (GDALGetRasterDataType(band) != GDT_Byte)
            return false;
        switch (GDALGetRasterColorInterpretation(band)) {
        case GCI_RedBand:
        case GCI_GreenBand:
        case GCI_BlueBand:
        case GCI_PaletteIndex:
        case GCI_YCbCr_YBand:
        case GCI_YCbCr_CbBand:
        case GCI_YCbCr_CrBand:
            break;
        case GCI_GrayIndex:
            if (bands.size() != 1)
                return false; // e.g. Landsat's band 1 among undefined ones: a scene to stretch
            break;
        default:
            return false;
        }
    }
    return true;
}

/// The 2nd and 98th percentiles of a band, from a thumbnail of at most 512 px a side.
std::pair<double, double> percentiles(GDALRasterBandH band, QSize size) {
    const double scale = std::min(1.0, 512.0 / std::max(size.width(), size.height()));
    const int w = std::max(1, static_cast<int>(size.width() * scale));
    const int h = std::max(1, static_cast<int>(size.height() * scale));
    std::vector<double> values(static_cast<size_t>(w) * h);
    GDALRasterIOExtraArg extra;
    INIT_RASTERIO_EXTRA_ARG(extra);
    extra.eResampleAlg = GRIORA_NearestNeighbour;
    if (GDALRasterIOEx(band, GF_Read, 0, 0, size.width(), size.height(), values.data(), w, h,
                       GDT_Float64, 0, 0, &extra) != CE_None)
        return {0.0, 255.0};
    int hasNoData = FALSE;
    const double noData = GDALGetRasterNoDataValue(band, &hasNoData);
    std::erase_if(values,
                  [&](double v) { return !std::isfinite(v) || (hasNoData && v == noData); });
    if (values.empty())
        return {0.0, 255.0};
    auto at = [&](double q) {
        const auto k = static_cast<std::ptrdiff_t>(q * static_cast<double>(values.size() - 1));
        std::nth_element(values.begin(), values.begin() + k, values.end());
        return values[static_cast<size_t>(k)];
    };
    const double low = at(0.02);
    const double high = at(0.98);
    return {low, high > low ? high : low + 1.0};
}

/// 8-bit colour needs no conversion: one interleaved read of the bands (`bandMap`: blue, green,
/// red) lands straight in the image's bytes (B, G, R, A per pixel on little-endian machines),
/// then `alpha` goes in, premultiplied. On failure, GDAL's message.
Result<QImage> readColourStraight(GDALDatasetH from, const std::array<int, 3>& bandMap,
                                  QRect window, QRect part, int size, GDALRasterIOExtraArg& extra,
                                  const std::vector<unsigned char>& alpha) {
    QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    uchar* bits = image.bits();
    const auto line = static_cast<GSpacing>(image.bytesPerLine());
    uchar* first = bits + part.y() * line + part.x() * 4;
    geo::GdalErrorCapture errors;
    if (GDALDatasetRasterIOEx(from, GF_Read, window.x(), window.y(), window.width(),
                              window.height(), first, part.width(), part.height(), GDT_Byte, 3,
                              const_cast<int*>(bandMap.data()), 4, line, 1, &extra) != CE_None)
        return Error{errors.lastError(QStringLiteral("read failed"))};
    for (int y = part.y(); y < part.y() + part.height(); ++y) {
        uchar* px = bits + y * line + part.x() * 4;
        const unsigned char* a = alpha.data() + static_cast<size_t>(y) * size + part.x();
        for (int x = 0; x < part.width(); ++x, px += 4) {
            const unsigned int opacity = a[x];
            px[3] = static_cast<uchar>(opacity);
            if (opacity != 255) // premultiply, rounding as qPremultiply does
                for (int c = 0; c < 3; ++c) {
                    const unsigned int t = px[c] * opacity + 128;
                    px[c] = static_cast<uchar>((t + (t >> 8)) >> 8);
                }
        }
    }
    return image;
}

/// 8-bit colour of a north-up source in the view's CRS, resampled bilinearly by Qt instead of
/// by GDAL. GDAL's bilinear RasterIO runs its general convolution resampler in scalar doubles,
/// which at about 1:1 (a tile level up to 1.41x off the raster's resolution) took most of a
/// tile's time; here the window is read once at the resolution of the overview level nearest
/// without being coarser, with a pixel of margin so samples at the tile's edges see their real
/// neighbours, and drawn into the tile's `part` through Qt's SIMD bilinear scaling. `window` is
/// the tile's floating-point window in full-resolution pixels of `from`. On failure, GDAL's
/// message.
Result<QImage> readColourResampled(GDALDatasetH from, const std::array<int, 3>& redGreenBlue,
                                   QRectF window, QRect part, int size) {
    const int fullWidth = GDALGetRasterXSize(from);
    const int fullHeight = GDALGetRasterYSize(from);
    // The level: the coarsest overview still at least as sharp as the tile, the same for every
    // band (a band without that overview sends the read to full resolution).
    std::array<GDALRasterBandH, 3> bands{};
    for (int i = 0; i < 3; ++i)
        bands[i] = GDALGetRasterBand(from, redGreenBlue[i]);
    const double decimation = window.width() / part.width();
    int level = -1;
    double levelScale = 1.0;
    for (int o = 0; o < GDALGetOverviewCount(bands[0]); ++o) {
        GDALRasterBandH overview = GDALGetOverview(bands[0], o);
        if (!overview)
            continue;
        const double scale = static_cast<double>(fullWidth) / GDALGetRasterBandXSize(overview);
        const bool everyBand = std::all_of(bands.begin(), bands.end(), [&](GDALRasterBandH b) {
            return GDALGetOverviewCount(b) > o;
        });
        if (everyBand && scale <= decimation && scale > levelScale) {
            level = o;
            levelScale = scale;
        }
    }
    if (level >= 0)
        for (auto& band : bands)
            band = GDALGetOverview(band, level);
    const int levelWidth = GDALGetRasterBandXSize(bands[0]);
    const int levelHeight = GDALGetRasterBandYSize(bands[0]);
    const double scaleX = static_cast<double>(fullWidth) / levelWidth;
    const double scaleY = static_cast<double>(fullHeight) / levelHeight;
    const QRectF inLevel(window.x() / scaleX, window.y() / scaleY, window.width() / scaleX,
                         window.height() / scaleY);
    const int x0 = std::clamp(static_cast<int>(std::floor(inLevel.left())) - 1, 0, levelWidth - 1);
    const int y0 = std::clamp(static_cast<int>(std::floor(inLevel.top())) - 1, 0, levelHeight - 1);
    const int x1 = std::clamp(static_cast<int>(std::ceil(inLevel.right())) + 1, x0 + 1, levelWidth);
    const int y1 =
        std::clamp(static_cast<int>(std::ceil(inLevel.bottom())) + 1, y0 + 1, levelHeight);

    // Red, green, blue in that order, three bytes a pixel: for a pixel-interleaved RGB source
    // GDAL copies each row of the window in one go, where any other layout costs a strided
    // byte-by-byte copy per band; Qt's vectorised conversion then adds the fourth byte.
    const int width = x1 - x0;
    const int height = y1 - y0;
    QImage rgb(width, height, QImage::Format_RGB888);
    const auto line = static_cast<GSpacing>(rgb.bytesPerLine());
    geo::GdalErrorCapture errors;
    GDALRasterIOExtraArg whole;
    INIT_RASTERIO_EXTRA_ARG(whole);
    bool read = true;
    if (level < 0)
        read = GDALDatasetRasterIOEx(from, GF_Read, x0, y0, width, height, rgb.bits(), width,
                                     height, GDT_Byte, 3, const_cast<int*>(redGreenBlue.data()), 3,
                                     line, 1, &whole) == CE_None;
    else
        for (int i = 0; i < 3 && read; ++i)
            read = GDALRasterIOEx(bands[i], GF_Read, x0, y0, width, height, rgb.bits() + i, width,
                                  height, GDT_Byte, 3, line, &whole) == CE_None;
    if (!read)
        return Error{errors.lastError(QStringLiteral("read failed"))};
    QImage source;
    if (GDALGetMaskFlags(bands[0]) == GMF_ALL_VALID) {
        source = rgb.convertToFormat(QImage::Format_RGB32);
    } else {
        std::vector<unsigned char> alpha(static_cast<size_t>(width) * height);
        if (GDALRasterIOEx(GDALGetMaskBand(bands[0]), GF_Read, x0, y0, width, height, alpha.data(),
                           width, height, GDT_Byte, 1, width, &whole) != CE_None)
            return Error{errors.lastError(QStringLiteral("read failed"))};
        source = rgb.convertToFormat(QImage::Format_ARGB32);
        for (int y = 0; y < height; ++y) {
            auto* px = reinterpret_cast<QRgb*>(source.scanLine(y));
            const unsigned char* a = alpha.data() + static_cast<size_t>(y) * width;
            for (int x = 0; x < width; ++x)
                px[x] = (px[x] & 0x00ffffffu) | (static_cast<QRgb>(a[x]) << 24);
        }
    }

    QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::SmoothPixmapTransform);
    painter.setCompositionMode(QPainter::CompositionMode_Source);
    painter.drawImage(QRectF(part), source, inLevel.translated(-x0, -y0));
    painter.end();
    return image;
}

} // namespace

/// One worker's view of a layer: its own source dataset and, on top, a warped VRT in EPSG:3857
/// that keeps the transformer (the costly part of a warp) for every tile the worker draws.
struct RasterLayer::ThreadHandles {
    GDALDatasetH source = nullptr;
    GDALDatasetH warped = nullptr;
    /// The source again, opened to read uncompressed GeoTIFFs directly; the source itself when
    /// that would change nothing. Opened on first use by `wholeWindowReader`.
    GDALDatasetH direct = nullptr;
    /// The handle for reading whole windows of a north-up Web Mercator `source`.
    GDALDatasetH wholeWindowReader(const QString& path) {
        if (direct)
            return direct;
        direct = source;
        GDALDriverH driver = GDALGetDatasetDriver(source);
        if (driver && std::strcmp(GDALGetDriverShortName(driver), "GTiff") == 0) {
            // Uncompressed GeoTIFFs are read straight from the file, bypassing GDAL's block
            // cache: a 256-pixel tile of a raster stored in full-width strips otherwise loads and
            // de-interleaves every 16,384-pixel strip it crosses, per worker, to use a sliver of
            // each (at 1:1, half of a cold frame). A handle of its own, because GDAL takes the
            // setting when the file is opened, and far zoomed out without overviews sampling
            // every n-th pixel is cheaper through the rows GDAL reads whole. Compressed files
            // read as usual; a setting of the user's wins. (A memory map, GTIFF_VIRTUAL_MEM_IO,
            // was slower here, a page fault per page touched, and returned bands 3, 2, 1 rotated.)
            const CPLConfigOptionSetter directReads("GTIFF_DIRECT_IO", "YES", true);
            if (GDALDatasetH reopened = openRaster(path))
                direct = reopened;
        }
        return direct;
    }
    ~ThreadHandles() { close(); }
    void close() {
        if (direct && direct != source)
            GDALClose(direct);
        if (warped)
            GDALClose(warped);
        if (source)
            GDALClose(source);
        direct = warped = source = nullptr;
    }
};

RasterLayer::RasterLayer(qint64 id, const QString& name, QString path)
    : MapLayer(id, name)
    , path_(std::move(path)) {}

// The layer is destroyed when its last user lets go: no worker is drawing with the handles,
// and closing them here (not at thread exit) keeps them clear of GDAL's own teardown.
RasterLayer::~RasterLayer() = default;

RasterLayer::ThreadHandles& RasterLayer::handlesForThisThread() const {
    const std::lock_guard lock(handlesMutex_);
    std::unique_ptr<ThreadHandles>& handles = handles_[std::this_thread::get_id()];
    if (!handles)
        handles = std::make_unique<ThreadHandles>();
    return *handles;
}

bool RasterLayer::needsOverviews() const {
    return overviewCount_ == 0 && std::max(rasterSize_.width(), rasterSize_.height()) > 4096;
}

Result<std::shared_ptr<RasterLayer>>
RasterLayer::open(qint64 id, const QString& name, const QString& path, const RasterStyle& style) {
    TESSERA_ASSERT_WORKER_THREAD();
    geo::ensureGdalRegistered();
    geo::GdalErrorCapture errors;
    UniqueDataset ds(openRaster(path));
    if (!ds)
        return Error{QStringLiteral("%1: not a raster GDAL can read (%2)")
                         .arg(path, errors.lastError(QStringLiteral("unknown format")))};
    auto layer = std::shared_ptr<RasterLayer>(new RasterLayer(id, name, path));
    layer->rasterSize_ = QSize(GDALGetRasterXSize(ds.get()), GDALGetRasterYSize(ds.get()));
    layer->bandCount_ = GDALGetRasterCount(ds.get());
    if (layer->bandCount_ < 1 || layer->rasterSize_.isEmpty())
        return Error{QStringLiteral("%1: the raster has no bands or no pixels").arg(path)};
    layer->overviewCount_ = GDALGetOverviewCount(GDALGetRasterBand(ds.get(), 1));

    double gt[6];
    const bool hasTransform = GDALGetGeoTransform(ds.get(), gt) == CE_None;
    const bool hasGcps = GDALGetGCPCount(ds.get()) > 0;
    const bool hasCrs = GDALGetSpatialRef(ds.get()) != nullptr ||
                        (hasGcps && GDALGetGCPSpatialRef(ds.get()) != nullptr);
    if (!hasTransform && !hasGcps)
        return Error{QStringLiteral("%1: the raster is not georeferenced (no geotransform, no "
                                    "control points); add a world file or georeference it")
                         .arg(path)};
    if (!hasCrs) {
        // A world file gives the geotransform but no CRS. When the corners are plausible
        // longitudes and latitudes, take WGS84 (what such files nearly always are) and say so.
        const double x0 = gt[0];
        const double y0 = gt[3];
        const double x1 = gt[0] + gt[1] * layer->rasterSize_.width();
        const double y1 = gt[3] + gt[5] * layer->rasterSize_.height();
        const bool lonLat = hasTransform && std::min(x0, x1) >= -180.5 &&
                            std::max(x0, x1) <= 180.5 && std::min(y0, y1) >= -90.5 &&
                            std::max(y0, y1) <= 90.5;
        if (!lonLat)
            return Error{QStringLiteral("%1: the raster has no coordinate reference system; add "
                                        "a .prj file or assign one (gdal_edit.py -a_srs EPSG:...)")
                             .arg(path)};
        layer->assumedCrs_ = QStringLiteral("EPSG:4326");
        layer->notice_ = QStringLiteral("%1: no coordinate system in the file; its coordinates "
                                        "look like longitude/latitude, so WGS84 is assumed")
                             .arg(path);
    }

    // Where the raster lands in EPSG:3857: its own corners when it is north-up Web Mercator
    // already, else where GDAL's own warper would place it.
    layer->nativeMercator_ = isNorthUpWebMercator(ds.get(), hasTransform, gt, hasGcps);
    if (layer->nativeMercator_) {
        layer->extent_ = {gt[0], gt[3] + layer->rasterSize_.height() * gt[5],
                          gt[0] + layer->rasterSize_.width() * gt[1], gt[3]};
    } else {
        char** options = CSLSetNameValue(nullptr, "DST_SRS", "EPSG:3857");
        if (!layer->assumedCrs_.isEmpty())
            options = CSLSetNameValue(options, "SRC_SRS", layer->assumedCrs_.toUtf8().constData());
        void* transformer = GDALCreateGenImgProjTransformer2(ds.get(), nullptr, options);
        CSLDestroy(options);
        if (!transformer)
            return Error{QStringLiteral("%1: cannot be reprojected to EPSG:3857 (%2)")
                             .arg(path, errors.lastError(QStringLiteral("no transformation")))};
        double outTransform[6];
        int outX = 0;
        int outY = 0;
        const CPLErr suggested = GDALSuggestedWarpOutput(ds.get(), GDALGenImgProjTransform,
                                                         transformer, outTransform, &outX, &outY);
        GDALDestroyGenImgProjTransformer(transformer);
        if (suggested != CE_None)
            return Error{QStringLiteral("%1: cannot be reprojected to EPSG:3857 (%2)")
                             .arg(path, errors.lastError(QStringLiteral("no transformation")))};
        layer->extent_ = {outTransform[0], outTransform[3] + outY * outTransform[5],
                          outTransform[0] + outX * outTransform[1], outTransform[3]};
    }

    layer->bands_ = chooseBands(ds.get(), style.bands);
    layer->allBandsInOrder_ =
        layer->bands_ == QList<int>{1, 2, 3}.mid(0, layer->bands_.size()) &&
        (layer->bandCount_ == layer->bands_.size() ||
         (layer->bandCount_ == layer->bands_.size() + 1 &&
          GDALGetRasterColorInterpretation(GDALGetRasterBand(ds.get(), layer->bandCount_)) ==
              GCI_AlphaBand));
    GDALRasterBandH first = GDALGetRasterBand(ds.get(), layer->bands_.first());
    if (layer->bands_.size() == 1 && GDALGetRasterColorTable(first)) {
        GDALColorTableH table = GDALGetRasterColorTable(first);
        for (int i = 0; i < GDALGetColorEntryCount(table); ++i) {
            GDALColorEntry entry;
            GDALGetColorEntryAsRGB(table, i, &entry);
            layer->palette_.append(qRgba(entry.c1, entry.c2, entry.c3, entry.c4));
        }
    }

    // A truncated or corrupt file often opens fine and fails on the first read. Decode a
    // thumbnail now (from the smallest overview when there is one) so that it fails here, with a
    // message, rather than tile by tile; the same read gives the stretch. Huge rasters without
    // overviews are spared the full read and are stretched from their statistics instead.
    const qint64 pixels = qint64(layer->rasterSize_.width()) * layer->rasterSize_.height();
    const bool affordable = layer->overviewCount_ > 0 || pixels <= 64LL * 1024 * 1024;
    const bool stretch =
        layer->palette_.isEmpty() &&
        (style.stretch == RasterStyle::Stretch::Fixed ||
         (style.stretch == RasterStyle::Stretch::Auto && !displayReady(ds.get(), layer->bands_)));
    if (affordable) {
        std::vector<unsigned char> thumb(64 * 64);
        GDALRasterIOExtraArg extra;
        INIT_RASTERIO_EXTRA_ARG(extra);
        for (int band = 1; band <= layer->bandCount_; ++band)
            if (GDALRasterIOEx(GDALGetRasterBand(ds.get(), band), GF_Read, 0, 0,
                               layer->rasterSize_.width(), layer->rasterSize_.height(),
                               thumb.data(), 64, 64, GDT_Byte, 0, 0, &extra) != CE_None)
                return Error{QStringLiteral("%1: the raster's pixels cannot be read; the file is "
                                            "damaged or truncated (%2)")
                                 .arg(path, errors.lastError(QStringLiteral("read error")))};
    }
    if (stretch && style.stretch == RasterStyle::Stretch::Fixed) {
        for (qsizetype i = 0; i < layer->bands_.size(); ++i) {
            const qsizetype k = std::min(i, style.minimum.size() - 1);
            layer->stretchMin_.append(style.minimum[k]);
            layer->stretchMax_.append(std::max(style.maximum[k], style.minimum[k] + 1e-9));
        }
    } else if (stretch) {
        for (int b : layer->bands_) {
            GDALRasterBandH band = GDALGetRasterBand(ds.get(), b);
            std::pair<double, double> range{0.0, 255.0};
            if (affordable) {
                range = percentiles(band, layer->rasterSize_);
            } else {
                double minimum = 0.0;
                double maximum = 0.0;
                double mean = 0.0;
                double deviation = 0.0;
                if (GDALGetRasterStatistics(band, TRUE, TRUE, &minimum, &maximum, &mean,
                                            &deviation) == CE_None)
                    range = {std::max(minimum, mean - 2 * deviation),
                             std::min(maximum, mean + 2 * deviation)};
            }
            layer->stretchMin_.append(range.first);
            layer->stretchMax_.append(range.second);
        }
    }
    return layer;
}

Result<QImage> RasterLayer::renderTile(const TilePyramid& pyramid, TileId tile,
                                       const CancelFlag* cancelled) const {
    TESSERA_ASSERT_WORKER_THREAD();
    const int size = pyramid.tileSize();
    const geo::Extent box = pyramid.tileExtent(tile);
    if (!box.intersects(extent_))
        return blankTile(size);
    if (cancelled && cancelled->load())
        return kCancelled;

    geo::GdalErrorCapture errors;
    auto tileError = [&](const QString& why) {
        return Error{QStringLiteral("%1: tile %2/%3/%4 could not be drawn (%5)")
                         .arg(path_)
                         .arg(tile.z)
                         .arg(tile.x)
                         .arg(tile.y)
                         .arg(why)};
    };
    ThreadHandles& handles = handlesForThisThread();
    const bool stretched = !stretchMin_.isEmpty();
    if (nativeMercator_ && !handles.source) {
        handles.source = openRaster(path_);
        if (!handles.source)
            return Error{QStringLiteral("%1: %2").arg(
                path_, errors.lastError(QStringLiteral("cannot be opened")))};
    } else if (!nativeMercator_ && !handles.warped) {
        if (allBandsInOrder_) {
            handles.source = openRaster(path_);
        } else {
            // A virtual dataset of just the chosen bands, so the warp reads nothing else.
            CPLStringList vrtArgs;
            for (int b : bands_) {
                vrtArgs.AddString("-b");
                vrtArgs.AddString(CPLSPrintf("%d", b));
            }
            GDALBuildVRTOptions* vrtOptions = GDALBuildVRTOptionsNew(vrtArgs.List(), nullptr);
            const QByteArray file = path_.toUtf8();
            const char* names[] = {file.constData()};
            handles.source = GDALBuildVRT("", 1, nullptr, names, vrtOptions, nullptr);
            GDALBuildVRTOptionsFree(vrtOptions);
        }
        if (handles.source) {
            CPLStringList args = warpArguments("VRT", !palette_.isEmpty(), stretched, assumedCrs_);
            GDALWarpAppOptions* options = GDALWarpAppOptionsNew(args.List(), nullptr);
            handles.warped = GDALWarp("", nullptr, 1, &handles.source, options, nullptr);
            GDALWarpAppOptionsFree(options);
        }
        if (!handles.warped) {
            handles.close();
            return Error{QStringLiteral("%1: %2").arg(
                path_, errors.lastError(QStringLiteral("cannot be opened")))};
        }
    }

    // The tile's window in the pixels of the dataset read (the source itself when it is already
    // north-up Web Mercator, else the warped VRT), clipped to it; the part of the tile it fills.
    // Floating-point windows keep tile edges exact at every zoom.
    GDALDatasetH base = nativeMercator_ ? handles.source : handles.warped;
    double gt[6];
    GDALGetGeoTransform(base, gt);
    const int vrtWidth = GDALGetRasterXSize(base);
    const int vrtHeight = GDALGetRasterYSize(base);
    const double winX = (box.minX - gt[0]) / gt[1];
    const double winY = (box.maxY - gt[3]) / gt[5];
    const double winW = box.width() / gt[1];
    const double winH = box.height() / -gt[5];
    const double pxPerWinX = size / winW;
    const double pxPerWinY = size / winH;
    const int dstX0 = std::clamp(static_cast<int>(std::ceil((0.0 - winX) * pxPerWinX)), 0, size);
    const int dstY0 = std::clamp(static_cast<int>(std::ceil((0.0 - winY) * pxPerWinY)), 0, size);
    const int dstX1 =
        std::clamp(static_cast<int>(std::floor((vrtWidth - winX) * pxPerWinX)), 0, size);
    const int dstY1 =
        std::clamp(static_cast<int>(std::floor((vrtHeight - winY) * pxPerWinY)), 0, size);
    if (dstX1 <= dstX0 || dstY1 <= dstY0)
        return blankTile(size);
    GDALRasterIOExtraArg extra;
    INIT_RASTERIO_EXTRA_ARG(extra);
    extra.eResampleAlg = palette_.isEmpty() ? GRIORA_Bilinear : GRIORA_NearestNeighbour;
    extra.bFloatingPointWindowValidity = TRUE;
    extra.dfXOff = winX + dstX0 / pxPerWinX;
    extra.dfYOff = winY + dstY0 / pxPerWinY;
    extra.dfXSize = (dstX1 - dstX0) / pxPerWinX;
    extra.dfYSize = (dstY1 - dstY0) / pxPerWinY;
    int readX = std::clamp(static_cast<int>(std::floor(extra.dfXOff)), 0, vrtWidth - 1);
    int readY = std::clamp(static_cast<int>(std::floor(extra.dfYOff)), 0, vrtHeight - 1);
    int readW = std::clamp(static_cast<int>(std::ceil(extra.dfXOff + extra.dfXSize)) - readX, 1,
                           vrtWidth - readX);
    int readH = std::clamp(static_cast<int>(std::ceil(extra.dfYOff + extra.dfYSize)) - readY, 1,
                           vrtHeight - readY);
    int partW = dstX1 - dstX0;
    int partH = dstY1 - dstY0;
    int offset = dstY0 * size + dstX0;

    GDALDatasetH from = base;
    UniqueDataset direct;
    const bool farOut = 1.0 / pxPerWinX > 2.0 && overviewCount_ == 0;
    if (nativeMercator_ && farOut) {
        // No warp to skip here: reading far zoomed out without overviews, bilinear would read
        // every source pixel, nearest reads only the rows and columns it samples.
        extra.eResampleAlg = GRIORA_NearestNeighbour;
    } else if (!nativeMercator_ && farOut) {
        // Far zoomed out over a raster without overviews, reading the VRT would warp every source
        // pixel at full resolution; a warp straight to the tile samples the source instead.
        CPLStringList args = warpArguments("MEM", !palette_.isEmpty(), stretched, assumedCrs_);
        args.AddString("-te");
        for (double v : {box.minX, box.minY, box.maxX, box.maxY})
            args.AddString(CPLSPrintf("%.10f", v));
        args.AddString("-ts");
        args.AddString(CPLSPrintf("%d", size));
        args.AddString(CPLSPrintf("%d", size));
        GDALWarpAppOptions* options = GDALWarpAppOptionsNew(args.List(), nullptr);
        GDALWarpAppOptionsSetProgress(options, progressUnlessCancelled,
                                      const_cast<CancelFlag*>(cancelled)); // only read
        direct.reset(GDALWarp("", nullptr, 1, &handles.source, options, nullptr));
        GDALWarpAppOptionsFree(options);
        if (cancelled && cancelled->load())
            return kCancelled;
        if (!direct)
            return tileError(errors.lastError(QStringLiteral("warp failed")));
        from = direct.get();
        readX = readY = 0;
        readW = partW = size;
        readH = partH = size;
        offset = 0;
        INIT_RASTERIO_EXTRA_ARG(extra);
    }

    // A warp's bands: the drawn ones (in the dataset's order), then the alpha it added. The
    // source read as it is: the chosen bands, and the mask GDAL derives from nodata or alpha.
    const bool readingSource = from == handles.source;
    const int outBands = GDALGetRasterCount(from);
    const int colourBands = readingSource
                                ? static_cast<int>(bands_.size())
                                : std::min<int>(static_cast<int>(bands_.size()), outBands - 1);
    auto readFrom = [&](GDALRasterBandH band, GDALDataType type, void* data, int bytes) {
        return GDALRasterIOEx(band, GF_Read, readX, readY, readW, readH,
                              static_cast<char*>(data) + offset * bytes, partW, partH, type, bytes,
                              static_cast<GSpacing>(size) * bytes, &extra);
    };
    auto readBand = [&](int band, GDALDataType type, void* data, int bytes) {
        return readFrom(GDALGetRasterBand(from, band), type, data, bytes);
    };
    // Source band of the i-th drawn band: a VRT of just the chosen bands numbers them 1, 2, 3.
    auto bandAt = [&](int i) { return allBandsInOrder_ || readingSource ? bands_[i] : i + 1; };
    if (readingSource && extra.eResampleAlg == GRIORA_Bilinear && !stretched &&
        palette_.isEmpty() && (colourBands == 3 || colourBands == 1)) {
        const std::array<int, 3> redGreenBlue =
            colourBands == 3 ? std::array<int, 3>{bands_[0], bands_[1], bands_[2]}
                             : std::array<int, 3>{bands_[0], bands_[0], bands_[0]};
        auto image =
            readColourResampled(handles.wholeWindowReader(path_), redGreenBlue,
                                QRectF(extra.dfXOff, extra.dfYOff, extra.dfXSize, extra.dfYSize),
                                {offset % size, offset / size, partW, partH}, size);
        if (!image)
            return tileError(image.error().message);
        return image;
    }
    const int pixels = size * size;
    std::vector<unsigned char> alpha(pixels, 0);
    CPLErr alphaRead = CE_None;
    if (!readingSource) {
        alphaRead = readBand(outBands, GDT_Byte, alpha.data(), 1);
    } else {
        GDALRasterBandH first = GDALGetRasterBand(from, bands_.first());
        if (GDALGetMaskFlags(first) == GMF_ALL_VALID) {
            for (int y = dstY0; y < dstY0 + partH; ++y)
                std::fill_n(alpha.begin() + y * size + dstX0, partW, 255);
        } else {
            alphaRead = readFrom(GDALGetMaskBand(first), GDT_Byte, alpha.data(), 1);
        }
    }
    if (alphaRead != CE_None)
        return Error{QStringLiteral("%1: %2").arg(
            path_, errors.lastError(QStringLiteral("pixels could not be read")))};
#if Q_BYTE_ORDER == Q_LITTLE_ENDIAN
    if (!stretched && palette_.isEmpty() && (colourBands == 3 || colourBands == 1)) {
        const std::array<int, 3> blueGreenRed =
            colourBands == 3 ? std::array<int, 3>{bandAt(2), bandAt(1), bandAt(0)}
                             : std::array<int, 3>{bandAt(0), bandAt(0), bandAt(0)};
        auto image =
            readColourStraight(from, blueGreenRed, {readX, readY, readW, readH},
                               {offset % size, offset / size, partW, partH}, size, extra, alpha);
        if (!image)
            return tileError(image.error().message);
        return image;
    }
#endif
    std::vector<std::vector<unsigned char>> channels(colourBands,
                                                     std::vector<unsigned char>(pixels));
    std::vector<float> values(stretched ? pixels : 0);
    for (int i = 0; i < colourBands; ++i) {
        if (cancelled && cancelled->load())
            return kCancelled;
        const int band = bandAt(i);
        CPLErr read = CE_None;
        if (stretched) {
            read = readBand(band, GDT_Float32, values.data(), 4);
            const double low = stretchMin_[i];
            const double span = stretchMax_[i] - low;
            for (int p = 0; p < pixels; ++p)
                channels[i][p] = std::isfinite(values[p])
                                     ? static_cast<unsigned char>(
                                           std::clamp((values[p] - low) / span * 255.0, 0.0, 255.0))
                                     : 0;
        } else {
            read = readBand(band, GDT_Byte, channels[i].data(), 1);
        }
        if (read != CE_None)
            return tileError(errors.lastError(QStringLiteral("read failed")));
    }
    if (cancelled && cancelled->load())
        return kCancelled;

    QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
    for (int y = 0; y < size; ++y) {
        auto* line = reinterpret_cast<QRgb*>(image.scanLine(y));
        for (int x = 0; x < size; ++x) {
            const int p = y * size + x;
            QRgb rgba;
            if (!palette_.isEmpty()) {
                const int index = channels[0][p];
                rgba = index < palette_.size() ? palette_[index] : qRgba(0, 0, 0, 0);
                rgba = qRgba(qRed(rgba), qGreen(rgba), qBlue(rgba), qAlpha(rgba) * alpha[p] / 255);
            } else if (colourBands >= 3) {
                rgba = qRgba(channels[0][p], channels[1][p], channels[2][p], alpha[p]);
            } else {
                rgba = qRgba(channels[0][p], channels[0][p], channels[0][p], alpha[p]);
            }
            line[x] = qPremultiply(rgba);
        }
    }
    return image;
}

Status buildOverviews(const QString& path, const std::function<bool(double)>& progress) {
    TESSERA_ASSERT_WORKER_THREAD();
    geo::ensureGdalRegistered();
    geo::GdalErrorCapture errors;
    // Read-only: GDAL writes the overviews to an external .ovr file beside the raster, leaving
    // the original untouched.
    UniqueDataset ds(openRaster(path));
    if (!ds)
        return Error{
            QStringLiteral("%1: %2").arg(path, errors.lastError(QStringLiteral("unreadable")))};
    std::vector<int> levels;
    for (int f = 2; std::max(GDALGetRasterXSize(ds.get()), GDALGetRasterYSize(ds.get())) / f >= 256;
         f *= 2)
        levels.push_back(f);
    if (levels.empty())
        return success();
    struct Context {
        const std::function<bool(double)>* progress;
        bool cancelled = false;
    } context{&progress};
    auto callback = [](double done, const char*, void* data) -> int {
        auto* c = static_cast<Context*>(data);
        c->cancelled = *c->progress && !(*c->progress)(done);
        return c->cancelled ? FALSE : TRUE;
    };
    const QString ovr = path + QStringLiteral(".ovr");
    const bool hadOvr = QFileInfo::exists(ovr);
    CPLSetThreadLocalConfigOption("COMPRESS_OVERVIEW", "DEFLATE");
    const CPLErr result = GDALBuildOverviews(ds.get(), "AVERAGE", static_cast<int>(levels.size()),
                                             levels.data(), 0, nullptr, callback, &context);
    CPLSetThreadLocalConfigOption("COMPRESS_OVERVIEW", nullptr);
    ds.reset();
    if (result != CE_None || context.cancelled) {
        // A half-built .ovr would be taken for real overviews next time: remove it.
        if (!hadOvr)
            QFile::remove(ovr);
        if (context.cancelled)
            return Error{QStringLiteral("cancelled")};
        return Error{QStringLiteral("%1: building overviews failed: %2")
                         .arg(path, errors.lastError(QStringLiteral("unknown error")))};
    }
    return success();
}

} // namespace tessera::render
