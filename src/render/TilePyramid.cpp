// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "render/TilePyramid.h"

#include "geo/WebMercator.h"

#include <algorithm>
#include <cmath>

namespace tessera::render {

using geo::webmercator::kHalfWorld;

double TilePyramid::resolution(int zoom) const {
    return geo::webmercator::resolutionAtZoom(zoom, tileSize_);
}

int TilePyramid::zoomFor(double res, double slack) const {
    const double z = std::log2(resolution(0) / res) - slack;
    return std::clamp(static_cast<int>(std::ceil(z)), 0, kMaxZoom);
}

geo::Extent TilePyramid::tileExtent(TileId t) const {
    const double span = 2.0 * kHalfWorld / std::ldexp(1.0, t.z);
    const double minX = -kHalfWorld + t.x * span;
    const double maxY = kHalfWorld - t.y * span;
    return {minX, maxY - span, minX + span, maxY};
}

QList<TileId> TilePyramid::tilesCovering(const geo::Extent& extent, int z) const {
    const int count = 1 << z;
    const double span = 2.0 * kHalfWorld / count;
    auto column = [&](double x) {
        return std::clamp(static_cast<int>(std::floor((x + kHalfWorld) / span)), 0, count - 1);
    };
    auto row = [&](double y) {
        return std::clamp(static_cast<int>(std::floor((kHalfWorld - y) / span)), 0, count - 1);
    };
    QList<TileId> tiles;
    if (extent.maxX < -kHalfWorld || extent.minX > kHalfWorld || extent.maxY < -kHalfWorld ||
        extent.minY > kHalfWorld)
        return tiles;
    const int x0 = column(extent.minX);
    const int x1 = column(extent.maxX);
    const int y0 = row(extent.maxY);
    const int y1 = row(extent.minY);
    tiles.reserve((x1 - x0 + 1) * (y1 - y0 + 1));
    for (int y = y0; y <= y1; ++y)
        for (int x = x0; x <= x1; ++x)
            tiles.append({z, x, y});
    return tiles;
}

QRectF TilePyramid::targetRect(const Viewport& view, TileId t) const {
    const geo::Extent e = tileExtent(t);
    const QPointF topLeft = view.toPixel(geo::MapPoint{e.minX, e.maxY});
    const QPointF bottomRight = view.toPixel(geo::MapPoint{e.maxX, e.minY});
    return {topLeft, bottomRight};
}

QList<TilePlacement> TilePyramid::placements(const Viewport& view, double slack) const {
    const int z = zoomFor(view.resolution(), slack);
    QList<TilePlacement> result;
    for (const TileId& t : tilesCovering(view.extent(), z))
        result.append({t, targetRect(view, t)});
    const QPointF middle(view.size().width() / 2.0, view.size().height() / 2.0);
    std::sort(result.begin(), result.end(), [&](const TilePlacement& a, const TilePlacement& b) {
        const QPointF da = a.target.center() - middle;
        const QPointF db = b.target.center() - middle;
        return QPointF::dotProduct(da, da) < QPointF::dotProduct(db, db);
    });
    return result;
}

} // namespace tessera::render
