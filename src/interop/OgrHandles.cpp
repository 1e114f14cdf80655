// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/OgrHandles.h"

#include "geo/GdalEnvironment.h"

#include <QFileInfo>

#include <cpl_string.h>

namespace tessera::interop {

Result<Dataset> openVector(const QString& file, bool plainKml) {
    geo::ensureGdalRegistered();
    geo::GdalErrorCapture errors;
    if (!QFileInfo::exists(file))
        return Error{QStringLiteral("%1: no such file").arg(file)};
    // CSV: positions from the usual column names.
    CPLStringList options;
    options.AddNameValue("X_POSSIBLE_NAMES", "lon,lng,long,longitude,x");
    options.AddNameValue("Y_POSSIBLE_NAMES", "lat,latitude,y");
    options.AddNameValue("KEEP_GEOM_COLUMNS", "NO");
    // plainKml: GDAL's plain KML driver instead of LIBKML, which GDAL tries first for .kml and
    // which dereferences null on files the plain driver reads (a gx:Track without <when>).
    const char* const plain[] = {"KML", nullptr};
    Dataset ds(GDALOpenEx(file.toUtf8().constData(), GDAL_OF_VECTOR | GDAL_OF_READONLY,
                          plainKml ? plain : nullptr, options.List(), nullptr));
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

int nameFieldOf(OGRFeatureDefnH definition) {
    for (const char* candidate : {"name", "NAME", "name_en", "NAME_EN", "NAME_1", "admin"}) {
        const int index = OGR_FD_GetFieldIndex(definition, candidate);
        if (index >= 0)
            return index;
    }
    for (int k = 0; k < OGR_FD_GetFieldCount(definition); ++k)
        if (OGR_Fld_GetType(OGR_FD_GetFieldDefn(definition, k)) == OFTString)
            return k;
    return -1;
}

} // namespace tessera::interop
