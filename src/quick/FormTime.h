// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDateTime>
#include <QString>

namespace tessera::quick {

/// Times as the forms show and take them: UTC, to the minute ("2026-11-27 05:30").
QString formatFormTime(const QDateTime& t);
/// "2026-11-27 05:30", "2026-11-27T05:30", "2026-11-27T05:30:15Z": UTC; a military date-time
/// group "271430ZNOV26" (day, hours, minutes, zone letter, month, year; spaces allowed, a
/// four-digit year too, any zone letter A-Z but J). Invalid otherwise.
QDateTime parseFormTime(const QString& text);
/// The military date-time group alone ("071330ZDEC26"); invalid when `text` is none.
QDateTime parseDateTimeGroup(const QString& text);

} // namespace tessera::quick
