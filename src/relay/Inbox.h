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
/// folder per bundle, each part written and flushed to disk before the broker is told it
/// arrived (libmosquitto acknowledges a QoS 1 message when the message callback returns), so a
/// station killed at any moment has lost nothing the broker let go of. A bundle is taken once
/// every part is there, in the order the bundles began to arrive (the broker keeps a sender's
/// messages in order), and checked against its hash.
///
/// Threads: store() on the network thread, the rest on the relay's; a mutex keeps them apart.
class Inbox {
public:
    /// `maxBundleBytes`: the largest bundle taken (share::BundleLimits); `partBytes` the largest
    /// part; together they bound the parts a bundle may claim.
    Inbox(QString folder, qint64 maxBundleBytes, int partBytes);

    /// Creates the folder, or reads what an earlier run left in it.
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

private:
    struct Entry {
        QString sender;
        QString bundle;
        QString folder;
        int parts = 0;
        bool resend = false;
        qint64 arrival = 0;
        QList<bool> have;
        int count = 0;
    };
    QString folder_;
    qint64 maxBundleBytes_;
    int partBytes_;
    mutable std::mutex mutex_;
    QHash<QString, Entry> entries_; ///< by sender + bundle
    /// Bundles taken in this run: a part of one delivered again is not kept a second time.
    QSet<QString> taken_;
    qint64 nextArrival_ = 1;
};

} // namespace tessera::relay
