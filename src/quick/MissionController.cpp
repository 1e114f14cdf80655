// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/MissionController.h"

#include "geo/GdalEnvironment.h"
#include "interop/CursorOnTarget.h"
#include "interop/MissionImport.h"
#include "interop/ParseProcess.h"
#include "interop/TakArchive.h"
#include "interop/TakPackage.h"
#include "render/MapProduct.h"
#include "render/RasterLayer.h"
#include "store/MissionStore.h"

#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

#include <gdal.h>

#include <algorithm>

namespace tessera::quick {

MissionController::MissionController(QObject* parent)
    : QObject(parent)
    , history_(new EditHistory(this)) {
    connect(&watcher_, &QFutureWatcherBase::finished, this, &MissionController::loadFinished);
}

MissionController::~MissionController() {
    watcher_.waitForFinished();
}

void MissionController::setPath(const QString& path) {
    if (path == path_ && status_ != Status::Failed)
        return;
    path_ = path;
    emit pathChanged();
    if (path.isEmpty()) {
        scene_.reset();
        if (records_) {
            records_.reset();
            recordsPath_.clear();
            emit recordsChanged();
        }
        status_ = Status::Empty;
        emit sceneChanged();
        emit statusChanged();
        return;
    }
    status_ = Status::Loading;
    errorMessage_.clear();
    emit statusChanged();
    watcher_.setFuture(QtConcurrent::run([path] { return render::loadScene(path); }));
}

void MissionController::loadFinished() {
    auto result = watcher_.result();
    if (!result) {
        errorMessage_ = result.error().message;
        status_ = Status::Failed;
        emit statusChanged();
        return;
    }
    scene_ = result.value();
    status_ = Status::Ready;
    if (!records_ || recordsPath_ != scene_->mission.path) {
        recordsPath_ = scene_->mission.path;
        records_ = std::make_unique<store::MissionWorker>(recordsPath_,
                                                          store::MissionStore::Access::ReadWrite);
        history_->clear(); // its steps were another mission's
        emit recordsChanged();
    }
    emit sceneChanged();
    emit statusChanged();
}

void MissionController::setSelectedIncident(const QString& uuid) {
    if (uuid == selectedIncident_)
        return;
    selectedIncident_ = uuid;
    emit selectedIncidentChanged();
}

void MissionController::setTimeWindow(const QDateTime& from, const QDateTime& to) {
    const store::TimeWindow window{from.isValid() ? from.toUTC() : QDateTime(),
                                   to.isValid() ? to.toUTC() : QDateTime()};
    if (window == window_)
        return;
    window_ = window;
    emit timeWindowChanged();
}

void MissionController::exportView(const QUrl& file, const QRectF& extent, const QSize& size,
                                   const QString& windowLabel) {
    const QString path = file.isLocalFile() ? file.toLocalFile() : file.toString();
    if (!scene_ || path.isEmpty() || extent.isEmpty() || size.isEmpty()) {
        emit exported(path, QStringLiteral("Nothing to export: no mission, view or file."));
        return;
    }
    const auto scene = scene_;
    const render::ProductSpec spec{window_, windowLabel, selectedIncident_, {}};
    const geo::Extent view{extent.left(), extent.top(), extent.right(), extent.bottom()};
    runInBackground(
        [scene, spec, view, size, path]() -> tessera::Status {
            const render::Product product = render::renderProduct(
                *scene, render::Viewport::fittingGeographic(view, size), spec);
            return render::writeProduct(product.image, path, scene->mission.info.name);
        },
        [this, path](const tessera::Status& written) {
            emit exported(path, written ? QString() : written.error().message);
        });
}

QStringList MissionController::problems() const {
    return scene_ ? scene_->problems() : QStringList();
}
QString MissionController::name() const {
    return scene_ ? scene_->mission.info.name : QString();
}
QString MissionController::description() const {
    return scene_ ? scene_->mission.info.description : QString();
}
QString MissionController::banner() const {
    if (!scene_)
        return {};
    return render::bannerText(scene_->mission.info, scene_->mission.marking);
}
QColor MissionController::bannerColor() const {
    return scene_ ? render::bannerColor(scene_->mission.info, scene_->mission.marking)
                  : render::bannerColor({}, {});
}

store::Marking MissionController::marking() const {
    return scene_ ? scene_->mission.info.marking : store::Marking{};
}

bool MissionController::exercise() const {
    return scene_ && scene_->mission.info.exercise;
}
int MissionController::incidentCount() const {
    return scene_ ? static_cast<int>(scene_->mission.incidents.size()) : 0;
}
int MissionController::routeCount() const {
    return scene_ ? static_cast<int>(scene_->mission.routes.size()) : 0;
}

template <typename Job, typename Done>
void MissionController::runInBackground(Job job, Done done) {
    using R = decltype(job());
    auto* watcher = new QFutureWatcher<R>(this);
    ++pending_;
    emit busyChanged();
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, done] {
        --pending_;
        emit busyChanged();
        done(watcher->result());
        watcher->deleteLater();
    });
    watcher->setFuture(QtConcurrent::run(std::move(job)));
}

bool MissionController::reportImport(const QString& error, const QString& notice) {
    if (!error.isEmpty()) {
        setLayerError(error);
        return false;
    }
    setLayerError(QString());
    importNotice_ = notice;
    emit importNoticeChanged();
    return true;
}

void MissionController::setLayerError(const QString& message) {
    layerError_ = message;
    emit layerErrorChanged();
}

void MissionController::changeStack(QList<render::LoadedLayer> layers) {
    if (!scene_)
        return;
    for (int i = 0; i < layers.size(); ++i)
        layers[i].spec.stackOrder = i;
    auto scene = std::make_shared<render::MapScene>(*scene_);
    scene->layers = layers;
    scene->mission.layers.clear();
    for (const render::LoadedLayer& l : layers)
        scene->mission.layers.append(l.spec);
    scene_ = scene;
    emit sceneChanged();
    saveStack();
}

void MissionController::saveStack() {
    // One save at a time, always of the newest stack: saves running side by side could finish
    // out of order and leave an older stack in the file.
    if (saving_) {
        saveAgain_ = true;
        return;
    }
    if (!scene_)
        return;
    saving_ = true;
    saveAgain_ = false;
    const QString path = scene_->mission.path;
    const QList<store::LayerSpec> stack = scene_->mission.layers;
    runInBackground(
        [path, stack]() -> tessera::Status {
            auto store = store::MissionStore::open(path, store::MissionStore::Access::ReadWrite);
            if (!store)
                return store.error();
            return store.value().saveLayerStack(stack);
        },
        [this](const tessera::Status& saved) {
            saving_ = false;
            if (!saved)
                setLayerError(QStringLiteral("The layer stack could not be saved: %1")
                                  .arg(saved.error().message));
            if (saveAgain_)
                saveStack();
        });
}

namespace {
qsizetype indexOfLayer(const QList<render::LoadedLayer>& layers, qint64 id) {
    for (qsizetype i = 0; i < layers.size(); ++i)
        if (layers[i].spec.id == id)
            return i;
    return -1;
}
} // namespace

void MissionController::editStack(
    qint64 layerId, const std::function<bool(QList<render::LoadedLayer>&, qsizetype)>& edit) {
    if (!scene_)
        return;
    QList<render::LoadedLayer> layers = scene_->layers;
    const qsizetype i = indexOfLayer(layers, layerId);
    if (i >= 0 && edit(layers, i))
        changeStack(layers);
}

void MissionController::setLayerVisible(qint64 layerId, bool visible) {
    editStack(layerId, [visible](QList<render::LoadedLayer>& layers, qsizetype i) {
        if (layers[i].spec.visible == visible)
            return false;
        layers[i].spec.visible = visible;
        return true;
    });
}

void MissionController::setLayerOpacity(qint64 layerId, double opacity) {
    opacity = std::clamp(opacity, 0.0, 1.0);
    editStack(layerId, [opacity](QList<render::LoadedLayer>& layers, qsizetype i) {
        if (qFuzzyCompare(layers[i].spec.opacity, opacity))
            return false;
        layers[i].spec.opacity = opacity;
        return true;
    });
}

void MissionController::moveLayer(qint64 layerId, int steps) {
    editStack(layerId, [steps](QList<render::LoadedLayer>& layers, qsizetype from) {
        const qsizetype to = std::clamp<qsizetype>(from + steps, 0, layers.size() - 1);
        if (to == from)
            return false;
        layers.move(from, to);
        return true;
    });
}

void MissionController::removeLayer(qint64 layerId) {
    editStack(layerId, [](QList<render::LoadedLayer>& layers, qsizetype i) {
        layers.removeAt(i);
        return true;
    });
}

void MissionController::addLayerFile(const QUrl& file) {
    if (!scene_)
        return;
    const QString path = file.isLocalFile() ? file.toLocalFile() : file.toString();
    const QString missionPath = scene_->mission.path;
    const int top = static_cast<int>(scene_->layers.size());
    struct Added {
        render::LoadedLayer layer;
        QString error;
    };
    runInBackground(
        [path, missionPath, top]() -> Added {
            geo::ensureGdalRegistered();
            // Raster or vector: ask GDAL which drivers recognise the file.
            const QByteArray name = path.toUtf8();
            const bool raster =
                GDALIdentifyDriverEx(name.constData(), GDAL_OF_RASTER, nullptr, nullptr) != nullptr;
            const bool vector =
                GDALIdentifyDriverEx(name.constData(), GDAL_OF_VECTOR, nullptr, nullptr) != nullptr;
            if (!QFileInfo(path).isFile() && !raster && !vector)
                return {{}, QStringLiteral("%1: no such file").arg(path)};
            // The one archive rule for any zip (a KMZ, a zipped shapefile), and a vector file
            // read whole once in the parse process, with the drivers the map will open it with:
            // a file that crashes a GDAL reader is refused here, not at every later render.
            if (QFileInfo(path).isFile()) {
                if (tessera::Status s = interop::checkArchiveFile(path); !s)
                    return {{}, s.error().message};
                interop::ParseRequest probe;
                probe.mode = interop::ParseMode::Layers;
                if (vector)
                    if (Result<interop::ParsedFile> read = interop::parseIsolated(path, probe);
                        !read)
                        return {
                            {},
                            QStringLiteral("not added as a layer: %1").arg(read.error().message)};
            }
            auto store =
                store::MissionStore::open(missionPath, store::MissionStore::Access::ReadWrite);
            if (!store)
                return {{}, store.error().message};
            auto stack = store.value().layers();
            if (!stack)
                return {{}, stack.error().message};
            store::LayerSpec spec;
            for (const store::LayerSpec& l : stack.value())
                spec.id = std::max(spec.id, l.id);
            ++spec.id; // drawn under the id it will have in the mission
            spec.name = QFileInfo(path).completeBaseName();
            spec.source = QFileInfo(path).absoluteFilePath();
            spec.stackOrder = top;
            // Features first when a file has both (a GeoPackage can), then pixels.
            render::LoadedLayer loaded;
            if (vector) {
                spec.kind = store::LayerKind::Vector;
                spec.style = QStringLiteral(
                    R"({"stroke": "#ffd23f", "width": 2, "point": "#ffd23f", "size": 4, "casing": "#a0000000"})");
                loaded = render::loadLayer(spec, spec.source);
            }
            if (!vector || (loaded.isBroken() && raster)) {
                // Pixels read once in the parse process, as the first draw will read them.
                interop::ParseRequest sample;
                sample.mode = interop::ParseMode::Raster;
                if (QFileInfo(path).isFile())
                    if (Result<interop::ParsedFile> read = interop::parseIsolated(path, sample);
                        !read)
                        return {
                            {},
                            QStringLiteral("not added as a layer: %1").arg(read.error().message)};
                spec.kind = store::LayerKind::Raster;
                spec.style.clear();
                loaded = render::loadLayer(spec, spec.source);
            }
            if (loaded.isBroken())
                return {{}, loaded.problem};
            auto id = store.value().addLayer(spec);
            if (!id)
                return {{}, id.error().message};
            return {loaded, QString()};
        },
        [this](const Added& added) {
            if (!added.error.isEmpty()) {
                setLayerError(added.error);
                emit layerAdded(0, added.error);
                return;
            }
            if (!scene_)
                return;
            QList<render::LoadedLayer> layers = scene_->layers;
            layers.append(added.layer);
            setLayerError(QString());
            changeStack(layers);
            emit layerAdded(added.layer.spec.id, QString());
        });
}

void MissionController::adoptLayer(const render::LoadedLayer& loaded) {
    if (!scene_)
        return;
    QList<render::LoadedLayer> layers = scene_->layers;
    auto same = std::find_if(layers.begin(), layers.end(), [&](const render::LoadedLayer& l) {
        return l.spec.id == loaded.spec.id;
    });
    if (same != layers.end())
        *same = loaded;
    else
        layers.append(loaded);
    setLayerError(QString());
    changeStack(layers);
}

void MissionController::reloadLayer(const store::LayerSpec& spec) {
    if (!scene_)
        return;
    const QString source = scene_->mission.resolveSource(spec);
    runInBackground([spec, source] { return render::loadLayer(spec, source); },
                    [this](const render::LoadedLayer& loaded) {
                        if (loaded.isBroken()) {
                            setLayerError(loaded.problem);
                            return;
                        }
                        setLayerError(QString());
                        editStack(loaded.spec.id,
                                  [&loaded](QList<render::LoadedLayer>& layers, qsizetype i) {
                                      layers[i].layer = loaded.layer;
                                      layers[i].problem.clear();
                                      layers[i].spec.style = loaded.spec.style;
                                      return true;
                                  });
                    });
}

QVariantMap MissionController::layerStyle(qint64 layerId) const {
    if (!scene_)
        return {};
    const qsizetype i = indexOfLayer(scene_->layers, layerId);
    if (i < 0)
        return {};
    return QJsonDocument::fromJson(scene_->layers[i].spec.style.toUtf8()).object().toVariantMap();
}

void MissionController::setLayerStyle(qint64 layerId, const QVariantMap& changes) {
    if (!scene_)
        return;
    const qsizetype i = indexOfLayer(scene_->layers, layerId);
    if (i < 0)
        return;
    store::LayerSpec spec = scene_->layers[i].spec;
    QJsonObject style = QJsonDocument::fromJson(spec.style.toUtf8()).object();
    for (auto it = changes.begin(); it != changes.end(); ++it) {
        const QJsonValue value = QJsonValue::fromVariant(it.value());
        if (value.isNull() || value.isUndefined() ||
            (value.isString() && value.toString().isEmpty()))
            style.remove(it.key());
        else
            style.insert(it.key(), value);
    }
    spec.style = QString::fromUtf8(QJsonDocument(style).toJson(QJsonDocument::Compact));
    if (spec.style == scene_->layers[i].spec.style)
        return;
    reloadLayer(spec);
}

double MissionController::overviewProgress(qint64 layerId) const {
    const auto it = overviewJobs_.constFind(layerId);
    return it == overviewJobs_.cend() ? -1.0 : it->progress;
}

void MissionController::cancelOverviews(qint64 layerId) {
    if (const auto it = overviewJobs_.constFind(layerId); it != overviewJobs_.cend())
        it->cancel->store(true);
}

void MissionController::buildOverviews(qint64 layerId) {
    if (!scene_ || overviewJobs_.contains(layerId))
        return;
    const qsizetype i = indexOfLayer(scene_->layers, layerId);
    if (i < 0)
        return;
    const auto* raster = dynamic_cast<const render::RasterLayer*>(scene_->layers[i].layer.get());
    if (!raster)
        return;
    const QString file = raster->path();
    const store::LayerSpec spec = scene_->layers[i].spec;
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    overviewJobs_.insert(layerId, {0.0, cancel});
    emit overviewsChanged(layerId);
    const QPointer<MissionController> self(this);
    runInBackground(
        [file, cancel, self, layerId]() -> tessera::Status {
            // Progress goes back to the GUI thread as queued calls, at most every 1%.
            int reported = 0;
            return render::buildOverviews(file, [&](double done) {
                const int percent = static_cast<int>(done * 100.0);
                if (percent > reported && self) {
                    reported = percent;
                    QMetaObject::invokeMethod(
                        self.data(),
                        [self, layerId, done] {
                            if (!self || !self->overviewJobs_.contains(layerId))
                                return;
                            self->overviewJobs_[layerId].progress = done;
                            emit self->overviewsChanged(layerId);
                        },
                        Qt::QueuedConnection);
                }
                return !cancel->load();
            });
        },
        [this, layerId, spec](const tessera::Status& built) {
            overviewJobs_.remove(layerId);
            emit overviewsChanged(layerId);
            if (!built) {
                if (built.error().message != QStringLiteral("cancelled"))
                    setLayerError(built.error().message);
                return;
            }
            reloadLayer(spec);
        });
}

void MissionController::reloadRecords() {
    if (!scene_)
        return;
    const QString path = scene_->mission.path;
    runInBackground([path] { return store::MissionStore::load(path); },
                    [this, path](const Result<store::MissionSnapshot>& loaded) {
                        if (!scene_ || scene_->mission.path != path)
                            return; // another mission was opened meanwhile
                        if (!loaded) {
                            setLayerError(QStringLiteral("The mission could not be read again: %1")
                                              .arg(loaded.error().message));
                            return;
                        }
                        auto scene = std::make_shared<render::MapScene>(*scene_);
                        scene->mission.incidents = loaded.value().incidents;
                        scene->mission.routes = loaded.value().routes;
                        scene->mission.annotations = loaded.value().annotations;
                        scene->mission.staleAt = loaded.value().staleAt;
                        scene_ = scene;
                        emit sceneChanged();
                    });
}

bool MissionController::isExchangeFile(const QUrl& file) {
    const QString path = file.path();
    return path.endsWith(QStringLiteral(".cot"), Qt::CaseInsensitive) ||
           path.endsWith(QStringLiteral(".zip"), Qt::CaseInsensitive);
}

void MissionController::importExchangeFile(const QUrl& file, const QString& unmarkedClassification,
                                           const QString& unmarkedReleasability) {
    if (!scene_)
        return;
    const QString path = file.isLocalFile() ? file.toLocalFile() : file.toString();
    const QString missionPath = scene_->mission.path;
    struct Imported {
        QString notice, error;
        bool layers = false;       ///< overlay layers were added: the whole scene is read again
        bool asLayer = false;      ///< a zip that is no TAK package: a layer (a zipped shapefile)
        bool needsMarking = false; ///< refused for events without a marking, none chosen
        std::shared_ptr<const render::MapScene> scene;
    };
    runInBackground(
        [path, missionPath, unmarkedClassification, unmarkedReleasability]() -> Imported {
            auto failed = [](const QString& why) {
                Imported refused;
                refused.error = why;
                return refused;
            };
            Imported done;
            if (path.endsWith(QStringLiteral(".zip"), Qt::CaseInsensitive)) {
                // A TAK package has a manifest or CoT files; any other zip is offered to GDAL.
                QFile zip(path);
                if (!zip.open(QIODevice::ReadOnly))
                    return failed(
                        QStringLiteral("%1: cannot read (%2)").arg(path, zip.errorString()));
                Result<QList<interop::ZipEntry>> entries = interop::readZipDirectory(
                    [&](qint64 offset, qint64 length) {
                        return zip.seek(offset) ? zip.read(length) : QByteArray();
                    },
                    zip.size());
                bool package = !entries; // a refused zip is reported by the package import
                for (const interop::ZipEntry& e :
                     entries ? entries.value() : QList<interop::ZipEntry>())
                    package = package ||
                              e.name.endsWith(QStringLiteral(".cot"), Qt::CaseInsensitive) ||
                              e.name.compare(QStringLiteral("MANIFEST/manifest.xml"),
                                             Qt::CaseInsensitive) == 0;
                if (!package) {
                    done.asLayer = true;
                    return done;
                }
            }
            // The operator's marking for events that carry none, never a guess.
            interop::CotImportOptions cot;
            const bool chosen = !unmarkedClassification.trimmed().isEmpty();
            if (chosen) {
                Result<store::Marking> marking =
                    interop::cotDefaultMarking(unmarkedClassification, unmarkedReleasability);
                if (!marking)
                    return failed(marking.error().message);
                cot.defaultMarking = marking.value();
            }
            // The reader's refusal of an unmarked event (CursorOnTarget.cpp, markingOf) is what
            // the window answers with a choice of marking.
            const auto refusedFor = [chosen, &failed](const QString& why) {
                Imported refused = failed(why);
                refused.needsMarking =
                    !chosen && why.contains(QLatin1String("carries no classification"));
                return refused;
            };
            auto store =
                store::MissionStore::open(missionPath, store::MissionStore::Access::ReadWrite);
            if (!store)
                return failed(store.error().message);
            if (path.endsWith(QStringLiteral(".zip"), Qt::CaseInsensitive)) {
                Result<interop::TakImportReport> report =
                    interop::importTakPackage(store.value(), path, {}, cot);
                if (!report)
                    return refusedFor(report.error().message);
                const interop::TakImportReport& r = report.value();
                done.notice =
                    QStringLiteral("Imported TAK package \"%1\": %2 incidents, %3 routes, %4 "
                                   "annotations, %5 attachments, %6 map layers")
                        .arg(r.package)
                        .arg(r.incidents)
                        .arg(r.routes)
                        .arg(r.annotations)
                        .arg(r.attachments)
                        .arg(r.layers.size());
                if (!r.skipped.isEmpty())
                    done.notice +=
                        QStringLiteral("; not taken: ") + r.skipped.join(QStringLiteral("; "));
                done.layers = !r.layers.isEmpty();
            } else {
                Result<interop::ImportReport> report = interop::importCot(store.value(), path, cot);
                if (!report)
                    return refusedFor(report.error().message);
                done.notice = QStringLiteral("Imported %2 CoT events from %1")
                                  .arg(QFileInfo(path).fileName())
                                  .arg(report.value().imported);
            }
            if (done.layers) {
                Result<std::shared_ptr<const render::MapScene>> scene =
                    render::loadScene(missionPath);
                if (!scene)
                    return failed(scene.error().message);
                done.scene = scene.value();
            }
            return done;
        },
        [this, file, missionPath](const Imported& done) {
            if (done.asLayer) {
                addLayerFile(file);
                return;
            }
            unmarkedFile_ = done.needsMarking ? file : QUrl();
            if (!reportImport(done.error, done.notice)) {
                emit importNoticeChanged();
                return;
            }
            if (!scene_ || scene_->mission.path != missionPath)
                return;
            if (done.scene) {
                scene_ = done.scene;
                emit sceneChanged();
            } else {
                reloadRecords();
            }
        });
}

void MissionController::importRecordsFile(const QUrl& file) {
    if (!scene_ || !recordsImport_.file.isEmpty())
        return;
    const QString path = file.isLocalFile() ? file.toLocalFile() : file.toString();
    const QString missionPath = scene_->mission.path;
    const store::Marking marking = this->marking();
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    recordsImport_ = {QFileInfo(path).fileName(), 0, cancel};
    emit importProgressChanged();
    const QPointer<MissionController> self(this);
    struct Outcome {
        QString notice, error;
        bool cancelled = false;
    };
    runInBackground(
        [path, missionPath, marking, cancel, self]() -> Outcome {
            // Progress goes back to the GUI thread as queued calls, every kProgressEvery.
            auto progress = [self](qint64 features) {
                QMetaObject::invokeMethod(
                    self.data(),
                    [self, features] {
                        if (!self || self->recordsImport_.file.isEmpty())
                            return;
                        self->recordsImport_.features = features;
                        emit self->importProgressChanged();
                    },
                    Qt::QueuedConnection);
            };
            auto cancelled = [cancel] { return cancel->load(); };
            Outcome out;
            auto store =
                store::MissionStore::open(missionPath, store::MissionStore::Access::ReadWrite);
            if (!store) {
                out.error = store.error().message;
                return out;
            }
            const QString name = QFileInfo(path).fileName();
            // Both readers take the mission's marking, the cancel flag and the progress report.
            auto configured = [&](auto options) {
                options.marking = marking;
                options.cancelled = cancelled;
                options.progress = progress;
                return options;
            };
            // Both the probe and the import read the file in the parse process
            // (interop/ParseProcess.h), started and waited for here, on the worker.
            Result<bool> records = interop::holdsRecords(path);
            if (!records) {
                out.error = records.error().message;
            } else if (records.value()) {
                Result<interop::RecordImportReport> r = interop::importRecords(
                    store.value(), path, configured(interop::RecordImportOptions{}));
                if (r) {
                    out.notice = QStringLiteral("Imported from %1: %2 incidents, %3 routes, %4 "
                                                "annotations (%5 already here)")
                                     .arg(name)
                                     .arg(r.value().imported.incidents)
                                     .arg(r.value().imported.routes)
                                     .arg(r.value().imported.annotations)
                                     .arg(r.value().present.total());
                    for (const QString& note : r.value().notes) // multi-part geometries
                        out.notice += QStringLiteral("\n") + note;
                } else {
                    out.error = r.error().message;
                }
            } else {
                Result<interop::ImportReport> r = interop::importIncidents(
                    store.value(), path, configured(interop::ImportOptions{}));
                if (r) {
                    out.notice = QStringLiteral("Imported %L2 incidents from %1")
                                     .arg(name)
                                     .arg(r.value().imported);
                    for (const QString& note : r.value().notes)
                        out.notice += QStringLiteral("\n") + note;
                } else {
                    out.error = r.error().message;
                }
            }
            if (!out.error.isEmpty() && cancel->load()) {
                out.cancelled = true;
                out.notice = QStringLiteral("%1: import cancelled; nothing was imported").arg(name);
                out.error.clear();
            }
            return out;
        },
        [this, missionPath](const Outcome& done) {
            recordsImport_ = {};
            emit importProgressChanged();
            if (!reportImport(done.error, done.notice))
                return;
            if (!done.cancelled && scene_ && scene_->mission.path == missionPath)
                reloadRecords();
        });
}

void MissionController::cancelRecordsImport() {
    if (recordsImport_.cancel)
        recordsImport_.cancel->store(true);
}

void armForNextStale(QTimer& clock, const QHash<QString, QDateTime>& staleAt) {
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QDateTime next = store::nextStaleAfter(staleAt, now);
    if (!next.isValid()) {
        clock.stop();
        return;
    }
    constexpr qint64 kDay = 24LL * 60 * 60 * 1000;
    // A few milliseconds past the moment, so that "now > stale" holds when the clock fires.
    clock.start(static_cast<int>(std::min(now.msecsTo(next) + 5, kDay)));
}

} // namespace tessera::quick
