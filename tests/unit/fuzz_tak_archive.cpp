// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for what a TAK data package meets first (src/interop/TakArchive): the zip's
// central directory and the manifest, read from bytes anyone may send. Built with clang and
// -DTESSERA_SHARE_FUZZ=ON beside the bundle fuzzer (scripts/test). The first byte chooses:
// 'M' the rest is a manifest, anything else a zip archive. Besides crashes and sanitizer
// reports, it aborts when the directory reader accepts what it must refuse: an entry whose name
// leaves the package, or sizes over the limits. With TESSERA_FUZZ_CORPUS set, it first writes a
// valid zip and a valid manifest there.
#include "interop/TakArchive.h"

#include <QDir>
#include <QFile>

#include <cstdint>
#include <cstdlib>

using namespace tessera;
using namespace tessera::interop;

namespace {

void le(QByteArray& out, quint32 value, int bytes) {
    for (int i = 0; i < bytes; ++i)
        out.append(static_cast<char>((value >> (8 * i)) & 0xff));
}

/// A stored (uncompressed) zip of `entries`, written by hand: the fuzzer's seed.
QByteArray storedZip(const QList<std::pair<QByteArray, QByteArray>>& entries) {
    QByteArray out, directory;
    for (const auto& [name, data] : entries) {
        const auto offset = static_cast<quint32>(out.size());
        le(out, 0x04034b50, 4);
        le(out, 20, 2); // version needed
        le(out, 0, 2);  // flags
        le(out, 0, 2);  // stored
        le(out, 0, 4);  // time, date
        le(out, 0, 4);  // crc (not checked by the directory reader)
        le(out, static_cast<quint32>(data.size()), 4);
        le(out, static_cast<quint32>(data.size()), 4);
        le(out, static_cast<quint32>(name.size()), 2);
        le(out, 0, 2);
        out += name + data;
        le(directory, 0x02014b50, 4);
        le(directory, 20, 2);
        le(directory, 20, 2);
        le(directory, 0, 2);
        le(directory, 0, 2);
        le(directory, 0, 4);
        le(directory, 0, 4);
        le(directory, static_cast<quint32>(data.size()), 4);
        le(directory, static_cast<quint32>(data.size()), 4);
        le(directory, static_cast<quint32>(name.size()), 2);
        le(directory, 0, 2);
        le(directory, 0, 2);
        le(directory, 0, 2);
        le(directory, 0, 2);
        le(directory, 0, 4);
        le(directory, offset, 4);
        directory += name;
    }
    const auto directoryOffset = static_cast<quint32>(out.size());
    out += directory;
    le(out, 0x06054b50, 4);
    le(out, 0, 4);
    le(out, static_cast<quint32>(entries.size()), 2);
    le(out, static_cast<quint32>(entries.size()), 2);
    le(out, static_cast<quint32>(directory.size()), 4);
    le(out, directoryOffset, 4);
    le(out, 0, 2);
    return out;
}

const QByteArray kManifest =
    "<MissionPackageManifest version=\"2\"><Configuration><Parameter name=\"uid\" "
    "value=\"u-1\"/><Parameter name=\"name\" value=\"Sitrep\"/></Configuration><Contents>"
    "<Content ignore=\"false\" zipEntry=\"a/a.cot\"><Parameter name=\"uid\" value=\"e-1\"/>"
    "</Content></Contents></MissionPackageManifest>";

void writeCorpus() {
    const QByteArray dir = qgetenv("TESSERA_FUZZ_CORPUS");
    if (dir.isEmpty())
        return;
    QDir().mkpath(QString::fromLocal8Bit(dir));
    auto write = [&](const char* name, const QByteArray& bytes) {
        QFile f(QDir(QString::fromLocal8Bit(dir)).filePath(QString::fromLatin1(name)));
        if (f.open(QIODevice::WriteOnly))
            f.write(bytes);
    };
    write("seed-zip", storedZip({{"MANIFEST/manifest.xml", kManifest},
                                 {"a/a.cot", "<event uid='e-1'/>"},
                                 {"a/", QByteArray()}}));
    write("seed-manifest", "M" + kManifest);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    writeCorpus();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const QByteArray bytes =
        QByteArray::fromRawData(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    if (!bytes.isEmpty() && bytes[0] == 'M') {
        (void)readTakManifest(bytes.mid(1));
        return 0;
    }
    TakPackageLimits limits;
    limits.maxEntryBytes = 1 << 20;
    limits.maxTotalBytes = 4 << 20;
    Result<QList<ZipEntry>> entries =
        readZipDirectory([&](qint64 offset, qint64 length) { return bytes.mid(offset, length); },
                         bytes.size(), limits);
    if (!entries)
        return 0;
    qint64 total = 0;
    for (const ZipEntry& e : entries.value()) {
        total += e.size;
        if (!unsafeNameReason(e.name).isEmpty() || e.size > limits.maxEntryBytes ||
            total > limits.maxTotalBytes)
            std::abort(); // accepted what it must refuse
    }
    return 0;
}
