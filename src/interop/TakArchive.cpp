// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/TakArchive.h"

#include "interop/XmlSafety.h"

#include <QFile>
#include <QSet>
#include <QXmlStreamReader>

#include <algorithm>

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

} // namespace

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

QString quotedEntryName(const QString& name) {
    return QStringLiteral("'%1'").arg(name.left(120));
}

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
    QSet<QString> seen; // names, for duplicates: a set, as a package may list 10,000 entries
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
        const QString which = QStringLiteral("entry %1 %2").arg(n).arg(quotedEntryName(e.name));
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
        if (seen.contains(e.name))
            return Error{QStringLiteral("%1 appears twice: refused (which would be read is "
                                        "up to the reader)")
                             .arg(which)};
        seen.insert(e.name);
        entries.append(e);
    }
    return entries;
}

Status checkArchiveFile(const QString& file, const ArchiveLimits& limits) {
    if (file.startsWith(QLatin1String("/vsi")))
        return Error{
            QStringLiteral("%1: a GDAL virtual file system path is not a file: refused").arg(file)};
    QFile in(file);
    if (!in.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("%1: cannot read (%2)").arg(file, in.errorString())};
    // A local file header, or an empty archive's end of directory: GDAL reads either as a zip.
    const QByteArray magic = in.read(4);
    if (magic != QByteArrayLiteral("PK\x03\x04") && magic != QByteArrayLiteral("PK\x05\x06"))
        return success();
    Result<QList<ZipEntry>> entries = readZipDirectory(
        [&](qint64 offset, qint64 length) {
            if (!in.seek(offset))
                return QByteArray();
            return in.read(length);
        },
        in.size(), limits);
    if (!entries)
        return Error{QStringLiteral("%1 (a zip archive): %2; nothing was read")
                         .arg(file, entries.error().message)};
    return success();
}

Result<TakManifest> readTakManifest(const QByteArray& xml) {
    if (hasDtd(xml))
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

} // namespace tessera::interop
