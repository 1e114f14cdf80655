// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/EmergingHotSpots.h"

#include "geo/ThreadCheck.h"

#include <QCoreApplication>

#include <algorithm>
#include <cmath>
#include <thread>
#include <unordered_map>

namespace tessera::analysis {

QString patternName(Pattern pattern) {
    switch (pattern) {
    case Pattern::None:
        return QCoreApplication::translate("analysis", "no pattern");
    case Pattern::New:
        return QCoreApplication::translate("analysis", "new");
    case Pattern::Consecutive:
        return QCoreApplication::translate("analysis", "consecutive");
    case Pattern::Intensifying:
        return QCoreApplication::translate("analysis", "intensifying");
    case Pattern::Persistent:
        return QCoreApplication::translate("analysis", "persistent");
    case Pattern::Diminishing:
        return QCoreApplication::translate("analysis", "diminishing");
    case Pattern::Sporadic:
        return QCoreApplication::translate("analysis", "sporadic");
    case Pattern::Oscillating:
        return QCoreApplication::translate("analysis", "oscillating");
    case Pattern::Historical:
        return QCoreApplication::translate("analysis", "historical");
    }
    return {};
}

namespace {

std::uint64_t cellKey(Cell c) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(c.column)) << 32) |
           static_cast<std::uint32_t>(c.row);
}

/// Runs work(begin, end) over [0, count) split among `threads` threads.
template <typename Work>
void splitAmong(std::size_t count, int threads, Work work) {
    const std::size_t parts = static_cast<std::size_t>(std::max(1, threads));
    if (parts == 1 || count < 1024) {
        work(std::size_t{0}, count);
        return;
    }
    std::vector<std::thread> running;
    for (std::size_t p = 0; p < parts; ++p)
        running.emplace_back([&work, begin = count * p / parts, end = count * (p + 1) / parts] {
            // Below the GUI thread: an analysis on two cores must not stutter the map.
            threadcheck::backgroundPriority();
            work(begin, end);
        });
    for (std::thread& t : running)
        t.join();
}

/// For each location, the indexes of the locations within the neighbour distance (itself too),
/// as offsets into one array (compressed rows).
struct Neighbours {
    std::vector<std::uint32_t> start; ///< locations + 1 entries
    std::vector<std::uint32_t> of;
};

Neighbours neighbours(const SpaceTimeCube& cube, double distance) {
    const double cell = cube.shape.cellSize;
    const int reach = static_cast<int>(std::floor(distance / cell + 1e-9));
    std::vector<std::pair<int, int>> offsets;
    for (int dx = -reach; dx <= reach; ++dx)
        for (int dy = -reach; dy <= reach; ++dy)
            if ((dx * dx + dy * dy) * cell * cell <= distance * distance * (1 + 1e-12))
                offsets.emplace_back(dx, dy);
    std::unordered_map<std::uint64_t, std::uint32_t> index;
    index.reserve(cube.locations.size());
    for (std::uint32_t l = 0; l < cube.locations.size(); ++l)
        index.emplace(cellKey(cube.locations[l]), l);
    Neighbours n;
    n.start.reserve(cube.locations.size() + 1);
    n.start.push_back(0);
    for (const Cell& c : cube.locations) {
        for (auto [dx, dy] : offsets) {
            const auto found = index.find(cellKey({c.column + dx, c.row + dy}));
            if (found != index.end())
                n.of.push_back(found->second);
        }
        n.start.push_back(static_cast<std::uint32_t>(n.of.size()));
    }
    return n;
}

/// The pattern of one location from its significant steps (`same`: with the sign looked at;
/// `opposite`: with the other) and its trend; `sign` is +1 for hot, -1 for cold.
Pattern classify(const std::vector<char>& same, const std::vector<char>& opposite,
                 const TrendTest& trend, int sign, const HotSpotParameters& parameters) {
    const int steps = static_cast<int>(same.size());
    const int count = static_cast<int>(std::count(same.begin(), same.end(), 1));
    const bool mostly = count >= parameters.persistentShare * steps;
    if (!same.back())
        return mostly ? Pattern::Historical : Pattern::None;
    if (count == 1)
        return Pattern::New;
    if (mostly) {
        if (trend.p <= parameters.trendAlpha && trend.z * sign > 0)
            return Pattern::Intensifying;
        if (trend.p <= parameters.trendAlpha && trend.z * sign < 0)
            return Pattern::Diminishing;
        return Pattern::Persistent;
    }
    int run = 0;
    while (run < steps && same[static_cast<std::size_t>(steps - 1 - run)])
        ++run;
    if (run == count)
        return Pattern::Consecutive;
    if (std::find(opposite.begin(), opposite.end(), 1) != opposite.end())
        return Pattern::Oscillating;
    return Pattern::Sporadic;
}

} // namespace

Result<std::vector<double>> giStar(const SpaceTimeCube& cube, const HotSpotParameters& parameters,
                                   int threads) {
    const std::size_t steps = static_cast<std::size_t>(cube.steps());
    const std::size_t bins = cube.counts.size();
    const double n = static_cast<double>(bins);
    double sum = 0, squares = 0;
    for (std::uint32_t x : cube.counts) {
        sum += x;
        squares += static_cast<double>(x) * x;
    }
    const double mean = sum / n;
    const double spread = std::sqrt(std::max(0.0, squares / n - mean * mean));
    if (!(spread > 0) || bins < 2)
        return Error{QStringLiteral("Every bin of the cube holds the same count: there is no "
                                    "pattern to find. Choose smaller cells or shorter steps.")};
    const double distance =
        parameters.neighbourDistance > 0 ? parameters.neighbourDistance : 1.5 * cube.shape.cellSize;
    const Neighbours near = neighbours(cube, distance);
    const int lag = std::max(0, parameters.timeLag);

    // Each location's counts summed over the time lag around every step.
    std::vector<std::uint32_t> lagged(bins);
    splitAmong(cube.locations.size(), threads, [&](std::size_t begin, std::size_t end) {
        std::vector<std::uint32_t> prefix(steps + 1);
        for (std::size_t l = begin; l < end; ++l) {
            const std::uint32_t* x = cube.counts.data() + l * steps;
            for (std::size_t t = 0; t < steps; ++t)
                prefix[t + 1] = prefix[t] + x[t];
            for (std::size_t t = 0; t < steps; ++t) {
                const std::size_t from = t >= static_cast<std::size_t>(lag) ? t - lag : 0;
                const std::size_t to = std::min(steps, t + lag + 1);
                lagged[l * steps + t] = prefix[to] - prefix[from];
            }
        }
    });
    std::vector<double> z(bins);
    splitAmong(cube.locations.size(), threads, [&](std::size_t begin, std::size_t end) {
        std::vector<double> local(steps);
        for (std::size_t l = begin; l < end; ++l) {
            std::fill(local.begin(), local.end(), 0.0);
            for (std::uint32_t k = near.start[l]; k < near.start[l + 1]; ++k) {
                const std::uint32_t* x = lagged.data() + std::size_t{near.of[k]} * steps;
                for (std::size_t t = 0; t < steps; ++t)
                    local[t] += x[t];
            }
            const double around = near.start[l + 1] - near.start[l];
            for (std::size_t t = 0; t < steps; ++t) {
                const std::size_t from = t >= static_cast<std::size_t>(lag) ? t - lag : 0;
                const std::size_t to = std::min(steps, t + lag + 1);
                const double weights = around * static_cast<double>(to - from);
                const double expected = mean * weights;
                const double deviation =
                    spread * std::sqrt((n * weights - weights * weights) / (n - 1));
                z[l * steps + t] = deviation > 0 ? (local[t] - expected) / deviation : 0.0;
            }
        }
    });
    return z;
}

Result<HotSpotResult> emergingHotSpots(SpaceTimeCube cube, const HotSpotParameters& parameters,
                                       int threads) {
    Result<std::vector<double>> z = giStar(cube, parameters, threads);
    if (!z)
        return z.error();
    HotSpotResult result;
    result.parameters = parameters;
    result.z = std::move(z).value();
    const std::size_t steps = static_cast<std::size_t>(cube.steps());

    // The false-discovery threshold needs only the p-values under the rate.
    std::vector<double> candidates;
    const double q = parameters.falseDiscovery;
    for (double score : result.z) {
        const double p = normalTwoSidedP(score);
        if (p <= q)
            candidates.push_back(p);
    }
    result.pThreshold = falseDiscoveryThreshold(std::move(candidates), result.z.size(), q);

    result.locations.resize(cube.locations.size());
    splitAmong(cube.locations.size(), threads, [&](std::size_t begin, std::size_t end) {
        std::vector<char> hot(steps), cold(steps);
        for (std::size_t l = begin; l < end; ++l) {
            const std::span<const double> series(result.z.data() + l * steps, steps);
            for (std::size_t t = 0; t < steps; ++t) {
                const bool significant =
                    result.pThreshold > 0 && normalTwoSidedP(series[t]) <= result.pThreshold;
                hot[t] = significant && series[t] > 0;
                cold[t] = significant && series[t] < 0;
            }
            LocationPattern& out = result.locations[l];
            out.cell = cube.locations[l];
            for (std::uint32_t x : cube.series(l))
                out.incidents += x;
            out.trend = mannKendall(series);
            const int hotSteps = static_cast<int>(std::count(hot.begin(), hot.end(), 1));
            const int coldSteps = static_cast<int>(std::count(cold.begin(), cold.end(), 1));
            // The final step decides the sign; without it, the sign that was there most.
            out.hot = hot.back() || (!cold.back() && hotSteps >= coldSteps);
            out.significantSteps = out.hot ? hotSteps : coldSteps;
            out.pattern = out.hot ? classify(hot, cold, out.trend, +1, parameters)
                                  : classify(cold, hot, out.trend, -1, parameters);
        }
    });
    result.cube = std::move(cube);
    return result;
}

} // namespace tessera::analysis
