// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
//
// The window fits a field laptop and a desk screen (issue 21): Main.qml on the demo mission laid
// out at 1366x768 and 1920x1080, text scale 1 and 1.5, dark and light, and measured: no panel
// leaves the window, no two panels overlap, the toolbar never runs under the legend, the status
// bar's fields never run into each other, and the incident form's marking fields show their
// whole text. Offscreen, software scene graph (the test main's defaults).
#include "QuickSupport.h"
#include "TestSupport.h"
#include "quick/MapItem.h"
#include "quick/MissionController.h"

#include <QQmlComponent>
#include <QQmlEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QTest>
#include <QtQml/QQmlExtensionPlugin>

#include <catch2/catch.hpp>

#include <memory>

Q_IMPORT_QML_PLUGIN(TesseraPlugin)
Q_IMPORT_QML_PLUGIN(Tessera_MapPlugin)

using namespace tessera;
using namespace tessera::quick;
using test::findItem;

namespace {

struct Placed {
    QString name;
    QRectF rect; ///< in the window
};

QRectF sceneRect(const QQuickItem* item) {
    return item->mapRectToScene(QRectF(0, 0, item->width(), item->height()));
}

/// Overlap of more than a pixel each way (touching edges and rounding are fine).
bool overlaps(const QRectF& a, const QRectF& b) {
    const QRectF both = a.intersected(b);
    return both.width() > 1.0 && both.height() > 1.0;
}

std::string describe(const Placed& p) {
    const QRectF& r = p.rect;
    return QStringLiteral("%1 [%2,%3 %4x%5]")
        .arg(p.name)
        .arg(r.x())
        .arg(r.y())
        .arg(r.width())
        .arg(r.height())
        .toStdString();
}

} // namespace

TEST_CASE("The window lays out without overlaps at laptop and desk sizes, text 1 and 1.5, "
          "dark and light",
          "[layout]") {
    const QSize sizes[] = {QSize(1366, 768), QSize(1920, 1080)};
    const double scales[] = {1.0, 1.5};
    const char* themes[] = {"dark", "light"};
    for (const QSize size : sizes)
        for (const double scale : scales)
            for (const char* theme : themes) {
                const std::string combination = QStringLiteral("%1x%2, text %3, %4")
                                                    .arg(size.width())
                                                    .arg(size.height())
                                                    .arg(scale)
                                                    .arg(QLatin1String(theme))
                                                    .toStdString();
                INFO(combination);
                QQmlEngine engine;
                QQmlComponent component(&engine, QUrl(QStringLiteral("qrc:/Tessera/Main.qml")));
                REQUIRE(component.status() == QQmlComponent::Ready);
                std::unique_ptr<QObject> root(component.createWithInitialProperties(
                    {{QStringLiteral("missionPath"), test::demoMission()},
                     {QStringLiteral("textScale"), scale},
                     {QStringLiteral("theme"), QString::fromLatin1(theme)},
                     {QStringLiteral("openPanel"), QStringLiteral("incidents")},
                     {QStringLiteral("startEditing"), QStringLiteral("new")}}));
                auto* window = qobject_cast<QQuickWindow*>(root.get());
                REQUIRE(window);
                window->resize(size);
                window->show();
                auto* mission = window->findChild<MissionController*>(QStringLiteral("mission"));
                auto* map = window->findChild<MapItem*>(QStringLiteral("map"));
                REQUIRE((mission && map));
                // Laid out once the mission is open and the map has its view (the tiles being
                // drawn changes no panel's place).
                REQUIRE(test::waitUntil(
                    [&] {
                        return mission->status() == MissionController::Status::Ready &&
                               map->geoExtent().width() > 0;
                    },
                    120000));
                QTest::qWait(100);
                QQuickItem* content = window->contentItem();
                // The pointer over the map: the status bar shows a position and an MGRS square.
                // (Two moves: a window opened where the last one was sees no move to where the
                // pointer already is.)
                QTest::mouseMove(window, QPoint(size.width() / 2 - 7, size.height() / 2 - 5));
                QTest::mouseMove(window, QPoint(size.width() / 2, size.height() / 2));
                REQUIRE(test::waitUntil([&] { return map->hasCursor(); }, 5000));
                const QRectF inside(0, 0, size.width(), size.height());

                // The panels, each where a user sees it.
                QList<Placed> panels;
                auto add = [&](const char* name) {
                    QQuickItem* item = findItem(content, QString::fromLatin1(name));
                    REQUIRE(item);
                    if (item->isVisible() && item->width() > 0 && item->height() > 0)
                        panels.append({QString::fromLatin1(name), sceneRect(item)});
                };
                for (const char* name : {"missionHeader", "mapControls", "northArrow", "timePanel",
                                         "scaleBar", "incidentPanel"})
                    add(name);
                // The side column shows what fits of the legend and layers (it scrolls).
                QQuickItem* side = findItem(content, QStringLiteral("sidePanels"));
                QQuickItem* legend = findItem(content, QStringLiteral("legendPanel"));
                REQUIRE((side && legend));
                panels.append(
                    {QStringLiteral("legend"), sceneRect(legend).intersected(sceneRect(side))});
                QQuickItem* toolbar = findItem(content, QStringLiteral("toolbar"));
                REQUIRE(toolbar);
                int buttons = 0;
                for (QQuickItem* button : toolbar->childItems()) {
                    if (!button->isVisible())
                        continue;
                    ++buttons;
                    panels.append({button->objectName(), sceneRect(button)});
                    // Its whole label: never narrower than it needs.
                    CHECK(button->width() >= button->implicitWidth() - 0.5);
                }
                CHECK(buttons == 7);
                for (const Placed& p : panels) {
                    INFO(describe(p));
                    CHECK(inside.contains(p.rect.adjusted(1, 1, -1, -1)));
                }
                for (qsizetype i = 0; i < panels.size(); ++i)
                    for (qsizetype j = i + 1; j < panels.size(); ++j) {
                        INFO(describe(panels[i]) << " and " << describe(panels[j]));
                        CHECK_FALSE(overlaps(panels[i].rect, panels[j].rect));
                    }

                // The status bar: its fields side by side, none cut, a hint only where it fits.
                QList<Placed> fields;
                for (const char* name :
                     {"cursorLatLon", "cursorMgrs", "zoomLevel", "navigationHint"}) {
                    QQuickItem* text = findItem(content, QString::fromLatin1(name));
                    REQUIRE(text);
                    if (!text->isVisible() || text->opacity() == 0.0 ||
                        text->property("text").toString().isEmpty())
                        continue;
                    CHECK_FALSE(text->property("truncated").toBool());
                    // What it draws: its text's width from where its alignment puts it, which
                    // may be wider than the room it was given (and then runs into the next).
                    const QRectF room = sceneRect(text);
                    const double drawnWidth = text->property("contentWidth").toDouble();
                    const bool right =
                        text->property("horizontalAlignment").toInt() == Qt::AlignRight;
                    const QRectF drawn(right ? room.right() - drawnWidth : room.left(), room.top(),
                                       drawnWidth, room.height());
                    fields.append({QString::fromLatin1(name), drawn});
                    INFO(describe(fields.last()));
                    CHECK(inside.contains(drawn.adjusted(1, 1, -1, -1)));
                }
                QStringList shownFields;
                for (const Placed& f : fields)
                    shownFields.append(f.name);
                INFO("status bar shows: " << shownFields.join(QStringLiteral(", ")).toStdString());
                CHECK(fields.size() >= 3); // position, MGRS and zoom at least
                for (qsizetype i = 0; i < fields.size(); ++i)
                    for (qsizetype j = i + 1; j < fields.size(); ++j) {
                        INFO(describe(fields[i]) << " and " << describe(fields[j]));
                        CHECK_FALSE(overlaps(fields[i].rect, fields[j].rect));
                    }

                // The new incident's marking fields show their whole text.
                for (const char* name : {"classificationField", "releasabilityField"}) {
                    QQuickItem* field = findItem(content, QString::fromLatin1(name));
                    REQUIRE(field);
                    REQUIRE(test::waitUntil([&] { return field->isVisible(); }));
                    // A combo box shows its text in its content item; a text field is its own.
                    auto* shown = qvariant_cast<QQuickItem*>(field->property("contentItem"));
                    QQuickItem* text = shown ? shown : field;
                    const double room = text->width() - text->property("leftPadding").toDouble() -
                                        text->property("rightPadding").toDouble();
                    INFO(name << ": " << text->property("text").toString().toStdString()
                              << ", room " << room);
                    CHECK_FALSE(text->property("text").toString().isEmpty());
                    CHECK(text->property("contentWidth").toDouble() <= room + 0.5);
                    CHECK(text->property("contentHeight").toDouble() <= field->height());
                }
            }
}
