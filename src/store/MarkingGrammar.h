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

/// A marking's sanitised release (docs/sharing.md, "Sanitised versions"): the originator lets
/// recipients that may not have the record in full have a version of it with fields withheld
/// and the position coarsened, under a marking of its own (a level and REL TO, no caveats).
struct SanitisedRelease {
    Classification level = Classification::Unclassified;
    QStringList relTo;     ///< normalised, sorted, unique; empty: UNCLASSIFIED to all, else none
    int gridKm = 0;        ///< the position to the centre of its MGRS square of 1, 10 or 100 km
    bool toRegion = false; ///< the position to the first-level region it lies in
    /// Fields left out, sorted: NARRATIVE, SOURCE (with reliability and credibility), TITLE.
    QStringList withheld;

    /// "GRID 10 KM, WITHHOLD NARRATIVE, WITHHOLD SOURCE": the rules, in canonical form.
    [[nodiscard]] QString rules() const;
    friend bool operator==(const SanitisedRelease&, const SanitisedRelease&) = default;
};
/// The fields a sanitised release may withhold.
const QStringList& withholdableFields();

/// The marking grammar: one description, read by the store's products, by sharing's release
/// policy and by the forms. A marking read from the two strings kept on every record:
///
///   classification = LEVEL [ "//" CAVEAT { "/" CAVEAT } ]      e.g. "SECRET // EXERCISE / MEDICAL"
///   releasability  = [ relto ] [ [ "//" ] sanitised ]          e.g. "REL TO FRA, NLD, UN"
///   relto          = "REL TO" TOKEN { "," TOKEN }
///   sanitised      = "SANITISED" LEVEL [ relto ] ":" RULE { "," RULE }
///   RULE           = "GRID" ( "1" | "10" | "100" ) "KM" | "REGION" | "WITHHOLD" FIELD
///   FIELD          = "TITLE" | "SOURCE" | "NARRATIVE"
///
/// e.g. "REL TO FRA, NLD // SANITISED UNCLASSIFIED REL TO UN: GRID 10 KM, WITHHOLD SOURCE".
/// Tokens (caveats, nations, organisations, communities) are letters, digits, spaces, '-' and
/// '_'; they compare case-insensitively with spaces collapsed. A sanitised release names at most
/// one position rule and at least one rule, and its level is not above the record's. The model
/// and the release rules are in docs/sharing.md. Threads: a value; any.
struct ParsedMarking {
    Classification level = Classification::Unclassified;
    QStringList caveats; ///< normalised, sorted, unique; a recipient must hold every one
    QStringList relTo;   ///< normalised, sorted, unique; empty: no REL TO line
    std::optional<SanitisedRelease> sanitised; ///< a version for those the rest refuses

    /// Back to the store's two strings, in canonical form.
    [[nodiscard]] Marking toStore() const;
    friend bool operator==(const ParsedMarking&, const ParsedMarking&) = default;
};

/// The marking a sanitised version carries: the release's level and REL TO, no caveats.
ParsedMarking sanitisedMarking(const SanitisedRelease& release);

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
/// UNCLASSIFIED, none at all: releasable to nobody); and its sanitised release, if any, goes to
/// no one held's did not and gives no more (held has one, the same position rule no finer, and
/// every field held's withholds). Any station may re-mark a record this
/// way; any other change lowers or widens it (docs/sharing.md, "Marking authority").
bool isAtLeastAsRestrictive(const ParsedMarking& proposed, const ParsedMarking& held);
/// The part of isAtLeastAsRestrictive about the sanitised releases (none is the most restrictive).
bool isAtLeastAsRestrictive(const std::optional<SanitisedRelease>& proposed,
                            const std::optional<SanitisedRelease>& held);

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
