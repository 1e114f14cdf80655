// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// RAII for OGR handles, and the transform to WGS84, for the .cpp files of tessera_interop (GDAL
// is a private dependency: this header is not installed and no public header includes it).

#include "geo/Result.h"

#include <QString>

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <memory>
#include <type_traits>

namespace tessera::interop {

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

/// Opens a vector file read-only (CSV with positions from the usual column names); the reason
/// when GDAL cannot. `plainKml`: with GDAL's plain KML driver only (interop/ParseProcess.h
/// retries a .kml so when LIBKML crashed on it).
Result<Dataset> openVector(const QString& file, bool plainKml = false);

/// The layer called `wanted`, else `fallback` when the file has it, else the first; the reason
/// when there is none.
Result<OGRLayerH> pickLayer(void* ds, const QString& file, const QString& wanted,
                            const char* fallback = nullptr);

/// The field that names a layer's features: name, NAME, name_en, NAME_EN, NAME_1 or admin, else
/// the first text field; -1 when there is none.
int nameFieldOf(OGRFeatureDefnH definition);

/// To WGS84 longitude/latitude, when the layer says it is in something else (null: it is, or
/// it says nothing).
inline Transform toWgs84(OGRLayerH layer) {
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

} // namespace tessera::interop
