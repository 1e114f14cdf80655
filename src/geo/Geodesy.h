// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/GeoTypes.h"

#include <QList>
#include <QString>

#include <optional>

namespace tessera::geo {

/// Distances, bearings and grid references on the WGS84 ellipsoid, through GeographicLib.
/// Stateless and thread-safe.
namespace geodesy {

struct Inverse {
    double distanceMetres = 0.0;
    double initialBearingDeg = 0.0; ///< clockwise from true north, 0..360
};

/// The point reached from `from` after `distanceMetres` on initial bearing `bearingDeg`.
GeoPoint destination(GeoPoint from, double distanceMetres, double bearingDeg);
Inverse inverse(GeoPoint from, GeoPoint to);

/// Length of a path along geodesics, in metres.
double pathLength(const QList<GeoPoint>& path);

struct PolygonMeasure {
    double areaSquareMetres = 0.0; ///< always positive, whichever way the ring turns
    double perimeterMetres = 0.0;
};
/// Area and perimeter of the polygon with these corners (closed implicitly), on the ellipsoid.
PolygonMeasure polygon(const QList<GeoPoint>& ring);

/// `points` positions on the geodesic circle of `radiusMetres` around `centre`, clockwise from
/// north: a range ring.
QList<GeoPoint> circle(GeoPoint centre, double radiusMetres, int points = 90);

/// MGRS reference, e.g. "30PYC 04757 99760"; precision is digits per axis (5 = 1 m).
/// Returns an empty string outside MGRS's domain.
QString toMgrs(GeoPoint p, int precision = 5);

/// An MGRS grid square: its reference ("31PDQ 3 5" for 10 km) and its centre.
struct GridSquare {
    QString reference;
    GeoPoint centre;
};
/// The MGRS square of `sizeKm` (1, 10 or 100) that holds `p`. The result depends on the square
/// alone, never on where in it `p` lies: what a coarsened position may say (store::sanitised).
/// Nothing for another size or outside MGRS's domain.
std::optional<GridSquare> mgrsSquare(GeoPoint p, int sizeKm);

} // namespace geodesy
} // namespace tessera::geo
