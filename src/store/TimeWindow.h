// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/Mission.h"

#include <QDateTime>
#include <QList>

namespace tessera::store {

/// The span of time the picture shows: at or after `from`, before `to`. An invalid end is open;
/// both open is all time.
struct TimeWindow {
    QDateTime from;
    QDateTime to;

    [[nodiscard]] bool isAllTime() const { return !from.isValid() && !to.isValid(); }
    [[nodiscard]] bool contains(const QDateTime& t) const;
    /// Whether [first, last] reaches into the window (an invalid time is taken as unknown: the
    /// record is kept, rather than hidden for a time it never had).
    [[nodiscard]] bool overlaps(const QDateTime& first, const QDateTime& last) const;
    friend bool operator==(const TimeWindow&, const TimeWindow&) = default;
};

/// What of a record the window judges it by: an incident by when it was observed, an annotation
/// by when it was written, a route by the span of its planned and recorded times.
bool inWindow(const Incident& incident, const TimeWindow& window);
bool inWindow(const Annotation& annotation, const TimeWindow& window);
bool inWindow(const PatrolRoute& route, const TimeWindow& window);

/// Incidents observed in each of `bins` equal slices of [start, end): what a histogram of the
/// time bar draws. Incidents outside are not counted.
QList<int> incidentHistogram(const QList<Incident>& incidents, const QDateTime& start,
                             const QDateTime& end, int bins);

} // namespace tessera::store
