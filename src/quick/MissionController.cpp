// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/MissionController.h"

#include <QtConcurrent/QtConcurrentRun>

namespace tessera::quick {

MissionController::MissionController(QObject* parent)
    : QObject(parent) {
    connect(&watcher_, &QFutureWatcherBase::finished, this, &MissionController::loadFinished);
}

MissionController::~MissionController() {
    watcher_.waitForFinished();
}

void MissionController::setPath(const QString& path) {
    if (path == path_ && status_ != Status::Failed)
        return;
    path_ = path;
    emit pathChanged();
    if (path.isEmpty()) {
        scene_.reset();
        status_ = Status::Empty;
        emit sceneChanged();
        emit statusChanged();
        return;
    }
    status_ = Status::Loading;
    errorMessage_.clear();
    emit statusChanged();
    watcher_.setFuture(QtConcurrent::run([path] { return render::loadScene(path); }));
}

void MissionController::loadFinished() {
    auto result = watcher_.result();
    if (!result) {
        errorMessage_ = result.error().message;
        status_ = Status::Failed;
        emit statusChanged();
        return;
    }
    scene_ = result.value();
    status_ = Status::Ready;
    emit sceneChanged();
    emit statusChanged();
}

QStringList MissionController::problems() const {
    return scene_ ? scene_->problems() : QStringList();
}
QString MissionController::name() const {
    return scene_ ? scene_->mission.info.name : QString();
}
QString MissionController::description() const {
    return scene_ ? scene_->mission.info.description : QString();
}
QString MissionController::banner() const {
    if (!scene_)
        return {};
    const QString marking = scene_->mission.info.marking.banner();
    return scene_->mission.info.exercise
               ? QStringLiteral("EXERCISE · ") + marking + QStringLiteral(" · EXERCISE")
               : marking;
}
bool MissionController::exercise() const {
    return scene_ && scene_->mission.info.exercise;
}
int MissionController::incidentCount() const {
    return scene_ ? static_cast<int>(scene_->mission.incidents.size()) : 0;
}
int MissionController::routeCount() const {
    return scene_ ? static_cast<int>(scene_->mission.routes.size()) : 0;
}

} // namespace tessera::quick
