// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "store/MarkingGrammar.h"

#include <algorithm>

namespace tessera::store {

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

QString Marking::banner() const {
    if (releasability.isEmpty())
        return classification;
    return classification + QStringLiteral(" // ") + releasability;
}

QString toString(Classification level) {
    return QString::fromLatin1(kNames[static_cast<int>(level)]);
}

std::optional<Classification> classificationFromString(const QString& text) {
    // ASCII first, upper case second: QString::toUpper maps look-alikes such as U+017F (long s)
    // to 'S', which would let "ſECRET" pass as SECRET.
    if (!isMarkingAscii(text))
        return std::nullopt;
    const QString t = text.trimmed().toUpper();
    for (int k = 0; k < 4; ++k)
        if (t == QLatin1String(kNames[k]))
            return static_cast<Classification>(k);
    return std::nullopt;
}

bool isMarkingAscii(const QString& text) {
    return std::all_of(text.cbegin(), text.cend(),
                       [](QChar c) { return c.unicode() >= 0x20 && c.unicode() < 0x7f; });
}

QString normalizeToken(const QString& token) {
    // Before toUpper(), for the reason in classificationFromString: "uſa" and "mınusma" must not
    // become USA and MINUSMA.
    if (!isMarkingAscii(token))
        return {};
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

Result<ParsedMarking> parseMarking(const Marking& marking) {
    for (const QString* field : {&marking.classification, &marking.releasability})
        for (const QChar c : *field)
            if (c.unicode() < 0x20 || c.unicode() >= 0x7f)
                return Error{QStringLiteral("the marking '%1' holds the character U+%2, and a "
                                            "marking is printable ASCII only")
                                 .arg(*field)
                                 .arg(c.unicode(), 4, 16, QLatin1Char('0'))};
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

bool isAtLeastAsRestrictive(const ParsedMarking& proposed, const ParsedMarking& held) {
    if (proposed.level < held.level)
        return false;
    for (const QString& caveat : held.caveats)
        if (!proposed.caveats.contains(caveat))
            return false;
    if (held.relTo.isEmpty()) // UNCLASSIFIED without REL TO: everyone; above it: nobody
        return held.level == Classification::Unclassified || proposed.relTo.isEmpty();
    if (proposed.relTo.isEmpty()) // nobody above UNCLASSIFIED, everyone at it
        return proposed.level != Classification::Unclassified;
    for (const QString& entry : proposed.relTo)
        if (!held.relTo.contains(entry))
            return false;
    return true;
}

QString remarkRefusal(const Marking& held, const Marking& proposed, bool byOrigin) {
    if (held == proposed)
        return {};
    Result<ParsedMarking> to = parseMarking(proposed);
    if (!to)
        return QStringLiteral("the new marking cannot be read: %1").arg(to.error().message);
    if (byOrigin)
        return {};
    Result<ParsedMarking> from = parseMarking(held);
    if (!from)
        return QStringLiteral("the marking held, '%1', cannot be read, so only the station that "
                              "created the record may change it")
            .arg(held.banner());
    if (to.value() == from.value() || isAtLeastAsRestrictive(to.value(), from.value()))
        return {};
    return QStringLiteral("only the station that created the record may lower or widen its "
                          "marking (from '%1' to '%2')")
        .arg(held.banner(), proposed.banner());
}

CombinedMarking combineMarkings(const QList<Marking>& markings) {
    CombinedMarking out;
    std::optional<QStringList> common; // nullopt: releasable to all so far
    const auto narrow = [&common](const QStringList& to) {
        if (!common) {
            common = to;
            return;
        }
        QStringList kept;
        for (const QString& entry : *common)
            if (to.contains(entry))
                kept.append(entry);
        common = kept;
    };
    for (const Marking& m : markings) {
        Result<ParsedMarking> parsed = parseMarking(m);
        if (!parsed) { // could be anything: the highest level, releasable to nobody
            ++out.unreadable;
            out.marking.level = Classification::Secret;
            narrow({});
            continue;
        }
        const ParsedMarking& p = parsed.value();
        out.marking.level = std::max(out.marking.level, p.level);
        for (const QString& caveat : p.caveats)
            if (!out.marking.caveats.contains(caveat))
                out.marking.caveats.append(caveat);
        if (!p.relTo.isEmpty() || p.level != Classification::Unclassified)
            narrow(p.relTo);
    }
    std::sort(out.marking.caveats.begin(), out.marking.caveats.end());
    if (common) {
        out.marking.relTo = *common;
        out.releasableToNone = common->isEmpty();
    }
    return out;
}

QString CombinedMarking::banner() const {
    QString text = marking.toStore().banner();
    if (releasableToNone && marking.level == Classification::Unclassified)
        text += QStringLiteral(" // NO COMMON REL TO");
    if (unreadable > 0)
        text += QStringLiteral(" // %1 UNREADABLE MARKING%2")
                    .arg(unreadable)
                    .arg(unreadable == 1 ? QString() : QStringLiteral("S"));
    return text;
}

Marking ParsedMarking::toStore() const {
    Marking m;
    m.classification = toString(level);
    if (!caveats.isEmpty())
        m.classification += QStringLiteral(" // ") + caveats.join(QStringLiteral(" / "));
    if (!relTo.isEmpty())
        m.releasability = QStringLiteral("REL TO ") + relTo.join(QStringLiteral(", "));
    return m;
}

} // namespace tessera::store
