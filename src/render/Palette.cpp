// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "render/Palette.h"

namespace tessera::render::palette {

QColor severity(const QString& name) {
    return severity(store::severityFromString(name).value_or(store::Severity::Low));
}

QColor severity(store::Severity s) {
    switch (s) {
    case store::Severity::Critical:
        return QColor(0xD5, 0x5E, 0x00); // vermillion
    case store::Severity::High:
        return QColor(0xE6, 0x9F, 0x00); // orange
    case store::Severity::Medium:
        return QColor(0xF0, 0xE4, 0x42); // yellow
    case store::Severity::Low:
        return QColor(0x56, 0xB4, 0xE9); // sky blue
    }
    return Qt::white;
}

const QList<ShapeKey>& shapeKeys() {
    static const QList<ShapeKey> keys{
        {MarkerShape::Diamond,
         QStringLiteral("Attacks and IEDs"),
         {QStringLiteral("armed_clash"), QStringLiteral("ambush"), QStringLiteral("ied"),
          QStringLiteral("indirect_fire")}},
        {MarkerShape::Square,
         QStringLiteral("Crime and unrest"),
         {QStringLiteral("crime"), QStringLiteral("abduction"), QStringLiteral("civil_unrest")}},
        {MarkerShape::Circle,
         QStringLiteral("Humanitarian"),
         {QStringLiteral("humanitarian"), QStringLiteral("displacement")}},
        {MarkerShape::Triangle, QStringLiteral("Mines and UXO"), {QStringLiteral("uxo")}},
    };
    return keys;
}

MarkerShape categoryShape(const QString& category) {
    for (const ShapeKey& key : shapeKeys())
        if (key.categories.contains(category))
            return key.shape;
    return MarkerShape::Circle; // a category from elsewhere: the plain marker
}

int countByShape(const QHash<QString, int>& byCategory, MarkerShape shape) {
    int count = 0;
    for (auto it = byCategory.cbegin(); it != byCategory.cend(); ++it)
        count += categoryShape(it.key()) == shape ? it.value() : 0;
    return count;
}

QString shapeName(MarkerShape shape) {
    switch (shape) {
    case MarkerShape::Diamond:
        return QStringLiteral("diamond");
    case MarkerShape::Square:
        return QStringLiteral("square");
    case MarkerShape::Triangle:
        return QStringLiteral("triangle");
    case MarkerShape::Circle:
        break;
    }
    return QStringLiteral("circle");
}

double severityRadius(store::Severity s) {
    switch (s) {
    case store::Severity::Critical:
        return 10.0;
    case store::Severity::High:
        return 8.0;
    case store::Severity::Medium:
        return 7.0;
    case store::Severity::Low:
        return 6.0;
    }
    return 6.0;
}

QColor routeStatus(store::RouteStatus s) {
    switch (s) {
    case store::RouteStatus::Planned:
        return QColor(0xFF, 0xFF, 0xFF);
    case store::RouteStatus::InProgress:
        return QColor(0x00, 0xD8, 0xFF);
    case store::RouteStatus::Completed:
        return QColor(0xCC, 0x79, 0xA7); // reddish purple
    }
    return Qt::white;
}

QColor annotation() {
    return QColor(0x00, 0x9E, 0x73); // bluish green
}

QColor staleFill() {
    return QColor(0x8C, 0x8C, 0x8C, 0xD0); // mid grey, a little see-through
}

QColor mapBackground() {
    return QColor(0x0B, 0x16, 0x24);
}
QColor labelText() {
    return QColor(0xFF, 0xFF, 0xFF);
}
QColor labelHalo() {
    return QColor(0x10, 0x10, 0x10, 220);
}

} // namespace tessera::render::palette
