// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/TakPackage.h"

#include "geo/GdalEnvironment.h"
#include "geo/ThreadCheck.h"
#include "interop/CursorOnTarget.h"
#include "interop/ParseProcess.h"
#include "interop/XmlSafety.h"
#include "store/MissionStore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMimeDatabase>
#include <QRegularExpression>
#include <QSet>
#include <QUuid>
#include <QXmlStreamWriter>

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_api.h>

#include <algorithm>
#include <cstdio>

namespace tessera::interop {

namespace {

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
        return Error{
            QStringLiteral("entry %1 cannot be read: %2")
                .arg(quotedEntryName(entry.name), errors.lastError(QStringLiteral("unknown")))};
    QByteArray bytes(static_cast<qsizetype>(entry.size) + 1, Qt::Uninitialized);
    const size_t got = VSIFReadL(bytes.data(), 1, static_cast<size_t>(bytes.size()), f);
    VSIFCloseL(f);
    if (!errors.errors().isEmpty())
        return Error{QStringLiteral("entry %1 is corrupt: %2")
                         .arg(quotedEntryName(entry.name), errors.errors().last())};
    if (static_cast<qint64>(got) != entry.size)
        return Error{QStringLiteral("entry %1 decompresses to %2 bytes where its directory "
                                    "declares %3: a corrupt or forged zip, refused")
                         .arg(quotedEntryName(entry.name))
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

enum class ContentKind { Cot, Overlay, Attachment, Other };

ContentKind kindOf(const QString& entry, const QString& uid) {
    const QString suffix = QFileInfo(entry).suffix().toLower();
    if (suffix == QLatin1String("cot") || suffix == QLatin1String("xml"))
        return ContentKind::Cot;
    if (suffix == QLatin1String("kml") || suffix == QLatin1String("kmz"))
        return ContentKind::Overlay;
    return uid.isEmpty() ? ContentKind::Other : ContentKind::Attachment;
}

/// A folder that is removed when it goes, unless kept; and its parent with it when the parent
/// was made for it and is left empty (a refused package leaves no packages/ beside the mission).
class ScratchFolder {
public:
    explicit ScratchFolder(QString path)
        : path_(std::move(path)) {
        if (!path_.isEmpty() && !QFileInfo::exists(QFileInfo(path_).absolutePath()))
            madeParent_ = QFileInfo(path_).absolutePath();
    }
    ScratchFolder(const ScratchFolder&) = delete;
    ScratchFolder& operator=(const ScratchFolder&) = delete;
    ~ScratchFolder() {
        if (path_.isEmpty())
            return;
        QDir(path_).removeRecursively();
        if (!madeParent_.isEmpty())
            QDir().rmdir(madeParent_); // only when empty
    }
    [[nodiscard]] const QString& path() const { return path_; }
    void keep() { path_.clear(); }

private:
    QString path_;
    QString madeParent_;
};

/// An overlay written to the scratch folder: its file name there and its OGR layers.
struct StagedOverlay {
    QString file;
    QStringList layers;
};

/// Checks a KML or KMZ overlay the way the package is checked (no DTD; a KMZ's own directory
/// within the limits and its KML without a DTD), writes it to `folder` and lists the OGR layers
/// with features in it.
Result<StagedOverlay> stageOverlay(const QString& entryName, const QByteArray& bytes,
                                   const QString& folder, const TakPackageLimits& limits) {
    const bool kmz =
        QFileInfo(entryName).suffix().compare(QLatin1String("kmz"), Qt::CaseInsensitive) == 0;
    const QString file =
        safeFileName(QFileInfo(entryName).fileName(), QStringLiteral("overlay.kml"));
    const QString target = QDir(folder).filePath(file);
    if (QFileInfo::exists(target))
        return Error{QStringLiteral("overlay %1: two overlays of the same name")
                         .arg(quotedEntryName(entryName))};
    if (!kmz && hasDtd(bytes))
        return Error{QStringLiteral("overlay %1 has a DTD (<!DOCTYPE or <!ENTITY): refused, "
                                    "KML never needs one")
                         .arg(quotedEntryName(entryName))};
    QFile out(target);
    if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size() || !out.flush())
        return Error{QStringLiteral("overlay %1 cannot be written to %2 (%3)")
                         .arg(quotedEntryName(entryName), folder, out.errorString())};
    out.close();
    if (kmz) {
        Result<QList<ZipEntry>> inner = readZipDirectory(
            [&](qint64 offset, qint64 length) { return bytes.mid(offset, length); }, bytes.size(),
            limits);
        if (!inner)
            return Error{QStringLiteral("overlay %1: %2")
                             .arg(quotedEntryName(entryName), inner.error().message)};
        for (const ZipEntry& e : inner.value()) {
            if (e.isDirectory ||
                QFileInfo(e.name).suffix().compare(QLatin1String("kml"), Qt::CaseInsensitive) != 0)
                continue;
            Result<QByteArray> kml = readEntry(target, e);
            if (!kml)
                return Error{QStringLiteral("overlay %1: %2")
                                 .arg(quotedEntryName(entryName), kml.error().message)};
            if (hasDtd(kml.value()))
                return Error{QStringLiteral("overlay %1: %2 has a DTD (<!DOCTYPE or <!ENTITY): "
                                            "refused, KML never needs one")
                                 .arg(quotedEntryName(entryName), quotedEntryName(e.name))};
        }
    }
    // Listed in the parse process, every feature read as the map will read it: an overlay that
    // crashes a GDAL reader is refused here instead of crashing every later render.
    ParseRequest probe;
    probe.mode = ParseMode::Layers;
    Result<ParsedFile> read = parseIsolated(target, probe);
    if (!read)
        return Error{QStringLiteral("overlay %1 cannot be read as KML: %2")
                         .arg(quotedEntryName(entryName), read.error().message)};
    const QStringList layers = read.value().layers;
    if (layers.isEmpty())
        return Error{QStringLiteral("overlay %1 holds nothing that can be drawn")
                         .arg(quotedEntryName(entryName))};
    return StagedOverlay{file, layers};
}

/// Media type of an attachment: the manifest's, else from the name.
QString mediaTypeOf(const TakContent& c) {
    if (!c.contentType.isEmpty() && c.contentType.contains(QLatin1Char('/')))
        return c.contentType;
    return QMimeDatabase().mimeTypeForFile(c.zipEntry, QMimeDatabase::MatchExtension).name();
}

} // namespace

Result<TakImportReport> importTakPackage(store::MissionStore& mission, const QString& zipFile,
                                         const TakPackageLimits& limits,
                                         const CotImportOptions& cot) {
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
    QStringList badEvents; // every one, of every entry: a field user fixes them all at once
    int defaulted = 0;
    for (const TakContent& c : manifest.contents) {
        if (c.ignore) {
            report.skipped.append(
                QStringLiteral("%1: marked ignore in the manifest").arg(c.zipEntry));
            continue;
        }
        if (const QString why = unsafeNameReason(c.zipEntry); !why.isEmpty())
            return fail(QStringLiteral("the manifest names %1, which has %2")
                            .arg(quotedEntryName(c.zipEntry), why));
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
            Result<CotStream> stream = readCotStream(bytes.value(), cot.limits);
            if (!stream) {
                badEvents.append(QStringLiteral("%1: %2").arg(c.zipEntry, stream.error().message));
                continue;
            }
            QList<std::pair<int, QString>> bad;
            for (const CotProblem& p : stream.value().problems)
                bad.append({p.event, p.reason});
            for (const CotEvent& e : stream.value().events) {
                if (const QString why = cotEventProblem(e, cot); !why.isEmpty())
                    bad.append({e.number, QStringLiteral("uid %1: %2").arg(e.uid.left(60), why)});
                else if (!isControlMessage(e) &&
                         (e.access.trimmed().isEmpty() ||
                          e.access.trimmed().compare(QLatin1String("Undefined"),
                                                     Qt::CaseInsensitive) == 0))
                    ++defaulted;
            }
            std::sort(bad.begin(), bad.end());
            for (const auto& [number, why] : bad)
                badEvents.append(
                    QStringLiteral("%1, event %2: %3").arg(c.zipEntry).arg(number).arg(why));
            cotFiles.append({c.zipEntry, stream.value().events});
        } else if (kind == ContentKind::Overlay) {
            overlays.append({c.zipEntry, bytes.value()});
        } else {
            attachments.append({c, bytes.value()});
        }
    }

    if (!badEvents.isEmpty()) {
        constexpr qsizetype kListed = 1000;
        const qsizetype total = badEvents.size();
        if (total > kListed) {
            badEvents = badEvents.mid(0, kListed);
            badEvents.append(QStringLiteral("... and %1 more").arg(total - kListed));
        }
        return fail(QStringLiteral("%1 refused:\n%2")
                        .arg(total == 1 ? QStringLiteral("1 event")
                                        : QStringLiteral("%1 events").arg(total))
                        .arg(badEvents.join(QLatin1Char('\n'))));
    }
    if (defaulted > 0 && cot.defaultMarking)
        report.notes.append(QStringLiteral("%1 events carried no classification: marked %2, the "
                                           "default given, and said so in each record")
                                .arg(defaulted)
                                .arg(cot.defaultMarking->banner()));

    // Overlays are written to a scratch folder beside the mission and moved into place as the
    // last step of the transaction, so a refusal anywhere leaves the folder as it was.
    const QDir missionDir = QFileInfo(mission.path()).absoluteDir();
    const QString packagesDir = missionDir.filePath(QStringLiteral("packages"));
    const QString baseName = safeFileName(report.package, QStringLiteral("package"));
    QString folderName = baseName;
    for (int n = 2; QFileInfo::exists(QDir(packagesDir).filePath(folderName)); ++n)
        folderName = baseName + QStringLiteral(" (%1)").arg(n);
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
            Result<StagedOverlay> staged = stageOverlay(entry, bytes, scratch.path(), limits);
            if (!staged)
                return fail(staged.error().message);
            const QString& file = staged.value().file;
            for (const QString& name : staged.value().layers) {
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
            Result<int> applied = applyCotEvents(mission, f.events, cot);
            if (!applied)
                return Error{QStringLiteral("%1: %2").arg(f.entry, applied.error().message)};
            for (const CotEvent& e : f.events) {
                if (isControlMessage(e))
                    continue;
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
