// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Causal versions (docs/sharing.md, "Conflicts"): each version of a record carries a version
// vector, for every station whose writes it builds on, the stamp of that station's latest one.
// A version that was written after seeing another dominates it; two that do not dominate each
// other are concurrent edits, a conflict wherever both are held, whatever the order and path
// they arrive by.

#include <QCborValue>
#include <QMap>
#include <QString>

#include <optional>

namespace tessera::share {

/// Station UUID -> HLC stamp of its latest write the version builds on.
using VersionVector = QMap<QString, qint64>;

/// The most stations one record's version vector may name (a record edited by more stations
/// than a mission has is not one a bundle should carry).
constexpr int kMaxVectorEntries = 256;

/// a <= b: every write `a` builds on, `b` builds on too.
bool dominatedBy(const VersionVector& a, const VersionVector& b);
/// Neither builds on the other.
bool concurrent(const VersionVector& a, const VersionVector& b);
/// The entry-wise maximum.
VersionVector merged(VersionVector a, const VersionVector& b);

QCborValue toCbor(const VersionVector& v);
/// A vector as a record carries it (a map of station UUIDs to non-negative integers, at most
/// kMaxVectorEntries); nullopt for anything else.
std::optional<VersionVector> vectorFromCbor(const QCborValue& value);
/// The store's form (record_clock): a JSON object.
QString toJson(const VersionVector& v);
std::optional<VersionVector> vectorFromJson(const QString& json);

} // namespace tessera::share
