// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "store/Query.h"

#include <QString>

#include <functional>

namespace tessera::store {
class MissionStore;
}

namespace tessera::interop {

/// Writes the incidents a query selects (its offset and limit apply; limit 0: all of them) to
/// GeoJSON (.geojson, .json), GeoPackage (.gpkg), KML/KMZ (.kml, .kmz: title as the
/// placemark's name, narrative as its description) or GPX (.gpx: waypoints with name, desc and
/// time, the other fields in extensions, areas as their point), chosen by the file's extension:
/// points, or polygons for areas, in WGS84, with every incident field and the marking. Written
/// beside the target and renamed into place, so a failure leaves no half file. Returns the number
/// of incidents written. Threads: the store's thread.
///
/// An export made for a recipient passes `releasable`: an incident it refuses is never written,
/// and is counted in `withheld` (docs/sharing.md: every serialiser of records for another
/// station asks ReleasePolicy).
Result<qint64> exportIncidents(store::MissionStore& mission, const QString& file,
                               store::IncidentQuery query,
                               const std::function<bool(const store::Marking&)>& releasable = {},
                               qint64* withheld = nullptr);

} // namespace tessera::interop
