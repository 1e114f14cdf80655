// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "interop/AnalysisLayers.h"
#include "quick/MissionController.h"
#include "render/MapScene.h"

#include <QFutureWatcher>
#include <QObject>
#include <QPointer>
#include <QUrl>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <functional>

namespace tessera::quick {

/// What an analysis run on a worker hands back to AnalysisModel.
struct AnalysisModelOutcome {
    enum class Kind { HotSpots, NearRepeat, Sitrep } kind = Kind::HotSpots;
    QString summary;
    QString error;
    QVariantList rows;
    render::LoadedLayer layer; ///< the layer it made, when it made one
};

/// The analyses for the commander's view (docs/analysis.md): unusual activity of the week before
/// the time window's end, recounted as the records or the window change; emerging hot spots and
/// near repeats on request, their results becoming the mission's layers "Emerging hot spots"
/// and "Near-repeat risk" (drawn with their legend) and a summary here.
///
/// Threads: GUI thread; every analysis, file and store write runs on the global thread pool.
class AnalysisModel : public QObject {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(tessera::quick::MissionController* mission READ mission WRITE setMission NOTIFY
                   missionChanged)
    /// Busier or quieter than usual: {region, category, current, expected, busy}, most
    /// significant first.
    Q_PROPERTY(QVariantList unusual READ unusual NOTIFY changed)
    Q_PROPERTY(QString unusualError READ unusualError NOTIFY changed)
    /// Cell side (m), step length (days) and number of steps of the hot spots' cube.
    Q_PROPERTY(double cellMetres MEMBER cellMetres_ NOTIFY changed)
    Q_PROPERTY(double stepDays MEMBER stepDays_ NOTIFY changed)
    Q_PROPERTY(int steps MEMBER steps_ NOTIFY changed)
    /// What the last hot spot run found, in a line; its error when it refused.
    Q_PROPERTY(QString hotSpotSummary READ hotSpotSummary NOTIFY changed)
    /// The near-repeat table, every cell by distance band then time band: {distance, days,
    /// timeBand, observed, expected, ratio, p, significant}, and a line on what it found.
    Q_PROPERTY(QVariantList nearRepeatRows READ nearRepeatRows NOTIFY changed)
    Q_PROPERTY(QString nearRepeatSummary READ nearRepeatSummary NOTIFY changed)
    /// The incidents' categories, for the near-repeat test's choice.
    Q_PROPERTY(QStringList categories READ categories NOTIFY changed)
    Q_PROPERTY(bool busy READ busy NOTIFY changed)
    /// Where the last SITREP went, or why it was not written.
    Q_PROPERTY(QString sitrepMessage READ sitrepMessage NOTIFY changed)

public:
    explicit AnalysisModel(QObject* parent = nullptr);
    ~AnalysisModel() override;

    [[nodiscard]] MissionController* mission() const { return mission_; }
    void setMission(MissionController* mission);
    [[nodiscard]] QVariantList unusual() const;
    [[nodiscard]] QString unusualError() const { return unusualError_; }
    [[nodiscard]] QString hotSpotSummary() const { return hotSpotSummary_; }
    [[nodiscard]] QVariantList nearRepeatRows() const { return nearRepeatRows_; }
    [[nodiscard]] QString nearRepeatSummary() const { return nearRepeatSummary_; }
    [[nodiscard]] QStringList categories() const;
    [[nodiscard]] bool busy() const { return running_ > 0; }
    [[nodiscard]] QString sitrepMessage() const { return sitrepMessage_; }

    /// Emerging hot spots of the incidents in the cube ending at the time window's end.
    Q_INVOKABLE void runHotSpots();
    /// The Knox test of the time window's incidents of `category` (all when empty).
    Q_INVOKABLE void runNearRepeat(const QString& category);
    /// A SITREP of the time window (the last 7 days when it is open-ended) to `file` (PDF, or
    /// PNG pages); finished() says where it went or why not. With `peerFingerprintHex`, the
    /// releasable version for that trusted contact of the book at `contactsPath` (whose
    /// signature is checked with the card of `identityPath`): only what ReleasePolicy lets it
    /// have, sanitised versions included (docs/analysis.md).
    Q_INVOKABLE void writeSitrep(const QUrl& file, const QString& peerFingerprintHex = {},
                                 const QString& identityPath = {},
                                 const QString& contactsPath = {});

signals:
    void missionChanged();
    void changed();
    /// An analysis finished: its summary line, or why it refused.
    void finished(const QString& message);

private:
    void recountUnusual();
    void unusualCounted();
    /// Runs `job` on the thread pool at background priority; its outcome comes back to adopt().
    void start(std::function<AnalysisModelOutcome()> job);
    void adopt(const AnalysisModelOutcome& outcome);
    [[nodiscard]] QDateTime windowEnd() const;

    QPointer<MissionController> mission_;
    QFutureWatcher<Result<std::vector<analysis::Assessment>>> unusualWatcher_;
    bool again_ = false;
    std::vector<analysis::Assessment> unusual_;
    QString unusualError_;
    double cellMetres_ = 2000;
    double stepDays_ = 7;
    int steps_ = 12;
    QString hotSpotSummary_;
    QVariantList nearRepeatRows_;
    QString nearRepeatSummary_;
    QString sitrepMessage_;
    int running_ = 0;
};

} // namespace tessera::quick
