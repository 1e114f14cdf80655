// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/MissionWorker.h"

#include "store/IncidentImport.h"

#include <QFile>
#include <QFileInfo>
#include <QMetaObject>
#include <QMimeDatabase>

#include <atomic>
#include <utility>

namespace tessera::store {

template <typename Job>
void MissionWorker::run(Job job) {
    QMetaObject::invokeMethod(context_, std::move(job), Qt::QueuedConnection);
}

template <typename Report>
void MissionWorker::report(Report notify) {
    // Posted to this object, so the signal is emitted on its thread; dropped if it is gone.
    QMetaObject::invokeMethod(this, std::move(notify), Qt::QueuedConnection);
}

MissionWorker::MissionWorker(const QString& path, MissionStore::Access access, QObject* parent)
    : QObject(parent)
    , context_(new QObject) {
    thread_.setObjectName(QStringLiteral("MissionWorker"));
    context_->moveToThread(&thread_);
    thread_.start();
    run([this, path, access] {
        Result<MissionStore> opened = MissionStore::open(path, access);
        QString error;
        if (opened)
            store_.emplace(std::move(opened).value());
        else
            error = opened.error().message;
        report([this, error] { emit this->opened(error); });
    });
}

quint64 MissionWorker::newTicket() {
    static std::atomic<quint64> last{0};
    return ++last;
}

MissionWorker::~MissionWorker() {
    thread_.quit();
    thread_.wait();
    // The thread has ended: nothing else uses the connection now.
    store_.reset();
    delete context_;
}

void MissionWorker::importIncidents(const QList<Incident>& incidents, const QString& source,
                                    int batchSize) {
    run([this, incidents, source, batchSize] {
        auto fail = [this](const QString& error) {
            report([this, error] { emit imported(0, error); });
        };
        if (!store_)
            return fail(QStringLiteral("the mission is not open"));
        Result<IncidentImport> import = IncidentImport::begin(*store_, source, batchSize);
        if (!import)
            return fail(import.error().message);
        QList<Incident> rows = incidents;
        for (Incident& incident : rows) {
            if (const QString why = MissionStore::invalidReason(incident); !why.isEmpty())
                return fail(QStringLiteral("%1: %2").arg(incident.title, why));
            if (Status s = import.value().add(incident); !s)
                return fail(s.error().message);
        }
        Result<qint64> done = import.value().finish();
        if (!done)
            return fail(done.error().message);
        const qint64 count = done.value();
        report([this, count] { emit imported(count, QString()); });
    });
}

void MissionWorker::query(const IncidentQuery& incidentQuery, quint64 ticket) {
    run([this, incidentQuery, ticket] {
        IncidentPage page;
        QString error;
        if (!store_) {
            error = QStringLiteral("the mission is not open");
        } else if (Result<IncidentPage> result = store_->queryIncidents(incidentQuery); result) {
            page = std::move(result).value();
        } else {
            error = result.error().message;
        }
        report([this, ticket, page, error] { emit queried(ticket, page, error); });
    });
}

void MissionWorker::queryMarkers(const IncidentQuery& incidentQuery, quint64 ticket) {
    run([this, incidentQuery, ticket] {
        MarkerPage page;
        QString error;
        if (!store_) {
            error = QStringLiteral("the mission is not open");
        } else if (Result<MarkerPage> result = store_->queryMarkers(incidentQuery); result) {
            page = std::move(result).value();
        } else {
            error = result.error().message;
        }
        report([this, ticket, page, error] { emit markersQueried(ticket, page, error); });
    });
}

void MissionWorker::loadIncident(const QString& uuid, quint64 ticket) {
    run([this, uuid, ticket] {
        Incident incident;
        QList<IncidentNote> notes;
        QString error;
        if (!store_) {
            error = QStringLiteral("the mission is not open");
        } else if (Result<Incident> found = store_->incident(uuid); !found) {
            error = found.error().message;
        } else if (Result<QList<IncidentNote>> thread = store_->notes(uuid); !thread) {
            error = thread.error().message;
        } else {
            incident = std::move(found).value();
            notes = std::move(thread).value();
        }
        report([this, ticket, incident, notes, error] {
            emit incidentLoaded(ticket, incident, notes, error);
        });
    });
}

void MissionWorker::saveIncident(const Incident& incident, quint64 ticket) {
    run([this, incident, ticket] {
        Incident saved = incident;
        QString error;
        auto save = [&]() -> Status {
            if (!store_)
                return Error{QStringLiteral("the mission is not open")};
            if (const QString why = MissionStore::invalidReason(saved); !why.isEmpty())
                return Error{why};
            if (saved.uuid.isEmpty())
                return store_->addIncident(saved);
            Result<bool> held = store_->holds(MissionStore::RecordKind::Incident, saved.uuid);
            if (!held)
                return held.error();
            return held.value() ? store_->updateIncident(saved) : store_->addIncident(saved);
        };
        if (Status s = save(); !s)
            error = s.error().message;
        report([this, ticket, saved, error] { emit incidentSaved(ticket, saved, error); });
    });
}

void MissionWorker::addNote(const QString& incidentUuid, const IncidentNote& note, quint64 ticket) {
    run([this, incidentUuid, note, ticket] {
        IncidentNote added = note;
        QString error;
        if (!store_)
            error = QStringLiteral("the mission is not open");
        else if (Status s = store_->addNote(incidentUuid, added); !s)
            error = s.error().message;
        report([this, ticket, added, error] { emit noteAdded(ticket, added, error); });
    });
}

void MissionWorker::write(std::function<Status(MissionStore&)> job, quint64 ticket) {
    run([this, job = std::move(job), ticket] {
        QString error;
        if (!store_)
            error = QStringLiteral("the mission is not open");
        else if (Status s = job(*store_); !s)
            error = s.error().message;
        report([this, ticket, error] { emit written(ticket, error); });
    });
}

void MissionWorker::attachFile(const QString& incidentUuid, const QString& file,
                               const Marking& marking, quint64 ticket) {
    run([this, incidentUuid, file, marking, ticket] {
        Attachment added;
        QString error;
        constexpr qint64 kMaxBytes = qint64{64} << 20;
        QFile in(file);
        if (!store_) {
            error = QStringLiteral("the mission is not open");
        } else if (!in.open(QIODevice::ReadOnly)) {
            error = QStringLiteral("%1: %2").arg(file, in.errorString());
        } else if (in.size() > kMaxBytes) {
            error = QStringLiteral("%1: %2 MiB, more than the 64 MiB an attachment may have")
                        .arg(file)
                        .arg(in.size() >> 20);
        } else {
            const QByteArray data = in.readAll();
            const QString type = QMimeDatabase().mimeTypeForFileNameAndData(file, data).name();
            Result<Attachment> a =
                store_->attach(incidentUuid, QFileInfo(file).fileName(), data, type, marking);
            if (a)
                added = a.value();
            else
                error = a.error().message;
        }
        report([this, ticket, added, error] { emit attached(ticket, added, error); });
    });
}

void MissionWorker::loadAttachments(const QString& incidentUuid, quint64 ticket) {
    run([this, incidentUuid, ticket] {
        QList<LoadedAttachment> loaded;
        QString error;
        Result<QList<Attachment>> list =
            store_ ? store_->attachments(incidentUuid)
                   : Result<QList<Attachment>>(Error{QStringLiteral("the mission is not open")});
        if (!list) {
            error = list.error().message;
        } else {
            for (const Attachment& a : list.value()) {
                LoadedAttachment l{a, {}};
                if (a.mediaType.startsWith(QLatin1String("image/")) &&
                    a.size <= LoadedAttachment::kPreviewBytes)
                    if (Result<QByteArray> data = store_->attachmentData(a); data)
                        l.image = data.value();
                loaded.append(l);
            }
        }
        report([this, ticket, loaded, error] { emit attachmentsLoaded(ticket, loaded, error); });
    });
}

void MissionWorker::addAnnotation(const Annotation& annotation, quint64 ticket) {
    run([this, annotation, ticket] {
        Annotation added = annotation;
        QString error;
        if (!store_)
            error = QStringLiteral("the mission is not open");
        else if (Status s = store_->addAnnotation(added); !s)
            error = s.error().message;
        report([this, ticket, added, error] { emit annotationSaved(ticket, added, error); });
    });
}

} // namespace tessera::store
