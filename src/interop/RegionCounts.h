// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "store/Mission.h"
#include "store/ReleasedVersion.h"
#include "store/TimeWindow.h"

#include <QList>
#include <QString>

#include <optional>
#include <vector>

namespace tessera::store {
class MissionStore;
}

namespace tessera::interop {

/// How many incidents a region holds.
struct RegionCount {
    QString name;
    int count = 0;
};

/// The mission layer that holds its first-level regions (states, provinces, regions): one whose
/// style says `"role": "regions"`, else a vector layer whose name or source layer names such
/// units ("state", "province", "region", "admin1", "adm1"). None when the mission has none.
std::optional<store::LayerSpec> regionLayer(const store::MissionSnapshot& mission);

/// The region of each of `points` (degrees) among the polygons of `layer`: its name (as
/// countByRegion names it), empty for a point outside every region.
/// Threads: a worker (it reads the file through GDAL).
Result<std::vector<QString>> regionsOf(const QString& source, const QString& layer,
                                       const std::vector<geo::GeoPoint>& points);

/// Where each point lies among the polygons of `layer`, for a release that coarsens positions to
/// the region: the region's name and a point on its surface (OGR's PointOnSurface, the same for
/// every point in it). The polygons are read once, here; the locator then needs no file and
/// may be called from one thread at a time.
/// Threads: a worker (it reads the file through GDAL).
Result<store::RegionLocator> regionLocator(const QString& source, const QString& layer);

/// regionLocator over the region layer of the mission `store` holds (regionLayer); an empty
/// locator when it has none or it cannot be read. What tessera-cli and the app install as
/// sharing's region provider (share::setRegionProvider), for sanitised versions in bundles.
/// Threads: the store's (a worker).
store::RegionLocator regionsOfMission(store::MissionStore& store);

/// Counts the incidents in `window` that fall inside each polygon of `layer` (any CRS OGR knows;
/// the name from a field called name, NAME, name_en, NAME_1 or admin, else the first text
/// field), most first, regions with none left out.
/// Threads: a worker (it reads the file through GDAL).
Result<QList<RegionCount>> countByRegion(const QString& source, const QString& layer,
                                         const QList<store::Incident>& incidents,
                                         const store::TimeWindow& window);

} // namespace tessera::interop
