// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "render/MapProduct.h"

#include "geo/ThreadCheck.h"
#include "geo/WebMercator.h"
#include "render/OverlayPainter.h"
#include "render/Palette.h"
#include "render/SceneRenderer.h"
#include "render/VectorLayer.h"
#include "store/Situation.h"

#include <QFontMetricsF>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>

#include <optional>
#include <vector>

namespace tessera::render {

QString bannerText(const store::MissionInfo& info, const store::CombinedMarking& shown) {
    const QString marking = shown.banner();
    return info.exercise ? QStringLiteral("EXERCISE · ") + marking + QStringLiteral(" · EXERCISE")
                         : marking;
}

QColor bannerColor(const store::MissionInfo& info, const store::CombinedMarking& shown) {
    if (info.exercise)
        return QColor(0x1f, 0x5f, 0xbf);
    switch (shown.marking.level) {
    case store::Classification::Secret:
        return QColor(0xc8, 0x10, 0x2e);
    case store::Classification::Confidential:
    case store::Classification::Restricted:
        return QColor(0x00, 0x33, 0xa0);
    case store::Classification::Unclassified:
        break;
    }
    return QColor(0x00, 0x7a, 0x33);
}

namespace {

constexpr int kBanner = 28;
constexpr int kTitle = 34;

void drawBanner(QPainter& p, const QRect& band, const store::MissionInfo& info,
                const store::CombinedMarking& shown) {
    p.fillRect(band, bannerColor(info, shown));
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPixelSize(14);
    font.setBold(true);
    font.setLetterSpacing(QFont::AbsoluteSpacing, 1.2);
    p.setFont(font);
    p.setPen(Qt::white);
    p.drawText(band, Qt::AlignCenter, bannerText(info, shown));
}

} // namespace

Product renderProduct(const MapScene& scene, const Viewport& view, const ProductSpec& spec) {
    TESSERA_ASSERT_WORKER_THREAD();
    const SceneRenderer::Outcome map =
        SceneRenderer::render(scene, view, 256, spec.window, spec.selectedIncident);
    const QSize size = view.size();
    Product product;
    product.tileErrors = map.tileErrors;
    product.image = QImage(size.width(), size.height() + 2 * kBanner + kTitle,
                           QImage::Format_ARGB32_Premultiplied);
    product.image.fill(QColor(0x10, 0x1c, 0x2b));
    QPainter p(&product.image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    const store::MissionInfo& info = scene.mission.info;
    // The banners carry the marking of what the product shows: the records in its view and
    // time window, not the mission's own marking alone.
    const geo::Extent e = view.extent();
    const geo::GeoPoint sw = geo::webmercator::unproject({e.minX, e.minY});
    const geo::GeoPoint ne = geo::webmercator::unproject({e.maxX, e.maxY});
    const geo::Extent area{sw.lon, sw.lat, ne.lon, ne.lat};
    const store::CombinedMarking shown = store::shownMarking(scene.mission, area, spec.window);
    drawBanner(p, QRect(0, 0, size.width(), kBanner), info, shown);
    drawBanner(p, QRect(0, product.image.height() - kBanner, size.width(), kBanner), info, shown);

    // The title line: what, when for, when made.
    const QDateTime made =
        spec.producedAt.isValid() ? spec.producedAt : QDateTime::currentDateTimeUtc();
    QFont titleFont(QStringLiteral("DejaVu Sans"));
    titleFont.setPixelSize(16);
    titleFont.setBold(true);
    p.setFont(titleFont);
    p.setPen(QColor(0xf2, 0xf5, 0xf8));
    const QRect titleBand(12, kBanner, size.width() - 24, kTitle);
    p.drawText(titleBand, Qt::AlignVCenter | Qt::AlignLeft, info.name);
    QFont smallFont = titleFont;
    smallFont.setBold(false);
    smallFont.setPixelSize(13);
    p.setFont(smallFont);
    p.drawText(titleBand, Qt::AlignVCenter | Qt::AlignRight,
               QStringLiteral("%1  ·  produced %2 UTC")
                   .arg(spec.windowLabel.isEmpty() ? QStringLiteral("All time") : spec.windowLabel,
                        made.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm"))));
    p.drawImage(QPoint(0, kBanner + kTitle), map.image);

    // The legend, bottom right of the map: what the colours mean, with the counts in view.
    // The commander's view counts the same way (store::summarise).
    const store::Situation inView =
        store::summarise(scene.mission.incidents, {}, area, spec.window, made, 0);
    const std::array<int, 4>& counts = inView.bySeverity;
    struct Row {
        QString label;
        QColor color;
        int count;
        bool line;
        bool dashed;
        std::optional<palette::MarkerShape> shape; ///< a row keying a marker shape
        bool swatch = false;                       ///< a square of fill: a thematic class
    };
    std::vector<Row> rows{
        {QStringLiteral("Critical"), palette::severity(store::Severity::Critical), counts[3], false,
         false, std::nullopt},
        {QStringLiteral("High"), palette::severity(store::Severity::High), counts[2], false, false,
         std::nullopt},
        {QStringLiteral("Medium"), palette::severity(store::Severity::Medium), counts[1], false,
         false, std::nullopt},
        {QStringLiteral("Low"), palette::severity(store::Severity::Low), counts[0], false, false,
         std::nullopt},
        {QStringLiteral("Patrol in progress"), palette::routeStatus(store::RouteStatus::InProgress),
         -1, true, false, std::nullopt},
        {QStringLiteral("Patrol planned"), palette::routeStatus(store::RouteStatus::Planned), -1,
         true, true, std::nullopt},
        {QStringLiteral("Patrol completed"), palette::routeStatus(store::RouteStatus::Completed),
         -1, true, false, std::nullopt},
    };
    // What the markers' shapes mean, counted in view as the severities are.
    for (const palette::ShapeKey& key : palette::shapeKeys())
        rows.push_back({key.label, QColor(0xf2, 0xf5, 0xf8),
                        palette::countByShape(inView.byCategory, key.shape), false, false,
                        key.shape});
    // A map of a layer alone (a report's map of hot spot cells) keys only what it draws.
    if (scene.mission.incidents.isEmpty() && scene.mission.routes.isEmpty())
        rows.clear();
    // Thematic layers (an analysis's hot spots): a swatch per class, with its features.
    for (const LoadedLayer& loaded : scene.layers) {
        const auto* vector = dynamic_cast<const VectorLayer*>(loaded.layer.get());
        if (!vector || !loaded.spec.visible)
            continue;
        for (const VectorLayer::ClassCount& c : vector->classCounts()) {
            QString label = c.name;
            label[0] = label[0].toUpper();
            rows.push_back({label, c.fill, c.features, false, false, std::nullopt, true});
        }
    }
    const int rowHeight = 20;
    const int boxWidth = 220;
    const int boxHeight = 30 + rowHeight * static_cast<int>(rows.size());
    const QRect box(size.width() - boxWidth - 12, kBanner + kTitle + size.height() - boxHeight - 12,
                    boxWidth, boxHeight);
    p.setPen(QColor(255, 255, 255, 60));
    p.setBrush(QColor(0x10, 0x1c, 0x2b, 235));
    p.drawRoundedRect(box, 6, 6);
    QFont legendFont = smallFont;
    legendFont.setPixelSize(12);
    legendFont.setBold(true);
    p.setFont(legendFont);
    p.setPen(QColor(0xa9, 0xb6, 0xc4));
    p.drawText(box.adjusted(10, 6, -10, 0), Qt::AlignTop | Qt::AlignLeft,
               scene.mission.incidents.isEmpty() && scene.mission.routes.isEmpty()
                   ? QStringLiteral("IN VIEW")
                   : QStringLiteral("INCIDENTS IN VIEW"));
    legendFont.setBold(false);
    p.setFont(legendFont);
    int y = box.top() + 30;
    for (const auto& row : rows) {
        const QPointF mark(box.left() + 22, y + rowHeight / 2.0);
        if (row.swatch) {
            p.setPen(QPen(QColor(0x10, 0x10, 0x10), 1.0));
            p.setBrush(row.color);
            p.drawRect(QRectF(mark - QPointF(7, 7), QSizeF(14, 14)));
        } else if (row.line) {
            QPen pen(row.color, 3.0);
            if (row.dashed)
                pen.setStyle(Qt::DashLine);
            p.setPen(pen);
            p.drawLine(mark - QPointF(12, 0), mark + QPointF(12, 0));
        } else if (row.shape) {
            p.setPen(QPen(QColor(0x10, 0x10, 0x10), 1.5));
            p.setBrush(row.color);
            p.drawPath(OverlayPainter::markerOutline(*row.shape, mark, 6.0));
        } else {
            p.setPen(QPen(QColor(0x10, 0x10, 0x10), 1.5));
            p.setBrush(row.color);
            p.drawEllipse(mark, 6.5, 6.5);
        }
        p.setPen(QColor(0xf2, 0xf5, 0xf8));
        const QRect text(box.left() + 44, y, box.width() - 54, rowHeight);
        p.drawText(text, Qt::AlignVCenter | Qt::AlignLeft, row.label);
        if (row.count >= 0)
            p.drawText(text, Qt::AlignVCenter | Qt::AlignRight, QString::number(row.count));
        y += rowHeight;
    }
    p.end();
    return product;
}

QImage productMap(const Product& product) {
    return product.image.copy(0, kBanner + kTitle, product.image.width(),
                              product.image.height() - 2 * kBanner - kTitle);
}

Status writeProduct(const QImage& image, const QString& path, const QString& title) {
    if (image.isNull())
        return Error{QStringLiteral("nothing to write")};
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error{QStringLiteral("%1: %2").arg(path, file.errorString())};
    if (path.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive)) {
        QPdfWriter pdf(&file);
        pdf.setTitle(title);
        pdf.setCreator(QStringLiteral("Tessera"));
        pdf.setResolution(150);
        // One page of the image's proportions at 150 dpi, so that it prints as it shows.
        const QSizeF inches(image.width() / 150.0, image.height() / 150.0);
        pdf.setPageSize(QPageSize(inches, QPageSize::Inch, QString(), QPageSize::ExactMatch));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        QPainter painter;
        if (!painter.begin(&pdf))
            return Error{QStringLiteral("%1: cannot write a PDF").arg(path)};
        painter.drawImage(QRectF(QPointF(0, 0), QSizeF(pdf.width(), pdf.height())), image);
        painter.end();
    } else if (!image.save(&file, "PNG")) {
        return Error{QStringLiteral("%1: cannot write the PNG").arg(path)};
    }
    if (!file.commit())
        return Error{QStringLiteral("%1: %2").arg(path, file.errorString())};
    return success();
}

} // namespace tessera::render
