// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/RtreePack.h"

#include "store/MarkerKey.h"

#include <QByteArray>

#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>

namespace tessera::store {

namespace {

// rtree.c rounds a box outwards by one unit in the last place of a float when the nearest float
// falls inside it.
constexpr double kTowardsZero = 1.0 - 1.0 / 8388608.0;
constexpr double kAwayFromZero = 1.0 + 1.0 / 8388608.0;

float roundedDown(double d) {
    auto f = static_cast<float>(d);
    if (static_cast<double>(f) > d)
        f = static_cast<float>(d * (d < 0 ? kAwayFromZero : kTowardsZero));
    return f;
}
float roundedUp(double d) {
    auto f = static_cast<float>(d);
    if (static_cast<double>(f) < d)
        f = static_cast<float>(d * (d < 0 ? kTowardsZero : kAwayFromZero));
    return f;
}

// The node format of rtree.c (SQLite's file format, "Database Format of R-Tree Tables"): a
// 2-byte depth of the tree (root node only), a 2-byte cell count, then cells of an 8-byte id
// and four 4-byte coordinates (min x, max x, min y, max y), all big-endian; a node blob always
// has the table's node size.
constexpr int kHeaderBytes = 4;
constexpr int kCellBytes = 8 + 4 * 4;

void putInt16(char* p, int v) {
    p[0] = static_cast<char>((v >> 8) & 0xff);
    p[1] = static_cast<char>(v & 0xff);
}
void putInt64(char* p, qint64 v) {
    for (int k = 0; k < 8; ++k)
        p[k] = static_cast<char>((static_cast<quint64>(v) >> (8 * (7 - k))) & 0xff);
}
void putFloat(char* p, float f) {
    const auto bits = std::bit_cast<quint32>(f);
    for (int k = 0; k < 4; ++k)
        p[k] = static_cast<char>((bits >> (8 * (3 - k))) & 0xff);
}

struct Node {
    QByteArray data;
    RtreeEntry box; ///< id: the node number; the box: union of its cells
};

/// Packs `cells` (in order) into `count` nodes of nearly equal size, numbered from `nextNode`.
std::vector<Node> packLevel(const std::vector<RtreeEntry>& cells, qsizetype nodeSize,
                            qsizetype capacity, qint64& nextNode) {
    const auto total = static_cast<qsizetype>(cells.size());
    const qsizetype count = (total + capacity - 1) / capacity;
    std::vector<Node> nodes;
    nodes.reserve(static_cast<size_t>(count));
    qsizetype begin = 0;
    for (qsizetype n = 0; n < count; ++n) {
        // Balanced: the first (total % count) nodes take one cell more.
        const qsizetype size = total / count + (n < total % count ? 1 : 0);
        Node node{QByteArray(nodeSize, '\0'), {nextNode++, 0, 0, 0, 0}};
        char* p = node.data.data();
        putInt16(p + 2, static_cast<int>(size));
        for (qsizetype k = 0; k < size; ++k) {
            const RtreeEntry& c = cells[static_cast<size_t>(begin + k)];
            char* cell = p + kHeaderBytes + k * kCellBytes;
            putInt64(cell, c.id);
            putFloat(cell + 8, c.minX);
            putFloat(cell + 12, c.maxX);
            putFloat(cell + 16, c.minY);
            putFloat(cell + 20, c.maxY);
            if (k == 0) {
                node.box = {node.box.id, c.minX, c.maxX, c.minY, c.maxY};
            } else {
                node.box.minX = std::min(node.box.minX, c.minX);
                node.box.maxX = std::max(node.box.maxX, c.maxX);
                node.box.minY = std::min(node.box.minY, c.minY);
                node.box.maxY = std::max(node.box.maxY, c.maxY);
            }
        }
        begin += size;
        nodes.push_back(std::move(node));
    }
    return nodes;
}

} // namespace

RtreeEntry rtreeEntry(qint64 id, double minX, double maxX, double minY, double maxY) {
    return {id, roundedDown(minX), roundedUp(maxX), roundedDown(minY), roundedUp(maxY)};
}

Status packRtree(Database& db, const QString& table, std::vector<RtreeEntry> entries) {
    const QString node = QStringLiteral("\"%1_node\"").arg(table);
    const QString rowid = QStringLiteral("\"%1_rowid\"").arg(table);
    const QString parent = QStringLiteral("\"%1_parent\"").arg(table);
    // The node size is fixed when the table is made (from the page size); the root shows it.
    Result<QVariant> size =
        db.scalar(QStringLiteral("SELECT length(data) FROM %1 WHERE nodeno = 1").arg(node));
    if (!size)
        return size.error();
    const qsizetype nodeSize = size.value().toLongLong();
    const qsizetype capacity = (nodeSize - kHeaderBytes) / kCellBytes;
    if (capacity < 4)
        return Error{QStringLiteral("%1: unexpected R*Tree node size %2").arg(table).arg(nodeSize)};

    // Hilbert order of the box centres over the extent of all centres.
    double minX = 0, maxX = 0, minY = 0, maxY = 0;
    for (size_t k = 0; k < entries.size(); ++k) {
        const RtreeEntry& e = entries[k];
        const double cx = (double(e.minX) + double(e.maxX)) / 2;
        const double cy = (double(e.minY) + double(e.maxY)) / 2;
        minX = k ? std::min(minX, cx) : cx;
        maxX = k ? std::max(maxX, cx) : cx;
        minY = k ? std::min(minY, cy) : cy;
        maxY = k ? std::max(maxY, cy) : cy;
    }
    const double scaleX = maxX > minX ? 65535.0 / (maxX - minX) : 0;
    const double scaleY = maxY > minY ? 65535.0 / (maxY - minY) : 0;
    std::vector<std::pair<quint64, RtreeEntry>> sorted;
    sorted.reserve(entries.size());
    for (const RtreeEntry& e : entries) {
        const double cx = (double(e.minX) + double(e.maxX)) / 2;
        const double cy = (double(e.minY) + double(e.maxY)) / 2;
        const auto x = static_cast<quint32>((cx - minX) * scaleX);
        const auto y = static_cast<quint32>((cy - minY) * scaleY);
        sorted.emplace_back(hilbertIndex(std::min(x, 65535U), std::min(y, 65535U)), e);
    }
    entries.clear();
    entries.shrink_to_fit();
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return a.first < b.first || (a.first == b.first && a.second.id < b.second.id);
    });
    std::vector<RtreeEntry> cells;
    cells.reserve(sorted.size());
    for (const auto& [key, e] : sorted)
        cells.push_back(e);
    sorted.clear();
    sorted.shrink_to_fit();

    for (const QString& shadow : {node, rowid, parent})
        if (Status s = db.exec(QStringLiteral("DELETE FROM %1").arg(shadow)); !s)
            return s;
    Result<Statement> writeNode =
        db.prepare(QStringLiteral("INSERT INTO %1 (nodeno, data) VALUES (?1, ?2)").arg(node));
    Result<Statement> writeParent = db.prepare(
        QStringLiteral("INSERT INTO %1 (nodeno, parentnode) VALUES (?1, ?2)").arg(parent));
    for (const Result<Statement>* stmt : {&writeNode, &writeParent})
        if (!*stmt)
            return stmt->error();

    // Levels from the leaves up; the root is node 1 and the only node whose header holds the
    // depth (0: the root is a leaf).
    int depth = 0;
    qint64 nextNode = 2;
    std::vector<std::pair<qint64, qint64>> leafOf; // entry id, leaf node
    leafOf.reserve(cells.size());
    std::vector<Node> level;
    while (static_cast<qsizetype>(cells.size()) > capacity) {
        level = packLevel(cells, nodeSize, capacity, nextNode);
        std::vector<RtreeEntry> above;
        above.reserve(level.size());
        qsizetype at = 0;
        for (const Node& n : level) {
            const int count = (static_cast<unsigned char>(n.data[2]) << 8) |
                              static_cast<unsigned char>(n.data[3]);
            for (int k = 0; k < count; ++k, ++at) {
                const qint64 child = cells[static_cast<size_t>(at)].id;
                if (depth == 0) {
                    leafOf.emplace_back(child, n.box.id);
                } else {
                    if (Status s = writeParent.value().bind(1, child).bind(2, n.box.id).run(); !s)
                        return s;
                }
            }
            if (Status s = writeNode.value().bind(1, n.box.id).bindBlob(2, n.data).run(); !s)
                return s;
            above.push_back(n.box);
        }
        cells = std::move(above);
        ++depth;
    }
    qint64 rootNumber = 1;
    std::vector<Node> root = packLevel(cells, nodeSize, capacity, rootNumber);
    QByteArray rootData = root.empty() ? QByteArray(nodeSize, '\0') : root.front().data;
    putInt16(rootData.data(), depth);
    for (const RtreeEntry& c : cells) {
        if (depth == 0)
            leafOf.emplace_back(c.id, 1);
        else if (Status s = writeParent.value().bind(1, c.id).bind(2, 1).run(); !s)
            return s;
    }
    if (Status s = writeNode.value().bind(1, 1).bindBlob(2, rootData).run(); !s)
        return s;
    // The id -> leaf map in id order: the rowid table fills from its end.
    std::sort(leafOf.begin(), leafOf.end());
    return db.insertRows(QStringLiteral("INSERT INTO %1 (rowid, nodeno) VALUES ").arg(rowid), 2,
                         leafOf.size(), [&leafOf](Statement& s, int first, size_t k) {
                             s.bind(first, leafOf[k].first).bind(first + 1, leafOf[k].second);
                         });
}

} // namespace tessera::store
