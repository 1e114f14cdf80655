// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "store/MissionStore.h"

#include <QDateTime>

namespace tessera::interop {

/// An exercise's history for training analysts: weeks of exercise incidents (titled
/// "EXERCISE - ...", flagged exercise, at the mission's marking) spread around the places where
/// the mission's incidents already are, in their categories, with three patterns planted for the
/// analyses to find: a hot spot emerging over the last six weeks around the most recent incident,
/// near repeats after a fifth of the first category's incidents (400 m, 5 days), and a surge of
/// the second category in the last week. Seeded: the same seed gives the same history.
struct ExerciseHistoryOptions {
    int incidents = 3000;
    int weeks = 26;
    quint64 seed = 20261207;
    QDateTime end; ///< invalid: now
};

/// Adds the history to `mission` in one transaction; returns the number of incidents added.
Result<int> addExerciseHistory(store::MissionStore& mission, const ExerciseHistoryOptions& options);

} // namespace tessera::interop
