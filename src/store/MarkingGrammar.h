// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace tessera::store {

/// A record's marking as the store keeps it: two strings, read with the grammar below.
struct Marking {
    QString classification; ///< e.g. "UNCLASSIFIED"
    QString releasability;  ///< e.g. "REL TO EXERCISE PARTICIPANTS"
    /// "UNCLASSIFIED // REL TO EXERCISE PARTICIPANTS", as printed on banners.
    [[nodiscard]] QString banner() const;
    friend bool operator==(const Marking&, const Marking&) = default;
};

/// Classification levels, lowest first. The numeric order is the order of sensitivity.
enum class Classification { Unclassified = 0, Restricted = 1, Confidential = 2, Secret = 3 };

/// "UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET".
QString toString(Classification level);
/// Accepts the four names in any case, with surrounding spaces; nothing else (no abbreviations:
/// a marking is either read exactly or refused).
std::optional<Classification> classificationFromString(const QString& text);

/// The marking grammar: one description, read by the store's products, by sharing's release
/// policy and by the forms. A marking read from the two strings kept on every record:
///
///   classification = LEVEL [ "//" CAVEAT { "/" CAVEAT } ]      e.g. "SECRET // EXERCISE / MEDICAL"
///   releasability   = "" | "REL TO" TOKEN { "," TOKEN }         e.g. "REL TO FRA, NLD, UN"
///
/// Tokens (caveats, nations, organisations, communities) are letters, digits, spaces, '-' and
/// '_'; they compare case-insensitively with spaces collapsed. The model and the release rules
/// are in docs/sharing.md. Threads: a value; any.
struct ParsedMarking {
    Classification level = Classification::Unclassified;
    QStringList caveats; ///< normalised, sorted, unique; a recipient must hold every one
    QStringList relTo;   ///< normalised, sorted, unique; empty: no REL TO line

    /// Back to the store's two strings, in canonical form.
    [[nodiscard]] Marking toStore() const;
    friend bool operator==(const ParsedMarking&, const ParsedMarking&) = default;
};

/// Reads a stored marking; an Error saying what is wrong when it is not exactly in the grammar
/// above. Callers deciding on release treat an error as "not releasable" (default deny).
Result<ParsedMarking> parseMarking(const Marking& marking);

/// A token as compared: trimmed, upper case, inner spaces collapsed; empty when it holds a
/// character outside the token alphabet. Only printable ASCII is read: a look-alike such as
/// "uſa" (long s) or "mınusma" (dotless i) is refused, never upper-cased into USA or MINUSMA.
QString normalizeToken(const QString& token);
/// Whether every character is printable ASCII (U+0020 to U+007E), as markings must be.
bool isMarkingAscii(const QString& text);

/// Whether `proposed` lets the record go to no recipient that `held` did not: its level is not
/// lower, it drops no caveat, and its REL TO is not wider (a subset of the old one, or, above
/// UNCLASSIFIED, none at all: releasable to nobody). Any station may re-mark a record this
/// way; any other change lowers or widens it (docs/sharing.md, "Marking authority").
bool isAtLeastAsRestrictive(const ParsedMarking& proposed, const ParsedMarking& held);

/// Marking authority, the one rule: why a station may not change a record's marking from
/// `held` to `proposed`, or empty when it may. Any station that holds a record may raise it
/// (isAtLeastAsRestrictive); only the station that created it (`byOrigin`) may lower or widen
/// it. A new marking must be readable; a held one that is not may be changed by its origin only.
/// The store applies it to local edits, sharing to versions received (ReleasePolicy::mayRemark).
QString remarkRefusal(const Marking& held, const Marking& proposed, bool byOrigin);

/// The marking of something that shows many records at once (a briefing product, the window):
/// the highest level, every caveat, and the REL TO entries that every record's REL TO shares,
/// so that the banner never states less than what is shown. A record at UNCLASSIFIED without
/// REL TO narrows nothing; a record above it without REL TO is releasable to nobody, and so is
/// the whole. An unreadable marking counts as SECRET releasable to nobody, and is told in the
/// banner: a banner may over-state what is shown, never under-state it.
struct CombinedMarking {
    ParsedMarking marking;         ///< level, caveats, and the REL TO entries in common
    bool releasableToNone = false; ///< the records' REL TO have no entry in common
    int unreadable = 0;            ///< markings outside the grammar among those combined
    /// "SECRET // MEDICAL // REL TO FRA, NLD"; "... // NO COMMON REL TO" when the records share
    /// no REL TO entry at UNCLASSIFIED (where no REL TO would read as releasable to all), and
    /// "... // N UNREADABLE MARKINGS" when some could not be read.
    [[nodiscard]] QString banner() const;
};
CombinedMarking combineMarkings(const QList<Marking>& markings);

} // namespace tessera::store
