// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/Mission.h"
#include "store/MissionStore.h"
#include "store/Query.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QThread>

#include <optional>

namespace tessera::store {

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

    /// Imports the incidents all or nothing (IncidentImport); then imported().
    void importIncidents(const QList<Incident>& incidents, const QString& source,
                         int batchSize = 20000);
    /// Runs the query; then queried() with the same ticket.
    void query(const IncidentQuery& query, quint64 ticket);

signals:
    /// `error` is empty when the mission is open.
    void opened(const QString& error);
    /// The number of incidents imported, or an error (nothing of the import is then visible).
    void imported(qint64 count, const QString& error);
    void queried(quint64 ticket, const tessera::store::IncidentPage& page, const QString& error);

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
