// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "render/GridIndex.h"
#include "render/Palette.h"
#include "render/VectorLayer.h"
#include "render/Viewport.h"
#include "store/Mission.h"

#include <QPainter>
#include <QPainterPath>

#include <functional>
#include <memory>
#include <optional>

namespace tessera::render {

/// What is drawn above the tiles each frame.
struct OverlayContent {
    QList<store::Incident> incidents;
    /// The incidents' points in Web Mercator, in the same order (SceneRenderer::overlayOf fills
    /// it once, so that a frame does not project every point again); may be empty. A QList, as
    /// the rest: the map hands a copy of the content to its painting thread for every frame.
    QList<geo::MapPoint> incidentPoints;
    /// Those points in a grid, built with them, so that a view zoomed in on a town finds its few
    /// hundred incidents without projecting all 100,000 for each frame; null: none (then all are
    /// looked at). Immutable and shared.
    std::shared_ptr<const GridIndex> incidentIndex;
    geo::Extent incidentExtent; ///< the points' bounds (EPSG:3857), with the grid
    /// Where incident `k` is drawn in `view`, from incidentPoints when they are there.
    [[nodiscard]] QPointF incidentPixel(const Viewport& view, qsizetype k) const;
    /// Calls `visit(k)` for every incident that may lie within `area` (view pixels) of `view`,
    /// in ascending order of k (the order they are drawn in): through the grid when there is
    /// one and the area does not take in all of them, else all of them.
    void forIncidentsNear(const Viewport& view, const QRectF& area,
                          const std::function<void(qsizetype)>& visit) const;
    /// Fills incidentPoints and incidentIndex from the incidents.
    void indexIncidents();
    QList<store::PatrolRoute> routes;
    QList<store::Annotation> annotations;
    /// Stale times of records that came as Cursor-on-Target events (MissionSnapshot::staleAt).
    QHash<QString, QDateTime> staleAt;
    /// The time against which staleness is judged; invalid: the clock when painting.
    QDateTime now;
    std::vector<LabelPoint> places;
    /// View pixels where no label goes: the places panels cover on screen.
    QList<QRectF> keepClear;
    /// A heatmap of the incidents under the markers: where they are dense, weighted by severity.
    bool heatmap = false;
    /// The incident the user picked (its uuid): ringed above everything else. Empty: none.
    QString selectedIncident;
    /// The measuring tool's points (a path; an area from three points on, unless measurePath).
    QList<geo::GeoPoint> measure;
    /// The points are a path only (a route, a line being drawn): no area is filled.
    bool measurePath = false;
    /// Range rings: a centre and radii in metres; no rings when radii is empty.
    geo::GeoPoint ringCentre;
    QList<double> ringRadii;
};

/// Paints the operational picture over the map: analysts' annotations (areas, lines, points with
/// their text), patrol routes with direction and timed waypoints,
/// place labels without collisions, and incident markers coloured and sized by severity (grey
/// inside a dashed ring in their severity's colour once a CoT event's stale time has passed).
/// Markers and labels keep their pixel size at every zoom, which is why they are not in tiles.
/// The selected incident gets a white ring with a dark edge, readable on imagery and on sand.
/// Pure function of its inputs; any thread that owns the QPainter.
class OverlayPainter {
public:
    /// Beyond this many incidents within reach of the screen, markers are gathered into
    /// clusters with counts: ten thousand discs read as a smear, and cost a frame.
    static constexpr qsizetype kClusterAbove = 1500;
    /// The grid of clusters, in pixels.
    static constexpr double kClusterCell = 44.0;
    /// Paints `content` as seen in `view`. `abandon`, when given, is asked now and then (every
    /// few thousand incidents, between layers of the picture): once it says yes, painting stops
    /// and paint() returns false, the image half drawn (the map's painter drops an overlay whose
    /// content has changed meanwhile instead of finishing it).
    static bool paint(QPainter& painter, const Viewport& view, const OverlayContent& content,
                      const std::function<bool()>& abandon = {});
    /// The outline of an incident's marker of `shape` around `at`, about as heavy as a disc of
    /// `radius` (palette::categoryShape): for the map and the legends of products.
    static QPainterPath markerOutline(palette::MarkerShape shape, QPointF at, double radius);
    /// The centre (pixels) of the cluster drawn under `pixel`, when markers are clustered there.
    static std::optional<QPointF> clusterAt(const Viewport& view, const OverlayContent& content,
                                            QPointF pixel);
};

} // namespace tessera::render
