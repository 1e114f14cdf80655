// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "store/Mission.h"

#include <QObject>
#include <QPointer>
#include <QtQml/qqmlregistration.h>

#include <functional>
#include <optional>

namespace tessera::store {
class MissionStore;
}

namespace tessera::quick {

class MissionController;

/// Undo and redo of this session's edits: incidents saved from the form, annotations drawn and
/// routes saved from the route editor.
/// An undo is itself an edit, stamped and logged for sync like any other: a changed incident is
/// saved back as it was, a new incident or annotation is deleted (a tombstone). Redoing a
/// creation adds the record again under a new uuid (a tombstone's uuid cannot come back). Notes
/// are append-only and are not undone.
///
/// Threads: GUI thread; the writes run on MissionController::records().
class EditHistory : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("MissionController owns the history")
    Q_PROPERTY(bool canUndo READ canUndo NOTIFY changed)
    Q_PROPERTY(bool canRedo READ canRedo NOTIFY changed)
    /// "Undo: edit of Roadblock on the RN16", for a tooltip or a menu.
    Q_PROPERTY(QString undoText READ undoText NOTIFY changed)
    Q_PROPERTY(QString redoText READ redoText NOTIFY changed)
    /// What the last undo or redo did, or why it failed.
    Q_PROPERTY(QString message READ message NOTIFY changed)
    Q_PROPERTY(bool busy READ busy NOTIFY changed)

public:
    explicit EditHistory(MissionController* mission);

    /// A saved incident: `before` is what the mission held (none: it was new).
    void recordIncident(const std::optional<store::Incident>& before, const store::Incident& after);
    void recordAnnotation(const store::Annotation& added);
    /// A route saved from the route editor: `before` is what the mission held (none: new).
    void recordRoute(const std::optional<store::PatrolRoute>& before,
                     const store::PatrolRoute& after);
    /// Deletes the incident (a tombstone, as sharing needs: the uuid never comes back) as an
    /// edit that can be undone: undoing adds it again, with its notes, under a new uuid.
    /// `message` says what happened either way.
    Q_INVOKABLE void deleteIncident(const QString& uuid);
    /// Forgets everything (another mission).
    void clear();

    [[nodiscard]] bool canUndo() const { return done_ > 0 && ticket_ == 0; }
    [[nodiscard]] bool canRedo() const { return done_ < steps_.size() && ticket_ == 0; }
    [[nodiscard]] QString undoText() const;
    [[nodiscard]] QString redoText() const;
    [[nodiscard]] QString message() const { return message_; }
    [[nodiscard]] bool busy() const { return ticket_ != 0; }

    Q_INVOKABLE void undo();
    Q_INVOKABLE void redo();

signals:
    void changed();

private:
    struct Step {
        std::optional<store::Incident> before; ///< incident steps; none: created
        store::Incident after;
        std::optional<store::Annotation> annotation; ///< annotation steps
        /// Route steps (the route editor): what the mission held (none: new) and what was saved.
        std::optional<store::PatrolRoute> routeBefore;
        std::optional<store::PatrolRoute> routeAfter;
        /// A deletion of `after` (whose notes are kept here to come back with it).
        bool deletion = false;
        QList<store::IncidentNote> notes = {};
        [[nodiscard]] QString label() const;
    };
    void apply(bool undoing);
    void push(const Step& step);
    /// Runs `job` on the records worker; `done` gets the error (empty: written) on this thread.
    void write(std::function<Status(store::MissionStore&)> job,
               std::function<void(const QString&)> done);

    QPointer<MissionController> mission_;
    QList<Step> steps_;
    qsizetype done_ = 0; ///< steps_[0 .. done_) are done
    quint64 ticket_ = 0;
    QMetaObject::Connection answer_;
    QString message_;
};

} // namespace tessera::quick
