// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/MissionImport.h"

#include "geo/GdalEnvironment.h"
#include "geo/ThreadCheck.h"
#include "interop/OgrHandles.h"
#include "interop/ParseProcess.h"
#include "interop/TakArchive.h"
#include "store/IncidentImport.h"
#include "store/MissionStore.h"

#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QSet>
#include <QUuid>

#include <cpl_string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <cmath>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace tessera::interop {

namespace {

/// The field's index; GPX extensions written by OGR (Tessera's GPX export) come back as
/// "ogr_" and the name.
int fieldIndex(OGRFeatureH f, const QString& name) {
    const int index = OGR_F_GetFieldIndex(f, name.toUtf8().constData());
    return index >= 0
               ? index
               : OGR_F_GetFieldIndex(f, (QStringLiteral("ogr_") + name).toUtf8().constData());
}

QString field(OGRFeatureH f, const QString& name) {
    if (name.isEmpty())
        return {};
    const int index = fieldIndex(f, name);
    if (index < 0 || !OGR_F_IsFieldSetAndNotNull(f, index))
        return {};
    return QString::fromUtf8(OGR_F_GetFieldAsString(f, index)).trimmed();
}

/// An ISO 8601 time, in UTC (invalid when the text is not one).
QDateTime parseTime(const QString& text) {
    QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(text, Qt::ISODate);
    if (t.isValid() && t.timeSpec() == Qt::LocalTime)
        t.setTimeSpec(Qt::UTC); // a time without a zone is taken as UTC, the mission's clock
    return t.toUTC();
}

QDateTime timeField(OGRFeatureH f, const QString& name) {
    if (name.isEmpty())
        return {};
    const int index = fieldIndex(f, name);
    if (index < 0 || !OGR_F_IsFieldSetAndNotNull(f, index))
        return {};
    const OGRFieldType type = OGR_Fld_GetType(OGR_F_GetFieldDefnRef(f, index));
    if (type == OFTDateTime || type == OFTDate) {
        int y = 0, mo = 0, d = 0, h = 0, mi = 0, tz = 0;
        float s = 0;
        if (!OGR_F_GetFieldAsDateTimeEx(f, index, &y, &mo, &d, &h, &mi, &s, &tz))
            return {};
        const int whole = static_cast<int>(s);
        QDateTime t(QDate(y, mo, d),
                    QTime(h, mi, whole,
                          std::min(999, static_cast<int>(std::lround((s - whole) * 1000.0f)))),
                    Qt::UTC);
        if (tz > 1) // OGR: 100 is UTC, each step 15 minutes
            t = t.addSecs(-(tz - 100) * 15 * 60);
        return t;
    }
    return parseTime(QString::fromUtf8(OGR_F_GetFieldAsString(f, index)).trimmed());
}

/// A yes/no field (true/false, 1/0, yes/no); unset is no. Empty reason on success.
QString readFlag(OGRFeatureH f, const QString& name, bool& value) {
    const QString text = field(f, name).toLower();
    if (text.isEmpty() || text == QLatin1String("false") || text == QLatin1String("0") ||
        text == QLatin1String("no"))
        value = false;
    else if (text == QLatin1String("true") || text == QLatin1String("1") ||
             text == QLatin1String("yes"))
        value = true;
    else
        return QStringLiteral("%1 '%2' is neither true nor false").arg(name, text);
    return {};
}

/// The part of a multi-part geometry that stands for it: the largest area of a MultiPolygon,
/// the longest line of a MultiLineString, the first point of a MultiPoint. Null for a geometry
/// that is not multi-part (or an empty one). `parts` is set to the number of parts.
OGRGeometryH mainPart(OGRGeometryH multi, int& parts) {
    const OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(multi));
    if (type != wkbMultiPolygon && type != wkbMultiLineString && type != wkbMultiPoint)
        return nullptr;
    parts = OGR_G_GetGeometryCount(multi);
    OGRGeometryH best = nullptr;
    double bestSize = -1;
    for (int k = 0; k < parts; ++k) {
        OGRGeometryH part = OGR_G_GetGeometryRef(multi, k);
        if (!part || OGR_G_IsEmpty(part))
            continue;
        const double size = type == wkbMultiPolygon      ? OGR_G_Area(part)
                            : type == wkbMultiLineString ? OGR_G_Length(part)
                                                         : 0.0;
        if (size > bestSize) {
            best = part;
            bestSize = size;
        }
        if (type == wkbMultiPoint)
            break;
    }
    return best;
}

/// The geometry of a feature as a point or an area, in WGS84; empty reason on success. A
/// multi-part point or area is taken as its main part (mainPart); `parts` says how many it had
/// (1 for a single geometry), so that the caller can tell the operator.
QString readGeometry(OGRFeatureH f, OGRCoordinateTransformationH transform,
                     store::Incident& incident, int* parts = nullptr) {
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    if (!g || OGR_G_IsEmpty(g))
        return QStringLiteral("no geometry");
    OGRGeometryH copy = OGR_G_Clone(g);
    const auto cleanup = std::unique_ptr<void, void (*)(void*)>(
        copy, [](void* h) { OGR_G_DestroyGeometry(static_cast<OGRGeometryH>(h)); });
    if (transform && OGR_G_Transform(copy, transform) != OGRERR_NONE)
        return QStringLiteral("the position cannot be transformed to WGS84");
    OGRGeometryH shape = copy;
    int count = 1;
    const OGRwkbGeometryType outer = wkbFlatten(OGR_G_GetGeometryType(copy));
    if (outer == wkbMultiPolygon || outer == wkbMultiPoint) {
        shape = mainPart(copy, count);
        if (!shape)
            return QStringLiteral("no geometry (a %1 without parts)")
                .arg(QString::fromUtf8(OGRGeometryTypeToName(outer)));
    }
    if (parts)
        *parts = count;
    const OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(shape));
    if (type == wkbPoint) {
        incident.location = {OGR_G_GetX(shape, 0), OGR_G_GetY(shape, 0)};
        return {};
    }
    if (type == wkbPolygon) {
        OGRGeometryH ring = OGR_G_GetGeometryRef(shape, 0);
        const int n = OGR_G_GetPointCount(ring);
        for (int k = 0; k < n; ++k)
            incident.area.append({OGR_G_GetX(ring, k), OGR_G_GetY(ring, k)});
        if (incident.area.size() > 1 && incident.area.first() == incident.area.last())
            incident.area.removeLast();
        OGRGeometryH inside = OGR_G_PointOnSurface(shape);
        if (!inside)
            return QStringLiteral("the area has no inside");
        incident.location = {OGR_G_GetX(inside, 0), OGR_G_GetY(inside, 0)};
        OGR_G_DestroyGeometry(inside);
        return {};
    }
    return QStringLiteral("a %1 is neither a point nor an area")
        .arg(QString::fromUtf8(OGRGeometryTypeToName(type)));
}

QString readIncident(OGRFeatureH f, OGRCoordinateTransformationH transform, const ImportOptions& o,
                     store::Incident& incident, int* parts = nullptr) {
    const FieldMapping& m = o.mapping;
    if (QString reason = readGeometry(f, transform, incident, parts); !reason.isEmpty())
        return reason;
    incident.title = field(f, m.title);
    incident.category = field(f, m.category);
    if (incident.category.isEmpty())
        incident.category = o.defaultCategory;
    if (const QString s = field(f, m.severity); !s.isEmpty()) {
        const auto severity = store::severityFromString(s.toLower());
        if (!severity)
            return QStringLiteral("unknown severity '%1'").arg(s);
        incident.severity = *severity;
    }
    if (const QString s = field(f, m.status); !s.isEmpty()) {
        const auto status = store::incidentStatusFromString(s.toLower());
        if (!status)
            return QStringLiteral("unknown status '%1'").arg(s);
        incident.status = *status;
    }
    incident.observedAt = timeField(f, m.observedAt);
    incident.source = field(f, m.source);
    incident.reliability = field(f, m.reliability).toUpper();
    if (incident.reliability.isEmpty())
        incident.reliability = QStringLiteral("F");
    if (const QString c = field(f, m.credibility); !c.isEmpty()) {
        bool ok = false;
        incident.credibility = c.toInt(&ok);
        if (!ok)
            return QStringLiteral("the credibility '%1' is not a grade 1 to 6").arg(c);
    }
    incident.narrative = field(f, m.narrative);
    if (QString reason = readFlag(f, m.exercise, incident.exercise); !reason.isEmpty())
        return reason;
    incident.marking = o.marking;
    if (const QString c = field(f, m.classification); !c.isEmpty())
        incident.marking = {c, field(f, m.releasability)};
    return store::MissionStore::invalidReason(incident);
}

// ---- records as exportRecords writes them ----

enum class RecordType { Incident, Route, RouteTrack, Annotation };

/// Each kind of record as exportRecords names it: its `record_type` value (GeoJSON) and its
/// layer (GeoPackage, KML).
struct RecordTypeName {
    RecordType type;
    const char* value;
    const char* layer;
};
constexpr RecordTypeName kRecordTypes[] = {
    {RecordType::Incident, "incident", "incidents"},
    {RecordType::Route, "route", "routes"},
    {RecordType::RouteTrack, "route_track", "route_tracks"},
    {RecordType::Annotation, "annotation", "annotations"},
};

std::optional<RecordType> recordTypeFrom(const QString& text) {
    for (const RecordTypeName& n : kRecordTypes)
        if (text == QLatin1String(n.value))
            return n.type;
    return std::nullopt;
}

/// The layers exportRecords writes (GeoPackage, KML), and the kind of record in each.
std::optional<RecordType> layerKind(const QString& layer) {
    for (const RecordTypeName& n : kRecordTypes)
        if (layer == QLatin1String(n.layer))
            return n.type;
    return std::nullopt;
}

/// The first of `candidates` the feature has, as itself or as a GPX extension (KML: a
/// placemark's name and description come back as Name and description; GPX: desc keeps the
/// line breaks its extensions lose).
QString pick(OGRFeatureH f, std::initializer_list<const char*> candidates) {
    for (const char* c : candidates)
        if (fieldIndex(f, QLatin1String(c)) >= 0)
            return QLatin1String(c);
    return QLatin1String(*candidates.begin());
}

/// A time field that must be a time when it is set. Empty reason on success.
QString readTime(OGRFeatureH f, const QString& name, QDateTime& value) {
    value = timeField(f, name);
    if (!value.isValid() && !field(f, name).isEmpty())
        return QStringLiteral("%1 '%2' is not a time").arg(name, field(f, name));
    return {};
}

/// The record's uuid, normalised; empty when the feature has none. Empty reason on success.
QString readUuid(OGRFeatureH f, QString& uuid) {
    const QString text = field(f, QStringLiteral("uuid"));
    uuid.clear();
    if (text.isEmpty())
        return {};
    const QUuid parsed(text);
    if (parsed.isNull())
        return QStringLiteral("the uuid '%1' is not a UUID").arg(text);
    uuid = parsed.toString(QUuid::WithoutBraces);
    return {};
}

/// The feature's own marking, or `fallback` when it has none.
store::Marking readMarking(OGRFeatureH f, const store::Marking& fallback) {
    const QString classification = field(f, QStringLiteral("classification"));
    if (classification.isEmpty())
        return fallback;
    return {classification, field(f, QStringLiteral("releasability"))};
}

/// A feature's geometry as points, lines or areas read it.
struct Shape {
    enum class Type { None, Point, Line, Area };
    Type type = Type::None;
    QList<geo::GeoPoint> points; ///< an area's outline without its closing point
};

QString shapeName(Shape::Type type) {
    switch (type) {
    case Shape::Type::None:
        return QStringLiteral("no geometry");
    case Shape::Type::Point:
        return QStringLiteral("a point");
    case Shape::Type::Line:
        return QStringLiteral("a line");
    case Shape::Type::Area:
        return QStringLiteral("an area");
    }
    return {};
}

/// Empty reason on success. A multi-part geometry is read as its main part (mainPart); `parts`
/// says how many it had.
QString readShape(OGRFeatureH f, OGRCoordinateTransformationH transform, Shape& shape,
                  int* parts = nullptr) {
    shape = {};
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    if (!g || OGR_G_IsEmpty(g))
        return {};
    OGRGeometryH copy = OGR_G_Clone(g);
    const auto cleanup = std::unique_ptr<void, void (*)(void*)>(
        copy, [](void* h) { OGR_G_DestroyGeometry(static_cast<OGRGeometryH>(h)); });
    if (transform && OGR_G_Transform(copy, transform) != OGRERR_NONE)
        return QStringLiteral("the geometry cannot be transformed to WGS84");
    OGRGeometryH single = copy;
    int count = 1;
    if (OGRGeometryH part = mainPart(copy, count))
        single = part; // else not multi-part, or one without parts: judged below as it is
    if (parts)
        *parts = count;
    const OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(single));
    OGRGeometryH points = single;
    if (type == wkbPoint) {
        shape.type = Shape::Type::Point;
    } else if (type == wkbLineString) {
        shape.type = Shape::Type::Line;
    } else if (type == wkbPolygon) {
        if (OGR_G_GetGeometryCount(single) != 1)
            return QStringLiteral("an area with holes");
        shape.type = Shape::Type::Area;
        points = OGR_G_GetGeometryRef(single, 0);
    } else {
        return QStringLiteral("a %1 is not a point, line or area")
            .arg(QString::fromUtf8(OGRGeometryTypeToName(type)));
    }
    const int n = OGR_G_GetPointCount(points);
    for (int k = 0; k < n; ++k) {
        const geo::GeoPoint p{OGR_G_GetX(points, k), OGR_G_GetY(points, k)};
        if (!p.isValid())
            return QStringLiteral("point %1 is not a longitude/latitude").arg(k + 1);
        shape.points.append(p);
    }
    if (shape.type == Shape::Type::Area && shape.points.size() > 1 &&
        shape.points.first() == shape.points.last())
        shape.points.removeLast();
    return {};
}

/// One point of a route's plan or track, with what the format says about it.
struct Vertex {
    geo::GeoPoint location;
    QString name;
    QDateTime time;
    std::optional<double> elevation;
};

/// The JSON field `name` (waypoints, track_points): one object per vertex. Empty reason on
/// success; `present` tells whether the feature had it.
QString readVertexJson(OGRFeatureH f, const char* name, qsizetype vertices, QJsonArray& array,
                       bool& present) {
    const QString text = field(f, QLatin1String(name));
    present = !text.isEmpty();
    if (!present)
        return {};
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8());
    if (!doc.isArray())
        return QStringLiteral("%1 is not a JSON array").arg(QLatin1String(name));
    array = doc.array();
    if (array.size() != vertices)
        return QStringLiteral("%1 lists %2 points for a geometry of %3")
            .arg(QLatin1String(name))
            .arg(array.size())
            .arg(vertices);
    for (const QJsonValue& v : array)
        if (!v.isObject())
            return QStringLiteral("%1 holds something that is not an object")
                .arg(QLatin1String(name));
    return {};
}

/// The planned waypoints or the track of a route feature of GeoPackage, GeoJSON or KML: the
/// positions from its geometry, the rest from its JSON field.
QString readRouteVertices(OGRFeatureH f, OGRCoordinateTransformationH transform, bool track,
                          QList<Vertex>& vertices, int* parts = nullptr) {
    Shape shape;
    if (QString reason = readShape(f, transform, shape, parts); !reason.isEmpty())
        return reason;
    if (shape.type == Shape::Type::Area)
        return track ? QStringLiteral("the track is an area")
                     : QStringLiteral("the planned path is an area");
    if (track && shape.type == Shape::Type::None)
        return QStringLiteral("the track has no geometry");
    QJsonArray array;
    bool present = false;
    const char* jsonField = track ? "track_points" : "waypoints";
    if (QString reason = readVertexJson(f, jsonField, shape.points.size(), array, present);
        !reason.isEmpty())
        return reason;
    if (track && !present)
        return QStringLiteral("the track has no track_points (their times)");
    for (qsizetype k = 0; k < shape.points.size(); ++k) {
        Vertex v{shape.points[k], {}, {}, {}};
        if (present) {
            const QJsonObject o = array[k].toObject();
            const QString time =
                o.value(QLatin1String(track ? "recorded_at" : "planned_at")).toString();
            v.time = parseTime(time);
            if (!time.isEmpty() && !v.time.isValid())
                return QStringLiteral("point %1: '%2' is not a time").arg(k + 1).arg(time);
            v.name = o.value(QLatin1String("name")).toString();
            const QJsonValue elevation = o.value(QLatin1String("elevation"));
            if (elevation.isDouble())
                v.elevation = elevation.toDouble();
            else if (!elevation.isUndefined() && !elevation.isNull())
                return QStringLiteral("point %1: the elevation is not a number").arg(k + 1);
        }
        vertices.append(v);
    }
    return {};
}

/// A route's fields, which its planned path and its track both carry. Empty reason on success.
QString readRouteFields(OGRFeatureH f, const QString& name, const store::Marking& fallback,
                        store::PatrolRoute& r) {
    if (QString reason = readUuid(f, r.uuid); !reason.isEmpty())
        return reason;
    r.name = name;
    if (r.name.isEmpty())
        return QStringLiteral("the route has no name");
    r.unit = field(f, QStringLiteral("unit"));
    if (const QString s = field(f, QStringLiteral("status")); !s.isEmpty()) {
        const auto status = store::routeStatusFromString(s.toLower());
        if (!status)
            return QStringLiteral("unknown route status '%1'").arg(s);
        r.status = *status;
    }
    if (QString reason = readFlag(f, QStringLiteral("exercise"), r.exercise); !reason.isEmpty())
        return reason;
    r.marking = readMarking(f, fallback);
    return {};
}

/// Empty reason on success.
QString fillRoute(const QList<Vertex>& vertices, bool track, store::PatrolRoute& r) {
    for (qsizetype k = 0; k < vertices.size(); ++k) {
        const Vertex& v = vertices[k];
        if (track) {
            if (!v.time.isValid())
                return QStringLiteral("track point %1 has no time").arg(k + 1);
            r.track.append({v.location, v.time, v.elevation});
        } else {
            r.waypoints.append({v.location, v.time, v.name});
        }
    }
    return {};
}

/// An annotation's fields and its shape. Empty reason on success.
QString readAnnotation(OGRFeatureH f, const Shape& shape, const QString& textField,
                       const store::Marking& fallback, store::Annotation& a) {
    if (QString reason = readUuid(f, a.uuid); !reason.isEmpty())
        return reason;
    const Shape::Type wanted[] = {Shape::Type::Point, Shape::Type::Line, Shape::Type::Area};
    if (const QString k = field(f, QStringLiteral("kind")); !k.isEmpty()) {
        const auto kind = store::annotationKindFromString(k.toLower());
        if (!kind)
            return QStringLiteral("unknown annotation kind '%1'").arg(k);
        a.kind = *kind;
    } else if (shape.type == Shape::Type::Line) {
        a.kind = store::AnnotationKind::Line;
    } else if (shape.type == Shape::Type::Area) {
        a.kind = store::AnnotationKind::Area;
    }
    if (shape.type != wanted[static_cast<int>(a.kind)])
        return QStringLiteral("a %1 annotation with %2")
            .arg(store::toString(a.kind), shapeName(shape.type));
    const qsizetype needed = a.kind == store::AnnotationKind::Point  ? 1
                             : a.kind == store::AnnotationKind::Line ? 2
                                                                     : 3;
    if (shape.points.size() < needed)
        return QStringLiteral("a %1 annotation with %2 points")
            .arg(store::toString(a.kind))
            .arg(shape.points.size());
    a.geometry = shape.points;
    a.text = field(f, textField);
    a.author = field(f, QStringLiteral("author"));
    if (QString reason = readTime(f, QStringLiteral("written_at"), a.writtenAt); !reason.isEmpty())
        return reason;
    a.marking = readMarking(f, fallback);
    return {};
}

/// Reads a file of records into a ParsedFile; nothing of a mission is touched (the parse
/// process runs it; writeRecords writes what it read).
class RecordReader {
public:
    RecordReader(const RecordImportOptions& options, ParsedFile& out)
        : options_(options)
        , out_(out) {}

    [[nodiscard]] const QList<RejectedFeature>& rejected() const { return rejected_; }
    [[nodiscard]] qint64 features() const { return features_; }
    /// Features whose multi-part geometry was read as its main part, by layer.
    [[nodiscard]] const QMap<QString, QList<qint64>>& multiPart() const { return multiPart_; }

    Status run(void* ds) {
        gpx_ =
            QLatin1String(GDALGetDriverShortName(GDALGetDatasetDriver(ds))) == QLatin1String("GPX");
        if (gpx_) {
            if (OGRLayerH l = GDALDatasetGetLayerByName(ds, "waypoints"))
                if (Status s = readLayer(l, RecordType::Incident); !s)
                    return s;
            if (OGRLayerH l = GDALDatasetGetLayerByName(ds, "route_points"))
                if (Status s = readGpxPaths(l, GDALDatasetGetLayerByName(ds, "routes"), false); !s)
                    return s;
            if (OGRLayerH l = GDALDatasetGetLayerByName(ds, "track_points"))
                if (Status s = readGpxPaths(l, GDALDatasetGetLayerByName(ds, "tracks"), true); !s)
                    return s;
        } else {
            bool known = false;
            for (int k = 0; k < GDALDatasetGetLayerCount(ds); ++k) {
                OGRLayerH l = GDALDatasetGetLayer(ds, k);
                if (const auto kind = layerKind(QString::fromUtf8(OGR_L_GetName(l)))) {
                    known = true;
                    if (Status s = readLayer(l, *kind); !s)
                        return s;
                }
            }
            // GeoJSON (one layer, kinds told apart by record_type) or a file of incidents: every
            // layer (a KML's folders are layers, and the second is as much the file as the first).
            if (!known)
                for (int k = 0; k < GDALDatasetGetLayerCount(ds); ++k)
                    if (Status s = readLayer(GDALDatasetGetLayer(ds, k), RecordType::Incident); !s)
                        return s;
        }
        if (!rejected_.isEmpty())
            return Error{};
        collectRoutesAndAnnotations();
        return success();
    }

private:
    /// One route as read: its planned path and its track, from one or two features.
    struct RouteParts {
        std::optional<store::PatrolRoute> plan;
        std::optional<store::PatrolRoute> track;
        RejectedFeature where; ///< the first feature, for errors
    };

    void reject(OGRLayerH layer, qint64 number, const QString& reason) {
        rejected_.append({number, reason, QString::fromUtf8(OGR_L_GetName(layer))});
    }

    bool cancelled() const { return options_.cancelled && options_.cancelled(); }
    void countFeature() {
        if (++features_ % kProgressEvery == 0 && options_.progress)
            options_.progress(features_);
    }

    void noteParts(OGRLayerH layer, qint64 number, int parts) {
        if (parts > 1)
            multiPart_[QString::fromUtf8(OGR_L_GetName(layer))].append(number);
    }

    Status readLayer(OGRLayerH layer, RecordType layerType) {
        const Transform transform = toWgs84(layer);
        out_.layers.append(QString::fromUtf8(OGR_L_GetName(layer)));
        OGR_L_ResetReading(layer);
        for (qint64 number = 1;; ++number) {
            Feature f(OGR_L_GetNextFeature(layer));
            if (!f)
                break;
            countFeature();
            if (cancelled())
                return Error{QStringLiteral("the import was cancelled; nothing was imported")};
            RecordType type = layerType;
            if (const QString t = field(f.get(), QStringLiteral("record_type")); !t.isEmpty()) {
                const auto parsed = recordTypeFrom(t);
                if (!parsed) {
                    reject(layer, number, QStringLiteral("unknown record_type '%1'").arg(t));
                    continue;
                }
                type = *parsed;
            }
            if (gpx_ && (type == RecordType::Route || type == RecordType::RouteTrack)) {
                reject(layer, number, QStringLiteral("a GPX waypoint cannot be a route"));
                continue;
            }
            QString reason;
            switch (type) {
            case RecordType::Incident:
                reason = readIncidentRecord(f.get(), transform.get(), layer, number);
                break;
            case RecordType::Route:
            case RecordType::RouteTrack: {
                const bool track = type == RecordType::RouteTrack;
                store::PatrolRoute r;
                QList<Vertex> vertices;
                reason = readRouteFields(f.get(), field(f.get(), QStringLiteral("name")),
                                         options_.marking, r);
                int parts = 1;
                if (reason.isEmpty())
                    reason = readRouteVertices(f.get(), transform.get(), track, vertices, &parts);
                if (reason.isEmpty())
                    noteParts(layer, number, parts);
                if (reason.isEmpty())
                    reason = fillRoute(vertices, track, r);
                if (reason.isEmpty())
                    reason = addRoutePart(std::move(r), track, layer, number);
                break;
            }
            case RecordType::Annotation: {
                Shape shape;
                store::Annotation a;
                int parts = 1;
                reason = readShape(f.get(), transform.get(), shape, &parts);
                if (reason.isEmpty())
                    noteParts(layer, number, parts);
                if (reason.isEmpty())
                    reason = readAnnotation(f.get(), shape,
                                            gpx_ ? pick(f.get(), {"desc", "text", "name"})
                                                 : pick(f.get(), {"text", "name"}),
                                            options_.marking, a);
                if (reason.isEmpty())
                    reason = addAnnotation(std::move(a), layer, number);
                break;
            }
            }
            if (!reason.isEmpty())
                reject(layer, number, reason);
        }
        return success();
    }

    /// GPX route_points or track_points: the points of each <rte> or <trk> (one route_fid or
    /// track_fid), the record's fields on its first point. Their names are only in the layer of
    /// whole routes or tracks (`paths`), whose feature ids are the route_fid and track_fid.
    Status readGpxPaths(OGRLayerH layer, OGRLayerH paths, bool tracks) {
        const Transform transform = toWgs84(layer);
        out_.layers.append(QString::fromUtf8(OGR_L_GetName(layer)));
        const QString groupField = QLatin1String(tracks ? "track_fid" : "route_fid");
        QHash<qint64, QString> names;
        if (paths) {
            OGR_L_ResetReading(paths);
            while (Feature p{OGR_L_GetNextFeature(paths)})
                names.insert(OGR_F_GetFID(p.get()), field(p.get(), QStringLiteral("name")));
        }
        qint64 current = -1;
        OGR_L_ResetReading(layer);
        std::vector<Feature> group;
        qint64 first = 0;
        qint64 number = 0;
        auto flush = [&]() -> QString {
            if (group.empty())
                return {};
            OGRFeatureH head = group.front().get();
            QList<Vertex> vertices;
            for (size_t k = 0; k < group.size(); ++k) {
                store::Incident where; // the geometry reader for points
                if (QString reason = readGeometry(group[k].get(), transform.get(), where);
                    !reason.isEmpty() || !where.area.isEmpty() || !where.location.isValid())
                    return QStringLiteral("point %1 is not a longitude/latitude point").arg(k + 1);
                Vertex v{where.location,
                         field(group[k].get(), QStringLiteral("name")),
                         timeField(group[k].get(), QStringLiteral("time")),
                         {}};
                const int ele = OGR_F_GetFieldIndex(group[k].get(), "ele");
                if (ele >= 0 && OGR_F_IsFieldSetAndNotNull(group[k].get(), ele))
                    v.elevation = OGR_F_GetFieldAsDouble(group[k].get(), ele);
                vertices.append(v);
            }
            RecordType type = tracks ? RecordType::RouteTrack : RecordType::Route;
            if (const QString t = field(head, QStringLiteral("record_type")); !t.isEmpty()) {
                const auto parsed = recordTypeFrom(t);
                if (!parsed || *parsed == RecordType::Incident ||
                    (tracks != (*parsed == RecordType::RouteTrack)))
                    return QStringLiteral("record_type '%1' in a GPX %2")
                        .arg(t, QLatin1String(tracks ? "track" : "route"));
                type = *parsed;
            }
            if (type == RecordType::Annotation) {
                Shape shape{Shape::Type::Line, {}};
                for (const Vertex& v : vertices)
                    shape.points.append(v.location);
                store::Annotation a;
                if (QString reason = readAnnotation(head, shape, pick(head, {"desc", "text"}),
                                                    options_.marking, a);
                    !reason.isEmpty())
                    return reason;
                return addAnnotation(std::move(a), layer, first);
            }
            const bool track = type == RecordType::RouteTrack;
            store::PatrolRoute r;
            if (QString reason = readRouteFields(head, names.value(current), options_.marking, r);
                !reason.isEmpty())
                return reason;
            if (QString reason = fillRoute(vertices, track, r); !reason.isEmpty())
                return reason;
            return addRoutePart(std::move(r), track, layer, first);
        };
        for (;;) {
            Feature f(OGR_L_GetNextFeature(layer));
            if (f) {
                ++number;
                countFeature();
                if (cancelled())
                    return Error{QStringLiteral("the import was cancelled; nothing was imported")};
            }
            const int index =
                f ? OGR_F_GetFieldIndex(f.get(), groupField.toUtf8().constData()) : -1;
            const qint64 fid = index >= 0 ? OGR_F_GetFieldAsInteger64(f.get(), index) : -1;
            if (!f || fid != current) {
                if (QString reason = flush(); !reason.isEmpty())
                    reject(layer, first, reason);
                group.clear();
                current = fid;
                first = number;
            }
            if (!f)
                break;
            group.push_back(std::move(f));
        }
        return success();
    }

    /// Reads an incident into the ParsedFile. Empty reason on success.
    QString readIncidentRecord(OGRFeatureH f, OGRCoordinateTransformationH transform,
                               OGRLayerH layer, qint64 number) {
        ImportOptions o;
        o.marking = options_.marking;
        o.mapping.title = pick(f, {"title", "name"});
        o.mapping.narrative = gpx_ ? pick(f, {"desc", "narrative", "description"})
                                   : pick(f, {"narrative", "description"});
        store::Incident incident;
        int parts = 1;
        if (QString reason = readIncident(f, transform, o, incident, &parts); !reason.isEmpty())
            return reason;
        if (QString reason = readUuid(f, incident.uuid); !reason.isEmpty())
            return reason;
        if (!incident.uuid.isEmpty() && seenIncidents_.contains(incident.uuid))
            return QStringLiteral("the uuid %1 is in the file twice").arg(incident.uuid);
        seenIncidents_.insert(incident.uuid);
        noteParts(layer, number, parts);
        if (!rejected_.isEmpty())
            return {}; // nothing more is kept: only problems are still listed
        out_.incidents.append(
            {std::move(incident), {number, {}, QString::fromUtf8(OGR_L_GetName(layer))}});
        return {};
    }

    QString addRoutePart(store::PatrolRoute r, bool track, OGRLayerH layer, qint64 number) {
        // Without a uuid a route is its own (a foreign file's <rte> or <trk>).
        const QString key =
            r.uuid.isEmpty() ? QStringLiteral("#%1").arg(routeOrder_.size()) : r.uuid;
        RouteParts& parts = routes_[key];
        std::optional<store::PatrolRoute>& slot = track ? parts.track : parts.plan;
        if (slot)
            return QStringLiteral("the route %1 has two %2 in the file")
                .arg(r.uuid, QLatin1String(track ? "tracks" : "planned paths"));
        if (!parts.plan && !parts.track) {
            routeOrder_.append(key);
            parts.where = {number, {}, QString::fromUtf8(OGR_L_GetName(layer))};
        }
        slot = std::move(r);
        return {};
    }

    QString addAnnotation(store::Annotation a, OGRLayerH layer, qint64 number) {
        if (!a.uuid.isEmpty()) {
            if (seenAnnotations_.contains(a.uuid))
                return QStringLiteral("the uuid %1 is in the file twice").arg(a.uuid);
            seenAnnotations_.insert(a.uuid);
        }
        annotations_.append({std::move(a), {number, {}, QString::fromUtf8(OGR_L_GetName(layer))}});
        return {};
    }

    void collectRoutesAndAnnotations() {
        for (const QString& key : routeOrder_) {
            RouteParts& parts = routes_[key];
            // The planned path's feature has the route's fields; a track alone (GPX without
            // waypoints) carries them too.
            store::PatrolRoute route = parts.plan ? *parts.plan : *parts.track;
            if (parts.plan && parts.track)
                route.track = parts.track->track;
            out_.routes.append({std::move(route), parts.where});
        }
        for (auto& [annotation, where] : annotations_)
            out_.annotations.append({std::move(annotation), where});
    }

    const RecordImportOptions& options_;
    ParsedFile& out_;
    bool gpx_ = false;
    QMap<QString, QList<qint64>> multiPart_;
    QList<RejectedFeature> rejected_;
    qint64 features_ = 0;
    QSet<QString> seenIncidents_;
    QSet<QString> seenAnnotations_;
    QStringList routeOrder_;
    QHash<QString, RouteParts> routes_;
    QList<std::pair<store::Annotation, RejectedFeature>> annotations_;
};

} // namespace

QString describeRejected(const QList<RejectedFeature>& rejected, int limit, const QString& what) {
    QStringList lines;
    for (const RejectedFeature& r : rejected) {
        if (lines.size() == limit) {
            lines.append(QStringLiteral("... and %1 more").arg(rejected.size() - limit));
            break;
        }
        const QString where = r.layer.isEmpty() ? what : r.layer + QLatin1Char(' ') + what;
        lines.append(QStringLiteral("%1 %2: %3").arg(where).arg(r.feature).arg(r.reason));
    }
    return lines.join(QLatin1Char('\n'));
}

Result<ImportReport> importIncidents(store::MissionStore& mission, const QString& file,
                                     const ImportOptions& options) {
    TESSERA_ASSERT_WORKER_THREAD();
    if (options.marking.classification.isEmpty())
        return Error{QStringLiteral("an import needs a classification for its records")};
    ParseRequest request;
    request.mode = ParseMode::Incidents;
    request.mapping = options.mapping;
    request.layer = options.layer;
    request.marking = options.marking;
    request.defaultCategory = options.defaultCategory;
    Result<ParsedFile> parsed = parseIsolated(file, request, options.cancelled, options.progress);
    if (!parsed)
        return parsed.error();
    ParsedFile& read = parsed.value();
    ImportReport report;
    report.layer = read.layers.join(QStringLiteral(", "));
    report.rejected = read.rejected;
    report.notes = read.notes;
    if (read.features == 0)
        return Error{QStringLiteral("%1: nothing imported: the file holds no features (layers "
                                    "read: %2)")
                         .arg(file, read.layers.isEmpty() ? QStringLiteral("none") : report.layer)};
    if (!options.skipInvalid && !report.rejected.isEmpty())
        return Error{QStringLiteral("%1: %2 of %3 features rejected; nothing was imported:\n%4")
                         .arg(file)
                         .arg(report.rejected.size())
                         .arg(read.features)
                         .arg(describeRejected(report.rejected))};
    if (read.incidents.isEmpty())
        return Error{QStringLiteral("%1: nothing imported: all %2 features were rejected:\n%3")
                         .arg(file)
                         .arg(read.features)
                         .arg(describeRejected(report.rejected))};
    Result<store::IncidentImport> bulk =
        store::IncidentImport::begin(mission, QFileInfo(file).fileName(), options.batchSize);
    if (!bulk)
        return Error{QStringLiteral("%1: %2").arg(mission.path(), bulk.error().message)};
    for (Parsed<store::Incident>& p : read.incidents) {
        if (options.cancelled && options.cancelled()) {
            (void)bulk.value().abandon();
            return Error{QStringLiteral("the import was cancelled; nothing was imported")};
        }
        p.record.uuid.clear(); // a foreign file's ids mean nothing here
        if (Status s = bulk.value().add(p.record); !s)
            return Error{QStringLiteral("%1: importing %2 failed at %3feature %4: %5; nothing "
                                        "was imported")
                             .arg(mission.path(), file,
                                  p.where.layer.isEmpty() ? QString() : p.where.layer + u' ')
                             .arg(p.where.feature)
                             .arg(s.error().message)};
    }
    Result<qint64> done = bulk.value().finish();
    if (!done)
        return Error{QStringLiteral("%1: %2; nothing was imported")
                         .arg(mission.path(), done.error().message)};
    report.imported = done.value();
    return report;
}

Result<QList<store::TrackPoint>> readTrack(const QString& gpxFile,
                                           const TrackReadOptions& options) {
    TESSERA_ASSERT_WORKER_THREAD();
    ParseRequest request;
    request.mode = ParseMode::Track;
    Result<ParsedFile> parsed =
        parseIsolated(gpxFile, request, options.cancelled, options.progress);
    if (!parsed)
        return parsed.error();
    const ParsedFile& read = parsed.value();
    if (!read.rejected.isEmpty())
        return Error{QStringLiteral("%1: %2 of %3 track points rejected; nothing was imported:\n%4")
                         .arg(gpxFile)
                         .arg(read.rejected.size())
                         .arg(read.features)
                         .arg(describeRejected(read.rejected))};
    if (read.routes.size() != 1 || read.routes.first().record.track.isEmpty())
        return Error{QStringLiteral("%1: no track points").arg(gpxFile)};
    // The reader checked each point; a reader that lies is not believed.
    for (const store::TrackPoint& p : read.routes.first().record.track)
        if (!p.recordedAt.isValid() || !(std::abs(p.location.lat) <= 90) ||
            !(std::abs(p.location.lon) <= 180) || (p.elevation && !std::isfinite(*p.elevation)))
            return Error{QStringLiteral("%1: the reader handed back a track point that is not "
                                        "one; nothing was imported")
                             .arg(gpxFile)};
    return read.routes.first().record.track;
}

Result<ImportReport> importTrack(store::MissionStore& mission, const QString& gpxFile,
                                 const QString& routeUuid) {
    TESSERA_ASSERT_WORKER_THREAD();
    Result<QList<store::TrackPoint>> track = readTrack(gpxFile);
    if (!track)
        return track.error();
    if (Status s = mission.setRouteTrack(routeUuid, track.value()); !s)
        return Error{
            QStringLiteral("%1: %2; nothing was imported").arg(mission.path(), s.error().message)};
    ImportReport report;
    report.layer = QStringLiteral("track_points");
    report.imported = track.value().size();
    return report;
}

Result<RecordImportReport> importRecords(store::MissionStore& mission, const QString& file,
                                         const RecordImportOptions& options) {
    TESSERA_ASSERT_WORKER_THREAD();
    if (options.marking.classification.isEmpty())
        return Error{QStringLiteral("an import needs a classification for its records")};
    ParseRequest request;
    request.mode = ParseMode::Records;
    request.marking = options.marking;
    Result<ParsedFile> parsed = parseIsolated(file, request, options.cancelled, options.progress);
    if (!parsed)
        return parsed.error();
    const ParsedFile& read = parsed.value();
    if (!read.rejected.isEmpty())
        return Error{QStringLiteral("%1: %2 rejected (of %3 features); nothing was imported:\n%4")
                         .arg(file)
                         .arg(read.rejected.size())
                         .arg(read.features)
                         .arg(describeRejected(read.rejected))};
    if (read.features == 0)
        return Error{QStringLiteral("%1: nothing imported: the file holds no features (layers "
                                    "read: %2)")
                         .arg(file, read.layers.isEmpty()
                                        ? QStringLiteral("none")
                                        : read.layers.join(QStringLiteral(", ")))};
    RecordImportReport report;
    report.notes = read.notes;
    QList<RejectedFeature> refused;
    // Whether the mission has a record with this uuid already, live or a tombstone: then it is
    // left as it is (its copy may be newer; merging is sharing's work) and counted in `present`.
    // A record without a uuid is never held.
    auto held = [&](store::MissionStore::RecordKind kind, const QString& uuid,
                    qint64& present) -> Result<bool> {
        if (uuid.isEmpty())
            return false;
        Result<bool> h = mission.holds(kind, uuid, true);
        if (h && h.value())
            ++present;
        return h;
    };
    auto write = [&](store::MissionStore::RecordKind kind, auto record,
                     const RejectedFeature& where, qint64& present, qint64& imported,
                     auto add) -> Status {
        if (options.cancelled && options.cancelled())
            return Error{QStringLiteral("the import was cancelled; nothing was imported")};
        Result<bool> isHeld = held(kind, record.uuid, present);
        if (!isHeld)
            return isHeld.error();
        if (isHeld.value())
            return success();
        if (Status s = add(record); !s)
            refused.append({where.feature,
                            QStringLiteral("the mission refused it: %1").arg(s.error().message),
                            where.layer});
        else
            ++imported;
        return success();
    };
    using Kind = store::MissionStore::RecordKind;
    const Status done = mission.database().transaction([&]() -> Status {
        for (const Parsed<store::Incident>& p : read.incidents)
            if (Status s = write(Kind::Incident, p.record, p.where, report.present.incidents,
                                 report.imported.incidents,
                                 [&](store::Incident& r) { return mission.addIncident(r); });
                !s)
                return s;
        for (const Parsed<store::PatrolRoute>& p : read.routes)
            if (Status s = write(Kind::Route, p.record, p.where, report.present.routes,
                                 report.imported.routes,
                                 [&](store::PatrolRoute& r) { return mission.addRoute(r); });
                !s)
                return s;
        for (const Parsed<store::Annotation>& p : read.annotations)
            if (Status s = write(Kind::Annotation, p.record, p.where, report.present.annotations,
                                 report.imported.annotations,
                                 [&](store::Annotation& r) { return mission.addAnnotation(r); });
                !s)
                return s;
        return refused.isEmpty() ? success() : Status(Error{});
    });
    if (!refused.isEmpty())
        return Error{QStringLiteral("%1: %2 rejected (of %3 features); nothing was imported:\n%4")
                         .arg(file)
                         .arg(refused.size())
                         .arg(read.features)
                         .arg(describeRejected(refused))};
    if (!done)
        return Error{
            QStringLiteral("%1: %2; nothing was imported").arg(file, done.error().message)};
    return report;
}

Result<bool> holdsRecords(const QString& file) {
    ParseRequest request;
    request.mode = ParseMode::Probe;
    Result<ParsedFile> probed = parseIsolated(file, request);
    if (!probed)
        return probed.error();
    return probed.value().holdsRecords;
}

namespace {

/// Whether a dataset has the record_type field every feature exportRecords writes has; layer
/// names alone prove nothing (a CSV's layer is its file's name, GPX has a layer "routes").
bool datasetHoldsRecords(void* ds) {
    for (int k = 0; k < GDALDatasetGetLayerCount(ds); ++k) {
        OGRFeatureDefnH defn = OGR_L_GetLayerDefn(GDALDatasetGetLayer(ds, k));
        if (OGR_FD_GetFieldIndex(defn, "record_type") >= 0 ||
            OGR_FD_GetFieldIndex(defn, "ogr_record_type") >= 0)
            return true;
    }
    return false;
}

/// The note that features with several parts were read as one part each.
void noteMultiPart(ParsedFile& out, const QMap<QString, QList<qint64>>& multiPart) {
    qint64 total = 0;
    QStringList where;
    for (auto it = multiPart.cbegin(); it != multiPart.cend(); ++it) {
        total += it.value().size();
        QStringList numbers;
        for (qint64 n : it.value().mid(0, 20))
            numbers.append(QString::number(n));
        if (it.value().size() > 20)
            numbers.append(QStringLiteral("..."));
        where.append(QStringLiteral("%1 %2 %3")
                         .arg(it.key(),
                              QLatin1String(it.value().size() == 1 ? "feature" : "features"),
                              numbers.join(QStringLiteral(", "))));
    }
    if (total > 0)
        out.notes.append(QStringLiteral("%1 multi-part geometries (MultiPolygon, MultiLineString "
                                        "or MultiPoint) were each taken as their largest area, "
                                        "longest line or first point: %2")
                             .arg(total)
                             .arg(where.join(QStringLiteral("; "))));
}

/// Incidents from another program's file: one layer when asked for, GPX waypoints, else every
/// layer (a KML's folders, a GeoPackage's tables).
Status readIncidentLayers(void* ds, const QString& file, const ParseRequest& request,
                          const std::function<bool()>& cancelled,
                          const std::function<void(qint64)>& progress, ParsedFile& out) {
    QList<OGRLayerH> layers;
    const bool gpx =
        QLatin1String(GDALGetDriverShortName(GDALGetDatasetDriver(ds))) == QLatin1String("GPX");
    if (!request.layer.isEmpty() || gpx) {
        Result<OGRLayerH> l = pickLayer(ds, file, request.layer, "waypoints");
        if (!l)
            return l.error();
        layers.append(l.value());
    } else {
        for (int k = 0; k < GDALDatasetGetLayerCount(ds); ++k)
            layers.append(GDALDatasetGetLayer(ds, k));
    }
    ImportOptions o;
    o.mapping = request.mapping;
    o.marking = request.marking;
    o.defaultCategory = request.defaultCategory;
    QMap<QString, QList<qint64>> multiPart;
    for (OGRLayerH layer : layers) {
        const QString name = QString::fromUtf8(OGR_L_GetName(layer));
        out.layers.append(name);
        // With several layers a feature's number is in its layer, so the layer is named.
        const QString where = layers.size() > 1 ? name : QString();
        const Transform transform = toWgs84(layer);
        OGR_L_ResetReading(layer);
        for (qint64 number = 1;; ++number) {
            Feature f(OGR_L_GetNextFeature(layer));
            if (!f)
                break;
            if (++out.features % kProgressEvery == 0 && progress)
                progress(out.features);
            if (cancelled && cancelled())
                return Error{QStringLiteral("the import was cancelled; nothing was imported")};
            store::Incident incident;
            int parts = 1;
            if (QString reason = readIncident(f.get(), transform.get(), o, incident, &parts);
                !reason.isEmpty()) {
                out.rejected.append({number, reason, where});
                continue;
            }
            if (parts > 1)
                multiPart[name].append(number);
            out.incidents.append({std::move(incident), {number, {}, where}});
        }
    }
    noteMultiPart(out, multiPart);
    return success();
}

/// The track points of a GPX file (its layer track_points) as the actual track of one route in
/// `out`, each point that has no time or is off the globe in `out.rejected`.
Status readTrackPoints(GDALDatasetH ds, const QString& gpxFile,
                       const std::function<bool()>& cancelled,
                       const std::function<void(qint64)>& progress, ParsedFile& out) {
    Result<OGRLayerH> layer = pickLayer(ds, gpxFile, QStringLiteral("track_points"), nullptr);
    if (!layer)
        return layer.error();
    const Transform transform = toWgs84(layer.value());
    store::PatrolRoute route;
    OGR_L_ResetReading(layer.value());
    for (;;) {
        if (cancelled && cancelled())
            return Error{QStringLiteral("%1: cancelled; nothing was imported").arg(gpxFile)};
        Feature f(OGR_L_GetNextFeature(layer.value()));
        if (!f)
            break;
        const qint64 number = ++out.features;
        if (progress && number % kProgressEvery == 0)
            progress(number);
        store::Incident where; // reuse the geometry reader: a track point is a point
        if (QString reason = readGeometry(f.get(), transform.get(), where); !reason.isEmpty()) {
            out.rejected.append({number, reason, {}});
            continue;
        }
        if (!where.area.isEmpty() || where.location.lat < -90 || where.location.lat > 90 ||
            where.location.lon < -180 || where.location.lon > 180) {
            out.rejected.append({number, QStringLiteral("not a longitude/latitude point"), {}});
            continue;
        }
        store::TrackPoint p;
        p.location = where.location;
        p.recordedAt = timeField(f.get(), QStringLiteral("time"));
        if (!p.recordedAt.isValid()) {
            out.rejected.append({number, QStringLiteral("the point has no time"), {}});
            continue;
        }
        const int ele = OGR_F_GetFieldIndex(f.get(), "ele");
        if (ele >= 0 && OGR_F_IsFieldSetAndNotNull(f.get(), ele)) {
            const double elevation = OGR_F_GetFieldAsDouble(f.get(), ele);
            if (std::isfinite(elevation))
                p.elevation = elevation;
        }
        route.track.append(p);
    }
    out.layers.append(QStringLiteral("track_points"));
    out.routes.append({std::move(route), {}});
    return success();
}

/// The layers of a file that have a feature with a geometry, opened with the drivers the map
/// opens a layer with (geo::vectorLayerDrivers), every feature read as the map reads it.
Result<ParsedFile> drawableLayers(const QString& file,
                                  const std::function<void(qint64)>& progress) {
    geo::ensureGdalRegistered();
    geo::GdalErrorCapture errors;
    Dataset ds(GDALOpenEx(file.toUtf8().constData(), GDAL_OF_VECTOR | GDAL_OF_READONLY,
                          geo::vectorLayerDrivers(file), nullptr, nullptr));
    if (!ds)
        return Error{QStringLiteral("%1: not a vector file GDAL can read (%2)")
                         .arg(file, errors.lastError(QStringLiteral("unknown format")))};
    ParsedFile out;
    for (int k = 0; k < GDALDatasetGetLayerCount(ds.get()); ++k) {
        OGRLayerH layer = GDALDatasetGetLayer(ds.get(), k);
        bool drawable = false;
        OGR_L_ResetReading(layer);
        while (Feature f{OGR_L_GetNextFeature(layer)}) {
            if (++out.features % kProgressEvery == 0 && progress)
                progress(out.features);
            OGRGeometryH g = OGR_F_GetGeometryRef(f.get());
            drawable = drawable || (g && !OGR_G_IsEmpty(g));
        }
        if (drawable)
            out.layers.append(QString::fromUtf8(OGR_L_GetName(layer)));
    }
    return out;
}

/// A raster opened as the map opens one and read as its first draw reads it: every band (at most
/// four) at 256 by 256 pixels over the whole extent, which goes through the overviews and the
/// decoder, and one block of band 1 at full resolution from the middle of the image.
Result<ParsedFile> readRasterSample(const QString& file) {
    geo::ensureGdalRegistered();
    geo::GdalErrorCapture errors;
    Dataset ds(GDALOpenEx(file.toUtf8().constData(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr,
                          nullptr, nullptr));
    if (!ds)
        return Error{QStringLiteral("%1: not a raster GDAL can read (%2)")
                         .arg(file, errors.lastError(QStringLiteral("unknown format")))};
    const int width = GDALGetRasterXSize(ds.get());
    const int height = GDALGetRasterYSize(ds.get());
    const int bands = GDALGetRasterCount(ds.get());
    if (width <= 0 || height <= 0 || bands <= 0)
        return Error{QStringLiteral("%1: a raster without pixels").arg(file)};
    constexpr int kSide = 256;
    std::vector<GByte> pixels(static_cast<size_t>(kSide) * kSide);
    for (int b = 1; b <= std::min(bands, 4); ++b)
        if (GDALRasterIO(GDALGetRasterBand(ds.get(), b), GF_Read, 0, 0, width, height,
                         pixels.data(), kSide, kSide, GDT_Byte, 0, 0) != CE_None)
            return Error{QStringLiteral("%1: band %2 cannot be read (%3)")
                             .arg(file)
                             .arg(b)
                             .arg(errors.lastError(QStringLiteral("unknown error")))};
    GDALRasterBandH first = GDALGetRasterBand(ds.get(), 1);
    int blockX = 0, blockY = 0;
    GDALGetBlockSize(first, &blockX, &blockY);
    if (blockX > 0 && blockY > 0) {
        const int x = std::min(width / 2, width - 1) / blockX * blockX;
        const int y = std::min(height / 2, height - 1) / blockY * blockY;
        const int w = std::min(blockX, width - x);
        const int h = std::min(blockY, height - y);
        std::vector<GByte> block(static_cast<size_t>(w) * h);
        if (GDALRasterIO(first, GF_Read, x, y, w, h, block.data(), w, h, GDT_Byte, 0, 0) != CE_None)
            return Error{QStringLiteral("%1: its pixels cannot be read (%2)")
                             .arg(file, errors.lastError(QStringLiteral("unknown error")))};
    }
    ParsedFile out;
    out.features = bands;
    out.layers.append(QString::fromUtf8(GDALGetDriverShortName(GDALGetDatasetDriver(ds.get()))));
    return out;
}

} // namespace

Result<ParsedFile> parseFileHere(const QString& file, const ParseRequest& request,
                                 const std::function<bool()>& cancelled,
                                 const std::function<void(qint64)>& progress) {
    if (Status s = checkArchiveFile(file); !s)
        return s.error();
    if (request.mode == ParseMode::Layers)
        return drawableLayers(file, progress);
    if (request.mode == ParseMode::Raster)
        return readRasterSample(file);
    Result<Dataset> ds = openVector(file, request.plainKml);
    if (!ds)
        return ds.error();
    ParsedFile out;
    switch (request.mode) {
    case ParseMode::Probe:
        out.holdsRecords = datasetHoldsRecords(ds.value().get());
        break;
    case ParseMode::Records: {
        RecordImportOptions o;
        o.marking = request.marking;
        o.cancelled = cancelled;
        o.progress = progress;
        RecordReader reader(o, out);
        const Status done = reader.run(ds.value().get());
        out.features = reader.features();
        out.rejected = reader.rejected();
        if (!done && out.rejected.isEmpty())
            return done.error(); // a cancel: rejected features are the writer's to report
        noteMultiPart(out, reader.multiPart());
        break;
    }
    case ParseMode::Layers:
    case ParseMode::Raster:
        break; // above
    case ParseMode::Track:
        if (Status s = readTrackPoints(ds.value().get(), file, cancelled, progress, out); !s)
            return s.error();
        break;
    case ParseMode::Incidents:
        if (Status s =
                readIncidentLayers(ds.value().get(), file, request, cancelled, progress, out);
            !s)
            return s.error();
        break;
    }
    if (progress)
        progress(out.features);
    return out;
}

} // namespace tessera::interop
