// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/SituationModel.h"

#include "render/Palette.h"

namespace tessera::quick {

SituationModel::SituationModel(QObject* parent)
    : QObject(parent) {
    // While the view moves, once after it settles; the clock keeps ages and staleness true.
    pause_.setSingleShot(true);
    pause_.setInterval(100);
    connect(&pause_, &QTimer::timeout, this, &SituationModel::refresh);
    clock_.setInterval(60 * 1000);
    connect(&clock_, &QTimer::timeout, this, &SituationModel::refresh);
    clock_.start();
}

void SituationModel::setMission(MissionController* mission) {
    if (!followMission(mission_, mission, this, &SituationModel::schedule))
        return;
    if (mission_)
        connect(mission_, &MissionController::timeWindowChanged, this, &SituationModel::schedule);
    emit missionChanged();
}

void SituationModel::setMap(MapItem* map) {
    if (follow(map_, map, &MapItem::viewChanged, this, &SituationModel::schedule))
        emit mapChanged();
}

void SituationModel::setStaleAfterMinutes(int minutes) {
    if (minutes == staleAfterMinutes_ || minutes <= 0)
        return;
    staleAfterMinutes_ = minutes;
    refresh();
}

void SituationModel::schedule() {
    pause_.start();
}

void SituationModel::refresh() {
    pause_.stop();
    const auto scene = mission_ ? mission_->scene() : nullptr;
    const QRectF view = map_ ? map_->geoExtent() : QRectF();
    summarisedAt_ = QDateTime::currentDateTimeUtc();
    if (!scene || view.isEmpty()) {
        situation_ = {};
    } else {
        // QRectF from MapItem::geoExtent: x = west, y = south.
        const geo::Extent area{view.left(), view.top(), view.right(), view.bottom()};
        situation_ =
            store::summarise(scene->mission.incidents, scene->mission.routes, area,
                             mission_->timeWindow(), summarisedAt_, 5, 60LL * staleAfterMinutes_);
    }
    emit changed();
}

QList<int> SituationModel::bySeverity() const {
    return {situation_.bySeverity[0], situation_.bySeverity[1], situation_.bySeverity[2],
            situation_.bySeverity[3]};
}

QColor SituationModel::severityColor(const QString& severity) {
    return render::palette::severity(severity);
}

QString SituationModel::age(qint64 seconds) {
    if (seconds < 60)
        return QStringLiteral("just now");
    if (seconds < 3600)
        return QStringLiteral("%1 min ago").arg(seconds / 60);
    if (seconds < 48 * 3600)
        return QStringLiteral("%1 h ago").arg(seconds / 3600);
    return QStringLiteral("%1 days ago").arg(seconds / 86400);
}

QVariantList SituationModel::latest() const {
    QVariantList list;
    for (const store::Incident& i : situation_.latest)
        list.append(
            QVariantMap{{QStringLiteral("uuid"), i.uuid},
                        {QStringLiteral("title"), i.title},
                        {QStringLiteral("severity"), store::toString(i.severity)},
                        {QStringLiteral("severityColor"), render::palette::severity(i.severity)},
                        {QStringLiteral("category"), store::categoryLabel(i.category)},
                        {QStringLiteral("age"), age(i.observedAt.secsTo(summarisedAt_))}});
    return list;
}

QVariantList SituationModel::staleRoutes() const {
    QVariantList list;
    for (const store::StaleRoute& r : situation_.staleRoutes) {
        const QString quiet =
            r.lastReport.isValid()
                ? QStringLiteral("last report %1").arg(age(r.lastReport.secsTo(summarisedAt_)))
                : QStringLiteral("no report since it started");
        list.append(QVariantMap{{QStringLiteral("uuid"), r.uuid},
                                {QStringLiteral("name"), r.name},
                                {QStringLiteral("unit"), r.unit},
                                {QStringLiteral("quiet"), quiet}});
    }
    return list;
}

} // namespace tessera::quick
