// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quick/MissionController.h"

#include <QAbstractListModel>
#include <QPointer>
#include <QtQml/qqmlregistration.h>

namespace tessera::quick {

/// The mission's map layers, top of the stack first, with why a layer is broken when it is.
/// Changes go through MissionController's layer invokables, which save them with the mission.
/// Threads: GUI thread.
class LayerListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(tessera::quick::MissionController* mission READ mission WRITE setMission NOTIFY
                   missionChanged)

public:
    enum Role {
        NameRole = Qt::UserRole + 1,
        KindRole,
        VisibleRole,
        BrokenRole,
        ProblemRole,
        LayerIdRole,
        OpacityRole,
        StyleRole,            ///< the layer's style, a JSON object as a map
        NeedsOverviewsRole,   ///< a large raster without overviews: slow when zoomed out
        OverviewProgressRole, ///< 0..1 while overviews are built, else -1
        BandCountRole         ///< rasters: how many bands there are to choose from
    };
    Q_ENUM(Role)

    explicit LayerListModel(QObject* parent = nullptr);
    [[nodiscard]] int rowCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex& index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

    [[nodiscard]] MissionController* mission() const { return mission_; }
    void setMission(MissionController* mission);

signals:
    void missionChanged();

private:
    void rebuild();
    void overviewsChanged(qint64 layerId);
    QPointer<MissionController> mission_;
};

} // namespace tessera::quick
