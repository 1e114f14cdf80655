// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Helpers for the sharing tests that play a peer: payloads signed by the peer that sends them.

#include "TestSupport.h"
#include "share/BundleRecords.h"
#include "share/ContactBook.h"
#include "share/Identity.h"

#include <QCborMap>

#include <catch2/catch.hpp>

namespace tessera::test {

/// A contact book that trusts each of `ids`, their fingerprints checked as an operator would.
inline share::ContactBook bookWith(const QList<const share::Identity*>& ids) {
    share::ContactBook book;
    for (const share::Identity* id : ids)
        REQUIRE(book.importCard(id->card(), id->card().fingerprintText()).ok());
    return book;
}

/// The payload a peer sends after signing `records` itself as their writer (all written by one
/// station, `writer`'s): what a trusted peer whose build skips a check can send. `seq` numbers
/// the batch; a peer's real batches start at 1, so a high number keeps the two apart.
inline QByteArray signedPayload(const share::Identity& writer, QList<share::SharedRecord> records,
                                qint64 seq = 1000, const QString& missionId = kSharedMissionId) {
    using namespace share;
    QList<SharedRecord*> versions;
    for (SharedRecord& r : records)
        versions.append(&r);
    const QString station = records.isEmpty() ? QString() : records.first().station;
    Result<QList<RecordBatch>> batches = signVersions(writer, missionId, station, seq, versions);
    REQUIRE(batches.ok());
    return encodePayload({records, batches.value()});
}

/// Makes `r` a new version by `station` at `updated`, as a peer's build would write it: its
/// stamp and writer, and its version vector built on the one it had.
inline void restamp(share::SharedRecord& r, const QString& station, qint64 updated) {
    r.station = station;
    r.updated = updated;
    r.value.insert(QStringLiteral("station"), station);
    r.value.insert(QStringLiteral("updated"), updated);
    QCborMap vv = r.value[QStringLiteral("vv")].toMap();
    vv.insert(station, updated);
    r.value.insert(QStringLiteral("vv"), vv);
}

/// The records of a decrypted payload (which must decode).
inline QList<share::SharedRecord> payloadRecords(const QByteArray& payload) {
    Result<share::Payload> p = share::decodePayload(payload, 1 << 20);
    REQUIRE(p.ok());
    return p.value().records;
}

} // namespace tessera::test
