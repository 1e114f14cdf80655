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
    style.size = o.value(QLatin1String("size")).toDouble(style.size);
    style.fill = colorOr(o, "fill", style.fill);
    style.casing = colorOr(o, "casing", style.casing);
    style.point = colorOr(o, "point", style.point);
    style.labelField = o.value(QLatin1String("label")).toString();
    style.rankField = o.value(QLatin1String("rank")).toString();
    for (const QJsonValue v : o.value(QLatin1String("dash")).toArray())
        if (v.toDouble() > 0.0)
            style.dash.append(v.toDouble());
    const QJsonObject classes = o.value(QLatin1String("classes")).toObject();
    style.classField = classes.value(QLatin1String("field")).toString();
    // The order of the file is the legend's: an array of [value, colour] pairs keeps it.
    for (const QJsonValue v : classes.value(QLatin1String("fills")).toArray()) {
        const QJsonArray pair = v.toArray();
        const QColor c = QColor::fromString(pair.at(1).toString());
        if (pair.size() == 2 && c.isValid())
            style.classFills.append({pair.at(0).toString(), c});
    }
    return style;
}

RasterStyle RasterStyle::fromJson(const QString& json) {
    RasterStyle style;
    const QJsonObject o = QJsonDocument::fromJson(json.toUtf8()).object();
    for (const QJsonValue v : o.value(QLatin1String("bands")).toArray())
        if (v.toInt() > 0)
            style.bands.append(v.toInt());
    const QJsonValue stretch = o.value(QLatin1String("stretch"));
    if (stretch.toString() == QLatin1String("none")) {
        style.stretch = Stretch::None;
    } else if (stretch.isObject()) {
        for (const QJsonValue v : stretch.toObject().value(QLatin1String("min")).toArray())
            style.minimum.append(v.toDouble());
        for (const QJsonValue v : stretch.toObject().value(QLatin1String("max")).toArray())
            style.maximum.append(v.toDouble());
        if (!style.minimum.isEmpty() && style.minimum.size() == style.maximum.size())
            style.stretch = Stretch::Fixed;
    }
    return style;
}

} // namespace tessera::render
