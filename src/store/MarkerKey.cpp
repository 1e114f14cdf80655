// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/MarkerKey.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>

namespace tessera::store {

namespace {

constexpr int kLevels = 16;
constexpr quint32 kCells = 1U << kLevels;

quint32 cellX(double lon) {
    const double x = std::floor((lon + 180.0) * (kCells / 360.0));
    return static_cast<quint32>(std::clamp(x, 0.0, double(kCells - 1)));
}
quint32 cellY(double lat) {
    const double y = std::floor((lat + 90.0) * (kCells / 180.0));
    return static_cast<quint32>(std::clamp(y, 0.0, double(kCells - 1)));
}

void markerKeySql(sqlite3_context* context, int, sqlite3_value** argv) {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
        sqlite3_result_null(context);
        return;
    }
    sqlite3_result_int64(context,
                         static_cast<sqlite3_int64>(markerKey(sqlite3_value_double(argv[0]),
                                                              sqlite3_value_double(argv[1]))));
}

} // namespace

quint64 hilbertIndex(quint32 x, quint32 y) {
    quint64 d = 0;
    for (quint32 s = 1U << 15; s > 0; s >>= 1) {
        const quint32 rx = (x & s) ? 1 : 0;
        const quint32 ry = (y & s) ? 1 : 0;
        d += static_cast<quint64>(s) * s * ((3 * rx) ^ ry);
        if (ry == 0) {
            if (rx == 1) {
                x = s - 1 - x;
                y = s - 1 - y;
            }
            std::swap(x, y);
        }
    }
    return d;
}

quint64 markerKey(double lon, double lat) {
    return hilbertIndex(cellX(lon), cellY(lat));
}

std::vector<std::pair<quint64, quint64>> markerKeyRanges(const geo::Extent& box, int maxRanges) {
    std::vector<std::pair<quint64, quint64>> ranges;
    if (!(box.minX <= box.maxX && box.minY <= box.maxY))
        return ranges;
    const quint32 x0 = cellX(box.minX), x1 = cellX(box.maxX);
    const quint32 y0 = cellY(box.minY), y1 = cellY(box.maxY);
    // Quadtree cells (whose keys form one range each, the Hilbert curve being hierarchical)
    // down to about a sixteenth of the box's larger side; cells inside the box are taken
    // whole, cells on its edge refined until then and taken whole at that size.
    const quint32 side = std::max(x1 - x0, y1 - y0) + 1;
    int finest = 0; // level whose cells are at most side / 16 wide
    while (finest < kLevels && (kCells >> finest) > std::max(1U, side / 16))
        ++finest;
    struct Cell {
        quint32 x, y;
        int level;
    };
    std::vector<Cell> stack{{0, 0, 0}};
    while (!stack.empty()) {
        const Cell c = stack.back();
        stack.pop_back();
        const int shift = kLevels - c.level;
        const quint32 cx0 = c.x << shift, cx1 = cx0 + ((1U << shift) - 1);
        const quint32 cy0 = c.y << shift, cy1 = cy0 + ((1U << shift) - 1);
        if (cx1 < x0 || cx0 > x1 || cy1 < y0 || cy0 > y1)
            continue;
        const bool inside = cx0 >= x0 && cx1 <= x1 && cy0 >= y0 && cy1 <= y1;
        if (inside || c.level >= finest) {
            const quint64 span = quint64{1} << (2 * shift);
            const quint64 first = hilbertIndex(cx0, cy0) & ~(span - 1);
            ranges.emplace_back(first, first + span - 1);
            continue;
        }
        for (quint32 k = 0; k < 4; ++k)
            stack.push_back({2 * c.x + (k & 1), 2 * c.y + (k >> 1), c.level + 1});
    }
    std::sort(ranges.begin(), ranges.end());
    // Join touching ranges, then close the smallest gaps until few enough remain.
    std::vector<std::pair<quint64, quint64>> joined;
    for (const auto& r : ranges) {
        if (!joined.empty() && joined.back().second + 1 >= r.first)
            joined.back().second = std::max(joined.back().second, r.second);
        else
            joined.push_back(r);
    }
    while (static_cast<int>(joined.size()) > std::max(1, maxRanges)) {
        size_t best = 1;
        for (size_t k = 1; k < joined.size(); ++k)
            if (joined[k].first - joined[k - 1].second <
                joined[best].first - joined[best - 1].second)
                best = k;
        joined[best - 1].second = joined[best].second;
        joined.erase(joined.begin() + static_cast<std::ptrdiff_t>(best));
    }
    return joined;
}

int registerMarkerKeyFunction(sqlite3* db) {
    return sqlite3_create_function_v2(db, "tessera_marker_key", 2,
                                      SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                      nullptr, &markerKeySql, nullptr, nullptr, nullptr);
}

} // namespace tessera::store
