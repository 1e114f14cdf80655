// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// The two executables driven as a user drives them: arguments in, files and exit codes out.
#include "TestSupport.h"

#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

using Catch::Matchers::Contains;

namespace {

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
};

Run run(const QString& program, const QStringList& args) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("QT_QPA_PLATFORM")); // the app must choose offscreen by itself
    p.setProcessEnvironment(env);
    p.start(program, args);
    REQUIRE(p.waitForFinished(180000));
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

const QString kApp = QStringLiteral(TESSERA_APP);
const QString kCli = QStringLiteral(TESSERA_CLI);

} // namespace

TEST_CASE("tessera --screenshot renders the operating picture without a display", "[app]") {
    QTemporaryDir dir;
    const QString png = dir.filePath(QStringLiteral("picture.png"));
    const Run r = run(kApp, {QStringLiteral("--mission"), tessera::test::demoMission(),
                             QStringLiteral("--screenshot"), png});
    INFO(r.err.toStdString());
    REQUIRE(r.exitCode == 0);
    CHECK(r.out.trimmed() == QFileInfo(png).absoluteFilePath());
    QImage image(png);
    REQUIRE(image.size() == QSize(1920, 1080));
    // The top banner is the exercise blue, and says so.
    CHECK(tessera::test::colorDistance(image.pixelColor(960, 3), QColor(0x1f, 0x5f, 0xbf)) < 20);
    // Most of the picture is imagery, not the empty-map background.
    int background = 0;
    for (int y = 100; y < 1000; y += 40)
        for (int x = 100; x < 1800; x += 40)
            background += image.pixelColor(x, y) == QColor(0x0B, 0x16, 0x24) ? 1 : 0;
    CHECK(background == 0);
}

TEST_CASE("tessera --analysis runs an analysis in the commander's view before the picture",
          "[app][analysis]") {
    QTemporaryDir dir;
    // A copy: the analysis keeps its layer in the mission.
    REQUIRE(QProcess::execute(QStringLiteral("cp"),
                              {QStringLiteral("-r"),
                               QFileInfo(tessera::test::demoMission()).absolutePath(),
                               dir.filePath(QStringLiteral("demo"))}) == 0);
    const QString mission = dir.filePath(QStringLiteral("demo/mali-exercise.tessera"));
    REQUIRE(run(kCli, {QStringLiteral("analyse"), QStringLiteral("exercise-history"), mission})
                .exitCode == 0);
    const QString png = dir.filePath(QStringLiteral("knox.png"));
    const Run r = run(kApp, {QStringLiteral("--mission"), mission, QStringLiteral("--panel"),
                             QStringLiteral("commander"), QStringLiteral("--analysis"),
                             QStringLiteral("near-repeat:ied"), QStringLiteral("--size"),
                             QStringLiteral("1600x1500"), QStringLiteral("--screenshot"), png});
    INFO(r.err.toStdString());
    REQUIRE(r.exitCode == 0);
    CHECK(QImage(png).size() == QSize(1600, 1500));
    // The analysis ran and found the planted repeats: its rings were written for the map.
    CHECK(QFileInfo::exists(dir.filePath(
        QStringLiteral("demo/mali-exercise.tessera.analysis/near-repeat-risk.geojson"))));

    const Run bad = run(kApp, {QStringLiteral("--mission"), mission, QStringLiteral("--analysis"),
                               QStringLiteral("kriging"), QStringLiteral("--screenshot"),
                               dir.filePath(QStringLiteral("no.png"))});
    CHECK(bad.exitCode != 0);
    CHECK_THAT(bad.err.toStdString(), Contains("--analysis must be"));
    CHECK_FALSE(QFileInfo::exists(dir.filePath(QStringLiteral("no.png"))));
}

TEST_CASE("tessera refuses bad missions with a clear message and writes nothing",
          "[app][bad-input]") {
    QTemporaryDir dir;
    const QString png = dir.filePath(QStringLiteral("never.png"));
    auto expectRefused = [&](const QString& mission, const char* reason) {
        const Run r =
            run(kApp, {QStringLiteral("--mission"), mission, QStringLiteral("--screenshot"), png});
        CHECK(r.exitCode == 1);
        CHECK_THAT(r.err.toStdString(),
                   Contains(QFileInfo(mission).fileName().toStdString()) && Contains(reason));
        CHECK_FALSE(QFileInfo::exists(png));
    };
    SECTION("missing") {
        expectRefused(dir.filePath(QStringLiteral("missing.tessera")), "no such file");
    }
    SECTION("empty") {
        const QString empty = dir.filePath(QStringLiteral("empty.tessera"));
        tessera::test::writeAll(empty, {});
        expectRefused(empty, "empty");
        CHECK(QFileInfo(empty).size() == 0);
    }
    SECTION("corrupt") {
        const QString corrupt = dir.filePath(QStringLiteral("corrupt.tessera"));
        tessera::test::writeAll(corrupt, QByteArray(5000, '\x07'));
        const QByteArray before = tessera::test::fileHash(corrupt);
        expectRefused(corrupt, "not a Tessera mission");
        CHECK(tessera::test::fileHash(corrupt) == before);
    }
    SECTION("a mission whose imagery is unreadable") {
        // A copy of the demo whose GeoTIFF is cut short.
        const QString copy = dir.filePath(QStringLiteral("demo"));
        const QString source = QFileInfo(tessera::test::demoMission()).absolutePath();
        QProcess::execute(QStringLiteral("cp"), {QStringLiteral("-r"), source, copy});
        const QString tif = copy + QStringLiteral("/imagery/bluemarble.tif");
        const QByteArray whole = tessera::test::readAll(tif);
        REQUIRE(whole.size() > 100000);
        tessera::test::writeAll(tif, whole.left(whole.size() / 4));
        const Run r =
            run(kApp, {QStringLiteral("--mission"), copy + QStringLiteral("/mali-exercise.tessera"),
                       QStringLiteral("--screenshot"), png});
        CHECK(r.exitCode == 1);
        CHECK_THAT(r.err.toStdString(), Contains("bluemarble.tif") && Contains("Blue Marble"));
        CHECK_FALSE(QFileInfo::exists(png));
    }
}

TEST_CASE("tessera --help lists the options", "[app]") {
    const Run r = run(kApp, {QStringLiteral("--help")});
    CHECK(r.exitCode == 0);
    CHECK_THAT(r.out.toStdString(), Contains("--mission") && Contains("--screenshot"));
}

TEST_CASE("tessera-cli renders a mission view to PNG", "[app][cli]") {
    QTemporaryDir dir;
    const QString png = dir.filePath(QStringLiteral("view.png"));
    const Run r = run(kCli, {QStringLiteral("render"), QStringLiteral("--mission"),
                             tessera::test::demoMission(), QStringLiteral("--extent"),
                             QStringLiteral("-5,14,2,18"), QStringLiteral("--size"),
                             QStringLiteral("640x360"), png});
    INFO(r.err.toStdString());
    REQUIRE(r.exitCode == 0);
    CHECK(QImage(png).size() == QSize(640, 360));
    SECTION("a bad extent is refused") {
        const Run bad = run(kCli, {QStringLiteral("render"), QStringLiteral("--mission"),
                                   tessera::test::demoMission(), QStringLiteral("--extent"),
                                   QStringLiteral("10,10,5,5"), png});
        CHECK(bad.exitCode == 1);
        CHECK_THAT(bad.err.toStdString(), Contains("--extent"));
    }
}
