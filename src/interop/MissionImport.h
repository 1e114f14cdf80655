// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "interop/MissionExport.h"
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
    QString exercise = QStringLiteral("exercise"); ///< true/false, 1/0, yes/no
    /// A feature's own marking (as Tessera's exports write it) wins over ImportOptions::marking.
    QString classification = QStringLiteral("classification");
    QString releasability = QStringLiteral("releasability");
};

struct ImportOptions {
    FieldMapping mapping;
    QString layer; ///< OGR layer to read (default: every layer with features; GPX: waypoints)
    /// Given to every imported record that carries no marking of its own (required).
    store::Marking marking;
    QString defaultCategory = QStringLiteral("crime");
    /// Import the valid features and list the others. Off: one rejected feature refuses all.
    bool skipInvalid = false;
    int batchSize = 20000;
    /// Called between features; returning true abandons the import (nothing stays).
    std::function<bool()> cancelled;
    /// Told how many features have been read, every kProgressEvery and at the end.
    std::function<void(qint64 features)> progress;
};

/// How often the imports tell their progress, in features.
constexpr qint64 kProgressEvery = 2048;

/// A feature that was not imported: its number in the layer (from 1) and why; the layer when
/// the file has several.
struct RejectedFeature {
    qint64 feature = 0;
    QString reason;
    QString layer;
};

struct ImportReport {
    QString layer; ///< the layers read, comma-separated
    qint64 imported = 0;
    QList<RejectedFeature> rejected;
    QStringList notes; ///< what the operator should know of an import that went through
};

/// Reads points (and polygons, as area incidents) from anything OGR reads — GeoJSON, CSV with
/// lon/lat columns, KML, GPX waypoints, GeoPackage — into incidents, all or nothing: on any
/// failure, or any rejected feature without skipInvalid, the mission is left as it was and the
/// report (in the error's message) lists the rejected features. Every incident gets a new
/// uuid (a foreign file's ids mean nothing here; importRecords keeps Tessera's).
/// Threads: the store's thread (a worker; never the GUI thread).
Result<ImportReport> importIncidents(store::MissionStore& mission, const QString& file,
                                     const ImportOptions& options);

struct TrackReadOptions {
    /// Called between points; returning true abandons the reading.
    std::function<bool()> cancelled;
    /// Told how many points have been read, every few thousand and at the end.
    std::function<void(qint64 points)> progress;
};

/// Reads the track points of a GPX file (layer track_points, with times) in the parse process
/// (interop/ParseProcess.h), all or nothing: a point without a time or off the globe refuses
/// the whole track, listed in the error's message, as does a cancel or a reader that crashes.
/// Threads: any but the GUI thread.
Result<QList<store::TrackPoint>> readTrack(const QString& gpxFile,
                                           const TrackReadOptions& options = {});

/// readTrack() into the actual track of route `routeUuid`, replacing the one it had.
Result<ImportReport> importTrack(store::MissionStore& mission, const QString& gpxFile,
                                 const QString& routeUuid);

struct RecordImportOptions {
    /// Given to every record that carries no marking of its own (required).
    store::Marking marking;
    /// Called between features; returning true abandons the import (nothing stays).
    std::function<bool()> cancelled;
    /// Told how many features have been read, every kProgressEvery and at the end.
    std::function<void(qint64 features)> progress;
};

struct RecordImportReport {
    RecordCounts imported;
    /// Records whose uuid the mission already holds (live or deleted): left as they are. The
    /// mission's copy may be the newer one; merging edits is what sharing does, with clocks.
    RecordCounts present;
    QStringList notes; ///< what the operator should know (multi-part geometries taken in part)
};

/// Reads back what exportRecords (or exportIncidents) wrote — incidents, patrol routes with
/// their planned waypoints and actual tracks, annotations — keeping each record's uuid, its
/// marking and every field the format holds (docs/store.md#export-and-import), all or nothing
/// in one transaction: a rejected feature (listed with its layer, number and reason in the
/// error's message), a store error or a cancel leaves the mission as it was.
///
/// Layers: GeoPackage and KML/KMZ `incidents`, `routes`, `route_tracks`, `annotations`; GeoJSON
/// one layer whose `record_type` tells the kinds apart; GPX waypoints (incidents and point
/// annotations), route_points (a <rte> is a route, or a line annotation) and track_points (a
/// <trk> is a route's actual track, or a route with no plan). A feature without a record_type
/// is of its layer's kind (an incident in a file without those layers); one without a uuid
/// gets a new one. Threads: the store's thread (a worker; never the GUI thread).
Result<RecordImportReport> importRecords(store::MissionStore& mission, const QString& file,
                                         const RecordImportOptions& options);

/// Whether `file` looks like what exportRecords writes (features with a record_type field), so
/// that importRecords, not importIncidents with a field mapping, is the reader for it.
Result<bool> holdsRecords(const QString& file);

// ---- reading a file, apart from writing it ----

/// What the reader is asked to make of a file.
enum class ParseMode {
    Probe,     ///< only whether the file holds records (holdsRecords)
    Records,   ///< what exportRecords writes (importRecords)
    Incidents, ///< another program's features, through a field mapping (importIncidents)
    Layers,    ///< the layers with drawable features, opened as a map layer is (TAK overlays)
    Track,     ///< a GPX file's track points, as the track of one route (readTrack)
    Raster,    ///< a raster read as a map layer's first draw reads it (layers: its driver)
};

struct ParseRequest {
    ParseMode mode = ParseMode::Records;
    FieldMapping mapping;   ///< Incidents
    QString layer;          ///< Incidents: one layer (empty: every layer; GPX: waypoints)
    store::Marking marking; ///< for records without a marking of their own
    QString defaultCategory = QStringLiteral("crime");
    /// Read a .kml with GDAL's plain KML driver, not LIBKML (after LIBKML crashed on it): names,
    /// descriptions and geometries, but no ExtendedData and no gx:Track.
    bool plainKml = false;
};

/// One record read from a file, with where it came from (for the mission's refusals).
template <typename T>
struct Parsed {
    T record;
    RejectedFeature where;
};

/// Everything a reader made of one file, before anything is written to a mission.
struct ParsedFile {
    bool holdsRecords = false; ///< Probe
    QStringList layers;        ///< the layers read
    qint64 features = 0;       ///< features read, rejected ones included
    QList<Parsed<store::Incident>> incidents;
    QList<Parsed<store::PatrolRoute>> routes;
    QList<Parsed<store::Annotation>> annotations;
    QList<RejectedFeature> rejected;
    QStringList notes; ///< what the operator should know (multi-part geometries taken in part)
};

/// Reads `file` in this process. Only the parse process (`tessera-cli parse-records`,
/// interop/ParseProcess.h) calls it: everything else reads untrusted files through
/// parseIsolated, so that a reader that crashes takes only that process with it. The shared
/// archive limits (checkArchiveFile) are applied before GDAL sees the file.
/// Threads: any but the GUI thread.
Result<ParsedFile> parseFileHere(const QString& file, const ParseRequest& request,
                                 const std::function<bool()>& cancelled = {},
                                 const std::function<void(qint64)>& progress = {});

/// "feature 12: the title is empty" lines, at most `limit`, then "... and N more". `what`
/// names the things numbered ("feature", or "event" for CoT); a rejected feature's layer, when
/// set, comes first ("routes feature 2: ...").
QString describeRejected(const QList<RejectedFeature>& rejected, int limit = 20,
                         const QString& what = QStringLiteral("feature"));

} // namespace tessera::interop
