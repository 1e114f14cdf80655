// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "share/ContactBook.h"

#include "share/Cbor.h"

#include <QCborArray>
#include <QCborMap>
#include <QFile>
#include <QSaveFile>

#include <algorithm>

namespace tessera::share {

namespace {
/// The signed form, ["tessera-contacts/2", body, signature].
constexpr char kFormat[] = "tessera-contacts/2";
/// The unsigned form of earlier Tessera versions: a bare CBOR map.
constexpr char kUnsignedFormat[] = "tessera-contacts/1";
constexpr qsizetype kMaxBookBytes = 64 * 1024 * 1024;

/// What the book's signature covers: the format tag, then the body. The tag keeps a signature
/// made for a contact book from being good for anything else this key signs (cards,
/// revocations, bundles), whose bodies are signed without it.
QByteArray signedMessage(const QByteArray& body) {
    return QByteArray(kFormat) + '\0' + body;
}

QCborArray stringArray(const QStringList& list) {
    QCborArray a;
    for (const QString& s : list)
        a.append(s);
    return a;
}

/// Valid, upper-case, sorted, without duplicates; an error naming the first bad one.
Result<QStringList> canonicalTokens(const QStringList& tokens) {
    QStringList out;
    for (const QString& t : tokens) {
        const QString n = normalizeToken(t);
        if (n.isEmpty())
            return Error{QStringLiteral("'%1' is not a valid caveat").arg(t)};
        if (!out.contains(n))
            out.append(n);
    }
    std::sort(out.begin(), out.end());
    return out;
}

QString listOrNone(const QStringList& list) {
    return list.isEmpty() ? QStringLiteral("none") : list.join(QStringLiteral(", "));
}

void diffList(QStringList& out, const char* what, const QStringList& before,
              const QStringList& after) {
    QStringList added;
    QStringList removed;
    for (const QString& s : after)
        if (!before.contains(s))
            added.append(s);
    for (const QString& s : before)
        if (!after.contains(s))
            removed.append(s);
    if (!added.isEmpty())
        out.append(QStringLiteral("%1 added: %2")
                       .arg(QString::fromLatin1(what), added.join(QStringLiteral(", "))));
    if (!removed.isEmpty())
        out.append(QStringLiteral("%1 removed: %2")
                       .arg(QString::fromLatin1(what), removed.join(QStringLiteral(", "))));
}

} // namespace

// ---- caps and differences ----

StationProfile applyCap(const StationProfile& claimed, const ProfileCap& cap) {
    StationProfile out = claimed;
    if (cap.clearance && *cap.clearance < out.clearance)
        out.clearance = *cap.clearance;
    if (cap.caveats)
        out.caveats.removeIf([&](const QString& c) { return !cap.caveats->contains(c); });
    return out;
}

QString describeCap(const ProfileCap& cap) {
    QStringList parts;
    if (cap.clearance)
        parts.append(QStringLiteral("clearance at most %1").arg(toString(*cap.clearance)));
    if (cap.caveats)
        parts.append(QStringLiteral("caveats only %1").arg(listOrNone(*cap.caveats)));
    return parts.isEmpty() ? QStringLiteral("none") : parts.join(QStringLiteral("; "));
}

QStringList profileDiff(const StationProfile& before, const StationProfile& after) {
    QStringList out;
    if (before.stationName != after.stationName)
        out.append(
            QStringLiteral("station name: %1 -> %2").arg(before.stationName, after.stationName));
    if (before.organisation != after.organisation)
        out.append(
            QStringLiteral("organisation: %1 -> %2").arg(before.organisation, after.organisation));
    diffList(out, "communities", before.communities, after.communities);
    if (before.clearance != after.clearance)
        out.append(QStringLiteral("clearance: %1 -> %2 (%3)")
                       .arg(toString(before.clearance), toString(after.clearance),
                            after.clearance > before.clearance ? QStringLiteral("higher")
                                                               : QStringLiteral("lower")));
    diffList(out, "caveats", before.caveats, after.caveats);
    return out;
}

// ---- the file ----

Result<ContactBook> ContactBook::load(const QString& path, const ContactCard& station) {
    return read(path, station, false);
}

Result<ContactBook> ContactBook::loadUnsignedForSigning(const QString& path,
                                                        const ContactCard& station) {
    return read(path, station, true);
}

Result<ContactBook> ContactBook::read(const QString& path, const ContactCard& station,
                                      bool acceptUnsigned) {
    if (station.signingKey.size() != crypto::kKeyBytes)
        return Error{QStringLiteral("%1: the contact book cannot be checked without this "
                                    "station's identity (its public card)")
                         .arg(path)};
    ContactBook book;
    book.path_ = path;
    book.stationKey_ = station.signingKey;
    QFile file(path);
    if (!file.exists())
        return book;
    if (!file.open(QIODevice::ReadOnly))
        return Error{
            QStringLiteral("%1: cannot read the contact book (%2)").arg(path, file.errorString())};
    if (file.size() > kMaxBookBytes)
        return Error{QStringLiteral("%1: too large for a contact book").arg(path)};
    Result<QCborValue> value = cbor::decodeStrict(file.readAll(), "contact book");
    if (!value)
        return Error{QStringLiteral("%1: not a Tessera contact book, or the contact book was "
                                    "altered or damaged (%2)")
                         .arg(path, value.error().message)};
    QByteArray body;
    if (value.value().isMap() && value.value().toMap()[QStringLiteral("format")].toString() ==
                                     QLatin1String(kUnsignedFormat)) {
        // Refused unless asked for by name: a signed book replaced by an unsigned one (with a
        // card added) must not load, and the file cannot tell a first upgrade from that.
        if (!acceptUnsigned)
            return Error{QStringLiteral("%1: the contact book is not signed (it was written by an "
                                        "earlier Tessera) and is refused: anyone who could write "
                                        "to its folder could have added a contact. Check its "
                                        "contacts and sign it with this station's key: "
                                        "tessera-cli contact sign-book")
                             .arg(path)};
        body = value.value().toCbor();
        book.wasUnsigned_ = true;
    } else {
        const QCborArray a = value.value().toArray();
        if (!value.value().isArray() || a.size() != 3 ||
            a[0].toString() != QLatin1String(kFormat) || !a[1].isByteArray() || !a[2].isByteArray())
            return Error{QStringLiteral("%1: not a Tessera contact book (or of a version this "
                                        "Tessera does not read)")
                             .arg(path)};
        body = a[1].toByteArray();
        if (!crypto::verify(station.signingKey, signedMessage(body), a[2].toByteArray())) {
            // Say whose key it is when the body names another one: the likely mistake is an
            // --identity that is not this book's station, not an attack.
            Result<QCborValue> named = cbor::decodeStrict(body, "contact book");
            const QByteArray signer =
                named ? named.value().toMap()[QStringLiteral("station_key")].toByteArray()
                      : QByteArray();
            if (signer.size() == crypto::kKeyBytes && signer != station.signingKey &&
                crypto::verify(signer, signedMessage(body), a[2].toByteArray()))
                return Error{QStringLiteral("%1: the contact book is signed by another station's "
                                            "key, not by this station (%2): is the identity the "
                                            "right one?")
                                 .arg(path, station.profile.stationName)};
            return Error{QStringLiteral("%1: the contact book was altered (its signature does not "
                                        "verify with this station's key) and is refused; restore "
                                        "it from a copy you trust, or import the cards again into "
                                        "a new one")
                             .arg(path)};
        }
    }
    if (Status s = book.readBody(body); !s)
        return Error{QStringLiteral("%1: %2").arg(path, s.error().message)};
    return book;
}

Status ContactBook::readBody(const QByteArray& body) {
    Result<QCborValue> value = cbor::decodeStrict(body, "contact book");
    if (!value || !value.value().isMap())
        return Error{QStringLiteral("the contact book's content is not readable")};
    const QCborMap m = value.value().toMap();
    for (const QCborValue& r : m[QStringLiteral("revoked")].toArray()) {
        const QCborMap e = r.toMap();
        Revoked entry{e[QStringLiteral("fingerprint")].toByteArray(),
                      QDateTime::fromMSecsSinceEpoch(e[QStringLiteral("at")].toInteger(), Qt::UTC),
                      e[QStringLiteral("reason")].toString(),
                      e[QStringLiteral("statement")].toByteArray()};
        if (entry.fingerprint.size() != crypto::kSha256Bytes)
            return Error{QStringLiteral("a revocation entry is damaged")};
        revoked_.append(entry);
    }
    for (const QCborValue& c : m[QStringLiteral("cards")].toArray()) {
        Result<ContactCard> card = ContactCard::fromBytes(c.toByteArray());
        if (!card)
            return Error{
                QStringLiteral("a stored card no longer verifies: %1").arg(card.error().message)};
        if (standing(card.value().fingerprint()) != Standing::Revoked)
            cards_.append(card.value());
    }
    for (const QCborValue& c : m[QStringLiteral("caps")].toArray()) {
        const QCborMap e = c.toMap();
        const QByteArray fp = e[QStringLiteral("fingerprint")].toByteArray();
        ProfileCap cap;
        if (e.contains(QStringLiteral("clearance"))) {
            cap.clearance = classificationFromString(e[QStringLiteral("clearance")].toString());
            if (!cap.clearance)
                return Error{QStringLiteral("a cap's clearance is not a known level")};
        }
        if (e.contains(QStringLiteral("caveats")))
            cap.caveats = cbor::stringList(e[QStringLiteral("caveats")]);
        if (fp.size() != crypto::kSha256Bytes || cap.isEmpty())
            return Error{QStringLiteral("a cap entry is damaged")};
        caps_.append({fp, cap});
    }
    return success();
}

Status ContactBook::save(const Identity& station) const {
    if (path_.isEmpty())
        return Error{QStringLiteral("this contact book has no file")};
    if (station.card().signingKey != stationKey_)
        return Error{QStringLiteral("%1: the contact book belongs to another station than %2")
                         .arg(path_, station.card().profile.stationName)};
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
    QCborArray caps;
    for (const auto& [fp, cap] : caps_) {
        QCborMap e;
        e.insert(QStringLiteral("fingerprint"), fp);
        if (cap.clearance)
            e.insert(QStringLiteral("clearance"), toString(*cap.clearance));
        if (cap.caveats)
            e.insert(QStringLiteral("caveats"), stringArray(*cap.caveats));
        caps.append(e);
    }
    QCborMap m;
    m.insert(QStringLiteral("station_key"), stationKey_);
    m.insert(QStringLiteral("written"), QDateTime::currentMSecsSinceEpoch());
    m.insert(QStringLiteral("cards"), cards);
    m.insert(QStringLiteral("revoked"), revoked);
    m.insert(QStringLiteral("caps"), caps);
    const QByteArray body = m.toCborValue().toCbor();
    Result<QByteArray> signature = station.sign(signedMessage(body));
    if (!signature)
        return signature.error();
    const QByteArray bytes =
        QCborArray{QString::fromLatin1(kFormat), body, signature.value()}.toCborValue().toCbor();
    QSaveFile file(path_);
    if (!file.open(QIODevice::WriteOnly))
        return Error{QStringLiteral("%1: cannot write (%2)").arg(path_, file.errorString())};
    // Who the station trusts, and how far, is nobody else's business on a shared machine.
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(bytes);
    if (!file.commit())
        return Error{QStringLiteral("%1: cannot write (%2)").arg(path_, file.errorString())};
    return success();
}

// ---- contacts ----

Result<ContactCard> ContactBook::importCard(const ContactCard& given,
                                            const QString& typedFingerprint, ProfileChange change) {
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
            const QStringList diff = profileDiff(existing.profile, card.value().profile);
            if (!diff.isEmpty() && change != ProfileChange::Accept)
                return Error{
                    QStringLiteral("the card of %1 has the keys of a trusted contact but "
                                   "another profile, and is refused unless you accept "
                                   "the change (the fingerprint covers the keys only):\n"
                                   "  %2")
                        .arg(existing.profile.stationName, diff.join(QStringLiteral("\n  ")))};
            existing = card.value();
            return capped(existing);
        }
    cards_.append(card.value());
    return capped(card.value());
}

QStringList ContactBook::profileChanges(const ContactCard& card) const {
    const QByteArray fp = card.fingerprint();
    for (const ContactCard& existing : cards_)
        if (existing.fingerprint() == fp)
            return profileDiff(existing.profile, card.profile);
    return {};
}

void ContactBook::markRevoked(Revoked r) {
    cards_.removeIf([&](const ContactCard& c) { return c.fingerprint() == r.fingerprint; });
    caps_.removeIf([&](const auto& c) { return c.first == r.fingerprint; });
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

Status ContactBook::setCap(const QByteArray& fingerprint, const ProfileCap& given) {
    if (standing(fingerprint) != Standing::Trusted)
        return Error{QStringLiteral("only a trusted contact can be capped")};
    ProfileCap cap = given;
    if (cap.caveats) {
        Result<QStringList> caveats = canonicalTokens(*cap.caveats);
        if (!caveats)
            return caveats.error();
        cap.caveats = caveats.value();
    }
    caps_.removeIf([&](const auto& c) { return c.first == fingerprint; });
    if (!cap.isEmpty())
        caps_.append({fingerprint, cap});
    return success();
}

std::optional<ProfileCap> ContactBook::cap(const QByteArray& fingerprint) const {
    for (const auto& [fp, cap] : caps_)
        if (fp == fingerprint)
            return cap;
    return std::nullopt;
}

ContactCard ContactBook::capped(const ContactCard& card) const {
    ContactCard out = card;
    if (std::optional<ProfileCap> c = cap(card.fingerprint()))
        out.profile = applyCap(card.profile, *c);
    return out;
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

std::optional<ContactCard> ContactBook::claimedCard(const QByteArray& fingerprint) const {
    if (standing(fingerprint) != Standing::Trusted)
        return std::nullopt;
    for (const ContactCard& c : cards_)
        if (c.fingerprint() == fingerprint)
            return c;
    return std::nullopt;
}

std::optional<ContactCard> ContactBook::find(const QByteArray& fingerprint) const {
    std::optional<ContactCard> c = claimedCard(fingerprint);
    if (!c)
        return std::nullopt;
    return capped(*c);
}

QList<ContactCard> ContactBook::contacts() const {
    QList<ContactCard> out;
    out.reserve(cards_.size());
    for (const ContactCard& c : cards_)
        out.append(capped(c));
    return out;
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
    return capped(found.first());
}

} // namespace tessera::share
