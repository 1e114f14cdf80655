// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "store/Mission.h"

#include <QList>
#include <QString>

#include <functional>

namespace tessera::store {
class MissionStore;
}

namespace tessera::interop {

/// Which attribute of a feature fills which incident field. An empty name leaves the field at
/// its default (below); the title field is required.
struct FieldMapping {
    QString title = QStringLiteral("title");
    QString category = QStringLiteral("category");
    QString severity = QStringLiteral("severity");
    QString status = QStringLiteral("status");
    QString observedAt = QStringLiteral("observed_at");
    QString source = QStringLiteral("source");
    QString reliability = QStringLiteral("reliability");
    QString credibility = QStringLiteral("credibility");
    QString narrative = QStringLiteral("narrative");
    /// A feature's own marking (as Tessera's exports write it) wins over ImportOptions::marking.
    QString classification = QStringLiteral("classification");
    QString releasability = QStringLiteral("releasability");
};

struct ImportOptions {
    FieldMapping mapping;
    QString layer; ///< OGR layer to read (default: the first; GPX: waypoints)
    /// Given to every imported record that carries no marking of its own (required).
    store::Marking marking;
    QString defaultCategory = QStringLiteral("crime");
    /// Import the valid features and list the others. Off: one rejected feature refuses all.
    bool skipInvalid = false;
    int batchSize = 20000;
    /// Called between features; returning true abandons the import (nothing stays).
    std::function<bool()> cancelled;
};

/// A feature that was not imported: its number in the layer (from 1) and why.
struct RejectedFeature {
    qint64 feature = 0;
    QString reason;
};

struct ImportReport {
    QString layer;
    qint64 imported = 0;
    QList<RejectedFeature> rejected;
};

/// Reads points (and polygons, as area incidents) from anything OGR reads — GeoJSON, CSV with
/// lon/lat columns, KML, GPX waypoints, GeoPackage — into incidents, all or nothing: on any
/// failure, or any rejected feature without skipInvalid, the mission is left as it was and the
/// report (in the error's message) lists the rejected features.
/// Threads: the store's thread (a worker; never the GUI thread).
Result<ImportReport> importIncidents(store::MissionStore& mission, const QString& file,
                                     const ImportOptions& options);

/// Reads the track points of a GPX file (layer track_points, with times) as the actual track of
/// route `routeUuid`, replacing the one it had. Points without a time are rejected.
Result<ImportReport> importTrack(store::MissionStore& mission, const QString& gpxFile,
                                 const QString& routeUuid);

/// "feature 12: the title is empty" lines, at most `limit`, then "... and N more". `what`
/// names the things numbered ("feature", or "event" for CoT).
QString describeRejected(const QList<RejectedFeature>& rejected, int limit = 20,
                         const QString& what = QStringLiteral("feature"));

} // namespace tessera::interop
