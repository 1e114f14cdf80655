// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/GeoTypes.h"
#include "store/Hlc.h"
#include "store/Mission.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace tessera::store {

enum class IncidentOrder { NewestFirst, OldestFirst, MostSevere, Title };

/// Which incidents to find. Every criterion that is set must hold (AND); empty lists match all.
/// Only live records: no tombstones, nothing of an import still running.
struct IncidentQuery {
    std::optional<geo::Extent> bbox; ///< degrees; via the R*Tree, re-checked on exact coordinates
    QDateTime from;                  ///< observed at or after (when valid)
    QDateTime to;                    ///< observed before (when valid)
    QStringList categories;
    QList<Severity> severities;
    QList<IncidentStatus> statuses;
    /// Words to find in titles, narratives and notes (FTS5); each word must occur. A trailing
    /// `*` makes a word a prefix.
    QString text;
    IncidentOrder order = IncidentOrder::NewestFirst;
    int offset = 0;
    int limit = 100;
    bool countTotal = true; ///< also count every match (one more query)
};

struct IncidentPage {
    QList<Incident> incidents;
    qint64 total = -1; ///< every match, when asked for
};

/// What a map symbol and a row of the incident list need of an incident, read without the
/// narrative, source, marking, area outline and stamps (MissionStore::queryMarkers). The full
/// record is MissionStore::incident(uuid). The observed time is kept as milliseconds: a box
/// returns 10,000 markers, and a QDateTime per marker cost more than its strings.
struct IncidentMarker {
    QString uuid;
    QString title;
    QString category;
    Severity severity = Severity::Low;
    IncidentStatus status = IncidentStatus::Reported;
    qint64 observedMs = 0;  ///< observed at, milliseconds since 1970-01-01T00:00:00Z
    geo::GeoPoint location; ///< the point, or for an area a representative point inside it
    bool isArea = false;    ///< an area incident (its outline is in the full record)

    [[nodiscard]] QDateTime observedAt() const {
        return QDateTime::fromMSecsSinceEpoch(observedMs, Qt::UTC);
    }
};

} // namespace tessera::store

// Moved in memory as a whole when a list of 10,000 markers grows or is reordered.
Q_DECLARE_TYPEINFO(tessera::store::IncidentMarker, Q_RELOCATABLE_TYPE);

namespace tessera::store {

struct MarkerPage {
    QList<IncidentMarker> markers;
    qint64 total = -1; ///< every match, when asked for
};

/// One entry of the change log, the feed for sync: what changed, not its content (which is the
/// record itself, found by kind and uuid).
struct Change {
    qint64 seq = 0;
    QString kind; ///< incident, note, attachment, route, annotation
    QString uuid;
    QString op; ///< insert, update, delete
    Hlc hlc;
    QString station;
};

struct MissionStats {
    int schemaVersion = 0;
    QString station;
    qint64 incidents = 0; ///< live
    qint64 deletedIncidents = 0;
    qint64 notes = 0;
    qint64 attachments = 0;
    qint64 routes = 0;
    qint64 annotations = 0;
    qint64 changes = 0;
    qint64 imports = 0;
    qint64 bytes = 0; ///< the database file's pages
    QMap<QString, qint64> bySeverity;
    QMap<QString, qint64> byStatus;
    QMap<QString, qint64> byCategory;
};

} // namespace tessera::store
