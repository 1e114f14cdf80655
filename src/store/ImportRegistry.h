// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QtGlobal>

namespace tessera::store {

/// Imports in progress, so that opening a mission for writing rolls back only the imports whose
/// writer is gone (killed, crashed) and never one still running in this or another process.
/// Threads: any.

/// This process's id, stored as an import's owner.
qint64 currentProcessId();
void registerImport(const QString& missionPath, qint64 importId);
void unregisterImport(const QString& missionPath, qint64 importId);
/// True when import `importId` of `missionPath`, started by process `owner`, may still be running.
bool importOwnerIsAlive(const QString& missionPath, qint64 importId, qint64 owner);

} // namespace tessera::store
