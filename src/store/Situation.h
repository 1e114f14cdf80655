// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/GeoTypes.h"
#include "store/Mission.h"
#include "store/TimeWindow.h"

#include <QDateTime>
#include <QHash>
#include <QList>

#include <array>

namespace tessera::store {

/// A patrol whose last report is older than it should be.
struct StaleRoute {
    QString uuid;
    QString name;
    QString unit;
    QDateTime lastReport; ///< the newest track point; invalid when it never reported
};

/// What a commander reads at a glance about an area: the incidents in it by severity, the
/// latest of them, and the patrols under way there that have gone quiet.
struct Situation {
    std::array<int, 4> bySeverity{}; ///< indexed by Severity (low .. critical)
    QHash<QString, int> byCategory;  ///< by category key ("ied", ...), the same incidents
    QList<Incident> latest;          ///< newest first
    QList<StaleRoute> staleRoutes;   ///< quiet longest first
    [[nodiscard]] int total() const {
        return bySeverity[0] + bySeverity[1] + bySeverity[2] + bySeverity[3];
    }
};

/// The situation in `area` (degrees: minX west .. maxY north) and `window`, at `now`:
/// - incidents whose point lies in the area and whose time is in the window;
/// - the `latestCount` newest of them;
/// - routes in progress that pass through the area and whose last report (newest track point)
///   is more than `staleAfterSeconds` before `now`, or that never reported and whose first
///   planned time is that far behind.
Situation summarise(const QList<Incident>& incidents, const QList<PatrolRoute>& routes,
                    const geo::Extent& area, const TimeWindow& window, const QDateTime& now,
                    int latestCount = 5, qint64 staleAfterSeconds = 2 * 3600);

/// The marking of a picture of `area` (degrees) and `window`: the mission's own marking combined
/// (combineMarkings: highest level, every caveat, the REL TO entries all share) with that of
/// every incident in them (its point or a vertex of its area in the area), and of every route
/// and annotation with a point in the area. A briefing product's banners and the window's
/// carry it, so that they never state less than what the picture shows. A visible layer made
/// from records (style "markings": an analysis's result) adds the markings of what went into it.
CombinedMarking shownMarking(const MissionSnapshot& mission, const geo::Extent& area,
                             const TimeWindow& window);

} // namespace tessera::store
