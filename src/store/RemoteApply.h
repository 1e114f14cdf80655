// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "store/Hlc.h"
#include "store/Mission.h"
#include "store/StatementCache.h"

#include <QMap>
#include <QString>

#include <optional>

namespace tessera::store {

class MissionStore;

/// The stamp a version of a record carries from the station that wrote it.
struct RemoteStamp {
    QString station;      ///< the writing station's UUID
    QString origin;       ///< the station that created the record (marking authority)
    qint64 created = 0;   ///< the record's creation stamp (HLC)
    qint64 updated = 0;   ///< this version's stamp (HLC)
    bool deleted = false; ///< a tombstone
};

/// What this mission holds of a record: its row, version, marking and origin.
struct HeldVersion {
    qint64 id = 0;
    qint64 updated = 0;
    QString station;
    bool deleted = false;
    Marking marking;
    QString origin;
};

/// The SQL of a record's origin station's uuid, for a table aliased `alias`: its `origin`
/// column, or this mission's own station when that is NULL (store migration 6).
QString recordOriginColumn(const char* alias);

/// The record of `kind` (a change-log kind: incident, note, attachment, route, annotation)
/// with this uuid, if the mission holds it (a tombstone too).
Result<std::optional<HeldVersion>> heldVersion(StatementCache& db, const QString& kind,
                                               const QString& uuid);

/// How RemoteApply wrote a version, as the change log names it.
enum class RemoteWrite { Inserted, Updated, Deleted };

/// Writes versions of records that other stations wrote into this mission (MissionStore's
/// counterpart of its own edits, for sharing: bundles and TLS sync). Sharing decides *whether*
/// a version is taken (signatures, marking authority, causal clocks; share/BundleRecords.cpp);
/// this writes it the store's way: the record descriptions (IncidentRow, AnnotationRow,
/// RouteRow), the indexes in step, attachment content stored once per SHA-256, the writer's
/// stamp kept and the change log appended. So sharing never writes the store's tables itself.
///
/// One instance per apply, inside the caller's transaction; statements are prepared once.
/// finish() writes the change log in stamp order and advances the store's clock.
/// (CoT and TAK imports are this station's own edits, vouched for and later signed by it: they
/// use MissionStore's add and update calls, not this.)
class RemoteApply {
public:
    explicit RemoteApply(MissionStore& store);

    /// heldVersion(), with this apply's statements.
    Result<std::optional<HeldVersion>> held(const QString& kind, const QString& uuid) {
        return heldVersion(db_, kind, uuid);
    }

    Result<RemoteWrite> incident(const Incident& incident, const RemoteStamp& stamp);
    /// Notes are append-only: one the mission holds is not written again (nullopt), nor one
    /// whose incident it does not hold (false).
    Result<std::optional<bool>> note(const IncidentNote& note, const QString& incidentUuid,
                                     const RemoteStamp& stamp);
    /// `data` must be the content whose SHA-256 and size `attachment` names (the caller checked
    /// it). False when the mission does not hold its incident.
    Result<bool> attachment(const Attachment& attachment, const QString& incidentUuid,
                            const QByteArray& data, const RemoteStamp& stamp);
    Result<RemoteWrite> annotation(const Annotation& annotation, const RemoteStamp& stamp);
    Result<RemoteWrite> route(const PatrolRoute& route, const RemoteStamp& stamp);
    /// Takes a sanitised version out of the mission once its original is held (sharing's
    /// SanitisedRecords.h): the row and its index entries, with no change of its own to pass on
    /// (the original supersedes it wherever it goes). Kept when an analyst here has written a
    /// note or attached a file to it. Whether it was taken out.
    Result<bool> dropSuperseded(const QString& incidentUuid);

    /// Writes the change log of everything written, in stamp order, so that its last entry
    /// holds the highest stamp (the store's clock observes it when the mission is next opened),
    /// and has this connection's clock observe it now.
    Status finish();

    /// The statement cache, for sharing's own tables in the same apply.
    StatementCache& statements() { return db_; }

    /// The station's key in this mission, made when the station is new here.
    Result<qint64> stationKey(const QString& uuid);

private:
    /// What writing one version needs: what the mission holds of the record, and the keys of
    /// its writer and origin stations.
    struct Target {
        std::optional<HeldVersion> held;
        qint64 station = 0;
        qint64 origin = 0;
    };
    Result<Target> targetOf(const QString& kind, const QString& uuid, const RemoteStamp& stamp);
    /// Logs the write (insert, update or tombstone, from what was held) and returns it.
    Result<RemoteWrite> logged(const QString& kind, const QString& uuid,
                               const std::optional<HeldVersion>& held, const RemoteStamp& stamp);
    Status log(const QString& kind, const QString& uuid, RemoteWrite op, const RemoteStamp& stamp);
    Status runForRow(const QStringList& statements, qint64 id);

    struct PendingChange {
        QString kind;
        QString uuid;
        const char* op = "";
        qint64 hlc = 0;
        qint64 station = 0;
    };

    MissionStore& store_;
    StatementCache db_;
    QMap<QString, qint64> stations_;
    QList<PendingChange> log_;
};

} // namespace tessera::store
