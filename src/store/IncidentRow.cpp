// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/IncidentRow.h"

#include <QCborArray>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <iterator>
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

namespace {

/// The incident's columns in bind order (?1..?22). The first 20 are its content; the read list
/// puts classification, releasability and exercise last of the content, as sharing expects.
constexpr const char* kWriteColumns[]{
    "uuid",          "title",    "category",    "severity",    "status",     "observed_at",
    "lon",           "lat",      "area",        "area_west",   "area_south", "area_east",
    "area_north",    "source",   "reliability", "credibility", "narrative",  "classification",
    "releasability", "exercise", "station",     "updated_hlc"};
constexpr const char* kReadColumns[]{"uuid",      "title",          "category",      "severity",
                                     "status",    "observed_at",    "lon",           "lat",
                                     "area",      "source",         "reliability",   "credibility",
                                     "narrative", "classification", "releasability", "exercise"};
static_assert(std::size(kReadColumns) == kIncidentReadColumns);

} // namespace

QCborArray pointsToCbor(const QList<geo::GeoPoint>& points) {
    QCborArray a;
    for (const geo::GeoPoint& p : points)
        a.append(QCborArray{p.lon, p.lat});
    return a;
}

std::optional<QList<geo::GeoPoint>> pointsFromCbor(const QCborValue& v) {
    if (!v.isArray())
        return std::nullopt;
    QList<geo::GeoPoint> points;
    for (const QCborValue& p : v.toArray()) {
        const QCborArray pair = p.toArray();
        if (pair.size() != 2 || !pair[0].isDouble() || !pair[1].isDouble())
            return std::nullopt;
        points.append({pair[0].toDouble(), pair[1].toDouble()});
    }
    return points;
}

QString columnList(std::span<const char* const> names) {
    QStringList out;
    for (const char* c : names)
        out.append(QString::fromLatin1(c));
    return out.join(QStringLiteral(", "));
}

QString assignmentList(std::span<const char* const> names) {
    QStringList set;
    for (std::size_t k = 1; k < names.size(); ++k)
        set.append(QStringLiteral("%1 = ?%2").arg(QString::fromLatin1(names[k])).arg(k + 1));
    return set.join(QStringLiteral(", "));
}

QString qualifiedList(const char* alias, std::span<const char* const> names) {
    QStringList out;
    for (const char* c : names)
        out.append(QStringLiteral("%1.%2").arg(QString::fromLatin1(alias), QString::fromLatin1(c)));
    return out.join(QStringLiteral(", "));
}

QString incidentWriteColumns() {
    return columnList(kWriteColumns);
}

QString incidentUpdateAssignments() {
    return assignmentList(kWriteColumns);
}

QString incidentReadColumns(const char* alias) {
    return qualifiedList(alias, kReadColumns);
}

Incident readIncidentContent(const Statement& s, int first) {
    const int o = first;
    Incident i;
    i.uuid = s.text(o + 0);
    i.title = s.text(o + 1);
    i.category = s.text(o + 2);
    i.severity = severityFromString(s.text(o + 3)).value_or(Severity::Low);
    i.status = incidentStatusFromString(s.text(o + 4)).value_or(IncidentStatus::Reported);
    i.observedAt = QDateTime::fromMSecsSinceEpoch(s.integer(o + 5), Qt::UTC);
    i.location = {s.real(o + 6), s.real(o + 7)};
    if (!s.isNull(o + 8))
        i.area = pointsFromJson(s.text(o + 8));
    i.source = s.text(o + 9);
    i.reliability = s.text(o + 10);
    i.credibility = static_cast<int>(s.integer(o + 11));
    i.narrative = s.text(o + 12);
    i.marking = {s.text(o + 13), s.text(o + 14)};
    i.exercise = s.integer(o + 15) != 0;
    return i;
}

void incidentToWire(const Incident& i, QCborMap& m) {
    m.insert(QStringLiteral("title"), i.title);
    m.insert(QStringLiteral("category"), i.category);
    m.insert(QStringLiteral("severity"), toString(i.severity));
    m.insert(QStringLiteral("status"), toString(i.status));
    m.insert(QStringLiteral("observed_at"), i.observedAt.toMSecsSinceEpoch());
    m.insert(QStringLiteral("lon"), i.location.lon);
    m.insert(QStringLiteral("lat"), i.location.lat);
    if (!i.area.isEmpty())
        m.insert(QStringLiteral("area"), pointsToCbor(i.area));
    m.insert(QStringLiteral("source"), i.source);
    m.insert(QStringLiteral("reliability"), i.reliability);
    m.insert(QStringLiteral("credibility"), i.credibility);
    m.insert(QStringLiteral("narrative"), i.narrative);
    m.insert(QStringLiteral("exercise"), i.exercise);
}

Result<Incident> incidentFromWire(const QCborMap& m) {
    Incident i;
    i.title = m[QStringLiteral("title")].toString();
    i.category = m[QStringLiteral("category")].toString();
    const auto severity = severityFromString(m[QStringLiteral("severity")].toString());
    const auto status = incidentStatusFromString(m[QStringLiteral("status")].toString());
    if (!severity || !status)
        return Error{QStringLiteral("unknown severity or status")};
    i.severity = *severity;
    i.status = *status;
    i.observedAt =
        QDateTime::fromMSecsSinceEpoch(m[QStringLiteral("observed_at")].toInteger(), Qt::UTC);
    i.location = {m[QStringLiteral("lon")].toDouble(), m[QStringLiteral("lat")].toDouble()};
    if (m.contains(QStringLiteral("area"))) {
        const std::optional<QList<geo::GeoPoint>> area = pointsFromCbor(m[QStringLiteral("area")]);
        if (!area)
            return Error{QStringLiteral("the area is not a list of points")};
        i.area = *area;
    }
    i.source = m[QStringLiteral("source")].toString();
    i.reliability = m[QStringLiteral("reliability")].toString();
    i.credibility = static_cast<int>(m[QStringLiteral("credibility")].toInteger());
    i.narrative = m[QStringLiteral("narrative")].toString();
    i.exercise = m[QStringLiteral("exercise")].toBool();
    return i;
}

const QStringList& incidentIndexStatements() {
    static const QStringList statements{
        QStringLiteral("INSERT OR REPLACE INTO incident_rtree SELECT id, coalesce(area_west, lon), "
                       "coalesce(area_east, lon), coalesce(area_south, lat), "
                       "coalesce(area_north, lat) FROM incident WHERE id = ?1"),
        // The marker of a point (in Hilbert order) or the box of an area (schema 3).
        QStringLiteral("INSERT INTO incident_marker SELECT tessera_marker_key(lon, lat), id, uuid, "
                       "title, category, severity, status, observed_at, lon, lat FROM incident "
                       "WHERE id = ?1 AND area_west IS NULL"),
        QStringLiteral("INSERT OR REPLACE INTO incident_area_rtree SELECT id, area_west, "
                       "area_east, area_south, area_north FROM incident WHERE id = ?1 AND "
                       "area_west IS NOT NULL"),
        QStringLiteral("INSERT INTO incident_fts (rowid, title, narrative, notes) SELECT id, "
                       "title, narrative, notes FROM incident_text WHERE id = ?1")};
    return statements;
}

const QStringList& incidentUnindexStatements() {
    static const QStringList statements{
        QStringLiteral("DELETE FROM incident_rtree WHERE id = ?1"),
        QStringLiteral("DELETE FROM incident_marker WHERE hkey = (SELECT tessera_marker_key(lon, "
                       "lat) FROM incident WHERE id = ?1) AND id = ?1"),
        QStringLiteral("DELETE FROM incident_area_rtree WHERE id = ?1"),
        // External-content FTS5 forgets a row when given the values it indexed.
        QStringLiteral("INSERT INTO incident_fts (incident_fts, rowid, title, narrative, notes) "
                       "SELECT 'delete', id, title, narrative, notes FROM incident_text WHERE "
                       "id = ?1")};
    return statements;
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
