// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/Mission.h"

#include <QColor>
#include <QHash>

namespace tessera::render {

/// Colours of the operational picture, from the Okabe-Ito palette so that readers with the common
/// forms of colour blindness can tell severities apart; marker size repeats severity as a second
/// cue.
namespace palette {

QColor severity(store::Severity s);
/// The same by the schema's name ("critical", ...); an unknown name gets low's colour.
QColor severity(const QString& name);
/// Marker radius in pixels: larger for more severe incidents.
double severityRadius(store::Severity s);
QColor routeStatus(store::RouteStatus s);

/// The shape of an incident's marker says what kind of incident it is, its colour how severe:
/// two cues that do not depend on each other (nor on telling colours apart). Diamonds for
/// attacks (the hostile frame of APP-6), squares for crime and unrest, circles for humanitarian
/// events, triangles (a warning sign) for mines and unexploded ordnance. Clusters stay discs.
enum class MarkerShape { Circle, Diamond, Square, Triangle };
MarkerShape categoryShape(const QString& category);
/// The shapes in the legend's order, each with the categories it stands for in words.
struct ShapeKey {
    MarkerShape shape;
    QString label;
    QStringList categories;
};
const QList<ShapeKey>& shapeKeys();
/// How many of the incidents counted by category (store::Situation::byCategory) are drawn as
/// `shape`.
int countByShape(const QHash<QString, int>& byCategory, MarkerShape shape);
/// "diamond", "square", "circle", "triangle": the legend draws it.
QString shapeName(MarkerShape shape);
/// Analysts' annotations (lines, areas, points): bluish green, a hue no severity or route
/// status uses.
QColor annotation();
/// Fill of a marker whose information is past its stale time.
QColor staleFill();
/// Background where no layer has data.
QColor mapBackground();
QColor labelText();
QColor labelHalo();

} // namespace palette
} // namespace tessera::render
