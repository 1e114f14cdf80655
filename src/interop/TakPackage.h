// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// TAK data packages (mission packages): zip archives of CoT events, attachments and map
// overlays, with an optional MANIFEST/manifest.xml naming their contents. docs/formats/tak.md
// says which variations are taken and which archives are refused.

#include "geo/Result.h"
#include "interop/CursorOnTarget.h"
#include "interop/TakArchive.h"
#include "store/Mission.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>

namespace tessera::store {
class MissionStore;
}

namespace tessera::interop {

/// What an import took in.
struct TakImportReport {
    QString package; ///< the manifest's name, or the file's
    int incidents = 0, routes = 0, annotations = 0;
    int attachments = 0;
    QStringList layers;  ///< map layers added from the package's KML/KMZ overlays
    QStringList skipped; ///< "entry: why" for content that is not taken (not an error)
    QStringList notes;   ///< what the operator should know (markings defaulted)
};

/// Imports a TAK data package, all or nothing: its CoT events as records (importCot's rules),
/// files named with an event's uid as attachments of that incident, KML/KMZ overlays as map
/// layers (copied under the mission's folder, `packages/<package>/`). Any refused entry, event or
/// overlay refuses the whole package and leaves the mission and its folder as they were; the
/// error names every bad event of every CoT entry, not only the first. `cot` carries the
/// operator's default marking for events without one. Threads: the store's thread.
Result<TakImportReport> importTakPackage(store::MissionStore& mission, const QString& zipFile,
                                         const TakPackageLimits& limits = {},
                                         const CotImportOptions& cot = {});

/// Writes the mission's incidents, routes and annotations as a TAK data package: one CoT file per
/// record (`<uid>/<uid>.cot`, as ATAK writes them), each incident's attachments beside it with
/// the incident's uid, and a version 2 manifest naming them. With `releasable`, only the records
/// (and attachments) it passes; the rest counted in `withheld`. Written beside the target and
/// renamed into place. Returns the number of records written.
Result<qint64> exportTakPackage(store::MissionStore& mission, const QString& zipFile,
                                const QString& packageName,
                                const std::function<bool(const store::Marking&)>& releasable = {},
                                qint64* withheld = nullptr);

} // namespace tessera::interop
