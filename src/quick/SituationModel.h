// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quick/MapItem.h"
#include "quick/MissionController.h"
#include "store/Situation.h"

#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

namespace tessera::quick {

/// The commander's view: store::summarise() over the area the map shows and the picture's time
/// window, for a panel read from across the room. Follows the view (after a short pause while
/// it moves), the records, the time window, and the clock (ages and staleness, each minute).
///
/// Threads: GUI thread; summarising walks the scene's records in memory.
class SituationModel : public QObject {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(tessera::quick::MissionController* mission READ mission WRITE setMission NOTIFY
                   missionChanged)
    Q_PROPERTY(tessera::quick::MapItem* map READ map WRITE setMap NOTIFY mapChanged)
    /// Incidents in view by severity: [low, medium, high, critical].
    Q_PROPERTY(QList<int> bySeverity READ bySeverity NOTIFY changed)
    Q_PROPERTY(int total READ total NOTIFY changed)
    /// Newest first: {uuid, title, severity, severityColor, category, age}.
    Q_PROPERTY(QVariantList latest READ latest NOTIFY changed)
    /// Quiet longest first: {uuid, name, unit, quiet}.
    Q_PROPERTY(QVariantList staleRoutes READ staleRoutes NOTIFY changed)
    /// A patrol in progress is stale after this many minutes without a report.
    Q_PROPERTY(
        int staleAfterMinutes READ staleAfterMinutes WRITE setStaleAfterMinutes NOTIFY changed)

public:
    explicit SituationModel(QObject* parent = nullptr);

    [[nodiscard]] MissionController* mission() const { return mission_; }
    void setMission(MissionController* mission);
    [[nodiscard]] MapItem* map() const { return map_; }
    void setMap(MapItem* map);
    [[nodiscard]] QList<int> bySeverity() const;
    [[nodiscard]] int total() const { return situation_.total(); }
    [[nodiscard]] QVariantList latest() const;
    [[nodiscard]] QVariantList staleRoutes() const;
    [[nodiscard]] int staleAfterMinutes() const { return staleAfterMinutes_; }
    void setStaleAfterMinutes(int minutes);

    /// Summarises again now (the pause and the clock call it; tests too).
    Q_INVOKABLE void refresh();
    /// The map's colour of a severity ("critical", ...), for the panel's tiles.
    [[nodiscard]] Q_INVOKABLE static QColor severityColor(const QString& severity);
    /// "just now", "12 min ago", "3 h ago", "2 days ago".
    [[nodiscard]] static QString age(qint64 seconds);

signals:
    void missionChanged();
    void mapChanged();
    void changed();

private:
    void schedule();

    QPointer<MissionController> mission_;
    QPointer<MapItem> map_;
    store::Situation situation_;
    QDateTime summarisedAt_;
    int staleAfterMinutes_ = 120;
    QTimer pause_;
    QTimer clock_;
};

} // namespace tessera::quick
