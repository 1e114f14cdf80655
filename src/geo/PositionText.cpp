// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "geo/PositionText.h"

#include "geo/Geodesy.h"

#include <QRegularExpression>

#include <GeographicLib/GeoCoords.hpp>

#include <algorithm>
#include <cmath>
#include <exception>
#include <optional>

namespace tessera::geo {

namespace {

std::optional<GeoPoint> geoCoords(const QString& text) {
    try {
        const GeographicLib::GeoCoords c(text.toStdString(), /*centerp=*/true);
        GeoPoint p{c.Longitude(), c.Latitude()};
        if (p.isValid())
            return p;
    } catch (const std::exception&) {
        // GeographicErr: not a position in this notation.
    }
    return std::nullopt;
}

/// Typographic primes and ordinal signs as GeographicLib's DMS reader knows them.
QString plainSymbols(QString text) {
    text.replace(QChar(0x2032), QLatin1Char('\'')); // ′
    text.replace(QChar(0x2019), QLatin1Char('\'')); // ’
    text.replace(QChar(0x2033), QLatin1Char('"'));  // ″
    text.replace(QChar(0x201D), QLatin1Char('"'));  // ”
    text.replace(QChar(0x00BA), QChar(0x00B0));     // º as °
    return text.simplified();
}

/// Latitude band C..X (I and O skipped) to its southern edge; X spans 12 degrees.
std::optional<double> bandSouthEdge(QChar band) {
    static const QString bands = QStringLiteral("CDEFGHJKLMNPQRSTUVWX");
    const qsizetype i = bands.indexOf(band.toUpper());
    if (i < 0)
        return std::nullopt;
    return -80.0 + 8.0 * double(i);
}

QList<PositionReading> readMgrs(const QString& text) {
    static const QRegularExpression mgrs(
        QStringLiteral("^(\\d{1,2})\\s*([C-HJ-NP-X])\\s*([A-HJ-NP-Z]{2})\\s*(\\d*)\\s*(\\d*)$"),
        QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch m = mgrs.match(text);
    if (!m.hasMatch())
        return {};
    QString digits = m.captured(4) + m.captured(5);
    // Two groups must be of one length (easting, northing); one group splits in half.
    if (!m.captured(5).isEmpty() && m.captured(4).size() != m.captured(5).size())
        return {};
    if (digits.size() % 2 != 0 || digits.size() > 10)
        return {};
    const QString compact = m.captured(1) + m.captured(2) + m.captured(3) + digits;
    const std::optional<GeoPoint> p = geoCoords(compact.toUpper());
    if (!p)
        return {};
    const int perAxis = int(digits.size() / 2);
    const double squareMetres = std::pow(10.0, 5 - perAxis);
    const QString size = squareMetres >= 1000.0 ? QStringLiteral("%1 km").arg(squareMetres / 1000.0)
                                                : QStringLiteral("%1 m").arg(squareMetres);
    return {{*p, PositionNotation::Mgrs,
             perAxis == 5 ? QStringLiteral("MGRS, to the metre")
                          : QStringLiteral("MGRS square of %1, its centre").arg(size)}};
}

QList<PositionReading> readUtm(const QString& text) {
    static const QRegularExpression utm(
        QStringLiteral("^(\\d{1,2})\\s*([A-Z]|north|south)\\s*[, ]\\s*(\\d+(?:\\.\\d+)?)\\s*m?E?"
                       "\\s*[, ]\\s*(\\d+(?:\\.\\d+)?)\\s*m?N?$"),
        QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch m = utm.match(text);
    if (!m.hasMatch())
        return {};
    const int zone = m.captured(1).toInt();
    const QString letter = m.captured(2).toUpper();
    const QString coordinates = m.captured(3) + QLatin1Char(' ') + m.captured(4);
    QList<PositionReading> readings;
    auto tryHemisphere = [&](bool north, const QString& assumption,
                             std::optional<double> bandSouth) {
        const std::optional<GeoPoint> p =
            geoCoords(QStringLiteral("%1%2 %3").arg(zone).arg(north ? 'n' : 's').arg(coordinates));
        if (!p)
            return;
        if (bandSouth) {
            // The band must hold the point it names (X spans 72..84).
            const double top = *bandSouth >= 72.0 ? 84.0 : *bandSouth + 8.0;
            if (p->lat < *bandSouth - 1e-9 || p->lat >= top + 1e-9)
                return;
        }
        readings.append({*p, PositionNotation::Utm, assumption});
    };
    if (letter.size() == 1) {
        const QChar band = letter.front();
        if (std::optional<double> south = bandSouthEdge(band))
            tryHemisphere(*south >= 0.0,
                          QStringLiteral("UTM zone %1, latitude band %2").arg(zone).arg(band),
                          south);
        // N and S are also how UTM writes the hemisphere; S then reads otherwise than band S.
        if (band == QLatin1Char('S'))
            tryHemisphere(false, QStringLiteral("UTM zone %1, southern hemisphere").arg(zone),
                          std::nullopt);
        else if (band == QLatin1Char('N') && readings.isEmpty())
            tryHemisphere(true, QStringLiteral("UTM zone %1, northern hemisphere").arg(zone),
                          std::nullopt);
    } else {
        const bool north = letter == QLatin1String("NORTH");
        tryHemisphere(north,
                      QStringLiteral("UTM zone %1, %2 hemisphere")
                          .arg(zone)
                          .arg(north ? QStringLiteral("northern") : QStringLiteral("southern")),
                      std::nullopt);
    }
    return readings;
}

QList<PositionReading> readLatLon(const QString& text) {
    // Two parts (GeoCoords takes a third only for UTM); a comma may separate them.
    QString spaced = text;
    spaced.replace(QRegularExpression(QStringLiteral("\\s*,\\s*")), QStringLiteral(" "));
    static const QRegularExpression angular(QStringLiteral("[°d'\":]"),
                                            QRegularExpression::CaseInsensitiveOption);
    const bool dms = angular.match(spaced).hasMatch();
    static const QRegularExpression hemisphere(QStringLiteral("[NSEW]"),
                                               QRegularExpression::CaseInsensitiveOption);
    const bool namesHemispheres = hemisphere.match(spaced).hasMatch();
    const std::optional<GeoPoint> p = geoCoords(spaced);
    if (!p)
        return {};
    const PositionNotation notation =
        dms ? PositionNotation::DegreesMinutesSeconds : PositionNotation::DecimalDegrees;
    QList<PositionReading> readings{{*p, notation,
                                     namesHemispheres ? QStringLiteral("hemispheres as written")
                                                      : QStringLiteral("latitude first")}};
    // Two bare numbers might be longitude first, as GeoJSON and many tools write them.
    if (!namesHemispheres && std::abs(p->lon) <= 90.0 && p->lon != p->lat) {
        const std::optional<GeoPoint> swapped =
            geoCoords(QStringLiteral("%1 %2").arg(p->lon, 0, 'g', 17).arg(p->lat, 0, 'g', 17));
        if (swapped)
            readings.append({*swapped, notation, QStringLiteral("longitude first")});
    }
    return readings;
}

} // namespace

QList<PositionReading> readPosition(const QString& input) {
    const QString text = plainSymbols(input);
    if (text.isEmpty())
        return {};
    if (QList<PositionReading> r = readMgrs(text); !r.isEmpty())
        return r;
    if (QList<PositionReading> r = readUtm(text); !r.isEmpty())
        return r;
    return readLatLon(text);
}

void nearestFirst(QList<PositionReading>& readings, GeoPoint near) {
    std::stable_sort(readings.begin(), readings.end(), [&](const auto& a, const auto& b) {
        return geodesy::inverse(near, a.point).distanceMetres <
               geodesy::inverse(near, b.point).distanceMetres;
    });
}

QString notationName(PositionNotation notation) {
    switch (notation) {
    case PositionNotation::DecimalDegrees:
        return QStringLiteral("decimal degrees");
    case PositionNotation::DegreesMinutesSeconds:
        return QStringLiteral("DMS");
    case PositionNotation::Utm:
        return QStringLiteral("UTM");
    case PositionNotation::Mgrs:
        return QStringLiteral("MGRS");
    }
    return {};
}

} // namespace tessera::geo
