// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/Migrations.h"

#include "store/Database.h"

#include <array>

namespace tessera::store {

namespace {
// Numbered migrations: append, never edit one that has shipped.
constexpr std::array kMigrations{
    // 1: mission metadata, map layers, incidents, patrol routes with planned waypoints.
    R"sql(
CREATE TABLE mission (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
CREATE TABLE layer (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('raster', 'vector')),
    source       TEXT NOT NULL,
    source_layer TEXT NOT NULL DEFAULT '',
    style        TEXT NOT NULL DEFAULT '{}',
    visible      INTEGER NOT NULL DEFAULT 1,
    opacity      REAL NOT NULL DEFAULT 1.0 CHECK (opacity BETWEEN 0.0 AND 1.0),
    stack_order  INTEGER NOT NULL
) STRICT;
CREATE TABLE incident (
    uuid           TEXT PRIMARY KEY,
    title          TEXT NOT NULL CHECK (length(title) > 0),
    category       TEXT NOT NULL,
    severity       TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    status         TEXT NOT NULL CHECK (status IN ('reported', 'confirmed', 'resolved')),
    observed_at    TEXT NOT NULL,
    lon            REAL NOT NULL CHECK (lon BETWEEN -180.0 AND 180.0),
    lat            REAL NOT NULL CHECK (lat BETWEEN -90.0 AND 90.0),
    source         TEXT NOT NULL DEFAULT '',
    reliability    TEXT NOT NULL DEFAULT 'F' CHECK (reliability IN ('A','B','C','D','E','F')),
    credibility    INTEGER NOT NULL DEFAULT 6 CHECK (credibility BETWEEN 1 AND 6),
    narrative      TEXT NOT NULL DEFAULT '',
    classification TEXT NOT NULL,
    releasability  TEXT NOT NULL DEFAULT '',
    exercise       INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX incident_observed_at ON incident (observed_at);
CREATE TABLE route (
    uuid           TEXT PRIMARY KEY,
    name           TEXT NOT NULL CHECK (length(name) > 0),
    unit           TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'completed')),
    classification TEXT NOT NULL,
    releasability  TEXT NOT NULL DEFAULT '',
    exercise       INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE route_waypoint (
    route_uuid TEXT NOT NULL REFERENCES route (uuid) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    lon        REAL NOT NULL CHECK (lon BETWEEN -180.0 AND 180.0),
    lat        REAL NOT NULL CHECK (lat BETWEEN -90.0 AND 90.0),
    planned_at TEXT NOT NULL,
    PRIMARY KEY (route_uuid, seq)
) STRICT;
)sql",
    // 2: the mission store (docs/store.md). Stations, hybrid-logical-clock stamps, markings and
    // tombstones on every record; incidents get a stable integer key (for the R*Tree and FTS),
    // areas, notes and attachments; routes get actual tracks; annotations; the change log that
    // feeds sync; imports committed in batches and made visible as a whole.
    R"sql(
CREATE TABLE station (
    id    INTEGER PRIMARY KEY,
    uuid  TEXT NOT NULL UNIQUE CHECK (length(uuid) = 36),
    name  TEXT NOT NULL DEFAULT '',
    local INTEGER NOT NULL DEFAULT 0 CHECK (local IN (0, 1))
) STRICT;
INSERT INTO station (id, uuid, local) VALUES (1,
    lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
          || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))), 1);
CREATE TABLE import (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('running', 'done')),
    started_hlc INTEGER NOT NULL,
    rows        INTEGER NOT NULL DEFAULT 0,
    base_id     INTEGER NOT NULL,
    owner       INTEGER NOT NULL
) STRICT;
CREATE TABLE incident_v2 (
    id             INTEGER PRIMARY KEY,
    uuid           TEXT NOT NULL UNIQUE CHECK (length(uuid) = 36),
    title          TEXT NOT NULL CHECK (length(title) > 0),
    category       TEXT NOT NULL,
    severity       TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    status         TEXT NOT NULL CHECK (status IN ('reported', 'confirmed', 'resolved')),
    observed_at    INTEGER NOT NULL,
    lon            REAL NOT NULL CHECK (lon BETWEEN -180.0 AND 180.0),
    lat            REAL NOT NULL CHECK (lat BETWEEN -90.0 AND 90.0),
    area           TEXT CHECK (area IS NULL OR json_valid(area)),
    area_west      REAL,
    area_south     REAL,
    area_east      REAL,
    area_north     REAL,
    source         TEXT NOT NULL DEFAULT '',
    reliability    TEXT NOT NULL DEFAULT 'F' CHECK (reliability IN ('A','B','C','D','E','F')),
    credibility    INTEGER NOT NULL DEFAULT 6 CHECK (credibility BETWEEN 1 AND 6),
    narrative      TEXT NOT NULL DEFAULT '',
    classification TEXT NOT NULL,
    releasability  TEXT NOT NULL DEFAULT '',
    exercise       INTEGER NOT NULL DEFAULT 0,
    station        INTEGER NOT NULL DEFAULT 1,
    created_hlc    INTEGER NOT NULL,
    updated_hlc    INTEGER NOT NULL,
    deleted        INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    import_id      INTEGER
) STRICT;
INSERT INTO incident_v2 (uuid, title, category, severity, status, observed_at, lon, lat, source,
    reliability, credibility, narrative, classification, releasability, exercise, created_hlc,
    updated_hlc)
SELECT uuid, title, category, severity, status,
       CAST(round((julianday(observed_at) - 2440587.5) * 86400000.0) AS INTEGER), lon, lat,
       source, reliability, credibility, narrative, classification, releasability, exercise,
       (CAST(strftime('%s', 'now') AS INTEGER) * 1000) << 16,
       (CAST(strftime('%s', 'now') AS INTEGER) * 1000) << 16
FROM incident ORDER BY observed_at, uuid;
DROP TABLE incident;
ALTER TABLE incident_v2 RENAME TO incident;
CREATE INDEX incident_observed_at ON incident (observed_at);
CREATE INDEX incident_import ON incident (import_id) WHERE import_id IS NOT NULL;

CREATE TABLE incident_note (
    id             INTEGER PRIMARY KEY,
    uuid           TEXT NOT NULL UNIQUE CHECK (length(uuid) = 36),
    incident_id    INTEGER NOT NULL REFERENCES incident (id),
    author         TEXT NOT NULL,
    text           TEXT NOT NULL CHECK (length(text) > 0),
    written_at     INTEGER NOT NULL,
    classification TEXT NOT NULL,
    releasability  TEXT NOT NULL DEFAULT '',
    station        INTEGER NOT NULL DEFAULT 1,
    created_hlc    INTEGER NOT NULL,
    updated_hlc    INTEGER NOT NULL,
    deleted        INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
) STRICT;
CREATE INDEX incident_note_incident ON incident_note (incident_id, id);
CREATE TRIGGER incident_note_append_only_update BEFORE UPDATE ON incident_note
BEGIN SELECT RAISE(ABORT, 'analyst notes are append-only'); END;
CREATE TRIGGER incident_note_append_only_delete BEFORE DELETE ON incident_note
BEGIN SELECT RAISE(ABORT, 'analyst notes are append-only'); END;

CREATE TABLE attachment_blob (
    sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    data   BLOB NOT NULL
) STRICT;
CREATE TABLE attachment (
    id             INTEGER PRIMARY KEY,
    uuid           TEXT NOT NULL UNIQUE CHECK (length(uuid) = 36),
    incident_id    INTEGER NOT NULL REFERENCES incident (id),
    name           TEXT NOT NULL CHECK (length(name) > 0),
    media_type     TEXT NOT NULL DEFAULT 'application/octet-stream',
    sha256         TEXT NOT NULL REFERENCES attachment_blob (sha256),
    size           INTEGER NOT NULL CHECK (size >= 0),
    classification TEXT NOT NULL,
    releasability  TEXT NOT NULL DEFAULT '',
    station        INTEGER NOT NULL DEFAULT 1,
    created_hlc    INTEGER NOT NULL,
    updated_hlc    INTEGER NOT NULL,
    deleted        INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
) STRICT;
CREATE INDEX attachment_incident ON attachment (incident_id);

ALTER TABLE route ADD COLUMN station INTEGER NOT NULL DEFAULT 1;
ALTER TABLE route ADD COLUMN created_hlc INTEGER NOT NULL DEFAULT 0;
ALTER TABLE route ADD COLUMN updated_hlc INTEGER NOT NULL DEFAULT 0;
ALTER TABLE route ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1));
UPDATE route SET created_hlc = (CAST(strftime('%s', 'now') AS INTEGER) * 1000) << 16,
                 updated_hlc = (CAST(strftime('%s', 'now') AS INTEGER) * 1000) << 16;
CREATE TABLE route_track_point (
    route_uuid  TEXT NOT NULL REFERENCES route (uuid) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    lon         REAL NOT NULL CHECK (lon BETWEEN -180.0 AND 180.0),
    lat         REAL NOT NULL CHECK (lat BETWEEN -90.0 AND 90.0),
    recorded_at INTEGER NOT NULL,
    elevation   REAL,
    PRIMARY KEY (route_uuid, seq)
) STRICT;

CREATE TABLE annotation (
    id             INTEGER PRIMARY KEY,
    uuid           TEXT NOT NULL UNIQUE CHECK (length(uuid) = 36),
    kind           TEXT NOT NULL CHECK (kind IN ('point', 'line', 'area')),
    geometry       TEXT NOT NULL CHECK (json_valid(geometry)),
    text           TEXT NOT NULL,
    author         TEXT NOT NULL,
    written_at     INTEGER NOT NULL,
    classification TEXT NOT NULL,
    releasability  TEXT NOT NULL DEFAULT '',
    station        INTEGER NOT NULL DEFAULT 1,
    created_hlc    INTEGER NOT NULL,
    updated_hlc    INTEGER NOT NULL,
    deleted        INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
) STRICT;

CREATE TABLE change_log (
    seq     INTEGER PRIMARY KEY,
    kind    TEXT NOT NULL CHECK (kind IN ('incident', 'note', 'attachment', 'route',
                                          'annotation')),
    uuid    TEXT NOT NULL,
    op      TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    hlc     INTEGER NOT NULL,
    station INTEGER NOT NULL
) STRICT;
INSERT INTO change_log (kind, uuid, op, hlc, station)
    SELECT 'incident', uuid, 'insert', created_hlc, station FROM incident ORDER BY id;
INSERT INTO change_log (kind, uuid, op, hlc, station)
    SELECT 'route', uuid, 'insert', created_hlc, station FROM route ORDER BY rowid;

CREATE VIRTUAL TABLE incident_rtree USING rtree (id, min_lon, max_lon, min_lat, max_lat);
INSERT INTO incident_rtree SELECT id, lon, lon, lat, lat FROM incident ORDER BY id;
CREATE VIEW incident_text (id, title, narrative, notes) AS
    SELECT i.id, i.title, i.narrative,
           coalesce((SELECT group_concat(n.text, ' ') FROM incident_note n
                     WHERE n.incident_id = i.id), '')
    FROM incident i WHERE i.deleted = 0;
CREATE VIRTUAL TABLE incident_fts USING fts5 (title, narrative, notes, content = 'incident_text',
    content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO incident_fts (incident_fts) VALUES ('rebuild');
)sql",
    // 3: the map markers of point incidents in a table clustered by the Hilbert key of their
    // position (tessera_marker_key, store/MarkerKey.h), so that a bounding box reads a few
    // contiguous key ranges instead of one random row of `incident` per match; area incidents
    // get an R*Tree of their own. Both hold what the R*Tree holds: live rows of finished imports.
    R"sql(
CREATE TABLE incident_marker (
    hkey        INTEGER NOT NULL,
    id          INTEGER NOT NULL,
    uuid        TEXT NOT NULL,
    title       TEXT NOT NULL,
    category    TEXT NOT NULL,
    severity    TEXT NOT NULL,
    status      TEXT NOT NULL,
    observed_at INTEGER NOT NULL,
    lon         REAL NOT NULL,
    lat         REAL NOT NULL,
    PRIMARY KEY (hkey, id)
) STRICT, WITHOUT ROWID;
INSERT INTO incident_marker
    SELECT tessera_marker_key(lon, lat), id, uuid, title, category, severity, status,
           observed_at, lon, lat
    FROM incident
    WHERE deleted = 0 AND area_west IS NULL
      AND (import_id IS NULL OR import_id NOT IN (SELECT id FROM import WHERE state <> 'done'))
    ORDER BY 1, 2;
CREATE VIRTUAL TABLE incident_area_rtree USING rtree (id, min_lon, max_lon, min_lat, max_lat);
INSERT INTO incident_area_rtree
    SELECT id, area_west, area_east, area_south, area_north
    FROM incident
    WHERE deleted = 0 AND area_west IS NOT NULL
      AND (import_id IS NULL OR import_id NOT IN (SELECT id FROM import WHERE state <> 'done'))
    ORDER BY id;
)sql",
    // 4: the same CHECK constraints on `incident` and `change_log`, written as OR chains instead
    // of IN lists. SQLite evaluates an IN list in a CHECK by building a lookup table for every
    // row written, which cost about 2.7 s of CPU per 1,000,000 imported incidents (and 1.5 s
    // for their change-log rows) against 0.5 s for the OR chains (docs/store.md, "Bulk import").
    // The constraints mean the same, so every stored row still satisfies them and the tables'
    // content and format do not change: only their CREATE statements in sqlite_schema are
    // rewritten, as SQLite documents for such changes ("ALTER TABLE", section 7: writable
    // schema, schema version incremented, which makes every connection reload the schema).
    R"sql(
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql =
    replace(replace(replace(replace(sql,
        'CHECK (severity IN (''low'', ''medium'', ''high'', ''critical''))',
        'CHECK (severity = ''low'' OR severity = ''medium'' OR severity = ''high'' OR '
            || 'severity = ''critical'')'),
        'CHECK (status IN (''reported'', ''confirmed'', ''resolved''))',
        'CHECK (status = ''reported'' OR status = ''confirmed'' OR status = ''resolved'')'),
        'CHECK (reliability IN (''A'',''B'',''C'',''D'',''E'',''F''))',
        'CHECK (reliability = ''A'' OR reliability = ''B'' OR reliability = ''C'' OR '
            || 'reliability = ''D'' OR reliability = ''E'' OR reliability = ''F'')'),
        'CHECK (deleted IN (0, 1))', 'CHECK (deleted = 0 OR deleted = 1)')
WHERE type = 'table' AND name = 'incident';
UPDATE sqlite_schema SET sql =
    replace(replace(sql,
        'CHECK (kind IN (''incident'', ''note'', ''attachment'', ''route'',
                                          ''annotation''))',
        'CHECK (kind = ''incident'' OR kind = ''note'' OR kind = ''attachment'' OR '
            || 'kind = ''route'' OR kind = ''annotation'')'),
        'CHECK (op IN (''insert'', ''update'', ''delete''))',
        'CHECK (op = ''insert'' OR op = ''update'' OR op = ''delete'')')
WHERE type = 'table' AND name = 'change_log';
PRAGMA writable_schema = OFF;
)sql",
    // 5: what a record received as a Cursor-on-Target event carried that the record itself does
    // not hold: the sender's uid (which may not be a UUID: "ANDROID-3f2a9c"), the CoT type and
    // `how`, the stale time and the point's hae/ce/le. Kept so that an export hands the event
    // back as TAK sent it (the same uid updates the same marker) and so that the map can show an
    // event past its stale time as stale (docs/formats/cot.md). Local to this mission file:
    // bundles do not carry it.
    R"sql(
CREATE TABLE cot_origin (
    uuid     TEXT PRIMARY KEY,      -- the incident, route or annotation made from the event
    uid      TEXT NOT NULL,
    type     TEXT NOT NULL,
    how      TEXT NOT NULL,
    stale_ms INTEGER NOT NULL,
    hae      REAL,
    ce       REAL,
    le       REAL
) WITHOUT ROWID;
)sql",
    // 6: sharing across nations (docs/sharing.md, "Marking authority" and "Bundles"). Each record
    // keeps the station that created it, its origin: only the origin may lower or widen a
    // record's marking. NULL is this mission file's own station, so that every local write
    // (the store, bulk imports) needs no change; records received from peers set it. Records
    // received before this migration take their last writer, the best knowledge there is.
    // The mission gets an id, carried in every bundle's signed header, so that a bundle of one
    // mission cannot be applied to another (an exercise's records to a real mission).
    R"sql(
ALTER TABLE incident ADD COLUMN origin INTEGER;
ALTER TABLE incident_note ADD COLUMN origin INTEGER;
ALTER TABLE attachment ADD COLUMN origin INTEGER;
ALTER TABLE route ADD COLUMN origin INTEGER;
ALTER TABLE annotation ADD COLUMN origin INTEGER;
UPDATE incident SET origin = station WHERE station NOT IN (SELECT id FROM station WHERE local = 1);
UPDATE incident_note SET origin = station
    WHERE station NOT IN (SELECT id FROM station WHERE local = 1);
UPDATE attachment SET origin = station WHERE station NOT IN (SELECT id FROM station WHERE local = 1);
UPDATE route SET origin = station WHERE station NOT IN (SELECT id FROM station WHERE local = 1);
UPDATE annotation SET origin = station WHERE station NOT IN (SELECT id FROM station WHERE local = 1);
INSERT INTO mission (key, value) SELECT 'id',
    lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
          || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))
    WHERE NOT EXISTS (SELECT 1 FROM mission WHERE key = 'id');
)sql",
    // 7: a route's points as TAK keeps them (docs/formats/cot.md, "Routes"). A point is a
    // waypoint (named, a stop of the patrol) or a control point (a bend of the path, ATAK's
    // b-m-p-c); it may have a height, and it keeps the uid its link had in the event it came
    // from, so that a route handed back to ATAK updates the same points instead of making new
    // ones. Bundles carry all three: they are the route, not how one file held it.
    R"sql(
ALTER TABLE route_waypoint ADD COLUMN control INTEGER NOT NULL DEFAULT 0 CHECK (control IN (0, 1));
ALTER TABLE route_waypoint ADD COLUMN elevation REAL;
ALTER TABLE route_waypoint ADD COLUMN link_uid TEXT NOT NULL DEFAULT '';
)sql",
    // 8: signed records (docs/sharing.md, "Signed records"). A station signs the versions it
    // wrote in batches when it first shares them: one Ed25519 signature over the salted hashes
    // of up to 1,024 versions (`record_batch.leaves`, 32 bytes each). Each version kept here has
    // its proof: its batch, its place in it and its salt. Batches and proofs received travel on
    // with the records, so that a relay can pass them on but not alter or invent them. A
    // station's UUID is bound to the fingerprint of the key that signed its first batch seen.
    R"sql(
CREATE TABLE record_batch (
    id        INTEGER PRIMARY KEY,
    station   TEXT NOT NULL,            -- the writing station's UUID, as the records name it
    seq       INTEGER NOT NULL,         -- its batches, numbered from 1
    keys      BLOB NOT NULL CHECK (length(keys) = 64),   -- Ed25519 then X25519 public key
    leaves    BLOB NOT NULL CHECK (length(leaves) % 32 = 0 AND length(leaves) > 0),
    signature BLOB NOT NULL CHECK (length(signature) = 64),
    UNIQUE (station, seq)
) STRICT;
CREATE TABLE record_proof (
    kind    TEXT NOT NULL,
    uuid    TEXT NOT NULL,
    updated INTEGER NOT NULL,
    station TEXT NOT NULL,
    batch   INTEGER NOT NULL REFERENCES record_batch (id),
    leaf    INTEGER NOT NULL CHECK (leaf >= 0),
    salt    BLOB NOT NULL CHECK (length(salt) = 16),
    PRIMARY KEY (kind, uuid, updated, station)
) STRICT, WITHOUT ROWID;
CREATE TABLE station_key (
    station     TEXT PRIMARY KEY,
    fingerprint BLOB NOT NULL CHECK (length(fingerprint) = 32)
) STRICT, WITHOUT ROWID;
)sql",
    // 9: causal versions (docs/sharing.md, "Conflicts"). Each record's current version has a
    // version vector (`vv`: for every station whose writes it builds on, the stamp of the
    // latest), and `seen` merges the vectors of every version this station has held, so that a
    // version from elsewhere is recognised as older, newer or concurrent. A record without a
    // row has the one-entry vector of its writer and stamp: bulk imports and a station's edits
    // of its own records write nothing here. A local edit of a record another station wrote
    // last (or of one with a row) builds on everything seen: the triggers below.
    R"sql(
CREATE TABLE record_clock (
    kind TEXT NOT NULL,
    uuid TEXT NOT NULL,
    vv   TEXT NOT NULL,   -- JSON object: station UUID -> HLC stamp
    seen TEXT NOT NULL,
    PRIMARY KEY (kind, uuid)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER incident_clock AFTER UPDATE OF updated_hlc ON incident
WHEN NEW.station = (SELECT id FROM station WHERE local = 1)
    AND (OLD.station <> NEW.station
         OR EXISTS (SELECT 1 FROM record_clock WHERE kind = 'incident' AND uuid = NEW.uuid))
BEGIN
    INSERT INTO record_clock (kind, uuid, vv, seen)
    SELECT 'incident', NEW.uuid, v, v FROM (SELECT json_object(
        (SELECT uuid FROM station WHERE id = OLD.station), OLD.updated_hlc,
        (SELECT uuid FROM station WHERE id = NEW.station), NEW.updated_hlc) AS v)
    WHERE true
    ON CONFLICT (kind, uuid) DO UPDATE SET
        seen = json_set(seen, '$."' || (SELECT uuid FROM station WHERE id = NEW.station) || '"',
                        NEW.updated_hlc),
        vv = json_set(seen, '$."' || (SELECT uuid FROM station WHERE id = NEW.station) || '"',
                      NEW.updated_hlc);
END;
CREATE TRIGGER route_clock AFTER UPDATE OF updated_hlc ON route
WHEN NEW.station = (SELECT id FROM station WHERE local = 1)
    AND (OLD.station <> NEW.station
         OR EXISTS (SELECT 1 FROM record_clock WHERE kind = 'route' AND uuid = NEW.uuid))
BEGIN
    INSERT INTO record_clock (kind, uuid, vv, seen)
    SELECT 'route', NEW.uuid, v, v FROM (SELECT json_object(
        (SELECT uuid FROM station WHERE id = OLD.station), OLD.updated_hlc,
        (SELECT uuid FROM station WHERE id = NEW.station), NEW.updated_hlc) AS v)
    WHERE true
    ON CONFLICT (kind, uuid) DO UPDATE SET
        seen = json_set(seen, '$."' || (SELECT uuid FROM station WHERE id = NEW.station) || '"',
                        NEW.updated_hlc),
        vv = json_set(seen, '$."' || (SELECT uuid FROM station WHERE id = NEW.station) || '"',
                      NEW.updated_hlc);
END;
CREATE TRIGGER annotation_clock AFTER UPDATE OF updated_hlc ON annotation
WHEN NEW.station = (SELECT id FROM station WHERE local = 1)
    AND (OLD.station <> NEW.station
         OR EXISTS (SELECT 1 FROM record_clock WHERE kind = 'annotation' AND uuid = NEW.uuid))
BEGIN
    INSERT INTO record_clock (kind, uuid, vv, seen)
    SELECT 'annotation', NEW.uuid, v, v FROM (SELECT json_object(
        (SELECT uuid FROM station WHERE id = OLD.station), OLD.updated_hlc,
        (SELECT uuid FROM station WHERE id = NEW.station), NEW.updated_hlc) AS v)
    WHERE true
    ON CONFLICT (kind, uuid) DO UPDATE SET
        seen = json_set(seen, '$."' || (SELECT uuid FROM station WHERE id = NEW.station) || '"',
                        NEW.updated_hlc),
        vv = json_set(seen, '$."' || (SELECT uuid FROM station WHERE id = NEW.station) || '"',
                      NEW.updated_hlc);
END;
)sql",
    // 10: sharing's own tables (docs/sharing.md), which it used to create on first use: the
    // log of bundles sent and received and of the records each carried (the audit), what each
    // peer said it holds, conflicts and refused versions; and, per peer and writing station,
    // up to which stamp this station has made sure the peer holds every version it may (the
    // watermark behind "knowledge without holes"). IF NOT EXISTS: missions that shared before
    // have them already.
    R"sql(
CREATE TABLE IF NOT EXISTS share_bundle_log (
    bundle_id TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('sent', 'received')),
    peers TEXT NOT NULL,
    at INTEGER NOT NULL,
    records INTEGER NOT NULL,
    PRIMARY KEY (bundle_id, direction)
) STRICT;
CREATE TABLE IF NOT EXISTS share_bundle_record (
    bundle_id TEXT NOT NULL,
    direction TEXT NOT NULL,
    kind TEXT NOT NULL,
    uuid TEXT NOT NULL,
    updated_hlc INTEGER NOT NULL,
    classification TEXT NOT NULL,
    releasability TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS share_bundle_record_bundle ON share_bundle_record (bundle_id, direction);
CREATE INDEX IF NOT EXISTS share_bundle_record_version ON share_bundle_record (uuid, updated_hlc);
CREATE TABLE IF NOT EXISTS share_peer (
    fingerprint TEXT PRIMARY KEY,
    knows TEXT NOT NULL,
    received_at INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS share_conflict (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    uuid TEXT NOT NULL,
    detected_at INTEGER NOT NULL,
    bundle_id TEXT NOT NULL,
    ours BLOB NOT NULL,
    theirs BLOB NOT NULL,
    shown TEXT NOT NULL CHECK (shown IN ('ours', 'theirs')),
    resolved_at INTEGER,
    resolution TEXT
) STRICT;
CREATE TABLE IF NOT EXISTS share_refused (
    id INTEGER PRIMARY KEY,
    bundle_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    uuid TEXT NOT NULL,
    station TEXT NOT NULL,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL,
    theirs BLOB NOT NULL
) STRICT;
CREATE TABLE share_reconciled (
    peer TEXT NOT NULL,      -- fingerprint, hex
    station TEXT NOT NULL,   -- writing station's UUID
    hlc INTEGER NOT NULL,
    PRIMARY KEY (peer, station)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS share_change_log_station_hlc ON change_log (station, hlc);
)sql",
    // 11: the sanitised versions this mission holds (docs/sharing.md, "Sanitised versions"):
    // which original each was made from, as its originator signed it, so that a relay passes it
    // on to the byte and a receiver knows it for a version.
    R"sql(
CREATE TABLE share_sanitised (
    uuid TEXT PRIMARY KEY,
    original TEXT NOT NULL
) STRICT, WITHOUT ROWID;
)sql",
};
} // namespace

namespace {
/// After sqlite_schema was written directly (migration 4): a new schema cookie, so that this
/// and every other connection parse the schema again.
Status bumpSchemaVersion(Database& db) {
    Result<QVariant> version = db.scalar(QStringLiteral("PRAGMA schema_version"));
    if (!version)
        return version.error();
    return db.exec(
        QStringLiteral("PRAGMA schema_version = %1").arg(version.value().toLongLong() + 1));
}
} // namespace

int latestSchemaVersion() {
    return static_cast<int>(kMigrations.size());
}

Status migrate(Database& db) {
    return migrate(db, latestSchemaVersion());
}

Status migrate(Database& db, int target) {
    Result<QVariant> version = db.scalar(QStringLiteral("PRAGMA user_version"));
    if (!version)
        return version.error();
    const int current = version.value().toInt();
    if (current > latestSchemaVersion())
        return Error{QStringLiteral("%1 was written by a newer Tessera (schema %2; this build "
                                    "reads up to %3). Update Tessera to open it.")
                         .arg(db.path())
                         .arg(current)
                         .arg(latestSchemaVersion())};
    for (int next = current + 1; next <= target && next <= latestSchemaVersion(); ++next) {
        Status applied = db.transaction([&]() -> Status {
            if (Status s = db.exec(QString::fromUtf8(kMigrations[next - 1])); !s)
                return s;
            if (next == 4)
                if (Status s = bumpSchemaVersion(db); !s)
                    return s;
            if (next == 1)
                if (Status s =
                        db.exec(QStringLiteral("PRAGMA application_id = %1").arg(kApplicationId));
                    !s)
                    return s;
            return db.exec(QStringLiteral("PRAGMA user_version = %1").arg(next));
        });
        if (!applied)
            return Error{QStringLiteral("Migrating %1 to schema %2 failed: %3")
                             .arg(db.path())
                             .arg(next)
                             .arg(applied.error().message)};
    }
    return success();
}

} // namespace tessera::store
