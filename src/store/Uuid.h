// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace tessera::store {

/// A new time-ordered UUID (version 7: milliseconds, then random bits). Successive UUIDs from one
/// process sort in creation order, so the uuid index grows at its end instead of everywhere.
/// Threads: any.
QString newUuid();

} // namespace tessera::store
