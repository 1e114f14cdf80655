// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/RouteDraft.h"

#include "geo/Geodesy.h"
#include "interop/MissionImport.h"
#include "quick/FormTime.h"
#include "render/MapScene.h"
#include "store/MissionWorker.h"
#include "store/Uuid.h"

#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

namespace tessera::quick {

namespace {

/// The next quarter hour from now, UTC: when a patrol planned now would set off.
QDateTime nextQuarterHour() {
    const qint64 quarter = 15 * 60;
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    return QDateTime::fromSecsSinceEpoch((now / quarter + 1) * quarter, Qt::UTC);
}

QString durationText(qint64 seconds) {
    const qint64 minutes = (seconds + 30) / 60;
    if (minutes < 60)
        return QStringLiteral("%1 min").arg(minutes);
    return QStringLiteral("%1 h %2 min")
        .arg(minutes / 60)
        .arg(minutes % 60, 2, 10, QLatin1Char('0'));
}

} // namespace

RouteDraft::RouteDraft(QObject* parent)
    : QObject(parent) {
    connect(&reading_, &QFutureWatcher<TrackRead>::progressValueChanged, this, [this](int points) {
        importedPoints_ = points;
        emit progressChanged();
    });
    connect(&reading_, &QFutureWatcher<TrackRead>::finished, this, [this] {
        importing_ = false;
        if (readFor_ != generation_) {
            emit changed();
            return; // the draft was dropped or replaced meanwhile
        }
        problems_.remove(QStringLiteral("track"));
        if (reading_.isCanceled() || reading_.future().resultCount() == 0) {
            problems_.insert(QStringLiteral("track"),
                             QStringLiteral("Import cancelled; the track is as it was."));
        } else {
            const TrackRead read = reading_.result();
            if (read.error.isEmpty()) {
                track_ = read.points;
                importedPoints_ = static_cast<int>(read.points.size());
                emit progressChanged();
            } else
                problems_.insert(QStringLiteral("track"), read.error);
        }
        emit changed();
    });
}

void RouteDraft::setMission(MissionController* mission) {
    if (followRecords(mission_, mission, this, &RouteDraft::follow))
        emit changed();
}

void RouteDraft::follow() {
    disconnect(answers_);
    ticket_ = 0;
    if (mission_) // the list of routes follows the records the map shows
        connect(mission_, &MissionController::sceneChanged, this, &RouteDraft::changed,
                Qt::UniqueConnection);
    store::MissionWorker* records = mission_ ? mission_->records() : nullptr;
    if (!records)
        return;
    answers_ =
        connect(records, &store::MissionWorker::written, this,
                [this](quint64 ticket, const QString& error) {
                    if (ticket != ticket_)
                        return;
                    ticket_ = 0;
                    if (!error.isEmpty()) {
                        problems_.insert(QStringLiteral("save"), error);
                        emit changed();
                        return;
                    }
                    const QString uuid = savingUuid_;
                    const store::PatrolRoute before = original_;
                    const store::PatrolRoute after = saving_;
                    cancel(); // done: the map pans again
                    if (mission_) {
                        mission_->reloadRecords();
                        mission_->history()->recordRoute(
                            before.uuid.isEmpty() ? std::nullopt
                                                  : std::optional<store::PatrolRoute>(before),
                            after);
                    }
                    emit saved(uuid);
                });
}

void RouteDraft::setMap(MapItem* map) {
    // The points clicked on the map are the route's waypoints.
    quick::follow(map_, map, &MapItem::measureChanged, this, &RouteDraft::changed);
}

int RouteDraft::pointCount() const {
    return map_ && active_ ? static_cast<int>(map_->measurePoints().size()) : 0;
}

store::RoutePlan RouteDraft::plan() const {
    store::RoutePlan p;
    p.points = map_ && active_ ? map_->measurePoints() : QList<geo::GeoPoint>{};
    p.departure = parseFormTime(departure_);
    p.speedKmh = speedKmh_;
    return p;
}

store::PatrolRoute RouteDraft::route() const {
    store::PatrolRoute r = original_;
    r.name = name_.trimmed();
    r.unit = unit_.trimmed();
    const store::RoutePlan p = plan();
    r.waypoints = store::plannedWaypoints(p);
    if (r.waypoints.isEmpty()) // no speed or time: the points still count for the checks
        for (const geo::GeoPoint& point : p.points)
            r.waypoints.append({point, {}, {}});
    // A waypoint taken up again keeps its name ("bridge", "FOB").
    for (qsizetype k = 0; k < r.waypoints.size() && k < original_.waypoints.size(); ++k)
        if (!original_.waypoints[k].name.isEmpty())
            r.waypoints[k].name = original_.waypoints[k].name;
    r.track = track_;
    if (mission_) {
        if (r.uuid.isEmpty()) {
            r.marking = mission_->marking();
            r.exercise = mission_->exercise();
        }
    }
    return r;
}

QVariantList RouteDraft::waypoints() const {
    QVariantList list;
    const QList<store::Waypoint> planned = route().waypoints;
    double covered = 0.0;
    for (qsizetype k = 0; k < planned.size(); ++k) {
        if (k > 0)
            covered +=
                geo::geodesy::inverse(planned[k - 1].location, planned[k].location).distanceMetres;
        list.append(QVariantMap{{QStringLiteral("name"), planned[k].name},
                                {QStringLiteral("time"), formatFormTime(planned[k].plannedAt)},
                                {QStringLiteral("distanceKm"), covered / 1000.0}});
    }
    return list;
}

QString RouteDraft::summary() const {
    const QList<store::Waypoint> planned = route().waypoints;
    if (planned.size() < 2)
        return {};
    QList<geo::GeoPoint> path;
    for (const store::Waypoint& w : planned)
        path.append(w.location);
    QString text = QStringLiteral("%1 waypoints · %2 km")
                       .arg(planned.size())
                       .arg(geo::geodesy::pathLength(path) / 1000.0, 0, 'f', 1);
    if (planned.first().plannedAt.isValid() && planned.last().plannedAt.isValid())
        text += QStringLiteral(" · %1, at %2 at %3Z")
                    .arg(durationText(planned.first().plannedAt.secsTo(planned.last().plannedAt)),
                         planned.last().name,
                         planned.last().plannedAt.toUTC().toString(QStringLiteral("HH:mm")));
    return text;
}

QVariantList RouteDraft::routes() const {
    QVariantList list;
    const std::shared_ptr<const render::MapScene> scene = mission_ ? mission_->scene() : nullptr;
    if (!scene)
        return list;
    for (const store::PatrolRoute& r : scene->mission.routes)
        list.append(QVariantMap{{QStringLiteral("uuid"), r.uuid},
                                {QStringLiteral("name"), r.name},
                                {QStringLiteral("unit"), r.unit}});
    return list;
}

void RouteDraft::start() {
    cancelImport();
    ++generation_;
    original_ = {};
    name_.clear();
    unit_.clear();
    departure_ = formatFormTime(nextQuarterHour());
    speedKmh_ = 30.0;
    track_.clear();
    problems_.clear();
    active_ = true;
    if (map_) {
        map_->clearMeasure();
        map_->setMeasurePath(true);
        map_->setTool(MapItem::Tool::Draw);
    }
    emit changed();
}

bool RouteDraft::edit(const QString& uuid) {
    const std::shared_ptr<const render::MapScene> scene = mission_ ? mission_->scene() : nullptr;
    if (!scene)
        return false;
    const auto found = std::find_if(scene->mission.routes.cbegin(), scene->mission.routes.cend(),
                                    [&](const store::PatrolRoute& r) { return r.uuid == uuid; });
    if (found == scene->mission.routes.cend())
        return false;
    cancelImport();
    ++generation_;
    original_ = *found;
    name_ = found->name;
    unit_ = found->unit;
    track_ = found->track;
    problems_.clear();
    QList<geo::GeoPoint> points;
    for (const store::Waypoint& w : found->waypoints)
        points.append(w.location);
    // Its pace: the whole path over the time from its first waypoint to its last.
    const QDateTime first =
        found->waypoints.isEmpty() ? QDateTime() : found->waypoints.first().plannedAt;
    const QDateTime last =
        found->waypoints.isEmpty() ? QDateTime() : found->waypoints.last().plannedAt;
    departure_ = formatFormTime(first.isValid() ? first : nextQuarterHour());
    speedKmh_ = 30.0;
    if (first.isValid() && last.isValid() && first.secsTo(last) > 0) {
        const double kmh = geo::geodesy::pathLength(points) / 1000.0 /
                           (static_cast<double>(first.secsTo(last)) / 3600.0);
        speedKmh_ = std::round(std::clamp(kmh, 1.0, store::kFastestPatrolKmh) * 10.0) / 10.0;
    }
    active_ = true;
    if (map_) {
        map_->setMeasurePoints(points);
        map_->setMeasurePath(true);
        map_->setTool(MapItem::Tool::Draw);
    }
    emit changed();
    return true;
}

void RouteDraft::setProblems(const QList<store::FieldProblem>& problems) {
    problems_.clear();
    for (const store::FieldProblem& p : problems)
        if (!problems_.contains(p.field)) // the first reason per field
            problems_.insert(p.field, p.reason);
}

bool RouteDraft::save() {
    if (!active_ || busy())
        return false;
    if (importing()) {
        problems_.insert(QStringLiteral("track"),
                         QStringLiteral("The track is still being read: wait, or cancel it."));
        emit changed();
        return false;
    }
    store::PatrolRoute r = route();
    setProblems(store::routePlanProblems(plan(), r));
    store::MissionWorker* records = mission_ ? mission_->records() : nullptr;
    if (problems_.isEmpty() && !records)
        problems_.insert(QStringLiteral("save"), QStringLiteral("No mission is open for writing."));
    if (!problems_.isEmpty()) {
        emit changed();
        return false;
    }
    const bool isNew = r.uuid.isEmpty();
    if (isNew)
        r.uuid = store::newUuid();
    savingUuid_ = r.uuid;
    saving_ = r;
    ticket_ = store::MissionWorker::newTicket();
    emit changed();
    records->write(
        [r, isNew](store::MissionStore& store) mutable {
            return isNew ? store.addRoute(r) : store.updateRoute(r);
        },
        ticket_);
    return true;
}

void RouteDraft::cancel() {
    cancelImport();
    ++generation_;
    active_ = false;
    original_ = {};
    track_.clear();
    if (map_) {
        map_->clearMeasure();
        map_->setMeasurePath(false);
        map_->setTool(MapItem::Tool::Pan);
    }
    emit changed();
}

void RouteDraft::importTrack(const QUrl& file) {
    if (importing())
        return;
    const QString path = file.isLocalFile() ? file.toLocalFile() : file.toString();
    importedPoints_ = 0;
    importing_ = true;
    readFor_ = generation_;
    problems_.remove(QStringLiteral("track"));
    reading_.setFuture(QtConcurrent::run([path](QPromise<TrackRead>& promise) {
        interop::TrackReadOptions options;
        options.cancelled = [&promise] { return promise.isCanceled(); };
        options.progress = [&promise](qint64 points) {
            promise.setProgressValue(static_cast<int>(std::min<qint64>(points, INT_MAX)));
        };
        Result<QList<store::TrackPoint>> read = interop::readTrack(path, options);
        if (promise.isCanceled())
            return;
        promise.addResult(read ? TrackRead{read.value(), {}} : TrackRead{{}, read.error().message});
    }));
    emit changed();
}

void RouteDraft::cancelImport() {
    if (reading_.isRunning())
        reading_.cancel();
}

void RouteDraft::clearTrack() {
    track_.clear();
    problems_.remove(QStringLiteral("track"));
    emit changed();
}

} // namespace tessera::quick
