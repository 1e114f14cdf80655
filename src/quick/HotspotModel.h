// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "interop/RegionCounts.h"
#include "quick/MissionController.h"

#include <QFutureWatcher>
#include <QObject>
#include <QPointer>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

namespace tessera::quick {

/// Hotspots: the incidents of the time window counted per first-level region of the mission's
/// boundary layer (interop::regionLayer, countByRegion), most first. Counted on a worker (it
/// reads the layer's polygons through GDAL) whenever the records or the window change; a count
/// superseded while it runs is dropped.
///
/// Threads: GUI thread; the counting runs on the global thread pool.
class HotspotModel : public QObject {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(tessera::quick::MissionController* mission READ mission WRITE setMission NOTIFY
                   missionChanged)
    /// Most first: {name, count}; at most `limit`.
    Q_PROPERTY(QVariantList regions READ regions NOTIFY changed)
    Q_PROPERTY(int limit MEMBER limit_ NOTIFY changed)
    /// The layer counted in ("Regions (Natural Earth)"), empty when the mission has none.
    Q_PROPERTY(QString layerName READ layerName NOTIFY changed)
    Q_PROPERTY(QString error READ error NOTIFY changed)
    Q_PROPERTY(bool busy READ busy NOTIFY changed)

public:
    explicit HotspotModel(QObject* parent = nullptr);
    ~HotspotModel() override;

    [[nodiscard]] MissionController* mission() const { return mission_; }
    void setMission(MissionController* mission);
    [[nodiscard]] QVariantList regions() const;
    [[nodiscard]] QString layerName() const { return layerName_; }
    [[nodiscard]] QString error() const { return error_; }
    [[nodiscard]] bool busy() const { return watcher_.isRunning(); }

signals:
    void missionChanged();
    void changed();

private:
    void recount();
    void counted();

    QPointer<MissionController> mission_;
    QFutureWatcher<Result<QList<interop::RegionCount>>> watcher_;
    bool again_ = false; ///< asked while a count ran
    QList<interop::RegionCount> counts_;
    QString layerName_;
    QString error_;
    int limit_ = 5;
};

} // namespace tessera::quick
