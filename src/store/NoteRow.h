// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The bundle keys of an incident's notes and attachments, as IncidentRow.h is for incidents:
// what sharing's reader writes and its apply reads. (Their rows are written by MissionStore and
// RemoteApply; the marking and stamps travel as every record's.)

#include "geo/Result.h"
#include "store/Mission.h"

#include <QByteArray>
#include <QCborMap>
#include <QString>

namespace tessera::store {

/// Attachment content travels in pieces of at most this size (docs/formats/bundle.md).
constexpr qsizetype kAttachmentChunkBytes = 1024 * 1024;

/// A note under its bundle keys: incident (its incident's uuid), author, text, written_at (ms).
void noteToWire(const IncidentNote& note, const QString& incidentUuid, QCborMap& wire);
struct WireNote {
    IncidentNote note; ///< its content; the caller sets uuid, marking and stamp
    QString incident;  ///< its incident's uuid
};
/// An error when it has no text.
Result<WireNote> noteFromWire(const QCborMap& wire);

/// An attachment under its bundle keys: incident, name, media_type, sha256, size, and its
/// content in chunks.
void attachmentToWire(const Attachment& attachment, const QString& incidentUuid,
                      const QByteArray& data, QCborMap& wire);
struct WireAttachment {
    Attachment attachment; ///< its description; the caller sets uuid, marking and stamp
    QString incident;
    QByteArray data; ///< its content, checked against the size and SHA-256 it names
};
/// An error when a field is missing or the content does not match its size and SHA-256.
Result<WireAttachment> attachmentFromWire(const QCborMap& wire);

} // namespace tessera::store
