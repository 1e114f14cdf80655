// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/FtsMerge.h"

#include <algorithm>
#include <optional>
#include <set>

namespace tessera::store {

namespace {

// FTS5 keeps its index in `%_data`: row 1 holds the averages (documents, tokens per column), row
// 10 the structure, and the pages of segment s are the rows from s << 37 on (fts5_index.c:
// FTS5_SEGMENT_ROWID; the bits below hold the doclist-index flag, height and page number, none
// of which a renumbered segment changes). `%_idx` maps (segment, first term of a page) to the
// page. Nothing inside a page names its segment.
constexpr qint64 kAveragesRow = 1;
constexpr qint64 kStructureRow = 10;
constexpr int kSegmentShift = 37;
constexpr int kMaxSegments = 2000; // FTS5_MAX_SEGMENT
constexpr int kFormatVersion = 4;  // FTS5_CURRENT_VERSION of SQLite 3.40

/// SQLite's variable-length integer (also FTS5's): 1 to 9 bytes, big-endian groups of 7 bits,
/// the ninth byte whole. Returns the bytes read, 0 when the input ends first.
int readVarint(const QByteArray& in, qsizetype at, quint64& value) {
    value = 0;
    for (int k = 0; k < 9; ++k) {
        if (at + k >= in.size())
            return 0;
        const auto byte = static_cast<quint8>(in[at + k]);
        if (k == 8) {
            value = (value << 8) | byte;
            return 9;
        }
        value = (value << 7) | (byte & 0x7f);
        if ((byte & 0x80) == 0)
            return k + 1;
    }
    return 0;
}

void writeVarint(QByteArray& out, quint64 value) {
    char bytes[10];
    if ((value & (quint64{0xff000000} << 32)) != 0) {
        bytes[8] = static_cast<char>(value & 0xff);
        value >>= 8;
        for (int k = 7; k >= 0; --k) {
            bytes[k] = static_cast<char>((value & 0x7f) | 0x80);
            value >>= 7;
        }
        out.append(bytes, 9);
        return;
    }
    int n = 0;
    do {
        bytes[n++] = static_cast<char>((value & 0x7f) | 0x80);
        value >>= 7;
    } while (value != 0);
    bytes[0] = static_cast<char>(bytes[0] & 0x7f);
    std::reverse(bytes, bytes + n);
    out.append(bytes, n);
}

/// Reads varints one after the other; any failure sticks.
class VarintReader {
public:
    explicit VarintReader(const QByteArray& in, qsizetype at = 0)
        : in_(in)
        , at_(at) {}
    quint64 next() {
        quint64 v = 0;
        const int n = ok_ ? readVarint(in_, at_, v) : 0;
        ok_ = n > 0;
        at_ += n;
        return v;
    }
    int nextInt() {
        const quint64 v = next();
        if (v > 0x7fffffff)
            ok_ = false;
        return static_cast<int>(v);
    }
    [[nodiscard]] bool ok() const { return ok_; }
    [[nodiscard]] bool atEnd() const { return at_ == in_.size(); }

private:
    const QByteArray& in_;
    qsizetype at_ = 0;
    bool ok_ = true;
};

/// "main.incident_fts" → "main.incident_fts_<suffix>".
QString shadow(const QString& table, const char* suffix) {
    return table + QLatin1Char('_') + QLatin1String(suffix);
}

/// A `%_data` row's block; empty when there is no such row.
Result<QByteArray> dataRow(Database& db, const QString& table, qint64 row) {
    Result<QVariant> block = db.scalar(
        QStringLiteral("SELECT block FROM %1 WHERE id = %2").arg(shadow(table, "data")).arg(row));
    if (!block)
        return block.error();
    return block.value().toByteArray();
}

/// The averages record: documents, then tokens per column. Missing or empty: all zero.
std::optional<QList<quint64>> decodeAverages(const QByteArray& record) {
    QList<quint64> values;
    VarintReader in(record);
    while (!in.atEnd()) {
        values.append(in.next());
        if (!in.ok())
            return std::nullopt;
    }
    return values;
}

Status writeDataRow(Database& db, const QString& table, qint64 row, const QByteArray& block) {
    Result<Statement> stmt =
        db.prepare(QStringLiteral("INSERT OR REPLACE INTO %1 (id, block) VALUES (?1, ?2)")
                       .arg(shadow(table, "data")));
    if (!stmt)
        return stmt.error();
    stmt.value().bind(1, row).bindBlob(2, block);
    return stmt.value().run();
}

} // namespace

Result<FtsStructure> FtsStructure::decode(const QByteArray& record) {
    const Error unknown{QStringLiteral("an FTS5 structure record of an unknown format")};
    if (record.size() < 4)
        return unknown;
    FtsStructure s;
    for (int k = 0; k < 4; ++k)
        s.cookie = (s.cookie << 8) | static_cast<quint8>(record[k]);
    // Later SQLite versions mark their extended (V2) records with 0xffffffff here.
    if (record.size() >= 8 && record.mid(4, 4) == QByteArray(4, '\xff'))
        return unknown;
    VarintReader in(record, 4);
    const int levels = in.nextInt();
    const int segments = in.nextInt();
    s.writeCounter = in.next();
    if (!in.ok() || levels < 0 || levels > 64 || segments < 0 || segments > kMaxSegments)
        return unknown;
    int counted = 0;
    for (int l = 0; l < levels; ++l) {
        Level level;
        level.merging = in.nextInt();
        const int n = in.nextInt();
        if (!in.ok() || n < 0 || counted + n > segments || level.merging > n)
            return unknown;
        for (int k = 0; k < n; ++k) {
            Segment seg;
            seg.id = in.nextInt();
            seg.firstPage = in.nextInt();
            seg.lastPage = in.nextInt();
            if (seg.id < 1 || seg.id > kMaxSegments)
                return unknown;
            level.segments.append(seg);
        }
        counted += n;
        s.levels.append(level);
    }
    if (!in.ok() || !in.atEnd() || counted != segments)
        return unknown;
    return s;
}

QByteArray FtsStructure::encode() const {
    QByteArray out;
    for (int k = 3; k >= 0; --k)
        out.append(static_cast<char>((cookie >> (8 * k)) & 0xff));
    writeVarint(out, static_cast<quint64>(levels.size()));
    writeVarint(out, static_cast<quint64>(segmentCount()));
    writeVarint(out, writeCounter);
    for (const Level& level : levels) {
        writeVarint(out, static_cast<quint64>(level.merging));
        writeVarint(out, static_cast<quint64>(level.segments.size()));
        for (const Segment& seg : level.segments) {
            writeVarint(out, static_cast<quint64>(seg.id));
            writeVarint(out, static_cast<quint64>(seg.firstPage));
            writeVarint(out, static_cast<quint64>(seg.lastPage));
        }
    }
    return out;
}

int FtsStructure::segmentCount() const {
    int n = 0;
    for (const Level& level : levels)
        n += static_cast<int>(level.segments.size());
    return n;
}

Result<bool> appendFtsIndex(Database& db, const QString& target, const QString& source) {
    // Both indexes in the format this code reads, or nothing is written.
    for (const QString& table : {target, source}) {
        Result<QVariant> version = db.scalar(
            QStringLiteral("SELECT v FROM %1 WHERE k = 'version'").arg(shadow(table, "config")));
        if (!version)
            return version.error();
        if (version.value().toInt() != kFormatVersion)
            return false;
    }
    Result<QByteArray> targetRecord = dataRow(db, target, kStructureRow);
    Result<QByteArray> sourceRecord = dataRow(db, source, kStructureRow);
    if (!targetRecord || !sourceRecord)
        return targetRecord ? sourceRecord.error() : targetRecord.error();
    Result<FtsStructure> into = FtsStructure::decode(targetRecord.value());
    Result<FtsStructure> from = FtsStructure::decode(sourceRecord.value());
    if (!into || !from)
        return false;
    for (const FtsStructure::Level& level : from.value().levels)
        if (level.merging != 0)
            return false;
    if (into.value().segmentCount() + from.value().segmentCount() > kMaxSegments)
        return false;
    Result<QByteArray> targetAverages = dataRow(db, target, kAveragesRow);
    Result<QByteArray> sourceAverages = dataRow(db, source, kAveragesRow);
    if (!targetAverages || !sourceAverages)
        return targetAverages ? sourceAverages.error() : targetAverages.error();
    std::optional<QList<quint64>> sums = decodeAverages(targetAverages.value());
    const std::optional<QList<quint64>> added = decodeAverages(sourceAverages.value());
    if (!sums || !added)
        return false;

    // New segment numbers: the smallest the target does not use, as FTS5 allocates them.
    std::set<int> used;
    for (const FtsStructure::Level& level : into.value().levels)
        for (const FtsStructure::Segment& seg : level.segments)
            used.insert(seg.id);
    FtsStructure merged = into.value();
    Result<Statement> pages = db.prepare(
        QStringLiteral("INSERT INTO %1 (id, block) SELECT id + ?1, block FROM %2 WHERE id >= ?2 "
                       "AND id < ?3")
            .arg(shadow(target, "data"), shadow(source, "data")));
    Result<Statement> terms = db.prepare(
        QStringLiteral("INSERT INTO %1 (segid, term, pgno) SELECT ?1, term, pgno FROM %2 WHERE "
                       "segid = ?2")
            .arg(shadow(target, "idx"), shadow(source, "idx")));
    if (!pages || !terms)
        return pages ? terms.error() : pages.error();
    int candidate = 1;
    for (qsizetype l = 0; l < from.value().levels.size(); ++l) {
        if (merged.levels.size() <= l)
            merged.levels.append(FtsStructure::Level{});
        QList<FtsStructure::Segment>& level = merged.levels[l].segments;
        // A level being merged writes its output into the last segment of the next level: the
        // appended segments go before that one.
        qsizetype at = level.size();
        if (l > 0 && merged.levels[l - 1].merging > 0 && at > 0)
            --at;
        for (FtsStructure::Segment seg : from.value().levels[l].segments) {
            while (used.count(candidate) != 0)
                ++candidate;
            used.insert(candidate);
            const qint64 first = qint64{seg.id} << kSegmentShift;
            pages.value()
                .bind(1, (qint64{candidate} - seg.id) << kSegmentShift)
                .bind(2, first)
                .bind(3, first + (qint64{1} << kSegmentShift));
            if (Status s = pages.value().run(); !s)
                return s.error();
            terms.value().bind(1, qint64{candidate}).bind(2, qint64{seg.id});
            if (Status s = terms.value().run(); !s)
                return s.error();
            seg.id = candidate;
            level.insert(at++, seg);
        }
    }
    merged.writeCounter += from.value().writeCounter;

    if (Status s = db.exec(QStringLiteral("INSERT INTO %1 (id, sz) SELECT id, sz FROM %2")
                               .arg(shadow(target, "docsize"), shadow(source, "docsize")));
        !s)
        return s.error();
    while (sums->size() < added->size())
        sums->append(0);
    for (qsizetype k = 0; k < added->size(); ++k)
        (*sums)[k] += (*added)[k];
    QByteArray averages;
    for (quint64 v : *sums)
        writeVarint(averages, v);
    if (Status s = writeDataRow(db, target, kAveragesRow, averages); !s)
        return s.error();
    if (Status s = writeDataRow(db, target, kStructureRow, merged.encode()); !s)
        return s.error();
    return true;
}

} // namespace tessera::store
