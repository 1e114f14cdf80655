// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/ReleasedVersion.h"

#include "geo/Geodesy.h"

namespace tessera::store {

std::function<bool(const Marking&)> wholeRecordsOnly(const ReleaseFilter& filter) {
    if (!filter)
        return {};
    return [filter](const Marking& m) { return filter(m).full(); };
}

ReleaseFilter wholeOrNothing(std::function<bool(const Marking&)> allowed) {
    return [allowed = std::move(allowed)](const Marking& m) {
        RecordRelease r;
        if (allowed(m))
            r.form = RecordRelease::Form::Full;
        else
            r.reason = QStringLiteral("not releasable");
        return r;
    };
}

std::optional<Incident> sanitisedIncident(const Incident& incident, const SanitisedRelease& release,
                                          const RegionLocator& regions, QString* regionName) {
    // Field by field from what the release keeps, never a copy with fields removed: a field
    // added to Incident later stays out of sanitised versions until it is named here.
    Incident out;
    out.uuid = incident.uuid;
    out.category = incident.category;
    out.severity = incident.severity;
    out.status = incident.status;
    out.observedAt = incident.observedAt;
    out.exercise = incident.exercise;
    out.stamp = incident.stamp;
    out.marking = sanitisedMarking(release).toStore();
    out.title = release.withheld.contains(QStringLiteral("TITLE"))
                    ? QStringLiteral("%1 (title withheld)").arg(incident.category)
                    : incident.title;
    if (!release.withheld.contains(QStringLiteral("NARRATIVE")))
        out.narrative = incident.narrative;
    if (release.withheld.contains(QStringLiteral("SOURCE"))) {
        // The admiralty grades that say nothing: reliability cannot be judged (F), truth
        // cannot be judged (6).
        out.reliability = QStringLiteral("F");
        out.credibility = 6;
    } else {
        out.source = incident.source;
        out.reliability = incident.reliability;
        out.credibility = incident.credibility;
    }
    if (release.gridKm > 0) {
        const std::optional<geo::geodesy::GridSquare> square =
            geo::geodesy::mgrsSquare(incident.location, release.gridKm);
        if (!square)
            return std::nullopt;
        out.location = square->centre;
    } else if (release.toRegion) {
        const std::optional<RegionPoint> region =
            regions ? regions(incident.location) : std::nullopt;
        if (!region || !region->centre.isValid())
            return std::nullopt;
        out.location = region->centre;
        if (regionName)
            *regionName = region->name;
    } else {
        out.location = incident.location;
        out.area = incident.area;
    }
    return out;
}

QString sanitisedNote(const Incident& sanitised, const SanitisedRelease& release,
                      const QString& region) {
    QStringList parts;
    if (release.gridKm > 0)
        parts.append(QStringLiteral("GRID %1 KM (%2)")
                         .arg(release.gridKm)
                         .arg(geo::geodesy::mgrsSquare(sanitised.location, release.gridKm)
                                  .value_or(geo::geodesy::GridSquare{})
                                  .reference));
    if (release.toRegion)
        parts.append(QStringLiteral("REGION (%1)").arg(region));
    for (const QString& field : release.withheld)
        parts.append(QStringLiteral("WITHHOLD ") + field);
    return QStringLiteral("SANITISED: ") + parts.join(QStringLiteral(", "));
}

} // namespace tessera::store
