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
};
} // namespace

int latestSchemaVersion() {
    return static_cast<int>(kMigrations.size());
}

Status migrate(Database& db) {
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
    for (int next = current + 1; next <= latestSchemaVersion(); ++next) {
        Status applied = db.transaction([&]() -> Status {
            if (Status s = db.exec(QString::fromUtf8(kMigrations[next - 1])); !s)
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
