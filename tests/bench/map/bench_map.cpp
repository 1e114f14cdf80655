// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// The map benchmark (issue 3): cold first frames of Tessera's renderer against QGIS 3.22 and GDAL's
// own warp on the same inputs, in the same run, and frame times of the real map item during a
// scripted pan and zoom. Prints a Markdown table. Not a test: nothing here passes or fails.
#include "analysis/EmergingHotSpots.h"
#include "analysis/Synthetic.h"
#include "geo/GdalEnvironment.h"
#include "geo/ThreadCheck.h"
#include "geo/WebMercator.h"
#include "quick/MapItem.h"
#include "quick/MissionController.h"
#include "render/RasterLayer.h"
#include "render/SceneRenderer.h"
#include "render/VectorLayer.h"
#include "store/MissionStore.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QProcess>
#include <QQuickWindow>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTimer>

#include <cpl_string.h>
#include <gdal.h>
#include <gdal_utils.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <random>
#include <sys/resource.h>
#include <thread>
#include <vector>

using namespace tessera;

namespace {

constexpr int kRuns = 5;
const QSize kFrame(1920, 1080);

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}
double percentile(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0
                     : v[std::min(v.size() - 1, static_cast<size_t>(q * (v.size() - 1) + 0.5))];
}
double peakRssMb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024.0;
}

struct Input {
    QString name;
    QString file;
    bool raster;
    render::Viewport view;
    QString style;
};

/// Open the layer anew and draw the whole frame: what a user waits for on the first frame.
double tesseraColdFrame(const Input& in) {
    std::vector<double> times;
    for (int run = 0; run < kRuns; ++run) {
        QElapsedTimer timer;
        timer.start();
        render::MapScene scene;
        store::LayerSpec spec;
        spec.id = 1;
        spec.name = in.name;
        spec.kind = in.raster ? store::LayerKind::Raster : store::LayerKind::Vector;
        render::LoadedLayer loaded{spec, nullptr, QString()};
        if (in.raster) {
            auto layer = render::RasterLayer::open(1, in.name, in.file);
            if (!layer)
                qFatal("%s", qPrintable(layer.error().message));
            loaded.layer = layer.value();
        } else {
            auto layer = render::VectorLayer::open(1, in.name, in.file, QString(),
                                                   render::LayerStyle::fromJson(in.style));
            if (!layer)
                qFatal("%s", qPrintable(layer.error().message));
            loaded.layer = layer.value();
        }
        scene.layers.append(loaded);
        const auto outcome = render::SceneRenderer::render(scene, in.view);
        times.push_back(timer.nsecsElapsed() / 1e6);
        if (!outcome.tileErrors.isEmpty())
            qFatal("%s", qPrintable(outcome.tileErrors.first()));
    }
    return median(times);
}

/// GDAL's own in-process warp of the same view into a 1920x1080 image (rasters only).
double gdalWarp(const Input& in) {
    std::vector<double> times;
    const geo::Extent e = in.view.extent();
    for (int run = 0; run < kRuns; ++run) {
        QElapsedTimer timer;
        timer.start();
        GDALDatasetH src = GDALOpen(in.file.toUtf8().constData(), GA_ReadOnly);
        CPLStringList args;
        for (const char* a : {"-of", "MEM", "-t_srs", "EPSG:3857", "-r", "bilinear", "-q", "-wo",
                              "NUM_THREADS=ALL_CPUS", "-multi"})
            args.AddString(a);
        args.AddString("-te");
        for (double v : {e.minX, e.minY, e.maxX, e.maxY})
            args.AddString(CPLSPrintf("%.6f", v));
        args.AddString("-ts");
        args.AddString(CPLSPrintf("%d", kFrame.width()));
        args.AddString(CPLSPrintf("%d", kFrame.height()));
        GDALWarpAppOptions* options = GDALWarpAppOptionsNew(args.List(), nullptr);
        GDALDatasetH out = GDALWarp("", nullptr, 1, &src, options, nullptr);
        GDALWarpAppOptionsFree(options);
        times.push_back(timer.nsecsElapsed() / 1e6);
        GDALClose(out);
        GDALClose(src);
    }
    return median(times);
}

struct Peer {
    double ms = -1;
    double rssMb = -1;
    QString error;
};

Peer qgis(const Input& in) {
    const geo::Extent e = in.view.extent();
    QProcess p;
    p.start(QStringLiteral("/usr/bin/python3"),
            {QStringLiteral(TESSERA_BENCH_DIR "/qgis_render.py"), in.file,
             in.raster ? QStringLiteral("raster") : QStringLiteral("vector"),
             QString::number(e.minX, 'f', 3), QString::number(e.minY, 'f', 3),
             QString::number(e.maxX, 'f', 3), QString::number(e.maxY, 'f', 3),
             QString::number(kRuns)});
    if (!p.waitForFinished(600000) || p.exitCode() != 0)
        return {-1, -1,
                QStringLiteral("QGIS failed: ") +
                    QString::fromUtf8(p.readAllStandardError()).left(200)};
    const QByteArray out = p.readAllStandardOutput();
    const QJsonObject o = QJsonDocument::fromJson(out.mid(out.lastIndexOf('{'))).object();
    return {o.value(QLatin1String("median_ms")).toDouble(-1),
            o.value(QLatin1String("peak_rss_mb")).toDouble(-1),
            o.contains(QLatin1String("error")) ? o.value(QLatin1String("error")).toString()
                                               : QString()};
}

// Frame times as the scene graph's render loop reports them ("qt.scenegraph.time.renderloop").
std::vector<double> frameTimes;
QtMessageHandler previousHandler = nullptr;
void captureFrameTimes(QtMsgType type, const QMessageLogContext& context, const QString& message) {
    static const QRegularExpression frame(
        QStringLiteral("Frame rendered with '\\w+' renderloop in ([0-9.]+)ms"));
    const auto match = frame.match(message);
    if (match.hasMatch()) {
        frameTimes.push_back(match.captured(1).toDouble());
        return;
    }
    if (!QByteArray(context.category).startsWith("qt.scenegraph"))
        previousHandler(type, context, message);
}

struct FrameStats {
    double p50 = 0;
    double p99 = 0;
    double max = 0;
    int frames = 0;
    int over16 = 0;   ///< frames slower than 16 ms
    int analyses = 0; ///< emerging hot spot runs finished meanwhile (--with-analysis)
};

/// The real map item in a 1920x1080 window: 5 s of panning, then 5 s of zooming in and out,
/// one step every 16 ms, over the tiled raster, the coastline and the 100,000 points.
FrameStats panAndZoom(const QString& dataDir, bool withAnalysis) {
    QTemporaryDir dir;
    const QString missionPath = dir.filePath(QStringLiteral("bench.tessera"));
    {
        store::MissionInfo info;
        info.name = QStringLiteral("Benchmark");
        info.marking.classification = QStringLiteral("UNCLASSIFIED");
        info.initialView = {-10.0, -5.0, 40.0, 30.0};
        auto mission = store::MissionStore::create(missionPath, info);
        if (!mission)
            qFatal("%s", qPrintable(mission.error().message));
        const QList<std::pair<QString, store::LayerKind>> layers{
            {QDir(dataDir).filePath(QStringLiteral("tiled.tif")), store::LayerKind::Raster},
            {QDir(dataDir).filePath(QStringLiteral("coastline.gpkg")), store::LayerKind::Vector},
            {QDir(dataDir).filePath(QStringLiteral("points.gpkg")), store::LayerKind::Vector}};
        int order = 0;
        for (const auto& [file, kind] : layers) {
            store::LayerSpec spec;
            spec.name = QFileInfo(file).baseName();
            spec.kind = kind;
            spec.source = file;
            spec.stackOrder = order++;
            spec.style =
                order == 3
                    ? QStringLiteral(R"({"point": "#ffd23f", "stroke": "#000000", "size": 2})")
                    : QStringLiteral(R"({"stroke": "#ffffff", "width": 1})");
            if (!mission.value().addLayer(spec))
                qFatal("cannot add layer");
        }
    }
    QQuickWindow window;
    window.resize(kFrame);
    quick::MissionController mission;
    auto* map = new quick::MapItem(window.contentItem());
    map->setSize(QSizeF(kFrame));
    map->setMission(&mission);
    window.show();
    mission.setPath(missionPath);
    QElapsedTimer wait;
    wait.start();
    while (mission.status() != quick::MissionController::Status::Ready && wait.elapsed() < 120000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    while (!map->isComplete() && wait.elapsed() < 120000) {
        window.requestUpdate();
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    }

    // --with-analysis: emerging hot spots over 1,000,000 incidents (1 km cells, 52 weekly
    // steps), run again and again on two threads beside the map, as the app runs them.
    std::atomic<bool> stop{false};
    std::atomic<int> analyses{0};
    std::thread analysis;
    if (withAnalysis) {
        analysis = std::thread([&] {
            threadcheck::backgroundPriority();
            std::mt19937_64 random(7);
            const double end = 1'796'000'000, week = 7 * 86400.0;
            const std::vector<analysis::Event> events = analysis::synthetic::townBackground(
                random, 1'000'000, 300, 1'500'000, end - 52 * week, end);
            analysis::CubeShape shape;
            shape.steps = 52;
            shape.end = end;
            const Result<analysis::SpaceTimeCube> cube = analysis::buildCube(events, shape);
            if (!cube)
                qFatal("%s", qPrintable(cube.errorMessage()));
            while (!stop)
                if (analysis::emergingHotSpots(cube.value(), {}, 2))
                    ++analyses;
        });
    }
    QLoggingCategory::setFilterRules(QStringLiteral("qt.scenegraph.time.renderloop.debug=true"));
    previousHandler = qInstallMessageHandler(captureFrameTimes);
    frameTimes.clear();
    int step = 0;
    QTimer driver;
    QEventLoop loop;
    QObject::connect(&driver, &QTimer::timeout, [&] {
        if (step < 312)
            map->panBy(6.0, 2.0);
        else if (step < 468)
            map->zoomAt(960, 540, 1.02);
        else if (step < 625)
            map->zoomAt(960, 540, 1.0 / 1.02);
        else
            loop.quit();
        ++step;
    });
    driver.start(16);
    loop.exec();
    stop = true;
    if (analysis.joinable())
        analysis.join();
    qInstallMessageHandler(previousHandler);
    QLoggingCategory::setFilterRules(QString());
    FrameStats stats;
    stats.analyses = analyses;
    stats.frames = static_cast<int>(frameTimes.size());
    stats.p50 = percentile(frameTimes, 0.50);
    stats.p99 = percentile(frameTimes, 0.99);
    stats.max = frameTimes.empty() ? 0 : *std::max_element(frameTimes.begin(), frameTimes.end());
    stats.over16 = static_cast<int>(
        std::count_if(frameTimes.begin(), frameTimes.end(), [](double t) { return t > 16.0; }));
    return stats;
}

/// The 1-minute load average: the machine is shared, and frame times depend on it.
QString loadAverage() {
    QFile file(QStringLiteral("/proc/loadavg"));
    return file.open(QIODevice::ReadOnly) ? QString::fromLatin1(file.readAll()).section(u' ', 0, 0)
                                          : QStringLiteral("n/a");
}

QString ms(double v) {
    return v < 0 ? QStringLiteral("n/a") : QString::number(v, 'f', 0) + QStringLiteral(" ms");
}

} // namespace

int main(int argc, char* argv[]) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    if (qEnvironmentVariableIsEmpty("QT_QUICK_BACKEND"))
        qputenv("QT_QUICK_BACKEND", "software");
    QGuiApplication app(argc, argv);
    geo::ensureGdalRegistered();
    // bench_map [--frames-only | --cold-only] [--with-analysis] [--only TEXT] [DATA-DIR]
    // (--with-analysis: the frames again while emerging hot spots run beside the map)
    // (--only: just the cold-frame inputs whose name contains TEXT, e.g. "tiled")
    QStringList args = QCoreApplication::arguments().mid(1);
    const bool framesOnly = args.removeAll(QStringLiteral("--frames-only")) > 0;
    const bool coldOnly = args.removeAll(QStringLiteral("--cold-only")) > 0;
    const bool withAnalysis = args.removeAll(QStringLiteral("--with-analysis")) > 0;
    QString only;
    if (const qsizetype at = args.indexOf(QStringLiteral("--only"));
        at >= 0 && at + 1 < args.size()) {
        only = args.at(at + 1);
        args.remove(at, 2);
    }
    const QString dataDir = !args.isEmpty() ? args.first() : QStringLiteral(TESSERA_BENCH_DATA);
    if (QProcess::execute(QStringLiteral(TESSERA_BENCH_DIR "/prepare-data"), {dataDir}) != 0)
        qFatal("preparing the benchmark data failed");
    const bool haveQgis =
        QProcess::execute(QStringLiteral("/usr/bin/python3"),
                          {QStringLiteral("-c"), QStringLiteral("import qgis.core")}) == 0;

    auto file = [&](const char* name) { return QDir(dataDir).filePath(QString::fromLatin1(name)); };
    // The raster's extent and its native resolution, for the full view and the 1:1 view.
    const geo::Extent rasterExtent{-2500000, -4000000, 6000000, 4500000};
    const double nativeResolution = rasterExtent.width() / 16384.0;
    const render::Viewport full = render::Viewport::fitting(rasterExtent, kFrame);
    const render::Viewport oneToOne({1750000, 250000}, nativeResolution, kFrame);
    const render::Viewport world =
        render::Viewport::fittingGeographic({-180, -85, 180, 85}, kFrame);
    const QList<Input> inputs{
        {QStringLiteral("16384² tiled GeoTIFF + overviews, full extent"),
         file("tiled.tif"),
         true,
         full,
         {}},
        {QStringLiteral("16384² tiled GeoTIFF + overviews, 1:1"),
         file("tiled.tif"),
         true,
         oneToOne,
         {}},
        {QStringLiteral("16384² striped GeoTIFF, no overviews, full extent"),
         file("striped.tif"),
         true,
         full,
         {}},
        {QStringLiteral("16384² striped GeoTIFF, no overviews, 1:1"),
         file("striped.tif"),
         true,
         oneToOne,
         {}},
        {QStringLiteral("100,000 points (GeoPackage), full extent"), file("points.gpkg"), false,
         world, QStringLiteral(R"({"point": "#ffd23f", "stroke": "#000000", "size": 2})")},
        {QStringLiteral("coastline polygons, 4.86 M vertices (GeoPackage), full extent"),
         file("coastline.gpkg"), false, world,
         QStringLiteral(R"({"stroke": "#ffffff", "width": 1, "fill": "#40a0a0a0"})")},
    };

    std::printf("| input (1920x1080, EPSG:3857, median of %d cold frames) | Tessera | QGIS 3.22 | "
                "GDAL warp | Tessera / QGIS |\n",
                kRuns);
    std::printf("|---|---|---|---|---|\n");
    double qgisPeak = -1;
    for (const Input& in : inputs) {
        if (framesOnly)
            break;
        if (!only.isEmpty() && !in.name.contains(only))
            continue;
        const double ours = tesseraColdFrame(in);
        const double warp = in.raster ? gdalWarp(in) : -1;
        const Peer peer = haveQgis ? qgis(in) : Peer{-1, -1, QStringLiteral("not installed")};
        qgisPeak = std::max(qgisPeak, peer.rssMb);
        std::printf("| %s | %s | %s | %s | %s |\n", qPrintable(in.name), qPrintable(ms(ours)),
                    qPrintable(peer.error.isEmpty() ? ms(peer.ms) : peer.error),
                    qPrintable(ms(warp)),
                    peer.ms > 0 ? qPrintable(QString::number(ours / peer.ms, 'f', 2)) : "n/a");
        std::fflush(stdout);
    }
    if (coldOnly)
        return 0;
    const FrameStats frames = panAndZoom(dataDir, false);
    std::printf(
        "\nScripted pan and zoom, 10 s at 1920x1080 (tiled raster + coastline + 100,000 points), "
        "render loop's own frame times (%s scene graph): %d frames, p50 %.1f ms, p99 %.1f ms, max "
        "%.1f ms, %d frames over 16 ms; load average at the end %s\n",
        qPrintable(qEnvironmentVariable("QT_QUICK_BACKEND", QStringLiteral("default"))),
        frames.frames, frames.p50, frames.p99, frames.max, frames.over16,
        qPrintable(loadAverage()));
    if (withAnalysis) {
        const FrameStats busy = panAndZoom(dataDir, true);
        std::printf("The same while emerging hot spots over 1,000,000 incidents (1 km x 52 weekly "
                    "steps, two threads) ran beside it %d times: %d frames, p50 %.1f ms, p99 %.1f "
                    "ms, max %.1f ms, %d frames over 16 ms\n",
                    busy.analyses, busy.frames, busy.p50, busy.p99, busy.max, busy.over16);
    }
    std::printf("Peak memory: Tessera %.0f MB (this whole benchmark process), QGIS %.0f MB "
                "(largest single-input process)\n",
                peakRssMb(), qgisPeak);
    return 0;
}
