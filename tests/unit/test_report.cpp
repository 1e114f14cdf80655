// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// The SITREP (report/Sitrep): its pages, its banner at the highest marking it holds, its
// analyses, and its refusals.
#include "TestSupport.h"
#include "geo/Geodesy.h"
#include "interop/ExerciseHistory.h"
#include "render/MapScene.h"
#include "report/Sitrep.h"
#include "share/ReleasePolicy.h"
#include "store/MissionStore.h"

#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

using namespace tessera;
using Catch::Matchers::Contains;

namespace {

QString copyDemo(const QTemporaryDir& dir) {
    const QString copy = dir.filePath(QStringLiteral("demo"));
    REQUIRE(QProcess::execute(
                QStringLiteral("cp"),
                {QStringLiteral("-r"), QFileInfo(test::demoMission()).absolutePath(), copy}) == 0);
    return copy + QStringLiteral("/mali-exercise.tessera");
}

/// Every page's top and bottom rows are the banner's colour.
bool bannersOnEveryPage(const report::Sitrep& r) {
    for (const QImage& page : r.pages)
        for (int y : {4, page.height() - 4})
            if (test::colorDistance(page.pixelColor(8, y), r.bannerColor) > 8)
                return false;
    return true;
}

} // namespace

TEST_CASE("A SITREP of a week: pages under one banner, with the week's analyses", "[report]") {
    QTemporaryDir dir;
    const QString path = copyDemo(dir);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    {
        auto store = store::MissionStore::open(path, store::MissionStore::Access::ReadWrite);
        REQUIRE(store.ok());
        interop::ExerciseHistoryOptions history;
        history.incidents = 2000;
        history.end = now;
        REQUIRE(interop::addExerciseHistory(store.value(), history).ok());
    }
    report::SitrepOptions options;
    options.to = now;
    options.from = now.addDays(-7);

    SECTION("unclassified records: the mission's banner on every page") {
        auto scene = render::loadScene(path);
        REQUIRE(scene.ok());
        Result<report::Sitrep> r = report::composeSitrep(*scene.value(), options);
        REQUIRE(r.ok());
        CHECK(r.value().pages.size() >= 2);
        CHECK(r.value().incidents > 50);
        CHECK_THAT(r.value().banner.toStdString(), Contains("UNCLASSIFIED"));
        CHECK(bannersOnEveryPage(r.value()));
        CHECK(r.value().unusual >= 1); // the planted surge of the last week
        CHECK(r.value().significant >= 1);
        INFO(r.value().hotSpots.toStdString());
        CHECK_THAT(r.value().hotSpots.toStdString(), Contains("false-discovery"));

        const QString pdf = dir.filePath(QStringLiteral("sitrep.pdf"));
        Result<QStringList> written = report::writeSitrep(r.value(), pdf, QStringLiteral("SITREP"));
        REQUIRE(written.ok());
        const QByteArray bytes = test::readAll(pdf);
        CHECK(bytes.startsWith("%PDF"));
        CHECK(bytes.count("/Type /Page\n") + bytes.count("/Type /Page ") +
                  bytes.count("/Type /Page>") >=
              static_cast<qsizetype>(r.value().pages.size()));
        Result<QStringList> pngs =
            report::writeSitrep(r.value(), dir.filePath(QStringLiteral("sitrep.png")), {});
        REQUIRE(pngs.ok());
        CHECK(pngs.value().size() == static_cast<qsizetype>(r.value().pages.size()));
    }

    SECTION("one SECRET incident in the week raises the banner of every page") {
        {
            auto store = store::MissionStore::open(path, store::MissionStore::Access::ReadWrite);
            REQUIRE(store.ok());
            store::Incident secret;
            secret.title = QStringLiteral("EXERCISE - source report");
            secret.category = QStringLiteral("ied");
            secret.severity = store::Severity::High;
            secret.observedAt = now.addDays(-2);
            secret.location = {-0.05, 16.27};
            secret.marking = {QStringLiteral("SECRET"), QStringLiteral("REL TO FRA")};
            secret.exercise = true;
            REQUIRE(store.value().addIncident(secret).ok());
        }
        auto scene = render::loadScene(path);
        REQUIRE(scene.ok());
        Result<report::Sitrep> r = report::composeSitrep(*scene.value(), options);
        REQUIRE(r.ok());
        CHECK_THAT(r.value().banner.toStdString(), Contains("SECRET"));
        CHECK(bannersOnEveryPage(r.value()));

        // The same incident outside the period is not in the report and does not mark it.
        report::SitrepOptions before;
        before.from = now.addDays(-10);
        before.to = now.addDays(-2).addSecs(-3600);
        Result<report::Sitrep> earlier = report::composeSitrep(*scene.value(), before);
        REQUIRE(earlier.ok());
        CHECK_THAT(earlier.value().banner.toStdString(), !Contains("SECRET"));
    }

    SECTION("a period that ends before it starts is refused") {
        auto scene = render::loadScene(path);
        REQUIRE(scene.ok());
        options.from = now;
        options.to = now.addDays(-1);
        Result<report::Sitrep> r = report::composeSitrep(*scene.value(), options);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.errorMessage().toStdString(), Contains("--from before --to"));
    }
}

TEST_CASE("The command line analyses a mission and writes its SITREP", "[report][cli]") {
    QTemporaryDir dir;
    const QString path = copyDemo(dir);
    const QString cli = qEnvironmentVariable("TESSERA_CLI");
    auto run = [&](const QStringList& args, QString* output = nullptr) {
        QProcess p;
        p.start(cli, args);
        REQUIRE(p.waitForFinished(300000));
        if (output)
            *output = QString::fromUtf8(p.readAllStandardOutput());
        INFO(p.readAllStandardError().toStdString());
        return p.exitCode();
    };
    REQUIRE(run({QStringLiteral("analyse"), QStringLiteral("exercise-history"), path,
                 QStringLiteral("--incidents"), QStringLiteral("1500")}) == 0);
    QString out;
    REQUIRE(run({QStringLiteral("analyse"), QStringLiteral("hotspots"), path,
                 QStringLiteral("--cell"), QStringLiteral("4000"), QStringLiteral("--layer")},
                &out) == 0);
    CHECK_THAT(out.toStdString(), Contains("hot spot") && Contains("is in the mission"));
    auto stored = store::MissionStore::load(path);
    REQUIRE(stored.ok());
    bool layer = false;
    for (const store::LayerSpec& l : stored.value().layers)
        layer = layer || l.name == QLatin1String("Emerging hot spots");
    CHECK(layer);

    REQUIRE(run({QStringLiteral("analyse"), QStringLiteral("near-repeat"), path,
                 QStringLiteral("--permutations"), QStringLiteral("99")},
                &out) == 0);
    CHECK_THAT(out.toStdString(), Contains("observed") && Contains("ratio"));
    REQUIRE(run({QStringLiteral("analyse"), QStringLiteral("unusual"), path}, &out) == 0);
    CHECK_THAT(out.toStdString(), Contains("busier than usual"));

    const QString pdf = dir.filePath(QStringLiteral("week.pdf"));
    REQUIRE(run({QStringLiteral("sitrep"), path, QStringLiteral("--out"), pdf}, &out) == 0);
    CHECK(test::readAll(pdf).startsWith("%PDF"));

    // Bad input: a cell size that makes a cube too large says what to change, and writes nothing.
    const QByteArray before = test::fileHash(path);
    CHECK(run({QStringLiteral("analyse"), QStringLiteral("hotspots"), path,
               QStringLiteral("--cell"), QStringLiteral("1"), QStringLiteral("--steps"),
               QStringLiteral("52"), QStringLiteral("--layer")}) == 1);
    CHECK(test::fileHash(path) == before);
}

TEST_CASE("A releasable SITREP holds nothing its recipient may not have", "[report][release]") {
    // The adversary reads the report meant for NLD: it must not learn of the French source
    // report, not by a count, a hot spot, a region's tally or the banner.
    QTemporaryDir dir;
    const QString path = copyDemo(dir);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QString secretUuid;
    {
        auto store = store::MissionStore::open(path, store::MissionStore::Access::ReadWrite);
        REQUIRE(store.ok());
        interop::ExerciseHistoryOptions history;
        history.incidents = 1200;
        history.end = now;
        REQUIRE(interop::addExerciseHistory(store.value(), history).ok());
        // Forty French-only reports in one place this week: a hot spot of their own, a surge in
        // Gao's tally, and SECRET on the banner, were they to leak.
        for (int k = 0; k < 40; ++k) {
            store::Incident secret;
            secret.title = QStringLiteral("EXERCISE - French source report %1").arg(k);
            secret.category = QStringLiteral("ied");
            secret.severity = store::Severity::Critical;
            secret.observedAt = now.addSecs(-3600 * (k + 1));
            secret.location = {-0.05 + 0.001 * k, 16.27};
            secret.marking = {QStringLiteral("SECRET"), QStringLiteral("REL TO FRA")};
            secret.exercise = true;
            REQUIRE(store.value().addIncident(secret).ok());
            secretUuid = secret.uuid;
        }
    }
    auto scene = render::loadScene(path);
    REQUIRE(scene.ok());
    report::SitrepOptions options;
    options.to = now;
    options.from = now.addDays(-7);
    const Result<report::Sitrep> full = report::composeSitrep(*scene.value(), options);
    REQUIRE(full.ok());
    REQUIRE(full.value().shownIncidents.contains(secretUuid));
    REQUIRE_THAT(full.value().banner.toStdString(), Contains("SECRET"));

    share::StationProfile nld;
    nld.stationName = QStringLiteral("NLD BATTALION");
    nld.organisation = QStringLiteral("NLD");
    nld.communities = {QStringLiteral("EXERCISE PARTICIPANTS")};
    nld.clearance = store::Classification::Secret; // cleared high, but not on the REL TO line
    options.releasable = share::ReleasePolicy::filterFor(nld);
    options.recipient = QStringLiteral("NLD BATTALION");
    const Result<report::Sitrep> forNld = report::composeSitrep(*scene.value(), options);
    REQUIRE(forNld.ok());
    CHECK_FALSE(forNld.value().shownIncidents.contains(secretUuid));
    CHECK(forNld.value().incidents == full.value().incidents - 40);
    CHECK(forNld.value().withheld >= 40);
    CHECK_THAT(forNld.value().banner.toStdString(), !Contains("SECRET"));
    CHECK(bannersOnEveryPage(forNld.value()));
    // The analyses ran on what NLD may have: the French cluster is no hot spot of its report.
    CHECK(forNld.value().hotSpots != full.value().hotSpots);
    // Every page differs from the full report's: nothing was painted from the withheld records.
    REQUIRE_FALSE(forNld.value().pages.empty());
    CHECK(forNld.value().pages.front() != full.value().pages.front());
}

TEST_CASE("A releasable SITREP shows sanitised versions where the marking offers them",
          "[report][release][sanitised]") {
    QTemporaryDir dir;
    const QString path = copyDemo(dir);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QList<store::Incident> originals;
    {
        auto store = store::MissionStore::open(path, store::MissionStore::Access::ReadWrite);
        REQUIRE(store.ok());
        for (int k = 0; k < 12; ++k) {
            store::Incident i;
            i.title = QStringLiteral("EXERCISE - ambush at the KESTREL well %1").arg(k);
            i.category = QStringLiteral("ied");
            i.severity = store::Severity::Critical;
            i.observedAt = now.addSecs(-3600 * (k + 1));
            i.location = {-0.0432 + 0.0013 * k, 16.2718 + 0.0007 * k};
            i.narrative = QStringLiteral("NIGHTJAR says so");
            i.source = QStringLiteral("HUMINT");
            i.marking = {QStringLiteral("SECRET"),
                         QStringLiteral("REL TO FRA // SANITISED UNCLASSIFIED REL TO EXERCISE "
                                        "PARTICIPANTS: GRID 10 KM, WITHHOLD NARRATIVE, WITHHOLD "
                                        "SOURCE, WITHHOLD TITLE")};
            i.exercise = true;
            REQUIRE(store.value().addIncident(i).ok());
            originals.append(i);
        }
    }
    auto scene = render::loadScene(path);
    REQUIRE(scene.ok());
    report::SitrepOptions options;
    options.to = now;
    options.from = now.addDays(-7);
    share::StationProfile nld;
    nld.stationName = QStringLiteral("NLD BATTALION");
    nld.organisation = QStringLiteral("NLD");
    nld.communities = {QStringLiteral("EXERCISE PARTICIPANTS")};
    nld.clearance = store::Classification::Secret;
    options.releasable = share::ReleasePolicy::filterFor(nld);
    options.recipient = nld.stationName;
    const Result<report::Sitrep> r = report::composeSitrep(*scene.value(), options);
    REQUIRE(r.ok());
    CHECK(r.value().sanitised == 12);
    CHECK_THAT(r.value().banner.toStdString(), !Contains("SECRET"));
    int found = 0;
    for (const store::Incident& original : originals)
        for (const store::Incident& shown : r.value().shownVersions)
            if (shown.uuid == original.uuid) {
                ++found;
                CHECK(shown.title == QLatin1String("ied (title withheld)"));
                CHECK(shown.narrative.isEmpty());
                CHECK(shown.source.isEmpty());
                CHECK(shown.marking.classification == QLatin1String("UNCLASSIFIED"));
                CHECK(shown.location == geo::geodesy::mgrsSquare(original.location, 10)->centre);
            }
    CHECK(found == 12);
    for (const store::Incident& shown : r.value().shownVersions)
        CHECK_FALSE(shown.title.contains(QStringLiteral("KESTREL")));

    SECTION("control: FRA has them in full, under the SECRET banner") {
        share::StationProfile fra = nld;
        fra.organisation = QStringLiteral("FRA");
        options.releasable = share::ReleasePolicy::filterFor(fra);
        const Result<report::Sitrep> full = report::composeSitrep(*scene.value(), options);
        REQUIRE(full.ok());
        CHECK(full.value().sanitised == 0);
        CHECK_THAT(full.value().banner.toStdString(), Contains("SECRET"));
    }
}
