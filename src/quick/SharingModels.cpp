// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/SharingModels.h"

namespace tessera::quick {

SharingRowModel::SharingRowModel(QByteArrayList roles, QObject* parent)
    : QAbstractListModel(parent)
    , roles_(std::move(roles)) {}

int SharingRowModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : count();
}

QVariant SharingRowModel::data(const QModelIndex& index, int role) const {
    const int r = role - Qt::UserRole - 1;
    if (!index.isValid() || index.row() >= rows_.size() || r < 0 || r >= roles_.size())
        return {};
    return rows_.at(index.row()).value(QString::fromLatin1(roles_.at(r)));
}

QHash<int, QByteArray> SharingRowModel::roleNames() const {
    QHash<int, QByteArray> names;
    for (int i = 0; i < roles_.size(); ++i)
        names.insert(Qt::UserRole + 1 + i, roles_.at(i));
    return names;
}

QVariant SharingRowModel::value(int row, const QString& role) const {
    if (row < 0 || row >= rows_.size())
        return {};
    return rows_.at(row).value(role);
}

void SharingRowModel::setRows(QList<QVariantMap> rows) {
    const bool countChanges = rows.size() != rows_.size();
    beginResetModel();
    rows_ = std::move(rows);
    endResetModel();
    if (countChanges)
        emit countChanged();
}

void SharingRowModel::updateRow(int row, const QVariantMap& changes) {
    if (row < 0 || row >= rows_.size())
        return;
    for (auto it = changes.begin(); it != changes.end(); ++it)
        rows_[row].insert(it.key(), it.value());
    emit dataChanged(index(row), index(row));
}

PeerListModel::PeerListModel(QObject* parent)
    : SharingRowModel({"name", "organisation", "communities", "clearance", "fingerprint",
                       "fingerprintHex", "revoked", "revokedReason", "lastSent", "lastReceived",
                       "lastSync", "pending", "withheld", "knowsReported"},
                      parent) {}

AuditLogModel::AuditLogModel(QObject* parent)
    : SharingRowModel({"bundleId", "direction", "peerNames", "at", "atIso", "records", "expanded",
                       "recordLines"},
                      parent) {}

ConflictListModel::ConflictListModel(QObject* parent)
    : SharingRowModel({"conflictId", "kind", "uuid", "title", "ours", "theirs", "shown",
                       "detectedAt", "bundleId"},
                      parent) {}

} // namespace tessera::quick
