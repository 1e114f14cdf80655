// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QColor>
#include <QList>
#include <QString>

namespace tessera::render {

/// How a vector layer is drawn, parsed from the layer's JSON style in the mission:
/// {"stroke": "#ffffff", "width": 1.2, "fill": "#00000000", "dash": [4, 3],
///  "casing": "#000000", "label": "name", "rank": "rank", "point": "#ffffff", "size": 3,
///  "classes": {"field": "pattern", "fills": [["new hot spot", "#ff000080"], ...]}}.
/// `classes` fills each polygon by the value of one of its fields (a thematic layer: the emerging
/// hot spots' patterns); a value it does not list keeps `fill`.
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
    double size = 3.0;                        ///< point symbol radius in pixels
    QString classField;                       ///< polygons filled by this field's value ...
    QList<QPair<QString, QColor>> classFills; ///< ... with these colours, in legend order

    static LayerStyle fromJson(const QString& json);
};

/// How a raster layer is drawn, from the layer's JSON style in the mission:
/// {"bands": [3, 2, 1], "stretch": "auto" | "none" | {"min": [..], "max": [..]}}.
/// bands: which source bands become red, green, blue (one band: grey); empty picks by the
/// bands' colour interpretation. stretch: how values map to 0..255; "auto" (the default) stretches
/// between the 2nd and 98th percentiles unless the raster already is 8-bit RGB or grey.
struct RasterStyle {
    enum class Stretch { Auto, None, Fixed };
    QList<int> bands;
    Stretch stretch = Stretch::Auto;
    QList<double> minimum; ///< Fixed: per output band
    QList<double> maximum;

    static RasterStyle fromJson(const QString& json);
};

} // namespace tessera::render
