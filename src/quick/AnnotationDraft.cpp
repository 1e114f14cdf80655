// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/AnnotationDraft.h"

namespace tessera::quick {

AnnotationDraft::AnnotationDraft(QObject* parent)
    : QObject(parent)
    , author_(qEnvironmentVariable("USER")) {}

void AnnotationDraft::setMission(MissionController* mission) {
    if (followRecords(mission_, mission, this, &AnnotationDraft::follow))
        emit changed();
}

void AnnotationDraft::follow() {
    disconnect(answers_);
    ticket_ = 0;
    store::MissionWorker* records = mission_ ? mission_->records() : nullptr;
    if (!records)
        return;
    answers_ = connect(records, &store::MissionWorker::annotationSaved, this,
                       [this](quint64 ticket, const store::Annotation& a, const QString& error) {
                           if (ticket != ticket_)
                               return;
                           ticket_ = 0;
                           problem_ = error;
                           if (error.isEmpty()) {
                               cancel(); // done: the map pans again
                               if (mission_) {
                                   mission_->reloadRecords();
                                   mission_->history()->recordAnnotation(a);
                               }
                               emit saved(a.uuid);
                           }
                           emit changed();
                       });
}

void AnnotationDraft::setMap(MapItem* map) {
    // The points clicked on the map are the drawing's.
    quick::follow(map_, map, &MapItem::measureChanged, this, &AnnotationDraft::changed);
}

QString AnnotationDraft::kind() const {
    return store::toString(kind_);
}

void AnnotationDraft::setKind(const QString& kind) {
    const std::optional<store::AnnotationKind> k = store::annotationKindFromString(kind);
    if (!k || *k == kind_)
        return;
    kind_ = *k;
    emit changed();
}

int AnnotationDraft::pointCount() const {
    return map_ && active_ ? static_cast<int>(map_->measurePoints().size()) : 0;
}

void AnnotationDraft::start(const QString& kind) {
    setKind(kind);
    if (!active_) // a new drawing; switching kinds while drawing keeps the text typed
        text_.clear();
    active_ = true;
    problem_.clear();
    if (map_) {
        map_->clearMeasure();
        map_->setMeasurePath(kind_ != store::AnnotationKind::Area);
        map_->setTool(MapItem::Tool::Draw);
    }
    emit changed();
}

bool AnnotationDraft::save() {
    if (!active_ || busy())
        return false;
    store::Annotation a;
    a.kind = kind_;
    a.geometry = map_ ? map_->measurePoints() : QList<geo::GeoPoint>{};
    a.text = text_.trimmed();
    a.author = author_.isEmpty() ? QStringLiteral("analyst") : author_;
    a.writtenAt = QDateTime::currentDateTimeUtc();
    if (mission_)
        a.marking = mission_->marking();
    const int needed = store::annotationPointsNeeded(kind_);
    if (a.geometry.size() < needed)
        problem_ = QStringLiteral("Click %1 on the map (%2 so far).")
                       .arg(needed == 1 ? QStringLiteral("a point")
                                        : QStringLiteral("at least %1 points").arg(needed))
                       .arg(a.geometry.size());
    else if (kind_ == store::AnnotationKind::Point && a.geometry.size() > 1)
        problem_ = QStringLiteral("A point annotation has one point: clear and click once.");
    else if (a.text.isEmpty())
        problem_ = QStringLiteral("Write what the annotation says.");
    else
        problem_ = store::annotationProblem(a);
    store::MissionWorker* records = mission_ ? mission_->records() : nullptr;
    if (problem_.isEmpty() && !records)
        problem_ = QStringLiteral("No mission is open for writing.");
    if (!problem_.isEmpty()) {
        emit changed();
        return false;
    }
    ticket_ = store::MissionWorker::newTicket();
    emit changed();
    records->addAnnotation(a, ticket_);
    return true;
}

void AnnotationDraft::cancel() {
    active_ = false;
    text_.clear();
    if (map_) {
        map_->clearMeasure();
        map_->setMeasurePath(false);
        map_->setTool(MapItem::Tool::Pan);
    }
    emit changed();
}

} // namespace tessera::quick
