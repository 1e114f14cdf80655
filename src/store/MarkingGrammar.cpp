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

const QString kSanitised = QStringLiteral("SANITISED");

/// "REL TO A, B" as its sorted, normalised entries.
Result<QStringList> relToList(const QString& text, const QString& whole) {
    const QString prefix = QStringLiteral("REL TO ");
    if (!text.startsWith(prefix, Qt::CaseInsensitive))
        return Error{
            QStringLiteral("the releasability '%1' does not start with 'REL TO'").arg(whole)};
    return tokens(text.mid(prefix.size()).split(QLatin1Char(',')), "REL TO entry");
}

/// "SANITISED LEVEL [REL TO ...]: RULE, ..." of a record at `recordLevel`.
Result<SanitisedRelease> sanitisedRelease(const QString& text, Classification recordLevel) {
    const auto refuse = [&text](const QString& why) {
        return Error{QStringLiteral("the sanitised release '%1' %2").arg(text, why)};
    };
    if (!text.startsWith(kSanitised, Qt::CaseInsensitive))
        return Error{QStringLiteral("the releasability holds '%1' where a sanitised release "
                                    "('SANITISED LEVEL REL TO ...: RULES') may stand")
                         .arg(text)};
    const qsizetype colon = text.indexOf(QLatin1Char(':'));
    if (colon < 0)
        return refuse(QStringLiteral("names no rules (': GRID 10 KM, WITHHOLD SOURCE', ...)"));
    QString head = text.left(colon).trimmed().mid(kSanitised.size()).trimmed();
    SanitisedRelease release;
    const qsizetype rel = head.indexOf(QStringLiteral("REL TO"), 0, Qt::CaseInsensitive);
    if (rel >= 0) {
        Result<QStringList> to = relToList(head.mid(rel).trimmed(), text);
        if (!to)
            return to.error();
        release.relTo = to.value();
        head = head.left(rel).trimmed();
    }
    std::optional<Classification> level = classificationFromString(head);
    if (!level)
        return refuse(QStringLiteral("does not name its level after SANITISED"));
    if (*level > recordLevel)
        return refuse(
            QStringLiteral("is above the record's own level (%1)").arg(toString(recordLevel)));
    release.level = *level;
    for (const QString& part : text.mid(colon + 1).split(QLatin1Char(','))) {
        const QString rule = part.simplified().toUpper();
        const bool position =
            rule.startsWith(QStringLiteral("GRID")) || rule == QLatin1String("REGION");
        if (position && (release.gridKm > 0 || release.toRegion))
            return refuse(QStringLiteral("names more than one position rule"));
        if (rule == QLatin1String("REGION")) {
            release.toRegion = true;
        } else if (rule == QLatin1String("GRID 1 KM") || rule == QLatin1String("GRID 10 KM") ||
                   rule == QLatin1String("GRID 100 KM")) {
            release.gridKm = rule.section(QLatin1Char(' '), 1, 1).toInt();
        } else if (rule.startsWith(QStringLiteral("WITHHOLD ")) &&
                   withholdableFields().contains(rule.mid(9))) {
            if (!release.withheld.contains(rule.mid(9)))
                release.withheld.append(rule.mid(9));
        } else {
            return refuse(
                QStringLiteral("has the rule '%1'; the rules are GRID 1 KM, GRID 10 KM, "
                               "GRID 100 KM, REGION and WITHHOLD %2")
                    .arg(part.trimmed(), withholdableFields().join(QStringLiteral(" | "))));
        }
    }
    if (release.gridKm == 0 && !release.toRegion && release.withheld.isEmpty())
        return refuse(QStringLiteral("names no rules: a version with nothing withheld is the "
                                     "record itself (widen its REL TO instead)"));
    std::sort(release.withheld.begin(), release.withheld.end());
    return release;
}

} // namespace

const QStringList& withholdableFields() {
    static const QStringList fields{QStringLiteral("NARRATIVE"), QStringLiteral("SOURCE"),
                                    QStringLiteral("TITLE")};
    return fields;
}

QString SanitisedRelease::rules() const {
    QStringList out;
    if (gridKm > 0)
        out.append(QStringLiteral("GRID %1 KM").arg(gridKm));
    if (toRegion)
        out.append(QStringLiteral("REGION"));
    for (const QString& field : withheld)
        out.append(QStringLiteral("WITHHOLD ") + field);
    return out.join(QStringLiteral(", "));
}

ParsedMarking sanitisedMarking(const SanitisedRelease& release) {
    ParsedMarking m;
    m.level = release.level;
    m.relTo = release.relTo;
    return m;
}

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
    const QStringList sections = rel.split(QStringLiteral("//"));
    if (sections.size() > 2)
        return Error{QStringLiteral("the releasability '%1' has more than one '//'")
                         .arg(marking.releasability)};
    QString relTo = sections.first().trimmed();
    QString sanitised = sections.size() == 2 ? sections[1].trimmed() : QString();
    if (sections.size() == 1 && relTo.startsWith(kSanitised, Qt::CaseInsensitive))
        std::swap(relTo, sanitised);
    if (!relTo.isEmpty()) {
        Result<QStringList> to = relToList(relTo, marking.releasability);
        if (!to)
            return to.error();
        parsed.relTo = to.value();
    } else if (sections.size() == 2) {
        return Error{QStringLiteral("the releasability '%1' has nothing before its '//'")
                         .arg(marking.releasability)};
    }
    if (!sanitised.isEmpty()) {
        Result<SanitisedRelease> release = sanitisedRelease(sanitised, parsed.level);
        if (!release)
            return release.error();
        parsed.sanitised = release.value();
    }
    return parsed;
}

bool isAtLeastAsRestrictive(const ParsedMarking& proposed, const ParsedMarking& held) {
    if (proposed.level < held.level)
        return false;
    for (const QString& caveat : held.caveats)
        if (!proposed.caveats.contains(caveat))
            return false;
    bool narrower = true;
    if (held.relTo.isEmpty()) // UNCLASSIFIED without REL TO: everyone; above it: nobody
        narrower = held.level == Classification::Unclassified || proposed.relTo.isEmpty();
    else if (proposed.relTo.isEmpty()) // nobody above UNCLASSIFIED, everyone at it
        narrower = proposed.level != Classification::Unclassified;
    else
        for (const QString& entry : proposed.relTo)
            narrower = narrower && held.relTo.contains(entry);
    return narrower && isAtLeastAsRestrictive(proposed.sanitised, held.sanitised);
}

bool isAtLeastAsRestrictive(const std::optional<SanitisedRelease>& proposed,
                            const std::optional<SanitisedRelease>& held) {
    if (!proposed)
        return true;
    if (!held)
        return false;
    // Who may have it: as for the full marking. What they get: the same kind of position rule
    // (MGRS squares nest, so a larger one says less; a region and a square do not compare).
    if (!isAtLeastAsRestrictive(sanitisedMarking(*proposed), sanitisedMarking(*held)))
        return false;
    if (proposed->gridKm < held->gridKm || (held->toRegion && !proposed->toRegion))
        return false;
    for (const QString& field : held->withheld)
        if (!proposed->withheld.contains(field))
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
    if (sanitised) {
        QString clause = kSanitised + QLatin1Char(' ') + toString(sanitised->level);
        if (!sanitised->relTo.isEmpty())
            clause += QStringLiteral(" REL TO ") + sanitised->relTo.join(QStringLiteral(", "));
        clause += QStringLiteral(": ") + sanitised->rules();
        m.releasability +=
            (m.releasability.isEmpty() ? QString() : QStringLiteral(" // ")) + clause;
    }
    return m;
}

} // namespace tessera::store
