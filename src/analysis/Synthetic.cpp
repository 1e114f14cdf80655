// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/Synthetic.h"

#include <cmath>
#include <numbers>

namespace tessera::analysis::synthetic {

std::vector<Event> evenBackground(std::mt19937_64& random, std::size_t count, double side,
                                  double start, double end) {
    std::uniform_real_distribution<double> across(-side / 2, side / 2);
    std::uniform_real_distribution<double> when(start, end);
    std::vector<Event> events(count);
    for (Event& e : events) {
        e.x = across(random);
        e.y = across(random);
        e.t = when(random);
    }
    return events;
}

std::vector<Event> townBackground(std::mt19937_64& random, std::size_t count, int towns,
                                  double side, double start, double end) {
    std::uniform_real_distribution<double> across(-side / 2, side / 2);
    std::uniform_real_distribution<double> unit(0, 1);
    std::vector<double> x(static_cast<std::size_t>(towns)), y(x.size()), weight(x.size());
    for (std::size_t k = 0; k < x.size(); ++k) {
        x[k] = across(random);
        y[k] = across(random);
        weight[k] = std::pow(1 - unit(random), -1 / 1.2); // Pareto, shape 1.2
    }
    std::discrete_distribution<std::size_t> town(weight.begin(), weight.end());
    std::normal_distribution<double> spread(0, 3000);
    std::uniform_real_distribution<double> when(start, end);
    std::vector<Event> events(count);
    for (Event& e : events) {
        const std::size_t k = town(random);
        e.x = x[k] + spread(random);
        e.y = y[k] + spread(random);
        e.t = when(random);
    }
    return events;
}

void plantEmergingHotSpot(std::mt19937_64& random, std::vector<Event>& events, double centreX,
                          double centreY, double radius, std::size_t count, double from,
                          double end) {
    std::uniform_real_distribution<double> unit(0, 1);
    for (std::size_t k = 0; k < count; ++k) {
        // A density rising linearly in time: the square root of a uniform draw.
        const double t = from + (end - from) * std::sqrt(unit(random));
        const double r = radius * std::sqrt(unit(random));
        const double a = 2 * std::numbers::pi * unit(random);
        events.push_back({centreX + r * std::cos(a), centreY + r * std::sin(a),
                          std::min(t, std::nextafter(end, from))});
    }
}

void plantNearRepeats(std::mt19937_64& random, std::vector<Event>& events, std::size_t seeds,
                      double distance, double days) {
    std::uniform_real_distribution<double> unit(0, 1);
    const std::size_t existing = events.size();
    for (std::size_t k = 0; k < seeds && existing > 0; ++k) {
        const Event& seed = events[random() % existing];
        const double r = distance * std::sqrt(unit(random));
        const double a = 2 * std::numbers::pi * unit(random);
        events.push_back({seed.x + r * std::cos(a), seed.y + r * std::sin(a),
                          seed.t + days * 86400.0 * unit(random)});
    }
}

} // namespace tessera::analysis::synthetic
