// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quick/MapItem.h"
#include "quick/MissionController.h"

#include <QObject>
#include <QPointer>
#include <QtQml/qqmlregistration.h>

namespace tessera::quick {

/// An analyst's annotation being drawn: a point, line or area clicked on the map (the map's Draw
/// tool), with its text. save() checks it (store::annotationProblem, and text) and adds it to
/// the mission on the records worker; the map shows it once saved.
///
/// Threads: GUI thread; writing happens on MissionController::records().
class AnnotationDraft : public QObject {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(
        tessera::quick::MissionController* mission READ mission WRITE setMission NOTIFY changed)
    Q_PROPERTY(tessera::quick::MapItem* map READ map WRITE setMap NOTIFY changed)
    /// "point", "line" or "area".
    Q_PROPERTY(QString kind READ kind WRITE setKind NOTIFY changed)
    Q_PROPERTY(QString text MEMBER text_ NOTIFY changed)
    Q_PROPERTY(QString author MEMBER author_ NOTIFY changed)
    /// Drawing: the map's clicks add points.
    Q_PROPERTY(bool active READ active NOTIFY changed)
    Q_PROPERTY(int pointCount READ pointCount NOTIFY changed)
    /// Why save() refused (or the mission did), else empty.
    Q_PROPERTY(QString problem READ problem NOTIFY changed)
    Q_PROPERTY(bool busy READ busy NOTIFY changed)

public:
    explicit AnnotationDraft(QObject* parent = nullptr);

    [[nodiscard]] MissionController* mission() const { return mission_; }
    void setMission(MissionController* mission);
    [[nodiscard]] MapItem* map() const { return map_; }
    void setMap(MapItem* map);
    [[nodiscard]] QString kind() const;
    void setKind(const QString& kind);
    [[nodiscard]] bool active() const { return active_; }
    [[nodiscard]] int pointCount() const;
    [[nodiscard]] QString problem() const { return problem_; }
    [[nodiscard]] bool busy() const { return ticket_ != 0; }

    /// Starts drawing an annotation of this kind (again, when already drawing: the points go,
    /// the text stays): the map's clicks add its points.
    Q_INVOKABLE void start(const QString& kind);
    /// Checks and saves it; returns false (writing nothing) and sets `problem` when it cannot be.
    Q_INVOKABLE bool save();
    /// Drops the drawing; the map goes back to panning.
    Q_INVOKABLE void cancel();

signals:
    void changed();
    /// The annotation is in the mission.
    void saved(const QString& uuid);

private:
    void follow();

    QPointer<MissionController> mission_;
    QPointer<MapItem> map_;
    QMetaObject::Connection answers_;
    store::AnnotationKind kind_ = store::AnnotationKind::Point;
    QString text_;
    QString author_;
    QString problem_;
    bool active_ = false;
    quint64 ticket_ = 0;
};

} // namespace tessera::quick
