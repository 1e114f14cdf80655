// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "geo/Geodesy.h"

#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/MGRS.hpp>
#include <GeographicLib/PolygonArea.hpp>
#include <GeographicLib/UTMUPS.hpp>

#include <cmath>
#include <exception>

namespace tessera::geo::geodesy {

GeoPoint destination(GeoPoint from, double distanceMetres, double bearingDeg) {
    const GeographicLib::Geodesic& wgs84 = GeographicLib::Geodesic::WGS84();
    GeoPoint to;
    wgs84.Direct(from.lat, from.lon, bearingDeg, distanceMetres, to.lat, to.lon);
    return to;
}

Inverse inverse(GeoPoint from, GeoPoint to) {
    const GeographicLib::Geodesic& wgs84 = GeographicLib::Geodesic::WGS84();
    Inverse result;
    double finalAzimuth = 0.0;
    wgs84.Inverse(from.lat, from.lon, to.lat, to.lon, result.distanceMetres,
                  result.initialBearingDeg, finalAzimuth);
    if (result.initialBearingDeg < 0.0)
        result.initialBearingDeg += 360.0;
    return result;
}

double pathLength(const QList<GeoPoint>& path) {
    double total = 0.0;
    for (qsizetype i = 1; i < path.size(); ++i)
        total += inverse(path[i - 1], path[i]).distanceMetres;
    return total;
}

PolygonMeasure polygon(const QList<GeoPoint>& ring) {
    if (ring.size() < 3)
        return {};
    GeographicLib::PolygonArea area(GeographicLib::Geodesic::WGS84());
    for (const GeoPoint& p : ring)
        area.AddPoint(p.lat, p.lon);
    double perimeter = 0.0;
    double squareMetres = 0.0;
    area.Compute(false, true, perimeter, squareMetres);
    return {std::abs(squareMetres), perimeter};
}

QList<GeoPoint> circle(GeoPoint centre, double radiusMetres, int points) {
    QList<GeoPoint> ring;
    ring.reserve(points);
    for (int i = 0; i < points; ++i)
        ring.append(destination(centre, radiusMetres, 360.0 * i / points));
    return ring;
}

namespace {

/// GeographicLib's reference of `p` ("30PYC0475799760"); throws outside MGRS's domain.
std::string rawMgrs(GeoPoint p, int precision) {
    int zone = 0;
    bool north = true;
    double x = 0.0;
    double y = 0.0;
    GeographicLib::UTMUPS::Forward(p.lat, p.lon, zone, north, x, y);
    std::string mgrs;
    GeographicLib::MGRS::Forward(zone, north, x, y, p.lat, precision, mgrs);
    return mgrs;
}

/// "30PYC0475799760" as read aloud: grid zone and square, then the digits of each axis apart.
QString spaced(const std::string& mgrs, int precision) {
    const QString raw = QString::fromStdString(mgrs);
    const qsizetype digits = 2 * precision;
    if (precision == 0 || raw.size() < digits + 3)
        return raw;
    const qsizetype head = raw.size() - digits;
    return raw.left(head) + QLatin1Char(' ') + raw.mid(head, precision) + QLatin1Char(' ') +
           raw.right(precision);
}

} // namespace

QString toMgrs(GeoPoint p, int precision) {
    if (!p.isValid())
        return {};
    try {
        return spaced(rawMgrs(p, precision), precision);
    } catch (const std::exception&) {
        return {};
    }
}

std::optional<GridSquare> mgrsSquare(GeoPoint p, int sizeKm) {
    const int precision = sizeKm == 100 ? 0 : sizeKm == 10 ? 1 : sizeKm == 1 ? 2 : -1;
    if (precision < 0 || !p.isValid())
        return std::nullopt;
    try {
        const std::string mgrs = rawMgrs(p, precision);
        // Back from the reference alone (centerp: the middle of the square), so that nothing of
        // the point but its square reaches the result.
        int zone = 0;
        bool north = true;
        int squarePrecision = 0;
        double x = 0.0;
        double y = 0.0;
        GeographicLib::MGRS::Reverse(mgrs, zone, north, x, y, squarePrecision, true);
        GridSquare square;
        GeographicLib::UTMUPS::Reverse(zone, north, x, y, square.centre.lat, square.centre.lon);
        square.reference = spaced(mgrs, precision);
        return square;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

} // namespace tessera::geo::geodesy
