// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "render/MapScene.h"

#include "geo/ThreadCheck.h"
#include "render/RasterLayer.h"
#include "store/MissionStore.h"

#include <QFileInfo>

namespace tessera::render {

QStringList MapScene::problems() const {
    QStringList list;
    for (const LoadedLayer& l : layers)
        if (l.isBroken())
            list.append(QStringLiteral("Layer \"%1\": %2").arg(l.spec.name, l.problem));
    return list;
}

std::vector<LabelPoint> MapScene::labelPoints() const {
    std::vector<LabelPoint> points;
    for (const LoadedLayer& l : layers) {
        if (l.isBroken() || !l.spec.visible)
            continue;
        if (const auto* vector = dynamic_cast<const VectorLayer*>(l.layer.get()))
            points.insert(points.end(), vector->labelPoints().begin(), vector->labelPoints().end());
    }
    return points;
}

LoadedLayer loadLayer(const store::LayerSpec& spec, const QString& resolvedSource) {
    TESSERA_ASSERT_WORKER_THREAD();
    LoadedLayer loaded{spec, nullptr, QString()};
    if (spec.kind == store::LayerKind::Raster) {
        auto raster = RasterLayer::open(spec.id, spec.name, resolvedSource,
                                        RasterStyle::fromJson(spec.style));
        if (raster)
            loaded.layer = raster.value();
        else
            loaded.problem = raster.error().message;
    } else {
        auto vector = VectorLayer::open(spec.id, spec.name, resolvedSource, spec.sourceLayer,
                                        LayerStyle::fromJson(spec.style));
        if (vector)
            loaded.layer = vector.value();
        else
            loaded.problem = vector.error().message;
    }
    return loaded;
}

Result<std::shared_ptr<const MapScene>> loadScene(const QString& missionPath) {
    TESSERA_ASSERT_WORKER_THREAD();
    // Read-only, so that opening never writes; a mission from an older Tessera is upgraded once,
    // read-write (open() checks the file before writing anything).
    Result<store::MissionSnapshot> snapshot = store::MissionStore::load(missionPath);
    if (!snapshot && snapshot.error().message.contains(QLatin1String("older schema")) &&
        QFileInfo(missionPath).isWritable()) {
        auto store = store::MissionStore::open(missionPath, store::MissionStore::Access::ReadWrite);
        snapshot = store ? store.value().snapshot() : Result<store::MissionSnapshot>(store.error());
    }
    if (!snapshot)
        return snapshot.error();
    auto scene = std::make_shared<MapScene>();
    scene->mission = std::move(snapshot).value();
    for (const store::LayerSpec& spec : scene->mission.layers)
        scene->layers.append(loadLayer(spec, scene->mission.resolveSource(spec)));
    return std::shared_ptr<const MapScene>(std::move(scene));
}

} // namespace tessera::render
