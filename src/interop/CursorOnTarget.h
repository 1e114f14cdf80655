// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Cursor-on-Target (CoT) events, as TAK clients send them: the MITRE base event schema
// (docs/formats/cot.md says which parts Tessera reads and writes, and how types map to
// categories). Point events to incidents, routes (b-m-r) to patrol routes, drawn shapes
// (u-d-...) and map markers to annotations, and back; a stream of several events back to back.

#include "geo/Result.h"
#include "interop/MissionImport.h"
#include "store/Mission.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace tessera::store {
class MissionStore;
}

namespace tessera::interop {

/// A <link> of an event's detail: a route's waypoints and control points, a shape's vertices
/// (those with a point), or the event's parent (relation "p-p": who made it).
struct CotLink {
    QString uid, type, callsign, relation;
    QString parentCallsign; ///< parent_callsign, on "p-p" links
    bool hasPoint = false;
    double lat = 0, lon = 0;
    std::optional<double> hae;
};

/// A track point in Tessera's own detail (a route's actual track).
struct CotTrackPoint {
    double lat = 0, lon = 0;
    std::optional<double> hae;
    QDateTime time;
};

/// An analyst's note on an incident, in Tessera's own detail, with its own marking.
struct CotNote {
    QString uuid, author, text;
    QDateTime time;
    QString classification, releasability;
};

/// One CoT event, the fields of the base schema and what Tessera keeps of its detail.
struct CotEvent {
    int number = 0; ///< its place in the stream it was read from (from 1)
    QString uid;
    QString type; ///< e.g. "a-h-G", "b-m-p-s-p-i"
    QString how;  ///< e.g. "h-e" (human entered), "m-g" (machine, GPS)
    QDateTime time, start, stale;
    double lat = 0, lon = 0;
    double hae = 9999999.0, ce = 9999999.0, le = 9999999.0; ///< 9999999: unknown (the schema's)
    QString access;                                         ///< classification, e.g. "UNCLASSIFIED"
    QString releaseableTo; ///< e.g. "FRA,NLD,UN"; empty: none given
    QString caveat;        ///< caveats after the level, e.g. "EXERCISE"
    QString callsign;      ///< detail/contact/@callsign: the title
    QString remarks;       ///< detail/remarks: the narrative
    QList<CotLink> links;  ///< detail/link, in order
    /// detail/shape/ellipse of circles and ellipses (u-d-c-c, u-d-c-e), as ATAK writes them: a
    /// circle (u-d-c-c, major = minor, angle 0 or 360) gives its radius; anything else gives
    /// the axes' full lengths (diameters) in metres, the major axis at `angle` degrees from true
    /// north (ATAK's DrawingCircle, DrawingEllipseImporter). 0: none.
    double ellipseMajor = 0, ellipseMinor = 0, ellipseAngle = 0;
    /// detail/range/@value and detail/bearing/@value of a range and bearing line (u-rb-a):
    /// metres and degrees from true north, from the event's point. 0 range: none.
    double range = 0, bearing = 0;
    // Tessera's own detail element (<__tessera>), present when Tessera wrote the event:
    QString record; ///< "incident", "route" or "annotation"; empty: not written by Tessera
    QString category, severity, status, source, reliability;
    int credibility = 0;
    bool exercise = false;
    QString unit;               ///< a route's unit
    QString shape;              ///< an annotation's kind: point, line, area
    QString author;             ///< an annotation's author
    QList<QDateTime> planned;   ///< a route's planned time at each waypoint link, in order
    QList<CotTrackPoint> track; ///< a route's actual track
    QList<CotNote> notes;       ///< an incident's notes thread, oldest first

    /// True when `now` is past the event's stale time.
    [[nodiscard]] bool isStale(const QDateTime& now) const {
        return stale.isValid() && now > stale;
    }
};

/// How much a CoT input may ask of the reader (docs/formats/cot.md, "Limits").
struct CotLimits {
    qint64 maxBytes = 64LL * 1024 * 1024; ///< the whole input
    int maxEvents = 200000;
    /// Nesting and element count of the whole input: the deepest CoT Tessera knows (a KML style
    /// in a shape's link) is 8 deep, so 32 leaves room for any TAK extension.
    int maxDepth = 32;
    qint64 maxElements = 1000000;
    /// An event's time, start and stale must lie within this many days before and after `now`:
    /// CoT exists since 2002 and a stale time is hours or days ahead, so a year 9999 (or 1900)
    /// is a broken clock or a forged event, never a report.
    qint64 maxPastDays = 30 * 365;
    qint64 maxFutureDays = 10 * 365;
    QDateTime now; ///< invalid: the current time
};

/// What the operator decides for one import or one feed (docs/formats/cot.md, "Markings").
struct CotImportOptions {
    CotLimits limits;
    /// The marking of events that carry none: no `access` (most of ATAK's), or
    /// access="Undefined". Chosen by the operator for this feed or file (cotDefaultMarking), never
    /// guessed; every record so marked says so in its own text. Unset: such events are refused.
    std::optional<store::Marking> defaultMarking;
};

/// The operator's default marking, read with the marking grammar (store::parseMarking): the
/// canonical marking, or an error saying why it is not one.
Result<store::Marking> cotDefaultMarking(const QString& classification,
                                         const QString& releasability = {});

/// The line added to a record's text when its marking was the operator's default.
QString defaultedMarkingNote(const store::Marking& marking);

/// Control messages (types t-...: pings, deletes, protocol negotiation) are not reports: never
/// records, skipped with a word.
bool isControlMessage(const CotEvent& event);

/// One event that could not be read, with its number in the stream (from 1) and why.
struct CotProblem {
    int event = 0;
    QString reason;
};

struct CotStream {
    QList<CotEvent> events;
    QList<CotProblem> problems;
};

/// Reads a stream of CoT events as TAK clients send it: one or more <event> elements back to
/// back, each optionally with its own XML declaration, whitespace between. Malformed XML stops
/// the read with the line and column; a well-formed event that breaks the schema (no uid, a
/// time that does not parse, lat/lon out of range) is listed as a problem and skipped. A DTD
/// (and with it any entity definition, the billion-laughs attack) is refused.
Result<CotStream> readCotStream(const QByteArray& bytes, const CotLimits& limits = {});

/// The event as XML, with an XML declaration: one event of a stream.
QByteArray writeCotEvent(const CotEvent& event);

/// The CoT type Tessera writes for an incident category, and the category a CoT type maps to
/// (empty: a type Tessera does not take in).
QString cotTypeForCategory(const QString& category);
QString categoryForCotType(const QString& type);

/// An incident as an event: its uuid as uid, its marking as access/caveat/releaseableTo. Stale
/// `staleAfter` after `now` unless the incident is resolved (then stale at once).
CotEvent eventFromIncident(const store::Incident& incident, const QDateTime& now,
                           qint64 staleAfterSecs = 24 * 3600);
/// An event as an incident; an error naming the reason when it cannot be one (unknown type,
/// marking outside the grammar, no marking and no default).
Result<store::Incident> incidentFromEvent(const CotEvent& event,
                                          const std::optional<store::Marking>& defaultMarking = {});

/// What an event becomes in a mission.
enum class CotRecordKind { Incident, Route, Annotation };
/// Routes: type b-m-r. Incidents: the types with a Tessera category (categoryForCotType).
/// Annotations: drawings (u-d-..., range and bearing lines u-rb-a), map markers (b-m-p-s-m) and
/// every other type, as a generic marker whose type the mission keeps (cot_origin) and hands
/// back. Tessera's own detail, when present, decides.
CotRecordKind recordKindOf(const CotEvent& event);

/// A patrol route as a TAK route (b-m-r): its waypoints as links with their names, its unit,
/// status, planned times and actual track in Tessera's detail.
CotEvent eventFromRoute(const store::PatrolRoute& route, const QDateTime& now,
                        qint64 staleAfterSecs = 24 * 3600);
/// A route event as a patrol route: the links with a point, in order, are its waypoints (TAK's
/// waypoints and control points both); fewer than two is an error.
Result<store::PatrolRoute> routeFromEvent(const CotEvent& event,
                                          const std::optional<store::Marking>& defaultMarking = {});

/// An annotation as a TAK drawing: a line or area as a freehand shape (u-d-f; an area's first
/// vertex repeated at its end, as TAK closes shapes), a point as a spot map marker (b-m-p-s-m).
/// The first line of the text is the callsign TAK shows, the whole text the remarks.
CotEvent eventFromAnnotation(const store::Annotation& annotation, const QDateTime& now,
                             qint64 staleAfterSecs = 24 * 3600);
/// A drawing or marker as an annotation: rectangles (u-d-r) and closed freehand shapes as
/// areas, open ones as lines, circles and ellipses (u-d-c-c, u-d-c-e) as 72-sided areas on the
/// ellipsoid, markers as points. The author is the parent link's callsign when the sender gave
/// one.
Result<store::Annotation>
annotationFromEvent(const CotEvent& event,
                    const std::optional<store::Marking>& defaultMarking = {});

/// The record's uuid for an event uid: the uid itself when it is a UUID, else a name-based UUID
/// (version 5), so that the same uid always updates the same record.
QString recordUuidForUid(const QString& uid);
/// What the mission keeps of an event beyond its record (uid, type, how, stale, hae/ce/le).
store::CotOrigin originOf(const CotEvent& event);

/// Imports the events of a CoT file or stream as incidents, routes and annotations
/// (recordKindOf), all or nothing: any unreadable or unmappable event refuses the whole import,
/// every one listed by number and reason (up to 1,000), and the mission is left as it was. An
/// event whose uid is a record already held updates it. Control messages are skipped, said in
/// the report's notes, as are the records whose marking was defaulted. Threads: the store's
/// thread.
Result<ImportReport> importCot(store::MissionStore& mission, const QString& file,
                               const CotImportOptions& options = {});

/// Why this event cannot be a record (empty: it can), as importCot would refuse it.
QString cotEventProblem(const CotEvent& event, const CotImportOptions& options = {});

/// Cuts a byte stream from a socket into whole events as they complete (a TAK feed sends
/// events back to back, split anywhere by TCP). Each piece holds one event, with its XML
/// declaration when it had one, ready for readCotStream.
class CotStreamSplitter {
public:
    explicit CotStreamSplitter(qint64 maxEventBytes = 1024 * 1024)
        : max_(maxEventBytes) {}
    void feed(const QByteArray& bytes) {
        if (!broken_)
            buffer_ += bytes;
    }
    /// The next whole event, or nullopt until more bytes come. An error when the bytes waiting
    /// exceed the limit without completing an event (the feed is then not CoT, or hostile): the
    /// caller must then drop the client (close its socket), not read on, or the limit bounds
    /// nothing; the splitter refuses every later call the same way.
    Result<std::optional<QByteArray>> next();

private:
    QByteArray buffer_;
    qint64 max_;
    qsizetype scanned_ = 0; ///< bytes already searched for the end tag (no rescans: O(n))
    bool broken_ = false;
};

/// Applies events to the mission in one transaction: all or none (an event whose uid is held
/// updates it; control messages are skipped). An error names every event that cannot be a
/// record. Returns the number of records written.
Result<int> applyCotEvents(store::MissionStore& mission, const QList<CotEvent>& events,
                           const CotImportOptions& options = {});

/// Writes the mission's incidents (with the notes of their threads), routes and annotations as
/// a CoT stream (several events back to back); with `releasable`, only the records and notes it
/// passes (an export for a recipient), the records it refuses counted in `withheld`. A record that
/// came as CoT goes back with the uid, type (unless its category changed), how, stale time and
/// hae/ce/le it came with. Written beside the target and renamed into place.
Result<qint64> exportCot(store::MissionStore& mission, const QString& file,
                         const std::function<bool(const store::Marking&)>& releasable = {},
                         qint64* withheld = nullptr);

/// The mission's records as events, as exportCot writes them (the same choice of uid, type and
/// stale time), for other writers (TAK data packages).
Result<QList<CotEvent>> missionEvents(store::MissionStore& mission, const QDateTime& now,
                                      const std::function<bool(const store::Marking&)>& releasable,
                                      qint64* withheld);

} // namespace tessera::interop
