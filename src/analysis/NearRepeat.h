// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "analysis/SpaceTimeCube.h"

#include <cstdint>
#include <span>
#include <vector>

namespace tessera::analysis {

/// Bands of a Knox table, as the Near Repeat Calculator draws them: distance bands
/// [distances[k], distances[k+1]) in metres and time bands [days[k], days[k+1]) in days.
struct KnoxBands {
    std::vector<double> distances{0, 500, 1000, 2000};
    std::vector<double> days{0, 7, 14, 28};
    int permutations = 999;
    std::uint64_t seed = 20261207;
    int minEvents = 20;
    std::int64_t maxClosePairs = 40'000'000;
    int threads = 2; ///< permutations run on this many threads (the table does not depend on it)
};

/// One cell of the table: pairs of incidents this close in space and in time.
struct KnoxCell {
    int distanceBand = 0;
    int timeBand = 0;
    std::int64_t observed = 0;
    /// What the permutations of times among places give on average, exactly: the pairs in the
    /// distance band times the share of all pairs in the time band.
    double expected = 0;
    double simulatedMean = 0; ///< the mean over the seeded permutations (close to `expected`)
    double ratio = 0;         ///< observed / expected (0 when nothing is expected)
    double p = 1;             ///< (1 + permutations at least as high) / (1 + permutations)
};

struct KnoxResult {
    KnoxBands bands;
    std::int64_t events = 0;
    std::int64_t pairs = 0;      ///< all pairs, n(n-1)/2
    std::vector<KnoxCell> cells; ///< distance band by distance band, time bands within
    [[nodiscard]] const KnoxCell& cell(int distanceBand, int timeBand) const {
        return cells[static_cast<std::size_t>(distanceBand) * (bands.days.size() - 1) +
                     static_cast<std::size_t>(timeBand)];
    }
};

/// The Knox test of `events` (positions in metres, times in seconds) over `bands`, with Monte
/// Carlo permutations of the times among the places (seeded: the same input gives the same
/// table). Refuses too few events, bands that are not ascending, or more close pairs than the
/// bands can afford, saying what to change.
Result<KnoxResult> knoxTest(std::span<const Event> events, const KnoxBands& bands);

/// Where another incident is likelier soon: a ring of `radius` metres around an incident,
/// until `until` (seconds since the epoch).
struct RiskRing {
    double x = 0;
    double y = 0;
    double t = 0;
    double radius = 0;
    double until = 0;
};

/// The near-repeat risk: when the first time band shows a significant excess (p <= alpha and
/// ratio > 1) in the nearest distance bands, each incident of the last time band's length
/// before `now` gets a ring as wide as the significant bands reach, lasting that long. None when
/// the table shows no near-repeat pattern.
std::vector<RiskRing> riskRings(const KnoxResult& table, std::span<const Event> events, double now,
                                double alpha = 0.05);

} // namespace tessera::analysis
