// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

#include <memory>

namespace tessera::geo {

/// Closes a GDAL dataset handle (GDALDatasetH or GDALDataset*) when its owner goes.
struct GdalDatasetCloser {
    void operator()(void* dataset) const;
};
/// A GDAL dataset handle that closes itself.
using UniqueGdalDataset = std::unique_ptr<void, GdalDatasetCloser>;

/// The drivers a vector layer file is opened with, for GDALOpenEx (null: any). A .kml goes to
/// GDAL's plain KML driver only: LIBKML, which GDAL would try first, dereferences null on files
/// the plain driver reads (a gx:Track without <when>), and a map layer is opened in the app's
/// own process. The TAK import lists an overlay's layers with the same drivers, in the parse
/// process, so that the layers it adds are the ones the map then opens.
const char* const* vectorLayerDrivers(const QString& path);

/// Registers GDAL/OGR drivers once per process. Safe to call from any thread, any number of times.
void ensureGdalRegistered();

/// Collects the CPL errors raised on this thread while it lives, so a failed GDAL call can be
/// reported to the user in GDAL's own words instead of being printed to stderr.
/// Threads: lives and dies on one thread (CPL error handlers are per thread).
class GdalErrorCapture {
public:
    GdalErrorCapture();
    ~GdalErrorCapture();
    GdalErrorCapture(const GdalErrorCapture&) = delete;
    GdalErrorCapture& operator=(const GdalErrorCapture&) = delete;

    /// The messages of errors (not warnings) raised so far, oldest first.
    [[nodiscard]] const QStringList& errors() const { return errors_; }
    /// The last error, or `fallback` when GDAL said nothing.
    [[nodiscard]] QString lastError(const QString& fallback) const;

    /// Called by the CPL error handler of this thread.
    void append(const QString& message) { errors_.append(message); }

private:
    QStringList errors_;
};

} // namespace tessera::geo
