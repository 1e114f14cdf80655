// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractListModel>
#include <QByteArrayList>
#include <QList>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

namespace tessera::quick {

/// A list of rows, each a map from role name to value, for the sharing panel's lists. The rows
/// are display-ready values made by SharingController from what its worker read; this model
/// reads nothing itself. Threads: GUI thread.
class SharingRowModel : public QAbstractListModel {
    Q_OBJECT
    QML_ANONYMOUS
    Q_PROPERTY(int count READ count NOTIFY countChanged)

public:
    SharingRowModel(QByteArrayList roles, QObject* parent);
    [[nodiscard]] int rowCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex& index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;
    [[nodiscard]] int count() const { return static_cast<int>(rows_.size()); }

    /// The value of `role` (by name) in `row`; invalid when out of range.
    [[nodiscard]] Q_INVOKABLE QVariant value(int row, const QString& role) const;
    [[nodiscard]] const QVariantMap& row(int row) const { return rows_.at(row); }
    /// Replaces every row.
    void setRows(QList<QVariantMap> rows);
    /// Changes some values of one row.
    void updateRow(int row, const QVariantMap& changes);

signals:
    void countChanged();

private:
    QByteArrayList roles_;
    QList<QVariantMap> rows_;
};

/// This station's peers: trusted contacts, then revoked keys. Roles: name, organisation,
/// communities, clearance, fingerprint (16 groups), fingerprintHex, revoked, revokedReason,
/// lastSent, lastReceived (text, "never" when none), lastSync (the later of the two, text),
/// pending (records changed since what the peer said it holds, releasable to it), withheld
/// (changed, not releasable to it), knowsReported (the peer ever said what it holds).
class PeerListModel : public SharingRowModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("made by SharingController")

public:
    explicit PeerListModel(QObject* parent = nullptr);
};

/// The sharing log, newest first. Roles: bundleId, direction ("sent", "received"), peerNames,
/// at (text), atIso, records (count), expanded, recordLines (one text per record carried:
/// kind, uuid, marking; filled when expanded).
class AuditLogModel : public SharingRowModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("made by SharingController")

public:
    explicit AuditLogModel(QObject* parent = nullptr);
};

/// Unresolved concurrent edits. Roles: conflictId, kind, uuid, title, ours, theirs (one-line
/// summaries of each version), shown ("ours" or "theirs": what the record shows now),
/// detectedAt (text), bundleId.
class ConflictListModel : public SharingRowModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("made by SharingController")

public:
    explicit ConflictListModel(QObject* parent = nullptr);
};

} // namespace tessera::quick
