// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "render/MapLayer.h"

#include <memory>

namespace tessera::render {

/// Any raster GDAL reads, in any CRS, warped to EPSG:3857 tiles on demand. GDAL picks the
/// overview level that fits each tile, honours nodata and alpha, and adds an alpha band so that
/// areas without data stay transparent.
///
/// Threads: open() blocks (file I/O) and runs on a worker. renderTile() is reentrant: each
/// worker thread opens its own GDAL dataset handle on first use and keeps it for the layer's life.
class RasterLayer final : public MapLayer {
public:
    /// Opens and checks the file: readable by GDAL, georeferenced, pixels decodable.
    static Result<std::shared_ptr<RasterLayer>> open(qint64 id, const QString& name,
                                                     const QString& path);
    ~RasterLayer() override;

    [[nodiscard]] geo::Extent extent() const override { return extent_; }
    [[nodiscard]] Result<QImage> renderTile(const TilePyramid& pyramid, TileId tile,
                                            const CancelFlag* cancelled) const override;
    [[nodiscard]] const QString& path() const { return path_; }
    [[nodiscard]] QSize rasterSize() const { return rasterSize_; }
    [[nodiscard]] int overviewCount() const { return overviewCount_; }

private:
    RasterLayer(qint64 id, const QString& name, QString path);
    QString path_;
    geo::Extent extent_;
    QSize rasterSize_;
    int bandCount_ = 0;
    int overviewCount_ = 0;
    quint64 instance_; ///< key of this layer's per-thread dataset handles
};

} // namespace tessera::render
