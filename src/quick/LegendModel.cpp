// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/LegendModel.h"

#include "quick/MissionController.h"
#include "render/Palette.h"
#include "render/VectorLayer.h"
#include "store/Situation.h"

namespace tessera::quick {

LegendModel::LegendModel(QObject* parent)
    : QAbstractListModel(parent) {
    staleClock_.setSingleShot(true);
    staleClock_.setTimerType(Qt::PreciseTimer); // a coarse timer may fire a little early
    connect(&staleClock_, &QTimer::timeout, this, &LegendModel::recountStale);
    rebuild();
}

namespace {
int staleNow(const store::MissionSnapshot& mission, const QDateTime& now) {
    int stale = 0;
    for (const store::Incident& i : mission.incidents) {
        const QDateTime at = mission.staleAt.value(i.uuid);
        stale += at.isValid() && now > at ? 1 : 0;
    }
    return stale;
}
} // namespace

void LegendModel::recountStale() {
    const auto scene = mission_ ? mission_->scene() : nullptr;
    if (!scene) {
        staleClock_.stop();
        return;
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (qsizetype row = 0; row < rows_.size(); ++row)
        if (rows_[row].kind == QStringLiteral("stale")) {
            const int stale = staleNow(scene->mission, now);
            if (rows_[row].count != stale) {
                rows_[row].count = stale;
                emit dataChanged(index(static_cast<int>(row)), index(static_cast<int>(row)),
                                 {CountRole});
            }
        }
    armForNextStale(staleClock_, scene->mission.staleAt);
}

void LegendModel::setMission(MissionController* mission) {
    if (!followMission(mission_, mission, this, &LegendModel::rebuild))
        return;
    if (mission_)
        connect(mission_, &MissionController::timeWindowChanged, this, &LegendModel::rebuild);
    emit missionChanged();
}

void LegendModel::rebuild() {
    beginResetModel();
    rows_.clear();
    const auto scene = mission_ ? mission_->scene() : nullptr;
    // What the map shows: the records in the time window.
    const store::TimeWindow window = mission_ ? mission_->timeWindow() : store::TimeWindow{};
    // The incidents in the window anywhere, counted as the commander's view and products count
    // the ones in view (store::summarise).
    const store::Situation counted =
        scene ? store::summarise(scene->mission.incidents, {}, {-180, -90, 180, 90}, window,
                                 QDateTime::currentDateTimeUtc(), 0)
              : store::Situation{};
    using store::Severity;
    for (const Severity s : {Severity::Critical, Severity::High, Severity::Medium, Severity::Low}) {
        const int count = counted.bySeverity[static_cast<size_t>(s)];
        QString label = store::toString(s);
        label[0] = label[0].toUpper();
        rows_.append({label,
                      render::palette::severity(s),
                      QStringLiteral("incident"),
                      count,
                      2.0 * render::palette::severityRadius(s),
                      false,
                      {}});
    }
    using store::RouteStatus;
    const std::pair<RouteStatus, const char*> routes[] = {
        {RouteStatus::InProgress, "Patrol in progress"},
        {RouteStatus::Planned, "Patrol planned"},
        {RouteStatus::Completed, "Patrol completed"}};
    for (const auto& [status, label] : routes) {
        int count = 0;
        if (scene)
            for (const store::PatrolRoute& r : scene->mission.routes)
                count += r.status == status && store::inWindow(r, window) ? 1 : 0;
        rows_.append({QString::fromUtf8(label),
                      render::palette::routeStatus(status),
                      QStringLiteral("route"),
                      count,
                      3.0,
                      status == RouteStatus::Planned,
                      {}});
    }
    // CoT markers past their stale time (the row only when there are such markers at all, so
    // that a mission without CoT keeps a short legend), recounted as each goes stale.
    if (scene && !scene->mission.staleAt.isEmpty())
        rows_.append({QStringLiteral("Stale (CoT)"),
                      render::palette::staleFill(),
                      QStringLiteral("stale"),
                      staleNow(scene->mission, QDateTime::currentDateTimeUtc()),
                      2.0 * render::palette::severityRadius(Severity::Medium),
                      true,
                      {}});
    int annotations = 0;
    if (scene)
        for (const store::Annotation& a : scene->mission.annotations)
            annotations += store::inWindow(a, window) ? 1 : 0;
    rows_.append({QStringLiteral("Annotations"),
                  render::palette::annotation(),
                  QStringLiteral("annotation"),
                  annotations,
                  10.0,
                  false,
                  {}});
    // Thematic layers (an analysis's hot spots): a swatch per class, with its cells.
    if (scene)
        for (const render::LoadedLayer& loaded : scene->layers) {
            const auto* vector = dynamic_cast<const render::VectorLayer*>(loaded.layer.get());
            if (!vector || !loaded.spec.visible)
                continue;
            for (const render::VectorLayer::ClassCount& c : vector->classCounts()) {
                QString label = c.name;
                label[0] = label[0].toUpper();
                rows_.append({label, c.fill, QStringLiteral("class"), c.features, 12.0, false, {}});
            }
        }
    // What the markers' shapes mean, with the incidents of each kind in the window.
    for (const render::palette::ShapeKey& key : render::palette::shapeKeys())
        rows_.append({key.label, render::palette::labelText(), QStringLiteral("symbol"),
                      render::palette::countByShape(counted.byCategory, key.shape), 14.0, false,
                      render::palette::shapeName(key.shape)});
    endResetModel();
    recountStale(); // arms the clock for the next marker to go stale
}

int LegendModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

QVariant LegendModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rows_.size())
        return {};
    const Row& row = rows_[index.row()];
    switch (role) {
    case LabelRole:
        return row.label;
    case ColorRole:
        return row.color;
    case KindRole:
        return row.kind;
    case CountRole:
        return row.count;
    case SizeRole:
        return row.size;
    case SymbolRole:
        return row.symbol;
    case GroupStartRole:
        return index.row() > 0 && rows_[index.row() - 1].kind != row.kind &&
               !(rows_[index.row() - 1].kind == QLatin1String("stale") &&
                 row.kind == QLatin1String("annotation"));
    case DashedRole:
        return row.dashed;
    default:
        return {};
    }
}

QHash<int, QByteArray> LegendModel::roleNames() const {
    return {{LabelRole, "label"},   {ColorRole, "color"},
            {KindRole, "kind"},     {CountRole, "count"},
            {SizeRole, "size"},     {DashedRole, "dashed"},
            {SymbolRole, "symbol"}, {GroupStartRole, "groupStart"}};
}

} // namespace tessera::quick
