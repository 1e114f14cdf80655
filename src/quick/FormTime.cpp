// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/FormTime.h"

namespace tessera::quick {

namespace {
const QString kTimeFormat = QStringLiteral("yyyy-MM-dd HH:mm");
} // namespace

QString formatFormTime(const QDateTime& t) {
    return t.isValid() ? t.toUTC().toString(kTimeFormat) : QString();
}

QDateTime parseFormTime(const QString& text) {
    const QString t = text.trimmed();
    for (const QString& format :
         {kTimeFormat, QStringLiteral("yyyy-MM-ddTHH:mm"), QStringLiteral("yyyy-MM-dd HH:mm:ss"),
          QStringLiteral("yyyy-MM-ddTHH:mm:ss")}) {
        QDateTime parsed = QDateTime::fromString(t, format);
        if (parsed.isValid()) {
            parsed.setTimeSpec(Qt::UTC);
            return parsed;
        }
    }
    return QDateTime::fromString(t, Qt::ISODate).toUTC();
}

} // namespace tessera::quick
