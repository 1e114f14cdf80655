// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "store/Database.h"
#include "store/Mission.h"

namespace tessera::store {

/// One mission file: an SQLite database (WAL) with numbered migrations, holding the mission's
/// metadata, map layers and operational records.
///
/// Threads: an instance is one connection; use it on one thread at a time. The GUI never holds
/// one: it asks a worker for a MissionSnapshot (see load()).
class MissionStore {
public:
    enum class Access { ReadOnly, ReadWrite };

    /// Creates a new mission file; refuses to overwrite an existing one.
    static Result<MissionStore> create(const QString& path, const MissionInfo& info);
    /// Opens an existing mission. Refuses, without writing anything, a missing, empty, corrupt or
    /// foreign file and one written by a newer Tessera.
    static Result<MissionStore> open(const QString& path, Access access);
    /// Opens `path` read-only and reads everything the map shows.
    static Result<MissionSnapshot> load(const QString& path);

    Result<MissionInfo> info();
    Status setInfo(const MissionInfo& info);

    Result<qint64> addLayer(const LayerSpec& layer);
    Result<QList<LayerSpec>> layers();

    /// Inserts the incident; gives it a UUID first when it has none.
    Status addIncident(Incident& incident);
    Result<QList<Incident>> incidents();

    /// Inserts the route and its waypoints in one transaction; gives it a UUID when it has none.
    Status addRoute(PatrolRoute& route);
    Result<QList<PatrolRoute>> routes();

    Result<MissionSnapshot> snapshot();

    [[nodiscard]] Database& database() { return db_; }
    [[nodiscard]] const QString& path() const { return db_.path(); }

private:
    explicit MissionStore(Database db)
        : db_(std::move(db)) {}
    Status writeInfo(const MissionInfo& info);
    Database db_;
};

} // namespace tessera::store
