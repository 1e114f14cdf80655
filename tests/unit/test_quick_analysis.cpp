// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// The analyses in the app (quick/AnalysisModel): on a copy of the demo with an exercise history,
// emerging hot spots and near repeats become layers of the mission with their legend, unusual
// activity is listed, and a refusal is said without touching the map.
#include "TestSupport.h"
#include "interop/ExerciseHistory.h"
#include "quick/AnalysisModel.h"
#include "quick/LegendModel.h"
#include "render/VectorLayer.h"
#include "share/ContactBook.h"
#include "share/Identity.h"
#include "store/MissionStore.h"
#include "store/Situation.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUrl>

#include <catch2/catch.hpp>

using namespace tessera;
using namespace tessera::quick;
using Catch::Matchers::Contains;

namespace {

bool loaded(MissionController& m) {
    return test::waitUntil([&] {
        return m.status() == MissionController::Status::Ready ||
               m.status() == MissionController::Status::Failed;
    });
}

QString copyDemo(const QTemporaryDir& dir) {
    const QString copy = dir.filePath(QStringLiteral("demo"));
    REQUIRE(QProcess::execute(
                QStringLiteral("cp"),
                {QStringLiteral("-r"), QFileInfo(test::demoMission()).absolutePath(), copy}) == 0);
    return copy + QStringLiteral("/mali-exercise.tessera");
}

const render::LoadedLayer* layerNamed(const MissionController& m, const QString& name) {
    for (const render::LoadedLayer& l : m.scene()->layers)
        if (l.spec.name == name)
            return &l;
    return nullptr;
}

int layersNamed(const MissionController& m, const QString& name) {
    int n = 0;
    for (const render::LoadedLayer& l : m.scene()->layers)
        n += l.spec.name == name;
    return n;
}

} // namespace

TEST_CASE("Analyses in the app become layers of the mission with their legend",
          "[quick][analysis]") {
    QTemporaryDir dir;
    const QString path = copyDemo(dir);
    {
        auto store = store::MissionStore::open(path, store::MissionStore::Access::ReadWrite);
        REQUIRE(store.ok());
        interop::ExerciseHistoryOptions options;
        options.incidents = 2000;
        REQUIRE(interop::addExerciseHistory(store.value(), options).ok());
    }
    MissionController mission;
    AnalysisModel analysis;
    LegendModel legend;
    analysis.setMission(&mission);
    legend.setMission(&mission);
    mission.setPath(path);
    REQUIRE(loaded(mission));
    REQUIRE(mission.status() == MissionController::Status::Ready);
    const int layersBefore = static_cast<int>(mission.scene()->layers.size());

    // The planted surge of the last week is listed as unusual, busier than usual.
    REQUIRE(test::waitUntil([&] { return !analysis.unusual().isEmpty(); }));
    bool busy = false;
    for (const QVariant& row : analysis.unusual())
        busy = busy || row.toMap().value(QStringLiteral("busy")).toBool();
    CHECK(busy);

    QSignalSpy finished(&analysis, &AnalysisModel::finished);
    analysis.runHotSpots();
    CHECK(analysis.busy()); // on a worker: the call returned at once
    REQUIRE(test::waitUntil([&] { return finished.count() == 1; }, 120000));
    INFO(analysis.hotSpotSummary().toStdString());
    CHECK_FALSE(analysis.busy());
    const render::LoadedLayer* hot = layerNamed(mission, QStringLiteral("Emerging hot spots"));
    REQUIRE(hot);
    REQUIRE_FALSE(hot->isBroken());
    const auto* cells = dynamic_cast<const render::VectorLayer*>(hot->layer.get());
    REQUIRE(cells);
    REQUIRE_FALSE(cells->classCounts().empty());
    CHECK(static_cast<int>(mission.scene()->layers.size()) == layersBefore + 1);
    // The legend keys the patterns the layer holds, with their cells.
    int classRows = 0;
    for (int row = 0; row < legend.rowCount(); ++row)
        if (legend.data(legend.index(row), LegendModel::KindRole).toString() ==
            QLatin1String("class")) {
            ++classRows;
            CHECK(legend.data(legend.index(row), LegendModel::LabelRole)
                      .toString()
                      .contains(QStringLiteral(" spot")));
        }
    CHECK(classRows == static_cast<int>(cells->classCounts().size()));

    // Again: the result replaces the layer, it does not stack a second one; and it is saved.
    analysis.runHotSpots();
    REQUIRE(test::waitUntil([&] { return finished.count() == 2; }, 120000));
    CHECK(layersNamed(mission, QStringLiteral("Emerging hot spots")) == 1);
    REQUIRE(test::waitUntil([&] {
        auto stored = store::MissionStore::load(path);
        if (!stored)
            return false;
        int n = 0;
        for (const store::LayerSpec& l : stored.value().layers)
            n += l.name == QLatin1String("Emerging hot spots");
        return n == 1;
    }));

    // Near repeats of the first category (the planted repeats): a table and risk rings.
    analysis.runNearRepeat(analysis.categories().value(0));
    REQUIRE(test::waitUntil([&] { return finished.count() == 3; }, 120000));
    INFO(analysis.nearRepeatSummary().toStdString());
    // The whole Knox table: four distance bands by three time bands, the nearest first.
    const QVariantList knox = analysis.nearRepeatRows();
    REQUIRE(knox.size() == 12);
    const QVariantMap nearest = knox.first().toMap();
    CHECK(nearest.value(QStringLiteral("distance")).toString() == QStringLiteral("0–250 m"));
    CHECK(nearest.value(QStringLiteral("days")).toString() == QStringLiteral("0–7 d"));
    CHECK(knox.at(1).toMap().value(QStringLiteral("days")).toString() == QStringLiteral("7–14 d"));
    CHECK(knox.at(3).toMap().value(QStringLiteral("distance")).toString() ==
          QStringLiteral("250–500 m"));
    // Each cell says what it is made of: its ratio is its observed over its expected pairs, and
    // it is marked significant only for an excess with p <= 0.05.
    for (const QVariant& v : knox) {
        const QVariantMap c = v.toMap();
        const double expected = c.value(QStringLiteral("expected")).toDouble();
        if (expected > 0)
            CHECK(c.value(QStringLiteral("ratio")).toDouble() ==
                  Approx(c.value(QStringLiteral("observed")).toDouble() / expected));
        CHECK(c.value(QStringLiteral("significant")).toBool() ==
              (c.value(QStringLiteral("p")).toDouble() <= 0.05 &&
               c.value(QStringLiteral("ratio")).toDouble() > 1));
    }

    // The SITREP of the window, written on a worker.
    const QString pdf = QFileInfo(path).absoluteDir().filePath(QStringLiteral("week.pdf"));
    analysis.writeSitrep(QUrl::fromLocalFile(pdf));
    REQUIRE(test::waitUntil([&] { return finished.count() == 4; }, 120000));
    INFO(analysis.sitrepMessage().toStdString());
    CHECK(analysis.sitrepMessage().startsWith(QStringLiteral("SITREP written")));
    CHECK(test::readAll(pdf).startsWith("%PDF"));
    // A place it cannot write to: said, not thrown.
    analysis.writeSitrep(QUrl::fromLocalFile(QStringLiteral("/nonexistent/dir/week.pdf")));
    REQUIRE(test::waitUntil([&] { return finished.count() == 5; }, 120000));
    CHECK(analysis.sitrepMessage().startsWith(QStringLiteral("SITREP not written")));
}

TEST_CASE("An analysis that refuses says why and leaves the map as it was", "[quick][analysis]") {
    MissionController mission;
    AnalysisModel analysis;
    analysis.setMission(&mission);
    mission.setPath(test::demoMission());
    REQUIRE(loaded(mission));
    const int layersBefore = static_cast<int>(mission.scene()->layers.size());
    // Cells of 10 m over a handful of weeks: the demo's few incidents cannot make a cube.
    analysis.setProperty("cellMetres", 10.0);
    analysis.setProperty("steps", 1);
    QSignalSpy finished(&analysis, &AnalysisModel::finished);
    analysis.runHotSpots();
    REQUIRE(test::waitUntil([&] { return finished.count() == 1; }, 60000));
    CHECK_THAT(analysis.hotSpotSummary().toStdString(), Contains("at least 5 steps"));
    CHECK(static_cast<int>(mission.scene()->layers.size()) == layersBefore);
}

TEST_CASE("A layer made from records raises the banner to their markings", "[analysis][banner]") {
    store::MissionSnapshot mission;
    mission.info.marking = {QStringLiteral("UNCLASSIFIED"), {}};
    store::LayerSpec layer;
    layer.name = QStringLiteral("Emerging hot spots");
    layer.kind = store::LayerKind::Vector;
    layer.style = QStringLiteral(
        R"({"markings": [{"classification": "SECRET", "releasability": "REL TO FRA"}]})");
    mission.layers.append(layer);
    const store::CombinedMarking shown = store::shownMarking(mission, {-180, -90, 180, 90}, {});
    CHECK_THAT(shown.banner().toStdString(), Contains("SECRET") && Contains("REL TO FRA"));
    // Hidden, it shows nothing and adds nothing.
    mission.layers[0].visible = false;
    CHECK_THAT(store::shownMarking(mission, {-180, -90, 180, 90}, {}).banner().toStdString(),
               !Contains("SECRET"));
}

TEST_CASE("A SITREP made in the app for a contact is its releasable version",
          "[quick][analysis][release]") {
    QTemporaryDir dir;
    const QString path = copyDemo(dir);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    {
        auto store = store::MissionStore::open(path, store::MissionStore::Access::ReadWrite);
        REQUIRE(store.ok());
        store::Incident secret;
        secret.title = QStringLiteral("EXERCISE - French source report");
        secret.category = QStringLiteral("ied");
        secret.severity = store::Severity::Critical;
        secret.observedAt = now.addSecs(-3600);
        secret.location = {-0.05, 16.27};
        secret.marking = {QStringLiteral("SECRET"), QStringLiteral("REL TO FRA")};
        secret.exercise = true;
        REQUIRE(store.value().addIncident(secret).ok());
        store::Incident offered = secret;
        offered.uuid.clear();
        offered.title = QStringLiteral("EXERCISE - ambush, informant KESTREL");
        offered.marking = {QStringLiteral("SECRET"),
                           QStringLiteral("REL TO FRA // SANITISED UNCLASSIFIED REL TO EXERCISE "
                                          "PARTICIPANTS: GRID 10 KM, WITHHOLD TITLE")};
        REQUIRE(store.value().addIncident(offered).ok());
    }
    // This station's identity and a contact book trusting NLD.
    Result<share::Identity> station = share::Identity::create(
        {QStringLiteral("FRA JOC"), QStringLiteral("FRA"), {}, store::Classification::Secret, {}});
    Result<share::Identity> nld =
        share::Identity::create({QStringLiteral("NLD BATTALION"),
                                 QStringLiteral("NLD"),
                                 {QStringLiteral("EXERCISE PARTICIPANTS")},
                                 store::Classification::Secret,
                                 {}});
    REQUIRE(station.ok());
    REQUIRE(nld.ok());
    const QString identityPath = dir.filePath(QStringLiteral("identity.tessera-id"));
    const QString contactsPath = dir.filePath(QStringLiteral("contacts.cbor"));
    const Status saved =
        station.value().save(identityPath, QByteArrayLiteral("correct horse battery staple 42"));
    INFO((saved ? QString() : saved.error().message).toStdString());
    REQUIRE(saved.ok());
    Result<share::ContactBook> book =
        share::ContactBook::load(contactsPath, station.value().card());
    REQUIRE(book.ok());
    REQUIRE(book.value().importCard(nld.value().card(), nld.value().card().fingerprintText()).ok());
    REQUIRE(book.value().save(station.value()).ok());

    MissionController mission;
    AnalysisModel analysis;
    analysis.setMission(&mission);
    mission.setPath(path);
    REQUIRE(loaded(mission));
    QSignalSpy finished(&analysis, &AnalysisModel::finished);
    const QString png = dir.filePath(QStringLiteral("for-nld.png"));
    analysis.writeSitrep(QUrl::fromLocalFile(png),
                         QString::fromLatin1(nld.value().fingerprint().toHex()), identityPath,
                         contactsPath);
    REQUIRE(test::waitUntil([&] { return finished.count() == 1; }, 120000));
    const std::string message = analysis.sitrepMessage().toStdString();
    INFO(message);
    CHECK_THAT(message, Contains("SITREP written"));
    CHECK_THAT(message, Contains("for NLD BATTALION"));
    CHECK_THAT(message, Contains("1 sanitised"));
    CHECK_THAT(message, !Contains("SECRET"));
    CHECK(QFileInfo::exists(dir.filePath(QStringLiteral("for-nld-1.png"))));

    // A fingerprint the book does not trust: said, nothing written.
    analysis.writeSitrep(QUrl::fromLocalFile(dir.filePath(QStringLiteral("nobody.pdf"))),
                         QStringLiteral("00ff00ff00ff00ff"), identityPath, contactsPath);
    REQUIRE(test::waitUntil([&] { return finished.count() == 2; }, 120000));
    CHECK_THAT(analysis.sitrepMessage().toStdString(), Contains("not a trusted contact"));
    CHECK_FALSE(QFileInfo::exists(dir.filePath(QStringLiteral("nobody.pdf"))));
}
