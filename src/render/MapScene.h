// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "render/MapLayer.h"
#include "render/VectorLayer.h"
#include "store/Mission.h"

#include <QList>

#include <memory>

namespace tessera::render {

/// A mission's map layer as loaded: the drawable layer, or why it could not be loaded.
struct LoadedLayer {
    store::LayerSpec spec;
    std::shared_ptr<const MapLayer> layer; ///< null when broken
    QString problem;                       ///< what is wrong, in words for the user; empty if fine
    [[nodiscard]] bool isBroken() const { return layer == nullptr; }
};

/// Everything a map view draws for one mission: the mission's records and its loaded layers.
/// Built on a worker (loadScene reads files), then shared read-only with the GUI and renderers.
struct MapScene {
    store::MissionSnapshot mission;
    QList<LoadedLayer> layers; ///< in stack order, broken ones included so the UI can show them

    [[nodiscard]] QStringList problems() const;
    /// Labelled points of every visible vector layer, for the overlay.
    [[nodiscard]] std::vector<LabelPoint> labelPoints() const;
};

/// Opens the mission read-only and loads each layer. A mission that cannot be opened is an Error;
/// a layer that cannot be loaded is kept as a broken LoadedLayer and the rest still load.
/// Blocks on I/O: call it on a worker thread.
Result<std::shared_ptr<const MapScene>> loadScene(const QString& missionPath);

/// Loads one layer of a mission (already resolved source path). Blocks on I/O.
LoadedLayer loadLayer(const store::LayerSpec& spec, const QString& resolvedSource);

} // namespace tessera::render
