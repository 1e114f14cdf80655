// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QColor>
#include <QString>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

#include <functional>

namespace tessera::test {

/// The demo mission built by the demo_mission fixture.
QString demoMission();
/// A file of the fetched sources (maps/sources).
QString sourceFile(const QString& name);
/// A file under tests/data.
QString dataFile(const QString& name);

QByteArray readAll(const QString& path);
void writeAll(const QString& path, const QByteArray& bytes);
/// SHA-256 of a file, to prove that a failed open left it untouched.
QByteArray fileHash(const QString& path);

/// Runs the event loop until `done` is true or `timeoutMs` passes; returns `done()`.
bool waitUntil(const std::function<bool()>& done, int timeoutMs = 30000);

/// The id of the mission the sharing tests' stations hold (store::MissionInfo::id): bundles are
/// applied only to the mission they were made for.
inline const QString kSharedMissionId = QStringLiteral("7a6d0c1e-2b3f-4c5d-8e9f-0a1b2c3d4e5f");

/// Colour distance, summed over R, G, B.
int colorDistance(QColor a, QColor b);

} // namespace tessera::test

// Catch prints QStrings as text in failure messages.
namespace Catch {
template <>
struct StringMaker<QString> {
    static std::string convert(const QString& s) { return '"' + s.toStdString() + '"'; }
};
} // namespace Catch
