// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Sharing, markings: the marking grammar over the store's two strings, and the release policy.
#include "TestSupport.h"
#include "share/Marking.h"
#include "share/ReleasePolicy.h"

#include <catch2/catch.hpp>

using namespace tessera;
using namespace tessera::share;

namespace {

store::Marking mk(const char* classification, const char* releasability = "") {
    return {QString::fromUtf8(classification), QString::fromUtf8(releasability)};
}

StationProfile recipient(Classification clearance, const char* organisation,
                         QStringList communities = {}, QStringList caveats = {}) {
    StationProfile p;
    p.stationName = QStringLiteral("Peer");
    p.organisation = QString::fromLatin1(organisation);
    p.communities = std::move(communities);
    p.clearance = clearance;
    p.caveats = std::move(caveats);
    return p;
}

} // namespace

TEST_CASE("Markings: parse and format the store's strings", "[share][marking]") {
    SECTION("the demo mission's marking") {
        Result<ParsedMarking> m = parseMarking(mk("UNCLASSIFIED", "REL TO EXERCISE PARTICIPANTS"));
        REQUIRE(m.ok());
        CHECK(m.value().level == Classification::Unclassified);
        CHECK(m.value().relTo == QStringList{QStringLiteral("EXERCISE PARTICIPANTS")});
        CHECK(m.value().caveats.isEmpty());
    }
    SECTION("levels, caveats and REL TO lists, normalised") {
        Result<ParsedMarking> m =
            parseMarking(mk(" secret //  medical/exercise ", "rel to nld,  FRA , un, NLD"));
        REQUIRE(m.ok());
        CHECK(m.value().level == Classification::Secret);
        CHECK(m.value().caveats ==
              QStringList{QStringLiteral("EXERCISE"), QStringLiteral("MEDICAL")});
        CHECK(m.value().relTo ==
              QStringList{QStringLiteral("FRA"), QStringLiteral("NLD"), QStringLiteral("UN")});
        const store::Marking canonical = m.value().toStore();
        CHECK(canonical.classification == QLatin1String("SECRET // EXERCISE / MEDICAL"));
        CHECK(canonical.releasability == QLatin1String("REL TO FRA, NLD, UN"));
        Result<ParsedMarking> again = parseMarking(canonical);
        REQUIRE(again.ok());
        CHECK(again.value() == m.value());
    }
    SECTION("levels are ordered") {
        CHECK(Classification::Unclassified < Classification::Restricted);
        CHECK(Classification::Restricted < Classification::Confidential);
        CHECK(Classification::Confidential < Classification::Secret);
        for (auto level : {Classification::Unclassified, Classification::Restricted,
                           Classification::Confidential, Classification::Secret})
            CHECK(classificationFromString(toString(level)) == level);
    }
    SECTION("anything outside the grammar is refused") {
        for (const store::Marking& bad :
             {mk(""), mk("TOP SECRET"), mk("U"), mk("SECRET//"), mk("SECRET // A // B"),
              mk("SECRET // A/"), mk("UNCLASSIFIED", "RELEASABLE TO NLD"),
              mk("UNCLASSIFIED", "REL TO"), mk("UNCLASSIFIED", "REL TO NLD,,FRA"),
              mk("UNCLASSIFIED", "REL TO NLD; FRA"), mk("CONFIDENTIAL // ÉTÉ"),
              mk("UNCLASSIFIED", "NOFORN")}) {
            INFO(bad.classification.toStdString() << " | " << bad.releasability.toStdString());
            CHECK_FALSE(parseMarking(bad).ok());
        }
    }
}

TEST_CASE("Release policy", "[share][marking]") {
    const StationProfile nld = recipient(Classification::Confidential, "NLD",
                                         {QStringLiteral("UN")}, {QStringLiteral("EXERCISE")});
    auto allowed = [&](const store::Marking& m, const StationProfile& p = {}) {
        return ReleasePolicy::mayRelease(m, p.stationName.isEmpty() ? nld : p).allowed;
    };
    CHECK(allowed(mk("UNCLASSIFIED")));
    CHECK(allowed(mk("UNCLASSIFIED", "REL TO NLD")));
    CHECK(allowed(mk("CONFIDENTIAL", "REL TO UN")));
    CHECK(allowed(mk("CONFIDENTIAL // EXERCISE", "REL TO FRA, NLD")));
    CHECK(allowed(mk("restricted", "rel to nld")));
    // Above clearance.
    CHECK_FALSE(allowed(mk("SECRET", "REL TO NLD")));
    // A caveat the recipient does not hold.
    CHECK_FALSE(allowed(mk("UNCLASSIFIED // MEDICAL", "REL TO NLD")));
    // Not on the REL TO list.
    CHECK_FALSE(allowed(mk("UNCLASSIFIED", "REL TO FRA")));
    // Above UNCLASSIFIED without a REL TO line.
    CHECK_FALSE(allowed(mk("RESTRICTED")));
    // Unreadable: default deny, with the reason.
    const ReleaseDecision d = ReleasePolicy::mayRelease(mk("TOP SECRET", "REL TO NLD"), nld);
    CHECK_FALSE(d.allowed);
    CHECK(d.reason.contains(QLatin1String("cannot be read")));
    // The exercise community.
    const StationProfile exercise =
        recipient(Classification::Unclassified, "FRA", {QStringLiteral("exercise participants")});
    CHECK(allowed(mk("UNCLASSIFIED", "REL TO EXERCISE PARTICIPANTS"), exercise));
    CHECK_FALSE(allowed(mk("UNCLASSIFIED", "REL TO EXERCISE PARTICIPANTS"),
                        recipient(Classification::Secret, "FRA")));
}

TEST_CASE("Markings are ASCII: look-alikes never pass as a nation or a level", "[share][marking]") {
    // U+017F (long s) upper-cases to 'S' and U+0131 (dotless i) to 'I': read after toUpper(),
    // "uſa" was USA and "mınusma" MINUSMA.
    const StationProfile usa =
        recipient(Classification::Secret, "USA", {QStringLiteral("MINUSMA")});
    for (const char* relTo : {"REL TO u\xc5\xbf"
                              "a",
                              "REL TO m\xc4\xb1nusma", "REL TO USA\xc2\xa0", "REL\xc2\xa0TO USA"}) {
        INFO(relTo);
        CHECK_FALSE(parseMarking(mk("SECRET", relTo)).ok());
        CHECK_FALSE(ReleasePolicy::mayRelease(mk("SECRET", relTo), usa).allowed);
    }
    CHECK_FALSE(parseMarking(mk("\xc5\xbf"
                                "ECRET"))
                    .ok());
    CHECK_FALSE(classificationFromString(QString::fromUtf8("\xc5\xbf"
                                                           "ecret"))
                    .has_value());
    CHECK(normalizeToken(QString::fromUtf8("u\xc5\xbf"
                                           "a"))
              .isEmpty());
    CHECK(ReleasePolicy::mayRelease(mk("SECRET", "REL TO usa"), usa).allowed);
}

TEST_CASE("Re-marking: what only raises, and what lowers or widens", "[share][marking]") {
    const auto raises = [](const store::Marking& to, const store::Marking& from) {
        return isAtLeastAsRestrictive(parseMarking(to).value(), parseMarking(from).value());
    };
    CHECK(raises(mk("SECRET", "REL TO NLD"), mk("SECRET", "REL TO NLD, FRA")));
    CHECK(raises(mk("SECRET // MEDICAL", "REL TO NLD"), mk("CONFIDENTIAL", "REL TO NLD")));
    CHECK(raises(mk("SECRET"), mk("SECRET", "REL TO NLD"))); // nobody is narrower than NLD
    CHECK(raises(mk("RESTRICTED", "REL TO NLD"), mk("UNCLASSIFIED")));
    CHECK_FALSE(raises(mk("UNCLASSIFIED", "REL TO NLD, FRA"), mk("SECRET", "REL TO NLD, FRA")));
    CHECK_FALSE(raises(mk("SECRET", "REL TO NLD, FRA, USA"), mk("SECRET", "REL TO NLD, FRA")));
    CHECK_FALSE(raises(mk("SECRET", "REL TO NLD"), mk("SECRET // MEDICAL", "REL TO NLD")));
    CHECK_FALSE(raises(mk("UNCLASSIFIED"), mk("UNCLASSIFIED", "REL TO NLD")));
    CHECK_FALSE(raises(mk("SECRET", "REL TO NLD"), mk("SECRET"))); // nobody, then NLD

    CHECK(ReleasePolicy::mayRemark(mk("SECRET", "REL TO NLD"), mk("UNCLASSIFIED"), true));
    const ReleaseDecision peer =
        ReleasePolicy::mayRemark(mk("SECRET", "REL TO NLD"), mk("UNCLASSIFIED"), false);
    CHECK_FALSE(peer.allowed);
    CHECK(peer.reason.contains(QLatin1String("only the station that created the record")));
    CHECK(ReleasePolicy::mayRemark(mk("SECRET", "REL TO NLD, FRA"), mk("SECRET", "REL TO NLD"),
                                   false));
    CHECK_FALSE(ReleasePolicy::mayRemark(mk("SECRET"), mk("TOP SECRET"), true));
}

TEST_CASE("A product's marking: the highest level and the REL TO every record shares",
          "[share][marking]") {
    CHECK(combineMarkings({mk("UNCLASSIFIED"), mk("RESTRICTED", "REL TO FRA, NLD, UN"),
                           mk("SECRET", "REL TO NLD, FRA")})
              .banner() == QLatin1String("SECRET // REL TO FRA, NLD"));
    CHECK(combineMarkings({mk("UNCLASSIFIED"), mk("CONFIDENTIAL // MEDICAL", "REL TO UN")})
              .banner() == QLatin1String("CONFIDENTIAL // MEDICAL // REL TO UN"));
    CHECK(combineMarkings({mk("UNCLASSIFIED"), mk("UNCLASSIFIED")}).banner() ==
          QLatin1String("UNCLASSIFIED"));
    // No REL TO entry in common: releasable to nobody, which at UNCLASSIFIED must be said.
    const CombinedMarking none =
        combineMarkings({mk("UNCLASSIFIED", "REL TO FRA"), mk("UNCLASSIFIED", "REL TO USA")});
    CHECK(none.releasableToNone);
    CHECK(none.banner() == QLatin1String("UNCLASSIFIED // NO COMMON REL TO"));
    // SECRET without REL TO is releasable to nobody: the whole is too.
    const CombinedMarking secret = combineMarkings({mk("SECRET"), mk("RESTRICTED", "REL TO UN")});
    CHECK(secret.banner() == QLatin1String("SECRET"));
    CHECK(secret.releasableToNone);
    const CombinedMarking odd = combineMarkings({mk("UNCLASSIFIED"), mk("TOP SECRET")});
    CHECK(odd.unreadable == 1);
    CHECK(odd.banner() == QLatin1String("SECRET // 1 UNREADABLE MARKING"));
}

TEST_CASE("Sanitised releases: read, written back, and refused", "[share][marking][sanitised]") {
    SECTION("a clause after REL TO, normalised and canonical") {
        Result<ParsedMarking> m =
            parseMarking(mk("secret", "rel to fra, nld // sanitised unclassified rel to un, nld: "
                                      "withhold source,  grid 10 km, withhold narrative"));
        REQUIRE(m.ok());
        REQUIRE(m.value().sanitised.has_value());
        const store::SanitisedRelease& s = *m.value().sanitised;
        CHECK(s.level == Classification::Unclassified);
        CHECK(s.relTo == QStringList{QStringLiteral("NLD"), QStringLiteral("UN")});
        CHECK(s.gridKm == 10);
        CHECK_FALSE(s.toRegion);
        CHECK(s.withheld == QStringList{QStringLiteral("NARRATIVE"), QStringLiteral("SOURCE")});
        const store::Marking canonical = m.value().toStore();
        CHECK(canonical.releasability ==
              QLatin1String("REL TO FRA, NLD // SANITISED UNCLASSIFIED REL TO NLD, UN: GRID 10 "
                            "KM, WITHHOLD NARRATIVE, WITHHOLD SOURCE"));
        Result<ParsedMarking> again = parseMarking(canonical);
        REQUIRE(again.ok());
        CHECK(again.value() == m.value());
    }
    SECTION("a clause alone, with no REL TO of the record's own") {
        Result<ParsedMarking> m =
            parseMarking(mk("CONFIDENTIAL", "SANITISED RESTRICTED REL TO UN: REGION"));
        REQUIRE(m.ok());
        CHECK(m.value().relTo.isEmpty());
        REQUIRE(m.value().sanitised.has_value());
        CHECK(m.value().sanitised->toRegion);
        CHECK(m.value().toStore().releasability ==
              QLatin1String("SANITISED RESTRICTED REL TO UN: REGION"));
    }
    SECTION("what the grammar refuses, saying why") {
        const char* refused[][2] = {
            {"SECRET", "REL TO FRA // SANITISED UNCLASSIFIED REL TO UN"}, // no rules
            {"SECRET", "REL TO FRA // SANITISED UNCLASSIFIED REL TO UN:"},
            {"SECRET", "REL TO FRA // SANITISED UNCLASSIFIED: GRID 5 KM"},
            {"SECRET", "REL TO FRA // SANITISED UNCLASSIFIED: GRID 10 KM, REGION"},
            {"SECRET", "REL TO FRA // SANITISED UNCLASSIFIED: WITHHOLD LOCATION"},
            {"RESTRICTED", "REL TO FRA // SANITISED SECRET: WITHHOLD SOURCE"}, // above the record
            {"SECRET", "REL TO FRA // REL TO UN"},
            {"SECRET", "REL TO FRA // SANITISED UNCLASSIFIED: GRID 10 KM // SANITISED "
                       "UNCLASSIFIED: REGION"},
            {"SECRET", "// SANITISED UNCLASSIFIED: REGION"},
            {"SECRET", "REL TO FRA // SANITISED: GRID 10 KM"}, // no level
            {"SECRET", "REL TO FRA // SANITISED UNCLASSIFIED REL TO U$N: GRID 10 KM"},
        };
        for (const auto& r : refused) {
            INFO(r[0] << " | " << r[1]);
            CHECK_FALSE(parseMarking(mk(r[0], r[1])).ok());
        }
    }
}

TEST_CASE("Re-marking a sanitised release: only the originator may widen it",
          "[share][marking][sanitised]") {
    const store::Marking held = mk("SECRET", "REL TO FRA // SANITISED RESTRICTED REL TO UN, NLD: "
                                             "GRID 10 KM, WITHHOLD SOURCE");
    // Each of these gives someone more than the held marking did.
    const char* wider[] = {
        "REL TO FRA // SANITISED UNCLASSIFIED REL TO UN, NLD: GRID 10 KM, WITHHOLD SOURCE",
        "REL TO FRA // SANITISED RESTRICTED REL TO UN, NLD, USA: GRID 10 KM, WITHHOLD SOURCE",
        "REL TO FRA // SANITISED RESTRICTED REL TO UN, NLD: GRID 1 KM, WITHHOLD SOURCE",
        "REL TO FRA // SANITISED RESTRICTED REL TO UN, NLD: WITHHOLD SOURCE",
        "REL TO FRA // SANITISED RESTRICTED REL TO UN, NLD: GRID 10 KM",
        "REL TO FRA // SANITISED RESTRICTED REL TO UN, NLD: REGION, WITHHOLD SOURCE",
    };
    for (const char* proposed : wider) {
        INFO(proposed);
        CHECK_FALSE(ReleasePolicy::mayRemark(held, mk("SECRET", proposed), false).allowed);
        CHECK(ReleasePolicy::mayRemark(held, mk("SECRET", proposed), true).allowed);
    }
    // A clause added to a record that had none widens it too.
    CHECK_FALSE(ReleasePolicy::mayRemark(mk("SECRET", "REL TO FRA"),
                                         mk("SECRET", "REL TO FRA // SANITISED UNCLASSIFIED: "
                                                      "GRID 100 KM"),
                                         false)
                    .allowed);
    // These give no one more: any station may re-mark so.
    const char* narrower[] = {
        "REL TO FRA",
        "REL TO FRA // SANITISED RESTRICTED REL TO UN: GRID 10 KM, WITHHOLD SOURCE",
        "REL TO FRA // SANITISED CONFIDENTIAL REL TO UN, NLD: GRID 100 KM, WITHHOLD NARRATIVE, "
        "WITHHOLD SOURCE",
    };
    for (const char* proposed : narrower) {
        INFO(proposed);
        CHECK(ReleasePolicy::mayRemark(held, mk("SECRET", proposed), false).allowed);
    }
}

TEST_CASE("The release decision: in full, sanitised, or nothing", "[share][marking][sanitised]") {
    const store::Marking m = mk("CONFIDENTIAL", "REL TO FRA // SANITISED UNCLASSIFIED REL TO UN: "
                                                "GRID 10 KM, WITHHOLD NARRATIVE");
    using Form = store::RecordRelease::Form;
    SECTION("a recipient on the REL TO line has the record") {
        CHECK(ReleasePolicy::releaseOf(m, {}, recipient(Classification::Secret, "FRA")).form ==
              Form::Full);
    }
    SECTION("one on the clause's line has its version") {
        const store::RecordRelease r = ReleasePolicy::releaseOf(
            m, {}, recipient(Classification::Unclassified, "SEN", {QStringLiteral("UN")}));
        CHECK(r.form == Form::Sanitised);
        CHECK(r.sanitised.gridKm == 10);
        CHECK(r.sanitised.withheld == QStringList{QStringLiteral("NARRATIVE")});
        // The full decision is unchanged by the clause: it never lets the record itself go.
        CHECK_FALSE(ReleasePolicy::mayRelease(
                        m, recipient(Classification::Secret, "SEN", {QStringLiteral("UN")}))
                        .allowed);
    }
    SECTION("one on neither has nothing, and is told why") {
        const store::RecordRelease r =
            ReleasePolicy::releaseOf(m, {}, recipient(Classification::Secret, "USA"));
        CHECK(r.form == Form::Withheld);
        CHECK_THAT(r.reason.toStdString(), Catch::Matchers::Contains("sanitised version"));
    }
    SECTION("a note of the record is never sanitised: withheld with it") {
        CHECK(ReleasePolicy::releaseOf(
                  mk("UNCLASSIFIED"), {m},
                  recipient(Classification::Unclassified, "SEN", {QStringLiteral("UN")}))
                  .form == Form::Withheld);
    }
    SECTION("the clause's own level and caveats bind: an uncleared recipient gets nothing") {
        const store::Marking high = mk("SECRET", "REL TO FRA // SANITISED CONFIDENTIAL REL TO UN: "
                                                 "WITHHOLD SOURCE");
        CHECK(ReleasePolicy::releaseOf(
                  high, {}, recipient(Classification::Restricted, "SEN", {QStringLiteral("UN")}))
                  .form == Form::Withheld);
    }
}
