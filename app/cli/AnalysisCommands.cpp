// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// tessera-cli analyse ...: emerging hot spots, near repeats and unusual activity of a mission's
// incidents (docs/analysis.md), as tables, and as layers of the mission with --layer.
#include "CliShare.h"
#include "interop/AnalysisLayers.h"
#include "interop/ExerciseHistory.h"
#include "render/MapScene.h"
#include "report/Sitrep.h"
#include "store/MissionStore.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QLocale>

#include <map>

namespace tessera::cli {

namespace {

using interop::AnalysisScope;

std::optional<QDateTime> timeOption(const QCommandLineParser& p, const QString& name,
                                    QString& problem) {
    if (!p.isSet(name))
        return QDateTime();
    QDateTime t = QDateTime::fromString(p.value(name), Qt::ISODate);
    if (!t.isValid()) {
        problem = QStringLiteral("--%1 must be an ISO 8601 time").arg(name);
        return std::nullopt;
    }
    if (t.timeSpec() == Qt::LocalTime)
        t.setTimeSpec(Qt::UTC);
    return t;
}

std::optional<std::vector<double>> numbers(const QString& text) {
    std::vector<double> out;
    for (const QString& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        out.push_back(part.trimmed().toDouble(&ok));
        if (!ok)
            return std::nullopt;
    }
    return out;
}

/// Writes a layer made by an analysis and puts it in the mission's stack.
int attachLayer(const QString& missionPath, const QString& name, const QString& file,
                const QString& style) {
    Result<store::LayerSpec> layer = interop::storeAnalysisLayer(missionPath, name, file, style);
    if (!layer)
        return fail(layer.error().message);
    out() << "layer \"" << name << "\" (" << layer.value().source << ") is in the mission"
          << Qt::endl;
    return 0;
}

/// Every incident of the mission, read-only.
Result<QList<store::Incident>> missionIncidents(const QString& path) {
    auto mission = store::MissionStore::open(path, store::MissionStore::Access::ReadOnly);
    if (!mission)
        return mission.error();
    return mission.value().incidents();
}

int hotSpots(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Emerging hot spots: Getis-Ord Gi* of every cell and step of a space-time cube of the "
        "incidents, corrected for the false-discovery rate, and each cell's pattern (new, "
        "intensifying, persistent, ...). The cube ends at --to (default now)."));
    p.addHelpOption();
    p.addOptions({
        {QStringLiteral("to"), QStringLiteral("End of the last step (ISO 8601)."),
         QStringLiteral("time")},
        {QStringLiteral("category"), QStringLiteral("Only these categories (comma-separated)."),
         QStringLiteral("list")},
        {QStringLiteral("cell"), QStringLiteral("Cell side in metres (default 1000)."),
         QStringLiteral("metres"), QStringLiteral("1000")},
        {QStringLiteral("step-days"), QStringLiteral("Step length in days (default 7)."),
         QStringLiteral("days"), QStringLiteral("7")},
        {QStringLiteral("steps"), QStringLiteral("Number of steps (default 12)."),
         QStringLiteral("n"), QStringLiteral("12")},
        {QStringLiteral("neighbours"),
         QStringLiteral("Neighbourhood radius in metres (default 1.5 cells)."),
         QStringLiteral("metres"), QStringLiteral("0")},
        {QStringLiteral("lag"),
         QStringLiteral("Steps before and after in a bin's neighbourhood "
                        "(default 1)."),
         QStringLiteral("n"), QStringLiteral("1")},
        {QStringLiteral("fdr"), QStringLiteral("False-discovery rate (default 0.05)."),
         QStringLiteral("q"), QStringLiteral("0.05")},
        {QStringLiteral("layer"), QStringLiteral("Write the result as the mission's layer "
                                                 "\"Emerging hot spots\".")},
    });
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file."));
    p.process(args);
    if (p.positionalArguments().size() != 1)
        return fail(QStringLiteral("analyse hotspots needs a mission file"));
    const QString path = p.positionalArguments()[0];
    QString problem;
    const auto to = timeOption(p, QStringLiteral("to"), problem);
    if (!to)
        return fail(problem);
    AnalysisScope scope;
    scope.window.to = *to;
    scope.categories =
        p.value(QStringLiteral("category")).split(QLatin1Char(','), Qt::SkipEmptyParts);
    analysis::HotSpotParameters parameters;
    parameters.neighbourDistance = p.value(QStringLiteral("neighbours")).toDouble();
    parameters.timeLag = p.value(QStringLiteral("lag")).toInt();
    parameters.falseDiscovery = p.value(QStringLiteral("fdr")).toDouble();
    if (!(parameters.falseDiscovery > 0 && parameters.falseDiscovery < 1))
        return fail(QStringLiteral("--fdr must be between 0 and 1"));

    Result<QList<store::Incident>> incidents = missionIncidents(path);
    if (!incidents)
        return fail(incidents.error().message);
    Result<interop::HotSpotRun> run = interop::runEmergingHotSpots(
        incidents.value(), scope, p.value(QStringLiteral("cell")).toDouble(),
        p.value(QStringLiteral("step-days")).toDouble(), p.value(QStringLiteral("steps")).toInt(),
        parameters);
    if (!run)
        return fail(run.error().message);
    const analysis::HotSpotResult& r = run.value().result;
    out() << r.cube.events << " incidents in " << r.cube.locations.size() << " cells x "
          << r.cube.steps()
          << " steps; significant at p <= " << QString::number(r.pThreshold, 'g', 3)
          << " (false-discovery rate " << parameters.falseDiscovery << ")\n\n";
    std::map<QString, int> byPattern;
    for (const analysis::LocationPattern& l : r.locations)
        if (const QString key = interop::patternKey(l); !key.isEmpty())
            ++byPattern[key];
    out() << "pattern\tcells\n";
    for (const auto& [key, n] : byPattern)
        out() << key << '\t' << n << '\n';
    if (byPattern.empty())
        out() << "(no cell shows a pattern)\n";
    out().flush();
    if (!p.isSet(QStringLiteral("layer")))
        return 0;
    if (byPattern.empty()) {
        out() << "no layer written: nothing to draw" << Qt::endl;
        return 0;
    }
    const QString file = interop::analysisLayerFile(path, QStringLiteral("hot-spots.geojson"));
    if (Status s = interop::writeHotSpotLayer(run.value(), file); !s)
        return fail(s.error().message);
    return attachLayer(path, QStringLiteral("Emerging hot spots"), file,
                       interop::hotSpotStyle(run.value().markings));
}

int nearRepeat(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Near repeats: the Knox test of the incidents over distance and time bands, with seeded "
        "Monte Carlo permutations; observed pairs over expected, and significance, per band."));
    p.addHelpOption();
    p.addOptions({
        {QStringLiteral("from"), QStringLiteral("Start (ISO 8601)."), QStringLiteral("time")},
        {QStringLiteral("to"), QStringLiteral("End (ISO 8601; default now)."),
         QStringLiteral("time")},
        {QStringLiteral("category"), QStringLiteral("Only these categories (comma-separated)."),
         QStringLiteral("list")},
        {QStringLiteral("distances"), QStringLiteral("Distance band edges in metres."),
         QStringLiteral("list"), QStringLiteral("0,250,500,1000,2000")},
        {QStringLiteral("days"), QStringLiteral("Time band edges in days."), QStringLiteral("list"),
         QStringLiteral("0,7,14,28")},
        {QStringLiteral("permutations"), QStringLiteral("Monte Carlo permutations (default 999)."),
         QStringLiteral("n"), QStringLiteral("999")},
        {QStringLiteral("seed"), QStringLiteral("Seed of the permutations."), QStringLiteral("n"),
         QStringLiteral("20261207")},
        {QStringLiteral("layer"), QStringLiteral("Write the risk rings as the mission's layer "
                                                 "\"Near-repeat risk\".")},
    });
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file."));
    p.process(args);
    if (p.positionalArguments().size() != 1)
        return fail(QStringLiteral("analyse near-repeat needs a mission file"));
    const QString path = p.positionalArguments()[0];
    QString problem;
    const auto from = timeOption(p, QStringLiteral("from"), problem);
    const auto to = from ? timeOption(p, QStringLiteral("to"), problem) : std::nullopt;
    if (!from || !to)
        return fail(problem);
    AnalysisScope scope;
    scope.window.from = *from;
    scope.window.to = *to;
    scope.categories =
        p.value(QStringLiteral("category")).split(QLatin1Char(','), Qt::SkipEmptyParts);
    analysis::KnoxBands bands;
    const auto distances = numbers(p.value(QStringLiteral("distances")));
    const auto days = numbers(p.value(QStringLiteral("days")));
    if (!distances || !days)
        return fail(QStringLiteral("--distances and --days are numbers separated by commas"));
    bands.distances = *distances;
    bands.days = *days;
    bands.permutations = p.value(QStringLiteral("permutations")).toInt();
    bands.seed = p.value(QStringLiteral("seed")).toULongLong();

    Result<QList<store::Incident>> incidents = missionIncidents(path);
    if (!incidents)
        return fail(incidents.error().message);
    Result<interop::NearRepeatRun> run = interop::runNearRepeat(incidents.value(), scope, bands);
    if (!run)
        return fail(run.error().message);
    const analysis::KnoxResult& t = run.value().table;
    out() << t.events << " incidents, " << t.pairs << " pairs; " << bands.permutations
          << " permutations (seed " << bands.seed << ")\n\n"
          << "distance (m)\ttime (days)\tobserved\texpected\tratio\tp\n";
    for (const analysis::KnoxCell& c : t.cells)
        out() << bands.distances[static_cast<std::size_t>(c.distanceBand)] << "-"
              << bands.distances[static_cast<std::size_t>(c.distanceBand) + 1] << '\t'
              << bands.days[static_cast<std::size_t>(c.timeBand)] << "-"
              << bands.days[static_cast<std::size_t>(c.timeBand) + 1] << '\t' << c.observed << '\t'
              << QString::number(c.expected, 'f', 1) << '\t' << QString::number(c.ratio, 'f', 2)
              << '\t' << QString::number(c.p, 'f', 3) << (c.p <= 0.05 && c.ratio > 1 ? "\t*" : "")
              << '\n';
    out() << '\n'
          << (run.value().rings.empty()
                  ? QStringLiteral("no near-repeat pattern in the nearest bands: no risk rings")
                  : QStringLiteral("%1 incident(s) of the last %2 days get a risk ring of %3 m")
                        .arg(run.value().rings.size())
                        .arg(bands.days[1])
                        .arg(run.value().rings.front().radius))
          << Qt::endl;
    if (!p.isSet(QStringLiteral("layer")))
        return 0;
    const QString file =
        interop::analysisLayerFile(path, QStringLiteral("near-repeat-risk.geojson"));
    if (run.value().rings.empty()) {
        out() << "no layer written: nothing to draw" << Qt::endl;
        return 0;
    }
    if (Status s = interop::writeRiskRingLayer(run.value(), file); !s)
        return fail(s.error().message);
    return attachLayer(path, QStringLiteral("Near-repeat risk"), file,
                       interop::riskRingStyle(run.value().markings));
}

int unusual(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Unusual activity: each first-level region's and category's count this period against "
        "the same region's previous periods (Poisson, or negative binomial when they vary more)."));
    p.addHelpOption();
    p.addOptions({
        {QStringLiteral("to"), QStringLiteral("End of the period (ISO 8601; default now)."),
         QStringLiteral("time")},
        {QStringLiteral("period-days"), QStringLiteral("Period length in days (default 7)."),
         QStringLiteral("days"), QStringLiteral("7")},
        {QStringLiteral("baseline"), QStringLiteral("Periods of baseline before it (default 8)."),
         QStringLiteral("n"), QStringLiteral("8")},
    });
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file."));
    p.process(args);
    if (p.positionalArguments().size() != 1)
        return fail(QStringLiteral("analyse unusual needs a mission file"));
    QString problem;
    const auto to = timeOption(p, QStringLiteral("to"), problem);
    if (!to)
        return fail(problem);
    auto mission = store::MissionStore::open(p.positionalArguments()[0],
                                             store::MissionStore::Access::ReadOnly);
    if (!mission)
        return fail(mission.error().message);
    auto snapshot = mission.value().snapshot();
    if (!snapshot)
        return fail(snapshot.error().message);
    Result<std::vector<analysis::Assessment>> flagged = interop::runUnusualActivity(
        snapshot.value(), to->isValid() ? *to : QDateTime::currentDateTimeUtc(),
        p.value(QStringLiteral("period-days")).toDouble(),
        p.value(QStringLiteral("baseline")).toInt());
    if (!flagged)
        return fail(flagged.error().message);
    out() << "region\tcategory\tthis period\texpected\tinterval\tp\n";
    for (const analysis::Assessment& a : flagged.value())
        out() << a.region << '\t' << a.category << '\t' << a.current << '\t'
              << QString::number(a.expected, 'f', 1) << '\t' << a.low << "-" << a.high << '\t'
              << QString::number(a.p, 'g', 3) << '\t'
              << (a.busy ? "busier than usual" : "quieter than usual") << '\n';
    out() << flagged.value().size() << " unusual" << Qt::endl;
    return 0;
}

int exerciseHistory(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Adds an exercise history for analysis training: weeks of EXERCISE incidents around the "
        "mission's incidents, with an emerging hot spot, near repeats and a surge planted."));
    p.addHelpOption();
    p.addOptions({
        {QStringLiteral("incidents"), QStringLiteral("About how many (default 3000)."),
         QStringLiteral("n"), QStringLiteral("3000")},
        {QStringLiteral("weeks"), QStringLiteral("Weeks before now (default 26)."),
         QStringLiteral("n"), QStringLiteral("26")},
        {QStringLiteral("seed"), QStringLiteral("Seed (default 20261207)."), QStringLiteral("n"),
         QStringLiteral("20261207")},
    });
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file."));
    p.process(args);
    if (p.positionalArguments().size() != 1)
        return fail(QStringLiteral("analyse exercise-history needs a mission file"));
    interop::ExerciseHistoryOptions options;
    options.incidents = p.value(QStringLiteral("incidents")).toInt();
    options.weeks = p.value(QStringLiteral("weeks")).toInt();
    options.seed = p.value(QStringLiteral("seed")).toULongLong();
    if (options.incidents < 1 || options.weeks < 1)
        return fail(QStringLiteral("--incidents and --weeks must be positive"));
    auto mission = store::MissionStore::open(p.positionalArguments()[0],
                                             store::MissionStore::Access::ReadWrite);
    if (!mission)
        return fail(mission.error().message);
    Result<int> added = interop::addExerciseHistory(mission.value(), options);
    if (!added)
        return fail(added.error().message);
    out() << "added " << added.value() << " exercise incidents over " << options.weeks << " weeks"
          << Qt::endl;
    return 0;
}

int sitrep(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "A situation report of a period as a PDF (or PNG pages): the map, counts by kind and "
        "region, incidents over time, emerging hot spots, unusual activity, significant "
        "incidents and patrols, every page under the banner of the highest marking it holds."));
    p.addHelpOption();
    p.addOptions({
        {QStringLiteral("from"),
         QStringLiteral("Start of the period (ISO 8601; default 7 days "
                        "before --to)."),
         QStringLiteral("time")},
        {QStringLiteral("to"), QStringLiteral("End of the period (ISO 8601; default now)."),
         QStringLiteral("time")},
        {QStringLiteral("out"), QStringLiteral("report.pdf, or report.png for report-1.png, ..."),
         QStringLiteral("file")},
        {QStringLiteral("cell"), QStringLiteral("Hot spot cell side in metres (default 5000)."),
         QStringLiteral("metres"), QStringLiteral("5000")},
        {QStringLiteral("for"),
         QStringLiteral("A releasable version for this peer (station name or fingerprint): only "
                        "what it is cleared for is counted, analysed and shown."),
         QStringLiteral("peer")},
        {QStringLiteral("contacts"),
         QStringLiteral("The contact book that knows the peer (default: the sharing commands')."),
         QStringLiteral("file")},
    });
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file."));
    p.process(args);
    if (p.positionalArguments().size() != 1 || !p.isSet(QStringLiteral("out")))
        return fail(QStringLiteral("sitrep needs a mission file and --out FILE"));
    QString problem;
    const auto from = timeOption(p, QStringLiteral("from"), problem);
    const auto to = from ? timeOption(p, QStringLiteral("to"), problem) : std::nullopt;
    if (!from || !to)
        return fail(problem);
    report::SitrepOptions options;
    options.to = to->isValid() ? *to : QDateTime::currentDateTimeUtc();
    options.from = from->isValid() ? *from : options.to.addDays(-7);
    options.hotSpotCellMetres = p.value(QStringLiteral("cell")).toDouble();
    if (p.isSet(QStringLiteral("for"))) {
        auto filter =
            releaseFilter(p.value(QStringLiteral("for")), p.value(QStringLiteral("contacts")));
        if (!filter)
            return fail(filter.error().message);
        options.releasable = filter.value();
        options.recipient = p.value(QStringLiteral("for"));
    }
    auto scene = render::loadScene(p.positionalArguments()[0]);
    if (!scene)
        return fail(scene.error().message);
    for (const QString& broken : scene.value()->problems())
        err() << "tessera-cli: warning: a layer is not drawn: " << broken << Qt::endl;
    Result<report::Sitrep> made = report::composeSitrep(*scene.value(), options);
    if (!made)
        return fail(made.error().message);
    Result<QStringList> written =
        report::writeSitrep(made.value(), p.value(QStringLiteral("out")),
                            QStringLiteral("SITREP %1").arg(scene.value()->mission.info.name));
    if (!written)
        return fail(written.error().message);
    out() << made.value().incidents << " incidents, " << made.value().pages.size() << " page(s) "
          << "under " << made.value().banner;
    if (options.releasable)
        out() << "; for " << options.recipient << ", " << made.value().withheld
              << " record(s) withheld, " << made.value().sanitised << " incident(s) sanitised";
    out() << '\n';
    for (const QString& f : written.value())
        out() << f << '\n';
    out().flush();
    return 0;
}

} // namespace

QString analysisUsage() {
    return QStringLiteral(
        "  analyse hotspots FILE [--to T] [--cell M] [--step-days D] [--steps N] [--layer]\n"
        "                                                       emerging hot spots\n"
        "  analyse near-repeat FILE [--from T] [--to T] [--distances ..] [--days ..] [--layer]\n"
        "                                                       the Knox test, risk rings\n"
        "  analyse unusual FILE [--to T] [--period-days D] [--baseline N]\n"
        "                                                       regions busier or quieter\n"
        "  analyse exercise-history FILE [--incidents N] [--weeks W] [--seed S]\n"
        "                                                       a training history to analyse\n"
        "  sitrep FILE [--from T] [--to T] [--for PEER] --out report.pdf|report.png\n"
        "                                                       a situation report\n");
}

int runAnalysisCommand(const QStringList& args) {
    if (args.size() >= 2 && args[1] == QLatin1String("sitrep"))
        return sitrep(args.mid(0, 1) + args.mid(2));
    if (args.size() < 3 || args[1] != QLatin1String("analyse"))
        return -1;
    const QStringList rest = args.mid(0, 1) + args.mid(3);
    if (args[2] == QLatin1String("hotspots"))
        return hotSpots(rest);
    if (args[2] == QLatin1String("near-repeat"))
        return nearRepeat(rest);
    if (args[2] == QLatin1String("unusual"))
        return unusual(rest);
    if (args[2] == QLatin1String("exercise-history"))
        return exerciseHistory(rest);
    return -1;
}

} // namespace tessera::cli
