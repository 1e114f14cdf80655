// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/FindModel.h"

#include "geo/Geodesy.h"
#include "geo/PositionText.h"

#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

namespace tessera::quick {

QString distanceAndDirection(geo::GeoPoint from, geo::GeoPoint to) {
    const geo::geodesy::Inverse i = geo::geodesy::inverse(from, to);
    static const char* const compass[] = {"N", "NE", "E", "SE", "S", "SW", "W", "NW"};
    const QString way =
        QString::fromLatin1(compass[int(std::lround(i.initialBearingDeg / 45.0)) % 8]);
    if (i.distanceMetres < 1000.0)
        return QStringLiteral("%1 m %2").arg(std::lround(i.distanceMetres)).arg(way);
    return QStringLiteral("%1 km %2").arg(std::lround(i.distanceMetres / 1000.0)).arg(way);
}

FindModel::FindModel(QObject* parent)
    : QAbstractListModel(parent) {
    connect(&watcher_, &QFutureWatcherBase::finished, this, &FindModel::indexed);
}

FindModel::~FindModel() {
    watcher_.waitForFinished();
}

void FindModel::setMission(MissionController* mission) {
    if (!followMission(mission_, mission, this, &FindModel::sceneChanged))
        return;
    emit missionChanged();
}

void FindModel::sceneChanged() {
    const auto scene = mission_ ? mission_->scene() : nullptr;
    QString key;
    if (scene) {
        key = scene->mission.path;
        for (const store::LayerSpec& l : scene->mission.layers)
            if (l.kind == store::LayerKind::Vector)
                key += QStringLiteral("|%1:%2:%3").arg(l.id).arg(l.source, l.sourceLayer);
    }
    if (key == layersKey_)
        return; // records or styles changed, not which layers there are
    if (watcher_.isRunning()) {
        again_ = true;
        return;
    }
    layersKey_ = key;
    if (!scene) {
        index_.reset();
        answer();
        return;
    }
    watcher_.setFuture(QtConcurrent::run([scene] {
        return std::make_shared<const interop::PlaceIndex>(
            interop::PlaceIndex::build(scene->mission));
    }));
    answer();
}

void FindModel::indexed() {
    index_ = watcher_.result();
    if (again_) {
        again_ = false;
        sceneChanged();
    }
    answer();
}

void FindModel::setQuery(const QString& query) {
    if (query == query_)
        return;
    query_ = query;
    emit queryChanged();
    answer();
}

void FindModel::setNear(QPointF lonLat) {
    if (lonLat == near_)
        return;
    near_ = lonLat;
    emit queryChanged();
    if (!query_.trimmed().isEmpty())
        answer(); // nearer first, and each distance said from the new centre
}

void FindModel::answer() {
    const QString text = query_.trimmed();
    const geo::GeoPoint near{near_.x(), near_.y()};
    QList<Found> found;
    QList<geo::PositionReading> readings = geo::readPosition(text);
    if (near.isValid())
        geo::nearestFirst(readings, near);
    for (const geo::PositionReading& r : readings) {
        const QString mgrs = geo::geodesy::toMgrs(r.point);
        QString detail = QStringLiteral("%1 · %2").arg(geo::notationName(r.notation), r.assumption);
        if (!mgrs.isEmpty())
            detail += QStringLiteral(" · MGRS ") + mgrs;
        if (near.isValid())
            detail += QStringLiteral(" · ") + distanceAndDirection(near, r.point) +
                      QStringLiteral(" of the view's centre");
        found.append(
            {geo::formatLatLon(r.point, 5), detail, QStringLiteral("position"), r.point, {}});
    }
    if (index_ && !text.isEmpty()) {
        for (const interop::NamedPlace& p : index_->search(text, near)) {
            QStringList detail{p.area ? QStringLiteral("area") : QStringLiteral("place")};
            if (!p.within.isEmpty())
                detail.append(p.within);
            detail.append(p.layer);
            if (near.isValid())
                detail.append(distanceAndDirection(near, p.point));
            QRectF extent;
            if (p.extent)
                extent =
                    QRectF(p.extent->minX, p.extent->minY, p.extent->width(), p.extent->height());
            found.append({p.name, detail.join(QStringLiteral(" · ")),
                          p.area ? QStringLiteral("area") : QStringLiteral("place"), p.point,
                          extent});
        }
    }
    QString message;
    if (!text.isEmpty() && found.isEmpty())
        message = indexing() ? QStringLiteral("Reading place names…")
                             : QStringLiteral("No place, region or position reads as “%1”. "
                                              "Positions: 16.27 -0.04, 16°16'N 0°2'W, "
                                              "30Q 816386 1801093, 30QZD1638501092")
                                   .arg(text);
    beginResetModel();
    found_ = std::move(found);
    message_ = message;
    endResetModel();
    emit resultsChanged();
}

int FindModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(found_.size());
}

QVariant FindModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= found_.size())
        return {};
    const Found& f = found_[index.row()];
    switch (role) {
    case Qt::DisplayRole:
    case LabelRole:
        return f.label;
    case DetailRole:
        return f.detail;
    case KindRole:
        return f.kind;
    case LonRole:
        return f.point.lon;
    case LatRole:
        return f.point.lat;
    case ExtentRole:
        return f.extent;
    default:
        return {};
    }
}

QHash<int, QByteArray> FindModel::roleNames() const {
    return {{LabelRole, "label"}, {DetailRole, "detail"}, {KindRole, "kind"},
            {LonRole, "lon"},     {LatRole, "lat"},       {ExtentRole, "extent"}};
}

QVariantMap FindModel::get(int row) const {
    QVariantMap m;
    if (row < 0 || row >= found_.size())
        return m;
    const QHash<int, QByteArray> names = roleNames();
    for (auto it = names.cbegin(); it != names.cend(); ++it)
        m.insert(QString::fromLatin1(it.value()), data(index(row), it.key()));
    return m;
}

} // namespace tessera::quick
