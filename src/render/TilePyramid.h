// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/GeoTypes.h"
#include "render/Viewport.h"

#include <QHashFunctions>
#include <QList>
#include <QRectF>

namespace tessera::render {

/// A tile of the EPSG:3857 XYZ pyramid: zoom z has 2^z x 2^z tiles, x eastwards, y southwards.
struct TileId {
    int z = 0;
    int x = 0;
    int y = 0;
    [[nodiscard]] TileId parent() const { return {z - 1, x >> 1, y >> 1}; }
    friend bool operator==(const TileId&, const TileId&) = default;
};

/// A tile of one layer: what the tile renderer and the caches are keyed by.
struct TileKey {
    qint64 layerId = 0;
    TileId tile;
    friend bool operator==(const TileKey&, const TileKey&) = default;
};

inline size_t qHash(const TileId& t, size_t seed = 0) {
    return qHashMulti(seed, t.z, t.x, t.y);
}
inline size_t qHash(const TileKey& k, size_t seed = 0) {
    return qHashMulti(seed, k.layerId, k.tile.z, k.tile.x, k.tile.y);
}

/// A tile to draw and where: its rectangle in view pixels (fractional when zoom is between levels).
struct TilePlacement {
    TileId tile;
    QRectF target;
};

/// Tile arithmetic for a square tile size. Stateless; any thread.
class TilePyramid {
public:
    static constexpr int kMaxZoom = 22;
    explicit TilePyramid(int tileSize = 256)
        : tileSize_(tileSize) {}

    [[nodiscard]] int tileSize() const { return tileSize_; }
    [[nodiscard]] double resolution(int zoom) const;
    /// Level slack for crisp drawing: tiles are shrunk rather than enlarged, within 10%.
    static constexpr double kCrispSlack = 0.15;
    /// Level slack for the nearest level: tiles are enlarged at most sqrt(2) times.
    static constexpr double kNearestSlack = 0.5;
    /// The zoom whose tiles are at least as sharp as `resolution` (metres/pixel) once the view
    /// is more than `slack` zoom steps past a level; with kCrispSlack, tiles are shrunk (crisp)
    /// rather than enlarged (blurred), with kNearestSlack the nearest level is taken.
    [[nodiscard]] int zoomFor(double resolution, double slack = kCrispSlack) const;
    [[nodiscard]] geo::Extent tileExtent(TileId t) const;
    /// The tiles of zoom `z` that intersect `extent`, clipped to the world.
    [[nodiscard]] QList<TileId> tilesCovering(const geo::Extent& extent, int z) const;
    /// The tiles to draw for a view and their rectangles in its pixels, centre tiles first so that
    /// the middle of the screen fills first.
    [[nodiscard]] QList<TilePlacement> placements(const Viewport& view,
                                                  double slack = kCrispSlack) const;
    [[nodiscard]] QRectF targetRect(const Viewport& view, TileId t) const;

private:
    int tileSize_;
};

} // namespace tessera::render
