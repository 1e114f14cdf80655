// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "share/Crypto.h"
#include "share/Marking.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QStringList>

namespace tessera::share {

/// What a station says about itself: its name, who it belongs to, what it may receive.
struct StationProfile {
    QString stationName;     ///< e.g. "SECTOR NORTH JOC"
    QString organisation;    ///< a nation or organisation code, e.g. "NLD", "UN"; a REL TO token
    QStringList communities; ///< further REL TO groups it belongs to, e.g. "EXERCISE PARTICIPANTS"
    Classification clearance = Classification::Unclassified; ///< highest level it may receive
    QStringList caveats;                                     ///< caveats it is cleared for
};

/// A station's public identity: both public keys and its profile, self-signed with its Ed25519
/// key. Made by Identity::card(), read back with fromBytes()/fromText(), which verify the
/// signature and every field. The fingerprint (SHA-256 of both public keys) is what two
/// operators compare aloud before trusting a card (docs/sharing.md).
///
/// Threads: a value; any.
struct ContactCard {
    /// The profile to act on. Read from bytes: what the card's owner signed. Handed out by a
    /// ContactBook: that claim narrowed by this station's local cap (ContactBook::setCap), so
    /// it may be less than `encoded` says; `encoded` is never changed.
    StationProfile profile;
    QByteArray signingKey;   ///< Ed25519 public key, 32 bytes
    QByteArray agreementKey; ///< X25519 public key, 32 bytes
    QDateTime created;
    QByteArray encoded; ///< the signed file form, exactly as written and read

    /// SHA-256 over the signing key then the agreement key (32 bytes).
    [[nodiscard]] QByteArray fingerprint() const;
    /// The fingerprint as 16 groups of 4 hex digits, for reading aloud.
    [[nodiscard]] QString fingerprintText() const;
    /// The short text form: "tessera-card:" and the file form in base64url (for chat, QR codes).
    [[nodiscard]] QString text() const;

    static Result<ContactCard> fromBytes(const QByteArray& bytes);
    /// Accepts the text form, or the file form.
    static Result<ContactCard> fromText(const QString& text);
    /// A card given as its text form ("tessera-card:...") or as a file holding either form
    /// (read up to 1 MiB): what the command line and the sharing panel accept.
    static Result<ContactCard> read(const QString& textOrPath);
};

/// The fingerprint as typed by a person: spaces, '-' and ':' ignored, any case. Refuses fewer
/// than 32 hex digits (128 bits). Compared in constant time. Returns the reason when it fails.
Status checkTypedFingerprint(const QByteArray& fingerprint, const QString& typed);
/// 16 groups of 4 upper-case hex digits.
QString formatFingerprint(const QByteArray& fingerprint);

/// A signed statement that a key pair must no longer be trusted, signed by that key pair's own
/// Ed25519 key (whoever holds the key can retire it; a thief revoking a stolen key does no harm).
struct Revocation {
    QByteArray fingerprint;
    QDateTime revokedAt;
    QString reason;
    QByteArray encoded;

    /// Verifies the signature and that the keys in it hash to the fingerprint.
    static Result<Revocation> fromBytes(const QByteArray& bytes);
};

/// The least scrypt cost an identity file may be written or read with: the default (N = 2^15,
/// r = 8, p = 1). A file below it is refused on load: its passphrase would be cheap to guess
/// from a copy of the file.
constexpr crypto::ScryptCost kMinimumScryptCost{1u << 15, 8, 1};

/// A station's own key pairs (Ed25519 for signing, X25519 for key agreement) and its card.
/// Stored in a file encrypted under a passphrase: scrypt derives an AES-256-GCM key; the public
/// card travels beside the secret part, authenticated with it. Private keys live in SecretBytes
/// and are wiped when the Identity goes.
///
/// Threads: use one instance on one thread at a time.
class Identity {
public:
    /// New key pairs and a card signed with them.
    static Result<Identity> create(const StationProfile& profile);
    /// Reads and decrypts; "wrong passphrase" when the key derived from it does not open the file.
    /// Refuses a file whose scrypt cost is below kMinimumScryptCost.
    static Result<Identity> load(const QString& path, const QByteArray& passphrase);
    /// Only the public card of an identity file (no passphrase needed).
    static Result<ContactCard> loadCard(const QString& path);
    /// Writes atomically, owner read/write only. Refuses a weak passphrase
    /// (checkPassphraseStrength: at least 12 characters and an estimated 50 bits) and a cost
    /// below kMinimumScryptCost, which load() would refuse.
    Status save(const QString& path, const QByteArray& passphrase,
                crypto::ScryptCost cost = {}) const;

    [[nodiscard]] const ContactCard& card() const { return card_; }
    [[nodiscard]] QByteArray fingerprint() const { return card_.fingerprint(); }

    Result<QByteArray> sign(const QByteArray& message) const;
    /// X25519 with a peer's public key.
    Result<crypto::SecretBytes> agree(const QByteArray& peerPublicKey) const;
    /// A signed revocation of this identity's keys.
    Result<Revocation> revoke(const QString& reason) const;
    /// The raw Ed25519 private key, for the TLS transport (src/sync), which proves this same key
    /// in its handshake. Nothing else should need it; sign() is the way to use the key.
    [[nodiscard]] const crypto::SecretBytes& signingSecretForTls() const { return signingKey_; }

private:
    Identity() = default;
    ContactCard card_;
    crypto::SecretBytes signingKey_;
    crypto::SecretBytes agreementKey_;
};

} // namespace tessera::share
