// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/GeoTypes.h"

#include <cstdint>
#include <vector>

namespace tessera::render {

/// A uniform grid over an extent, listing in each cell the items whose bounds touch it: enough to
/// find the few thousand features a tile needs among millions without scanning them all.
/// Built once, then read-only: query() may run on many threads at once.
class GridIndex {
public:
    GridIndex() = default;
    /// `bounds[i]` is item i's bounding box; about `itemsPerCell` items land in a cell on average.
    GridIndex(const std::vector<geo::Extent>& bounds, const geo::Extent& extent,
              int itemsPerCell = 16);

    /// Indices of the items whose cells meet `area`, each once, in ascending order.
    [[nodiscard]] std::vector<std::uint32_t> query(const geo::Extent& area) const;

private:
    geo::Extent extent_;
    int columns_ = 0;
    int rows_ = 0;
    double cellWidth_ = 1.0;
    double cellHeight_ = 1.0;
    std::vector<std::uint32_t> cellStart_; ///< CSR layout: items of cell c are
    std::vector<std::uint32_t> items_;     ///< items_[cellStart_[c] .. cellStart_[c + 1])
    std::uint32_t itemCount_ = 0;
};

} // namespace tessera::render
