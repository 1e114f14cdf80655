// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Internal to the store: how an incident row is written, shared by MissionStore (one record at a
// time) and IncidentImport (in bulk) so that both write the same columns the same way.

#include "geo/GeoTypes.h"
#include "store/Database.h"
#include "store/Hlc.h"
#include "store/Mission.h"

#include <QList>
#include <QString>

namespace tessera::store {

/// "[[lon,lat],...]": how areas, lines and annotation geometry are kept (JSON, exact doubles).
QString pointsJson(const QList<geo::GeoPoint>& points);
QList<geo::GeoPoint> pointsFromJson(const QString& json);
geo::Extent boundsOf(const QList<geo::GeoPoint>& points);

/// Binds parameters ?1..?22 of an incident INSERT or UPDATE: uuid, title, category, severity,
/// status, observed_at, lon, lat, area and its bounds (?9..?13), source, reliability,
/// credibility, narrative, classification, releasability, exercise, station, hlc. With `first`
/// other than 1 it binds ?first..?(first + 21) instead (one row of a multi-row INSERT).
void bindIncident(Statement& s, const Incident& i, qint64 station, Hlc hlc, int first = 1);

} // namespace tessera::store
