// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "render/Viewport.h"

#include "geo/WebMercator.h"

#include <algorithm>

namespace tessera::render {

namespace {
// From the whole world on a phone screen down to ~2 cm a pixel.
constexpr double kMaxResolution = 160000.0;
constexpr double kMinResolution = 0.02;
} // namespace

Viewport::Viewport(geo::MapPoint center, double resolution, QSize size)
    : center_(center)
    , resolution_(std::clamp(resolution, kMinResolution, kMaxResolution))
    , size_(size) {}

Viewport Viewport::fitting(const geo::Extent& extent, QSize size) {
    const double rx = extent.width() / std::max(1, size.width());
    const double ry = extent.height() / std::max(1, size.height());
    return Viewport(extent.center(), std::max(rx, ry), size);
}

Viewport Viewport::fittingGeographic(const geo::Extent& degrees, QSize size) {
    return fitting(
        geo::webmercator::project(degrees.minX, degrees.minY, degrees.maxX, degrees.maxY), size);
}

geo::Extent Viewport::extent() const {
    const double halfW = resolution_ * size_.width() / 2.0;
    const double halfH = resolution_ * size_.height() / 2.0;
    return {center_.x - halfW, center_.y - halfH, center_.x + halfW, center_.y + halfH};
}

QPointF Viewport::toPixel(geo::MapPoint p) const {
    return {(p.x - center_.x) / resolution_ + size_.width() / 2.0,
            (center_.y - p.y) / resolution_ + size_.height() / 2.0};
}

QPointF Viewport::toPixel(geo::GeoPoint p) const {
    return toPixel(geo::webmercator::project(p));
}

geo::MapPoint Viewport::toMap(QPointF pixel) const {
    return {center_.x + (pixel.x() - size_.width() / 2.0) * resolution_,
            center_.y - (pixel.y() - size_.height() / 2.0) * resolution_};
}

geo::GeoPoint Viewport::toGeo(QPointF pixel) const {
    return geo::webmercator::unproject(toMap(pixel));
}

void Viewport::panBy(QPointF pixels) {
    center_.x -= pixels.x() * resolution_;
    center_.y += pixels.y() * resolution_;
    const double limit = geo::webmercator::kHalfWorld;
    center_.x = std::clamp(center_.x, -limit, limit);
    center_.y = std::clamp(center_.y, -limit, limit);
}

void Viewport::zoomAbout(QPointF anchor, double factor) {
    if (factor <= 0.0)
        return;
    const geo::MapPoint fixed = toMap(anchor);
    setResolution(resolution_ / factor);
    // Put `fixed` back under the anchor pixel.
    const geo::MapPoint moved = toMap(anchor);
    center_.x += fixed.x - moved.x;
    center_.y += fixed.y - moved.y;
}

void Viewport::setResolution(double r) {
    resolution_ = std::clamp(r, kMinResolution, kMaxResolution);
}

} // namespace tessera::render
