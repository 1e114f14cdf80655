// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "analysis/SpaceTimeCube.h"
#include "analysis/Statistics.h"

#include <QString>

namespace tessera::analysis {

/// What ArcGIS Pro's Emerging Hot Spot Analysis calls the pattern of a location, from the
/// significant bins of its series and the Mann-Kendall trend of its z-scores (docs/analysis.md).
enum class Pattern {
    None,
    New,          ///< significant only at the final step
    Consecutive,  ///< one unbroken run ending at the final step, under the persistent share
    Intensifying, ///< significant in at least the persistent share incl. the final step, rising
    Persistent,   ///< ... with no significant trend
    Diminishing,  ///< ... falling
    Sporadic,     ///< significant at the final step, on and off before, never the opposite sign
    Oscillating,  ///< significant at the final step, and of the opposite sign at some step
    Historical,   ///< not at the final step, but in at least the persistent share of steps
};
QString patternName(Pattern pattern);

struct HotSpotParameters {
    /// Cells whose centres lie within this many metres of a cell's centre are its neighbours
    /// (the cell itself included: Gi*). 0 means 1.5 cells (the eight around and itself).
    double neighbourDistance = 0;
    int timeLag = 1;              ///< steps before and after that belong to a bin's neighbourhood
    double falseDiscovery = 0.05; ///< Benjamini-Hochberg rate over all bins
    double trendAlpha = 0.05;     ///< significance of the Mann-Kendall trend
    double persistentShare = 0.9; ///< share of steps that makes a pattern persistent
};

struct LocationPattern {
    Cell cell;
    Pattern pattern = Pattern::None;
    bool hot = true;          ///< a hot spot pattern, else a cold spot one
    TrendTest trend;          ///< Mann-Kendall of the location's z-scores
    int significantSteps = 0; ///< steps significant with the pattern's sign
    std::uint32_t incidents = 0;
};

struct HotSpotResult {
    SpaceTimeCube cube;
    HotSpotParameters parameters;
    /// Gi* z-score of every bin, laid out as cube.counts.
    std::vector<double> z;
    /// Bins with a two-sided p-value at or under this are significant (0: none is).
    double pThreshold = 0;
    std::vector<LocationPattern> locations; ///< one per cube location, same order
};

/// The Getis-Ord Gi* z-score of every bin of `cube` with binary space-time weights (neighbours
/// within parameters.neighbourDistance and parameters.timeLag steps, the bin itself included),
/// over all the cube's bins. Fails when every bin holds the same count.
Result<std::vector<double>> giStar(const SpaceTimeCube& cube, const HotSpotParameters& parameters,
                                   int threads = 1);

/// Gi* of every bin, significance with the false-discovery correction, the trend of each
/// location and its pattern. Runs on the calling thread, or `threads` of them.
Result<HotSpotResult> emergingHotSpots(SpaceTimeCube cube, const HotSpotParameters& parameters,
                                       int threads = 1);

} // namespace tessera::analysis
