// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/Mission.h"

#include <QDir>
#include <QFileInfo>

#include <array>
#include <utility>

namespace tessera::store {

namespace {
template <typename Enum, std::size_t N>
QString nameOf(Enum value, const std::array<std::pair<Enum, const char*>, N>& names) {
    for (const auto& [e, name] : names)
        if (e == value)
            return QString::fromLatin1(name);
    return {};
}
template <typename Enum, std::size_t N>
std::optional<Enum> valueOf(const QString& text,
                            const std::array<std::pair<Enum, const char*>, N>& names) {
    for (const auto& [e, name] : names)
        if (text == QLatin1String(name))
            return e;
    return std::nullopt;
}

constexpr std::array<std::pair<Severity, const char*>, 4> kSeverities{{
    {Severity::Low, "low"},
    {Severity::Medium, "medium"},
    {Severity::High, "high"},
    {Severity::Critical, "critical"},
}};
constexpr std::array<std::pair<IncidentStatus, const char*>, 3> kIncidentStatuses{{
    {IncidentStatus::Reported, "reported"},
    {IncidentStatus::Confirmed, "confirmed"},
    {IncidentStatus::Resolved, "resolved"},
}};
constexpr std::array<std::pair<RouteStatus, const char*>, 3> kRouteStatuses{{
    {RouteStatus::Planned, "planned"},
    {RouteStatus::InProgress, "in_progress"},
    {RouteStatus::Completed, "completed"},
}};
constexpr std::array<std::pair<LayerKind, const char*>, 2> kLayerKinds{{
    {LayerKind::Raster, "raster"},
    {LayerKind::Vector, "vector"},
}};
constexpr std::array<std::pair<AnnotationKind, const char*>, 3> kAnnotationKinds{{
    {AnnotationKind::Point, "point"},
    {AnnotationKind::Line, "line"},
    {AnnotationKind::Area, "area"},
}};
constexpr std::array<std::pair<const char*, const char*>, 10> kCategories{{
    {"armed_clash", "Armed clash"},
    {"ied", "IED"},
    {"indirect_fire", "Indirect fire"},
    {"ambush", "Ambush"},
    {"abduction", "Abduction"},
    {"civil_unrest", "Civil unrest"},
    {"crime", "Crime"},
    {"humanitarian", "Humanitarian"},
    {"displacement", "Displacement"},
    {"uxo", "Mine / UXO"},
}};
} // namespace

QString toString(Severity value) {
    return nameOf(value, kSeverities);
}
QString toString(IncidentStatus value) {
    return nameOf(value, kIncidentStatuses);
}
QString toString(RouteStatus value) {
    return nameOf(value, kRouteStatuses);
}
QString toString(LayerKind value) {
    return nameOf(value, kLayerKinds);
}
QString toString(AnnotationKind value) {
    return nameOf(value, kAnnotationKinds);
}
std::optional<AnnotationKind> annotationKindFromString(const QString& text) {
    return valueOf(text, kAnnotationKinds);
}
std::optional<Severity> severityFromString(const QString& text) {
    return valueOf(text, kSeverities);
}
std::optional<IncidentStatus> incidentStatusFromString(const QString& text) {
    return valueOf(text, kIncidentStatuses);
}
std::optional<RouteStatus> routeStatusFromString(const QString& text) {
    return valueOf(text, kRouteStatuses);
}
std::optional<LayerKind> layerKindFromString(const QString& text) {
    return valueOf(text, kLayerKinds);
}

const QStringList& incidentCategories() {
    static const QStringList keys = [] {
        QStringList list;
        for (const auto& [key, label] : kCategories)
            list.append(QString::fromLatin1(key));
        return list;
    }();
    return keys;
}

QString categoryLabel(const QString& category) {
    for (const auto& [key, label] : kCategories)
        if (category == QLatin1String(key))
            return QString::fromLatin1(label);
    return category;
}

QDateTime nextStaleAfter(const QHash<QString, QDateTime>& staleAt, const QDateTime& now) {
    QDateTime next;
    for (const QDateTime& at : staleAt)
        if (at.isValid() && at > now && (!next.isValid() || at < next))
            next = at;
    return next;
}

QString MissionSnapshot::resolveSource(const LayerSpec& layer) const {
    if (QFileInfo(layer.source).isAbsolute())
        return layer.source;
    return QFileInfo(path).absoluteDir().filePath(layer.source);
}

} // namespace tessera::store
