// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "interop/AnalysisLayers.h"

#include "geo/GdalEnvironment.h"
#include "geo/ThreadCheck.h"
#include "interop/RegionCounts.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <cmath>
#include <numbers>

namespace tessera::interop {

QList<store::Marking> markingsOf(const QList<store::Incident>& incidents,
                                 const std::vector<int>& used) {
    QSet<QString> seen;
    QList<store::Marking> out;
    for (int k : used) {
        const store::Marking& m = incidents[k].marking;
        if (!seen.contains(m.banner())) {
            seen.insert(m.banner());
            out.append(m);
        }
    }
    return out;
}

namespace {

double endOf(const store::TimeWindow& window) {
    const QDateTime end =
        window.to.isValid() ? window.to : QDateTime::currentDateTimeUtc().addSecs(1);
    return static_cast<double>(end.toSecsSinceEpoch());
}

Result<analysis::Placement> placementOf(const QList<store::Incident>& incidents) {
    std::vector<geo::GeoPoint> points;
    points.reserve(static_cast<std::size_t>(incidents.size()));
    for (const store::Incident& i : incidents)
        points.push_back(i.location);
    return analysis::Placement::around(points);
}

QJsonArray markingsJson(const QList<store::Marking>& markings) {
    QJsonArray out;
    for (const store::Marking& m : markings)
        out.append(QJsonObject{{QStringLiteral("classification"), m.classification},
                               {QStringLiteral("releasability"), m.releasability}});
    return out;
}

/// The GeoJSON layer of `path`, created in WGS 84 with these fields; written to a partial file
/// that finish() renames into place.
class GeoJsonWriter {
public:
    explicit GeoJsonWriter(QString path)
        : path_(std::move(path))
        , partial_(QFileInfo(path_).absoluteDir().filePath(
              QStringLiteral(".%1.partial.geojson").arg(QFileInfo(path_).completeBaseName()))) {}
    ~GeoJsonWriter() {
        if (ds_)
            GDALClose(ds_);
        QFile::remove(partial_);
    }
    GeoJsonWriter(const GeoJsonWriter&) = delete;
    GeoJsonWriter& operator=(const GeoJsonWriter&) = delete;

    Status open(const QList<QPair<QString, OGRFieldType>>& fields) {
        geo::ensureGdalRegistered();
        QDir().mkpath(QFileInfo(path_).absolutePath());
        QFile::remove(partial_);
        GDALDriverH driver = GDALGetDriverByName("GeoJSON");
        if (!driver)
            return Error{QStringLiteral("GDAL has no GeoJSON driver")};
        ds_ = GDALCreate(driver, partial_.toUtf8().constData(), 0, 0, 0, GDT_Unknown, nullptr);
        if (!ds_)
            return Error{
                QStringLiteral("%1: cannot create (%2)").arg(path_, errors_.lastError({}))};
        OGRSpatialReferenceH wgs84 = OSRNewSpatialReference(nullptr);
        OSRImportFromEPSG(wgs84, 4326);
        layer_ = GDALDatasetCreateLayer(ds_, "analysis", wgs84, wkbPolygon, nullptr);
        OSRRelease(wgs84);
        if (!layer_)
            return Error{QStringLiteral("%1: cannot create a layer").arg(path_)};
        for (const auto& [name, type] : fields) {
            OGRFieldDefnH field = OGR_Fld_Create(name.toUtf8().constData(), type);
            OGR_L_CreateField(layer_, field, TRUE);
            OGR_Fld_Destroy(field);
        }
        return success();
    }

    /// A polygon of `ring` (degrees, closed by the writer) with field values in `fields`' order.
    Status add(const std::vector<geo::GeoPoint>& ring, const QVariantList& values) {
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(layer_));
        for (int k = 0; k < values.size(); ++k) {
            const QVariant& v = values[k];
            if (v.typeId() == QMetaType::QString)
                OGR_F_SetFieldString(f, k, v.toString().toUtf8().constData());
            else if (v.typeId() == QMetaType::Double)
                OGR_F_SetFieldDouble(f, k, v.toDouble());
            else
                OGR_F_SetFieldInteger64(f, k, v.toLongLong());
        }
        OGRGeometryH polygon = OGR_G_CreateGeometry(wkbPolygon);
        OGRGeometryH linear = OGR_G_CreateGeometry(wkbLinearRing);
        for (const geo::GeoPoint& p : ring)
            OGR_G_AddPoint_2D(linear, p.lon, p.lat);
        OGR_G_AddPoint_2D(linear, ring.front().lon, ring.front().lat);
        OGR_G_AddGeometryDirectly(polygon, linear);
        OGR_F_SetGeometryDirectly(f, polygon);
        const OGRErr made = OGR_L_CreateFeature(layer_, f);
        OGR_F_Destroy(f);
        if (made != OGRERR_NONE)
            return Error{QStringLiteral("%1: cannot write (%2)").arg(path_, errors_.lastError({}))};
        return success();
    }

    Status finish() {
        GDALClose(ds_);
        ds_ = nullptr;
        if (!errors_.errors().isEmpty())
            return Error{QStringLiteral("%1: %2").arg(path_, errors_.errors().last())};
        QFile::remove(path_);
        if (!QFile::rename(partial_, path_))
            return Error{QStringLiteral("%1: cannot move the layer into place").arg(path_)};
        return success();
    }

private:
    QString path_;
    QString partial_;
    geo::GdalErrorCapture errors_;
    GDALDatasetH ds_ = nullptr;
    OGRLayerH layer_ = nullptr;
};

/// Each pattern's fill, hot in reds and oranges, cold in blues, in the legend's order.
const QList<QPair<QString, QString>>& patternFills() {
    static const QList<QPair<QString, QString>> fills{
        {QStringLiteral("new hot spot"), QStringLiteral("#e0a50026")},
        {QStringLiteral("consecutive hot spot"), QStringLiteral("#e0d73027")},
        {QStringLiteral("intensifying hot spot"), QStringLiteral("#e0f46d43")},
        {QStringLiteral("persistent hot spot"), QStringLiteral("#d0fdae61")},
        {QStringLiteral("diminishing hot spot"), QStringLiteral("#c0fee090")},
        {QStringLiteral("sporadic hot spot"), QStringLiteral("#b0fff3b0")},
        {QStringLiteral("oscillating hot spot"), QStringLiteral("#c0f1b6da")},
        {QStringLiteral("historical hot spot"), QStringLiteral("#a0c2a5cf")},
        {QStringLiteral("new cold spot"), QStringLiteral("#e0313695")},
        {QStringLiteral("consecutive cold spot"), QStringLiteral("#e04575b4")},
        {QStringLiteral("intensifying cold spot"), QStringLiteral("#d074add1")},
        {QStringLiteral("persistent cold spot"), QStringLiteral("#c0abd9e9")},
        {QStringLiteral("diminishing cold spot"), QStringLiteral("#b0e0f3f8")},
        {QStringLiteral("sporadic cold spot"), QStringLiteral("#b0c7eae5")},
        {QStringLiteral("oscillating cold spot"), QStringLiteral("#c080cdc1")},
        {QStringLiteral("historical cold spot"), QStringLiteral("#a0b8b8b8")},
    };
    return fills;
}

QString patternWord(analysis::Pattern p) {
    switch (p) {
    case analysis::Pattern::None:
        return {};
    case analysis::Pattern::New:
        return QStringLiteral("new");
    case analysis::Pattern::Consecutive:
        return QStringLiteral("consecutive");
    case analysis::Pattern::Intensifying:
        return QStringLiteral("intensifying");
    case analysis::Pattern::Persistent:
        return QStringLiteral("persistent");
    case analysis::Pattern::Diminishing:
        return QStringLiteral("diminishing");
    case analysis::Pattern::Sporadic:
        return QStringLiteral("sporadic");
    case analysis::Pattern::Oscillating:
        return QStringLiteral("oscillating");
    case analysis::Pattern::Historical:
        return QStringLiteral("historical");
    }
    return {};
}

} // namespace

QString patternKey(const analysis::LocationPattern& location) {
    const QString word = patternWord(location.pattern);
    if (word.isEmpty())
        return {};
    return word + (location.hot ? QStringLiteral(" hot spot") : QStringLiteral(" cold spot"));
}

QString hotSpotStyle(const QList<store::Marking>& markings) {
    QJsonArray fills;
    for (const auto& [name, colour] : patternFills())
        fills.append(QJsonArray{name, colour});
    return QString::fromUtf8(
        QJsonDocument(QJsonObject{{QStringLiteral("stroke"), QStringLiteral("#60000000")},
                                  {QStringLiteral("width"), 0.5},
                                  {QStringLiteral("role"), QStringLiteral("hot spots")},
                                  {QStringLiteral("classes"),
                                   QJsonObject{{QStringLiteral("field"), QStringLiteral("pattern")},
                                               {QStringLiteral("fills"), fills}}},
                                  {QStringLiteral("markings"), markingsJson(markings)}})
            .toJson(QJsonDocument::Compact));
}

QString riskRingStyle(const QList<store::Marking>& markings) {
    return QString::fromUtf8(
        // Magenta-red with a dark casing: amber vanished on the desert's tan imagery.
        QJsonDocument(QJsonObject{{QStringLiteral("stroke"), QStringLiteral("#ff1f5a")},
                                  {QStringLiteral("width"), 2.5},
                                  {QStringLiteral("casing"), QStringLiteral("#b0000000")},
                                  {QStringLiteral("dash"), QJsonArray{4, 2}},
                                  {QStringLiteral("fill"), QStringLiteral("#26ff1f5a")},
                                  {QStringLiteral("role"), QStringLiteral("near-repeat risk")},
                                  {QStringLiteral("markings"), markingsJson(markings)}})
            .toJson(QJsonDocument::Compact));
}

Result<HotSpotRun> runEmergingHotSpots(const QList<store::Incident>& incidents,
                                       const AnalysisScope& scope, double cellMetres,
                                       double stepDays, int steps,
                                       const analysis::HotSpotParameters& parameters, int threads) {
    Result<analysis::Placement> placement = placementOf(incidents);
    if (!placement)
        return placement.error();
    const analysis::PlacedIncidents placed =
        analysis::placeIncidents(placement.value(), incidents, scope.window, scope.categories);
    analysis::CubeShape shape;
    shape.cellSize = cellMetres;
    shape.stepSeconds = stepDays * 86400.0;
    shape.steps = steps;
    shape.end = endOf(scope.window);
    Result<analysis::SpaceTimeCube> cube = analysis::buildCube(placed.events, shape);
    if (!cube)
        return cube.error();
    Result<analysis::HotSpotResult> result =
        analysis::emergingHotSpots(std::move(cube).value(), parameters, threads);
    if (!result)
        return result.error();
    // Only the incidents inside the cube's span went into it.
    std::vector<int> used;
    const double start = shape.end - shape.stepSeconds * steps;
    for (std::size_t k = 0; k < placed.events.size(); ++k)
        if (placed.events[k].t >= start && placed.events[k].t < shape.end)
            used.push_back(placed.sourceIndex[k]);
    return HotSpotRun{std::move(result).value(), placement.value(), markingsOf(incidents, used)};
}

Status writeHotSpotLayer(const HotSpotRun& run, const QString& path) {
    TESSERA_ASSERT_WORKER_THREAD();
    GeoJsonWriter writer(path);
    if (Status s = writer.open({{QStringLiteral("pattern"), OFTString},
                                {QStringLiteral("incidents"), OFTInteger64},
                                {QStringLiteral("significant_steps"), OFTInteger64},
                                {QStringLiteral("trend_z"), OFTReal},
                                {QStringLiteral("trend_p"), OFTReal}});
        !s)
        return s;
    const double size = run.result.cube.shape.cellSize;
    for (const analysis::LocationPattern& l : run.result.locations) {
        const QString key = patternKey(l);
        if (key.isEmpty())
            continue;
        const double x = l.cell.column * size, y = l.cell.row * size;
        const std::vector<geo::GeoPoint> ring{
            run.placement.toDegrees({x, y}), run.placement.toDegrees({x + size, y}),
            run.placement.toDegrees({x + size, y + size}), run.placement.toDegrees({x, y + size})};
        if (Status s = writer.add(ring, {key, qlonglong(l.incidents), qlonglong(l.significantSteps),
                                         l.trend.z, l.trend.p});
            !s)
            return s;
    }
    return writer.finish();
}

Result<NearRepeatRun> runNearRepeat(const QList<store::Incident>& incidents,
                                    const AnalysisScope& scope, const analysis::KnoxBands& bands) {
    Result<analysis::Placement> placement = placementOf(incidents);
    if (!placement)
        return placement.error();
    const analysis::PlacedIncidents placed =
        analysis::placeIncidents(placement.value(), incidents, scope.window, scope.categories);
    Result<analysis::KnoxResult> table = analysis::knoxTest(placed.events, bands);
    if (!table)
        return table.error();
    std::vector<analysis::RiskRing> rings =
        analysis::riskRings(table.value(), placed.events, endOf(scope.window));
    return NearRepeatRun{std::move(table).value(), std::move(rings), placement.value(),
                         markingsOf(incidents, placed.sourceIndex)};
}

Status writeRiskRingLayer(const NearRepeatRun& run, const QString& path) {
    TESSERA_ASSERT_WORKER_THREAD();
    GeoJsonWriter writer(path);
    if (Status s = writer.open(
            {{QStringLiteral("until"), OFTString}, {QStringLiteral("radius_m"), OFTReal}});
        !s)
        return s;
    for (const analysis::RiskRing& r : run.rings) {
        std::vector<geo::GeoPoint> ring;
        for (int k = 0; k < 48; ++k) {
            const double a = 2 * std::numbers::pi * k / 48;
            ring.push_back(run.placement.toDegrees(
                {r.x + r.radius * std::cos(a), r.y + r.radius * std::sin(a)}));
        }
        const QString until = QDateTime::fromSecsSinceEpoch(static_cast<qint64>(r.until), Qt::UTC)
                                  .toString(Qt::ISODate);
        if (Status s = writer.add(ring, {until, r.radius}); !s)
            return s;
    }
    return writer.finish();
}

Result<std::vector<analysis::Assessment>> runUnusualActivity(const store::MissionSnapshot& mission,
                                                             const QDateTime& end,
                                                             double periodDays,
                                                             int baselinePeriods) {
    const std::optional<store::LayerSpec> layer = regionLayer(mission);
    if (!layer)
        return Error{QStringLiteral("The mission has no layer of first-level regions: add one "
                                    "(a vector layer whose style says \"role\": \"regions\").")};
    if (baselinePeriods < 2)
        return Error{QStringLiteral("The baseline needs at least two periods.")};
    const double periodSeconds = periodDays * 86400.0;
    const double endSeconds = static_cast<double>(end.toSecsSinceEpoch());
    const double start = endSeconds - periodSeconds * (baselinePeriods + 1);
    std::vector<geo::GeoPoint> points;
    std::vector<const store::Incident*> counted;
    for (const store::Incident& i : mission.incidents) {
        const double t = static_cast<double>(i.observedAt.toSecsSinceEpoch());
        if (i.observedAt.isValid() && t >= start && t < endSeconds) {
            points.push_back(i.location);
            counted.push_back(&i);
        }
    }
    Result<std::vector<QString>> regions =
        regionsOf(mission.resolveSource(*layer), layer->sourceLayer, points);
    if (!regions)
        return regions.error();
    std::vector<analysis::Tally> tallies;
    for (std::size_t k = 0; k < counted.size(); ++k)
        if (!regions.value()[k].isEmpty())
            tallies.push_back({regions.value()[k], counted[k]->category,
                               static_cast<double>(counted[k]->observedAt.toSecsSinceEpoch())});
    const std::vector<analysis::CountSeries> series =
        analysis::countSeries(tallies, endSeconds, periodSeconds, baselinePeriods);
    return analysis::unusualActivity(series);
}

Result<qint64> putAnalysisLayer(store::MissionStore& mission, store::LayerSpec layer) {
    Result<QList<store::LayerSpec>> layers = mission.layers();
    if (!layers)
        return layers.error();
    QList<store::LayerSpec> stack = layers.value();
    for (store::LayerSpec& existing : stack)
        if (existing.name == layer.name) {
            layer.id = existing.id;
            layer.stackOrder = existing.stackOrder;
            existing = layer;
            if (Status s = mission.saveLayerStack(stack); !s)
                return s.error();
            return layer.id;
        }
    // On top of the stack: a result is read over the imagery and the reference layers.
    for (const store::LayerSpec& existing : stack)
        layer.stackOrder = std::max(layer.stackOrder, existing.stackOrder + 1);
    return mission.addLayer(layer);
}

QString analysisLayerFile(const QString& missionPath, const QString& fileName) {
    const QFileInfo info(missionPath);
    return QDir(info.absoluteDir().filePath(info.fileName() + QStringLiteral(".analysis")))
        .filePath(fileName);
}

Result<store::LayerSpec> storeAnalysisLayer(const QString& missionPath, const QString& name,
                                            const QString& file, const QString& style) {
    auto mission = store::MissionStore::open(missionPath, store::MissionStore::Access::ReadWrite);
    if (!mission)
        return mission.error();
    store::LayerSpec spec;
    spec.name = name;
    spec.kind = store::LayerKind::Vector;
    spec.source = QFileInfo(missionPath).absoluteDir().relativeFilePath(file);
    spec.style = style;
    Result<qint64> id = putAnalysisLayer(mission.value(), spec);
    if (!id)
        return id.error();
    auto layers = mission.value().layers();
    if (!layers)
        return layers.error();
    for (const store::LayerSpec& stored : layers.value())
        if (stored.id == id.value())
            return stored;
    return Error{QStringLiteral("%1: the layer \"%2\" was not kept").arg(missionPath, name)};
}

} // namespace tessera::interop
