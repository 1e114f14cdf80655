// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/GeoTypes.h"
#include "store/Hlc.h"
#include "store/MarkingGrammar.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace tessera::store {

/// Classification and releasability of a record or a mission. Stored with every record now;
/// the sharing layer enforces it (docs/architecture.md).

enum class Severity { Low, Medium, High, Critical };
enum class IncidentStatus { Reported, Confirmed, Resolved };
enum class RouteStatus { Planned, InProgress, Completed };
enum class LayerKind { Raster, Vector };

// One name for one thing: these strings are the schema's, the JSON scenario's and the UI's keys.
QString toString(Severity value);
QString toString(IncidentStatus value);
QString toString(RouteStatus value);
QString toString(LayerKind value);
std::optional<Severity> severityFromString(const QString& text);
std::optional<IncidentStatus> incidentStatusFromString(const QString& text);
std::optional<RouteStatus> routeStatusFromString(const QString& text);
std::optional<LayerKind> layerKindFromString(const QString& text);

/// The incident categories Tessera knows, as stored keys ("armed_clash", "ied", ...).
const QStringList& incidentCategories();
/// "Armed clash", "IED", ...: the label shown to users for a category key.
QString categoryLabel(const QString& category);

/// One reason a record cannot be saved, tied to the field that causes it, so that a form can
/// show it beside that field.
struct FieldProblem {
    QString field; ///< the Incident member's name: "title", "location", "observedAt", ...
    QString reason;
    friend bool operator==(const FieldProblem&, const FieldProblem&) = default;
};

struct Incident;

struct Annotation;
enum class AnnotationKind;

/// The fewest points an annotation of this kind has: a point 1, a line 2, an area 3.
int annotationPointsNeeded(AnnotationKind kind);

/// Why the store refuses `annotation` (no position, too few points for its kind, a point off the
/// globe); empty when it can be stored.
QString annotationProblem(const Annotation& annotation);

/// Every reason the store refuses `incident` (empty: it can be stored), field by field.
QList<FieldProblem> incidentProblems(const Incident& incident);

/// incidentProblems() and what a local edit must also respect: an observed time no later than
/// `now` plus `futureTolerance` (clocks of field laptops drift; a report from the future is a
/// typing error). Records from imports and peers are judged by incidentProblems() alone.
QList<FieldProblem> incidentEditProblems(const Incident& incident, const QDateTime& now,
                                         qint64 futureToleranceSeconds = 300);

/// Who wrote a record and when, carried by every record for sync (docs/store.md). Set by the
/// store on write; ignored when a record is handed in.
struct RecordStamp {
    Hlc created;
    Hlc updated;
    QString station;      ///< UUID of the station that last wrote the record
    bool deleted = false; ///< a tombstone: kept for sync, hidden from the map and queries
};

struct Incident {
    QString uuid;
    QString title;
    QString category;
    Severity severity = Severity::Low;
    IncidentStatus status = IncidentStatus::Reported;
    QDateTime observedAt;
    geo::GeoPoint location;    ///< the point, or for an area a representative point inside it
    QList<geo::GeoPoint> area; ///< outline of an area incident; empty for a point incident
    QString source;
    QString reliability; ///< source reliability grade A..F
    int credibility = 6; ///< information credibility grade 1..6
    QString narrative;
    Marking marking;
    bool exercise = false;
    RecordStamp stamp;
};

/// One entry in an incident's thread of analyst notes. Append-only.
struct IncidentNote {
    QString uuid;
    QString author;
    QString text;
    QDateTime writtenAt;
    Marking marking;
    RecordStamp stamp;
};

/// A file attached to an incident, stored in the mission with its SHA-256.
struct Attachment {
    QString uuid;
    QString name;
    QString mediaType;
    QString sha256; ///< lower-case hex
    qint64 size = 0;
    Marking marking;
    RecordStamp stamp;
};

/// A point of a route's planned path. TAK tells two kinds apart: waypoints (the patrol's stops,
/// named) and control points (bends of the path between them); both are vertices of the path.
struct Waypoint {
    geo::GeoPoint location;
    QDateTime plannedAt;
    QString name;
    bool control = false;                 ///< a control point (TAK's b-m-p-c), not a waypoint
    std::optional<double> elevation = {}; ///< metres above the ellipsoid (TAK's hae), if known
    QString linkUid = {}; ///< its uid in the CoT event it came from; empty when made here

    friend bool operator==(const Waypoint&, const Waypoint&) = default;
};

/// A recorded position of a patrol (a GPS fix).
struct TrackPoint {
    geo::GeoPoint location;
    QDateTime recordedAt;
    std::optional<double> elevation;
};

struct PatrolRoute {
    QString uuid;
    QString name;
    QString unit;
    RouteStatus status = RouteStatus::Planned;
    QList<Waypoint> waypoints; ///< the planned path, in order
    Marking marking;
    bool exercise = false;
    QList<TrackPoint> track; ///< the actual track, in order (empty until recorded or imported)
    RecordStamp stamp;
};

enum class AnnotationKind { Point, Line, Area };
QString toString(AnnotationKind value);
std::optional<AnnotationKind> annotationKindFromString(const QString& text);

/// A note drawn on the map: a point, line or area with text.
struct Annotation {
    QString uuid;
    AnnotationKind kind = AnnotationKind::Point;
    QList<geo::GeoPoint> geometry; ///< one point, or the vertices of the line or area outline
    QString text;
    QString author;
    QDateTime writtenAt;
    Marking marking;
    RecordStamp stamp;
};

/// A map layer of the mission: a file GDAL/OGR reads, with how to draw it.
struct LayerSpec {
    qint64 id = 0;
    QString name;
    LayerKind kind = LayerKind::Raster;
    QString source;      ///< file path, relative to the mission file's folder unless absolute
    QString sourceLayer; ///< OGR layer name inside `source`, for vector layers
    QString style;       ///< JSON: stroke, fill, width, dash, label field (docs/architecture.md)
    bool visible = true;
    double opacity = 1.0;
    int stackOrder = 0; ///< lower is drawn first
};

struct MissionInfo {
    QString name;
    QString description;
    Marking marking;
    bool exercise = false;
    /// Where the map opens, in degrees: minX = west, minY = south, maxX = east, maxY = north.
    geo::Extent initialView;
    /// The mission's id, the same at every station that shares it (a UUID, or any text the
    /// stations agree on): bundles carry it and are applied only to the mission of that id.
    /// Made at random when a mission is created without one.
    QString id;
};

/// What a record received as a Cursor-on-Target event carried beyond the record's own fields
/// (docs/formats/cot.md): kept so that it goes back out as it came, and so that an event past
/// its stale time is shown as stale.
struct CotOrigin {
    QString uid;  ///< as the sender wrote it (e.g. "ANDROID-3f2a9c")
    QString type; ///< e.g. "a-h-G", "b-m-r", "u-d-f"
    QString how;  ///< e.g. "h-e", "m-g"
    QDateTime stale;
    std::optional<double> hae, ce, le; ///< absent: unknown
    friend bool operator==(const CotOrigin&, const CotOrigin&) = default;
};

/// Everything the map needs from a mission, read in one go on a worker thread and then handed to
/// the GUI thread as an immutable value.
struct MissionSnapshot {
    QString path;
    MissionInfo info;
    QList<LayerSpec> layers; ///< in stack order
    QList<Incident> incidents;
    QList<PatrolRoute> routes;
    QList<Annotation> annotations;
    /// When the records that came as Cursor-on-Target events go stale, by uuid (only those).
    QHash<QString, QDateTime> staleAt;
    /// The marking of everything above, the mission's own included (store::shownMarking over the
    /// whole world and all time): what the window's banners carry.
    CombinedMarking marking;

    /// `source` of a layer resolved against the mission file's folder.
    [[nodiscard]] QString resolveSource(const LayerSpec& layer) const;
};

/// The earliest of the `staleAt` times after `now`; invalid when none lies ahead. A picture of
/// those records next changes by itself then (a marker turns stale), with nobody touching it.
[[nodiscard]] QDateTime nextStaleAfter(const QHash<QString, QDateTime>& staleAt,
                                       const QDateTime& now);

/// Milliseconds from `now` until `nextStaleAfter`, for a single-shot timer: -1 when nothing lies
/// ahead, at most a day (a timer is re-armed when it fires).
[[nodiscard]] int msecsUntilNextStale(const QHash<QString, QDateTime>& staleAt,
                                      const QDateTime& now);

} // namespace tessera::store
