// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/AnnotationRow.h"

#include "store/IncidentRow.h"

#include <iterator>

namespace tessera::store {

namespace {

constexpr const char* kWriteColumns[]{"uuid",    "kind",       "geometry",       "text",
                                      "author",  "written_at", "classification", "releasability",
                                      "station", "updated_hlc"};
constexpr const char* kReadColumns[]{"uuid",   "kind",       "geometry",       "text",
                                     "author", "written_at", "classification", "releasability"};
static_assert(std::size(kReadColumns) == kAnnotationReadColumns);

} // namespace

QString annotationWriteColumns() {
    return columnList(kWriteColumns);
}

QString annotationUpdateAssignments() {
    return assignmentList(kWriteColumns);
}

QString annotationReadColumns(const char* alias) {
    return qualifiedList(alias, kReadColumns);
}

Annotation readAnnotationContent(const Statement& s, int first) {
    const int o = first;
    Annotation a;
    a.uuid = s.text(o + 0);
    a.kind = annotationKindFromString(s.text(o + 1)).value_or(AnnotationKind::Point);
    a.geometry = pointsFromJson(s.text(o + 2));
    a.text = s.text(o + 3);
    a.author = s.text(o + 4);
    a.writtenAt = QDateTime::fromMSecsSinceEpoch(s.integer(o + 5), Qt::UTC);
    a.marking = {s.text(o + 6), s.text(o + 7)};
    return a;
}

Statement& bindAnnotation(Statement& s, const Annotation& a, qint64 station, Hlc hlc) {
    return s.bind(1, a.uuid)
        .bind(2, toString(a.kind))
        .bind(3, pointsJson(a.geometry))
        .bind(4, a.text)
        .bind(5, a.author)
        .bind(6, a.writtenAt.toMSecsSinceEpoch())
        .bind(7, a.marking.classification)
        .bind(8, a.marking.releasability)
        .bind(9, station)
        .bind(10, hlc.value);
}

void annotationToWire(const Annotation& a, QCborMap& m) {
    m.insert(QStringLiteral("shape"), toString(a.kind));
    m.insert(QStringLiteral("geometry"), pointsToCbor(a.geometry));
    m.insert(QStringLiteral("text"), a.text);
    m.insert(QStringLiteral("author"), a.author);
    m.insert(QStringLiteral("written_at"), a.writtenAt.toMSecsSinceEpoch());
}

Result<Annotation> annotationFromWire(const QCborMap& m) {
    Annotation a;
    const auto shape = annotationKindFromString(m[QStringLiteral("shape")].toString());
    const std::optional<QList<geo::GeoPoint>> geometry =
        pointsFromCbor(m[QStringLiteral("geometry")]);
    if (!shape || !geometry || geometry->isEmpty())
        return Error{QStringLiteral("unknown shape or no geometry")};
    a.kind = *shape;
    a.geometry = *geometry;
    a.text = m[QStringLiteral("text")].toString();
    a.author = m[QStringLiteral("author")].toString();
    a.writtenAt =
        QDateTime::fromMSecsSinceEpoch(m[QStringLiteral("written_at")].toInteger(), Qt::UTC);
    return a;
}

} // namespace tessera::store
