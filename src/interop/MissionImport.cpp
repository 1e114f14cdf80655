// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/MissionImport.h"

#include "geo/GdalEnvironment.h"
#include "geo/ThreadCheck.h"
#include "store/IncidentImport.h"
#include "store/MissionStore.h"

#include <QFileInfo>

#include <cpl_string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <cmath>
#include <memory>

namespace tessera::interop {

namespace {

struct DatasetCloser {
    void operator()(void* ds) const { GDALClose(ds); }
};
using Dataset = std::unique_ptr<void, DatasetCloser>;
struct FeatureDestroyer {
    void operator()(OGRFeatureH f) const { OGR_F_Destroy(f); }
};
using Feature = std::unique_ptr<std::remove_pointer_t<OGRFeatureH>, FeatureDestroyer>;
struct TransformDestroyer {
    void operator()(OGRCoordinateTransformationH t) const { OCTDestroyCoordinateTransformation(t); }
};
using Transform =
    std::unique_ptr<std::remove_pointer_t<OGRCoordinateTransformationH>, TransformDestroyer>;

Result<Dataset> openVector(const QString& file) {
    geo::ensureGdalRegistered();
    geo::GdalErrorCapture errors;
    if (!QFileInfo::exists(file))
        return Error{QStringLiteral("%1: no such file").arg(file)};
    // CSV: positions from the usual column names.
    CPLStringList options;
    options.AddNameValue("X_POSSIBLE_NAMES", "lon,lng,long,longitude,x");
    options.AddNameValue("Y_POSSIBLE_NAMES", "lat,latitude,y");
    options.AddNameValue("KEEP_GEOM_COLUMNS", "NO");
    Dataset ds(GDALOpenEx(file.toUtf8().constData(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr,
                          options.List(), nullptr));
    if (!ds)
        return Error{QStringLiteral("%1: not a vector file GDAL can read (%2)")
                         .arg(file, errors.lastError(QStringLiteral("unknown format")))};
    return ds;
}

Result<OGRLayerH> pickLayer(void* ds, const QString& file, const QString& wanted,
                            const char* fallback) {
    OGRLayerH layer = nullptr;
    if (!wanted.isEmpty())
        layer = GDALDatasetGetLayerByName(ds, wanted.toUtf8().constData());
    else if (fallback && GDALDatasetGetLayerByName(ds, fallback))
        layer = GDALDatasetGetLayerByName(ds, fallback);
    else if (GDALDatasetGetLayerCount(ds) > 0)
        layer = GDALDatasetGetLayer(ds, 0);
    if (!layer)
        return Error{QStringLiteral("%1: no layer %2")
                         .arg(file, wanted.isEmpty() ? QStringLiteral("at all") : wanted)};
    return layer;
}

/// To WGS84 longitude/latitude, when the layer says it is in something else.
Transform toWgs84(OGRLayerH layer) {
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer);
    if (!srs)
        return nullptr;
    OGRSpatialReferenceH wgs84 = OSRNewSpatialReference(nullptr);
    OSRSetWellKnownGeogCS(wgs84, "WGS84");
    OSRSetAxisMappingStrategy(wgs84, OAMS_TRADITIONAL_GIS_ORDER);
    Transform t;
    if (!OSRIsSame(srs, wgs84))
        t.reset(OCTNewCoordinateTransformation(srs, wgs84));
    OSRDestroySpatialReference(wgs84);
    return t;
}

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
    const QString text = QString::fromUtf8(OGR_F_GetFieldAsString(f, index)).trimmed();
    QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(text, Qt::ISODate);
    if (t.isValid() && t.timeSpec() == Qt::LocalTime)
        t.setTimeSpec(Qt::UTC); // a time without a zone is taken as UTC, the mission's clock
    return t.toUTC();
}

/// The geometry of a feature as a point or an area, in WGS84; empty reason on success.
QString readGeometry(OGRFeatureH f, OGRCoordinateTransformationH transform,
                     store::Incident& incident) {
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    if (!g || OGR_G_IsEmpty(g))
        return QStringLiteral("no geometry");
    OGRGeometryH copy = OGR_G_Clone(g);
    const auto cleanup = std::unique_ptr<void, void (*)(void*)>(
        copy, [](void* h) { OGR_G_DestroyGeometry(static_cast<OGRGeometryH>(h)); });
    if (transform && OGR_G_Transform(copy, transform) != OGRERR_NONE)
        return QStringLiteral("the position cannot be transformed to WGS84");
    const OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(copy));
    if (type == wkbPoint) {
        incident.location = {OGR_G_GetX(copy, 0), OGR_G_GetY(copy, 0)};
        return {};
    }
    if (type == wkbPolygon) {
        OGRGeometryH ring = OGR_G_GetGeometryRef(copy, 0);
        const int n = OGR_G_GetPointCount(ring);
        for (int k = 0; k < n; ++k)
            incident.area.append({OGR_G_GetX(ring, k), OGR_G_GetY(ring, k)});
        if (incident.area.size() > 1 && incident.area.first() == incident.area.last())
            incident.area.removeLast();
        OGRGeometryH inside = OGR_G_PointOnSurface(copy);
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
                     store::Incident& incident) {
    const FieldMapping& m = o.mapping;
    if (QString reason = readGeometry(f, transform, incident); !reason.isEmpty())
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
    incident.marking = o.marking;
    if (const QString c = field(f, m.classification); !c.isEmpty())
        incident.marking = {c, field(f, m.releasability)};
    return store::MissionStore::invalidReason(incident);
}

} // namespace

QString describeRejected(const QList<RejectedFeature>& rejected, int limit, const QString& what) {
    QStringList lines;
    for (const RejectedFeature& r : rejected) {
        if (lines.size() == limit) {
            lines.append(QStringLiteral("... and %1 more").arg(rejected.size() - limit));
            break;
        }
        lines.append(QStringLiteral("%1 %2: %3").arg(what).arg(r.feature).arg(r.reason));
    }
    return lines.join(QLatin1Char('\n'));
}

Result<ImportReport> importIncidents(store::MissionStore& mission, const QString& file,
                                     const ImportOptions& options) {
    TESSERA_ASSERT_WORKER_THREAD();
    if (options.marking.classification.isEmpty())
        return Error{QStringLiteral("an import needs a classification for its records")};
    Result<Dataset> ds = openVector(file);
    if (!ds)
        return ds.error();
    Result<OGRLayerH> layer = pickLayer(ds.value().get(), file, options.layer, "waypoints");
    if (!layer)
        return layer.error();
    const Transform transform = toWgs84(layer.value());
    ImportReport report;
    report.layer = QString::fromUtf8(OGR_L_GetName(layer.value()));
    Result<store::IncidentImport> bulk =
        store::IncidentImport::begin(mission, QFileInfo(file).fileName(), options.batchSize);
    if (!bulk)
        return Error{QStringLiteral("%1: %2").arg(mission.path(), bulk.error().message)};
    OGR_L_ResetReading(layer.value());
    qint64 number = 0;
    for (;;) {
        Feature f(OGR_L_GetNextFeature(layer.value()));
        if (!f)
            break;
        ++number;
        if (options.cancelled && options.cancelled()) {
            (void)bulk.value().abandon();
            return Error{QStringLiteral("the import was cancelled; nothing was imported")};
        }
        store::Incident incident;
        if (QString reason = readIncident(f.get(), transform.get(), options, incident);
            !reason.isEmpty()) {
            report.rejected.append({number, reason});
            continue;
        }
        if (!options.skipInvalid && !report.rejected.isEmpty())
            continue; // keep reading only to list every problem
        if (Status s = bulk.value().add(incident); !s)
            return Error{QStringLiteral("%1: importing %2 failed at feature %3: %4; nothing was "
                                        "imported")
                             .arg(mission.path(), file)
                             .arg(number)
                             .arg(s.error().message)};
    }
    if (!options.skipInvalid && !report.rejected.isEmpty()) {
        (void)bulk.value().abandon();
        return Error{QStringLiteral("%1: %2 of %3 features rejected; nothing was imported:\n%4")
                         .arg(file)
                         .arg(report.rejected.size())
                         .arg(number)
                         .arg(describeRejected(report.rejected))};
    }
    Result<qint64> done = bulk.value().finish();
    if (!done)
        return Error{QStringLiteral("%1: %2; nothing was imported")
                         .arg(mission.path(), done.error().message)};
    report.imported = done.value();
    return report;
}

Result<ImportReport> importTrack(store::MissionStore& mission, const QString& gpxFile,
                                 const QString& routeUuid) {
    TESSERA_ASSERT_WORKER_THREAD();
    Result<Dataset> ds = openVector(gpxFile);
    if (!ds)
        return ds.error();
    Result<OGRLayerH> layer =
        pickLayer(ds.value().get(), gpxFile, QStringLiteral("track_points"), nullptr);
    if (!layer)
        return layer.error();
    const Transform transform = toWgs84(layer.value());
    ImportReport report;
    report.layer = QString::fromUtf8(OGR_L_GetName(layer.value()));
    QList<store::TrackPoint> track;
    qint64 number = 0;
    OGR_L_ResetReading(layer.value());
    for (;;) {
        Feature f(OGR_L_GetNextFeature(layer.value()));
        if (!f)
            break;
        ++number;
        store::Incident where; // reuse the geometry reader: a track point is a point
        if (QString reason = readGeometry(f.get(), transform.get(), where); !reason.isEmpty()) {
            report.rejected.append({number, reason});
            continue;
        }
        if (!where.area.isEmpty() || where.location.lat < -90 || where.location.lat > 90 ||
            where.location.lon < -180 || where.location.lon > 180) {
            report.rejected.append({number, QStringLiteral("not a longitude/latitude point")});
            continue;
        }
        store::TrackPoint p;
        p.location = where.location;
        p.recordedAt = timeField(f.get(), QStringLiteral("time"));
        if (!p.recordedAt.isValid()) {
            report.rejected.append({number, QStringLiteral("the point has no time")});
            continue;
        }
        const int ele = OGR_F_GetFieldIndex(f.get(), "ele");
        if (ele >= 0 && OGR_F_IsFieldSetAndNotNull(f.get(), ele))
            p.elevation = OGR_F_GetFieldAsDouble(f.get(), ele);
        track.append(p);
    }
    if (!report.rejected.isEmpty())
        return Error{QStringLiteral("%1: %2 of %3 track points rejected; nothing was imported:\n%4")
                         .arg(gpxFile)
                         .arg(report.rejected.size())
                         .arg(number)
                         .arg(describeRejected(report.rejected))};
    if (track.isEmpty())
        return Error{QStringLiteral("%1: no track points").arg(gpxFile)};
    if (Status s = mission.setRouteTrack(routeUuid, track); !s)
        return Error{
            QStringLiteral("%1: %2; nothing was imported").arg(mission.path(), s.error().message)};
    report.imported = track.size();
    return report;
}

} // namespace tessera::interop
