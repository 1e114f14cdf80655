// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/Situation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include <algorithm>

namespace tessera::store {

namespace {
bool inArea(const geo::Extent& area, const geo::GeoPoint& p) {
    return p.lon >= area.minX && p.lon <= area.maxX && p.lat >= area.minY && p.lat <= area.maxY;
}
} // namespace

Situation summarise(const QList<Incident>& incidents, const QList<PatrolRoute>& routes,
                    const geo::Extent& area, const TimeWindow& window, const QDateTime& now,
                    int latestCount, qint64 staleAfterSeconds) {
    Situation s;
    QList<const Incident*> shown;
    for (const Incident& i : incidents) {
        if (!inArea(area, i.location) || !inWindow(i, window))
            continue;
        ++s.bySeverity[static_cast<size_t>(i.severity)];
        ++s.byCategory[i.category];
        shown.append(&i);
    }
    const auto count = std::min<qsizetype>(std::max(latestCount, 0), shown.size());
    // Only the newest few are wanted: a partial sort of the pointers.
    std::partial_sort(shown.begin(), shown.begin() + count, shown.end(),
                      [](const Incident* a, const Incident* b) {
                          return a->observedAt != b->observedAt ? a->observedAt > b->observedAt
                                                                : a->uuid < b->uuid;
                      });
    for (qsizetype k = 0; k < count; ++k)
        s.latest.append(*shown[k]);

    const QDateTime quietSince = now.addSecs(-staleAfterSeconds);
    for (const PatrolRoute& r : routes) {
        if (r.status != RouteStatus::InProgress)
            continue;
        const bool passes =
            std::any_of(r.waypoints.begin(), r.waypoints.end(),
                        [&](const Waypoint& w) { return inArea(area, w.location); }) ||
            std::any_of(r.track.begin(), r.track.end(),
                        [&](const TrackPoint& p) { return inArea(area, p.location); });
        if (!passes)
            continue;
        QDateTime last;
        for (const TrackPoint& p : r.track)
            if (p.recordedAt.isValid() && (!last.isValid() || p.recordedAt > last))
                last = p.recordedAt;
        QDateTime due = last;
        if (!due.isValid()) // never reported: judged from when it was to start
            for (const Waypoint& w : r.waypoints)
                if (w.plannedAt.isValid() && (!due.isValid() || w.plannedAt < due))
                    due = w.plannedAt;
        if (due.isValid() && due < quietSince)
            s.staleRoutes.append({r.uuid, r.name, r.unit, last});
    }
    std::sort(s.staleRoutes.begin(), s.staleRoutes.end(),
              [](const StaleRoute& a, const StaleRoute& b) {
                  // Never reported first, then the longest quiet.
                  if (a.lastReport.isValid() != b.lastReport.isValid())
                      return !a.lastReport.isValid();
                  return a.lastReport < b.lastReport;
              });
    return s;
}

CombinedMarking shownMarking(const MissionSnapshot& mission, const geo::Extent& area,
                             const TimeWindow& window) {
    // Many records share a few markings: each distinct one is read once.
    QSet<QString> seen;
    QList<Marking> distinct;
    const auto add = [&](const Marking& m) {
        const QString key = m.classification + QLatin1Char('\n') + m.releasability;
        if (!seen.contains(key)) {
            seen.insert(key);
            distinct.append(m);
        }
    };
    const auto anyIn = [&](const auto& points, auto location) {
        return std::any_of(points.begin(), points.end(),
                           [&](const auto& p) { return inArea(area, location(p)); });
    };
    add(mission.info.marking);
    for (const Incident& i : mission.incidents)
        if (inWindow(i, window) &&
            (inArea(area, i.location) || anyIn(i.area, [](const geo::GeoPoint& p) { return p; })))
            add(i.marking);
    for (const PatrolRoute& r : mission.routes)
        if (anyIn(r.waypoints, [](const Waypoint& w) { return w.location; }) ||
            anyIn(r.track, [](const TrackPoint& t) { return t.location; }))
            add(r.marking);
    for (const Annotation& a : mission.annotations)
        if (anyIn(a.geometry, [](const geo::GeoPoint& p) { return p; }))
            add(a.marking);
    // A layer made from records (an analysis's hot spots, its risk rings) carries their markings.
    for (const LayerSpec& l : mission.layers) {
        if (!l.visible)
            continue;
        const QJsonArray markings = QJsonDocument::fromJson(l.style.toUtf8())
                                        .object()
                                        .value(QLatin1String("markings"))
                                        .toArray();
        for (const QJsonValue& m : markings)
            add({m.toObject().value(QLatin1String("classification")).toString(),
                 m.toObject().value(QLatin1String("releasability")).toString()});
    }
    return combineMarkings(distinct);
}

} // namespace tessera::store
