// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/ExerciseScenario.h"

#include "geo/Geodesy.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QUuid>

namespace tessera::interop {

namespace {

QString str(const QJsonObject& o, const char* key) {
    return o.value(QLatin1String(key)).toString();
}

struct Resolver {
    const Gazetteer& gazetteer;
    const QString& country;
    QStringList& used;

    Result<geo::GeoPoint> position(const QJsonObject& o) {
        const QString name = str(o, "place");
        Result<Place> place = gazetteer.find(name, country);
        if (!place)
            return place.error();
        if (!used.contains(name))
            used.append(name);
        const double km = o.value(QLatin1String("offset_km")).toDouble(0.0);
        const double bearing = o.value(QLatin1String("bearing_deg")).toDouble(0.0);
        if (km < 0.0 || km > 500.0)
            return Error{QStringLiteral("offset_km %1 is out of range 0..500").arg(km)};
        return geo::geodesy::destination(place.value().location, km * 1000.0, bearing);
    }
};

Result<QDateTime> time(const QJsonObject& o, const char* key) {
    const QDateTime t = QDateTime::fromString(str(o, key), Qt::ISODate);
    if (!t.isValid())
        return Error{QStringLiteral("\"%1\" is not an ISO-8601 time").arg(str(o, key))};
    return t.toUTC();
}

} // namespace

Result<ExerciseScenario> ExerciseScenario::read(const QString& path, const Gazetteer& gazetteer,
                                                const QString& country) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("%1: %2").arg(path, file.errorString())};
    QJsonParseError parseError;
    const QJsonObject root = QJsonDocument::fromJson(file.readAll(), &parseError).object();
    if (parseError.error != QJsonParseError::NoError || root.isEmpty())
        return Error{QStringLiteral("%1: not a scenario (JSON error: %2)")
                         .arg(path, parseError.errorString())};

    ExerciseScenario s;
    Resolver resolve{gazetteer, country, s.placesUsed};
    s.info.name = str(root, "name");
    s.info.description = str(root, "description");
    s.info.marking = {str(root, "classification"), str(root, "releasability")};
    s.info.exercise = true;
    // Every station that builds the exercise from the same scenario must hold the same mission
    // for bundles to pass between them (docs/sharing.md): its id is the scenario's, else one
    // derived from the scenario's name.
    s.info.id = str(root, "id");
    if (s.info.id.isEmpty())
        s.info.id = QUuid::createUuidV5(
                        QUuid(QStringLiteral("6f1c2a52-4f7e-4a8e-9b0c-3d2e1f0a9b8c")), s.info.name)
                        .toString(QUuid::WithoutBraces);
    const QJsonObject view = root.value(QLatin1String("view")).toObject();
    s.info.initialView = {view.value(QLatin1String("west")).toDouble(),
                          view.value(QLatin1String("south")).toDouble(),
                          view.value(QLatin1String("east")).toDouble(),
                          view.value(QLatin1String("north")).toDouble()};
    if (s.info.name.isEmpty() || s.info.marking.classification.isEmpty() ||
        s.info.initialView.isEmpty())
        return Error{
            QStringLiteral("%1: the scenario needs a name, a classification and a view").arg(path)};

    const QJsonArray incidents = root.value(QLatin1String("incidents")).toArray();
    for (qsizetype n = 0; n < incidents.size(); ++n) {
        const QJsonObject o = incidents[n].toObject();
        auto fail = [&](const QString& why) {
            return Error{QStringLiteral("%1: incident %2 (\"%3\"): %4")
                             .arg(path)
                             .arg(n + 1)
                             .arg(str(o, "title"), why)};
        };
        store::Incident i;
        i.title = str(o, "title");
        i.category = str(o, "category");
        if (i.title.isEmpty())
            return fail(QStringLiteral("no title"));
        if (!store::incidentCategories().contains(i.category))
            return fail(QStringLiteral("unknown category \"%1\"").arg(i.category));
        const auto severity = store::severityFromString(str(o, "severity"));
        const auto status = store::incidentStatusFromString(str(o, "status"));
        if (!severity || !status)
            return fail(QStringLiteral("unknown severity or status"));
        i.severity = *severity;
        i.status = *status;
        Result<QDateTime> observed = time(o, "observed");
        if (!observed)
            return fail(observed.error().message);
        i.observedAt = observed.value();
        Result<geo::GeoPoint> at = resolve.position(o);
        if (!at)
            return fail(at.error().message);
        i.location = at.value();
        i.source = str(o, "source");
        i.reliability = str(o, "reliability");
        i.credibility = o.value(QLatin1String("credibility")).toInt(6);
        if (i.reliability.size() != 1 || i.reliability < QLatin1String("A") ||
            i.reliability > QLatin1String("F") || i.credibility < 1 || i.credibility > 6)
            return fail(QStringLiteral("source grade must be A-F and 1-6"));
        i.narrative = str(o, "narrative");
        i.marking = s.info.marking;
        i.exercise = true;
        s.incidents.append(std::move(i));
    }

    const QJsonArray routes = root.value(QLatin1String("routes")).toArray();
    for (qsizetype n = 0; n < routes.size(); ++n) {
        const QJsonObject o = routes[n].toObject();
        auto fail = [&](const QString& why) {
            return Error{QStringLiteral("%1: route %2 (\"%3\"): %4")
                             .arg(path)
                             .arg(n + 1)
                             .arg(str(o, "name"), why)};
        };
        store::PatrolRoute r;
        r.name = str(o, "name");
        r.unit = str(o, "unit");
        const auto status = store::routeStatusFromString(str(o, "status"));
        if (r.name.isEmpty() || !status)
            return fail(QStringLiteral("needs a name and a known status"));
        r.status = *status;
        for (const QJsonValue w : o.value(QLatin1String("waypoints")).toArray()) {
            Result<geo::GeoPoint> at = resolve.position(w.toObject());
            if (!at)
                return fail(at.error().message);
            Result<QDateTime> planned = time(w.toObject(), "time");
            if (!planned)
                return fail(planned.error().message);
            if (!r.waypoints.isEmpty() && planned.value() < r.waypoints.last().plannedAt)
                return fail(QStringLiteral("waypoint times go backwards"));
            r.waypoints.append({at.value(), planned.value(), str(w.toObject(), "place")});
        }
        if (r.waypoints.size() < 2)
            return fail(QStringLiteral("a route needs at least two waypoints"));
        r.marking = s.info.marking;
        r.exercise = true;
        s.routes.append(std::move(r));
    }
    return s;
}

int ExerciseScenario::moveToPresent(const QDateTime& now) {
    QDateTime last;
    for (const store::Incident& i : incidents)
        if (!last.isValid() || i.observedAt > last)
            last = i.observedAt;
    if (!last.isValid() || !now.isValid())
        return 0;
    // Whole days, rounded down: the last incident lands at most a day before `now`, never after.
    const qint64 seconds = last.secsTo(now.toUTC());
    const int days = int(seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400));
    if (days == 0)
        return 0;
    static const QRegularExpression writtenDate(
        QStringLiteral("\\b(\\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\\b"));
    const int year = last.date().year();
    auto moveText = [&](QString text) {
        QString moved;
        qsizetype from = 0;
        for (QRegularExpressionMatchIterator it = writtenDate.globalMatch(text); it.hasNext();) {
            const QRegularExpressionMatch m = it.next();
            const QDate written = QDate::fromString(
                QStringLiteral("%1 %2 %3").arg(m.captured(1)).arg(m.captured(2)).arg(year),
                QStringLiteral("d MMM yyyy"));
            moved += text.mid(from, m.capturedStart() - from);
            moved += written.isValid() ? written.addDays(days).toString(QStringLiteral("d MMM"))
                                       : m.captured(0);
            from = m.capturedEnd();
        }
        return moved + text.mid(from);
    };
    for (store::Incident& i : incidents) {
        i.observedAt = i.observedAt.addDays(days);
        i.narrative = moveText(i.narrative);
    }
    for (store::PatrolRoute& r : routes) {
        for (store::Waypoint& w : r.waypoints)
            w.plannedAt = w.plannedAt.addDays(days);
        for (store::TrackPoint& t : r.track)
            t.recordedAt = t.recordedAt.addDays(days);
    }
    return days;
}

} // namespace tessera::interop
