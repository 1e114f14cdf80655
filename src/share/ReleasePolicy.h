// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "share/Identity.h"
#include "store/Mission.h"
#include "store/ReleasedVersion.h"

#include <QString>

namespace tessera::share {

/// Whether a record may go to a recipient, and why not.
struct ReleaseDecision {
    bool allowed = false;
    QString reason; ///< why it is refused; empty when allowed
    explicit operator bool() const { return allowed; }
};

/// The one place that decides what leaves this station. Every serialiser of records for another
/// station (bundles now; exports and prints when they learn about recipients) asks mayRelease()
/// for each record and each recipient, and writes nothing the answer refuses.
///
/// The rules (docs/sharing.md), all of which must hold:
///  1. the marking parses (parseMarking); anything else is refused: default deny;
///  2. the level is at most the recipient's clearance;
///  3. the recipient holds every caveat;
///  4. with a REL TO line, the recipient's organisation or one of its communities is on it;
///     without one, only UNCLASSIFIED is releasable (above it, the originator did not say who
///     may have it, so nobody else may).
///
/// Threads: stateless; any.
class ReleasePolicy {
public:
    [[nodiscard]] static ReleaseDecision mayRelease(const store::Marking& marking,
                                                    const ContactCard& recipient);
    [[nodiscard]] static ReleaseDecision mayRelease(const store::Marking& marking,
                                                    const StationProfile& recipient);
    /// A record that belongs to others (a note or an attachment to its incident) is released
    /// only when it and every one of `ancestors` may be: raising an incident withholds the notes
    /// and files written while it was lower. Every path that sends records uses this form.
    [[nodiscard]] static ReleaseDecision mayRelease(const store::Marking& marking,
                                                    const QList<store::Marking>& ancestors,
                                                    const StationProfile& recipient);

    /// What of a record goes to `recipient`: the record when mayRelease allows it; else a
    /// sanitised version when its marking has a sanitised release that mayRelease allows under
    /// the release's own marking (records that belong to others, with `ancestors`, never:
    /// a note or a file is not coarsened, it is withheld); else nothing, with the reason.
    /// A product that cannot make a version of some kind of record withholds it.
    [[nodiscard]] static store::RecordRelease releaseOf(const store::Marking& marking,
                                                        const QList<store::Marking>& ancestors,
                                                        const StationProfile& recipient);
    /// releaseOf for every record of a product made for `recipient`.
    [[nodiscard]] static store::ReleaseFilter filterFor(const StationProfile& recipient);

    /// Marking authority (store::remarkRefusal): whether a station may change a record's marking
    /// from `held` to `proposed`. Any station that holds a record may raise it; only the station
    /// that created it (`byOrigin`) may lower or widen it.
    [[nodiscard]] static ReleaseDecision mayRemark(const store::Marking& held,
                                                   const store::Marking& proposed, bool byOrigin);
};

} // namespace tessera::share
