// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Internal to the store: the Hilbert key that clusters the marker table (`incident_marker`,
// schema 3, docs/store.md "Queries") and the key ranges that cover a bounding box.

#include "geo/GeoTypes.h"

#include <QtGlobal>

#include <utility>
#include <vector>

struct sqlite3;

namespace tessera::store {

/// Position of the grid cell (x, y) on the Hilbert curve that fills a 65536 x 65536 grid.
quint64 hilbertIndex(quint32 x, quint32 y);

/// The key of a point: the Hilbert index of its cell in a 65536 x 65536 grid over the whole
/// world (lon -180..180, lat -90..90; about 600 m by 300 m at the equator). Monotonic per axis
/// in the cell numbers, so a point inside a box lies in one of the box's cells.
quint64 markerKey(double lon, double lat);

/// Disjoint, sorted, inclusive key ranges whose cells cover `box` (degrees): every point in the
/// box has a key in one of them; points outside may too (callers re-check the coordinates).
/// At most `maxRanges` ranges.
std::vector<std::pair<quint64, quint64>> markerKeyRanges(const geo::Extent& box,
                                                         int maxRanges = 48);

/// Registers `tessera_marker_key(lon, lat)` (markerKey, deterministic) on the connection: the
/// store's SQL fills and maintains `incident_marker` with it.
int registerMarkerKeyFunction(sqlite3* db);

} // namespace tessera::store
