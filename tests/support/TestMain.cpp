// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// The shared test main: a QGuiApplication on the offscreen platform, then Catch2.
#define CATCH_CONFIG_RUNNER
#include <QDir>
#include <QGuiApplication>
#include <QStandardPaths>

#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
    // catch_discover_tests runs this binary at build time, outside ctest's environment.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    if (qEnvironmentVariableIsEmpty("QT_QUICK_BACKEND"))
        qputenv("QT_QUICK_BACKEND", "software");
    if (qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) {
        const QString dir = QDir::temp().filePath(QStringLiteral("tessera-test-runtime"));
        QDir().mkpath(dir);
        QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        qputenv("XDG_RUNTIME_DIR", dir.toUtf8());
    }
    // The parse process that imports run files in (interop/ParseProcess.h).
    if (qEnvironmentVariableIsEmpty("TESSERA_CLI"))
        qputenv("TESSERA_CLI", TESSERA_TEST_CLI);
    QGuiApplication app(argc, argv);
    return Catch::Session().run(argc, argv);
}
