// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/ImportRegistry.h"

#include <QFileInfo>
#include <QSet>

#include <mutex>
#include <signal.h>
#include <unistd.h>

namespace tessera::store {

namespace {
std::mutex& mutex() {
    static std::mutex m;
    return m;
}
QSet<QString>& active() {
    static QSet<QString> set;
    return set;
}
QString key(const QString& path, qint64 id) {
    return QFileInfo(path).canonicalFilePath() + QLatin1Char('#') + QString::number(id);
}
} // namespace

qint64 currentProcessId() {
    return static_cast<qint64>(::getpid());
}

void registerImport(const QString& missionPath, qint64 importId) {
    const std::lock_guard lock(mutex());
    active().insert(key(missionPath, importId));
}

void unregisterImport(const QString& missionPath, qint64 importId) {
    const std::lock_guard lock(mutex());
    active().remove(key(missionPath, importId));
}

bool importOwnerIsAlive(const QString& missionPath, qint64 importId, qint64 owner) {
    if (owner == currentProcessId()) {
        const std::lock_guard lock(mutex());
        return active().contains(key(missionPath, importId));
    }
    // Another process: alive if it still exists (a recycled pid errs on the side of keeping).
    return owner > 0 && ::kill(static_cast<pid_t>(owner), 0) == 0;
}

} // namespace tessera::store
