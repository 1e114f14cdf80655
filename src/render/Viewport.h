// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/GeoTypes.h"

#include <QPointF>
#include <QSize>

namespace tessera::render {

/// What part of the world a view shows: a centre in EPSG:3857 metres, a resolution in metres per
/// pixel and a size in pixels. A plain value, copied freely between threads.
class Viewport {
public:
    Viewport() = default;
    Viewport(geo::MapPoint center, double resolution, QSize size);
    /// The view of `size` pixels that shows all of `extent` (EPSG:3857), centred.
    static Viewport fitting(const geo::Extent& extent, QSize size);
    /// The same, for an extent in degrees (minX = west ... maxY = north).
    static Viewport fittingGeographic(const geo::Extent& degrees, QSize size);

    [[nodiscard]] geo::MapPoint center() const { return center_; }
    [[nodiscard]] double resolution() const { return resolution_; }
    [[nodiscard]] QSize size() const { return size_; }
    [[nodiscard]] bool isValid() const { return resolution_ > 0.0 && !size_.isEmpty(); }
    [[nodiscard]] geo::Extent extent() const;

    [[nodiscard]] QPointF toPixel(geo::MapPoint p) const;
    [[nodiscard]] QPointF toPixel(geo::GeoPoint p) const;
    [[nodiscard]] geo::MapPoint toMap(QPointF pixel) const;
    [[nodiscard]] geo::GeoPoint toGeo(QPointF pixel) const;

    /// Moves the view so that the content moves by `pixels` (a drag).
    void panBy(QPointF pixels);
    /// Zooms by `factor` (>1 zooms in) keeping the map point under `anchor` fixed.
    void zoomAbout(QPointF anchor, double factor);
    void setSize(QSize size) { size_ = size; }
    void setCenter(geo::MapPoint c) { center_ = c; }
    void setResolution(double r);

    friend bool operator==(const Viewport&, const Viewport&) = default;

private:
    geo::MapPoint center_;
    double resolution_ = 0.0;
    QSize size_;
};

} // namespace tessera::render
