// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "share/ContactBook.h"
#include "share/Identity.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>

namespace tessera::share {

/// Per station (UUID), the highest HLC stamp of its changes that a station holds: what the
/// sender of a bundle knew when it made it.
using Knowledge = QMap<QString, qint64>;

/// How much a reader accepts before it refuses a bundle as oversized. Tests lower them.
struct BundleLimits {
    qint64 maxBundleBytes = 512LL * 1024 * 1024;   ///< the whole file
    qint64 maxHeaderBytes = 1024 * 1024;           ///< the signed header
    qint64 maxPayloadBytes = 1024LL * 1024 * 1024; ///< the decompressed payload
    int maxRecipients = 1024;
};

/// What the sender puts in a bundle, besides the payload.
struct BundleHeader {
    QString id;        ///< UUID; a receiver refuses an id it has seen (replay)
    QDateTime created; ///< UTC, milliseconds
    QByteArray sender; ///< the sender's fingerprint
    QList<QByteArray> recipients;
    Knowledge knows;
    /// The mission the records belong to (store::MissionInfo::id) and whether it is an
    /// exercise: a receiver applies a bundle only to the mission of that id, and never an
    /// exercise's records to a real mission or the other way round.
    QString mission;
    bool exercise = false;
};

/// A mission id a bundle may carry: printable ASCII, 1 to 200 characters, no outer spaces.
bool isMissionId(const QString& id);

/// A bundle that passed every check: signed by a trusted, unrevoked sender, addressed to us,
/// intact, decrypted and decompressed.
struct OpenedBundle {
    BundleHeader header;
    ContactCard sender;
    QByteArray payload; ///< the decompressed CBOR payload
};

/// The bundle file format, version 1 (docs/formats/bundle.md): magic and version, a CBOR
/// header (ids, fingerprints, what the sender knew, the content key wrapped for each
/// recipient), the sender's Ed25519 signature over the prefix, the header and the payload's
/// SHA-256, then the payload compressed (zlib) and encrypted once under a random content key
/// (AES-256-GCM, with the prefix and header as associated data).
///
/// sealBundle() makes one; openBundle() checks, in this order: size limits, magic, version,
/// bounds, header syntax, that it is addressed to `me`, that the sender is trusted and not
/// revoked, the signature (before anything is decrypted), then unwraps the key and decrypts. Each
/// refusal says which check failed, in stable words ("oversized", "truncated", "not a Tessera
/// bundle", "unsupported version", "not addressed to this station", "unknown sender", "revoked",
/// "tampered").
///
/// Threads: functions of their arguments; any thread.
Result<QByteArray> sealBundle(const BundleHeader& header, const QByteArray& payload,
                              const Identity& sender, const QList<ContactCard>& recipients);
Result<OpenedBundle> openBundle(const QByteArray& bytes, const Identity& me,
                                const ContactBook& book, const BundleLimits& limits = {});

/// The 4-byte magic and the format version this build writes and reads.
inline constexpr char kBundleMagic[] = "TSRB";
inline constexpr quint16 kBundleVersion = 2;

} // namespace tessera::share
