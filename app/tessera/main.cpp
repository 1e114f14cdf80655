// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// tessera: the desktop application. Wiring only: options, the QML engine, the screenshot mode.

#include "RuntimeDir.h"
#include "geo/ThreadCheck.h"
#include "interop/RegionCounts.h"
#include "quick/AnalysisModel.h"
#include "quick/FindModel.h"
#include "quick/IncidentEditor.h"
#include "quick/IncidentListModel.h"
#include "quick/MapItem.h"
#include "quick/MissionController.h"
#include "quick/SharingController.h"
#include "share/Bundle.h"

#include <QCommandLineParser>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTimer>
#include <QtQml/QQmlExtensionPlugin>

#include <cstdio>
#include <initializer_list>

Q_IMPORT_QML_PLUGIN(TesseraPlugin)
Q_IMPORT_QML_PLUGIN(Tessera_MapPlugin)

using tessera::quick::AnalysisModel;
using tessera::quick::FindModel;
using tessera::quick::IncidentEditor;
using tessera::quick::IncidentListModel;
using tessera::quick::MapItem;
using tessera::quick::MissionController;
using tessera::quick::SharingController;

namespace {

int fail(const QString& message) {
    std::fprintf(stderr, "tessera: %s\n", qUtf8Printable(message));
    return 1;
}

bool hasOption(int argc, char* argv[], std::initializer_list<const char*> names) {
    for (int i = 1; i < argc; ++i)
        for (const char* name : names)
            if (qstrcmp(argv[i], name) == 0 ||
                (qstrncmp(argv[i], name, qstrlen(name)) == 0 && argv[i][qstrlen(name)] == '='))
                return true;
    return false;
}

bool hasDisplay() {
    return !qEnvironmentVariableIsEmpty("DISPLAY") ||
           !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
}

/// The demo mission: the one built in the source tree, or, for an installed Tessera, a copy of
/// the packaged one (share/tessera/demo beside bin/) in the user's data folder, because a
/// mission is opened for writing (layer styles, edits) and /usr/share is not writable. The copy
/// is made once, at start, before any window exists.
QString defaultMission() {
    const QString source = QString::fromUtf8(TESSERA_SOURCE_DEMO);
    if (QFileInfo::exists(source))
        return source;
    const QDir installed(QCoreApplication::applicationDirPath() +
                         QStringLiteral("/../share/tessera/demo"));
    const QString name = QStringLiteral("mali-exercise.tessera");
    if (!installed.exists(name))
        return {};
    const QString copy =
        QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/demo");
    if (!QFileInfo::exists(copy + QLatin1Char('/') + name)) {
        QDirIterator it(installed.absolutePath(), QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString from = it.next();
            const QString to = copy + QLatin1Char('/') + installed.relativeFilePath(from);
            QDir().mkpath(QFileInfo(to).absolutePath());
            if (!QFile::copy(from, to))
                return {};
            QFile(to).setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup);
        }
    }
    return copy + QLatin1Char('/') + name;
}

/// Waits until the mission is loaded and every tile of the view is drawn, then saves the window.
/// Exits non-zero, writing nothing, when the mission or any of its layers cannot be read.
class ScreenshotTaker : public QObject {
public:
    ScreenshotTaker(QQuickWindow* window, MissionController* mission, SharingController* sharing,
                    QString output, QString analysis)
        : window_(window)
        , mission_(mission)
        , sharing_(sharing)
        , output_(std::move(output))
        , analysis_(std::move(analysis)) {
        connect(&poll_, &QTimer::timeout, this, &ScreenshotTaker::check);
        poll_.start(50);
        timeout_.setSingleShot(true);
        connect(&timeout_, &QTimer::timeout, this, [] {
            QCoreApplication::exit(fail(QStringLiteral("timed out waiting for the map to draw")));
        });
        timeout_.start(120000);
    }

private:
    void check() {
        if (mission_->status() == MissionController::Status::Failed) {
            poll_.stop();
            QCoreApplication::exit(fail(mission_->errorMessage()));
            return;
        }
        if (mission_->status() != MissionController::Status::Ready)
            return;
        if (!mission_->problems().isEmpty()) {
            poll_.stop();
            for (const QString& problem : mission_->problems())
                fail(problem);
            QCoreApplication::exit(1);
            return;
        }
        // An analysis asked for (--analysis) has run and its layer is in: started once the
        // mission is read, then waited for.
        if (!analysis_.isEmpty()) {
            auto* model = window_->findChild<AnalysisModel*>(QStringLiteral("analysis"));
            if (!model) {
                poll_.stop();
                QCoreApplication::exit(fail(QStringLiteral("the commander's view is missing")));
                return;
            }
            if (!analysisStarted_) {
                analysisStarted_ = true;
                if (analysis_ == QLatin1String("hotspots"))
                    model->runHotSpots();
                else
                    model->runNearRepeat(analysis_.section(QLatin1Char(':'), 1));
                return;
            }
            if (model->busy()) {
                stableTicks_ = 0;
                return;
            }
        }
        // Every map of the window (the main map and the overview) complete twice in a row: the
        // last tiles have been through a frame, not just arrived.
        // The sharing panel, when open, has read what it shows.
        bool complete =
            !sharing_ || (!sharing_->busy() &&
                          sharing_->identityState() != SharingController::IdentityState::Unknown);
        for (const MapItem* map : window_->findChildren<MapItem*>())
            complete = complete && map->isComplete();
        // An open incident list has its rows, an open form its incident.
        for (const IncidentListModel* list : window_->findChildren<IncidentListModel*>())
            complete =
                complete && (!list->parent() || !list->parent()->property("visible").toBool() ||
                             !list->loading());
        for (const IncidentEditor* editor : window_->findChildren<IncidentEditor*>())
            complete = complete && !editor->busy();
        // The find bar, when open, lists what it found once the place names are read.
        for (const FindModel* find : window_->findChildren<FindModel*>())
            complete = complete && !find->indexing();
        complete = complete && window_->property("startFind").toString().isEmpty();
        complete = complete && window_->property("startEditing").toString().isEmpty();
        if (!complete) {
            stableTicks_ = 0;
            return;
        }
        if (++stableTicks_ < 2)
            return;
        poll_.stop();
        const QImage image = window_->grabWindow();
        QSaveFile file(output_);
        if (image.isNull() || !file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") ||
            !file.commit()) {
            QCoreApplication::exit(
                fail(QStringLiteral("%1: cannot write the screenshot").arg(output_)));
            return;
        }
        std::printf("%s\n", qUtf8Printable(QFileInfo(output_).absoluteFilePath()));
        QCoreApplication::exit(0);
    }

    QQuickWindow* window_;
    MissionController* mission_;
    SharingController* sharing_;
    QString output_;
    QString analysis_;
    bool analysisStarted_ = false;
    QTimer poll_;
    QTimer timeout_;
    int stableTicks_ = 0;
};

} // namespace

int main(int argc, char* argv[]) {
    const bool screenshot = hasOption(argc, argv, {"--screenshot"});
    const bool textOnly = hasOption(argc, argv, {"--help", "-h", "--help-all", "--version", "-v"});
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        // A screenshot needs no display: render offscreen with the software scene graph, which
        // gives the same pixels on every machine. --help needs none either.
        if (screenshot || textOnly)
            qputenv("QT_QPA_PLATFORM", "offscreen");
        else if (!hasDisplay())
            return fail(QStringLiteral("no display to open a window on; use --screenshot FILE to "
                                       "render the operating picture to a PNG"));
    }
    if (qgetenv("QT_QPA_PLATFORM") == "offscreen" &&
        qEnvironmentVariableIsEmpty("QT_QUICK_BACKEND"))
        qputenv("QT_QUICK_BACKEND", "software");

    tessera::app::ensureRuntimeDir();
    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName(QStringLiteral("Tessera"));
    tessera::share::setRegionProvider(tessera::interop::regionsOfMission); // REGION releases
    QGuiApplication::setApplicationVersion(QStringLiteral(TESSERA_VERSION));
    QGuiApplication::setOrganizationName(QStringLiteral("Tessera"));
    tessera::threadcheck::markGuiThread();

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Tessera: a common operating picture for peacekeeping missions."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({QStringLiteral("mission"),
                      QStringLiteral("Mission file to open (default: the demo mission)."),
                      QStringLiteral("file")});
    parser.addOption({QStringLiteral("screenshot"),
                      QStringLiteral("Render the operating picture to a PNG and exit (works "
                                     "without a display)."),
                      QStringLiteral("file")});
    parser.addOption({QStringLiteral("size"), QStringLiteral("Window size, e.g. 1920x1080."),
                      QStringLiteral("WxH")});
    parser.addOption({QStringLiteral("identity"),
                      QStringLiteral("This station's identity file, for sharing (default "
                                     "$TESSERA_IDENTITY, else the one tessera-cli uses)."),
                      QStringLiteral("file")});
    parser.addOption({QStringLiteral("contacts"),
                      QStringLiteral("The contact book (default contacts.cbor beside the "
                                     "identity)."),
                      QStringLiteral("file")});
    parser.addOption({QStringLiteral("panel"),
                      QStringLiteral("Open a panel at start: sharing, incidents or commander."),
                      QStringLiteral("name")});
    parser.addOption({QStringLiteral("select"),
                      QStringLiteral("Select this incident (its uuid) at start: the map rings it, "
                                     "the incident list highlights it."),
                      QStringLiteral("uuid")});
    parser.addOption({QStringLiteral("edit"),
                      QStringLiteral("Open the incident form at start on this incident (its uuid), "
                                     "or on a new one (\"new\")."),
                      QStringLiteral("uuid")});
    parser.addOption({QStringLiteral("route"),
                      QStringLiteral("Open the route editor at start on this patrol route (its "
                                     "uuid or name), or on a new one (\"new\")."),
                      QStringLiteral("route")});
    parser.addOption({QStringLiteral("heatmap"),
                      QStringLiteral("Show the heatmap of incidents at start (H switches it).")});
    parser.addOption({QStringLiteral("theme"),
                      QStringLiteral("dark (operations room, the default) or light (daylight)."),
                      QStringLiteral("name")});
    parser.addOption({QStringLiteral("text-scale"),
                      QStringLiteral("Scale all text by this factor (0.75 to 3; default 1)."),
                      QStringLiteral("factor")});
    parser.addOption({QStringLiteral("find"),
                      QStringLiteral("Open the find bar (Ctrl+K) with this text typed: a place, a "
                                     "region or a position (decimal degrees, DMS, UTM, MGRS)."),
                      QStringLiteral("text")});
    parser.addOption({QStringLiteral("analysis"),
                      QStringLiteral("With --screenshot and --panel commander: run an analysis "
                                     "first (hotspots, or near-repeat[:CATEGORY]) and show its "
                                     "result."),
                      QStringLiteral("name")});
    parser.process(app);

    const QString missionPath = parser.isSet(QStringLiteral("mission"))
                                    ? parser.value(QStringLiteral("mission"))
                                    : defaultMission();
    if (screenshot && missionPath.isEmpty())
        return fail(QStringLiteral("--screenshot needs --mission FILE (no demo mission found)"));

    QSize size = screenshot ? QSize(1920, 1080) : QSize();
    if (parser.isSet(QStringLiteral("size"))) {
        const QStringList parts = parser.value(QStringLiteral("size")).split(QLatin1Char('x'));
        size = parts.size() == 2 ? QSize(parts[0].toInt(), parts[1].toInt()) : QSize();
        if (size.width() < 320 || size.height() < 240 || size.width() > 8192 ||
            size.height() > 8192)
            return fail(
                QStringLiteral("--size must be WIDTHxHEIGHT between 320x240 and 8192x8192"));
    }

    const QString panel = parser.value(QStringLiteral("panel"));
    if (parser.isSet(QStringLiteral("panel")) && panel != QLatin1String("sharing") &&
        panel != QLatin1String("incidents") && panel != QLatin1String("commander"))
        return fail(QStringLiteral("--panel must be: sharing, incidents or commander"));
    const QString theme = parser.value(QStringLiteral("theme"));
    if (parser.isSet(QStringLiteral("theme")) && theme != QLatin1String("dark") &&
        theme != QLatin1String("light"))
        return fail(QStringLiteral("--theme must be: dark or light"));
    bool scaleOk = true;
    const double textScale = parser.isSet(QStringLiteral("text-scale"))
                                 ? parser.value(QStringLiteral("text-scale")).toDouble(&scaleOk)
                                 : 1.0;
    if (!scaleOk || textScale < 0.75 || textScale > 3.0)
        return fail(QStringLiteral("--text-scale must be a number from 0.75 to 3"));
    const QString analysis = parser.value(QStringLiteral("analysis"));
    if (!analysis.isEmpty() &&
        (!screenshot || (analysis != QLatin1String("hotspots") &&
                         analysis.section(QLatin1Char(':'), 0, 0) != QLatin1String("near-repeat"))))
        return fail(QStringLiteral("--analysis must be hotspots or near-repeat[:CATEGORY], with "
                                   "--screenshot"));
    auto absolute = [&parser](const char* option) {
        const QString value = parser.value(QString::fromLatin1(option));
        return value.isEmpty() ? QString() : QFileInfo(value).absoluteFilePath();
    };

    QQmlApplicationEngine engine;
    engine.setInitialProperties(
        {{QStringLiteral("missionPath"),
          missionPath.isEmpty() ? QString() : QFileInfo(missionPath).absoluteFilePath()},
         {QStringLiteral("identityPath"), absolute("identity")},
         {QStringLiteral("contactsPath"), absolute("contacts")},
         {QStringLiteral("openPanel"),
          parser.isSet(QStringLiteral("edit")) ? QStringLiteral("incidents") : panel},
         {QStringLiteral("startSelection"), parser.value(QStringLiteral("select"))},
         {QStringLiteral("theme"), theme.isEmpty() ? QStringLiteral("dark") : theme},
         {QStringLiteral("textScale"), textScale},
         {QStringLiteral("startHeatmap"), parser.isSet(QStringLiteral("heatmap"))},
         {QStringLiteral("startEditing"), parser.value(QStringLiteral("edit"))},
         {QStringLiteral("startRoute"), parser.value(QStringLiteral("route"))},
         {QStringLiteral("startFind"), parser.value(QStringLiteral("find"))}});
    engine.load(QUrl(QStringLiteral("qrc:/Tessera/Main.qml")));
    if (engine.rootObjects().isEmpty())
        return fail(QStringLiteral("the user interface could not be loaded"));
    auto* window = qobject_cast<QQuickWindow*>(engine.rootObjects().first());
    auto* mission = window->findChild<MissionController*>(QStringLiteral("mission"));
    auto* map = window->findChild<MapItem*>(QStringLiteral("map"));
    auto* sharing = window->findChild<SharingController*>(QStringLiteral("sharing"));
    if (!window || !mission || !map || !sharing)
        return fail(QStringLiteral("the user interface is incomplete"));
    if (size.isValid())
        window->resize(size);

    std::unique_ptr<ScreenshotTaker> taker;
    if (screenshot)
        taker = std::make_unique<ScreenshotTaker>(
            window, mission, panel == QLatin1String("sharing") ? sharing : nullptr,
            parser.value(QStringLiteral("screenshot")), analysis);
    const int code = QGuiApplication::exec();
    tessera::threadcheck::clearGuiThread();
    return code;
}
