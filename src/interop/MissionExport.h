// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "store/Query.h"
#include "store/ReleasedVersion.h"

#include <QString>
#include <QStringList>

#include <functional>

namespace tessera::store {
class MissionStore;
}

namespace tessera::interop {

/// How many records of each kind (a route counts once, planned path and actual track together).
struct RecordCounts {
    qint64 incidents = 0;
    qint64 routes = 0;
    qint64 annotations = 0;
    [[nodiscard]] qint64 total() const { return incidents + routes + annotations; }
    friend bool operator==(const RecordCounts&, const RecordCounts&) = default;
};

/// What exportRecords writes.
struct RecordExportOptions {
    bool incidents = true;
    /// Which incidents (its order, offset and limit apply; limit 0: all of them). Routes and
    /// annotations are not filtered: all of them, when asked for.
    store::IncidentQuery incidentQuery = [] {
        store::IncidentQuery all;
        all.order = store::IncidentOrder::OldestFirst;
        all.limit = 0;
        return all;
    }();
    bool routes = true;
    bool annotations = true;
    /// For an export made for a recipient (share::ReleasePolicy::filterFor): a record it
    /// refuses is never written (a route with neither its planned path nor its track), and is
    /// counted as withheld (docs/sharing.md: every serialiser of records for another station
    /// asks ReleasePolicy). An incident it may have sanitised is written as its sanitised
    /// version (store::sanitisedIncident) with a `sanitised` field saying what was done; routes
    /// and annotations have no sanitised version and are withheld.
    store::ReleaseFilter releasable;
    /// The regions for a release that coarsens positions to the region (regionLocator over the
    /// mission's region layer); without it such incidents are withheld.
    store::RegionLocator regions;
};

struct RecordExportReport {
    RecordCounts written;
    qint64 sanitised = 0;          ///< incidents written as their sanitised version
    RecordCounts withheld;         ///< refused by `releasable`
    RecordCounts notRepresentable; ///< the format cannot hold them (GPX: area annotations)
    /// What the format left out or changed, in words for the user ("GPX holds no areas: 2 area
    /// annotations were not written").
    QStringList notes;
};

/// Writes incidents, patrol routes and annotations to one file, the format chosen by its
/// extension; every record carries its uuid, its marking (classification, releasability) and a
/// `record_type` (incident, route, route_track, annotation) as fields, in WGS84
/// (docs/store.md#export-and-import says what each format holds):
/// - GeoPackage (.gpkg): layers `incidents`, `routes` (the planned path, waypoint names and
///   times in the JSON field `waypoints`), `route_tracks` (the actual track, Z when every point
///   has an elevation, times and elevations in the JSON field `track_points`), `annotations`.
/// - GeoJSON (.geojson, .json): one FeatureCollection of the same features, told apart by
///   `record_type`.
/// - KML/KMZ (.kml, .kmz): the same layers as folders, the fields in ExtendedData; the
///   placemark's name is an incident's title, a route's name or an annotation's text, its
///   description an incident's narrative.
/// - GPX (.gpx): incidents and point annotations as waypoints, routes as <rte> (waypoint name
///   and time per <rtept>), actual tracks as <trk> (time and elevation per <trkpt>), line
///   annotations as <rte>; the other fields in each point's <extensions>. GPX holds no areas:
///   an area incident is written as its point, an area annotation not at all (counted in
///   notRepresentable and said in notes).
/// Written beside the target and renamed into place, so a failure leaves no half file.
/// Threads: the store's thread (a worker; never the GUI thread).
Result<RecordExportReport> exportRecords(store::MissionStore& mission, const QString& file,
                                         const RecordExportOptions& options = {});

/// exportRecords of the incidents a query selects only (limit 0: all of them). Returns the
/// number written; an incident `releasable` refuses is counted in `withheld`.
Result<qint64> exportIncidents(store::MissionStore& mission, const QString& file,
                               store::IncidentQuery query,
                               const store::ReleaseFilter& releasable = {},
                               qint64* withheld = nullptr);

} // namespace tessera::interop
