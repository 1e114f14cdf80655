// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "share/Bundle.h"

#include "share/BundleRecords.h"
#include "share/ReleasePolicy.h"
#include "share/SanitisedRecords.h"
#include "store/RemoteApply.h"
#include "store/StatementCache.h"
#include "store/Uuid.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include <algorithm>
#include <limits>

namespace tessera::share {

using store::Database;
using store::Statement;

namespace {

/// Sharing's own tables in the mission file: the log of bundles sent and received (replay
/// refusal, audit), what each peer said it knew, and concurrent edits kept for an analyst. Created
/// on first use, inside the caller's transaction. They belong in a numbered store migration once
/// sharing settles (docs/sharing.md); until then the `share_` prefix keeps them apart.
/// Sharing's tables are the store's (migration 10); a mission opened read-write has them.
Status ensureTables(Database& db) {
    return ensureChangeLogIndex(db);
}

/// The newest store schema whose indexes BundleRecords.cpp keeps (3: markers by Hilbert key;
/// 4 rewrote CHECK constraints only; 5 added cot_origin, which is local to a mission file and
/// which records received from peers do not touch; 6 added the records' origin, which
/// BundleRecords.cpp writes, and the mission's id; 7 added route points' kind, height and link
/// uid, which it also writes; 8 added signed batches and proofs, which it keeps; 9 added
/// record_clock, which it keeps; 10 made sharing's tables the store's; 11 added
/// share_sanitised, which it keeps).
constexpr int kKnownSchema = 11;

/// How far ahead of our clock a record's stamp may be. Field clocks drift by seconds to minutes;
/// a day's allowance let a peer's stamp pin a record against its originator's corrections.
constexpr qint64 kClockHorizonMs = 10LL * 60 * 1000;
/// A sender's clock ahead of ours by more than this is told in the import's report.
constexpr qint64 kReportedSkewMs = 5000;

QString hex(const QByteArray& b) {
    return QString::fromLatin1(b.toHex());
}

QString describeSpan(qint64 ms) {
    if (ms < 120 * 1000)
        return QStringLiteral("%1 s").arg(ms / 1000);
    if (ms < 7200 * 1000)
        return QStringLiteral("%1 min").arg(ms / 60000);
    return QStringLiteral("%1 h").arg(ms / 3600000);
}

/// The markings of what a received record belongs to (a note's or an attachment's incident):
/// the incident's version in the same bundle when it travels with it, else the one held here.
Result<QList<store::Marking>> ancestorsHere(store::MissionStore& store, const SharedRecord& r,
                                            const QHash<QString, store::Marking>& incidents) {
    if (r.kind != QLatin1String("note") && r.kind != QLatin1String("attachment"))
        return QList<store::Marking>();
    const QString incident = r.value[QStringLiteral("incident")].toString();
    if (const auto found = incidents.constFind(incident); found != incidents.constEnd())
        return QList<store::Marking>{found.value()};
    Result<std::optional<SharedRecord>> held =
        currentRecord(store, QStringLiteral("incident"), incident);
    if (!held)
        return held.error();
    if (!held.value())
        return QList<store::Marking>(); // not here: the note is skipped on apply
    return QList<store::Marking>{held.value()->marking};
}

/// The audit trail of a bundle: one line for the bundle, one per record it carried (which
/// version, under which marking), so that what went to whom can be shown afterwards.
Status logBundle(Database& db, const QString& id, const char* direction, const QString& peers,
                 const QList<SharedRecord>& records) {
    Result<Statement> s = db.prepare(
        QStringLiteral("INSERT INTO share_bundle_log (bundle_id, direction, peers, at, records) "
                       "VALUES (?1, ?2, ?3, ?4, ?5)"));
    if (!s)
        return s.error();
    if (Status done = s.value()
                          .bind(1, id)
                          .bind(2, QString::fromLatin1(direction))
                          .bind(3, peers)
                          .bind(4, QDateTime::currentMSecsSinceEpoch())
                          .bind(5, static_cast<qint64>(records.size()))
                          .run();
        !done)
        return done;
    Result<Statement> each = db.prepare(QStringLiteral(
        "INSERT INTO share_bundle_record (bundle_id, direction, kind, uuid, updated_hlc, "
        "classification, releasability) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    if (!each)
        return each.error();
    for (const SharedRecord& r : records)
        if (Status done = each.value()
                              .bind(1, id)
                              .bind(2, QString::fromLatin1(direction))
                              .bind(3, r.kind)
                              .bind(4, r.uuid)
                              .bind(5, r.updated)
                              .bind(6, r.marking.classification)
                              .bind(7, r.marking.releasability)
                              .run();
            !done)
            return done;
    return success();
}

Result<Knowledge> peerKnowledge(Database& db, const QByteArray& fingerprint) {
    Result<Statement> s =
        db.prepare(QStringLiteral("SELECT knows FROM share_peer WHERE fingerprint = ?1"));
    if (!s)
        return s.error();
    s.value().bind(1, hex(fingerprint));
    Result<bool> row = s.value().step();
    if (!row)
        return row.error();
    Knowledge k;
    if (!row.value())
        return k;
    const QJsonObject o = QJsonDocument::fromJson(s.value().text(0).toUtf8()).object();
    for (auto it = o.constBegin(); it != o.constEnd(); ++it)
        k.insert(it.key(), it.value().toString().toLongLong());
    return k;
}

Status savePeerKnowledge(Database& db, const QByteArray& fingerprint, const Knowledge& knows) {
    Result<Knowledge> old = peerKnowledge(db, fingerprint);
    if (!old)
        return old.error();
    Knowledge merged = old.value();
    for (auto it = knows.constBegin(); it != knows.constEnd(); ++it)
        merged[it.key()] = std::max(merged.value(it.key(), 0), it.value());
    QJsonObject o;
    for (auto it = merged.constBegin(); it != merged.constEnd(); ++it)
        o.insert(it.key(), QString::number(it.value())); // text: JSON numbers are doubles
    Result<Statement> s = db.prepare(QStringLiteral(
        "INSERT INTO share_peer (fingerprint, knows, received_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (fingerprint) DO UPDATE SET knows = excluded.knows, "
        "received_at = excluded.received_at"));
    if (!s)
        return s.error();
    return s.value()
        .bind(1, hex(fingerprint))
        .bind(2, QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)))
        .bind(3, QDateTime::currentMSecsSinceEpoch())
        .run();
}

/// The lowest of the recipients' knowledge, station by station: a change goes out unless every
/// recipient is known to hold it.
Knowledge commonKnowledge(const QList<Knowledge>& all) {
    if (all.isEmpty())
        return {};
    Knowledge k = all.first();
    for (const Knowledge& other : all)
        for (auto it = k.begin(); it != k.end();) {
            if (!other.contains(it.key())) {
                it = k.erase(it);
                continue;
            }
            it.value() = std::min(it.value(), other.value(it.key()));
            ++it;
        }
    return k;
}

} // namespace

namespace {

/// Whether `peerHex` holds this version of a record as far as this station knows: it was sent
/// to it (alone or in a group), or received from it.
Result<bool> peerHasVersion(store::StatementCache& db, const QString& peerHex, const QString& uuid,
                            qint64 updated) {
    Result<Statement*> s = db.prepare(QStringLiteral(
        "SELECT 1 FROM share_bundle_record r JOIN share_bundle_log l ON l.bundle_id = "
        "r.bundle_id AND l.direction = r.direction WHERE r.uuid = ?1 AND r.updated_hlc = ?2 AND "
        "instr(l.peers, ?3) > 0 LIMIT 1"));
    if (!s)
        return s.error();
    s.value()->bind(1, uuid).bind(2, updated).bind(3, peerHex);
    return s.value()->step();
}

/// Knowledge without holes (docs/sharing.md, "What goes in"). A peer says, per writing station,
/// the highest stamp it holds; it may hold a writer's later change through a relay that was not
/// cleared for an earlier one, which the stamps alone would then never send. So besides the
/// changes above its knowledge, an export to one peer carries the versions whose stamps its
/// knowledge passed since the last export to it (share_reconciled) that this station neither
/// sent it nor received from it; and the notes and files of every incident it carries that it
/// never sent it (withheld while the incident was raised, say). Versions it already has this
/// way are sent again, once: applying them changes nothing.
Result<QList<SharedRecord>> mayLack(store::MissionStore& store, const QByteArray& peer,
                                    const Knowledge& since, const QList<SharedRecord>& going) {
    Database& db = store.database();
    const QString peerHex = hex(peer);
    QSet<QString> taken;
    for (const SharedRecord& r : going)
        taken.insert(r.uuid);
    QList<SharedRecord> out;
    // Statements prepared once: after a long first sync this looks at thousands of versions,
    // nearly all of which the peer holds; only the others are read whole.
    store::StatementCache statements(db);
    const auto consider = [&](const QString& kind, const QString& uuid) -> Status {
        if (taken.contains(uuid))
            return success();
        taken.insert(uuid);
        Result<std::optional<store::HeldVersion>> held = store::heldVersion(statements, kind, uuid);
        if (!held)
            return held.error();
        if (!held.value())
            return success();
        Result<bool> has = peerHasVersion(statements, peerHex, uuid, held.value()->updated);
        if (!has)
            return has.error();
        if (has.value())
            return success();
        Result<std::optional<SharedRecord>> r = currentRecord(store, kind, uuid);
        if (!r)
            return r.error();
        if (r.value())
            out.append(*r.value());
        return success();
    };
    Result<Statement> reconciled =
        db.prepare(QStringLiteral("SELECT hlc FROM share_reconciled WHERE peer = ?1 AND station = "
                                  "?2"));
    Result<Statement> range = db.prepare(QStringLiteral(
        "SELECT DISTINCT c.kind, c.uuid FROM change_log c JOIN station st ON st.id = c.station "
        "WHERE st.uuid = ?1 AND c.hlc > ?2 AND c.hlc <= ?3"));
    if (!reconciled)
        return reconciled.error();
    if (!range)
        return range.error();
    for (auto it = since.constBegin(); it != since.constEnd(); ++it) {
        reconciled.value().reset();
        reconciled.value().bind(1, peerHex).bind(2, it.key());
        Result<bool> row = reconciled.value().step();
        if (!row)
            return row.error();
        const qint64 from =
            row.value() ? reconciled.value().integer(0) : std::numeric_limits<qint64>::min();
        if (from >= it.value())
            continue;
        range.value().reset();
        range.value().bind(1, it.key()).bind(2, from).bind(3, it.value());
        QList<std::pair<QString, QString>> versions;
        Status read = range.value().forEachRow([&](const Statement& q) {
            versions.append({q.text(0), q.text(1)});
        });
        if (!read)
            return read.error();
        for (const auto& [kind, uuid] : versions)
            if (Status s = consider(kind, uuid); !s)
                return s.error();
    }
    // The notes and files of every incident going out that the peer was never sent.
    Result<Statement> children = db.prepare(QStringLiteral(
        "SELECT 'note', n.uuid FROM incident_note n JOIN incident i ON i.id = n.incident_id "
        "WHERE i.uuid = ?1 UNION ALL SELECT 'attachment', a.uuid FROM attachment a JOIN incident "
        "i ON i.id = a.incident_id WHERE i.uuid = ?1"));
    if (!children)
        return children.error();
    QStringList incidents;
    for (const QList<SharedRecord>* list : {&going, static_cast<const QList<SharedRecord>*>(&out)})
        for (const SharedRecord& r : *list)
            if (r.kind == QLatin1String("incident"))
                incidents.append(r.uuid);
    for (const QString& incident : incidents) {
        children.value().reset();
        children.value().bind(1, incident);
        QList<std::pair<QString, QString>> found;
        Status read = children.value().forEachRow([&](const Statement& q) {
            found.append({q.text(0), q.text(1)});
        });
        if (!read)
            return read.error();
        for (const auto& [kind, uuid] : found)
            if (Status s = consider(kind, uuid); !s)
                return s.error();
    }
    return out;
}

/// After an export to `peer`: its knowledge up to `since` has been made whole.
Status markReconciled(Database& db, const QByteArray& peer, const Knowledge& since) {
    Result<Statement> s = db.prepare(QStringLiteral(
        "INSERT INTO share_reconciled (peer, station, hlc) VALUES (?1, ?2, ?3) ON CONFLICT "
        "(peer, station) DO UPDATE SET hlc = max(hlc, excluded.hlc)"));
    if (!s)
        return s.error();
    for (auto it = since.constBegin(); it != since.constEnd(); ++it)
        if (Status done = s.value().bind(1, hex(peer)).bind(2, it.key()).bind(3, it.value()).run();
            !done)
            return done;
    return success();
}

/// What an export may carry: the changes above `since` (or, with sinceLastReceived, above what
/// the recipients last said they held) that ReleasePolicy allows for every recipient. Runs
/// inside the caller's transaction.
struct Releasable {
    Knowledge knows; ///< the sender's own knowledge, for the header
    store::MissionInfo mission;
    QList<SharedRecord> records;
    QHash<qint64, RecordBatch> batches; ///< the signed batches the records' proofs use
    int withheld = 0;
    int unsignedForeign = 0;
    /// For one recipient: the knowledge its versions were made whole up to (markReconciled).
    Knowledge reconciled;
};
Result<Releasable> collectReleasable(store::MissionStore& store, const Identity& sender,
                                     const QList<ContactCard>& recipients,
                                     const ExportOptions& options) {
    Database& db = store.database();
    if (Status s = ensureTables(db); !s)
        return s.error();
    Knowledge since = options.since;
    if (options.sinceLastReceived && since.isEmpty()) {
        QList<Knowledge> known;
        for (const ContactCard& r : recipients) {
            Result<Knowledge> k = peerKnowledge(db, r.fingerprint());
            if (!k)
                return k.error();
            known.append(k.value());
        }
        since = commonKnowledge(known);
    }
    Releasable out;
    Result<Knowledge> knows = missionKnowledge(store);
    if (!knows)
        return knows.error();
    out.knows = knows.value();
    Result<store::MissionInfo> mission = store.info();
    if (!mission)
        return mission.error();
    out.mission = mission.value();
    Result<QList<SharedRecord>> changed = changedRecords(store, since);
    if (!changed)
        return changed.error();
    // For one peer, what it may lack below its knowledge too (a group bundle carries what all
    // of its recipients lack above their common knowledge only).
    if (options.ownChangesOnly) {
        const QString self = store.station();
        changed.value().removeIf([&](const SharedRecord& r) { return r.station != self; });
    } else if (recipients.size() == 1 && !since.isEmpty()) {
        Result<QList<SharedRecord>> lacking =
            mayLack(store, recipients.first().fingerprint(), since, changed.value());
        if (!lacking)
            return lacking.error();
        changed.value().append(lacking.value());
        out.reconciled = since; // marked once the bundle (or the whole series) is handed over
    }
    // The release decision, record by record and recipient by recipient: what fails for any
    // recipient is not serialised at all; an incident of ours they may all have only sanitised
    // goes as its sanitised version (SanitisedRecords.h).
    QList<StationProfile> profiles;
    for (const ContactCard& to : recipients)
        profiles.append(to.profile);
    const QString me = store.station();
    std::optional<store::RegionLocator> regions; // read once, when a release asks for them
    for (SharedRecord& r : changed.value()) {
        const bool ownIncident =
            r.kind == QLatin1String("incident") && r.station == me && r.origin == me;
        const BundleRelease release = bundleRelease(r.marking, r.ancestors, ownIncident, profiles);
        if (release.form == BundleRelease::Form::Whole) {
            out.records.append(std::move(r));
        } else if (release.form == BundleRelease::Form::Sanitised) {
            if (release.sanitised.toRegion && !regions)
                regions = missionRegions(store);
            if (std::optional<SharedRecord> version = sanitisedRecord(
                    r, release.sanitised, regions ? *regions : store::RegionLocator()))
                out.records.append(std::move(*version));
            else
                ++out.withheld;
        } else {
            ++out.withheld;
        }
    }
    // Every version goes with its writer's signature: this station's own are signed now if
    // they are not yet (its key is unlocked to seal the bundle anyway).
    Result<SignedRecords> signedRecords = signRecords(store, sender, out.mission.id, out.records);
    if (!signedRecords)
        return signedRecords.error();
    out.batches = std::move(signedRecords.value().batches);
    out.unsignedForeign = signedRecords.value().unsignedForeign;
    return out;
}

QString peerList(const QList<ContactCard>& recipients) {
    QStringList peers;
    for (const ContactCard& r : recipients)
        peers.append(hex(r.fingerprint()));
    return peers.join(QLatin1Char(','));
}

/// Seals `records` into one bundle with a new id.
Result<ExportReport> seal(const QList<SharedRecord>& records,
                          const QHash<qint64, RecordBatch>& batches, const Knowledge& knows,
                          const store::MissionInfo& mission, const Identity& sender,
                          const QList<ContactCard>& recipients) {
    BundleHeader header;
    header.id = store::newUuid();
    header.created = QDateTime::fromMSecsSinceEpoch(QDateTime::currentMSecsSinceEpoch(), Qt::UTC);
    header.knows = knows;
    header.mission = mission.id;
    header.exercise = mission.exercise;
    Result<QByteArray> bytes =
        sealBundle(header, encodePayload(payloadOf(records, batches)), sender, recipients);
    if (!bytes)
        return bytes.error();
    ExportReport report;
    report.bytes = std::move(bytes).value();
    report.id = header.id;
    report.records = static_cast<int>(records.size());
    return report;
}

} // namespace

Result<ExportReport> exportBundle(store::MissionStore& store, const Identity& sender,
                                  const QList<ContactCard>& recipients,
                                  const ExportOptions& options) {
    if (recipients.isEmpty())
        return Error{QStringLiteral("a bundle needs at least one recipient")};
    Database& db = store.database();
    ExportReport report;
    Status done = db.transaction([&]() -> Status {
        Result<Releasable> r = collectReleasable(store, sender, recipients, options);
        if (!r)
            return r.error();
        Result<ExportReport> sealed = seal(r.value().records, r.value().batches, r.value().knows,
                                           r.value().mission, sender, recipients);
        if (!sealed)
            return sealed.error();
        report = std::move(sealed).value();
        report.withheld = r.value().withheld;
        report.unsignedForeign = r.value().unsignedForeign;
        if (!r.value().reconciled.isEmpty())
            if (Status s =
                    markReconciled(db, recipients.first().fingerprint(), r.value().reconciled);
                !s)
                return s;
        return logBundle(db, report.id, "sent", peerList(recipients), r.value().records);
    });
    if (!done)
        return done.error();
    return report;
}

QList<int> seriesCuts(const QList<SharedRecord>& records, int maxRecords) {
    QList<int> cuts;
    const int n = static_cast<int>(records.size());
    if (maxRecords <= 0 || n <= maxRecords) {
        cuts.append(n);
        return cuts;
    }
    QHash<QString, int> incidentAt;
    for (int i = 0; i < n; ++i)
        if (records[i].kind == QLatin1String("incident"))
            incidentAt.insert(records[i].uuid, i);
    const auto sameStamp = [&](int a, int b) {
        return records[a].updated == records[b].updated && records[a].station == records[b].station;
    };
    int start = 0;
    int needed = 0; // the bundle must reach past this index
    for (int i = 0; i < n; ++i) {
        needed = std::max(needed, i);
        const QString& kind = records[i].kind;
        if (kind == QLatin1String("note") || kind == QLatin1String("attachment"))
            needed = std::max(
                needed,
                incidentAt.value(records[i].value[QStringLiteral("incident")].toString(), -1));
        const int end = i + 1;
        if (end - start >= maxRecords && needed < end && end < n && !sameStamp(i, end)) {
            cuts.append(end);
            start = end;
        }
    }
    cuts.append(n);
    return cuts;
}

Result<SeriesReport> exportBundleSeries(store::MissionStore& store, const Identity& sender,
                                        const ContactCard& recipient, const Knowledge& since,
                                        int maxRecords,
                                        const std::function<Status(const ExportReport&)>& sink) {
    Database& db = store.database();
    Releasable all;
    // One consistent snapshot of what to send; the mission stays writable while it travels.
    Status read = db.transaction([&]() -> Status {
        Result<Releasable> r = collectReleasable(store, sender, {recipient}, {since, false});
        if (!r)
            return r.error();
        all = std::move(r).value();
        return success();
    });
    if (!read)
        return read.error();
    // Stamp order, so that each bundle of the series completes a prefix of every station's
    // changes: the peer's knowledge after any number of them names exactly what it holds.
    std::stable_sort(
        all.records.begin(), all.records.end(), [](const SharedRecord& a, const SharedRecord& b) {
            return a.updated != b.updated ? a.updated < b.updated : a.station < b.station;
        });
    SeriesReport report;
    report.withheld = all.withheld;
    const QString peers = peerList({recipient});
    int start = 0;
    for (int end : seriesCuts(all.records, maxRecords)) {
        if (end == start && !(end == 0 && report.bundles == 0))
            continue;
        const QList<SharedRecord> part = all.records.mid(start, end - start);
        Result<ExportReport> sealed =
            seal(part, all.batches, all.knows, all.mission, sender, {recipient});
        if (!sealed)
            return sealed.error();
        if (Status s = sink(sealed.value()); !s)
            return s.error();
        if (Status s = db.transaction(
                [&]() -> Status { return logBundle(db, sealed.value().id, "sent", peers, part); });
            !s)
            return s.error();
        ++report.bundles;
        report.records += sealed.value().records;
        start = end;
    }
    // The whole series was handed over: what the peer may have lacked went with it.
    if (!all.reconciled.isEmpty())
        if (Status s = db.transaction([&]() -> Status {
                return markReconciled(db, recipient.fingerprint(), all.reconciled);
            });
            !s)
            return s.error();
    return report;
}

QStringList ImportReport::warnings() const {
    QStringList out;
    for (const QString& r : refused)
        out.append(QStringLiteral("Not applied: %1.").arg(r));
    for (const QString& writer : revokedWriters)
        out.append(QStringLiteral("Records written by %1 before its key was revoked were "
                                  "applied: check them.")
                       .arg(writer));
    if (clockSkewMs > 0)
        out.append(QStringLiteral("%1's clock runs %2 ahead of this station's.")
                       .arg(sender, describeSpan(clockSkewMs)));
    return out;
}

Result<ImportReport> importBundle(store::MissionStore& store, const QByteArray& bytes,
                                  const Identity& me, const ContactBook& book,
                                  const BundleLimits& limits, const QByteArray& expectedSender) {
    Result<OpenedBundle> opened = openBundle(bytes, me, book, limits);
    if (!opened)
        return opened.error();
    const OpenedBundle& b = opened.value();
    if (!expectedSender.isEmpty() && b.header.sender != expectedSender)
        return Error{QStringLiteral("bundle refused: it was signed by %1, not by the peer at the "
                                    "other end of this link")
                         .arg(b.sender.profile.stationName)};
    // At least ~60 bytes of CBOR per record: a cheap bound on the count before decoding.
    Result<Payload> payload = decodePayload(b.payload, b.payload.size() / 32 + 1);
    if (!payload)
        return payload.error();
    const QList<SharedRecord>* records = &payload.value().records;
    Database& db = store.database();
    // Bound to its mission: the records of one mission (an exercise) must not land in another.
    Result<store::MissionInfo> mission = store.info();
    if (!mission)
        return mission.error();
    if (b.header.mission != mission.value().id)
        return Error{QStringLiteral("bundle refused: it belongs to the mission '%1', and this is "
                                    "the mission '%2' (%3)")
                         .arg(b.header.mission, mission.value().id, mission.value().name)};
    if (b.header.exercise != mission.value().exercise)
        return Error{b.header.exercise
                         ? QStringLiteral("bundle refused: it carries an exercise's records, and "
                                          "this mission is not an exercise")
                         : QStringLiteral("bundle refused: it carries real records, and this "
                                          "mission is an exercise")};
    // Defence in depth: the sender's policy should have withheld these; refuse rather than keep
    // what this station is not cleared for, a note or a file of an incident included.
    QHash<QString, store::Marking> incidents; // the incidents in this bundle
    for (const SharedRecord& r : (*records))
        if (r.kind == QLatin1String("incident"))
            incidents.insert(r.uuid, r.marking);
    for (const SharedRecord& r : (*records)) {
        Result<QList<store::Marking>> ancestors = ancestorsHere(store, r, incidents);
        if (!ancestors)
            return ancestors.error();
        if (ReleaseDecision d =
                ReleasePolicy::mayRelease(r.marking, ancestors.value(), me.card().profile);
            !d)
            return Error{QStringLiteral("bundle refused: it carries the %1 %2, which this station "
                                        "may not hold (%3)")
                             .arg(r.kind, r.uuid, d.reason)};
    }
    // A stamp in the future would win every later edit of the record (its originator's
    // corrections included) until the clocks caught up, and drag this station's clock along:
    // refuse what no clock within the horizon can have made, and report smaller skews.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 horizon = store::Hlc::from(now + kClockHorizonMs, 0xffff).value;
    qint64 ahead = b.header.created.toMSecsSinceEpoch() - now;
    for (const SharedRecord& r : (*records)) {
        const qint64 stamp = std::max(r.updated, r.value[QStringLiteral("created")].toInteger());
        if (stamp > horizon)
            return Error{
                QStringLiteral("bundle refused: the %1 %2 is stamped %3, %4 in the future by "
                               "this station's clock (at most %5 minutes are accepted): check "
                               "the sender's clock, or this one's")
                    .arg(r.kind, r.uuid, store::Hlc{stamp}.time().toString(Qt::ISODate),
                         describeSpan(store::Hlc{stamp}.time().toMSecsSinceEpoch() - now))
                    .arg(kClockHorizonMs / 60000)};
        ahead = std::max(ahead, store::Hlc{stamp}.time().toMSecsSinceEpoch() - now);
    }
    // Every version is its writer's: signed, for this mission, by a key this station trusts.
    Result<Verification> verified =
        verifyPayload(store, payload.value(), book, me, mission.value().id);
    if (!verified)
        return verified.error();
    ImportReport report;
    report.id = b.header.id;
    report.sender = b.sender.profile.stationName;
    report.revokedWriters = verified.value().revokedWriters;
    report.senderKnows = b.header.knows;
    if (ahead > kReportedSkewMs)
        report.clockSkewMs = ahead;
    // Records are written with the store's index maintenance repeated here (docs/sharing.md);
    // a schema newer than the one it knows could have indexes it would leave behind.
    Result<QVariant> schema = db.scalar(QStringLiteral("PRAGMA user_version"));
    if (!schema)
        return schema.error();
    if (schema.value().toInt() > kKnownSchema)
        return Error{QStringLiteral("bundle not applied: the mission uses store schema %1, and "
                                    "sharing in this build writes records for schema %2 at most")
                         .arg(schema.value().toInt())
                         .arg(kKnownSchema)};
    // Bulk work wants a bigger page cache than SQLite's default 2 MiB, as IncidentImport says:
    // with it, applying 100,000 records stops re-reading the pages it just wrote from the WAL.
    if ((*records).size() > 1000)
        if (Status s = db.exec(QStringLiteral("PRAGMA cache_size = -131072")); !s)
            return s.error();
    Status done = db.transaction([&]() -> Status {
        if (Status s = ensureTables(db); !s)
            return s;
        Result<Statement> seen = db.prepare(QStringLiteral(
            "SELECT at FROM share_bundle_log WHERE bundle_id = ?1 AND direction = 'received'"));
        if (!seen)
            return seen.error();
        seen.value().bind(1, b.header.id);
        Result<bool> row = seen.value().step();
        if (!row)
            return row.error();
        if (row.value())
            return Error{QStringLiteral("bundle refused: replayed: bundle %1 was already received "
                                        "on %2")
                             .arg(b.header.id,
                                  QDateTime::fromMSecsSinceEpoch(seen.value().integer(0), Qt::UTC)
                                      .toString(Qt::ISODate))};
        Result<ApplyCounts> counts =
            applyRecords(store, (*records), {&b.header.knows, b.header.id});
        if (!counts)
            return counts.error();
        report.applied = counts.value().applied;
        report.unchanged = counts.value().unchanged;
        report.skipped = counts.value().skipped;
        report.conflicts = counts.value().conflicts;
        for (const RefusedRecord& r : counts.value().refused)
            report.refused.append(QStringLiteral("the %1 %2: %3").arg(r.kind, r.uuid, r.reason));
        if (Status s = keepProofs(store, payload.value()); !s)
            return s;
        if (Status s = savePeerKnowledge(db, b.header.sender, b.header.knows); !s)
            return s;
        return logBundle(db, b.header.id, "received", hex(b.header.sender), (*records));
    });
    if (!done)
        return done.error();
    return report;
}

Result<QList<BundleLogEntry>> bundleLog(store::MissionStore& store) {
    Database& db = store.database();
    // None until sharing first wrote to the mission (a read-only reader cannot create them).
    Result<bool> exists = db.hasTable(QStringLiteral("share_bundle_log"));
    if (!exists)
        return exists.error();
    QList<BundleLogEntry> entries;
    if (!exists.value())
        return entries;
    Result<Statement> s = db.prepare(QStringLiteral(
        "SELECT bundle_id, direction, peers, at, records FROM share_bundle_log ORDER BY at, "
        "rowid"));
    if (!s)
        return s.error();
    for (;;) {
        Result<bool> row = s.value().step();
        if (!row)
            return row.error();
        if (!row.value())
            break;
        const Statement& q = s.value();
        entries.append({q.text(0), q.text(1), q.text(2),
                        QDateTime::fromMSecsSinceEpoch(q.integer(3), Qt::UTC),
                        static_cast<int>(q.integer(4))});
    }
    return entries;
}

Result<QList<BundleLogRecord>> bundleRecords(store::MissionStore& store, const QString& bundleId,
                                             const QString& direction) {
    Database& db = store.database();
    Result<bool> exists = db.hasTable(QStringLiteral("share_bundle_record"));
    if (!exists)
        return exists.error();
    QList<BundleLogRecord> list;
    if (!exists.value())
        return list;
    Result<Statement> s = db.prepare(QStringLiteral(
        "SELECT kind, uuid, updated_hlc, classification, releasability FROM share_bundle_record "
        "WHERE bundle_id = ?1 AND direction = ?2 ORDER BY rowid"));
    if (!s)
        return s.error();
    s.value().bind(1, bundleId).bind(2, direction);
    for (;;) {
        Result<bool> row = s.value().step();
        if (!row)
            return row.error();
        if (!row.value())
            break;
        const Statement& q = s.value();
        list.append({q.text(0), q.text(1), q.integer(2), {q.text(3), q.text(4)}});
    }
    return list;
}

Result<QList<Conflict>> conflicts(store::MissionStore& store, bool unresolvedOnly) {
    Database& db = store.database();
    Result<bool> exists = db.hasTable(QStringLiteral("share_conflict"));
    if (!exists)
        return exists.error();
    QList<Conflict> list;
    if (!exists.value())
        return list;
    Result<Statement> s = db.prepare(
        QStringLiteral("SELECT id, kind, uuid, detected_at, bundle_id, ours, theirs, shown, "
                       "resolved_at, resolution FROM share_conflict %1 ORDER BY id")
            .arg(unresolvedOnly ? QStringLiteral("WHERE resolved_at IS NULL") : QString()));
    if (!s)
        return s.error();
    for (;;) {
        Result<bool> row = s.value().step();
        if (!row)
            return row.error();
        if (!row.value())
            break;
        const Statement& q = s.value();
        Conflict c;
        c.id = q.integer(0);
        c.kind = q.text(1);
        c.uuid = q.text(2);
        c.detectedAt = QDateTime::fromMSecsSinceEpoch(q.integer(3), Qt::UTC);
        c.bundleId = q.text(4);
        c.ours = QCborValue::fromCbor(q.blob(5)).toMap();
        c.theirs = QCborValue::fromCbor(q.blob(6)).toMap();
        c.shown = q.text(7);
        if (!q.isNull(8))
            c.resolvedAt = QDateTime::fromMSecsSinceEpoch(q.integer(8), Qt::UTC);
        c.resolution = q.text(9);
        list.append(std::move(c));
    }
    return list;
}

Status resolveConflict(store::MissionStore& store, qint64 id, ConflictChoice keep) {
    Result<QList<Conflict>> all = conflicts(store, true);
    if (!all)
        return all.error();
    const Conflict* found = nullptr;
    for (const Conflict& c : all.value())
        if (c.id == id)
            found = &c;
    if (!found)
        return Error{QStringLiteral("no unresolved conflict %1").arg(id)};
    Database& db = store.database();
    return db.transaction([&]() -> Status {
        Result<std::optional<SharedRecord>> current =
            currentRecord(store, found->kind, found->uuid);
        if (!current)
            return current.error();
        // The chosen version, written again as a new change of this station: it supersedes both
        // versions everywhere it travels. Its stamp is above the record's current one even if
        // this connection's clock has not seen that stamp yet.
        SharedRecord r;
        r.value = keep == ConflictChoice::Ours ? found->ours : found->theirs;
        r.kind = found->kind;
        r.uuid = found->uuid;
        r.marking = {r.value[QStringLiteral("classification")].toString(),
                     r.value[QStringLiteral("releasability")].toString()};
        r.updated = store.stamp().value;
        if (current.value())
            r.updated = std::max(r.updated, current.value()->updated + 1);
        r.station = store.station();
        r.value.insert(QStringLiteral("updated"), r.updated);
        r.value.insert(QStringLiteral("station"), r.station);
        // Written after seeing both versions: it builds on everything held of the record.
        Result<VersionVector> seen = seenVector(store, r.kind, r.uuid);
        if (!seen)
            return seen.error();
        r.value.insert(QStringLiteral("vv"),
                       toCbor(merged(seen.value(), VersionVector{{r.station, r.updated}})));
        Result<ApplyCounts> done = applyRecords(store, {r});
        if (!done)
            return done.error();
        if (done.value().applied != 1)
            return Error{QStringLiteral("the chosen version could not be written")};
        Result<Statement> mark = db.prepare(QStringLiteral(
            "UPDATE share_conflict SET resolved_at = ?2, resolution = ?3 WHERE id = ?1"));
        if (!mark)
            return mark.error();
        return mark.value()
            .bind(1, id)
            .bind(2, QDateTime::currentMSecsSinceEpoch())
            .bind(3,
                  keep == ConflictChoice::Ours ? QStringLiteral("ours") : QStringLiteral("theirs"))
            .run();
    });
}

} // namespace tessera::share
