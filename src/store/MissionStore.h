// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "store/Database.h"
#include "store/Hlc.h"
#include "store/Mission.h"
#include "store/Query.h"

namespace tessera::store {

/// One mission file: an SQLite database (WAL) with numbered migrations, holding the mission's
/// metadata, map layers and operational records (docs/store.md).
///
/// Every write of a record stamps it (HLC, station), keeps the R*Tree and full-text index in
/// step and appends to the change log, in one transaction.
///
/// Threads: an instance is one connection; use it on one thread at a time. The GUI never holds
/// one: it asks a worker for a MissionSnapshot (see load()) or uses MissionWorker.
class MissionStore {
public:
    enum class Access { ReadOnly, ReadWrite };

    /// Creates a new mission file; refuses to overwrite an existing one.
    static Result<MissionStore> create(const QString& path, const MissionInfo& info);
    /// Opens an existing mission. Refuses, without writing anything, a missing, empty, corrupt or
    /// foreign file and one written by a newer Tessera. ReadWrite upgrades an older schema and
    /// rolls back what an interrupted import left; it refuses a read-only file.
    static Result<MissionStore> open(const QString& path, Access access);
    /// Opens `path` read-only and reads everything the map shows.
    static Result<MissionSnapshot> load(const QString& path);

    Result<MissionInfo> info();
    Status setInfo(const MissionInfo& info);

    /// Adds a layer under `layer.id` when positive (refused if taken), else under a new id.
    Result<qint64> addLayer(const LayerSpec& layer);
    Result<QList<LayerSpec>> layers();
    /// Makes the mission's layer stack exactly `layers` (matched by id): their visibility,
    /// opacity, order, name and style are saved; layers not listed are removed. One transaction.
    Status saveLayerStack(const QList<LayerSpec>& layers);

    /// Why the store would refuse `incident`, in words; empty when it is acceptable. The first
    /// of incidentProblems().
    static QString invalidReason(const Incident& incident);

    /// Inserts the incident; gives it a UUID first when it has none; sets its stamp.
    Status addIncident(Incident& incident);
    /// Replaces the incident with the same UUID (not a tombstone); sets its stamp.
    Status updateIncident(Incident& incident);
    /// Leaves a tombstone: the incident disappears from the map and queries, the change log
    /// keeps the deletion for sync.
    Status deleteIncident(const QString& uuid);
    /// One incident by UUID, tombstones included.
    Result<Incident> incident(const QString& uuid);
    /// Live incidents, oldest first.
    Result<QList<Incident>> incidents();
    /// Full records of the incidents that match, in the query's order, one page of them.
    Result<IncidentPage> queryIncidents(const IncidentQuery& query);
    /// The same matches and order as queryIncidents, as light markers (what a map symbol and a
    /// list row need): a 10,000-row box in milliseconds, for drawing and lists.
    Result<MarkerPage> queryMarkers(const IncidentQuery& query);

    /// Appends a note to the incident's thread (notes are never edited or removed).
    Status addNote(const QString& incidentUuid, IncidentNote& note);
    Result<QList<IncidentNote>> notes(const QString& incidentUuid);

    /// Stores `data` with its SHA-256 (once per distinct content) and attaches it.
    Result<Attachment> attach(const QString& incidentUuid, const QString& name,
                              const QByteArray& data, const QString& mediaType,
                              const Marking& marking);
    Result<QList<Attachment>> attachments(const QString& incidentUuid);
    /// The attachment's bytes, checked against its SHA-256.
    Result<QByteArray> attachmentData(const Attachment& attachment);

    /// Inserts the route and its waypoints in one transaction; gives it a UUID when it has none.
    Status addRoute(PatrolRoute& route);
    /// Replaces a live route's name, unit, status, marking, waypoints and track (a route sent
    /// again, edited, by its author): one transaction, one change-log entry.
    Status updateRoute(PatrolRoute& route);
    /// Replaces the route's actual track.
    Status setRouteTrack(const QString& routeUuid, const QList<TrackPoint>& track);
    Status setRouteStatus(const QString& routeUuid, RouteStatus status);
    Status deleteRoute(const QString& routeUuid);
    /// Live routes with waypoints and tracks.
    Result<QList<PatrolRoute>> routes();

    Status addAnnotation(Annotation& annotation);
    /// Replaces a live annotation's kind, geometry, text, author, time and marking.
    Status updateAnnotation(Annotation& annotation);
    Status deleteAnnotation(const QString& uuid);
    Result<QList<Annotation>> annotations();

    /// The kinds of record a uuid can name, for holds().
    enum class RecordKind { Incident, Note, Route, Annotation };
    /// Whether the mission has a record of `kind` with this uuid: a live one, or with
    /// `countDeleted` a tombstone too (whose uuid cannot be added again).
    Result<bool> holds(RecordKind kind, const QString& uuid, bool countDeleted = false);

    /// Records what the Cursor-on-Target event that made record `uuid` carried (replacing what
    /// was kept for it); the origins of live records, by record uuid.
    Status setCotOrigin(const QString& uuid, const CotOrigin& origin);
    Result<QHash<QString, CotOrigin>> cotOrigins();

    /// Change-log entries after `afterSeq`, oldest first.
    Result<QList<Change>> changes(qint64 afterSeq, int limit = 1000);
    Result<MissionStats> stats();
    /// This station's UUID (one per mission file, made on creation).
    [[nodiscard]] const QString& station() const { return stationUuid_; }

    Result<MissionSnapshot> snapshot();

    [[nodiscard]] Database& database() { return db_; }
    [[nodiscard]] const QString& path() const { return db_.path(); }

    /// For IncidentImport: a new stamp from this store's clock, and the local station's key.
    Hlc stamp() { return clock_.now(); }
    /// Takes in a stamp written into the file on this connection with another station's clock
    /// (sharing applies records with their origin's stamps): later local edits are stamped
    /// above it, so they win over what they edit.
    void observe(Hlc written) { clock_.observe(written); }
    [[nodiscard]] qint64 stationKey() const { return stationId_; }

private:
    explicit MissionStore(Database db)
        : db_(std::move(db)) {}
    Status loadStation();
    Status recoverInterruptedImports();
    Status writeInfo(const MissionInfo& info);
    Status logChange(const char* kind, const QString& uuid, const char* op, Hlc hlc);
    /// Marking authority on local edits (remarkRefusal): a record another station created may
    /// be raised here, not lowered or widened.
    Status checkRemark(const char* table, const QString& uuid, const Marking& proposed);
    Result<qint64> incidentKey(const QString& uuid);
    Status indexIncident(qint64 id);
    Status unindexIncident(qint64 id);
    Status touchRoute(const QString& routeUuid, const char* op);
    /// Replace a route's waypoints / actual track rows (no stamp, no change log: the caller's).
    Status writeWaypoints(const QString& routeUuid, const QList<Waypoint>& waypoints);
    Status writeTrack(const QString& routeUuid, const QList<TrackPoint>& track);
    /// A stamp for a local edit: first, if another connection committed to the file since we
    /// last looked (PRAGMA data_version; e.g. `tessera-cli sync serve` while the app is open),
    /// the clock observes the stamps it logged.
    Hlc editStamp();

    Database db_;
    HlcClock clock_;
    qint64 stationId_ = 1;
    QString stationUuid_;
    qint64 dataVersion_ = -1; ///< PRAGMA data_version when editStamp() last looked
    qint64 seenSeq_ = 0;      ///< the change log up to this entry has been observed
};

} // namespace tessera::store
