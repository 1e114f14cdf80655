// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "geo/WebMercator.h"

#include <algorithm>
#include <numbers>

namespace tessera::geo::webmercator {

namespace {
constexpr double kDegToRad = std::numbers::pi / 180.0;
}

MapPoint project(GeoPoint p) {
    const double lat = std::clamp(p.lat, -kMaxLatitude, kMaxLatitude);
    return {kEarthRadius * p.lon * kDegToRad,
            kEarthRadius * std::log(std::tan(std::numbers::pi / 4.0 + lat * kDegToRad / 2.0))};
}

GeoPoint unproject(MapPoint m) {
    return {m.x / kEarthRadius / kDegToRad,
            (2.0 * std::atan(std::exp(m.y / kEarthRadius)) - std::numbers::pi / 2.0) / kDegToRad};
}

Extent project(double west, double south, double east, double north) {
    const MapPoint sw = project(GeoPoint{west, south});
    const MapPoint ne = project(GeoPoint{east, north});
    return {sw.x, sw.y, ne.x, ne.y};
}

Extent worldExtent() {
    return {-kHalfWorld, -kHalfWorld, kHalfWorld, kHalfWorld};
}

double resolutionAtZoom(int zoom, int tileSize) {
    return 2.0 * kHalfWorld / (static_cast<double>(tileSize) * std::ldexp(1.0, zoom));
}

} // namespace tessera::geo::webmercator
