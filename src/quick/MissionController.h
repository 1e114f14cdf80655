// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quick/EditHistory.h"
#include "render/MapScene.h"
#include "store/MissionWorker.h"
#include "store/TimeWindow.h"

#include <QFutureWatcher>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

#include <atomic>
#include <functional>
#include <memory>

namespace tessera::quick {

/// The open mission, for QML: loads a mission file on a worker thread and publishes its scene.
///
/// Threads: GUI thread. Loading (SQLite, GDAL, OGR) runs on the global thread pool; the result
/// comes back through a QFutureWatcher, so the GUI thread never waits on the files.
class MissionController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QString path READ path WRITE setPath NOTIFY pathChanged)
    Q_PROPERTY(Status status READ status NOTIFY statusChanged)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY statusChanged)
    Q_PROPERTY(QStringList problems READ problems NOTIFY sceneChanged)
    Q_PROPERTY(QString name READ name NOTIFY sceneChanged)
    Q_PROPERTY(QString description READ description NOTIFY sceneChanged)
    Q_PROPERTY(QString banner READ banner NOTIFY sceneChanged)
    Q_PROPERTY(QUrl unmarkedFile READ unmarkedFile NOTIFY importNoticeChanged)
    Q_PROPERTY(bool exercise READ exercise NOTIFY sceneChanged)
    /// The banner's colour (render::bannerColor: exercise blue, else by classification level),
    /// the same in the window as on exported products.
    Q_PROPERTY(QColor bannerColor READ bannerColor NOTIFY sceneChanged)
    Q_PROPERTY(int incidentCount READ incidentCount NOTIFY sceneChanged)
    Q_PROPERTY(int routeCount READ routeCount NOTIFY sceneChanged)
    /// The last layer operation that failed (adding a file GDAL cannot read, saving the stack).
    Q_PROPERTY(QString layerError READ layerError NOTIFY layerErrorChanged)
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
    /// What the last exchange-file import (importExchangeFile) took in, for the user to read.
    Q_PROPERTY(QString importNotice READ importNotice NOTIFY importNoticeChanged)
    /// A file of records being imported (importRecordsFile): its name, empty when none, and
    /// how many features have been read so far.
    Q_PROPERTY(QString importingFile READ importingFile NOTIFY importProgressChanged)
    Q_PROPERTY(double importedFeatures READ importedFeatures NOTIFY importProgressChanged)
    /// The incident the user has picked, by uuid (empty: none): the map rings it, the incident
    /// list highlights it, the editor opens it.
    Q_PROPERTY(QString selectedIncident READ selectedIncident WRITE setSelectedIncident NOTIFY
                   selectedIncidentChanged)
    /// The time window of the picture (store::TimeWindow): the map and the legend show only the
    /// records in it. Invalid ends are open; both invalid is all time.
    Q_PROPERTY(QDateTime windowFrom READ windowFrom NOTIFY timeWindowChanged)
    Q_PROPERTY(QDateTime windowTo READ windowTo NOTIFY timeWindowChanged)
    /// Undo and redo of this session's edits (Ctrl+Z, Ctrl+Shift+Z).
    Q_PROPERTY(tessera::quick::EditHistory* history READ history CONSTANT)

public:
    enum class Status { Empty, Loading, Ready, Failed };
    Q_ENUM(Status)

    explicit MissionController(QObject* parent = nullptr);
    ~MissionController() override;

    [[nodiscard]] QString path() const { return path_; }
    /// Starts loading `path` in the background; status goes Loading, then Ready or Failed.
    void setPath(const QString& path);
    [[nodiscard]] Status status() const { return status_; }
    [[nodiscard]] QString errorMessage() const { return errorMessage_; }
    [[nodiscard]] QStringList problems() const;
    [[nodiscard]] QString name() const;
    [[nodiscard]] QString description() const;
    [[nodiscard]] QString banner() const;
    [[nodiscard]] bool exercise() const;
    [[nodiscard]] QColor bannerColor() const;
    /// The marking new records get: the mission's.
    [[nodiscard]] store::Marking marking() const;
    [[nodiscard]] int incidentCount() const;
    [[nodiscard]] int routeCount() const;

    /// The loaded scene (null until Ready). Immutable; share it freely.
    [[nodiscard]] std::shared_ptr<const render::MapScene> scene() const { return scene_; }

    [[nodiscard]] QString layerError() const { return layerError_; }
    [[nodiscard]] bool busy() const { return pending_ > 0; }
    [[nodiscard]] QString importNotice() const { return importNotice_; }
    [[nodiscard]] QString selectedIncident() const { return selectedIncident_; }
    void setSelectedIncident(const QString& uuid);
    [[nodiscard]] QDateTime windowFrom() const { return window_.from; }
    [[nodiscard]] QDateTime windowTo() const { return window_.to; }
    [[nodiscard]] const store::TimeWindow& timeWindow() const { return window_; }
    Q_INVOKABLE void setTimeWindow(const QDateTime& from, const QDateTime& to);
    /// Writes a briefing product of the view (`extent` in degrees: x west, y south; `size` in
    /// pixels) to `file`: PNG, or PDF when it ends in ".pdf". The banner at top and bottom, a
    /// title line with `windowLabel`, the map in the time window with the selection, a legend.
    /// Rendered and written on a worker; exported() says where, or why not (nothing is then
    /// written).
    Q_INVOKABLE void exportView(const QUrl& file, const QRectF& extent, const QSize& size,
                                const QString& windowLabel);
    /// The mission's records on a thread of their own, read-write, for the incident list and
    /// editor; null until a mission is Ready. Owned by this controller; replaced (and the old
    /// one's queued jobs dropped) when another mission is opened.
    [[nodiscard]] store::MissionWorker* records() const { return records_.get(); }
    [[nodiscard]] EditHistory* history() const { return history_; }

    // The layer stack. Each change shows at once and is saved to the mission file on a worker.
    Q_INVOKABLE void setLayerVisible(qint64 layerId, bool visible);
    Q_INVOKABLE void setLayerOpacity(qint64 layerId, double opacity);
    /// Moves a layer up (+1, drawn later) or down (-1) the stack.
    Q_INVOKABLE void moveLayer(qint64 layerId, int steps);
    Q_INVOKABLE void removeLayer(qint64 layerId);
    /// Opens a raster or vector file on a worker and, if it can be drawn, adds it on top of the
    /// stack and to the mission; otherwise sets layerError and changes nothing.
    Q_INVOKABLE void addLayerFile(const QUrl& file);
    /// Shows a layer that is already in the mission file (an analysis's result, opened on a
    /// worker): in place of the layer with its id, else on top.
    void adoptLayer(const render::LoadedLayer& loaded);
    /// Merges `changes` into the layer's JSON style (a null or empty value removes a key, e.g.
    /// {"stroke": "#e69f00", "width": 3} or {"bands": [4, 3, 2], "stretch": "auto"}), redraws the
    /// layer with it (reopened on a worker) and saves it with the mission. A style the layer
    /// cannot be drawn with leaves the layer as it was and says why in layerError.
    Q_INVOKABLE void setLayerStyle(qint64 layerId, const QVariantMap& changes);
    /// The layer's style as a JSON object (what setLayerStyle edits).
    [[nodiscard]] Q_INVOKABLE QVariantMap layerStyle(qint64 layerId) const;
    /// Builds overviews for a raster layer on a worker (external .ovr beside the file; the file
    /// itself is not changed), reporting overviewProgress, then redraws the layer with them.
    Q_INVOKABLE void buildOverviews(qint64 layerId);
    Q_INVOKABLE void cancelOverviews(qint64 layerId);
    /// 0..1 while overviews are being built for the layer, else -1.
    [[nodiscard]] Q_INVOKABLE double overviewProgress(qint64 layerId) const;
    /// Reads the mission's records (incidents, routes, annotations) again on a worker and
    /// publishes them with the layers as they are (same layer objects: no tile is redrawn), e.g.
    /// after a bundle from another station was applied to the file.
    Q_INVOKABLE void reloadRecords();
    /// Whether a dropped file is for importExchangeFile: CoT events (.cot) or a zip (a TAK data
    /// package, or else a zipped layer, which importExchangeFile hands to addLayerFile).
    [[nodiscard]] Q_INVOKABLE static bool isExchangeFile(const QUrl& file);
    /// Imports a CoT file or a TAK data package into the mission on a worker (all or nothing),
    /// then shows the new records and overlay layers. What was taken in goes to importNotice, a
    /// refusal with its reason to layerError. Events that carry no classification (most of
    /// ATAK's) take `unmarkedClassification` and `unmarkedReleasability`, the marking the operator
    /// chose for them in this import (read with the marking grammar); without one they refuse
    /// the file, and unmarkedFile names it so that the window can ask for that marking.
    Q_INVOKABLE void importExchangeFile(const QUrl& file,
                                        const QString& unmarkedClassification = QString(),
                                        const QString& unmarkedReleasability = QString());
    /// The CoT file or TAK package last refused because some of its events carry no
    /// classification and no marking was chosen for them; empty otherwise.
    [[nodiscard]] QUrl unmarkedFile() const { return unmarkedFile_; }
    /// Imports a file of records on a worker, all or nothing, telling importedFeatures as it
    /// reads: what Tessera exported (interop::holdsRecords: incidents, routes and annotations
    /// with their uuids and markings), else incidents from anything OGR reads with the standard
    /// field names (interop::importIncidents), marked as the mission. The outcome goes to
    /// importNotice; a refusal with every rejected feature to layerError. One at a time.
    Q_INVOKABLE void importRecordsFile(const QUrl& file);
    /// Stops the import under way; nothing of it stays.
    Q_INVOKABLE void cancelRecordsImport();
    [[nodiscard]] QString importingFile() const { return recordsImport_.file; }
    [[nodiscard]] double importedFeatures() const {
        return static_cast<double>(recordsImport_.features);
    }

signals:
    /// Overviews for the layer started, progressed, finished or failed (see overviewProgress).
    void overviewsChanged(qint64 layerId);
    void layerErrorChanged();
    void busyChanged();
    /// A file given to addLayerFile() was added (`layerId`) or refused (`error` non-empty).
    void layerAdded(qint64 layerId, const QString& error);
    void pathChanged();
    void statusChanged();
    void sceneChanged();
    void importNoticeChanged();
    void importProgressChanged();
    void selectedIncidentChanged();
    void timeWindowChanged();
    void exported(const QString& path, const QString& error);
    /// A new records() worker (another mission was opened).
    void recordsChanged();

private:
    void loadFinished();
    /// Publishes `layers` as the scene's stack and saves it in the background.
    void changeStack(QList<render::LoadedLayer> layers);
    void setLayerError(const QString& message);
    /// How an import ended, for the user: the refusal in layerError, else the notice (and no
    /// error). Returns whether it was taken in.
    bool reportImport(const QString& error, const QString& notice);
    void saveStack();
    /// Applies `edit` to a copy of the stack at the layer's index; publishes and saves the
    /// result when `edit` says it changed something.
    void editStack(qint64 layerId,
                   const std::function<bool(QList<render::LoadedLayer>&, qsizetype)>& edit);
    template <typename Job, typename Done>
    void runInBackground(Job job, Done done);
    /// Reopens the layer from `spec` on a worker and swaps it into the stack, keeping whatever
    /// visibility, opacity and place the user has given it meanwhile.
    void reloadLayer(const store::LayerSpec& spec);

    QString path_;
    Status status_ = Status::Empty;
    QString errorMessage_;
    std::shared_ptr<const render::MapScene> scene_;
    QFutureWatcher<Result<std::shared_ptr<const render::MapScene>>> watcher_;
    QString layerError_;
    QString importNotice_;
    QUrl unmarkedFile_; ///< see unmarkedFile()
    QString selectedIncident_;
    store::TimeWindow window_;
    std::unique_ptr<store::MissionWorker> records_;
    EditHistory* history_ = nullptr; ///< a child of this controller
    QString recordsPath_;            ///< the mission records_ has open
    int pending_ = 0;
    bool saving_ = false;
    bool saveAgain_ = false;
    struct OverviewJob {
        double progress = 0.0;
        std::shared_ptr<std::atomic<bool>> cancel;
    };
    QHash<qint64, OverviewJob> overviewJobs_;
    struct RecordsImport {
        QString file; ///< its name; empty: none under way
        qint64 features = 0;
        std::shared_ptr<std::atomic<bool>> cancel;
    };
    RecordsImport recordsImport_;
};

/// Points `slot` at `source` and makes `receiver` follow one of its signals: `handler` runs on
/// every emission and once now; the previous source is let go. Returns false, doing nothing, when
/// `slot` already holds `source`. How the views bind to the mission and to the map.
template <typename Source, typename Signal, typename Receiver>
bool follow(QPointer<Source>& slot, Source* source, Signal signal, Receiver* receiver,
            void (Receiver::*handler)()) {
    if (slot == source)
        return false;
    if (slot)
        QObject::disconnect(slot, nullptr, receiver, nullptr);
    slot = source;
    if (slot)
        QObject::connect(slot, signal, receiver, handler);
    (receiver->*handler)();
    return true;
}

/// follow() of the mission's scene: every view of the mission (map, legend, layer list).
template <typename Receiver>
bool followMission(QPointer<MissionController>& slot, MissionController* mission,
                   Receiver* receiver, void (Receiver::*onScene)()) {
    return follow(slot, mission, &MissionController::sceneChanged, receiver, onScene);
}

/// follow() of the mission's records worker (replaced when another mission opens): the views
/// that read and write records (incident form, annotation drawing).
template <typename Receiver>
bool followRecords(QPointer<MissionController>& slot, MissionController* mission,
                   Receiver* receiver, void (Receiver::*onRecords)()) {
    return follow(slot, mission, &MissionController::recordsChanged, receiver, onRecords);
}

/// Arms the single-shot `clock` to fire just after the next of the `staleAt` times (store::
/// nextStaleAfter), when a view of those records changes by itself; stops it when none lies
/// ahead. Waits at most a day: the clock's owner arms it again when it fires. Give the clock
/// Qt::PreciseTimer: a coarse timer may fire a little early.
void armForNextStale(QTimer& clock, const QHash<QString, QDateTime>& staleAt);

} // namespace tessera::quick
