// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "store/Mission.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace tessera::share {

/// Classification levels, lowest first. The numeric order is the order of sensitivity.
enum class Classification { Unclassified = 0, Restricted = 1, Confidential = 2, Secret = 3 };

/// "UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET".
QString toString(Classification level);
/// Accepts the four names in any case, with surrounding spaces; nothing else (no abbreviations:
/// a marking is either read exactly or refused).
std::optional<Classification> classificationFromString(const QString& text);

/// A marking read from the two strings the store keeps on every record (store::Marking):
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
    [[nodiscard]] store::Marking toStore() const;
    friend bool operator==(const ParsedMarking&, const ParsedMarking&) = default;
};

/// Reads a stored marking; an Error saying what is wrong when it is not exactly in the grammar
/// above. Callers deciding on release treat an error as "not releasable" (default deny).
Result<ParsedMarking> parseMarking(const store::Marking& marking);

/// A token as compared: trimmed, upper case, inner spaces collapsed; empty when it holds a
/// character outside the token alphabet.
QString normalizeToken(const QString& token);

} // namespace tessera::share
