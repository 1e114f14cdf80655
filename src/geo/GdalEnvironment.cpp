// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "geo/GdalEnvironment.h"

#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>

#include <mutex>

namespace tessera::geo {

void GdalDatasetCloser::operator()(void* dataset) const {
    if (dataset)
        GDALClose(dataset);
}

const char* const* vectorLayerDrivers(const QString& path) {
    static const char* const plainKml[] = {"KML", nullptr};
    return path.endsWith(QLatin1String(".kml"), Qt::CaseInsensitive) ? plainKml : nullptr;
}

void ensureGdalRegistered() {
    static std::once_flag once;
    std::call_once(once, [] {
        GDALAllRegister();
        // Overviews and warps read many blocks; a larger block cache pays for itself.
        GDALSetCacheMax64(256LL * 1024 * 1024);
    });
}

namespace {
void CPL_STDCALL captureHandler(CPLErr errorClass, int /*errorNumber*/, const char* message) {
    if (errorClass < CE_Failure)
        return; // warnings and debug chatter are not for the user
    if (auto* capture = static_cast<GdalErrorCapture*>(CPLGetErrorHandlerUserData()))
        capture->append(QString::fromUtf8(message).trimmed());
}
} // namespace

GdalErrorCapture::GdalErrorCapture() {
    CPLPushErrorHandlerEx(&captureHandler, this);
}

GdalErrorCapture::~GdalErrorCapture() {
    CPLPopErrorHandler();
}

QString GdalErrorCapture::lastError(const QString& fallback) const {
    return errors_.isEmpty() ? fallback : errors_.last();
}

} // namespace tessera::geo
