// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// tessera-cli: the headless face of Tessera. Wiring only; the work is in the libraries.

#include "CliShare.h"
#include "RuntimeDir.h"
#include "geo/GeoTypes.h"
#include "interop/CursorOnTarget.h"
#include "interop/DemoMission.h"
#include "interop/MissionExport.h"
#include "interop/MissionImport.h"
#include "interop/ParseProcess.h"
#include "interop/RegionCounts.h"
#include "interop/TakPackage.h"
#include "render/MapProduct.h"
#include "render/SceneRenderer.h"
#include "share/Bundle.h"
#include "store/MissionStore.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QGuiApplication>
#include <QTextStream>

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace tessera;

namespace tessera::cli { // ShareCommands.cpp: identity, contact and bundle commands
int runShareCommand(const QStringList& args);
const char* shareUsage();
// AnalysisCommands.cpp: tessera-cli analyse ...; -1 when `args` is not one.
int runAnalysisCommand(const QStringList& args);
QString analysisUsage();
} // namespace tessera::cli

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
    p.addOption({QStringLiteral("now"),
                 QStringLiteral("Lay the scenario out so that its last incident falls in the day "
                                "before this UTC time (ISO 8601; default: now), or 'as-written'."),
                 QStringLiteral("time")});
    p.process(args);
    if (!p.isSet(QStringLiteral("sources")) || !p.isSet(QStringLiteral("scenario")) ||
        !p.isSet(QStringLiteral("out")))
        return fail(QStringLiteral("demo build needs --sources, --scenario and --out"));
    auto sources = interop::DemoSources::inFolder(p.value(QStringLiteral("sources")),
                                                  p.value(QStringLiteral("scenario")));
    const QString now = p.value(QStringLiteral("now"));
    if (now.isEmpty()) {
        sources.present = QDateTime::currentDateTimeUtc();
    } else if (now != QLatin1String("as-written")) {
        sources.present = QDateTime::fromString(now, Qt::ISODate);
        if (!sources.present.isValid())
            return fail(QStringLiteral("--now %1: not an ISO 8601 time (2026-12-08T09:00:00Z) "
                                       "nor as-written")
                            .arg(now));
    }
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
    p.setApplicationDescription(
        QStringLiteral("Render a view of a mission to PNG, or a briefing product (banner, title, "
                       "legend) to PNG or PDF."));
    p.addHelpOption();
    p.addOption(
        {QStringLiteral("mission"), QStringLiteral("Mission file."), QStringLiteral("file")});
    p.addOption({QStringLiteral("extent"),
                 QStringLiteral("West,South,East,North in degrees (default: the mission's view)."),
                 QStringLiteral("w,s,e,n")});
    p.addOption({QStringLiteral("size"), QStringLiteral("Image size (default 1920x1080)."),
                 QStringLiteral("WxH"), QStringLiteral("1920x1080")});
    p.addOption({QStringLiteral("product"),
                 QStringLiteral("A briefing product: the classification banner at top and bottom, "
                                "a title line and a legend around the map (always for a PDF).")});
    p.addPositionalArgument(QStringLiteral("output"),
                            QStringLiteral("PNG or PDF file to write (.pdf: a product)."));
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
    // A layer that cannot be drawn is left out and named; the others are drawn. One broken
    // overlay does not take the mission's picture with it.
    for (const QString& problem : scene.value()->problems())
        err() << "tessera-cli: warning: a layer is not drawn: " << problem << Qt::endl;
    geo::Extent extent = scene.value()->mission.info.initialView;
    if (p.isSet(QStringLiteral("extent"))) {
        const auto parsed = parseExtent(p.value(QStringLiteral("extent")));
        if (!parsed)
            return fail(QStringLiteral("--extent must be west,south,east,north in degrees"));
        extent = *parsed;
    }
    const auto view = render::Viewport::fittingGeographic(extent, pixels);
    const QString output = p.positionalArguments().first();
    const bool product = p.isSet(QStringLiteral("product")) ||
                         output.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive);
    QImage image;
    QStringList tileErrors;
    if (product) {
        render::Product made = render::renderProduct(*scene.value(), view, {});
        image = made.image;
        tileErrors = made.tileErrors;
    } else {
        auto outcome = render::SceneRenderer::render(*scene.value(), view);
        image = outcome.image;
        tileErrors = outcome.tileErrors;
    }
    for (const QString& e : tileErrors)
        err() << "tessera-cli: " << e << Qt::endl;
    if (Status written = render::writeProduct(image, output, scene.value()->mission.info.name);
        !written)
        return fail(written.error().message);
    out() << output << Qt::endl;
    return tileErrors.isEmpty() ? 0 : 1;
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

store::Marking markingFrom(const QCommandLineParser& p) {
    return {p.value(QStringLiteral("classification")), p.value(QStringLiteral("releasability"))};
}
void addMarkingOptions(QCommandLineParser& p) {
    p.addOption({QStringLiteral("classification"),
                 QStringLiteral("Classification of the new records (default UNCLASSIFIED)."),
                 QStringLiteral("text"), QStringLiteral("UNCLASSIFIED")});
    p.addOption({QStringLiteral("releasability"),
                 QStringLiteral("Releasability of the new records."), QStringLiteral("text")});
}

int missionCreate(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Create an empty mission file."));
    p.addHelpOption();
    p.addOption({QStringLiteral("name"), QStringLiteral("Mission name."), QStringLiteral("text")});
    p.addOption({QStringLiteral("view"), QStringLiteral("Initial view W,S,E,N in degrees."),
                 QStringLiteral("w,s,e,n"), QStringLiteral("-180,-85,180,85")});
    p.addOption({QStringLiteral("id"),
                 QStringLiteral("The mission's id, the same at every station that shares it "
                                "(default: a new one, printed)."),
                 QStringLiteral("id")});
    p.addOption({QStringLiteral("exercise"), QStringLiteral("The mission is an exercise.")});
    addMarkingOptions(p);
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file to create."));
    p.process(args);
    if (p.positionalArguments().size() != 1)
        return fail(QStringLiteral("mission create needs the file to create"));
    store::MissionInfo info;
    info.name = p.value(QStringLiteral("name"));
    if (info.name.isEmpty())
        info.name = QFileInfo(p.positionalArguments().first()).completeBaseName();
    info.marking = markingFrom(p);
    info.id = p.value(QStringLiteral("id"));
    info.exercise = p.isSet(QStringLiteral("exercise"));
    const auto view = parseExtent(p.value(QStringLiteral("view")));
    if (!view)
        return fail(QStringLiteral("--view must be west,south,east,north in degrees"));
    info.initialView = *view;
    auto mission = store::MissionStore::create(p.positionalArguments().first(), info);
    if (!mission)
        return fail(mission.error().message);
    Result<store::MissionInfo> made = mission.value().info();
    if (!made)
        return fail(made.error().message);
    out() << p.positionalArguments().first() << Qt::endl
          << "mission id " << made.value().id << Qt::endl;
    return 0;
}

int missionImport(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Import incidents (points, areas) from GeoJSON, CSV, KML, GPX or GeoPackage, all or "
        "nothing; a file Tessera exported brings back its incidents, routes and annotations "
        "with their uuids and markings; with --track, a GPX track as a route's actual track."));
    p.addHelpOption();
    p.addOption({QStringLiteral("layer"), QStringLiteral("Layer of the input to read."),
                 QStringLiteral("name")});
    p.addOption({QStringLiteral("map"),
                 QStringLiteral("Field mapping, e.g. title=name,observed_at=date (fields: title, "
                                "category, severity, status, observed_at, source, reliability, "
                                "credibility, narrative)."),
                 QStringLiteral("field=column,...")});
    p.addOption({QStringLiteral("category"), QStringLiteral("Category when the input has none."),
                 QStringLiteral("key"), QStringLiteral("crime")});
    p.addOption({QStringLiteral("skip-invalid"),
                 QStringLiteral("Import the valid features and list the rejected ones.")});
    p.addOption({QStringLiteral("batch"), QStringLiteral("Rows per committed batch."),
                 QStringLiteral("n"), QStringLiteral("20000")});
    p.addOption({QStringLiteral("track"), QStringLiteral("Import a GPX track into this route."),
                 QStringLiteral("route-uuid")});
    addMarkingOptions(p);
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file."));
    p.addPositionalArgument(QStringLiteral("input"), QStringLiteral("File to import."));
    p.process(args);
    if (p.positionalArguments().size() != 2)
        return fail(QStringLiteral("mission import needs a mission file and an input file"));
    auto mission = store::MissionStore::open(p.positionalArguments()[0],
                                             store::MissionStore::Access::ReadWrite);
    if (!mission)
        return fail(mission.error().message);
    const QString input = p.positionalArguments()[1];
    if (p.isSet(QStringLiteral("track"))) {
        auto report =
            interop::importTrack(mission.value(), input, p.value(QStringLiteral("track")));
        if (!report)
            return fail(report.error().message);
        out() << "Imported " << report.value().imported << " track points" << Qt::endl;
        return 0;
    }
    // A file Tessera exported (it has record_type) comes back as the records it holds, with
    // their uuids and markings, unless the user maps fields of another program's file.
    const bool mapped = p.isSet(QStringLiteral("layer")) || p.isSet(QStringLiteral("map")) ||
                        p.isSet(QStringLiteral("skip-invalid")) || p.isSet(QStringLiteral("batch"));
    if (!mapped) {
        // The probe reads the file in the parse process too: a file that crashes it is refused
        // here, not handed to the second reader.
        Result<bool> records = interop::holdsRecords(input);
        if (!records)
            return fail(records.error().message);
        if (records.value()) {
            interop::RecordImportOptions o;
            o.marking = markingFrom(p);
            auto r = interop::importRecords(mission.value(), input, o);
            if (!r)
                return fail(r.error().message);
            out() << "Imported " << r.value().imported.incidents << " incidents, "
                  << r.value().imported.routes << " routes, " << r.value().imported.annotations
                  << " annotations";
            if (r.value().present.total() > 0)
                out() << " (" << r.value().present.total()
                      << " already in the mission, left as they are)";
            out() << Qt::endl;
            for (const QString& note : r.value().notes)
                out() << "  note: " << note << Qt::endl;
            return 0;
        }
    }
    interop::ImportOptions options;
    options.layer = p.value(QStringLiteral("layer"));
    options.marking = markingFrom(p);
    options.defaultCategory = p.value(QStringLiteral("category"));
    options.skipInvalid = p.isSet(QStringLiteral("skip-invalid"));
    options.batchSize = p.value(QStringLiteral("batch")).toInt();
    if (options.batchSize < 1)
        return fail(QStringLiteral("--batch must be a positive number"));
    for (const QString& pair : p.values(QStringLiteral("map"))
                                   .join(QLatin1Char(','))
                                   .split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString key = pair.section(QLatin1Char('='), 0, 0).trimmed();
        const QString column = pair.section(QLatin1Char('='), 1).trimmed();
        interop::FieldMapping& m = options.mapping;
        QString* target = key == QLatin1String("title")         ? &m.title
                          : key == QLatin1String("category")    ? &m.category
                          : key == QLatin1String("severity")    ? &m.severity
                          : key == QLatin1String("status")      ? &m.status
                          : key == QLatin1String("observed_at") ? &m.observedAt
                          : key == QLatin1String("source")      ? &m.source
                          : key == QLatin1String("reliability") ? &m.reliability
                          : key == QLatin1String("credibility") ? &m.credibility
                          : key == QLatin1String("narrative")   ? &m.narrative
                                                                : nullptr;
        if (!target)
            return fail(QStringLiteral("--map: unknown field '%1'").arg(key));
        *target = column;
    }
    auto report = interop::importIncidents(mission.value(), input, options);
    if (!report)
        return fail(report.error().message);
    out() << "Imported " << report.value().imported << " incidents from "
          << (report.value().layer.contains(QLatin1Char(',')) ? "layers " : "layer ")
          << report.value().layer << Qt::endl;
    if (!report.value().rejected.isEmpty())
        out() << report.value().rejected.size() << " features rejected:\n"
              << interop::describeRejected(report.value().rejected) << Qt::endl;
    for (const QString& note : report.value().notes)
        out() << "  note: " << note << Qt::endl;
    return 0;
}

bool addQueryOptions(QCommandLineParser& p) {
    p.addOption({QStringLiteral("bbox"), QStringLiteral("West,South,East,North in degrees."),
                 QStringLiteral("w,s,e,n")});
    p.addOption({QStringLiteral("from"), QStringLiteral("Observed at or after (ISO 8601)."),
                 QStringLiteral("time")});
    p.addOption({QStringLiteral("to"), QStringLiteral("Observed before (ISO 8601)."),
                 QStringLiteral("time")});
    p.addOption({QStringLiteral("category"), QStringLiteral("Categories, comma-separated."),
                 QStringLiteral("keys")});
    p.addOption({QStringLiteral("severity"), QStringLiteral("Severities, comma-separated."),
                 QStringLiteral("levels")});
    p.addOption({QStringLiteral("status"), QStringLiteral("Statuses, comma-separated."),
                 QStringLiteral("states")});
    p.addOption({QStringLiteral("text"), QStringLiteral("Words in titles, narratives or notes."),
                 QStringLiteral("words")});
    p.addOption({QStringLiteral("sort"), QStringLiteral("newest, oldest, severity or title."),
                 QStringLiteral("order"), QStringLiteral("newest")});
    p.addOption({QStringLiteral("limit"), QStringLiteral("Rows per page."), QStringLiteral("n"),
                 QStringLiteral("50")});
    p.addOption({QStringLiteral("offset"), QStringLiteral("Rows to skip."), QStringLiteral("n"),
                 QStringLiteral("0")});
    return true;
}

std::optional<store::IncidentQuery> queryFrom(const QCommandLineParser& p, QString& problem) {
    store::IncidentQuery q;
    if (p.isSet(QStringLiteral("bbox"))) {
        q.bbox = parseExtent(p.value(QStringLiteral("bbox")));
        if (!q.bbox) {
            problem = QStringLiteral("--bbox must be west,south,east,north in degrees");
            return std::nullopt;
        }
    }
    for (const char* name : {"from", "to"}) {
        const QString option = QString::fromLatin1(name);
        if (!p.isSet(option))
            continue;
        QDateTime t = QDateTime::fromString(p.value(option), Qt::ISODate);
        if (!t.isValid()) {
            problem = QStringLiteral("--%1 must be an ISO 8601 time").arg(option);
            return std::nullopt;
        }
        if (t.timeSpec() == Qt::LocalTime)
            t.setTimeSpec(Qt::UTC);
        (option == QLatin1String("from") ? q.from : q.to) = t;
    }
    auto list = [&](const char* name) {
        return p.value(QString::fromLatin1(name)).split(QLatin1Char(','), Qt::SkipEmptyParts);
    };
    q.categories = list("category");
    for (const QString& s : list("severity")) {
        const auto v = store::severityFromString(s);
        if (!v) {
            problem = QStringLiteral("unknown severity '%1'").arg(s);
            return std::nullopt;
        }
        q.severities.append(*v);
    }
    for (const QString& s : list("status")) {
        const auto v = store::incidentStatusFromString(s);
        if (!v) {
            problem = QStringLiteral("unknown status '%1'").arg(s);
            return std::nullopt;
        }
        q.statuses.append(*v);
    }
    q.text = p.value(QStringLiteral("text"));
    const QString sort = p.value(QStringLiteral("sort"));
    if (sort == QLatin1String("newest"))
        q.order = store::IncidentOrder::NewestFirst;
    else if (sort == QLatin1String("oldest"))
        q.order = store::IncidentOrder::OldestFirst;
    else if (sort == QLatin1String("severity"))
        q.order = store::IncidentOrder::MostSevere;
    else if (sort == QLatin1String("title"))
        q.order = store::IncidentOrder::Title;
    else {
        problem = QStringLiteral("--sort must be newest, oldest, severity or title");
        return std::nullopt;
    }
    q.limit = p.value(QStringLiteral("limit")).toInt();
    q.offset = p.value(QStringLiteral("offset")).toInt();
    return q;
}

int missionQuery(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Find incidents; one per line, tab-separated."));
    p.addHelpOption();
    addQueryOptions(p);
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file."));
    p.process(args);
    if (p.positionalArguments().size() != 1)
        return fail(QStringLiteral("mission query needs a mission file"));
    QString problem;
    const auto query = queryFrom(p, problem);
    if (!query)
        return fail(problem);
    auto mission = store::MissionStore::open(p.positionalArguments()[0],
                                             store::MissionStore::Access::ReadOnly);
    if (!mission)
        return fail(mission.error().message);
    auto page = mission.value().queryIncidents(*query);
    if (!page)
        return fail(page.error().message);
    for (const store::Incident& i : page.value().incidents)
        out() << i.uuid << '\t' << i.observedAt.toString(Qt::ISODate) << '\t'
              << store::toString(i.severity) << '\t' << store::toString(i.status) << '\t'
              << i.category << '\t' << QString::number(i.location.lon, 'f', 5) << ','
              << QString::number(i.location.lat, 'f', 5) << '\t' << i.title << '\n';
    out() << page.value().incidents.size() << " of " << page.value().total << " incidents"
          << Qt::endl;
    return 0;
}

/// --for PEER and --contacts FILE: an export made for a recipient (docs/sharing.md).
void addRecipientOptions(QCommandLineParser& p) {
    p.addOption({QStringLiteral("for"),
                 QStringLiteral("Export for this peer (station name or fingerprint): only what "
                                "it is cleared for is written."),
                 QStringLiteral("peer")});
    p.addOption({QStringLiteral("contacts"),
                 QStringLiteral("The contact book that knows the peer (default: the sharing "
                                "commands' contact book)."),
                 QStringLiteral("file")});
}

/// The release decision for --for PEER; an empty function without it (the operator's own copy).
Result<store::ReleaseFilter> recipientFilter(const QCommandLineParser& p) {
    if (!p.isSet(QStringLiteral("for")))
        return store::ReleaseFilter();
    return cli::releaseFilter(p.value(QStringLiteral("for")), p.value(QStringLiteral("contacts")));
}

void printExported(const QCommandLineParser& p, qint64 written, const char* what, qint64 withheld) {
    out() << "Exported " << written << what << " to " << p.positionalArguments()[1];
    if (p.isSet(QStringLiteral("for")))
        out() << " (" << withheld << " withheld: not releasable to "
              << p.value(QStringLiteral("for")) << ")";
    out() << Qt::endl;
}

int missionExport(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral("Export incidents, patrol routes and annotations, each with its marking, to "
                       "GeoJSON, GeoPackage, KML, KMZ or GPX (by the output's extension). The "
                       "query options choose the incidents; routes and annotations go whole."));
    p.addHelpOption();
    addQueryOptions(p);
    p.addOption({QStringLiteral("records"),
                 QStringLiteral("Which kinds to write (default: all three)."),
                 QStringLiteral("incidents,routes,annotations")});
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file."));
    p.addPositionalArgument(QStringLiteral("output"),
                            QStringLiteral(".geojson, .gpkg, .kml, .kmz or .gpx file."));
    addRecipientOptions(p);
    p.process(args);
    if (p.positionalArguments().size() != 2)
        return fail(QStringLiteral("mission export needs a mission file and an output file"));
    auto releasable = recipientFilter(p);
    if (!releasable)
        return fail(releasable.error().message);
    QString problem;
    auto query = queryFrom(p, problem);
    if (!query)
        return fail(problem);
    if (!p.isSet(QStringLiteral("sort")))
        query->order = store::IncidentOrder::OldestFirst;
    if (!p.isSet(QStringLiteral("limit")))
        query->limit = 0; // everything
    auto mission = store::MissionStore::open(p.positionalArguments()[0],
                                             store::MissionStore::Access::ReadOnly);
    if (!mission)
        return fail(mission.error().message);
    interop::RecordExportOptions options;
    options.incidentQuery = *query;
    options.releasable = releasable.value();
    if (options.releasable) { // for a release to the region: the mission's regions, if any
        if (Result<store::MissionSnapshot> snapshot = mission.value().snapshot())
            if (const auto layer = interop::regionLayer(snapshot.value()))
                if (auto regions = interop::regionLocator(snapshot.value().resolveSource(*layer),
                                                          layer->sourceLayer))
                    options.regions = regions.value();
    }
    if (p.isSet(QStringLiteral("records"))) {
        const QStringList kinds =
            p.value(QStringLiteral("records")).split(QLatin1Char(','), Qt::SkipEmptyParts);
        for (const QString& kind : kinds)
            if (kind != QLatin1String("incidents") && kind != QLatin1String("routes") &&
                kind != QLatin1String("annotations"))
                return fail(QStringLiteral("--records: unknown kind '%1' (incidents, routes, "
                                           "annotations)")
                                .arg(kind));
        options.incidents = kinds.contains(QStringLiteral("incidents"));
        options.routes = kinds.contains(QStringLiteral("routes"));
        options.annotations = kinds.contains(QStringLiteral("annotations"));
    }
    auto report = interop::exportRecords(mission.value(), p.positionalArguments()[1], options);
    if (!report)
        return fail(report.error().message);
    const interop::RecordExportReport& r = report.value();
    out() << "Exported " << r.written.incidents << " incidents, " << r.written.routes << " routes, "
          << r.written.annotations << " annotations to " << p.positionalArguments()[1];
    if (p.isSet(QStringLiteral("for")))
        out() << " (" << r.withheld.total() << " withheld: not releasable to "
              << p.value(QStringLiteral("for")) << "; " << r.sanitised
              << " incidents as sanitised versions)";
    out() << Qt::endl;
    for (const QString& note : r.notes)
        out() << note << Qt::endl;
    return 0;
}

int missionStats(const QStringList& args) {
    QCommandLineParser p;
    p.addHelpOption();
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file."));
    p.process(args);
    if (p.positionalArguments().size() != 1)
        return fail(QStringLiteral("mission stats needs a mission file"));
    auto mission = store::MissionStore::open(p.positionalArguments()[0],
                                             store::MissionStore::Access::ReadOnly);
    if (!mission)
        return fail(mission.error().message);
    auto stats = mission.value().stats();
    if (!stats)
        return fail(stats.error().message);
    const store::MissionStats& s = stats.value();
    out() << "schema " << s.schemaVersion << ", station " << s.station << "\n"
          << s.incidents << " incidents (" << s.deletedIncidents << " deleted), " << s.notes
          << " notes, " << s.attachments << " attachments, " << s.routes << " routes, "
          << s.annotations << " annotations\n"
          << s.changes << " change-log entries, " << s.imports << " imports, " << s.bytes
          << " bytes\n";
    auto group = [&](const char* title, const QMap<QString, qint64>& counts) {
        out() << title << ":";
        for (auto it = counts.begin(); it != counts.end(); ++it)
            out() << " " << it.key() << "=" << it.value();
        out() << "\n";
    };
    group("severity", s.bySeverity);
    group("status", s.byStatus);
    group("category", s.byCategory);
    out().flush();
    return 0;
}

/// The operator's default marking for CoT events that carry none (ATAK sends most without
/// `access`): --default-marking and --default-releasability, checked against the marking grammar.
void addDefaultMarkingOptions(QCommandLineParser& p) {
    p.addOption({QStringLiteral("default-marking"),
                 QStringLiteral("Classification for events that carry none (no access, or "
                                "access=\"Undefined\"), e.g. \"UNCLASSIFIED\". Each record so "
                                "marked says so. Without it, such events are refused."),
                 QStringLiteral("marking")});
    p.addOption({QStringLiteral("default-releasability"),
                 QStringLiteral("Releasability to go with --default-marking, e.g. \"REL TO UN\"."),
                 QStringLiteral("rel")});
}

/// The CoT options the command line gives, or why they are not valid.
Result<interop::CotImportOptions> cotOptions(const QCommandLineParser& p) {
    interop::CotImportOptions options;
    if (p.isSet(QStringLiteral("default-releasability")) &&
        !p.isSet(QStringLiteral("default-marking")))
        return Error{QStringLiteral("--default-releasability needs --default-marking")};
    if (p.isSet(QStringLiteral("default-marking"))) {
        auto marking = interop::cotDefaultMarking(p.value(QStringLiteral("default-marking")),
                                                  p.value(QStringLiteral("default-releasability")));
        if (!marking)
            return marking.error();
        options.defaultMarking = marking.value();
    }
    return options;
}

/// `tessera-cli cot import|export` and `tak import|export`: Cursor-on-Target files and TAK data
/// packages for TAK users (docs/formats/cot.md, docs/formats/tak.md).
int takCommand(const QString& format, const QString& sub, const QStringList& args) {
    const bool package = format == QLatin1String("tak");
    QCommandLineParser p;
    p.addHelpOption();
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file."));
    const QCommandLineOption nameOption(QStringLiteral("name"),
                                        QStringLiteral("The package's name, as TAK shows it."),
                                        QStringLiteral("name"));
    if (sub == QLatin1String("import")) {
        p.setApplicationDescription(
            package ? QStringLiteral("Import a TAK data package (zip): its CoT events as "
                                     "incidents, routes and annotations, files for an event as "
                                     "attachments, KML/KMZ overlays as map layers. All or "
                                     "nothing; unsafe archives are refused.")
                    : QStringLiteral("Import the events of a CoT file (one or more <event>s back "
                                     "to back, as TAK sends them) as incidents, routes and "
                                     "annotations, all or nothing. An event whose uid is held "
                                     "updates it."));
        p.addPositionalArgument(QStringLiteral("input"), package ? QStringLiteral("Zip file.")
                                                                 : QStringLiteral("CoT XML file."));
        addDefaultMarkingOptions(p);
    } else {
        p.setApplicationDescription(
            package ? QStringLiteral("Export the mission's incidents (with attachments), routes "
                                     "and annotations as a TAK data package.")
                    : QStringLiteral("Export the mission's incidents, routes and annotations as "
                                     "CoT events, one after another in one file."));
        p.addPositionalArgument(QStringLiteral("output"), package
                                                              ? QStringLiteral("Zip file.")
                                                              : QStringLiteral("CoT XML file."));
        addRecipientOptions(p);
        if (package)
            p.addOption(nameOption);
    }
    p.process(args);
    if (p.positionalArguments().size() != 2)
        return fail(QStringLiteral("%1 %2 needs a mission and a file").arg(format, sub));
    auto mission = store::MissionStore::open(p.positionalArguments()[0],
                                             store::MissionStore::Access::ReadWrite);
    if (!mission)
        return fail(mission.error().message);
    const QString file = p.positionalArguments()[1];
    interop::CotImportOptions cot;
    if (sub == QLatin1String("import")) {
        auto options = cotOptions(p);
        if (!options)
            return fail(options.error().message);
        cot = options.value();
    }
    if (sub == QLatin1String("import") && package) {
        auto report = interop::importTakPackage(mission.value(), file, {}, cot);
        if (!report)
            return fail(report.error().message);
        const interop::TakImportReport& r = report.value();
        out() << "Imported package \"" << r.package << "\": " << r.incidents << " incidents, "
              << r.routes << " routes, " << r.annotations << " annotations, " << r.attachments
              << " attachments, " << r.layers.size() << " map layers" << Qt::endl;
        for (const QString& layer : r.layers)
            out() << "  layer: " << layer << Qt::endl;
        for (const QString& skipped : r.skipped)
            out() << "  not taken: " << skipped << Qt::endl;
        for (const QString& note : r.notes)
            out() << "  note: " << note << Qt::endl;
        return 0;
    }
    if (sub == QLatin1String("import")) {
        auto report = interop::importCot(mission.value(), file, cot);
        if (!report)
            return fail(report.error().message);
        out() << "Imported " << report.value().imported
              << " CoT events (incidents, routes and annotations)" << Qt::endl;
        for (const QString& note : report.value().notes)
            out() << "  note: " << note << Qt::endl;
        return 0;
    }
    auto releasable = recipientFilter(p);
    if (!releasable)
        return fail(releasable.error().message);
    qint64 withheld = 0;
    auto written =
        package
            ? interop::exportTakPackage(mission.value(), file,
                                        p.isSet(nameOption) ? p.value(nameOption)
                                                            : QFileInfo(file).completeBaseName(),
                                        store::wholeRecordsOnly(releasable.value()), &withheld)
            : interop::exportCot(mission.value(), file, store::wholeRecordsOnly(releasable.value()),
                                 &withheld);
    if (!written)
        return fail(written.error().message);
    printExported(p, written.value(),
                  package ? " records into a TAK data package" : " records as CoT events",
                  withheld);
    return 0;
}

/// `tessera-cli cot listen`: a TCP feed of CoT events, as a TAK client or server sends it,
/// each event applied as it completes (one transaction each). One client at a time.
int cotListen(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Listen on a local TCP port for a feed of CoT events and apply each as an incident."));
    p.addHelpOption();
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file."));
    p.addOption({QStringLiteral("listen"), QStringLiteral("Address (default 127.0.0.1)."),
                 QStringLiteral("address")});
    p.addOption({QStringLiteral("port"), QStringLiteral("TCP port (default 8087, TAK's)."),
                 QStringLiteral("n")});
    p.addOption({QStringLiteral("count"), QStringLiteral("Stop after this many events."),
                 QStringLiteral("n")});
    addDefaultMarkingOptions(p);
    p.process(args);
    if (p.positionalArguments().size() != 1)
        return fail(QStringLiteral("cot listen needs a mission"));
    auto cot = cotOptions(p);
    if (!cot)
        return fail(cot.error().message);
    auto mission = store::MissionStore::open(p.positionalArguments()[0],
                                             store::MissionStore::Access::ReadWrite);
    if (!mission)
        return fail(mission.error().message);
    const int port =
        p.isSet(QStringLiteral("port")) ? p.value(QStringLiteral("port")).toInt() : 8087;
    const int count = p.value(QStringLiteral("count")).toInt();
    const QByteArray address =
        (p.isSet(QStringLiteral("listen")) ? p.value(QStringLiteral("listen"))
                                           : QStringLiteral("127.0.0.1"))
            .toLatin1();
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(static_cast<quint16>(port));
    const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    if (server < 0 || inet_pton(AF_INET, address.constData(), &at.sin_addr) != 1 ||
        setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        ::bind(server, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0 ||
        ::listen(server, 4) != 0)
        return fail(QStringLiteral("cannot listen on %1 port %2: %3")
                        .arg(QString::fromLatin1(address))
                        .arg(port)
                        .arg(QString::fromLocal8Bit(std::strerror(errno))));
    socklen_t length = sizeof at;
    getsockname(server, reinterpret_cast<sockaddr*>(&at), &length);
    out() << "listening for CoT on " << address << " port " << ntohs(at.sin_port) << Qt::endl;
    int applied = 0;
    for (;;) {
        const int client = ::accept4(server, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0)
            continue;
        interop::CotStreamSplitter splitter;
        char buffer[65536];
        bool dropped = false;
        for (ssize_t n; !dropped && (n = ::read(client, buffer, sizeof buffer)) > 0;) {
            splitter.feed(QByteArray(buffer, static_cast<qsizetype>(n)));
            for (;;) {
                auto piece = splitter.next();
                if (!piece) {
                    // Dropped for real: the socket is closed below, not read on (reading on
                    // buffered a hostile client's every byte).
                    err() << "tessera-cli: feed dropped: " << piece.error().message << Qt::endl;
                    dropped = true;
                    break;
                }
                if (!piece.value())
                    break;
                auto read = interop::readCotStream(*piece.value(), cot.value().limits);
                if (!read) {
                    err() << "tessera-cli: event refused: " << read.error().message << Qt::endl;
                    continue;
                }
                for (const interop::CotProblem& problem : read.value().problems)
                    err() << "tessera-cli: event refused: " << problem.reason << Qt::endl;
                auto done =
                    interop::applyCotEvents(mission.value(), read.value().events, cot.value());
                if (!done) {
                    err() << "tessera-cli: event refused: " << done.error().message << Qt::endl;
                    continue;
                }
                for (const interop::CotEvent& e : read.value().events)
                    out() << (interop::isControlMessage(e) ? "ignored control message "
                                                           : "applied ")
                          << e.uid << " (" << e.type << ")"
                          << (e.isStale(QDateTime::currentDateTimeUtc()) ? ", stale" : "")
                          << Qt::endl;
                applied += done.value();
                if (count > 0 && applied >= count) {
                    ::close(client);
                    ::close(server);
                    return 0;
                }
            }
        }
        ::close(client);
    }
}

void usage() {
    out() << "Usage: tessera-cli COMMAND [options]\n\n"
             "Commands:\n"
             "  demo build --sources DIR --scenario FILE --out DIR [--now TIME|as-written]\n"
             "                                                      build the demo mission\n"
             "  render --mission FILE [--extent W,S,E,N] [--size WxH] [--product] OUT.png|OUT.pdf\n"
             "  mission info FILE                                     what a mission holds\n"
             "  mission create FILE [--name N] [--id ID] [--exercise] [--classification C]\n"
             "                                                        a new, empty mission\n"
             "  mission import FILE INPUT [--map f=col,...] [--skip-invalid] [--track ROUTE]\n"
             "  mission export FILE OUT.geojson|.gpkg|.kml|.kmz|.gpx [query options] [--for PEER]\n"
             "                 [--records incidents,routes,annotations]\n"
             "  mission query FILE [--bbox W,S,E,N] [--from T] [--to T] [--text WORDS] ...\n"
             "  mission stats FILE                                    counts, size, schema\n"
             "  cot import FILE INPUT.cot | export FILE OUT.cot [--for PEER]   TAK's CoT events\n"
             "  cot listen FILE [--port 8087] [--count N]            a TCP feed of CoT events\n"
             "      (cot import, cot listen, tak import: [--default-marking M\n"
             "       [--default-releasability R]] for events that carry no classification)\n"
             "  tak import FILE PACKAGE.zip | export FILE OUT.zip [--name N] [--for PEER]\n"
             "                                                       TAK data packages\n"
          << cli::analysisUsage() << cli::shareUsage() << "\nEach command takes --help.\n";
    out().flush();
}

} // namespace

int main(int argc, char* argv[]) {
    // The parse process (interop/ParseProcess.h): a file read apart from Tessera, with limits.
    // Qt Core only, so that it starts fast and its memory limit is the reader's.
    if (argc > 1 && std::strcmp(argv[1], "parse-records") == 0) {
        QCoreApplication core(argc, argv);
        const QStringList args = QCoreApplication::arguments();
        return interop::runParseRecords(args.mid(0, 1) + args.mid(2));
    }
    // Text and image drawing need a QGuiApplication; the CLI never opens a window.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    app::ensureRuntimeDir();
    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName(QStringLiteral("tessera-cli"));
    share::setRegionProvider(interop::regionsOfMission); // REGION releases in bundles
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
    if (command == QLatin1String("mission") && args.size() > 2) {
        const QString sub = args[2];
        const QStringList rest = args.mid(0, 1) + args.mid(3);
        if (sub == QLatin1String("info"))
            return missionInfo(rest);
        if (sub == QLatin1String("create"))
            return missionCreate(rest);
        if (sub == QLatin1String("import"))
            return missionImport(rest);
        if (sub == QLatin1String("export"))
            return missionExport(rest);
        if (sub == QLatin1String("query"))
            return missionQuery(rest);
        if (sub == QLatin1String("stats"))
            return missionStats(rest);
    }
    if (command == QLatin1String("cot") && args.size() > 2 && args[2] == QLatin1String("listen"))
        return cotListen(args.mid(0, 1) + args.mid(3));
    if ((command == QLatin1String("cot") || command == QLatin1String("tak")) && args.size() > 2 &&
        (args[2] == QLatin1String("import") || args[2] == QLatin1String("export")))
        return takCommand(command, args[2], args.mid(0, 1) + args.mid(3));
    if (const int analysed = cli::runAnalysisCommand(args); analysed >= 0)
        return analysed;
    if (const int shared = cli::runShareCommand(args); shared >= 0)
        return shared;
    usage();
    return 2;
}
