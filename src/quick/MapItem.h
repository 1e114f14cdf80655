// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quick/MissionController.h"
#include "render/OverlayPainter.h"
#include "render/TileCache.h"
#include "render/TileRenderer.h"
#include "render/Viewport.h"

#include <QCache>
#include <QHash>
#include <QImage>
#include <QPointer>
#include <QQuickItem>
#include <QSet>
#include <QThreadPool>
#include <QTimer>
#include <QtQml/qqmlregistration.h>

#include <atomic>
#include <memory>

namespace tessera::render {
struct MapScene;
}

namespace tessera::quick {

/// The map: imagery and vector tiles from the tile renderer, and the operational overlay, drawn
/// through the scene graph. Drag pans, the wheel zooms about the cursor, +/- and arrows work too.
///
/// Threads: GUI thread, except updatePaintNode() which runs on the render thread while the GUI
/// thread is blocked (Qt's contract); it only turns the frame prepared in updatePolish() into
/// nodes. Tiles are rendered on the TileRenderer's workers; while a tile is missing the item shows
/// the nearest cached ancestor, scaled, and swaps in the sharp tile when it arrives.
class MapItem : public QQuickItem {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(tessera::quick::MissionController* mission READ mission WRITE setMission NOTIFY
                   missionChanged)
    Q_PROPERTY(bool hasCursor READ hasCursor NOTIFY cursorChanged)
    /// The incident under the pointer ({uuid, title, severity, category, observed, x, y}: the
    /// marker's pixel), empty when none: for a tooltip.
    Q_PROPERTY(QVariantMap hovered READ hovered NOTIFY hoveredChanged)
    Q_PROPERTY(QString cursorLatLon READ cursorLatLon NOTIFY cursorChanged)
    Q_PROPERTY(QString cursorMgrs READ cursorMgrs NOTIFY cursorChanged)
    Q_PROPERTY(QString scaleText READ scaleText NOTIFY viewChanged)
    Q_PROPERTY(double scaleBarWidth READ scaleBarWidth NOTIFY viewChanged)
    Q_PROPERTY(bool complete READ isComplete NOTIFY completeChanged)
    Q_PROPERTY(int zoomLevel READ zoomLevel NOTIFY viewChanged)
    /// The area Home returns to, in degrees (x = west, y = south); empty: the mission's own view.
    Q_PROPERTY(QRectF homeExtent READ homeExtent WRITE setHomeExtent NOTIFY homeExtentChanged)
    /// False for a map that only shows (an overview): no pan, zoom or cursor.
    Q_PROPERTY(bool interactive READ isInteractive WRITE setInteractive NOTIFY interactiveChanged)
    /// Incidents, routes and labels over the tiles.
    Q_PROPERTY(bool showOverlay READ showOverlay WRITE setShowOverlay NOTIFY showOverlayChanged)
    /// A heatmap of the incidents in the time window under the markers.
    Q_PROPERTY(bool heatmap READ heatmap WRITE setHeatmap NOTIFY showOverlayChanged)
    /// Rectangles of this item (panels over the map) where no label is placed.
    Q_PROPERTY(QList<QRectF> labelKeepClear READ labelKeepClear WRITE setLabelKeepClear NOTIFY
                   labelKeepClearChanged)
    /// What a click does: nothing (Pan), add a point to the measurement, or centre range rings.
    /// Dragging pans in every tool.
    Q_PROPERTY(Tool tool READ tool WRITE setTool NOTIFY toolChanged)
    /// "Distance 123.4 km · last leg 045° · area 1,234 km²", or empty.
    Q_PROPERTY(QString measureText READ measureText NOTIFY measureChanged)
    /// Range ring radii in kilometres.
    Q_PROPERTY(
        QList<double> ringRadiiKm READ ringRadiiKm WRITE setRingRadiiKm NOTIFY measureChanged)
    /// What the view shows, in degrees (x = west, y = south).
    Q_PROPERTY(QRectF geoExtent READ geoExtent NOTIFY viewChanged)

public:
    /// Draw: clicks add points for an annotation being drawn (AnnotationDraft), shown as a
    /// measurement is.
    /// Place: a click says where (placed) and changes nothing on the map (an incident's position).
    enum class Tool { Pan, Measure, RangeRings, Draw, Place };
    Q_ENUM(Tool)

    explicit MapItem(QQuickItem* parent = nullptr);
    ~MapItem() override;

    [[nodiscard]] MissionController* mission() const { return mission_; }
    void setMission(MissionController* mission);

    [[nodiscard]] bool hasCursor() const { return hasCursor_; }
    [[nodiscard]] QString cursorLatLon() const;
    [[nodiscard]] QString cursorMgrs() const;
    [[nodiscard]] QString scaleText() const;
    [[nodiscard]] double scaleBarWidth() const;
    /// True when every visible tile is drawn sharp and nothing is pending.
    [[nodiscard]] bool isComplete() const { return complete_; }
    /// How many tile positions have their layers flattened into one image (for tests/diagnostics).
    [[nodiscard]] int compositeCount() const { return static_cast<int>(composites_.size()); }
    /// False while the view moves (tiles drawn with nearest sampling), true once it has been
    /// still long enough for the smooth frame.
    [[nodiscard]] bool isSettled() const { return !moving_; }
    /// True when the overlay on screen was painted for this view and these records. It is
    /// painted on a thread of its own; until the newer one arrives, the last is drawn moved and
    /// scaled to the view, as a tile's ancestor stands in for it.
    [[nodiscard]] bool isOverlayCurrent() const;
    /// Overlays painted so far, and how long the last took on its thread (the benchmark).
    [[nodiscard]] int overlaysPainted() const { return overlaysPainted_; }
    [[nodiscard]] double lastOverlayPaintMs() const { return lastOverlayPaintMs_; }
    /// How long the view must be still to count as settled (tests hold a view "moving").
    void setSettleDelay(int milliseconds) { settle_.setInterval(milliseconds); }
    [[nodiscard]] int zoomLevel() const;
    [[nodiscard]] const render::Viewport& viewport() const { return view_; }
    [[nodiscard]] QRectF homeExtent() const { return homeExtent_; }
    void setHomeExtent(const QRectF& extent);
    [[nodiscard]] bool isInteractive() const { return interactive_; }
    void setInteractive(bool interactive);
    [[nodiscard]] bool showOverlay() const { return showOverlay_; }
    [[nodiscard]] QVariantMap hovered() const { return hovered_; }
    void setShowOverlay(bool show);
    [[nodiscard]] bool heatmap() const { return overlay_.heatmap; }
    void setHeatmap(bool on);
    [[nodiscard]] QRectF geoExtent() const;
    [[nodiscard]] Tool tool() const { return tool_; }
    void setTool(Tool tool);
    [[nodiscard]] QString measureText() const;
    [[nodiscard]] QList<double> ringRadiiKm() const;
    void setRingRadiiKm(const QList<double>& radii);
    /// Clears the measurement and the range rings (Escape).
    Q_INVOKABLE void clearMeasure();
    /// The points clicked with the Measure or Draw tool, in order.
    [[nodiscard]] QList<geo::GeoPoint> measurePoints() const { return overlay_.measure; }
    /// Puts these points in place of the clicked ones (a route taken up again for editing).
    void setMeasurePoints(const QList<geo::GeoPoint>& points);
    /// The clicked points are a path only (a route, a line): no area is filled or measured.
    [[nodiscard]] bool measurePath() const { return overlay_.measurePath; }
    void setMeasurePath(bool path);
    /// Takes back the last point clicked (Backspace while drawing).
    Q_INVOKABLE void removeLastPoint();
    /// What a click at this pixel does in the current tool (tests and touch).
    Q_INVOKABLE void clickAt(double x, double y);
    [[nodiscard]] QList<QRectF> labelKeepClear() const { return overlay_.keepClear; }
    void setLabelKeepClear(const QList<QRectF>& rects);
    /// Where a rectangle in degrees (x = west, y = south) falls in this item's pixels.
    Q_INVOKABLE QRectF pixelRectOf(const QRectF& geoRect) const;

    Q_INVOKABLE void zoomIn();
    Q_INVOKABLE void zoomOut();
    Q_INVOKABLE void zoomToMission();
    /// Shows all of one layer.
    Q_INVOKABLE void zoomToLayer(qint64 layerId);
    /// Sets the view to show `west,south,east,north` (degrees).
    Q_INVOKABLE void showExtent(double west, double south, double east, double north);
    /// Pans by a pixel offset, as a drag would (tests and keyboard).
    Q_INVOKABLE void panBy(double dx, double dy);
    /// Moves the view so that this place is in the middle, at the same zoom.
    Q_INVOKABLE void centreOn(double lon, double lat);
    /// The uuid of the incident whose marker is under this pixel (the one drawn on top), or
    /// empty.
    [[nodiscard]] Q_INVOKABLE QString incidentAt(double x, double y) const;
    Q_INVOKABLE void zoomAt(double x, double y, double factor);

signals:
    void missionChanged();
    void cursorChanged();
    void viewChanged();
    void completeChanged();
    void homeExtentChanged();
    void interactiveChanged();
    void showOverlayChanged();
    void labelKeepClearChanged();
    void toolChanged();
    void measureChanged();
    void hoveredChanged();
    /// A click with the Place tool, in degrees.
    void placed(double lon, double lat);

protected:
    void geometryChange(const QRectF& newGeometry, const QRectF& oldGeometry) override;
    void updatePolish() override;
    QSGNode* updatePaintNode(QSGNode* old, UpdatePaintNodeData* data) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void touchEvent(QTouchEvent* event) override;
    bool event(QEvent* event) override;
    void hoverMoveEvent(QHoverEvent* event) override;
    void hoverLeaveEvent(QHoverEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    struct DrawTile {
        render::TileKey key;
        QImage image;
        QRectF target;
        QRectF source; ///< part of the image to draw (a sub-rectangle when an ancestor stands in)
        double opacity = 1.0;
        int stackIndex = 0; ///< position of the layer in the stack: lower draws first
    };
    void sceneChanged();
    void selectionChanged();
    void timeWindowChanged();
    /// Takes the scene's records in the mission's time window into the overlay.
    void takeRecords();
    /// The records part of `fresh` (SceneRenderer::overlayOf) into the overlay; the user's own
    /// (measurements, rings, selection, keep-clear areas) stays.
    void setRecords(const render::OverlayContent& fresh);
    void viewUpdated();
    void tileArrived(render::TileKey key, const QImage& image);
    void setCursor(QPointF pixel);
    void setComplete(bool complete);

    QPointer<MissionController> mission_;
    std::shared_ptr<const render::MapScene> scene_;
    render::OverlayContent overlay_;
    /// Repaints the overlay when the next CoT marker passes its stale time, so that it turns
    /// grey on a map nobody touches (a wall display in an operations room).
    QTimer staleClock_;
    void scheduleStaleRepaint();
    /// The overlay's content changed: a new one is painted (by the next polish).
    void overlayChanged();
    /// While the view moves, tiles are drawn with nearest sampling: the software scene graph
    /// blends a scaled or sub-pixel tile bilinearly at about twice the cost, and that doubled
    /// the slow frames of a pan or zoom. The view counts as settled once it has been still
    /// for `kSettleMs`; the next frame is smooth, and only that frame can be complete.
    QTimer settle_;
    bool moving_ = false;
    bool smoothFrame_ = true; ///< the filtering of `frame_`, fixed in updatePolish()
    render::Viewport view_;
    bool viewInitialised_ = false;
    render::TileRenderer renderer_;
    render::TileCache tiles_;
    QSet<render::TileKey> failed_;
    // The frame prepared on the GUI thread in updatePolish(), consumed by updatePaintNode().
    QList<DrawTile> frame_;
    /// The overlay of this frame, and where its inked pieces go: the view it was painted for,
    /// in this one's pixels.
    QImage overlayImage_;
    struct OverlayPiece {
        QRectF target;
        QRectF source; ///< in the image's pixels
    };
    QList<OverlayPiece> overlayPieces_;
    /// The overlay (about 10 ms for 100,000 incidents zoomed out, more with the heatmap) is
    /// painted on `overlayPainter_`, one at a time, never in updatePolish(): painted there it
    /// was most of the slowest frames of a pan. The last one finished, with the view and the
    /// revision of `overlay_` it shows; the revision counts changes of the content.
    struct PaintedOverlay {
        QImage image;
        render::Viewport view;
        quint64 revision = 0;
        QList<QRect> inked; ///< the parts of the image with something drawn
    };
    PaintedOverlay overlayShown_;
    /// The content's revision, counted up at each change. Written on the GUI thread only; shared
    /// with the painting thread, which abandons a paint whose content has changed meanwhile
    /// (OverlayPainter::paint's `abandon`) rather than finish it to be thrown away.
    std::shared_ptr<std::atomic<quint64>> overlayRevision_ =
        std::make_shared<std::atomic<quint64>>(1);
    /// The records of a new time window are taken on a worker (100,000 incidents filtered and
    /// projected: 10-20 ms); each change is a generation, and only the newest is taken.
    quint64 recordsGeneration_ = 0;
    bool recordsPending_ = false;
    bool overlayPainting_ = false;
    quint64 overlayDiscardBelow_ = 0; ///< overlays of an earlier mission, still being painted

    /// The image the shown one replaced, painted on again when the scene graph has let it go,
    /// so that a frame does not allocate 8 MB (1080p).
    QImage overlaySpare_;
    int overlaysPainted_ = 0;
    double lastOverlayPaintMs_ = 0;
    void startOverlayPaint(qreal dpr);
    [[nodiscard]] bool overlayEmpty() const;
    [[nodiscard]] bool isOverlayCurrent(qreal dpr) const;
    /// Where every visible layer's tile is sharp, the layers flattened into one opaque image
    /// on the map's background: the frame then draws one layer of tiles instead of the whole
    /// stack (the software scene graph blends every pixel of every layer on every frame).
    /// Emptied whenever the stack changes; the generation keeps their textures apart.
    QCache<render::TileId, QImage> composites_{256};
    qint64 compositeGeneration_ = 0;
    void clearComposites();
    /// One layer's part of a composite: its tile, the part over the cell, its opacity.
    struct CompositePart {
        QImage image;
        QRectF source;
        double opacity = 1.0;
        QRectF target; ///< where in the composite; empty: all of it
    };
    /// Composites are painted on `compositor_`, not in updatePolish(): a change of tile level
    /// wants a screenful (about 40) at once, 1.5-3 ms each, and made on the GUI thread they
    /// were the slowest frames of a zoom. Results come back queued, tagged with their
    /// generation; `compositing_` holds the cells on their way.
    void startComposite(render::TileId cell, QList<CompositePart> parts);
    QSet<render::TileId> compositing_;
    /// Declared last among what a composite touches: destroyed first, it waits for a composite
    /// still being painted before the rest of the item goes.
    QThreadPool compositor_;
    /// The same for the overlay: destroyed first, it waits for the one being painted.
    QThreadPool overlayPainter_;
    QPointF dragLast_;
    bool dragging_ = false;
    bool touchMoved_ = false;       ///< this touch sequence panned or pinched: not a tap
    QHash<int, QPointF> touchLast_; ///< each finger's position at the previous touch event
    bool hasCursor_ = false;
    geo::GeoPoint cursor_;
    bool complete_ = false;
    QRectF homeExtent_;
    bool interactive_ = true;
    bool showOverlay_ = true;
    Tool tool_ = Tool::Pan;
    QVariantMap hovered_;
    /// Incident `index` of the overlay under the pointer (-1: none).
    void setHovered(qsizetype index);
    /// The overlay's incident whose marker is under this pixel (drawn on top), or -1.
    [[nodiscard]] qsizetype incidentIndexAt(double x, double y) const;
    QList<double> ringRadiiKm_{5, 10, 25, 50};
    bool ringsPlaced_ = false;
    QPointF pressAt_;
};

} // namespace tessera::quick
