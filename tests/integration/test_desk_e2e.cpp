// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
//
// End to end, as an analyst works: the application's own window (Main.qml and everything behind
// it) on a real X display (ctest runs this suite under xvfb-run with the xcb platform), driven
// only by keys and mouse clicks. Report an incident, annotate it, find it by text, and check
// the mission file.
#include "QuickSupport.h"
#include "TestSupport.h"
#include "quick/AnnotationDraft.h"
#include "quick/IncidentEditor.h"
#include "quick/IncidentListModel.h"
#include "quick/MapItem.h"
#include "quick/MissionController.h"
#include "quick/SharingController.h"
#include "quick/SharingModels.h"
#include "share/Identity.h"
#include "store/MissionStore.h"

#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QLineF>
#include <QProcess>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTest>
#include <QtQml/QQmlExtensionPlugin>

#include <catch2/catch.hpp>

#include <memory>

Q_IMPORT_QML_PLUGIN(TesseraPlugin)
Q_IMPORT_QML_PLUGIN(Tessera_MapPlugin)

using namespace tessera;
using namespace tessera::quick;

namespace {

using test::findItem;

/// A click in the middle of the item, where a user would click.
void click(QQuickWindow* window, QQuickItem* item) {
    REQUIRE(item);
    REQUIRE(item->isVisible());
    const QPointF centre = item->mapToScene(QPointF(item->width() / 2, item->height() / 2));
    QTest::mouseClick(window, Qt::LeftButton, Qt::NoModifier, centre.toPoint());
}

/// Types the text key by key (Qt 6.4's QTest has keyClicks for widgets only).
void type(QQuickWindow* window, const QString& text) {
    for (const QChar c : text)
        QTest::keyClick(window, c.toLatin1());
}

void press(QQuickWindow* window, Qt::Key key, Qt::KeyboardModifiers modifiers = Qt::NoModifier) {
    QTest::keyClick(window, key, modifiers);
}

const store::Marking kSectorEastMarking{QStringLiteral("UNCLASSIFIED"),
                                        QStringLiteral("REL TO UN")};

/// An empty mission around Gao, marked UNCLASSIFIED // REL TO UN.
Result<store::MissionStore> createSectorEast(const QString& path) {
    store::MissionInfo info;
    info.name = QStringLiteral("Sector East");
    info.marking = kSectorEastMarking;
    info.initialView = {-0.3, 16.0, 0.3, 16.5};
    Result<store::MissionStore> created = store::MissionStore::create(path, info);
    REQUIRE(created.ok());
    return created;
}

/// Main.qml with these initial properties, shown at `size` and active, once its mission is open.
std::unique_ptr<QObject> openWindow(QQmlEngine& engine, const QVariantMap& properties, QSize size) {
    QQmlComponent component(&engine, QUrl(QStringLiteral("qrc:/Tessera/Main.qml")));
    INFO(component.errorString().toStdString());
    REQUIRE(component.status() == QQmlComponent::Ready);
    std::unique_ptr<QObject> root(component.createWithInitialProperties(properties));
    auto* window = qobject_cast<QQuickWindow*>(root.get());
    REQUIRE(window);
    window->resize(size);
    window->show();
    window->requestActivate();
    REQUIRE(QTest::qWaitForWindowActive(window));
    auto* mission = window->findChild<MissionController*>(QStringLiteral("mission"));
    REQUIRE(mission);
    REQUIRE(test::waitUntil([&] { return mission->status() == MissionController::Status::Ready; }));
    return root;
}

} // namespace

TEST_CASE("An analyst reports an incident and annotates it and finds it again by text",
          "[e2e][incidents]") {
    INFO("platform: " << QGuiApplication::platformName().toStdString());
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("sector-east.tessera"));
    {
        auto created = createSectorEast(path);
        store::Incident earlier;
        earlier.title = QStringLiteral("Market fire");
        earlier.category = QStringLiteral("humanitarian");
        earlier.observedAt = QDateTime::currentDateTimeUtc().addDays(-1);
        earlier.location = {0.0, 16.26};
        earlier.reliability = QStringLiteral("C");
        earlier.credibility = 3;
        earlier.marking = kSectorEastMarking;
        REQUIRE(created.value().addIncident(earlier).ok());
    }

    QQmlEngine engine;
    std::unique_ptr<QObject> root =
        openWindow(engine, {{QStringLiteral("missionPath"), path}}, QSize(1600, 900));
    auto* window = qobject_cast<QQuickWindow*>(root.get());
    auto* mission = window->findChild<MissionController*>(QStringLiteral("mission"));
    auto* editor = window->findChild<IncidentEditor*>(QStringLiteral("incidentEditor"));
    auto* list = window->findChild<IncidentListModel*>(QStringLiteral("incidentList"));
    REQUIRE((mission && editor && list));
    REQUIRE(test::waitUntil([&] {
        return mission->status() == MissionController::Status::Ready && mission->records();
    }));
    QQuickItem* content = window->contentItem();

    // Ctrl+N: a new incident at the map's centre; the title field has the keyboard.
    press(window, Qt::Key_N, Qt::ControlModifier);
    REQUIRE(test::waitUntil([&] { return editor->active(); }));
    QQuickItem* title = findItem(content, QStringLiteral("titleField"));
    REQUIRE(title);
    REQUIRE(test::waitUntil([&] { return title->hasActiveFocus(); }));

    // Saved with no title: refused in the form, the reason beside the field, nothing written.
    press(window, Qt::Key_S, Qt::ControlModifier);
    QQuickItem* titleProblem = findItem(content, QStringLiteral("titleProblem"));
    REQUIRE(titleProblem);
    REQUIRE(test::waitUntil([&] { return titleProblem->isVisible(); }));
    CHECK(titleProblem->property("text").toString() == QStringLiteral("the title is empty"));

    type(window, QStringLiteral("Armed men seen at the Gao ferry"));
    click(window, findItem(content, QStringLiteral("narrativeField")));
    type(window, QStringLiteral("Two pickups with a heavy machine gun, heading north."));
    press(window, Qt::Key_S, Qt::ControlModifier);
    REQUIRE(test::waitUntil([&] { return !editor->uuid().isEmpty() && !editor->busy(); }));
    CHECK(editor->error().isEmpty());
    CHECK_FALSE(titleProblem->isVisible());
    const QString uuid = editor->uuid();
    const geo::GeoPoint editorLocation{editor->property("lon").toString().toDouble(),
                                       editor->property("lat").toString().toDouble()};
    CHECK(mission->selectedIncident() == uuid);
    REQUIRE(test::waitUntil([&] { return mission->incidentCount() == 2; }));

    // Annotated: a note in its thread.
    QQuickItem* noteField = findItem(content, QStringLiteral("noteField"));
    REQUIRE(test::waitUntil([&] { return noteField && noteField->isVisible(); }));
    click(window, noteField);
    type(window, QStringLiteral("UNPOL stopped ferry traffic until further notice"));
    press(window, Qt::Key_Return);
    REQUIRE(test::waitUntil([&] { return editor->notes().size() == 1; }));

    // Esc back to the list; Ctrl+F and a word of the note finds it, and only it.
    press(window, Qt::Key_Escape);
    REQUIRE(test::waitUntil([&] { return !editor->active(); }));
    press(window, Qt::Key_F, Qt::ControlModifier);
    QQuickItem* search = findItem(content, QStringLiteral("incidentSearch"));
    REQUIRE(test::waitUntil([&] { return search && search->hasActiveFocus(); }));
    type(window, QStringLiteral("ferry"));
    REQUIRE(test::waitUntil([&] {
        return list->text() == QStringLiteral("ferry") && !list->loading() && list->rowCount() == 1;
    }));
    CHECK(list->uuidAt(0) == uuid);
    QQuickItem* listView = findItem(content, QStringLiteral("incidentListView"));
    REQUIRE(listView);
    CHECK(listView->property("currentIndex").toInt() == 0); // the selection, highlighted
    press(window, Qt::Key_Backspace);
    type(window, QStringLiteral("ies")); // "ferries": no such word
    REQUIRE(test::waitUntil([&] { return !list->loading() && list->rowCount() == 0; }));

    // Annotated on the map too: Ctrl+D, a click beside the incident, the text, Enter.
    auto* map = window->findChild<MapItem*>(QStringLiteral("map"));
    auto* draft = window->findChild<AnnotationDraft*>(QStringLiteral("annotationDraft"));
    REQUIRE((map && draft));
    press(window, Qt::Key_Escape); // the map again, not the search field
    press(window, Qt::Key_D, Qt::ControlModifier);
    REQUIRE(test::waitUntil([&] { return draft->active(); }));
    const geo::GeoPoint near{editorLocation.lon + 0.02, editorLocation.lat + 0.02};
    const QPointF spot = map->mapToScene(map->viewport().toPixel(near));
    QTest::mouseClick(window, Qt::LeftButton, Qt::NoModifier, spot.toPoint());
    REQUIRE(test::waitUntil([&] { return draft->pointCount() == 1; }));
    click(window, findItem(content, QStringLiteral("annotationText")));
    type(window, QStringLiteral("Ferry landing"));
    press(window, Qt::Key_Return);
    REQUIRE(test::waitUntil([&] { return !draft->active(); }));

    // The ✎ Annotate button opens the drawing bar as Ctrl+D does, and a second click closes it
    // (it once cancelled the route first, whose signal reset the button before it decided).
    click(window, findItem(content, QStringLiteral("annotateButton")));
    REQUIRE(test::waitUntil([&] { return draft->active(); }));
    click(window, findItem(content, QStringLiteral("annotateButton")));
    REQUIRE(test::waitUntil([&] { return !draft->active(); }));

    // The mission file holds what was typed.
    auto opened = store::MissionStore::open(path, store::MissionStore::Access::ReadOnly);
    REQUIRE(opened.ok());
    auto incident = opened.value().incident(uuid);
    REQUIRE(incident.ok());
    CHECK(incident.value().title == QStringLiteral("Armed men seen at the Gao ferry"));
    CHECK(incident.value().narrative ==
          QStringLiteral("Two pickups with a heavy machine gun, heading north."));
    CHECK(incident.value().marking.releasability == QStringLiteral("REL TO UN"));
    CHECK(std::abs(incident.value().location.lat - 16.25) < 0.2);
    auto notes = opened.value().notes(uuid);
    REQUIRE(notes.ok());
    REQUIRE(notes.value().size() == 1);
    CHECK(notes.value().first().text ==
          QStringLiteral("UNPOL stopped ferry traffic until further notice"));
    auto all = opened.value().incidents();
    REQUIRE(all.ok());
    CHECK(all.value().size() == 2); // the refused save wrote nothing
    auto annotations = opened.value().annotations();
    REQUIRE(annotations.ok());
    REQUIRE(annotations.value().size() == 1);
    CHECK(annotations.value().first().text == QStringLiteral("Ferry landing"));
    CHECK(annotations.value().first().geometry.first().lat == Approx(near.lat).margin(0.01));
    auto changes = opened.value().changes(0);
    REQUIRE(changes.ok());
    QStringList kinds;
    for (const store::Change& c : changes.value())
        kinds << c.kind + QLatin1Char(' ') + c.op;
    CHECK(kinds == QStringList{QStringLiteral("incident insert"), QStringLiteral("incident insert"),
                               QStringLiteral("note insert"), QStringLiteral("annotation insert")});
}

TEST_CASE("A new user finds Gao by typing, then a position typed as MGRS", "[e2e][find]") {
    QTemporaryDir dir;
    const QString copy = dir.filePath(QStringLiteral("demo"));
    REQUIRE(QProcess::execute(
                QStringLiteral("cp"),
                {QStringLiteral("-r"), QFileInfo(test::demoMission()).absolutePath(), copy}) == 0);
    QQmlEngine engine;
    std::unique_ptr<QObject> root =
        openWindow(engine,
                   {{QStringLiteral("missionPath"),
                     QDir(copy).filePath(QFileInfo(test::demoMission()).fileName())}},
                   QSize(1366, 768)); // a field laptop
    auto* window = qobject_cast<QQuickWindow*>(root.get());
    auto* mission = window->findChild<MissionController*>(QStringLiteral("mission"));
    auto* map = window->findChild<MapItem*>(QStringLiteral("map"));
    REQUIRE((mission && map));
    QQuickItem* content = window->contentItem();

    // F1: the sheet of shortcuts and tools; Esc closes it.
    press(window, Qt::Key_F1);
    auto* help = window->findChild<QObject*>(QStringLiteral("helpSheet"));
    REQUIRE(help);
    REQUIRE(test::waitUntil([&] { return help->property("visible").toBool(); }));
    press(window, Qt::Key_Escape);
    REQUIRE(test::waitUntil([&] { return !help->property("visible").toBool(); }));

    // A tool tip of a button under the top banner stays off the banner.
    QQuickItem* sharingButton = findItem(content, QStringLiteral("sharingButton"));
    REQUIRE(sharingButton);
    QTest::mouseMove(
        window,
        sharingButton->mapToScene(QPointF(sharingButton->width() / 2, sharingButton->height() / 2))
            .toPoint());
    auto* tip = qvariant_cast<QObject*>(window->property("sharedToolTip"));
    REQUIRE(tip);
    REQUIRE(test::waitUntil([&] { return tip->property("visible").toBool(); }, 5000));
    auto* tipParent = qvariant_cast<QQuickItem*>(tip->property("parent"));
    REQUIRE(tipParent);
    const double tipTop = tipParent->mapToScene(QPointF(0, tip->property("y").toDouble())).y();
    // The banner is the window's header.
    auto* banner = qvariant_cast<QQuickItem*>(window->property("header"));
    REQUIRE(banner);
    REQUIRE(banner->height() > 10);
    CHECK(tipTop >= banner->height());
    QTest::mouseMove(window, QPoint(window->width() / 2, window->height() / 2));

    int interactions = 0;

    // The toolbar's Find: the field has the keyboard; "gao" and Enter.
    click(window, findItem(content, QStringLiteral("findButton")));
    ++interactions;
    QQuickItem* field = findItem(content, QStringLiteral("findField"));
    REQUIRE(test::waitUntil([&] { return field && field->hasActiveFocus(); }));
    type(window, QStringLiteral("gao"));
    interactions += 3;
    QQuickItem* results = findItem(content, QStringLiteral("findResults"));
    REQUIRE(results);
    REQUIRE(test::waitUntil([&] { return results->property("count").toInt() >= 2; }));
    press(window, Qt::Key_Return);
    ++interactions;
    QQuickItem* marker = findItem(content, QStringLiteral("foundMarker"));
    REQUIRE(test::waitUntil([&] { return marker && marker->isVisible(); }));
    CHECK(findItem(content, QStringLiteral("foundLabel"))->property("text").toString() ==
          QStringLiteral("Gao"));
    CHECK_FALSE(findItem(content, QStringLiteral("findBar"))->isVisible());
    // The view is on Gao, close enough to see the town (a quarter of a degree across).
    const QRectF view = map->geoExtent();
    CHECK(view.contains(QPointF(-0.04, 16.27)));
    CHECK(view.height() < 0.5);
    // The marker stands on Gao on the screen.
    const QPointF gao = map->mapToScene(map->viewport().toPixel(geo::GeoPoint{-0.04, 16.27}));
    const QPointF at = marker->mapToScene(QPointF(0, 0));
    CHECK(QLineF(gao, at).length() < 30.0);
    INFO("interactions to find Gao: " << interactions);
    CHECK(interactions == 5);

    // Ctrl+K and an MGRS reference to the metre: the view closes in on it.
    press(window, Qt::Key_K, Qt::ControlModifier);
    REQUIRE(test::waitUntil([&] { return field->hasActiveFocus(); }));
    type(window, QStringLiteral("30QZD1638501092"));
    REQUIRE(test::waitUntil([&] {
        return results->property("count").toInt() == 1 &&
               findItem(content, QStringLiteral("findBar"))->isVisible();
    }));
    press(window, Qt::Key_Return);
    REQUIRE(test::waitUntil([&] {
        return findItem(content, QStringLiteral("foundLabel"))->property("text").toString() ==
               QStringLiteral("16.27000° N, 0.04000° W");
    }));
    CHECK(map->geoExtent().height() < 0.1);
    CHECK(map->geoExtent().contains(QPointF(-0.04, 16.27)));

    // Something that is neither: said in the bar, the view unchanged.
    const QRectF before = map->geoExtent();
    press(window, Qt::Key_K, Qt::ControlModifier);
    type(window, QStringLiteral("qqqzz"));
    QQuickItem* message = findItem(content, QStringLiteral("findMessage"));
    REQUIRE(test::waitUntil([&] { return message && message->isVisible(); }));
    CHECK(message->property("text").toString().contains(QStringLiteral("qqqzz")));
    press(window, Qt::Key_Return);
    press(window, Qt::Key_Escape);
    REQUIRE(test::waitUntil(
        [&] { return !findItem(content, QStringLiteral("findBar"))->isVisible(); }));
    CHECK(map->geoExtent() == before);
    // Esc on the map clears the marker.
    press(window, Qt::Key_Escape);
    REQUIRE(test::waitUntil([&] { return !marker->isVisible(); }));

    // A new incident placed by a click: Ctrl+N, the title, a click on the map (the preview
    // marker goes there), the time as a date-time group, Ctrl+S.
    auto* editor = window->findChild<IncidentEditor*>(QStringLiteral("incidentEditor"));
    REQUIRE(editor);
    int placing = 0;
    press(window, Qt::Key_N, Qt::ControlModifier);
    ++placing;
    REQUIRE(test::waitUntil([&] { return editor->active(); }));
    QQuickItem* title = findItem(content, QStringLiteral("titleField"));
    REQUIRE(test::waitUntil([&] { return title && title->hasActiveFocus(); }));
    type(window, QStringLiteral("Checkpoint at the bridge"));
    ++placing;
    // A whole pixel, as a mouse gives.
    const QPointF spot =
        map->mapToScene(QPointF(map->width() * 0.6, map->height() * 0.45)).toPoint();
    QTest::mouseClick(window, Qt::LeftButton, Qt::NoModifier, spot.toPoint());
    ++placing;
    const geo::GeoPoint clicked = map->viewport().toGeo(map->mapFromScene(spot));
    REQUIRE(test::waitUntil([&] {
        return std::abs(editor->property("lat").toString().toDouble() - clicked.lat) < 1e-4;
    }));
    CHECK(std::abs(editor->property("lon").toString().toDouble() - clicked.lon) < 1e-4);
    QQuickItem* preview = findItem(content, QStringLiteral("formMarker"));
    REQUIRE(preview);
    REQUIRE(test::waitUntil([&] {
        return preview->isVisible() &&
               QLineF(preview->mapToScene(QPointF(0, 0)), spot).length() < 3;
    }));
    QQuickItem* observed = findItem(content, QStringLiteral("observedField"));
    click(window, observed);
    press(window, Qt::Key_A, Qt::ControlModifier);
    type(window, QStringLiteral("071330ZDEC26"));
    placing += 2;
    press(window, Qt::Key_S, Qt::ControlModifier);
    ++placing;
    REQUIRE(test::waitUntil([&] { return !editor->uuid().isEmpty() && !editor->busy(); }));
    const QString placed = editor->uuid();
    // The confirmation, for a few seconds.
    QQuickItem* toast = findItem(content, QStringLiteral("historyToast"));
    REQUIRE(toast);
    REQUIRE(test::waitUntil([&] { return toast->isVisible(); }));
    CHECK(mission->history()->message() ==
          QStringLiteral("Saved: new incident Checkpoint at the bridge"));
    INFO("interactions to place and save an incident: " << placing);
    CHECK(placing == 6);
    {
        auto opened = store::MissionStore::open(
            QDir(copy).filePath(QFileInfo(test::demoMission()).fileName()),
            store::MissionStore::Access::ReadOnly);
        REQUIRE(opened.ok());
        auto saved = opened.value().incident(placed);
        REQUIRE(saved.ok());
        CHECK(saved.value().location.lat == Approx(clicked.lat).margin(1e-5));
        CHECK(saved.value().location.lon == Approx(clicked.lon).margin(1e-5));
        CHECK(saved.value().observedAt == QDateTime(QDate(2026, 12, 7), QTime(13, 30), Qt::UTC));
    }
    // Esc leaves the form (and the Place tool); Del deletes the selected incident; Ctrl+Z
    // brings it back.
    press(window, Qt::Key_Escape);
    REQUIRE(test::waitUntil([&] { return !editor->active(); }));
    CHECK(map->tool() == MapItem::Tool::Pan);
    REQUIRE(mission->selectedIncident() == placed);
    const int count = mission->incidentCount();
    map->forceActiveFocus();
    press(window, Qt::Key_Delete);
    REQUIRE(test::waitUntil([&] { return mission->incidentCount() == count - 1; }));
    CHECK(mission->history()->message().startsWith(QStringLiteral("Deleted Checkpoint")));
    press(window, Qt::Key_Z, Qt::ControlModifier);
    REQUIRE(test::waitUntil([&] { return mission->incidentCount() == count; }));
}

TEST_CASE("A new station sets up sharing in the panel: its identity made, a peer's card trusted",
          "[e2e][sharing]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("sector-east.tessera"));
    REQUIRE(createSectorEast(path).ok());
    // The peer, made elsewhere: its card is what its operator sends, its fingerprint what they
    // read out.
    Result<share::Identity> peer = share::Identity::create({QStringLiteral("FORCE HQ"),
                                                            QStringLiteral("FRA"),
                                                            {QStringLiteral("UN")},
                                                            share::Classification::Secret,
                                                            {}});
    REQUIRE(peer.ok());
    const QString peerCard = peer.value().card().text();
    const QString peerFingerprint = peer.value().card().fingerprintText();

    QQmlEngine engine;
    const QString identity = dir.filePath(QStringLiteral("station.identity"));
    std::unique_ptr<QObject> root = openWindow(
        engine,
        {{QStringLiteral("missionPath"), path},
         {QStringLiteral("identityPath"), identity},
         {QStringLiteral("contactsPath"), dir.filePath(QStringLiteral("contacts.cbor"))}},
        QSize(1366, 768));
    auto* window = qobject_cast<QQuickWindow*>(root.get());
    auto* sharing = window->findChild<SharingController*>(QStringLiteral("sharing"));
    REQUIRE(sharing);
    QQuickItem* content = window->contentItem();
    int interactions = 0;

    click(window, findItem(content, QStringLiteral("sharingButton")));
    ++interactions;
    REQUIRE(test::waitUntil(
        [&] { return sharing->identityState() == SharingController::IdentityState::Missing; }));
    QQuickItem* createForm = findItem(content, QStringLiteral("createIdentity"));
    REQUIRE(test::waitUntil([&] { return createForm && createForm->isVisible(); }));
    auto fill = [&](const char* field, const QString& text) {
        click(window, findItem(content, QString::fromLatin1(field)));
        type(window, text);
        interactions += 2;
    };
    fill("newStationName", QStringLiteral("SECTOR EAST JOC"));
    fill("newStationOrg", QStringLiteral("NLD"));
    fill("newStationCommunities", QStringLiteral("UN"));
    // A weak passphrase is said to be weak, and Create stays off.
    fill("newPassphrase", QStringLiteral("password"));
    QQuickItem* strength = findItem(content, QStringLiteral("passphraseStrength"));
    QQuickItem* create = findItem(content, QStringLiteral("createIdentityButton"));
    REQUIRE((strength && create));
    CHECK(strength->property("text").toString().startsWith(QStringLiteral("✖")));
    CHECK_FALSE(create->isEnabled());
    press(window, Qt::Key_A, Qt::ControlModifier);
    type(window, QStringLiteral("Niger river at Gao, 4 bridges"));
    fill("newPassphraseAgain", QStringLiteral("Niger river at Gao, 4 bridges"));
    REQUIRE(test::waitUntil([&] { return create->isEnabled(); }));
    CHECK(strength->property("text").toString().startsWith(QStringLiteral("✔")));
    click(window, create);
    ++interactions;
    REQUIRE(test::waitUntil(
        [&] { return sharing->identityState() == SharingController::IdentityState::Unlocked; },
        60000));
    REQUIRE(test::waitUntil([&] { return !sharing->cardText().isEmpty(); }));
    CHECK(sharing->stationName() == QStringLiteral("SECTOR EAST JOC"));
    CHECK(QFileInfo::exists(identity));
    // The passphrase is not kept in the form.
    CHECK(
        findItem(content, QStringLiteral("newPassphrase"))->property("text").toString().isEmpty());

    // The peer's card pasted (typed here), its fingerprint read out and typed: trusted.
    fill("cardInput", peerCard);
    QQuickItem* summary = findItem(content, QStringLiteral("cardSummary"));
    REQUIRE(test::waitUntil([&] {
        return summary && summary->property("text").toString().contains(QStringLiteral("FORCE HQ"));
    }));
    QQuickItem* trust = findItem(content, QStringLiteral("trustButton"));
    REQUIRE(trust);
    // A wrong fingerprint: no trust.
    fill("typedFingerprint", QStringLiteral("0000 1111 2222 3333 4444 5555 6666 7777"));
    CHECK_FALSE(trust->isEnabled());
    press(window, Qt::Key_A, Qt::ControlModifier);
    type(window, peerFingerprint.section(QLatin1Char(' '), 0, 7));
    QQuickItem* match = findItem(content, QStringLiteral("fingerprintMatch"));
    REQUIRE(match);
    INFO("typed: " << findItem(content, QStringLiteral("typedFingerprint"))
                          ->property("text")
                          .toString()
                          .toStdString()
                   << " / shown: " << match->property("text").toString().toStdString()
                   << " / card: " << peerFingerprint.toStdString());
    REQUIRE(test::waitUntil([&] { return trust->isEnabled(); }));
    click(window, trust);
    ++interactions;
    REQUIRE(test::waitUntil([&] { return sharing->peers()->count() == 1; }, 30000));
    CHECK(sharing->peers()->value(0, QStringLiteral("name")).toString() ==
          QStringLiteral("FORCE HQ"));
    CHECK(sharing->releaseAudiences().contains(QStringLiteral("FRA")));
    // Counted as a user who gets it right goes: open the panel, five fields (a click and the
    // text each), Create, the card and the fingerprint (a click and the text each), Trust. The
    // weak passphrase and the wrong fingerprint above stand in for the right ones in the count.
    INFO("interactions to create an identity and trust a card: " << interactions);
    CHECK(interactions == 17);
}
