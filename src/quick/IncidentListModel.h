// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quick/MissionController.h"
#include "store/Query.h"

#include <QAbstractListModel>
#include <QColor>
#include <QDateTime>
#include <QPointer>
#include <QTimer>
#include <QtQml/qqmlregistration.h>

namespace tessera::quick {

/// The incident list: the mission's incidents that pass the filters (words, categories,
/// severities, statuses, a time window), newest first, as light markers read on the mission's
/// records worker (MissionStore::queryMarkers). It asks again, once, shortly after the last filter
/// change and whenever the mission's records change (an edit, an import, a bundle); answers to
/// questions since superseded are dropped.
///
/// Threads: GUI thread; the reading happens on MissionController::records().
class IncidentListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(tessera::quick::MissionController* mission READ mission WRITE setMission NOTIFY
                   missionChanged)
    /// Words that must all occur in the title, narrative or notes (FTS5; `word*` is a prefix).
    Q_PROPERTY(QString text READ text WRITE setText NOTIFY filterChanged)
    /// Category keys, severities and statuses to keep, as the schema names them ("ied", "high",
    /// "confirmed"); empty keeps all.
    Q_PROPERTY(QStringList categories READ categories WRITE setCategories NOTIFY filterChanged)
    Q_PROPERTY(QStringList severities READ severities WRITE setSeverities NOTIFY filterChanged)
    Q_PROPERTY(QStringList statuses READ statuses WRITE setStatuses NOTIFY filterChanged)
    /// Observed at or after `from` and before `to`; an invalid time leaves that end open.
    Q_PROPERTY(QDateTime from READ from WRITE setFrom NOTIFY filterChanged)
    Q_PROPERTY(QDateTime to READ to WRITE setTo NOTIFY filterChanged)
    /// A window back from now, in hours, that replaces `from` when above 0 (the time is taken
    /// at each query, so "the last 24 hours" stays that).
    Q_PROPERTY(int lastHours READ lastHours WRITE setLastHours NOTIFY filterChanged)
    /// Rows read at most (the list shows them; `total` counts every match).
    Q_PROPERTY(int limit READ limit WRITE setLimit NOTIFY filterChanged)
    Q_PROPERTY(qint64 total READ total NOTIFY rowsChanged)
    Q_PROPERTY(int count READ rowCount NOTIFY rowsChanged)
    /// True from a filter change until its answer is shown.
    Q_PROPERTY(bool loading READ loading NOTIFY loadingChanged)
    /// Why the last query failed (a malformed search, the mission cannot be read); else empty.
    Q_PROPERTY(QString error READ error NOTIFY rowsChanged)

public:
    enum Role {
        UuidRole = Qt::UserRole + 1,
        TitleRole,
        CategoryRole,
        CategoryLabelRole,
        SeverityRole,
        StatusRole,
        ObservedAtRole,
        LonRole,
        LatRole,
        IsAreaRole,
        ColorRole,        ///< the severity's colour on the map (render::palette)
        ObservedTextRole, ///< "2026-11-27 14:30 UTC", whatever the machine's time zone
    };

    explicit IncidentListModel(QObject* parent = nullptr);

    [[nodiscard]] int rowCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex& index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

    [[nodiscard]] MissionController* mission() const { return mission_; }
    void setMission(MissionController* mission);
    [[nodiscard]] QString text() const { return text_; }
    void setText(const QString& text);
    [[nodiscard]] QStringList categories() const { return categories_; }
    void setCategories(const QStringList& categories);
    [[nodiscard]] QStringList severities() const { return severities_; }
    void setSeverities(const QStringList& severities);
    [[nodiscard]] QStringList statuses() const { return statuses_; }
    void setStatuses(const QStringList& statuses);
    [[nodiscard]] QDateTime from() const { return from_; }
    void setFrom(const QDateTime& from);
    [[nodiscard]] QDateTime to() const { return to_; }
    void setTo(const QDateTime& to);
    [[nodiscard]] int lastHours() const { return lastHours_; }
    void setLastHours(int hours);
    [[nodiscard]] int limit() const { return limit_; }
    void setLimit(int limit);
    [[nodiscard]] qint64 total() const { return total_; }
    [[nodiscard]] bool loading() const { return loading_; }
    [[nodiscard]] QString error() const { return error_; }

    /// The row of the incident with this uuid, or -1 when it is not listed.
    [[nodiscard]] Q_INVOKABLE int indexOf(const QString& uuid) const;
    /// The uuid of the incident in this row, or empty.
    [[nodiscard]] Q_INVOKABLE QString uuidAt(int row) const;
    /// The map's colour of a severity ("critical", ...), for chips and legends.
    [[nodiscard]] Q_INVOKABLE static QColor severityColor(const QString& severity);
    /// The query the filters make at `now` (for tests and for the map's filter).
    [[nodiscard]] store::IncidentQuery query(const QDateTime& now) const;
    /// Asks again now instead of after the short pause that gathers quick filter changes.
    Q_INVOKABLE void refresh();

signals:
    void missionChanged();
    void filterChanged();
    void rowsChanged();
    void loadingChanged();

private:
    /// Sets a filter and asks again (after the pause) when it changed.
    template <typename T>
    void setFilter(T& member, const T& value);
    void schedule();
    void follow();
    void answer(quint64 ticket, const store::MarkerPage& page, const QString& error);
    void setLoading(bool loading);

    QPointer<MissionController> mission_;
    QList<QMetaObject::Connection> workerLinks_;
    QString text_;
    QStringList categories_;
    QStringList severities_;
    QStringList statuses_;
    QDateTime from_;
    QDateTime to_;
    int lastHours_ = 0;
    int limit_ = 2000;
    QList<store::IncidentMarker> rows_;
    qint64 total_ = 0;
    bool loading_ = false;
    QString error_;
    quint64 ticket_ = 0; ///< of the newest question; older answers are dropped
    QTimer pause_;
};

} // namespace tessera::quick
