// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/Mission.h"

#include <QColor>

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
