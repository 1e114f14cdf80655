// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/UnusualActivity.h"

#include "analysis/Statistics.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace tessera::analysis {

std::vector<CountSeries> countSeries(std::span<const Tally> incidents, double end,
                                     double periodSeconds, int baselinePeriods) {
    std::map<std::pair<QString, QString>, CountSeries> byKey;
    const double start = end - periodSeconds * (baselinePeriods + 1);
    for (const Tally& i : incidents) {
        if (!(i.t >= start && i.t < end))
            continue;
        CountSeries& s = byKey[{i.region, i.category}];
        if (s.baseline.empty()) {
            s.region = i.region;
            s.category = i.category;
            s.baseline.assign(static_cast<std::size_t>(baselinePeriods), 0);
        }
        const int period = std::clamp(static_cast<int>(std::floor((i.t - start) / periodSeconds)),
                                      0, baselinePeriods);
        if (period == baselinePeriods)
            ++s.current;
        else
            ++s.baseline[static_cast<std::size_t>(period)];
    }
    std::vector<CountSeries> out;
    for (auto& [key, s] : byKey)
        out.push_back(std::move(s));
    return out;
}

Assessment assess(const CountSeries& series, double alpha) {
    Assessment a;
    a.region = series.region;
    a.category = series.category;
    a.current = series.current;
    const double periods = static_cast<double>(std::max<std::size_t>(1, series.baseline.size()));
    double total = 0;
    for (long c : series.baseline)
        total += static_cast<double>(c);
    a.expected = (total + 0.5) / periods;
    double variance = 0;
    if (series.baseline.size() >= 3) {
        const double mean = total / periods;
        for (long c : series.baseline)
            variance += (static_cast<double>(c) - mean) * (static_cast<double>(c) - mean);
        variance /= periods - 1;
    }
    a.negativeBinomial = variance > a.expected;
    if (a.negativeBinomial) {
        a.size = a.expected * a.expected / (variance - a.expected);
        a.probability = a.expected / variance;
        a.low = negativeBinomialQuantile(alpha / 2, a.size, a.probability);
        a.high = negativeBinomialQuantile(1 - alpha / 2, a.size, a.probability);
    } else {
        a.low = poissonQuantile(alpha / 2, a.expected);
        a.high = poissonQuantile(1 - alpha / 2, a.expected);
    }
    a.busy = a.current > a.high;
    a.quiet = a.current < a.low;
    if (a.busy)
        a.p = a.negativeBinomial ? negativeBinomialSf(a.current, a.size, a.probability)
                                 : poissonSf(a.current, a.expected);
    else if (a.quiet)
        a.p = a.negativeBinomial ? negativeBinomialCdf(a.current, a.size, a.probability)
                                 : poissonCdf(a.current, a.expected);
    return a;
}

std::vector<Assessment> unusualActivity(std::span<const CountSeries> series, double alpha) {
    std::vector<Assessment> flagged;
    for (const CountSeries& s : series) {
        Assessment a = assess(s, alpha);
        if (a.busy || a.quiet)
            flagged.push_back(std::move(a));
    }
    std::stable_sort(flagged.begin(), flagged.end(),
                     [](const Assessment& x, const Assessment& y) { return x.p < y.p; });
    return flagged;
}

} // namespace tessera::analysis
