// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "TestSupport.h"
#include "store/MissionStore.h"
#include "store/MissionWorker.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

using namespace tessera;
using namespace tessera::store;

namespace {

Incident incidentAt(int k) {
    Incident i;
    i.title = QStringLiteral("Worker incident %1").arg(k);
    i.category = QStringLiteral("ied");
    i.observedAt = QDateTime(QDate(2026, 11, 20), QTime(7, 40), Qt::UTC).addSecs(k);
    i.location = {-1.0 + (k % 1000) * 0.001, 16.0 + (k / 1000) * 0.001};
    i.reliability = QStringLiteral("C");
    i.credibility = 3;
    i.narrative = QStringLiteral("imported by the worker");
    i.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO TEST")};
    return i;
}

qint64 liveCount(MissionStore& reader) {
    IncidentQuery query;
    query.limit = 1;
    Result<IncidentPage> page = reader.queryIncidents(query);
    REQUIRE(page);
    return page.value().total;
}

} // namespace

TEST_CASE("MissionWorker imports on its thread while a reader keeps reading committed data") {
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("worker.tessera"));
    {
        Result<MissionStore> created =
            MissionStore::create(path, MissionInfo{QStringLiteral("Worker"),
                                                   QString(),
                                                   {QStringLiteral("UNCLASSIFIED"), QString()},
                                                   true,
                                                   {},
                                                   {}});
        REQUIRE(created);
        Incident first = incidentAt(-1);
        REQUIRE(created.value().addIncident(first));
    }

    MissionWorker worker(path, MissionStore::Access::ReadWrite);
    QSignalSpy opened(&worker, &MissionWorker::opened);
    QSignalSpy imported(&worker, &MissionWorker::imported);
    QSignalSpy queried(&worker, &MissionWorker::queried);
    REQUIRE(opened.wait(10000));
    REQUIRE(opened.at(0).at(0).toString().isEmpty());

    Result<MissionStore> reader = MissionStore::open(path, MissionStore::Access::ReadOnly);
    REQUIRE(reader);
    REQUIRE(liveCount(reader.value()) == 1);

    // Small batches: the worker commits many of them, all invisible until the import finishes.
    constexpr int kRows = 30000;
    QList<Incident> rows;
    for (int k = 0; k < kRows; ++k)
        rows.append(incidentAt(k));
    worker.importIncidents(rows, QStringLiteral("test"), 500);

    // The reader sees the one incident until the import commits as a whole, then all of them:
    // never a part (the worker commits batches of 500 along the way).
    int readsBefore = 0;
    bool done = false;
    QElapsedTimer timer;
    timer.start();
    while (imported.isEmpty() && timer.elapsed() < 120000) {
        QCoreApplication::processEvents();
        const qint64 seen = liveCount(reader.value());
        if (done) {
            REQUIRE(seen == kRows + 1);
        } else if (seen == 1) {
            ++readsBefore;
        } else {
            REQUIRE(seen == kRows + 1);
            done = true;
        }
    }
    REQUIRE(imported.size() == 1);
    CHECK(imported.at(0).at(1).toString().isEmpty());
    CHECK(imported.at(0).at(0).toLongLong() == kRows);
    CHECK(readsBefore >= 2); // the reader kept reading while the worker wrote
    CHECK(liveCount(reader.value()) == kRows + 1);

    IncidentQuery query;
    query.text = QStringLiteral("worker");
    worker.query(query, 7);
    REQUIRE(queried.wait(10000));
    CHECK(queried.at(0).at(0).toULongLong() == 7);
    CHECK(queried.at(0).at(2).toString().isEmpty());
    CHECK(qvariant_cast<IncidentPage>(queried.at(0).at(1)).total == kRows + 1);
}

TEST_CASE("MissionWorker reports a mission it cannot open") {
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    MissionWorker worker(dir.filePath(QStringLiteral("missing.tessera")),
                         MissionStore::Access::ReadOnly);
    QSignalSpy opened(&worker, &MissionWorker::opened);
    QSignalSpy imported(&worker, &MissionWorker::imported);
    REQUIRE(opened.wait(10000));
    CHECK_FALSE(opened.at(0).at(0).toString().isEmpty());
    worker.importIncidents({incidentAt(0)}, QStringLiteral("test"));
    REQUIRE(imported.wait(10000));
    CHECK(imported.at(0).at(1).toString() == QStringLiteral("the mission is not open"));
}
