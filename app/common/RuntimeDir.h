// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QDir>
#include <QFile>

#include <unistd.h>

namespace tessera::app {

/// Qt warns on every start without XDG_RUNTIME_DIR (headless machines, CI): give it the private
/// folder under /tmp it would fall back to anyway. Call before the Q*Application is made.
inline void ensureRuntimeDir() {
    if (!qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR"))
        return;
    const QString dir = QDir::temp().filePath(QStringLiteral("tessera-runtime-%1").arg(getuid()));
    QDir().mkpath(dir);
    QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    qputenv("XDG_RUNTIME_DIR", dir.toUtf8());
}

} // namespace tessera::app
