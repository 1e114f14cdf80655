// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "render/TilePyramid.h"

#include <QCache>
#include <QImage>

namespace tessera::render {

/// Decoded tiles, least recently used evicted first, bounded by their size in bytes.
/// Qt's QCache does the bookkeeping; this gives it tile-shaped words and byte costs.
/// Threads: one thread (the map item's GUI thread).
class TileCache {
public:
    explicit TileCache(qint64 maxBytes = 256LL * 1024 * 1024);

    void insert(const TileKey& key, const QImage& image);
    /// The tile, or null; a hit makes it the most recently used.
    [[nodiscard]] const QImage* find(const TileKey& key);
    [[nodiscard]] bool contains(const TileKey& key) const { return cache_.contains(key); }
    /// Drops every tile of one layer (removed, restyled or hidden).
    void removeLayer(qint64 layerId);
    void clear() { cache_.clear(); }

    [[nodiscard]] qint64 bytes() const { return cache_.totalCost() * 1024; }
    [[nodiscard]] qint64 maxBytes() const { return cache_.maxCost() * 1024; }
    [[nodiscard]] int count() const { return static_cast<int>(cache_.count()); }

private:
    QCache<TileKey, QImage> cache_; ///< costs in KiB, so a 256 MiB bound fits in the cost type
};

} // namespace tessera::render
