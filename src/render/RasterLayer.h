// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "render/LayerStyle.h"
#include "render/MapLayer.h"

#include <QColor>
#include <QVector>

#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace tessera::render {

/// Any raster GDAL reads (GeoTIFF/COG, MBTiles, GeoPackage tiles, VRT, JPEG/PNG with a world file,
/// a local TMS through GDAL_WMS ...), in any CRS, warped to EPSG:3857 tiles on demand. GDAL picks
/// the overview level that fits each tile and honours nodata and alpha; an alpha band is added so
/// that areas without data stay transparent. Three chosen bands become RGB, one becomes grey or
/// goes through its palette; data that is not 8-bit display-ready is stretched (see RasterStyle).
///
/// Threads: open() blocks (file I/O) and runs on a worker. renderTile() is reentrant: each
/// worker thread opens its own GDAL dataset handles on first use; the layer keeps them for its
/// life and closes them all when it is destroyed.
class RasterLayer final : public MapLayer {
public:
    /// Opens and checks the file: readable by GDAL, georeferenced, pixels decodable.
    static Result<std::shared_ptr<RasterLayer>>
    open(qint64 id, const QString& name, const QString& path, const RasterStyle& style = {});
    ~RasterLayer() override;

    [[nodiscard]] geo::Extent extent() const override { return extent_; }
    [[nodiscard]] Result<QImage> renderTile(const TilePyramid& pyramid, TileId tile,
                                            const CancelFlag* cancelled) const override;
    /// Imagery takes the nearest level, as web maps do: tiles are enlarged at most 1.41x, never
    /// drawn from 2.6x the view's pixels, which cuts a cold frame's reads and resampling by ~4x.
    [[nodiscard]] double levelSlack() const override { return TilePyramid::kNearestSlack; }
    [[nodiscard]] const QString& path() const { return path_; }
    [[nodiscard]] QSize rasterSize() const { return rasterSize_; }
    [[nodiscard]] int bandCount() const { return bandCount_; }
    [[nodiscard]] int overviewCount() const { return overviewCount_; }
    /// The source bands drawn as red, green, blue (or one band: grey or palette).
    [[nodiscard]] const QList<int>& bands() const { return bands_; }
    /// Per drawn band, the values mapped to 0 and 255; empty when values are drawn as they are.
    [[nodiscard]] const QList<double>& stretchMinimum() const { return stretchMin_; }
    [[nodiscard]] const QList<double>& stretchMaximum() const { return stretchMax_; }
    /// Something the user should know that did not stop the layer (e.g. an assumed CRS).
    [[nodiscard]] const QString& notice() const { return notice_; }
    /// True when the raster is north-up Web Mercator already: tiles read its pixels (and GDAL's
    /// overviews) as they are, with no warp.
    [[nodiscard]] bool readsWithoutWarp() const { return nativeMercator_; }
    /// True for a large raster without overviews: every zoomed-out tile reads the full resolution.
    [[nodiscard]] bool needsOverviews() const;

private:
    RasterLayer(qint64 id, const QString& name, QString path);
    QString path_;
    geo::Extent extent_;
    QSize rasterSize_;
    int bandCount_ = 0;
    int overviewCount_ = 0;
    QList<int> bands_;
    bool allBandsInOrder_ = true;
    bool nativeMercator_ = false; ///< north-up EPSG:3857: read directly, no warp

    QVector<QRgb> palette_; ///< one band with a colour table: index -> colour
    QList<double> stretchMin_;
    QList<double> stretchMax_;
    QString assumedCrs_; ///< set when the file has a geotransform but no CRS
    QString notice_;
    struct ThreadHandles;
    /// This worker's GDAL handles, opened on first use (GDAL datasets are not thread-safe).
    ThreadHandles& handlesForThisThread() const;
    mutable std::mutex handlesMutex_;
    mutable std::unordered_map<std::thread::id, std::unique_ptr<ThreadHandles>> handles_;
};

/// Builds internal-or-external overviews (2, 4, 8 ... until the smallest fits in 256 px) for a
/// raster, reporting progress 0..1; returns an Error naming the file if GDAL fails, or
/// "cancelled" when `progress` returns false. Blocks: run it on a worker thread.
Status buildOverviews(const QString& path, const std::function<bool(double)>& progress);

} // namespace tessera::render
