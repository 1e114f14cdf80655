// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "interop/Gazetteer.h"
#include "store/Mission.h"

namespace tessera::interop {

/// An exercise scenario as written in maps/scenario/*.json: incidents and patrol routes placed
/// by real place name plus an offset (km) on a bearing, so every position derives from GeoNames.
struct ExerciseScenario {
    store::MissionInfo info;
    QList<store::Incident> incidents;
    QList<store::PatrolRoute> routes;
    /// The names of the places the scenario refers to (for the map's labels).
    QStringList placesUsed;

    /// Parses the scenario and resolves its places in `country` of `gazetteer`. Any malformed
    /// field or unknown place is an error naming the record, so a broken recipe never builds a
    /// half-right mission.
    static Result<ExerciseScenario> read(const QString& path, const Gazetteer& gazetteer,
                                         const QString& country);

    /// Moves the whole scenario by whole days so that its last incident falls within the day
    /// before `now`: the picture of a demo built today has events under "24 h" and "7 days",
    /// a route in progress is in progress. Times of day stay as written (narratives say
    /// "At 0740Z"), and dates written in narratives ("the clashes of 18 Nov") move with them.
    /// Returns the days moved (0 for a scenario with no incidents).
    int moveToPresent(const QDateTime& now);
};

} // namespace tessera::interop
