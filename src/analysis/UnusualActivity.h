// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <span>
#include <vector>

namespace tessera::analysis {

/// An incident for the unusual-activity count: where (a region's name, empty outside every
/// region), what (its category) and when (seconds since the epoch).
struct Tally {
    QString region;
    QString category;
    double t = 0;
};

/// A region's and category's count this period, and in each of the periods before it.
struct CountSeries {
    QString region;
    QString category;
    std::vector<long> baseline; ///< oldest first
    long current = 0;
};

/// The periods: the current one ends at `end`; `baselinePeriods` of the same length before it.
std::vector<CountSeries> countSeries(std::span<const Tally> incidents, double end,
                                     double periodSeconds, int baselinePeriods);

/// What the baseline expected and whether this period is outside it.
struct Assessment {
    QString region;
    QString category;
    long current = 0;
    /// The expected count: the baseline's mean, with half an incident added to the baseline's
    /// total so that a region quiet until now is not flagged for a single incident.
    double expected = 0;
    bool negativeBinomial = false; ///< the baseline varied more than a Poisson count does
    double size = 0;               ///< the negative binomial's r (when negativeBinomial)
    double probability = 0;        ///< ... and its p
    long low = 0;                  ///< the central interval of counts at 1 - alpha
    long high = 0;
    double p = 1; ///< P(X >= current) when busy, P(X <= current) when quiet
    bool busy = false;
    bool quiet = false;
};

/// The expectation and the interval: a Poisson count with the baseline's mean, or, when the
/// baseline's variance (of at least three periods) exceeds its mean, a negative binomial with
/// the same mean and variance.
Assessment assess(const CountSeries& series, double alpha = 0.05);

/// Every series outside its interval, most significant first.
std::vector<Assessment> unusualActivity(std::span<const CountSeries> series, double alpha = 0.05);

} // namespace tessera::analysis
