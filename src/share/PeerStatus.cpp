// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "share/PeerStatus.h"

#include "share/ReleasePolicy.h"
#include "share/SanitisedRecords.h"

namespace tessera::share {

using store::Database;
using store::Statement;

namespace {

/// What the peer last said it holds, as the JSON text Bundle.cpp keeps in share_peer
/// ({"station uuid": "stamp", ...}); "{}" when it never said.
Result<QString> reportedKnowledge(Database& db, const QString& fingerprintHex, bool* reported) {
    *reported = false;
    Result<bool> exists = db.hasTable(QStringLiteral("share_peer"));
    if (!exists)
        return exists.error();
    if (!exists.value())
        return QStringLiteral("{}");
    Result<Statement> s =
        db.prepare(QStringLiteral("SELECT knows FROM share_peer WHERE fingerprint = ?1"));
    if (!s)
        return s.error();
    s.value().bind(1, fingerprintHex);
    Result<bool> row = s.value().step();
    if (!row)
        return row.error();
    if (!row.value())
        return QStringLiteral("{}");
    *reported = true;
    return s.value().text(0);
}

/// The records with a change the peer does not hold (a change-log stamp above what it reported
/// for that change's station), counted by marking and by their incident's marking (notes and
/// attachments are released only with it, as ReleasePolicy says). The same records, and the same
/// filters, as changedRecords() in BundleRecords.cpp reads for a bundle: incidents of finished
/// imports, notes and attachments of incidents this mission holds.
constexpr const char* kChangedByMarking = R"sql(
WITH knows(station, hlc) AS (SELECT key, CAST(value AS INTEGER) FROM json_each(?1)),
changed(kind, uuid) AS MATERIALIZED (
    SELECT DISTINCT c.kind, c.uuid FROM change_log c JOIN station st ON st.id = c.station
    LEFT JOIN knows k ON k.station = st.uuid
    WHERE k.hlc IS NULL OR c.hlc > k.hlc),
marked(classification, releasability, parent_classification, parent_releasability, own) AS (
    SELECT i.classification, i.releasability, NULL, NULL,
           i.origin IS NULL AND i.station = (SELECT id FROM station WHERE local = 1) FROM changed ch
    JOIN incident i ON i.uuid = ch.uuid WHERE ch.kind = 'incident'
      AND (i.import_id IS NULL OR i.import_id NOT IN (SELECT id FROM import WHERE state <> 'done'))
    UNION ALL
    SELECT n.classification, n.releasability, i.classification, i.releasability, 0 FROM changed ch
    JOIN incident_note n ON n.uuid = ch.uuid JOIN incident i ON i.id = n.incident_id
    WHERE ch.kind = 'note'
    UNION ALL
    SELECT a.classification, a.releasability, i.classification, i.releasability, 0 FROM changed ch
    JOIN attachment a ON a.uuid = ch.uuid JOIN incident i ON i.id = a.incident_id
    JOIN attachment_blob b ON b.sha256 = a.sha256 WHERE ch.kind = 'attachment'
    UNION ALL
    SELECT r.classification, r.releasability, NULL, NULL, 0 FROM changed ch
    JOIN route r ON r.uuid = ch.uuid WHERE ch.kind = 'route'
    UNION ALL
    SELECT a.classification, a.releasability, NULL, NULL, 0 FROM changed ch
    JOIN annotation a ON a.uuid = ch.uuid WHERE ch.kind = 'annotation')
SELECT classification, releasability, parent_classification, parent_releasability, count(*), own
FROM marked GROUP BY 1, 2, 3, 4, 6
)sql";

/// What the counts depend on besides the peer's knowledge: the change log (append-only: its
/// last entry) and which imports are finished (an unfinished import's records do not count).
Result<QString> missionState(Database& db) {
    Result<QVariant> state = db.scalar(
        QStringLiteral("SELECT coalesce((SELECT max(seq) FROM change_log), 0) || '/' || "
                       "coalesce((SELECT group_concat(id || ':' || state) FROM import), '')"));
    if (!state)
        return state.error();
    return state.value().toString();
}

Result<QList<MarkedCount>> countChanged(Database& db, const QString& knows) {
    Result<Statement> s = db.prepare(QString::fromLatin1(kChangedByMarking));
    if (!s)
        return s.error();
    s.value().bind(1, knows);
    QList<MarkedCount> counts;
    for (;;) {
        Result<bool> row = s.value().step();
        if (!row)
            return row.error();
        if (!row.value())
            break;
        const Statement& q = s.value();
        MarkedCount c{
            {q.text(0), q.text(1)}, {}, static_cast<int>(q.integer(4)), q.integer(5) != 0};
        if (!q.isNull(2))
            c.ancestors.append({q.text(2), q.text(3)});
        counts.append(c);
    }
    return counts;
}

} // namespace

Result<QList<PeerStatus>> peerStatus(store::MissionStore& store, const QList<ContactCard>& peers,
                                     PeerStatusCache* cache) {
    Database& db = store.database();
    std::optional<store::RegionLocator> regions; // read once, if a REGION release is pending
    if (cache) {
        Result<QString> state = missionState(db);
        if (!state)
            return state.error();
        if (state.value() != cache->missionState) {
            cache->missionState = state.value();
            cache->countsByKnowledge.clear();
        }
    }
    Result<bool> logged = db.hasTable(QStringLiteral("share_bundle_log"));
    if (!logged)
        return logged.error();
    QList<PeerStatus> list;
    for (const ContactCard& peer : peers) {
        PeerStatus status;
        status.fingerprint = peer.fingerprint();
        const QString hex = QString::fromLatin1(status.fingerprint.toHex());

        if (logged.value()) {
            // `peers` holds the recipients' fingerprints (sent) or the sender's (received),
            // comma-separated.
            Result<Statement> s = db.prepare(QStringLiteral(
                "SELECT direction, max(at), count(*) FROM share_bundle_log WHERE "
                "instr(',' || peers || ',', ',' || ?1 || ',') > 0 GROUP BY direction"));
            if (!s)
                return s.error();
            s.value().bind(1, hex);
            for (;;) {
                Result<bool> row = s.value().step();
                if (!row)
                    return row.error();
                if (!row.value())
                    break;
                const QDateTime at = QDateTime::fromMSecsSinceEpoch(s.value().integer(1), Qt::UTC);
                const int count = static_cast<int>(s.value().integer(2));
                if (s.value().text(0) == QLatin1String("sent")) {
                    status.lastSent = at;
                    status.sentBundles = count;
                } else {
                    status.lastReceived = at;
                    status.receivedBundles = count;
                }
            }
        }

        Result<QString> knows = reportedKnowledge(db, hex, &status.knowsReported);
        if (!knows)
            return knows.error();
        QList<MarkedCount> counts;
        if (cache && cache->countsByKnowledge.contains(knows.value())) {
            counts = cache->countsByKnowledge.value(knows.value());
        } else {
            Result<QList<MarkedCount>> counted = countChanged(db, knows.value());
            if (!counted)
                return counted.error();
            counts = counted.value();
            if (cache)
                cache->countsByKnowledge.insert(knows.value(), counts);
        }
        for (const MarkedCount& c : counts) {
            // As the bundle decides (collectReleasable): whole, or sanitised when it can be.
            const BundleRelease r =
                bundleRelease(c.marking, c.ancestors, c.ownIncident, {peer.profile});
            if (r.sanitised.toRegion && !regions)
                regions = missionRegions(store);
            if (r.form == BundleRelease::Form::Whole ||
                (r.form == BundleRelease::Form::Sanitised && (!r.sanitised.toRegion || *regions)))
                status.pending += c.count;
            else
                status.withheld += c.count;
        }
        list.append(status);
    }
    return list;
}

} // namespace tessera::share
