// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"

namespace tessera::store {

class Database;

/// "TSRA" in PRAGMA application_id marks a file as a Tessera mission, so a foreign SQLite file
/// is refused with a clear message instead of being written into.
inline constexpr int kApplicationId = 0x54535241;

/// The schema version this build writes. Migration N takes user_version N-1 to N.
int latestSchemaVersion();

/// Brings a mission database up to latestSchemaVersion() in one transaction per migration.
/// Refuses a database written by a newer Tessera (user_version above ours).
Status migrate(Database& db);
/// Brings a database up to schema `target` only (tests build older missions with it).
Status migrate(Database& db, int target);

} // namespace tessera::store
