// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "interop/PlaceIndex.h"
#include "quick/MissionController.h"

#include <QAbstractListModel>
#include <QFutureWatcher>
#include <QPointF>
#include <QPointer>
#include <QtQml/qqmlregistration.h>

#include <memory>

namespace tessera::quick {

/// Find by typing (Ctrl+K): what `query` reads as, best first. A typed position (decimal
/// degrees, DMS, UTM, MGRS: geo::readPosition), every reading when it is ambiguous, nearest to
/// `near` first; then the places and regions of the mission's vector layers whose names hold it,
/// case and accents aside (interop::PlaceIndex). Incidents are found in the incident list.
///
/// The index is read on a worker when the mission opens and when its layers change; a query
/// typed before it is ready is answered when it is.
///
/// Threads: GUI thread; the index is built on the global thread pool.
class FindModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(tessera::quick::MissionController* mission READ mission WRITE setMission NOTIFY
                   missionChanged)
    Q_PROPERTY(QString query READ query WRITE setQuery NOTIFY queryChanged)
    /// Where the user is looking (longitude, latitude): nearer results first.
    Q_PROPERTY(QPointF near READ near WRITE setNear NOTIFY queryChanged)
    Q_PROPERTY(int count READ rowCount NOTIFY resultsChanged)
    /// True while the place names are read.
    Q_PROPERTY(bool indexing READ indexing NOTIFY resultsChanged)
    /// Why nothing is listed ("No place or position reads as ..."), else empty.
    Q_PROPERTY(QString message READ message NOTIFY resultsChanged)

public:
    enum Role {
        LabelRole = Qt::UserRole + 1, ///< "Gao", "16.27000° N 0.04000° W"
        DetailRole,                   ///< "place · Mali · 240 km NE of the view's centre"
        KindRole,                     ///< "position", "place" or "area"
        LonRole,
        LatRole,
        ExtentRole, ///< QRectF (x west, y south) of an area, else an empty rect
    };

    explicit FindModel(QObject* parent = nullptr);
    ~FindModel() override;

    [[nodiscard]] MissionController* mission() const { return mission_; }
    void setMission(MissionController* mission);
    [[nodiscard]] QString query() const { return query_; }
    void setQuery(const QString& query);
    [[nodiscard]] QPointF near() const { return near_; }
    void setNear(QPointF lonLat);
    [[nodiscard]] bool indexing() const { return watcher_.isRunning(); }
    [[nodiscard]] QString message() const { return message_; }

    [[nodiscard]] int rowCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex& index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;
    /// Row `row` as a map of the role names (for QML's keyboard choice).
    [[nodiscard]] Q_INVOKABLE QVariantMap get(int row) const;

signals:
    void missionChanged();
    void queryChanged();
    void resultsChanged();

private:
    struct Found {
        QString label;
        QString detail;
        QString kind;
        geo::GeoPoint point;
        QRectF extent;
    };
    void sceneChanged();
    void indexed();
    void answer();

    QPointer<MissionController> mission_;
    QString layersKey_; ///< which layers the index was read from
    std::shared_ptr<const interop::PlaceIndex> index_;
    QFutureWatcher<std::shared_ptr<const interop::PlaceIndex>> watcher_;
    bool again_ = false;
    QString query_;
    QPointF near_{qQNaN(), qQNaN()};
    QList<Found> found_;
    QString message_;
};

/// "240 km NE", "800 m S": how far and which way `to` lies from `from`.
QString distanceAndDirection(geo::GeoPoint from, geo::GeoPoint to);

} // namespace tessera::quick
