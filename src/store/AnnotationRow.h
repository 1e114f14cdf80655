// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The one description of an annotation's fields, from table to wire, as IncidentRow.h is for
// incidents: the columns, how each is bound and read, and its bundle keys. MissionStore and
// sharing (BundleRecords.cpp) both go through it.

#include "geo/Result.h"
#include "store/Database.h"
#include "store/Hlc.h"
#include "store/Mission.h"

#include <QCborMap>
#include <QString>

namespace tessera::store {

/// "uuid, kind, geometry, text, author, written_at, classification, releasability, station,
/// updated_hlc": what bindAnnotation binds, ?1..?10.
QString annotationWriteColumns();
/// "kind = ?2, ..., updated_hlc = ?10": an UPDATE's SET list for bindAnnotation.
QString annotationUpdateAssignments();
/// The 8 content columns of a table aliased `alias`, which readAnnotationContent reads.
QString annotationReadColumns(const char* alias);
constexpr int kAnnotationReadColumns = 8;
/// An annotation's content (all but its stamp) from a row of annotationReadColumns.
Annotation readAnnotationContent(const Statement& s, int first = 0);
/// ?1 uuid, ?2..?8 the annotation's fields and marking, ?9 the station, ?10 the stamp.
Statement& bindAnnotation(Statement& s, const Annotation& a, qint64 station, Hlc hlc);

/// The annotation's content under its bundle keys (shape, geometry, text, author,
/// written_at); the marking and stamps are every record's.
void annotationToWire(const Annotation& a, QCborMap& wire);
/// The content of an annotation from its bundle keys; an error when its shape or geometry
/// cannot be read. The caller sets uuid, marking and stamp.
Result<Annotation> annotationFromWire(const QCborMap& wire);

} // namespace tessera::store
