// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "analysis/EmergingHotSpots.h"
#include "analysis/NearRepeat.h"
#include "analysis/Placement.h"
#include "analysis/UnusualActivity.h"
#include "geo/Result.h"
#include "store/MissionStore.h"

#include <QString>

/// The analyses (src/analysis) run on a mission's incidents, and their results as map layers of
/// the mission (written with OGR beside the mission file, drawn like any vector layer, with their
/// legend in the style) and as tables. One place for what the app and the command line both do.
namespace tessera::interop {

/// What an analysis looks at: the incidents of `window` in `categories` (all when empty).
struct AnalysisScope {
    store::TimeWindow window;
    QStringList categories;
};

/// The distinct markings of the incidents an analysis used: a layer made from them carries them
/// (style "markings"), so that a banner over the layer never states less than went into it.
QList<store::Marking> markingsOf(const QList<store::Incident>& incidents,
                                 const std::vector<int>& used);

struct HotSpotRun {
    analysis::HotSpotResult result;
    analysis::Placement placement;
    QList<store::Marking> markings;
};

/// Emerging hot spots of the scope's incidents; the cube ends at the window's end (now when the
/// window is open-ended) and holds `steps` steps of `stepDays`.
Result<HotSpotRun> runEmergingHotSpots(const QList<store::Incident>& incidents,
                                       const AnalysisScope& scope, double cellMetres,
                                       double stepDays, int steps,
                                       const analysis::HotSpotParameters& parameters = {},
                                       int threads = 2);

/// The layer's "pattern" value of a location: "new hot spot", "historical cold spot"; empty for
/// a location without a pattern (left out of the layer).
QString patternKey(const analysis::LocationPattern& location);

/// The style of a hot spot layer: a fill per pattern, in the legend's order, and the markings.
QString hotSpotStyle(const QList<store::Marking>& markings);

/// Writes the locations with a pattern as square polygons in WGS 84 (GeoJSON through OGR), with
/// their pattern, incidents, trend z and p; all or nothing.
Status writeHotSpotLayer(const HotSpotRun& run, const QString& path);

struct NearRepeatRun {
    analysis::KnoxResult table;
    std::vector<analysis::RiskRing> rings;
    analysis::Placement placement;
    QList<store::Marking> markings;
};

/// The Knox test of the scope's incidents, and the risk rings around those of the last band's
/// length before the window's end.
Result<NearRepeatRun> runNearRepeat(const QList<store::Incident>& incidents,
                                    const AnalysisScope& scope, const analysis::KnoxBands& bands);
Status writeRiskRingLayer(const NearRepeatRun& run, const QString& path);
QString riskRingStyle(const QList<store::Marking>& markings);

/// Unusual activity per region of the mission's region layer (interop::regionLayer) and
/// category: the period of `periodDays` ending at `end` against `baselinePeriods` before it.
Result<std::vector<analysis::Assessment>> runUnusualActivity(const store::MissionSnapshot& mission,
                                                             const QDateTime& end,
                                                             double periodDays,
                                                             int baselinePeriods);

/// Adds `layer` to the mission, or replaces the layer of the same name (an analysis run again
/// replaces its result rather than stacking copies).
Result<qint64> putAnalysisLayer(store::MissionStore& mission, store::LayerSpec layer);

/// Where a mission's analyses write their layers: `fileName` in the folder MISSION.analysis
/// beside the mission file.
QString analysisLayerFile(const QString& missionPath, const QString& fileName);

/// Puts the vector layer an analysis wrote to `file` into the mission at `missionPath` as
/// `name` (putAnalysisLayer, its source relative to the mission's folder) and returns it as
/// the mission now holds it.
Result<store::LayerSpec> storeAnalysisLayer(const QString& missionPath, const QString& name,
                                            const QString& file, const QString& style);

} // namespace tessera::interop
