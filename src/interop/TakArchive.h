// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The parts of a TAK data package read before anything is decompressed or imported: the zip's
// central directory, checked entry by entry, and the manifest. Qt Core only, no GDAL and no
// store, so that the libFuzzer target can take them alone (docs/formats/tak.md).

#include "geo/Result.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <functional>

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

/// The one rule for every zip archive a parser is given, whatever path it comes by: TAK data
/// packages, the KMZ overlays inside them, KMZ files imported or added as layers, and any other
/// file that is a zip under its name (GDAL reads zipped shapefiles, XLSX and ODS as zips).
/// docs/formats/limits.md states the numbers.
using ArchiveLimits = TakPackageLimits;

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

/// Refuses a file GDAL would read as a zip archive (told by its first bytes, not its name) whose
/// central directory breaks `limits` (readZipDirectory), and a path GDAL would take as one of
/// its virtual file systems (/vsizip/, /vsicurl/, ...), which would let a name choose what is
/// read. A file that is not a zip passes. The reason names the file.
Status checkArchiveFile(const QString& file, const ArchiveLimits& limits = {});

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

/// Why an entry name may not be used as a path under the folder it would be extracted to
/// (`..`, absolute, drive letters, backslashes, control characters); empty when it may.
QString unsafeNameReason(const QString& name);
/// An entry's name quoted for a message, cut to a readable length.
QString quotedEntryName(const QString& name);

} // namespace tessera::interop
