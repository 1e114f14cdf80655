// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// The Debian package, as `scripts/package` makes it: CPack on this build, then the .deb unpacked
// into a scratch root with dpkg-deb and its files, metadata and dependencies checked; the
// packaged tessera-cli reads the packaged demo mission.
#include "TestSupport.h"

#include <QDir>
#include <QDirIterator>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

using namespace tessera;
using Catch::Matchers::Contains;

namespace {

struct Run {
    int code = -1;
    QString out;
    QString err;
};

Run run(const QString& program, const QStringList& args,
        const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(program, args);
    const bool finished = p.waitForFinished(600000);
    if (!finished)
        p.kill();
    REQUIRE(finished);
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

} // namespace

TEST_CASE("Debian package: built by CPack, unpacked into a scratch root", "[package]") {
    QTemporaryDir dir;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("TESSERA_PACKAGE_DEMO"),
               QFileInfo(test::demoMission()).absolutePath());
    const QString out = dir.filePath(QStringLiteral("out"));
    Run made = run(QStringLiteral("cpack"),
                   {QStringLiteral("-G"), QStringLiteral("DEB"), QStringLiteral("-B"), out,
                    QStringLiteral("--config"), QStringLiteral(TESSERA_CPACK_CONFIG)},
                   env);
    INFO(made.out.toStdString() << made.err.toStdString());
    REQUIRE(made.code == 0);
    const QStringList debs = QDir(out).entryList({QStringLiteral("tessera_*.deb")}, QDir::Files);
    REQUIRE(debs.size() == 1);
    const QString deb = out + QLatin1Char('/') + debs.first();
    CHECK_THAT(debs.first().toStdString(), Contains("_amd64.deb"));

    // Metadata: name, and the dependencies apt must pull in on a fresh machine.
    Run fields =
        run(QStringLiteral("dpkg-deb"),
            {QStringLiteral("-f"), deb, QStringLiteral("Package"), QStringLiteral("Depends")});
    REQUIRE(fields.code == 0);
    const std::string meta = fields.out.toStdString();
    CHECK_THAT(meta, Contains("Package: tessera"));
    for (const char* dependency :
         {"libqt6core6", "libqt6quick6", "libgdal32", "libsqlite3-0", "libssl3", "libgeographic",
          "qml6-module-qtquick-controls", "qml6-module-qtquick-dialogs"})
        CHECK_THAT(meta, Contains(dependency));

    // Files, installed into a scratch root.
    const QString root = dir.filePath(QStringLiteral("root"));
    REQUIRE(run(QStringLiteral("dpkg-deb"), {QStringLiteral("-x"), deb, root}).code == 0);
    for (const char* file :
         {"usr/bin/tessera", "usr/bin/tessera-cli", "usr/share/applications/tessera.desktop",
          "usr/share/icons/hicolor/scalable/apps/tessera.svg",
          "usr/share/metainfo/org.tessera.Tessera.metainfo.xml",
          "usr/share/tessera/demo/mali-exercise.tessera"}) {
        INFO(file);
        CHECK(QFileInfo(root + QLatin1Char('/') + QString::fromLatin1(file)).isFile());
    }
    CHECK(QFileInfo(root + QStringLiteral("/usr/bin/tessera")).isExecutable());
    // Every shared library the packaged programs load comes from a package it depends on (which
    // ones depends on the build: the linker drops libraries no linked code calls).
    for (const char* program : {"usr/bin/tessera", "usr/bin/tessera-cli"}) {
        Run dynamic = run(QStringLiteral("objdump"),
                          {QStringLiteral("-p"), root + QLatin1Char('/') + QLatin1String(program)});
        REQUIRE(dynamic.code == 0);
        for (const QString& line : dynamic.out.split(QLatin1Char('\n'))) {
            const QStringList words = line.simplified().split(QLatin1Char(' '));
            if (words.size() != 2 || words.first() != QLatin1String("NEEDED"))
                continue;
            // The amd64 library (the package is amd64): "libc6:amd64: /lib/x86_64-linux-gnu/…".
            Run owner =
                run(QStringLiteral("dpkg"),
                    {QStringLiteral("-S"), QStringLiteral("*/x86_64-linux-gnu/") + words.last()});
            REQUIRE(owner.code == 0);
            const QString package = owner.out.section(QLatin1Char(':'), 0, 0).trimmed();
            INFO(program << " needs " << words.last().toStdString() << " from "
                         << package.toStdString());
            CHECK_THAT(meta, Contains(package.toStdString()));
        }
    }
    // The demo's layers go with it; SQLite's shared-memory index never does.
    int layers = 0;
    for (QDirIterator it(root + QStringLiteral("/usr/share/tessera/demo"), QDir::Files,
                         QDirIterator::Subdirectories);
         it.hasNext();) {
        const QString f = it.next();
        CHECK_FALSE(f.endsWith(QLatin1String("-shm")));
        ++layers;
    }
    CHECK(layers > 3);

    // The desktop entry and the AppStream metadata are valid for the menu and software centres.
    Run desktop = run(QStringLiteral("desktop-file-validate"),
                      {root + QStringLiteral("/usr/share/applications/tessera.desktop")});
    INFO(desktop.out.toStdString());
    CHECK(desktop.code == 0);
    Run appstream =
        run(QStringLiteral("appstreamcli"),
            {QStringLiteral("validate"), QStringLiteral("--no-net"),
             root + QStringLiteral("/usr/share/metainfo/org.tessera.Tessera.metainfo.xml")});
    INFO(appstream.out.toStdString());
    CHECK(appstream.code == 0);

    // The packaged command-line tool reads the packaged demo mission.
    Run stats = run(root + QStringLiteral("/usr/bin/tessera-cli"),
                    {QStringLiteral("mission"), QStringLiteral("stats"),
                     root + QStringLiteral("/usr/share/tessera/demo/mali-exercise.tessera")});
    INFO(stats.err.toStdString());
    CHECK(stats.code == 0);
    CHECK_THAT(stats.out.toStdString(), Contains("incidents"));
}
