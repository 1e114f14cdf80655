// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "share/Marking.h"

#include <algorithm>

namespace tessera::share {

namespace {

constexpr const char* kNames[] = {"UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET"};

/// Normalises every token of `parts`; an error naming the first bad one.
Result<QStringList> tokens(const QStringList& parts, const char* what) {
    QStringList out;
    for (const QString& part : parts) {
        const QString token = normalizeToken(part);
        if (token.isEmpty())
            return Error{QStringLiteral("the %1 '%2' is empty or has characters a marking cannot "
                                        "hold")
                             .arg(QString::fromLatin1(what), part.trimmed())};
        out.append(token);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

} // namespace

QString toString(Classification level) {
    return QString::fromLatin1(kNames[static_cast<int>(level)]);
}

std::optional<Classification> classificationFromString(const QString& text) {
    const QString t = text.trimmed().toUpper();
    for (int k = 0; k < 4; ++k)
        if (t == QLatin1String(kNames[k]))
            return static_cast<Classification>(k);
    return std::nullopt;
}

QString normalizeToken(const QString& token) {
    const QString t = token.simplified().toUpper();
    for (const QChar c : t) {
        const bool ok = (c >= QLatin1Char('A') && c <= QLatin1Char('Z')) ||
                        (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || c == QLatin1Char(' ') ||
                        c == QLatin1Char('-') || c == QLatin1Char('_');
        if (!ok)
            return {};
    }
    return t;
}

Result<ParsedMarking> parseMarking(const store::Marking& marking) {
    ParsedMarking parsed;
    const QStringList parts = marking.classification.split(QStringLiteral("//"));
    std::optional<Classification> level = classificationFromString(parts.first());
    if (!level)
        return Error{QStringLiteral("'%1' is not a classification (UNCLASSIFIED, RESTRICTED, "
                                    "CONFIDENTIAL or SECRET)")
                         .arg(parts.first().trimmed())};
    parsed.level = *level;
    if (parts.size() > 2)
        return Error{QStringLiteral("the classification '%1' has more than one '//'")
                         .arg(marking.classification)};
    if (parts.size() == 2) {
        Result<QStringList> caveats = tokens(parts[1].split(QLatin1Char('/')), "caveat");
        if (!caveats)
            return caveats.error();
        parsed.caveats = caveats.value();
    }
    const QString rel = marking.releasability.simplified();
    if (!rel.isEmpty()) {
        const QString prefix = QStringLiteral("REL TO ");
        if (!rel.startsWith(prefix, Qt::CaseInsensitive))
            return Error{QStringLiteral("the releasability '%1' does not start with 'REL TO'")
                             .arg(marking.releasability)};
        Result<QStringList> to = tokens(rel.mid(prefix.size()).split(QLatin1Char(',')), "REL TO "
                                                                                        "entry");
        if (!to)
            return to.error();
        parsed.relTo = to.value();
    }
    return parsed;
}

store::Marking ParsedMarking::toStore() const {
    store::Marking m;
    m.classification = toString(level);
    if (!caveats.isEmpty())
        m.classification += QStringLiteral(" // ") + caveats.join(QStringLiteral(" / "));
    if (!relTo.isEmpty())
        m.releasability = QStringLiteral("REL TO ") + relTo.join(QStringLiteral(", "));
    return m;
}

} // namespace tessera::share
