// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "render/VectorLayer.h"

#include "geo/GdalEnvironment.h"
#include "geo/ThreadCheck.h"
#include "geo/WebMercator.h"

#include <QPainter>
#include <QPainterPath>

#include <ogr_api.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <cmath>

namespace tessera::render {

namespace {

/// Lines and rings of a geometry, in EPSG:4326 lon/lat, appended to `parts`.
void collectParts(const OGRGeometry* g, std::vector<QPolygonF>& parts, bool& closed,
                  std::vector<QPointF>& points) {
    switch (wkbFlatten(g->getGeometryType())) {
    case wkbLineString:
    case wkbLinearRing: {
        const auto* line = g->toLineString();
        QPolygonF part;
        part.reserve(line->getNumPoints());
        for (int i = 0; i < line->getNumPoints(); ++i)
            part.append(QPointF(line->getX(i), line->getY(i)));
        if (part.size() >= 2)
            parts.push_back(std::move(part));
        break;
    }
    case wkbPolygon: {
        closed = true;
        for (const OGRLinearRing* ring : *g->toPolygon())
            collectParts(ring, parts, closed, points);
        break;
    }
    case wkbPoint:
        points.emplace_back(g->toPoint()->getX(), g->toPoint()->getY());
        break;
    case wkbMultiPoint:
    case wkbMultiLineString:
    case wkbMultiPolygon:
    case wkbGeometryCollection:
        for (const OGRGeometry* member : *g->toGeometryCollection())
            collectParts(member, parts, closed, points);
        break;
    default:
        break;
    }
}

/// A part in tile pixels, dropping vertices closer than a pixel to the last one kept: the
/// per-zoom simplification that keeps a coastline of millions of vertices cheap at small scales.
QPolygonF toPixels(const QPolygonF& metres, const geo::Extent& box, double resolution) {
    QPolygonF out;
    out.reserve(metres.size());
    QPointF last(1e300, 1e300);
    for (const QPointF& m : metres) {
        const QPointF p((m.x() - box.minX) / resolution, (box.maxY - m.y()) / resolution);
        if (std::abs(p.x() - last.x()) + std::abs(p.y() - last.y()) >= 0.8) {
            out.append(p);
            last = p;
        }
    }
    if (out.size() == 1 || (!metres.isEmpty() && out.last() != last))
        out.append(last);
    return out;
}

} // namespace

Result<std::shared_ptr<VectorLayer>> VectorLayer::open(qint64 id, const QString& name,
                                                       const QString& path,
                                                       const QString& layerName,
                                                       const LayerStyle& style) {
    TESSERA_ASSERT_WORKER_THREAD();
    geo::ensureGdalRegistered();
    geo::GdalErrorCapture errors;
    const geo::UniqueGdalDataset owner(
        GDALDataset::Open(path.toUtf8().constData(), GDAL_OF_VECTOR | GDAL_OF_READONLY,
                          geo::vectorLayerDrivers(path), nullptr, nullptr));
    auto* ds = static_cast<GDALDataset*>(owner.get());
    if (!ds)
        return Error{QStringLiteral("%1: not a vector file OGR can read (%2)")
                         .arg(path, errors.lastError(QStringLiteral("unknown format")))};
    OGRLayer* source =
        layerName.isEmpty() ? ds->GetLayer(0) : ds->GetLayerByName(layerName.toUtf8().constData());
    if (!source)
        return Error{layerName.isEmpty()
                         ? QStringLiteral("%1: the file has no layers").arg(path)
                         : QStringLiteral("%1: no layer named \"%2\"").arg(path, layerName)};

    OGRSpatialReference wgs84;
    wgs84.importFromEPSG(4326);
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> toWgs84;
    if (const OGRSpatialReference* srs = source->GetSpatialRef(); srs && !srs->IsSame(&wgs84)) {
        OGRSpatialReference from(*srs);
        from.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        toWgs84.reset(OGRCreateCoordinateTransformation(&from, &wgs84));
        if (!toWgs84)
            return Error{QStringLiteral("%1: no transformation from the layer's CRS to WGS84 (%2)")
                             .arg(path, errors.lastError(QString()))};
    }

    auto layer = std::shared_ptr<VectorLayer>(new VectorLayer(id, name, style));
    const int labelIndex =
        style.labelField.isEmpty()
            ? -1
            : source->GetLayerDefn()->GetFieldIndex(style.labelField.toUtf8().constData());
    const int rankIndex =
        style.rankField.isEmpty()
            ? -1
            : source->GetLayerDefn()->GetFieldIndex(style.rankField.toUtf8().constData());

    std::vector<int> classTally(static_cast<std::size_t>(style.classFills.size()), 0);
    const int classIndex =
        style.classField.isEmpty()
            ? -1
            : source->GetLayerDefn()->GetFieldIndex(style.classField.toUtf8().constData());

    // GeoPackage, Shapefile and FlatGeobuf know their count without a scan (force = false).
    if (const GIntBig count = source->GetFeatureCount(FALSE); count > 0)
        layer->shapes_.reserve(static_cast<size_t>(count));
    source->ResetReading();
    for (auto& feature : *source) {
        OGRGeometry* g = feature->GetGeometryRef();
        if (!g || g->IsEmpty() || (toWgs84 && g->transform(toWgs84.get()) != OGRERR_NONE)) {
            ++layer->skipped_;
            continue;
        }
        std::vector<QPolygonF> parts;
        std::vector<QPointF> points;
        bool closed = false;
        collectParts(g, parts, closed, points);
        std::erase_if(points, [](const QPointF& p) {
            return !geo::GeoPoint{p.x(), p.y()}.isValid();
        });
        if (parts.empty() && points.empty()) {
            ++layer->skipped_;
            continue;
        }
        for (const QPointF& p : points) {
            const geo::MapPoint m = geo::webmercator::project(geo::GeoPoint{p.x(), p.y()});
            layer->extent_ = layer->extent_.united({m.x, m.y, m.x + 1, m.y + 1});
            if (labelIndex >= 0) {
                // Labelled points go to the overlay, placed per frame without collisions.
                LabelPoint label;
                label.position = m;
                label.text = QString::fromUtf8(feature->GetFieldAsString(labelIndex));
                label.rank = rankIndex >= 0 ? feature->GetFieldAsInteger(rankIndex) : 0;
                layer->labels_.push_back(std::move(label));
            } else {
                Shape shape;
                shape.kind = Shape::Kind::Point;
                shape.bounds = {m.x, m.y, m.x, m.y};
                shape.point = QPointF(m.x, m.y); // no allocation: 100,000 points load fast
                layer->shapes_.push_back(std::move(shape));
            }
        }
        if (parts.empty())
            continue;
        Shape shape;
        shape.kind = closed ? Shape::Kind::Polygon : Shape::Kind::Line;
        shape.parts = std::move(parts);
        if (classIndex >= 0) {
            const QString value = QString::fromUtf8(feature->GetFieldAsString(classIndex));
            for (std::size_t k = 0; k < classTally.size(); ++k)
                if (style.classFills[static_cast<qsizetype>(k)].first == value) {
                    shape.fill = style.classFills[static_cast<qsizetype>(k)].second;
                    ++classTally[k];
                }
        }
        bool first = true;
        for (QPolygonF& part : shape.parts)
            for (QPointF& pt : part) {
                const geo::MapPoint m = geo::webmercator::project(geo::GeoPoint{pt.x(), pt.y()});
                pt = QPointF(m.x, m.y);
                if (first)
                    shape.bounds = {m.x, m.y, m.x, m.y};
                first = false;
                shape.bounds.minX = std::min(shape.bounds.minX, m.x);
                shape.bounds.maxX = std::max(shape.bounds.maxX, m.x);
                shape.bounds.minY = std::min(shape.bounds.minY, m.y);
                shape.bounds.maxY = std::max(shape.bounds.maxY, m.y);
            }
        layer->extent_ = layer->extent_.united(shape.bounds);
        layer->shapes_.push_back(std::move(shape));
    }
    if (layer->shapes_.empty() && layer->labels_.empty())
        return Error{QStringLiteral("%1: layer \"%2\" has no drawable features (%3 skipped)")
                         .arg(path, QString::fromUtf8(source->GetName()))
                         .arg(layer->skipped_)};
    for (std::size_t k = 0; k < classTally.size(); ++k)
        if (classTally[k] > 0)
            layer->classCounts_.push_back({style.classFills[static_cast<qsizetype>(k)].first,
                                           style.classFills[static_cast<qsizetype>(k)].second,
                                           classTally[k]});
    std::vector<geo::Extent> bounds;
    bounds.reserve(layer->shapes_.size());
    for (const Shape& shape : layer->shapes_)
        bounds.push_back(shape.bounds);
    layer->index_ = GridIndex(bounds, layer->extent_);
    return layer;
}

VectorLayer::VectorLayer(qint64 id, const QString& name, const LayerStyle& style)
    : MapLayer(id, name)
    , style_(style) {
    // Odd sides, the symbol centred on the middle pixel, a pixel of room for the outline.
    const int half = static_cast<int>(std::ceil(style_.size + 1.0));
    const int side = 2 * half + 1;
    symbol_ = QImage(side, side, QImage::Format_ARGB32_Premultiplied);
    symbol_.fill(Qt::transparent);
    QPainter painter(&symbol_);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(QPen(style_.stroke, 1.0));
    painter.setBrush(style_.point);
    painter.drawEllipse(QPointF(half + 0.5, half + 0.5), style_.size, style_.size);
}

Result<QImage> VectorLayer::renderTile(const TilePyramid& pyramid, TileId tile,
                                       const CancelFlag* cancelled) const {
    const int size = pyramid.tileSize();
    QImage image = blankTile(size);
    const geo::Extent box = pyramid.tileExtent(tile);
    const double resolution = pyramid.resolution(tile.z);
    // Strokes and symbols reach over tile edges: take shapes a few pixels outside the tile too.
    const double margin = (std::max(style_.width, style_.size) + 4.0) * resolution;
    const geo::Extent reach{box.minX - margin, box.minY - margin, box.maxX + margin,
                            box.maxY + margin};
    if (!reach.intersects(extent_) || shapes_.empty())
        return image;

    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    const QPen casing(style_.casing, style_.width + 2.0, Qt::SolidLine, Qt::RoundCap,
                      Qt::RoundJoin);
    QPen stroke(style_.stroke, style_.width, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
    if (!style_.dash.isEmpty())
        stroke.setDashPattern(style_.dash);
    // Points on a pixel that already has one are skipped: the same symbol on the same pixel adds
    // nothing but darker antialiased edges (a country's worth of points at a small scale).
    std::vector<bool> occupied(static_cast<size_t>(size) * static_cast<size_t>(size), false);
    const int half = symbol_.width() / 2;
    int drawn = 0;
    for (const std::uint32_t i : index_.query(reach)) {
        const Shape& shape = shapes_[i];
        if (!shape.bounds.intersects(reach))
            continue;
        if (cancelled && (++drawn % 256) == 0 && cancelled->load())
            return Error{QStringLiteral("cancelled")};
        if (shape.kind == Shape::Kind::Point) {
            const QPointF m = shape.point;
            const int x = static_cast<int>(std::floor((m.x() - box.minX) / resolution));
            const int y = static_cast<int>(std::floor((box.maxY - m.y()) / resolution));
            if (x >= 0 && y >= 0 && x < size && y < size) {
                const size_t cell =
                    static_cast<size_t>(y) * static_cast<size_t>(size) + static_cast<size_t>(x);
                if (occupied[cell])
                    continue;
                occupied[cell] = true;
            }
            painter.drawImage(QPoint(x - half, y - half), symbol_);
            continue;
        }
        QPainterPath path;
        path.setFillRule(Qt::OddEvenFill);
        for (const QPolygonF& part : shape.parts) {
            path.addPolygon(toPixels(part, box, resolution));
            if (shape.kind == Shape::Kind::Polygon)
                path.closeSubpath();
        }
        const QColor fill = shape.fill.isValid() ? shape.fill : style_.fill;
        if (shape.kind == Shape::Kind::Polygon && fill.alpha() > 0)
            painter.fillPath(path, fill);
        if (style_.casing.alpha() > 0)
            painter.strokePath(path, casing);
        if (style_.width > 0.0)
            painter.strokePath(path, stroke);
    }
    painter.end();
    return image;
}

} // namespace tessera::render
