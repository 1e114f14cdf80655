// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/TimeWindow.h"

#include <algorithm>

namespace tessera::store {

bool TimeWindow::contains(const QDateTime& t) const {
    if (isAllTime() || !t.isValid())
        return true;
    return (!from.isValid() || t >= from) && (!to.isValid() || t < to);
}

bool TimeWindow::overlaps(const QDateTime& first, const QDateTime& last) const {
    if (isAllTime() || !first.isValid() || !last.isValid())
        return true;
    return (!to.isValid() || first < to) && (!from.isValid() || last >= from);
}

bool inWindow(const Incident& incident, const TimeWindow& window) {
    return window.contains(incident.observedAt);
}

bool inWindow(const Annotation& annotation, const TimeWindow& window) {
    return window.contains(annotation.writtenAt);
}

bool inWindow(const PatrolRoute& route, const TimeWindow& window) {
    if (window.isAllTime())
        return true;
    QDateTime first;
    QDateTime last;
    auto take = [&](const QDateTime& t) {
        if (!t.isValid())
            return;
        if (!first.isValid() || t < first)
            first = t;
        if (!last.isValid() || t > last)
            last = t;
    };
    for (const Waypoint& w : route.waypoints)
        take(w.plannedAt);
    for (const TrackPoint& p : route.track)
        take(p.recordedAt);
    return window.overlaps(first, last);
}

QList<int> incidentHistogram(const QList<Incident>& incidents, const QDateTime& start,
                             const QDateTime& end, int bins) {
    QList<int> counts(std::max(bins, 0), 0);
    if (bins <= 0 || !start.isValid() || !end.isValid() || end <= start)
        return counts;
    const qint64 t0 = start.toMSecsSinceEpoch();
    const qint64 span = end.toMSecsSinceEpoch() - t0;
    for (const Incident& i : incidents) {
        if (!i.observedAt.isValid())
            continue;
        const qint64 offset = i.observedAt.toMSecsSinceEpoch() - t0;
        if (offset < 0 || offset >= span)
            continue;
        // offset * bins stays far below 2^63: a century in milliseconds times a million bins.
        ++counts[static_cast<qsizetype>(offset * bins / span)];
    }
    return counts;
}

} // namespace tessera::store
