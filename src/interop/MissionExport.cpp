// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/MissionExport.h"

#include "geo/GdalEnvironment.h"
#include "geo/ThreadCheck.h"
#include "store/MissionStore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <vector>

namespace tessera::interop {

namespace {
const char* const kFields[] = {"uuid",        "title",       "category",       "severity",
                               "status",      "observed_at", "source",         "reliability",
                               "credibility", "narrative",   "classification", "releasability"};

QStringList values(const store::Incident& i) {
    return {i.uuid,
            i.title,
            i.category,
            store::toString(i.severity),
            store::toString(i.status),
            i.observedAt.toUTC().toString(Qt::ISODateWithMs),
            i.source,
            i.reliability,
            QString::number(i.credibility),
            i.narrative,
            i.marking.classification,
            i.marking.releasability};
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

} // namespace

Result<qint64> exportIncidents(store::MissionStore& mission, const QString& file,
                               store::IncidentQuery query,
                               const std::function<bool(const store::Marking&)>& releasable,
                               qint64* withheld) {
    TESSERA_ASSERT_WORKER_THREAD();
    geo::ensureGdalRegistered();
    geo::GdalErrorCapture errors;
    const QString suffix = QFileInfo(file).suffix().toLower();
    const bool kml = suffix == QLatin1String("kml") || suffix == QLatin1String("kmz");
    const bool gpx = suffix == QLatin1String("gpx");
    const char* driverName = suffix == QLatin1String("gpkg") ? "GPKG"
                             : suffix == QLatin1String("geojson") || suffix == QLatin1String("json")
                                 ? "GeoJSON"
                             : kml ? "LIBKML" // writes KMZ for a .kmz name
                             : gpx ? "GPX"
                                   : nullptr;
    if (!driverName)
        return Error{
            QStringLiteral("%1: export writes .geojson, .gpkg, .kml, .kmz or .gpx").arg(file)};
    // Google Earth shows a placemark's name and description; every field, the marking among
    // them, goes to its ExtendedData.
    std::optional<ThreadConfig> kmlName, kmlDescription;
    if (kml) {
        kmlName.emplace("LIBKML_NAME_FIELD", "title");
        kmlDescription.emplace("LIBKML_DESCRIPTION_FIELD", "narrative");
    }
    GDALDriverH driver = GDALGetDriverByName(driverName);
    if (!driver)
        return Error{QStringLiteral("GDAL has no %1 driver").arg(QString::fromLatin1(driverName))};
    // Written beside the target, then renamed: a failure leaves no half file behind.
    const QString partial = QFileInfo(file).absoluteDir().filePath(
        QStringLiteral(".%1.partial.%2").arg(QFileInfo(file).completeBaseName(), suffix));
    QFile::remove(partial);
    // GPX: waypoints with name, description and time; every other field, the marking among
    // them, in the waypoint's <extensions>.
    char** createOptions = gpx ? CSLSetNameValue(nullptr, "GPX_USE_EXTENSIONS", "YES") : nullptr;
    GDALDatasetH ds =
        GDALCreate(driver, partial.toUtf8().constData(), 0, 0, 0, GDT_Unknown, createOptions);
    CSLDestroy(createOptions);
    if (!ds)
        return Error{QStringLiteral("%1: cannot create (%2)")
                         .arg(file, errors.lastError(QStringLiteral("unknown error")))};
    auto fail = [&](const QString& why) -> Result<qint64> {
        GDALClose(ds);
        QFile::remove(partial);
        return Error{QStringLiteral("%1: %2").arg(file, why)};
    };
    OGRSpatialReferenceH wgs84 = OSRNewSpatialReference(nullptr);
    OSRSetWellKnownGeogCS(wgs84, "WGS84");
    OSRSetAxisMappingStrategy(wgs84, OAMS_TRADITIONAL_GIS_ORDER);
    OGRLayerH layer = GDALDatasetCreateLayer(ds, gpx ? "waypoints" : "incidents", wgs84,
                                             gpx ? wkbPoint : wkbUnknown, nullptr);
    OSRRelease(wgs84); // the layer may keep a reference
    if (!layer)
        return fail(errors.lastError(QStringLiteral("cannot create the layer")));
    for (const char* name : kFields) {
        OGRFieldDefnH def = OGR_Fld_Create(name, OFTString);
        const OGRErr e = OGR_L_CreateField(layer, def, TRUE);
        OGR_Fld_Destroy(def);
        if (e != OGRERR_NONE)
            return fail(errors.lastError(QStringLiteral("cannot create the fields")));
    }
    // Where each field went (a GPX layer has its standard fields first).
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    std::vector<int> fieldAt;
    for (const char* name : kFields) {
        fieldAt.push_back(OGR_FD_GetFieldIndex(defn, name));
        if (fieldAt.back() < 0)
            return fail(QStringLiteral("the field %1 was not created").arg(QLatin1String(name)));
    }
    if (GDALDatasetStartTransaction(ds, FALSE) == OGRERR_FAILURE)
        return fail(errors.lastError(QStringLiteral("cannot start a transaction")));
    query.countTotal = false;
    const qint64 cap = query.limit > 0 ? query.limit : std::numeric_limits<qint64>::max();
    const int first = query.offset;
    qint64 written = 0;
    qint64 read = 0;
    if (withheld)
        *withheld = 0;
    for (;;) {
        query.offset = first + static_cast<int>(read);
        query.limit = static_cast<int>(std::min<qint64>(10000, cap - read));
        if (query.limit <= 0)
            break;
        Result<store::IncidentPage> page = mission.queryIncidents(query);
        if (!page)
            return fail(page.error().message);
        read += page.value().incidents.size();
        for (const store::Incident& i : page.value().incidents) {
            if (releasable && !releasable(i.marking)) {
                if (withheld)
                    ++*withheld;
                continue;
            }
            OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(layer));
            const QStringList v = values(i);
            for (int k = 0; k < v.size(); ++k)
                OGR_F_SetFieldString(f, fieldAt[static_cast<size_t>(k)], v[k].toUtf8().constData());
            if (gpx) {
                OGR_F_SetFieldString(f, OGR_FD_GetFieldIndex(defn, "name"),
                                     i.title.toUtf8().constData());
                OGR_F_SetFieldString(f, OGR_FD_GetFieldIndex(defn, "desc"),
                                     i.narrative.toUtf8().constData());
                const QDateTime t = i.observedAt.toUTC();
                OGR_F_SetFieldDateTimeEx(f, OGR_FD_GetFieldIndex(defn, "time"), t.date().year(),
                                         t.date().month(), t.date().day(), t.time().hour(),
                                         t.time().minute(),
                                         static_cast<float>(t.time().second()) +
                                             static_cast<float>(t.time().msec()) / 1000.0f,
                                         100);
            }
            OGRGeometryH g = nullptr;
            if (i.area.isEmpty() || gpx) { // GPX has no areas: their representative point
                g = OGR_G_CreateGeometry(wkbPoint);
                OGR_G_SetPoint_2D(g, 0, i.location.lon, i.location.lat);
            } else {
                g = OGR_G_CreateGeometry(wkbPolygon);
                OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
                for (const geo::GeoPoint& p : i.area)
                    OGR_G_AddPoint_2D(ring, p.lon, p.lat);
                OGR_G_AddPoint_2D(ring, i.area.first().lon, i.area.first().lat);
                OGR_G_AddGeometryDirectly(g, ring);
            }
            OGR_F_SetGeometryDirectly(f, g);
            const OGRErr e = OGR_L_CreateFeature(layer, f);
            OGR_F_Destroy(f);
            if (e != OGRERR_NONE)
                return fail(errors.lastError(QStringLiteral("cannot write a feature")));
            ++written;
        }
        if (page.value().incidents.size() < query.limit)
            break;
    }
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
    return written;
}

} // namespace tessera::interop
