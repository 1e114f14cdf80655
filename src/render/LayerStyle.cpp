// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "render/LayerStyle.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace tessera::render {

namespace {
QColor colorOr(const QJsonObject& o, const char* key, QColor fallback) {
    const QColor c = QColor::fromString(o.value(QLatin1String(key)).toString());
    return c.isValid() ? c : fallback;
}
} // namespace

LayerStyle LayerStyle::fromJson(const QString& json) {
    LayerStyle style;
    const QJsonObject o = QJsonDocument::fromJson(json.toUtf8()).object();
    style.stroke = colorOr(o, "stroke", style.stroke);
    style.width = o.value(QLatin1String("width")).toDouble(style.width);
    style.fill = colorOr(o, "fill", style.fill);
    style.casing = colorOr(o, "casing", style.casing);
    style.point = colorOr(o, "point", style.point);
    style.labelField = o.value(QLatin1String("label")).toString();
    style.rankField = o.value(QLatin1String("rank")).toString();
    for (const QJsonValue v : o.value(QLatin1String("dash")).toArray())
        if (v.toDouble() > 0.0)
            style.dash.append(v.toDouble());
    return style;
}

} // namespace tessera::render
