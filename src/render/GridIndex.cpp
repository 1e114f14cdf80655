// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "render/GridIndex.h"

#include <algorithm>
#include <cmath>

namespace tessera::render {

GridIndex::GridIndex(const std::vector<geo::Extent>& bounds, const geo::Extent& extent,
                     int itemsPerCell)
    : extent_(extent)
    , itemCount_(static_cast<std::uint32_t>(bounds.size())) {
    const double cells = std::max(1.0, static_cast<double>(bounds.size()) / itemsPerCell);
    const double aspect = std::max(extent.width(), 1e-9) / std::max(extent.height(), 1e-9);
    columns_ = std::clamp(static_cast<int>(std::sqrt(cells * aspect)), 1, 4096);
    rows_ = std::clamp(static_cast<int>(cells / columns_), 1, 4096);
    cellWidth_ = std::max(extent.width() / columns_, 1e-9);
    cellHeight_ = std::max(extent.height() / rows_, 1e-9);

    auto span = [&](const geo::Extent& b, int& c0, int& c1, int& r0, int& r1) {
        c0 = std::clamp(static_cast<int>((b.minX - extent_.minX) / cellWidth_), 0, columns_ - 1);
        c1 = std::clamp(static_cast<int>((b.maxX - extent_.minX) / cellWidth_), 0, columns_ - 1);
        r0 = std::clamp(static_cast<int>((b.minY - extent_.minY) / cellHeight_), 0, rows_ - 1);
        r1 = std::clamp(static_cast<int>((b.maxY - extent_.minY) / cellHeight_), 0, rows_ - 1);
    };
    // Two passes (count, then fill) into one flat array: no vector per cell.
    std::vector<std::uint32_t> counts(static_cast<size_t>(columns_) * rows_ + 1, 0);
    int c0 = 0, c1 = 0, r0 = 0, r1 = 0;
    for (const geo::Extent& b : bounds) {
        span(b, c0, c1, r0, r1);
        for (int r = r0; r <= r1; ++r)
            for (int c = c0; c <= c1; ++c)
                ++counts[static_cast<size_t>(r) * columns_ + c + 1];
    }
    for (size_t i = 1; i < counts.size(); ++i)
        counts[i] += counts[i - 1];
    cellStart_ = counts;
    items_.resize(counts.back());
    for (std::uint32_t i = 0; i < bounds.size(); ++i) {
        span(bounds[i], c0, c1, r0, r1);
        for (int r = r0; r <= r1; ++r)
            for (int c = c0; c <= c1; ++c)
                items_[counts[static_cast<size_t>(r) * columns_ + c]++] = i;
    }
}

std::vector<std::uint32_t> GridIndex::query(const geo::Extent& area) const {
    std::vector<std::uint32_t> found;
    if (itemCount_ == 0 || !area.intersects(extent_))
        return found;
    const int c0 =
        std::clamp(static_cast<int>((area.minX - extent_.minX) / cellWidth_), 0, columns_ - 1);
    const int c1 =
        std::clamp(static_cast<int>((area.maxX - extent_.minX) / cellWidth_), 0, columns_ - 1);
    const int r0 =
        std::clamp(static_cast<int>((area.minY - extent_.minY) / cellHeight_), 0, rows_ - 1);
    const int r1 =
        std::clamp(static_cast<int>((area.maxY - extent_.minY) / cellHeight_), 0, rows_ - 1);
    for (int r = r0; r <= r1; ++r)
        for (int c = c0; c <= c1; ++c) {
            const size_t cell = static_cast<size_t>(r) * columns_ + c;
            found.insert(found.end(), items_.begin() + cellStart_[cell],
                         items_.begin() + cellStart_[cell + 1]);
        }
    if (r1 > r0 || c1 > c0) {
        std::sort(found.begin(), found.end());
        found.erase(std::unique(found.begin(), found.end()), found.end());
    }
    return found;
}

} // namespace tessera::render
