// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QColor>
#include <QList>
#include <QString>

namespace tessera::render {

/// How a vector layer is drawn, parsed from the layer's JSON style in the mission:
/// {"stroke": "#ffffff", "width": 1.2, "fill": "#00000000", "dash": [4, 3],
///  "casing": "#000000", "label": "name", "rank": "rank", "point": "#ffffff"}.
/// Unknown keys are ignored; a broken style falls back to these defaults.
struct LayerStyle {
    QColor stroke{255, 255, 255};
    double width = 1.0;
    QColor fill{Qt::transparent};
    QList<qreal> dash;              ///< empty: solid
    QColor casing{Qt::transparent}; ///< a wider line under the stroke, for contrast on imagery
    QString labelField;             ///< point layers: the attribute drawn as a label
    QString rankField;              ///< point layers: smaller rank wins when labels collide
    QColor point{255, 255, 255};

    static LayerStyle fromJson(const QString& json);
};

} // namespace tessera::render
