// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <span>
#include <vector>

/// The statistics the analyses share, each checked against SciPy in tests/unit/test_analysis.cpp
/// (tests/analysis/reference.py computes the same numbers independently).
namespace tessera::analysis {

/// Two-sided p-value of a standard normal score: P(|Z| >= |z|).
double normalTwoSidedP(double z);

/// The Benjamini-Hochberg step-up threshold: the largest p-value p(k) with p(k) <= k q / m among
/// `pValues` (m of them); every p-value at or under it is a discovery at false-discovery rate q.
/// 0 when nothing is discovered. Sorts only the p-values under q, so it is cheap for millions.
double falseDiscoveryThreshold(std::span<const double> pValues, double q);
/// The same from the p-values at or under q only (`candidates`, in any order) out of `total`.
double falseDiscoveryThreshold(std::vector<double> candidates, std::size_t total, double q);

/// The Mann-Kendall trend test of a series against its order: S (concordant minus discordant
/// pairs), its variance under no trend with the correction for tied values, and the normal score
/// S / sqrt(var) with its two-sided p-value. Without a continuity correction, so that it equals
/// Kendall's tau-b test between the series and its index (scipy.stats.kendalltau, asymptotic).
struct TrendTest {
    double s = 0;
    double variance = 0;
    double z = 0;
    double p = 1;
};
TrendTest mannKendall(std::span<const double> series);

/// P(X <= k) and P(X >= k) of a Poisson count with mean `mean`.
double poissonCdf(long k, double mean);
double poissonSf(long k, double mean); ///< P(X >= k)

/// A negative binomial with `size` r and success probability p (SciPy's nbinom(n=r, p)): mean
/// r(1-p)/p. P(X <= k) and P(X >= k).
double negativeBinomialCdf(long k, double size, double p);
double negativeBinomialSf(long k, double size, double p);

/// The smallest count whose cumulative probability reaches q (SciPy's ppf), in one pass.
long poissonQuantile(double q, double mean);
long negativeBinomialQuantile(double q, double size, double p);

} // namespace tessera::analysis
