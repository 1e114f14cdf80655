// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "render/GridIndex.h"
#include "render/LayerStyle.h"
#include "render/MapLayer.h"

#include <QColor>
#include <QImage>
#include <QPolygonF>

#include <memory>
#include <vector>

namespace tessera::render {

/// A labelled point of a vector layer, drawn by the overlay (labels are placed per frame over all
/// tiles, so they are never cut at tile edges and never collide).
struct LabelPoint {
    geo::MapPoint position; ///< EPSG:3857
    QString text;
    int rank = 0; ///< smaller wins when labels collide
};

/// Any vector layer OGR reads (GeoJSON, GeoPackage, Shapefile, KML/KMZ, GPX, FlatGeobuf ...), read
/// once into memory in EPSG:3857 with a grid index. Lines, polygons and point symbols are painted
/// into tiles with the layer's style, simplified to the tile's pixel grid; points of a layer whose
/// style names a label field become LabelPoints for the overlay instead.
///
/// Threads: open() reads the file and runs on a worker. After that the layer is immutable and
/// renderTile() may run on any number of threads at once.
class VectorLayer final : public MapLayer {
public:
    /// Opens `path` and reads `layerName` (the first layer when empty). Features whose geometry is
    /// missing or cannot be transformed are skipped and counted in skippedFeatures().
    static Result<std::shared_ptr<VectorLayer>> open(qint64 id, const QString& name,
                                                     const QString& path, const QString& layerName,
                                                     const LayerStyle& style);

    [[nodiscard]] geo::Extent extent() const override { return extent_; }
    [[nodiscard]] Result<QImage> renderTile(const TilePyramid& pyramid, TileId tile,
                                            const CancelFlag* cancelled) const override;

    [[nodiscard]] const std::vector<LabelPoint>& labelPoints() const { return labels_; }
    [[nodiscard]] const LayerStyle& style() const { return style_; }
    [[nodiscard]] int featureCount() const {
        return static_cast<int>(shapes_.size() + labels_.size());
    }
    [[nodiscard]] int skippedFeatures() const { return skipped_; }
    /// A thematic layer's classes (style "classes") that its features hold, in the style's
    /// order, with how many features each: the legend's rows.
    struct ClassCount {
        QString name;
        QColor fill;
        int features = 0;
    };
    [[nodiscard]] const std::vector<ClassCount>& classCounts() const { return classCounts_; }

private:
    struct Shape {
        enum class Kind { Line, Polygon, Point };
        geo::Extent bounds;
        std::vector<QPolygonF> parts; ///< rings or lines, EPSG:3857 metres (none for a point)
        QPointF point;                ///< a point's position, EPSG:3857 metres
        Kind kind = Kind::Line;
        QColor fill; ///< from the style's classes; invalid: the style's fill
    };
    VectorLayer(qint64 id, const QString& name, const LayerStyle& style);

    LayerStyle style_;
    /// The point symbol drawn once, antialiased, centred on its middle pixel: each point is then
    /// one blit instead of an antialiased ellipse rasterised again (100,000 points per frame).
    QImage symbol_;
    std::vector<Shape> shapes_;
    std::vector<LabelPoint> labels_;
    GridIndex index_; ///< over shapes_, so a tile visits only the shapes that reach it
    geo::Extent extent_;
    int skipped_ = 0;
    std::vector<ClassCount> classCounts_;
};

} // namespace tessera::render
