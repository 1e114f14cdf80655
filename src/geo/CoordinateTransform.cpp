// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "geo/CoordinateTransform.h"

#include <proj.h>

#include <limits>

namespace tessera::geo {

struct CoordinateTransform::State {
    PJ_CONTEXT* context = nullptr;
    PJ* transform = nullptr;
    ~State() {
        if (transform)
            proj_destroy(transform);
        if (context)
            proj_context_destroy(context);
    }
};

Result<CoordinateTransform> CoordinateTransform::create(const QString& sourceCrs,
                                                        const QString& targetCrs) {
    auto state = std::make_unique<State>();
    state->context = proj_context_create();
    if (!state->context)
        return Error{QStringLiteral("PROJ could not create a context")};
    // Failures come back as values; PROJ's own messages on stderr would only confuse users.
    proj_log_level(state->context, PJ_LOG_NONE);
    PJ* raw = proj_create_crs_to_crs(state->context, sourceCrs.toUtf8().constData(),
                                     targetCrs.toUtf8().constData(), nullptr);
    if (!raw) {
        const int code = proj_context_errno(state->context);
        return Error{QStringLiteral("No transformation from %1 to %2: %3")
                         .arg(sourceCrs, targetCrs,
                              QString::fromUtf8(proj_context_errno_string(state->context, code)))};
    }
    state->transform = proj_normalize_for_visualization(state->context, raw);
    proj_destroy(raw);
    if (!state->transform)
        return Error{QStringLiteral("PROJ could not normalise the axis order of %1 -> %2")
                         .arg(sourceCrs, targetCrs)};
    return CoordinateTransform(std::move(state));
}

CoordinateTransform::CoordinateTransform(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
CoordinateTransform::CoordinateTransform(CoordinateTransform&&) noexcept = default;
CoordinateTransform& CoordinateTransform::operator=(CoordinateTransform&&) noexcept = default;
CoordinateTransform::~CoordinateTransform() = default;

namespace {
MapPoint run(PJ* transform, MapPoint p, PJ_DIRECTION direction) {
    const PJ_COORD out = proj_trans(transform, direction, proj_coord(p.x, p.y, 0.0, 0.0));
    if (out.xy.x == HUGE_VAL || out.xy.y == HUGE_VAL)
        return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
    return {out.xy.x, out.xy.y};
}
} // namespace

MapPoint CoordinateTransform::transform(MapPoint p) const {
    return run(state_->transform, p, PJ_FWD);
}

MapPoint CoordinateTransform::inverse(MapPoint p) const {
    return run(state_->transform, p, PJ_INV);
}

void CoordinateTransform::transformInPlace(std::vector<MapPoint>& points) const {
    for (MapPoint& p : points)
        p = transform(p);
}

} // namespace tessera::geo
