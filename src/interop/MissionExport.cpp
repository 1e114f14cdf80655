// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/MissionExport.h"

#include "geo/GdalEnvironment.h"
#include "geo/ThreadCheck.h"
#include "store/MissionStore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace tessera::interop {

namespace {

enum class Format { GeoJson, GeoPackage, Kml, Gpx };

std::optional<Format> formatOf(const QString& suffix) {
    if (suffix == QLatin1String("geojson") || suffix == QLatin1String("json"))
        return Format::GeoJson;
    if (suffix == QLatin1String("gpkg"))
        return Format::GeoPackage;
    if (suffix == QLatin1String("kml") || suffix == QLatin1String("kmz"))
        return Format::Kml;
    if (suffix == QLatin1String("gpx"))
        return Format::Gpx;
    return std::nullopt;
}

const char* driverOf(Format format) {
    switch (format) {
    case Format::GeoJson:
        return "GeoJSON";
    case Format::GeoPackage:
        return "GPKG";
    case Format::Kml:
        return "LIBKML"; // writes KMZ for a .kmz name
    case Format::Gpx:
        return "GPX";
    }
    return nullptr;
}

/// One field of an exported record. The lists below are the one place that says which fields
/// a record has: the layers' schemas are made from them too.
struct Field {
    enum class Type { Text, Json, Boolean };
    const char* name;
    QString value;
    Type type = Type::Text;
};

QString isoTime(const QDateTime& t) {
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}
QString flag(bool value) {
    return value ? QStringLiteral("true") : QStringLiteral("false");
}
QString json(const QJsonArray& array) {
    return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact));
}

/// `sanitised`: what a sanitised version says of itself (store::sanitisedNote); empty for a
/// record written in full.
QList<Field> incidentFields(const store::Incident& i, const QString& sanitised = {}) {
    return {{"record_type", QStringLiteral("incident")},
            {"uuid", i.uuid},
            {"title", i.title},
            {"category", i.category},
            {"severity", store::toString(i.severity)},
            {"status", store::toString(i.status)},
            {"observed_at", isoTime(i.observedAt)},
            {"source", i.source},
            {"reliability", i.reliability},
            {"credibility", QString::number(i.credibility)},
            {"narrative", i.narrative},
            {"exercise", flag(i.exercise), Field::Type::Boolean},
            {"classification", i.marking.classification},
            {"releasability", i.marking.releasability},
            {"sanitised", sanitised}};
}

/// A route's fields; `track` picks the feature of its actual track rather than its planned
/// path. Both carry every field of the route, so that a track read alone (GPX) is a route.
QList<Field> routeFields(const store::PatrolRoute& r, bool track) {
    QJsonArray points;
    if (track) {
        for (const store::TrackPoint& p : r.track) {
            QJsonObject o{{QStringLiteral("recorded_at"), isoTime(p.recordedAt)}};
            if (p.elevation)
                o.insert(QStringLiteral("elevation"), *p.elevation);
            points.append(o);
        }
    } else {
        for (const store::Waypoint& w : r.waypoints)
            points.append(QJsonObject{{QStringLiteral("name"), w.name},
                                      {QStringLiteral("planned_at"), isoTime(w.plannedAt)}});
    }
    return {{"record_type", track ? QStringLiteral("route_track") : QStringLiteral("route")},
            {"uuid", r.uuid},
            {"name", r.name},
            {"unit", r.unit},
            {"status", store::toString(r.status)},
            {"exercise", flag(r.exercise), Field::Type::Boolean},
            {track ? "track_points" : "waypoints", json(points), Field::Type::Json},
            {"classification", r.marking.classification},
            {"releasability", r.marking.releasability}};
}

QList<Field> annotationFields(const store::Annotation& a) {
    return {{"record_type", QStringLiteral("annotation")},
            {"uuid", a.uuid},
            {"kind", store::toString(a.kind)},
            {"text", a.text},
            {"author", a.author},
            {"written_at", isoTime(a.writtenAt)},
            {"classification", a.marking.classification},
            {"releasability", a.marking.releasability}};
}

/// A GDAL configuration option set for this thread only, cleared when it goes.
class ThreadConfig {
public:
    ThreadConfig(const char* key, const char* value)
        : key_(key) {
        CPLSetThreadLocalConfigOption(key, value);
    }
    ThreadConfig(const ThreadConfig&) = delete;
    ThreadConfig& operator=(const ThreadConfig&) = delete;
    ~ThreadConfig() { CPLSetThreadLocalConfigOption(key_, nullptr); }

private:
    const char* key_;
};

struct GeometryDestroyer {
    void operator()(OGRGeometryH g) const { OGR_G_DestroyGeometry(g); }
};
using Geometry = std::unique_ptr<std::remove_pointer_t<OGRGeometryH>, GeometryDestroyer>;

Geometry point(const geo::GeoPoint& p) {
    Geometry g(OGR_G_CreateGeometry(wkbPoint));
    OGR_G_SetPoint_2D(g.get(), 0, p.lon, p.lat);
    return g;
}

/// A line through the points, a point for one, nothing for none; with Z when `z` is given.
Geometry path(const QList<geo::GeoPoint>& points, const QList<double>& z = {}) {
    if (points.isEmpty())
        return nullptr;
    const bool threeD = z.size() == points.size();
    Geometry g(OGR_G_CreateGeometry(points.size() == 1 ? wkbPoint : wkbLineString));
    for (int k = 0; k < points.size(); ++k) {
        if (threeD)
            OGR_G_SetPoint(g.get(), k, points[k].lon, points[k].lat, z[k]);
        else
            OGR_G_SetPoint_2D(g.get(), k, points[k].lon, points[k].lat);
    }
    return g;
}

Geometry polygon(const QList<geo::GeoPoint>& outline) {
    Geometry g(OGR_G_CreateGeometry(wkbPolygon));
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    for (const geo::GeoPoint& p : outline)
        OGR_G_AddPoint_2D(ring, p.lon, p.lat);
    OGR_G_AddPoint_2D(ring, outline.first().lon, outline.first().lat);
    OGR_G_AddGeometryDirectly(g.get(), ring);
    return g;
}

Geometry incidentGeometry(const store::Incident& i, Format format) {
    if (i.area.isEmpty() || format == Format::Gpx) // GPX has no areas: the representative point
        return point(i.location);
    return polygon(i.area);
}

Geometry annotationGeometry(const store::Annotation& a) {
    switch (a.kind) {
    case store::AnnotationKind::Point:
        return point(a.geometry.first());
    case store::AnnotationKind::Line:
        return path(a.geometry);
    case store::AnnotationKind::Area:
        return polygon(a.geometry);
    }
    return nullptr;
}

QList<geo::GeoPoint> locations(const store::PatrolRoute& r, bool track) {
    QList<geo::GeoPoint> out;
    if (track)
        for (const store::TrackPoint& p : r.track)
            out.append(p.location);
    else
        for (const store::Waypoint& w : r.waypoints)
            out.append(w.location);
    return out;
}

/// The track's elevations when every point has one (then the line gets Z), else none.
QList<double> elevations(const store::PatrolRoute& r) {
    QList<double> z;
    for (const store::TrackPoint& p : r.track) {
        if (!p.elevation)
            return {};
        z.append(*p.elevation);
    }
    return z;
}

/// An OGR feature being filled, written by write().
class Feature {
public:
    explicit Feature(OGRLayerH layer, const QSet<QByteArray>& skipped)
        : layer_(layer)
        , skipped_(skipped)
        , f_(OGR_F_Create(OGR_L_GetLayerDefn(layer))) {}
    Feature(const Feature&) = delete;
    Feature& operator=(const Feature&) = delete;
    ~Feature() { OGR_F_Destroy(f_); }

    /// The record's fields; false names one the layer lacks.
    bool set(const QList<Field>& fields, const char** missing) {
        for (const Field& field : fields) {
            if (skipped_.contains(field.name))
                continue;
            const int index = OGR_F_GetFieldIndex(f_, field.name);
            if (index < 0) {
                *missing = field.name;
                return false;
            }
            if (field.type == Field::Type::Boolean)
                OGR_F_SetFieldInteger(f_, index, field.value == QLatin1String("true") ? 1 : 0);
            else
                OGR_F_SetFieldString(f_, index, field.value.toUtf8().constData());
        }
        return true;
    }
    /// One of the driver's own fields (GPX: name, desc, time, ele, route_fid, ...).
    void text(const char* name, const QString& value) {
        if (const int index = OGR_F_GetFieldIndex(f_, name); index >= 0)
            OGR_F_SetFieldString(f_, index, value.toUtf8().constData());
    }
    void number(const char* name, double value) {
        if (const int index = OGR_F_GetFieldIndex(f_, name); index >= 0)
            OGR_F_SetFieldDouble(f_, index, value);
    }
    void time(const char* name, const QDateTime& value) {
        const int index = OGR_F_GetFieldIndex(f_, name);
        if (!value.isValid() || index < 0)
            return;
        const QDateTime t = value.toUTC();
        OGR_F_SetFieldDateTimeEx(f_, index, t.date().year(), t.date().month(), t.date().day(),
                                 t.time().hour(), t.time().minute(),
                                 static_cast<float>(t.time().second()) +
                                     static_cast<float>(t.time().msec()) / 1000.0f,
                                 100);
    }
    void geometry(Geometry g) {
        if (g)
            OGR_F_SetGeometryDirectly(f_, g.release());
    }
    [[nodiscard]] bool write() { return OGR_L_CreateFeature(layer_, f_) == OGRERR_NONE; }

private:
    OGRLayerH layer_;
    const QSet<QByteArray>& skipped_;
    OGRFeatureH f_;
};

/// The file being written: its layers, each made with the fields of every kind of record that
/// goes to it.
class Output {
public:
    Output(GDALDatasetH ds, Format format, geo::GdalErrorCapture& errors)
        : ds_(ds)
        , format_(format)
        , errors_(errors) {}

    struct Layer {
        OGRLayerH handle = nullptr;
        /// Fields of ours the layer already had (GPX's own name, time, ...) and JSON fields
        /// GPX holds natively: not written as fields.
        QSet<QByteArray> skipped;
        /// KML: the fields that become the placemark's name and description.
        const char* kmlName = "";
        const char* kmlDescription = "";
    };

    /// Makes a layer with the union of `schemas`; a KML placemark's name and description come
    /// from `kmlName` and `kmlDescription`.
    Result<Layer*> create(const char* name, const QList<QList<Field>>& schemas,
                          const char* kmlName = nullptr, const char* kmlDescription = nullptr) {
        const KmlFields kml(format_, kmlName ? kmlName : "", kmlDescription ? kmlDescription : "");
        OGRSpatialReferenceH wgs84 = OSRNewSpatialReference(nullptr);
        OSRSetWellKnownGeogCS(wgs84, "WGS84");
        OSRSetAxisMappingStrategy(wgs84, OAMS_TRADITIONAL_GIS_ORDER);
        // Points, lines and polygons share the incident and annotation layers: untyped. GPX
        // tells its layers apart by name (waypoints, route_points, track_points).
        OGRLayerH handle = GDALDatasetCreateLayer(
            ds_, name, wgs84, format_ == Format::Gpx ? wkbPoint : wkbUnknown, nullptr);
        OSRRelease(wgs84); // the layer may keep a reference
        if (!handle)
            return Error{errors_.lastError(
                QStringLiteral("cannot create the layer %1").arg(QLatin1String(name)))};
        Layer& layer = layers_[QByteArray(name)];
        layer.handle = handle;
        layer.kmlName = kmlName ? kmlName : "";
        layer.kmlDescription = kmlDescription ? kmlDescription : "";
        QSet<QByteArray> made;
        for (const QList<Field>& schema : schemas) {
            for (const Field& field : schema) {
                const QByteArray fieldName(field.name);
                if (made.contains(fieldName) || layer.skipped.contains(fieldName))
                    continue;
                if ((format_ == Format::Gpx && field.type == Field::Type::Json) ||
                    OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(handle), field.name) >= 0) {
                    layer.skipped.insert(fieldName);
                    continue;
                }
                OGRFieldDefnH def = OGR_Fld_Create(
                    field.name, field.type == Field::Type::Boolean ? OFTInteger : OFTString);
                if (field.type == Field::Type::Boolean)
                    OGR_Fld_SetSubType(def, OFSTBoolean);
                if (field.type == Field::Type::Json) // GeoJSON writes it as JSON, not a string
                    OGR_Fld_SetSubType(def, OFSTJSON);
                const OGRErr e = OGR_L_CreateField(handle, def, TRUE);
                OGR_Fld_Destroy(def);
                if (e != OGRERR_NONE ||
                    OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(handle), field.name) < 0)
                    return Error{errors_.lastError(QStringLiteral("cannot create the field %1")
                                                       .arg(QLatin1String(field.name)))};
                made.insert(fieldName);
            }
        }
        return &layer;
    }

    /// Writes one feature of `fields` and `geometry`; `fill` sets the driver's own fields.
    Status write(Layer& layer, const QList<Field>& fields, Geometry geometry,
                 const std::function<void(Feature&)>& fill = {}) {
        const KmlFields kml(format_, layer.kmlName, layer.kmlDescription);
        Feature f(layer.handle, layer.skipped);
        const char* missing = nullptr;
        if (!f.set(fields, &missing))
            return Error{
                QStringLiteral("the layer %1 has no field %2")
                    .arg(QString::fromUtf8(OGR_L_GetName(layer.handle)), QLatin1String(missing))};
        if (fill)
            fill(f);
        f.geometry(std::move(geometry));
        if (!f.write())
            return Error{errors_.lastError(QStringLiteral("cannot write a feature"))};
        return success();
    }

private:
    /// LIBKML takes a placemark's name and description from the fields these options name,
    /// read when it makes a layer and when it writes a feature.
    class KmlFields {
    public:
        KmlFields(Format format, const char* name, const char* description) {
            if (format != Format::Kml)
                return;
            name_.emplace("LIBKML_NAME_FIELD", name);
            description_.emplace("LIBKML_DESCRIPTION_FIELD", description);
        }

    private:
        std::optional<ThreadConfig> name_;
        std::optional<ThreadConfig> description_;
    };

    GDALDatasetH ds_;
    Format format_;
    geo::GdalErrorCapture& errors_;
    std::map<QByteArray, Layer> layers_;
};

/// Writes the records; the dataset is open and in a transaction where the driver has them.
class RecordWriter {
public:
    RecordWriter(store::MissionStore& mission, GDALDatasetH ds, Format format,
                 const RecordExportOptions& options, geo::GdalErrorCapture& errors)
        : mission_(mission)
        , format_(format)
        , options_(options)
        , out_(ds, format, errors) {}

    Status run(RecordExportReport& report) {
        if (Status s = collect(report); !s)
            return s;
        if (Status s = makeLayers(); !s)
            return s;
        if (options_.incidents)
            if (Status s = writeIncidents(report); !s)
                return s;
        if (format_ == Format::Gpx)
            return writeGpxRoutesAndAnnotations(report);
        for (const store::PatrolRoute& r : routes_) {
            if (Status s =
                    out_.write(*routeLayer_, routeFields(r, false), path(locations(r, false)));
                !s)
                return s;
            if (!r.track.isEmpty())
                if (Status s = out_.write(*trackLayer_, routeFields(r, true),
                                          path(locations(r, true), elevations(r)));
                    !s)
                    return s;
            ++report.written.routes;
        }
        for (const store::Annotation& a : annotations_) {
            if (Status s =
                    out_.write(*annotationLayer_, annotationFields(a), annotationGeometry(a));
                !s)
                return s;
            ++report.written.annotations;
        }
        return success();
    }

private:
    /// The routes and annotations to write: those the recipient may have.
    Status collect(RecordExportReport& report) {
        const auto released = [&](const store::Marking& m) {
            return !options_.releasable || options_.releasable(m).full();
        };
        if (options_.routes) {
            Result<QList<store::PatrolRoute>> all = mission_.routes();
            if (!all)
                return all.error();
            for (const store::PatrolRoute& r : all.value()) {
                if (!released(r.marking))
                    ++report.withheld.routes;
                else if (format_ == Format::Gpx && r.waypoints.isEmpty() && r.track.isEmpty())
                    ++report.notRepresentable.routes; // no <rte> or <trk> to carry it
                else
                    routes_.append(r);
            }
            if (report.notRepresentable.routes > 0)
                report.notes.append(QStringLiteral("GPX holds no route without waypoints or "
                                                   "track: %1 such routes were not written")
                                        .arg(report.notRepresentable.routes));
        }
        if (options_.annotations) {
            Result<QList<store::Annotation>> all = mission_.annotations();
            if (!all)
                return all.error();
            for (const store::Annotation& a : all.value()) {
                if (!released(a.marking))
                    ++report.withheld.annotations;
                else if (format_ == Format::Gpx && a.kind == store::AnnotationKind::Area)
                    ++report.notRepresentable.annotations;
                else
                    annotations_.append(a);
            }
            if (report.notRepresentable.annotations > 0)
                report.notes.append(
                    QStringLiteral("GPX holds no areas: %1 area annotations were not written")
                        .arg(report.notRepresentable.annotations));
        }
        return success();
    }

    Status makeLayers() {
        const QList<Field> incident = incidentFields({});
        const QList<Field> route = routeFields({}, false);
        const QList<Field> track = routeFields({}, true);
        const QList<Field> annotation = annotationFields({});
        const bool withIncidents = options_.incidents;
        const bool withRoutes = options_.routes;
        const bool withAnnotations = options_.annotations;
        auto make = [&](Output::Layer*& layer, const char* name, const QList<QList<Field>>& schemas,
                        const char* kmlName = nullptr,
                        const char* kmlDescription = nullptr) -> Status {
            Result<Output::Layer*> made = out_.create(name, schemas, kmlName, kmlDescription);
            if (!made)
                return made.error();
            layer = made.value();
            return success();
        };
        Status s = success();
        switch (format_) {
        case Format::GeoJson: { // one layer: every kind, told apart by record_type
            QList<QList<Field>> schemas;
            if (withIncidents)
                schemas.append(incident);
            if (withRoutes)
                schemas << route << track;
            if (withAnnotations)
                schemas.append(annotation);
            const bool onlyIncidents = !withRoutes && !withAnnotations;
            s = make(incidentLayer_, onlyIncidents ? "incidents" : "records", schemas);
            routeLayer_ = trackLayer_ = annotationLayer_ = incidentLayer_;
            return s;
        }
        case Format::Gpx:
            if (withIncidents || withAnnotations)
                s = make(incidentLayer_, "waypoints", {incident, annotation});
            if (s && (withRoutes || withAnnotations))
                s = make(routeLayer_, "route_points", {route, annotation});
            if (s && withRoutes)
                s = make(trackLayer_, "track_points", {track});
            return s;
        case Format::GeoPackage:
        case Format::Kml:
            // Google Earth shows a placemark's name and description; every other field, the
            // marking among them, goes to its ExtendedData.
            if (withIncidents)
                s = make(incidentLayer_, "incidents", {incident}, "title", "narrative");
            if (s && withRoutes)
                s = make(routeLayer_, "routes", {route}, "name");
            if (s && withRoutes)
                s = make(trackLayer_, "route_tracks", {track}, "name");
            if (s && withAnnotations)
                s = make(annotationLayer_, "annotations", {annotation}, "text");
            return s;
        }
        return s;
    }

    Status writeIncidents(RecordExportReport& report) {
        store::IncidentQuery query = options_.incidentQuery;
        query.countTotal = false;
        const qint64 cap = query.limit > 0 ? query.limit : std::numeric_limits<qint64>::max();
        const int first = query.offset;
        qint64 read = 0;
        qint64 areas = 0;
        for (;;) {
            query.offset = first + static_cast<int>(read);
            query.limit = static_cast<int>(std::min<qint64>(10000, cap - read));
            if (query.limit <= 0)
                break;
            Result<store::IncidentPage> page = mission_.queryIncidents(query);
            if (!page)
                return page.error();
            read += page.value().incidents.size();
            for (const store::Incident& held : page.value().incidents) {
                std::optional<store::Incident> version = held;
                QString sanitised;
                if (options_.releasable) {
                    const store::RecordRelease release = options_.releasable(held.marking);
                    if (release.form == store::RecordRelease::Form::Sanitised) {
                        QString region;
                        version = store::sanitisedIncident(held, release.sanitised,
                                                           options_.regions, &region);
                        if (version)
                            sanitised = store::sanitisedNote(*version, release.sanitised, region);
                    } else if (!release.full()) {
                        version.reset();
                    }
                }
                if (!version) {
                    ++report.withheld.incidents;
                    continue;
                }
                if (!sanitised.isEmpty())
                    ++report.sanitised;
                const store::Incident& i = *version;
                // GPX: waypoints with name, description and time; every other field, the
                // marking among them, in the waypoint's <extensions>.
                Status s = out_.write(*incidentLayer_, incidentFields(i, sanitised),
                                      incidentGeometry(i, format_), [&](Feature& f) {
                                          if (format_ != Format::Gpx)
                                              return;
                                          f.text("name", i.title);
                                          f.text("desc", i.narrative);
                                          f.time("time", i.observedAt);
                                      });
                if (!s)
                    return s;
                ++report.written.incidents;
                if (!i.area.isEmpty())
                    ++areas;
            }
            if (page.value().incidents.size() < query.limit)
                break;
        }
        if (format_ == Format::Gpx && areas > 0)
            report.notes.append(
                QStringLiteral("GPX holds no areas: %1 area incidents were written as their point")
                    .arg(areas));
        return success();
    }

    /// GPX's order: waypoints, then routes, then tracks.
    Status writeGpxRoutesAndAnnotations(RecordExportReport& report) {
        for (const store::Annotation& a : annotations_) {
            if (a.kind != store::AnnotationKind::Point)
                continue;
            if (Status s = out_.write(*incidentLayer_, annotationFields(a), annotationGeometry(a),
                                      [&](Feature& f) {
                                          f.text("name", a.text);
                                          f.text("desc", a.text); // keeps line breaks
                                          f.time("time", a.writtenAt);
                                      });
                !s)
                return s;
            ++report.written.annotations;
        }
        int routeFid = 0;
        for (const store::PatrolRoute& r : routes_) {
            if (r.waypoints.isEmpty())
                continue;
            const QList<Field> fields = routeFields(r, false);
            for (const store::Waypoint& w : r.waypoints)
                if (Status s = out_.write(*routeLayer_, fields, point(w.location),
                                          [&](Feature& f) {
                                              f.number("route_fid", routeFid);
                                              f.text("route_name", r.name);
                                              f.text("name", w.name);
                                              f.time("time", w.plannedAt);
                                          });
                    !s)
                    return s;
            ++routeFid;
        }
        for (const store::Annotation& a : annotations_) {
            if (a.kind != store::AnnotationKind::Line)
                continue;
            const QList<Field> fields = annotationFields(a);
            for (const geo::GeoPoint& p : a.geometry)
                if (Status s = out_.write(*routeLayer_, fields, point(p),
                                          [&](Feature& f) {
                                              f.number("route_fid", routeFid);
                                              f.text("route_name", a.text);
                                              f.text("desc", a.text);
                                          });
                    !s)
                    return s;
            ++routeFid;
            ++report.written.annotations;
        }
        int trackFid = 0;
        for (const store::PatrolRoute& r : routes_) {
            if (r.track.isEmpty())
                continue;
            const QList<Field> fields = routeFields(r, true);
            for (const store::TrackPoint& p : r.track)
                if (Status s = out_.write(*trackLayer_, fields, point(p.location),
                                          [&](Feature& f) {
                                              f.number("track_fid", trackFid);
                                              f.number("track_seg_id", 0);
                                              f.text("track_name", r.name);
                                              f.time("time", p.recordedAt);
                                              if (p.elevation)
                                                  f.number("ele", *p.elevation);
                                          });
                    !s)
                    return s;
            ++trackFid;
        }
        report.written.routes = routes_.size();
        return success();
    }

    store::MissionStore& mission_;
    Format format_;
    const RecordExportOptions& options_;
    Output out_;
    QList<store::PatrolRoute> routes_;
    QList<store::Annotation> annotations_;
    // Where each kind goes (one layer for all in GeoJSON; GPX: waypoints, route_points,
    // track_points, and point annotations go to waypoints, line annotations to route_points).
    Output::Layer* incidentLayer_ = nullptr;
    Output::Layer* routeLayer_ = nullptr;
    Output::Layer* trackLayer_ = nullptr;
    Output::Layer* annotationLayer_ = nullptr;
};

} // namespace

Result<RecordExportReport> exportRecords(store::MissionStore& mission, const QString& file,
                                         const RecordExportOptions& options) {
    TESSERA_ASSERT_WORKER_THREAD();
    geo::ensureGdalRegistered();
    geo::GdalErrorCapture errors;
    const QString suffix = QFileInfo(file).suffix().toLower();
    const std::optional<Format> format = formatOf(suffix);
    if (!format)
        return Error{
            QStringLiteral("%1: export writes .geojson, .gpkg, .kml, .kmz or .gpx").arg(file)};
    const char* driverName = driverOf(*format);
    GDALDriverH driver = GDALGetDriverByName(driverName);
    if (!driver)
        return Error{QStringLiteral("GDAL has no %1 driver").arg(QString::fromLatin1(driverName))};
    // Written beside the target, then renamed: a failure leaves no half file behind.
    const QString partial = QFileInfo(file).absoluteDir().filePath(
        QStringLiteral(".%1.partial.%2").arg(QFileInfo(file).completeBaseName(), suffix));
    QFile::remove(partial);
    // GPX: every field GPX has no element for goes to the point's <extensions>.
    char** createOptions =
        *format == Format::Gpx ? CSLSetNameValue(nullptr, "GPX_USE_EXTENSIONS", "YES") : nullptr;
    GDALDatasetH ds =
        GDALCreate(driver, partial.toUtf8().constData(), 0, 0, 0, GDT_Unknown, createOptions);
    CSLDestroy(createOptions);
    if (!ds)
        return Error{QStringLiteral("%1: cannot create (%2)")
                         .arg(file, errors.lastError(QStringLiteral("unknown error")))};
    auto fail = [&](const QString& why) -> Result<RecordExportReport> {
        GDALClose(ds);
        QFile::remove(partial);
        return Error{QStringLiteral("%1: %2").arg(file, why)};
    };
    if (GDALDatasetStartTransaction(ds, FALSE) == OGRERR_FAILURE)
        return fail(errors.lastError(QStringLiteral("cannot start a transaction")));
    RecordExportReport report;
    RecordWriter writer(mission, ds, *format, options, errors);
    if (Status s = writer.run(report); !s)
        return fail(s.error().message);
    if (GDALDatasetCommitTransaction(ds) == OGRERR_FAILURE)
        return fail(errors.lastError(QStringLiteral("cannot commit")));
    GDALClose(ds);
    if (!errors.errors().isEmpty()) {
        QFile::remove(partial);
        return Error{QStringLiteral("%1: %2").arg(file, errors.errors().last())};
    }
    QFile::remove(file);
    if (!QFile::rename(partial, file)) {
        QFile::remove(partial);
        return Error{QStringLiteral("%1: cannot move the export into place").arg(file)};
    }
    return report;
}

Result<qint64> exportIncidents(store::MissionStore& mission, const QString& file,
                               store::IncidentQuery query, const store::ReleaseFilter& releasable,
                               qint64* withheld) {
    RecordExportOptions options;
    options.incidentQuery = std::move(query);
    options.routes = false;
    options.annotations = false;
    options.releasable = releasable;
    Result<RecordExportReport> report = exportRecords(mission, file, options);
    if (!report)
        return report.error();
    if (withheld)
        *withheld = report.value().withheld.incidents;
    return report.value().written.incidents;
}

} // namespace tessera::interop
