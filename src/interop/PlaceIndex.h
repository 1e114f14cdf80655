// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/GeoTypes.h"
#include "geo/Result.h"
#include "store/Mission.h"

#include <QList>
#include <QString>

#include <optional>

namespace tessera::interop {

/// A named feature of one of the mission's vector layers that a user may look for by typing.
struct NamedPlace {
    QString name;        ///< as the layer writes it: "Ségou"
    QString within;      ///< what holds it, when the layer says: "Mali", "ML"; else empty
    QString layer;       ///< the mission layer's name: "Places (GeoNames)"
    bool area = false;   ///< a region or country (zoomed to its extent) rather than a point
    geo::GeoPoint point; ///< the point, or for an area a point on its surface
    std::optional<geo::Extent> extent; ///< an area's bounds, in degrees
    /// The layer's own importance (its style's "rank" field: 1 first), 0 when it has none.
    int rank = 0;
    QString folded; ///< the name folded for matching (foldForSearch)
};

/// The names of every vector layer of a mission, for finding places by typing: points (the
/// GeoNames places of the demo) and polygons (Natural Earth's regions and countries). The name
/// field is the layer style's "label" field, else the usual ones (name, NAME, ...).
/// Threads: built on a worker (it reads the layers through GDAL), then read-only.
class PlaceIndex {
public:
    /// Reads the mission's vector layers; a layer that cannot be read is skipped and named in
    /// `unreadable` (the others are still indexed).
    static PlaceIndex build(const store::MissionSnapshot& mission,
                            QStringList* unreadable = nullptr);

    /// The places whose folded name contains the folded `query`, best first: the
    /// whole name, then its start, then the start of one of its words, then anywhere; within
    /// each, the layer's rank, then nearest to `near`. At most `limit`.
    [[nodiscard]] QList<NamedPlace> search(const QString& query, geo::GeoPoint near,
                                           int limit = 12) const;

    [[nodiscard]] const QList<NamedPlace>& places() const { return places_; }

    /// Lower case, accents and other marks removed, punctuation as spaces: "Ségou" and "SEGOU"
    /// both fold to "segou", "Ménaka" to "menaka".
    static QString foldForSearch(const QString& text);

private:
    QList<NamedPlace> places_;
};

} // namespace tessera::interop
