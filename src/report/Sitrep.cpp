// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "report/Sitrep.h"

#include "geo/ThreadCheck.h"
#include "geo/WebMercator.h"
#include "interop/AnalysisLayers.h"
#include "interop/RegionCounts.h"
#include "render/MapProduct.h"
#include "render/Palette.h"
#include "render/Viewport.h"
#include "store/Situation.h"
#include "store/TimeWindow.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QTemporaryDir>

#include <algorithm>
#include <map>

namespace tessera::report {

using namespace tessera::interop;

namespace {

constexpr int kWidth = 1240; // A4 at 150 dpi
constexpr int kHeight = 1754;
constexpr int kBanner = 36;
constexpr int kMargin = 60;

struct Row {
    Row(QString rowLabel, QString rowValue, QString rowNote = {})
        : label(std::move(rowLabel))
        , value(std::move(rowValue))
        , note(std::move(rowNote)) {}
    QString label;
    QString value;
    QString note; ///< a second, smaller line under the label (a record's marking); may be empty
};

/// Everything the pages print, gathered before painting.
struct Content {
    QString mission;
    QString period;
    QString produced;
    QString releasableFor; ///< a releasable version: for whom, and how much was withheld
    QString banner;
    QColor bannerColor;
    QImage map;
    std::vector<Row> byKind;
    std::vector<Row> bySeverity;
    std::vector<Row> byRegion;
    QString regionNote;
    QList<int> histogram;
    QString histogramLabel;
    QString hotSpots;
    std::vector<Row> hotSpotRows;
    QImage hotSpotMap; ///< the cells alone, without the incidents' markers over them
    QString unusualNote;
    std::vector<Row> unusual;
    std::vector<Row> significant;
    std::vector<Row> patrols;
};

/// Paints pages one after the other, starting a new one when a block does not fit.
class Pages {
public:
    explicit Pages(const Content& content)
        : content_(content) {
        next();
    }
    std::vector<QImage> take() {
        finish();
        return std::move(pages_);
    }

    /// A section's title, kept on the page with at least `keep` pixels of what follows it.
    void heading(const QString& text, int keep = 90) {
        room(70 + keep);
        y_ += 16;
        painter_->setFont(font(20, true));
        painter_->setPen(QColor(0x10, 0x1c, 0x2b));
        painter_->drawText(QRect(kMargin, y_, kWidth - 2 * kMargin, 34),
                           Qt::AlignLeft | Qt::AlignVCenter, text);
        y_ += 38;
        painter_->fillRect(QRect(kMargin, y_ - 4, kWidth - 2 * kMargin, 2),
                           QColor(0x3d, 0x5a, 0x80));
        y_ += 6;
    }
    void paragraph(const QString& text) {
        painter_->setFont(font(15, false));
        const QRect bounds = painter_->boundingRect(QRect(kMargin, 0, kWidth - 2 * kMargin, 2000),
                                                    Qt::TextWordWrap, text);
        room(bounds.height() + 8);
        painter_->setPen(QColor(0x20, 0x20, 0x20));
        painter_->drawText(QRect(kMargin, y_, kWidth - 2 * kMargin, bounds.height()),
                           Qt::TextWordWrap, text);
        y_ += bounds.height() + 8;
    }
    /// Rows of label and value; two columns of rows when `columns` is 2.
    void table(const std::vector<Row>& rows, int columns = 1) {
        painter_->setFont(font(15, false));
        const bool notes =
            std::any_of(rows.begin(), rows.end(), [](const Row& r) { return !r.note.isEmpty(); });
        const int rowHeight = notes ? 44 : 26;
        const int width = (kWidth - 2 * kMargin - (columns - 1) * 40) / columns;
        const std::size_t perColumn = (rows.size() + static_cast<std::size_t>(columns) - 1) /
                                      static_cast<std::size_t>(columns);
        std::size_t k = 0;
        while (k < rows.size()) {
            const int fits = std::max(1, (kHeight - kBanner - kMargin / 2 - y_) / rowHeight);
            const std::size_t chunk =
                std::min<std::size_t>(rows.size() - k, static_cast<std::size_t>(fits) * columns);
            const std::size_t inColumn = std::min(perColumn, (chunk + columns - 1) / columns);
            for (std::size_t j = 0; j < chunk; ++j) {
                const int column = static_cast<int>(j / inColumn);
                const int row = static_cast<int>(j % inColumn);
                const QRect cell(kMargin + column * (width + 40), y_ + row * rowHeight, width,
                                 rowHeight);
                if (row % 2 == 0)
                    painter_->fillRect(cell, QColor(0xee, 0xf1, 0xf5));
                const Row& r = rows[k + j];
                painter_->setFont(font(15, false)); // a new page's heading set its own
                // The label gives way to the value, never the other way round.
                const int valueWidth = painter_->fontMetrics().horizontalAdvance(r.value);
                const QRect text = cell.adjusted(8, 0, -(valueWidth + 22), 0);
                const QRect line = notes ? text.adjusted(0, 2, 0, -text.height() / 2) : text;
                painter_->setPen(QColor(0x20, 0x20, 0x20));
                painter_->drawText(
                    line, Qt::AlignVCenter | Qt::AlignLeft,
                    painter_->fontMetrics().elidedText(r.label, Qt::ElideRight, line.width()));
                painter_->drawText(cell.adjusted(8, 0, -8, 0), Qt::AlignVCenter | Qt::AlignRight,
                                   r.value);
                if (!r.note.isEmpty()) {
                    painter_->setFont(font(12, false));
                    painter_->setPen(QColor(0x55, 0x5f, 0x6d));
                    const QRect under = text.adjusted(0, text.height() / 2, 0, -2);
                    painter_->drawText(
                        under, Qt::AlignVCenter | Qt::AlignLeft,
                        painter_->fontMetrics().elidedText(r.note, Qt::ElideRight, under.width()));
                    painter_->setFont(font(15, false));
                }
            }
            k += chunk;
            y_ += static_cast<int>(inColumn) * rowHeight + 10;
            if (k < rows.size())
                next();
        }
    }
    void image(const QImage& picture) {
        const int width = kWidth - 2 * kMargin;
        const int height = picture.height() * width / std::max(1, picture.width());
        room(height + 10);
        painter_->drawImage(QRect(kMargin, y_, width, height), picture);
        painter_->setPen(QColor(0x80, 0x80, 0x80));
        painter_->drawRect(QRect(kMargin, y_, width, height));
        y_ += height + 10;
    }
    void chart(const QList<int>& counts, const QString& label) {
        const int height = 220;
        room(height + 40);
        const QRect area(kMargin, y_, kWidth - 2 * kMargin, height);
        painter_->fillRect(area, QColor(0xf6, 0xf8, 0xfa));
        const int most = std::max(1, *std::max_element(counts.begin(), counts.end()));
        const double bar =
            static_cast<double>(area.width()) / std::max<qsizetype>(1, counts.size());
        for (qsizetype k = 0; k < counts.size(); ++k) {
            const int h = counts[k] * (height - 30) / most;
            painter_->fillRect(QRectF(area.left() + k * bar + 1, area.bottom() - h, bar - 2, h),
                               QColor(0x3d, 0x5a, 0x80));
        }
        painter_->setFont(font(13, false));
        painter_->setPen(QColor(0x20, 0x20, 0x20));
        painter_->drawText(area.adjusted(8, 4, -8, 0), Qt::AlignTop | Qt::AlignLeft,
                           QStringLiteral("most %1").arg(most));
        y_ += height + 4;
        painter_->drawText(QRect(kMargin, y_, kWidth - 2 * kMargin, 24),
                           Qt::AlignLeft | Qt::AlignVCenter, label);
        y_ += 30;
    }

private:
    static QFont font(int pixels, bool bold) {
        QFont f(QStringLiteral("DejaVu Sans"));
        f.setPixelSize(pixels);
        f.setBold(bold);
        return f;
    }
    void room(int height) {
        if (y_ + height > kHeight - kBanner - kMargin / 2)
            next();
    }
    void next() {
        finish();
        pages_.emplace_back(kWidth, kHeight, QImage::Format_ARGB32_Premultiplied);
        pages_.back().setDotsPerMeterX(5906); // 150 dpi
        pages_.back().setDotsPerMeterY(5906);
        pages_.back().fill(Qt::white);
        painter_ = std::make_unique<QPainter>(&pages_.back());
        painter_->setRenderHint(QPainter::Antialiasing);
        painter_->setRenderHint(QPainter::TextAntialiasing);
        y_ = kBanner + 24;
        if (pages_.size() == 1) {
            painter_->setFont(font(30, true));
            painter_->setPen(QColor(0x10, 0x1c, 0x2b));
            painter_->drawText(QRect(kMargin, y_, kWidth - 2 * kMargin, 44),
                               Qt::AlignLeft | Qt::AlignVCenter,
                               QStringLiteral("SITREP · %1").arg(content_.mission));
            y_ += 48;
            painter_->setFont(font(16, false));
            painter_->drawText(
                QRect(kMargin, y_, kWidth - 2 * kMargin, 26), Qt::AlignLeft | Qt::AlignVCenter,
                QStringLiteral("Period %1 · produced %2").arg(content_.period, content_.produced));
            y_ += 36;
            if (!content_.releasableFor.isEmpty()) {
                painter_->setFont(font(16, true));
                painter_->setPen(QColor(0x9a, 0x56, 0x00));
                const QRect bounds =
                    painter_->boundingRect(QRect(kMargin, y_, kWidth - 2 * kMargin, 400),
                                           Qt::TextWordWrap, content_.releasableFor);
                painter_->drawText(QRect(kMargin, y_, kWidth - 2 * kMargin, bounds.height()),
                                   Qt::TextWordWrap, content_.releasableFor);
                y_ += bounds.height() + 10;
            }
        }
    }
    /// The banners and the page number, on the finished page.
    void finish() {
        if (!painter_)
            return;
        const int page = static_cast<int>(pages_.size());
        for (const QRect band :
             {QRect(0, 0, kWidth, kBanner), QRect(0, kHeight - kBanner, kWidth, kBanner)}) {
            painter_->fillRect(band, content_.bannerColor);
            painter_->setFont(font(17, true));
            painter_->setPen(Qt::white);
            painter_->drawText(band, Qt::AlignCenter, content_.banner);
        }
        painter_->setFont(font(12, false));
        painter_->setPen(QColor(0x60, 0x60, 0x60));
        painter_->drawText(QRect(kMargin, kHeight - kBanner - 26, kWidth - 2 * kMargin, 20),
                           Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("page %1").arg(page));
        painter_.reset();
    }

    const Content& content_;
    std::vector<QImage> pages_;
    std::unique_ptr<QPainter> painter_;
    int y_ = 0;
};

QString dtg(const QDateTime& t) {
    return t.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"));
}

std::vector<Row> countRows(const std::map<QString, int>& counts) {
    std::vector<std::pair<QString, int>> sorted(counts.begin(), counts.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    std::vector<Row> rows;
    for (const auto& [label, n] : sorted)
        rows.push_back({label, QString::number(n)});
    return rows;
}

} // namespace

Result<Sitrep> composeSitrep(const render::MapScene& sceneIn, const SitrepOptions& options) {
    TESSERA_ASSERT_WORKER_THREAD();
    if (!options.from.isValid() || !options.to.isValid() || options.from >= options.to)
        return Error{QStringLiteral("A SITREP needs a period: --from before --to.")};
    render::MapScene scene = sceneIn;
    // The mission's own analysis layers give way to this report's (their legends would repeat
    // the same patterns with other counts).
    const auto isAnalysis = [](const QString& style) {
        const QString role = QJsonDocument::fromJson(style.toUtf8())
                                 .object()
                                 .value(QLatin1String("role"))
                                 .toString();
        return role == QLatin1String("hot spots") || role == QLatin1String("near-repeat risk");
    };
    scene.layers.removeIf([&](const render::LoadedLayer& l) { return isAnalysis(l.spec.style); });
    scene.mission.layers.removeIf([&](const store::LayerSpec& l) { return isAnalysis(l.style); });
    // A releasable version holds only what the recipient may have, before anything is counted,
    // analysed or drawn: what is withheld cannot reach a page.
    int withheld = 0;
    int sanitised = 0;
    QHash<QString, QString> sanitisedNotes; // by incident UUID: what its version says of itself
    if (options.releasable) {
        const auto withhold = [&](const auto& record) {
            const bool released = options.releasable(record.marking).full();
            withheld += released ? 0 : 1;
            return !released;
        };
        // An incident the recipient may have sanitised is shown as that version only: its
        // coarse position and the fields left, under the version's own marking.
        std::optional<store::RegionLocator> regions;
        QList<store::Incident> released;
        for (const store::Incident& i : std::as_const(scene.mission.incidents)) {
            const store::RecordRelease release = options.releasable(i.marking);
            if (release.full()) {
                released.append(i);
                continue;
            }
            std::optional<store::Incident> version;
            QString region;
            if (release.form == store::RecordRelease::Form::Sanitised) {
                if (release.sanitised.toRegion && !regions) {
                    regions = store::RegionLocator();
                    if (const std::optional<store::LayerSpec> layer = regionLayer(scene.mission))
                        if (Result<store::RegionLocator> made = regionLocator(
                                scene.mission.resolveSource(*layer), layer->sourceLayer))
                            regions = made.value();
                }
                version = store::sanitisedIncident(
                    i, release.sanitised, regions ? *regions : store::RegionLocator(), &region);
            }
            if (!version) {
                ++withheld;
                continue;
            }
            ++sanitised;
            sanitisedNotes.insert(version->uuid,
                                  store::sanitisedNote(*version, release.sanitised, region));
            released.append(*version);
        }
        scene.mission.incidents = released;
        scene.mission.routes.removeIf(withhold);
        scene.mission.annotations.removeIf(withhold);
        // Layers made from records carry their markings: every one must be releasable in full.
        const auto derivedWithheld = [&](const QString& style) {
            for (const QJsonValue& m : QJsonDocument::fromJson(style.toUtf8())
                                           .object()
                                           .value(QLatin1String("markings"))
                                           .toArray())
                if (!options
                         .releasable(
                             {m.toObject().value(QLatin1String("classification")).toString(),
                              m.toObject().value(QLatin1String("releasability")).toString()})
                         .full())
                    return true;
            return false;
        };
        scene.layers.removeIf(
            [&](const render::LoadedLayer& l) { return derivedWithheld(l.spec.style); });
        scene.mission.layers.removeIf(
            [&](const store::LayerSpec& l) { return derivedWithheld(l.style); });
    }
    const store::TimeWindow window{options.from, options.to};
    const QDateTime produced =
        options.producedAt.isValid() ? options.producedAt : QDateTime::currentDateTimeUtc();
    Content c;
    c.mission = scene.mission.info.name;
    c.period = QStringLiteral("%1 to %2").arg(dtg(options.from), dtg(options.to));
    if (options.releasable)
        c.releasableFor =
            QStringLiteral("Releasable version for %1: only what it may receive is counted, "
                           "analysed and shown; %2 record(s) of the mission withheld, %3 "
                           "incident(s) shown as sanitised versions (coarse position, fields "
                           "withheld).")
                .arg(options.recipient.isEmpty() ? QStringLiteral("a recipient")
                                                 : options.recipient)
                .arg(withheld)
                .arg(sanitised);
    c.produced = dtg(produced);

    QList<store::Incident> inPeriod;
    for (const store::Incident& i : scene.mission.incidents)
        if (store::inWindow(i, window))
            inPeriod.append(i);

    // Counts by kind and severity.
    std::map<QString, int> kinds;
    for (const store::Incident& i : inPeriod)
        ++kinds[i.category.isEmpty() ? QStringLiteral("(none)") : i.category];
    c.byKind = countRows(kinds);
    for (store::Severity s : {store::Severity::Critical, store::Severity::High,
                              store::Severity::Medium, store::Severity::Low}) {
        int n = 0;
        for (const store::Incident& i : inPeriod)
            n += i.severity == s;
        c.bySeverity.push_back({store::toString(s), QString::number(n)});
    }
    // By region, when the mission has its regions.
    if (const std::optional<store::LayerSpec> regions = regionLayer(scene.mission)) {
        std::vector<geo::GeoPoint> points;
        for (const store::Incident& i : inPeriod)
            points.push_back(i.location);
        Result<std::vector<QString>> named =
            regionsOf(scene.mission.resolveSource(*regions), regions->sourceLayer, points);
        if (named) {
            std::map<QString, int> byRegion;
            for (const QString& r : named.value())
                ++byRegion[r.isEmpty() ? QStringLiteral("(outside every region)") : r];
            c.byRegion = countRows(byRegion);
        } else {
            c.regionNote = named.error().message;
        }
    } else {
        c.regionNote = QStringLiteral("The mission has no layer of regions.");
    }
    // Over time: a bar a day, or a week for long periods.
    const qint64 days = std::max<qint64>(1, options.from.daysTo(options.to));
    const int bins = static_cast<int>(days <= 62 ? days : (days + 6) / 7);
    c.histogram = store::incidentHistogram(inPeriod, options.from, options.to, bins);
    c.histogramLabel =
        QStringLiteral("Incidents per %1, %2")
            .arg(days <= 62 ? QStringLiteral("day") : QStringLiteral("week"), c.period);

    // Emerging hot spots over the period, in steps of a day or a week.
    {
        AnalysisScope scope;
        scope.window.to = options.to;
        const double stepDays = days <= 35 ? 1.0 : 7.0;
        const int steps =
            static_cast<int>(std::max<qint64>(1, days / static_cast<qint64>(stepDays)));
        Result<HotSpotRun> run = runEmergingHotSpots(scene.mission.incidents, scope,
                                                     options.hotSpotCellMetres, stepDays, steps);
        if (!run) {
            c.hotSpots = QStringLiteral("Not computed: %1").arg(run.error().message);
        } else {
            std::map<QString, int> patterns;
            for (const analysis::LocationPattern& l : run.value().result.locations)
                if (const QString key = patternKey(l); !key.isEmpty())
                    ++patterns[key];
            c.hotSpots = QStringLiteral("%1 incidents in cells of %2 km over %3 steps of %4 "
                                        "day(s); significant at a false-discovery rate of 5 %.")
                             .arg(run.value().result.cube.events)
                             .arg(options.hotSpotCellMetres / 1000)
                             .arg(steps)
                             .arg(stepDays);
            c.hotSpotRows = countRows(patterns);
            if (c.hotSpotRows.empty())
                c.hotSpots += QStringLiteral(" No cell shows a pattern.");
            // Drawn on the report's map (a layer of this report only, not of the mission).
            QTemporaryDir dir;
            const QString file = dir.filePath(QStringLiteral("hot-spots.geojson"));
            if (!c.hotSpotRows.empty() && writeHotSpotLayer(run.value(), file)) {
                store::LayerSpec spec;
                spec.id = -1;
                spec.name = QStringLiteral("Emerging hot spots (this report)");
                spec.kind = store::LayerKind::Vector;
                spec.source = file;
                spec.style = hotSpotStyle(run.value().markings);
                render::LoadedLayer loaded = render::loadLayer(spec, file);
                if (!loaded.isBroken()) {
                    scene.layers.append(loaded);
                    scene.mission.layers.append(spec);
                    // A map of the cells alone, around them: markers would hide them.
                    render::MapScene cells = scene;
                    cells.mission.incidents.clear();
                    cells.mission.routes.clear();
                    cells.mission.annotations.clear();
                    const geo::Extent around = loaded.layer->extent();
                    const geo::GeoPoint low =
                        geo::webmercator::unproject({around.minX, around.minY});
                    const geo::GeoPoint high =
                        geo::webmercator::unproject({around.maxX, around.maxY});
                    const double pad =
                        std::max({0.3, (high.lon - low.lon) * 0.1, (high.lat - low.lat) * 0.1});
                    render::ProductSpec plain;
                    plain.producedAt = produced;
                    c.hotSpotMap = render::productMap(render::renderProduct(
                        cells,
                        render::Viewport::fittingGeographic(
                            {low.lon - pad, low.lat - pad, high.lon + pad, high.lat + pad},
                            QSize(kWidth - 2 * kMargin, 560)),
                        plain));
                }
            }
        }
    }
    // Unusual activity: the last week against the eight before.
    Result<std::vector<analysis::Assessment>> unusual =
        runUnusualActivity(scene.mission, options.to, 7, 8);
    if (!unusual) {
        c.unusualNote = QStringLiteral("Not computed: %1").arg(unusual.error().message);
    } else {
        c.unusualNote = unusual.value().empty()
                            ? QStringLiteral("No region was busier or quieter than usual in the "
                                             "last week (95 % interval of the 8 weeks before).")
                            : QStringLiteral("The last week against the 8 before (95 % interval):");
        for (const analysis::Assessment& a : unusual.value())
            c.unusual.push_back(
                {QStringLiteral("%1 %2 · %3")
                     .arg(a.busy ? QStringLiteral("▲") : QStringLiteral("▼"), a.region, a.category),
                 QStringLiteral("%1 (usually %2, %3–%4)")
                     .arg(a.current)
                     .arg(a.expected, 0, 'f', 1)
                     .arg(a.low)
                     .arg(a.high)});
    }
    // Significant incidents: high and critical, newest first.
    QList<store::Incident> significant;
    for (const store::Incident& i : inPeriod)
        if (i.severity == store::Severity::High || i.severity == store::Severity::Critical)
            significant.append(i);
    std::stable_sort(significant.begin(), significant.end(),
                     [](const store::Incident& a, const store::Incident& b) {
                         return a.observedAt > b.observedAt;
                     });
    const qsizetype listed = std::min<qsizetype>(significant.size(), 60);
    for (qsizetype k = 0; k < listed; ++k)
        c.significant.push_back(
            {QStringLiteral("%1 · %2").arg(significant[k].category, significant[k].title),
             significant[k].observedAt.toUTC().toString(QStringLiteral("ddHHmm'Z' MMM")),
             // A releasable version says under each record what the recipient may have of it.
             !options.releasable ? QString()
             : sanitisedNotes.contains(significant[k].uuid)
                 ? significant[k].marking.banner() + QStringLiteral(" · ") +
                       sanitisedNotes.value(significant[k].uuid)
                 : significant[k].marking.banner()});
    if (significant.size() > listed)
        c.significant.push_back(
            {QStringLiteral("… and %1 more").arg(significant.size() - listed), QString()});
    // Patrols active in the period.
    for (const store::PatrolRoute& r : scene.mission.routes)
        if (store::inWindow(r, window))
            c.patrols.push_back({QStringLiteral("%1 · %2").arg(r.name, r.unit),
                                 QStringLiteral("%1 · %2 track points")
                                     .arg(store::toString(r.status))
                                     .arg(r.track.size())});

    // The marking of everything the report holds: the period's incidents, the routes and
    // annotations, the layers drawn (the report's own hot spots included).
    Sitrep report;
    report.marking = store::shownMarking(scene.mission, {-180, -90, 180, 90}, window);
    report.banner = render::bannerText(scene.mission.info, report.marking);
    report.incidents = static_cast<int>(inPeriod.size());
    report.withheld = withheld;
    report.sanitised = sanitised;
    for (const store::Incident& i : inPeriod)
        report.shownIncidents.append(i.uuid);
    report.shownVersions = inPeriod;
    report.bannerColor = render::bannerColor(scene.mission.info, report.marking);
    report.hotSpots = c.hotSpots;
    report.unusual = c.unusual.size();
    report.significant = static_cast<std::size_t>(significant.size());
    c.banner = report.banner;
    c.bannerColor = report.bannerColor;

    // The map: the period's incidents with a margin, else the mission's view.
    geo::Extent extent = scene.mission.info.initialView;
    if (!inPeriod.isEmpty()) {
        double west = 180, south = 90, east = -180, north = -90;
        for (const store::Incident& i : inPeriod) {
            west = std::min(west, i.location.lon);
            east = std::max(east, i.location.lon);
            south = std::min(south, i.location.lat);
            north = std::max(north, i.location.lat);
        }
        const double padX = std::max(0.2, (east - west) * 0.08);
        const double padY = std::max(0.2, (north - south) * 0.08);
        extent = {west - padX, south - padY, east + padX, north + padY};
    }
    render::ProductSpec spec;
    spec.window = window;
    spec.windowLabel = c.period;
    spec.producedAt = produced;
    const render::Product map = render::renderProduct(
        scene, render::Viewport::fittingGeographic(extent, QSize(kWidth - 2 * kMargin, 800)), spec);
    c.map = render::productMap(map);

    Pages pages(c);
    pages.heading(QStringLiteral("The period on the map"), 700);
    pages.image(c.map);
    pages.heading(QStringLiteral("Incidents: %1").arg(inPeriod.size()));
    pages.table(c.bySeverity, 2);
    pages.table(c.byKind, 2);
    pages.heading(QStringLiteral("By region"));
    if (!c.regionNote.isEmpty())
        pages.paragraph(c.regionNote);
    pages.table(c.byRegion, 2);
    pages.heading(QStringLiteral("Over time"), 270);
    pages.chart(c.histogram, c.histogramLabel);
    pages.heading(QStringLiteral("Emerging hot spots"));
    pages.paragraph(c.hotSpots);
    pages.table(c.hotSpotRows, 2);
    if (!c.hotSpotMap.isNull())
        pages.image(c.hotSpotMap);
    pages.heading(QStringLiteral("Unusual activity"));
    pages.paragraph(c.unusualNote);
    pages.table(c.unusual);
    pages.heading(QStringLiteral("Significant incidents (high and critical)"));
    if (c.significant.empty())
        pages.paragraph(QStringLiteral("None in the period."));
    pages.table(c.significant);
    pages.heading(QStringLiteral("Patrols"));
    if (c.patrols.empty())
        pages.paragraph(QStringLiteral("No patrol in the period."));
    pages.table(c.patrols);
    report.pages = pages.take();
    return report;
}

Result<QStringList> writeSitrep(const Sitrep& report, const QString& path, const QString& title) {
    if (report.pages.empty())
        return Error{QStringLiteral("nothing to write")};
    if (path.endsWith(QLatin1String(".png"), Qt::CaseInsensitive)) {
        QStringList written;
        const QString stem = path.left(path.size() - 4);
        for (std::size_t k = 0; k < report.pages.size(); ++k) {
            const QString file = QStringLiteral("%1-%2.png").arg(stem).arg(k + 1);
            QSaveFile out(file);
            if (!out.open(QIODevice::WriteOnly) || !report.pages[k].save(&out, "PNG") ||
                !out.commit())
                return Error{QStringLiteral("%1: %2").arg(file, out.errorString())};
            written.append(file);
        }
        return written;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error{QStringLiteral("%1: %2").arg(path, file.errorString())};
    {
        QPdfWriter pdf(&file);
        pdf.setTitle(title);
        pdf.setCreator(QStringLiteral("Tessera"));
        pdf.setResolution(150);
        pdf.setPageSize(QPageSize(QPageSize::A4));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        QPainter painter(&pdf);
        for (std::size_t k = 0; k < report.pages.size(); ++k) {
            if (k > 0)
                pdf.newPage();
            const QRect target = painter.viewport();
            painter.drawImage(target, report.pages[k]);
        }
    }
    if (!file.commit())
        return Error{QStringLiteral("%1: %2").arg(path, file.errorString())};
    return QStringList{path};
}

} // namespace tessera::report
