// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/GeoTypes.h"

#include <QList>
#include <QString>

namespace tessera::geo {

/// How a typed position was written.
enum class PositionNotation { DecimalDegrees, DegreesMinutesSeconds, Utm, Mgrs };

/// One way of reading a typed position.
struct PositionReading {
    GeoPoint point;
    PositionNotation notation = PositionNotation::DecimalDegrees;
    /// What was assumed, for the user to check: "latitude first", "UTM zone 30, band P",
    /// "MGRS square of 10 m, its centre".
    QString assumption;
};

/// Every way `text` reads as a position, through GeographicLib's GeoCoords: decimal degrees
/// ("16.27 -0.04", "16.27N, 0.04W"), degrees, minutes and seconds ("16°16'12\"N 0°2'24\"W"),
/// UTM with a hemisphere or a latitude band ("30N 604000 1799000", "30P 604000 1799000") and
/// MGRS with or without spaces ("30PYC 04757 99760"). Several readings when the text is
/// ambiguous: a band letter S is also the southern hemisphere; two bare numbers may be longitude
/// first. Empty when the text is no position (a place name, one number).
/// Thread-safe.
QList<PositionReading> readPosition(const QString& text);

/// Orders `readings` by geodesic distance from `near`, nearest first, keeping the order of equals
/// (readPosition's own order: the likelier reading first). The find bar puts the reading nearest
/// the view first, the incident form takes the one nearest where the incident was.
void nearestFirst(QList<PositionReading>& readings, GeoPoint near);

/// "decimal degrees", "DMS", "UTM", "MGRS".
QString notationName(PositionNotation notation);

} // namespace tessera::geo
