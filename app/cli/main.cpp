// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// tessera-cli: the headless face of Tessera. Wiring only; the work is in the libraries.

#include "RuntimeDir.h"
#include "geo/GeoTypes.h"
#include "interop/DemoMission.h"
#include "render/SceneRenderer.h"
#include "store/MissionStore.h"

#include <QCommandLineParser>
#include <QGuiApplication>
#include <QTextStream>

#include <cstdio>

using namespace tessera;

namespace {

QTextStream& out() {
    static QTextStream s(stdout);
    return s;
}
QTextStream& err() {
    static QTextStream s(stderr);
    return s;
}

int fail(const QString& message) {
    err() << "tessera-cli: " << message << Qt::endl;
    return 1;
}

int demoBuild(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Build the demo mission from real data."));
    p.addHelpOption();
    p.addOption({QStringLiteral("sources"), QStringLiteral("Folder filled by maps/fetch-sources."),
                 QStringLiteral("dir")});
    p.addOption({QStringLiteral("scenario"), QStringLiteral("Exercise scenario JSON."),
                 QStringLiteral("file")});
    p.addOption(
        {QStringLiteral("out"), QStringLiteral("Folder to create."), QStringLiteral("dir")});
    p.process(args);
    if (!p.isSet(QStringLiteral("sources")) || !p.isSet(QStringLiteral("scenario")) ||
        !p.isSet(QStringLiteral("out")))
        return fail(QStringLiteral("demo build needs --sources, --scenario and --out"));
    const auto sources = interop::DemoSources::inFolder(p.value(QStringLiteral("sources")),
                                                        p.value(QStringLiteral("scenario")));
    auto report =
        interop::buildDemoMission(sources, p.value(QStringLiteral("out")),
                                  [](const QString& step) { out() << "  " << step << Qt::endl; });
    if (!report)
        return fail(report.error().message);
    out() << "Demo mission: " << report.value().missionPath << " (" << report.value().incidents
          << " incidents, " << report.value().routes << " routes, " << report.value().places
          << " places)" << Qt::endl;
    return 0;
}

std::optional<geo::Extent> parseExtent(const QString& text) {
    const QStringList parts = text.split(QLatin1Char(','));
    if (parts.size() != 4)
        return std::nullopt;
    double v[4];
    for (int i = 0; i < 4; ++i) {
        bool ok = false;
        v[i] = parts[i].trimmed().toDouble(&ok);
        if (!ok)
            return std::nullopt;
    }
    const geo::Extent e{v[0], v[1], v[2], v[3]};
    if (e.isEmpty() || e.minX < -180 || e.maxX > 180 || e.minY < -90 || e.maxY > 90)
        return std::nullopt;
    return e;
}

int renderCommand(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Render a view of a mission to PNG."));
    p.addHelpOption();
    p.addOption(
        {QStringLiteral("mission"), QStringLiteral("Mission file."), QStringLiteral("file")});
    p.addOption({QStringLiteral("extent"),
                 QStringLiteral("West,South,East,North in degrees (default: the mission's view)."),
                 QStringLiteral("w,s,e,n")});
    p.addOption({QStringLiteral("size"), QStringLiteral("Image size (default 1920x1080)."),
                 QStringLiteral("WxH"), QStringLiteral("1920x1080")});
    p.addPositionalArgument(QStringLiteral("output"), QStringLiteral("PNG file to write."));
    p.process(args);
    if (!p.isSet(QStringLiteral("mission")) || p.positionalArguments().size() != 1)
        return fail(QStringLiteral("render needs --mission FILE and an output PNG"));
    const QStringList size = p.value(QStringLiteral("size")).split(QLatin1Char('x'));
    const QSize pixels = size.size() == 2 ? QSize(size[0].toInt(), size[1].toInt()) : QSize();
    if (pixels.isEmpty() || pixels.width() > 16384 || pixels.height() > 16384)
        return fail(QStringLiteral("--size must be WIDTHxHEIGHT, at most 16384x16384"));

    auto scene = render::loadScene(p.value(QStringLiteral("mission")));
    if (!scene)
        return fail(scene.error().message);
    const QStringList problems = scene.value()->problems();
    for (const QString& problem : problems)
        err() << "tessera-cli: " << problem << Qt::endl;
    if (!problems.isEmpty())
        return 1;
    geo::Extent extent = scene.value()->mission.info.initialView;
    if (p.isSet(QStringLiteral("extent"))) {
        const auto parsed = parseExtent(p.value(QStringLiteral("extent")));
        if (!parsed)
            return fail(QStringLiteral("--extent must be west,south,east,north in degrees"));
        extent = *parsed;
    }
    const auto view = render::Viewport::fittingGeographic(extent, pixels);
    const auto outcome = render::SceneRenderer::render(*scene.value(), view);
    for (const QString& e : outcome.tileErrors)
        err() << "tessera-cli: " << e << Qt::endl;
    const QString output = p.positionalArguments().first();
    if (!outcome.image.save(output, "PNG"))
        return fail(QStringLiteral("%1: cannot write the PNG").arg(output));
    out() << output << Qt::endl;
    return outcome.tileErrors.isEmpty() ? 0 : 1;
}

int missionInfo(const QStringList& args) {
    QCommandLineParser p;
    p.addHelpOption();
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file."));
    p.process(args);
    if (p.positionalArguments().size() != 1)
        return fail(QStringLiteral("mission info needs a mission file"));
    auto snapshot = store::MissionStore::load(p.positionalArguments().first());
    if (!snapshot)
        return fail(snapshot.error().message);
    const auto& s = snapshot.value();
    out() << s.info.name << "\n" << s.info.marking.banner() << "\n";
    out() << s.layers.size() << " layers, " << s.incidents.size() << " incidents, "
          << s.routes.size() << " routes" << Qt::endl;
    for (const auto& l : s.layers)
        out() << "  layer " << l.stackOrder << ": " << l.name << " (" << store::toString(l.kind)
              << ", " << l.source << ")\n";
    out().flush();
    return 0;
}

void usage() {
    out() << "Usage: tessera-cli COMMAND [options]\n\n"
             "Commands:\n"
             "  demo build --sources DIR --scenario FILE --out DIR   build the demo mission\n"
             "  render --mission FILE [--extent W,S,E,N] [--size WxH] OUT.png\n"
             "  mission info FILE                                     what a mission holds\n"
             "\nEach command takes --help.\n";
    out().flush();
}

} // namespace

int main(int argc, char* argv[]) {
    // Text and image drawing need a QGuiApplication; the CLI never opens a window.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    app::ensureRuntimeDir();
    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName(QStringLiteral("tessera-cli"));
    QStringList args = QGuiApplication::arguments();
    if (args.size() < 2 || args[1] == QLatin1String("--help") || args[1] == QLatin1String("-h")) {
        usage();
        return args.size() < 2 ? 2 : 0;
    }
    const QString command = args[1];
    if (command == QLatin1String("demo") && args.size() > 2 && args[2] == QLatin1String("build"))
        return demoBuild(args.mid(0, 1) + args.mid(3));
    if (command == QLatin1String("render"))
        return renderCommand(args.mid(0, 1) + args.mid(2));
    if (command == QLatin1String("mission") && args.size() > 2 && args[2] == QLatin1String("info"))
        return missionInfo(args.mid(0, 1) + args.mid(3));
    usage();
    return 2;
}
