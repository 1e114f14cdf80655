// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// An import killed (SIGKILL) at random moments, many times: after each kill the mission opens,
// passes PRAGMA integrity_check, every committed batch is whole, and the next read-write open
// rolls the unfinished import back.
#include "TestSupport.h"
#include "store/MissionStore.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QThread>

#include <catch2/catch.hpp>

using namespace tessera;
using namespace tessera::store;

namespace {
constexpr int kFeatures = 6000;
constexpr int kBatch = 500;

QString writeInput(const QTemporaryDir& dir) {
    QJsonArray features;
    for (int k = 0; k < kFeatures; ++k) {
        features.append(QJsonObject{
            {QStringLiteral("type"), QStringLiteral("Feature")},
            {QStringLiteral("geometry"),
             QJsonObject{
                 {QStringLiteral("type"), QStringLiteral("Point")},
                 {QStringLiteral("coordinates"), QJsonArray{(k % 360) - 179.5, (k % 170) - 84.5}}}},
            {QStringLiteral("properties"),
             QJsonObject{
                 {QStringLiteral("title"), QStringLiteral("Killed import %1").arg(k)},
                 {QStringLiteral("observed_at"), QStringLiteral("2026-11-20T07:40:00Z")}}}});
    }
    const QString path = dir.filePath(QStringLiteral("input.geojson"));
    test::writeAll(path, QJsonDocument(QJsonObject{{QStringLiteral("type"),
                                                    QStringLiteral("FeatureCollection")},
                                                   {QStringLiteral("features"), features}})
                             .toJson(QJsonDocument::Compact));
    return path;
}
} // namespace

TEST_CASE("An import killed at random moments leaves a whole mission", "[store][kill]") {
    QTemporaryDir dir;
    const QString mission = dir.filePath(QStringLiteral("m.tessera"));
    {
        MissionInfo info;
        info.name = QStringLiteral("Kill");
        info.marking = {QStringLiteral("UNCLASSIFIED"), QString()};
        REQUIRE(MissionStore::create(mission, info).ok());
    }
    const QString input = writeInput(dir);
    QRandomGenerator random(20261125); // seeded: the same kill moments every run
    qint64 expected = 0;               // incidents of the imports that finished
    int killedMidway = 0;
    for (int round = 0; round < 24; ++round) {
        QProcess cli;
        cli.start(QStringLiteral(TESSERA_CLI),
                  {QStringLiteral("mission"), QStringLiteral("import"), mission, input,
                   QStringLiteral("--batch"), QString::number(kBatch)});
        REQUIRE(cli.waitForStarted());
        // Long enough to reach every phase: opening, batches, the final indexing step.
        QThread::msleep(random.bounded(50, 1500));
        const bool finished = cli.state() == QProcess::NotRunning;
        if (!finished)
            cli.kill(); // SIGKILL
        REQUIRE(cli.waitForFinished(60000));
        if (!finished)
            ++killedMidway;
        INFO("round " << round);
        {
            // Read-only first: what the kill left, before any recovery.
            auto reader = MissionStore::open(mission, MissionStore::Access::ReadOnly);
            REQUIRE(reader.ok());
            Database& db = reader.value().database();
            CHECK(db.scalar(QStringLiteral("PRAGMA integrity_check")).value().toString() ==
                  QStringLiteral("ok"));
            const qint64 pending =
                db.scalar(
                      QStringLiteral("SELECT count(*) FROM incident WHERE import_id IN (SELECT id "
                                     "FROM import WHERE state = 'running')"))
                    .value()
                    .toLongLong();
            CHECK(pending % kBatch == 0); // only whole batches
            // All or nothing: the kill came before the import's last commit, or after it.
            const qint64 live = reader.value().stats().value().incidents;
            CHECK((live == expected || live == expected + kFeatures));
            if (finished)
                CHECK(live == expected + kFeatures);
            expected = live;
            CHECK(db.scalar(QStringLiteral("SELECT count(*) FROM incident_rtree"))
                      .value()
                      .toLongLong() == expected);
        }
        auto writer = MissionStore::open(mission, MissionStore::Access::ReadWrite);
        REQUIRE(writer.ok());
        Database& db = writer.value().database();
        CHECK(db.scalar(QStringLiteral("SELECT count(*) FROM incident")).value().toLongLong() ==
              expected);
        CHECK(db.scalar(QStringLiteral("SELECT count(*) FROM change_log")).value().toLongLong() ==
              expected);
        CHECK(db.scalar(QStringLiteral("SELECT count(*) FROM import WHERE state = 'running'"))
                  .value()
                  .toInt() == 0);
    }
    CHECK(killedMidway > 0);
}
