// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/EditHistory.h"

#include "quick/MissionController.h"
#include "store/MissionStore.h"

#include <memory>

namespace tessera::quick {

EditHistory::EditHistory(MissionController* mission)
    : QObject(mission)
    , mission_(mission) {}

void EditHistory::push(const Step& step) {
    steps_.resize(done_); // a new edit drops what could have been redone
    steps_.append(step);
    done_ = steps_.size();
    // Said for a few seconds (the window's toast): the confirmation that it is in the mission.
    message_ = step.deletion
                   ? QStringLiteral("Deleted %1 · Ctrl+Z brings it back").arg(step.after.title)
                   : QStringLiteral("Saved: %1").arg(step.label());
    emit changed();
}

void EditHistory::recordRoute(const std::optional<store::PatrolRoute>& before,
                              const store::PatrolRoute& after) {
    push({std::nullopt, {}, std::nullopt, before, after});
}

QString EditHistory::Step::label() const {
    if (routeAfter)
        return routeBefore ? QStringLiteral("edit of route %1").arg(routeAfter->name)
                           : QStringLiteral("new route %1").arg(routeAfter->name);
    if (annotation)
        return QStringLiteral("annotation “%1”").arg(annotation->text);
    if (deletion)
        return QStringLiteral("deletion of %1").arg(after.title);
    return before ? QStringLiteral("edit of %1").arg(after.title)
                  : QStringLiteral("new incident %1").arg(after.title);
}

void EditHistory::recordIncident(const std::optional<store::Incident>& before,
                                 const store::Incident& after) {
    push({before, after, std::nullopt, std::nullopt, std::nullopt});
}

void EditHistory::recordAnnotation(const store::Annotation& added) {
    push({std::nullopt, {}, added, std::nullopt, std::nullopt});
}

void EditHistory::deleteIncident(const QString& uuid) {
    if (ticket_ != 0 || uuid.isEmpty())
        return;
    auto step = std::make_shared<Step>();
    step->deletion = true;
    write(
        [step, uuid](store::MissionStore& s) -> Status {
            Result<store::Incident> incident = s.incident(uuid);
            if (!incident)
                return incident.error();
            Result<QList<store::IncidentNote>> notes = s.notes(uuid);
            if (!notes)
                return notes.error();
            step->after = incident.value();
            step->notes = notes.value();
            return s.deleteIncident(uuid);
        },
        [this, step](const QString& error) {
            if (!error.isEmpty()) {
                message_ = QStringLiteral("Could not delete: %1").arg(error);
                emit changed();
                return;
            }
            if (mission_ && mission_->selectedIncident() == step->after.uuid)
                mission_->setSelectedIncident(QString());
            push(*step);
        });
}

void EditHistory::clear() {
    steps_.clear();
    done_ = 0;
    message_.clear();
    emit changed();
}

QString EditHistory::undoText() const {
    return canUndo() ? QStringLiteral("Undo %1").arg(steps_[done_ - 1].label()) : QString();
}

QString EditHistory::redoText() const {
    return canRedo() ? QStringLiteral("Redo %1").arg(steps_[done_].label()) : QString();
}

void EditHistory::undo() {
    if (canUndo())
        apply(true);
}

void EditHistory::redo() {
    if (canRedo())
        apply(false);
}

void EditHistory::apply(bool undoing) {
    const qsizetype index = undoing ? done_ - 1 : done_;
    const Step step = steps_[index];
    // What the write leaves behind, read back on this thread when it is done: a record added
    // again has a new uuid.
    auto result = std::make_shared<Step>(step);
    std::function<Status(store::MissionStore&)> job;
    if (step.routeAfter) {
        if (undoing && step.routeBefore)
            job = [result](store::MissionStore& s) { return s.updateRoute(*result->routeBefore); };
        else if (undoing)
            job = [uuid = step.routeAfter->uuid](store::MissionStore& s) {
                return s.deleteRoute(uuid);
            };
        else if (step.routeBefore)
            job = [result](store::MissionStore& s) { return s.updateRoute(*result->routeAfter); };
        else
            job = [result](store::MissionStore& s) {
                result->routeAfter->uuid.clear();
                return s.addRoute(*result->routeAfter);
            };
    } else if (step.deletion) {
        if (undoing)
            // Back under a new uuid (the old one is a tombstone everywhere it went), notes too.
            job = [result](store::MissionStore& s) -> Status {
                result->after.uuid.clear();
                if (Status added = s.addIncident(result->after); !added)
                    return added;
                for (store::IncidentNote& note : result->notes) {
                    note.uuid.clear();
                    if (Status n = s.addNote(result->after.uuid, note); !n)
                        return n;
                }
                return success();
            };
        else
            job = [uuid = step.after.uuid](store::MissionStore& s) {
                return s.deleteIncident(uuid);
            };
    } else if (step.annotation) {
        if (undoing)
            job = [uuid = step.annotation->uuid](store::MissionStore& s) {
                return s.deleteAnnotation(uuid);
            };
        else
            job = [result](store::MissionStore& s) {
                result->annotation->uuid.clear();
                return s.addAnnotation(*result->annotation);
            };
    } else if (undoing) {
        if (step.before)
            job = [result](store::MissionStore& s) { return s.updateIncident(*result->before); };
        else
            job = [uuid = step.after.uuid](store::MissionStore& s) {
                return s.deleteIncident(uuid);
            };
    } else if (step.before) {
        job = [result](store::MissionStore& s) { return s.updateIncident(result->after); };
    } else {
        job = [result](store::MissionStore& s) {
            result->after.uuid.clear();
            return s.addIncident(result->after);
        };
    }
    write(std::move(job), [this, undoing, index, result](const QString& error) {
        if (!error.isEmpty()) {
            message_ = QStringLiteral("Could not %1: %2")
                           .arg(undoing ? QStringLiteral("undo") : QStringLiteral("redo"), error);
            emit changed();
            return;
        }
        steps_[index] = *result;
        done_ = undoing ? index : index + 1;
        message_ = QStringLiteral("%1 %2").arg(
            undoing ? QStringLiteral("Undone:") : QStringLiteral("Redone:"), result->label());
        emit changed();
    });
}

void EditHistory::write(std::function<Status(store::MissionStore&)> job,
                        std::function<void(const QString&)> done) {
    store::MissionWorker* records = mission_ ? mission_->records() : nullptr;
    if (!records)
        return;
    ticket_ = store::MissionWorker::newTicket();
    disconnect(answer_);
    answer_ = connect(records, &store::MissionWorker::written, this,
                      [this, done = std::move(done)](quint64 ticket, const QString& error) {
                          if (ticket != ticket_)
                              return;
                          ticket_ = 0;
                          disconnect(answer_);
                          if (error.isEmpty() && mission_)
                              mission_->reloadRecords();
                          done(error);
                      });
    emit changed();
    records->write(std::move(job), ticket_);
}

} // namespace tessera::quick
