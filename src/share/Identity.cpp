// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "share/Identity.h"

#include "share/Cbor.h"
#include "share/Passphrase.h"

#include <QCborArray>
#include <QCborMap>
#include <QCborValue>
#include <QFile>
#include <QSaveFile>

namespace tessera::share {

using crypto::SecretBytes;

namespace {

constexpr char kCardTag[] = "tessera-card/1";
constexpr char kRevocationTag[] = "tessera-revocation/1";
constexpr char kIdentityTag[] = "tessera-identity/1";
constexpr char kTextPrefix[] = "tessera-card:";
constexpr qsizetype kMaxCardBytes = 16 * 1024;
constexpr qsizetype kMaxIdentityBytes = 64 * 1024;
constexpr int kMaxTokens = 64;
constexpr int kMaxNameLength = 200;
/// Refuse to spend more than this on scrypt for a file from elsewhere: scrypt needs 128 N r
/// bytes, so N r <= 2^21 is at most 256 MiB (the default, 2^15 x 8, is 32 MiB).
constexpr quint64 kMaxScryptN = 1u << 20;
constexpr quint64 kMaxScryptNr = 1u << 21;

Result<QStringList> checkTokens(const QStringList& list, const char* what) {
    if (list.size() > kMaxTokens)
        return Error{QStringLiteral("too many %1").arg(QString::fromLatin1(what))};
    QStringList out;
    for (const QString& t : list) {
        const QString n = normalizeToken(t);
        if (n.isEmpty() || n.size() > kMaxNameLength)
            return Error{
                QStringLiteral("'%1' is not a valid %2").arg(t, QString::fromLatin1(what))};
        if (!out.contains(n))
            out.append(n);
    }
    std::sort(out.begin(), out.end());
    return out;
}

/// The profile in canonical form, or what is wrong with it.
Result<StationProfile> checkProfile(const StationProfile& p) {
    StationProfile out = p;
    out.stationName = p.stationName.simplified();
    if (out.stationName.isEmpty() || out.stationName.size() > kMaxNameLength)
        return Error{QStringLiteral("a station needs a name (at most 200 characters)")};
    out.organisation = normalizeToken(p.organisation);
    if (out.organisation.isEmpty())
        return Error{QStringLiteral("'%1' is not a nation or organisation code (letters, digits, "
                                    "spaces, '-', '_')")
                         .arg(p.organisation)};
    Result<QStringList> communities = checkTokens(p.communities, "community");
    if (!communities)
        return communities.error();
    out.communities = communities.value();
    Result<QStringList> caveats = checkTokens(p.caveats, "caveat");
    if (!caveats)
        return caveats.error();
    out.caveats = caveats.value();
    return out;
}

QCborArray stringArray(const QStringList& list) {
    QCborArray a;
    for (const QString& s : list)
        a.append(s);
    return a;
}

QByteArray cardBody(const ContactCard& c) {
    QCborMap m;
    m.insert(QStringLiteral("station"), c.profile.stationName);
    m.insert(QStringLiteral("organisation"), c.profile.organisation);
    m.insert(QStringLiteral("communities"), stringArray(c.profile.communities));
    m.insert(QStringLiteral("clearance"), toString(c.profile.clearance));
    m.insert(QStringLiteral("caveats"), stringArray(c.profile.caveats));
    m.insert(QStringLiteral("signing_key"), c.signingKey);
    m.insert(QStringLiteral("agreement_key"), c.agreementKey);
    m.insert(QStringLiteral("created"), c.created.toMSecsSinceEpoch());
    return m.toCborValue().toCbor();
}

QByteArray signedEnvelope(const char* tag, const QByteArray& body, const QByteArray& signature) {
    return QCborArray{QString::fromLatin1(tag), body, signature}.toCborValue().toCbor();
}

/// [tag, body, signature] from `bytes`, strictly: nothing before or after, the right tag.
Result<std::pair<QByteArray, QByteArray>> openEnvelope(const QByteArray& bytes, const char* tag,
                                                       const char* what) {
    Result<QCborValue> value = cbor::decodeStrict(bytes, what);
    if (!value)
        return value.error();
    const QCborArray a = value.value().toArray();
    if (!value.value().isArray() || a.size() != 3 || a[0].toString() != QLatin1String(tag) ||
        !a[1].isByteArray() || !a[2].isByteArray())
        return Error{QStringLiteral("not a %1 (or of a version this Tessera does not read)")
                         .arg(QString::fromLatin1(what))};
    return std::pair{a[1].toByteArray(), a[2].toByteArray()};
}

QByteArray base64url(const QByteArray& b) {
    return b.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

} // namespace

// ---- fingerprints ----

QString formatFingerprint(const QByteArray& fingerprint) {
    const QString hex = QString::fromLatin1(fingerprint.toHex().toUpper());
    QStringList groups;
    for (qsizetype k = 0; k < hex.size(); k += 4)
        groups.append(hex.mid(k, 4));
    return groups.join(QLatin1Char(' '));
}

Status checkTypedFingerprint(const QByteArray& fingerprint, const QString& typed) {
    QByteArray digits;
    for (const QChar c : typed) {
        if (c.isSpace() || c == QLatin1Char('-') || c == QLatin1Char(':'))
            continue;
        const char l = c.toUpper().toLatin1();
        if (!((l >= '0' && l <= '9') || (l >= 'A' && l <= 'F')))
            return Error{QStringLiteral("the fingerprint you typed holds '%1', which is not a "
                                        "hex digit")
                             .arg(c)};
        digits.append(l);
    }
    if (digits.size() < 32)
        return Error{QStringLiteral("type at least the first 32 hex digits (8 groups) of the "
                                    "fingerprint; you typed %1")
                         .arg(digits.size())};
    const QByteArray expected = fingerprint.toHex().toUpper();
    if (digits.size() > expected.size() ||
        !crypto::constantTimeEqual(digits, expected.left(digits.size())))
        return Error{QStringLiteral("the fingerprint you typed does not match the card's: do not "
                                    "trust this card")};
    return success();
}

// ---- contact cards ----

QByteArray ContactCard::fingerprint() const {
    return crypto::sha256(signingKey + agreementKey);
}

QString ContactCard::fingerprintText() const {
    return formatFingerprint(fingerprint());
}

QString ContactCard::text() const {
    return QString::fromLatin1(kTextPrefix) + QString::fromLatin1(base64url(encoded));
}

Result<ContactCard> ContactCard::fromBytes(const QByteArray& bytes) {
    if (bytes.size() > kMaxCardBytes)
        return Error{QStringLiteral("the contact card is too large (%1 bytes; at most %2)")
                         .arg(bytes.size())
                         .arg(kMaxCardBytes)};
    auto envelope = openEnvelope(bytes, kCardTag, "contact card");
    if (!envelope)
        return envelope.error();
    const auto& [body, signature] = envelope.value();
    Result<QCborValue> parsed = cbor::decodeStrict(body, "contact card");
    if (!parsed || !parsed.value().isMap())
        return Error{QStringLiteral("the contact card's content is not readable")};
    const QCborMap m = parsed.value().toMap();
    ContactCard card;
    card.signingKey = m[QStringLiteral("signing_key")].toByteArray();
    card.agreementKey = m[QStringLiteral("agreement_key")].toByteArray();
    if (card.signingKey.size() != crypto::kKeyBytes ||
        card.agreementKey.size() != crypto::kKeyBytes)
        return Error{QStringLiteral("the contact card does not hold two 32-byte public keys")};
    // The signature first: nothing else of an unsigned card is worth reading.
    if (!crypto::verify(card.signingKey, body, signature))
        return Error{QStringLiteral("the contact card's signature does not verify: it was altered "
                                    "or damaged")};
    StationProfile p;
    p.stationName = m[QStringLiteral("station")].toString();
    p.organisation = m[QStringLiteral("organisation")].toString();
    p.communities = cbor::stringList(m[QStringLiteral("communities")]);
    p.caveats = cbor::stringList(m[QStringLiteral("caveats")]);
    std::optional<Classification> clearance =
        classificationFromString(m[QStringLiteral("clearance")].toString());
    if (!clearance)
        return Error{QStringLiteral("the contact card's clearance is not a known level")};
    p.clearance = *clearance;
    Result<StationProfile> checked = checkProfile(p);
    if (!checked)
        return Error{
            QStringLiteral("the contact card is not valid: %1").arg(checked.error().message)};
    card.profile = checked.value();
    card.created =
        QDateTime::fromMSecsSinceEpoch(m[QStringLiteral("created")].toInteger(), Qt::UTC);
    card.encoded = bytes;
    return card;
}

Result<ContactCard> ContactCard::read(const QString& textOrPath) {
    const QString given = textOrPath.trimmed();
    if (given.startsWith(QLatin1String("tessera-card:")))
        return fromText(given);
    QFile f(given);
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("%1: cannot read (%2)").arg(given, f.errorString())};
    const QByteArray bytes = f.read(1024 * 1024);
    if (bytes.trimmed().startsWith("tessera-card:"))
        return fromText(QString::fromLatin1(bytes.trimmed()));
    return fromBytes(bytes);
}

Result<ContactCard> ContactCard::fromText(const QString& text) {
    const QString t = text.trimmed();
    if (!t.startsWith(QLatin1String(kTextPrefix)))
        return Error{QStringLiteral("not a contact card: the text form starts with '%1'")
                         .arg(QString::fromLatin1(kTextPrefix))};
    const QByteArray payload = t.mid(int(sizeof kTextPrefix) - 1).toLatin1();
    auto decoded = QByteArray::fromBase64Encoding(
        payload, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return Error{QStringLiteral("the contact card's text is damaged (not base64url)")};
    return fromBytes(*decoded);
}

// ---- revocations ----

Result<Revocation> Revocation::fromBytes(const QByteArray& bytes) {
    if (bytes.size() > kMaxCardBytes)
        return Error{QStringLiteral("the revocation is too large")};
    auto envelope = openEnvelope(bytes, kRevocationTag, "revocation");
    if (!envelope)
        return envelope.error();
    const auto& [body, signature] = envelope.value();
    Result<QCborValue> parsed = cbor::decodeStrict(body, "revocation");
    if (!parsed || !parsed.value().isMap())
        return Error{QStringLiteral("the revocation's content is not readable")};
    const QCborMap m = parsed.value().toMap();
    const QByteArray signingKey = m[QStringLiteral("signing_key")].toByteArray();
    const QByteArray agreementKey = m[QStringLiteral("agreement_key")].toByteArray();
    if (signingKey.size() != crypto::kKeyBytes || agreementKey.size() != crypto::kKeyBytes)
        return Error{QStringLiteral("the revocation does not name two 32-byte public keys")};
    if (!crypto::verify(signingKey, body, signature))
        return Error{QStringLiteral("the revocation's signature does not verify")};
    Revocation r;
    r.fingerprint = crypto::sha256(signingKey + agreementKey);
    r.revokedAt =
        QDateTime::fromMSecsSinceEpoch(m[QStringLiteral("revoked_at")].toInteger(), Qt::UTC);
    r.reason = m[QStringLiteral("reason")].toString().left(kMaxNameLength * 5);
    r.encoded = bytes;
    return r;
}

// ---- identities ----

Result<Identity> Identity::create(const StationProfile& profile) {
    Result<StationProfile> checked = checkProfile(profile);
    if (!checked)
        return checked.error();
    Result<crypto::KeyPair> signing = crypto::generateEd25519();
    if (!signing)
        return signing.error();
    Result<crypto::KeyPair> agreement = crypto::generateX25519();
    if (!agreement)
        return agreement.error();
    Identity id;
    id.signingKey_ = std::move(signing.value().privateKey);
    id.agreementKey_ = std::move(agreement.value().privateKey);
    id.card_.profile = checked.value();
    id.card_.signingKey = signing.value().publicKey;
    id.card_.agreementKey = agreement.value().publicKey;
    // Milliseconds, as the card stores them, so that a card read back equals this one.
    id.card_.created = QDateTime::fromMSecsSinceEpoch(QDateTime::currentMSecsSinceEpoch(), Qt::UTC);
    const QByteArray body = cardBody(id.card_);
    Result<QByteArray> signature = id.sign(body);
    if (!signature)
        return signature.error();
    id.card_.encoded = signedEnvelope(kCardTag, body, signature.value());
    return id;
}

Result<QByteArray> Identity::sign(const QByteArray& message) const {
    return crypto::sign(signingKey_, message);
}

Result<SecretBytes> Identity::agree(const QByteArray& peerPublicKey) const {
    return crypto::x25519(agreementKey_, peerPublicKey);
}

Result<Revocation> Identity::revoke(const QString& reason) const {
    QCborMap m;
    m.insert(QStringLiteral("signing_key"), card_.signingKey);
    m.insert(QStringLiteral("agreement_key"), card_.agreementKey);
    m.insert(QStringLiteral("revoked_at"), QDateTime::currentMSecsSinceEpoch());
    m.insert(QStringLiteral("reason"), reason);
    const QByteArray body = m.toCborValue().toCbor();
    Result<QByteArray> signature = sign(body);
    if (!signature)
        return signature.error();
    return Revocation::fromBytes(signedEnvelope(kRevocationTag, body, signature.value()));
}

namespace {

/// What the AES-GCM tag of an identity file also covers: its format, public card and KDF
/// parameters, so that none of them can be swapped without the passphrase.
QByteArray identityAad(const QByteArray& card, const QByteArray& salt, crypto::ScryptCost cost) {
    return QCborArray{QString::fromLatin1(kIdentityTag), card,
                      static_cast<qint64>(cost.n),       static_cast<qint64>(cost.r),
                      static_cast<qint64>(cost.p),       salt}
        .toCborValue()
        .toCbor();
}

struct IdentityFile {
    QByteArray card;
    QByteArray salt;
    crypto::ScryptCost cost;
    QByteArray nonce;
    QByteArray secret;
};

Result<IdentityFile> readIdentityFile(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{
            QStringLiteral("%1: cannot read the identity file (%2)").arg(path, file.errorString())};
    if (file.size() > kMaxIdentityBytes)
        return Error{QStringLiteral("%1: too large for an identity file").arg(path)};
    Result<QCborValue> value = cbor::decodeStrict(file.readAll(), "identity file");
    const QCborMap m = value ? value.value().toMap() : QCborMap();
    if (!value || m[QStringLiteral("format")].toString() != QLatin1String(kIdentityTag))
        return Error{QStringLiteral("%1: not a Tessera identity file").arg(path)};
    IdentityFile f;
    f.card = m[QStringLiteral("card")].toByteArray();
    const QCborMap kdf = m[QStringLiteral("kdf")].toMap();
    f.salt = kdf[QStringLiteral("salt")].toByteArray();
    const qint64 n = kdf[QStringLiteral("n")].toInteger();
    const qint64 r = kdf[QStringLiteral("r")].toInteger();
    const qint64 p = kdf[QStringLiteral("p")].toInteger();
    f.nonce = m[QStringLiteral("nonce")].toByteArray();
    f.secret = m[QStringLiteral("secret")].toByteArray();
    if (kdf[QStringLiteral("name")].toString() != QLatin1String("scrypt") || n < 2 ||
        static_cast<quint64>(n) > kMaxScryptN || (n & (n - 1)) != 0 || r < 1 || r > 32 ||
        static_cast<quint64>(n) * static_cast<quint64>(r) > kMaxScryptNr || p < 1 || p > 16 ||
        f.salt.size() < 16 || f.nonce.size() != crypto::kNonceBytes ||
        f.secret.size() != 2 * crypto::kKeyBytes + crypto::kTagBytes)
        return Error{QStringLiteral("%1: the identity file is damaged or uses parameters this "
                                    "Tessera does not accept")
                         .arg(path)};
    f.cost = {static_cast<quint64>(n), static_cast<quint32>(r), static_cast<quint32>(p)};
    return f;
}

/// The same rule for writing and reading: a file this Tessera writes, it can read.
Status checkScryptCost(crypto::ScryptCost cost, const QString& path) {
    if (cost.n >= kMinimumScryptCost.n && cost.r >= kMinimumScryptCost.r &&
        cost.p >= kMinimumScryptCost.p)
        return success();
    return Error{QStringLiteral("%1: the identity file's passphrase protection is too weak "
                                "(scrypt N = %2, r = %3, p = %4; at least N = %5, r = %6, p = %7 "
                                "are needed): a copy of the file could be opened by guessing "
                                "passphrases cheaply. It was not written by this Tessera; make a "
                                "new identity")
                     .arg(path)
                     .arg(cost.n)
                     .arg(cost.r)
                     .arg(cost.p)
                     .arg(kMinimumScryptCost.n)
                     .arg(kMinimumScryptCost.r)
                     .arg(kMinimumScryptCost.p)};
}

} // namespace

Status Identity::save(const QString& path, const QByteArray& passphrase,
                      crypto::ScryptCost cost) const {
    if (passphrase.isEmpty())
        return Error{QStringLiteral("an identity needs a passphrase")};
    if (Status strong = checkPassphraseStrength(passphrase); !strong)
        return strong.error();
    if (Status enough = checkScryptCost(cost, path); !enough)
        return enough.error();
    const QByteArray salt = crypto::randomBytes(16);
    const QByteArray nonce = crypto::randomBytes(crypto::kNonceBytes);
    Result<SecretBytes> key = crypto::scrypt(passphrase, salt, cost, crypto::kKeyBytes);
    if (!key)
        return key.error();
    SecretBytes plain(2 * crypto::kKeyBytes);
    std::copy(signingKey_.data(), signingKey_.data() + crypto::kKeyBytes, plain.data());
    std::copy(agreementKey_.data(), agreementKey_.data() + crypto::kKeyBytes,
              plain.data() + crypto::kKeyBytes);
    QByteArray exposed = crypto::exposeForEncryption(plain);
    Result<QByteArray> secret =
        crypto::aesGcmEncrypt(key.value(), nonce, exposed, identityAad(card_.encoded, salt, cost));
    crypto::wipe(exposed);
    if (!secret)
        return secret.error();
    QCborMap kdf;
    kdf.insert(QStringLiteral("name"), QStringLiteral("scrypt"));
    kdf.insert(QStringLiteral("n"), static_cast<qint64>(cost.n));
    kdf.insert(QStringLiteral("r"), static_cast<qint64>(cost.r));
    kdf.insert(QStringLiteral("p"), static_cast<qint64>(cost.p));
    kdf.insert(QStringLiteral("salt"), salt);
    QCborMap m;
    m.insert(QStringLiteral("format"), QString::fromLatin1(kIdentityTag));
    m.insert(QStringLiteral("card"), card_.encoded);
    m.insert(QStringLiteral("kdf"), kdf);
    m.insert(QStringLiteral("nonce"), nonce);
    m.insert(QStringLiteral("secret"), secret.value());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error{QStringLiteral("%1: cannot write (%2)").arg(path, file.errorString())};
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(m.toCborValue().toCbor());
    if (!file.commit())
        return Error{QStringLiteral("%1: cannot write (%2)").arg(path, file.errorString())};
    return success();
}

Result<ContactCard> Identity::loadCard(const QString& path) {
    Result<IdentityFile> f = readIdentityFile(path);
    if (!f)
        return f.error();
    return ContactCard::fromBytes(f.value().card);
}

Result<Identity> Identity::load(const QString& path, const QByteArray& passphrase) {
    Result<IdentityFile> f = readIdentityFile(path);
    if (!f)
        return f.error();
    // Before scrypt runs: a weak cost is refused whatever the passphrase.
    if (Status enough = checkScryptCost(f.value().cost, path); !enough)
        return enough.error();
    Result<ContactCard> card = ContactCard::fromBytes(f.value().card);
    if (!card)
        return Error{QStringLiteral("%1: %2").arg(path, card.error().message)};
    Result<SecretBytes> key =
        crypto::scrypt(passphrase, f.value().salt, f.value().cost, crypto::kKeyBytes);
    if (!key)
        return key.error();
    Result<SecretBytes> plain =
        crypto::aesGcmDecryptSecret(key.value(), f.value().nonce, f.value().secret,
                                    identityAad(f.value().card, f.value().salt, f.value().cost));
    if (!plain)
        return Error{
            QStringLiteral("%1: wrong passphrase (or the identity file was altered)").arg(path)};
    Identity id;
    const auto* p = reinterpret_cast<const char*>(plain.value().data());
    id.signingKey_ = SecretBytes(p, crypto::kKeyBytes);
    id.agreementKey_ = SecretBytes(p + crypto::kKeyBytes, crypto::kKeyBytes);
    id.card_ = card.value();
    Result<QByteArray> sigPub = crypto::ed25519PublicKey(id.signingKey_);
    Result<QByteArray> kexPub = crypto::x25519PublicKey(id.agreementKey_);
    if (!sigPub || !kexPub || sigPub.value() != id.card_.signingKey ||
        kexPub.value() != id.card_.agreementKey)
        return Error{
            QStringLiteral("%1: the private keys do not belong to the card in the file").arg(path)};
    return id;
}

} // namespace tessera::share
