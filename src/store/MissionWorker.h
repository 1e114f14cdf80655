// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/Mission.h"
#include "store/MissionStore.h"
#include "store/Query.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QThread>

#include <functional>
#include <optional>

namespace tessera::store {

/// An attachment, with its bytes when it is an image small enough to preview (the caller
/// decodes them: this library has no image codecs).
struct LoadedAttachment {
    Attachment attachment;
    QByteArray image; ///< empty unless an image of at most kPreviewBytes
    static constexpr qint64 kPreviewBytes = qint64{16} << 20;
};

/// A mission store on its own thread, for the GUI: it owns a QThread and one MissionStore
/// connection that is opened, used and closed only on that thread. Jobs are queued and run in
/// order; each reports through a signal, emitted on the thread this object lives in.
///
/// Other connections (readers on other threads) keep reading while a job writes: the mission is
/// in WAL mode, and an import is invisible until it finishes (docs/store.md).
///
/// Threads: call the methods on the thread this object lives in. Destruction waits for the job
/// that is running and drops the jobs still queued.
class MissionWorker : public QObject {
    Q_OBJECT
public:
    /// Starts the thread and opens `path` there; opened() tells how that went.
    MissionWorker(const QString& path, MissionStore::Access access, QObject* parent = nullptr);
    ~MissionWorker() override;
    MissionWorker(const MissionWorker&) = delete;
    MissionWorker& operator=(const MissionWorker&) = delete;

    /// A ticket no other caller of any worker has: answers come back to every listener of a
    /// signal, and each takes only those with its own tickets.
    static quint64 newTicket();

    /// Imports the incidents all or nothing (IncidentImport); then imported().
    void importIncidents(const QList<Incident>& incidents, const QString& source,
                         int batchSize = 20000);
    /// Runs the query; then queried() with the same ticket.
    void query(const IncidentQuery& query, quint64 ticket);
    /// The same as markers (MissionStore::queryMarkers); then markersQueried().
    void queryMarkers(const IncidentQuery& query, quint64 ticket);
    /// Reads one incident and its notes; then incidentLoaded().
    void loadIncident(const QString& uuid, quint64 ticket);
    /// Adds the incident when the mission has no live incident with its uuid (or it has none),
    /// else replaces it; refuses it whole when incidentProblems() finds anything. Then
    /// incidentSaved() with the incident as stored (its uuid and stamp set).
    void saveIncident(const Incident& incident, quint64 ticket);
    /// Runs any write on the store's thread; then written() with its outcome. For writes that
    /// have no job of their own (undo, redo).
    void write(std::function<Status(MissionStore&)> job, quint64 ticket);
    /// Adds the annotation (MissionStore::addAnnotation); then annotationSaved().
    void addAnnotation(const Annotation& annotation, quint64 ticket);
    /// Reads `file` and attaches it to the incident (at most 64 MiB); then attached().
    void attachFile(const QString& incidentUuid, const QString& file, const Marking& marking,
                    quint64 ticket);
    /// The incident's attachments, with the bytes of the images; then attachmentsLoaded().
    void loadAttachments(const QString& incidentUuid, quint64 ticket);
    /// Appends a note to the incident's thread; then noteAdded().
    void addNote(const QString& incidentUuid, const IncidentNote& note, quint64 ticket);

signals:
    /// `error` is empty when the mission is open.
    void opened(const QString& error);
    /// The number of incidents imported, or an error (nothing of the import is then visible).
    void imported(qint64 count, const QString& error);
    void queried(quint64 ticket, const tessera::store::IncidentPage& page, const QString& error);
    void markersQueried(quint64 ticket, const tessera::store::MarkerPage& page,
                        const QString& error);
    void incidentLoaded(quint64 ticket, const tessera::store::Incident& incident,
                        const QList<tessera::store::IncidentNote>& notes, const QString& error);
    /// `error` empty: saved, and `incident` is what the mission now holds.
    void incidentSaved(quint64 ticket, const tessera::store::Incident& incident,
                       const QString& error);
    void noteAdded(quint64 ticket, const tessera::store::IncidentNote& note, const QString& error);
    void annotationSaved(quint64 ticket, const tessera::store::Annotation& annotation,
                         const QString& error);
    void written(quint64 ticket, const QString& error);
    void attached(quint64 ticket, const tessera::store::Attachment& attachment,
                  const QString& error);
    void attachmentsLoaded(quint64 ticket,
                           const QList<tessera::store::LoadedAttachment>& attachments,
                           const QString& error);

private:
    template <typename Job>
    void run(Job job);
    template <typename Report>
    void report(Report notify);

    QThread thread_;
    QObject* context_ = nullptr;        ///< lives on thread_: jobs are queued to it
    std::optional<MissionStore> store_; ///< used on thread_ only
};

} // namespace tessera::store
