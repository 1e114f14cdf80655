// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/NoteRow.h"

#include <QCborArray>
#include <QCryptographicHash>

namespace tessera::store {

void noteToWire(const IncidentNote& note, const QString& incidentUuid, QCborMap& wire) {
    wire.insert(QStringLiteral("incident"), incidentUuid);
    wire.insert(QStringLiteral("author"), note.author);
    wire.insert(QStringLiteral("text"), note.text);
    wire.insert(QStringLiteral("written_at"), note.writtenAt.toMSecsSinceEpoch());
}

Result<WireNote> noteFromWire(const QCborMap& wire) {
    WireNote n;
    n.incident = wire[QStringLiteral("incident")].toString();
    n.note.author = wire[QStringLiteral("author")].toString();
    n.note.text = wire[QStringLiteral("text")].toString();
    n.note.writtenAt =
        QDateTime::fromMSecsSinceEpoch(wire[QStringLiteral("written_at")].toInteger(), Qt::UTC);
    if (n.note.text.trimmed().isEmpty())
        return Error{QStringLiteral("a note needs text")};
    return n;
}

void attachmentToWire(const Attachment& a, const QString& incidentUuid, const QByteArray& data,
                      QCborMap& wire) {
    wire.insert(QStringLiteral("incident"), incidentUuid);
    wire.insert(QStringLiteral("name"), a.name);
    wire.insert(QStringLiteral("media_type"), a.mediaType);
    wire.insert(QStringLiteral("sha256"), a.sha256);
    wire.insert(QStringLiteral("size"), a.size);
    QCborArray chunks;
    for (qsizetype at = 0; at < data.size(); at += kAttachmentChunkBytes)
        chunks.append(data.mid(at, kAttachmentChunkBytes));
    wire.insert(QStringLiteral("chunks"), chunks);
}

Result<WireAttachment> attachmentFromWire(const QCborMap& wire) {
    WireAttachment w;
    Attachment& a = w.attachment;
    w.incident = wire[QStringLiteral("incident")].toString();
    a.name = wire[QStringLiteral("name")].toString();
    a.mediaType = wire[QStringLiteral("media_type")].toString();
    a.sha256 = wire[QStringLiteral("sha256")].toString();
    a.size = wire[QStringLiteral("size")].toInteger(-1);
    if (a.name.isEmpty() || a.sha256.size() != 64 || a.size < 0 ||
        !wire[QStringLiteral("chunks")].isArray())
        return Error{QStringLiteral("no name, content hash, size or content")};
    for (const QCborValue& chunk : wire[QStringLiteral("chunks")].toArray()) {
        if (!chunk.isByteArray() || chunk.toByteArray().size() > kAttachmentChunkBytes ||
            w.data.size() + chunk.toByteArray().size() > a.size)
            return Error{QStringLiteral("the content does not match its size")};
        w.data += chunk.toByteArray();
    }
    if (w.data.size() != a.size ||
        QString::fromLatin1(QCryptographicHash::hash(w.data, QCryptographicHash::Sha256).toHex()) !=
            a.sha256)
        return Error{QStringLiteral("the content does not match its SHA-256")};
    return w;
}

} // namespace tessera::store
