// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/TakPackage.h"

#include "geo/GdalEnvironment.h"
#include "geo/ThreadCheck.h"
#include "interop/CursorOnTarget.h"
#include "store/MissionStore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMimeDatabase>
#include <QRegularExpression>
#include <QSet>
#include <QUuid>
#include <QXmlStreamReader>
#include <QXmlStreamWriter>

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_api.h>

#include <algorithm>
#include <cstdio>

namespace tessera::interop {

namespace {

quint16 le16(const QByteArray& b, qsizetype at) {
    return static_cast<quint16>(static_cast<quint8>(b[at]) | static_cast<quint8>(b[at + 1]) << 8);
}

quint32 le32(const QByteArray& b, qsizetype at) {
    return static_cast<quint32>(le16(b, at)) | static_cast<quint32>(le16(b, at + 2)) << 16;
}

constexpr quint32 kEndOfDirectory = 0x06054b50;
constexpr quint32 kDirectoryEntry = 0x02014b50;
constexpr qsizetype kEndOfDirectorySize = 22;
constexpr qsizetype kDirectoryEntrySize = 46;
constexpr qint64 kRatioFloor = 1024 * 1024; ///< entries below this are never called bombs

/// Why a name may not be used as a path under the folder it is extracted to; empty when it can.
QString unsafeNameReason(const QString& name) {
    if (name.isEmpty())
        return QStringLiteral("an empty name");
    if (name.startsWith(QLatin1Char('/')))
        return QStringLiteral("an absolute path");
    if (name.contains(QLatin1Char('\\')))
        return QStringLiteral("a backslash (a Windows path)");
    if (name.contains(QLatin1Char(':')))
        return QStringLiteral("a colon (a drive letter or a stream)");
    for (const QChar c : name)
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return QStringLiteral("a control character");
    for (const QString& part : name.split(QLatin1Char('/')))
        if (part == QLatin1String(".."))
            return QStringLiteral("a '..' that leaves the package (path traversal)");
    return {};
}

QString describe(const QString& name) {
    return QStringLiteral("'%1'").arg(name.left(120));
}

/// A name for a file or folder of ours made from text someone else chose.
QString safeFileName(const QString& text, const QString& fallback) {
    static const QRegularExpression unsafe(QStringLiteral("[^A-Za-z0-9._ -]"));
    QString name = text;
    name.replace(unsafe, QStringLiteral("_"));
    name = name.trimmed().left(100);
    while (name.startsWith(QLatin1Char('.')))
        name.remove(0, 1);
    return name.isEmpty() ? fallback : name;
}

} // namespace

Result<QList<ZipEntry>>
readZipDirectory(const std::function<QByteArray(qint64 offset, qint64 length)>& read,
                 qint64 archiveSize, const TakPackageLimits& limits) {
    if (archiveSize > limits.maxArchiveBytes)
        return Error{QStringLiteral("the archive is %1 bytes, over the limit of %2")
                         .arg(archiveSize)
                         .arg(limits.maxArchiveBytes)};
    if (archiveSize < kEndOfDirectorySize)
        return Error{QStringLiteral("not a zip archive (%1 bytes, too short)").arg(archiveSize)};
    // The end-of-directory record sits in the last 22 bytes plus a comment of up to 64 KiB.
    const qint64 tailLength = std::min<qint64>(archiveSize, kEndOfDirectorySize + 0xFFFF);
    const QByteArray tail = read(archiveSize - tailLength, tailLength);
    if (tail.size() != tailLength)
        return Error{QStringLiteral("the archive could not be read")};
    qsizetype end = -1;
    for (qsizetype at = tail.size() - kEndOfDirectorySize; at >= 0; --at)
        if (le32(tail, at) == kEndOfDirectory) {
            end = at;
            break;
        }
    if (end < 0)
        return Error{QStringLiteral("not a zip archive, or a truncated one (no end of central "
                                    "directory)")};
    const quint16 disk = le16(tail, end + 4), directoryDisk = le16(tail, end + 6);
    const quint16 onDisk = le16(tail, end + 8), count = le16(tail, end + 10);
    const quint32 directorySize = le32(tail, end + 12), directoryOffset = le32(tail, end + 16);
    if (count == 0xFFFF || directorySize == 0xFFFFFFFF || directoryOffset == 0xFFFFFFFF)
        return Error{QStringLiteral("a ZIP64 archive: refused (a data package is far below the "
                                    "4 GiB and 65,535 entries that need it)")};
    if (disk != 0 || directoryDisk != 0 || onDisk != count)
        return Error{QStringLiteral("a zip archive spanning several disks: refused")};
    if (count > limits.maxEntries)
        return Error{
            QStringLiteral("%1 entries, over the limit of %2").arg(count).arg(limits.maxEntries)};
    const qint64 directoryStart = archiveSize - tailLength + end - directorySize;
    if (directoryStart < 0 || static_cast<qint64>(directoryOffset) > directoryStart)
        return Error{QStringLiteral("the zip's central directory lies outside the archive "
                                    "(a truncated or corrupt zip)")};
    const QByteArray directory = read(directoryStart, directorySize);
    if (directory.size() != static_cast<qsizetype>(directorySize))
        return Error{QStringLiteral("the zip's central directory could not be read")};

    QList<ZipEntry> entries;
    qint64 total = 0;
    qsizetype at = 0;
    for (int n = 1; n <= count; ++n) {
        if (at + kDirectoryEntrySize > directory.size() || le32(directory, at) != kDirectoryEntry)
            return Error{
                QStringLiteral("entry %1 of the zip's central directory is corrupt").arg(n)};
        const quint16 madeBy = le16(directory, at + 4);
        ZipEntry e;
        e.flags = le16(directory, at + 8);
        e.method = le16(directory, at + 10);
        const quint32 compressed = le32(directory, at + 20), size = le32(directory, at + 24);
        const quint16 nameLength = le16(directory, at + 28), extraLength = le16(directory, at + 30),
                      commentLength = le16(directory, at + 32);
        const quint32 external = le32(directory, at + 38);
        if (at + kDirectoryEntrySize + nameLength > directory.size())
            return Error{
                QStringLiteral("entry %1 of the zip's central directory is corrupt").arg(n)};
        const QByteArray rawName = directory.mid(at + kDirectoryEntrySize, nameLength);
        // Bit 11: the name is UTF-8; otherwise code page 437, of which ASCII is what matters.
        e.name = (e.flags & 0x0800) ? QString::fromUtf8(rawName) : QString::fromLatin1(rawName);
        at += kDirectoryEntrySize + nameLength + extraLength + commentLength;
        const QString which = QStringLiteral("entry %1 %2").arg(n).arg(describe(e.name));
        if (const QString why = unsafeNameReason(e.name); !why.isEmpty())
            return Error{QStringLiteral("%1: its name has %2: refused").arg(which, why)};
        // Unix mode in the high half of the external attributes when made on Unix (3).
        if ((madeBy >> 8) == 3 && ((external >> 16) & 0170000) == 0120000)
            return Error{QStringLiteral("%1 is a symbolic link: refused").arg(which)};
        if (e.flags & 0x0001)
            return Error{QStringLiteral("%1 is encrypted: refused").arg(which)};
        if (compressed == 0xFFFFFFFF || size == 0xFFFFFFFF)
            return Error{QStringLiteral("%1 has ZIP64 sizes: refused").arg(which)};
        e.isDirectory = e.name.endsWith(QLatin1Char('/'));
        if (e.method != 0 && e.method != 8 && !e.isDirectory)
            return Error{QStringLiteral("%1 uses compression method %2; only stored and deflated "
                                        "entries are read")
                             .arg(which)
                             .arg(e.method)};
        e.compressedSize = compressed;
        e.size = size;
        if (e.size > limits.maxEntryBytes)
            return Error{QStringLiteral("%1 decompresses to %2 bytes, over the limit of %3")
                             .arg(which)
                             .arg(e.size)
                             .arg(limits.maxEntryBytes)};
        if (e.size > kRatioFloor &&
            static_cast<double>(e.size) > limits.maxRatio * static_cast<double>(e.compressedSize))
            return Error{QStringLiteral("%1 decompresses %2 bytes into %3 (%4x): a zip bomb, "
                                        "refused")
                             .arg(which)
                             .arg(e.compressedSize)
                             .arg(e.size)
                             .arg(static_cast<double>(e.size) /
                                      std::max<double>(1.0, static_cast<double>(e.compressedSize)),
                                  0, 'f', 0)};
        total += e.size;
        if (total > limits.maxTotalBytes)
            return Error{QStringLiteral("the entries decompress to more than %1 bytes in all")
                             .arg(limits.maxTotalBytes)};
        for (const ZipEntry& earlier : entries)
            if (earlier.name == e.name)
                return Error{QStringLiteral("%1 appears twice: refused (which would be read is "
                                            "up to the reader)")
                                 .arg(which)};
        entries.append(e);
    }
    return entries;
}

Result<TakManifest> readTakManifest(const QByteArray& xml) {
    if (xml.contains("<!DOCTYPE") || xml.contains("<!ENTITY"))
        return Error{QStringLiteral("the manifest has a DTD (<!DOCTYPE or <!ENTITY): refused, a "
                                    "manifest never needs one")};
    TakManifest manifest;
    manifest.present = true;
    QXmlStreamReader reader(xml);
    if (!reader.readNextStartElement())
        return Error{QStringLiteral("the manifest is not XML: %1").arg(reader.errorString())};
    if (reader.name() != QLatin1String("MissionPackageManifest"))
        return Error{QStringLiteral("the manifest's root is <%1>, not <MissionPackageManifest>")
                         .arg(reader.name().toString().left(40))};
    auto parameters = [&](const std::function<void(QStringView, QStringView)>& take) {
        while (reader.readNextStartElement()) {
            if (reader.name() == QLatin1String("Parameter"))
                take(reader.attributes().value(QLatin1String("name")),
                     reader.attributes().value(QLatin1String("value")));
            reader.skipCurrentElement();
        }
    };
    while (reader.readNextStartElement()) {
        if (reader.name() == QLatin1String("Configuration")) {
            parameters([&](QStringView name, QStringView value) {
                if (name == QLatin1String("uid"))
                    manifest.uid = value.toString();
                else if (name == QLatin1String("name"))
                    manifest.name = value.toString();
            });
        } else if (reader.name() == QLatin1String("Contents")) {
            while (reader.readNextStartElement()) {
                if (reader.name() != QLatin1String("Content")) {
                    reader.skipCurrentElement();
                    continue;
                }
                TakContent c;
                c.zipEntry = reader.attributes().value(QLatin1String("zipEntry")).toString();
                c.ignore =
                    reader.attributes().value(QLatin1String("ignore")) == QLatin1String("true");
                parameters([&](QStringView name, QStringView value) {
                    if (name == QLatin1String("uid"))
                        c.uid = value.toString();
                    else if (name == QLatin1String("name"))
                        c.name = value.toString();
                    else if (name == QLatin1String("contentType"))
                        c.contentType = value.toString();
                });
                if (!c.zipEntry.isEmpty())
                    manifest.contents.append(c);
            }
        } else {
            reader.skipCurrentElement();
        }
    }
    if (reader.hasError())
        return Error{QStringLiteral("the manifest is malformed at line %1, column %2: %3")
                         .arg(reader.lineNumber())
                         .arg(reader.columnNumber())
                         .arg(reader.errorString())};
    return manifest;
}

namespace {

/// GDAL's path to an entry of a zip archive on disk.
QByteArray vsizipPath(const QString& zipFile, const QString& entry) {
    return (QStringLiteral("/vsizip/{") + QFileInfo(zipFile).absoluteFilePath() +
            QStringLiteral("}/") + entry)
        .toUtf8();
}

/// An entry's bytes, decompressed by GDAL, never more than its directory declared.
Result<QByteArray> readEntry(const QString& zipFile, const ZipEntry& entry) {
    geo::GdalErrorCapture errors;
    VSILFILE* f = VSIFOpenL(vsizipPath(zipFile, entry.name).constData(), "rb");
    if (!f)
        return Error{QStringLiteral("entry %1 cannot be read: %2")
                         .arg(describe(entry.name), errors.lastError(QStringLiteral("unknown")))};
    QByteArray bytes(static_cast<qsizetype>(entry.size) + 1, Qt::Uninitialized);
    const size_t got = VSIFReadL(bytes.data(), 1, static_cast<size_t>(bytes.size()), f);
    VSIFCloseL(f);
    if (!errors.errors().isEmpty())
        return Error{QStringLiteral("entry %1 is corrupt: %2")
                         .arg(describe(entry.name), errors.errors().last())};
    if (static_cast<qint64>(got) != entry.size)
        return Error{QStringLiteral("entry %1 decompresses to %2 bytes where its directory "
                                    "declares %3: a corrupt or forged zip, refused")
                         .arg(describe(entry.name))
                         .arg(static_cast<qint64>(got) > entry.size ? QStringLiteral("more")
                                                                    : QString::number(got))
                         .arg(entry.size)};
    bytes.truncate(static_cast<qsizetype>(got));
    return bytes;
}

Result<QList<ZipEntry>> readFileDirectory(const QString& zipFile, const TakPackageLimits& limits) {
    QFile file(zipFile);
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot read (%1)").arg(file.errorString())};
    return readZipDirectory(
        [&](qint64 offset, qint64 length) {
            if (!file.seek(offset))
                return QByteArray();
            return file.read(length);
        },
        file.size(), limits);
}

bool hasDtd(const QByteArray& xml) {
    return xml.contains("<!DOCTYPE") || xml.contains("<!ENTITY");
}

enum class ContentKind { Cot, Overlay, Attachment, Other };

ContentKind kindOf(const QString& entry, const QString& uid) {
    const QString suffix = QFileInfo(entry).suffix().toLower();
    if (suffix == QLatin1String("cot") || suffix == QLatin1String("xml"))
        return ContentKind::Cot;
    if (suffix == QLatin1String("kml") || suffix == QLatin1String("kmz"))
        return ContentKind::Overlay;
    return uid.isEmpty() ? ContentKind::Other : ContentKind::Attachment;
}

/// A folder that is removed when it goes, unless kept.
class ScratchFolder {
public:
    explicit ScratchFolder(QString path)
        : path_(std::move(path)) {}
    ScratchFolder(const ScratchFolder&) = delete;
    ScratchFolder& operator=(const ScratchFolder&) = delete;
    ~ScratchFolder() {
        if (!path_.isEmpty())
            QDir(path_).removeRecursively();
    }
    [[nodiscard]] const QString& path() const { return path_; }
    void keep() { path_.clear(); }

private:
    QString path_;
};

/// Checks a KML or KMZ overlay the way the package is checked (no DTD; a KMZ's own directory
/// within the limits and its KML without a DTD), writes it to `folder` and lists the OGR layers
/// with features in it.
Result<QStringList> stageOverlay(const QString& entryName, const QByteArray& bytes,
                                 const QString& folder, const TakPackageLimits& limits) {
    const bool kmz =
        QFileInfo(entryName).suffix().compare(QLatin1String("kmz"), Qt::CaseInsensitive) == 0;
    const QString target = QDir(folder).filePath(
        safeFileName(QFileInfo(entryName).fileName(), QStringLiteral("overlay.kml")));
    if (QFileInfo::exists(target))
        return Error{
            QStringLiteral("overlay %1: two overlays of the same name").arg(describe(entryName))};
    if (!kmz && hasDtd(bytes))
        return Error{QStringLiteral("overlay %1 has a DTD (<!DOCTYPE or <!ENTITY): refused, "
                                    "KML never needs one")
                         .arg(describe(entryName))};
    QFile out(target);
    if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size() || !out.flush())
        return Error{QStringLiteral("overlay %1 cannot be written to %2 (%3)")
                         .arg(describe(entryName), folder, out.errorString())};
    out.close();
    if (kmz) {
        Result<QList<ZipEntry>> inner = readZipDirectory(
            [&](qint64 offset, qint64 length) { return bytes.mid(offset, length); }, bytes.size(),
            limits);
        if (!inner)
            return Error{
                QStringLiteral("overlay %1: %2").arg(describe(entryName), inner.error().message)};
        for (const ZipEntry& e : inner.value()) {
            if (e.isDirectory ||
                QFileInfo(e.name).suffix().compare(QLatin1String("kml"), Qt::CaseInsensitive) != 0)
                continue;
            Result<QByteArray> kml = readEntry(target, e);
            if (!kml)
                return Error{
                    QStringLiteral("overlay %1: %2").arg(describe(entryName), kml.error().message)};
            if (hasDtd(kml.value()))
                return Error{QStringLiteral("overlay %1: %2 has a DTD (<!DOCTYPE or <!ENTITY): "
                                            "refused, KML never needs one")
                                 .arg(describe(entryName), describe(e.name))};
        }
    }
    geo::ensureGdalRegistered();
    geo::GdalErrorCapture errors;
    const QByteArray path = target.toUtf8();
    GDALDatasetH ds =
        GDALOpenEx(path.constData(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr);
    if (!ds)
        return Error{QStringLiteral("overlay %1 cannot be read as KML: %2")
                         .arg(describe(entryName),
                              errors.lastError(QStringLiteral("no driver recognises it")))};
    QStringList layers;
    for (int n = 0; n < GDALDatasetGetLayerCount(ds); ++n) {
        OGRLayerH layer = GDALDatasetGetLayer(ds, n);
        if (OGR_L_GetFeatureCount(layer, TRUE) > 0)
            layers.append(QString::fromUtf8(OGR_L_GetName(layer)));
    }
    GDALClose(ds);
    if (layers.isEmpty())
        return Error{QStringLiteral("overlay %1 holds no features").arg(describe(entryName))};
    return layers;
}

/// Media type of an attachment: the manifest's, else from the name.
QString mediaTypeOf(const TakContent& c) {
    if (!c.contentType.isEmpty() && c.contentType.contains(QLatin1Char('/')))
        return c.contentType;
    return QMimeDatabase().mimeTypeForFile(c.zipEntry, QMimeDatabase::MatchExtension).name();
}

} // namespace

Result<TakImportReport> importTakPackage(store::MissionStore& mission, const QString& zipFile,
                                         const TakPackageLimits& limits) {
    TESSERA_ASSERT_WORKER_THREAD();
    auto fail = [&](const QString& why) {
        return Error{QStringLiteral("%1: nothing imported: %2").arg(zipFile, why)};
    };
    Result<QList<ZipEntry>> entries = readFileDirectory(zipFile, limits);
    if (!entries)
        return fail(entries.error().message);
    QHash<QString, ZipEntry> byName;
    const ZipEntry* manifestEntry = nullptr;
    for (const ZipEntry& e : entries.value()) {
        byName.insert(e.name, e);
        if (e.name.compare(QLatin1String("MANIFEST/manifest.xml"), Qt::CaseInsensitive) == 0)
            manifestEntry = &e;
    }

    TakManifest manifest;
    if (manifestEntry) {
        Result<QByteArray> bytes = readEntry(zipFile, *manifestEntry);
        if (!bytes)
            return fail(bytes.error().message);
        Result<TakManifest> read = readTakManifest(bytes.value());
        if (!read)
            return fail(read.error().message);
        manifest = read.value();
    } else {
        // No manifest (older tools, hand-made zips): every file is content.
        for (const ZipEntry& e : entries.value())
            if (!e.isDirectory)
                manifest.contents.append({e.name, false, {}, {}, {}});
    }

    TakImportReport report;
    report.package =
        manifest.name.isEmpty() ? QFileInfo(zipFile).completeBaseName() : manifest.name;
    struct CotFile {
        QString entry;
        QList<CotEvent> events;
    };
    QList<CotFile> cotFiles;
    QList<std::pair<TakContent, QByteArray>> attachments;
    QList<std::pair<QString, QByteArray>> overlays;
    for (const TakContent& c : manifest.contents) {
        if (c.ignore) {
            report.skipped.append(
                QStringLiteral("%1: marked ignore in the manifest").arg(c.zipEntry));
            continue;
        }
        if (const QString why = unsafeNameReason(c.zipEntry); !why.isEmpty())
            return fail(QStringLiteral("the manifest names %1, which has %2")
                            .arg(describe(c.zipEntry), why));
        const auto found = byName.constFind(c.zipEntry);
        if (found == byName.cend()) {
            report.skipped.append(
                QStringLiteral("%1: named in the manifest, not in the archive").arg(c.zipEntry));
            continue;
        }
        const ContentKind kind = kindOf(c.zipEntry, c.uid);
        if (kind == ContentKind::Other) {
            report.skipped.append(
                QStringLiteral("%1: not CoT, KML or a file for an event").arg(c.zipEntry));
            continue;
        }
        Result<QByteArray> bytes = readEntry(zipFile, found.value());
        if (!bytes)
            return fail(bytes.error().message);
        if (kind == ContentKind::Cot) {
            Result<CotStream> stream = readCotStream(bytes.value());
            if (!stream)
                return fail(QStringLiteral("%1: %2").arg(c.zipEntry, stream.error().message));
            if (!stream.value().problems.isEmpty()) {
                const CotProblem& p = stream.value().problems.first();
                return fail(
                    QStringLiteral("%1, event %2: %3").arg(c.zipEntry).arg(p.event).arg(p.reason));
            }
            cotFiles.append({c.zipEntry, stream.value().events});
        } else if (kind == ContentKind::Overlay) {
            overlays.append({c.zipEntry, bytes.value()});
        } else {
            attachments.append({c, bytes.value()});
        }
    }

    // Overlays are written to a scratch folder beside the mission and moved into place as the
    // last step of the transaction, so a refusal anywhere leaves the folder as it was.
    const QDir missionDir = QFileInfo(mission.path()).absoluteDir();
    const QString packagesDir = missionDir.filePath(QStringLiteral("packages"));
    QString folderName = safeFileName(report.package, QStringLiteral("package"));
    for (int n = 2; QFileInfo::exists(QDir(packagesDir).filePath(folderName)); ++n)
        folderName = safeFileName(report.package, QStringLiteral("package")) +
                     QStringLiteral(" (%1)").arg(n);
    ScratchFolder scratch(overlays.isEmpty()
                              ? QString()
                              : QDir(packagesDir)
                                    .filePath(QStringLiteral(".incoming-") +
                                              QUuid::createUuid().toString(QUuid::WithoutBraces)));
    QList<store::LayerSpec> layers;
    if (!overlays.isEmpty()) {
        if (!QDir().mkpath(scratch.path()))
            return fail(QStringLiteral("cannot make the folder %1 for the package's overlays")
                            .arg(scratch.path()));
        for (const auto& [entry, bytes] : overlays) {
            Result<QStringList> names = stageOverlay(entry, bytes, scratch.path(), limits);
            if (!names)
                return fail(names.error().message);
            const QString file =
                safeFileName(QFileInfo(entry).fileName(), QStringLiteral("overlay.kml"));
            for (const QString& name : names.value()) {
                store::LayerSpec layer;
                layer.name = QStringLiteral("%1: %2").arg(report.package, name);
                layer.kind = store::LayerKind::Vector;
                layer.source = QStringLiteral("packages/%1/%2").arg(folderName, file);
                layer.sourceLayer = name;
                layers.append(layer);
            }
        }
    }

    Status done = mission.database().transaction([&]() -> Status {
        for (const CotFile& f : cotFiles) {
            Result<int> applied = applyCotEvents(mission, f.events);
            if (!applied)
                return Error{QStringLiteral("%1: %2").arg(f.entry, applied.error().message)};
            for (const CotEvent& e : f.events) {
                switch (recordKindOf(e)) {
                case CotRecordKind::Incident:
                    ++report.incidents;
                    break;
                case CotRecordKind::Route:
                    ++report.routes;
                    break;
                case CotRecordKind::Annotation:
                    ++report.annotations;
                    break;
                }
            }
        }
        for (const auto& [content, bytes] : attachments) {
            const QString uuid = recordUuidForUid(content.uid);
            Result<store::Incident> incident = mission.incident(uuid);
            if (!incident) {
                report.skipped.append(QStringLiteral("%1: for uid %2, which is no incident here")
                                          .arg(content.zipEntry, content.uid.left(60)));
                continue;
            }
            const QString name =
                content.name.isEmpty() ? QFileInfo(content.zipEntry).fileName() : content.name;
            Result<store::Attachment> attached =
                mission.attach(uuid, name, bytes, mediaTypeOf(content), incident.value().marking);
            if (!attached)
                return Error{
                    QStringLiteral("%1: %2").arg(content.zipEntry, attached.error().message)};
            ++report.attachments;
        }
        Result<QList<store::LayerSpec>> existing = mission.layers();
        if (!existing)
            return existing.error();
        int order = 0;
        for (const store::LayerSpec& l : existing.value())
            order = std::max(order, l.stackOrder + 1);
        for (store::LayerSpec& layer : layers) {
            layer.stackOrder = order++;
            if (Result<qint64> added = mission.addLayer(layer); !added)
                return added.error();
            report.layers.append(layer.name);
        }
        if (!layers.isEmpty()) {
            const QString final = QDir(packagesDir).filePath(folderName);
            if (!QDir().rename(scratch.path(), final))
                return Error{QStringLiteral("cannot move the overlays into %1").arg(final)};
            scratch.keep();
        }
        return success();
    });
    if (!done) {
        // The overlays were moved into place just before a commit that failed: take them back.
        if (!layers.isEmpty() && scratch.path().isEmpty())
            QDir(QDir(packagesDir).filePath(folderName)).removeRecursively();
        return fail(done.error().message);
    }
    return report;
}

namespace {

/// A zip archive written through GDAL (CPLCreateZip), to a temporary name first.
class ZipWriter {
public:
    explicit ZipWriter(QString target)
        : target_(std::move(target))
        , partial_(target_ + QStringLiteral(".part-") +
                   QUuid::createUuid().toString(QUuid::WithoutBraces).left(8)) {
        handle_ = CPLCreateZip(partial_.toUtf8().constData(), nullptr);
    }
    ZipWriter(const ZipWriter&) = delete;
    ZipWriter& operator=(const ZipWriter&) = delete;
    ~ZipWriter() {
        if (handle_)
            CPLCloseZip(handle_);
        if (!committed_)
            QFile::remove(partial_);
    }
    [[nodiscard]] bool isOpen() const { return handle_ != nullptr; }

    Status add(const QString& name, const QByteArray& bytes) {
        if (CPLCreateFileInZip(handle_, name.toUtf8().constData(), nullptr) != CE_None)
            return Error{QStringLiteral("cannot add %1 to %2").arg(name, target_)};
        // CPLWriteFileInZip takes an int: write large attachments in pieces.
        constexpr qsizetype kPiece = 1 << 24;
        for (qsizetype at = 0; at < bytes.size(); at += kPiece) {
            const int n = static_cast<int>(std::min(kPiece, bytes.size() - at));
            if (CPLWriteFileInZip(handle_, bytes.constData() + at, n) != CE_None) {
                CPLCloseFileInZip(handle_);
                return Error{
                    QStringLiteral("cannot write %1 into %2 (disk full?)").arg(name, target_)};
            }
        }
        if (CPLCloseFileInZip(handle_) != CE_None)
            return Error{QStringLiteral("cannot write %1 into %2").arg(name, target_)};
        return success();
    }

    Status commit() {
        const CPLErr closed = CPLCloseZip(handle_);
        handle_ = nullptr;
        if (closed != CE_None)
            return Error{QStringLiteral("cannot finish %1 (disk full?)").arg(target_)};
        if (std::rename(partial_.toUtf8().constData(), target_.toUtf8().constData()) != 0)
            return Error{QStringLiteral("cannot write %1").arg(target_)};
        committed_ = true;
        return success();
    }

private:
    QString target_, partial_;
    void* handle_ = nullptr;
    bool committed_ = false;
};

} // namespace

Result<qint64> exportTakPackage(store::MissionStore& mission, const QString& zipFile,
                                const QString& packageName,
                                const std::function<bool(const store::Marking&)>& releasable,
                                qint64* withheld) {
    TESSERA_ASSERT_WORKER_THREAD();
    Result<QList<CotEvent>> events =
        missionEvents(mission, QDateTime::currentDateTimeUtc(), releasable, withheld);
    if (!events)
        return events.error();
    geo::ensureGdalRegistered();
    geo::GdalErrorCapture errors;
    ZipWriter zip(zipFile);
    if (!zip.isOpen())
        return Error{QStringLiteral("%1: cannot write (%2)")
                         .arg(zipFile, errors.lastError(QStringLiteral("unknown")))};

    QByteArray manifest;
    QXmlStreamWriter xml(&manifest);
    xml.setAutoFormatting(true);
    xml.writeStartDocument(QStringLiteral("1.0"), true);
    xml.writeStartElement(QStringLiteral("MissionPackageManifest"));
    xml.writeAttribute(QStringLiteral("version"), QStringLiteral("2"));
    auto parameter = [&](const QString& name, const QString& value) {
        xml.writeStartElement(QStringLiteral("Parameter"));
        xml.writeAttribute(QStringLiteral("name"), name);
        xml.writeAttribute(QStringLiteral("value"), value);
        xml.writeEndElement();
    };
    xml.writeStartElement(QStringLiteral("Configuration"));
    parameter(QStringLiteral("uid"), QUuid::createUuid().toString(QUuid::WithoutBraces));
    parameter(QStringLiteral("name"), packageName);
    parameter(QStringLiteral("onReceiveDelete"), QStringLiteral("true"));
    xml.writeEndElement();
    xml.writeStartElement(QStringLiteral("Contents"));
    auto content = [&](const QString& entry, const QList<std::pair<QString, QString>>& params) {
        xml.writeStartElement(QStringLiteral("Content"));
        xml.writeAttribute(QStringLiteral("ignore"), QStringLiteral("false"));
        xml.writeAttribute(QStringLiteral("zipEntry"), entry);
        for (const auto& [name, value] : params)
            parameter(name, value);
        xml.writeEndElement();
    };

    for (const CotEvent& e : events.value()) {
        const QString folder = safeFileName(e.uid, QStringLiteral("event"));
        const QString entry = QStringLiteral("%1/%1.cot").arg(folder);
        if (Status s = zip.add(entry, writeCotEvent(e)); !s)
            return s.error();
        content(entry, {{QStringLiteral("uid"), e.uid}});
        if (recordKindOf(e) != CotRecordKind::Incident)
            continue;
        Result<QList<store::Attachment>> files = mission.attachments(recordUuidForUid(e.uid));
        if (!files)
            return files.error();
        QSet<QString> used;
        for (const store::Attachment& a : files.value()) {
            if (releasable && !releasable(a.marking))
                continue; // the incident goes, this file may not
            Result<QByteArray> data = mission.attachmentData(a);
            if (!data)
                return data.error();
            QString name = safeFileName(a.name, QStringLiteral("attachment"));
            for (int n = 2; used.contains(name); ++n)
                name = QStringLiteral("%1-%2").arg(n).arg(safeFileName(a.name, {}));
            used.insert(name);
            const QString fileEntry = QStringLiteral("%1/%2").arg(folder, name);
            if (Status s = zip.add(fileEntry, data.value()); !s)
                return s.error();
            content(fileEntry, {{QStringLiteral("uid"), e.uid},
                                {QStringLiteral("name"), a.name},
                                {QStringLiteral("contentType"), a.mediaType}});
        }
    }
    xml.writeEndElement(); // Contents
    xml.writeEndElement(); // MissionPackageManifest
    xml.writeEndDocument();
    if (Status s = zip.add(QStringLiteral("MANIFEST/manifest.xml"), manifest); !s)
        return s.error();
    if (Status s = zip.commit(); !s)
        return s.error();
    return static_cast<qint64>(events.value().size());
}

} // namespace tessera::interop
