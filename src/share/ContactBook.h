// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "share/Identity.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace tessera::share {

/// The stations this station trusts (their contact cards) and the keys it must never trust again
/// (revocations). A card enters only after its self-signature verifies and the fingerprint the
/// operator typed, read to them by the card's owner over another channel, matches. A revoked
/// fingerprint never comes back: its card is refused on import and it is no longer found.
///
/// Kept in one CBOR file (docs/sharing.md); cards are verified again when it is read.
/// Threads: a value; use one instance on one thread at a time.
class ContactBook {
public:
    /// Reads `path`; a missing file is an empty book that save() will create.
    static Result<ContactBook> load(const QString& path);
    /// An empty book kept in memory only (tests; save() refuses it).
    ContactBook() = default;
    /// Writes atomically.
    Status save() const;

    /// Adds or replaces (same fingerprint) a contact. `typedFingerprint` is what the operator
    /// typed after hearing it from the owner; see checkTypedFingerprint().
    Result<ContactCard> importCard(const ContactCard& card, const QString& typedFingerprint);
    /// Applies a signed revocation statement: its key is refused from now on.
    Result<Revocation> applyRevocation(const QByteArray& statement);
    /// Stops trusting a contact on this station's own word (no statement needed).
    Status revokeLocally(const QByteArray& fingerprint, const QString& reason);

    enum class Standing { Unknown, Trusted, Revoked };
    [[nodiscard]] Standing standing(const QByteArray& fingerprint) const;
    /// A trusted contact; never a revoked one.
    [[nodiscard]] std::optional<ContactCard> find(const QByteArray& fingerprint) const;
    /// Finds by station name (case-insensitive) or by a fingerprint prefix of at least 8 hex
    /// digits (spaces ignored); an error when none or several match.
    [[nodiscard]] Result<ContactCard> lookup(const QString& nameOrFingerprint) const;
    [[nodiscard]] const QList<ContactCard>& contacts() const { return cards_; }

    struct Revoked {
        QByteArray fingerprint;
        QDateTime at;
        QString reason;
        QByteArray statement; ///< the signed statement, empty when revoked locally
    };
    [[nodiscard]] const QList<Revoked>& revoked() const { return revoked_; }

private:
    void markRevoked(Revoked r);
    QString path_;
    QList<ContactCard> cards_;
    QList<Revoked> revoked_;
};

} // namespace tessera::share
