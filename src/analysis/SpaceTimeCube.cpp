// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/SpaceTimeCube.h"

#include <QLocale>

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace tessera::analysis {

namespace {

std::uint64_t cellKey(Cell c) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(c.column)) << 32) |
           static_cast<std::uint32_t>(c.row);
}

QString days(double seconds) {
    return QLocale().toString(seconds / 86400.0, 'g', 3);
}

} // namespace

Result<SpaceTimeCube> buildCube(std::span<const Event> events, const CubeShape& shape) {
    if (!(shape.cellSize > 0) || !(shape.stepSeconds > 0))
        return Error{QStringLiteral("Cells and steps must be larger than zero.")};
    if (shape.steps < shape.minSteps)
        return Error{QStringLiteral("The window holds %1 step(s) of %2 days: a trend needs at "
                                    "least %3 steps. Choose shorter steps or a longer window.")
                         .arg(shape.steps)
                         .arg(days(shape.stepSeconds))
                         .arg(shape.minSteps)};
    const double start = shape.end - shape.stepSeconds * shape.steps;

    SpaceTimeCube cube;
    cube.shape = shape;
    // First pass: the locations, so that the cube's size is known before it is allocated.
    std::unordered_map<std::uint64_t, std::uint32_t> index;
    std::vector<std::uint32_t> locationOf(events.size(), UINT32_MAX);
    for (std::size_t k = 0; k < events.size(); ++k) {
        const Event& e = events[k];
        if (!(e.t >= start && e.t < shape.end) || !std::isfinite(e.x) || !std::isfinite(e.y))
            continue;
        const Cell c{static_cast<std::int32_t>(std::floor(e.x / shape.cellSize)),
                     static_cast<std::int32_t>(std::floor(e.y / shape.cellSize))};
        auto [it, added] = index.try_emplace(cellKey(c), static_cast<std::uint32_t>(index.size()));
        if (added)
            cube.locations.push_back(c);
        locationOf[k] = it->second;
        ++cube.events;
    }
    if (cube.events < shape.minEvents)
        return Error{QStringLiteral("%1 incident(s) fall in the window: the analysis needs at "
                                    "least %2. Widen the time window or the selection.")
                         .arg(cube.events)
                         .arg(shape.minEvents)};
    std::int32_t minColumn = INT32_MAX, maxColumn = INT32_MIN, minRow = INT32_MAX,
                 maxRow = INT32_MIN;
    for (const Cell& c : cube.locations) {
        minColumn = std::min(minColumn, c.column);
        maxColumn = std::max(maxColumn, c.column);
        minRow = std::min(minRow, c.row);
        maxRow = std::max(maxRow, c.row);
    }
    const double gridCells = (static_cast<double>(maxColumn) - minColumn + 1) *
                             (static_cast<double>(maxRow) - minRow + 1);
    if (gridCells > static_cast<double>(shape.maxGridCells)) {
        const double larger =
            shape.cellSize * std::sqrt(gridCells / static_cast<double>(shape.maxGridCells));
        return Error{
            QStringLiteral("Cells of %1 m over the incidents' area (%2 x %3 km) make "
                           "%4 cells, more than the %5 this analysis holds. Choose "
                           "cells of about %6 m or more.")
                .arg(QLocale().toString(shape.cellSize, 'f', 0))
                .arg(QLocale().toString((maxColumn - minColumn + 1.0) * shape.cellSize / 1000, 'f',
                                        0))
                .arg(QLocale().toString((maxRow - minRow + 1.0) * shape.cellSize / 1000, 'f', 0))
                .arg(QLocale().toString(gridCells, 'f', 0))
                .arg(QLocale().toString(static_cast<qlonglong>(shape.maxGridCells)))
                .arg(QLocale().toString(std::ceil(larger / 10) * 10, 'f', 0))};
    }
    const std::int64_t bins =
        static_cast<std::int64_t>(cube.locations.size()) * static_cast<std::int64_t>(shape.steps);
    if (bins > shape.maxBins) {
        // Locations shrink roughly with the square of the cell: a cell this much larger fits.
        const double larger = shape.cellSize * std::sqrt(static_cast<double>(bins) /
                                                         static_cast<double>(shape.maxBins));
        return Error{QStringLiteral("Cells of %1 m and %2 steps make %3 locations x %2 steps = %4 "
                                    "bins, more than the %5 this analysis holds. Choose cells of "
                                    "about %6 m or more, or fewer steps.")
                         .arg(QLocale().toString(shape.cellSize, 'f', 0))
                         .arg(shape.steps)
                         .arg(QLocale().toString(static_cast<qlonglong>(cube.locations.size())))
                         .arg(QLocale().toString(static_cast<qlonglong>(bins)))
                         .arg(QLocale().toString(static_cast<qlonglong>(shape.maxBins)))
                         .arg(QLocale().toString(std::ceil(larger / 10) * 10, 'f', 0))};
    }
    cube.counts.assign(static_cast<std::size_t>(bins), 0);
    for (std::size_t k = 0; k < events.size(); ++k) {
        if (locationOf[k] == UINT32_MAX)
            continue;
        const int step =
            std::clamp(static_cast<int>(std::floor((events[k].t - start) / shape.stepSeconds)), 0,
                       shape.steps - 1);
        ++cube.counts[static_cast<std::size_t>(locationOf[k]) *
                          static_cast<std::size_t>(shape.steps) +
                      static_cast<std::size_t>(step)];
    }
    return cube;
}

} // namespace tessera::analysis
