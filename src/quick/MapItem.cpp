// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/MapItem.h"

#include "geo/Geodesy.h"
#include "geo/ThreadCheck.h"
#include "geo/WebMercator.h"
#include "quick/MissionController.h"
#include "render/MapScene.h"
#include "render/Palette.h"
#include "render/SceneRenderer.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QNativeGestureEvent>
#include <QPainter>
#include <QQuickWindow>
#include <QSGImageNode>
#include <QSGOpacityNode>
#include <QSGTexture>
#include <QSet>
#include <QTouchEvent>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace tessera::quick {

namespace {

constexpr qint64 kTileCacheBytes = 256LL * 1024 * 1024; // decoded tiles
constexpr int kAncestorLevels = 6;                      // how far up to look for a stand-in tile
/// How long the view must be still before its frame is drawn smooth again: longer than the gap
/// between the events of a drag or a wheel (16-50 ms), short enough not to be seen waiting.
constexpr int kSettleMs = 150;

/// The scene graph side: the textures made for tiles, kept while the tiles stay in view.
/// Lives on the render thread.
class MapRootNode : public QSGNode {
public:
    ~MapRootNode() override { qDeleteAll(textures); }
    QHash<render::TileKey, QSGTexture*> textures;
    QSGTexture* overlay = nullptr;
    qint64 overlayKey = 0; ///< the cacheKey() of the image `overlay` was made from
};

/// The overlay is drawn in pieces of this many pixels a side, and only those with ink: the
/// software scene graph blends every pixel of an image node, and zoomed in most of the overlay
/// is transparent.
constexpr int kOverlayPiece = 128;

/// The pieces of `image` (premultiplied ARGB) with a pixel that is not transparent, in rows
/// of pieces run together.
QList<QRect> inkedPieces(const QImage& image) {
    QList<QRect> pieces;
    for (int top = 0; top < image.height(); top += kOverlayPiece) {
        const int rows = std::min(kOverlayPiece, image.height() - top);
        QRect run;
        for (int left = 0; left < image.width(); left += kOverlayPiece) {
            const int columns = std::min(kOverlayPiece, image.width() - left);
            bool ink = false;
            for (int y = top; y < top + rows && !ink; ++y) {
                const auto* line = reinterpret_cast<const quint32*>(image.constScanLine(y)) + left;
                ink = std::any_of(line, line + columns, [](quint32 pixel) { return pixel != 0; });
            }
            const QRect piece(left, top, columns, rows);
            if (ink)
                run = run.isNull() ? piece : run.united(piece);
            if ((!ink || left + columns >= image.width()) && !run.isNull()) {
                pieces.append(run);
                run = QRect();
            }
        }
    }
    return pieces;
}

} // namespace

MapItem::MapItem(QQuickItem* parent)
    : QQuickItem(parent)
    , tiles_(kTileCacheBytes) {
    setFlag(ItemHasContents);
    setClip(true); // edge tiles reach past the item; the map must not paint over its neighbours
    setFlag(ItemIsFocusScope);
    setActiveFocusOnTab(true);
    setAcceptedMouseButtons(Qt::LeftButton);
    setAcceptHoverEvents(true);
    setAcceptTouchEvents(true);
    connect(&renderer_, &render::TileRenderer::tileReady, this, &MapItem::tileArrived);
    connect(&renderer_, &render::TileRenderer::tileFailed, this,
            [this](render::TileKey key, const QString& message) {
                failed_.insert(key);
                qWarning("%s", qUtf8Printable(message));
                polish();
            });
    staleClock_.setSingleShot(true);
    staleClock_.setTimerType(Qt::PreciseTimer); // a coarse timer may fire a little early
    connect(&staleClock_, &QTimer::timeout, this, [this] {
        overlayChanged();
        scheduleStaleRepaint();
    });
    compositor_.setMaxThreadCount(1); // beside the tile workers, on a 2-core machine
    overlayPainter_.setMaxThreadCount(1);
    settle_.setSingleShot(true);
    settle_.setInterval(kSettleMs);
    connect(&settle_, &QTimer::timeout, this, [this] {
        moving_ = false;
        polish();
    });
}

MapItem::~MapItem() = default;

void MapItem::setMission(MissionController* mission) {
    if (!followMission(mission_, mission, this, &MapItem::sceneChanged))
        return;
    if (mission_) {
        connect(mission_, &MissionController::selectedIncidentChanged, this,
                &MapItem::selectionChanged);
        connect(mission_, &MissionController::timeWindowChanged, this, &MapItem::timeWindowChanged);
    }
    selectionChanged();
    emit missionChanged();
}

void MapItem::takeRecords() {
    // The scene's part of the overlay, in the time window; the user's (measure, rings,
    // keep-clear) stays.
    const render::OverlayContent fresh =
        scene_ ? render::SceneRenderer::overlayOf(*scene_, mission_ ? mission_->timeWindow()
                                                                    : store::TimeWindow{})
               : render::OverlayContent{};
    setRecords(fresh);
    ++recordsGeneration_; // a window's records still being taken are out of date
    recordsPending_ = false;
    ++*overlayRevision_;
    scheduleStaleRepaint();
}

void MapItem::setRecords(const render::OverlayContent& fresh) {
    overlay_.incidents = fresh.incidents;
    overlay_.incidentPoints = fresh.incidentPoints;
    overlay_.incidentIndex = fresh.incidentIndex;
    overlay_.routes = fresh.routes;
    overlay_.annotations = fresh.annotations;
    overlay_.staleAt = fresh.staleAt;
    overlay_.places = fresh.places;
}

void MapItem::overlayChanged() {
    ++*overlayRevision_;
    polish();
}

void MapItem::timeWindowChanged() {
    if (!scene_) {
        takeRecords();
        polish();
        return;
    }
    // On a worker: the GUI thread keeps drawing the records it has until the new ones come.
    const quint64 generation = ++recordsGeneration_;
    recordsPending_ = true;
    setComplete(false);
    auto* watcher = new QFutureWatcher<render::OverlayContent>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != recordsGeneration_)
            return; // another window, or another scene, since
        setRecords(watcher->result());
        recordsPending_ = false;
        if (!hovered_.isEmpty()) // the index may point elsewhere now
            setHovered(-1);
        scheduleStaleRepaint();
        overlayChanged();
    });
    watcher->setFuture(QtConcurrent::run(
        [scene = scene_, window = mission_ ? mission_->timeWindow() : store::TimeWindow{}] {
            return render::SceneRenderer::overlayOf(*scene, window);
        }));
}

void MapItem::setHeatmap(bool on) {
    if (overlay_.heatmap == on)
        return;
    overlay_.heatmap = on;
    emit showOverlayChanged();
    overlayChanged();
}

void MapItem::selectionChanged() {
    const QString selected = mission_ ? mission_->selectedIncident() : QString();
    if (selected == overlay_.selectedIncident)
        return;
    overlay_.selectedIncident = selected;
    overlayChanged();
}

qsizetype MapItem::incidentIndexAt(double x, double y) const {
    if (!view_.isValid())
        return -1;
    // The marker drawn on top wins: the most severe, then the last drawn (OverlayPainter).
    qsizetype best = -1;
    int bestSeverity = -1;
    // Only the incidents near the pointer (the grid of the overlay's points): a hover looked at
    // all 100,000 on every mouse move.
    const double farthest = render::palette::severityRadius(store::Severity::Critical) + 4.0;
    overlay_.forIncidentsNear(
        view_, QRectF(x - farthest, y - farthest, 2 * farthest, 2 * farthest), [&](qsizetype k) {
            const store::Incident& incident = overlay_.incidents[k];
            // A little more than the symbol: small markers are easy to hit.
            const double reach = render::palette::severityRadius(incident.severity) + 4.0;
            if (QLineF(overlay_.incidentPixel(view_, k), QPointF(x, y)).length() > reach)
                return;
            if (static_cast<int>(incident.severity) >= bestSeverity) {
                bestSeverity = static_cast<int>(incident.severity);
                best = k;
            }
        });
    return best;
}

QString MapItem::incidentAt(double x, double y) const {
    const qsizetype k = incidentIndexAt(x, y);
    return k >= 0 ? overlay_.incidents[k].uuid : QString();
}

void MapItem::centreOn(double lon, double lat) {
    if (!view_.isValid())
        return;
    const QPointF at = view_.toPixel(geo::GeoPoint{lon, lat});
    panBy(width() / 2.0 - at.x(), height() / 2.0 - at.y());
}

void MapItem::sceneChanged() {
    const std::shared_ptr<const render::MapScene> previous = scene_;
    scene_ = mission_ ? mission_->scene() : nullptr;
    // The same mission with a changed layer stack keeps its view and the tiles of every layer
    // that is still the same object; another mission starts afresh.
    const bool sameMission = previous && scene_ && previous->mission.path == scene_->mission.path;
    QSet<const render::MapLayer*> kept;
    if (sameMission)
        for (const render::LoadedLayer& l : scene_->layers)
            kept.insert(l.layer.get());
    if (sameMission) {
        for (const render::LoadedLayer& l : previous->layers)
            if (!kept.contains(l.layer.get()))
                tiles_.removeLayer(l.spec.id);
    } else {
        tiles_.clear();
        failed_.clear();
    }
    renderer_.cancelAll();
    clearComposites();
    QList<std::shared_ptr<const render::MapLayer>> layers;
    if (scene_) {
        for (const render::LoadedLayer& l : scene_->layers)
            if (!l.isBroken() && l.spec.visible)
                layers.append(l.layer);
    }
    takeRecords();
    if (!sameMission) { // another mission's markers must not stand in, nor arrive late
        overlayShown_ = {};
        overlayImage_ = QImage();
        overlayDiscardBelow_ = *overlayRevision_;
    }
    renderer_.setLayers(layers);
    if (sameMission) {
        viewUpdated();
        return;
    }
    viewInitialised_ = false;
    if (scene_ && width() > 0 && height() > 0)
        zoomToMission();
    else
        viewUpdated();
}

void MapItem::zoomToLayer(qint64 layerId) {
    const QSize size = QSizeF(width(), height()).toSize();
    if (!scene_ || size.isEmpty())
        return;
    for (const render::LoadedLayer& l : scene_->layers)
        if (l.spec.id == layerId && !l.isBroken() && !l.layer->extent().isEmpty()) {
            // A little margin so that the layer's edges are not on the window's.
            geo::Extent e = l.layer->extent();
            const double mx = e.width() * 0.05;
            const double my = e.height() * 0.05;
            view_ = render::Viewport::fitting({e.minX - mx, e.minY - my, e.maxX + mx, e.maxY + my},
                                              size);
            viewInitialised_ = true;
            viewUpdated();
            return;
        }
}

void MapItem::geometryChange(const QRectF& newGeometry, const QRectF& oldGeometry) {
    QQuickItem::geometryChange(newGeometry, oldGeometry);
    const QSize size = newGeometry.size().toSize();
    if (size.isEmpty())
        return;
    if (!viewInitialised_ && scene_) {
        view_.setSize(size);
        zoomToMission();
        return;
    }
    view_.setSize(size);
    viewUpdated();
}

void MapItem::zoomToMission() {
    const QSize size = QSizeF(width(), height()).toSize();
    if (size.isEmpty())
        return;
    if (!homeExtent_.isEmpty())
        view_ = render::Viewport::fittingGeographic(
            {homeExtent_.left(), homeExtent_.top(), homeExtent_.right(), homeExtent_.bottom()},
            size);
    else if (scene_ && !scene_->mission.info.initialView.isEmpty())
        view_ = render::Viewport::fittingGeographic(scene_->mission.info.initialView, size);
    else
        view_ = render::Viewport::fitting(geo::webmercator::worldExtent(), size);
    viewInitialised_ = true;
    viewUpdated();
}

void MapItem::setHomeExtent(const QRectF& extent) {
    if (homeExtent_ == extent)
        return;
    homeExtent_ = extent;
    emit homeExtentChanged();
    if (scene_)
        zoomToMission();
}

void MapItem::setInteractive(bool interactive) {
    if (interactive_ == interactive)
        return;
    interactive_ = interactive;
    setAcceptedMouseButtons(interactive ? Qt::LeftButton : Qt::NoButton);
    setAcceptHoverEvents(interactive);
    setActiveFocusOnTab(interactive);
    emit interactiveChanged();
}

void MapItem::setShowOverlay(bool show) {
    if (showOverlay_ == show)
        return;
    showOverlay_ = show;
    emit showOverlayChanged();
    overlayChanged();
}

void MapItem::setLabelKeepClear(const QList<QRectF>& rects) {
    if (overlay_.keepClear == rects)
        return;
    overlay_.keepClear = rects;
    emit labelKeepClearChanged();
    overlayChanged();
}

void MapItem::setTool(Tool tool) {
    if (tool_ == tool)
        return;
    tool_ = tool;
    emit toolChanged();
}

void MapItem::clickAt(double x, double y) {
    if (!view_.isValid() || !interactive_)
        return;
    const geo::GeoPoint at = view_.toGeo(QPointF(x, y));
    if (tool_ == Tool::Place) {
        emit placed(at.lon, at.lat);
        return;
    }
    if (tool_ == Tool::Measure || tool_ == Tool::Draw)
        overlay_.measure.append(at);
    else if (tool_ == Tool::RangeRings) {
        overlay_.ringCentre = at;
        ringsPlaced_ = true;
        overlay_.ringRadii.clear();
        for (const double km : ringRadiiKm_)
            overlay_.ringRadii.append(km * 1000.0);
    } else {
        // Panning: a click on a cluster zooms in on it (twice as close, centred); else it picks
        // the incident under it, or clears the pick on empty ground.
        if (const std::optional<QPointF> cluster =
                render::OverlayPainter::clusterAt(view_, overlay_, QPointF(x, y))) {
            panBy(width() / 2.0 - cluster->x(), height() / 2.0 - cluster->y());
            zoomAt(width() / 2.0, height() / 2.0, 2.0);
            return;
        }
        if (mission_)
            mission_->setSelectedIncident(incidentAt(x, y));
        return;
    }
    emit measureChanged();
    overlayChanged();
}

void MapItem::clearMeasure() {
    overlay_.measure.clear();
    overlay_.ringRadii.clear();
    ringsPlaced_ = false;
    emit measureChanged();
    overlayChanged();
}

void MapItem::setMeasurePoints(const QList<geo::GeoPoint>& points) {
    overlay_.measure = points;
    emit measureChanged();
    overlayChanged();
}

void MapItem::setMeasurePath(bool path) {
    if (overlay_.measurePath == path)
        return;
    overlay_.measurePath = path;
    emit measureChanged();
    overlayChanged();
}

void MapItem::removeLastPoint() {
    if (overlay_.measure.isEmpty())
        return;
    overlay_.measure.removeLast();
    emit measureChanged();
    overlayChanged();
}

QList<double> MapItem::ringRadiiKm() const {
    return ringRadiiKm_;
}

void MapItem::setRingRadiiKm(const QList<double>& radii) {
    ringRadiiKm_ = radii;
    if (ringsPlaced_) {
        overlay_.ringRadii.clear();
        for (const double km : ringRadiiKm_)
            overlay_.ringRadii.append(km * 1000.0);
        overlayChanged();
    }
    emit measureChanged();
}

QString MapItem::measureText() const {
    QStringList parts;
    const QList<geo::GeoPoint>& points = overlay_.measure;
    if (points.size() >= 2) {
        const double metres = geo::geodesy::pathLength(points);
        parts.append(metres >= 10000
                         ? QStringLiteral("Distance %1 km").arg(metres / 1000.0, 0, 'f', 1)
                         : QStringLiteral("Distance %1 m").arg(metres, 0, 'f', 0));
        const double bearing =
            geo::geodesy::inverse(points[points.size() - 2], points.last()).initialBearingDeg;
        parts.append(
            QStringLiteral("last leg %1°").arg(qRound(bearing) % 360, 3, 10, QLatin1Char('0')));
    } else if (points.size() == 1) {
        parts.append(QStringLiteral("Click the next point"));
    }
    if (points.size() >= 3 && !overlay_.measurePath) {
        const double km2 = geo::geodesy::polygon(points).areaSquareMetres / 1e6;
        parts.append(QStringLiteral("area %L1 km²").arg(km2, 0, 'f', km2 < 100 ? 2 : 0));
    }
    if (ringsPlaced_)
        parts.append(QStringLiteral("rings at %1").arg(geo::formatLatLon(overlay_.ringCentre, 3)));
    return parts.join(QStringLiteral(" · "));
}

QRectF MapItem::geoExtent() const {
    if (!view_.isValid())
        return {};
    const geo::Extent e = view_.extent();
    const geo::GeoPoint sw = geo::webmercator::unproject({e.minX, e.minY});
    const geo::GeoPoint ne = geo::webmercator::unproject({e.maxX, e.maxY});
    return QRectF(QPointF(sw.lon, sw.lat), QPointF(ne.lon, ne.lat));
}

QRectF MapItem::pixelRectOf(const QRectF& geoRect) const {
    if (!view_.isValid())
        return {};
    // x = west, y = south: the top-left pixel is (west, north).
    const QPointF topLeft = view_.toPixel(geo::GeoPoint{geoRect.left(), geoRect.bottom()});
    const QPointF bottomRight = view_.toPixel(geo::GeoPoint{geoRect.right(), geoRect.top()});
    return QRectF(topLeft, bottomRight).normalized();
}

void MapItem::showExtent(double west, double south, double east, double north) {
    const QSize size = QSizeF(width(), height()).toSize();
    if (size.isEmpty())
        return;
    view_ = render::Viewport::fittingGeographic({west, south, east, north}, size);
    viewInitialised_ = true;
    viewUpdated();
}

void MapItem::scheduleStaleRepaint() {
    armForNextStale(staleClock_, overlay_.staleAt);
}

void MapItem::viewUpdated() {
    if (!hovered_.isEmpty()) // the marker moved from under the pointer
        setHovered(-1);
    moving_ = true;
    settle_.start();
    setComplete(false);
    emit viewChanged();
    if (hasCursor_)
        emit cursorChanged();
    polish();
}

void MapItem::tileArrived(render::TileKey key, const QImage& image) {
    tiles_.insert(key, image);
    polish();
}

void MapItem::clearComposites() {
    composites_.clear();
    compositing_.clear();
    ++compositeGeneration_;
}

void MapItem::startComposite(render::TileId cell, QList<CompositePart> parts) {
    compositing_.insert(cell);
    const int tileSize = renderer_.pyramid().tileSize();
    const qint64 generation = compositeGeneration_;
    compositor_.start([this, cell, parts = std::move(parts), tileSize, generation] {
        threadcheck::backgroundPriority();
        // Opaque pixels in a format with alpha: the software renderer tracks what an opaque
        // node hides from the nodes beneath, region arithmetic that over a hundred composites
        // (zoomed out) cost more than it saved, since nothing is drawn beneath them anyway.
        // Measured alternately: frames over 16 ms 14-40 with RGB32, 5-14 with this.
        QImage image(tileSize, tileSize, QImage::Format_ARGB32_Premultiplied);
        image.fill(render::palette::mapBackground());
        QPainter painter(&image);
        painter.setRenderHint(QPainter::SmoothPixmapTransform);
        for (const CompositePart& part : parts) {
            painter.setOpacity(part.opacity);
            painter.drawImage(part.target.isEmpty() ? QRectF(0, 0, tileSize, tileSize)
                                                    : part.target,
                              part.image, part.source);
        }
        painter.end();
        QMetaObject::invokeMethod(
            this,
            [this, cell, generation, image = std::move(image)] {
                if (generation != compositeGeneration_ || !compositing_.remove(cell))
                    return; // the stack changed meanwhile: drawn from tiles it no longer has
                composites_.insert(cell, new QImage(image));
                polish();
            },
            Qt::QueuedConnection);
    });
}

namespace {
/// Texture keys of composites: below every layer id, one range per generation.
constexpr qint64 kCompositeKeyBase = std::numeric_limits<qint64>::min() / 2;
} // namespace

void MapItem::updatePolish() {
    frame_.clear();
    smoothFrame_ = !moving_;
    if (!view_.isValid() || !scene_) {
        overlayImage_ = QImage();
        overlayShown_ = {};
        update();
        return;
    }
    const render::TilePyramid& pyramid = renderer_.pyramid();
    const int tileSize = pyramid.tileSize();
    QHash<double, QList<render::TilePlacement>> placementsBySlack;
    struct Visible {
        const render::LoadedLayer* layer;
        int stackIndex;
        double slack;
        int z; ///< the layer's tile level for this view
    };
    QList<Visible> visible;
    int stackIndex = 0;
    for (const render::LoadedLayer& layer : scene_->layers) {
        ++stackIndex;
        if (layer.isBroken() || !layer.spec.visible)
            continue;
        const double slack = layer.layer->levelSlack();
        if (!placementsBySlack.contains(slack))
            placementsBySlack.insert(slack, pyramid.placements(view_, slack));
        visible.append({&layer, stackIndex, slack, pyramid.zoomFor(view_.resolution(), slack)});
    }

    // The grid composites are made on: when still, the finest among the layers' levels, so that
    // every layer stays as sharp as it was drawn. While the view moves, the nearest level (as
    // imagery takes it): zoomed out, the finest level puts up to 140 cells on the screen, each
    // shrunk to half its size, and the software renderer then reads three times the frame's
    // pixels; on the nearest level a cell is shrunk or enlarged by at most 1.41x.
    QList<render::TilePlacement> grid;
    for (const QList<render::TilePlacement>& placements : std::as_const(placementsBySlack))
        if (!placements.isEmpty() &&
            (grid.isEmpty() || placements.first().tile.z > grid.first().tile.z))
            grid = placements;
    if (!smoothFrame_ && !grid.isEmpty()) {
        QList<render::TilePlacement> nearest =
            pyramid.placements(view_, render::TilePyramid::kNearestSlack);
        if (!nearest.isEmpty() && nearest.first().tile.z < grid.first().tile.z)
            grid = std::move(nearest);
    }
    const int gridZ = grid.isEmpty() ? 0 : grid.first().tile.z;
    // The part of a layer's tile `t` (at its own, coarser or equal level) that covers `cell`.
    auto partOf = [&](render::TileId t, render::TileId cell) {
        const int levels = cell.z - t.z;
        const double part = double(tileSize) / (1 << levels);
        return QRectF((cell.x - (t.x << levels)) * part, (cell.y - (t.y << levels)) * part, part,
                      part);
    };
    auto ancestorAt = [](render::TileId t, int z) {
        while (t.z > z)
            t = t.parent();
        return t;
    };
    // The composites of this frame, each over its cell. A cell whose own is not made yet takes
    // one from the level above (zooming in) or its four from the level below (zooming out), as
    // long as those are still held: one opaque image over the cell instead of every layer with
    // its own stand-in, which made the slowest frames of a zoom (the software renderer blends
    // each of them in full).
    QSet<render::TileId> composited;
    QList<DrawTile> compositeTiles;
    auto compositeTile = [&](render::TileId tile, const QImage& image, QRectF target,
                             QRectF source) {
        compositeTiles.append({{kCompositeKeyBase + compositeGeneration_, tile},
                               image,
                               target,
                               source,
                               1.0,
                               stackIndex + 1});
    };
    auto standInFor = [&](const render::TilePlacement& cell) {
        render::TileId up = cell.tile;
        for (int level = 1; level <= kAncestorLevels && up.z > 0; ++level) {
            up = up.parent();
            if (const QImage* image = composites_.object(up)) {
                compositeTile(up, *image, cell.target, partOf(up, cell.tile));
                return true;
            }
        }
        const render::TileId t = cell.tile;
        const std::array<render::TileId, 4> children{{{t.z + 1, 2 * t.x, 2 * t.y},
                                                      {t.z + 1, 2 * t.x + 1, 2 * t.y},
                                                      {t.z + 1, 2 * t.x, 2 * t.y + 1},
                                                      {t.z + 1, 2 * t.x + 1, 2 * t.y + 1}}};
        std::array<const QImage*, 4> images{};
        for (size_t i = 0; i < children.size(); ++i)
            if (!(images[i] = composites_.object(children[i])))
                return false;
        const QSizeF quarter = cell.target.size() / 2;
        for (size_t i = 0; i < children.size(); ++i)
            compositeTile(children[i], *images[i],
                          QRectF(cell.target.topLeft() +
                                     QPointF((i % 2) * quarter.width(), (i / 2) * quarter.height()),
                                 quarter),
                          QRectF(images[i]->rect()));
        return true;
    };
    for (const render::TilePlacement& cell : std::as_const(grid)) {
        if (const QImage* image = composites_.object(cell.tile)) { // object() keeps it recent
            composited.insert(cell.tile);
            compositeTile(cell.tile, *image, cell.target, QRectF(image->rect()));
            continue;
        }
        if (standInFor(cell))
            composited.insert(cell.tile);
        if (visible.isEmpty() || compositing_.contains(cell.tile))
            continue;
        // Every layer's tile over this cell must be sharp (or have failed: drawn as empty): the
        // one tile of a layer at this level or coarser, or all of a finer layer's tiles in it.
        QList<CompositePart> parts;
        bool ready = true;
        for (const Visible& v : std::as_const(visible)) {
            const int finer = std::max(0, v.z - cell.tile.z);
            const int across = 1 << finer;
            const double size = double(tileSize) / across;
            const render::TileId top = ancestorAt(cell.tile, v.z);
            for (int i = 0; ready && i < across * across; ++i) {
                const render::TileId t =
                    finer == 0 ? top
                               : render::TileId{v.z, (cell.tile.x << finer) + i % across,
                                                (cell.tile.y << finer) + i / across};
                const render::TileKey key{v.layer->spec.id, t};
                if (const QImage* sharp = tiles_.find(key)) {
                    if (finer == 0)
                        parts.append({*sharp, partOf(t, cell.tile), v.layer->spec.opacity, {}});
                    else
                        parts.append(
                            {*sharp, QRectF(sharp->rect()), v.layer->spec.opacity,
                             QRectF((i % across) * size, (i / across) * size, size, size)});
                } else if (!failed_.contains(key)) {
                    ready = false;
                }
            }
            if (!ready)
                break;
        }
        if (ready)
            startComposite(cell.tile, std::move(parts));
    }
    // A layer's tile is hidden when every grid cell it covers is composited (a tile finer
    // than the grid lies in one cell).
    auto hidden = [&](render::TileId t) {
        if (t.z > gridZ)
            return composited.contains(ancestorAt(t, gridZ));
        const int levels = gridZ - t.z;
        for (int y = t.y << levels; y < (t.y + 1) << levels; ++y)
            for (int x = t.x << levels; x < (t.x + 1) << levels; ++x) {
                const render::TileId cell{gridZ, x, y};
                if (!composited.contains(cell) &&
                    pyramid.targetRect(view_, cell).intersects(QRectF(QPointF(0, 0), view_.size())))
                    return false;
            }
        return true;
    };

    QList<render::TileKey> wanted;
    bool allSharp = true;
    for (const Visible& v : std::as_const(visible)) {
        const qint64 id = v.layer->spec.id;
        for (const render::TilePlacement& placement : std::as_const(placementsBySlack[v.slack])) {
            const render::TileKey key{id, placement.tile};
            const bool covered = hidden(placement.tile);
            if (const QImage* sharp = tiles_.find(key)) {
                if (!covered)
                    frame_.append({key, *sharp, placement.target, QRectF(sharp->rect()),
                                   v.layer->spec.opacity, v.stackIndex});
                continue;
            }
            if (failed_.contains(key))
                continue;
            allSharp = false;
            wanted.append(key);
            if (covered)
                continue; // a composite stands in over all of it
            // Stand in with the nearest ancestor we have, cropped to this tile's part of it.
            render::TileId up = placement.tile;
            for (int level = 1; level <= kAncestorLevels && up.z > 0; ++level) {
                up = up.parent();
                const QImage* ancestor = tiles_.find({id, up});
                if (!ancestor)
                    continue;
                frame_.append({{id, up},
                               *ancestor,
                               placement.target,
                               partOf(up, placement.tile),
                               v.layer->spec.opacity,
                               v.stackIndex});
                break;
            }
        }
    }
    // Layers in stack order; within a layer, stand-in ancestors under the sharp tiles. The
    // composites (opaque pixels) go on top, exactly over their cells; the layer tiles they
    // would hide are already left out.
    std::stable_sort(frame_.begin(), frame_.end(), [](const DrawTile& a, const DrawTile& b) {
        return std::pair(a.stackIndex, a.key.tile.z) < std::pair(b.stackIndex, b.key.tile.z);
    });
    frame_.append(compositeTiles);
    renderer_.request(wanted);

    // The overlay: the last one painted, placed where its view lies in this one; a newer one
    // is asked for when it is out of date and none is being painted.
    const qreal dpr = window() ? window()->effectiveDevicePixelRatio() : 1.0;
    if (overlayEmpty()) {
        overlayShown_ = {QImage(), view_, *overlayRevision_, {}};
    } else if (!overlayPainting_ && !recordsPending_ && !isOverlayCurrent(dpr)) {
        // (While a window's records are being taken, the overlay of the old ones is not painted
        // again: it would be thrown away.)
        startOverlayPaint(dpr);
    }
    overlayImage_ = overlayShown_.image;
    overlayPieces_.clear();
    if (!overlayImage_.isNull()) {
        // Where the painted view's pixels fall in this one: a scale and an offset.
        const render::Viewport& painted = overlayShown_.view;
        const QPointF origin = view_.toPixel(painted.toMap(QPointF(0, 0)));
        const double scale = painted.resolution() / view_.resolution();
        // Moved by a fraction of a pixel, the software renderer draws through its transformed
        // path, at several times the cost of a copy: a pan snaps the overlay to whole pixels.
        const bool pan = std::abs(scale - 1.0) < 1e-9;
        const QPointF offset =
            pan ? QPointF(std::round(origin.x()), std::round(origin.y())) : origin;
        const qreal dprPainted = overlayImage_.devicePixelRatio();
        for (const QRect& inked : std::as_const(overlayShown_.inked)) {
            const QRectF logical(QPointF(inked.topLeft()) / dprPainted,
                                 QSizeF(inked.size()) / dprPainted);
            overlayPieces_.append(
                {QRectF(offset + logical.topLeft() * scale, logical.size() * scale),
                 QRectF(inked)});
        }
    }

    update();
    setComplete(allSharp && wanted.isEmpty() && smoothFrame_ && isOverlayCurrent(dpr));
}

bool MapItem::overlayEmpty() const {
    return !showOverlay_ || (overlay_.incidents.isEmpty() && overlay_.routes.isEmpty() &&
                             overlay_.annotations.isEmpty() && overlay_.places.empty() &&
                             overlay_.measure.isEmpty() && overlay_.ringRadii.isEmpty());
}

bool MapItem::isOverlayCurrent() const {
    return isOverlayCurrent(window() ? window()->effectiveDevicePixelRatio() : 1.0);
}

bool MapItem::isOverlayCurrent(qreal dpr) const {
    if (recordsPending_ || overlayShown_.revision != *overlayRevision_ ||
        !(overlayShown_.view == view_))
        return false;
    return overlayShown_.image.isNull() ? overlayEmpty()
                                        : overlayShown_.image.devicePixelRatio() == dpr;
}

void MapItem::startOverlayPaint(qreal dpr) {
    overlayPainting_ = true;
    QImage buffer = std::exchange(overlaySpare_, QImage());
    const QSize pixels = (QSizeF(view_.size()) * dpr).toSize();
    if (buffer.size() != pixels || !buffer.isDetached())
        buffer = QImage(pixels, QImage::Format_ARGB32_Premultiplied);
    buffer.setDevicePixelRatio(dpr);
    // The content is a copy: its lists are shared, not copied, and the GUI thread may change
    // its own meanwhile.
    overlayPainter_.start([this, buffer = std::move(buffer), view = view_, content = overlay_,
                           revision = overlayRevision_->load(),
                           latest = overlayRevision_]() mutable {
        threadcheck::backgroundPriority();
        QElapsedTimer clock;
        clock.start();
        buffer.fill(Qt::transparent);
        QPainter painter(&buffer);
        // A change of content (not of view: while the view moves, every paint must finish)
        // makes this one useless: stop, and the next starts at once.
        const bool finished = render::OverlayPainter::paint(
            painter, view, content, [&latest, revision] { return latest->load() != revision; });
        painter.end();
        QList<QRect> inked = finished ? inkedPieces(buffer) : QList<QRect>();
        const double ms = static_cast<double>(clock.nsecsElapsed()) / 1e6;
        QMetaObject::invokeMethod(
            this,
            [this, image = std::move(buffer), inked = std::move(inked), view, revision, ms,
             finished]() mutable {
                overlayPainting_ = false;
                if (!finished || revision < overlayDiscardBelow_) {
                    overlaySpare_ = std::move(image);
                    polish();
                    return;
                }
                ++overlaysPainted_;
                lastOverlayPaintMs_ = ms;
                overlaySpare_ = std::exchange(overlayShown_.image, std::move(image));
                overlayShown_.view = view;
                overlayShown_.inked = std::move(inked);
                overlayShown_.revision = revision;
                polish();
            },
            Qt::QueuedConnection);
    });
}

QSGNode* MapItem::updatePaintNode(QSGNode* old, UpdatePaintNodeData*) {
    // A new root every frame, built complete before it is handed over: Qt 6.4's software
    // renderer places nodes appended to an already attached subtree without the item's
    // transform (they land at the window's origin). The textures carry over from the old root.
    auto* previous = static_cast<MapRootNode*>(old);
    auto* root = new MapRootNode;
    if (previous) {
        root->textures = std::exchange(previous->textures, {});
        root->overlay = std::exchange(previous->overlay, nullptr);
        root->overlayKey = previous->overlayKey;
        delete previous;
    }
    QQuickWindow* win = window();
    if (!win)
        return root;

    // Textures for the tiles of this frame; those no longer drawn are released.
    QHash<render::TileKey, QSGTexture*> used;
    for (const DrawTile& tile : std::as_const(frame_)) {
        QSGTexture* texture = used.value(tile.key);
        if (!texture)
            texture = root->textures.take(tile.key);
        if (!texture)
            texture = win->createTextureFromImage(tile.image);
        const auto filtering = smoothFrame_ ? QSGTexture::Linear : QSGTexture::Nearest;
        texture->setFiltering(filtering);
        used.insert(tile.key, texture);
        auto* node = win->createImageNode();
        node->setTexture(texture);
        node->setOwnsTexture(false);
        node->setFiltering(filtering);
        node->setRect(tile.target);
        node->setSourceRect(tile.source);
        if (tile.opacity < 1.0) {
            auto* opacity = new QSGOpacityNode;
            opacity->setOpacity(tile.opacity);
            opacity->setFlag(QSGNode::OwnedByParent);
            opacity->appendChildNode(node);
            root->appendChildNode(opacity);
        } else {
            root->appendChildNode(node);
        }
    }
    qDeleteAll(root->textures);
    root->textures = used;

    // The overlay's texture is made again only when a new overlay came: the software scene
    // graph copies the image into a pixmap (8 MB at 1080p) for each texture.
    if (overlayImage_.isNull() || root->overlayKey != overlayImage_.cacheKey()) {
        delete root->overlay;
        root->overlay = nullptr;
        root->overlayKey = 0;
    }
    if (!overlayImage_.isNull()) {
        if (!root->overlay) {
            root->overlay = win->createTextureFromImage(overlayImage_);
            root->overlayKey = overlayImage_.cacheKey();
        }
        for (const OverlayPiece& piece : std::as_const(overlayPieces_)) {
            auto* node = win->createImageNode();
            node->setTexture(root->overlay);
            node->setOwnsTexture(false);
            node->setFiltering(smoothFrame_ ? QSGTexture::Linear : QSGTexture::Nearest);
            node->setRect(piece.target);
            node->setSourceRect(piece.source);
            root->appendChildNode(node);
        }
    }
    return root;
}

void MapItem::setComplete(bool complete) {
    if (complete_ == complete)
        return;
    complete_ = complete;
    emit completeChanged();
}

void MapItem::panBy(double dx, double dy) {
    view_.panBy(QPointF(dx, dy));
    viewUpdated();
}

void MapItem::zoomAt(double x, double y, double factor) {
    view_.zoomAbout(QPointF(x, y), factor);
    viewUpdated();
}

void MapItem::zoomIn() {
    zoomAt(width() / 2, height() / 2, 2.0);
}
void MapItem::zoomOut() {
    zoomAt(width() / 2, height() / 2, 0.5);
}

int MapItem::zoomLevel() const {
    return view_.isValid() ? renderer_.pyramid().zoomFor(view_.resolution()) : 0;
}

void MapItem::mousePressEvent(QMouseEvent* event) {
    forceActiveFocus(Qt::MouseFocusReason);
    dragging_ = true;
    dragLast_ = event->position();
    pressAt_ = event->position();
    event->accept();
}

void MapItem::mouseMoveEvent(QMouseEvent* event) {
    if (dragging_) {
        const QPointF delta = event->position() - dragLast_;
        dragLast_ = event->position();
        panBy(delta.x(), delta.y());
    }
    setCursor(event->position());
    event->accept();
}

void MapItem::mouseReleaseEvent(QMouseEvent* event) {
    dragging_ = false;
    // A press and release in (nearly) the same place is a click, not a drag.
    if (QLineF(pressAt_, event->position()).length() < 4.0)
        clickAt(event->position().x(), event->position().y());
    event->accept();
}

void MapItem::mouseDoubleClickEvent(QMouseEvent* event) {
    zoomAt(event->position().x(), event->position().y(), 2.0);
    event->accept();
}

void MapItem::wheelEvent(QWheelEvent* event) {
    if (!interactive_) {
        event->ignore();
        return;
    }
    // One notch (120) zooms by sqrt(2): two notches per zoom level, smooth on touchpads.
    const double notches = event->angleDelta().y() / 120.0;
    if (notches != 0.0)
        zoomAt(event->position().x(), event->position().y(), std::pow(2.0, notches / 2.0));
    setCursor(event->position());
    event->accept();
}

// Touch: one finger drags the map (a tap is a click), two fingers pinch: the map zooms by the
// change of their distance about their midpoint and follows the midpoint as it moves. Each
// update applies the change since the previous one, so lifting or adding a finger never jumps.
void MapItem::touchEvent(QTouchEvent* event) {
    if (!interactive_) {
        event->ignore();
        return;
    }
    const QList<QEventPoint>& points = event->points();
    if (event->type() == QEvent::TouchBegin) {
        forceActiveFocus(Qt::OtherFocusReason);
        touchLast_.clear();
        pressAt_ = points.isEmpty() ? QPointF() : points.first().position();
        touchMoved_ = false;
    }
    // Where each finger was at the previous event (kept here: the item sees its own positions).
    struct Finger {
        QPointF before;
        QPointF now;
    };
    QList<Finger> down;
    for (const QEventPoint& point : points) {
        const QPointF before = touchLast_.value(point.id(), point.position());
        if (point.state() == QEventPoint::Released) {
            touchLast_.remove(point.id());
            continue;
        }
        touchLast_.insert(point.id(), point.position());
        down.append({before, point.position()});
    }
    if (down.size() >= 2) {
        const Finger& a = down[0];
        const Finger& b = down[1];
        const QPointF before = (a.before + b.before) / 2.0;
        const QPointF now = (a.now + b.now) / 2.0;
        const double spanBefore = QLineF(a.before, b.before).length();
        const double spanNow = QLineF(a.now, b.now).length();
        if (now != before || spanNow != spanBefore) {
            view_.panBy(now - before);
            if (spanBefore > 1.0 && spanNow > 1.0)
                view_.zoomAbout(now, spanNow / spanBefore);
            touchMoved_ = true;
            viewUpdated();
        }
    } else if (down.size() == 1 && event->type() == QEvent::TouchUpdate) {
        const Finger& finger = down[0];
        if (touchMoved_ || QLineF(pressAt_, finger.now).length() >= 4.0) {
            touchMoved_ = true;
            const QPointF delta = finger.now - finger.before;
            panBy(delta.x(), delta.y());
        }
    } else if (event->type() == QEvent::TouchEnd && !touchMoved_ && points.size() == 1) {
        clickAt(points.first().position().x(), points.first().position().y());
    }
    event->accept();
}

// Trackpad pinch arrives as native zoom gestures (value: the relative change in scale).
bool MapItem::event(QEvent* event) {
    if (event->type() == QEvent::NativeGesture && interactive_) {
        auto* gesture = static_cast<QNativeGestureEvent*>(event);
        if (gesture->gestureType() == Qt::ZoomNativeGesture) {
            zoomAt(gesture->position().x(), gesture->position().y(), 1.0 + gesture->value());
            event->accept();
            return true;
        }
    }
    return QQuickItem::event(event);
}

void MapItem::hoverMoveEvent(QHoverEvent* event) {
    setCursor(event->position());
    setHovered(incidentIndexAt(event->position().x(), event->position().y()));
}

void MapItem::hoverLeaveEvent(QHoverEvent*) {
    hasCursor_ = false;
    emit cursorChanged();
    setHovered(-1);
}

void MapItem::setHovered(qsizetype index) {
    const QString uuid = index >= 0 ? overlay_.incidents[index].uuid : QString();
    if (uuid == hovered_.value(QStringLiteral("uuid")).toString())
        return;
    hovered_.clear();
    if (index >= 0) {
        const store::Incident& i = overlay_.incidents[index];
        const QPointF at = overlay_.incidentPixel(view_, index);
        hovered_ = {{QStringLiteral("uuid"), i.uuid},
                    {QStringLiteral("title"), i.title},
                    {QStringLiteral("severity"), store::toString(i.severity)},
                    {QStringLiteral("status"), store::toString(i.status)},
                    {QStringLiteral("category"), store::categoryLabel(i.category)},
                    {QStringLiteral("observed"),
                     i.observedAt.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"))},
                    {QStringLiteral("x"), at.x()},
                    {QStringLiteral("y"), at.y()}};
    }
    emit hoveredChanged();
}

void MapItem::keyPressEvent(QKeyEvent* event) {
    if (!interactive_) {
        QQuickItem::keyPressEvent(event);
        return;
    }
    const double step = 100.0;
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomIn();
        break;
    case Qt::Key_Minus:
        zoomOut();
        break;
    case Qt::Key_Left:
        panBy(step, 0);
        break;
    case Qt::Key_Right:
        panBy(-step, 0);
        break;
    case Qt::Key_Up:
        panBy(0, step);
        break;
    case Qt::Key_Down:
        panBy(0, -step);
        break;
    case Qt::Key_Home:
        zoomToMission();
        break;
    case Qt::Key_H:
        setHeatmap(!heatmap());
        break;
    case Qt::Key_Escape:
        clearMeasure();
        break;
    case Qt::Key_Backspace:
        if (tool_ != Tool::Measure && tool_ != Tool::Draw) {
            QQuickItem::keyPressEvent(event);
            return;
        }
        removeLastPoint();
        break;
    default:
        QQuickItem::keyPressEvent(event);
        return;
    }
    event->accept();
}

void MapItem::setCursor(QPointF pixel) {
    if (!view_.isValid())
        return;
    cursor_ = view_.toGeo(pixel);
    hasCursor_ = true;
    emit cursorChanged();
}

QString MapItem::cursorLatLon() const {
    return hasCursor_ ? geo::formatLatLon(cursor_) : QString();
}

QString MapItem::cursorMgrs() const {
    return hasCursor_ ? geo::geodesy::toMgrs(cursor_, 5) : QString();
}

namespace {
/// A round ground distance (1, 2 or 5 x 10^n metres) that fits in about 120 pixels.
double niceScaleMetres(double metresPerPixel) {
    const double target = metresPerPixel * 120.0;
    const double magnitude = std::pow(10.0, std::floor(std::log10(target)));
    for (const double step : {5.0, 2.0, 1.0})
        if (step * magnitude <= target)
            return step * magnitude;
    return magnitude;
}
/// Ground metres per view pixel at the centre (Web Mercator stretches by 1/cos(lat)).
double groundResolution(const render::Viewport& view) {
    const geo::GeoPoint c = geo::webmercator::unproject(view.center());
    return view.resolution() * std::cos(c.lat * M_PI / 180.0);
}
} // namespace

QString MapItem::scaleText() const {
    if (!view_.isValid())
        return {};
    const double metres = niceScaleMetres(groundResolution(view_));
    return metres >= 1000.0 ? QStringLiteral("%1 km").arg(metres / 1000.0)
                            : QStringLiteral("%1 m").arg(metres);
}

double MapItem::scaleBarWidth() const {
    if (!view_.isValid())
        return 0.0;
    const double ground = groundResolution(view_);
    return niceScaleMetres(ground) / ground;
}

} // namespace tessera::quick
