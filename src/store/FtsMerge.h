// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Internal to the store: appending a full-text index built elsewhere (a bulk import's, built on
// a second thread in a private temporary database) to a mission's FTS5 index, by copying its
// segments (docs/store.md, "Bulk import").

#include "geo/Result.h"
#include "store/Database.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace tessera::store {

/// An FTS5 structure record (the `%_data` row 10: which segments make the index, by level), as
/// SQLite 3.40 writes it (FTS5 index format version 4, structure without the V2 extensions).
struct FtsStructure {
    struct Segment {
        int id = 0;
        int firstPage = 0;
        int lastPage = 0;
    };
    struct Level {
        int merging = 0; ///< the first `merging` segments are being merged into the next level
        QList<Segment> segments;
    };
    quint32 cookie = 0;
    quint64 writeCounter = 0;
    QList<Level> levels;

    /// Empty when the record is not in the format described above.
    static Result<FtsStructure> decode(const QByteArray& record);
    [[nodiscard]] QByteArray encode() const;
    [[nodiscard]] int segmentCount() const;
};

/// Appends the index of the contentless FTS5 table `source` (e.g. "bulk.fts") to the FTS5 table
/// `target` (e.g. "main.incident_fts"), in the connection's open transaction. Both must have the
/// same columns, tokenizer and options, and their rowids must be disjoint; `source` must have
/// been written with automerge off (no merge in progress). Returns false, having written
/// nothing, when either index is in a format this code does not know (another SQLite version):
/// the caller then indexes the rows through FTS5 itself.
Result<bool> appendFtsIndex(Database& db, const QString& target, const QString& source);

} // namespace tessera::store
