// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "render/OverlayPainter.h"

#include "geo/Geodesy.h"
#include "geo/WebMercator.h"
#include "render/Palette.h"

#include <QFontMetricsF>
#include <QHash>
#include <QImage>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace tessera::render {

namespace {

/// Greedy label placement: a label is drawn only where no earlier (more important) one is.
class LabelPlacer {
public:
    explicit LabelPlacer(QRectF bounds)
        : bounds_(bounds) {}
    bool reserve(const QRectF& r) {
        if (!bounds_.contains(r))
            return false;
        for (const QRectF& taken : taken_)
            if (taken.intersects(r))
                return false;
        taken_.append(r);
        return true;
    }
    void block(const QRectF& r) { taken_.append(r); }

private:
    QRectF bounds_;
    QList<QRectF> taken_;
};

void drawHaloText(QPainter& p, QPointF baseline, const QString& text, const QFont& font,
                  QColor color) {
    // The halo as the text drawn eight times around its place, then the text: glyphs come from
    // the font engine's cache, where a stroked outline path (QStroker, per label, per frame)
    // took as long as the rest of a frame over a few hundred labels.
    p.setFont(font);
    p.setPen(palette::labelHalo());
    static constexpr double kD = 1.5;
    static constexpr double kDiagonal = 1.1;
    for (const QPointF offset : {QPointF(-kD, 0), QPointF(kD, 0), QPointF(0, -kD), QPointF(0, kD),
                                 QPointF(-kDiagonal, -kDiagonal), QPointF(kDiagonal, -kDiagonal),
                                 QPointF(-kDiagonal, kDiagonal), QPointF(kDiagonal, kDiagonal)})
        p.drawText(baseline + offset, text);
    p.setPen(color);
    p.drawText(baseline, text);
}

/// Places a label beside `anchor`: right, left, above, below, then the diagonals, taking the first
/// free spot; returns false when none is free.
bool placeLabel(QPainter& p, LabelPlacer& placer, QPointF anchor, double gap, const QString& text,
                const QFont& font, QColor color) {
    const QFontMetricsF fm(font);
    const double w = fm.horizontalAdvance(text);
    const double h = fm.ascent() + fm.descent();
    const QPointF candidates[] = {
        {gap, -h / 2},
        {-gap - w, -h / 2},
        {-w / 2, -gap - h},
        {-w / 2, gap},
        {gap * 0.7, -gap - h},
        {gap * 0.7, gap * 0.7},
        {-gap * 0.7 - w, -gap - h},
        {-gap * 0.7 - w, gap * 0.7},
    };
    // Near the anchor first; then a little further out, where markers crowd a town.
    for (const double push : {0.0, 9.0, 18.0}) {
        for (const QPointF& offset : candidates) {
            const QPointF unit(offset.x() > 0 ? 1 : (offset.x() + w < 0 ? -1 : 0),
                               offset.y() > 0 ? 1 : (offset.y() + h < 0 ? -1 : 0));
            const QPointF topLeft = anchor + offset + unit * push;
            const QRectF box(topLeft.x() - 2, topLeft.y() - 1, w + 4, h + 2);
            if (placer.reserve(box)) {
                drawHaloText(p, QPointF(topLeft.x(), topLeft.y() + fm.ascent()), text, font, color);
                return true;
            }
        }
    }
    return false;
}

void drawArrow(QPainter& p, QPointF from, QPointF to, QColor color) {
    const QPointF mid = (from + to) / 2.0;
    const double angle = std::atan2(to.y() - from.y(), to.x() - from.x());
    const double len = 9.0;
    const double spread = 0.5;
    QPolygonF head;
    head << mid + QPointF(std::cos(angle) * len / 2, std::sin(angle) * len / 2)
         << mid - QPointF(std::cos(angle - spread) * len, std::sin(angle - spread) * len) +
                QPointF(std::cos(angle) * len / 2, std::sin(angle) * len / 2)
         << mid - QPointF(std::cos(angle + spread) * len, std::sin(angle + spread) * len) +
                QPointF(std::cos(angle) * len / 2, std::sin(angle) * len / 2);
    p.setPen(QPen(QColor(0, 0, 0, 200), 1.2));
    p.setBrush(color);
    p.drawPolygon(head);
}

enum class MarkerLook { Live, Resolved, Stale, Cluster };

/// A marker drawn once into an image and blitted from then on: anti-aliased stroked ellipses
/// cost the most of a frame with a thousand markers (QStroker, Bezier flattening), a blit of a
/// 20-pixel image little. One cache per thread (the GUI's, the headless renderer's workers),
/// keyed by look, severity, radius and device pixel ratio.
} // namespace

QPainterPath OverlayPainter::markerOutline(palette::MarkerShape shape, QPointF at, double r) {
    QPainterPath path;
    switch (shape) {
    case palette::MarkerShape::Diamond:
        path.addPolygon(QPolygonF{at + QPointF(0, -1.3 * r), at + QPointF(1.3 * r, 0),
                                  at + QPointF(0, 1.3 * r), at + QPointF(-1.3 * r, 0)});
        path.closeSubpath();
        break;
    case palette::MarkerShape::Square:
        path.addRect(QRectF(at.x() - 0.9 * r, at.y() - 0.9 * r, 1.8 * r, 1.8 * r));
        break;
    case palette::MarkerShape::Triangle:
        path.addPolygon(QPolygonF{at + QPointF(0, -1.35 * r), at + QPointF(1.25 * r, 0.9 * r),
                                  at + QPointF(-1.25 * r, 0.9 * r)});
        path.closeSubpath();
        break;
    case palette::MarkerShape::Circle:
        path.addEllipse(at, r, r);
        break;
    }
    return path;
}

namespace {

const QImage& markerSprite(MarkerLook look, store::Severity severity, double radius, qreal dpr,
                           palette::MarkerShape shape = palette::MarkerShape::Circle) {
    thread_local QHash<QString, QImage> cache;
    const QString key = QStringLiteral("%1/%2/%3/%4/%5")
                            .arg(static_cast<int>(look))
                            .arg(static_cast<int>(severity))
                            .arg(radius)
                            .arg(dpr)
                            .arg(static_cast<int>(shape));
    auto found = cache.constFind(key);
    if (found != cache.constEnd())
        return *found;
    const double half = 1.35 * radius + 3.0; // room for the widest shape and the pen
    const int side = static_cast<int>(std::ceil(2 * half * dpr));
    QImage image(side, side, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(dpr);
    image.fill(Qt::transparent);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    const QPointF at(half, half);
    const double r = radius;
    switch (look) {
    case MarkerLook::Stale:
        // Past its stale time (TAK greys such markers out): the severity stays readable in the
        // dashed ring, the grey says the information is no longer current. A dark solid ring
        // under the dashed one keeps it readable on light imagery.
        p.setPen(QPen(QColor(0x10, 0x10, 0x10), 4.5));
        p.setBrush(palette::staleFill());
        p.drawPath(OverlayPainter::markerOutline(shape, at, r));
        p.setPen(QPen(palette::severity(severity), 2.5, Qt::DashLine));
        p.setBrush(Qt::NoBrush);
        p.drawPath(OverlayPainter::markerOutline(shape, at, r));
        break;
    case MarkerLook::Live:
    case MarkerLook::Resolved:
    case MarkerLook::Cluster:
        p.setPen(QPen(QColor(0x10, 0x10, 0x10), 2.0, Qt::SolidLine, Qt::SquareCap, Qt::MiterJoin));
        p.setBrush(palette::severity(severity));
        p.drawPath(OverlayPainter::markerOutline(
            look == MarkerLook::Cluster ? palette::MarkerShape::Circle : shape, at, r));
        if (look == MarkerLook::Resolved) {
            // A resolved incident is hollow in the middle: still visible, clearly not live.
            p.setBrush(QColor(0x10, 0x10, 0x10));
            p.setPen(Qt::NoPen);
            p.drawEllipse(at, r * 0.4, r * 0.4);
        }
        break;
    }
    p.end();
    return *cache.insert(key, image);
}

void drawSprite(QPainter& p, const QImage& sprite, QPointF at) {
    const QSizeF size = QSizeF(sprite.size()) / sprite.devicePixelRatio();
    p.drawImage(QPointF(at.x() - size.width() / 2, at.y() - size.height() / 2), sprite);
}

} // namespace

void OverlayContent::indexIncidents() {
    incidentPoints.clear();
    incidentPoints.reserve(incidents.size());
    std::vector<geo::Extent> bounds;
    bounds.reserve(static_cast<size_t>(incidents.size()));
    geo::Extent all{std::numeric_limits<double>::max(), std::numeric_limits<double>::max(),
                    std::numeric_limits<double>::lowest(), std::numeric_limits<double>::lowest()};
    for (const store::Incident& i : incidents) {
        const geo::MapPoint p = geo::webmercator::project(i.location);
        incidentPoints.push_back(p);
        bounds.push_back({p.x, p.y, p.x, p.y});
        all = {std::min(all.minX, p.x), std::min(all.minY, p.y), std::max(all.maxX, p.x),
               std::max(all.maxY, p.y)};
    }
    incidentIndex.reset();
    incidentExtent = all;
    // A grid pays off only for many incidents spread over some ground.
    if (incidents.size() >= 2048 && !all.isEmpty())
        incidentIndex = std::make_shared<const GridIndex>(bounds, all, 16);
}

void OverlayContent::forIncidentsNear(const Viewport& view, const QRectF& area,
                                      const std::function<void(qsizetype)>& visit) const {
    if (incidentIndex && incidentPoints.size() == incidents.size()) {
        const geo::MapPoint a = view.toMap(area.topLeft());
        const geo::MapPoint b = view.toMap(area.bottomRight());
        const geo::Extent near{std::min(a.x, b.x), std::min(a.y, b.y), std::max(a.x, b.x),
                               std::max(a.y, b.y)};
        // Over a good part of the incidents' ground, reading them all in order is cheaper than
        // gathering the grid's cells and sorting them.
        const double overlapWidth =
            std::min(near.maxX, incidentExtent.maxX) - std::max(near.minX, incidentExtent.minX);
        const double overlapHeight =
            std::min(near.maxY, incidentExtent.maxY) - std::max(near.minY, incidentExtent.minY);
        const double share =
            overlapWidth > 0 && overlapHeight > 0
                ? overlapWidth * overlapHeight / (incidentExtent.width() * incidentExtent.height())
                : 0.0;
        if (share < 0.25) {
            for (const std::uint32_t k : incidentIndex->query(near))
                visit(static_cast<qsizetype>(k));
            return;
        }
    }
    for (qsizetype k = 0; k < incidents.size(); ++k)
        visit(k);
}

QPointF OverlayContent::incidentPixel(const Viewport& view, qsizetype k) const {
    return incidentPoints.size() == incidents.size() ? view.toPixel(incidentPoints[k])
                                                     : view.toPixel(incidents[k].location);
}

namespace {

/// The heatmap: incidents counted on a grid of kHeatCell pixels, each weighted by severity (low
/// 1 .. critical 4, so that a few critical incidents weigh as much as many thefts), spread by a
/// separable Gaussian (sigma kHeatSigma cells), scaled to the densest cell of the view, and
/// coloured along a ramp from transparent through purple and orange to yellow (the "inferno"
/// colours, readable with the common colour-vision deficiencies). Drawn once per frame at the
/// grid's size and scaled up smoothly.
void paintHeatmap(QPainter& p, const Viewport& view, const OverlayContent& content) {
    constexpr int kHeatCell = 6;
    constexpr double kHeatSigma = 3.0;
    const QSize screen = view.size();
    const int columns = screen.width() / kHeatCell + 1;
    const int rows = screen.height() / kHeatCell + 1;
    std::vector<double> grid(static_cast<size_t>(columns) * static_cast<size_t>(rows), 0.0);
    for (qsizetype k = 0; k < content.incidents.size(); ++k) {
        const QPointF at = content.incidentPixel(view, k);
        const int cx = static_cast<int>(std::floor(at.x() / kHeatCell));
        const int cy = static_cast<int>(std::floor(at.y() / kHeatCell));
        if (cx < 0 || cy < 0 || cx >= columns || cy >= rows)
            continue;
        grid[static_cast<size_t>(cy) * static_cast<size_t>(columns) + static_cast<size_t>(cx)] +=
            1.0 + static_cast<double>(content.incidents[k].severity);
    }
    const int radius = static_cast<int>(std::ceil(3 * kHeatSigma));
    std::vector<double> kernel(static_cast<size_t>(2 * radius + 1));
    for (int d = -radius; d <= radius; ++d)
        kernel[static_cast<size_t>(d + radius)] =
            std::exp(-(d * d) / (2 * kHeatSigma * kHeatSigma));
    auto blur = [&](const std::vector<double>& in, bool horizontal) {
        std::vector<double> out(in.size(), 0.0);
        for (int y = 0; y < rows; ++y)
            for (int x = 0; x < columns; ++x) {
                const double v = in[static_cast<size_t>(y) * static_cast<size_t>(columns) +
                                    static_cast<size_t>(x)];
                if (v == 0.0)
                    continue;
                for (int d = -radius; d <= radius; ++d) {
                    const int tx = horizontal ? x + d : x;
                    const int ty = horizontal ? y : y + d;
                    if (tx < 0 || ty < 0 || tx >= columns || ty >= rows)
                        continue;
                    out[static_cast<size_t>(ty) * static_cast<size_t>(columns) +
                        static_cast<size_t>(tx)] += v * kernel[static_cast<size_t>(d + radius)];
                }
            }
        return out;
    };
    grid = blur(blur(grid, true), false);
    const double top = *std::max_element(grid.begin(), grid.end());
    if (top <= 0.0)
        return;
    static const QColor ramp[] = {QColor(0x42, 0x0a, 0x68), QColor(0x93, 0x26, 0x67),
                                  QColor(0xdd, 0x51, 0x3a), QColor(0xfc, 0xa5, 0x0a),
                                  QColor(0xfc, 0xff, 0xa4)};
    QImage heat(columns, rows, QImage::Format_ARGB32_Premultiplied);
    for (int y = 0; y < rows; ++y) {
        auto* line = reinterpret_cast<QRgb*>(heat.scanLine(y));
        for (int x = 0; x < columns; ++x) {
            // A square root keeps sparse places visible beside the densest one.
            const double t = std::sqrt(grid[static_cast<size_t>(y) * static_cast<size_t>(columns) +
                                            static_cast<size_t>(x)] /
                                       top);
            if (t < 0.04) {
                line[x] = 0;
                continue;
            }
            const double at = t * 4.0;
            const int i = std::min(static_cast<int>(at), 3);
            const double f = at - i;
            const QColor& a = ramp[i];
            const QColor& b = ramp[i + 1];
            const int alpha = static_cast<int>(std::min(1.0, t * 1.6) * 200);
            line[x] =
                qPremultiply(qRgba(static_cast<int>(a.red() + (b.red() - a.red()) * f),
                                   static_cast<int>(a.green() + (b.green() - a.green()) * f),
                                   static_cast<int>(a.blue() + (b.blue() - a.blue()) * f), alpha));
        }
    }
    p.save();
    p.setRenderHint(QPainter::SmoothPixmapTransform);
    p.drawImage(QRectF(0, 0, columns * kHeatCell, rows * kHeatCell), heat);
    p.restore();
}

struct Mark {
    qsizetype index; ///< into OverlayContent::incidents
    QPointF at;
};

struct Cluster {
    QPointF at; ///< the mean of its members' pixels
    int count = 0;
    store::Severity severity = store::Severity::Low; ///< the most severe member's
};

struct IncidentMarks {
    QList<Mark> singles; ///< least severe first (drawn in this order)
    QList<Cluster> clusters;
    bool abandoned = false; ///< placing them was abandoned: nothing is in the lists
};

double clusterRadius(int count) {
    // 11 px for two, growing with the digits: 1,000 in a cluster reads as bigger than 10.
    // Whole pixels, so that few cluster images are drawn (markerSprite).
    return std::round(
        std::min(11.0 + 3.0 * std::log10(static_cast<double>(std::max(count, 1))), 24.0));
}

/// The incidents whose markers reach the screen. Up to OverlayPainter::kClusterAbove of them
/// are drawn one by one; beyond, markers are gathered on a grid of kClusterCell pixels: a cell
/// holding one incident shows it, a cell holding more shows a cluster.
IncidentMarks placeIncidents(const Viewport& view, const OverlayContent& content,
                             const QRectF& reach, const std::function<bool()>& abandon = {}) {
    IncidentMarks marks;
    QList<Mark> inReach;
    qsizetype looked = 0;
    content.forIncidentsNear(view, reach, [&](qsizetype k) {
        if (marks.abandoned || (abandon && ++looked % 8192 == 0 && abandon())) {
            marks.abandoned = true;
            return;
        }
        const QPointF at = content.incidentPixel(view, k);
        if (reach.contains(at))
            inReach.append({k, at});
    });
    if (marks.abandoned)
        return marks;
    auto severity = [&](const Mark& m) {
        return static_cast<int>(content.incidents[m.index].severity);
    };
    if (inReach.size() <= OverlayPainter::kClusterAbove) {
        std::stable_sort(inReach.begin(), inReach.end(),
                         [&](const Mark& a, const Mark& b) { return severity(a) < severity(b); });
        marks.singles = std::move(inReach);
        return marks;
    }
    const double cell = OverlayPainter::kClusterCell;
    const int columns = static_cast<int>(std::ceil(reach.width() / cell));
    const int rows = static_cast<int>(std::ceil(reach.height() / cell));
    struct Cell {
        double sumX = 0;
        double sumY = 0;
        int count = 0;
        int severity = 0;
        qsizetype first = -1; ///< into inReach
    };
    std::vector<Cell> grid(static_cast<size_t>(columns) * static_cast<size_t>(rows));
    for (qsizetype k = 0; k < inReach.size(); ++k) {
        const Mark& m = inReach[k];
        const int cx =
            std::clamp(static_cast<int>((m.at.x() - reach.left()) / cell), 0, columns - 1);
        const int cy = std::clamp(static_cast<int>((m.at.y() - reach.top()) / cell), 0, rows - 1);
        Cell& c =
            grid[static_cast<size_t>(cy) * static_cast<size_t>(columns) + static_cast<size_t>(cx)];
        c.sumX += m.at.x();
        c.sumY += m.at.y();
        c.severity = c.count == 0 ? severity(m) : std::max(c.severity, severity(m));
        if (c.count++ == 0)
            c.first = k;
    }
    for (const Cell& c : grid) {
        if (c.count == 1)
            marks.singles.append(inReach[c.first]);
        else if (c.count > 1)
            marks.clusters.append({QPointF(c.sumX / c.count, c.sumY / c.count), c.count,
                                   static_cast<store::Severity>(c.severity)});
    }
    std::stable_sort(marks.singles.begin(), marks.singles.end(),
                     [&](const Mark& a, const Mark& b) { return severity(a) < severity(b); });
    // The most severe clusters on top.
    std::stable_sort(marks.clusters.begin(), marks.clusters.end(),
                     [](const Cluster& a, const Cluster& b) { return a.severity < b.severity; });
    return marks;
}

} // namespace

std::optional<QPointF> OverlayPainter::clusterAt(const Viewport& view,
                                                 const OverlayContent& content, QPointF pixel) {
    const QRectF screen(QPointF(0, 0), QSizeF(view.size()));
    const IncidentMarks marks = placeIncidents(view, content, screen.adjusted(-50, -50, 50, 50));
    // The top one wins: clusters are drawn most severe last.
    for (qsizetype k = marks.clusters.size() - 1; k >= 0; --k) {
        const Cluster& c = marks.clusters[k];
        if (QLineF(c.at, pixel).length() <= clusterRadius(c.count) + 2.0)
            return c.at;
    }
    return std::nullopt;
}

bool OverlayPainter::paint(QPainter& p, const Viewport& view, const OverlayContent& content,
                           const std::function<bool()>& abandon) {
    p.save();
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    const QRectF screen(QPointF(0, 0), QSizeF(view.size()));
    const QRectF reach = screen.adjusted(-50, -50, 50, 50);
    LabelPlacer placer(screen);
    for (const QRectF& covered : content.keepClear)
        placer.block(covered);

    QFont labelFont(QStringLiteral("DejaVu Sans"));
    labelFont.setPixelSize(12);
    QFont routeFont = labelFont;
    routeFont.setBold(true);
    QFont smallFont = labelFont;
    smallFont.setPixelSize(10);

    // The incidents within reach of the screen, drawn one by one or, when too many to read,
    // gathered into clusters with counts.
    const IncidentMarks marks = placeIncidents(view, content, reach, abandon);
    if (marks.abandoned || (abandon && abandon())) {
        p.restore();
        return false;
    }
    // Markers claim their space first so that no label is drawn over an incident.
    for (const Mark& m : marks.singles) {
        const double r = palette::severityRadius(content.incidents[m.index].severity) + 1.0;
        placer.block(QRectF(m.at.x() - r, m.at.y() - r, 2 * r, 2 * r));
    }
    for (const Cluster& c : marks.clusters) {
        const double r = clusterRadius(c.count) + 1.0;
        placer.block(QRectF(c.at.x() - r, c.at.y() - r, 2 * r, 2 * r));
    }

    if (content.heatmap)
        paintHeatmap(p, view, content);

    // Annotations under the routes: areas lightly filled, lines cased, points as small squares.
    const QColor noteColor = palette::annotation();
    for (const store::Annotation& a : content.annotations) {
        QPolygonF shape;
        for (const geo::GeoPoint& g : a.geometry)
            shape.append(view.toPixel(g));
        if (shape.isEmpty() || !reach.intersects(shape.boundingRect().adjusted(-1, -1, 1, 1)))
            continue;
        if (a.kind == store::AnnotationKind::Point) {
            const QPointF at = shape.first();
            p.setPen(QPen(QColor(0x10, 0x10, 0x10), 1.5));
            p.setBrush(noteColor);
            p.drawRect(QRectF(at.x() - 4.5, at.y() - 4.5, 9, 9));
            placer.block(QRectF(at.x() - 5, at.y() - 5, 10, 10));
            continue;
        }
        p.setPen(QPen(QColor(0, 0, 0, 170), 4.5, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        p.setBrush(Qt::NoBrush);
        if (a.kind == store::AnnotationKind::Area)
            p.drawPolygon(shape);
        else
            p.drawPolyline(shape);
        QColor fill = noteColor;
        fill.setAlpha(55);
        p.setPen(QPen(noteColor, 2.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        if (a.kind == store::AnnotationKind::Area) {
            p.setBrush(fill);
            p.drawPolygon(shape);
        } else {
            p.drawPolyline(shape);
        }
    }

    // Routes: casing, coloured line (dashed when only planned), direction arrows, waypoints.
    const bool showTimes = view.resolution() < 700.0;
    for (const store::PatrolRoute& route : content.routes) {
        QPolygonF line;
        for (const store::Waypoint& w : route.waypoints)
            line.append(view.toPixel(w.location));
        if (line.size() < 2 || !reach.intersects(line.boundingRect()))
            continue;
        const QColor color = palette::routeStatus(route.status);
        p.setBrush(Qt::NoBrush);
        p.setPen(QPen(QColor(0, 0, 0, 190), 6.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        p.drawPolyline(line);
        QPen pen(color, 3.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
        if (route.status == store::RouteStatus::Planned)
            pen.setDashPattern({3.0, 2.0});
        p.setPen(pen);
        p.drawPolyline(line);
        for (qsizetype i = 1; i < line.size(); ++i)
            if (QLineF(line[i - 1], line[i]).length() > 40.0)
                drawArrow(p, line[i - 1], line[i], color);
        for (const QPointF& at : line) {
            p.setPen(QPen(QColor(0, 0, 0, 220), 1.5));
            p.setBrush(color);
            p.drawEllipse(at, 4.0, 4.0);
        }
    }

    if (abandon && abandon()) {
        p.restore();
        return false;
    }
    // Labels in order of importance: route names, main places, waypoint times, other places.
    std::vector<LabelPoint> places = content.places;
    std::stable_sort(places.begin(), places.end(),
                     [](const LabelPoint& a, const LabelPoint& b) { return a.rank < b.rank; });
    auto drawPlaces = [&](bool mainOnly) {
        for (const LabelPoint& place : places) {
            if ((place.rank <= 1) != mainOnly)
                continue;
            const QPointF at = view.toPixel(place.position);
            if (!screen.contains(at))
                continue;
            QFont font = labelFont;
            font.setBold(place.rank <= 1);
            font.setPixelSize(place.rank <= 1 ? 13 : 11);
            if (placeLabel(p, placer, at, 6.0, place.text, font, palette::labelText())) {
                p.setPen(QPen(QColor(0, 0, 0), 1.0));
                p.setBrush(Qt::white);
                p.drawEllipse(at, 2.5, 2.5);
            }
        }
    };
    for (const store::PatrolRoute& route : content.routes)
        if (!route.waypoints.isEmpty()) {
            const QPointF at = view.toPixel(route.waypoints.first().location);
            placeLabel(p, placer, at, 12.0, route.name, routeFont, palette::labelText());
        }
    // An annotation's first line beside its point, or its first vertex for lines and areas.
    for (const store::Annotation& a : content.annotations) {
        if (a.geometry.isEmpty())
            continue;
        const QPointF at = view.toPixel(a.geometry.first());
        if (screen.contains(at))
            placeLabel(p, placer, at, 8.0, a.text.section(QLatin1Char('\n'), 0, 0).left(60),
                       smallFont, QColor(0xB8, 0xF0, 0xDC));
    }
    drawPlaces(true);
    if (showTimes)
        for (const store::PatrolRoute& route : content.routes)
            for (const store::Waypoint& w : route.waypoints)
                placeLabel(p, placer, view.toPixel(w.location), 7.0,
                           w.plannedAt.toUTC().toString(QStringLiteral("dd HHmm'Z'")), smallFont,
                           QColor(0xE0, 0xE0, 0xE0));
    drawPlaces(false);

    // The user's own drawing last but for the markers: range rings and the measured path.
    const QColor tool(0xFF, 0xD2, 0x3F);
    for (const double radius : content.ringRadii) {
        QPolygonF ring;
        for (const geo::GeoPoint& point : geo::geodesy::circle(content.ringCentre, radius, 120))
            ring.append(view.toPixel(point));
        p.setBrush(Qt::NoBrush);
        p.setPen(QPen(QColor(0, 0, 0, 180), 4.0));
        p.drawPolygon(ring);
        p.setPen(QPen(tool, 2.0, Qt::DashLine));
        p.drawPolygon(ring);
        const QString label = radius >= 1000 ? QStringLiteral("%1 km").arg(radius / 1000.0)
                                             : QStringLiteral("%1 m").arg(radius);
        drawHaloText(p, ring.first() + QPointF(4, -4), label, routeFont, tool);
    }
    if (!content.ringRadii.isEmpty()) {
        const QPointF c = view.toPixel(content.ringCentre);
        p.setPen(QPen(tool, 2.0));
        p.drawLine(c - QPointF(8, 0), c + QPointF(8, 0));
        p.drawLine(c - QPointF(0, 8), c + QPointF(0, 8));
    }
    if (!content.measure.isEmpty()) {
        QPolygonF path;
        for (const geo::GeoPoint& g : content.measure)
            path.append(view.toPixel(g));
        if (path.size() >= 3 && !content.measurePath) {
            p.setPen(Qt::NoPen);
            p.setBrush(QColor(0xFF, 0xD2, 0x3F, 50));
            p.drawPolygon(path);
        }
        p.setBrush(Qt::NoBrush);
        p.setPen(QPen(QColor(0, 0, 0, 180), 5.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        p.drawPolyline(path);
        p.setPen(QPen(tool, 2.5, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        p.drawPolyline(path);
        for (const QPointF& at : path) {
            p.setPen(QPen(Qt::black, 1.5));
            p.setBrush(tool);
            p.drawEllipse(at, 4.5, 4.5);
        }
    }

    if (abandon && abandon()) {
        p.restore();
        return false;
    }
    // Incidents on top, least severe first so that critical ones are never hidden.
    const QDateTime now = content.now.isValid() ? content.now : QDateTime::currentDateTimeUtc();
    const bool anyStale = !content.staleAt.isEmpty();
    const qreal dpr = p.device() ? p.device()->devicePixelRatioF() : 1.0;
    for (const Mark& m : marks.singles) {
        const store::Incident& incident = content.incidents[m.index];
        const QDateTime stale = anyStale ? content.staleAt.value(incident.uuid) : QDateTime();
        const MarkerLook look = stale.isValid() && now > stale ? MarkerLook::Stale
                                : incident.status == store::IncidentStatus::Resolved
                                    ? MarkerLook::Resolved
                                    : MarkerLook::Live;
        drawSprite(p,
                   markerSprite(look, incident.severity, palette::severityRadius(incident.severity),
                                dpr, palette::categoryShape(incident.category)),
                   m.at);
    }
    // Clusters: a disc in the colour of the most severe incident it holds, sized by how many,
    // the count in the middle.
    if (!marks.clusters.isEmpty()) {
        QFont countFont(QStringLiteral("DejaVu Sans"));
        countFont.setBold(true);
        for (const Cluster& c : marks.clusters) {
            const double r = clusterRadius(c.count);
            drawSprite(p, markerSprite(MarkerLook::Cluster, c.severity, r, dpr), c.at);
            const QString text = c.count >= 10000 ? QStringLiteral("%1k").arg(c.count / 1000)
                                                  : QString::number(c.count);
            countFont.setPixelSize(text.size() > 3 ? 10 : 12);
            // Plain text, dark on the light colours (yellow, sky blue, orange), white on
            // vermillion: a haloed path per cluster cost more than the rest of the frame.
            p.setFont(countFont);
            p.setPen(c.severity == store::Severity::Critical ? QColor(Qt::white)
                                                             : QColor(0x10, 0x10, 0x10));
            p.drawText(QRectF(c.at.x() - r, c.at.y() - r, 2 * r, 2 * r), Qt::AlignCenter, text);
        }
    }
    if (!content.selectedIncident.isEmpty())
        for (const store::Incident& incident : content.incidents)
            if (incident.uuid == content.selectedIncident) {
                const QPointF at = view.toPixel(incident.location);
                const double r = palette::severityRadius(incident.severity) + 6.0;
                p.setBrush(Qt::NoBrush);
                p.setPen(QPen(QColor(0x10, 0x10, 0x10), 6.0));
                p.drawEllipse(at, r, r);
                p.setPen(QPen(Qt::white, 3.0));
                p.drawEllipse(at, r, r);
                break;
            }
    p.restore();
    return true;
}

} // namespace tessera::render
