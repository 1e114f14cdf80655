// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <algorithm>
#include <cmath>

namespace tessera::geo {

/// A position on WGS84 in degrees. One order everywhere: longitude, then latitude.
struct GeoPoint {
    double lon = 0.0;
    double lat = 0.0;

    [[nodiscard]] bool isValid() const {
        return std::isfinite(lon) && std::isfinite(lat) && lon >= -180.0 && lon <= 180.0 &&
               lat >= -90.0 && lat <= 90.0;
    }
    friend bool operator==(const GeoPoint&, const GeoPoint&) = default;
};

/// A point in the units of some projected CRS (metres for EPSG:3857).
struct MapPoint {
    double x = 0.0;
    double y = 0.0;
    friend bool operator==(const MapPoint&, const MapPoint&) = default;
};

/// An axis-aligned rectangle in CRS units (degrees for EPSG:4326, metres for EPSG:3857).
/// y grows northwards: minY is the south edge.
struct Extent {
    double minX = 0.0;
    double minY = 0.0;
    double maxX = 0.0;
    double maxY = 0.0;

    [[nodiscard]] double width() const { return maxX - minX; }
    [[nodiscard]] double height() const { return maxY - minY; }
    [[nodiscard]] bool isEmpty() const { return !(maxX > minX && maxY > minY); }
    [[nodiscard]] MapPoint center() const { return {(minX + maxX) / 2.0, (minY + maxY) / 2.0}; }
    [[nodiscard]] bool contains(MapPoint p) const {
        return p.x >= minX && p.x <= maxX && p.y >= minY && p.y <= maxY;
    }
    [[nodiscard]] bool intersects(const Extent& o) const {
        return minX <= o.maxX && o.minX <= maxX && minY <= o.maxY && o.minY <= maxY;
    }
    [[nodiscard]] Extent united(const Extent& o) const {
        if (isEmpty())
            return o;
        if (o.isEmpty())
            return *this;
        return {std::min(minX, o.minX), std::min(minY, o.minY), std::max(maxX, o.maxX),
                std::max(maxY, o.maxY)};
    }
    friend bool operator==(const Extent&, const Extent&) = default;
};

/// "16.2717° N, 0.0447° W": the form shown to users in the status bar and in lists.
QString formatLatLon(GeoPoint p, int decimals = 4);

} // namespace tessera::geo
