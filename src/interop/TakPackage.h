// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// TAK data packages (mission packages): zip archives of CoT events, attachments and map
// overlays, with an optional MANIFEST/manifest.xml naming their contents. docs/formats/tak.md
// says which variations are taken and which archives are refused.

#include "geo/Result.h"
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

/// How much a package may ask of the reader. A package that exceeds any of these is refused
/// before anything is decompressed, from what its central directory declares; reads are bounded
/// by the declared sizes as well, so a directory that lies cannot make them grow.
struct TakPackageLimits {
    qint64 maxArchiveBytes = 512LL * 1024 * 1024;
    int maxEntries = 10000;
    qint64 maxEntryBytes = 64LL * 1024 * 1024;  ///< one entry, decompressed
    qint64 maxTotalBytes = 256LL * 1024 * 1024; ///< all entries, decompressed
    /// Decompressed / compressed above which an entry of more than 1 MiB is a zip bomb
    /// (ordinary content deflates 2–20x, repetitive XML tracks up to about 50x; a bomb 1000x).
    double maxRatio = 200.0;
};

/// One file of a zip archive, as its central directory declares it.
struct ZipEntry {
    QString name;
    quint16 method = 0; ///< 0 stored, 8 deflated
    quint16 flags = 0;
    qint64 compressedSize = 0;
    qint64 size = 0; ///< decompressed
    bool isDirectory = false;
};

/// Reads and checks the central directory of a zip archive of `archiveSize` bytes, reading
/// through `read(offset, length)`: refuses, with the entry and the reason, anything that is not a
/// plain zip (spanned, ZIP64, encrypted, neither stored nor deflated), names that would leave
/// the folder they are extracted to (`..`, absolute, drive letters, backslashes, control
/// characters), symbolic links, and sizes or ratios over the limits.
Result<QList<ZipEntry>>
readZipDirectory(const std::function<QByteArray(qint64 offset, qint64 length)>& read,
                 qint64 archiveSize, const TakPackageLimits& limits = {});

/// One entry of a manifest's Contents.
struct TakContent {
    QString zipEntry;
    bool ignore = false;
    QString uid;         ///< the event an attachment belongs to (Parameter name="uid")
    QString name;        ///< Parameter name="name"
    QString contentType; ///< Parameter name="contentType"
};

struct TakManifest {
    bool present = false; ///< false: the package has none, every entry is content
    QString uid, name;    ///< Configuration parameters
    QList<TakContent> contents;
};

/// Reads MANIFEST/manifest.xml (version 2, or 1 without the Configuration), with or without an
/// XML declaration, any number of Parameters per Content and in any order. A DTD is refused.
Result<TakManifest> readTakManifest(const QByteArray& xml);

/// What an import took in.
struct TakImportReport {
    QString package; ///< the manifest's name, or the file's
    int incidents = 0, routes = 0, annotations = 0;
    int attachments = 0;
    QStringList layers;  ///< map layers added from the package's KML/KMZ overlays
    QStringList skipped; ///< "entry: why" for content that is not taken (not an error)
};

/// Imports a TAK data package, all or nothing: its CoT events as records (importCot's rules),
/// files named with an event's uid as attachments of that incident, KML/KMZ overlays as map
/// layers (copied under the mission's folder, `packages/<package>/`). Any refused entry, event or
/// overlay refuses the whole package, with the reason, and leaves the mission and its folder as
/// they were. Threads: the store's thread.
Result<TakImportReport> importTakPackage(store::MissionStore& mission, const QString& zipFile,
                                         const TakPackageLimits& limits = {});

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
