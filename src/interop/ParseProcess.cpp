// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/ParseProcess.h"

#include "geo/ThreadCheck.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/resource.h>

namespace tessera::interop {

namespace {

constexpr int kProtocolVersion = 1;
constexpr int kRefusedExit = 3;
constexpr qint64 kMiB = 1024 * 1024;
/// What is kept of the reader's stderr for the message: its end, where a crash report is.
constexpr qsizetype kStderrKept = 64 * 1024;

// ---- the protocol: JSON lines ----

QJsonObject markingJson(const store::Marking& m) {
    return {{QStringLiteral("classification"), m.classification},
            {QStringLiteral("releasability"), m.releasability}};
}

QString timeText(const QDateTime& t) {
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QJsonArray pointsJson(const QList<geo::GeoPoint>& points) {
    QJsonArray a;
    for (const geo::GeoPoint& p : points)
        a.append(QJsonArray{p.lon, p.lat});
    return a;
}

QJsonObject whereJson(const RejectedFeature& w) {
    return {{QStringLiteral("feature"), static_cast<double>(w.feature)},
            {QStringLiteral("layer"), w.layer},
            {QStringLiteral("reason"), w.reason}};
}

QByteArray line(const QJsonObject& o) {
    return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
}

QJsonObject incidentJson(const Parsed<store::Incident>& p) {
    const store::Incident& i = p.record;
    return {{QStringLiteral("t"), QStringLiteral("incident")},
            {QStringLiteral("where"), whereJson(p.where)},
            {QStringLiteral("uuid"), i.uuid},
            {QStringLiteral("title"), i.title},
            {QStringLiteral("category"), i.category},
            {QStringLiteral("severity"), store::toString(i.severity)},
            {QStringLiteral("status"), store::toString(i.status)},
            {QStringLiteral("observed_at"), timeText(i.observedAt)},
            {QStringLiteral("location"), QJsonArray{i.location.lon, i.location.lat}},
            {QStringLiteral("area"), pointsJson(i.area)},
            {QStringLiteral("source"), i.source},
            {QStringLiteral("reliability"), i.reliability},
            {QStringLiteral("credibility"), i.credibility},
            {QStringLiteral("narrative"), i.narrative},
            {QStringLiteral("marking"), markingJson(i.marking)},
            {QStringLiteral("exercise"), i.exercise}};
}

QJsonObject routeJson(const Parsed<store::PatrolRoute>& p) {
    const store::PatrolRoute& r = p.record;
    QJsonArray waypoints, track;
    for (const store::Waypoint& w : r.waypoints)
        waypoints.append(
            QJsonObject{{QStringLiteral("at"), QJsonArray{w.location.lon, w.location.lat}},
                        {QStringLiteral("time"), timeText(w.plannedAt)},
                        {QStringLiteral("name"), w.name}});
    for (const store::TrackPoint& t : r.track) {
        QJsonObject o{{QStringLiteral("at"), QJsonArray{t.location.lon, t.location.lat}},
                      {QStringLiteral("time"), timeText(t.recordedAt)}};
        if (t.elevation)
            o.insert(QStringLiteral("elevation"), *t.elevation);
        track.append(o);
    }
    return {{QStringLiteral("t"), QStringLiteral("route")},
            {QStringLiteral("where"), whereJson(p.where)},
            {QStringLiteral("uuid"), r.uuid},
            {QStringLiteral("name"), r.name},
            {QStringLiteral("unit"), r.unit},
            {QStringLiteral("status"), store::toString(r.status)},
            {QStringLiteral("waypoints"), waypoints},
            {QStringLiteral("track"), track},
            {QStringLiteral("marking"), markingJson(r.marking)},
            {QStringLiteral("exercise"), r.exercise}};
}

QJsonObject annotationJson(const Parsed<store::Annotation>& p) {
    const store::Annotation& a = p.record;
    return {{QStringLiteral("t"), QStringLiteral("annotation")},
            {QStringLiteral("where"), whereJson(p.where)},
            {QStringLiteral("uuid"), a.uuid},
            {QStringLiteral("kind"), store::toString(a.kind)},
            {QStringLiteral("geometry"), pointsJson(a.geometry)},
            {QStringLiteral("text"), a.text},
            {QStringLiteral("author"), a.author},
            {QStringLiteral("written_at"), timeText(a.writtenAt)},
            {QStringLiteral("marking"), markingJson(a.marking)}};
}

/// Reads one line's fields, strictly: a field of the wrong type makes the whole output garbage,
/// as a reader that writes it is not the reader this build made.
class Fields {
public:
    explicit Fields(QJsonObject o)
        : o_(std::move(o)) {}
    [[nodiscard]] bool ok() const { return ok_; }

    QString text(const char* key) {
        const QJsonValue v = o_.value(QLatin1String(key));
        if (!v.isString())
            ok_ = false;
        return v.toString();
    }
    double number(const char* key) {
        const QJsonValue v = o_.value(QLatin1String(key));
        if (!v.isDouble())
            ok_ = false;
        return v.toDouble();
    }
    /// A whole number within what a JSON double holds exactly. The output comes from a parser
    /// that may be lying: 2e75 cast to an integer is undefined behaviour (found by
    /// fuzz_parsed_records), so anything else makes the output garbage.
    qint64 integer(const char* key) {
        const double d = number(key);
        constexpr double kExact = 9007199254740992.0; // 2^53
        if (!std::isfinite(d) || d != std::trunc(d) || std::fabs(d) > kExact) {
            ok_ = false;
            return 0;
        }
        return static_cast<qint64>(d);
    }
    bool flag(const char* key) {
        const QJsonValue v = o_.value(QLatin1String(key));
        if (!v.isBool())
            ok_ = false;
        return v.toBool();
    }
    QJsonArray array(const char* key) {
        const QJsonValue v = o_.value(QLatin1String(key));
        if (!v.isArray())
            ok_ = false;
        return v.toArray();
    }
    QJsonObject object(const char* key) {
        const QJsonValue v = o_.value(QLatin1String(key));
        if (!v.isObject())
            ok_ = false;
        return v.toObject();
    }
    QDateTime time(const char* key) {
        const QString t = text(key);
        if (t.isEmpty())
            return {};
        QDateTime parsed = QDateTime::fromString(t, Qt::ISODateWithMs);
        if (!parsed.isValid())
            ok_ = false;
        return parsed.toUTC();
    }
    geo::GeoPoint point(const QJsonValue& v) {
        const QJsonArray a = v.toArray();
        if (!v.isArray() || a.size() != 2 || !a[0].isDouble() || !a[1].isDouble()) {
            ok_ = false;
            return {};
        }
        return {a[0].toDouble(), a[1].toDouble()};
    }
    QList<geo::GeoPoint> points(const char* key) {
        QList<geo::GeoPoint> out;
        for (const QJsonValue& v : array(key))
            out.append(point(v));
        return out;
    }
    store::Marking marking() {
        Fields m(object("marking"));
        store::Marking out{m.text("classification"), m.text("releasability")};
        ok_ = ok_ && m.ok();
        return out;
    }
    RejectedFeature where(const char* key) {
        Fields w(key ? object(key) : o_);
        RejectedFeature out{w.integer("feature"), w.text("reason"), w.text("layer")};
        ok_ = ok_ && w.ok();
        return out;
    }
    template <typename T>
    T parsedEnum(const char* key, std::optional<T> (*from)(const QString&)) {
        const auto v = from(text(key));
        if (!v)
            ok_ = false;
        return v.value_or(T{});
    }
    void merge(const Fields& other) { ok_ = ok_ && other.ok(); }

private:
    QJsonObject o_;
    bool ok_ = true;
};

/// "signal 11, Segmentation fault".
QString signalText(int signal) {
    const char* name = strsignal(signal);
    return name ? QStringLiteral("signal %1, %2").arg(signal).arg(QString::fromLocal8Bit(name))
                : QStringLiteral("signal %1").arg(signal);
}

} // namespace

// ---- the request ----

QString encodeRequest(const ParseRequest& r) {
    const FieldMapping& m = r.mapping;
    const char* mode = r.mode == ParseMode::Probe     ? "probe"
                       : r.mode == ParseMode::Records ? "records"
                       : r.mode == ParseMode::Layers  ? "layers"
                       : r.mode == ParseMode::Track   ? "track"
                       : r.mode == ParseMode::Raster  ? "raster"
                                                      : "incidents";
    QJsonObject mapping{{QStringLiteral("title"), m.title},
                        {QStringLiteral("category"), m.category},
                        {QStringLiteral("severity"), m.severity},
                        {QStringLiteral("status"), m.status},
                        {QStringLiteral("observed_at"), m.observedAt},
                        {QStringLiteral("source"), m.source},
                        {QStringLiteral("reliability"), m.reliability},
                        {QStringLiteral("credibility"), m.credibility},
                        {QStringLiteral("narrative"), m.narrative},
                        {QStringLiteral("exercise"), m.exercise},
                        {QStringLiteral("classification"), m.classification},
                        {QStringLiteral("releasability"), m.releasability}};
    return QString::fromUtf8(
        QJsonDocument(QJsonObject{{QStringLiteral("mode"), QLatin1String(mode)},
                                  {QStringLiteral("mapping"), mapping},
                                  {QStringLiteral("layer"), r.layer},
                                  {QStringLiteral("marking"), markingJson(r.marking)},
                                  {QStringLiteral("default_category"), r.defaultCategory},
                                  {QStringLiteral("plain_kml"), r.plainKml}})
            .toJson(QJsonDocument::Compact));
}

Result<ParseRequest> decodeRequest(const QString& json) {
    const QJsonDocument doc = QJsonDocument::fromJson(json.toUtf8());
    if (!doc.isObject())
        return Error{QStringLiteral("--request is not a JSON object")};
    Fields f(doc.object());
    ParseRequest r;
    const QString mode = f.text("mode");
    if (mode == QLatin1String("probe"))
        r.mode = ParseMode::Probe;
    else if (mode == QLatin1String("records"))
        r.mode = ParseMode::Records;
    else if (mode == QLatin1String("incidents"))
        r.mode = ParseMode::Incidents;
    else if (mode == QLatin1String("layers"))
        r.mode = ParseMode::Layers;
    else if (mode == QLatin1String("track"))
        r.mode = ParseMode::Track;
    else if (mode == QLatin1String("raster"))
        r.mode = ParseMode::Raster;
    else
        return Error{QStringLiteral("--request: unknown mode '%1'").arg(mode)};
    Fields m(f.object("mapping"));
    FieldMapping& map = r.mapping;
    map.title = m.text("title");
    map.category = m.text("category");
    map.severity = m.text("severity");
    map.status = m.text("status");
    map.observedAt = m.text("observed_at");
    map.source = m.text("source");
    map.reliability = m.text("reliability");
    map.credibility = m.text("credibility");
    map.narrative = m.text("narrative");
    map.exercise = m.text("exercise");
    map.classification = m.text("classification");
    map.releasability = m.text("releasability");
    f.merge(m);
    r.layer = f.text("layer");
    r.marking = f.marking();
    r.defaultCategory = f.text("default_category");
    r.plainKml = f.flag("plain_kml");
    if (!f.ok())
        return Error{QStringLiteral("--request is missing a field or has one of the wrong type")};
    return r;
}

// ---- the records ----

QByteArray encodeParsed(const ParsedFile& p) {
    QByteArray out = line({{QStringLiteral("t"), QStringLiteral("tessera-parse")},
                           {QStringLiteral("version"), kProtocolVersion},
                           {QStringLiteral("holds_records"), p.holdsRecords},
                           {QStringLiteral("layers"), QJsonArray::fromStringList(p.layers)},
                           {QStringLiteral("features"), static_cast<double>(p.features)},
                           {QStringLiteral("notes"), QJsonArray::fromStringList(p.notes)}});
    for (const auto& i : p.incidents)
        out += line(incidentJson(i));
    for (const auto& r : p.routes)
        out += line(routeJson(r));
    for (const auto& a : p.annotations)
        out += line(annotationJson(a));
    for (const RejectedFeature& r : p.rejected) {
        QJsonObject o = whereJson(r);
        o.insert(QStringLiteral("t"), QStringLiteral("rejected"));
        out += line(o);
    }
    // The end line proves the output whole: a reader that died half-way never writes it.
    out += line({{QStringLiteral("t"), QStringLiteral("end")},
                 {QStringLiteral("records"),
                  static_cast<double>(p.incidents.size() + p.routes.size() + p.annotations.size() +
                                      p.rejected.size())}});
    return out;
}

QByteArray encodeRefusal(const QString& message) {
    return line(
        {{QStringLiteral("t"), QStringLiteral("refused")}, {QStringLiteral("message"), message}});
}

Result<ParsedFile> decodeParsed(QIODevice& in) {
    ParsedFile p;
    qint64 lineNumber = 0;
    bool header = false;
    auto garbage = [&](const QString& what) {
        return Error{QStringLiteral("the reader's output is not what it should be (line %1: %2)")
                         .arg(lineNumber)
                         .arg(what)};
    };
    while (!in.atEnd()) {
        const QByteArray text = in.readLine();
        ++lineNumber;
        QJsonParseError error{};
        const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
        if (!doc.isObject())
            return garbage(QStringLiteral("not a JSON object"));
        Fields f(doc.object());
        const QString t = f.text("t");
        if (t == QLatin1String("refused")) {
            const QString message = f.text("message");
            if (!f.ok() || message.isEmpty())
                return garbage(QStringLiteral("a refusal without a message"));
            return Error{message};
        }
        if (!header) {
            if (t != QLatin1String("tessera-parse") ||
                f.number("version") != static_cast<double>(kProtocolVersion))
                return garbage(
                    QStringLiteral("no header of protocol version %1").arg(kProtocolVersion));
            p.holdsRecords = f.flag("holds_records");
            for (const QJsonValue& v : f.array("layers"))
                p.layers.append(v.toString());
            p.features = f.integer("features");
            for (const QJsonValue& v : f.array("notes"))
                p.notes.append(v.toString());
            if (!f.ok() || p.features < 0)
                return garbage(QStringLiteral("a malformed header"));
            header = true;
            continue;
        }
        if (t == QLatin1String("incident")) {
            store::Incident i;
            const RejectedFeature where = f.where("where");
            i.uuid = f.text("uuid");
            i.title = f.text("title");
            i.category = f.text("category");
            i.severity = f.parsedEnum("severity", &store::severityFromString);
            i.status = f.parsedEnum("status", &store::incidentStatusFromString);
            i.observedAt = f.time("observed_at");
            i.location = f.point(doc.object().value(QLatin1String("location")));
            i.area = f.points("area");
            i.source = f.text("source");
            i.reliability = f.text("reliability");
            // The store checks its range (1..6); the integer read keeps a huge one from being UB.
            const qint64 credibility = f.integer("credibility");
            i.credibility =
                credibility >= 0 && credibility <= 6 ? static_cast<int>(credibility) : 0;
            i.narrative = f.text("narrative");
            i.marking = f.marking();
            i.exercise = f.flag("exercise");
            if (!f.ok())
                return garbage(QStringLiteral("a malformed incident"));
            p.incidents.append({std::move(i), where});
        } else if (t == QLatin1String("route")) {
            store::PatrolRoute r;
            const RejectedFeature where = f.where("where");
            r.uuid = f.text("uuid");
            r.name = f.text("name");
            r.unit = f.text("unit");
            r.status = f.parsedEnum("status", &store::routeStatusFromString);
            for (const QJsonValue& v : f.array("waypoints")) {
                Fields w(v.toObject());
                r.waypoints.append({w.point(v.toObject().value(QLatin1String("at"))),
                                    w.time("time"), w.text("name")});
                f.merge(w);
            }
            for (const QJsonValue& v : f.array("track")) {
                Fields w(v.toObject());
                store::TrackPoint tp{
                    w.point(v.toObject().value(QLatin1String("at"))), w.time("time"), {}};
                if (v.toObject().contains(QLatin1String("elevation")))
                    tp.elevation = w.number("elevation");
                r.track.append(tp);
                f.merge(w);
            }
            r.marking = f.marking();
            r.exercise = f.flag("exercise");
            if (!f.ok())
                return garbage(QStringLiteral("a malformed route"));
            p.routes.append({std::move(r), where});
        } else if (t == QLatin1String("annotation")) {
            store::Annotation a;
            const RejectedFeature where = f.where("where");
            a.uuid = f.text("uuid");
            a.kind = f.parsedEnum("kind", &store::annotationKindFromString);
            a.geometry = f.points("geometry");
            a.text = f.text("text");
            a.author = f.text("author");
            a.writtenAt = f.time("written_at");
            a.marking = f.marking();
            if (!f.ok())
                return garbage(QStringLiteral("a malformed annotation"));
            p.annotations.append({std::move(a), where});
        } else if (t == QLatin1String("rejected")) {
            const RejectedFeature r = f.where(nullptr);
            if (!f.ok())
                return garbage(QStringLiteral("a malformed rejected feature"));
            p.rejected.append(r);
        } else if (t == QLatin1String("end")) {
            const qint64 records = f.integer("records");
            if (!f.ok() || records != p.incidents.size() + p.routes.size() + p.annotations.size() +
                                          p.rejected.size())
                return garbage(QStringLiteral("the end does not count what came before it"));
            if (!in.atEnd())
                return garbage(QStringLiteral("more after the end"));
            return p;
        } else {
            return garbage(QStringLiteral("an unknown line '%1'").arg(t.left(40)));
        }
    }
    return Error{header ? QStringLiteral("the reader's output stops before its end (cut short)")
                        : QStringLiteral("the reader wrote nothing")};
}

// ---- the parent's side ----

ParseLimits ParseLimits::fromEnvironment() {
    ParseLimits l;
    bool ok = false;
    if (const int mb = qEnvironmentVariableIntValue("TESSERA_PARSE_MEMORY_MB", &ok); ok && mb > 0)
        l.maxMemoryBytes = mb * kMiB;
    if (const int s = qEnvironmentVariableIntValue("TESSERA_PARSE_SECONDS", &ok); ok && s > 0)
        l.maxSeconds = s;
    return l;
}

QString parseProgram() {
    const QString fromEnvironment = qEnvironmentVariable("TESSERA_CLI");
    if (!fromEnvironment.isEmpty())
        return QFileInfo(fromEnvironment).isExecutable() ? fromEnvironment : QString();
    const QDir here(QCoreApplication::applicationDirPath());
    for (const QString& candidate :
         {here.filePath(QStringLiteral("tessera-cli")),
          here.filePath(QStringLiteral("../cli/tessera-cli"))}) // the build tree
        if (QFileInfo(candidate).isExecutable())
            return QDir::cleanPath(candidate);
    return {};
}

namespace {

/// The reader's outcome: what it read, or why not, and whether it crashed.
struct RunOutcome {
    RunOutcome(Result<ParsedFile> p, bool c = false) // NOLINT(google-explicit-constructor)
        : parsed(std::move(p))
        , crashed(c) {}
    RunOutcome(Error e, bool c = false) // NOLINT(google-explicit-constructor)
        : parsed(std::move(e))
        , crashed(c) {}
    Result<ParsedFile> parsed;
    bool crashed = false;
};

RunOutcome runReader(const QString& file, const ParseRequest& request,
                     const std::function<bool()>& cancelled,
                     const std::function<void(qint64)>& progress, const ParseLimits& limits) {
    const QString program = parseProgram();
    if (program.isEmpty())
        return Error{QStringLiteral("%1: cannot find tessera-cli, the program that reads files "
                                    "apart from Tessera (looked in %2; set TESSERA_CLI to its "
                                    "path); nothing was imported")
                         .arg(file, QCoreApplication::applicationDirPath())};
    if (!QFileInfo::exists(file))
        return Error{QStringLiteral("%1: no such file").arg(file)};
    QTemporaryDir scratch;
    if (!scratch.isValid())
        return Error{QStringLiteral("cannot make a scratch folder for the reader's output (%1)")
                         .arg(scratch.errorString())};
    const QString outPath = scratch.filePath(QStringLiteral("records.jsonl"));
    QProcess reader;
    reader.setProgram(program);
    reader.setArguments(
        {QStringLiteral("parse-records"), QFileInfo(file).absoluteFilePath(),
         QStringLiteral("--request"), encodeRequest(request), QStringLiteral("--max-memory-mb"),
         QString::number(limits.maxMemoryBytes / kMiB), QStringLiteral("--max-output-mb"),
         QString::number(limits.maxOutputBytes / kMiB), QStringLiteral("--max-cpu-seconds"),
         QString::number(limits.maxSeconds)});
    reader.setStandardOutputFile(outPath);
    reader.setStandardInputFile(QProcess::nullDevice());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    // A sanitizer build reserves terabytes of address space, so it cannot live under RLIMIT_AS:
    // there the sanitizer's own RSS limit stands in (harmless to a build without one).
    QString asan = env.value(QStringLiteral("ASAN_OPTIONS"));
    if (!asan.isEmpty())
        asan += QLatin1Char(':');
    env.insert(QStringLiteral("ASAN_OPTIONS"),
               asan + QStringLiteral("hard_rss_limit_mb=%1:allocator_may_return_null=1")
                          .arg(limits.maxMemoryBytes / kMiB));
    reader.setProcessEnvironment(env);
    reader.start();
    if (!reader.waitForStarted(30000))
        return Error{QStringLiteral("%1: the reader %2 could not be started (%3); nothing was "
                                    "imported")
                         .arg(file, program, reader.errorString())};
    QElapsedTimer clock;
    clock.start();
    QByteArray stderrText;
    QByteArray pending; // a progress line not yet whole
    auto drainStderr = [&] {
        const QByteArray more = reader.readAllStandardError();
        pending += more;
        qsizetype end;
        while ((end = pending.indexOf('\n')) >= 0) {
            const QByteArray l = pending.left(end);
            pending.remove(0, end + 1);
            if (l.startsWith("progress ")) {
                bool ok = false;
                const qint64 n = l.mid(9).toLongLong(&ok);
                if (ok && progress)
                    progress(n);
            } else {
                stderrText += l + '\n';
            }
        }
        if (pending.size() > kStderrKept) { // a line without end: not progress, keep its tail
            stderrText += pending;
            pending.clear();
        }
        if (stderrText.size() > kStderrKept)
            stderrText = stderrText.right(kStderrKept);
    };
    const qint64 deadline = static_cast<qint64>(limits.maxSeconds) * 1000;
    while (!reader.waitForFinished(100)) {
        if (reader.state() == QProcess::NotRunning)
            break;
        drainStderr();
        if (cancelled && cancelled()) {
            reader.kill();
            reader.waitForFinished(-1);
            return Error{QStringLiteral("the import was cancelled; nothing was imported")};
        }
        if (clock.elapsed() > deadline) {
            reader.kill();
            reader.waitForFinished(-1);
            return Error{QStringLiteral("%1: reading the file took longer than the limit of %2 s "
                                        "and was stopped; nothing was imported")
                             .arg(file)
                             .arg(limits.maxSeconds)};
        }
    }
    drainStderr();
    stderrText += pending;
    const QString said = QString::fromUtf8(stderrText);
    auto lastWords = [&]() -> QString {
        const QStringList lines = said.trimmed().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        return lines.isEmpty() ? QString() : QStringLiteral(": ") + lines.last().trimmed();
    };
    const bool outOfMemory = said.contains(QLatin1String("bad_alloc")) ||
                             said.contains(QLatin1String("rss limit exhausted")) ||
                             said.contains(QLatin1String("out of memory"), Qt::CaseInsensitive) ||
                             said.contains(QLatin1String("allocation-size-too-big"));
    if (outOfMemory)
        return Error{QStringLiteral("%1: reading the file went over the memory limit of %2 MB "
                                    "and was stopped; nothing was imported")
                         .arg(file)
                         .arg(limits.maxMemoryBytes / kMiB)};
    if (reader.exitStatus() == QProcess::CrashExit) {
        const int signal = reader.exitCode();
        if (signal == SIGXFSZ)
            return Error{QStringLiteral("%1: the reader's output went over the limit of %2 MB "
                                        "and it was stopped; nothing was imported")
                             .arg(file)
                             .arg(limits.maxOutputBytes / kMiB)};
        if (signal == SIGXCPU)
            return Error{QStringLiteral("%1: reading the file took more than the limit of %2 s of "
                                        "processor time and was stopped; nothing was imported")
                             .arg(file)
                             .arg(limits.maxSeconds)};
        return {Error{QStringLiteral("%1: the file made the reader crash (%2); nothing was "
                                     "imported")
                          .arg(file, signalText(signal))},
                true};
    }
    // A sanitizer catches the fault itself and exits with a code instead of the signal.
    if (const qsizetype at = said.indexOf(QLatin1String("ERROR: AddressSanitizer: ")); at >= 0)
        return {Error{QStringLiteral("%1: the file made the reader crash (%2); nothing was "
                                     "imported")
                          .arg(file, said.mid(at + 7).section(QLatin1Char('\n'), 0, 0).left(120))},
                true};
    QFile out(outPath);
    if (!out.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("%1: the reader's output cannot be read (%2); nothing was "
                                    "imported")
                         .arg(file, out.errorString())};
    if (out.size() > limits.maxOutputBytes)
        return Error{QStringLiteral("%1: the reader's output went over the limit of %2 MB; "
                                    "nothing was imported")
                         .arg(file)
                         .arg(limits.maxOutputBytes / kMiB)};
    Result<ParsedFile> parsed = decodeParsed(out);
    const int code = reader.exitCode();
    if (!parsed) {
        if (code == kRefusedExit || code == 0)
            return code == 0 ? Error{QStringLiteral("%1: %2; nothing was imported")
                                         .arg(file, parsed.error().message)}
                             : parsed.error();
        return Error{QStringLiteral("%1: the reader failed (exit code %2%3); nothing was imported")
                         .arg(file)
                         .arg(code)
                         .arg(lastWords())};
    }
    if (code != 0)
        return Error{QStringLiteral("%1: the reader failed (exit code %2%3); nothing was imported")
                         .arg(file)
                         .arg(code)
                         .arg(lastWords())};
    return RunOutcome(std::move(parsed));
}

} // namespace

Result<ParsedFile> parseIsolated(const QString& file, const ParseRequest& request,
                                 const std::function<bool()>& cancelled,
                                 const std::function<void(qint64)>& progress,
                                 const ParseLimits& limits) {
    TESSERA_ASSERT_WORKER_THREAD();
    RunOutcome first = runReader(file, request, cancelled, progress, limits);
    // GDAL tries LIBKML first for a .kml: it reads ExtendedData and gx:Track, but dereferences
    // null on some files the plain KML driver reads. After such a crash the file is read again
    // with the plain driver, and the operator told what that one leaves out.
    const bool kml =
        QFileInfo(file).suffix().compare(QLatin1String("kml"), Qt::CaseInsensitive) == 0;
    if (!first.crashed || !kml || request.plainKml)
        return std::move(first.parsed);
    ParseRequest plain = request;
    plain.plainKml = true;
    RunOutcome second = runReader(file, plain, cancelled, progress, limits);
    if (!second.parsed)
        return std::move(first.parsed);
    second.parsed.value().notes.prepend(
        QStringLiteral("GDAL's LIBKML reader crashed on this file (%1); it was read with GDAL's "
                       "plain KML reader, which keeps names, descriptions and points, lines and "
                       "areas, but not ExtendedData fields or gx:Track tracks")
            .arg(first.parsed.error()
                     .message.section(QStringLiteral("crash ("), 1)
                     .section(QLatin1Char(')'), 0, 0)));
    return std::move(second.parsed);
}

// ---- the parse process's side ----

namespace {

void setLimit(int resource, rlim_t value) {
    rlimit l{};
    if (getrlimit(resource, &l) != 0)
        return;
    l.rlim_cur = l.rlim_max == RLIM_INFINITY ? value : std::min(value, l.rlim_max);
    setrlimit(resource, &l);
}

bool writeAll(const QByteArray& bytes) {
    return std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stdout) ==
               static_cast<size_t>(bytes.size()) &&
           std::fflush(stdout) == 0;
}

/// For the tests that play a reader gone wrong (tests/unit/test_parse_process.cpp): how the
/// parse process misbehaves when TESSERA_PARSE_TEST asks. Costs nothing when unset.
void misbehaveIfAsked() {
    const QByteArray how = qgetenv("TESSERA_PARSE_TEST");
    if (how.isEmpty())
        return;
    if (how == "abort")
        std::abort();
    if (how == "garbage") {
        writeAll("{\"t\":\"tessera-parse\",\"version\":1}\nnot json at all\n");
        std::exit(0);
    }
    if (how == "cut") {
        writeAll("{\"t\":\"tessera-parse\",\"version\":1,\"holds_records\":false,\"layers\":[],"
                 "\"features\":1,\"notes\":[]}\n");
        std::exit(0);
    }
    if (how == "hang")
        for (;;)
            QThread::sleep(1);
    if (how == "memory") {
        // Touch every page, so that the limit (address space or RSS) is what stops it.
        for (;;) {
            auto* block = static_cast<char*>(std::malloc(64 * kMiB));
            if (!block) {
                std::fputs("out of memory\n", stderr);
                std::exit(1);
            }
            std::memset(block, 1, 64 * kMiB);
        }
    }
}

} // namespace

int runParseRecords(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral("Read one file in this process and write its records to stdout (JSON "
                       "lines), for Tessera, which runs it to keep a crashing reader apart."));
    p.addHelpOption();
    p.addOption({QStringLiteral("request"), QStringLiteral("What to read (JSON)."),
                 QStringLiteral("json")});
    p.addOption({QStringLiteral("max-memory-mb"), QStringLiteral("Address space limit."),
                 QStringLiteral("n"), QStringLiteral("2048")});
    p.addOption({QStringLiteral("max-output-mb"), QStringLiteral("Output size limit."),
                 QStringLiteral("n"), QStringLiteral("1024")});
    p.addOption({QStringLiteral("max-cpu-seconds"), QStringLiteral("Processor time limit."),
                 QStringLiteral("n"), QStringLiteral("600")});
    p.addPositionalArgument(QStringLiteral("file"), QStringLiteral("The file to read."));
    p.process(args);
    // No core files: a crash here is expected of hostile input, and a core could be gigabytes.
    setLimit(RLIMIT_CORE, 0);
    setLimit(RLIMIT_FSIZE,
             static_cast<rlim_t>(p.value(QStringLiteral("max-output-mb")).toLongLong()) * kMiB);
    setLimit(RLIMIT_CPU,
             static_cast<rlim_t>(p.value(QStringLiteral("max-cpu-seconds")).toLongLong()));
#if !defined(__SANITIZE_ADDRESS__)
    setLimit(RLIMIT_AS,
             static_cast<rlim_t>(p.value(QStringLiteral("max-memory-mb")).toLongLong()) * kMiB);
#endif
    if (p.positionalArguments().size() != 1 || !p.isSet(QStringLiteral("request"))) {
        writeAll(encodeRefusal(QStringLiteral("parse-records needs a file and --request")));
        return kRefusedExit;
    }
    Result<ParseRequest> request = decodeRequest(p.value(QStringLiteral("request")));
    if (!request) {
        writeAll(encodeRefusal(request.error().message));
        return kRefusedExit;
    }
    misbehaveIfAsked();
    auto progress = [](qint64 n) {
        std::fprintf(stderr, "progress %lld\n", static_cast<long long>(n));
        std::fflush(stderr);
    };
    Result<ParsedFile> parsed =
        parseFileHere(p.positionalArguments().first(), request.value(), {}, progress);
    if (!parsed) {
        writeAll(encodeRefusal(parsed.error().message));
        return kRefusedExit;
    }
    return writeAll(encodeParsed(parsed.value())) ? 0 : 4;
}

} // namespace tessera::interop
