// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/GeoTypes.h"
#include "render/MapScene.h"
#include "render/Viewport.h"
#include "store/TimeWindow.h"

#include <QColor>
#include <QImage>
#include <QString>

namespace tessera::render {

/// The classification line of a picture as banners print it: the marking of what it shows
/// (store::shownMarking: "SECRET // REL TO NLD", never less than the records drawn), framed by
/// "EXERCISE ·" for an exercise.
QString bannerText(const store::MissionInfo& info, const store::CombinedMarking& shown);
/// The banner's colour: exercise blue for an exercise, else by the level of what is shown
/// (green unclassified, blue restricted or confidential, red secret).
QColor bannerColor(const store::MissionInfo& info, const store::CombinedMarking& shown);

/// What a map product shows beyond the map.
struct ProductSpec {
    store::TimeWindow window; ///< the records drawn, as on the map
    QString windowLabel;      ///< "All time", "Last 24 hours", ...
    QString selectedIncident; ///< ringed, as on the map
    QDateTime producedAt;     ///< printed in the title line (UTC); invalid: now
};

/// A briefing product of the view: the classification banner at top and bottom, a title line
/// (mission, time window, when it was produced), the map with its overlay in the window, and a
/// legend of what the markers and lines mean with the counts in view.
/// Threads: any thread but the GUI thread (it renders tiles; SceneRenderer).
struct Product {
    QImage image;
    QStringList tileErrors; ///< tiles that could not be drawn (the rest is)
};
Product renderProduct(const MapScene& scene, const Viewport& view, const ProductSpec& spec);

/// The map of a product with its legend, without its banners and title line: for a report that
/// frames its pages with its own (a SITREP's banner carries the marking of the whole report).
QImage productMap(const Product& product);

/// Writes the product to `path`: PNG, or PDF (one page of the image's proportions) when the
/// name ends in ".pdf". All or nothing: written to a temporary file and renamed.
Status writeProduct(const QImage& image, const QString& path, const QString& title);

} // namespace tessera::render
