// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/IncidentListModel.h"

#include "quick/MissionController.h"
#include "render/Palette.h"
#include "store/Mission.h"

namespace tessera::quick {

namespace {
// Long enough to gather the keystrokes of a word typed into the search field into one query.
constexpr int kPauseMs = 150;
} // namespace

IncidentListModel::IncidentListModel(QObject* parent)
    : QAbstractListModel(parent) {
    pause_.setSingleShot(true);
    pause_.setInterval(kPauseMs);
    connect(&pause_, &QTimer::timeout, this, &IncidentListModel::refresh);
}

int IncidentListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

QVariant IncidentListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() < 0 || index.row() >= rows_.size())
        return {};
    const store::IncidentMarker& m = rows_.at(index.row());
    switch (role) {
    case UuidRole:
        return m.uuid;
    case Qt::DisplayRole:
    case TitleRole:
        return m.title;
    case CategoryRole:
        return m.category;
    case CategoryLabelRole:
        return store::categoryLabel(m.category);
    case SeverityRole:
        return store::toString(m.severity);
    case StatusRole:
        return store::toString(m.status);
    case ObservedAtRole:
        return m.observedAt();
    case LonRole:
        return m.location.lon;
    case LatRole:
        return m.location.lat;
    case IsAreaRole:
        return m.isArea;
    case ColorRole:
        return render::palette::severity(m.severity);
    case ObservedTextRole:
        return m.observedAt().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"));
    default:
        return {};
    }
}

QHash<int, QByteArray> IncidentListModel::roleNames() const {
    return {{UuidRole, "uuid"},
            {TitleRole, "title"},
            {CategoryRole, "category"},
            {CategoryLabelRole, "categoryLabel"},
            {SeverityRole, "severity"},
            {StatusRole, "status"},
            {ObservedAtRole, "observedAt"},
            {LonRole, "lon"},
            {LatRole, "lat"},
            {IsAreaRole, "isArea"},
            {ColorRole, "severityColor"},
            {ObservedTextRole, "observedText"}};
}

void IncidentListModel::setMission(MissionController* mission) {
    if (!followMission(mission_, mission, this, &IncidentListModel::schedule))
        return;
    if (mission_)
        connect(mission_, &MissionController::recordsChanged, this, &IncidentListModel::follow);
    follow();
    emit missionChanged();
}

void IncidentListModel::follow() {
    for (const QMetaObject::Connection& c : std::as_const(workerLinks_))
        disconnect(c);
    workerLinks_.clear();
    if (store::MissionWorker* records = mission_ ? mission_->records() : nullptr) {
        workerLinks_ << connect(records, &store::MissionWorker::markersQueried, this,
                                &IncidentListModel::answer);
        // An incident saved or a note added anywhere in the app may change what matches.
        workerLinks_ << connect(records, &store::MissionWorker::incidentSaved, this,
                                [this](quint64, const store::Incident&, const QString& error) {
                                    if (error.isEmpty())
                                        schedule();
                                });
        workerLinks_ << connect(records, &store::MissionWorker::written, this,
                                [this](quint64, const QString& error) {
                                    if (error.isEmpty())
                                        schedule();
                                });
        workerLinks_ << connect(records, &store::MissionWorker::noteAdded, this,
                                [this](quint64, const store::IncidentNote&, const QString& error) {
                                    if (error.isEmpty())
                                        schedule();
                                });
    }
    schedule();
}

template <typename T>
void IncidentListModel::setFilter(T& member, const T& value) {
    if (member == value)
        return;
    member = value;
    emit filterChanged();
    schedule();
}

void IncidentListModel::setText(const QString& text) {
    setFilter(text_, text);
}
void IncidentListModel::setCategories(const QStringList& categories) {
    setFilter(categories_, categories);
}
void IncidentListModel::setSeverities(const QStringList& severities) {
    setFilter(severities_, severities);
}
void IncidentListModel::setStatuses(const QStringList& statuses) {
    setFilter(statuses_, statuses);
}
void IncidentListModel::setFrom(const QDateTime& from) {
    setFilter(from_, from);
}
void IncidentListModel::setTo(const QDateTime& to) {
    setFilter(to_, to);
}
void IncidentListModel::setLastHours(int hours) {
    setFilter(lastHours_, std::max(0, hours));
}
void IncidentListModel::setLimit(int limit) {
    setFilter(limit_, std::max(1, limit));
}

int IncidentListModel::indexOf(const QString& uuid) const {
    for (qsizetype k = 0; k < rows_.size(); ++k)
        if (rows_.at(k).uuid == uuid)
            return static_cast<int>(k);
    return -1;
}

QString IncidentListModel::uuidAt(int row) const {
    return row >= 0 && row < rows_.size() ? rows_.at(row).uuid : QString();
}

QColor IncidentListModel::severityColor(const QString& severity) {
    return render::palette::severity(severity);
}

store::IncidentQuery IncidentListModel::query(const QDateTime& now) const {
    store::IncidentQuery q;
    q.text = text_.trimmed();
    q.categories = categories_;
    for (const QString& name : severities_)
        if (const std::optional<store::Severity> s = store::severityFromString(name))
            q.severities.append(*s);
    for (const QString& name : statuses_)
        if (const std::optional<store::IncidentStatus> s = store::incidentStatusFromString(name))
            q.statuses.append(*s);
    q.from = lastHours_ > 0 ? now.addSecs(-3600LL * lastHours_) : from_;
    q.to = to_;
    q.order = store::IncidentOrder::NewestFirst;
    q.limit = limit_;
    q.countTotal = true;
    return q;
}

void IncidentListModel::schedule() {
    setLoading(true);
    pause_.start();
}

void IncidentListModel::refresh() {
    pause_.stop();
    if (!mission_ || !mission_->records()) {
        setLoading(false);
        return;
    }
    ticket_ = store::MissionWorker::newTicket();
    setLoading(true);
    mission_->records()->queryMarkers(query(QDateTime::currentDateTimeUtc()), ticket_);
}

void IncidentListModel::answer(quint64 ticket, const store::MarkerPage& page,
                               const QString& error) {
    if (ticket != ticket_ || pause_.isActive())
        return; // superseded: a newer question is asked or about to be
    beginResetModel();
    if (error.isEmpty()) {
        rows_ = page.markers;
        total_ = std::max<qint64>(page.total, rows_.size());
    } else {
        rows_.clear();
        total_ = 0;
    }
    error_ = error;
    endResetModel();
    emit rowsChanged();
    setLoading(false);
}

void IncidentListModel::setLoading(bool loading) {
    if (loading_ == loading)
        return;
    loading_ = loading;
    emit loadingChanged();
}

} // namespace tessera::quick
