// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quick/MissionController.h"

#include <QAbstractListModel>
#include <QColor>
#include <QPointer>
#include <QTimer>
#include <QtQml/qqmlregistration.h>

namespace tessera::quick {

/// The map's legend with live counts: one row per incident severity (most severe first), per
/// route status, stale CoT markers (when the mission has CoT markers; recounted as each passes
/// its stale time) and annotations. Colours come
/// from render::palette, the same that draws the map. Threads: GUI thread.
class LegendModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(tessera::quick::MissionController* mission READ mission WRITE setMission NOTIFY
                   missionChanged)

public:
    enum Role {
        LabelRole = Qt::UserRole + 1,
        ColorRole,
        KindRole,
        CountRole,
        SizeRole,
        DashedRole,
        /// A "symbol" row's marker shape: "diamond", "square", "circle", "triangle".
        SymbolRole,
        /// The first row of a group (severities, routes, stale and annotations, symbols).
        GroupStartRole
    };
    Q_ENUM(Role)

    explicit LegendModel(QObject* parent = nullptr);
    [[nodiscard]] int rowCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex& index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

    [[nodiscard]] MissionController* mission() const { return mission_; }
    void setMission(MissionController* mission);

signals:
    void missionChanged();

private:
    struct Row {
        QString label;
        QColor color;
        QString kind; ///< "incident", "route", "stale", "annotation" or "symbol"
        int count = 0;
        double size = 0.0;
        bool dashed = false;
        QString symbol; ///< a "symbol" row's marker shape (palette::shapeName)
    };
    void rebuild();
    /// The stale row's count again, when the next CoT marker passes its stale time.
    void recountStale();
    QPointer<MissionController> mission_;
    QList<Row> rows_;
    QTimer staleClock_;
};

} // namespace tessera::quick
