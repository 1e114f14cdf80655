// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "render/MapScene.h"
#include "store/MarkingGrammar.h"
#include "store/ReleasedVersion.h"

#include <QColor>
#include <QDateTime>
#include <QImage>
#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

namespace tessera::report {

/// A situation report of a period (docs/analysis.md): A4 pages, each framed by the banner of the
/// highest marking the report contains (store::shownMarking over the period: never less than
/// what any page shows); the period's map with its hot spots; counts by kind and region; the
/// incidents over time; emerging hot spots and unusual activity; the significant incidents; the
/// patrols. An analysis that cannot run on the period says why in the report.
struct SitrepOptions {
    QDateTime from;
    QDateTime to;
    QDateTime producedAt; ///< invalid: now
    double hotSpotCellMetres = 5000;
    /// A releasable version for a recipient (share::ReleasePolicy::filterFor): only the
    /// incidents, routes and annotations it may have are shown, counted or analysed, an incident
    /// it may have sanitised as that version (store::sanitisedIncident: coarse position, fields
    /// withheld, its own marking; listed with what was done); layers made from records whose
    /// markings it may not have in full are left out; the first page says for whom and how much
    /// was withheld. Empty: the full report, for this station.
    store::ReleaseFilter releasable;
    QString recipient;
};

struct Sitrep {
    std::vector<QImage> pages; ///< A4 at 150 dpi
    store::CombinedMarking marking;
    QString banner;
    QColor bannerColor;
    int incidents = 0;
    QString hotSpots;            ///< what the hot spot analysis found, or why it did not run
    std::size_t unusual = 0;     ///< region-categories flagged as unusual
    std::size_t significant = 0; ///< high and critical incidents listed
    QStringList shownIncidents;  ///< the UUIDs of the incidents the report counts and shows
    QList<store::Incident> shownVersions; ///< those incidents as counted and drawn
    int withheld = 0;                     ///< records left out of a releasable version
    int sanitised = 0;                    ///< incidents shown as their sanitised version
};

/// Composes the report. Threads: a worker (it renders tiles and reads layers through GDAL).
Result<Sitrep> composeSitrep(const render::MapScene& scene, const SitrepOptions& options);

/// Writes it: a PDF of its pages (whole or not at all), or, for a name ending in .png, each page
/// as NAME-1.png, NAME-2.png, ...; returns the files written.
Result<QStringList> writeSitrep(const Sitrep& report, const QString& path, const QString& title);

} // namespace tessera::report
