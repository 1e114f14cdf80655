// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/LayerListModel.h"

#include "quick/MissionController.h"
#include "render/RasterLayer.h"

namespace tessera::quick {

LayerListModel::LayerListModel(QObject* parent)
    : QAbstractListModel(parent) {}

void LayerListModel::setMission(MissionController* mission) {
    if (mission_)
        disconnect(mission_, &MissionController::overviewsChanged, this, nullptr);
    if (!followMission(mission_, mission, this, &LayerListModel::rebuild))
        return;
    if (mission_)
        connect(mission_, &MissionController::overviewsChanged, this,
                &LayerListModel::overviewsChanged);
    emit missionChanged();
}

void LayerListModel::overviewsChanged(qint64 layerId) {
    for (int row = 0; row < rowCount(); ++row)
        if (data(index(row), LayerIdRole).toLongLong() == layerId)
            emit dataChanged(index(row), index(row), {NeedsOverviewsRole, OverviewProgressRole});
}

void LayerListModel::rebuild() {
    beginResetModel();
    endResetModel();
}

int LayerListModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() || !mission_ || !mission_->scene())
        return 0;
    return static_cast<int>(mission_->scene()->layers.size());
}

QVariant LayerListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const auto& layers = mission_->scene()->layers;
    const render::LoadedLayer& layer = layers[layers.size() - 1 - index.row()]; // top first
    switch (role) {
    case NameRole:
        return layer.spec.name;
    case KindRole:
        return store::toString(layer.spec.kind);
    case VisibleRole:
        return layer.spec.visible;
    case BrokenRole:
        return layer.isBroken();
    case ProblemRole:
        return layer.problem;
    case LayerIdRole:
        return layer.spec.id;
    case OpacityRole:
        return layer.spec.opacity;
    case StyleRole:
        return mission_->layerStyle(layer.spec.id);
    case NeedsOverviewsRole: {
        const auto* raster = dynamic_cast<const render::RasterLayer*>(layer.layer.get());
        return raster && raster->needsOverviews();
    }
    case OverviewProgressRole:
        return mission_->overviewProgress(layer.spec.id);
    case BandCountRole: {
        const auto* raster = dynamic_cast<const render::RasterLayer*>(layer.layer.get());
        return raster ? raster->bandCount() : 0;
    }
    default:
        return {};
    }
}

QHash<int, QByteArray> LayerListModel::roleNames() const {
    return {{NameRole, "name"},
            {KindRole, "kind"},
            {VisibleRole, "layerVisible"},
            {BrokenRole, "broken"},
            {ProblemRole, "problem"},
            {LayerIdRole, "layerId"},
            {OpacityRole, "layerOpacity"},
            {StyleRole, "layerStyle"},
            {NeedsOverviewsRole, "needsOverviews"},
            {OverviewProgressRole, "overviewProgress"},
            {BandCountRole, "bandCount"}};
}

} // namespace tessera::quick
