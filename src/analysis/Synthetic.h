// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "analysis/SpaceTimeCube.h"

#include <cstdint>
#include <random>
#include <vector>

/// Seeded incidents with patterns planted in them, for the analyses' tests and benchmarks: the
/// analyses must find what was planted and, on background alone, no more than chance allows.
namespace tessera::analysis::synthetic {

/// `count` events spread evenly over a square of `side` metres centred on (0, 0) and evenly
/// over [start, end).
std::vector<Event> evenBackground(std::mt19937_64& random, std::size_t count, double side,
                                  double start, double end);

/// `count` events around `towns` centres of activity drawn over a square of `side` metres, a
/// town's share of the events following a Pareto law (a few cities, many villages) and its
/// events spread a few kilometres around it: what a mission's incidents look like.
std::vector<Event> townBackground(std::mt19937_64& random, std::size_t count, int towns,
                                  double side, double start, double end);

/// Adds an emerging hot spot: `count` events within `radius` metres of `centre`, their number
/// growing linearly from nothing at `from` to the most at `end`.
void plantEmergingHotSpot(std::mt19937_64& random, std::vector<Event>& events, double centreX,
                          double centreY, double radius, std::size_t count, double from,
                          double end);

/// Adds near repeats: each of `seeds` randomly chosen existing events gets one follower within
/// `distance` metres and `days` days after it.
void plantNearRepeats(std::mt19937_64& random, std::vector<Event>& events, std::size_t seeds,
                      double distance, double days);

} // namespace tessera::analysis::synthetic
