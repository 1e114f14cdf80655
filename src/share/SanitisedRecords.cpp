// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "share/SanitisedRecords.h"

#include "share/ReleasePolicy.h"
#include "store/IncidentRow.h"

namespace tessera::share {

namespace {} // namespace

BundleRelease bundleRelease(const store::Marking& marking, const QList<store::Marking>& ancestors,
                            bool ownIncident, const QList<StationProfile>& recipients) {
    BundleRelease out;
    bool whole = true;
    bool sanitised = ownIncident && !recipients.isEmpty();
    for (const StationProfile& to : recipients) {
        const store::RecordRelease r = ReleasePolicy::releaseOf(marking, ancestors, to);
        whole = whole && r.full();
        sanitised = sanitised && r.form == store::RecordRelease::Form::Sanitised;
        if (r.form == store::RecordRelease::Form::Sanitised)
            out.sanitised = r.sanitised;
    }
    out.form = whole       ? BundleRelease::Form::Whole
               : sanitised ? BundleRelease::Form::Sanitised
                           : BundleRelease::Form::Withheld;
    return out;
}

namespace {
RegionProvider& installedProvider() {
    static RegionProvider provider;
    return provider;
}
} // namespace

void setRegionProvider(RegionProvider provider) {
    installedProvider() = std::move(provider);
}

store::RegionLocator missionRegions(store::MissionStore& mission) {
    const RegionProvider& provider = installedProvider();
    return provider ? provider(mission) : store::RegionLocator();
}

std::optional<SharedRecord> sanitisedRecord(const SharedRecord& original,
                                            const store::SanitisedRelease& release,
                                            const store::RegionLocator& regions) {
    if (original.kind != QLatin1String("incident"))
        return std::nullopt;
    Result<store::Incident> read = store::incidentFromWire(original.value);
    if (!read)
        return std::nullopt;
    store::Incident incident = std::move(read).value();
    incident.uuid = original.uuid;
    incident.marking = original.marking;
    const std::optional<store::Incident> version =
        store::sanitisedIncident(incident, release, regions);
    if (!version)
        return std::nullopt;
    SharedRecord out;
    out.kind = original.kind;
    out.uuid = sanitisedUuid(original.uuid);
    out.marking = version->marking;
    out.updated = original.updated;
    out.station = original.station;
    out.origin = original.origin;
    // A fresh map: the keys every record has, then the version's content. Nothing else of the
    // original's map is copied, so no field of it can ride along.
    QCborMap& m = out.value;
    for (const char* key : {"kind", "station", "origin", "created", "updated", "deleted", "vv"})
        if (original.value.contains(QLatin1String(key)))
            m.insert(QLatin1String(key), original.value.value(QLatin1String(key)));
    m.insert(QStringLiteral("uuid"), out.uuid);
    m.insert(QStringLiteral("classification"), out.marking.classification);
    m.insert(QStringLiteral("releasability"), out.marking.releasability);
    m.insert(kSanitisedOfKey, original.uuid);
    store::incidentToWire(*version, m);
    return out;
}

} // namespace tessera::share
