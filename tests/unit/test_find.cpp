// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Find by typing (issue 21): positions in the notations people type, places and regions of the
// mission's layers, case and accents aside, nearest first, and the model the search field shows.
//
// Expected positions come from PROJ (gdaltransform, EPSG:32630 and 32730) and MGRS letters worked
// out by hand from the grid's lettering rules, not from GeographicLib, which reads them here.
#include "TestSupport.h"
#include "geo/Geodesy.h"
#include "geo/PositionText.h"
#include "interop/PlaceIndex.h"
#include "quick/FindModel.h"
#include "quick/MissionController.h"

#include <QFileInfo>
#include <QRegularExpression>

#include <catch2/catch.hpp>

using namespace tessera;
using Catch::Matchers::Contains;

namespace {

// Gao, Mali, as PROJ writes it in UTM zone 30 north: 816385.725 E, 1801092.764 N.
constexpr double gaoLat = 16.27;
constexpr double gaoLon = -0.04;

bool near(geo::GeoPoint p, double lat, double lon, double degrees = 1e-6) {
    return std::abs(p.lat - lat) < degrees && std::abs(p.lon - lon) < degrees;
}

} // namespace

TEST_CASE("Decimal degrees read latitude first, and also longitude first when ambiguous",
          "[find][position]") {
    const QList<geo::PositionReading> r = geo::readPosition(QStringLiteral("16.27 -0.04"));
    REQUIRE(r.size() == 2);
    CHECK(r[0].notation == geo::PositionNotation::DecimalDegrees);
    CHECK(near(r[0].point, gaoLat, gaoLon, 1e-12));
    CHECK(r[0].assumption == QStringLiteral("latitude first"));
    CHECK(near(r[1].point, gaoLon, gaoLat, 1e-12));
    CHECK(r[1].assumption == QStringLiteral("longitude first"));
    // A comma between them is how most people write it.
    REQUIRE(geo::readPosition(QStringLiteral("16.27, -0.04")).size() == 2);
    // Hemispheres written: one reading only.
    const QList<geo::PositionReading> h = geo::readPosition(QStringLiteral("16.27N, 0.04W"));
    REQUIRE(h.size() == 1);
    CHECK(near(h[0].point, gaoLat, gaoLon, 1e-12));
    // A longitude beyond 90 cannot be a latitude: no second reading.
    CHECK(geo::readPosition(QStringLiteral("12.5 100.25")).size() == 1);
}

TEST_CASE("Degrees, minutes and seconds read with ASCII or typographic primes",
          "[find][position]") {
    for (const QString& text :
         {QStringLiteral("16°16'12\"N 0°2'24\"W"), QStringLiteral("16°16′12″N 0°2′24″W"),
          QStringLiteral("N16d16'12\" W0d2'24\""), QStringLiteral("16:16:12N 0:02:24W")}) {
        const QList<geo::PositionReading> r = geo::readPosition(text);
        INFO(text.toStdString());
        REQUIRE(r.size() == 1);
        CHECK(r[0].notation == geo::PositionNotation::DegreesMinutesSeconds);
        CHECK(near(r[0].point, gaoLat, gaoLon, 1e-9));
    }
}

TEST_CASE("UTM reads with a latitude band or a hemisphere, and says which when both fit",
          "[find][position]") {
    // Band Q (16..24 N) holds Gao.
    QList<geo::PositionReading> r = geo::readPosition(QStringLiteral("30Q 816385.725 1801092.764"));
    REQUIRE(r.size() == 1);
    CHECK(r[0].notation == geo::PositionNotation::Utm);
    CHECK(near(r[0].point, gaoLat, gaoLon, 1e-6));
    CHECK_THAT(r[0].assumption.toStdString(), Contains("band Q"));
    // N: band N (0..8 N) cannot hold it, so the northern hemisphere.
    r = geo::readPosition(QStringLiteral("30N 816385.725 1801092.764"));
    REQUIRE(r.size() == 1);
    CHECK(near(r[0].point, gaoLat, gaoLon, 1e-6));
    CHECK_THAT(r[0].assumption.toStdString(), Contains("northern hemisphere"));
    // A band that does not hold the point is refused rather than moved.
    CHECK(geo::readPosition(QStringLiteral("30P 816385.725 1801092.764")).isEmpty());
    // S is band S (32..40 N) and also the southern hemisphere: both, as PROJ puts them.
    r = geo::readPosition(QStringLiteral("30S 500000 3800000"));
    REQUIRE(r.size() == 2);
    CHECK(near(r[0].point, 34.3413027226795, -3.0, 1e-7));
    CHECK_THAT(r[0].assumption.toStdString(), Contains("band S"));
    CHECK(near(r[1].point, -55.9453750017474, -3.0, 1e-7));
    CHECK_THAT(r[1].assumption.toStdString(), Contains("southern hemisphere"));
    // Spelt out, with units.
    r = geo::readPosition(QStringLiteral("30 north 816385.725mE 1801092.764mN"));
    REQUIRE(r.size() == 1);
    CHECK(near(r[0].point, gaoLat, gaoLon, 1e-6));
}

TEST_CASE("MGRS reads with or without spaces, a coarse reference at its square's centre",
          "[find][position]") {
    // Zone 30 is in column set 6 (S..Z: 800 km is Z); row 18 of an even set, from F, is D.
    for (const QString& text :
         {QStringLiteral("30QZD1638501092"), QStringLiteral("30Q ZD 16385 01092"),
          QStringLiteral("30qzd 16385 01092")}) {
        const QList<geo::PositionReading> r = geo::readPosition(text);
        INFO(text.toStdString());
        REQUIRE(r.size() == 1);
        CHECK(r[0].notation == geo::PositionNotation::Mgrs);
        // The metre square's centre: within a metre and a half of the point.
        CHECK(geo::geodesy::inverse(r[0].point, {gaoLon, gaoLat}).distanceMetres < 1.5);
    }
    const QList<geo::PositionReading> coarse = geo::readPosition(QStringLiteral("30QZD10"));
    REQUIRE(coarse.size() == 1);
    CHECK_THAT(coarse[0].assumption.toStdString(), Contains("10 km"));
    // The centre of the 10 km square 1/0 (815000 E, 1805000 N), 4 km from Gao.
    const double off = geo::geodesy::inverse(coarse[0].point, {gaoLon, gaoLat}).distanceMetres;
    CHECK(off > 3000.0);
    CHECK(off < 5000.0);
    // Easting and northing of different lengths, an odd count of digits: not MGRS.
    CHECK(geo::readPosition(QStringLiteral("30QZD 163 01092")).isEmpty());
    CHECK(geo::readPosition(QStringLiteral("30QZD163850109")).isEmpty());
}

TEST_CASE("Names, single numbers and impossible positions are not positions", "[find][position]") {
    for (const QString& text :
         {QString(), QStringLiteral("Gao"), QStringLiteral("2026"), QStringLiteral("16.27"),
          QStringLiteral("91 10"), QStringLiteral("30X 500000 3800000"), QStringLiteral("Ségou 2"),
          QStringLiteral("30QZD")}) {
        INFO(text.toStdString());
        if (text == QStringLiteral("30QZD")) {
            // A 100 km square is a position (its centre), not a name.
            CHECK(geo::readPosition(text).size() == 1);
            continue;
        }
        CHECK(geo::readPosition(text).isEmpty());
    }
}

TEST_CASE("Names fold case, accents and punctuation for matching", "[find][places]") {
    CHECK(interop::PlaceIndex::foldForSearch(QStringLiteral("Ségou")) == QStringLiteral("segou"));
    CHECK(interop::PlaceIndex::foldForSearch(QStringLiteral("SÉGOU")) == QStringLiteral("segou"));
    CHECK(interop::PlaceIndex::foldForSearch(QStringLiteral("  Ti-n-Essako ")) ==
          QStringLiteral("ti n essako"));
    CHECK(interop::PlaceIndex::foldForSearch(QStringLiteral("Ménaka")) == QStringLiteral("menaka"));
}

namespace {

store::MissionSnapshot demoLayers() {
    store::MissionSnapshot mission;
    mission.path = test::demoMission();
    auto vector = [](const char* name, const char* source, const char* layer, const char* style) {
        store::LayerSpec l;
        l.name = QString::fromUtf8(name);
        l.kind = store::LayerKind::Vector;
        l.source = QString::fromUtf8(source);
        l.sourceLayer = QString::fromUtf8(layer);
        l.style = QString::fromUtf8(style);
        return l;
    };
    mission.layers = {
        vector("Regions", "boundaries/world_map.gpkg", "states_provinces", "{}"),
        vector("Countries", "boundaries/world_map.gpkg", "countries", "{}"),
        vector("Borders", "boundaries/world_map.gpkg", "disputed_borders", "{}"),
        vector("Places", "places.gpkg", "places", R"({"label": "name", "rank": "rank"})")};
    return mission;
}

} // namespace

TEST_CASE("Places and regions of the mission's layers are found by any part of their name",
          "[find][places]") {
    QStringList unreadable;
    const interop::PlaceIndex index = interop::PlaceIndex::build(demoLayers(), &unreadable);
    CHECK(unreadable.isEmpty());
    const geo::GeoPoint bamako{-8.0, 12.65};
    const QList<interop::NamedPlace> gao = index.search(QStringLiteral("gao"), bamako);
    REQUIRE(gao.size() >= 2);
    // The town (ranked) before the region of the same name; both whole-name matches.
    CHECK(gao[0].name == QStringLiteral("Gao"));
    CHECK_FALSE(gao[0].area);
    // GeoNames says "ML"; the country's name is learnt from Natural Earth's layers.
    CHECK(gao[0].within == QStringLiteral("Mali"));
    CHECK(near(gao[0].point, 16.27, -0.04, 0.05));
    CHECK(gao[1].name == QStringLiteral("Gao"));
    CHECK(gao[1].area);
    CHECK(gao[1].within == QStringLiteral("Mali"));
    REQUIRE(gao[1].extent.has_value());
    CHECK(gao[1].extent->minX < -0.04);
    CHECK(gao[1].extent->maxX > -0.04);
    // Then names that only start with it (Gaoual, Guinea), after the whole names.
    bool startsLater = false;
    for (qsizetype k = 2; k < gao.size(); ++k)
        startsLater = startsLater || gao[k].name == QStringLiteral("Gaoual");
    CHECK(startsLater);
    // Typed without its accent, in capitals.
    const QList<interop::NamedPlace> segou = index.search(QStringLiteral("SEGOU"), bamako);
    REQUIRE_FALSE(segou.isEmpty());
    CHECK(segou[0].name == QStringLiteral("Ségou"));
    // A word inside a name: "Rharous" finds Gourma Rharous.
    const QList<interop::NamedPlace> rharous = index.search(QStringLiteral("rharous"), bamako);
    REQUIRE_FALSE(rharous.isEmpty());
    CHECK(rharous[0].name == QStringLiteral("Gourma Rharous"));
    // Borders are lines, not places.
    for (const interop::NamedPlace& p : index.places())
        CHECK(p.layer != QStringLiteral("Borders"));
    CHECK(index.search(QStringLiteral("zzqx"), bamako).isEmpty());
    // Three letters inside a word match too much of the world ("Órgãos", "Ifugao"): not listed.
    for (const interop::NamedPlace& p : gao)
        CHECK(interop::PlaceIndex::foldForSearch(p.name)
                  .split(QLatin1Char(' '))
                  .filter(QRegularExpression(QStringLiteral("^gao")))
                  .size() > 0);
}

TEST_CASE("Of several places of one name, the nearest to the view comes first", "[find][places]") {
    const interop::PlaceIndex index = interop::PlaceIndex::build(demoLayers());
    // Togo, Cameroon and Haiti each have a region called Centre.
    const QList<interop::NamedPlace> fromLome =
        index.search(QStringLiteral("centre"), geo::GeoPoint{1.22, 6.13});
    REQUIRE(fromLome.size() >= 3);
    CHECK(fromLome[0].within == QStringLiteral("Togo"));
    const QList<interop::NamedPlace> fromYaounde =
        index.search(QStringLiteral("centre"), geo::GeoPoint{11.5, 3.87});
    CHECK(fromYaounde[0].within == QStringLiteral("Cameroon"));
}

TEST_CASE("A layer that cannot be read is named and the others are still found", "[find][places]") {
    store::MissionSnapshot mission = demoLayers();
    store::LayerSpec missing;
    missing.name = QStringLiteral("Lost layer");
    missing.kind = store::LayerKind::Vector;
    missing.source = QStringLiteral("nowhere/lost.gpkg");
    mission.layers.prepend(missing);
    QStringList unreadable;
    const interop::PlaceIndex index = interop::PlaceIndex::build(mission, &unreadable);
    REQUIRE(unreadable.size() == 1);
    CHECK_THAT(unreadable[0].toStdString(), Contains("Lost layer"));
    CHECK_FALSE(index.search(QStringLiteral("Gao"), {}).isEmpty());
}

TEST_CASE("The find model lists a typed position first, then places, and says when nothing fits",
          "[find][quick]") {
    quick::MissionController mission;
    quick::FindModel find;
    find.setMission(&mission);
    // Typed before the names are read: answered when they are.
    find.setNear(QPointF(-8.0, 12.65));
    find.setQuery(QStringLiteral("gao"));
    CHECK(find.rowCount() == 0);
    mission.setPath(test::demoMission());
    REQUIRE(test::waitUntil([&] { return find.rowCount() >= 2; }));
    CHECK(find.get(0).value(QStringLiteral("label")).toString() == QStringLiteral("Gao"));
    CHECK(find.get(0).value(QStringLiteral("kind")).toString() == QStringLiteral("place"));
    CHECK_THAT(find.get(0).value(QStringLiteral("detail")).toString().toStdString(),
               Contains("km NE"));
    CHECK(find.get(1).value(QStringLiteral("kind")).toString() == QStringLiteral("area"));
    CHECK_FALSE(find.get(1).value(QStringLiteral("extent")).toRectF().isEmpty());
    CHECK(find.message().isEmpty());

    // S read both ways, the one nearer the view first: band S (Morocco) before 56 S.
    find.setQuery(QStringLiteral("30S 500000 3800000"));
    REQUIRE(find.rowCount() == 2);
    CHECK(find.get(0).value(QStringLiteral("lat")).toDouble() > 0.0);
    CHECK(find.get(1).value(QStringLiteral("lat")).toDouble() < 0.0);

    find.setQuery(QStringLiteral("16.27 -0.04"));
    REQUIRE(find.rowCount() == 2);
    CHECK(find.get(0).value(QStringLiteral("kind")).toString() == QStringLiteral("position"));
    CHECK(std::abs(find.get(0).value(QStringLiteral("lat")).toDouble() - 16.27) < 1e-9);
    CHECK_THAT(find.get(0).value(QStringLiteral("detail")).toString().toStdString(),
               Contains("MGRS 30QZD"));

    find.setQuery(QStringLiteral("nowhere at all"));
    CHECK(find.rowCount() == 0);
    CHECK_THAT(find.message().toStdString(), Contains("nowhere at all"));
}
