// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Internal to the store: building an SQLite R*Tree in one pass (a packed Hilbert R-tree) instead
// of inserting its entries one by one through the virtual table, for bulk imports.

#include "geo/Result.h"
#include "store/Database.h"

#include <QString>

#include <vector>

namespace tessera::store {

/// One entry of a two-dimensional R*Tree as SQLite stores it: 32-bit floats, rounded outwards.
struct RtreeEntry {
    qint64 id = 0;
    float minX = 0, maxX = 0, minY = 0, maxY = 0;
};

/// The entry SQLite's R*Tree would store for the box (minimum rounded down, maximum up, exactly
/// as rtree.c does), so that a packed tree holds the very values an INSERT would have written.
RtreeEntry rtreeEntry(qint64 id, double minX, double maxX, double minY, double maxY);

/// Replaces the whole content of the R*Tree virtual table `table` (columns id, minX, maxX,
/// minY, maxY) by `entries`: sorted on the Hilbert curve of their centres, packed into full
/// nodes level by level, written straight into the table's shadow tables (%_node, %_rowid,
/// %_parent, whose format is SQLite's file format). Ids must be unique. Call it inside a
/// transaction; the result passes rtreecheck() and answers queries like a tree built by INSERTs.
Status packRtree(Database& db, const QString& table, std::vector<RtreeEntry> entries);

} // namespace tessera::store
