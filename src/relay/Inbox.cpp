// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "relay/Inbox.h"

#include "share/Crypto.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QtEndian>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tessera::relay {

namespace {

const QRegularExpression& hex64() {
    static const QRegularExpression re(QStringLiteral("^[0-9a-f]{64}$"));
    return re;
}

constexpr char kMagic[4] = {'T', 'R', 'J', '1'};
constexpr char kPart = 'P';
constexpr char kTaken = 'T';
constexpr qint64 kHeadBytes = 96;
constexpr qint64 kCheckAt = 84; ///< the check covers the head before it, and the payload
constexpr qint64 kCheckBytes = kHeadBytes - kCheckAt;

QByteArray checkOf(const QByteArray& headBeforeCheck, const char* payload, qint64 length) {
    return share::crypto::sha256(headBeforeCheck + QByteArray::fromRawData(payload, length))
        .left(kCheckBytes);
}

/// Runs pread(2) or pwrite(2) until `size` bytes at `at` are done; false on an error or end of
/// file. EINTR is retried.
template <typename Buffer, typename Io>
bool transferAll(Io io, int fd, Buffer* data, qint64 size, qint64 at) {
    while (size > 0) {
        const ssize_t n = io(fd, data, static_cast<size_t>(size), at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        size -= n;
        at += n;
    }
    return true;
}

bool writeAll(int fd, const char* data, qint64 size, qint64 at) {
    return transferAll(::pwrite, fd, data, size, at);
}

bool readAll(int fd, char* data, qint64 size, qint64 at) {
    return transferAll(::pread, fd, data, size, at);
}

void syncFolder(const QString& path) {
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

/// A record as written: head (with its check) and payload.
QByteArray record(char kind, const QByteArray& sender, const PartHeader& h,
                  const QByteArray& payload) {
    QByteArray head(kCheckAt, '\0');
    std::memcpy(head.data(), kMagic, 4);
    head[4] = kind;
    head[5] = h.resend ? 1 : 0;
    std::memcpy(head.data() + 8, sender.constData(), 32);
    std::memcpy(head.data() + 40, QByteArray::fromHex(h.bundle.toLatin1()).constData(), 32);
    qToLittleEndian<quint32>(static_cast<quint32>(h.part), head.data() + 72);
    qToLittleEndian<quint32>(static_cast<quint32>(h.parts), head.data() + 76);
    qToLittleEndian<quint32>(static_cast<quint32>(payload.size()), head.data() + 80);
    return head + checkOf(head, payload.constData(), payload.size()) + payload;
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
    , path_(folder_ + QStringLiteral("/journal"))
    , maxBundleBytes_(maxBundleBytes)
    , partBytes_(partBytes) {}

Inbox::~Inbox() {
    if (fd_ >= 0)
        ::close(fd_);
}

Status Inbox::open() {
    std::lock_guard lock(mutex_);
    if (!QDir().mkpath(folder_))
        return Error{QStringLiteral("cannot create the relay's inbox %1").arg(folder_)};
    fd_ = ::open(QFile::encodeName(path_).constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0)
        return Error{QStringLiteral("cannot open the relay's inbox %1: %2")
                         .arg(path_, QString::fromLocal8Bit(std::strerror(errno)))};
    struct stat st = {};
    if (::fstat(fd_, &st) != 0)
        return Error{QStringLiteral("cannot read the relay's inbox %1").arg(path_)};
    const qint64 fileSize = st.st_size;
    // Replays the journal: parts kept, bundles taken. It ends at the first record that is cut
    // short or fails its check.
    qint64 at = 0;
    QByteArray head(kHeadBytes, '\0');
    QByteArray payload;
    while (at + kHeadBytes <= fileSize && readAll(fd_, head.data(), kHeadBytes, at)) {
        const char kind = head[4];
        const qint64 length = qFromLittleEndian<quint32>(head.constData() + 80);
        if (std::memcmp(head.constData(), kMagic, 4) != 0 || (kind != kPart && kind != kTaken) ||
            length > partBytes_ || at + kHeadBytes + length > fileSize)
            break;
        payload.resize(length);
        if (!readAll(fd_, payload.data(), length, at + kHeadBytes) ||
            checkOf(head.left(kCheckAt), payload.constData(), length) != head.mid(kCheckAt))
            break;
        const QString sender = QString::fromLatin1(head.mid(8, 32).toHex());
        PartHeader h;
        h.bundle = QString::fromLatin1(head.mid(40, 32).toHex());
        h.part = static_cast<int>(qFromLittleEndian<quint32>(head.constData() + 72));
        h.parts = static_cast<int>(qFromLittleEndian<quint32>(head.constData() + 76));
        h.resend = (head[5] & 1) != 0;
        const QString key = sender + h.bundle;
        if (kind == kTaken) {
            if (const auto it = entries_.constFind(key); it != entries_.constEnd()) {
                for (int n : it->lengths)
                    liveBytes_ -= n;
                entries_.erase(it);
            }
            taken_.insert(key);
        } else if (!taken_.contains(key) && h.parts >= 1 && h.part >= 0 && h.part < h.parts &&
                   qint64(h.parts - 1) * partBytes_ <= maxBundleBytes_) {
            auto it = entries_.find(key);
            if (it == entries_.end()) {
                Entry e;
                e.sender = sender;
                e.bundle = h.bundle;
                e.parts = h.parts;
                e.resend = h.resend;
                e.arrival = nextArrival_++;
                e.offsets = QList<qint64>(h.parts, -1);
                e.lengths = QList<int>(h.parts, 0);
                it = entries_.insert(key, e);
            }
            if (it->parts == h.parts && it->offsets[h.part] < 0) {
                it->offsets[h.part] = at + kHeadBytes;
                it->lengths[h.part] = static_cast<int>(length);
                ++it->count;
                liveBytes_ += length;
            }
        }
        at += kHeadBytes + length;
    }
    size_ = at;
    // What follows the last good record never reached the broker's acknowledgement.
    if (at < fileSize && ::ftruncate(fd_, at) != 0)
        return Error{QStringLiteral("cannot repair the relay's inbox %1").arg(path_)};
    if (entries_.isEmpty() && size_ > 0 && ::ftruncate(fd_, 0) == 0)
        size_ = 0;
    return success();
}

Status Inbox::append(char kind, const QString& senderHex, const PartHeader& header,
                     const QByteArray& payload, bool sync, qint64* payloadOffset) {
    const QByteArray bytes =
        record(kind, QByteArray::fromHex(senderHex.toLatin1()), header, payload);
    if (fd_ < 0 || !writeAll(fd_, bytes.constData(), bytes.size(), size_) ||
        (sync && ::fdatasync(fd_) != 0)) {
        const QString why = QString::fromLocal8Bit(std::strerror(errno));
        if (fd_ >= 0)
            (void)::ftruncate(fd_, size_); // no half record for the next one to follow
        return Error{QStringLiteral("cannot keep a received part in %1: %2").arg(path_, why)};
    }
    if (payloadOffset)
        *payloadOffset = size_ + kHeadBytes;
    size_ += bytes.size();
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
    if (it != entries_.end() && header.parts != it->parts)
        return Error{QStringLiteral("a part of bundle %1 says it has %2 parts, not %3")
                         .arg(header.bundle.left(12))
                         .arg(header.parts)
                         .arg(it->parts)};
    if (it != entries_.end() && it->offsets[header.part] >= 0)
        return success(); // delivered again (QoS 1 is at least once)
    qint64 offset = 0;
    if (Status s = append(kPart, senderHex, header, bytes, true, &offset); !s)
        return s;
    if (it == entries_.end()) {
        Entry e;
        e.sender = senderHex;
        e.bundle = header.bundle;
        e.parts = header.parts;
        e.resend = header.resend;
        e.arrival = nextArrival_++;
        e.offsets = QList<qint64>(e.parts, -1);
        e.lengths = QList<int>(e.parts, 0);
        it = entries_.insert(key, e);
    }
    it->offsets[header.part] = offset;
    it->lengths[header.part] = static_cast<int>(bytes.size());
    ++it->count;
    liveBytes_ += bytes.size();
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
    std::lock_guard lock(mutex_);
    const auto it = entries_.constFind(bundle.sender + bundle.bundle);
    if (it == entries_.constEnd() || it->count != it->parts)
        return Error{QStringLiteral("bundle %1 is not whole").arg(bundle.bundle.left(12))};
    qint64 total = 0;
    for (int n : it->lengths)
        total += n;
    QByteArray bytes(total, Qt::Uninitialized);
    qint64 at = 0;
    for (int i = 0; i < it->parts; ++i) {
        if (!readAll(fd_, bytes.data() + at, it->lengths[i], it->offsets[i]))
            return Error{QStringLiteral("cannot read %1").arg(path_)};
        at += it->lengths[i];
    }
    if (QString::fromLatin1(share::crypto::sha256(bytes).toHex()) != bundle.bundle)
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
    for (int n : it->lengths)
        liveBytes_ -= n;
    PartHeader h;
    h.bundle = it->bundle;
    h.parts = it->parts;
    taken_.insert(it.key());
    entries_.erase(it);
    if (entries_.isEmpty()) {
        // Nothing waits: the journal starts again. (Lost in a crash, the marks of what was
        // taken let some bundles be applied again: the sharing log recognises them.)
        if (::ftruncate(fd_, 0) == 0)
            size_ = 0;
        return;
    }
    // Not flushed: a mark lost in a crash costs a bundle recognised as applied, nothing more.
    (void)append(kTaken, bundle.sender, h, {}, false, nullptr);
    if (size_ > compactBytes_ && liveBytes_ * 4 < size_)
        compact();
}

void Inbox::compact() {
    const QString tmp = path_ + QStringLiteral(".new");
    const int fd =
        ::open(QFile::encodeName(tmp).constData(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    qint64 at = 0;
    QHash<QString, QList<qint64>> moved;
    bool ok = true;
    for (auto it = entries_.cbegin(); ok && it != entries_.cend(); ++it) {
        QList<qint64> offsets = it->offsets;
        for (int i = 0; ok && i < it->parts; ++i) {
            if (it->offsets[i] < 0)
                continue;
            QByteArray payload(it->lengths[i], Qt::Uninitialized);
            PartHeader h{it->bundle, i, it->parts, it->resend};
            ok = readAll(fd_, payload.data(), payload.size(), it->offsets[i]);
            const QByteArray bytes =
                record(kPart, QByteArray::fromHex(it->sender.toLatin1()), h, payload);
            ok = ok && writeAll(fd, bytes.constData(), bytes.size(), at);
            offsets[i] = at + kHeadBytes;
            at += bytes.size();
        }
        moved.insert(it.key(), offsets);
    }
    // The new journal replaces the old only once it is on disk whole.
    if (!ok || ::fdatasync(fd) != 0 ||
        ::rename(QFile::encodeName(tmp).constData(), QFile::encodeName(path_).constData()) != 0) {
        ::close(fd);
        ::unlink(QFile::encodeName(tmp).constData());
        return;
    }
    syncFolder(folder_);
    ::close(fd_);
    fd_ = fd;
    size_ = at;
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
        it->offsets = moved.value(it.key());
}

int Inbox::partsHeld() const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const Entry& e : entries_)
        n += e.count;
    return n;
}

qint64 Inbox::journalBytes() const {
    std::lock_guard lock(mutex_);
    return size_;
}

} // namespace tessera::relay
