// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/AnalysisModel.h"

#include "geo/ThreadCheck.h"
#include "interop/RegionCounts.h"
#include "report/Sitrep.h"
#include "share/ContactBook.h"
#include "share/Identity.h"
#include "share/ReleasePolicy.h"

#include <QtConcurrent/QtConcurrentRun>

#include <map>

namespace tessera::quick {

namespace {

/// The layer an analysis wrote put into the mission and opened as the map will draw it; the
/// outcome carries it, or why it could not be.
void storeLayer(AnalysisModelOutcome& out, const QString& missionPath, const QString& name,
                const QString& file, const QString& style, const Status& written) {
    if (!written) {
        out.error = written.error().message;
        return;
    }
    Result<store::LayerSpec> spec = interop::storeAnalysisLayer(missionPath, name, file, style);
    if (!spec) {
        out.error = spec.error().message;
        return;
    }
    render::LoadedLayer loaded = render::loadLayer(spec.value(), file);
    if (loaded.isBroken())
        out.error = loaded.problem;
    else
        out.layer = std::move(loaded);
}

} // namespace

AnalysisModel::AnalysisModel(QObject* parent)
    : QObject(parent) {
    connect(&unusualWatcher_, &QFutureWatcherBase::finished, this, &AnalysisModel::unusualCounted);
}

AnalysisModel::~AnalysisModel() {
    unusualWatcher_.waitForFinished();
}

void AnalysisModel::setMission(MissionController* mission) {
    if (!followMission(mission_, mission, this, &AnalysisModel::recountUnusual))
        return;
    if (mission_)
        connect(mission_, &MissionController::timeWindowChanged, this,
                &AnalysisModel::recountUnusual);
    emit missionChanged();
}

QDateTime AnalysisModel::windowEnd() const {
    const store::TimeWindow window = mission_ ? mission_->timeWindow() : store::TimeWindow{};
    return window.to.isValid() ? window.to : QDateTime::currentDateTimeUtc();
}

void AnalysisModel::recountUnusual() {
    if (unusualWatcher_.isRunning()) {
        again_ = true;
        return;
    }
    const auto scene = mission_ ? mission_->scene() : nullptr;
    if (!scene || !interop::regionLayer(scene->mission)) {
        unusual_.clear();
        unusualError_.clear();
        emit changed();
        return;
    }
    const QDateTime end = windowEnd();
    unusualWatcher_.setFuture(QtConcurrent::run(
        [scene, end] { return interop::runUnusualActivity(scene->mission, end, 7, 8); }));
}

void AnalysisModel::unusualCounted() {
    const auto result = unusualWatcher_.result();
    if (result) {
        unusual_ = result.value();
        unusualError_.clear();
    } else {
        unusual_.clear();
        unusualError_ = result.error().message;
    }
    emit changed();
    if (again_) {
        again_ = false;
        recountUnusual();
    }
}

QVariantList AnalysisModel::unusual() const {
    QVariantList list;
    for (const analysis::Assessment& a : unusual_)
        list.append(QVariantMap{{QStringLiteral("region"), a.region},
                                {QStringLiteral("category"), a.category},
                                {QStringLiteral("current"), static_cast<int>(a.current)},
                                {QStringLiteral("expected"), a.expected},
                                {QStringLiteral("busy"), a.busy}});
    return list;
}

QStringList AnalysisModel::categories() const {
    const auto scene = mission_ ? mission_->scene() : nullptr;
    QStringList out;
    if (scene)
        for (const store::Incident& i : scene->mission.incidents)
            if (!i.category.isEmpty() && !out.contains(i.category))
                out.append(i.category);
    out.sort();
    return out;
}

void AnalysisModel::runHotSpots() {
    const auto scene = mission_ ? mission_->scene() : nullptr;
    if (!scene)
        return;
    interop::AnalysisScope scope;
    scope.window.to = windowEnd();
    const double cell = cellMetres_, stepDays = stepDays_;
    const int steps = steps_;
    const QString missionPath = scene->mission.path;
    start([scene, scope, cell, stepDays, steps, missionPath] {
        AnalysisModelOutcome out;
        Result<interop::HotSpotRun> run =
            interop::runEmergingHotSpots(scene->mission.incidents, scope, cell, stepDays, steps);
        if (!run) {
            out.error = run.error().message;
            return out;
        }
        const analysis::HotSpotResult& r = run.value().result;
        std::map<QString, int> byPattern;
        int found = 0;
        for (const analysis::LocationPattern& l : r.locations)
            if (const QString key = interop::patternKey(l); !key.isEmpty()) {
                ++byPattern[key];
                ++found;
            }
        QStringList parts;
        for (const auto& [key, n] : byPattern)
            parts.append(QStringLiteral("%1 %2").arg(n).arg(key));
        out.summary = QStringLiteral("%1 incidents in %2 cells x %3 steps: %4")
                          .arg(r.cube.events)
                          .arg(r.cube.locations.size())
                          .arg(r.cube.steps())
                          .arg(found == 0 ? QStringLiteral("no cell shows a pattern")
                                          : parts.join(QStringLiteral(", ")));
        if (found == 0)
            return out;
        const QString file =
            interop::analysisLayerFile(missionPath, QStringLiteral("hot-spots.geojson"));
        storeLayer(out, missionPath, QStringLiteral("Emerging hot spots"), file,
                   interop::hotSpotStyle(run.value().markings),
                   interop::writeHotSpotLayer(run.value(), file));
        return out;
    });
}

void AnalysisModel::runNearRepeat(const QString& category) {
    const auto scene = mission_ ? mission_->scene() : nullptr;
    if (!scene)
        return;
    interop::AnalysisScope scope;
    scope.window = mission_->timeWindow();
    scope.window.to = windowEnd();
    if (!category.isEmpty())
        scope.categories = {category};
    const QString missionPath = scene->mission.path;
    start([scene, scope, missionPath] {
        AnalysisModelOutcome out;
        out.kind = AnalysisModelOutcome::Kind::NearRepeat;
        analysis::KnoxBands bands;
        bands.distances = {0, 250, 500, 1000, 2000};
        bands.days = {0, 7, 14, 28};
        Result<interop::NearRepeatRun> run =
            interop::runNearRepeat(scene->mission.incidents, scope, bands);
        if (!run) {
            out.error = run.error().message;
            return out;
        }
        const analysis::KnoxResult& t = run.value().table;
        // Every cell, distance band by distance band, time bands within: the first time band's
        // cells are the first of each group of bands.days.size() - 1.
        for (std::size_t d = 0; d + 1 < bands.distances.size(); ++d)
            for (std::size_t w = 0; w + 1 < bands.days.size(); ++w) {
                const analysis::KnoxCell& c = t.cell(static_cast<int>(d), static_cast<int>(w));
                out.rows.append(QVariantMap{
                    {QStringLiteral("distance"),
                     QStringLiteral("%1–%2 m").arg(bands.distances[d]).arg(bands.distances[d + 1])},
                    {QStringLiteral("days"),
                     QStringLiteral("%1–%2 d").arg(bands.days[w]).arg(bands.days[w + 1])},
                    {QStringLiteral("timeBand"), static_cast<int>(w)},
                    {QStringLiteral("observed"), static_cast<int>(c.observed)},
                    {QStringLiteral("expected"), c.expected},
                    {QStringLiteral("ratio"), c.ratio},
                    {QStringLiteral("p"), c.p},
                    {QStringLiteral("significant"), c.p <= 0.05 && c.ratio > 1}});
            }
        out.summary =
            run.value().rings.empty()
                ? QStringLiteral("%1 incidents: no near-repeat pattern within a week").arg(t.events)
                : QStringLiteral("%1 incidents: near repeats within %2 m and a week; %3 risk "
                                 "ring(s) on the map")
                      .arg(t.events)
                      .arg(run.value().rings.front().radius)
                      .arg(run.value().rings.size());
        if (run.value().rings.empty())
            return out;
        const QString file =
            interop::analysisLayerFile(missionPath, QStringLiteral("near-repeat-risk.geojson"));
        storeLayer(out, missionPath, QStringLiteral("Near-repeat risk"), file,
                   interop::riskRingStyle(run.value().markings),
                   interop::writeRiskRingLayer(run.value(), file));
        return out;
    });
}

void AnalysisModel::writeSitrep(const QUrl& file, const QString& peerFingerprintHex,
                                const QString& identityPath, const QString& contactsPath) {
    const auto scene = mission_ ? mission_->scene() : nullptr;
    const QString path = file.isLocalFile() ? file.toLocalFile() : file.toString();
    if (!scene || path.isEmpty())
        return;
    report::SitrepOptions base;
    base.to = windowEnd();
    const store::TimeWindow window = mission_->timeWindow();
    base.from = window.from.isValid() ? window.from : base.to.addDays(-7);
    start([scene, base, path, peerFingerprintHex, identityPath, contactsPath] {
        AnalysisModelOutcome out;
        out.kind = AnalysisModelOutcome::Kind::Sitrep;
        report::SitrepOptions options = base;
        if (!peerFingerprintHex.isEmpty()) { // the book is read here, off the GUI thread
            Result<share::ContactCard> station = share::Identity::loadCard(identityPath);
            if (!station) {
                out.error = station.error().message;
                return out;
            }
            Result<share::ContactBook> book =
                share::ContactBook::load(contactsPath, station.value());
            if (!book) {
                out.error = book.error().message;
                return out;
            }
            const std::optional<share::ContactCard> peer =
                book.value().find(QByteArray::fromHex(peerFingerprintHex.toLatin1()));
            if (!peer) {
                out.error = QStringLiteral("%1 is not a trusted contact (revoked, or removed from "
                                           "the contact book)")
                                .arg(peerFingerprintHex.left(16));
                return out;
            }
            options.releasable = share::ReleasePolicy::filterFor(peer->profile);
            options.recipient = peer->profile.stationName;
        }
        Result<report::Sitrep> made = report::composeSitrep(*scene, options);
        if (!made) {
            out.error = made.error().message;
            return out;
        }
        Result<QStringList> written = report::writeSitrep(
            made.value(), path, QStringLiteral("SITREP %1").arg(scene->mission.info.name));
        if (!written)
            out.error = written.error().message;
        else
            out.summary =
                QStringLiteral("SITREP written: %1 (%2 page(s), %3)%4")
                    .arg(written.value().join(QStringLiteral(", ")))
                    .arg(made.value().pages.size())
                    .arg(made.value().banner,
                         options.releasable
                             ? QStringLiteral("; for %1: %2 record(s) withheld, %3 sanitised")
                                   .arg(options.recipient)
                                   .arg(made.value().withheld)
                                   .arg(made.value().sanitised)
                             : QString());
        return out;
    });
}

void AnalysisModel::start(std::function<AnalysisModelOutcome()> job) {
    auto* watcher = new QFutureWatcher<AnalysisModelOutcome>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        adopt(watcher->result());
        watcher->deleteLater();
    });
    ++running_;
    emit changed();
    watcher->setFuture(QtConcurrent::run([job = std::move(job)] {
        threadcheck::backgroundPriority(); // below the GUI thread, as the map's workers
        return job();
    }));
}

void AnalysisModel::adopt(const AnalysisModelOutcome& outcome) {
    --running_;
    if (outcome.kind == AnalysisModelOutcome::Kind::Sitrep)
        sitrepMessage_ = outcome.error.isEmpty()
                             ? outcome.summary
                             : QStringLiteral("SITREP not written: %1").arg(outcome.error);
    else if (outcome.kind == AnalysisModelOutcome::Kind::NearRepeat) {
        nearRepeatRows_ = outcome.rows;
        nearRepeatSummary_ = outcome.error.isEmpty() ? outcome.summary : outcome.error;
    } else
        hotSpotSummary_ = outcome.error.isEmpty() ? outcome.summary : outcome.error;
    if (mission_ && outcome.layer.layer)
        mission_->adoptLayer(outcome.layer);
    emit changed();
    emit finished(outcome.error.isEmpty() ? outcome.summary : outcome.error);
}

} // namespace tessera::quick
