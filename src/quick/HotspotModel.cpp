// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/HotspotModel.h"

#include <QtConcurrent/QtConcurrentRun>

namespace tessera::quick {

HotspotModel::HotspotModel(QObject* parent)
    : QObject(parent) {
    connect(&watcher_, &QFutureWatcherBase::finished, this, &HotspotModel::counted);
}

HotspotModel::~HotspotModel() {
    watcher_.waitForFinished();
}

void HotspotModel::setMission(MissionController* mission) {
    if (!followMission(mission_, mission, this, &HotspotModel::recount))
        return;
    if (mission_)
        connect(mission_, &MissionController::timeWindowChanged, this, &HotspotModel::recount);
    emit missionChanged();
}

void HotspotModel::recount() {
    if (watcher_.isRunning()) { // one count at a time; the newest question follows it
        again_ = true;
        return;
    }
    const auto scene = mission_ ? mission_->scene() : nullptr;
    const std::optional<store::LayerSpec> layer =
        scene ? interop::regionLayer(scene->mission) : std::nullopt;
    layerName_ = layer ? layer->name : QString();
    if (!scene || !layer) {
        counts_.clear();
        error_.clear();
        emit changed();
        return;
    }
    const QString source = scene->mission.resolveSource(*layer);
    const QString sourceLayer = layer->sourceLayer;
    const store::TimeWindow window = mission_->timeWindow();
    watcher_.setFuture(QtConcurrent::run([scene, source, sourceLayer, window] {
        return interop::countByRegion(source, sourceLayer, scene->mission.incidents, window);
    }));
    emit changed();
}

void HotspotModel::counted() {
    const Result<QList<interop::RegionCount>> result = watcher_.result();
    if (result) {
        counts_ = result.value();
        error_.clear();
    } else {
        counts_.clear();
        error_ = result.error().message;
    }
    emit changed();
    if (again_) {
        again_ = false;
        recount();
    }
}

QVariantList HotspotModel::regions() const {
    QVariantList list;
    for (qsizetype k = 0; k < counts_.size() && k < limit_; ++k)
        list.append(QVariantMap{{QStringLiteral("name"), counts_[k].name},
                                {QStringLiteral("count"), counts_[k].count}});
    return list;
}

} // namespace tessera::quick
