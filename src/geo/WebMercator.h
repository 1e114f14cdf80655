// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/GeoTypes.h"

namespace tessera::geo {

/// Spherical Web Mercator (EPSG:3857), the view CRS. The closed form is used on hot paths (every
/// marker, every frame); tests hold it to PROJ's EPSG:4326 -> EPSG:3857 within a millimetre.
namespace webmercator {

inline constexpr double kEarthRadius = 6378137.0;
inline constexpr double kHalfWorld = 20037508.342789244; // pi * R
inline constexpr double kMaxLatitude = 85.051128779806592;

MapPoint project(GeoPoint p);
GeoPoint unproject(MapPoint m);
Extent project(double west, double south, double east, double north);
/// The whole square world of EPSG:3857.
Extent worldExtent();
/// Metres per pixel at zoom 0 for a square tile of tileSize pixels.
double resolutionAtZoom(int zoom, int tileSize);

} // namespace webmercator
} // namespace tessera::geo
