// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "share/ReleasePolicy.h"

#include "share/Marking.h"

namespace tessera::share {

namespace {
ReleaseDecision refuse(const QString& reason) {
    return {false, reason};
}
} // namespace

ReleaseDecision ReleasePolicy::mayRelease(const store::Marking& marking,
                                          const ContactCard& recipient) {
    return mayRelease(marking, recipient.profile);
}

ReleaseDecision ReleasePolicy::mayRelease(const store::Marking& marking,
                                          const StationProfile& recipient) {
    Result<ParsedMarking> parsed = parseMarking(marking);
    if (!parsed)
        return refuse(QStringLiteral("the marking '%1' cannot be read: %2")
                          .arg(marking.banner(), parsed.error().message));
    const ParsedMarking& m = parsed.value();
    if (m.level > recipient.clearance)
        return refuse(
            QStringLiteral("%1 is above %2's clearance (%3)")
                .arg(toString(m.level), recipient.stationName, toString(recipient.clearance)));
    for (const QString& caveat : m.caveats)
        if (!recipient.caveats.contains(normalizeToken(caveat)))
            return refuse(QStringLiteral("%1 is not cleared for the caveat %2")
                              .arg(recipient.stationName, caveat));
    if (m.relTo.isEmpty()) {
        if (m.level != Classification::Unclassified)
            return refuse(QStringLiteral("%1 without a REL TO line is not releasable")
                              .arg(toString(m.level)));
        return {true, {}};
    }
    const QString organisation = normalizeToken(recipient.organisation);
    if (!organisation.isEmpty() && m.relTo.contains(organisation))
        return {true, {}};
    for (const QString& community : recipient.communities) {
        const QString c = normalizeToken(community);
        if (!c.isEmpty() && m.relTo.contains(c))
            return {true, {}};
    }
    return refuse(QStringLiteral("%1 (%2) is not on %3")
                      .arg(recipient.stationName, organisation, marking.releasability));
}

ReleaseDecision ReleasePolicy::mayRelease(const store::Marking& marking,
                                          const QList<store::Marking>& ancestors,
                                          const StationProfile& recipient) {
    if (ReleaseDecision own = mayRelease(marking, recipient); !own)
        return own;
    for (const store::Marking& ancestor : ancestors)
        if (ReleaseDecision up = mayRelease(ancestor, recipient); !up)
            return refuse(
                QStringLiteral("the record it belongs to is withheld: %1").arg(up.reason));
    return {true, {}};
}

store::RecordRelease ReleasePolicy::releaseOf(const store::Marking& marking,
                                              const QList<store::Marking>& ancestors,
                                              const StationProfile& recipient) {
    store::RecordRelease out;
    const ReleaseDecision full = mayRelease(marking, ancestors, recipient);
    if (full) {
        out.form = store::RecordRelease::Form::Full;
        return out;
    }
    out.reason = full.reason;
    if (!ancestors.isEmpty())
        return out;
    Result<ParsedMarking> parsed = parseMarking(marking);
    if (!parsed || !parsed.value().sanitised)
        return out;
    const store::SanitisedRelease& release = *parsed.value().sanitised;
    const ReleaseDecision version =
        mayRelease(store::sanitisedMarking(release).toStore(), recipient);
    if (!version) {
        out.reason += QStringLiteral("; and its sanitised version: ") + version.reason;
        return out;
    }
    out.form = store::RecordRelease::Form::Sanitised;
    out.sanitised = release;
    return out;
}

store::ReleaseFilter ReleasePolicy::filterFor(const StationProfile& recipient) {
    return [recipient](const store::Marking& marking) { return releaseOf(marking, {}, recipient); };
}

ReleaseDecision ReleasePolicy::mayRemark(const store::Marking& held, const store::Marking& proposed,
                                         bool byOrigin) {
    if (const QString why = store::remarkRefusal(held, proposed, byOrigin); !why.isEmpty())
        return refuse(why);
    return {true, {}};
}

} // namespace tessera::share
