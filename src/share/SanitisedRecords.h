// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Internal to tessera_share: sanitised versions in bundles (docs/sharing.md, "Sanitised
// versions"). A peer that a record's marking offers only a sanitised version receives it as a
// record of its own: an incident whose UUID is derived from the original's, written and signed
// by the originator with the original's stamp, under the sanitised marking, with the original's
// UUID under "sanitised_of". Relays pass it on like any record; a station that holds the original
// keeps the original only.

#include "share/Bundle.h"
#include "share/BundleRecords.h"
#include "share/Identity.h"
#include "store/ReleasedVersion.h"

#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace tessera::share {

/// The key under which a sanitised version names its original (docs/formats/bundle.md).
inline const QString kSanitisedOfKey = QStringLiteral("sanitised_of");

/// How a record goes out in one bundle for all of `recipients`.
struct BundleRelease {
    enum class Form { Whole, Sanitised, Withheld };
    Form form = Form::Withheld;
    store::SanitisedRelease sanitised; ///< when Sanitised
};

/// The record in full when ReleasePolicy releases it to every recipient; its sanitised version
/// when every recipient may have that and none the record (a mixed group gets neither), the
/// record is an incident, and this station created it and wrote its current version
/// (`ownIncident`): only the originator makes versions, so that each is signed by the station
/// whose marking asked for it; else nothing.
BundleRelease bundleRelease(const store::Marking& marking, const QList<store::Marking>& ancestors,
                            bool ownIncident, const QList<StationProfile>& recipients);

/// The UUID of an incident's sanitised version: a name-based UUID (RFC 4122 version 5) of the
/// original's, the same at every station.
QString sanitisedUuid(const QString& original);

/// The sanitised version of `original` (an incident as it travels) under `release`: the same
/// stamps, writer and origin, the original's UUID under "sanitised_of", content and marking from
/// store::sanitisedIncident with `regions`; unsigned. Nothing when no version can be made (a
/// REGION release without regions, or for a point in none).
std::optional<SharedRecord> sanitisedRecord(const SharedRecord& original,
                                            const store::SanitisedRelease& release,
                                            const store::RegionLocator& regions = {});

/// The regions of `mission` through the provider installed with setRegionProvider (Bundle.h);
/// an empty locator without one.
store::RegionLocator missionRegions(store::MissionStore& mission);

/// For a received incident that names the original it was made from: an error when its UUID is
/// not that original's sanitisedUuid (a version cannot stand in for another record).
Status checkSanitisedOf(const QString& kind, const QString& uuid, const QCborMap& record);

} // namespace tessera::share
