// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "share/Identity.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace tessera::share {

/// What this station lets a contact receive, whatever its card claims: the operator's local
/// cap (tessera-cli contact cap), kept per fingerprint in the contact book. A cap only narrows.
struct ProfileCap {
    std::optional<Classification> clearance; ///< at most this level; none: the card's clearance
    std::optional<QStringList> caveats; ///< only these of the card's caveats; none: all of them
    [[nodiscard]] bool isEmpty() const { return !clearance && !caveats; }
    friend bool operator==(const ProfileCap&, const ProfileCap&) = default;
};

/// `claimed` narrowed by `cap`: the lower of the two clearances and the caveats in both; name,
/// organisation and communities unchanged (a cap limits what a station is cleared for, not
/// who it is).
[[nodiscard]] StationProfile applyCap(const StationProfile& claimed, const ProfileCap& cap);
/// The cap in words, e.g. "clearance at most CONFIDENTIAL; caveats only EXERCISE".
[[nodiscard]] QString describeCap(const ProfileCap& cap);
/// What differs between two profiles, field by field, one line each ("clearance: CONFIDENTIAL
/// -> SECRET", "communities added: NATO"); empty when they are the same.
[[nodiscard]] QStringList profileDiff(const StationProfile& before, const StationProfile& after);

/// The stations this station trusts (their contact cards), the keys it must never trust again
/// (revocations), and the caps the operator put on what trusted stations may receive. A card
/// enters only after its self-signature verifies and the fingerprint the operator typed, read to
/// them by the card's owner over another channel, matches. A revoked fingerprint never comes
/// back: its card is refused on import and it is no longer found.
///
/// **Capped by default.** Every card the book hands out (contacts(), find(), lookup()) carries
/// in `profile` the profile this station grants: the card's signed claim narrowed by the
/// operator's cap, so that ReleasePolicy::mayRelease(marking, card) never sees more than the
/// operator allowed. The card's `encoded` bytes stay exactly as signed; only claimedCard(), named
/// for what it is, gives the uncapped claim (for display).
///
/// **Signed file.** The book is one CBOR file (docs/sharing.md, "Revocation"), signed with this
/// station's Ed25519 key and written owner-only. load() checks the signature against the
/// station's own public card (Identity::loadCard: no passphrase needed) and refuses a file that
/// was altered, signed by another station, or unsigned; save() needs the unlocked Identity.
/// A book of an earlier Tessera (unsigned, `tessera-contacts/1`) is refused by load() and read
/// only by loadUnsignedForSigning(), for `tessera-cli contact sign-book`.
///
/// Threads: a value; use one instance on one thread at a time.
class ContactBook {
public:
    /// Reads `path` and checks its signature against `station`, this station's own card. A
    /// missing file is an empty book that save() will create.
    static Result<ContactBook> load(const QString& path, const ContactCard& station);
    /// Reads `path` like load() but also accepts an unsigned book of an earlier Tessera, which
    /// the operator is to check (contacts()) and sign (save()). Anyone who could write to the
    /// folder could have added a card to such a file: never use it for anything else.
    static Result<ContactBook> loadUnsignedForSigning(const QString& path,
                                                      const ContactCard& station);
    /// An empty book kept in memory only (tests; save() refuses it).
    ContactBook() = default;
    /// Writes atomically, owner read/write only, signed with `station`'s key; refuses another
    /// station than the one the book was loaded for.
    Status save(const Identity& station) const;
    /// Whether load() read an unsigned book of an earlier Tessera (loadUnsignedForSigning).
    [[nodiscard]] bool wasUnsigned() const { return wasUnsigned_; }

    enum class ProfileChange {
        Refuse, ///< a known key with another profile is refused, with the differences
        Accept, ///< the operator has read the differences and accepts them
    };
    /// Adds a contact, or replaces one with the same fingerprint and the same profile (a card
    /// made again). `typedFingerprint` is what the operator typed after hearing it from the
    /// owner; see checkTypedFingerprint(). A card with known keys but another profile (a new
    /// community, a higher clearance...) is refused with profileChanges() unless `change` is
    /// Accept: the fingerprint covers only the keys, so a re-sent card must not widen what a
    /// station receives without the operator seeing it. A local cap stays on the new card.
    Result<ContactCard> importCard(const ContactCard& card, const QString& typedFingerprint,
                                   ProfileChange change = ProfileChange::Refuse);
    /// How `card`'s profile differs from the trusted card with the same keys (profileDiff);
    /// empty when the keys are new or the profile is the same.
    [[nodiscard]] QStringList profileChanges(const ContactCard& card) const;
    /// Applies a signed revocation statement: its key is refused from now on.
    Result<Revocation> applyRevocation(const QByteArray& statement);
    /// Stops trusting a contact on this station's own word (no statement needed).
    Status revokeLocally(const QByteArray& fingerprint, const QString& reason);

    /// Caps what a trusted contact may receive; an empty cap removes it. Refuses a fingerprint
    /// that is not a trusted contact and caveats that are not valid tokens.
    Status setCap(const QByteArray& fingerprint, const ProfileCap& cap);
    /// The cap on a fingerprint, if any.
    [[nodiscard]] std::optional<ProfileCap> cap(const QByteArray& fingerprint) const;

    enum class Standing { Unknown, Trusted, Revoked };
    [[nodiscard]] Standing standing(const QByteArray& fingerprint) const;
    /// A trusted contact, capped; never a revoked one.
    [[nodiscard]] std::optional<ContactCard> find(const QByteArray& fingerprint) const;
    /// Finds by station name (case-insensitive) or by a fingerprint prefix of at least 8 hex
    /// digits (spaces ignored); capped; an error when none or several match.
    [[nodiscard]] Result<ContactCard> lookup(const QString& nameOrFingerprint) const;
    /// The trusted contacts, capped.
    [[nodiscard]] QList<ContactCard> contacts() const;
    /// A trusted contact as its card claims, WITHOUT the local cap: to show the operator what
    /// was claimed. Never for a release decision (use find()).
    [[nodiscard]] std::optional<ContactCard> claimedCard(const QByteArray& fingerprint) const;

    struct Revoked {
        QByteArray fingerprint;
        QDateTime at;
        QString reason;
        QByteArray statement; ///< the signed statement, empty when revoked locally
    };
    [[nodiscard]] const QList<Revoked>& revoked() const { return revoked_; }

private:
    static Result<ContactBook> read(const QString& path, const ContactCard& station,
                                    bool acceptUnsigned);
    Status readBody(const QByteArray& body);
    [[nodiscard]] ContactCard capped(const ContactCard& card) const;
    void markRevoked(Revoked r);
    QString path_;
    QByteArray stationKey_; ///< Ed25519 public key the file is signed with
    bool wasUnsigned_ = false;
    QList<ContactCard> cards_; ///< as signed by their owners, uncapped
    QList<Revoked> revoked_;
    QList<std::pair<QByteArray, ProfileCap>> caps_; ///< by fingerprint
};

} // namespace tessera::share
