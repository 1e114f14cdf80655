// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What a product made for a recipient holds of each record: the record, a sanitised version of
// it, or nothing (docs/sharing.md, "Sanitised versions"). share::ReleasePolicy decides; the
// products (SITREP, exports) and bundles follow its answer through the types below.

#include "geo/GeoTypes.h"
#include "store/MarkingGrammar.h"
#include "store/Mission.h"

#include <QString>

#include <functional>
#include <optional>

namespace tessera::store {

/// How one record may reach one recipient.
struct RecordRelease {
    enum class Form { Withheld, Sanitised, Full };
    Form form = Form::Withheld;
    SanitisedRelease sanitised; ///< the version's rules and marking, when Sanitised
    QString reason;             ///< why not in full, when it is not Full

    [[nodiscard]] bool full() const { return form == Form::Full; }
    [[nodiscard]] bool withheld() const { return form == Form::Withheld; }
};

/// One recipient's release decision, asked of every record a product would hold.
using ReleaseFilter = std::function<RecordRelease(const Marking&)>;
/// For the formats that carry whole records only (CoT, TAK packages): whether `filter` lets the
/// record go in full; a sanitised version is withheld there. Empty for an empty filter.
std::function<bool(const Marking&)> wholeRecordsOnly(const ReleaseFilter& filter);
/// A filter from a yes-or-no decision: the record in full or nothing.
ReleaseFilter wholeOrNothing(std::function<bool(const Marking&)> allowed);

/// The first-level region a point lies in, for a release that coarsens to the region: its name
/// and a point standing for the whole region (the same for every point in it).
struct RegionPoint {
    QString name;
    geo::GeoPoint centre;
};
using RegionLocator = std::function<std::optional<RegionPoint>(geo::GeoPoint)>;

/// The version of `incident` that `release` lets go: the marking the release names; the
/// position at the centre of its MGRS square (GRID) or of its region (REGION), the outline of an
/// area dropped; the withheld fields emptied (TITLE: "CATEGORY (title withheld)" stands for it;
/// SOURCE: its reliability and credibility graded F and 6, "cannot be judged"). Built from the
/// release's rules and the record's other fields only, so nothing of a withheld field or of the
/// fine position is left in it. Nothing when it cannot be made (a REGION release for a point in no
/// region, or without `regions`): the record is then withheld.
/// `regionName`, when given, receives the name of the region a REGION release used.
std::optional<Incident> sanitisedIncident(const Incident& incident, const SanitisedRelease& release,
                                          const RegionLocator& regions = {},
                                          QString* regionName = nullptr);

/// What a product prints beside a sanitised record: "SANITISED: GRID 10 KM (31PDQ 3 5), WITHHOLD
/// SOURCE" (the square named), or the region's name.
QString sanitisedNote(const Incident& sanitised, const SanitisedRelease& release,
                      const QString& region = {});

} // namespace tessera::store
