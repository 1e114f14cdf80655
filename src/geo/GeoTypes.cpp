// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "geo/GeoTypes.h"

namespace tessera::geo {

QString formatLatLon(GeoPoint p, int decimals) {
    const QChar ns = p.lat >= 0.0 ? QLatin1Char('N') : QLatin1Char('S');
    const QChar ew = p.lon >= 0.0 ? QLatin1Char('E') : QLatin1Char('W');
    return QStringLiteral("%1° %2, %3° %4")
        .arg(std::abs(p.lat), 0, 'f', decimals)
        .arg(ns)
        .arg(std::abs(p.lon), 0, 'f', decimals)
        .arg(ew);
}

} // namespace tessera::geo
