// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The one description of an incident's fields, from table to wire: the columns it is written
// to and read from, how each is bound and read, and the keys it travels under in a bundle
// (docs/formats/bundle.md). MissionStore (one record at a time), IncidentImport (in bulk) and
// sharing (BundleRecords.cpp: the bundle's reader and writer) all go through it, so that a new
// field of an incident is added here, in a migration, in the form and in the tests.

#include "geo/GeoTypes.h"
#include "geo/Result.h"
#include "store/Database.h"
#include "store/Hlc.h"
#include "store/Mission.h"

#include <QCborArray>
#include <QCborMap>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <span>

namespace tessera::store {

/// "[[lon,lat],...]": how areas, lines and annotation geometry are kept (JSON, exact doubles).
QString pointsJson(const QList<geo::GeoPoint>& points);
QList<geo::GeoPoint> pointsFromJson(const QString& json);
geo::Extent boundsOf(const QList<geo::GeoPoint>& points);
/// [[lon, lat], ...] as CBOR: how areas and geometry travel in a bundle.
QCborArray pointsToCbor(const QList<geo::GeoPoint>& points);
/// The points of such an array; nullopt for anything else.
std::optional<QList<geo::GeoPoint>> pointsFromCbor(const QCborValue& value);

/// Column lists of a record description (IncidentRow, AnnotationRow): `names` joined with
/// ", "; "name = ?2, ..." for all but the first (the uuid, ?1) as an UPDATE's SET list; and
/// "alias.name, ..." for a SELECT.
QString columnList(std::span<const char* const> names);
QString assignmentList(std::span<const char* const> names);
QString qualifiedList(const char* alias, std::span<const char* const> names);

/// The columns bindIncident binds, in its order: "uuid, title, ..., exercise, station,
/// updated_hlc" (22), for an INSERT's column list.
QString incidentWriteColumns();
/// "title = ?2, ..., station = ?21, updated_hlc = ?22": an UPDATE's SET list for bindIncident
/// (the uuid is ?1, for the WHERE).
QString incidentUpdateAssignments();
/// The 16 content columns of a table aliased `alias`, "i.uuid, i.title, ..., i.classification,
/// i.releasability, i.exercise", which readIncidentContent reads in this order.
QString incidentReadColumns(const char* alias);
/// The number of columns incidentReadColumns lists.
constexpr int kIncidentReadColumns = 16;
/// An incident's content (all but its stamp) from a row of incidentReadColumns starting at
/// column `first`.
Incident readIncidentContent(const Statement& s, int first = 0);

/// The incident's content under its bundle keys (title, category, severity, status,
/// observed_at, lon, lat, area when it has one, source, reliability, credibility, narrative,
/// exercise); the marking and stamps are every record's (BundleRecords.cpp).
void incidentToWire(const Incident& i, QCborMap& wire);
/// The content of an incident from its bundle keys; the caller sets uuid, marking and stamp.
/// An error names the field that cannot be read (the store's own checks come after).
Result<Incident> incidentFromWire(const QCborMap& wire);

/// The statements that put the incident row of id ?1 into the store's indexes (its R*Tree box,
/// its map marker by Hilbert key or its area's box, its full-text row), in order. Run after the
/// row is written, by the store and by sharing's apply alike.
const QStringList& incidentIndexStatements();
/// The statements that take the row of id ?1 out of them: before the row changes, since the
/// marker's key and the full-text 'delete' need the stored values.
const QStringList& incidentUnindexStatements();

/// Binds parameters ?1..?22 of an incident INSERT or UPDATE: uuid, title, category, severity,
/// status, observed_at, lon, lat, area and its bounds (?9..?13), source, reliability,
/// credibility, narrative, classification, releasability, exercise, station, hlc. With `first`
/// other than 1 it binds ?first..?(first + 21) instead (one row of a multi-row INSERT).
void bindIncident(Statement& s, const Incident& i, qint64 station, Hlc hlc, int first = 1);

} // namespace tessera::store
