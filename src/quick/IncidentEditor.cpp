// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/IncidentEditor.h"

#include "geo/Geodesy.h"
#include "geo/PositionText.h"
#include "quick/FormTime.h"
#include "quick/MissionController.h"
#include "store/MarkingGrammar.h"

#include <QBuffer>
#include <QFutureWatcher>
#include <QImage>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>
#include <optional>

namespace tessera::quick {

namespace {

/// A coordinate as typed: a point or a comma as the decimal separator, spaces around.
std::optional<double> parseDegrees(const QString& text) {
    QString t = text.trimmed();
    t.replace(QLatin1Char(','), QLatin1Char('.'));
    bool ok = false;
    const double value = t.toDouble(&ok);
    if (!ok || !std::isfinite(value))
        return std::nullopt;
    return value;
}

} // namespace

IncidentEditor::IncidentEditor(QObject* parent)
    : QObject(parent)
    , author_(qEnvironmentVariable("USER")) {}

void IncidentEditor::setMission(MissionController* mission) {
    if (followRecords(mission_, mission, this, &IncidentEditor::follow))
        emit missionChanged();
}

void IncidentEditor::follow() {
    for (const QMetaObject::Connection& c : std::as_const(workerLinks_))
        disconnect(c);
    workerLinks_.clear();
    waiting_ = 0;
    store::MissionWorker* records = mission_ ? mission_->records() : nullptr;
    if (!records) {
        emit stateChanged();
        return;
    }
    workerLinks_ << connect(records, &store::MissionWorker::incidentLoaded, this,
                            [this](quint64 ticket, const store::Incident& incident,
                                   const QList<store::IncidentNote>& notes, const QString& error) {
                                if (ticket != loadTicket_)
                                    return;
                                if (error.isEmpty()) {
                                    fill(incident);
                                    notes_ = notes;
                                    active_ = true;
                                    loadAttachments();
                                }
                                finishWaiting(error);
                            });
    workerLinks_ << connect(
        records, &store::MissionWorker::incidentSaved, this,
        [this](quint64 ticket, const store::Incident& incident, const QString& error) {
            if (ticket != saveTicket_)
                return;
            if (error.isEmpty())
                base_ = incident;
            finishWaiting(error);
            if (!error.isEmpty())
                return;
            if (mission_) {
                mission_->reloadRecords(); // the map shows it
                mission_->setSelectedIncident(incident.uuid);
                mission_->history()->recordIncident(savingOver_, incident);
            }
            emit saved(incident.uuid);
        });
    workerLinks_ << connect(records, &store::MissionWorker::attached, this,
                            [this](quint64 ticket, const store::Attachment&, const QString& error) {
                                if (ticket != attachTicket_)
                                    return;
                                finishWaiting(error);
                                if (error.isEmpty())
                                    loadAttachments();
                            });
    workerLinks_ << connect(
        records, &store::MissionWorker::attachmentsLoaded, this,
        [this](quint64 ticket, const QList<store::LoadedAttachment>& loaded, const QString& error) {
            if (ticket != attachmentsTicket_ || !error.isEmpty())
                return;
            // The list shows at once; the previews follow, decoded off the GUI thread.
            QVariantList rows;
            for (const store::LoadedAttachment& l : loaded)
                rows.append(QVariantMap{{QStringLiteral("uuid"), l.attachment.uuid},
                                        {QStringLiteral("name"), l.attachment.name},
                                        {QStringLiteral("mediaType"), l.attachment.mediaType},
                                        {QStringLiteral("size"), l.attachment.size},
                                        {QStringLiteral("sha256"), l.attachment.sha256},
                                        {QStringLiteral("preview"), QString()}});
            attachments_ = rows;
            emit attachmentsChanged();
            auto* watcher = new QFutureWatcher<QStringList>(this);
            connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, ticket] {
                const QStringList previews = watcher->result();
                watcher->deleteLater();
                if (ticket != attachmentsTicket_)
                    return;
                for (qsizetype k = 0; k < previews.size() && k < attachments_.size(); ++k) {
                    QVariantMap row = attachments_[k].toMap();
                    row.insert(QStringLiteral("preview"), previews[k]);
                    attachments_[k] = row;
                }
                emit attachmentsChanged();
            });
            watcher->setFuture(QtConcurrent::run([loaded] {
                QStringList previews;
                for (const store::LoadedAttachment& l : loaded) {
                    const QImage image = QImage::fromData(l.image);
                    if (image.isNull()) {
                        previews.append(QString());
                        continue;
                    }
                    QByteArray png;
                    QBuffer buffer(&png);
                    buffer.open(QIODevice::WriteOnly);
                    image.scaled(240, 240, Qt::KeepAspectRatio, Qt::SmoothTransformation)
                        .save(&buffer, "PNG");
                    previews.append(QStringLiteral("data:image/png;base64,") +
                                    QString::fromLatin1(png.toBase64()));
                }
                return previews;
            }));
        });
    workerLinks_ << connect(
        records, &store::MissionWorker::noteAdded, this,
        [this](quint64 ticket, const store::IncidentNote& note, const QString& error) {
            if (ticket != noteTicket_)
                return;
            if (error.isEmpty())
                notes_.append(note);
            finishWaiting(error);
            if (error.isEmpty())
                emit noteAdded();
        });
    emit stateChanged();
}

void IncidentEditor::finishWaiting(const QString& error) {
    waiting_ = std::max(0, waiting_ - 1);
    error_ = error;
    emit stateChanged();
}

QVariantList IncidentEditor::notes() const {
    QVariantList list;
    for (const store::IncidentNote& n : notes_)
        list.append(QVariantMap{{QStringLiteral("author"), n.author},
                                {QStringLiteral("text"), n.text},
                                {QStringLiteral("writtenAt"), formatFormTime(n.writtenAt)}});
    return list;
}

QVariantList IncidentEditor::categoryOptions() {
    QVariantList list;
    for (const QString& key : store::incidentCategories())
        list.append(QVariantMap{{QStringLiteral("key"), key},
                                {QStringLiteral("label"), store::categoryLabel(key)}});
    return list;
}

QStringList IncidentEditor::releasableTo() const {
    Result<store::ParsedMarking> parsed =
        store::parseMarking({QStringLiteral("UNCLASSIFIED"), releasability_.trimmed()});
    return parsed ? parsed.value().relTo : QStringList();
}

QStringList IncidentEditor::classificationOptions() {
    QStringList levels;
    for (const store::Classification level :
         {store::Classification::Unclassified, store::Classification::Restricted,
          store::Classification::Confidential, store::Classification::Secret})
        levels.append(store::toString(level));
    return levels;
}

void IncidentEditor::setReleasableTo(const QStringList& audiences) {
    // Read with the form's level so that a sanitised clause (whose level may not exceed it) is
    // kept; the level itself is not changed here.
    const QString level = classification_.section(QStringLiteral("//"), 0, 0).trimmed();
    Result<store::ParsedMarking> parsed = store::parseMarking(
        {level.isEmpty() ? QStringLiteral("SECRET") : level, releasability_.trimmed()});
    store::ParsedMarking marking = parsed ? parsed.value() : store::ParsedMarking{};
    marking.relTo.clear();
    for (const QString& a : audiences)
        if (const QString token = store::normalizeToken(a); !token.isEmpty())
            marking.relTo.append(token);
    marking.relTo.sort();
    marking.relTo.removeDuplicates();
    releasability_ = marking.toStore().releasability;
    problems_.remove(QStringLiteral("releasability"));
    emit fieldsChanged();
    emit stateChanged();
}

QString IncidentEditor::grid() const {
    const std::optional<double> lat = parseDegrees(lat_);
    const std::optional<double> lon = parseDegrees(lon_);
    if (!lat || !lon || !geo::GeoPoint{*lon, *lat}.isValid())
        return {};
    return geo::geodesy::toMgrs({*lon, *lat});
}

bool IncidentEditor::setPosition(const QString& text) {
    QList<geo::PositionReading> readings = geo::readPosition(text);
    if (readings.isEmpty()) {
        problems_.insert(QStringLiteral("grid"),
                         QStringLiteral("'%1' is not a position: type MGRS (30QZD1638501092), "
                                        "UTM, DMS or decimal degrees")
                             .arg(text.trimmed()));
        emit stateChanged();
        return false;
    }
    const std::optional<double> lat = parseDegrees(lat_);
    const std::optional<double> lon = parseDegrees(lon_);
    if (lat && lon && geo::GeoPoint{*lon, *lat}.isValid())
        geo::nearestFirst(readings, {*lon, *lat});
    problems_.remove(QStringLiteral("grid"));
    emit stateChanged();
    placeAt(readings.first().point.lon, readings.first().point.lat);
    return true;
}

void IncidentEditor::placeAt(double lon, double lat) {
    lat_ = QString::number(lat, 'f', 5);
    lon_ = QString::number(lon, 'f', 5);
    problems_.remove(QStringLiteral("lat"));
    problems_.remove(QStringLiteral("lon"));
    problems_.remove(QStringLiteral("grid"));
    emit fieldsChanged();
    emit stateChanged();
}

void IncidentEditor::startNew(double lon, double lat) {
    store::Incident incident;
    incident.category = store::incidentCategories().value(0);
    incident.severity = store::Severity::Medium;
    incident.status = store::IncidentStatus::Reported;
    incident.observedAt = QDateTime::currentDateTimeUtc();
    incident.location = {lon, lat};
    incident.reliability = QStringLiteral("F");
    incident.credibility = 6;
    if (mission_) {
        incident.marking = mission_->marking();
        incident.exercise = mission_->exercise();
    }
    fill(incident);
    notes_.clear();
    active_ = true;
    error_.clear();
    emit stateChanged();
}

void IncidentEditor::edit(const QString& uuid) {
    store::MissionWorker* records = mission_ ? mission_->records() : nullptr;
    if (!records || uuid.isEmpty())
        return;
    loadTicket_ = store::MissionWorker::newTicket();
    ++waiting_;
    error_.clear();
    emit stateChanged();
    records->loadIncident(uuid, loadTicket_);
}

void IncidentEditor::fill(const store::Incident& incident) {
    base_ = incident;
    title_ = incident.title;
    category_ = incident.category;
    severity_ = store::toString(incident.severity);
    status_ = store::toString(incident.status);
    observedAt_ = formatFormTime(incident.observedAt);
    // Enough decimals for about a metre, without the float's noise.
    lat_ = QString::number(incident.location.lat, 'f', 5);
    lon_ = QString::number(incident.location.lon, 'f', 5);
    source_ = incident.source;
    reliability_ = incident.reliability;
    credibility_ = incident.credibility;
    narrative_ = incident.narrative;
    classification_ = incident.marking.classification;
    releasability_ = incident.marking.releasability;
    problems_.clear();
    emit fieldsChanged();
}

store::Incident IncidentEditor::incident(QList<store::FieldProblem>* problems,
                                         const QDateTime& now) const {
    QList<store::FieldProblem> found;
    auto refuse = [&found](const char* field, const QString& reason) {
        found.append({QString::fromLatin1(field), reason});
    };
    store::Incident i = base_;
    i.title = title_.trimmed();
    i.category = category_;
    if (!store::incidentCategories().contains(category_))
        refuse("category", QStringLiteral("pick a category from the list"));
    if (const std::optional<store::Severity> s = store::severityFromString(severity_))
        i.severity = *s;
    else
        refuse("severity", QStringLiteral("pick low, medium, high or critical"));
    if (const std::optional<store::IncidentStatus> s = store::incidentStatusFromString(status_))
        i.status = *s;
    else
        refuse("status", QStringLiteral("pick reported, confirmed or resolved"));
    i.observedAt = parseFormTime(observedAt_);
    const std::optional<double> lat = parseDegrees(lat_);
    const std::optional<double> lon = parseDegrees(lon_);
    if (!lat)
        refuse("lat", QStringLiteral("the latitude is not a number of degrees"));
    else if (*lat < -90.0 || *lat > 90.0)
        refuse("lat", QStringLiteral("the latitude %1 is outside -90 to 90").arg(*lat));
    if (!lon)
        refuse("lon", QStringLiteral("the longitude is not a number of degrees"));
    else if (*lon < -180.0 || *lon > 180.0)
        refuse("lon", QStringLiteral("the longitude %1 is outside -180 to 180").arg(*lon));
    if (lat && lon) {
        // A moved point incident moves; an area keeps its outline and representative point
        // unless the point itself was edited.
        if (std::abs(*lat - base_.location.lat) > 1e-9 ||
            std::abs(*lon - base_.location.lon) > 1e-9)
            i.location = {*lon, *lat};
    }
    i.source = source_.trimmed();
    i.reliability = reliability_.trimmed().toUpper();
    i.credibility = credibility_;
    i.narrative = narrative_;
    i.marking = {classification_.trimmed(), releasability_.trimmed()};
    // Saved in the grammar's canonical form ("SECRET // REL TO FRA, NLD"), so that every
    // reader compares the same strings; an unreadable one is refused below.
    if (Result<store::ParsedMarking> parsed = store::parseMarking(i.marking); parsed)
        i.marking = parsed.value().toStore();
    const bool placeRefused = std::any_of(found.begin(), found.end(), [](const auto& p) {
        return p.field == QLatin1String("lat") || p.field == QLatin1String("lon");
    });
    for (const store::FieldProblem& p : store::incidentEditProblems(i, now)) {
        if (p.field == QLatin1String("location") || p.field == QLatin1String("area")) {
            if (!placeRefused) // the form's own reason is the more precise
                found.append({QStringLiteral("lat"), p.reason});
        } else if (p.field == QLatin1String("observedAt") && observedAt_.trimmed().isEmpty()) {
            found.append({p.field, QStringLiteral("the observed time is missing")});
        } else if (p.field == QLatin1String("observedAt") && !i.observedAt.isValid()) {
            found.append({p.field, QStringLiteral("'%1' is not a time like 2026-11-27 14:30 "
                                                  "or 271430ZNOV26")
                                       .arg(observedAt_.trimmed())});
        } else {
            found.append(p);
        }
    }
    if (problems)
        *problems = found;
    return i;
}

bool IncidentEditor::save() {
    if (!active_ || busy())
        return false;
    QList<store::FieldProblem> found;
    const store::Incident candidate = incident(&found, QDateTime::currentDateTimeUtc());
    problems_.clear();
    for (const store::FieldProblem& p : found)
        if (!problems_.contains(p.field)) // the first reason per field
            problems_.insert(p.field, p.reason);
    error_.clear();
    store::MissionWorker* records = mission_ ? mission_->records() : nullptr;
    if (!problems_.isEmpty() || !records) {
        if (!records)
            error_ = QStringLiteral("No mission is open for writing.");
        emit stateChanged();
        return false;
    }
    saveTicket_ = store::MissionWorker::newTicket();
    savingOver_ = base_.uuid.isEmpty() ? std::nullopt : std::optional<store::Incident>(base_);
    ++waiting_;
    emit stateChanged();
    records->saveIncident(candidate, saveTicket_);
    return true;
}

void IncidentEditor::close() {
    active_ = false;
    base_ = {};
    notes_.clear();
    attachments_.clear();
    attachmentsTicket_ = 0;
    emit attachmentsChanged();
    problems_.clear();
    error_.clear();
    emit stateChanged();
}

void IncidentEditor::loadAttachments() {
    store::MissionWorker* records = mission_ ? mission_->records() : nullptr;
    if (!records || base_.uuid.isEmpty())
        return;
    attachmentsTicket_ = store::MissionWorker::newTicket();
    records->loadAttachments(base_.uuid, attachmentsTicket_);
}

void IncidentEditor::attach(const QUrl& file) {
    store::MissionWorker* records = mission_ ? mission_->records() : nullptr;
    if (!records || base_.uuid.isEmpty())
        return; // only a saved incident has attachments
    attachTicket_ = store::MissionWorker::newTicket();
    ++waiting_;
    error_.clear();
    emit stateChanged();
    records->attachFile(base_.uuid, file.isLocalFile() ? file.toLocalFile() : file.toString(),
                        base_.marking, attachTicket_);
}

void IncidentEditor::addNote(const QString& text) {
    store::MissionWorker* records = mission_ ? mission_->records() : nullptr;
    if (!records || base_.uuid.isEmpty())
        return; // only a saved incident has a thread
    store::IncidentNote note;
    note.author = author_.isEmpty() ? QStringLiteral("analyst") : author_;
    note.text = text.trimmed();
    note.marking = base_.marking;
    noteTicket_ = store::MissionWorker::newTicket();
    ++waiting_;
    error_.clear();
    emit stateChanged();
    records->addNote(base_.uuid, note, noteTicket_);
}

} // namespace tessera::quick
