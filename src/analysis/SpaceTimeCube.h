// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/GeoTypes.h"
#include "geo/Result.h"

#include <QDateTime>
#include <QString>

#include <cstdint>
#include <span>
#include <vector>

namespace tessera::analysis {

/// An incident as the analyses see it: a position in metres of an equal-area projection
/// (Placement) and a time in seconds since the epoch.
struct Event {
    double x = 0;
    double y = 0;
    double t = 0;
};

/// How a cube is cut: square cells of `cellSize` metres on a grid aligned with the projection's
/// origin (so that the same data gives the same cells), and `steps` steps of `stepSeconds`, the
/// last ending at `end` (the end of the time window: the final step is "now").
struct CubeShape {
    double cellSize = 1000;
    double stepSeconds = 7 * 86400.0;
    int steps = 12;
    double end = 0;
    /// Cubes larger than this are refused with a message saying what to change.
    std::int64_t maxBins = 60'000'000;
    /// Cells so small that the incidents' area holds more than this many are refused too: each
    /// incident would sit alone in its cell, and the analysis would find nothing but noise.
    std::int64_t maxGridCells = 20'000'000;
    int minEvents = 30;
    int minSteps = 5;
};

struct Cell {
    std::int32_t column = 0;
    std::int32_t row = 0;
    friend bool operator==(Cell a, Cell b) { return a.column == b.column && a.row == b.row; }
};

/// A space-time cube: the locations (cells that hold an incident in any step, as in ArcGIS's
/// cube: a desert with no incident at all is not a location) and the count of each location at
/// each step, location by location (`counts[location * steps + step]`).
struct SpaceTimeCube {
    CubeShape shape;
    std::vector<Cell> locations;
    std::vector<std::uint32_t> counts;
    std::int64_t events = 0; ///< events inside the cube

    [[nodiscard]] int steps() const { return shape.steps; }
    [[nodiscard]] std::span<const std::uint32_t> series(std::size_t location) const {
        return {counts.data() + location * static_cast<std::size_t>(shape.steps),
                static_cast<std::size_t>(shape.steps)};
    }
    /// The centre of a cell in the projection's metres.
    [[nodiscard]] geo::MapPoint centre(Cell c) const {
        return {(c.column + 0.5) * shape.cellSize, (c.row + 0.5) * shape.cellSize};
    }
};

/// Bins `events` into a cube of `shape`; events outside its time span are left out. Refuses, with
/// what to change, a cube of more than shape.maxBins bins, fewer than shape.minSteps steps, or
/// fewer than shape.minEvents events.
Result<SpaceTimeCube> buildCube(std::span<const Event> events, const CubeShape& shape);

} // namespace tessera::analysis
