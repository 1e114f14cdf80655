// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/DemoMission.h"

#include "geo/GdalEnvironment.h"
#include "geo/ThreadCheck.h"
#include "interop/ExerciseScenario.h"
#include "interop/Gazetteer.h"
#include "store/MissionStore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>

#include <cpl_string.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <ogrsf_frmts.h>

#include <memory>

namespace tessera::interop {

namespace {

using UniqueDataset = geo::UniqueGdalDataset;

/// Blue Marble JPEG -> georeferenced (EPSG:4326, whole world), tiled, compressed GeoTIFF with
/// internal overviews, so the map reads small tiles at every zoom.
Status convertImagery(const QString& jpeg, const QString& tiff) {
    geo::GdalErrorCapture errors;
    UniqueDataset src(GDALOpenEx(jpeg.toUtf8().constData(), GDAL_OF_RASTER | GDAL_OF_READONLY,
                                 nullptr, nullptr, nullptr));
    if (!src)
        return Error{
            QStringLiteral("%1: %2").arg(jpeg, errors.lastError(QStringLiteral("unreadable")))};
    if (GDALGetRasterCount(src.get()) < 3)
        return Error{QStringLiteral("%1: expected an RGB image").arg(jpeg)};
    CPLStringList args;
    for (const char* a : {"-of",
                          "GTiff",
                          "-a_srs",
                          "EPSG:4326",
                          "-a_ullr",
                          "-180",
                          "90",
                          "180",
                          "-90",
                          "-co",
                          "TILED=YES",
                          "-co",
                          "BLOCKXSIZE=256",
                          "-co",
                          "BLOCKYSIZE=256",
                          "-co",
                          "COMPRESS=DEFLATE",
                          "-co",
                          "PREDICTOR=2",
                          "-q"})
        args.AddString(a);
    GDALTranslateOptions* options = GDALTranslateOptionsNew(args.List(), nullptr);
    int usageError = FALSE;
    UniqueDataset out(GDALTranslate(tiff.toUtf8().constData(), src.get(), options, &usageError));
    GDALTranslateOptionsFree(options);
    if (!out)
        return Error{
            QStringLiteral("%1: %2").arg(tiff, errors.lastError(QStringLiteral("write failed")))};
    int levels[] = {2, 4, 8};
    if (GDALBuildOverviews(out.get(), "AVERAGE", 3, levels, 0, nullptr, nullptr, nullptr) !=
        CE_None)
        return Error{QStringLiteral("%1: building overviews failed: %2")
                         .arg(tiff, errors.lastError(QString()))};
    return success();
}

struct RankedPlace {
    Place place;
    int rank = 3;
};

/// GeoNames places to a GeoPackage point layer "places" (name, country, rank).
Status writePlaces(const QList<RankedPlace>& places, const QString& path) {
    geo::GdalErrorCapture errors;
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    if (!driver)
        return Error{QStringLiteral("GDAL has no GeoPackage driver")};
    const geo::UniqueGdalDataset owner(
        driver->Create(path.toUtf8().constData(), 0, 0, 0, GDT_Unknown, nullptr));
    auto* ds = static_cast<GDALDataset*>(owner.get());
    if (!ds)
        return Error{
            QStringLiteral("%1: %2").arg(path, errors.lastError(QStringLiteral("cannot create")))};
    OGRSpatialReference wgs84;
    wgs84.importFromEPSG(4326);
    OGRLayer* layer = ds->CreateLayer("places", &wgs84, wkbPoint, nullptr);
    if (!layer)
        return Error{QStringLiteral("%1: cannot create layer places").arg(path)};
    OGRFieldDefn name("name", OFTString);
    OGRFieldDefn country("country", OFTString);
    OGRFieldDefn rank("rank", OFTInteger);
    layer->CreateField(&name);
    layer->CreateField(&country);
    layer->CreateField(&rank);
    if (layer->StartTransaction() != OGRERR_NONE)
        return Error{QStringLiteral("%1: cannot start a transaction").arg(path)};
    for (const RankedPlace& rp : places) {
        OGRFeature feature(layer->GetLayerDefn());
        feature.SetField("name", rp.place.name.toUtf8().constData());
        feature.SetField("country", rp.place.country.toUtf8().constData());
        feature.SetField("rank", rp.rank);
        OGRPoint point(rp.place.location.lon, rp.place.location.lat);
        feature.SetGeometry(&point);
        if (layer->CreateFeature(&feature) != OGRERR_NONE)
            return Error{QStringLiteral("%1: %2").arg(
                path, errors.lastError(QStringLiteral("write failed")))};
    }
    if (layer->CommitTransaction() != OGRERR_NONE)
        return Error{
            QStringLiteral("%1: %2").arg(path, errors.lastError(QStringLiteral("commit failed")))};
    return success();
}

store::LayerSpec vectorLayer(const char* name, const char* source, const char* sourceLayer,
                             const char* style, int order) {
    store::LayerSpec l;
    l.name = QString::fromUtf8(name);
    l.kind = store::LayerKind::Vector;
    l.source = QString::fromUtf8(source);
    l.sourceLayer = QString::fromUtf8(sourceLayer);
    l.style = QString::fromUtf8(style);
    l.stackOrder = order;
    return l;
}

} // namespace

DemoSources DemoSources::inFolder(const QString& dir, const QString& scenarioPath) {
    const QDir d(dir);
    return {d.filePath(QStringLiteral("bluemarble.jpg")),
            d.filePath(QStringLiteral("world_map.gpkg")), d.filePath(QStringLiteral("cities.json")),
            scenarioPath, QDateTime()};
}

Result<DemoReport> buildDemoMission(const DemoSources& sources, const QString& outputDir,
                                    const std::function<void(const QString&)>& progress) {
    TESSERA_ASSERT_WORKER_THREAD();
    auto say = [&](const QString& what) {
        if (progress)
            progress(what);
    };
    geo::ensureGdalRegistered();
    for (const QString& input :
         {sources.blueMarble, sources.worldMap, sources.cities, sources.scenario})
        if (!QFileInfo(input).isFile())
            return Error{QStringLiteral("%1: missing; run maps/fetch-sources first").arg(input)};
    if (QFileInfo::exists(outputDir))
        return Error{QStringLiteral("%1: already exists; remove it to rebuild").arg(outputDir)};

    // Everything is made in a scratch folder next to the target and renamed into place at the end.
    const QString staging = outputDir + QStringLiteral(".partial");
    QDir(staging).removeRecursively();
    if (!QDir().mkpath(staging + QStringLiteral("/imagery")) ||
        !QDir().mkpath(staging + QStringLiteral("/boundaries")))
        return Error{QStringLiteral("%1: cannot create the folder").arg(staging)};
    auto abandon = [&](const Error& e) -> Result<DemoReport> {
        QDir(staging).removeRecursively();
        return e;
    };
    const QDir out(staging);

    say(QStringLiteral("Reading GeoNames places"));
    Result<Gazetteer> gazetteer = Gazetteer::read(sources.cities);
    if (!gazetteer)
        return abandon(gazetteer.error());
    say(QStringLiteral("Reading the exercise scenario"));
    Result<ExerciseScenario> scenario =
        ExerciseScenario::read(sources.scenario, gazetteer.value(), QStringLiteral("ML"));
    if (!scenario)
        return abandon(scenario.error());
    if (const int days = scenario.value().moveToPresent(sources.present); days != 0)
        say(QStringLiteral("Moved the scenario %1 days to end on %2")
                .arg(days)
                .arg(sources.present.toUTC().toString(QStringLiteral("d MMM yyyy"))));

    say(QStringLiteral("Georeferencing the Blue Marble and building overviews"));
    if (Status s = convertImagery(sources.blueMarble,
                                  out.filePath(QStringLiteral("imagery/bluemarble.tif")));
        !s)
        return abandon(s.error());

    say(QStringLiteral("Copying Natural Earth boundaries"));
    if (!QFile::copy(sources.worldMap, out.filePath(QStringLiteral("boundaries/world_map.gpkg"))))
        return abandon(
            Error{QStringLiteral("%1: cannot copy into %2").arg(sources.worldMap, staging)});

    say(QStringLiteral("Writing places"));
    // Regional capitals of Mali and the neighbours' capitals are labelled first (rank 1), then the
    // places the scenario names (2), then every other place of Mali (3).
    static const QList<std::pair<const char*, const char*>> capitals{
        {"Bamako", "ML"},     {"Gao", "ML"},       {"Timbuktu", "ML"}, {"Mopti", "ML"},
        {"Kidal", "ML"},      {"Ménaka", "ML"},    {"Ségou", "ML"},    {"Kayes", "ML"},
        {"Sikasso", "ML"},    {"Koulikoro", "ML"}, {"Niamey", "NE"},   {"Ouagadougou", "BF"},
        {"Nouakchott", "MR"}, {"Agadez", "NE"}};
    QList<RankedPlace> places;
    QSet<QString> taken;
    for (const auto& [name, country] : capitals) {
        Result<Place> p =
            gazetteer.value().find(QString::fromUtf8(name), QString::fromLatin1(country));
        if (p) {
            places.append({p.value(), 1});
            taken.insert(p.value().country + p.value().name);
        }
    }
    for (const Place& p : gazetteer.value().inCountry(QStringLiteral("ML"))) {
        if (taken.contains(p.country + p.name))
            continue;
        places.append({p, scenario.value().placesUsed.contains(p.name) ? 2 : 3});
        taken.insert(p.country + p.name);
    }
    if (Status s = writePlaces(places, out.filePath(QStringLiteral("places.gpkg"))); !s)
        return abandon(s.error());

    say(QStringLiteral("Writing the mission"));
    const QString missionFile = out.filePath(demoMissionFileName());
    {
        Result<store::MissionStore> mission =
            store::MissionStore::create(missionFile, scenario.value().info);
        if (!mission)
            return abandon(mission.error());
        store::LayerSpec imagery;
        imagery.name = QStringLiteral("Blue Marble imagery (NASA)");
        imagery.kind = store::LayerKind::Raster;
        imagery.source = QStringLiteral("imagery/bluemarble.tif");
        imagery.stackOrder = 0;
        const QList<store::LayerSpec> layers{
            imagery,
            vectorLayer("Regions (Natural Earth)", "boundaries/world_map.gpkg", "states_provinces",
                        R"({"stroke": "#d8d0b8", "width": 0.8, "dash": [4, 3]})", 1),
            vectorLayer("Countries (Natural Earth)", "boundaries/world_map.gpkg", "countries",
                        R"({"stroke": "#ffffff", "width": 1.6, "casing": "#a0000000"})", 2),
            vectorLayer("Disputed borders (Natural Earth)", "boundaries/world_map.gpkg",
                        "disputed_borders",
                        R"({"stroke": "#ff9f1c", "width": 1.6, "dash": [3, 2]})", 3),
            vectorLayer("Places (GeoNames)", "places.gpkg", "places",
                        R"({"label": "name", "rank": "rank"})", 4),
        };
        Status written = mission.value().database().transaction([&]() -> Status {
            for (const store::LayerSpec& layer : layers)
                if (Result<qint64> id = mission.value().addLayer(layer); !id)
                    return id.error();
            for (store::Incident incident : scenario.value().incidents)
                if (Status s = mission.value().addIncident(incident); !s)
                    return s;
            return success();
        });
        if (!written)
            return abandon(
                Error{QStringLiteral("%1: %2").arg(missionFile, written.error().message)});
        for (store::PatrolRoute route : scenario.value().routes)
            if (Status s = mission.value().addRoute(route); !s)
                return abandon(Error{QStringLiteral("%1: %2").arg(missionFile, s.error().message)});
        // Fold the WAL into the file so the folder can be copied as it is.
        if (Status s =
                mission.value().database().exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
            !s)
            return abandon(s.error());
    }

    if (!QDir().rename(staging, outputDir))
        return abandon(
            Error{QStringLiteral("%1: cannot move the finished demo into place").arg(outputDir)});
    DemoReport report;
    report.missionPath = QDir(outputDir).filePath(demoMissionFileName());
    report.incidents = static_cast<int>(scenario.value().incidents.size());
    report.routes = static_cast<int>(scenario.value().routes.size());
    report.places = static_cast<int>(places.size());
    return report;
}

} // namespace tessera::interop
