// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/IncidentRow.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <limits>

namespace tessera::store {

/// "[[lon,lat],...]": how areas, lines and annotation geometry are kept (JSON, exact doubles).
QString pointsJson(const QList<geo::GeoPoint>& points) {
    QString json = QStringLiteral("[");
    for (qsizetype k = 0; k < points.size(); ++k) {
        if (k > 0)
            json += QLatin1Char(',');
        json += QStringLiteral("[%1,%2]").arg(QString::number(points[k].lon, 'g', 17),
                                              QString::number(points[k].lat, 'g', 17));
    }
    return json + QLatin1Char(']');
}
QList<geo::GeoPoint> pointsFromJson(const QString& json) {
    QList<geo::GeoPoint> points;
    const QJsonArray array = QJsonDocument::fromJson(json.toUtf8()).array();
    for (const QJsonValue& v : array) {
        const QJsonArray pair = v.toArray();
        points.append({pair.at(0).toDouble(), pair.at(1).toDouble()});
    }
    return points;
}
geo::Extent boundsOf(const QList<geo::GeoPoint>& points) {
    geo::Extent e{std::numeric_limits<double>::max(), std::numeric_limits<double>::max(),
                  std::numeric_limits<double>::lowest(), std::numeric_limits<double>::lowest()};
    for (const geo::GeoPoint& p : points) {
        e.minX = std::min(e.minX, p.lon);
        e.minY = std::min(e.minY, p.lat);
        e.maxX = std::max(e.maxX, p.lon);
        e.maxY = std::max(e.maxY, p.lat);
    }
    return e;
}

void bindIncident(Statement& s, const Incident& i, qint64 station, Hlc hlc, int first) {
    const int o = first - 1;
    s.bind(o + 1, i.uuid)
        .bind(o + 2, i.title)
        .bind(o + 3, i.category)
        .bind(o + 4, toString(i.severity))
        .bind(o + 5, toString(i.status))
        .bind(o + 6, i.observedAt.toMSecsSinceEpoch())
        .bind(o + 7, i.location.lon)
        .bind(o + 8, i.location.lat);
    if (i.area.isEmpty()) {
        for (int k = 9; k <= 13; ++k)
            s.bindNull(o + k);
    } else {
        const geo::Extent e = boundsOf(i.area);
        s.bind(o + 9, pointsJson(i.area))
            .bind(o + 10, e.minX)
            .bind(o + 11, e.minY)
            .bind(o + 12, e.maxX)
            .bind(o + 13, e.maxY);
    }
    s.bind(o + 14, i.source)
        .bind(o + 15, i.reliability.isEmpty() ? QStringLiteral("F") : i.reliability)
        .bind(o + 16, i.credibility)
        .bind(o + 17, i.narrative)
        .bind(o + 18, i.marking.classification)
        .bind(o + 19, i.marking.releasability)
        .bind(o + 20, i.exercise ? 1 : 0)
        .bind(o + 21, station)
        .bind(o + 22, hlc.value);
}

} // namespace tessera::store
