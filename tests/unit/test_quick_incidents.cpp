// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
//
// The analyst's incident desk behind the QML: the list and its filters (IncidentListModel), the
// form (IncidentEditor) and the selection shared with the map (MissionController, MapItem).
#include "TestSupport.h"
#include "interop/RegionCounts.h"
#include "quick/AnnotationDraft.h"
#include "quick/EditHistory.h"
#include "quick/FileChoices.h"
#include "quick/FormTime.h"
#include "quick/HotspotModel.h"
#include "quick/IncidentEditor.h"
#include "quick/IncidentListModel.h"
#include "quick/LegendModel.h"
#include "quick/MapItem.h"
#include "quick/MissionController.h"
#include "quick/SituationModel.h"
#include "quick/TimeBar.h"
#include "render/MapProduct.h"
#include "render/OverlayPainter.h"
#include "render/Palette.h"
#include "store/MarkingGrammar.h"
#include "store/MissionStore.h"
#include "store/Situation.h"
#include "store/TimeWindow.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QQuickWindow>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QtConcurrent/QtConcurrentRun>

#include <catch2/catch.hpp>

#include <numeric>

using namespace tessera;
using namespace tessera::quick;

namespace {

store::Incident incident(const QString& title, const QString& category, store::Severity severity,
                         store::IncidentStatus status, const QDateTime& observed, geo::GeoPoint at,
                         const QString& narrative = {}) {
    store::Incident i;
    i.title = title;
    i.category = category;
    i.severity = severity;
    i.status = status;
    i.observedAt = observed;
    i.location = at;
    i.reliability = QStringLiteral("B");
    i.credibility = 2;
    i.narrative = narrative;
    i.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
    return i;
}

/// A mission of four incidents around Gao, the newest observed an hour ago, and their uuids by
/// title.
QHash<QString, QString> createMission(const QString& path) {
    store::MissionInfo info;
    info.name = QStringLiteral("Desk");
    info.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
    info.initialView = {-0.3, 16.0, 0.3, 16.5};
    auto created = store::MissionStore::create(path, info);
    REQUIRE(created.ok());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QList<store::Incident> rows{
        incident(QStringLiteral("Roadblock on the RN16"), QStringLiteral("crime"),
                 store::Severity::Medium, store::IncidentStatus::Reported, now.addSecs(-3600),
                 {0.05, 16.27}, QStringLiteral("Armed men stop lorries at the bridge")),
        incident(QStringLiteral("Mortar fire on the camp"), QStringLiteral("indirect_fire"),
                 store::Severity::Critical, store::IncidentStatus::Confirmed,
                 now.addSecs(-3 * 3600), {-0.04, 16.29}),
        incident(QStringLiteral("Market fire"), QStringLiteral("humanitarian"),
                 store::Severity::Low, store::IncidentStatus::Resolved, now.addDays(-3),
                 {0.0, 16.26}, QStringLiteral("A fire in the market, no casualties")),
        incident(QStringLiteral("Convoy ambushed north of Gao"), QStringLiteral("ambush"),
                 store::Severity::High, store::IncidentStatus::Confirmed, now.addDays(-10),
                 {0.1, 16.4}),
    };
    QHash<QString, QString> uuids;
    for (store::Incident& i : rows) {
        REQUIRE(store::incidentProblems(i).isEmpty());
        REQUIRE(created.value().addIncident(i).ok());
        uuids.insert(i.title, i.uuid);
    }
    return uuids;
}

bool loaded(MissionController& m) {
    return test::waitUntil(
        [&] { return m.status() == MissionController::Status::Ready && m.records() != nullptr; });
}

/// Waits for the list's answer to the newest question and returns the listed titles.
QStringList listed(IncidentListModel& list) {
    REQUIRE(test::waitUntil([&] { return !list.loading(); }));
    QStringList titles;
    for (int row = 0; row < list.rowCount(); ++row)
        titles << list.data(list.index(row), IncidentListModel::TitleRole).toString();
    return titles;
}

/// The incident as the mission file holds it, read on a connection of the test's own.
store::Incident stored(const QString& path, const QString& uuid) {
    auto m = store::MissionStore::open(path, store::MissionStore::Access::ReadOnly);
    REQUIRE(m.ok());
    auto found = m.value().incident(uuid);
    REQUIRE(found.ok());
    return found.value();
}

/// The mission of createMission() in a temporary folder, opened by a MissionController.
struct Desk {
    QTemporaryDir dir;
    QString path = dir.filePath(QStringLiteral("desk.tessera"));
    QHash<QString, QString> uuids = createMission(path);
    MissionController mission;
    Desk() {
        mission.setPath(path);
        REQUIRE(loaded(mission));
    }
};

/// The map item in an 800x600 window on the offscreen platform, following `mission`.
struct MapOn {
    QQuickWindow window;
    MapItem* map = new MapItem(window.contentItem());
    explicit MapOn(MissionController& mission) {
        window.resize(800, 600);
        map->setSize(QSizeF(800, 600));
        map->setMission(&mission);
        window.show();
    }
};

qint64 storedCount(const QString& path) {
    auto m = store::MissionStore::open(path, store::MissionStore::Access::ReadOnly);
    REQUIRE(m.ok());
    auto all = m.value().incidents();
    REQUIRE(all.ok());
    return all.value().size();
}

} // namespace

TEST_CASE("The incident list filters by words and severity and status and category and time",
          "[quick][incidents]") {
    Desk desk;
    MissionController& mission = desk.mission;
    IncidentListModel list;
    list.setMission(&mission);

    // Newest first, all of them.
    CHECK(listed(list) == QStringList{QStringLiteral("Roadblock on the RN16"),
                                      QStringLiteral("Mortar fire on the camp"),
                                      QStringLiteral("Market fire"),
                                      QStringLiteral("Convoy ambushed north of Gao")});
    CHECK(list.total() == 4);

    SECTION("words: titles and narratives, every word, prefixes") {
        list.setText(QStringLiteral("fire"));
        CHECK(listed(list) == QStringList{QStringLiteral("Mortar fire on the camp"),
                                          QStringLiteral("Market fire")});
        list.setText(QStringLiteral("fire casualties"));
        CHECK(listed(list) == QStringList{QStringLiteral("Market fire")});
        list.setText(QStringLiteral("lorr*"));
        CHECK(listed(list) == QStringList{QStringLiteral("Roadblock on the RN16")});
        list.setText(QStringLiteral("nothing-like-this"));
        CHECK(listed(list).isEmpty());
        CHECK(list.total() == 0);
    }
    SECTION("severity, status and category lists") {
        list.setSeverities({QStringLiteral("critical"), QStringLiteral("high")});
        CHECK(listed(list) == QStringList{QStringLiteral("Mortar fire on the camp"),
                                          QStringLiteral("Convoy ambushed north of Gao")});
        list.setStatuses({QStringLiteral("confirmed")});
        list.setCategories({QStringLiteral("ambush")});
        CHECK(listed(list) == QStringList{QStringLiteral("Convoy ambushed north of Gao")});
        list.setSeverities({});
        list.setStatuses({QStringLiteral("resolved")});
        list.setCategories({});
        CHECK(listed(list) == QStringList{QStringLiteral("Market fire")});
    }
    SECTION("a window back from now, and from and to") {
        list.setLastHours(24);
        CHECK(listed(list) == QStringList{QStringLiteral("Roadblock on the RN16"),
                                          QStringLiteral("Mortar fire on the camp")});
        list.setLastHours(24 * 7);
        CHECK(listed(list).size() == 3);
        list.setLastHours(0);
        list.setTo(QDateTime::currentDateTimeUtc().addDays(-2));
        CHECK(listed(list) == QStringList{QStringLiteral("Market fire"),
                                          QStringLiteral("Convoy ambushed north of Gao")});
    }
    SECTION("a page smaller than the matches still counts them all") {
        list.setLimit(2);
        CHECK(listed(list).size() == 2);
        CHECK(list.total() == 4);
    }
    SECTION("quick changes are asked once, and only the newest answer shows") {
        QSignalSpy answered(&list, &IncidentListModel::rowsChanged);
        REQUIRE(test::waitUntil([&] { return !list.loading(); }));
        answered.clear();
        for (const char* typed : {"m", "ma", "mar", "mark", "marke", "market"})
            list.setText(QString::fromLatin1(typed));
        CHECK(listed(list) == QStringList{QStringLiteral("Market fire")});
        QTest::qWait(300);
        CHECK(answered.count() == 1);
    }
}

TEST_CASE("The incident form refuses bad input field by field and writes nothing",
          "[quick][incidents]") {
    Desk desk;
    MissionController& mission = desk.mission;
    const QString& path = desk.path;
    IncidentEditor editor;
    editor.setMission(&mission);

    editor.startNew(0.02, 16.28);
    CHECK(editor.active());
    CHECK(editor.uuid().isEmpty());
    // The mission's marking is the default.
    CHECK(editor.property("classification").toString() == QStringLiteral("UNCLASSIFIED"));
    CHECK(editor.property("releasability").toString() == QStringLiteral("REL TO UN"));

    editor.setProperty("title", QStringLiteral("   "));
    editor.setProperty("lat", QStringLiteral("95"));
    editor.setProperty("lon", QStringLiteral("east of Gao"));
    editor.setProperty("observedAt", QDateTime::currentDateTimeUtc().addSecs(3 * 3600).toString(
                                         QStringLiteral("yyyy-MM-dd HH:mm")));
    editor.setProperty("classification", QString());
    CHECK_FALSE(editor.save());
    const QVariantMap problems = editor.problems();
    CHECK(problems.value(QStringLiteral("title")).toString() ==
          QStringLiteral("the title is empty"));
    CHECK(problems.value(QStringLiteral("lat")).toString().contains(QStringLiteral("outside -90")));
    CHECK(
        problems.value(QStringLiteral("lon")).toString().contains(QStringLiteral("not a number")));
    CHECK(
        problems.value(QStringLiteral("observedAt")).toString().contains(QStringLiteral("future")));
    CHECK(problems.value(QStringLiteral("classification"))
              .toString()
              .contains(QStringLiteral("no classification")));
    CHECK(problems.size() == 5);
    CHECK_FALSE(editor.busy());
    QTest::qWait(100);
    CHECK(storedCount(path) == 4);

    // A time a few minutes ahead (a laptop's clock) is fine; a malformed one is not.
    editor.setProperty("observedAt", QStringLiteral("27/11/2026"));
    editor.setProperty("title", QStringLiteral("Shots heard near the ferry"));
    editor.setProperty("lat", QStringLiteral("16,281"));
    editor.setProperty("lon", QStringLiteral("0.031"));
    editor.setProperty("classification", QStringLiteral("UNCLASSIFIED"));
    CHECK_FALSE(editor.save());
    CHECK(editor.problems().keys() == QStringList{QStringLiteral("observedAt")});
    CHECK(editor.problems()
              .value(QStringLiteral("observedAt"))
              .toString()
              .contains(QStringLiteral("not a time")));

    const QDateTime observed = QDateTime::currentDateTimeUtc().addSecs(120);
    editor.setProperty("observedAt", observed.toString(QStringLiteral("yyyy-MM-dd HH:mm")));
    // Markings outside the grammar are refused beside their field (issue 17: the form saved
    // "TOP SECRET" and "RELEASABLE TO FRA", which every reader then withholds or misreads).
    editor.setProperty("classification", QStringLiteral("TOP SECRET"));
    CHECK_FALSE(editor.save());
    CHECK(editor.problems().keys() == QStringList{QStringLiteral("classification")});
    editor.setProperty("classification", QStringLiteral("SECRET"));
    editor.setProperty("releasability", QStringLiteral("RELEASABLE TO FRA"));
    CHECK_FALSE(editor.save());
    CHECK(editor.problems().keys() == QStringList{QStringLiteral("releasability")});
    editor.setProperty("releasability", QString::fromUtf8("REL TO u\xc5\xbf"
                                                          "a"));
    CHECK_FALSE(editor.save());
    CHECK(editor.problems().keys() == QStringList{QStringLiteral("releasability")});
    QTest::qWait(100);
    CHECK(storedCount(path) == 4);
    // A valid one is saved in the grammar's canonical form.
    editor.setProperty("classification", QStringLiteral("unclassified"));
    editor.setProperty("releasability", QStringLiteral("rel to un,  fra"));
    editor.setProperty("severity", QStringLiteral("high"));
    editor.setProperty("category", QStringLiteral("armed_clash"));
    editor.setProperty("narrative", QStringLiteral("Bursts of automatic fire by the river"));
    QSignalSpy saved(&editor, &IncidentEditor::saved);
    REQUIRE(editor.save());
    CHECK(editor.problems().isEmpty());
    REQUIRE(test::waitUntil([&] { return saved.count() == 1; }));
    CHECK(editor.error().isEmpty());
    const QString uuid = saved.at(0).at(0).toString();
    CHECK(editor.uuid() == uuid);
    CHECK(mission.selectedIncident() == uuid);

    const store::Incident s = stored(path, uuid);
    CHECK(s.title == QStringLiteral("Shots heard near the ferry"));
    CHECK(s.severity == store::Severity::High);
    CHECK(s.category == QStringLiteral("armed_clash"));
    CHECK(s.location.lat == Approx(16.281));
    CHECK(s.location.lon == Approx(0.031));
    CHECK(s.marking.classification == QStringLiteral("UNCLASSIFIED"));
    CHECK(s.marking.releasability == QStringLiteral("REL TO FRA, UN"));
    CHECK(s.observedAt == QDateTime(observed.date(),
                                    QTime(observed.time().hour(), observed.time().minute()),
                                    Qt::UTC));
    CHECK(storedCount(path) == 5);
    // The map shows it once the records are read again.
    REQUIRE(test::waitUntil([&] { return mission.incidentCount() == 5; }));

    SECTION("edited again: replaced whole, and refused whole") {
        IncidentEditor other;
        other.setMission(&mission);
        other.edit(uuid);
        REQUIRE(test::waitUntil([&] { return other.active() && !other.busy(); }));
        CHECK(other.property("title").toString() == s.title);
        CHECK(other.property("lat").toString() == QStringLiteral("16.28100"));
        other.setProperty("status", QStringLiteral("confirmed"));
        other.setProperty("title", QString());
        CHECK_FALSE(other.save());
        QTest::qWait(100);
        CHECK(stored(path, uuid).status == store::IncidentStatus::Reported);
        other.setProperty("title", QStringLiteral("Exchange of fire near the ferry"));
        QSignalSpy otherSaved(&other, &IncidentEditor::saved);
        REQUIRE(other.save());
        REQUIRE(test::waitUntil([&] { return otherSaved.count() == 1; }));
        const store::Incident edited = stored(path, uuid);
        CHECK(edited.status == store::IncidentStatus::Confirmed);
        CHECK(edited.title == QStringLiteral("Exchange of fire near the ferry"));
        CHECK(edited.narrative == s.narrative);
        CHECK(edited.stamp.updated.value > s.stamp.updated.value);
        CHECK(storedCount(path) == 5);
    }
    SECTION("notes go to the thread, and the list finds the incident by them") {
        IncidentListModel list;
        list.setMission(&mission);
        list.setText(QStringLiteral("outboard"));
        CHECK(listed(list).isEmpty());
        QSignalSpy noted(&editor, &IncidentEditor::noteAdded);
        editor.setProperty("author", QStringLiteral("Capt. Diallo"));
        editor.addNote(QStringLiteral("Two pirogues with outboard motors seen leaving"));
        REQUIRE(test::waitUntil([&] { return noted.count() == 1; }));
        REQUIRE(editor.notes().size() == 1);
        CHECK(editor.notes().first().toMap().value(QStringLiteral("author")).toString() ==
              QStringLiteral("Capt. Diallo"));
        auto m = store::MissionStore::open(path, store::MissionStore::Access::ReadOnly);
        REQUIRE(m.ok());
        auto notes = m.value().notes(uuid);
        REQUIRE(notes.ok());
        REQUIRE(notes.value().size() == 1);
        CHECK(notes.value().first().text ==
              QStringLiteral("Two pirogues with outboard motors seen leaving"));
        // The list asks again by itself after a note.
        REQUIRE(test::waitUntil([&] { return list.rowCount() == 1; }));
        CHECK(list.data(list.index(0), IncidentListModel::UuidRole).toString() == uuid);
    }
}

TEST_CASE("A saved file takes the extension of the type chosen; dialogs open where the last "
          "file went",
          "[quick][files]") {
    const QStringList offered{QStringLiteral("pdf"), QStringLiteral("png")};
    auto saved = [&](const char* typed, const char* type) {
        return QFileInfo(FileChoices::withExtension(
                             QUrl::fromLocalFile(QStringLiteral("/tmp/x/") + QLatin1String(typed)),
                             {QString::fromLatin1(type)}, offered)
                             .toLocalFile())
            .fileName();
    };
    CHECK(saved("brief", "png") == QStringLiteral("brief.png"));
    // The PNG type chosen: a .pdf typed out of habit becomes .png (it once wrote a PDF).
    CHECK(saved("brief.pdf", "png") == QStringLiteral("brief.png"));
    CHECK(saved("brief.PNG", "png") == QStringLiteral("brief.PNG"));
    // An ending that is no offered type is part of the name.
    CHECK(saved("sitrep v1.2", "pdf") == QStringLiteral("sitrep v1.2.pdf"));
    // "All files": as typed.
    CHECK(FileChoices::withExtension(QUrl::fromLocalFile(QStringLiteral("/tmp/x/notes")), {},
                                     offered) ==
          QUrl::fromLocalFile(QStringLiteral("/tmp/x/notes")));

    QTemporaryDir home;
    QSettings().remove(QStringLiteral("dialogs/folder"));
    {
        FileChoices first;
        // Documents (or home when there is none) the first time, not the working directory.
        const QString documents =
            QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
        CHECK(first.folder().toLocalFile() ==
              (QFileInfo(documents).isDir() ? documents : QDir::homePath()));
        first.chosen(QUrl::fromLocalFile(home.filePath(QStringLiteral("week.pdf"))));
        CHECK(first.folder() == QUrl::fromLocalFile(home.path()));
        CHECK(FileChoices::exists(QUrl::fromLocalFile(home.path())));
        CHECK_FALSE(
            FileChoices::exists(QUrl::fromLocalFile(home.filePath(QStringLiteral("week.pdf")))));
    }
    // The next run opens there.
    FileChoices next;
    CHECK(next.folder() == QUrl::fromLocalFile(home.path()));
    QSettings().remove(QStringLiteral("dialogs/folder"));
}

TEST_CASE("Markings are chosen: levels of the grammar, REL TO from a list, a clause kept",
          "[quick][incidents][marking]") {
    IncidentEditor editor;
    CHECK(editor.classificationOptions() ==
          QStringList{QStringLiteral("UNCLASSIFIED"), QStringLiteral("RESTRICTED"),
                      QStringLiteral("CONFIDENTIAL"), QStringLiteral("SECRET")});
    editor.setProperty("classification", QStringLiteral("CONFIDENTIAL"));
    editor.setProperty("releasability", QStringLiteral("REL TO UN"));
    CHECK(editor.releasableTo() == QStringList{QStringLiteral("UN")});
    // Chosen in any order and case: the grammar's canonical line.
    editor.setReleasableTo({QStringLiteral("nld"), QStringLiteral("FRA"), QStringLiteral("UN"),
                            QStringLiteral("fra")});
    CHECK(editor.property("releasability").toString() == QStringLiteral("REL TO FRA, NLD, UN"));
    CHECK(editor.releasableTo() ==
          QStringList{QStringLiteral("FRA"), QStringLiteral("NLD"), QStringLiteral("UN")});
    // A sanitised clause stays as it was when the REL TO changes.
    editor.setProperty(
        "releasability",
        QStringLiteral("REL TO FRA // SANITISED UNCLASSIFIED REL TO UN: GRID 10 KM"));
    editor.setReleasableTo({QStringLiteral("FRA"), QStringLiteral("NLD")});
    const QString kept = editor.property("releasability").toString();
    Result<store::ParsedMarking> parsed =
        store::parseMarking({QStringLiteral("CONFIDENTIAL"), kept});
    REQUIRE(parsed.ok());
    CHECK(parsed.value().relTo == QStringList{QStringLiteral("FRA"), QStringLiteral("NLD")});
    REQUIRE(parsed.value().sanitised.has_value());
    CHECK(parsed.value().sanitised->gridKm == 10);
    CHECK(parsed.value().sanitised->relTo == QStringList{QStringLiteral("UN")});
    // None chosen: no REL TO line (the clause alone remains); a token outside the grammar's
    // alphabet is not offered to it.
    editor.setReleasableTo({QStringLiteral("U$A")});
    CHECK(editor.releasableTo().isEmpty());
    CHECK_FALSE(editor.property("releasability").toString().contains(QStringLiteral("U$A")));
}

TEST_CASE("Times are typed as military date-time groups too", "[quick][incidents][time]") {
    const QDateTime expected(QDate(2026, 12, 7), QTime(13, 30), Qt::UTC);
    CHECK(parseFormTime(QStringLiteral("071330ZDEC26")) == expected);
    CHECK(parseFormTime(QStringLiteral("07 1330Z DEC 2026")) == expected);
    CHECK(parseFormTime(QStringLiteral("071330zdec26")) == expected);
    // Zone letters: A is one hour east of UTC, N one hour west; J (local) is no zone.
    CHECK(parseFormTime(QStringLiteral("071430ADEC26")) == expected);
    CHECK(parseFormTime(QStringLiteral("071230NDEC26")) == expected);
    CHECK_FALSE(parseFormTime(QStringLiteral("072530MDEC26")).isValid()); // 25 o'clock
    CHECK_FALSE(parseFormTime(QStringLiteral("071330JDEC26")).isValid());
    CHECK_FALSE(parseFormTime(QStringLiteral("311330ZNOV26")).isValid()); // 31 November
    CHECK_FALSE(parseFormTime(QStringLiteral("071330ZDEX26")).isValid());
    // The form's own notation still reads.
    CHECK(parseFormTime(QStringLiteral("2026-12-07 13:30")) == expected);
}

TEST_CASE("The incident form takes a position typed as MGRS or clicked on the map",
          "[quick][incidents]") {
    IncidentEditor editor;
    editor.startNew(-0.5, 16.0);
    CHECK(editor.grid().startsWith(QStringLiteral("30Q")));
    // MGRS to the metre: Gao (PROJ puts 16.27 N 0.04 W at 30N 816385.725 1801092.764).
    REQUIRE(editor.setPosition(QStringLiteral("30QZD 16385 01092")));
    CHECK(std::abs(editor.property("lat").toString().toDouble() - 16.27) < 2e-5);
    CHECK(std::abs(editor.property("lon").toString().toDouble() + 0.04) < 2e-5);
    CHECK(editor.grid() == QStringLiteral("30QZD 16385 01092"));
    CHECK_FALSE(editor.problems().contains(QStringLiteral("grid")));
    // Two bare numbers: the reading nearest where the incident was (latitude first here).
    REQUIRE(editor.setPosition(QStringLiteral("16.3 -0.1")));
    CHECK(editor.property("lat").toString() == QStringLiteral("16.30000"));
    CHECK(editor.property("lon").toString() == QStringLiteral("-0.10000"));
    // ... and longitude first when that is nearer.
    REQUIRE(editor.setPosition(QStringLiteral("-0.2 16.2")));
    CHECK(editor.property("lat").toString() == QStringLiteral("16.20000"));
    // Not a position: said under the field, the position kept.
    CHECK_FALSE(editor.setPosition(QStringLiteral("near the ferry")));
    CHECK_THAT(editor.problems().value(QStringLiteral("grid")).toString().toStdString(),
               Catch::Matchers::Contains("near the ferry"));
    CHECK(editor.property("lat").toString() == QStringLiteral("16.20000"));
    // A click on the map with the Place tool.
    editor.placeAt(0.125, 16.5);
    CHECK(editor.property("lat").toString() == QStringLiteral("16.50000"));
    CHECK(editor.property("lon").toString() == QStringLiteral("0.12500"));
    CHECK_FALSE(editor.problems().contains(QStringLiteral("grid")));

    MapItem map;
    map.setSize(QSizeF(800, 600));
    QSignalSpy placed(&map, &MapItem::placed);
    map.showExtent(-1.0, 15.5, 1.0, 17.0);
    map.setTool(MapItem::Tool::Place);
    map.clickAt(400, 300);
    REQUIRE(placed.size() == 1);
    const geo::GeoPoint centre = map.viewport().toGeo(QPointF(400, 300));
    CHECK(placed[0][0].toDouble() == Approx(centre.lon));
    CHECK(placed[0][1].toDouble() == Approx(centre.lat));
    // Nothing is drawn or selected by it.
    CHECK(map.measurePoints().isEmpty());
}

TEST_CASE("A click on a marker selects its incident and the map rings it", "[quick][incidents]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("desk.tessera"));
    const QHash<QString, QString> uuids = createMission(path);
    MissionController mission;
    MapOn on(mission);
    QQuickWindow& window = on.window;
    MapItem* map = on.map;
    mission.setPath(path);
    REQUIRE(loaded(mission));
    REQUIRE(test::waitUntil([&] {
        window.grabWindow();
        return map->isComplete();
    }));
    const QString mortar = uuids.value(QStringLiteral("Mortar fire on the camp"));
    const QPointF at = map->viewport().toPixel(geo::GeoPoint{-0.04, 16.29});
    const double ring = render::palette::severityRadius(store::Severity::Critical) + 6.0;
    // The ring: white on a dark edge. Its outer dark edge, away from the marker.
    const QColor edge(0x10, 0x10, 0x10);
    const QPoint onRing = (at + QPointF(ring + 2.0, 0)).toPoint();
    const QPoint onWhite = (at + QPointF(ring, 0)).toPoint();
    const QColor before = window.grabWindow().pixelColor(onRing);
    CHECK(test::colorDistance(before, edge) > 250);

    CHECK(map->incidentAt(at.x() + 3, at.y() - 2) == mortar);
    map->clickAt(at.x() + 3, at.y() - 2);
    CHECK(mission.selectedIncident() == mortar);
    REQUIRE(test::waitUntil([&] {
        const QImage drawn = window.grabWindow();
        return test::colorDistance(drawn.pixelColor(onRing), edge) < 90 &&
               test::colorDistance(drawn.pixelColor(onWhite), Qt::white) < 40;
    }));

    // Selected elsewhere (the list): the ring moves with it.
    const QString market = uuids.value(QStringLiteral("Market fire"));
    mission.setSelectedIncident(market);
    REQUIRE(test::waitUntil(
        [&] { return test::colorDistance(window.grabWindow().pixelColor(onRing), before) < 40; }));

    // Hovering a marker says what it is; leaving it, nothing.
    QTest::mouseMove(&window, at.toPoint());
    REQUIRE(test::waitUntil([&] { return !map->hovered().isEmpty(); }));
    CHECK(map->hovered().value(QStringLiteral("title")).toString() ==
          QStringLiteral("Mortar fire on the camp"));
    CHECK(map->hovered().value(QStringLiteral("severity")).toString() ==
          QStringLiteral("critical"));
    QTest::mouseMove(&window, QPoint(5, 5));
    REQUIRE(test::waitUntil([&] { return map->hovered().isEmpty(); }));

    // A click on empty ground clears the pick.
    const QPointF empty = map->viewport().toPixel(geo::GeoPoint{-0.25, 16.05});
    CHECK(map->incidentAt(empty.x(), empty.y()).isEmpty());
    map->clickAt(empty.x(), empty.y());
    CHECK(mission.selectedIncident().isEmpty());
}

TEST_CASE("The overlay is painted off the GUI thread and the last one stands in while the view "
          "moves",
          "[quick][incidents][map]") {
    Desk desk;
    MapOn on(desk.mission);
    QQuickWindow& window = on.window;
    MapItem* map = on.map;
    REQUIRE(test::waitUntil([&] {
        window.grabWindow();
        return map->isComplete();
    }));
    CHECK(map->isOverlayCurrent());
    const QColor critical = render::palette::severity(store::Severity::Critical);
    const QPoint mortar = map->viewport().toPixel(geo::GeoPoint{-0.04, 16.29}).toPoint();
    REQUIRE(test::colorDistance(window.grabWindow().pixelColor(mortar), critical) < 60);
    const int painted = map->overlaysPainted();

    // Panned, and drawn at once without letting the painting thread's answer in: the frame
    // shows the last overlay moved with the map, not one painted on the GUI thread.
    map->panBy(60, 25);
    const QImage moved = window.grabWindow();
    CHECK_FALSE(map->isOverlayCurrent());
    CHECK_FALSE(map->isComplete());
    CHECK(map->overlaysPainted() == painted);
    CHECK(test::colorDistance(moved.pixelColor(mortar + QPoint(60, 25)), critical) < 60);
    CHECK(test::colorDistance(moved.pixelColor(mortar), critical) > 100);

    // Then the new one arrives, painted for this view: the marker stays where the map put it.
    REQUIRE(test::waitUntil([&] {
        window.grabWindow();
        return map->isOverlayCurrent() && map->isComplete();
    }));
    CHECK(map->overlaysPainted() > painted);
    CHECK(test::colorDistance(window.grabWindow().pixelColor(mortar + QPoint(60, 25)), critical) <
          60);

    // A change of content (the heatmap) is painted anew as well; until then the frame is not
    // complete.
    map->setHeatmap(true);
    window.grabWindow();
    CHECK_FALSE(map->isComplete());
    REQUIRE(test::waitUntil([&] {
        window.grabWindow();
        return map->isComplete();
    }));
    CHECK(map->isOverlayCurrent());
}

TEST_CASE("A time window judges incidents and annotations and routes by their own times",
          "[store][time]") {
    const QDateTime t0(QDate(2026, 11, 20), QTime(6, 0), Qt::UTC);
    const store::TimeWindow all;
    const store::TimeWindow day{t0, t0.addDays(1)};
    const store::TimeWindow since{t0, {}};
    CHECK(all.isAllTime());
    CHECK(all.contains(t0.addYears(-5)));
    CHECK(day.contains(t0));                  // from is inside
    CHECK_FALSE(day.contains(t0.addDays(1))); // to is not
    CHECK_FALSE(day.contains(t0.addSecs(-1)));
    CHECK(since.contains(t0.addYears(5)));
    CHECK(day.contains(QDateTime())); // an unknown time is not hidden

    store::PatrolRoute route;
    route.waypoints = {{{0, 16}, t0.addDays(-2), QStringLiteral("start")},
                       {{0.1, 16.1}, t0.addDays(-1), QStringLiteral("end")}};
    CHECK_FALSE(store::inWindow(route, day)); // planned and done before
    route.track = {{{0.05, 16.05}, t0.addSecs(3600), std::nullopt}};
    CHECK(store::inWindow(route, day)); // reported in the window
    route.waypoints.clear();
    route.track.clear();
    CHECK(store::inWindow(route, day)); // no times at all: shown
    store::PatrolRoute long_;
    long_.waypoints = {{{0, 16}, t0.addDays(-1), {}}, {{0, 17}, t0.addDays(3), {}}};
    CHECK(store::inWindow(long_, day)); // spans the whole window

    store::Annotation note;
    note.writtenAt = t0.addDays(2);
    CHECK_FALSE(store::inWindow(note, day));
    CHECK(store::inWindow(note, since));

    QList<store::Incident> incidents(5);
    incidents[0].observedAt = t0;                        // first slice
    incidents[1].observedAt = t0.addSecs(3 * 3600 - 1);  // still the first (3 h slices)
    incidents[2].observedAt = t0.addSecs(3 * 3600);      // the second
    incidents[3].observedAt = t0.addDays(1).addSecs(-1); // the last
    incidents[4].observedAt = t0.addDays(1);             // outside
    const QList<int> bins = store::incidentHistogram(incidents, t0, t0.addDays(1), 8);
    CHECK(bins == QList<int>{2, 1, 0, 0, 0, 0, 0, 1});
    CHECK(store::incidentHistogram(incidents, t0, t0, 8) == QList<int>(8, 0));
}

TEST_CASE("The time bar filters the map and the legend and plays through the last day",
          "[quick][time]") {
    Desk desk;
    MissionController& mission = desk.mission;
    MapOn on(mission);
    QQuickWindow& window = on.window;
    MapItem* map = on.map;
    REQUIRE(test::waitUntil([&] {
        window.grabWindow();
        return map->isComplete();
    }));
    LegendModel legend;
    legend.setMission(&mission);
    auto severityCount = [&](int row) {
        return legend.data(legend.index(row), LegendModel::CountRole).toInt();
    };
    TimeBar bar;
    bar.setMission(&mission);
    auto counted = [&bar] {
        const QList<int> bins = bar.bins();
        return std::accumulate(bins.begin(), bins.end(), 0);
    };
    // All time: the span runs from the day of the oldest incident to the end of today.
    CHECK(bar.label() == QStringLiteral("All time"));
    CHECK(counted() == 4);
    CHECK(bar.spanStart().time() == QTime(0, 0));
    const QPointF market = map->viewport().toPixel(geo::GeoPoint{0.0, 16.26});
    CHECK(map->incidentAt(market.x(), market.y()) ==
          desk.uuids.value(QStringLiteral("Market fire")));
    CHECK(severityCount(3) == 1); // low: the market fire

    bar.showLast(24);
    CHECK(mission.windowFrom().isValid());
    CHECK_FALSE(mission.windowTo().isValid());
    CHECK(bar.label() == QStringLiteral("Last 24 hours"));
    CHECK(counted() == 2);
    // The map takes the window's records on a worker: not complete until they are drawn.
    CHECK_FALSE(map->isOverlayCurrent());
    // Three days old: off the map and out of the legend.
    REQUIRE(test::waitUntil([&] { return map->incidentAt(market.x(), market.y()).isEmpty(); }));
    REQUIRE(test::waitUntil([&] {
        window.grabWindow();
        return map->isComplete() && map->isOverlayCurrent();
    }));
    CHECK(test::colorDistance(window.grabWindow().pixelColor(market.toPoint()),
                              render::palette::severity(store::Severity::Low)) > 60);
    CHECK(severityCount(0) == 1); // critical: the mortar fire, 3 hours ago
    CHECK(severityCount(2) == 1); // medium: the roadblock, an hour ago
    CHECK(severityCount(1) == 0); // high: the ambush, 10 days ago
    CHECK(severityCount(3) == 0);

    bar.showLast(24 * 7);
    CHECK(bar.label() == QStringLiteral("Last 7 days"));
    REQUIRE(test::waitUntil([&] {
        return map->incidentAt(market.x(), market.y()) ==
               desk.uuids.value(QStringLiteral("Market fire"));
    }));

    // Playback, step by step (no timer: a step a day long).
    bar.play(24, 24 * 3600 * 1000);
    CHECK(bar.playing());
    const QDateTime firstFrom = mission.windowFrom();
    CHECK(firstFrom.secsTo(mission.windowTo()) == 3 * 3600); // an eighth of the day
    CHECK(bar.windowStart() == Approx(0.0).margin(1e-6));
    CHECK(bar.label().endsWith(QStringLiteral("UTC")));
    QDateTime previous = mission.windowTo();
    int steps = 0;
    while (bar.playing() && steps < 500) {
        bar.advance();
        ++steps;
        if (bar.playing()) {
            CHECK(mission.windowTo() > previous); // always forward
            CHECK(mission.windowFrom().secsTo(mission.windowTo()) == 3 * 3600);
            previous = mission.windowTo();
        }
    }
    CHECK(steps == TimeBar::kSteps + 1);
    CHECK(bar.windowEnd() == Approx(1.0).margin(1e-6));
    // Played to the end: the whole day stays shown.
    CHECK_FALSE(bar.playing());
    CHECK(mission.windowFrom() == firstFrom);
    CHECK_FALSE(mission.windowTo().isValid());
    bar.showAll();
    CHECK(mission.timeWindow().isAllTime());
    CHECK(severityCount(1) == 1);
}

TEST_CASE("A marker's shape says the kind of incident and its colour the severity",
          "[render][overlay]") {
    using render::palette::MarkerShape;
    CHECK(render::palette::categoryShape(QStringLiteral("ied")) == MarkerShape::Diamond);
    CHECK(render::palette::categoryShape(QStringLiteral("indirect_fire")) == MarkerShape::Diamond);
    CHECK(render::palette::categoryShape(QStringLiteral("abduction")) == MarkerShape::Square);
    CHECK(render::palette::categoryShape(QStringLiteral("displacement")) == MarkerShape::Circle);
    CHECK(render::palette::categoryShape(QStringLiteral("uxo")) == MarkerShape::Triangle);
    CHECK(render::palette::categoryShape(QStringLiteral("from_elsewhere")) == MarkerShape::Circle);
    // Every category the mission knows has its shape in the legend's keys.
    QStringList keyed;
    for (const render::palette::ShapeKey& key : render::palette::shapeKeys())
        keyed << key.categories;
    for (const QString& category : store::incidentCategories())
        CHECK(keyed.contains(category));

    // Drawn: one critical incident in the middle of a small image.
    const render::Viewport view =
        render::Viewport::fittingGeographic({-0.01, 15.99, 0.01, 16.01}, QSize(60, 60));
    const QPointF centre = view.toPixel(geo::GeoPoint{0.0, 16.0});
    auto drawn = [&](const QString& category) {
        render::OverlayContent content;
        content.incidents.append(incident(QStringLiteral("x"), category, store::Severity::Critical,
                                          store::IncidentStatus::Reported,
                                          QDateTime::currentDateTimeUtc(), {0.0, 16.0}));
        QImage image(60, 60, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        QPainter p(&image);
        render::OverlayPainter::paint(p, view, content);
        return image;
    };
    const QImage clash = drawn(QStringLiteral("armed_clash"));
    CHECK(drawn(QStringLiteral("ied")) == clash); // the same kind, the same marker
    CHECK(drawn(QStringLiteral("crime")) != clash);
    CHECK(drawn(QStringLiteral("humanitarian")) != clash);
    CHECK(drawn(QStringLiteral("uxo")) != clash);
    CHECK(drawn(QStringLiteral("crime")) != drawn(QStringLiteral("humanitarian")));
    // A square fills its corners, 0.7 radius out on both axes, where a disc has only its edge.
    const QColor critical = render::palette::severity(store::Severity::Critical);
    const double r = render::palette::severityRadius(store::Severity::Critical);
    const QPoint corner = (centre + QPointF(0.7 * r, 0.7 * r)).toPoint();
    CHECK(test::colorDistance(drawn(QStringLiteral("crime")).pixelColor(corner), critical) < 60);
    CHECK(test::colorDistance(drawn(QStringLiteral("humanitarian")).pixelColor(corner), critical) >
          60);
    // The centre is the severity's colour whatever the kind.
    for (const QString& category : store::incidentCategories())
        CHECK(test::colorDistance(drawn(category).pixelColor(centre.toPoint()), critical) < 40);
}

TEST_CASE("The overlay finds the incidents near an area through its grid as a full scan would",
          "[render][overlay]") {
    render::OverlayContent content;
    for (int k = 0; k < 10000; ++k)
        content.incidents.append(incident(
            QStringLiteral("Report %1").arg(k), QStringLiteral("crime"), store::Severity::Low,
            store::IncidentStatus::Reported, QDateTime::currentDateTimeUtc(),
            {-2.0 + (k * 7919 % 10000) * 0.0004, 14.0 + (k * 104729 % 10000) * 0.0004}));
    content.indexIncidents();
    REQUIRE(content.incidentIndex != nullptr);
    REQUIRE(content.incidentPoints.size() == content.incidents.size());
    const render::Viewport view =
        render::Viewport::fittingGeographic({-2.2, 13.8, 2.2, 18.2}, QSize(800, 800));
    for (const QRectF& area : {QRectF(390, 390, 20, 20), QRectF(100, 500, 150, 90),
                               QRectF(0, 0, 800, 800), QRectF(-50, -50, 30, 30)}) {
        QList<qsizetype> inside; // by a full scan
        for (qsizetype k = 0; k < content.incidents.size(); ++k)
            if (area.contains(content.incidentPixel(view, k)))
                inside.append(k);
        QList<qsizetype> visited;
        content.forIncidentsNear(view, area, [&](qsizetype k) { visited.append(k); });
        INFO("area " << area.x() << "," << area.y() << " " << area.width() << "x" << area.height());
        CHECK(std::is_sorted(visited.begin(), visited.end()));
        QList<qsizetype> visitedInside;
        for (const qsizetype k : visited)
            if (area.contains(content.incidentPixel(view, k)))
                visitedInside.append(k);
        CHECK(visitedInside == inside);
        if (area.width() < 100) // a small area does not look at them all
            CHECK(visited.size() < content.incidents.size() / 10);
    }
}

TEST_CASE("An overlay paint stops when told that its content has changed", "[render][overlay]") {
    render::OverlayContent content;
    for (int k = 0; k < 50000; ++k)
        content.incidents.append(incident(
            QStringLiteral("Report %1").arg(k), QStringLiteral("crime"), store::Severity::High,
            store::IncidentStatus::Reported, QDateTime::currentDateTimeUtc(),
            {-0.3 + (k % 300) * 0.002, 16.0 + (k / 300) * 0.003}));
    const render::Viewport view =
        render::Viewport::fittingGeographic({-0.35, 15.95, 0.35, 16.55}, QSize(400, 300));
    auto painted = [&](const std::function<bool()>& abandon, bool& finished) {
        QImage image(400, 300, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        QPainter p(&image);
        finished = render::OverlayPainter::paint(p, view, content, abandon);
        p.end();
        int inked = 0;
        for (int y = 0; y < image.height(); y += 4)
            for (int x = 0; x < image.width(); x += 4)
                inked += qAlpha(image.pixel(x, y)) > 0 ? 1 : 0;
        return inked;
    };
    bool finished = false;
    int asked = 0;
    // Never told: it finishes, clusters all over the view.
    CHECK(painted([&] { return ++asked < 0; }, finished) > 1000);
    CHECK(finished);
    CHECK(asked >= 6); // every 8,192 incidents and between the layers
    // Told after the first question: it stops there, nothing drawn.
    asked = 0;
    CHECK(painted([&] { return ++asked >= 1; }, finished) == 0);
    CHECK_FALSE(finished);
    CHECK(asked == 1);
}

TEST_CASE("The situation of an area counts its incidents and finds its quiet patrols",
          "[store][situation]") {
    const QDateTime now(QDate(2026, 11, 27), QTime(12, 0), Qt::UTC);
    auto at = [&](const char* title, store::Severity severity, qint64 minutesAgo,
                  geo::GeoPoint where) {
        return incident(QString::fromLatin1(title), QStringLiteral("crime"), severity,
                        store::IncidentStatus::Reported, now.addSecs(-60 * minutesAgo), where);
    };
    const QList<store::Incident> incidents{
        at("a", store::Severity::High, 10, {0.0, 16.0}),
        at("b", store::Severity::Critical, 5, {0.1, 16.1}),
        at("c", store::Severity::Low, 30, {0.2, 16.2}),
        at("d", store::Severity::High, 1, {0.3, 16.3}),
        at("far", store::Severity::Critical, 2, {5.0, 20.0}), // outside the area
        at("old", store::Severity::Medium, 60 * 24 * 3, {0.0, 16.0}),
    };
    const geo::Extent area{-0.5, 15.5, 0.5, 16.5};
    store::Situation s = store::summarise(incidents, {}, area, {}, now, 3);
    CHECK(s.bySeverity == std::array<int, 4>{1, 1, 2, 1});
    CHECK(s.total() == 5);
    QStringList latest;
    for (const store::Incident& i : s.latest)
        latest << i.title;
    CHECK(latest == QStringList{QStringLiteral("d"), QStringLiteral("b"), QStringLiteral("a")});
    // The time window applies too.
    s = store::summarise(incidents, {}, area, {now.addSecs(-3600), {}}, now, 10);
    CHECK(s.total() == 4);
    CHECK(s.latest.size() == 4);

    auto route = [&](const char* name, store::RouteStatus status, qint64 lastReportMinutesAgo,
                     geo::GeoPoint where) {
        store::PatrolRoute r;
        r.uuid = QString::fromLatin1(name);
        r.name = QString::fromLatin1(name);
        r.unit = QStringLiteral("BANBATT");
        r.status = status;
        r.waypoints = {{where, now.addSecs(-6 * 3600), {}},
                       {{where.lon + 0.1, where.lat}, now.addSecs(3600), {}}};
        if (lastReportMinutesAgo >= 0)
            r.track = {{where, now.addSecs(-60 * lastReportMinutesAgo - 600), std::nullopt},
                       {where, now.addSecs(-60 * lastReportMinutesAgo), std::nullopt}};
        return r;
    };
    const QList<store::PatrolRoute> routes{
        route("reporting", store::RouteStatus::InProgress, 20, {0.0, 16.0}),
        route("quiet", store::RouteStatus::InProgress, 180, {0.1, 16.1}),
        route("silent", store::RouteStatus::InProgress, -1, {0.2, 16.2}),
        route("quieter", store::RouteStatus::InProgress, 300, {0.3, 16.3}),
        route("done", store::RouteStatus::Completed, 600, {0.0, 16.0}),
        route("elsewhere", store::RouteStatus::InProgress, 600, {5.0, 20.0}),
    };
    s = store::summarise({}, routes, area, {}, now);
    QStringList stale;
    for (const store::StaleRoute& r : s.staleRoutes)
        stale << r.name;
    // Never reported first, then the longest quiet; the reporting, done and distant are not.
    CHECK(stale == QStringList{QStringLiteral("silent"), QStringLiteral("quieter"),
                               QStringLiteral("quiet")});
    CHECK_FALSE(s.staleRoutes.first().lastReport.isValid());
    CHECK(s.staleRoutes.last().lastReport == now.addSecs(-180 * 60));
    // A stricter threshold catches the one that reported 20 minutes ago too.
    CHECK(store::summarise({}, routes, area, {}, now, 5, 10 * 60).staleRoutes.size() == 4);
}

TEST_CASE("The commander's view follows the map's view and the time window", "[quick][situation]") {
    Desk desk;
    MapOn on(desk.mission);
    MapItem* map = on.map;
    REQUIRE(test::waitUntil([&] { return map->geoExtent().isValid(); }));
    SituationModel situation;
    situation.setMission(&desk.mission);
    situation.setMap(map);
    situation.refresh();
    CHECK(situation.total() == 4);
    CHECK(situation.bySeverity() == QList<int>{1, 1, 1, 1});
    REQUIRE(situation.latest().size() == 4);
    CHECK(situation.latest().first().toMap().value(QStringLiteral("title")).toString() ==
          QStringLiteral("Roadblock on the RN16"));
    CHECK(situation.latest().first().toMap().value(QStringLiteral("age")).toString() ==
          QStringLiteral("1 h ago"));

    // Zoomed in on the camp: only the mortar fire is in view.
    map->showExtent(-0.06, 16.28, -0.02, 16.30);
    QSignalSpy changed(&situation, &SituationModel::changed);
    REQUIRE(test::waitUntil([&] { return changed.count() > 0; }));
    CHECK(situation.total() == 1);
    CHECK(situation.bySeverity() == QList<int>{0, 0, 0, 1});

    // Back out, in the last 24 hours: the two of today.
    map->showExtent(-0.3, 16.0, 0.3, 16.5);
    desk.mission.setTimeWindow(QDateTime::currentDateTimeUtc().addDays(-1), {});
    situation.refresh();
    CHECK(situation.total() == 2);
    CHECK(SituationModel::age(30) == QStringLiteral("just now"));
    CHECK(SituationModel::age(125 * 60) == QStringLiteral("2 h ago"));
    CHECK(SituationModel::age(3 * 86400) == QStringLiteral("3 days ago"));
}

TEST_CASE("Markers beyond what a screen can show one by one are gathered into clusters",
          "[render][clusters]") {
    const render::Viewport view =
        render::Viewport::fittingGeographic({-1.0, 15.0, 1.0, 17.0}, QSize(400, 400));
    render::OverlayContent content;
    auto paint = [&](qsizetype crowd) {
        content = {};
        // A crowd of low incidents on one spot, one critical incident well away from it.
        for (qsizetype k = 0; k < crowd; ++k)
            content.incidents.append(incident(
                QStringLiteral("crowd %1").arg(k), QStringLiteral("crime"), store::Severity::Low,
                store::IncidentStatus::Reported, QDateTime::currentDateTimeUtc(), {-0.5, 16.5}));
        content.incidents.append(incident(
            QStringLiteral("alone"), QStringLiteral("crime"), store::Severity::Critical,
            store::IncidentStatus::Reported, QDateTime::currentDateTimeUtc(), {0.5, 15.5}));
        QImage image(400, 400, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::white);
        QPainter painter(&image);
        render::OverlayPainter::paint(painter, view, content);
        painter.end();
        return image;
    };
    const QPoint crowd = view.toPixel(geo::GeoPoint{-0.5, 16.5}).toPoint();
    const QPoint alone = view.toPixel(geo::GeoPoint{0.5, 15.5}).toPoint();
    const QColor low = render::palette::severity(store::Severity::Low);
    const QColor critical = render::palette::severity(store::Severity::Critical);
    // 14 px from the centre: outside a single low marker (6 px), inside a cluster's disc.
    const QPoint beside = crowd + QPoint(14, 0);

    const QImage few = paint(render::OverlayPainter::kClusterAbove - 1);
    CHECK(test::colorDistance(few.pixelColor(crowd), low) < 40); // markers one by one
    CHECK(test::colorDistance(few.pixelColor(beside), Qt::white) < 10);
    CHECK_FALSE(render::OverlayPainter::clusterAt(view, content, crowd).has_value());

    const QImage many = paint(render::OverlayPainter::kClusterAbove + 500);
    // A click there finds the cluster (the map then zooms in on it); beside the lone one, none.
    const std::optional<QPointF> hit = render::OverlayPainter::clusterAt(view, content, crowd);
    REQUIRE(hit.has_value());
    CHECK(QLineF(*hit, crowd).length() < 2.0);
    CHECK(test::colorDistance(many.pixelColor(beside), low) < 40); // one big disc
    // Its count in dark type across the middle.
    int dark = 0;
    for (int dx = -10; dx <= 10; ++dx)
        for (int dy = -5; dy <= 5; ++dy)
            dark += test::colorDistance(many.pixelColor(crowd + QPoint(dx, dy)),
                                        QColor(0x10, 0x10, 0x10)) < 120
                        ? 1
                        : 0;
    CHECK(dark > 10);
    // The lone incident is still drawn as itself, in its own colour.
    CHECK(test::colorDistance(many.pixelColor(alone), critical) < 40);
    CHECK(test::colorDistance(many.pixelColor(alone + QPoint(14, 0)), Qt::white) < 10);
    CHECK_FALSE(render::OverlayPainter::clusterAt(view, content, alone).has_value());
}

TEST_CASE("The view exports as a briefing product with the banner and a legend in PNG and PDF",
          "[quick][export]") {
    Desk desk;
    const QRectF view(-0.3, 16.0, 0.6, 0.5); // x west, y south
    QSignalSpy exported(&desk.mission, &MissionController::exported);
    auto exportTo = [&](const QString& path) {
        exported.clear();
        desk.mission.exportView(QUrl::fromLocalFile(path), view, QSize(800, 600),
                                QStringLiteral("Last 24 hours"));
        REQUIRE(test::waitUntil([&] { return exported.count() == 1; }));
        return exported.at(0).at(1).toString();
    };
    const QString png = desk.dir.filePath(QStringLiteral("view.png"));
    CHECK(exportTo(png).isEmpty());
    const QImage image(png);
    REQUIRE(image.width() == 800);
    CHECK(image.height() > 600 + 2 * 24);
    // Unclassified, not an exercise: green banners, top and bottom, with the marking in white.
    const QColor green(0x00, 0x7a, 0x33);
    CHECK(test::colorDistance(image.pixelColor(3, 3), green) < 10);
    CHECK(test::colorDistance(image.pixelColor(3, image.height() - 3), green) < 10);
    int white = 0;
    for (int x = 0; x < 800; ++x)
        white += test::colorDistance(image.pixelColor(x, 14), Qt::white) < 60 ? 1 : 0;
    CHECK(white > 20);
    // The legend, bottom right of the map: its dark box.
    CHECK(test::colorDistance(image.pixelColor(790 - 100, image.height() - 28 - 20),
                              QColor(0x10, 0x1c, 0x2b)) < 40);

    const QString pdf = desk.dir.filePath(QStringLiteral("view.pdf"));
    CHECK(exportTo(pdf).isEmpty());
    CHECK(test::readAll(pdf).startsWith("%PDF-"));

    // Where it cannot be written: the reason, and no file.
    const QString nowhere = desk.dir.filePath(QStringLiteral("no-such-folder/view.png"));
    CHECK_FALSE(exportTo(nowhere).isEmpty());
    CHECK_FALSE(QFileInfo::exists(nowhere));

    // An UNCLASSIFIED mission showing a SECRET record is a SECRET picture (issue 17: the
    // banners showed the mission's marking over plotted RESTRICTED and SECRET records).
    store::MissionSnapshot plotted;
    plotted.info.marking = {QStringLiteral("UNCLASSIFIED"), QString()};
    store::Incident restricted;
    restricted.location = {1.0, 15.0};
    restricted.marking = {QStringLiteral("RESTRICTED"), QStringLiteral("REL TO NLD, FRA, UN")};
    store::Incident secretOne = restricted;
    secretOne.location = {2.0, 16.0};
    secretOne.marking = {QStringLiteral("SECRET"), QStringLiteral("REL TO NLD, UN")};
    plotted.incidents = {restricted, secretOne};
    const store::CombinedMarking all = store::shownMarking(plotted, {0, 14, 3, 17}, {});
    CHECK(render::bannerColor(plotted.info, all) == QColor(0xc8, 0x10, 0x2e));
    CHECK(render::bannerText(plotted.info, all) == QStringLiteral("SECRET // REL TO NLD, UN"));
    // A view that leaves the SECRET one out shows RESTRICTED.
    const store::CombinedMarking west = store::shownMarking(plotted, {0, 14, 1.5, 15.5}, {});
    CHECK(render::bannerText(plotted.info, west) ==
          QStringLiteral("RESTRICTED // REL TO FRA, NLD, UN"));
    CHECK(render::bannerColor(plotted.info, west) == QColor(0x00, 0x33, 0xa0));
    plotted.info.exercise = true;
    CHECK(render::bannerText(plotted.info, all).startsWith(QStringLiteral("EXERCISE · SECRET")));
}

TEST_CASE("Annotations are drawn on the map and saved with their text or refused with the reason",
          "[quick][annotations]") {
    Desk desk;
    MapOn on(desk.mission);
    MapItem* map = on.map;
    REQUIRE(test::waitUntil([&] { return map->geoExtent().isValid(); }));
    AnnotationDraft draft;
    draft.setMission(&desk.mission);
    draft.setMap(map);
    auto stored = [&] {
        auto m = store::MissionStore::open(desk.path, store::MissionStore::Access::ReadOnly);
        REQUIRE(m.ok());
        auto all = m.value().annotations();
        REQUIRE(all.ok());
        return all.value();
    };

    // A line of one point: refused, with what is missing; nothing written.
    draft.start(QStringLiteral("line"));
    CHECK(map->tool() == MapItem::Tool::Draw);
    map->clickAt(100, 100);
    CHECK(draft.pointCount() == 1);
    draft.setProperty("text", QStringLiteral("Track to the wells"));
    CHECK_FALSE(draft.save());
    CHECK(draft.problem().contains(QStringLiteral("at least 2 points")));
    QTest::qWait(50);
    CHECK(stored().isEmpty());

    // Given up; an area of three points without text: refused; with text: saved, and the map
    // pans again.
    draft.cancel();
    CHECK(map->tool() == MapItem::Tool::Pan);
    draft.start(QStringLiteral("area"));
    CHECK(draft.pointCount() == 0); // a fresh drawing
    for (const QPointF& at : {QPointF(200, 200), QPointF(300, 200), QPointF(250, 300)})
        map->clickAt(at.x(), at.y());
    CHECK(draft.pointCount() == 3);
    CHECK_FALSE(draft.save());
    CHECK(draft.problem().contains(QStringLiteral("Write")));
    draft.setProperty("text", QStringLiteral("Suspected firing point"));
    QSignalSpy saved(&draft, &AnnotationDraft::saved);
    REQUIRE(draft.save());
    REQUIRE(test::waitUntil([&] { return saved.count() == 1; }));
    CHECK(draft.problem().isEmpty());
    CHECK_FALSE(draft.active());
    CHECK(map->tool() == MapItem::Tool::Pan);
    const QList<store::Annotation> all = stored();
    REQUIRE(all.size() == 1);
    CHECK(all.first().kind == store::AnnotationKind::Area);
    CHECK(all.first().text == QStringLiteral("Suspected firing point"));
    REQUIRE(all.first().geometry.size() == 3);
    const geo::GeoPoint first = map->viewport().toGeo(QPointF(200, 200));
    CHECK(all.first().geometry.first().lon == Approx(first.lon).margin(1e-9));
    CHECK(all.first().marking.classification == QStringLiteral("UNCLASSIFIED"));
    // And the map shows it once the records are read again.
    REQUIRE(test::waitUntil([&] {
        return desk.mission.scene() && desk.mission.scene()->mission.annotations.size() == 1;
        // Undone: gone from the file and the map.
        desk.mission.history()->undo();
        REQUIRE(test::waitUntil([&] { return !desk.mission.history()->busy(); }));
        CHECK(stored().isEmpty());
        REQUIRE(
            test::waitUntil([&] { return desk.mission.scene()->mission.annotations.isEmpty(); }));
    }));
}

TEST_CASE("Edits are undone and redone as new edits of the mission", "[quick][undo]") {
    Desk desk;
    EditHistory& history = *desk.mission.history();
    CHECK_FALSE(history.canUndo());
    IncidentEditor editor;
    editor.setMission(&desk.mission);
    auto settle = [&] { REQUIRE(test::waitUntil([&] { return !history.busy(); })); };

    // An edit of an existing incident: undone, the old title is back; redone, the new one.
    const QString roadblock = desk.uuids.value(QStringLiteral("Roadblock on the RN16"));
    editor.edit(roadblock);
    REQUIRE(test::waitUntil([&] { return editor.active() && !editor.busy(); }));
    editor.setProperty("title", QStringLiteral("Roadblock lifted on the RN16"));
    editor.setProperty("status", QStringLiteral("resolved"));
    QSignalSpy saved(&editor, &IncidentEditor::saved);
    REQUIRE(editor.save());
    REQUIRE(test::waitUntil([&] { return saved.count() == 1; }));
    REQUIRE(history.canUndo());
    CHECK(history.undoText() == QStringLiteral("Undo edit of Roadblock lifted on the RN16"));
    history.undo();
    settle();
    CHECK(history.message().startsWith(QStringLiteral("Undone")));
    CHECK(stored(desk.path, roadblock).title == QStringLiteral("Roadblock on the RN16"));
    CHECK(stored(desk.path, roadblock).status == store::IncidentStatus::Reported);
    REQUIRE(history.canRedo());
    history.redo();
    settle();
    CHECK(stored(desk.path, roadblock).title == QStringLiteral("Roadblock lifted on the RN16"));

    // A new incident: undone, it is a tombstone; redone, it is back under a new uuid.
    editor.startNew(0.01, 16.27);
    editor.setProperty("title", QStringLiteral("Shots at the ferry"));
    REQUIRE(editor.save());
    REQUIRE(test::waitUntil([&] { return saved.count() == 2; }));
    const QString ferry = saved.at(1).at(0).toString();
    CHECK(storedCount(desk.path) == 5);
    history.undo();
    settle();
    CHECK(storedCount(desk.path) == 4);
    CHECK(stored(desk.path, ferry).stamp.deleted);
    history.redo();
    settle();
    CHECK(storedCount(desk.path) == 5);
    CHECK(history.message().contains(QStringLiteral("Shots at the ferry")));

    // Undo twice more: the ferry incident, then the edit; nothing left to undo.
    history.undo();
    settle();
    history.undo();
    settle();
    CHECK(stored(desk.path, roadblock).title == QStringLiteral("Roadblock on the RN16"));
    CHECK_FALSE(history.canUndo());
    // A new edit drops what could be redone.
    editor.edit(roadblock);
    REQUIRE(test::waitUntil([&] { return editor.active() && !editor.busy(); }));
    editor.setProperty("severity", QStringLiteral("high"));
    REQUIRE(editor.save());
    REQUIRE(test::waitUntil([&] { return saved.count() == 3; }));
    CHECK_FALSE(history.canRedo());
    // The list follows the undone edits too.
    IncidentListModel list;
    list.setMission(&desk.mission);
    list.setText(QStringLiteral("lifted"));
    CHECK(listed(list).isEmpty());
}

TEST_CASE("An incident is deleted as an edit: a tombstone, and undone with its notes",
          "[quick][undo]") {
    Desk desk;
    EditHistory& history = *desk.mission.history();
    auto settle = [&] { REQUIRE(test::waitUntil([&] { return !history.busy(); })); };
    const QString roadblock = desk.uuids.value(QStringLiteral("Roadblock on the RN16"));
    {
        auto opened = store::MissionStore::open(desk.path, store::MissionStore::Access::ReadWrite);
        REQUIRE(opened.ok());
        store::IncidentNote note;
        note.author = QStringLiteral("ops");
        note.text = QStringLiteral("Cleared by the engineers at 0900Z");
        note.writtenAt = QDateTime::currentDateTimeUtc();
        REQUIRE(opened.value().addNote(roadblock, note).ok());
    }
    desk.mission.setSelectedIncident(roadblock);
    QSignalSpy changed(&history, &EditHistory::changed);
    history.deleteIncident(roadblock);
    settle();
    CHECK(history.message().startsWith(QStringLiteral("Deleted Roadblock on the RN16")));
    CHECK(storedCount(desk.path) == 3);
    // A tombstone: the record stays, marked deleted (sharing passes the deletion on).
    CHECK(stored(desk.path, roadblock).stamp.deleted);
    CHECK(desk.mission.selectedIncident().isEmpty());
    REQUIRE(history.canUndo());
    CHECK(history.undoText() == QStringLiteral("Undo deletion of Roadblock on the RN16"));

    history.undo();
    settle();
    CHECK(history.message() == QStringLiteral("Undone: deletion of Roadblock on the RN16"));
    CHECK(storedCount(desk.path) == 4);
    // Back under a new uuid, with its note; the old uuid stays a tombstone.
    auto opened = store::MissionStore::open(desk.path, store::MissionStore::Access::ReadOnly);
    REQUIRE(opened.ok());
    auto all = opened.value().incidents();
    REQUIRE(all.ok());
    QString back;
    for (const store::Incident& i : all.value())
        if (i.title == QStringLiteral("Roadblock on the RN16"))
            back = i.uuid;
    REQUIRE_FALSE(back.isEmpty());
    CHECK(back != roadblock);
    auto notes = opened.value().notes(back);
    REQUIRE(notes.ok());
    REQUIRE(notes.value().size() == 1);
    CHECK(notes.value().first().text == QStringLiteral("Cleared by the engineers at 0900Z"));
    CHECK(stored(desk.path, roadblock).stamp.deleted);

    // Redone: the copy goes too.
    history.redo();
    settle();
    CHECK(storedCount(desk.path) == 3);
    // An incident that is not there: said, nothing recorded.
    const bool couldRedo = history.canRedo();
    history.deleteIncident(QStringLiteral("00000000-0000-0000-0000-000000000000"));
    settle();
    CHECK(history.message().startsWith(QStringLiteral("Could not delete")));
    CHECK(history.canRedo() == couldRedo);
    CHECK(storedCount(desk.path) == 3);
}

TEST_CASE("The heatmap glows where incidents are dense and leaves the rest of the map alone",
          "[render][heatmap]") {
    const render::Viewport view =
        render::Viewport::fittingGeographic({-1.0, 15.0, 1.0, 17.0}, QSize(400, 400));
    render::OverlayContent content;
    // Twenty incidents on one town, one on its own far away.
    for (int k = 0; k < 20; ++k)
        content.incidents.append(incident(QStringLiteral("t%1").arg(k), QStringLiteral("crime"),
                                          store::Severity::Low, store::IncidentStatus::Reported,
                                          QDateTime::currentDateTimeUtc(),
                                          {-0.5 + 0.002 * k, 16.5}));
    content.incidents.append(incident(QStringLiteral("alone"), QStringLiteral("crime"),
                                      store::Severity::Low, store::IncidentStatus::Reported,
                                      QDateTime::currentDateTimeUtc(), {0.6, 15.4}));
    auto paint = [&](bool heat) {
        content.heatmap = heat;
        QImage image(400, 400, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::white);
        QPainter painter(&image);
        render::OverlayPainter::paint(painter, view, content);
        painter.end();
        return image;
    };
    const QImage plain = paint(false);
    const QImage heat = paint(true);
    const QPoint town = view.toPixel(geo::GeoPoint{-0.48, 16.5}).toPoint();
    // Beside the markers (12 px below), where the plain map is white: the heat is warm.
    const QPoint glow = town + QPoint(0, 14);
    CHECK(test::colorDistance(plain.pixelColor(glow), Qt::white) < 10);
    CHECK(test::colorDistance(heat.pixelColor(glow), Qt::white) > 60);
    // Far from everything: untouched.
    const QPoint empty = view.toPixel(geo::GeoPoint{0.5, 16.8}).toPoint();
    CHECK(heat.pixelColor(empty) == plain.pixelColor(empty));
    // The lone incident glows less than the town (scaled to the densest place).
    const QPoint lone = view.toPixel(geo::GeoPoint{0.6, 15.4}).toPoint() + QPoint(0, 14);
    CHECK(test::colorDistance(heat.pixelColor(lone), Qt::white) <
          test::colorDistance(heat.pixelColor(glow), Qt::white));
}

TEST_CASE("Incidents are counted per first-level region of the mission's boundary layer",
          "[interop][hotspots]") {
    QTemporaryDir dir;
    // Two provinces side by side (degrees), a third far away; names in "name".
    const QString regions = dir.filePath(QStringLiteral("provinces.geojson"));
    test::writeAll(regions,
                   R"({"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"name": "Gao", "pop": 1},
  "geometry": {"type": "Polygon", "coordinates": [[[-1,15],[1,15],[1,17],[-1,17],[-1,15]]]}},
 {"type": "Feature", "properties": {"name": "Menaka", "pop": 2},
  "geometry": {"type": "MultiPolygon", "coordinates": [[[[1,15],[3,15],[3,17],[1,17],[1,15]]]]}},
 {"type": "Feature", "properties": {"name": "Kayes", "pop": 3},
  "geometry": {"type": "Polygon", "coordinates": [[[-12,13],[-10,13],[-10,15],[-12,15],[-12,13]]]}}
]})");
    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto at = [&](double lon, double lat, qint64 daysAgo) {
        return incident(QStringLiteral("x"), QStringLiteral("crime"), store::Severity::Low,
                        store::IncidentStatus::Reported, now.addDays(-daysAgo), {lon, lat});
    };
    const QList<store::Incident> incidents{at(0.0, 16.0, 0), at(0.5, 16.5, 0), at(-0.5, 15.5, 5),
                                           at(2.0, 16.0, 0), at(20.0, 0.0, 0)};
    auto count = [&](const store::TimeWindow& window) {
        // GDAL work belongs on a worker.
        QFuture<Result<QList<interop::RegionCount>>> f = QtConcurrent::run(
            [&] { return interop::countByRegion(regions, QString(), incidents, window); });
        f.waitForFinished();
        return f.result();
    };
    Result<QList<interop::RegionCount>> all = count({});
    REQUIRE(all.ok());
    REQUIRE(all.value().size() == 2); // Kayes holds none; the last incident is in no province
    CHECK(all.value()[0].name == QStringLiteral("Gao"));
    CHECK(all.value()[0].count == 3);
    CHECK(all.value()[1].name == QStringLiteral("Menaka"));
    CHECK(all.value()[1].count == 1);
    // The time window applies: the five-day-old one drops out.
    Result<QList<interop::RegionCount>> recent = count({now.addDays(-1), {}});
    REQUIRE(recent.ok());
    CHECK(recent.value()[0].count == 2);
    // A file that is not there: the reason.
    QFuture<Result<QList<interop::RegionCount>>> missing = QtConcurrent::run([&] {
        return interop::countByRegion(dir.filePath(QStringLiteral("none.gpkg")), QString(),
                                      incidents, {});
    });
    missing.waitForFinished();
    CHECK_FALSE(missing.result().ok());

    // Which layer holds the regions: by its style's role, else by its name.
    store::MissionSnapshot snapshot;
    auto vectorLayer = [](qint64 id, const QString& name, const QString& sourceLayer) {
        store::LayerSpec l;
        l.id = id;
        l.name = name;
        l.kind = store::LayerKind::Vector;
        l.source = QStringLiteral("world.gpkg");
        l.sourceLayer = sourceLayer;
        return l;
    };
    store::LayerSpec countries =
        vectorLayer(1, QStringLiteral("Countries"), QStringLiteral("countries"));
    const store::LayerSpec provinces =
        vectorLayer(2, QStringLiteral("Admin areas"), QStringLiteral("states_provinces"));
    snapshot.layers = {countries};
    CHECK_FALSE(interop::regionLayer(snapshot).has_value());
    snapshot.layers = {countries, provinces};
    CHECK(interop::regionLayer(snapshot)->id == 2);
    countries.style = QStringLiteral(R"({"role": "regions"})");
    snapshot.layers = {provinces, countries};
    CHECK(interop::regionLayer(snapshot)->id == 1);

    // In the app: the mission's layer, counted on a worker, recounted with the window.
    const QString path = dir.filePath(QStringLiteral("hot.tessera"));
    {
        store::MissionInfo info;
        info.name = QStringLiteral("Hot");
        info.marking = {QStringLiteral("UNCLASSIFIED"), {}};
        info.initialView = {-1, 15, 3, 17};
        auto m = store::MissionStore::create(path, info);
        REQUIRE(m.ok());
        store::LayerSpec layer;
        layer.name = QStringLiteral("Provinces");
        layer.kind = store::LayerKind::Vector;
        layer.source = QStringLiteral("provinces.geojson");
        REQUIRE(m.value().addLayer(layer).ok());
        for (store::Incident i : incidents)
            REQUIRE(m.value().addIncident(i).ok());
    }
    MissionController mission;
    mission.setPath(path);
    REQUIRE(loaded(mission));
    HotspotModel hotspots;
    hotspots.setMission(&mission);
    REQUIRE(test::waitUntil([&] { return !hotspots.busy() && !hotspots.regions().isEmpty(); }));
    CHECK(hotspots.layerName() == QStringLiteral("Provinces"));
    CHECK(hotspots.regions().first().toMap().value(QStringLiteral("count")).toInt() == 3);
    mission.setTimeWindow(now.addDays(-1), {});
    REQUIRE(test::waitUntil([&] {
        return !hotspots.busy() &&
               hotspots.regions().first().toMap().value(QStringLiteral("count")).toInt() == 2;
    }));
}

TEST_CASE("Files attach to an incident with their hash and images show a preview",
          "[quick][attachments]") {
    Desk desk;
    IncidentEditor editor;
    editor.setMission(&desk.mission);
    const QString roadblock = desk.uuids.value(QStringLiteral("Roadblock on the RN16"));
    editor.edit(roadblock);
    REQUIRE(test::waitUntil([&] { return editor.active() && !editor.busy(); }));
    CHECK(editor.attachments().isEmpty());

    QImage photo(640, 480, QImage::Format_RGB32);
    photo.fill(QColor(0xd5, 0x5e, 0x00));
    const QString file = desk.dir.filePath(QStringLiteral("roadblock.png"));
    REQUIRE(photo.save(file, "PNG"));
    editor.attach(QUrl::fromLocalFile(file));
    REQUIRE(test::waitUntil([&] {
        return editor.attachments().size() == 1 && !editor.attachments()
                                                        .first()
                                                        .toMap()
                                                        .value(QStringLiteral("preview"))
                                                        .toString()
                                                        .isEmpty();
    }));
    const QVariantMap row = editor.attachments().first().toMap();
    CHECK(row.value(QStringLiteral("name")).toString() == QStringLiteral("roadblock.png"));
    CHECK(row.value(QStringLiteral("mediaType")).toString() == QStringLiteral("image/png"));
    CHECK(row.value(QStringLiteral("sha256")).toString() ==
          QString::fromLatin1(
              QCryptographicHash::hash(test::readAll(file), QCryptographicHash::Sha256).toHex()));
    // The preview: a small PNG of the photo.
    const QString preview = row.value(QStringLiteral("preview")).toString();
    REQUIRE(preview.startsWith(QStringLiteral("data:image/png;base64,")));
    const QImage small = QImage::fromData(
        QByteArray::fromBase64(preview.mid(preview.indexOf(QLatin1Char(',')) + 1).toLatin1()));
    CHECK(small.width() == 240);
    CHECK(test::colorDistance(small.pixelColor(120, 90), QColor(0xd5, 0x5e, 0x00)) < 10);

    // Reopened: still there. A file that is not there: the reason, nothing attached.
    IncidentEditor again;
    again.setMission(&desk.mission);
    again.edit(roadblock);
    REQUIRE(test::waitUntil([&] { return again.attachments().size() == 1; }));
    again.attach(QUrl::fromLocalFile(desk.dir.filePath(QStringLiteral("missing.jpg"))));
    REQUIRE(test::waitUntil([&] { return !again.busy(); }));
    CHECK_FALSE(again.error().isEmpty());
    auto m = store::MissionStore::open(desk.path, store::MissionStore::Access::ReadOnly);
    REQUIRE(m.ok());
    CHECK(m.value().attachments(roadblock).value().size() == 1);
}

namespace {

/// A GeoJSON file of `count` incidents with the standard field names around Gao; feature
/// `broken` (from 1), when set, has a severity no mission knows.
QString writeIncidentsGeoJson(const QString& path, int count, int broken = 0) {
    QFile f(path);
    REQUIRE(f.open(QIODevice::WriteOnly));
    QByteArray json = R"({"type":"FeatureCollection","features":[)";
    for (int k = 1; k <= count; ++k) {
        if (k > 1)
            json += ',';
        json +=
            QStringLiteral(
                R"({"type":"Feature","geometry":{"type":"Point","coordinates":[%1,%2]},)"
                R"("properties":{"title":"Imported report %3","category":"crime",)"
                R"("severity":"%4","status":"reported","observed_at":"2026-11-20T0%5:00:00Z"}})")
                .arg(-0.2 + (k % 100) * 0.004, 0, 'f', 4)
                .arg(16.1 + (k / 100 % 100) * 0.004, 0, 'f', 4)
                .arg(k)
                .arg(k == broken ? QStringLiteral("apocalyptic") : QStringLiteral("low"))
                .arg(k % 10)
                .toUtf8();
    }
    json += "]}";
    REQUIRE(f.write(json) == json.size());
    return path;
}

} // namespace

TEST_CASE("A file of records is imported with progress and can be cancelled or refused whole",
          "[quick][incidents][import]") {
    Desk desk;
    MissionController& mission = desk.mission;
    const qint64 before = storedCount(desk.path);
    const qsizetype shownBefore = mission.scene()->mission.incidents.size();

    SECTION("imported, with the features read told on the way") {
        const QString file =
            writeIncidentsGeoJson(desk.dir.filePath(QStringLiteral("reports.geojson")), 5000);
        QSignalSpy progress(&mission, &MissionController::importProgressChanged);
        mission.importRecordsFile(QUrl::fromLocalFile(file));
        CHECK(mission.importingFile() == QStringLiteral("reports.geojson"));
        mission.importRecordsFile(QUrl::fromLocalFile(file)); // one at a time: ignored
        REQUIRE(test::waitUntil([&] { return mission.importingFile().isEmpty(); }, 60000));
        CHECK(progress.count() >= 3); // started, at least one count, ended
        CHECK(mission.layerError().isEmpty());
        CHECK(mission.importNotice() ==
              QStringLiteral("Imported 5,000 incidents from reports.geojson"));
        CHECK(storedCount(desk.path) == before + 5000);
        // The map and the list follow.
        REQUIRE(test::waitUntil(
            [&] { return mission.scene()->mission.incidents.size() == shownBefore + 5000; }));
    }
    SECTION("cancelled: nothing of it stays") {
        const QString file =
            writeIncidentsGeoJson(desk.dir.filePath(QStringLiteral("many.geojson")), 40000);
        mission.importRecordsFile(QUrl::fromLocalFile(file));
        mission.cancelRecordsImport();
        REQUIRE(test::waitUntil([&] { return mission.importingFile().isEmpty(); }, 60000));
        CHECK(mission.layerError().isEmpty());
        CHECK(mission.importNotice().contains(QStringLiteral("cancelled")));
        CHECK(storedCount(desk.path) == before);
    }
    SECTION("refused whole with the feature that is wrong") {
        const QString file =
            writeIncidentsGeoJson(desk.dir.filePath(QStringLiteral("bad.geojson")), 300, 123);
        mission.importRecordsFile(QUrl::fromLocalFile(file));
        REQUIRE(test::waitUntil([&] { return mission.importingFile().isEmpty(); }, 60000));
        CHECK(mission.layerError().contains(QStringLiteral("123")));
        CHECK(mission.layerError().contains(QStringLiteral("apocalyptic")));
        CHECK(mission.layerError().contains(QStringLiteral("nothing was imported")));
        CHECK(storedCount(desk.path) == before);
    }
}
