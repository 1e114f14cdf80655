// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/RegionCounts.h"

#include "geo/ThreadCheck.h"
#include "interop/OgrHandles.h"
#include "store/MissionStore.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QRegularExpression>

#include <algorithm>
#include <functional>
#include <memory>

namespace tessera::interop {

std::optional<store::LayerSpec> regionLayer(const store::MissionSnapshot& mission) {
    for (const store::LayerSpec& l : mission.layers)
        if (l.kind == store::LayerKind::Vector &&
            QJsonDocument::fromJson(l.style.toUtf8()).object().value(QStringLiteral("role")) ==
                QLatin1String("regions"))
            return l;
    static const QRegularExpression units(QStringLiteral("state|province|region|admin_?1|adm_?1"),
                                          QRegularExpression::CaseInsensitiveOption);
    for (const store::LayerSpec& l : mission.layers)
        if (l.kind == store::LayerKind::Vector &&
            (units.match(l.name).hasMatch() || units.match(l.sourceLayer).hasMatch()))
            return l;
    return std::nullopt;
}

namespace {

struct GeometryDestroyer {
    void operator()(OGRGeometryH g) const { OGR_G_DestroyGeometry(g); }
};
using Geometry = std::unique_ptr<std::remove_pointer_t<OGRGeometryH>, GeometryDestroyer>;

/// A region layer open for reading: the dataset kept open as long as its layer is read.
struct RegionLayer {
    Dataset dataset;
    OGRLayerH layer = nullptr;
};
Result<RegionLayer> openRegionLayer(const QString& source, const QString& layerName) {
    Result<Dataset> ds = openVector(source);
    if (!ds)
        return ds.error();
    Result<OGRLayerH> picked = pickLayer(ds.value().get(), source, layerName);
    if (!picked)
        return picked.error();
    return RegionLayer{std::move(ds).value(), picked.value()};
}

/// Each polygon of `layer` in degrees, with its name (as countByRegion names it), to `take`.
void forEachRegion(OGRLayerH layer, const std::function<void(const QString&, Geometry)>& take) {
    const Transform transform = toWgs84(layer);
    const int name = nameFieldOf(OGR_L_GetLayerDefn(layer));
    OGR_L_ResetReading(layer);
    while (Feature f{OGR_L_GetNextFeature(layer)}) {
        OGRGeometryH shape = OGR_F_GetGeometryRef(f.get());
        if (!shape)
            continue;
        const OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(shape));
        if (type != wkbPolygon && type != wkbMultiPolygon)
            continue;
        Geometry geometry(OGR_G_Clone(shape));
        if (transform && OGR_G_Transform(geometry.get(), transform.get()) != OGRERR_NONE)
            continue;
        take(name >= 0 ? QString::fromUtf8(OGR_F_GetFieldAsString(f.get(), name))
                       : QStringLiteral("region %1").arg(OGR_F_GetFID(f.get())),
             std::move(geometry));
    }
}

} // namespace

Result<std::vector<QString>> regionsOf(const QString& source, const QString& layerName,
                                       const std::vector<geo::GeoPoint>& points) {
    TESSERA_ASSERT_WORKER_THREAD();
    std::vector<QString> regions(points.size());
    if (points.empty())
        return regions;
    Result<RegionLayer> opened = openRegionLayer(source, layerName);
    if (!opened)
        return opened.error();
    OGRLayerH layer = opened.value().layer;

    // Only regions that reach the points' box are read.
    double west = 180, south = 90, east = -180, north = -90;
    for (const geo::GeoPoint& p : points) {
        west = std::min(west, p.lon);
        east = std::max(east, p.lon);
        south = std::min(south, p.lat);
        north = std::max(north, p.lat);
    }
    // The spatial filter is in the layer's own coordinates: only when they are degrees already.
    if (!toWgs84(layer))
        OGR_L_SetSpatialFilterRect(layer, west, south, east, north);
    const Geometry point(OGR_G_CreateGeometry(wkbPoint));
    forEachRegion(layer, [&](const QString& label, Geometry geometry) {
        OGREnvelope box;
        OGR_G_GetEnvelope(geometry.get(), &box);
        for (std::size_t k = 0; k < points.size(); ++k) {
            const geo::GeoPoint& p = points[k];
            if (!regions[k].isEmpty() || p.lon < box.MinX || p.lon > box.MaxX || p.lat < box.MinY ||
                p.lat > box.MaxY)
                continue;
            OGR_G_SetPoint_2D(point.get(), 0, p.lon, p.lat);
            if (OGR_G_Contains(geometry.get(), point.get()))
                regions[k] = label;
        }
    });
    return regions;
}

Result<store::RegionLocator> regionLocator(const QString& source, const QString& layerName) {
    TESSERA_ASSERT_WORKER_THREAD();
    Result<RegionLayer> opened = openRegionLayer(source, layerName);
    if (!opened)
        return opened.error();
    OGRLayerH layer = opened.value().layer;
    struct Region {
        std::shared_ptr<std::remove_pointer_t<OGRGeometryH>> shape;
        OGREnvelope box;
        store::RegionPoint point;
    };
    auto regions = std::make_shared<std::vector<Region>>();
    forEachRegion(layer, [&](const QString& label, Geometry geometry) {
        const Geometry centre(OGR_G_PointOnSurface(geometry.get()));
        if (!centre)
            return;
        Region region;
        OGR_G_GetEnvelope(geometry.get(), &region.box);
        region.point = {label, {OGR_G_GetX(centre.get(), 0), OGR_G_GetY(centre.get(), 0)}};
        region.shape.reset(geometry.release(), GeometryDestroyer{});
        regions->push_back(std::move(region));
    });
    return store::RegionLocator([regions](geo::GeoPoint p) -> std::optional<store::RegionPoint> {
        const Geometry point(OGR_G_CreateGeometry(wkbPoint));
        OGR_G_SetPoint_2D(point.get(), 0, p.lon, p.lat);
        for (const Region& r : *regions)
            if (p.lon >= r.box.MinX && p.lon <= r.box.MaxX && p.lat >= r.box.MinY &&
                p.lat <= r.box.MaxY && OGR_G_Contains(r.shape.get(), point.get()))
                return r.point;
        return std::nullopt;
    });
}

store::RegionLocator regionsOfMission(store::MissionStore& store) {
    Result<QList<store::LayerSpec>> layers = store.layers();
    if (!layers)
        return {};
    store::MissionSnapshot mission;
    mission.path = store.path();
    mission.layers = layers.value();
    const std::optional<store::LayerSpec> layer = regionLayer(mission);
    if (!layer)
        return {};
    Result<store::RegionLocator> regions =
        regionLocator(mission.resolveSource(*layer), layer->sourceLayer);
    return regions ? regions.value() : store::RegionLocator();
}

Result<QList<RegionCount>> countByRegion(const QString& source, const QString& layerName,
                                         const QList<store::Incident>& incidents,
                                         const store::TimeWindow& window) {
    std::vector<geo::GeoPoint> points;
    for (const store::Incident& i : incidents)
        if (store::inWindow(i, window))
            points.push_back(i.location);
    Result<std::vector<QString>> regions = regionsOf(source, layerName, points);
    if (!regions)
        return regions.error();
    QMap<QString, int> byName;
    for (const QString& region : regions.value())
        if (!region.isEmpty())
            ++byName[region];
    QList<RegionCount> counts;
    for (auto it = byName.cbegin(); it != byName.cend(); ++it)
        counts.append({it.key(), it.value()});
    std::stable_sort(counts.begin(), counts.end(), [](const RegionCount& a, const RegionCount& b) {
        return a.count != b.count ? a.count > b.count : a.name < b.name;
    });
    return counts;
}

} // namespace tessera::interop
