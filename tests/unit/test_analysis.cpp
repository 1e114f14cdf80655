// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// The analyses (src/analysis) checked against an independent reference (tests/analysis/
// reference.py: the published formulas with NumPy, PySAL's weights and SciPy's tests) and
// against patterns planted in seeded data.
#include "TestSupport.h"
#include "analysis/EmergingHotSpots.h"
#include "analysis/NearRepeat.h"
#include "analysis/Placement.h"
#include "analysis/Synthetic.h"
#include "analysis/UnusualActivity.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

#include <cmath>
#include <map>

using namespace tessera;
using namespace tessera::analysis;
using Catch::Matchers::Contains;
using namespace Qt::Literals::StringLiterals;

namespace {

constexpr double week = 7 * 86400.0;
constexpr double end = 1'796'000'000; // a Sunday in November 2026, seconds since the epoch

QJsonArray eventsJson(const std::vector<Event>& events) {
    QJsonArray out;
    for (const Event& e : events)
        out.append(QJsonArray{e.x, e.y, e.t});
    return out;
}

/// Runs tests/analysis/reference.py on `input`; the test fails if it cannot.
QJsonObject reference(const QJsonObject& input) {
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    const QString in = dir.filePath(QStringLiteral("in.json"));
    const QString out = dir.filePath(QStringLiteral("out.json"));
    QFile file(in);
    REQUIRE(file.open(QIODevice::WriteOnly));
    file.write(QJsonDocument(input).toJson(QJsonDocument::Compact));
    file.close();
    QProcess python;
    python.start(QStringLiteral(TESSERA_REFERENCE_PYTHON),
                 {QStringLiteral(TESSERA_REFERENCE_SCRIPT), in, out});
    REQUIRE(python.waitForFinished(120000));
    INFO(python.readAllStandardError().toStdString());
    REQUIRE(python.exitCode() == 0);
    QFile result(out);
    REQUIRE(result.open(QIODevice::ReadOnly));
    return QJsonDocument::fromJson(result.readAll()).object();
}

/// A small cube with structure: background over 12 x 10 km, a hot spot growing at one corner.
std::vector<Event> smallPlantedSet(std::uint64_t seed) {
    std::mt19937_64 random(seed);
    std::vector<Event> events = synthetic::evenBackground(random, 900, 12000, end - 12 * week, end);
    synthetic::plantEmergingHotSpot(random, events, 4500, 3500, 1400, 300, end - 6 * week, end);
    return events;
}

} // namespace

TEST_CASE("Gi*, the false-discovery threshold and Mann-Kendall equal the reference", "[analysis]") {
    const std::vector<Event> events = smallPlantedSet(7);
    CubeShape shape;
    shape.cellSize = 1500;
    shape.stepSeconds = week;
    shape.steps = 12;
    shape.end = end;
    HotSpotParameters parameters;
    parameters.neighbourDistance = 2200; // the eight cells around and itself
    parameters.timeLag = 1;

    Result<SpaceTimeCube> cube = buildCube(events, shape);
    REQUIRE(cube.ok());
    Result<HotSpotResult> result = emergingHotSpots(cube.value(), parameters);
    REQUIRE(result.ok());
    const HotSpotResult& r = result.value();

    std::vector<Event> knoxEvents(events.begin(), events.begin() + 400);
    KnoxBands bands;
    bands.distances = {0, 400, 800, 1600};
    bands.days = {0, 3, 7, 14};
    bands.permutations = 199;
    Result<KnoxResult> knox = knoxTest(knoxEvents, bands);
    REQUIRE(knox.ok());

    const std::vector<CountSeries> series{
        {QStringLiteral("Gao"), QStringLiteral("IED"), {3, 4, 2, 5, 3, 4}, 12},
        {QStringLiteral("Mopti"), QStringLiteral("Theft"), {1, 9, 0, 7, 2, 11}, 30},
        {QStringLiteral("Kidal"), QStringLiteral("IED"), {0, 0, 0, 0}, 2},
        {QStringLiteral("Timbuktu"), QStringLiteral("Protest"), {20, 18, 22, 19}, 4},
        {QStringLiteral("Ségou"), QStringLiteral("Theft"), {6, 7}, 6},
    };

    QJsonArray seriesJson;
    for (const CountSeries& s : series) {
        QJsonArray base;
        for (long c : s.baseline)
            base.append(static_cast<qint64>(c));
        seriesJson.append(QJsonObject{{u"baseline"_s, base}, {u"current"_s, qint64(s.current)}});
    }
    const QJsonObject ref = reference(QJsonObject{
        {u"events"_s, eventsJson(events)},
        {u"cellSize"_s, shape.cellSize},
        {u"stepSeconds"_s, shape.stepSeconds},
        {u"steps"_s, shape.steps},
        {u"end"_s, shape.end},
        {u"neighbourDistance"_s, parameters.neighbourDistance},
        {u"timeLag"_s, parameters.timeLag},
        {u"falseDiscovery"_s, parameters.falseDiscovery},
        {u"knox"_s, QJsonObject{{u"events"_s, eventsJson(knoxEvents)},
                                {u"distances"_s, QJsonArray{0, 400, 800, 1600}},
                                {u"days"_s, QJsonArray{0, 3, 7, 14}}}},
        {u"series"_s, seriesJson},
    });

    SECTION("the cube and every bin's z-score") {
        const QJsonArray cells = ref.value(u"cells"_s).toArray();
        REQUIRE(cells.size() == static_cast<qsizetype>(r.cube.locations.size()));
        std::map<std::pair<int, int>, std::size_t> ours;
        for (std::size_t l = 0; l < r.cube.locations.size(); ++l)
            ours[{r.cube.locations[l].column, r.cube.locations[l].row}] = l;
        int compared = 0;
        for (qsizetype k = 0; k < cells.size(); ++k) {
            const auto key =
                std::make_pair(cells[k].toArray()[0].toInt(), cells[k].toArray()[1].toInt());
            REQUIRE(ours.count(key) == 1);
            const std::size_t l = ours[key];
            const QJsonArray counts = ref.value(u"counts"_s).toArray()[k].toArray();
            const QJsonArray z = ref.value(u"z"_s).toArray()[k].toArray();
            for (int t = 0; t < shape.steps; ++t) {
                REQUIRE(r.cube.series(l)[static_cast<std::size_t>(t)] == counts[t].toDouble());
                REQUIRE(r.z[l * 12 + static_cast<std::size_t>(t)] ==
                        Approx(z[t].toDouble()).margin(1e-9));
                ++compared;
            }
            // Mann-Kendall: the same p as Kendall's tau against the step index, and the same tau.
            const QJsonObject trend = ref.value(u"trends"_s).toArray()[k].toObject();
            const LocationPattern& ourTrend = r.locations[l];
            REQUIRE(ourTrend.trend.p == Approx(trend.value(u"p"_s).toDouble()).margin(1e-9));
            std::vector<double> sorted(r.z.begin() + static_cast<std::ptrdiff_t>(l * 12),
                                       r.z.begin() + static_cast<std::ptrdiff_t>(l * 12 + 12));
            std::sort(sorted.begin(), sorted.end());
            double tiedPairs = 0;
            for (std::size_t i = 0; i < sorted.size();) {
                std::size_t j = i;
                while (j < sorted.size() && sorted[j] == sorted[i])
                    ++j;
                tiedPairs += static_cast<double>((j - i) * (j - i - 1)) / 2;
                i = j;
            }
            const double pairs = 66;
            const double tau = ourTrend.trend.s / std::sqrt(pairs * (pairs - tiedPairs));
            REQUIRE(tau == Approx(trend.value(u"tau"_s).toDouble()).margin(1e-9));
        }
        REQUIRE(compared == static_cast<int>(r.z.size()));
        REQUIRE(r.pThreshold == Approx(ref.value(u"threshold"_s).toDouble()).margin(1e-12));
        REQUIRE(r.pThreshold > 0); // the planted hot spot is there to be found
    }

    SECTION("the Knox table's observed pairs and exact expectation") {
        const QJsonArray cells = ref.value(u"knox"_s).toArray();
        REQUIRE(cells.size() == static_cast<qsizetype>(knox.value().cells.size()));
        for (qsizetype k = 0; k < cells.size(); ++k) {
            const KnoxCell& ours = knox.value().cells[static_cast<std::size_t>(k)];
            REQUIRE(ours.observed == cells[k].toObject().value(u"observed"_s).toInteger());
            REQUIRE(ours.expected ==
                    Approx(cells[k].toObject().value(u"expected"_s).toDouble()).margin(1e-9));
            // The permutations' mean estimates the same expectation.
            REQUIRE(ours.simulatedMean ==
                    Approx(ours.expected).margin(4 * std::sqrt(ours.expected / 199) + 0.05));
        }
    }

    SECTION("Poisson and negative binomial intervals and tails") {
        const QJsonArray cells = ref.value(u"baseline"_s).toArray();
        REQUIRE(cells.size() == static_cast<qsizetype>(series.size()));
        for (std::size_t k = 0; k < series.size(); ++k) {
            const QJsonObject expected = cells[static_cast<qsizetype>(k)].toObject();
            const Assessment a = assess(series[k]);
            INFO(series[k].region.toStdString());
            REQUIRE(a.negativeBinomial == expected.value(u"nb"_s).toBool());
            REQUIRE(a.low == expected.value(u"low"_s).toInteger());
            REQUIRE(a.high == expected.value(u"high"_s).toInteger());
            const double sf = a.negativeBinomial
                                  ? negativeBinomialSf(a.current, a.size, a.probability)
                                  : poissonSf(a.current, a.expected);
            const double cdf = a.negativeBinomial
                                   ? negativeBinomialCdf(a.current, a.size, a.probability)
                                   : poissonCdf(a.current, a.expected);
            REQUIRE(sf == Approx(expected.value(u"sf"_s).toDouble()).margin(1e-9));
            REQUIRE(cdf == Approx(expected.value(u"cdf"_s).toDouble()).margin(1e-9));
        }
        // Both kinds of model were exercised, and both kinds of flag.
        REQUIRE(assess(series[1]).negativeBinomial);
        REQUIRE_FALSE(assess(series[0]).negativeBinomial);
        REQUIRE(assess(series[0]).busy);
        REQUIRE(assess(series[3]).quiet);
    }
}

TEST_CASE("A planted emerging hot spot is found where it was planted, and only there",
          "[analysis]") {
    for (std::uint64_t seed : {1, 2, 3}) {
        const std::vector<Event> events = smallPlantedSet(seed);
        CubeShape shape;
        shape.cellSize = 1500;
        shape.steps = 12;
        shape.end = end;
        Result<SpaceTimeCube> cube = buildCube(events, shape);
        REQUIRE(cube.ok());
        Result<HotSpotResult> r = emergingHotSpots(cube.value(), {}, 2);
        REQUIRE(r.ok());
        const Cell planted{3, 2}; // (4500, 3500) in cells of 1,500 m
        bool found = false;
        for (const LocationPattern& l : r.value().locations) {
            const double dx = (l.cell.column - planted.column) * 1.0;
            const double dy = (l.cell.row - planted.row) * 1.0;
            // The spot covers the cells around (3, 2); Gi*'s neighbourhood reaches one further.
            const bool near = std::hypot(dx, dy) < 3;
            if (l.cell == planted) {
                INFO("seed " << seed << ": " << patternName(l.pattern).toStdString());
                REQUIRE(l.hot);
                REQUIRE((l.pattern == Pattern::New || l.pattern == Pattern::Consecutive ||
                         l.pattern == Pattern::Intensifying));
                found = true;
            }
            // A hot pattern far from the planted spot is a false discovery.
            if (!near && l.hot && l.pattern != Pattern::None)
                FAIL("seed " << seed << ": a hot spot at " << l.cell.column << "," << l.cell.row);
        }
        REQUIRE(found);
    }
}

TEST_CASE("On background alone, emerging hot spots flag no more than the false-discovery rate "
          "allows",
          "[analysis]") {
    // Under the null hypothesis everywhere, Benjamini-Hochberg at q keeps the chance of any
    // discovery at q. Forty seeds: at q = 0.05 we expect about two runs with any; more than
    // seven has a chance under 0.1 % (binomial).
    int runsWithDiscoveries = 0;
    for (std::uint64_t seed = 100; seed < 140; ++seed) {
        std::mt19937_64 random(seed);
        const std::vector<Event> events =
            synthetic::evenBackground(random, 6000, 15000, end - 12 * week, end);
        CubeShape shape;
        shape.cellSize = 1500;
        shape.steps = 12;
        shape.end = end;
        Result<HotSpotResult> r = emergingHotSpots(buildCube(events, shape).value(), {}, 2);
        REQUIRE(r.ok());
        if (r.value().pThreshold > 0)
            ++runsWithDiscoveries;
    }
    REQUIRE(runsWithDiscoveries <= 7);
}

TEST_CASE("The Knox test finds planted near repeats, and on background alone is significant at "
          "the rate its level says",
          "[analysis]") {
    KnoxBands bands;
    bands.distances = {0, 300, 600, 1200};
    bands.days = {0, 5, 10, 20};
    bands.permutations = 99;

    std::mt19937_64 random(11);
    std::vector<Event> events = synthetic::evenBackground(random, 800, 20000, end - 16 * week, end);
    synthetic::plantNearRepeats(random, events, 150, 300, 5);
    Result<KnoxResult> planted = knoxTest(events, bands);
    REQUIRE(planted.ok());
    const KnoxCell& first = planted.value().cell(0, 0);
    REQUIRE(first.ratio > 2);
    REQUIRE(first.p <= 0.01);
    // Farther and later, nothing was planted: no strong excess.
    REQUIRE(planted.value().cell(2, 2).ratio < 1.5);

    // Rings: incidents of the last five days get one 300 m wide, lasting five days.
    const std::vector<RiskRing> rings = riskRings(planted.value(), events, end);
    REQUIRE_FALSE(rings.empty());
    for (const RiskRing& ring : rings) {
        REQUIRE(ring.radius == 300);
        REQUIRE(ring.t > end - 5 * 86400.0);
        REQUIRE(ring.until == ring.t + 5 * 86400.0);
    }

    int significant = 0;
    const int seeds = 60;
    for (std::uint64_t seed = 200; seed < 200 + seeds; ++seed) {
        std::mt19937_64 r(seed);
        bands.seed = seed;
        const std::vector<Event> background =
            synthetic::evenBackground(r, 800, 20000, end - 16 * week, end);
        Result<KnoxResult> table = knoxTest(background, bands);
        REQUIRE(table.ok());
        significant += table.value().cell(0, 0).p <= 0.05;
        REQUIRE(riskRings(table.value(), background, end).size() <=
                (table.value().cell(0, 0).p <= 0.05 ? background.size() : 0));
    }
    // Expected 3 of 60; more than 9 has a chance under 0.2 % (binomial).
    REQUIRE(significant <= 9);
}

TEST_CASE("Unusual activity flags a surge and a silence, not a steady region", "[analysis]") {
    std::vector<Tally> incidents;
    auto add = [&](const char* region, const char* category, int count, double periodEnd) {
        for (int k = 0; k < count; ++k)
            incidents.push_back({QString::fromUtf8(region), QString::fromUtf8(category),
                                 periodEnd - week + (k + 0.5) * week / count});
    };
    for (int p = 0; p < 6; ++p) {
        const double periodEnd = end - (6 - p) * week;
        add("Gao", "IED", 3 + p % 2, periodEnd);
        add("Mopti", "Theft", 8 + (p % 3), periodEnd);
        add("Kidal", "Protest", 10, periodEnd);
    }
    add("Gao", "IED", 15, end);      // a surge
    add("Mopti", "Theft", 9, end);   // as usual
    add("Kidal", "Protest", 1, end); // silence
    const std::vector<CountSeries> series = countSeries(incidents, end, week, 6);
    REQUIRE(series.size() == 3);
    const std::vector<Assessment> flagged = unusualActivity(series);
    REQUIRE(flagged.size() == 2);
    std::map<QString, Assessment> byRegion;
    for (const Assessment& a : flagged)
        byRegion[a.region] = a;
    REQUIRE(byRegion.at(QStringLiteral("Gao")).busy);
    REQUIRE(byRegion.at(QStringLiteral("Gao")).current == 15);
    REQUIRE(byRegion.at(QStringLiteral("Kidal")).quiet);
    REQUIRE(byRegion.count(QStringLiteral("Mopti")) == 0);
}

TEST_CASE("Analyses refuse input that would mislead, saying what to change", "[analysis]") {
    std::mt19937_64 random(5);
    const std::vector<Event> events =
        synthetic::evenBackground(random, 2000, 200000, end - 12 * week, end);
    CubeShape shape;
    shape.end = end;
    shape.steps = 12;

    SECTION("too few incidents") {
        const std::vector<Event> few(events.begin(), events.begin() + 10);
        Result<SpaceTimeCube> cube = buildCube(few, shape);
        REQUIRE_FALSE(cube.ok());
        REQUIRE_THAT(cube.errorMessage().toStdString(), Contains("needs at least 30"));
        Result<KnoxResult> knox = knoxTest(few, {});
        REQUIRE_FALSE(knox.ok());
        REQUIRE_THAT(knox.errorMessage().toStdString(), Contains("at least 20"));
    }
    SECTION("a window of one step") {
        shape.steps = 1;
        Result<SpaceTimeCube> cube = buildCube(events, shape);
        REQUIRE_FALSE(cube.ok());
        REQUIRE_THAT(cube.errorMessage().toStdString(), Contains("at least 5 steps"));
    }
    SECTION("cells so small that the cube would hold millions of bins") {
        shape.cellSize = 10;
        shape.maxBins = 20000;
        Result<SpaceTimeCube> cube = buildCube(events, shape);
        REQUIRE_FALSE(cube.ok());
        REQUIRE_THAT(cube.errorMessage().toStdString(), Contains("Choose cells of about"));
    }
    SECTION("cells so small that the area holds hundreds of millions") {
        shape.cellSize = 10; // 200 km square: 400 million cells, each incident alone in one
        Result<SpaceTimeCube> cube = buildCube(events, shape);
        REQUIRE_FALSE(cube.ok());
        REQUIRE_THAT(cube.errorMessage().toStdString(),
                     Contains("the incidents' area") && Contains("Choose cells of about"));
    }
    SECTION("a cube with no variation") {
        std::vector<Event> even;
        for (int k = 0; k < 60; ++k)
            even.push_back({500.0 + (k % 5) * 1000.0, 500, end - week * (k / 5 + 0.5)});
        shape.cellSize = 1000;
        Result<SpaceTimeCube> cube = buildCube(even, shape);
        REQUIRE(cube.ok());
        Result<HotSpotResult> r = emergingHotSpots(cube.value(), {});
        REQUIRE_FALSE(r.ok());
        REQUIRE_THAT(r.errorMessage().toStdString(), Contains("same count"));
    }
    SECTION("bands that do not grow") {
        KnoxBands bands;
        bands.distances = {0, 500, 400};
        REQUIRE_FALSE(knoxTest(events, bands).ok());
    }
}

TEST_CASE("Incidents are placed in metres of an equal-area projection centred on the mission",
          "[analysis]") {
    const std::vector<geo::GeoPoint> points{{-0.05, 16.27}, {-3.0, 16.7}, {1.2, 14.9}};
    Result<Placement> placement = Placement::around(points);
    REQUIRE(placement.ok());
    REQUIRE(placement.value().centre().lon == -1);
    REQUIRE(placement.value().centre().lat == 16);
    // Gao and Timbuktu are 321 km apart (geodesic); the projection keeps that within 0.5 %.
    const geo::MapPoint gao = placement.value().toMetres(points[0]);
    const geo::MapPoint timbuktu = placement.value().toMetres(points[1]);
    REQUIRE(std::hypot(gao.x - timbuktu.x, gao.y - timbuktu.y) == Approx(321000).epsilon(0.01));
    const geo::GeoPoint back = placement.value().toDegrees(gao);
    REQUIRE(back.lon == Approx(-0.05).margin(1e-9));
    REQUIRE(back.lat == Approx(16.27).margin(1e-9));
}
