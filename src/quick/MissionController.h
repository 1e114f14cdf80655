// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "render/MapScene.h"

#include <QFutureWatcher>
#include <QObject>
#include <QPointer>
#include <QtQml/qqmlregistration.h>

#include <memory>

namespace tessera::quick {

/// The open mission, for QML: loads a mission file on a worker thread and publishes its scene.
///
/// Threads: GUI thread. Loading (SQLite, GDAL, OGR) runs on the global thread pool; the result
/// comes back through a QFutureWatcher, so the GUI thread never waits on the files.
class MissionController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QString path READ path WRITE setPath NOTIFY pathChanged)
    Q_PROPERTY(Status status READ status NOTIFY statusChanged)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY statusChanged)
    Q_PROPERTY(QStringList problems READ problems NOTIFY sceneChanged)
    Q_PROPERTY(QString name READ name NOTIFY sceneChanged)
    Q_PROPERTY(QString description READ description NOTIFY sceneChanged)
    Q_PROPERTY(QString banner READ banner NOTIFY sceneChanged)
    Q_PROPERTY(bool exercise READ exercise NOTIFY sceneChanged)
    Q_PROPERTY(int incidentCount READ incidentCount NOTIFY sceneChanged)
    Q_PROPERTY(int routeCount READ routeCount NOTIFY sceneChanged)

public:
    enum class Status { Empty, Loading, Ready, Failed };
    Q_ENUM(Status)

    explicit MissionController(QObject* parent = nullptr);
    ~MissionController() override;

    [[nodiscard]] QString path() const { return path_; }
    /// Starts loading `path` in the background; status goes Loading, then Ready or Failed.
    void setPath(const QString& path);
    [[nodiscard]] Status status() const { return status_; }
    [[nodiscard]] QString errorMessage() const { return errorMessage_; }
    [[nodiscard]] QStringList problems() const;
    [[nodiscard]] QString name() const;
    [[nodiscard]] QString description() const;
    [[nodiscard]] QString banner() const;
    [[nodiscard]] bool exercise() const;
    [[nodiscard]] int incidentCount() const;
    [[nodiscard]] int routeCount() const;

    /// The loaded scene (null until Ready). Immutable; share it freely.
    [[nodiscard]] std::shared_ptr<const render::MapScene> scene() const { return scene_; }

signals:
    void pathChanged();
    void statusChanged();
    void sceneChanged();

private:
    void loadFinished();

    QString path_;
    Status status_ = Status::Empty;
    QString errorMessage_;
    std::shared_ptr<const render::MapScene> scene_;
    QFutureWatcher<Result<std::shared_ptr<const render::MapScene>>> watcher_;
};

/// Points `slot` at `mission` and makes `receiver` follow its scene: `onScene` runs on every new
/// scene and once now. Returns false, doing nothing, when `slot` already holds `mission`.
/// The one way every view of the mission (map, legend, layer list) binds to it.
template <typename Receiver>
bool followMission(QPointer<MissionController>& slot, MissionController* mission,
                   Receiver* receiver, void (Receiver::*onScene)()) {
    if (slot == mission)
        return false;
    if (slot)
        QObject::disconnect(slot, nullptr, receiver, nullptr);
    slot = mission;
    if (slot)
        QObject::connect(slot, &MissionController::sceneChanged, receiver, onScene);
    (receiver->*onScene)();
    return true;
}

} // namespace tessera::quick
