// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "relay/Inbox.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QRegularExpression>

#include <algorithm>
#include <fcntl.h>
#include <unistd.h>

namespace tessera::relay {

namespace {

const QRegularExpression& hex64() {
    static const QRegularExpression re(QStringLiteral("^[0-9a-f]{64}$"));
    return re;
}

/// Writes `bytes` to `path` and flushes them to the disk before returning.
Status writeDurably(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        file.write(bytes) != bytes.size() || !file.flush() || ::fsync(file.handle()) != 0)
        return Error{
            QStringLiteral("cannot keep a received part in %1: %2").arg(path, file.errorString())};
    return success();
}

void syncFolder(const QString& path) {
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

QString partName(int part) {
    return QStringLiteral("part-%1").arg(part);
}

} // namespace

QList<Part> splitBundle(const QByteArray& bundle, int partBytes, bool resend) {
    const QString hash =
        QString::fromLatin1(QCryptographicHash::hash(bundle, QCryptographicHash::Sha256).toHex());
    const int parts =
        std::max<int>(1, static_cast<int>((bundle.size() + partBytes - 1) / partBytes));
    QList<Part> out;
    out.reserve(parts);
    for (int i = 0; i < parts; ++i)
        out.append({{hash, i, parts, resend}, bundle.mid(qsizetype(i) * partBytes, partBytes)});
    return out;
}

Inbox::Inbox(QString folder, qint64 maxBundleBytes, int partBytes)
    : folder_(std::move(folder))
    , maxBundleBytes_(maxBundleBytes)
    , partBytes_(partBytes) {}

Status Inbox::open() {
    std::lock_guard lock(mutex_);
    if (!QDir().mkpath(folder_))
        return Error{QStringLiteral("cannot create the relay's inbox %1").arg(folder_)};
    static const QRegularExpression name(
        QStringLiteral("^(\\d{12})-([0-9a-f]{64})-([0-9a-f]{64})$"));
    const QDir dir(folder_);
    for (const QString& sub : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        const QRegularExpressionMatch m = name.match(sub);
        QFile meta(dir.filePath(sub + QStringLiteral("/meta")));
        if (!m.hasMatch() || !meta.open(QIODevice::ReadOnly)) {
            // A folder this code did not make whole (killed between mkdir and meta): its parts
            // come again from the broker, which was not told they arrived.
            QDir(dir.filePath(sub)).removeRecursively();
            continue;
        }
        const QList<QByteArray> fields = meta.readAll().trimmed().split(' ');
        Entry e;
        e.arrival = m.captured(1).toLongLong();
        e.sender = m.captured(2);
        e.bundle = m.captured(3);
        e.folder = dir.filePath(sub);
        e.parts = fields.value(0).toInt();
        e.resend = fields.value(1) == "resend";
        if (e.parts < 1 || qint64(e.parts - 1) * partBytes_ > maxBundleBytes_) {
            QDir(e.folder).removeRecursively();
            continue;
        }
        e.have = QList<bool>(e.parts, false);
        for (int i = 0; i < e.parts; ++i)
            if (QFile::exists(e.folder + QLatin1Char('/') + partName(i))) {
                e.have[i] = true;
                ++e.count;
            }
        nextArrival_ = std::max(nextArrival_, e.arrival + 1);
        entries_.insert(e.sender + e.bundle, e);
    }
    return success();
}

Status Inbox::store(const QString& senderHex, const PartHeader& header, const QByteArray& bytes) {
    if (!hex64().match(senderHex).hasMatch() || !hex64().match(header.bundle).hasMatch())
        return Error{QStringLiteral("a part that names no bundle")};
    if (header.parts < 1 || header.part < 0 || header.part >= header.parts ||
        qint64(header.parts - 1) * partBytes_ > maxBundleBytes_ || bytes.size() > partBytes_)
        return Error{QStringLiteral("a part out of bounds (%1 of %2, %3 bytes)")
                         .arg(header.part)
                         .arg(header.parts)
                         .arg(bytes.size())};
    std::lock_guard lock(mutex_);
    const QString key = senderHex + header.bundle;
    if (taken_.contains(key))
        return success(); // delivered again after the bundle was taken
    auto it = entries_.find(key);
    if (it == entries_.end()) {
        Entry e;
        e.sender = senderHex;
        e.bundle = header.bundle;
        e.parts = header.parts;
        e.resend = header.resend;
        e.arrival = nextArrival_++;
        e.have = QList<bool>(e.parts, false);
        e.folder = QStringLiteral("%1/%2-%3-%4")
                       .arg(folder_)
                       .arg(e.arrival, 12, 10, QLatin1Char('0'))
                       .arg(senderHex, header.bundle);
        if (!QDir().mkpath(e.folder))
            return Error{QStringLiteral("cannot create %1").arg(e.folder)};
        if (Status s =
                writeDurably(e.folder + QStringLiteral("/meta"),
                             QByteArray::number(e.parts) + (e.resend ? " resend\n" : " -\n"));
            !s)
            return s;
        syncFolder(folder_);
        it = entries_.insert(key, e);
    }
    Entry& e = it.value();
    if (header.parts != e.parts)
        return Error{QStringLiteral("a part of bundle %1 says it has %2 parts, not %3")
                         .arg(header.bundle.left(12))
                         .arg(header.parts)
                         .arg(e.parts)};
    if (e.have[header.part])
        return success(); // delivered again (QoS 1 is at least once)
    if (Status s = writeDurably(e.folder + QLatin1Char('/') + partName(header.part), bytes); !s)
        return s;
    e.have[header.part] = true;
    ++e.count;
    return success();
}

QList<Inbox::Whole> Inbox::whole() const {
    std::lock_guard lock(mutex_);
    QList<Whole> out;
    for (const Entry& e : entries_)
        if (e.count == e.parts)
            out.append({e.sender, e.bundle, e.resend, e.arrival});
    std::sort(out.begin(), out.end(),
              [](const Whole& a, const Whole& b) { return a.arrival < b.arrival; });
    return out;
}

Result<QByteArray> Inbox::assemble(const Whole& bundle) const {
    QString folder;
    int parts = 0;
    {
        std::lock_guard lock(mutex_);
        const auto it = entries_.constFind(bundle.sender + bundle.bundle);
        if (it == entries_.constEnd() || it->count != it->parts)
            return Error{QStringLiteral("bundle %1 is not whole").arg(bundle.bundle.left(12))};
        folder = it->folder;
        parts = it->parts;
    }
    QByteArray bytes;
    for (int i = 0; i < parts; ++i) {
        QFile file(folder + QLatin1Char('/') + partName(i));
        if (!file.open(QIODevice::ReadOnly))
            return Error{QStringLiteral("cannot read %1").arg(file.fileName())};
        bytes += file.readAll();
    }
    if (QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex()) !=
        bundle.bundle)
        return Error{QStringLiteral("the parts of bundle %1 do not add up to it (altered on the "
                                    "way)")
                         .arg(bundle.bundle.left(12))};
    return bytes;
}

void Inbox::remove(const Whole& bundle) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(bundle.sender + bundle.bundle);
    if (it == entries_.end())
        return;
    QDir(it->folder).removeRecursively();
    taken_.insert(it.key());
    entries_.erase(it);
}

int Inbox::partsHeld() const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const Entry& e : entries_)
        n += e.count;
    return n;
}

} // namespace tessera::relay
