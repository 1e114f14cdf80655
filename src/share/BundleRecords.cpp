// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "share/BundleRecords.h"

#include "share/Cbor.h"
#include "share/Crypto.h"
#include "share/ReleasePolicy.h"
#include "share/SanitisedRecords.h"
#include "share/VersionVector.h"
#include "store/AnnotationRow.h"
#include "store/Hlc.h"
#include "store/IncidentRow.h"
#include "store/MissionStore.h"
#include "store/NoteRow.h"
#include "store/RemoteApply.h"
#include "store/RouteRow.h"
#include "store/StatementCache.h"

#include <QCborArray>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

namespace tessera::share {

using store::Database;
using store::Statement;

namespace {

const QStringList& kKinds = recordKinds();

/// The mission's database with each statement prepared once per read or apply of a bundle.
using Db = store::StatementCache;

/// Runs `stmt` to its first row; false when there is none.
Result<bool> firstRow(Statement& stmt) {
    return stmt.step();
}

QString originColumn(const char* alias) {
    return store::recordOriginColumn(alias);
}

/// The common part of every record: identity, stamps, marking, origin.
SharedRecord common(const QString& kind, const Statement& s, int uuidColumn, int markingColumn,
                    int stampColumn, int originAt) {
    SharedRecord r;
    r.kind = kind;
    r.uuid = s.text(uuidColumn);
    r.marking = {s.text(markingColumn), s.text(markingColumn + 1)};
    r.updated = s.integer(stampColumn + 1);
    r.station = s.text(stampColumn + 2);
    r.origin = s.text(originAt);
    QCborMap& m = r.value;
    m.insert(QStringLiteral("kind"), kind);
    m.insert(QStringLiteral("uuid"), r.uuid);
    m.insert(QStringLiteral("station"), r.station);
    m.insert(QStringLiteral("origin"), r.origin);
    m.insert(QStringLiteral("created"), s.integer(stampColumn));
    m.insert(QStringLiteral("updated"), r.updated);
    m.insert(QStringLiteral("deleted"), s.integer(stampColumn + 3) != 0);
    m.insert(QStringLiteral("classification"), r.marking.classification);
    m.insert(QStringLiteral("releasability"), r.marking.releasability);
    return r;
}

/// An incident as it travels, from a row of kIncidentColumns.
SharedRecord incidentFrom(const Statement& q) {
    // The incident's description (store/IncidentRow.h): its content columns, then the stamp.
    constexpr int stamp = store::kIncidentReadColumns;
    SharedRecord r = common(QStringLiteral("incident"), q, 0, 13, stamp, stamp + 4);
    store::incidentToWire(store::readIncidentContent(q, 0), r.value);
    if (!q.isNull(stamp + 5)) // a sanitised version, as its originator signed it
        r.value.insert(kSanitisedOfKey, q.text(stamp + 5));
    return r;
}

/// The columns incidentFrom reads, and which incidents a peer may see: not those of an
/// import still running.
const QString kIncidentColumns =
    QStringLiteral("SELECT ") + store::incidentReadColumns("i") +
    QStringLiteral(", i.created_hlc, i.updated_hlc, st.uuid, i.deleted, ") + originColumn("i") +
    QStringLiteral(", sv.original FROM incident i JOIN station st ON st.id = i.station LEFT JOIN "
                   "share_sanitised sv ON sv.uuid = i.uuid WHERE (i.import_id IS NULL OR "
                   "i.import_id NOT IN (SELECT id FROM import WHERE state <> 'done'))");

Result<std::optional<SharedRecord>> readIncident(Db& db, const QString& uuid) {
    Result<Statement*> s = db.prepare(kIncidentColumns + QStringLiteral(" AND i.uuid = ?1"));
    if (!s)
        return s.error();
    s.value()->bind(1, uuid);
    Result<bool> row = firstRow(*s.value());
    if (!row)
        return row.error();
    if (!row.value())
        return std::optional<SharedRecord>();
    return std::optional(incidentFrom(*s.value()));
}

/// Many incidents: one pass over the table in storage order, keeping those in `uuids`, is far
/// cheaper than as many lookups by random UUID.
Status scanIncidents(Db& db, const QSet<QString>& uuids, QList<SharedRecord>& out) {
    Result<Statement*> s = db.prepare(kIncidentColumns);
    if (!s)
        return s.error();
    for (;;) {
        Result<bool> row = s.value()->step();
        if (!row)
            return row.error();
        if (!row.value())
            return success();
        if (uuids.contains(s.value()->text(0)))
            out.append(incidentFrom(*s.value()));
    }
}

Result<std::optional<SharedRecord>> readNote(Db& db, const QString& uuid) {
    Result<Statement*> s = db.prepare(
        QStringLiteral("SELECT n.uuid, i.uuid, n.author, n.text, n.written_at, n.classification, "
                       "n.releasability, n.created_hlc, n.updated_hlc, st.uuid, n.deleted, ") +
        originColumn("n") +
        QStringLiteral(", i.classification, i.releasability FROM incident_note n "
                       "JOIN incident i ON i.id = n.incident_id JOIN station st ON st.id = "
                       "n.station WHERE n.uuid = ?1"));
    if (!s)
        return s.error();
    s.value()->bind(1, uuid);
    Result<bool> row = firstRow(*s.value());
    if (!row)
        return row.error();
    if (!row.value())
        return std::optional<SharedRecord>();
    const Statement& q = *s.value();
    SharedRecord r = common(QStringLiteral("note"), q, 0, 5, 7, 11);
    r.ancestors = {{q.text(12), q.text(13)}};
    store::IncidentNote note;
    note.author = q.text(2);
    note.text = q.text(3);
    note.writtenAt = QDateTime::fromMSecsSinceEpoch(q.integer(4), Qt::UTC);
    store::noteToWire(note, q.text(1), r.value);
    return std::optional(r);
}

Result<std::optional<SharedRecord>> readAttachment(Db& db, const QString& uuid) {
    Result<Statement*> s = db.prepare(
        QStringLiteral(
            "SELECT a.uuid, i.uuid, a.name, a.media_type, a.sha256, a.size, a.classification, "
            "a.releasability, a.created_hlc, a.updated_hlc, st.uuid, a.deleted, b.data, ") +
        originColumn("a") +
        QStringLiteral(", i.classification, i.releasability FROM attachment a JOIN incident i ON "
                       "i.id = a.incident_id JOIN station st ON st.id = a.station JOIN "
                       "attachment_blob b ON b.sha256 = a.sha256 WHERE a.uuid = ?1"));
    if (!s)
        return s.error();
    s.value()->bind(1, uuid);
    Result<bool> row = firstRow(*s.value());
    if (!row)
        return row.error();
    if (!row.value())
        return std::optional<SharedRecord>();
    const Statement& q = *s.value();
    SharedRecord r = common(QStringLiteral("attachment"), q, 0, 6, 8, 13);
    r.ancestors = {{q.text(14), q.text(15)}};
    store::Attachment attachment;
    attachment.name = q.text(2);
    attachment.mediaType = q.text(3);
    attachment.sha256 = q.text(4);
    attachment.size = q.integer(5);
    store::attachmentToWire(attachment, q.text(1), q.blob(12), r.value);
    return std::optional(r);
}

Result<std::optional<SharedRecord>> readAnnotation(Db& db, const QString& uuid) {
    Result<Statement*> s = db.prepare(
        QStringLiteral("SELECT ") + store::annotationReadColumns("a") +
        QStringLiteral(", a.created_hlc, a.updated_hlc, st.uuid, a.deleted, ") + originColumn("a") +
        QStringLiteral(" FROM annotation a JOIN station st ON st.id = a.station WHERE a.uuid = "
                       "?1"));
    if (!s)
        return s.error();
    s.value()->bind(1, uuid);
    Result<bool> row = firstRow(*s.value());
    if (!row)
        return row.error();
    if (!row.value())
        return std::optional<SharedRecord>();
    const Statement& q = *s.value();
    // The annotation's description (store/AnnotationRow.h): its content, then the stamp.
    constexpr int stamp = store::kAnnotationReadColumns;
    SharedRecord r = common(QStringLiteral("annotation"), q, 0, 6, stamp, stamp + 4);
    store::annotationToWire(store::readAnnotationContent(q, 0), r.value);
    return std::optional(r);
}

Result<std::optional<SharedRecord>> readRoute(Db& db, const QString& uuid) {
    Result<Statement*> s = db.prepare(
        QStringLiteral("SELECT ") + store::routeReadColumns("r") +
        QStringLiteral(", r.created_hlc, r.updated_hlc, st.uuid, r.deleted, ") + originColumn("r") +
        QStringLiteral(" FROM route r JOIN station st ON st.id = r.station WHERE r.uuid = ?1"));
    if (!s)
        return s.error();
    s.value()->bind(1, uuid);
    Result<bool> row = firstRow(*s.value());
    if (!row)
        return row.error();
    if (!row.value())
        return std::optional<SharedRecord>();
    const Statement& q = *s.value();
    // The route's description (store/RouteRow.h): its row, then the stamp; then its points.
    constexpr int stamp = store::kRouteReadColumns;
    SharedRecord r = common(QStringLiteral("route"), q, 0, 4, stamp, stamp + 4);
    store::PatrolRoute route = store::readRouteRow(q, 0);
    Result<QList<store::Waypoint>> waypoints = store::readWaypoints(db, uuid);
    if (!waypoints)
        return waypoints.error();
    Result<QList<store::TrackPoint>> track = store::readTrack(db, uuid);
    if (!track)
        return track.error();
    route.waypoints = std::move(waypoints).value();
    route.track = std::move(track).value();
    store::routeToWire(route, r.value);
    return std::optional(r);
}

// ---- applying ----

/// What applying one bundle needs along the way. The store writes the records (RemoteApply);
/// this decides which versions it takes and keeps sharing's own tables.
struct Apply {
    store::RemoteApply& writer;
    Db& db;
    const ApplyContext& context;
    int conflicts = 0;
    QList<RefusedRecord> refused;
};

using Local = store::HeldVersion;

Result<std::optional<SharedRecord>> readRecord(Db& db, const QString& kind, const QString& uuid);

/// Whether this mission logged this very version before (the writer's stamp on this record):
/// then it is not news, and whatever conflict it made was found when it first arrived.
Result<bool> seenBefore(Apply& a, const SharedRecord& r) {
    Result<qint64> station = a.writer.stationKey(r.station);
    if (!station)
        return station.error();
    Result<Statement*> s = a.db.prepare(QStringLiteral(
        "SELECT 1 FROM change_log WHERE station = ?1 AND hlc = ?2 AND uuid = ?3 LIMIT 1"));
    if (!s)
        return s.error();
    s.value()->bind(1, station.value()).bind(2, r.updated).bind(3, r.uuid);
    return s.value()->step();
}

/// A concurrent edit: neither version's vector dominates the other (the caller checked), and
/// we had not seen theirs before (a stale bundle that brings a version we already hold, or an
/// older one we built on, is no conflict). Both
/// versions are kept for an analyst; last writer wins decides what the record shows meanwhile,
/// the same at every station.
Status noteConflict(Apply& a, const SharedRecord& r, const std::optional<Local>& local) {
    if (!local || std::pair(local->updated, local->station) == std::pair(r.updated, r.station))
        return success();
    Result<bool> seen = seenBefore(a, r);
    if (!seen)
        return seen.error();
    if (seen.value())
        return success();
    Result<std::optional<SharedRecord>> ours = readRecord(a.db, r.kind, r.uuid);
    if (!ours)
        return ours.error();
    if (!ours.value())
        return success();
    const bool theirsWins =
        std::pair(r.updated, r.station) > std::pair(local->updated, local->station);
    ++a.conflicts;
    return a.db.run(
        QStringLiteral("INSERT INTO share_conflict (kind, uuid, detected_at, bundle_id, "
                       "ours, theirs, shown) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
        {r.kind, r.uuid, QDateTime::currentMSecsSinceEpoch(), a.context.bundleId,
         QVariant(ours.value()->value.toCborValue().toCbor()),
         QVariant(r.value.toCborValue().toCbor()),
         theirsWins ? QStringLiteral("theirs") : QStringLiteral("ours")});
}

/// Last writer wins: whether our copy is the same version as `r`, or newer, by (updated HLC,
/// station UUID).
bool holdsSameOrNewer(const std::optional<Local>& local, const SharedRecord& r) {
    return local && std::pair(local->updated, local->station) >= std::pair(r.updated, r.station);
}

/// Marking authority (ReleasePolicy::mayRemark): a version that would lower or widen the
/// marking of a record this mission holds, written by a station other than the record's
/// origin, is not applied. It is kept in share_refused with the reason for the analyst, and the
/// rest of the bundle applies. True when refused.
Result<bool> refuseRemark(Apply& a, const SharedRecord& r, const std::optional<Local>& local) {
    if (!local || holdsSameOrNewer(local, r))
        return false; // new here, or not newer: nothing of ours would change
    const ReleaseDecision d =
        ReleasePolicy::mayRemark(local->marking, r.marking, r.station == local->origin);
    if (d)
        return false;
    RefusedRecord refused{r.kind, r.uuid, r.station, d.reason};
    if (Status s = a.db.run(
            QStringLiteral("INSERT INTO share_refused (bundle_id, kind, uuid, station, "
                           "reason, at, theirs) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
            {a.context.bundleId, r.kind, r.uuid, r.station, d.reason,
             QDateTime::currentMSecsSinceEpoch(), QVariant(r.value.toCborValue().toCbor())});
        !s)
        return s.error();
    a.refused.append(refused);
    return true;
}

/// A record's causal clock (store migration 9, record_clock): the vector of the version it
/// shows, and the merge of every version's this station has held. A record without a row has
/// its writer's one-entry vector for both.
struct Clock {
    VersionVector vv;
    VersionVector seen;
};

VersionVector writerVector(const QString& station, qint64 updated) {
    return VersionVector{{station, updated}};
}

Result<Clock> clockOf(Db& db, const QString& kind, const QString& uuid, const QString& station,
                      qint64 updated) {
    Result<Statement*> s = db.prepare(
        QStringLiteral("SELECT vv, seen FROM record_clock WHERE kind = ?1 AND uuid = ?2"));
    if (!s)
        return s.error();
    s.value()->bind(1, kind).bind(2, uuid);
    Result<bool> row = s.value()->step();
    if (!row)
        return row.error();
    if (row.value()) {
        const std::optional<VersionVector> vv = vectorFromJson(s.value()->text(0));
        const std::optional<VersionVector> seen = vectorFromJson(s.value()->text(1));
        if (vv && seen)
            return Clock{*vv, *seen};
    }
    const VersionVector own = writerVector(station, updated);
    return Clock{own, own};
}

/// Keeps `clock` for the record, or no row when it is its writer's one entry.
Status saveClock(Db& db, const QString& kind, const QString& uuid, const Clock& clock) {
    const bool trivial = clock.vv == clock.seen && clock.vv.size() == 1;
    if (trivial)
        return db.run(QStringLiteral("DELETE FROM record_clock WHERE kind = ?1 AND uuid = ?2"),
                      {kind, uuid});
    return db.run(QStringLiteral("INSERT INTO record_clock (kind, uuid, vv, seen) VALUES (?1, ?2, "
                                 "?3, ?4) ON CONFLICT (kind, uuid) DO UPDATE SET vv = excluded.vv, "
                                 "seen = excluded.seen"),
                  {kind, uuid, toJson(clock.vv), toJson(clock.seen)});
}

/// The steps every record kind takes before it is written: marking authority, conflict, last
/// writer wins, the record's clock. True: write it; false: unchanged, or refused.
Result<bool> admit(Apply& a, const SharedRecord& r) {
    Result<std::optional<Local>> local = a.writer.held(r.kind, r.uuid);
    if (!local)
        return local.error();
    Result<bool> refused = refuseRemark(a, r, local.value());
    if (!refused)
        return refused.error();
    if (refused.value())
        return false;
    // Checked when the payload was read (decodePayload): a vector naming its own writer.
    const VersionVector theirs =
        vectorFromCbor(r.value[QStringLiteral("vv")]).value_or(writerVector(r.station, r.updated));
    const bool applies = !holdsSameOrNewer(local.value(), r);
    Clock next{theirs, theirs};
    if (const std::optional<Local>& held = local.value()) {
        Result<Clock> ours = clockOf(a.db, r.kind, r.uuid, held->station, held->updated);
        if (!ours)
            return ours.error();
        // Concurrent with everything this station has held of the record: a conflict here,
        // as at every station that holds both, whichever way and order they came.
        if (concurrent(theirs, ours.value().seen))
            if (Status c = noteConflict(a, r, held); !c)
                return c.error();
        next = {applies ? theirs : ours.value().vv, merged(ours.value().seen, theirs)};
    }
    if (Status s = saveClock(a.db, r.kind, r.uuid, next); !s)
        return s.error();
    return applies;
}

Error bad(const SharedRecord& r, const QString& why) {
    return Error{
        QStringLiteral("the %1 %2 in the bundle is not valid: %3").arg(r.kind, r.uuid, why)};
}

store::RemoteStamp stampOf(const SharedRecord& r) {
    const QCborMap& m = r.value;
    return store::RemoteStamp{r.station, r.origin.isEmpty() ? r.station : r.origin,
                              m[QStringLiteral("created")].toInteger(), r.updated,
                              m[QStringLiteral("deleted")].toBool()};
}

/// How a record of one kind went: written, unchanged (held already, older, or refused), or
/// skipped (a note or attachment whose incident is not here).
enum class Outcome { Applied, Unchanged, Skipped };

Result<Outcome> applyIncident(Apply& a, const SharedRecord& r) {
    Result<store::Incident> read = store::incidentFromWire(r.value);
    if (!read)
        return bad(r, read.error().message);
    store::Incident i = std::move(read).value();
    i.uuid = r.uuid;
    i.marking = r.marking;
    if (const QString why = store::MissionStore::invalidReason(i); !why.isEmpty())
        return bad(r, why);
    // A sanitised version of an incident held in full here says less than what is held: kept
    // out (decodePayload checked that its UUID is its original's sanitisedUuid).
    const QString original = r.value.value(kSanitisedOfKey).toString();
    if (!original.isEmpty()) {
        Result<std::optional<Local>> held = a.writer.held(QStringLiteral("incident"), original);
        if (!held)
            return held.error();
        if (held.value() && !held.value()->deleted)
            return Outcome::Unchanged;
    }
    Result<bool> admitted = admit(a, r);
    if (!admitted)
        return admitted.error();
    if (!admitted.value())
        return Outcome::Unchanged;
    if (Result<store::RemoteWrite> w = a.writer.incident(i, stampOf(r)); !w)
        return w.error();
    if (!original.isEmpty()) {
        if (Status s = a.db.run(QStringLiteral("INSERT OR REPLACE INTO share_sanitised (uuid, "
                                               "original) VALUES (?1, ?2)"),
                                {r.uuid, original});
            !s)
            return s.error();
    } else if (!r.value.value(QStringLiteral("deleted")).toBool()) {
        // The original arriving where its sanitised version was: the version goes.
        Result<bool> dropped = a.writer.dropSuperseded(sanitisedUuid(r.uuid));
        if (!dropped)
            return dropped.error();
        if (dropped.value())
            if (Status s = a.db.run(QStringLiteral("DELETE FROM share_sanitised WHERE uuid = ?1"),
                                    {sanitisedUuid(r.uuid)});
                !s)
                return s.error();
    }
    return Outcome::Applied;
}

/// Notes are append-only: one we hold never changes.
Result<Outcome> applyNote(Apply& a, const SharedRecord& r) {
    Result<store::WireNote> read = store::noteFromWire(r.value);
    if (!read)
        return bad(r, read.error().message);
    store::IncidentNote& note = read.value().note;
    note.uuid = r.uuid;
    note.marking = r.marking;
    Result<std::optional<bool>> written = a.writer.note(note, read.value().incident, stampOf(r));
    if (!written)
        return written.error();
    if (!written.value())
        return Outcome::Unchanged;
    return *written.value() ? Outcome::Applied : Outcome::Skipped;
}

/// An attachment: its content is checked against its SHA-256 and size before anything is
/// written, and stored once per content as the store does.
Result<Outcome> applyAttachment(Apply& a, const SharedRecord& r) {
    Result<store::WireAttachment> read = store::attachmentFromWire(r.value);
    if (!read)
        return bad(r, read.error().message);
    store::Attachment& attachment = read.value().attachment;
    attachment.uuid = r.uuid;
    attachment.marking = r.marking;
    Result<bool> admitted = admit(a, r);
    if (!admitted)
        return admitted.error();
    if (!admitted.value())
        return Outcome::Unchanged;
    Result<bool> written =
        a.writer.attachment(attachment, read.value().incident, read.value().data, stampOf(r));
    if (!written)
        return written.error();
    return written.value() ? Outcome::Applied : Outcome::Skipped;
}

Result<Outcome> applyAnnotation(Apply& a, const SharedRecord& r) {
    Result<store::Annotation> read = store::annotationFromWire(r.value);
    if (!read)
        return bad(r, read.error().message);
    store::Annotation annotation = std::move(read).value();
    annotation.uuid = r.uuid;
    annotation.marking = r.marking;
    Result<bool> admitted = admit(a, r);
    if (!admitted)
        return admitted.error();
    if (!admitted.value())
        return Outcome::Unchanged;
    if (Result<store::RemoteWrite> w = a.writer.annotation(annotation, stampOf(r)); !w)
        return w.error();
    return Outcome::Applied;
}

Result<Outcome> applyRoute(Apply& a, const SharedRecord& r) {
    Result<store::PatrolRoute> read = store::routeFromWire(r.value);
    if (!read)
        return bad(r, read.error().message);
    store::PatrolRoute route = std::move(read).value();
    route.uuid = r.uuid;
    route.marking = r.marking;
    Result<bool> admitted = admit(a, r);
    if (!admitted)
        return admitted.error();
    if (!admitted.value())
        return Outcome::Unchanged;
    if (Result<store::RemoteWrite> w = a.writer.route(route, stampOf(r)); !w)
        return w.error();
    return Outcome::Applied;
}

Result<std::optional<SharedRecord>> readRecord(Db& db, const QString& kind, const QString& uuid) {
    if (kind == QLatin1String("incident"))
        return readIncident(db, uuid);
    if (kind == QLatin1String("route"))
        return readRoute(db, uuid);
    if (kind == QLatin1String("note"))
        return readNote(db, uuid);
    if (kind == QLatin1String("attachment"))
        return readAttachment(db, uuid);
    return readAnnotation(db, uuid);
}

} // namespace

Result<VersionVector> seenVector(store::MissionStore& store, const QString& kind,
                                 const QString& uuid) {
    Db db(store.database());
    Result<std::optional<Local>> local = store::heldVersion(db, kind, uuid);
    if (!local)
        return local.error();
    if (!local.value())
        return VersionVector{};
    Result<Clock> clock = clockOf(db, kind, uuid, local.value()->station, local.value()->updated);
    if (!clock)
        return clock.error();
    return clock.value().seen;
}

namespace {

/// Each record's version vector into its travelling form (key "vv"), where the signature
/// covers it.
Status attachClocks(Db& db, QList<SharedRecord>& records) {
    for (SharedRecord& r : records) {
        Result<Clock> clock = clockOf(db, r.kind, r.uuid, r.station, r.updated);
        if (!clock)
            return clock.error();
        r.value.insert(QStringLiteral("vv"), toCbor(clock.value().vv));
    }
    return success();
}

} // namespace

Result<std::optional<SharedRecord>> currentRecord(store::MissionStore& store, const QString& kind,
                                                  const QString& uuid) {
    if (!kKinds.contains(kind))
        return Error{QStringLiteral("no record kind '%1'").arg(kind)};
    Db db(store.database());
    Result<std::optional<SharedRecord>> r = readRecord(db, kind, uuid);
    if (!r || !r.value())
        return r;
    QList<SharedRecord> one{*r.value()};
    if (Status s = attachClocks(db, one); !s)
        return s.error();
    return std::optional(one.first());
}

Result<Knowledge> missionKnowledge(store::MissionStore& store) {
    // Per station through the (station, hlc) index where sharing has made it; a scan otherwise.
    Result<Statement> s = store.database().prepare(QStringLiteral(
        "SELECT st.uuid, (SELECT max(c.hlc) FROM change_log c WHERE c.station = st.id) AS top "
        "FROM station st WHERE top IS NOT NULL"));
    if (!s)
        return s.error();
    Knowledge k;
    for (;;) {
        Result<bool> row = s.value().step();
        if (!row)
            return row.error();
        if (!row.value())
            break;
        k.insert(s.value().text(0), s.value().integer(1));
    }
    return k;
}

Status ensureChangeLogIndex(store::Database& db) {
    return db.exec(QStringLiteral("CREATE INDEX IF NOT EXISTS share_change_log_station_hlc ON "
                                  "change_log (station, hlc)"));
}

Result<QList<SharedRecord>> changedRecords(store::MissionStore& store, const Knowledge& peerKnows) {
    Db db(store.database());
    // Station by station, only the entries above what the peer holds of it.
    Result<Statement*> stations = db.prepare(QStringLiteral("SELECT id, uuid FROM station"));
    if (!stations)
        return stations.error();
    QList<std::pair<qint64, qint64>> ranges; // station key, stamp the peer holds
    for (;;) {
        Result<bool> row = stations.value()->step();
        if (!row)
            return row.error();
        if (!row.value())
            break;
        ranges.append(
            {stations.value()->integer(0),
             peerKnows.value(stations.value()->text(1), std::numeric_limits<qint64>::min())});
    }
    Result<Statement*> log = db.prepare(QStringLiteral(
        "SELECT kind, uuid FROM change_log WHERE station = ?1 AND hlc > ?2 ORDER BY hlc"));
    if (!log)
        return log.error();
    QMap<QString, QStringList> wanted; // kind -> uuids
    QMap<QString, QSet<QString>> seen;
    for (const auto& [station, known] : ranges) {
        log.value()->reset();
        log.value()->bind(1, station).bind(2, known);
        for (;;) {
            Result<bool> row = log.value()->step();
            if (!row)
                return row.error();
            if (!row.value())
                break;
            const QString kind = log.value()->text(0);
            const QString uuid = log.value()->text(1);
            if (!kKinds.contains(kind))
                continue;
            QSet<QString>& kindSeen = seen[kind];
            if (kindSeen.contains(uuid))
                continue;
            kindSeen.insert(uuid);
            wanted[kind].append(uuid);
        }
    }
    // Lookups by UUID land on random pages; past a sixteenth of the table, one pass in storage
    // order reads fewer pages (measured in tests/bench/share).
    bool scan = false;
    if (const qsizetype n = wanted.value(QStringLiteral("incident")).size(); n > 256) {
        Result<QVariant> rows = db.scalar(QStringLiteral("SELECT max(id) FROM incident"));
        if (!rows)
            return rows.error();
        scan = n * 16 > rows.value().toLongLong();
    }
    QList<SharedRecord> records;
    for (const QString& kind : kKinds) {
        if (kind == QLatin1String("incident") && scan) {
            if (Status s = scanIncidents(db, seen.value(kind), records); !s)
                return s.error();
            continue;
        }
        for (const QString& uuid : wanted.value(kind)) {
            Result<std::optional<SharedRecord>> r = readRecord(db, kind, uuid);
            if (!r)
                return r.error();
            if (r.value())
                records.append(*r.value());
        }
    }
    if (Status s = attachClocks(db, records); !s)
        return s.error();
    return records;
}

Result<ApplyCounts> applyRecords(store::MissionStore& store, const QList<SharedRecord>& records,
                                 const ApplyContext& context) {
    store::RemoteApply writer(store);
    Apply a{writer, writer.statements(), context, 0, {}};
    ApplyCounts counts;
    // Apply order: an incident before its notes, whatever order the payload has.
    for (const QString& kind : kKinds) {
        for (const SharedRecord& r : records) {
            if (r.kind != kind)
                continue;
            Result<Outcome> done = kind == QLatin1String("incident")     ? applyIncident(a, r)
                                   : kind == QLatin1String("note")       ? applyNote(a, r)
                                   : kind == QLatin1String("attachment") ? applyAttachment(a, r)
                                   : kind == QLatin1String("route")      ? applyRoute(a, r)
                                                                         : applyAnnotation(a, r);
            if (!done)
                return done.error();
            ++(done.value() == Outcome::Applied     ? counts.applied
               : done.value() == Outcome::Unchanged ? counts.unchanged
                                                    : counts.skipped);
        }
    }
    if (Status s = writer.finish(); !s)
        return s.error();
    counts.conflicts = a.conflicts;
    counts.refused = a.refused;
    return counts;
}

// ---- signed records ----

namespace {

Result<RecordBatch> batchById(Db& db, qint64 id) {
    Result<Statement*> s = db.prepare(QStringLiteral(
        "SELECT station, seq, keys, leaves, signature FROM record_batch WHERE id = ?1"));
    if (!s)
        return s.error();
    s.value()->bind(1, id);
    Result<bool> row = s.value()->step();
    if (!row)
        return row.error();
    if (!row.value())
        return Error{QStringLiteral("signed batch %1 is missing from the mission").arg(id)};
    const Statement& q = *s.value();
    return RecordBatch{q.text(0), q.integer(1), q.blob(2), q.blob(3), q.blob(4)};
}

QString writerName(const QByteArray& fingerprint, const ContactBook& book, const Identity& me) {
    if (fingerprint == me.card().fingerprint())
        return me.card().profile.stationName;
    if (std::optional<ContactCard> c = book.find(fingerprint))
        return c->profile.stationName;
    return QStringLiteral("the station with fingerprint %1")
        .arg(formatFingerprint(fingerprint).left(19));
}

} // namespace

Result<SignedRecords> signRecords(store::MissionStore& store, const Identity& signer,
                                  const QString& missionId, QList<SharedRecord>& records) {
    Db db(store.database());
    SignedRecords out;
    QList<SharedRecord*> pending;
    QList<SharedRecord> kept;
    kept.reserve(records.size());
    for (SharedRecord& r : records) {
        Result<Statement*> s = db.prepare(
            QStringLiteral("SELECT batch, leaf, salt FROM record_proof WHERE kind = ?1 AND uuid = "
                           "?2 AND updated = ?3 AND station = ?4"));
        if (!s)
            return s.error();
        s.value()->bind(1, r.kind).bind(2, r.uuid).bind(3, r.updated).bind(4, r.station);
        Result<bool> row = s.value()->step();
        if (!row)
            return row.error();
        if (row.value()) {
            r.batch = s.value()->integer(0);
            r.leaf = static_cast<int>(s.value()->integer(1));
            r.salt = s.value()->blob(2);
            s.value()->reset();
            // A sanitised version is made again for every bundle; should it come out otherwise
            // than when it was signed (its region layer replaced, a newer Tessera's rules), the
            // old proof would fail at every receiver and with it the bundle: sign it anew.
            if (r.station == store.station() && r.value.contains(kSanitisedOfKey)) {
                Result<RecordBatch> batch = batchById(db, r.batch);
                if (!batch)
                    return batch.error();
                if (batch.value().leaf(r.leaf) != recordLeaf(r.value, r.salt)) {
                    Result<Statement*> drop = db.prepare(
                        QStringLiteral("DELETE FROM record_proof WHERE kind = ?1 AND uuid = ?2 "
                                       "AND updated = ?3 AND station = ?4"));
                    if (!drop)
                        return drop.error();
                    drop.value()->bind(1, r.kind).bind(2, r.uuid).bind(3, r.updated);
                    drop.value()->bind(4, r.station);
                    if (Status done = drop.value()->run(); !done)
                        return done.error();
                    r.batch = -1;
                    r.leaf = -1;
                    r.salt.clear();
                }
            }
        } else if (r.station != store.station()) {
            ++out.unsignedForeign;
            continue;
        }
        kept.append(std::move(r));
    }
    records = std::move(kept);
    for (SharedRecord& r : records)
        if (r.batch < 0)
            pending.append(&r);
    if (!pending.isEmpty()) {
        Result<Statement*> last = db.prepare(
            QStringLiteral("SELECT coalesce(max(seq), 0) FROM record_batch WHERE station = ?1"));
        if (!last)
            return last.error();
        last.value()->bind(1, store.station());
        Result<bool> row = last.value()->step();
        if (!row)
            return row.error();
        const qint64 nextSeq = last.value()->integer(0) + 1;
        Result<QList<RecordBatch>> made =
            signVersions(signer, missionId, store.station(), nextSeq, pending);
        if (!made)
            return made.error();
        QList<qint64> ids;
        for (const RecordBatch& b : made.value()) {
            Result<Statement*> s = db.prepare(
                QStringLiteral("INSERT INTO record_batch (station, seq, keys, leaves, signature) "
                               "VALUES (?1, ?2, ?3, ?4, ?5)"));
            if (!s)
                return s.error();
            s.value()->bind(1, b.station).bind(2, b.seq);
            s.value()->bindBlob(3, b.keys).bindBlob(4, b.leaves).bindBlob(5, b.signature);
            if (Status done = s.value()->run(); !done)
                return done.error();
            ids.append(db.lastInsertRowId());
        }
        for (SharedRecord* r : pending) {
            r->batch = ids[static_cast<int>(r->batch)];
            Result<Statement*> s = db.prepare(
                QStringLiteral("INSERT INTO record_proof (kind, uuid, updated, station, batch, "
                               "leaf, salt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
            if (!s)
                return s.error();
            s.value()->bind(1, r->kind).bind(2, r->uuid).bind(3, r->updated).bind(4, r->station);
            s.value()->bind(5, r->batch).bind(6, r->leaf).bindBlob(7, r->salt);
            if (Status done = s.value()->run(); !done)
                return done.error();
        }
        out.signedNow = static_cast<int>(pending.size());
        Result<Statement*> bind = db.prepare(QStringLiteral(
            "INSERT OR IGNORE INTO station_key (station, fingerprint) VALUES (?1, ?2)"));
        if (!bind)
            return bind.error();
        bind.value()->bind(1, store.station()).bindBlob(2, signer.card().fingerprint());
        if (Status done = bind.value()->run(); !done)
            return done.error();
    }
    for (const SharedRecord& r : records)
        if (!out.batches.contains(r.batch)) {
            Result<RecordBatch> b = batchById(db, r.batch);
            if (!b)
                return b.error();
            out.batches.insert(r.batch, std::move(b).value());
        }
    return out;
}

Result<qint64> unsignedForeignRecords(store::MissionStore& store) {
    Database& db = store.database();
    qint64 total = 0;
    for (const char* table : {"incident", "incident_note", "attachment", "route", "annotation"}) {
        const QString kind = QString::fromLatin1(table) == QLatin1String("incident_note")
                                 ? QStringLiteral("note")
                                 : QString::fromLatin1(table);
        Result<QVariant> n = db.scalar(
            QStringLiteral("SELECT count(*) FROM %1 t JOIN station st ON st.id = t.station WHERE "
                           "st.local = 0 AND NOT EXISTS (SELECT 1 FROM record_proof p WHERE "
                           "p.kind = '%2' AND p.uuid = t.uuid AND p.updated = t.updated_hlc AND "
                           "p.station = st.uuid)")
                .arg(QString::fromLatin1(table), kind));
        if (!n)
            return n.error();
        total += n.value().toLongLong();
    }
    return total;
}

Result<Verification> verifyPayload(store::MissionStore& store, const Payload& payload,
                                   const ContactBook& book, const Identity& me,
                                   const QString& missionId) {
    Db db(store.database());
    Verification out;
    // Each batch once: its signer's standing, its signature, and the key its station signed
    // with before. A failure is reported at the first record that uses the batch.
    struct Checked {
        QString problem;
        std::optional<QDateTime> revokedAt;
    };
    QList<Checked> checked;
    checked.reserve(payload.batches.size());
    QHash<QString, QByteArray> keyOf; // station -> fingerprint, as this payload binds them
    for (const RecordBatch& b : payload.batches) {
        Checked c;
        const QByteArray fingerprint = b.fingerprint();
        if (fingerprint != me.card().fingerprint()) {
            switch (book.standing(fingerprint)) {
            case ContactBook::Standing::Unknown:
                c.problem = QStringLiteral("its writer signed with a key this station does not "
                                           "know (fingerprint %1)")
                                .arg(formatFingerprint(fingerprint).left(19));
                break;
            case ContactBook::Standing::Revoked:
                for (const ContactBook::Revoked& r : book.revoked())
                    if (r.fingerprint == fingerprint)
                        c.revokedAt = r.at;
                break;
            case ContactBook::Standing::Trusted:
                break;
            }
        }
        if (c.problem.isEmpty() && !b.verifySignature(missionId))
            c.problem = QStringLiteral("the signature of its batch is not its writer's over "
                                       "this mission's records");
        if (c.problem.isEmpty()) {
            QByteArray bound = keyOf.value(b.station);
            if (bound.isEmpty()) {
                Result<Statement*> s = db.prepare(
                    QStringLiteral("SELECT fingerprint FROM station_key WHERE station = ?1"));
                if (!s)
                    return s.error();
                s.value()->bind(1, b.station);
                Result<bool> row = s.value()->step();
                if (!row)
                    return row.error();
                if (row.value())
                    bound = s.value()->blob(0);
            }
            if (!bound.isEmpty() && bound != fingerprint)
                c.problem = QStringLiteral("its station %1 signs with another key (%2), and %3 "
                                           "signed this batch")
                                .arg(b.station, writerName(bound, book, me),
                                     writerName(fingerprint, book, me));
            else
                keyOf.insert(b.station, fingerprint);
        }
        checked.append(std::move(c));
    }
    QList<const QCborMap*> maps;
    QList<QByteArray> salts;
    maps.reserve(payload.records.size());
    salts.reserve(payload.records.size());
    for (const SharedRecord& r : payload.records) {
        maps.append(&r.value);
        salts.append(r.salt);
    }
    const QList<QByteArray> leaves = recordLeaves(maps, salts);
    QSet<QString> revokedNames;
    qsizetype index = 0;
    for (const SharedRecord& r : payload.records) {
        const QByteArray& leaf = leaves[index++];
        const RecordBatch& b = payload.batches[static_cast<int>(r.batch)];
        const Checked& c = checked[static_cast<int>(r.batch)];
        auto refuse = [&](const QString& why) {
            return Error{QStringLiteral("bundle refused: the %1 %2, written by %3: %4")
                             .arg(r.kind, r.uuid, writerName(b.fingerprint(), book, me), why)};
        };
        if (!c.problem.isEmpty())
            return refuse(c.problem);
        if (b.station != r.station)
            return refuse(QStringLiteral("it names the station %1 as its writer, and its batch "
                                         "was signed for %2")
                              .arg(r.station, b.station));
        if (!crypto::constantTimeEqual(leaf, b.leaf(r.leaf)))
            return refuse(QStringLiteral("it does not match its writer's signature (altered or "
                                         "invented on the way)"));
        if (c.revokedAt) {
            if (store::Hlc{r.updated}.time() >= *c.revokedAt)
                return refuse(QStringLiteral("it is stamped %1, after its writer's key was "
                                             "revoked (%2)")
                                  .arg(store::Hlc{r.updated}.time().toString(Qt::ISODate),
                                       c.revokedAt->toString(Qt::ISODate)));
            revokedNames.insert(writerName(b.fingerprint(), book, me));
        }
    }
    out.revokedWriters = QStringList(revokedNames.begin(), revokedNames.end());
    out.revokedWriters.sort();
    return out;
}

Status keepProofs(store::MissionStore& store, const Payload& payload) {
    Db db(store.database());
    QList<qint64> ids;
    ids.reserve(payload.batches.size());
    for (const RecordBatch& b : payload.batches) {
        Result<Statement*> find =
            db.prepare(QStringLiteral("SELECT id, leaves, signature, keys FROM record_batch WHERE "
                                      "station = ?1 AND seq = ?2"));
        if (!find)
            return find.error();
        find.value()->bind(1, b.station).bind(2, b.seq);
        Result<bool> row = find.value()->step();
        if (!row)
            return row.error();
        if (row.value()) {
            // A station that signed two different batches under one number: keep the first,
            // refuse the second (its records are verified against the batch they came with).
            if (find.value()->blob(1) != b.leaves || find.value()->blob(3) != b.keys)
                return Error{QStringLiteral("bundle refused: the station %1 signed two different "
                                            "batches numbered %2")
                                 .arg(b.station)
                                 .arg(b.seq)};
            ids.append(find.value()->integer(0));
            continue;
        }
        Result<Statement*> insert = db.prepare(
            QStringLiteral("INSERT INTO record_batch (station, seq, keys, leaves, signature) "
                           "VALUES (?1, ?2, ?3, ?4, ?5)"));
        if (!insert)
            return insert.error();
        insert.value()->bind(1, b.station).bind(2, b.seq);
        insert.value()->bindBlob(3, b.keys).bindBlob(4, b.leaves).bindBlob(5, b.signature);
        if (Status s = insert.value()->run(); !s)
            return s;
        ids.append(db.lastInsertRowId());
        Result<Statement*> bind = db.prepare(QStringLiteral(
            "INSERT OR IGNORE INTO station_key (station, fingerprint) VALUES (?1, ?2)"));
        if (!bind)
            return bind.error();
        bind.value()->bind(1, b.station).bindBlob(2, b.fingerprint());
        if (Status s = bind.value()->run(); !s)
            return s;
    }
    for (const SharedRecord& r : payload.records) {
        Result<Statement*> s = db.prepare(
            QStringLiteral("INSERT OR IGNORE INTO record_proof (kind, uuid, updated, station, "
                           "batch, leaf, salt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
        if (!s)
            return s.error();
        s.value()->bind(1, r.kind).bind(2, r.uuid).bind(3, r.updated).bind(4, r.station);
        s.value()->bind(5, ids[static_cast<int>(r.batch)]).bind(6, r.leaf).bindBlob(7, r.salt);
        if (Status done = s.value()->run(); !done)
            return done;
    }
    return success();
}

} // namespace tessera::share
