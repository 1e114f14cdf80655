// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/GeoTypes.h"
#include "geo/Result.h"
#include "render/TilePyramid.h"

#include <QImage>
#include <QString>

#include <atomic>

namespace tessera::render {

/// Set by whoever asked for a tile when nobody wants it any more; renderers check it between
/// steps and give up early.
using CancelFlag = std::atomic<bool>;

/// A layer that draws itself as map tiles in EPSG:3857.
///
/// Threads: a layer is made on a worker (opening files), then shared read-only. renderTile() is
/// called concurrently from the tile renderer's workers and must be safe for that; layers keep
/// per-thread handles (GDAL datasets are not thread-safe) or immutable in-memory data.
class MapLayer {
public:
    MapLayer(qint64 id, QString name)
        : id_(id)
        , name_(std::move(name)) {}
    virtual ~MapLayer() = default;
    MapLayer(const MapLayer&) = delete;
    MapLayer& operator=(const MapLayer&) = delete;

    [[nodiscard]] qint64 id() const { return id_; }
    [[nodiscard]] const QString& name() const { return name_; }
    /// Where the layer has data, in EPSG:3857 metres.
    [[nodiscard]] virtual geo::Extent extent() const = 0;
    /// A tileSize x tileSize premultiplied ARGB image, transparent where the layer has no data.
    /// A cancelled render returns an Error whose message is "cancelled".
    [[nodiscard]] virtual Result<QImage> renderTile(const TilePyramid& pyramid, TileId tile,
                                                    const CancelFlag* cancelled) const = 0;
    /// How far past a tile level, in zoom steps, the view may go before the next sharper level is
    /// drawn (see TilePyramid::zoomFor). Lines and text stay crisp with a small slack.
    [[nodiscard]] virtual double levelSlack() const { return TilePyramid::kCrispSlack; }

protected:
    static QImage blankTile(int size);

private:
    qint64 id_;
    QString name_;
};

} // namespace tessera::render
