// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/CursorOnTarget.h"

#include "geo/Geodesy.h"
#include "interop/XmlSafety.h"
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
#include <numbers>

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

QString linkPoint(double lat, double lon, std::optional<double> hae) {
    QString text = QString::number(lat, 'f', 7) + QLatin1Char(',') + QString::number(lon, 'f', 7);
    if (hae)
        text += QLatin1Char(',') + QString::number(*hae, 'f', 1);
    return text;
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

/// An event's marking and whether it is the operator's default.
struct EventMarking {
    store::Marking marking;
    bool defaulted = false;
};

/// The marking of an event, or an error. An event without one (no access, or ATAK's
/// "Undefined") takes the operator's default when there is one and is refused when there is
/// not: never guessed. A marking outside the grammar is refused, never stored as a new level.
Result<EventMarking> markingOf(const CotEvent& e, const std::optional<store::Marking>& fallback) {
    const QString access = e.access.trimmed();
    if (access.isEmpty() || access.compare(QLatin1String("Undefined"), Qt::CaseInsensitive) == 0) {
        if (!fallback)
            return Error{QStringLiteral("the event carries no classification (access %1): refused "
                                        "rather than guessed; give the import or feed a default "
                                        "marking (--default-marking)")
                             .arg(access.isEmpty() ? QStringLiteral("absent")
                                                   : QStringLiteral("\"%1\"").arg(access))};
        return EventMarking{*fallback, true};
    }
    const store::Marking m = joinMarking(e);
    Result<store::ParsedMarking> parsed = store::parseMarking(m);
    if (!parsed)
        return Error{QStringLiteral("the marking \"%1\" is not one Tessera reads: %2")
                         .arg(m.banner().left(80), parsed.error().message)};
    return EventMarking{m, false};
}

/// `text` with the defaulted-marking line at its end.
QString withDefaultedNote(const QString& text, const store::Marking& m) {
    const QString note = defaultedMarkingNote(m);
    if (text.contains(note))
        return text;
    return text.trimmed().isEmpty() ? note : text + QStringLiteral("\n\n") + note;
}

/// "lat,lon[,hae]" as TAK writes a link's point; false when it is not one or is out of range.
bool parseLinkPoint(QStringView text, CotLink& link) {
    const QList<QStringView> parts = text.split(QLatin1Char(','));
    if (parts.size() < 2)
        return false;
    bool latOk = false, lonOk = false;
    link.lat = parts[0].trimmed().toDouble(&latOk);
    link.lon = parts[1].trimmed().toDouble(&lonOk);
    if (!latOk || !lonOk || !std::isfinite(link.lat) || !std::isfinite(link.lon) ||
        std::abs(link.lat) > 90 || std::abs(link.lon) > 180)
        return false;
    if (parts.size() > 2) {
        bool ok = false;
        const double hae = parts[2].trimmed().toDouble(&ok);
        if (ok && std::isfinite(hae) && std::abs(hae) < 9999999.0)
            link.hae = hae;
    }
    link.hasPoint = true;
    return true;
}

/// How many links and track points one event may carry (a route of a day's patrol at one fix a
/// second is 86,400; more is not a route a person drew).
constexpr int kMaxLinks = 100000;
/// The longest link uid a route point keeps (TAK writes UUIDs; bundles carry at most this).
constexpr qsizetype kMaxLinkUid = 200;

void readLink(QXmlStreamReader& xml, CotEvent& e, QString& problem, QStringList& lines) {
    const QXmlStreamAttributes a = xml.attributes();
    // A telestration (u-d-f-m) carries each of its lines as a whole CoT event, escaped, in a
    // link's `line` (ATAK's MultiPolylineImporter): read by the caller, not a vertex.
    if (const QStringView line = a.value(QLatin1String("line")); !line.isEmpty()) {
        if (lines.size() < kMaxLinks)
            lines.append(line.toString());
        xml.skipCurrentElement();
        return;
    }
    CotLink link;
    link.uid = a.value(QLatin1String("uid")).toString();
    link.type = a.value(QLatin1String("type")).toString();
    link.callsign = a.value(QLatin1String("callsign")).toString();
    link.relation = a.value(QLatin1String("relation")).toString();
    link.parentCallsign = a.value(QLatin1String("parent_callsign")).toString();
    const QStringView point = a.value(QLatin1String("point"));
    if (!point.isEmpty() && !parseLinkPoint(point, link) && problem.isEmpty())
        problem = QStringLiteral("link %1 has the point '%2', not \"lat,lon[,hae]\" in range")
                      .arg(e.links.size() + 1)
                      .arg(point.toString().left(40));
    if (e.links.size() >= kMaxLinks) {
        if (problem.isEmpty())
            problem = QStringLiteral("more than %1 links").arg(kMaxLinks);
    } else {
        e.links.append(std::move(link));
    }
    xml.skipCurrentElement();
}

void readTesseraDetail(QXmlStreamReader& xml, CotEvent& e, QString& problem) {
    const QXmlStreamAttributes d = xml.attributes();
    e.record = d.value(QLatin1String("record")).toString();
    e.category = d.value(QLatin1String("category")).toString();
    e.severity = d.value(QLatin1String("severity")).toString();
    e.status = d.value(QLatin1String("status")).toString();
    e.source = d.value(QLatin1String("source")).toString();
    e.reliability = d.value(QLatin1String("reliability")).toString();
    e.credibility = d.value(QLatin1String("credibility")).toInt();
    e.exercise = d.value(QLatin1String("exercise")) == QLatin1String("true");
    e.unit = d.value(QLatin1String("unit")).toString();
    e.shape = d.value(QLatin1String("shape")).toString();
    e.author = d.value(QLatin1String("author")).toString();
    while (xml.readNextStartElement()) {
        const QXmlStreamAttributes c = xml.attributes();
        if (xml.name() == QLatin1String("planned")) {
            // An empty time: a waypoint without a planned time (kept in place, in order).
            const QStringView text = c.value(QLatin1String("time"));
            e.planned.append(text.isEmpty() ? QDateTime() : parseTime(text).value_or(QDateTime()));
        } else if (xml.name() == QLatin1String("note")) {
            CotNote note;
            note.uuid = c.value(QLatin1String("uuid")).toString();
            note.author = c.value(QLatin1String("author")).toString();
            note.classification = c.value(QLatin1String("classification")).toString();
            note.releasability = c.value(QLatin1String("releasability")).toString();
            const std::optional<QDateTime> t = parseTime(c.value(QLatin1String("time")));
            note.text = xml.readElementText();
            if ((!t || QUuid(note.uuid).isNull() || note.classification.isEmpty()) &&
                problem.isEmpty())
                problem = QStringLiteral("note %1 needs a uuid, a time and a classification")
                              .arg(e.notes.size() + 1);
            note.time = t.value_or(QDateTime());
            if (e.notes.size() < kMaxLinks)
                e.notes.append(note);
            continue; // readElementText has left the element
        } else if (xml.name() == QLatin1String("fix")) {
            CotTrackPoint fix;
            CotLink at;
            const std::optional<QDateTime> t = parseTime(c.value(QLatin1String("time")));
            if (!parseLinkPoint(c.value(QLatin1String("point")), at) || !t) {
                if (problem.isEmpty())
                    problem = QStringLiteral("track fix %1 has no valid point and time")
                                  .arg(e.track.size() + 1);
            } else if (e.track.size() >= kMaxLinks) {
                if (problem.isEmpty())
                    problem = QStringLiteral("more than %1 track fixes").arg(kMaxLinks);
            } else {
                e.track.append({at.lat, at.lon, at.hae, *t});
            }
        }
        xml.skipCurrentElement();
    }
}

/// The window an event's times must lie in (CotLimits::maxPastDays, maxFutureDays).
struct TimeWindow {
    QDateTime earliest, latest;
};

/// Reads one <event> whose start tag the reader is on.
CotEvent readEvent(QXmlStreamReader& xml, QString& problem, const TimeWindow& window,
                   QStringList& lines) {
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
        if (t && (*t < window.earliest || *t > window.latest) && problem.isEmpty())
            problem = QStringLiteral("the %1 %2 is not between %3 and %4 (a broken clock?)")
                          .arg(QLatin1String(name), text.toString().left(40),
                               window.earliest.toString(Qt::ISODate),
                               window.latest.toString(Qt::ISODate));
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
                } else if (xml.name() == QLatin1String("link")) {
                    readLink(xml, e, problem, lines);
                } else if (xml.name() == QLatin1String("range") ||
                           xml.name() == QLatin1String("bearing")) {
                    bool ok = false;
                    const double v = d.value(QLatin1String("value")).toDouble(&ok);
                    if (ok && std::isfinite(v))
                        (xml.name() == QLatin1String("range") ? e.range : e.bearing) = v;
                    xml.skipCurrentElement();
                } else if (xml.name() == QLatin1String("shape")) {
                    while (xml.readNextStartElement()) {
                        if (xml.name() == QLatin1String("ellipse")) {
                            const QXmlStreamAttributes el = xml.attributes();
                            e.ellipseMajor = el.value(QLatin1String("major")).toDouble();
                            e.ellipseMinor = el.value(QLatin1String("minor")).toDouble();
                            e.ellipseAngle = el.value(QLatin1String("angle")).toDouble();
                        }
                        xml.skipCurrentElement();
                    }
                } else if (xml.name() == QLatin1String("__tessera")) {
                    readTesseraDetail(xml, e, problem);
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

namespace {
Result<CotStream> readStream(const QByteArray& bytes, const CotLimits& limits, bool nested);

/// A telestration's lines, each a CoT event of its own (ATAK writes u-d-f lines with their own
/// uids), read as events in its place: its marking, name and text for those that have none.
void expandTelestration(const CotEvent& parent, const QStringList& lines, const CotLimits& limits,
                        QList<CotEvent>& into, QString& problem) {
    if (lines.isEmpty()) {
        problem = QStringLiteral("the telestration (u-d-f-m) has no lines");
        return;
    }
    for (qsizetype k = 0; k < lines.size(); ++k) {
        Result<CotStream> inner = readStream(lines[k].toUtf8(), limits, /*nested=*/true);
        if (!inner || !inner.value().problems.isEmpty() || inner.value().events.size() != 1) {
            problem = QStringLiteral("line %1 of the telestration is not one readable event%2")
                          .arg(k + 1)
                          .arg(!inner ? QStringLiteral(": ") + inner.error().message
                               : !inner.value().problems.isEmpty()
                                   ? QStringLiteral(": ") + inner.value().problems.first().reason
                                   : QString());
            return;
        }
        CotEvent line = inner.value().events.first();
        line.number = parent.number;
        if (line.access.trimmed().isEmpty()) {
            line.access = parent.access;
            line.caveat = parent.caveat;
            line.releaseableTo = parent.releaseableTo;
        }
        if (line.callsign.trimmed().isEmpty())
            line.callsign = parent.callsign;
        if (line.remarks.trimmed().isEmpty())
            line.remarks = parent.remarks;
        if (line.links.isEmpty())
            line.links = parent.links; // the parent link (who drew it) when the line has none
        into.append(std::move(line));
    }
}
} // namespace

Result<CotStream> readCotStream(const QByteArray& bytes, const CotLimits& limits) {
    return readStream(bytes, limits, false);
}

namespace {
Result<CotStream> readStream(const QByteArray& bytes, const CotLimits& limits, bool nested) {
    if (bytes.size() > limits.maxBytes)
        return Error{QStringLiteral("the CoT input is %1 bytes, over the limit of %2")
                         .arg(bytes.size())
                         .arg(limits.maxBytes)};
    // A DTD is the only way to define entities; CoT never needs one, and refusing it refuses
    // entity expansion attacks whole.
    if (hasDtd(bytes))
        return Error{QStringLiteral("the CoT input has a DTD (<!DOCTYPE or <!ENTITY): refused, "
                                    "CoT events never need one")};
    // CoT is UTF-8. Decoding would turn a bad byte into U+FFFD silently: a callsign or remark
    // altered without a word. Refused, naming the event it is in.
    if (const qsizetype bad = firstInvalidUtf8(bytes); bad >= 0)
        return Error{QStringLiteral("event %1: byte %2 (line %3) is not UTF-8: refused rather "
                                    "than taken in altered")
                         .arg(std::max<qsizetype>(1, bytes.left(bad).count("<event")))
                         .arg(bad)
                         .arg(bytes.left(bad).count('\n') + 1)};
    // Events come back to back, each possibly with its own XML declaration: drop those and read
    // the events as children of one root.
    QByteArray body = bytes;
    static const QRegularExpression declaration(QStringLiteral("<\\?xml[^>]*\\?>"));
    body = QString::fromUtf8(body).remove(declaration).toUtf8();
    const QByteArray wrapped =
        QByteArrayLiteral("<cot-stream>") + body + QByteArrayLiteral("</cot-stream>");
    // Depth and count first, in one pass that stops at the first breach: Qt's reader itself
    // holds a frame per open element, so a deep nest must be refused before it is read.
    if (const QString why =
            xmlShapeProblem(wrapped, {limits.maxDepth, limits.maxElements, /*wrapped=*/true});
        !why.isEmpty())
        return Error{QStringLiteral("the CoT input has %1: refused").arg(why)};
    const QDateTime now =
        limits.now.isValid() ? limits.now.toUTC() : QDateTime::currentDateTimeUtc();
    const TimeWindow window{now.addDays(-limits.maxPastDays), now.addDays(limits.maxFutureDays)};
    QXmlStreamReader xml(wrapped);
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
        QStringList lines;
        CotEvent e = readEvent(xml, problem, window, lines);
        if (xml.hasError())
            break;
        e.number = number;
        if (problem.isEmpty() && !nested && e.type == QLatin1String("u-d-f-m")) {
            QList<CotEvent> expanded;
            expandTelestration(e, lines, limits, expanded, problem);
            if (problem.isEmpty()) {
                stream.events += expanded;
                continue;
            }
        }
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
} // namespace

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
    for (const CotLink& link : e.links) {
        xml.writeStartElement(QStringLiteral("link"));
        for (auto [name, value] :
             {std::pair{"uid", &link.uid}, std::pair{"type", &link.type},
              std::pair{"callsign", &link.callsign}, std::pair{"relation", &link.relation},
              std::pair{"parent_callsign", &link.parentCallsign}})
            if (!value->isEmpty())
                xml.writeAttribute(QLatin1String(name), *value);
        if (link.hasPoint)
            xml.writeAttribute(QStringLiteral("point"), linkPoint(link.lat, link.lon, link.hae));
        xml.writeEndElement();
    }
    if (e.ellipseMajor > 0 && e.ellipseMinor > 0) {
        // ATAK refuses a circle or ellipse without this detail (DrawingCircleImporter).
        xml.writeStartElement(QStringLiteral("shape"));
        xml.writeStartElement(QStringLiteral("ellipse"));
        xml.writeAttribute(QStringLiteral("major"), QString::number(e.ellipseMajor, 'f', 3));
        xml.writeAttribute(QStringLiteral("minor"), QString::number(e.ellipseMinor, 'f', 3));
        xml.writeAttribute(QStringLiteral("angle"), QString::number(e.ellipseAngle, 'f', 3));
        xml.writeEndElement();
        xml.writeEndElement();
    }
    if (e.range > 0) {
        xml.writeStartElement(QStringLiteral("range"));
        xml.writeAttribute(QStringLiteral("value"), QString::number(e.range, 'f', 3));
        xml.writeEndElement();
        xml.writeStartElement(QStringLiteral("bearing"));
        xml.writeAttribute(QStringLiteral("value"), QString::number(e.bearing, 'f', 6));
        xml.writeEndElement();
    }
    if (!e.record.isEmpty()) {
        xml.writeStartElement(QStringLiteral("__tessera"));
        xml.writeAttribute(QStringLiteral("record"), e.record);
        auto optional = [&](const char* name, const QString& value) {
            if (!value.isEmpty())
                xml.writeAttribute(QLatin1String(name), value);
        };
        optional("category", e.category);
        optional("severity", e.severity);
        optional("status", e.status);
        optional("source", e.source);
        optional("reliability", e.reliability);
        if (e.credibility != 0)
            xml.writeAttribute(QStringLiteral("credibility"), QString::number(e.credibility));
        xml.writeAttribute(QStringLiteral("exercise"),
                           e.exercise ? QStringLiteral("true") : QStringLiteral("false"));
        optional("unit", e.unit);
        optional("shape", e.shape);
        optional("author", e.author);
        for (const QDateTime& t : e.planned) {
            xml.writeStartElement(QStringLiteral("planned"));
            xml.writeAttribute(QStringLiteral("time"), t.isValid() ? cotTime(t) : QString());
            xml.writeEndElement();
        }
        for (const CotNote& note : e.notes) {
            xml.writeStartElement(QStringLiteral("note"));
            xml.writeAttribute(QStringLiteral("uuid"), note.uuid);
            xml.writeAttribute(QStringLiteral("author"), note.author);
            xml.writeAttribute(QStringLiteral("time"), cotTime(note.time));
            xml.writeAttribute(QStringLiteral("classification"), note.classification);
            if (!note.releasability.isEmpty())
                xml.writeAttribute(QStringLiteral("releasability"), note.releasability);
            xml.writeCharacters(note.text);
            xml.writeEndElement();
        }
        for (const CotTrackPoint& fix : e.track) {
            xml.writeStartElement(QStringLiteral("fix"));
            xml.writeAttribute(QStringLiteral("point"), linkPoint(fix.lat, fix.lon, fix.hae));
            xml.writeAttribute(QStringLiteral("time"), cotTime(fix.time));
            xml.writeEndElement();
        }
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
    e.record = QStringLiteral("incident");
    return e;
}

Result<store::Incident> incidentFromEvent(const CotEvent& e,
                                          const std::optional<store::Marking>& defaultMarking) {
    store::Incident i;
    i.uuid = recordUuidForUid(e.uid);
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
    Result<EventMarking> marking = markingOf(e, defaultMarking);
    if (!marking)
        return marking.error();
    i.marking = marking.value().marking;
    if (marking.value().defaulted)
        i.narrative = withDefaultedNote(i.narrative, i.marking);
    if (const QString why = store::MissionStore::invalidReason(i); !why.isEmpty())
        return Error{why};
    return i;
}

QString recordUuidForUid(const QString& uid) {
    static const QUuid kNamespace(QStringLiteral("{6f1b6c7e-9a55-4b0e-8f67-0c5e2f4d1a20}"));
    const QUuid asUuid(uid);
    return (asUuid.isNull() ? QUuid::createUuidV5(kNamespace, uid) : asUuid)
        .toString(QUuid::WithoutBraces);
}

store::CotOrigin originOf(const CotEvent& e) {
    auto known = [](double v) { return v >= 9999999.0 ? std::nullopt : std::optional<double>(v); };
    return {e.uid, e.type, e.how, e.stale, known(e.hae), known(e.ce), known(e.le)};
}

CotRecordKind recordKindOf(const CotEvent& e) {
    if (e.record == QLatin1String("route"))
        return CotRecordKind::Route;
    if (e.record == QLatin1String("annotation"))
        return CotRecordKind::Annotation;
    if (e.record == QLatin1String("incident"))
        return CotRecordKind::Incident;
    if (e.type == QLatin1String("b-m-r"))
        return CotRecordKind::Route;
    if (e.type.startsWith(QLatin1String("u-d-")) || e.type.startsWith(QLatin1String("u-rb-")) ||
        e.type == QLatin1String("b-m-p-s-m"))
        return CotRecordKind::Annotation;
    // A type without a category (a friendly unit, an unknown contact, a chat message, a
    // location marker...) is a generic marker: taken, with its type kept, not refused.
    return categoryForCotType(e.type).isEmpty() ? CotRecordKind::Annotation
                                                : CotRecordKind::Incident;
}

namespace {

/// The points of the links that have one, in order.
QList<geo::GeoPoint> linkPoints(const CotEvent& e) {
    QList<geo::GeoPoint> points;
    for (const CotLink& link : e.links)
        if (link.hasPoint)
            points.append({link.lon, link.lat});
    return points;
}

/// The callsign of the link naming who made the event (TAK: relation "p-p"), if any.
QString parentCallsign(const CotEvent& e) {
    for (const CotLink& link : e.links)
        if (link.relation == QLatin1String("p-p") && !link.parentCallsign.isEmpty())
            return link.parentCallsign;
    return {};
}

/// A rough centre for an event's point: the mean of the vertices (shapes in one area of
/// operations never straddle the antimeridian in practice; if one did, TAK would only place
/// its label oddly).
geo::GeoPoint centreOf(const QList<geo::GeoPoint>& points) {
    geo::GeoPoint c{0, 0};
    for (const geo::GeoPoint& p : points) {
        c.lon += p.lon;
        c.lat += p.lat;
    }
    if (!points.isEmpty()) {
        c.lon /= static_cast<double>(points.size());
        c.lat /= static_cast<double>(points.size());
    }
    return c;
}

/// An ellipse on the ellipsoid: `sides` points at the geodesic distance of the ellipse's radius
/// in each direction (semi-axes in metres, the major axis at `angleDeg` from north).
QList<geo::GeoPoint> ellipse(geo::GeoPoint centre, double major, double minor, double angleDeg,
                             int sides = 72) {
    QList<geo::GeoPoint> ring;
    ring.reserve(sides);
    for (int k = 0; k < sides; ++k) {
        const double theta = 2.0 * std::numbers::pi * k / sides; // from the major axis
        const double radius =
            major * minor /
            std::hypot(minor * std::cos(theta), major * std::sin(theta)); // polar form
        ring.append(
            geo::geodesy::destination(centre, radius, angleDeg + theta * 180.0 / std::numbers::pi));
    }
    return ring;
}

/// Vertices the store keeps for a ring, so that the area drawn and tested in longitude and
/// latitude is the one on the globe. Where the ring crosses longitude 180, a detour along the
/// meridian to the pole on the centre's side and back is inserted: around a pole this closes
/// the cap (the ring alone would be a band that leaves the pole, its centre, outside); across
/// 180 elsewhere the two crossings' detours run along the same lines in opposite directions and
/// cancel, leaving the two halves. Inserted vertices lie exactly on longitude ±180 or latitude
/// ±90, which is how ellipseOf tells them from the ring's.
QList<geo::GeoPoint> representableRing(const QList<geo::GeoPoint>& ring, geo::GeoPoint centre) {
    const double pole = centre.lat >= 0 ? 90.0 : -90.0;
    QList<geo::GeoPoint> out;
    for (qsizetype k = 0; k < ring.size(); ++k) {
        const geo::GeoPoint p = ring[k];
        const geo::GeoPoint q = ring[(k + 1) % ring.size()];
        out.append(p);
        if (std::abs(q.lon - p.lon) <= 180.0)
            continue;
        const double side = p.lon > 0 ? 180.0 : -180.0;
        const double qLon = q.lon + (side > 0 ? 360.0 : -360.0); // q, continued past 180
        const double t = (side - p.lon) / (qLon - p.lon);
        const double lat = p.lat + t * (q.lat - p.lat);
        out += {{side, lat}, {side, pole}, {-side, pole}, {-side, lat}};
    }
    return out;
}

/// The vertices ellipse() draws around a centre (72), at the shape's semi-axes.
constexpr int kEllipseSides = 72;

/// A circle or ellipse in ATAK's terms, as writeCotEvent writes it.
struct AtakEllipse {
    geo::GeoPoint centre;
    double major = 0, minor = 0, angle = 0; ///< as in the CoT detail (CotEvent::ellipseMajor)
    bool circle = false;
};

/// The circle or ellipse an area's vertices were drawn from (by annotationFromEvent), or
/// nullopt when they are not one any more (the analyst edited the shape): read back from the
/// ring itself, so that nothing beyond the geometry needs keeping. Vertex 0 and 36 lie on the
/// major axis at equal distances on either side, so the centre is their geodesic midpoint.
std::optional<AtakEllipse> ellipseOf(const QList<geo::GeoPoint>& area) {
    QList<geo::GeoPoint> ring;
    for (const geo::GeoPoint& p : area)
        if (std::abs(p.lon) != 180.0 && std::abs(p.lat) != 90.0)
            ring.append(p);
    if (ring.size() != kEllipseSides)
        return std::nullopt;
    const geo::geodesy::Inverse across = geo::geodesy::inverse(ring[0], ring[kEllipseSides / 2]);
    const geo::GeoPoint centre =
        geo::geodesy::destination(ring[0], across.distanceMetres / 2, across.initialBearingDeg);
    const geo::geodesy::Inverse toMajor = geo::geodesy::inverse(centre, ring[0]);
    const double a = toMajor.distanceMetres;
    const double b = geo::geodesy::inverse(centre, ring[kEllipseSides / 4]).distanceMetres;
    if (!(a > 0) || !(b > 0))
        return std::nullopt;
    const QList<geo::GeoPoint> again = ellipse(centre, a, b, toMajor.initialBearingDeg);
    for (int k = 0; k < kEllipseSides; ++k)
        if (geo::geodesy::inverse(again[k], ring[k]).distanceMetres > 0.05)
            return std::nullopt;
    AtakEllipse e;
    e.centre = centre;
    e.circle = std::abs(a - b) < 0.01;
    if (e.circle) {
        e.major = e.minor = a; // ATAK's circles: the radius, angle 360 (DrawingCircle.toCot)
        e.angle = 360;
    } else {
        e.major = 2 * std::max(a, b); // ATAK's ellipses: diameters (Ellipse.getMajorAxis)
        e.minor = 2 * std::min(a, b);
        e.angle = std::fmod(toMajor.initialBearingDeg + (a >= b ? 0.0 : 90.0) + 360.0, 360.0);
    }
    return e;
}

/// Circles and ellipses may span at most this many metres from the centre: a drawing in an
/// area of operations, not a hemisphere (and the geodesic through the centre stays the shortest).
constexpr double kMaxEllipseAxis = 2.0e6;

} // namespace

CotEvent eventFromRoute(const store::PatrolRoute& route, const QDateTime& now,
                        qint64 staleAfterSecs) {
    CotEvent e;
    e.uid = route.uuid;
    e.type = QStringLiteral("b-m-r");
    e.how = QStringLiteral("h-e");
    // The event is the route as sent now: time and start now, stale a day on (a route is a kept
    // object in TAK, not a report that ages); the planned times travel in Tessera's detail.
    e.time = e.start = now.toUTC();
    e.stale = route.status == store::RouteStatus::Completed ? now.toUTC()
                                                            : now.toUTC().addSecs(staleAfterSecs);
    if (!route.waypoints.isEmpty()) {
        e.lat = route.waypoints.first().location.lat;
        e.lon = route.waypoints.first().location.lon;
    }
    splitMarking(route.marking, e.access, e.caveat, e.releaseableTo);
    e.callsign = route.name;
    for (qsizetype n = 0; n < route.waypoints.size(); ++n) {
        const store::Waypoint& w = route.waypoints[n];
        CotLink link;
        // A point that came from TAK keeps its uid, so that ATAK updates the markers it has
        // instead of adding a second set; a point made here gets one from its route and place.
        link.uid =
            w.linkUid.isEmpty() ? QStringLiteral("%1.wp%2").arg(route.uuid).arg(n + 1) : w.linkUid;
        link.type = w.control ? QStringLiteral("b-m-p-c") : QStringLiteral("b-m-p-w");
        link.callsign = w.name;
        link.relation = QStringLiteral("c");
        link.hasPoint = true;
        link.lat = w.location.lat;
        link.lon = w.location.lon;
        link.hae = w.elevation;
        e.links.append(link);
        e.planned.append(w.plannedAt.toUTC());
    }
    e.record = QStringLiteral("route");
    e.unit = route.unit;
    e.status = store::toString(route.status);
    e.exercise = route.exercise;
    for (const store::TrackPoint& p : route.track)
        e.track.append({p.location.lat, p.location.lon, p.elevation, p.recordedAt.toUTC()});
    return e;
}

Result<store::PatrolRoute> routeFromEvent(const CotEvent& e,
                                          const std::optional<store::Marking>& defaultMarking) {
    store::PatrolRoute r;
    r.uuid = recordUuidForUid(e.uid);
    r.name = e.callsign.trimmed().isEmpty() ? QStringLiteral("Route (CoT %1)").arg(e.uid.left(40))
                                            : e.callsign.trimmed();
    r.unit = e.unit;
    r.status = store::routeStatusFromString(e.status).value_or(store::RouteStatus::Planned);
    r.exercise = e.exercise;
    int n = 0;
    for (const CotLink& link : e.links) {
        if (!link.hasPoint)
            continue;
        store::Waypoint w;
        w.location = {link.lon, link.lat};
        w.name = link.callsign;
        // As ATAK's RouteImporter reads a link: a waypoint is b-m-p-w, anything else on the
        // path (b-m-p-c, or no type at all) a control point.
        w.control = link.type != QLatin1String("b-m-p-w");
        w.elevation = link.hae;
        if (link.uid.size() <= kMaxLinkUid) // longer is no uid TAK made: the export makes one
            w.linkUid = link.uid;
        if (n < e.planned.size())
            w.plannedAt = e.planned[n];
        r.waypoints.append(w);
        ++n;
    }
    if (r.waypoints.size() < 2)
        return Error{QStringLiteral("a route needs at least two waypoints (links with a point); "
                                    "this one has %1")
                         .arg(r.waypoints.size())};
    for (const CotTrackPoint& fix : e.track)
        r.track.append({{fix.lon, fix.lat}, fix.time, fix.hae});
    Result<EventMarking> marking = markingOf(e, defaultMarking);
    if (!marking)
        return marking.error();
    r.marking = marking.value().marking;
    // A route has no text of its own: its name carries the word.
    if (marking.value().defaulted && !r.name.contains(QLatin1String("[marking defaulted]")))
        r.name += QStringLiteral(" [marking defaulted]");
    return r;
}

CotEvent eventFromAnnotation(const store::Annotation& a, const QDateTime& now,
                             qint64 staleAfterSecs) {
    CotEvent e;
    e.uid = a.uuid;
    e.how = QStringLiteral("h-e");
    e.time = e.start = (a.writtenAt.isValid() ? a.writtenAt : now).toUTC();
    e.stale = now.toUTC().addSecs(staleAfterSecs);
    const geo::GeoPoint at = a.kind == store::AnnotationKind::Point && !a.geometry.isEmpty()
                                 ? a.geometry.first()
                                 : centreOf(a.geometry);
    e.lat = at.lat;
    e.lon = at.lon;
    splitMarking(a.marking, e.access, e.caveat, e.releaseableTo);
    e.callsign = a.text.section(QLatin1Char('\n'), 0, 0).left(80);
    e.remarks = a.text;
    if (a.kind == store::AnnotationKind::Point) {
        e.type = QStringLiteral("b-m-p-s-m");
    } else {
        e.type = QStringLiteral("u-d-f");
        QList<geo::GeoPoint> vertices = a.geometry;
        if (a.kind == store::AnnotationKind::Area && !vertices.isEmpty())
            vertices.append(vertices.first()); // TAK closes a freehand shape this way
        for (const geo::GeoPoint& p : vertices) {
            CotLink link;
            link.hasPoint = true;
            link.lat = p.lat;
            link.lon = p.lon;
            e.links.append(link);
        }
    }
    e.record = QStringLiteral("annotation");
    e.shape = store::toString(a.kind);
    e.author = a.author;
    return e;
}

Result<store::Annotation> annotationFromEvent(const CotEvent& e,
                                              const std::optional<store::Marking>& defaultMarking) {
    store::Annotation a;
    a.uuid = recordUuidForUid(e.uid);
    a.text = e.remarks.trimmed().isEmpty() ? e.callsign.trimmed() : e.remarks;
    a.author = e.author.isEmpty() ? parentCallsign(e) : e.author;
    a.writtenAt = e.time;
    const geo::GeoPoint at{e.lon, e.lat};
    QList<geo::GeoPoint> vertices = linkPoints(e);
    const std::optional<store::AnnotationKind> own = store::annotationKindFromString(e.shape);
    // Tessera's own kind decides, except for the shapes that carry no vertices (written back as
    // ATAK reads them: a circle by its ellipse, a range and bearing line by its range).
    const bool shapeWithoutLinks =
        vertices.isEmpty() &&
        (e.type.startsWith(QLatin1String("u-d-c-")) || e.type == QLatin1String("u-rb-a"));
    if (own && !shapeWithoutLinks) {
        a.kind = *own;
    } else if (e.type.startsWith(QLatin1String("u-d-c-"))) {
        // ATAK's meaning (DrawingCircleImporter): a u-d-c-c whose major equals its minor at
        // angle 0 (or 360) is a circle of that radius; anything else is an ellipse whose major
        // and minor are its full axes (diameters), the major at `angle` from true north.
        const bool circle = e.type == QLatin1String("u-d-c-c") &&
                            e.ellipseMajor == e.ellipseMinor &&
                            std::fmod(e.ellipseAngle, 360.0) == 0.0;
        const double semiMajor = circle ? e.ellipseMajor : e.ellipseMajor / 2;
        const double semiMinor = circle ? e.ellipseMinor : e.ellipseMinor / 2;
        if (!(semiMajor > 0) || !(semiMinor > 0) || semiMajor > kMaxEllipseAxis ||
            semiMinor > kMaxEllipseAxis || !std::isfinite(e.ellipseAngle))
            return Error{QStringLiteral("the %1 circle or ellipse has no usable <shape><ellipse "
                                        "major minor> (metres, up to %2 km from its centre)")
                             .arg(e.type)
                             .arg(kMaxEllipseAxis / 1000)};
        a.kind = store::AnnotationKind::Area;
        vertices = representableRing(ellipse(at, semiMajor, semiMinor, e.ellipseAngle), at);
    } else if (e.type == QLatin1String("u-rb-a")) {
        // A range and bearing line: from the event's point, `range` metres on `bearing` (ATAK's
        // RangeAndBearingImporter; the value is degrees from true north whatever units it shows).
        if (!(e.range > 0) || e.range > 2.0e7 || !std::isfinite(e.bearing))
            return Error{QStringLiteral("the range and bearing line has no usable <range value> "
                                        "and <bearing value>")};
        a.kind = store::AnnotationKind::Line;
        vertices = {at, geo::geodesy::destination(at, e.range, e.bearing)};
    } else if (vertices.isEmpty() && (e.type.startsWith(QLatin1String("u-d-f")) ||
                                      e.type.startsWith(QLatin1String("u-d-r")))) {
        // Not a point at the event's position (often 0,0 for drawings): a drawing to fix.
        return Error{
            QStringLiteral("the %1 drawing has no vertices (links with a point)").arg(e.type)};
    } else if (vertices.isEmpty() || !e.type.startsWith(QLatin1String("u-"))) {
        // A marker, or a type Tessera has no shape for: a point where the event is.
        vertices.clear();
        a.kind = store::AnnotationKind::Point;
    } else if (e.type.startsWith(QLatin1String("u-d-r")) ||
               (vertices.size() >= 4 && vertices.first() == vertices.last())) {
        a.kind = store::AnnotationKind::Area;
    } else {
        a.kind = store::AnnotationKind::Line;
    }
    if (a.kind == store::AnnotationKind::Point) {
        a.geometry = {at};
    } else {
        if (a.kind == store::AnnotationKind::Area && vertices.size() > 3 &&
            vertices.first() == vertices.last())
            vertices.removeLast(); // the store's areas are closed implicitly
        a.geometry = vertices;
    }
    if (a.text.trimmed().isEmpty())
        a.text = QStringLiteral("(CoT %1)").arg(e.type);
    Result<EventMarking> marking = markingOf(e, defaultMarking);
    if (!marking)
        return marking.error();
    a.marking = marking.value().marking;
    if (marking.value().defaulted)
        a.text = withDefaultedNote(a.text, a.marking);
    return a;
}

namespace {

/// One event as the record it becomes, ready to write.
struct CotRecord {
    CotRecordKind kind = CotRecordKind::Incident;
    store::Incident incident;
    store::PatrolRoute route;
    store::Annotation annotation;
    QList<store::IncidentNote> notes;
    store::CotOrigin origin;
};

Result<CotRecord> recordFromEvent(const CotEvent& e, const CotImportOptions& options) {
    const std::optional<store::Marking>& fallback = options.defaultMarking;
    CotRecord r;
    r.kind = recordKindOf(e);
    r.origin = originOf(e);
    switch (r.kind) {
    case CotRecordKind::Incident: {
        Result<store::Incident> i = incidentFromEvent(e, fallback);
        if (!i)
            return i.error();
        r.incident = std::move(i).value();
        for (const CotNote& n : e.notes) {
            store::IncidentNote note;
            note.uuid = n.uuid;
            note.author = n.author;
            note.text = n.text;
            note.writtenAt = n.time;
            note.marking = {n.classification, n.releasability};
            r.notes.append(note);
        }
        break;
    }
    case CotRecordKind::Route: {
        Result<store::PatrolRoute> route = routeFromEvent(e, fallback);
        if (!route)
            return route.error();
        r.route = std::move(route).value();
        break;
    }
    case CotRecordKind::Annotation: {
        Result<store::Annotation> a = annotationFromEvent(e, fallback);
        if (!a)
            return a.error();
        r.annotation = std::move(a).value();
        break;
    }
    }
    return r;
}

/// Updates the live record with this uuid, or adds it when there is none.
template <typename Record>
Status upsert(store::MissionStore& mission, store::MissionStore::RecordKind kind, Record& record,
              Status (store::MissionStore::*add)(Record&),
              Status (store::MissionStore::*update)(Record&)) {
    Result<bool> held = mission.holds(kind, record.uuid);
    if (!held)
        return held.error();
    return held.value() ? (mission.*update)(record) : (mission.*add)(record);
}

/// Adds the records, or updates those whose uuid is held, with what their events carried
/// beyond them: one transaction.
Status writeRecords(store::MissionStore& mission, QList<CotRecord>& records) {
    return mission.database().transaction([&]() -> Status {
        for (CotRecord& r : records) {
            QString uuid;
            Status written = success();
            using Kind = store::MissionStore::RecordKind;
            using Store = store::MissionStore;
            switch (r.kind) {
            case CotRecordKind::Incident:
                written = upsert(mission, Kind::Incident, r.incident, &Store::addIncident,
                                 &Store::updateIncident);
                uuid = r.incident.uuid;
                // Notes are append-only: those the mission already has (by uuid) stay as they are.
                for (store::IncidentNote& note : r.notes) {
                    if (!written)
                        break;
                    Result<bool> known = mission.holds(Kind::Note, note.uuid, true);
                    if (!known)
                        return known.error();
                    if (!known.value())
                        written = mission.addNote(uuid, note);
                }
                break;
            case CotRecordKind::Route:
                written =
                    upsert(mission, Kind::Route, r.route, &Store::addRoute, &Store::updateRoute);
                uuid = r.route.uuid;
                break;
            case CotRecordKind::Annotation:
                written = upsert(mission, Kind::Annotation, r.annotation, &Store::addAnnotation,
                                 &Store::updateAnnotation);
                uuid = r.annotation.uuid;
                break;
            }
            if (!written)
                return Error{QStringLiteral("uid %1: %2")
                                 .arg(r.origin.uid.left(60), written.error().message)};
            if (Status s = mission.setCotOrigin(uuid, r.origin); !s)
                return s;
        }
        return success();
    });
}

RejectedFeature rejectedEvent(int number, const QString& reason) {
    RejectedFeature r;
    r.feature = number;
    r.reason = reason;
    return r;
}
} // namespace

Result<store::Marking> cotDefaultMarking(const QString& classification,
                                         const QString& releasability) {
    const store::Marking given{classification.trimmed(), releasability.trimmed()};
    Result<store::ParsedMarking> parsed = store::parseMarking(given);
    if (!parsed)
        return Error{QStringLiteral("the default marking \"%1\" is not a marking: %2")
                         .arg(given.banner().left(80), parsed.error().message)};
    return parsed.value().toStore();
}

QString defaultedMarkingNote(const store::Marking& marking) {
    return QStringLiteral("[Marking defaulted: the CoT event carried no classification; %1 is "
                          "the default the operator set for this import or feed]")
        .arg(marking.banner());
}

bool isControlMessage(const CotEvent& e) {
    return e.type.startsWith(QLatin1String("t-"));
}

QString cotEventProblem(const CotEvent& e, const CotImportOptions& options) {
    if (isControlMessage(e))
        return {};
    Result<CotRecord> r = recordFromEvent(e, options);
    return r ? QString() : r.error().message;
}

namespace {
/// The records of `events` (control messages left out), or every event that cannot be one.
struct MappedEvents {
    QList<CotRecord> records;
    QList<RejectedFeature> rejected;
    int control = 0, defaulted = 0;
};

MappedEvents mapEvents(const QList<CotEvent>& events, const CotImportOptions& options) {
    MappedEvents out;
    for (const CotEvent& e : events) {
        if (isControlMessage(e)) {
            ++out.control;
            continue;
        }
        Result<CotRecord> r = recordFromEvent(e, options);
        if (!r) {
            out.rejected.append(rejectedEvent(
                e.number, QStringLiteral("uid %1: %2").arg(e.uid.left(60), r.error().message)));
            continue;
        }
        const QString access = e.access.trimmed();
        if (access.isEmpty() ||
            access.compare(QLatin1String("Undefined"), Qt::CaseInsensitive) == 0)
            ++out.defaulted;
        out.records.append(std::move(r).value());
    }
    return out;
}

/// How many bad events an error lists: all of them, short of a flood.
constexpr int kListedProblems = 1000;
} // namespace

Result<ImportReport> importCot(store::MissionStore& mission, const QString& file,
                               const CotImportOptions& options) {
    const CotLimits& limits = options.limits;
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
        report.rejected.append(rejectedEvent(p.event, p.reason));
    MappedEvents mapped = mapEvents(stream.value().events, options);
    report.rejected += mapped.rejected;
    if (!report.rejected.isEmpty()) {
        std::sort(report.rejected.begin(), report.rejected.end(),
                  [](const RejectedFeature& a, const RejectedFeature& b) {
                      return a.feature < b.feature;
                  });
        return Error{
            QStringLiteral("%1: nothing imported, %2 of %3 events refused:\n%4")
                .arg(file)
                .arg(report.rejected.size())
                .arg(stream.value().events.size() + stream.value().problems.size())
                .arg(describeRejected(report.rejected, kListedProblems, QStringLiteral("event")))};
    }
    Status done = writeRecords(mission, mapped.records);
    if (!done)
        return Error{QStringLiteral("%1: nothing imported: %2").arg(file, done.error().message)};
    report.imported = mapped.records.size();
    if (mapped.control > 0)
        report.notes.append(QStringLiteral("%1 control messages (types t-...) not taken: they "
                                           "are not reports")
                                .arg(mapped.control));
    if (mapped.defaulted > 0 && options.defaultMarking)
        report.notes.append(QStringLiteral("%1 events carried no classification: marked %2, the "
                                           "default given, and said so in each record")
                                .arg(mapped.defaulted)
                                .arg(options.defaultMarking->banner()));
    return report;
}

Result<int> applyCotEvents(store::MissionStore& mission, const QList<CotEvent>& events,
                           const CotImportOptions& options) {
    MappedEvents mapped = mapEvents(events, options);
    if (!mapped.rejected.isEmpty())
        return Error{describeRejected(mapped.rejected, kListedProblems, QStringLiteral("event"))};
    if (Status s = writeRecords(mission, mapped.records); !s)
        return s.error();
    return static_cast<int>(mapped.records.size());
}

Result<std::optional<QByteArray>> CotStreamSplitter::next() {
    static const QByteArray kEnd = QByteArrayLiteral("</event>");
    if (broken_)
        return Error{QStringLiteral("the feed was dropped: over %1 bytes without the end of an "
                                    "event")
                         .arg(max_)};
    // Search only what came since the last call (less the tag's length, which may straddle).
    const qsizetype end =
        buffer_.indexOf(kEnd, std::max<qsizetype>(0, scanned_ - (kEnd.size() - 1)));
    if (end < 0) {
        scanned_ = buffer_.size();
        if (buffer_.size() > max_) {
            broken_ = true;
            const qsizetype held = buffer_.size();
            buffer_ = QByteArray(); // not kept: the client is to be dropped
            return Error{
                QStringLiteral("%1 bytes without the end of an event: not a CoT feed").arg(held)};
        }
        return std::optional<QByteArray>();
    }
    const qsizetype cut = end + kEnd.size();
    QByteArray event = buffer_.left(cut).trimmed();
    buffer_.remove(0, cut);
    scanned_ = 0;
    return std::optional(event);
}

namespace {
/// An event made by Tessera for a record that came as CoT goes back as it came: the sender's
/// uid (so that TAK updates its own marker), how, stale time and hae/ce/le; the type too,
/// unless Tessera's is of another kind of record or (for an incident) another category.
void restoreOrigin(CotEvent& e, const store::CotOrigin& origin) {
    e.uid = origin.uid;
    e.how = origin.how;
    // An incident goes back with the stale time it came with (its report's life), unless that
    // is before the event's own start: an event stale before it starts is not one TAK shows.
    // Routes and drawings are kept objects in TAK: stale from now, as when written afresh.
    if (recordKindOf(e) == CotRecordKind::Incident && origin.stale.isValid() &&
        origin.stale >= e.start)
        e.stale = origin.stale.toUTC();
    if (origin.hae)
        e.hae = *origin.hae;
    if (origin.ce)
        e.ce = *origin.ce;
    if (origin.le)
        e.le = *origin.le;
    CotEvent asSent = e;
    asSent.type = origin.type;
    asSent.record.clear();
    const bool sameKind = recordKindOf(asSent) == recordKindOf(e);
    const bool sameCategory =
        recordKindOf(e) != CotRecordKind::Incident || categoryForCotType(origin.type) == e.category;
    // A freehand line is written for any drawing; a rectangle or circle stays what it was only
    // while its vertices are the ones written (they are: the links carry them).
    if (sameKind && sameCategory)
        e.type = origin.type;
}

/// A drawing that came as a circle, ellipse or range and bearing line goes back as one, in the
/// detail ATAK reads (its shape is read back from the vertices: an edited one goes back as the
/// freehand shape it now is).
void restoreShape(CotEvent& e, const store::Annotation& a) {
    if (e.type.startsWith(QLatin1String("u-d-c-"))) {
        const std::optional<AtakEllipse> shape =
            a.kind == store::AnnotationKind::Area ? ellipseOf(a.geometry) : std::nullopt;
        if (!shape) {
            e.type = QStringLiteral("u-d-f");
            return;
        }
        e.type = shape->circle ? QStringLiteral("u-d-c-c") : QStringLiteral("u-d-c-e");
        e.lat = shape->centre.lat;
        e.lon = shape->centre.lon;
        e.ellipseMajor = shape->major;
        e.ellipseMinor = shape->minor;
        e.ellipseAngle = shape->angle;
        e.links.clear();
    } else if (e.type == QLatin1String("u-rb-a")) {
        if (a.kind != store::AnnotationKind::Line || a.geometry.size() != 2) {
            e.type = QStringLiteral("u-d-f");
            return;
        }
        const geo::geodesy::Inverse line = geo::geodesy::inverse(a.geometry[0], a.geometry[1]);
        e.lat = a.geometry[0].lat;
        e.lon = a.geometry[0].lon;
        e.range = line.distanceMetres;
        e.bearing = line.initialBearingDeg;
        e.links.clear();
    }
}
} // namespace

Result<QList<CotEvent>> missionEvents(store::MissionStore& mission, const QDateTime& now,
                                      const std::function<bool(const store::Marking&)>& releasable,
                                      qint64* withheld) {
    Result<QList<store::Incident>> incidents = mission.incidents();
    if (!incidents)
        return incidents.error();
    Result<QList<store::PatrolRoute>> routes = mission.routes();
    if (!routes)
        return routes.error();
    Result<QList<store::Annotation>> annotations = mission.annotations();
    if (!annotations)
        return annotations.error();
    Result<QHash<QString, store::CotOrigin>> origins = mission.cotOrigins();
    if (!origins)
        return origins.error();
    if (withheld)
        *withheld = 0;
    QList<CotEvent> events;
    auto add = [&](const store::Marking& marking, const QString& uuid, CotEvent e) {
        if (releasable && !releasable(marking)) {
            if (withheld)
                ++*withheld;
            return;
        }
        if (auto it = origins.value().constFind(uuid); it != origins.value().cend())
            restoreOrigin(e, it.value());
        events.append(std::move(e));
    };
    for (const store::Incident& i : incidents.value()) {
        CotEvent e = eventFromIncident(i, now);
        Result<QList<store::IncidentNote>> notes = mission.notes(i.uuid);
        if (!notes)
            return notes.error();
        for (const store::IncidentNote& n : notes.value())
            if (!releasable || releasable(n.marking))
                e.notes.append({n.uuid, n.author, n.text, n.writtenAt, n.marking.classification,
                                n.marking.releasability});
        add(i.marking, i.uuid, std::move(e));
    }
    for (const store::PatrolRoute& r : routes.value())
        add(r.marking, r.uuid, eventFromRoute(r, now));
    for (const store::Annotation& a : annotations.value()) {
        const qsizetype before = events.size();
        add(a.marking, a.uuid, eventFromAnnotation(a, now));
        if (events.size() > before)
            restoreShape(events.last(), a);
    }
    return events;
}

Result<qint64> exportCot(store::MissionStore& mission, const QString& file,
                         const std::function<bool(const store::Marking&)>& releasable,
                         qint64* withheld) {
    Result<QList<CotEvent>> events =
        missionEvents(mission, QDateTime::currentDateTimeUtc(), releasable, withheld);
    if (!events)
        return events.error();
    QSaveFile out(file);
    if (!out.open(QIODevice::WriteOnly))
        return Error{QStringLiteral("%1: cannot write (%2)").arg(file, out.errorString())};
    for (const CotEvent& e : events.value()) {
        out.write(writeCotEvent(e));
        out.write("\n");
    }
    if (!out.commit())
        return Error{QStringLiteral("%1: cannot write (%2)").arg(file, out.errorString())};
    return static_cast<qint64>(events.value().size());
}

} // namespace tessera::interop
