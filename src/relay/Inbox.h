// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>

#include <mutex>

namespace tessera::relay {

/// One MQTT message of a bundle split for the broker (docs/deployment.md, "Messages"): which
/// bundle (the SHA-256 of its bytes, hex), which part, of how many. Travels as MQTT 5 user
/// properties beside the part's bytes.
struct PartHeader {
    QString bundle; ///< 64 lower-case hex digits
    int part = 0;   ///< 0-based
    int parts = 1;
    /// The sender asks the receiver to send again everything it lacks, from what this bundle
    /// says the sender holds (its session at the broker was lost, or it is new).
    bool resend = false;
};

/// A bundle file split into parts of at most `partBytes` (at least one part, even when empty).
struct Part {
    PartHeader header;
    QByteArray bytes;
};
QList<Part> splitBundle(const QByteArray& bundle, int partBytes, bool resend = false);

/// Where a station keeps the parts it received until each bundle is whole and applied: one
/// append-only journal file, each part appended and flushed to disk (fdatasync) before the
/// broker is told it arrived (libmosquitto acknowledges a QoS 1 message when the message
/// callback returns), so a station killed at any moment has lost nothing the broker let go of.
/// A bundle is taken once every part is there, in the order the bundles began to arrive (the
/// broker keeps a sender's messages in order), and checked against its hash; a taken bundle is
/// marked in the journal, which is emptied whenever nothing in it is waiting and rewritten when
/// what waits is a small part of it.
///
/// Why a journal: a folder and files per bundle cost a directory entry created, flushed and
/// removed per bundle, which at 60 stations was a quarter of the relay's time (perf, in
/// docs/benchmarks.md); appending to one open file costs one flush.
///
/// Each record: a 96-byte head (magic, kind, flags, sender and bundle hashes, part, parts,
/// length, and the first 16 bytes of the SHA-256 of the head and the payload), then the
/// payload. A record cut short or damaged (a crash while it was written: the broker was not told
/// it arrived and delivers it again) ends the journal there.
///
/// Threads: store() on the network thread, the rest on the relay's; a mutex keeps them apart.
class Inbox {
public:
    /// `maxBundleBytes`: the largest bundle taken (share::BundleLimits); `partBytes` the largest
    /// part; together they bound the parts a bundle may claim.
    Inbox(QString folder, qint64 maxBundleBytes, int partBytes);
    ~Inbox();
    Inbox(const Inbox&) = delete;
    Inbox& operator=(const Inbox&) = delete;

    /// Creates the folder and the journal, or reads what an earlier run left in it.
    Status open();

    /// Keeps one part from `senderHex` (the fingerprint the topic names). Refuses a header that
    /// is out of bounds; a part already held is kept once.
    Status store(const QString& senderHex, const PartHeader& header, const QByteArray& bytes);

    struct Whole {
        QString sender; ///< fingerprint, hex
        QString bundle; ///< hash, hex
        bool resend = false;
        qint64 arrival = 0;
    };
    /// The bundles whose parts are all here, in arrival order.
    [[nodiscard]] QList<Whole> whole() const;
    /// The bundle's bytes, checked against its hash.
    Result<QByteArray> assemble(const Whole& bundle) const;
    /// Forgets a bundle (applied, or refused for good).
    void remove(const Whole& bundle);
    /// Parts held, over all bundles not yet whole or applied.
    [[nodiscard]] int partsHeld() const;
    /// The journal's size in bytes (for tests and the status).
    [[nodiscard]] qint64 journalBytes() const;
    /// A journal longer than this whose waiting parts are under a quarter of it is rewritten
    /// (64 MiB unless a test says otherwise).
    void setCompactBytes(qint64 bytes) { compactBytes_ = bytes; }

private:
    struct Entry {
        QString sender;
        QString bundle;
        int parts = 0;
        bool resend = false;
        qint64 arrival = 0;
        QList<qint64> offsets; ///< each part's payload in the journal; -1 while missing
        QList<int> lengths;
        int count = 0;
    };
    /// Appends a record; `sync` flushes it to disk first. Called with the mutex held.
    Status append(char kind, const QString& senderHex, const PartHeader& header,
                  const QByteArray& payload, bool sync, qint64* payloadOffset);
    /// Rewrites the journal with only what waits (mutex held).
    void compact();
    QString folder_;
    QString path_;
    qint64 maxBundleBytes_;
    int partBytes_;
    int fd_ = -1;
    qint64 size_ = 0;      ///< the journal's length: where the next record goes
    qint64 liveBytes_ = 0; ///< bytes of parts still waiting
    qint64 compactBytes_ = 64 * 1024 * 1024;
    mutable std::mutex mutex_;
    QHash<QString, Entry> entries_; ///< by sender + bundle
    /// Bundles taken in this run: a part of one delivered again is not kept a second time.
    QSet<QString> taken_;
    qint64 nextArrival_ = 1;
};

} // namespace tessera::relay
