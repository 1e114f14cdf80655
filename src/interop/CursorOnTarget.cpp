// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/CursorOnTarget.h"

#include "store/MissionStore.h"

#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSaveFile>
#include <QUuid>
#include <QXmlStreamReader>
#include <QXmlStreamWriter>

#include <algorithm>
#include <array>
#include <cmath>

namespace tessera::interop {

namespace {

/// CoT types Tessera writes for its categories (MIL-STD-2525 derived atoms for hostile
/// activity, the spot-report point for the rest), and reads back. docs/formats/cot.md.
struct TypeMap {
    const char* category;
    const char* type;
};
constexpr std::array<TypeMap, 10> kTypes{{
    {"armed_clash", "a-h-G"},
    {"ambush", "a-h-G-U-C"},
    {"indirect_fire", "a-h-G-E-W-M"},
    {"ied", "a-h-G-E-X-I"},
    {"uxo", "a-u-G-E-X-M"},
    {"abduction", "b-m-p-s-p-i-a"},
    {"civil_unrest", "b-m-p-s-p-i-c"},
    {"crime", "b-m-p-s-p-i-r"},
    {"humanitarian", "b-r-f-h-c"},
    {"displacement", "b-m-p-s-p-i-d"},
}};

const QString kTimeFormat = QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzzZ");

QString cotTime(const QDateTime& t) {
    return t.toUTC().toString(kTimeFormat);
}

std::optional<QDateTime> parseTime(QStringView text) {
    QDateTime t = QDateTime::fromString(text.toString(), Qt::ISODateWithMs);
    if (!t.isValid())
        return std::nullopt;
    return t.toUTC();
}

/// "SECRET // EXERCISE / MEDICAL" -> "SECRET", "EXERCISE/MEDICAL"; "REL TO A, B" -> "A,B".
void splitMarking(const store::Marking& m, QString& access, QString& caveat, QString& rel) {
    const int sep = static_cast<int>(m.classification.indexOf(QLatin1String("//")));
    access = (sep < 0 ? m.classification : m.classification.left(sep)).trimmed();
    caveat.clear();
    if (sep >= 0) {
        QStringList parts = m.classification.mid(sep + 2).split(QLatin1Char('/'));
        for (QString& p : parts)
            p = p.trimmed();
        caveat = parts.join(QLatin1Char('/'));
    }
    rel.clear();
    QString r = m.releasability.trimmed();
    if (r.startsWith(QLatin1String("REL TO"), Qt::CaseInsensitive)) {
        QStringList parts = r.mid(6).split(QLatin1Char(','));
        for (QString& p : parts)
            p = p.trimmed();
        rel = parts.join(QLatin1Char(','));
    }
}

store::Marking joinMarking(const CotEvent& e) {
    store::Marking m;
    m.classification = e.access.trimmed().toUpper();
    if (!e.caveat.trimmed().isEmpty()) {
        QStringList parts = e.caveat.split(QLatin1Char('/'));
        for (QString& p : parts)
            p = p.trimmed();
        m.classification += QStringLiteral(" // ") + parts.join(QStringLiteral(" / "));
    }
    if (!e.releaseableTo.trimmed().isEmpty()) {
        QStringList parts = e.releaseableTo.split(QLatin1Char(','));
        for (QString& p : parts)
            p = p.trimmed();
        m.releasability = QStringLiteral("REL TO ") + parts.join(QStringLiteral(", "));
    }
    return m;
}

/// Reads one <event> whose start tag the reader is on.
CotEvent readEvent(QXmlStreamReader& xml, QString& problem) {
    CotEvent e;
    const QXmlStreamAttributes a = xml.attributes();
    e.uid = a.value(QLatin1String("uid")).toString();
    e.type = a.value(QLatin1String("type")).toString();
    e.how = a.value(QLatin1String("how")).toString();
    e.access = a.value(QLatin1String("access")).toString();
    e.caveat = a.value(QLatin1String("caveat")).toString();
    e.releaseableTo = a.value(QLatin1String("releaseableTo")).toString();
    for (auto [name, field] :
         {std::pair{"time", &e.time}, std::pair{"start", &e.start}, std::pair{"stale", &e.stale}}) {
        const QStringView text = a.value(QLatin1String(name));
        const std::optional<QDateTime> t = parseTime(text);
        if (!t && problem.isEmpty())
            problem = QStringLiteral("the %1 '%2' is not an ISO 8601 time")
                          .arg(QLatin1String(name), text.toString().left(40));
        if (t)
            *field = *t;
    }
    bool point = false;
    while (xml.readNextStartElement()) {
        if (xml.name() == QLatin1String("point")) {
            const QXmlStreamAttributes p = xml.attributes();
            bool latOk = false, lonOk = false;
            e.lat = p.value(QLatin1String("lat")).toDouble(&latOk);
            e.lon = p.value(QLatin1String("lon")).toDouble(&lonOk);
            for (auto [field, name] :
                 {std::pair{&e.hae, "hae"}, std::pair{&e.ce, "ce"}, std::pair{&e.le, "le"}}) {
                bool ok = false;
                const double v = p.value(QLatin1String(name)).toDouble(&ok);
                if (ok && std::isfinite(v))
                    *field = v;
            }
            point = latOk && lonOk;
            if (point &&
                (!std::isfinite(e.lat) || !std::isfinite(e.lon) || std::abs(e.lat) > 90 ||
                 std::abs(e.lon) > 180) &&
                problem.isEmpty())
                problem = QStringLiteral("the point (lat %1, lon %2) is out of range")
                              .arg(p.value(QLatin1String("lat")).toString().left(20),
                                   p.value(QLatin1String("lon")).toString().left(20));
            xml.skipCurrentElement();
        } else if (xml.name() == QLatin1String("detail")) {
            while (xml.readNextStartElement()) {
                const QXmlStreamAttributes d = xml.attributes();
                if (xml.name() == QLatin1String("contact")) {
                    e.callsign = d.value(QLatin1String("callsign")).toString();
                    xml.skipCurrentElement();
                } else if (xml.name() == QLatin1String("remarks")) {
                    e.remarks = xml.readElementText(QXmlStreamReader::IncludeChildElements);
                } else if (xml.name() == QLatin1String("__tessera")) {
                    e.category = d.value(QLatin1String("category")).toString();
                    e.severity = d.value(QLatin1String("severity")).toString();
                    e.status = d.value(QLatin1String("status")).toString();
                    e.source = d.value(QLatin1String("source")).toString();
                    e.reliability = d.value(QLatin1String("reliability")).toString();
                    e.credibility = d.value(QLatin1String("credibility")).toInt();
                    e.exercise = d.value(QLatin1String("exercise")) == QLatin1String("true");
                    xml.skipCurrentElement();
                } else {
                    xml.skipCurrentElement(); // other detail (TAK's many extensions) is kept out
                }
            }
        } else {
            xml.skipCurrentElement();
        }
    }
    if (problem.isEmpty() && e.uid.trimmed().isEmpty())
        problem = QStringLiteral("the event has no uid");
    if (problem.isEmpty() && e.type.trimmed().isEmpty())
        problem = QStringLiteral("the event has no type");
    if (problem.isEmpty() && !point)
        problem = QStringLiteral("the event has no point with lat and lon");
    return e;
}

} // namespace

QString cotTypeForCategory(const QString& category) {
    for (const TypeMap& m : kTypes)
        if (category == QLatin1String(m.category))
            return QString::fromLatin1(m.type);
    return QStringLiteral("b-m-p-s-p-i"); // a spot report: a point of interest
}

QString categoryForCotType(const QString& type) {
    for (const TypeMap& m : kTypes)
        if (type == QLatin1String(m.type))
            return QString::fromLatin1(m.category);
    // What TAK users send most: hostile atoms as armed clashes, casualty reports as
    // humanitarian, spot reports as civil unrest (the analyst recategorises).
    if (type.startsWith(QLatin1String("a-h-")))
        return QStringLiteral("armed_clash");
    if (type.startsWith(QLatin1String("b-r-f-h-c")))
        return QStringLiteral("humanitarian");
    if (type.startsWith(QLatin1String("b-m-p-s-p-i")))
        return QStringLiteral("civil_unrest");
    return {};
}

Result<CotStream> readCotStream(const QByteArray& bytes, const CotLimits& limits) {
    if (bytes.size() > limits.maxBytes)
        return Error{QStringLiteral("the CoT input is %1 bytes, over the limit of %2")
                         .arg(bytes.size())
                         .arg(limits.maxBytes)};
    // A DTD is the only way to define entities; CoT never needs one, and refusing it refuses
    // entity expansion attacks whole.
    if (bytes.contains("<!DOCTYPE") || bytes.contains("<!ENTITY"))
        return Error{QStringLiteral("the CoT input has a DTD (<!DOCTYPE or <!ENTITY): refused, "
                                    "CoT events never need one")};
    // Events come back to back, each possibly with its own XML declaration: drop those and read
    // the events as children of one root.
    QByteArray body = bytes;
    static const QRegularExpression declaration(QStringLiteral("<\\?xml[^>]*\\?>"));
    body = QString::fromUtf8(body).remove(declaration).toUtf8();
    QXmlStreamReader xml(QByteArrayLiteral("<cot-stream>") + body +
                         QByteArrayLiteral("</cot-stream>"));
    CotStream stream;
    if (!xml.readNextStartElement())
        return Error{QStringLiteral("not XML: %1").arg(xml.errorString())};
    int number = 0;
    while (xml.readNextStartElement()) {
        if (xml.name() != QLatin1String("event"))
            return Error{QStringLiteral("line %1: <%2> where a CoT <event> was expected")
                             .arg(xml.lineNumber())
                             .arg(xml.name().toString().left(40))};
        if (++number > limits.maxEvents)
            return Error{QStringLiteral("more than %1 events").arg(limits.maxEvents)};
        QString problem;
        CotEvent e = readEvent(xml, problem);
        if (xml.hasError())
            break;
        e.number = number;
        if (problem.isEmpty())
            stream.events.append(std::move(e));
        else
            stream.problems.append({number, problem});
    }
    if (xml.hasError())
        return Error{QStringLiteral("malformed CoT XML at line %1, column %2: %3")
                         .arg(xml.lineNumber())
                         .arg(xml.columnNumber())
                         .arg(xml.errorString())};
    return stream;
}

QByteArray writeCotEvent(const CotEvent& e) {
    QByteArray out;
    QXmlStreamWriter xml(&out);
    xml.writeStartDocument(QStringLiteral("1.0"), true);
    xml.writeStartElement(QStringLiteral("event"));
    xml.writeAttribute(QStringLiteral("version"), QStringLiteral("2.0"));
    xml.writeAttribute(QStringLiteral("uid"), e.uid);
    xml.writeAttribute(QStringLiteral("type"), e.type);
    xml.writeAttribute(QStringLiteral("how"), e.how.isEmpty() ? QStringLiteral("h-e") : e.how);
    xml.writeAttribute(QStringLiteral("time"), cotTime(e.time));
    xml.writeAttribute(QStringLiteral("start"), cotTime(e.start));
    xml.writeAttribute(QStringLiteral("stale"), cotTime(e.stale));
    if (!e.access.isEmpty())
        xml.writeAttribute(QStringLiteral("access"), e.access);
    if (!e.caveat.isEmpty())
        xml.writeAttribute(QStringLiteral("caveat"), e.caveat);
    if (!e.releaseableTo.isEmpty())
        xml.writeAttribute(QStringLiteral("releaseableTo"), e.releaseableTo);
    xml.writeStartElement(QStringLiteral("point"));
    xml.writeAttribute(QStringLiteral("lat"), QString::number(e.lat, 'f', 7));
    xml.writeAttribute(QStringLiteral("lon"), QString::number(e.lon, 'f', 7));
    xml.writeAttribute(QStringLiteral("hae"), QString::number(e.hae, 'f', 1));
    xml.writeAttribute(QStringLiteral("ce"), QString::number(e.ce, 'f', 1));
    xml.writeAttribute(QStringLiteral("le"), QString::number(e.le, 'f', 1));
    xml.writeEndElement();
    xml.writeStartElement(QStringLiteral("detail"));
    xml.writeStartElement(QStringLiteral("contact"));
    xml.writeAttribute(QStringLiteral("callsign"), e.callsign);
    xml.writeEndElement();
    if (!e.remarks.isEmpty())
        xml.writeTextElement(QStringLiteral("remarks"), e.remarks);
    if (!e.category.isEmpty()) {
        xml.writeStartElement(QStringLiteral("__tessera"));
        xml.writeAttribute(QStringLiteral("category"), e.category);
        xml.writeAttribute(QStringLiteral("severity"), e.severity);
        xml.writeAttribute(QStringLiteral("status"), e.status);
        xml.writeAttribute(QStringLiteral("source"), e.source);
        xml.writeAttribute(QStringLiteral("reliability"), e.reliability);
        xml.writeAttribute(QStringLiteral("credibility"), QString::number(e.credibility));
        xml.writeAttribute(QStringLiteral("exercise"),
                           e.exercise ? QStringLiteral("true") : QStringLiteral("false"));
        xml.writeEndElement();
    }
    xml.writeEndElement(); // detail
    xml.writeEndElement(); // event
    xml.writeEndDocument();
    return out;
}

CotEvent eventFromIncident(const store::Incident& i, const QDateTime& now, qint64 staleAfterSecs) {
    CotEvent e;
    e.uid = i.uuid;
    e.type = cotTypeForCategory(i.category);
    e.how = QStringLiteral("h-e");
    e.time = i.observedAt.toUTC();
    e.start = i.observedAt.toUTC();
    e.stale = i.status == store::IncidentStatus::Resolved ? now.toUTC()
                                                          : now.toUTC().addSecs(staleAfterSecs);
    e.lat = i.location.lat;
    e.lon = i.location.lon;
    splitMarking(i.marking, e.access, e.caveat, e.releaseableTo);
    e.callsign = i.title;
    e.remarks = i.narrative;
    e.category = i.category;
    e.severity = store::toString(i.severity);
    e.status = store::toString(i.status);
    e.source = i.source;
    e.reliability = i.reliability;
    e.credibility = i.credibility;
    e.exercise = i.exercise;
    return e;
}

Result<store::Incident> incidentFromEvent(const CotEvent& e) {
    store::Incident i;
    static const QUuid kNamespace(QStringLiteral("{6f1b6c7e-9a55-4b0e-8f67-0c5e2f4d1a20}"));
    const QUuid asUuid(e.uid);
    i.uuid = (asUuid.isNull() ? QUuid::createUuidV5(kNamespace, e.uid) : asUuid)
                 .toString(QUuid::WithoutBraces);
    i.category = e.category.isEmpty() ? categoryForCotType(e.type) : e.category;
    if (i.category.isEmpty())
        return Error{QStringLiteral("the CoT type '%1' has no Tessera category (see "
                                    "docs/formats/cot.md)")
                         .arg(e.type.left(40))};
    i.title = e.callsign.trimmed().isEmpty()
                  ? QStringLiteral("%1 (CoT %2)").arg(store::categoryLabel(i.category), e.type)
                  : e.callsign.trimmed();
    i.narrative = e.remarks;
    i.observedAt = e.time;
    i.location = {e.lon, e.lat};
    i.severity = store::severityFromString(e.severity).value_or(store::Severity::Medium);
    i.status = store::incidentStatusFromString(e.status).value_or(store::IncidentStatus::Reported);
    i.source = e.source.isEmpty() ? QStringLiteral("CoT %1").arg(e.how) : e.source;
    // NATO grading when the sender gave none: F (reliability cannot be judged), 6 (truth cannot
    // be judged).
    i.reliability = e.reliability.isEmpty() ? QStringLiteral("F") : e.reliability;
    i.credibility = e.credibility == 0 ? 6 : e.credibility;
    i.exercise = e.exercise;
    if (e.access.trimmed().isEmpty())
        return Error{QStringLiteral("the event carries no access (classification): refused "
                                    "rather than guessed")};
    i.marking = joinMarking(e);
    if (const QString why = store::MissionStore::invalidReason(i); !why.isEmpty())
        return Error{why};
    return i;
}

namespace {
/// Adds the incidents, or updates those whose uuid is held: one transaction.
Status writeIncidents(store::MissionStore& mission, QList<store::Incident>& incidents) {
    return mission.database().transaction([&]() -> Status {
        for (store::Incident& i : incidents) {
            Result<store::Incident> held = mission.incident(i.uuid);
            if (Status s = held ? mission.updateIncident(i) : mission.addIncident(i); !s)
                return s;
        }
        return success();
    });
}
} // namespace

Result<ImportReport> importCot(store::MissionStore& mission, const QString& file,
                               const CotLimits& limits) {
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("%1: cannot read (%2)").arg(file, f.errorString())};
    if (f.size() > limits.maxBytes)
        return Error{QStringLiteral("%1: %2 bytes, over the limit of %3")
                         .arg(file)
                         .arg(f.size())
                         .arg(limits.maxBytes)};
    Result<CotStream> stream = readCotStream(f.readAll(), limits);
    if (!stream)
        return Error{QStringLiteral("%1: %2").arg(file, stream.error().message)};
    ImportReport report;
    report.layer = QFileInfo(file).fileName();
    for (const CotProblem& p : stream.value().problems)
        report.rejected.append({p.event, p.reason});
    QList<store::Incident> incidents;
    for (const CotEvent& e : stream.value().events) {
        Result<store::Incident> i = incidentFromEvent(e);
        if (!i)
            report.rejected.append({e.number, i.error().message});
        else
            incidents.append(std::move(i).value());
    }
    if (!report.rejected.isEmpty()) {
        std::sort(report.rejected.begin(), report.rejected.end(),
                  [](const RejectedFeature& a, const RejectedFeature& b) {
                      return a.feature < b.feature;
                  });
        return Error{
            QStringLiteral("%1: nothing imported:\n%2")
                .arg(file, describeRejected(report.rejected, 20, QStringLiteral("event")))};
    }
    Status done = writeIncidents(mission, incidents);
    if (!done)
        return Error{QStringLiteral("%1: nothing imported: %2").arg(file, done.error().message)};
    report.imported = incidents.size();
    return report;
}

Result<int> applyCotEvents(store::MissionStore& mission, const QList<CotEvent>& events) {
    QList<store::Incident> incidents;
    for (const CotEvent& e : events) {
        Result<store::Incident> i = incidentFromEvent(e);
        if (!i)
            return Error{QStringLiteral("event %1 (uid %2): %3")
                             .arg(e.number)
                             .arg(e.uid.left(60), i.error().message)};
        incidents.append(std::move(i).value());
    }
    if (Status s = writeIncidents(mission, incidents); !s)
        return s.error();
    return static_cast<int>(incidents.size());
}

Result<std::optional<QByteArray>> CotStreamSplitter::next() {
    static const QByteArray kEnd = QByteArrayLiteral("</event>");
    const qsizetype end = buffer_.indexOf(kEnd);
    if (end < 0) {
        if (buffer_.size() > max_)
            return Error{QStringLiteral("%1 bytes without the end of an event: not a CoT feed")
                             .arg(buffer_.size())};
        return std::optional<QByteArray>();
    }
    const qsizetype cut = end + kEnd.size();
    QByteArray event = buffer_.left(cut).trimmed();
    buffer_.remove(0, cut);
    return std::optional(event);
}

Result<qint64> exportCot(store::MissionStore& mission, const QString& file,
                         const std::function<bool(const store::Marking&)>& releasable,
                         qint64* withheld) {
    Result<QList<store::Incident>> all = mission.incidents();
    if (!all)
        return all.error();
    if (withheld)
        *withheld = 0;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QSaveFile out(file);
    if (!out.open(QIODevice::WriteOnly))
        return Error{QStringLiteral("%1: cannot write (%2)").arg(file, out.errorString())};
    qint64 written = 0;
    for (const store::Incident& i : all.value()) {
        if (releasable && !releasable(i.marking)) {
            if (withheld)
                ++*withheld;
            continue;
        }
        out.write(writeCotEvent(eventFromIncident(i, now)));
        out.write("\n");
        ++written;
    }
    if (!out.commit())
        return Error{QStringLiteral("%1: cannot write (%2)").arg(file, out.errorString())};
    return written;
}

} // namespace tessera::interop
