// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/Statistics.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace tessera::analysis {

double normalTwoSidedP(double z) {
    return std::erfc(std::fabs(z) / std::numbers::sqrt2);
}

double falseDiscoveryThreshold(std::span<const double> pValues, double q) {
    std::vector<double> small;
    for (double p : pValues)
        if (p <= q)
            small.push_back(p);
    return falseDiscoveryThreshold(std::move(small), pValues.size(), q);
}

double falseDiscoveryThreshold(std::vector<double> small, std::size_t total, double q) {
    std::erase_if(small, [q](double p) { return !(p <= q); });
    std::sort(small.begin(), small.end());
    const double m = static_cast<double>(total);
    // Step up: the largest rank whose p-value is under its share of q.
    for (std::size_t k = small.size(); k > 0; --k)
        if (small[k - 1] <= static_cast<double>(k) * q / m)
            return small[k - 1];
    return 0;
}

TrendTest mannKendall(std::span<const double> series) {
    const std::size_t n = series.size();
    TrendTest t;
    for (std::size_t i = 0; i + 1 < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j)
            t.s += (series[j] > series[i]) - (series[j] < series[i]);
    // Ties: a group of g equal values removes g(g-1)(2g+5) from n(n-1)(2n+5).
    std::vector<double> sorted(series.begin(), series.end());
    std::sort(sorted.begin(), sorted.end());
    const double dn = static_cast<double>(n);
    double variance = dn * (dn - 1) * (2 * dn + 5);
    for (std::size_t i = 0; i < n;) {
        std::size_t j = i;
        while (j < n && sorted[j] == sorted[i])
            ++j;
        const double g = static_cast<double>(j - i);
        variance -= g * (g - 1) * (2 * g + 5);
        i = j;
    }
    t.variance = variance / 18;
    if (t.variance > 0) {
        t.z = t.s / std::sqrt(t.variance);
        t.p = normalTwoSidedP(t.z);
    }
    return t;
}

namespace {

/// log of the Poisson probability of exactly k.
double poissonLogPmf(long k, double mean) {
    return static_cast<double>(k) * std::log(mean) - mean - std::lgamma(static_cast<double>(k) + 1);
}

double negativeBinomialLogPmf(long k, double r, double p) {
    const double dk = static_cast<double>(k);
    return std::lgamma(dk + r) - std::lgamma(r) - std::lgamma(dk + 1) + r * std::log(p) +
           dk * std::log1p(-p);
}

/// Sums exp(logPmf(j)) over j in [0, k]: counts here are at most thousands.
template <typename LogPmf>
double sumPmf(long k, LogPmf logPmf) {
    double total = 0;
    for (long j = 0; j <= k; ++j)
        total += std::exp(logPmf(j));
    return std::min(total, 1.0);
}

} // namespace

double poissonCdf(long k, double mean) {
    if (k < 0)
        return 0;
    if (mean <= 0)
        return 1;
    return sumPmf(k, [mean](long j) { return poissonLogPmf(j, mean); });
}

double poissonSf(long k, double mean) {
    if (k <= 0)
        return 1;
    if (mean <= 0)
        return 0;
    // Whichever tail is shorter to sum keeps precision for small probabilities.
    if (static_cast<double>(k) > mean) {
        double total = 0;
        for (long j = k;; ++j) {
            const double term = std::exp(poissonLogPmf(j, mean));
            total += term;
            if (term <= total * 1e-17)
                break;
        }
        return std::min(total, 1.0);
    }
    return std::max(0.0, 1 - poissonCdf(k - 1, mean));
}

double negativeBinomialCdf(long k, double size, double p) {
    if (k < 0)
        return 0;
    return sumPmf(k, [size, p](long j) { return negativeBinomialLogPmf(j, size, p); });
}

double negativeBinomialSf(long k, double size, double p) {
    if (k <= 0)
        return 1;
    const double mean = size * (1 - p) / p;
    if (static_cast<double>(k) > mean) {
        double total = 0;
        for (long j = k;; ++j) {
            const double term = std::exp(negativeBinomialLogPmf(j, size, p));
            total += term;
            if (term <= total * 1e-17)
                break;
        }
        return std::min(total, 1.0);
    }
    return std::max(0.0, 1 - negativeBinomialCdf(k - 1, size, p));
}

namespace {

template <typename LogPmf>
long quantile(double q, LogPmf logPmf) {
    // SciPy's rule, with room for the rounding of the sum.
    const double target = q * (1 - 1e-12);
    double total = 0;
    for (long k = 0;; ++k) {
        total += std::exp(logPmf(k));
        if (total >= target || k > 100'000'000)
            return k;
    }
}

} // namespace

long poissonQuantile(double q, double mean) {
    if (mean <= 0)
        return 0;
    return quantile(q, [mean](long j) { return poissonLogPmf(j, mean); });
}

long negativeBinomialQuantile(double q, double size, double p) {
    return quantile(q, [size, p](long j) { return negativeBinomialLogPmf(j, size, p); });
}

} // namespace tessera::analysis
