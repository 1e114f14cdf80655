// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/GeoTypes.h"
#include "geo/Result.h"

#include <memory>
#include <vector>

namespace tessera::geo {

/// A PROJ transformation between two CRSs, in "visualisation" axis order (x = easting or
/// longitude, y = northing or latitude) whatever the CRS definitions say.
///
/// Threads: PROJ contexts are not thread-safe, so each instance owns its own context. Create one
/// per thread; an instance may be moved to another thread but never used from two at once.
class CoordinateTransform {
public:
    /// Accepts anything proj_create accepts: "EPSG:4326", a WKT string, a PROJ string.
    static Result<CoordinateTransform> create(const QString& sourceCrs, const QString& targetCrs);

    CoordinateTransform(CoordinateTransform&&) noexcept;
    CoordinateTransform& operator=(CoordinateTransform&&) noexcept;
    ~CoordinateTransform();

    /// Returns a point with non-finite coordinates when the point cannot be transformed.
    [[nodiscard]] MapPoint transform(MapPoint p) const;
    [[nodiscard]] MapPoint inverse(MapPoint p) const;
    /// Transforms in place; points PROJ cannot transform become non-finite.
    void transformInPlace(std::vector<MapPoint>& points) const;

private:
    struct State;
    explicit CoordinateTransform(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

} // namespace tessera::geo
