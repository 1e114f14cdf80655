// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "share/ContactBook.h"

#include "share/Cbor.h"

#include <QCborArray>
#include <QCborMap>
#include <QFile>
#include <QSaveFile>

namespace tessera::share {

namespace {
constexpr char kFormat[] = "tessera-contacts/1";
constexpr qsizetype kMaxBookBytes = 64 * 1024 * 1024;
} // namespace

Result<ContactBook> ContactBook::load(const QString& path) {
    ContactBook book;
    book.path_ = path;
    QFile file(path);
    if (!file.exists())
        return book;
    if (!file.open(QIODevice::ReadOnly))
        return Error{
            QStringLiteral("%1: cannot read the contact book (%2)").arg(path, file.errorString())};
    if (file.size() > kMaxBookBytes)
        return Error{QStringLiteral("%1: too large for a contact book").arg(path)};
    Result<QCborValue> value = cbor::decodeStrict(file.readAll(), "contact book");
    const QCborMap m = value ? value.value().toMap() : QCborMap();
    if (!value || m[QStringLiteral("format")].toString() != QLatin1String(kFormat))
        return Error{QStringLiteral("%1: not a Tessera contact book").arg(path)};
    for (const QCborValue& r : m[QStringLiteral("revoked")].toArray()) {
        const QCborMap e = r.toMap();
        Revoked entry{e[QStringLiteral("fingerprint")].toByteArray(),
                      QDateTime::fromMSecsSinceEpoch(e[QStringLiteral("at")].toInteger(), Qt::UTC),
                      e[QStringLiteral("reason")].toString(),
                      e[QStringLiteral("statement")].toByteArray()};
        if (entry.fingerprint.size() != crypto::kSha256Bytes)
            return Error{QStringLiteral("%1: a revocation entry is damaged").arg(path)};
        book.revoked_.append(entry);
    }
    for (const QCborValue& c : m[QStringLiteral("cards")].toArray()) {
        Result<ContactCard> card = ContactCard::fromBytes(c.toByteArray());
        if (!card)
            return Error{QStringLiteral("%1: a stored card no longer verifies: %2")
                             .arg(path, card.error().message)};
        if (book.standing(card.value().fingerprint()) != Standing::Revoked)
            book.cards_.append(card.value());
    }
    return book;
}

Status ContactBook::save() const {
    if (path_.isEmpty())
        return Error{QStringLiteral("this contact book has no file")};
    QCborArray cards;
    for (const ContactCard& c : cards_)
        cards.append(c.encoded);
    QCborArray revoked;
    for (const Revoked& r : revoked_) {
        QCborMap e;
        e.insert(QStringLiteral("fingerprint"), r.fingerprint);
        e.insert(QStringLiteral("at"), r.at.toMSecsSinceEpoch());
        e.insert(QStringLiteral("reason"), r.reason);
        e.insert(QStringLiteral("statement"), r.statement);
        revoked.append(e);
    }
    QCborMap m;
    m.insert(QStringLiteral("format"), QString::fromLatin1(kFormat));
    m.insert(QStringLiteral("cards"), cards);
    m.insert(QStringLiteral("revoked"), revoked);
    QSaveFile file(path_);
    if (!file.open(QIODevice::WriteOnly))
        return Error{QStringLiteral("%1: cannot write (%2)").arg(path_, file.errorString())};
    file.write(m.toCborValue().toCbor());
    if (!file.commit())
        return Error{QStringLiteral("%1: cannot write (%2)").arg(path_, file.errorString())};
    return success();
}

Result<ContactCard> ContactBook::importCard(const ContactCard& given,
                                            const QString& typedFingerprint) {
    // Read again from its bytes: only what the signature covers is trusted.
    Result<ContactCard> card = ContactCard::fromBytes(given.encoded);
    if (!card)
        return card.error();
    const QByteArray fp = card.value().fingerprint();
    if (standing(fp) == Standing::Revoked)
        return Error{QStringLiteral("the keys of %1 (%2) have been revoked; the card is refused")
                         .arg(card.value().profile.stationName, formatFingerprint(fp))};
    if (Status s = checkTypedFingerprint(fp, typedFingerprint); !s)
        return s.error();
    for (ContactCard& existing : cards_)
        if (existing.fingerprint() == fp) {
            existing = card.value();
            return card;
        }
    cards_.append(card.value());
    return card;
}

void ContactBook::markRevoked(Revoked r) {
    cards_.removeIf([&](const ContactCard& c) { return c.fingerprint() == r.fingerprint; });
    for (const Revoked& existing : revoked_)
        if (existing.fingerprint == r.fingerprint)
            return;
    revoked_.append(std::move(r));
}

Result<Revocation> ContactBook::applyRevocation(const QByteArray& statement) {
    Result<Revocation> r = Revocation::fromBytes(statement);
    if (!r)
        return r.error();
    markRevoked({r.value().fingerprint, r.value().revokedAt, r.value().reason, statement});
    return r;
}

Status ContactBook::revokeLocally(const QByteArray& fingerprint, const QString& reason) {
    if (fingerprint.size() != crypto::kSha256Bytes)
        return Error{QStringLiteral("a fingerprint is 32 bytes")};
    markRevoked({fingerprint, QDateTime::currentDateTimeUtc(), reason, {}});
    return success();
}

ContactBook::Standing ContactBook::standing(const QByteArray& fingerprint) const {
    for (const Revoked& r : revoked_)
        if (r.fingerprint == fingerprint)
            return Standing::Revoked;
    for (const ContactCard& c : cards_)
        if (c.fingerprint() == fingerprint)
            return Standing::Trusted;
    return Standing::Unknown;
}

std::optional<ContactCard> ContactBook::find(const QByteArray& fingerprint) const {
    if (standing(fingerprint) != Standing::Trusted)
        return std::nullopt;
    for (const ContactCard& c : cards_)
        if (c.fingerprint() == fingerprint)
            return c;
    return std::nullopt;
}

Result<ContactCard> ContactBook::lookup(const QString& key) const {
    QString hex = key;
    hex.remove(QLatin1Char(' '));
    hex = hex.toUpper();
    QList<ContactCard> found;
    for (const ContactCard& c : cards_) {
        const bool byName =
            c.profile.stationName.compare(key.simplified(), Qt::CaseInsensitive) == 0;
        const bool byPrint = hex.size() >= 8 &&
                             QString::fromLatin1(c.fingerprint().toHex().toUpper()).startsWith(hex);
        if (byName || byPrint)
            found.append(c);
    }
    if (found.isEmpty())
        return Error{QStringLiteral("no trusted contact '%1'").arg(key)};
    if (found.size() > 1)
        return Error{QStringLiteral("'%1' matches %2 contacts; give more of the fingerprint")
                         .arg(key)
                         .arg(found.size())};
    return found.first();
}

} // namespace tessera::share
