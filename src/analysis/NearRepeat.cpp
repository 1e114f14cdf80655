// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/NearRepeat.h"

#include "geo/ThreadCheck.h"

#include <QLocale>

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>
#include <unordered_map>

namespace tessera::analysis {

namespace {

bool ascendingFromZero(const std::vector<double>& edges) {
    if (edges.size() < 2 || edges.front() != 0)
        return false;
    for (std::size_t k = 1; k < edges.size(); ++k)
        if (!(edges[k] > edges[k - 1]))
            return false;
    return true;
}

/// The band of `value` among `edges`, or -1 past the last.
int bandOf(double value, const std::vector<double>& edges) {
    const auto above = std::upper_bound(edges.begin(), edges.end(), value);
    if (above == edges.begin() || above == edges.end())
        return -1;
    return static_cast<int>(above - edges.begin()) - 1;
}

/// Pairs of `sorted` times whose gap is under `gap`.
std::int64_t pairsCloserThan(const std::vector<double>& sorted, double gap) {
    std::int64_t pairs = 0;
    std::size_t j = 0;
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        j = std::max(j, i + 1);
        while (j < sorted.size() && sorted[j] - sorted[i] < gap)
            ++j;
        pairs += static_cast<std::int64_t>(j - i - 1);
    }
    return pairs;
}

struct ClosePair {
    std::uint32_t a;
    std::uint32_t b;
    std::int32_t distanceBand;
};

} // namespace

Result<KnoxResult> knoxTest(std::span<const Event> events, const KnoxBands& bands) {
    if (!ascendingFromZero(bands.distances) || !ascendingFromZero(bands.days))
        return Error{QStringLiteral("Distance and time bands must start at 0 and grow.")};
    if (std::ssize(events) < bands.minEvents)
        return Error{QStringLiteral("%1 incident(s): the near-repeat test needs at least %2. "
                                    "Widen the time window or the selection.")
                         .arg(events.size())
                         .arg(bands.minEvents)};
    if (bands.permutations < 19)
        return Error{QStringLiteral("At least 19 permutations are needed for a p-value of 0.05.")};
    const std::size_t n = events.size();
    const double reach = bands.distances.back();
    const std::size_t distanceBands = bands.distances.size() - 1;
    const std::size_t timeBands = bands.days.size() - 1;

    // Pairs closer than the last distance band, found cell by cell (the distances never change
    // under the permutations, so they are computed once).
    std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> grid;
    auto key = [](std::int64_t cx, std::int64_t cy) {
        return (static_cast<std::uint64_t>(cx) << 32) ^ static_cast<std::uint32_t>(cy);
    };
    for (std::uint32_t i = 0; i < n; ++i)
        grid[key(static_cast<std::int64_t>(std::floor(events[i].x / reach)),
                 static_cast<std::int64_t>(std::floor(events[i].y / reach)))]
            .push_back(i);
    std::vector<ClosePair> close;
    for (std::uint32_t i = 0; i < n; ++i) {
        const auto cx = static_cast<std::int64_t>(std::floor(events[i].x / reach));
        const auto cy = static_cast<std::int64_t>(std::floor(events[i].y / reach));
        for (std::int64_t dx = -1; dx <= 1; ++dx)
            for (std::int64_t dy = -1; dy <= 1; ++dy) {
                const auto found = grid.find(key(cx + dx, cy + dy));
                if (found == grid.end())
                    continue;
                for (std::uint32_t j : found->second) {
                    if (j <= i)
                        continue;
                    const double d =
                        std::hypot(events[i].x - events[j].x, events[i].y - events[j].y);
                    const int band = bandOf(d, bands.distances);
                    if (band >= 0)
                        close.push_back({i, j, band});
                }
                if (std::ssize(close) > bands.maxClosePairs)
                    return Error{
                        QStringLiteral("More than %1 pairs of incidents lie within %2 m "
                                       "of each other. Choose a shorter last distance "
                                       "band or a smaller selection.")
                            .arg(QLocale().toString(static_cast<qlonglong>(bands.maxClosePairs)))
                            .arg(QLocale().toString(reach, 'f', 0))};
            }
    }

    KnoxResult result;
    result.bands = bands;
    result.events = static_cast<std::int64_t>(n);
    result.pairs = static_cast<std::int64_t>(n) * static_cast<std::int64_t>(n - 1) / 2;
    std::vector<double> days(n);
    for (std::size_t i = 0; i < n; ++i)
        days[i] = events[i].t / 86400.0;

    const std::vector<double>& dayEdges = bands.days;
    auto tally = [&](const std::vector<double>& when, std::vector<std::int64_t>& counts) {
        std::fill(counts.begin(), counts.end(), 0);
        for (const ClosePair& pair : close) {
            const double gap = std::fabs(when[pair.a] - when[pair.b]);
            std::size_t band = 0; // a handful of bands: a scan beats a search
            while (band < timeBands && gap >= dayEdges[band + 1])
                ++band;
            if (band < timeBands)
                ++counts[static_cast<std::size_t>(pair.distanceBand) * timeBands + band];
        }
    };
    std::vector<std::int64_t> observed(distanceBands * timeBands);
    tally(days, observed);

    // Exact expectation: a permutation gives each place pair a uniformly drawn time pair.
    std::vector<std::int64_t> inDistance(distanceBands, 0);
    for (const ClosePair& pair : close)
        ++inDistance[static_cast<std::size_t>(pair.distanceBand)];
    std::vector<double> sorted = days;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::int64_t> inTime(timeBands);
    for (std::size_t k = 0; k < timeBands; ++k)
        inTime[k] =
            pairsCloserThan(sorted, bands.days[k + 1]) - pairsCloserThan(sorted, bands.days[k]);

    // Each permutation draws from its own generator, seeded with the table's seed and its number,
    // so that the table does not depend on how the permutations are split among threads.
    const std::size_t threads = static_cast<std::size_t>(std::max(1, bands.threads));
    std::vector<std::vector<std::int64_t>> atLeastOf(threads,
                                                     std::vector<std::int64_t>(observed.size()));
    std::vector<std::vector<double>> sumOf(threads, std::vector<double>(observed.size()));
    auto permute = [&](std::size_t part) {
        std::vector<double> shuffled;
        std::vector<std::int64_t> simulated(observed.size());
        const std::size_t from = static_cast<std::size_t>(bands.permutations) * part / threads;
        const std::size_t to = static_cast<std::size_t>(bands.permutations) * (part + 1) / threads;
        for (std::size_t k = from; k < to; ++k) {
            std::mt19937_64 random(bands.seed + 0x9E3779B97F4A7C15ULL * (k + 1));
            shuffled = days;
            // Fisher-Yates with our own draws: the same seed gives the same table everywhere.
            for (std::size_t i = n - 1; i > 0; --i)
                std::swap(shuffled[i], shuffled[random() % (i + 1)]);
            tally(shuffled, simulated);
            for (std::size_t c = 0; c < simulated.size(); ++c) {
                sumOf[part][c] += static_cast<double>(simulated[c]);
                atLeastOf[part][c] += simulated[c] >= observed[c];
            }
        }
    };
    std::vector<std::thread> running;
    for (std::size_t part = 1; part < threads; ++part)
        running.emplace_back([&permute, part] {
            threadcheck::backgroundPriority(); // below the GUI thread, as the map's workers
            permute(part);
        });
    permute(0);
    for (std::thread& t : running)
        t.join();
    std::vector<std::int64_t> atLeast(observed.size(), 0);
    std::vector<double> simulatedSum(observed.size(), 0);
    for (std::size_t part = 0; part < threads; ++part)
        for (std::size_t c = 0; c < observed.size(); ++c) {
            atLeast[c] += atLeastOf[part][c];
            simulatedSum[c] += sumOf[part][c];
        }
    for (std::size_t d = 0; d < distanceBands; ++d)
        for (std::size_t t = 0; t < timeBands; ++t) {
            const std::size_t c = d * timeBands + t;
            KnoxCell cell;
            cell.distanceBand = static_cast<int>(d);
            cell.timeBand = static_cast<int>(t);
            cell.observed = observed[c];
            cell.expected = static_cast<double>(inDistance[d]) * static_cast<double>(inTime[t]) /
                            static_cast<double>(result.pairs);
            cell.simulatedMean = simulatedSum[c] / bands.permutations;
            cell.ratio = cell.expected > 0 ? static_cast<double>(cell.observed) / cell.expected : 0;
            cell.p = (1.0 + static_cast<double>(atLeast[c])) / (1.0 + bands.permutations);
            result.cells.push_back(cell);
        }
    return result;
}

std::vector<RiskRing> riskRings(const KnoxResult& table, std::span<const Event> events, double now,
                                double alpha) {
    // How far the excess reaches in the first time band, band by band from the nearest.
    double radius = 0;
    for (std::size_t d = 0; d + 1 < table.bands.distances.size(); ++d) {
        const KnoxCell& cell = table.cell(static_cast<int>(d), 0);
        if (!(cell.p <= alpha && cell.ratio > 1))
            break;
        radius = table.bands.distances[d + 1];
    }
    std::vector<RiskRing> rings;
    if (radius <= 0)
        return rings;
    const double lasting = table.bands.days[1] * 86400.0;
    for (const Event& e : events)
        if (e.t <= now && e.t > now - lasting)
            rings.push_back({e.x, e.y, e.t, radius, e.t + lasting});
    return rings;
}

} // namespace tessera::analysis
