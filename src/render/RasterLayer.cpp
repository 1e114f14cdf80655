// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "render/RasterLayer.h"

#include "geo/GdalEnvironment.h"
#include "geo/ThreadCheck.h"

#include <cpl_string.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <gdal_utils.h>

#include <atomic>
#include <unordered_map>
#include <vector>

namespace tessera::render {

namespace {

std::atomic<quint64> nextInstance{1};

/// The GDAL dataset handles of one worker thread, by layer instance. Closed when the thread ends.
struct ThreadDatasets {
    std::unordered_map<quint64, GDALDatasetH> handles;
    ~ThreadDatasets() {
        for (auto& [instance, handle] : handles)
            GDALClose(handle);
    }
};
thread_local ThreadDatasets threadDatasets;

struct DatasetCloser {
    void operator()(void* ds) const {
        if (ds)
            GDALClose(ds);
    }
};
using UniqueDataset = std::unique_ptr<void, DatasetCloser>;

int CPL_STDCALL progressUnlessCancelled(double, const char*, void* flag) {
    const auto* cancelled = static_cast<const CancelFlag*>(flag);
    return cancelled && cancelled->load(std::memory_order_relaxed) ? FALSE : TRUE;
}

const Error kCancelled{QStringLiteral("cancelled")};

} // namespace

RasterLayer::RasterLayer(qint64 id, const QString& name, QString path)
    : MapLayer(id, name)
    , path_(std::move(path))
    , instance_(nextInstance++) {}

RasterLayer::~RasterLayer() {
    // Only this thread's handle can be closed here; other workers close theirs when they end.
    auto it = threadDatasets.handles.find(instance_);
    if (it != threadDatasets.handles.end()) {
        GDALClose(it->second);
        threadDatasets.handles.erase(it);
    }
}

Result<std::shared_ptr<RasterLayer>> RasterLayer::open(qint64 id, const QString& name,
                                                       const QString& path) {
    TESSERA_ASSERT_WORKER_THREAD();
    geo::ensureGdalRegistered();
    geo::GdalErrorCapture errors;
    const QByteArray file = path.toUtf8();
    UniqueDataset ds(
        GDALOpenEx(file.constData(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
    if (!ds)
        return Error{QStringLiteral("%1: not a raster GDAL can read (%2)")
                         .arg(path, errors.lastError(QStringLiteral("unknown format")))};
    auto layer = std::shared_ptr<RasterLayer>(new RasterLayer(id, name, path));
    layer->rasterSize_ = QSize(GDALGetRasterXSize(ds.get()), GDALGetRasterYSize(ds.get()));
    layer->bandCount_ = GDALGetRasterCount(ds.get());
    if (layer->bandCount_ < 1 || layer->rasterSize_.isEmpty())
        return Error{QStringLiteral("%1: the raster has no bands or no pixels").arg(path)};
    layer->overviewCount_ = GDALGetOverviewCount(GDALGetRasterBand(ds.get(), 1));

    double geoTransform[6];
    const bool hasTransform = GDALGetGeoTransform(ds.get(), geoTransform) == CE_None;
    const bool hasCrs = GDALGetSpatialRef(ds.get()) != nullptr || GDALGetGCPCount(ds.get()) > 0;
    if (!hasTransform && GDALGetGCPCount(ds.get()) == 0)
        return Error{QStringLiteral("%1: the raster is not georeferenced (no geotransform, no "
                                    "control points); add a world file or georeference it")
                         .arg(path)};
    if (!hasCrs)
        return Error{QStringLiteral("%1: the raster has no coordinate reference system; assign "
                                    "one (e.g. gdal_edit.py -a_srs EPSG:4326)")
                         .arg(path)};

    // Where the raster lands in EPSG:3857, as GDAL's own warper would place it.
    char** options = CSLSetNameValue(nullptr, "DST_SRS", "EPSG:3857");
    void* transformer = GDALCreateGenImgProjTransformer2(ds.get(), nullptr, options);
    CSLDestroy(options);
    if (!transformer)
        return Error{QStringLiteral("%1: cannot be reprojected to EPSG:3857 (%2)")
                         .arg(path, errors.lastError(QStringLiteral("no transformation")))};
    double outTransform[6];
    int outX = 0;
    int outY = 0;
    const CPLErr suggested = GDALSuggestedWarpOutput(ds.get(), GDALGenImgProjTransform, transformer,
                                                     outTransform, &outX, &outY);
    GDALDestroyGenImgProjTransformer(transformer);
    if (suggested != CE_None)
        return Error{QStringLiteral("%1: cannot be reprojected to EPSG:3857 (%2)")
                         .arg(path, errors.lastError(QStringLiteral("no transformation")))};
    layer->extent_ = {outTransform[0], outTransform[3] + outY * outTransform[5],
                      outTransform[0] + outX * outTransform[1], outTransform[3]};

    // A truncated or corrupt file often opens fine and fails on the first read. Decode a small
    // thumbnail now (from the smallest overview when there is one) so that it fails here, with a
    // message, rather than tile by tile. Huge rasters without overviews are spared the full read.
    const qint64 pixels = qint64(layer->rasterSize_.width()) * layer->rasterSize_.height();
    if (layer->overviewCount_ > 0 || pixels <= 64LL * 1024 * 1024) {
        std::vector<unsigned char> thumb(64 * 64);
        GDALRasterIOExtraArg extra;
        INIT_RASTERIO_EXTRA_ARG(extra);
        for (int band = 1; band <= layer->bandCount_; ++band) {
            if (GDALRasterIOEx(GDALGetRasterBand(ds.get(), band), GF_Read, 0, 0,
                               layer->rasterSize_.width(), layer->rasterSize_.height(),
                               thumb.data(), 64, 64, GDT_Byte, 0, 0, &extra) != CE_None)
                return Error{QStringLiteral("%1: the raster's pixels cannot be read; the file is "
                                            "damaged or truncated (%2)")
                                 .arg(path, errors.lastError(QStringLiteral("read error")))};
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
    GDALDatasetH& src = threadDatasets.handles[instance_];
    if (!src) {
        src = GDALOpenEx(path_.toUtf8().constData(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr,
                         nullptr, nullptr);
        if (!src) {
            threadDatasets.handles.erase(instance_);
            return Error{QStringLiteral("%1: %2").arg(
                path_, errors.lastError(QStringLiteral("cannot be opened")))};
        }
    }

    CPLStringList args;
    for (const char* a : {"-of", "MEM", "-t_srs", "EPSG:3857", "-r", "bilinear", "-dstalpha", "-q",
                          "-wo", "SAMPLE_GRID=YES", "-et", "0.125"})
        args.AddString(a);
    args.AddString("-te");
    for (double v : {box.minX, box.minY, box.maxX, box.maxY})
        args.AddString(CPLSPrintf("%.10f", v));
    args.AddString("-ts");
    args.AddString(CPLSPrintf("%d", size));
    args.AddString(CPLSPrintf("%d", size));
    GDALWarpAppOptions* options = GDALWarpAppOptionsNew(args.List(), nullptr);
    GDALWarpAppOptionsSetProgress(options, progressUnlessCancelled,
                                  const_cast<CancelFlag*>(cancelled)); // read only
    int usageError = FALSE;
    UniqueDataset warped(GDALWarp("", nullptr, 1, &src, options, &usageError));
    GDALWarpAppOptionsFree(options);
    if (cancelled && cancelled->load())
        return kCancelled;
    if (!warped)
        return Error{QStringLiteral("%1: tile %2/%3/%4 could not be drawn (%5)")
                         .arg(path_)
                         .arg(tile.z)
                         .arg(tile.x)
                         .arg(tile.y)
                         .arg(errors.lastError(QStringLiteral("warp failed")))};

    const int bands = GDALGetRasterCount(warped.get());
    const int alpha = bands;
    int bandMap[4] = {1, 1, 1, alpha};
    if (bands - 1 >= 3) {
        bandMap[1] = 2;
        bandMap[2] = 3;
    }
    QImage image(size, size, QImage::Format_RGBA8888);
    const CPLErr read =
        GDALDatasetRasterIO(warped.get(), GF_Read, 0, 0, size, size, image.bits(), size, size,
                            GDT_Byte, 4, bandMap, 4, image.bytesPerLine(), 1);
    if (read != CE_None)
        return Error{QStringLiteral("%1: %2").arg(
            path_, errors.lastError(QStringLiteral("pixels could not be read")))};
    return image.convertToFormat(QImage::Format_ARGB32_Premultiplied);
}

} // namespace tessera::render
