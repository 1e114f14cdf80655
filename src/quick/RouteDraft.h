// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quick/MapItem.h"
#include "quick/MissionController.h"
#include "store/RoutePlan.h"

#include <QFutureWatcher>
#include <QObject>
#include <QPointer>
#include <QUrl>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

namespace tessera::quick {

/// The route editor: a patrol's planned route drawn on the map (the map's Draw tool: each click
/// a waypoint, Backspace takes the last one back), its name and unit, a departure time and a
/// planned speed from which every waypoint's time follows (store::plannedWaypoints); and its
/// actual track, imported from a GPX file on a worker with progress and cancel. A route of the
/// mission can be taken up again (edit), its waypoints back on the map. save() refuses it field
/// by field (store::routePlanProblems), writing nothing, or writes it whole on the records
/// worker.
///
/// Threads: GUI thread; the GPX file is read on a pool thread, writing happens on
/// MissionController::records().
class RouteDraft : public QObject {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(
        tessera::quick::MissionController* mission READ mission WRITE setMission NOTIFY changed)
    Q_PROPERTY(tessera::quick::MapItem* map READ map WRITE setMap NOTIFY changed)
    Q_PROPERTY(QString name MEMBER name_ NOTIFY changed)
    Q_PROPERTY(QString unit MEMBER unit_ NOTIFY changed)
    /// When the patrol sets off, UTC, as the forms take times ("2026-11-27 06:00").
    Q_PROPERTY(QString departure MEMBER departure_ NOTIFY changed)
    Q_PROPERTY(double speedKmh MEMBER speedKmh_ NOTIFY changed)
    /// Drawing: the map's clicks add waypoints.
    Q_PROPERTY(bool active READ active NOTIFY changed)
    /// The uuid of the route taken up again; empty for a new one.
    Q_PROPERTY(QString editing READ editing NOTIFY changed)
    Q_PROPERTY(int pointCount READ pointCount NOTIFY changed)
    /// [{name, time, distanceKm}] for each waypoint as it would be saved.
    Q_PROPERTY(QVariantList waypoints READ waypoints NOTIFY changed)
    /// "3 waypoints · 12.4 km · 25 min, back at 06:25Z", or empty.
    Q_PROPERTY(QString summary READ summary NOTIFY changed)
    /// The mission's routes, [{uuid, name, unit}], to take one up again.
    Q_PROPERTY(QVariantList routes READ routes NOTIFY changed)
    Q_PROPERTY(int trackPoints READ trackPoints NOTIFY changed)
    /// Reading a GPX track, and how many of its points so far.
    Q_PROPERTY(bool importing READ importing NOTIFY changed)
    Q_PROPERTY(int importedPoints READ importedPoints NOTIFY progressChanged)
    /// Why save() refused, field by field ({"name": "...", "waypoints": "..."}), or what went
    /// wrong reading a track or writing ("track", "save").
    Q_PROPERTY(QVariantMap problems READ problems NOTIFY changed)
    Q_PROPERTY(bool busy READ busy NOTIFY changed)

public:
    explicit RouteDraft(QObject* parent = nullptr);

    [[nodiscard]] MissionController* mission() const { return mission_; }
    void setMission(MissionController* mission);
    [[nodiscard]] MapItem* map() const { return map_; }
    void setMap(MapItem* map);
    [[nodiscard]] bool active() const { return active_; }
    [[nodiscard]] QString editing() const { return original_.uuid; }
    [[nodiscard]] int pointCount() const;
    [[nodiscard]] QVariantList waypoints() const;
    [[nodiscard]] QString summary() const;
    [[nodiscard]] QVariantList routes() const;
    [[nodiscard]] int trackPoints() const { return static_cast<int>(track_.size()); }
    [[nodiscard]] bool importing() const { return importing_; }
    [[nodiscard]] int importedPoints() const { return importedPoints_; }
    [[nodiscard]] QVariantMap problems() const { return problems_; }
    [[nodiscard]] bool busy() const { return ticket_ != 0; }

    /// A new route: the fields cleared, departure at the next quarter hour, the map drawing.
    Q_INVOKABLE void start();
    /// Takes up the mission's route `uuid`: its fields, its waypoints on the map (their times
    /// follow from its first waypoint and its pace), its track. False when there is none.
    Q_INVOKABLE bool edit(const QString& uuid);
    /// Checks and saves it; returns false (writing nothing) and sets `problems` when it cannot be.
    Q_INVOKABLE bool save();
    /// Drops the drawing (and a track being read); the map goes back to panning.
    Q_INVOKABLE void cancel();
    /// Reads the GPX file's track points on a worker as the route's actual track.
    Q_INVOKABLE void importTrack(const QUrl& file);
    Q_INVOKABLE void cancelImport();
    Q_INVOKABLE void clearTrack();

    /// The route as save() would write it.
    [[nodiscard]] store::PatrolRoute route() const;
    [[nodiscard]] store::RoutePlan plan() const;

signals:
    void changed();
    void progressChanged();
    /// The route is in the mission.
    void saved(const QString& uuid);

private:
    void follow();
    void setProblems(const QList<store::FieldProblem>& problems);

    QPointer<MissionController> mission_;
    QPointer<MapItem> map_;
    QMetaObject::Connection answers_;
    QString name_;
    QString unit_;
    QString departure_;
    double speedKmh_ = 30.0;
    bool active_ = false;
    store::PatrolRoute original_; ///< the route taken up again (uuid empty: a new one)
    QList<store::TrackPoint> track_;
    struct TrackRead {
        QList<store::TrackPoint> points;
        QString error;
    };
    QFutureWatcher<TrackRead> reading_;
    int importedPoints_ = 0;
    /// From importTrack() until the watcher has told its end (the future ends a little before).
    bool importing_ = false;
    /// Each new, taken-up or dropped draft is a generation; a track read for an earlier one is
    /// not taken.
    quint64 generation_ = 0;
    quint64 readFor_ = 0;
    QVariantMap problems_;
    quint64 ticket_ = 0;
    QString savingUuid_;
    store::PatrolRoute saving_; ///< what save() is writing, for the edit history
};

} // namespace tessera::quick
