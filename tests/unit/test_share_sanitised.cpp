// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Sanitised versions (docs/sharing.md, "Sanitised versions"), attacked as a recipient would: it
// reads every byte of what it was given for a trace of a withheld field or of the fine position.
#include "ShareTestSupport.h"
#include "TestSupport.h"
#include "geo/Geodesy.h"
#include "interop/MissionExport.h"
#include "interop/RegionCounts.h"
#include "share/Bundle.h"
#include "share/ReleasePolicy.h"
#include "store/MissionStore.h"
#include "store/ReleasedVersion.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

#include <cstring>

using namespace tessera;
using namespace tessera::store;

namespace {

/// Two regions side by side, as a mission's region layer would hold them; `shift` moves the
/// border between them (degrees east).
void writeRegions(const QString& file, double shift = 0) {
    QFile f(file);
    REQUIRE(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    const QByteArray border = QByteArray::number(0.5 + shift);
    f.write(R"({"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"Gao"},"geometry":{"type":"Polygon",
  "coordinates":[[[-1,15],[)" +
            border + R"(,15],[)" + border + R"(,17],[-1,17],[-1,15]]]}},
 {"type":"Feature","properties":{"name":"Menaka"},"geometry":{"type":"Polygon",
  "coordinates":[[[)" +
            border + R"(,15],[2,15],[2,17],[)" + border + R"(,17],[)" + border + R"(,15]]]}}]})");
}

const Marking kSanitisable{
    QStringLiteral("CONFIDENTIAL"),
    QStringLiteral("REL TO FRA // SANITISED UNCLASSIFIED REL TO UN: GRID 10 KM, WITHHOLD "
                   "NARRATIVE, WITHHOLD SOURCE, WITHHOLD TITLE")};
const Marking kToRegion{QStringLiteral("CONFIDENTIAL"),
                        QStringLiteral("REL TO FRA // SANITISED UNCLASSIFIED REL TO UN: REGION, "
                                       "WITHHOLD SOURCE")};

share::StationProfile peer(const char* organisation, QStringList communities = {}) {
    share::StationProfile p;
    p.stationName = QString::fromLatin1(organisation) + QStringLiteral(" STATION");
    p.organisation = QString::fromLatin1(organisation);
    p.communities = std::move(communities);
    p.clearance = Classification::Secret;
    return p;
}

SanitisedRelease releaseOf(const Marking& m) {
    Result<ParsedMarking> parsed = parseMarking(m);
    REQUIRE(parsed.ok());
    REQUIRE(parsed.value().sanitised.has_value());
    return *parsed.value().sanitised;
}

/// The bytes of a double as a file holding it in binary (GeoPackage's geometry) would.
QByteArray rawDouble(double value) {
    QByteArray bytes(sizeof value, '\0');
    std::memcpy(bytes.data(), &value, sizeof value);
    return bytes;
}

Incident secretIncident(int k, geo::GeoPoint at, const Marking& marking) {
    Incident i;
    i.title = QStringLiteral("Ambush at Tin-Hama well %1").arg(k);
    i.category = QStringLiteral("armed_clash");
    i.severity = Severity::High;
    i.observedAt = QDateTime(QDate(2026, 11, 20), QTime(7, 40), Qt::UTC).addSecs(60 * k);
    i.location = at;
    i.source = QStringLiteral("HUMINT KESTREL-%1").arg(k);
    i.reliability = QStringLiteral("B");
    i.credibility = 2;
    i.narrative = QStringLiteral("Informant NIGHTJAR reports fighters at the well %1").arg(k);
    i.marking = marking;
    return i;
}

} // namespace

TEST_CASE("A sanitised version holds nothing of what it withholds",
          "[share][sanitised][adversary]") {
    const SanitisedRelease release = releaseOf(kSanitisable);
    // Incidents scattered over one 10 km square: their versions must be indistinguishable.
    const geo::GeoPoint base{-0.0432117, 16.2718433};
    const std::optional<geo::geodesy::GridSquare> square = geo::geodesy::mgrsSquare(base, 10);
    REQUIRE(square.has_value());
    QRandomGenerator random(23);
    int inSquare = 0;
    for (int k = 0; k < 2000; ++k) {
        const geo::GeoPoint p{base.lon + (random.generateDouble() - 0.5) * 0.2,
                              base.lat + (random.generateDouble() - 0.5) * 0.2};
        Incident i = secretIncident(k, p, kSanitisable);
        i.area = {{p.lon - 0.001, p.lat - 0.001}, {p.lon + 0.001, p.lat - 0.001}, p};
        const std::optional<Incident> v = sanitisedIncident(i, release);
        REQUIRE(v.has_value());
        CHECK(v->area.isEmpty());
        CHECK(v->narrative.isEmpty());
        CHECK(v->source.isEmpty());
        CHECK(v->reliability == QLatin1String("F")); // cannot be judged
        CHECK(v->credibility == 6);
        CHECK(v->title == i.category + QStringLiteral(" (title withheld)"));
        CHECK(v->marking.classification == QLatin1String("UNCLASSIFIED"));
        CHECK(v->marking.releasability == QLatin1String("REL TO UN"));
        CHECK(v->observedAt == i.observedAt); // what it keeps, it keeps exactly
        CHECK(v->severity == i.severity);
        const auto own = geo::geodesy::mgrsSquare(p, 10);
        REQUIRE(own.has_value());
        if (own->reference == square->reference) {
            ++inSquare;
            // Bit for bit the square's centre, wherever in it the incident was.
            CHECK(v->location == square->centre);
        } else {
            CHECK(v->location == own->centre);
            CHECK_FALSE(v->location == square->centre);
        }
        // The centre is at most half a square's diagonal from the truth: coarse, not wrong.
        CHECK(geo::geodesy::inverse(p, v->location).distanceMetres < 7100);
    }
    CHECK(inSquare > 100);
    CHECK(inSquare < 2000);

    SECTION("a region release without the regions withholds the record") {
        CHECK_FALSE(sanitisedIncident(secretIncident(1, base, kToRegion), releaseOf(kToRegion))
                        .has_value());
    }
    SECTION("without a position rule the position stays, with its outline") {
        Incident i = secretIncident(1, base, kSanitisable);
        i.area = {{0, 0}, {1, 0}, {1, 1}};
        SanitisedRelease fieldsOnly = release;
        fieldsOnly.gridKm = 0;
        const std::optional<Incident> v = sanitisedIncident(i, fieldsOnly);
        REQUIRE(v.has_value());
        CHECK(v->location == base);
        CHECK(v->area == i.area);
        CHECK(v->narrative.isEmpty());
    }
}

TEST_CASE("An export for a recipient carries sanitised versions and no trace of the rest",
          "[share][sanitised][adversary][export]") {
    QTemporaryDir dir;
    MissionInfo info;
    info.name = QStringLiteral("sanitised");
    info.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
    Result<MissionStore> created =
        MissionStore::create(dir.filePath(QStringLiteral("m.tessera")), info);
    REQUIRE(created.ok());
    MissionStore& m = created.value();

    const QString regionsFile = dir.filePath(QStringLiteral("regions.geojson"));
    writeRegions(regionsFile);

    const geo::GeoPoint fine{-0.0432117, 16.2718433};
    Incident grid = secretIncident(1, fine, kSanitisable);
    grid.area = {{-0.0511234, 16.2655671}, {-0.0398765, 16.2655671}, {-0.0398765, 16.2799871}};
    REQUIRE(m.addIncident(grid).ok());
    const geo::GeoPoint fine2{1.2345678, 15.6543219};
    Incident region = secretIncident(2, fine2, kToRegion);
    // Its release withholds the source only: the title and narrative go, and say nothing secret.
    region.title = QStringLiteral("Checkpoint closed");
    region.narrative = QStringLiteral("The road is closed at the checkpoint.");
    REQUIRE(m.addIncident(region).ok());
    Incident withheld = secretIncident(3, {-0.5123456, 16.1234567},
                                       {QStringLiteral("SECRET"), QStringLiteral("REL TO FRA")});
    REQUIRE(m.addIncident(withheld).ok());
    IncidentNote note;
    note.author = QStringLiteral("analyst");
    note.text = QStringLiteral("Note: OSPREY confirms");
    note.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
    REQUIRE(m.addNote(grid.uuid, note).ok());

    Result<RegionLocator> regions = interop::regionLocator(regionsFile, {});
    REQUIRE(regions.ok());
    const auto gao = regions.value()(fine);
    const auto menaka = regions.value()(fine2);
    REQUIRE(gao.has_value());
    REQUIRE(menaka.has_value());
    CHECK(menaka->name == QLatin1String("Menaka"));

    interop::RecordExportOptions options;
    options.releasable = share::ReleasePolicy::filterFor(peer("SEN", {QStringLiteral("UN")}));
    options.regions = regions.value();

    const QStringList secrets{
        QStringLiteral("Tin-Hama"),   QStringLiteral("KESTREL"),   QStringLiteral("NIGHTJAR"),
        QStringLiteral("OSPREY"),     QStringLiteral("0.0432117"), QStringLiteral("16.2718433"),
        QStringLiteral("0.0511234"),  QStringLiteral("16.27998"),  QStringLiteral("1.2345678"),
        QStringLiteral("15.6543219"), QStringLiteral("0.5123456"), QStringLiteral("CONFIDENTIAL"),
        QStringLiteral("REL TO FRA")};
    const geo::GeoPoint centre = geo::geodesy::mgrsSquare(fine, 10)->centre;
    for (const char* name : {"for.geojson", "for.gpkg", "for.kml", "for.gpx"}) {
        INFO(name);
        const QString file = dir.filePath(QString::fromLatin1(name));
        Result<interop::RecordExportReport> r = interop::exportRecords(m, file, options);
        REQUIRE(r.ok());
        CHECK(r.value().written.incidents == 2);
        CHECK(r.value().sanitised == 2);
        CHECK(r.value().withheld.incidents == 1);
        QFile f(file);
        REQUIRE(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        for (const QString& secret : secrets) {
            INFO(secret.toStdString());
            CHECK_FALSE(bytes.contains(secret.toUtf8()));
        }
        for (double v : {fine.lon, fine.lat, fine2.lon, fine2.lat, grid.area[0].lon})
            CHECK_FALSE(bytes.contains(rawDouble(v)));
        CHECK(bytes.contains("SANITISED: GRID 10 KM"));
        CHECK(bytes.contains("REGION (Menaka)"));
    }
    // The GeoJSON read as the recipient's tools would: each version where the release puts it.
    QFile f(dir.filePath(QStringLiteral("for.geojson")));
    REQUIRE(f.open(QIODevice::ReadOnly));
    const QJsonArray features =
        QJsonDocument::fromJson(f.readAll()).object()[QLatin1String("features")].toArray();
    REQUIRE(features.size() == 2);
    for (const QJsonValue& v : features) {
        const QJsonObject props = v.toObject()[QLatin1String("properties")].toObject();
        const QJsonArray xy = v.toObject()[QLatin1String("geometry")]
                                  .toObject()[QLatin1String("coordinates")]
                                  .toArray();
        CHECK(props[QLatin1String("classification")].toString() == QLatin1String("UNCLASSIFIED"));
        CHECK(props[QLatin1String("releasability")].toString() == QLatin1String("REL TO UN"));
        CHECK_FALSE(
            props[QLatin1String("narrative")].toString().contains(QStringLiteral("NIGHTJAR")));
        const geo::GeoPoint expected =
            props[QLatin1String("sanitised")].toString().contains(QStringLiteral("GRID"))
                ? centre
                : menaka->centre;
        CHECK(xy[0].toDouble() == Approx(expected.lon).margin(1e-7));
        CHECK(xy[1].toDouble() == Approx(expected.lat).margin(1e-7));
    }

    SECTION("control: the originator's own nation has the records in full") {
        options.releasable = share::ReleasePolicy::filterFor(peer("FRA"));
        const QString file = dir.filePath(QStringLiteral("fra.geojson"));
        Result<interop::RecordExportReport> r = interop::exportRecords(m, file, options);
        REQUIRE(r.ok());
        CHECK(r.value().written.incidents == 3);
        CHECK(r.value().sanitised == 0);
        QFile full(file);
        REQUIRE(full.open(QIODevice::ReadOnly));
        const QByteArray bytes = full.readAll();
        CHECK(bytes.contains("KESTREL"));
        CHECK(bytes.contains("NIGHTJAR"));
    }
    SECTION("without the regions, the release to the region withholds its record") {
        options.regions = {};
        Result<interop::RecordExportReport> r =
            interop::exportRecords(m, dir.filePath(QStringLiteral("noregions.geojson")), options);
        REQUIRE(r.ok());
        CHECK(r.value().written.incidents == 1);
        CHECK(r.value().withheld.incidents == 2);
    }
}

TEST_CASE("A version coarsened to its region travels in a bundle, signed, and is signed again "
          "when its region changes",
          "[share][sanitised][bundle]") {
    QTemporaryDir dir;
    Result<share::Identity> alpha = share::Identity::create(
        {QStringLiteral("ALPHA"), QStringLiteral("FRA"), {}, Classification::Secret, {}});
    Result<share::Identity> bravo = share::Identity::create({QStringLiteral("BRAVO"),
                                                             QStringLiteral("SEN"),
                                                             {QStringLiteral("UN")},
                                                             Classification::Secret,
                                                             {}});
    REQUIRE(alpha.ok());
    REQUIRE(bravo.ok());
    const share::ContactBook bravoBook = test::bookWith({&alpha.value()});
    const auto missionAt = [&](const QString& name) {
        MissionInfo info;
        info.id = test::kSharedMissionId;
        info.name = name;
        info.marking = {QStringLiteral("UNCLASSIFIED"), QString()};
        Result<MissionStore> m =
            MissionStore::create(dir.filePath(name + QStringLiteral(".tessera")), info);
        REQUIRE(m.ok());
        return std::move(m).value();
    };
    MissionStore a = missionAt(QStringLiteral("alpha"));
    writeRegions(dir.filePath(QStringLiteral("regions.geojson")));
    LayerSpec regions;
    regions.name = QStringLiteral("Regions");
    regions.kind = LayerKind::Vector;
    regions.source = QStringLiteral("regions.geojson");
    regions.style = QStringLiteral(R"({"role": "regions"})");
    REQUIRE(a.addLayer(regions).ok());
    const geo::GeoPoint fine{0.6123457, 15.7654321}; // in Menaka, 0.11 degrees from the border
    Incident i = secretIncident(7, fine, kToRegion);
    i.title = QStringLiteral("Checkpoint closed");
    i.narrative = QStringLiteral("The road is closed.");
    REQUIRE(a.addIncident(i).ok());
    share::ExportOptions everything;
    everything.sinceLastReceived = false;

    SECTION("without a region provider the version is withheld") {
        share::setRegionProvider({});
        Result<share::ExportReport> out = exportBundle(a, alpha.value(), {bravo.value().card()});
        REQUIRE(out.ok());
        CHECK(out.value().records == 0);
        CHECK(out.value().withheld == 1);
    }
    SECTION("with the mission's regions it goes, and stays valid when the regions change") {
        share::setRegionProvider(interop::regionsOfMission);
        Result<share::ExportReport> out = exportBundle(a, alpha.value(), {bravo.value().card()});
        REQUIRE(out.ok());
        CHECK(out.value().records == 1);
        MissionStore b = missionAt(QStringLiteral("bravo"));
        Result<share::ImportReport> in =
            share::importBundle(b, out.value().bytes, bravo.value(), bravoBook);
        REQUIRE(in.ok());
        QList<Incident> held = b.incidents().value();
        REQUIRE(held.size() == 1);
        const auto menaka =
            interop::regionLocator(dir.filePath(QStringLiteral("regions.geojson")), {})
                .value()(fine);
        REQUIRE(menaka.has_value());
        CHECK(held.first().location == menaka->centre);
        CHECK(held.first().source.isEmpty());
        CHECK(held.first().marking.banner() == QLatin1String("UNCLASSIFIED // REL TO UN"));

        // The border moves: the same record's version now lies elsewhere. Sent again, it must
        // carry a signature over what it now says, or every receiver refuses the bundle.
        writeRegions(dir.filePath(QStringLiteral("regions.geojson")), 0.2);
        Result<share::ExportReport> again =
            exportBundle(a, alpha.value(), {bravo.value().card()}, everything);
        REQUIRE(again.ok());
        REQUIRE(again.value().records == 1);
        MissionStore c = missionAt(QStringLiteral("charlie"));
        Result<share::ImportReport> fresh =
            share::importBundle(c, again.value().bytes, bravo.value(), bravoBook);
        INFO((fresh ? QString() : fresh.error().message).toStdString());
        REQUIRE(fresh.ok());
        held = c.incidents().value();
        REQUIRE(held.size() == 1);
        CHECK(held.first().location != menaka->centre); // now in Gao
        share::setRegionProvider({});
    }
}
