// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "share/BundleFormat.h"

#include "share/BundleRecords.h"
#include "share/Cbor.h"
#include "share/Crypto.h"

#include <QCborArray>
#include <QCborMap>
#include <QtEndian>

#include <algorithm>

namespace tessera::share {

using crypto::SecretBytes;

namespace {

constexpr qsizetype kPrefixBytes = 4 + 2 + 4; // magic, version, header length
constexpr char kWrapInfo[] = "tessera-bundle/1 key wrap";
constexpr char kWrapAad[] = "tessera-bundle/1 wrapped key";

Error refused(const QString& why) {
    return Error{QStringLiteral("bundle refused: %1").arg(why)};
}

/// The key-encryption key for one recipient: X25519 between the ephemeral key and the
/// recipient's agreement key, through HKDF-SHA256 bound to the bundle and both public keys.
Result<SecretBytes> wrapKey(const SecretBytes& shared, const QString& bundleId,
                            const QByteArray& ephemeralPublic, const QByteArray& recipientPublic) {
    return crypto::hkdfSha256(shared, bundleId.toUtf8(),
                              QByteArray(kWrapInfo) + ephemeralPublic + recipientPublic,
                              crypto::kKeyBytes);
}

QByteArray wrapAad(const QByteArray& sender, const QByteArray& recipient) {
    return QByteArray(kWrapAad) + sender + recipient;
}

struct WrappedKey {
    QByteArray recipient;
    QByteArray ephemeral;
    QByteArray nonce;
    QByteArray wrapped;
};

struct ParsedHeader {
    BundleHeader header;
    QList<WrappedKey> keys;
    QByteArray payloadNonce;
    qint64 payloadLength = 0;
};

} // namespace

bool isMissionId(const QString& id) {
    return !id.isEmpty() && id.size() <= 200 && id.trimmed() == id &&
           std::all_of(id.cbegin(), id.cend(),
                       [](QChar c) { return c.unicode() >= 0x20 && c.unicode() < 0x7f; });
}

namespace {

Result<ParsedHeader> parseHeader(const QByteArray& bytes, const BundleLimits& limits) {
    Result<QCborValue> value = cbor::decodeStrict(bytes, "bundle header");
    if (!value || !value.value().isMap())
        return refused(QStringLiteral("tampered or malformed: the header is not readable"));
    const QCborMap m = value.value().toMap();
    ParsedHeader p;
    BundleHeader& h = p.header;
    h.id = m[QStringLiteral("bundle")].toString();
    h.created = QDateTime::fromMSecsSinceEpoch(m[QStringLiteral("created")].toInteger(-1), Qt::UTC);
    h.sender = m[QStringLiteral("sender")].toByteArray();
    h.mission = m[QStringLiteral("mission")].toString();
    h.exercise = m[QStringLiteral("exercise")].toBool();
    const QCborArray keys = m[QStringLiteral("recipients")].toArray();
    const QCborMap knows = m[QStringLiteral("knows")].toMap();
    p.payloadNonce = m[QStringLiteral("payload_nonce")].toByteArray();
    p.payloadLength = m[QStringLiteral("payload_length")].toInteger(-1);
    if (!isUuidText(h.id) || m[QStringLiteral("created")].toInteger(-1) < 0 ||
        h.sender.size() != crypto::kSha256Bytes || keys.isEmpty() ||
        m[QStringLiteral("compression")].toString() != QLatin1String("zlib") ||
        p.payloadNonce.size() != crypto::kNonceBytes || p.payloadLength < crypto::kTagBytes)
        return refused(QStringLiteral("tampered or malformed: the header lacks a required field"));
    if (!m.contains(QStringLiteral("mission")))
        return refused(QStringLiteral("the bundle names no mission: it was made by an earlier "
                                      "Tessera, which did not bind bundles to their mission; ask "
                                      "the sender to update and export again"));
    if (!isMissionId(h.mission) || !m[QStringLiteral("exercise")].isBool())
        return refused(QStringLiteral("tampered or malformed: the mission's id is damaged"));
    if (keys.size() > limits.maxRecipients)
        return refused(QStringLiteral("oversized: %1 recipients (at most %2)")
                           .arg(keys.size())
                           .arg(limits.maxRecipients));
    for (const QCborValue& k : keys) {
        const QCborMap e = k.toMap();
        WrappedKey w{e[QStringLiteral("fingerprint")].toByteArray(),
                     e[QStringLiteral("ephemeral")].toByteArray(),
                     e[QStringLiteral("nonce")].toByteArray(),
                     e[QStringLiteral("wrapped")].toByteArray()};
        if (w.recipient.size() != crypto::kSha256Bytes || w.ephemeral.size() != crypto::kKeyBytes ||
            w.nonce.size() != crypto::kNonceBytes ||
            w.wrapped.size() != crypto::kKeyBytes + crypto::kTagBytes)
            return refused(QStringLiteral("tampered or malformed: a wrapped key is damaged"));
        p.keys.append(w);
        h.recipients.append(w.recipient);
    }
    for (auto it = knows.constBegin(); it != knows.constEnd(); ++it) {
        if (!isUuidText(it.key().toString()) || !it.value().isInteger() ||
            it.value().toInteger() < 0)
            return refused(QStringLiteral("tampered or malformed: the sender's knowledge is "
                                          "damaged"));
        h.knows.insert(it.key().toString(), it.value().toInteger());
    }
    return p;
}

} // namespace

Result<QByteArray> sealBundle(const BundleHeader& header, const QByteArray& payload,
                              const Identity& sender, const QList<ContactCard>& recipients) {
    if (recipients.isEmpty())
        return Error{QStringLiteral("a bundle needs at least one recipient")};
    if (!isMissionId(header.mission))
        return Error{QStringLiteral("a bundle needs its mission's id (printable ASCII, 1 to 200 "
                                    "characters), not '%1'")
                         .arg(header.mission)};
    BundleHeader h = header;
    h.sender = sender.fingerprint();
    h.recipients.clear();
    for (const ContactCard& r : recipients)
        h.recipients.append(r.fingerprint());

    // The payload: compressed, then encrypted once under a fresh content key.
    SecretBytes contentKey(crypto::kKeyBytes);
    {
        QByteArray random = crypto::randomBytes(crypto::kKeyBytes);
        std::copy(random.constBegin(), random.constEnd(), contentKey.data());
        crypto::wipe(random);
    }
    const QByteArray payloadNonce = crypto::randomBytes(crypto::kNonceBytes);
    const QByteArray compressed = qCompress(payload, 6);

    // The content key, wrapped for each recipient under an ephemeral X25519 key of its own.
    QCborArray keys;
    QByteArray exposedKey = crypto::exposeForEncryption(contentKey);
    for (const ContactCard& r : recipients) {
        Result<crypto::KeyPair> ephemeral = crypto::generateX25519();
        if (!ephemeral)
            return ephemeral.error();
        Result<SecretBytes> shared = crypto::x25519(ephemeral.value().privateKey, r.agreementKey);
        if (!shared)
            return Error{QStringLiteral("cannot wrap the key for %1: %2")
                             .arg(r.profile.stationName, shared.error().message)};
        Result<SecretBytes> kek =
            wrapKey(shared.value(), h.id, ephemeral.value().publicKey, r.agreementKey);
        if (!kek)
            return kek.error();
        const QByteArray nonce = crypto::randomBytes(crypto::kNonceBytes);
        Result<QByteArray> wrapped = crypto::aesGcmEncrypt(kek.value(), nonce, exposedKey,
                                                           wrapAad(h.sender, r.fingerprint()));
        if (!wrapped)
            return wrapped.error();
        QCborMap e;
        e.insert(QStringLiteral("fingerprint"), r.fingerprint());
        e.insert(QStringLiteral("ephemeral"), ephemeral.value().publicKey);
        e.insert(QStringLiteral("nonce"), nonce);
        e.insert(QStringLiteral("wrapped"), wrapped.value());
        keys.append(e);
    }
    crypto::wipe(exposedKey);

    QCborMap knows;
    for (auto it = h.knows.constBegin(); it != h.knows.constEnd(); ++it)
        knows.insert(it.key(), it.value());
    QCborMap m;
    m.insert(QStringLiteral("bundle"), h.id);
    m.insert(QStringLiteral("created"), h.created.toMSecsSinceEpoch());
    m.insert(QStringLiteral("sender"), h.sender);
    m.insert(QStringLiteral("recipients"), keys);
    m.insert(QStringLiteral("knows"), knows);
    m.insert(QStringLiteral("mission"), h.mission);
    m.insert(QStringLiteral("exercise"), h.exercise);
    m.insert(QStringLiteral("compression"), QStringLiteral("zlib"));
    m.insert(QStringLiteral("payload_nonce"), payloadNonce);
    m.insert(QStringLiteral("payload_length"),
             static_cast<qint64>(compressed.size() + crypto::kTagBytes));
    const QByteArray headerBytes = m.toCborValue().toCbor();

    QByteArray out;
    out.append(kBundleMagic, 4);
    char version[2];
    qToBigEndian<quint16>(kBundleVersion, version);
    out.append(version, 2);
    char length[4];
    qToBigEndian<quint32>(static_cast<quint32>(headerBytes.size()), length);
    out.append(length, 4);
    out.append(headerBytes);
    // The payload, encrypted once with the prefix and header as associated data; the signature
    // covers them and the ciphertext's hash, so that not even a recipient, who knows the content
    // key, can put another payload under this header.
    Result<QByteArray> ciphertext =
        crypto::aesGcmEncrypt(contentKey, payloadNonce, compressed, out);
    if (!ciphertext)
        return ciphertext.error();
    Result<QByteArray> signature = sender.sign(out + crypto::sha256(ciphertext.value()));
    if (!signature)
        return signature.error();
    out.append(signature.value());
    out.append(ciphertext.value());
    return out;
}

Result<OpenedBundle> openBundle(const QByteArray& bytes, const Identity& me,
                                const ContactBook& book, const BundleLimits& limits) {
    // Sizes and bounds, before anything is parsed.
    if (bytes.size() > limits.maxBundleBytes)
        return refused(QStringLiteral("oversized: %1 bytes (at most %2)")
                           .arg(bytes.size())
                           .arg(limits.maxBundleBytes));
    if (bytes.size() < 4 || !bytes.startsWith(kBundleMagic))
        return refused(bytes.size() < 4 && QByteArray(kBundleMagic).startsWith(bytes)
                           ? QStringLiteral("truncated: %1 bytes").arg(bytes.size())
                           : QStringLiteral("not a Tessera bundle"));
    if (bytes.size() < kPrefixBytes)
        return refused(QStringLiteral("truncated: %1 bytes").arg(bytes.size()));
    const quint16 version = qFromBigEndian<quint16>(bytes.constData() + 4);
    if (version == 1)
        return refused(QStringLiteral("unsupported version 1: made by a Tessera from before "
                                      "signed records (this one reads version %1); ask the "
                                      "sender to update and export again")
                           .arg(kBundleVersion));
    if (version != kBundleVersion)
        return refused(QStringLiteral("unsupported version %1 (this Tessera reads version %2)")
                           .arg(version)
                           .arg(kBundleVersion));
    const qint64 headerLength = qFromBigEndian<quint32>(bytes.constData() + 6);
    if (headerLength > limits.maxHeaderBytes)
        return refused(QStringLiteral("oversized: a header of %1 bytes (at most %2)")
                           .arg(headerLength)
                           .arg(limits.maxHeaderBytes));
    const qint64 signedLength = kPrefixBytes + headerLength;
    if (bytes.size() < signedLength + crypto::kSignatureBytes + crypto::kTagBytes)
        return refused(QStringLiteral("truncated: %1 bytes").arg(bytes.size()));
    const QByteArray signedPart = bytes.left(signedLength);
    Result<ParsedHeader> parsed = parseHeader(bytes.mid(kPrefixBytes, headerLength), limits);
    if (!parsed)
        return parsed.error();
    const ParsedHeader& p = parsed.value();
    const qint64 payloadStart = signedLength + crypto::kSignatureBytes;
    const qint64 payloadLength = bytes.size() - payloadStart;
    if (payloadLength < p.payloadLength)
        return refused(QStringLiteral("truncated: the payload has %1 of %2 bytes")
                           .arg(payloadLength)
                           .arg(p.payloadLength));
    if (payloadLength > p.payloadLength)
        return refused(QStringLiteral("tampered: %1 bytes after the payload")
                           .arg(payloadLength - p.payloadLength));

    // Addressed to us? Then: who sent it, and may we believe them?
    const QByteArray ours = me.fingerprint();
    const WrappedKey* key = nullptr;
    for (const WrappedKey& w : p.keys)
        if (w.recipient == ours)
            key = &w;
    if (!key)
        return refused(
            QStringLiteral("not addressed to this station (%1)").arg(formatFingerprint(ours)));
    switch (book.standing(p.header.sender)) {
    case ContactBook::Standing::Revoked:
        return refused(QStringLiteral("the sender's keys (%1) have been revoked")
                           .arg(formatFingerprint(p.header.sender)));
    case ContactBook::Standing::Unknown:
        return refused(QStringLiteral("unknown sender %1: import their contact card first")
                           .arg(formatFingerprint(p.header.sender)));
    case ContactBook::Standing::Trusted:
        break;
    }
    const std::optional<ContactCard> sender = book.find(p.header.sender);
    if (!sender)
        return refused(QStringLiteral("unknown sender"));

    // The signature (over the prefix, the header and the payload's hash), before any decryption.
    const QByteArray ciphertext = bytes.mid(payloadStart);
    if (!crypto::verify(sender->signingKey, signedPart + crypto::sha256(ciphertext),
                        bytes.mid(signedLength, crypto::kSignatureBytes)))
        return refused(QStringLiteral("tampered: the signature of %1 does not verify")
                           .arg(sender->profile.stationName));

    // Unwrap the content key, decrypt, decompress.
    Result<SecretBytes> shared = me.agree(key->ephemeral);
    if (!shared)
        return refused(QStringLiteral("tampered: the wrapped key cannot be used (%1)")
                           .arg(shared.error().message));
    Result<SecretBytes> kek =
        wrapKey(shared.value(), p.header.id, key->ephemeral, me.card().agreementKey);
    if (!kek)
        return kek.error();
    Result<SecretBytes> contentKey = crypto::aesGcmDecryptSecret(
        kek.value(), key->nonce, key->wrapped, wrapAad(p.header.sender, ours));
    if (!contentKey || contentKey.value().size() != crypto::kKeyBytes)
        return refused(QStringLiteral("tampered: the content key does not unwrap"));
    Result<QByteArray> compressed =
        crypto::aesGcmDecrypt(contentKey.value(), p.payloadNonce, ciphertext, signedPart);
    if (!compressed)
        return refused(QStringLiteral("tampered: the payload does not decrypt"));
    if (compressed.value().size() < 4)
        return refused(QStringLiteral("tampered: the payload is empty"));
    const qint64 expected = qFromBigEndian<quint32>(compressed.value().constData());
    if (expected > limits.maxPayloadBytes)
        return refused(QStringLiteral("oversized: a payload of %1 bytes (at most %2)")
                           .arg(expected)
                           .arg(limits.maxPayloadBytes));
    QByteArray payload = qUncompress(compressed.value());
    if (payload.size() != expected)
        return refused(QStringLiteral("tampered: the payload does not decompress"));
    return OpenedBundle{p.header, *sender, std::move(payload)};
}

} // namespace tessera::share
