// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/FormTime.h"

#include <QRegularExpression>

namespace tessera::quick {

namespace {
const QString kTimeFormat = QStringLiteral("yyyy-MM-dd HH:mm");
} // namespace

QString formatFormTime(const QDateTime& t) {
    return t.isValid() ? t.toUTC().toString(kTimeFormat) : QString();
}

QDateTime parseDateTimeGroup(const QString& text) {
    static const QRegularExpression dtg(
        QStringLiteral("^(\\d{2})\\s*(\\d{2})(\\d{2})\\s*([A-IK-Z])\\s*"
                       "(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)\\s*(\\d{2}|\\d{4})$"),
        QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch m = dtg.match(text.trimmed());
    if (!m.hasMatch())
        return {};
    static const QStringList months{
        QStringLiteral("JAN"), QStringLiteral("FEB"), QStringLiteral("MAR"), QStringLiteral("APR"),
        QStringLiteral("MAY"), QStringLiteral("JUN"), QStringLiteral("JUL"), QStringLiteral("AUG"),
        QStringLiteral("SEP"), QStringLiteral("OCT"), QStringLiteral("NOV"), QStringLiteral("DEC")};
    const int month = int(months.indexOf(m.captured(5).toUpper())) + 1;
    int year = m.captured(6).toInt();
    if (m.captured(6).size() == 2)
        year += 2000;
    const QDate date(year, month, m.captured(1).toInt());
    const QTime time(m.captured(2).toInt(), m.captured(3).toInt());
    if (!date.isValid() || !time.isValid())
        return {};
    // Zone letters: Z is UTC; A..M (no J) are 1 to 12 hours east, N..Y 1 to 12 hours west.
    const QChar zone = m.captured(4).toUpper().front();
    int eastHours = 0;
    if (zone >= QLatin1Char('A') && zone <= QLatin1Char('I'))
        eastHours = zone.unicode() - 'A' + 1;
    else if (zone >= QLatin1Char('K') && zone <= QLatin1Char('M'))
        eastHours = zone.unicode() - 'K' + 10;
    else if (zone >= QLatin1Char('N') && zone <= QLatin1Char('Y'))
        eastHours = -(zone.unicode() - 'N' + 1);
    return QDateTime(date, time, Qt::UTC).addSecs(-3600 * eastHours);
}

QDateTime parseFormTime(const QString& text) {
    const QString t = text.trimmed();
    if (const QDateTime group = parseDateTimeGroup(t); group.isValid())
        return group;
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
