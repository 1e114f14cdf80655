// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// TAK data packages: a package as ATAK sends it (manifest, CoT files, an attached photo, a KML and
// a KMZ overlay), the variations real packages show, the round trip Tessera -> package ->
// Tessera, and every unsafe or broken archive refused with its reason and nothing imported.
#include "TestSupport.h"
#include "interop/CursorOnTarget.h"
#include "interop/TakPackage.h"
#include "store/MissionStore.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>

#include <catch2/catch.hpp>
#include <cpl_conv.h>

using namespace tessera;
using namespace tessera::interop;
using Catch::Matchers::Contains;

namespace {

using Entries = QList<std::pair<QString, QByteArray>>;

/// A zip written by GDAL's writer, entry names as given (unsafe ones included, on purpose).
void writeZip(const QString& path, const Entries& entries) {
    void* zip = CPLCreateZip(path.toUtf8().constData(), nullptr);
    REQUIRE(zip != nullptr);
    for (const auto& [name, bytes] : entries) {
        REQUIRE(CPLCreateFileInZip(zip, name.toUtf8().constData(), nullptr) == CE_None);
        if (!bytes.isEmpty())
            REQUIRE(CPLWriteFileInZip(zip, bytes.constData(), static_cast<int>(bytes.size())) ==
                    CE_None);
        REQUIRE(CPLCloseFileInZip(zip) == CE_None);
    }
    REQUIRE(CPLCloseZip(zip) == CE_None);
}

store::MissionStore newMission(const QTemporaryDir& dir, const QString& name) {
    store::MissionInfo info;
    info.name = QStringLiteral("TAK packages");
    info.marking = {QStringLiteral("UNCLASSIFIED"), {}};
    Result<store::MissionStore> m = store::MissionStore::create(dir.filePath(name), info);
    REQUIRE(m.ok());
    return std::move(m).value();
}

const QByteArray kHostile =
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    "<event version='2.0' uid='ANDROID-3f2a9c.spot-12' type='a-h-G-U-C' how='h-g-i-g-o' "
    "time='2026-11-20T10:00:00.000Z' start='2026-11-20T10:00:00.000Z' "
    "stale='2026-11-21T10:00:00.000Z' access='UNCLASSIFIED' releaseableTo='UN'>"
    "<point lat='16.25' lon='-0.03' hae='261.5' ce='15.0' le='9999999.0'/>"
    "<detail><contact callsign='Armed group at the ford'/><remarks>Two pickups, heading "
    "north.</remarks></detail></event>";

/// A manifest as ATAK writes it, but without a prolog and with parameters in varying order.
QByteArray atakManifest() {
    return "<MissionPackageManifest version=\"2\">\n"
           "  <Configuration>\n"
           "    <Parameter name=\"uid\" value=\"9c1f2e3d-0000-4000-8000-00000000aa01\"/>\n"
           "    <Parameter name=\"name\" value=\"BRAVO 2 sitrep 20 Nov\"/>\n"
           "    <Parameter name=\"onReceiveDelete\" value=\"true\"/>\n"
           "  </Configuration>\n"
           "  <Contents>\n"
           "    <Content ignore=\"false\" zipEntry=\"spot-12/spot-12.cot\">\n"
           "      <Parameter name=\"uid\" value=\"ANDROID-3f2a9c.spot-12\"/>\n"
           "    </Content>\n"
           "    <Content ignore=\"false\" zipEntry=\"route/atak-route.cot\">\n"
           "      <Parameter name=\"uid\" value=\"4d3c2b1a-aaaa-4bbb-8ccc-0123456789ab\"/>\n"
           "    </Content>\n"
           "    <Content ignore=\"false\" zipEntry=\"shapes/atak-shapes.cot\"/>\n"
           "    <Content ignore=\"false\" zipEntry=\"spot-12/ford.jpg\">\n"
           "      <Parameter name=\"contentType\" value=\"image/jpeg\"/>\n"
           "      <Parameter name=\"uid\" value=\"ANDROID-3f2a9c.spot-12\"/>\n"
           "      <Parameter name=\"name\" value=\"ford.jpg\"/>\n"
           "    </Content>\n"
           "    <Content ignore=\"false\" zipEntry=\"overlays/incidents.kml\"/>\n"
           "    <Content ignore=\"false\" zipEntry=\"overlays/checkpoints.kmz\"/>\n"
           "    <Content ignore=\"true\" zipEntry=\"prefs/atak.pref\"/>\n"
           "  </Contents>\n"
           "</MissionPackageManifest>\n";
}

QByteArray kmzOf(const QTemporaryDir& dir, const QByteArray& kml) {
    const QString path = dir.filePath(QStringLiteral("inner.kmz"));
    writeZip(path, {{QStringLiteral("doc.kml"), kml}});
    return test::readAll(path);
}

Entries atakPackage(const QTemporaryDir& dir) {
    const QByteArray kml = test::readAll(test::dataFile(QStringLiteral("store/incidents.kml")));
    return {{QStringLiteral("MANIFEST/manifest.xml"), atakManifest()},
            {QStringLiteral("spot-12/spot-12.cot"), kHostile},
            {QStringLiteral("route/atak-route.cot"),
             test::readAll(test::dataFile(QStringLiteral("cot/atak-route.cot")))},
            {QStringLiteral("shapes/atak-shapes.cot"),
             test::readAll(test::dataFile(QStringLiteral("cot/atak-shapes.cot")))},
            {QStringLiteral("spot-12/ford.jpg"),
             test::readAll(test::sourceFile(QStringLiteral("bluemarble.jpg")))},
            {QStringLiteral("overlays/incidents.kml"), kml},
            {QStringLiteral("overlays/checkpoints.kmz"), kmzOf(dir, kml)},
            {QStringLiteral("prefs/atak.pref"), "<preferences/>"}};
}

/// What a refused import must leave: no records, no layers, no overlay files.
void checkUntouched(store::MissionStore& m, const QTemporaryDir& dir) {
    CHECK(m.incidents().value().isEmpty());
    CHECK(m.routes().value().isEmpty());
    CHECK(m.annotations().value().isEmpty());
    CHECK(m.layers().value().isEmpty());
    const QDir packages(dir.filePath(QStringLiteral("packages")));
    CHECK(packages.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty());
}

std::string text(const QString& s) {
    return s.toStdString();
}

/// Equal bytes, as a bool: Catch would print half a megabyte of photo on a failure otherwise.
bool sameBytes(const QByteArray& a, const QByteArray& b) {
    return a == b;
}

} // namespace

TEST_CASE("TAK package: a package as ATAK sends it is taken in whole", "[tak]") {
    QTemporaryDir dir;
    const QString zip = dir.filePath(QStringLiteral("sitrep.zip"));
    writeZip(zip, atakPackage(dir));
    store::MissionStore m = newMission(dir, QStringLiteral("m.tessera"));
    Result<TakImportReport> report = importTakPackage(m, zip);
    REQUIRE(report.ok());
    const TakImportReport& r = report.value();
    CHECK(r.package == QStringLiteral("BRAVO 2 sitrep 20 Nov"));
    CHECK(r.incidents == 1);
    CHECK(r.routes == 1);
    CHECK(r.annotations == 5);
    CHECK(r.attachments == 1);
    CHECK(r.skipped ==
          QStringList{QStringLiteral("prefs/atak.pref: marked ignore in the manifest")});

    const QString uuid = recordUuidForUid(QStringLiteral("ANDROID-3f2a9c.spot-12"));
    Result<store::Incident> incident = m.incident(uuid);
    REQUIRE(incident.ok());
    CHECK(incident.value().title == QStringLiteral("Armed group at the ford"));
    const QList<store::Attachment> files = m.attachments(uuid).value();
    REQUIRE(files.size() == 1);
    CHECK(files[0].name == QStringLiteral("ford.jpg"));
    CHECK(files[0].mediaType == QStringLiteral("image/jpeg"));
    CHECK(files[0].marking.releasability == QStringLiteral("REL TO UN")); // the incident's
    const QByteArray photo = test::readAll(test::sourceFile(QStringLiteral("bluemarble.jpg")));
    CHECK(sameBytes(m.attachmentData(files[0]).value(), photo));

    // Both overlays as map layers, their files under the mission's folder.
    const QList<store::LayerSpec> layers = m.layers().value();
    REQUIRE(layers.size() == 2);
    for (const store::LayerSpec& layer : layers) {
        CHECK(layer.kind == store::LayerKind::Vector);
        CHECK(layer.source.startsWith(QStringLiteral("packages/BRAVO 2 sitrep 20 Nov/")));
        CHECK(QFileInfo::exists(dir.filePath(layer.source)));
        CHECK(layer.name.startsWith(QStringLiteral("BRAVO 2 sitrep 20 Nov: ")));
    }
    CHECK(layers[0].stackOrder != layers[1].stackOrder);

    // The same package again: the same records are updated, the overlays go to a new folder.
    REQUIRE(importTakPackage(m, zip).ok());
    CHECK(m.incidents().value().size() == 1);
    CHECK(m.routes().value().size() == 1);
    CHECK(m.annotations().value().size() == 5);
    CHECK(m.layers().value().size() == 4);
    CHECK(QFileInfo::exists(dir.filePath(QStringLiteral("packages/BRAVO 2 sitrep 20 Nov (2)"))));
}

TEST_CASE("TAK package: without a manifest every CoT file is content", "[tak]") {
    QTemporaryDir dir;
    const QString zip = dir.filePath(QStringLiteral("bare.zip"));
    writeZip(zip, {{QStringLiteral("a/spot.cot"), kHostile},
                   {QStringLiteral("b/route.xml"),
                    test::readAll(test::dataFile(QStringLiteral("cot/atak-route.cot")))},
                   {QStringLiteral("readme.txt"), "from the field"}});
    store::MissionStore m = newMission(dir, QStringLiteral("m.tessera"));
    Result<TakImportReport> report = importTakPackage(m, zip);
    REQUIRE(report.ok());
    CHECK(report.value().package == QStringLiteral("bare"));
    CHECK(report.value().incidents == 1);
    CHECK(report.value().routes == 1);
    REQUIRE(report.value().skipped.size() == 1);
    CHECK_THAT(text(report.value().skipped[0]), Contains("readme.txt"));
}

TEST_CASE("TAK package: Tessera to package to Tessera keeps records and attachments", "[tak]") {
    QTemporaryDir dir;
    store::MissionStore source = newMission(dir, QStringLiteral("a.tessera"));
    store::Incident open;
    open.title = QStringLiteral("Market reopened");
    open.category = QStringLiteral("civil_unrest");
    open.severity = store::Severity::Low;
    open.observedAt = QDateTime(QDate(2026, 11, 21), QTime(9, 0), Qt::UTC);
    open.location = {-0.04, 16.27};
    open.source = QStringLiteral("CIMIC team");
    open.reliability = QStringLiteral("B");
    open.credibility = 2;
    open.narrative = QStringLiteral("Stalls open, no incidents.");
    open.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
    REQUIRE(source.addIncident(open).ok());
    store::Incident closed = open;
    closed.uuid.clear();
    closed.title = QStringLiteral("Informant report");
    closed.marking = {QStringLiteral("SECRET"), QStringLiteral("REL TO FRA")};
    REQUIRE(source.addIncident(closed).ok());
    const QByteArray photo = test::readAll(test::sourceFile(QStringLiteral("bluemarble.jpg")));
    REQUIRE(source
                .attach(open.uuid, QStringLiteral("market 1.jpg"), photo,
                        QStringLiteral("image/jpeg"), open.marking)
                .ok());
    REQUIRE(source
                .attach(open.uuid, QStringLiteral("names.txt"), "source names",
                        QStringLiteral("text/plain"),
                        {QStringLiteral("SECRET"), QStringLiteral("REL TO FRA")})
                .ok());
    store::Annotation area;
    area.kind = store::AnnotationKind::Area;
    area.geometry = {{0.0, 16.2}, {0.2, 16.2}, {0.2, 16.0}};
    area.text = QStringLiteral("Market district");
    area.author = QStringLiteral("G2");
    area.writtenAt = QDateTime(QDate(2026, 11, 21), QTime(9, 5), Qt::UTC);
    area.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
    REQUIRE(source.addAnnotation(area).ok());

    const auto unOnly = [](const store::Marking& mk) {
        return mk.classification == QLatin1String("UNCLASSIFIED");
    };
    const QString zip = dir.filePath(QStringLiteral("out.zip"));
    qint64 withheld = -1;
    Result<qint64> written =
        exportTakPackage(source, zip, QStringLiteral("For UN partners"), unOnly, &withheld);
    REQUIRE(written.ok());
    CHECK(written.value() == 2); // the open incident and the area
    CHECK(withheld == 1);

    store::MissionStore copy = newMission(dir, QStringLiteral("b.tessera"));
    Result<TakImportReport> report = importTakPackage(copy, zip);
    REQUIRE(report.ok());
    CHECK(report.value().package == QStringLiteral("For UN partners"));
    CHECK(report.value().attachments == 1); // the secret file stayed home
    const QList<store::Incident> incidents = copy.incidents().value();
    REQUIRE(incidents.size() == 1);
    const store::Incident& i = incidents.first();
    CHECK(i.uuid == open.uuid);
    CHECK(i.title == open.title);
    CHECK(i.category == open.category);
    CHECK(i.severity == open.severity);
    CHECK(i.observedAt == open.observedAt);
    CHECK(i.source == open.source);
    CHECK(i.reliability == open.reliability);
    CHECK(i.credibility == open.credibility);
    CHECK(i.narrative == open.narrative);
    CHECK(i.marking == open.marking);
    const QList<store::Attachment> files = copy.attachments(open.uuid).value();
    REQUIRE(files.size() == 1);
    CHECK(files[0].name == QStringLiteral("market 1.jpg"));
    CHECK(sameBytes(copy.attachmentData(files[0]).value(), photo));
    const QList<store::Annotation> annotations = copy.annotations().value();
    REQUIRE(annotations.size() == 1);
    CHECK(annotations[0].text == area.text);
    CHECK(annotations[0].geometry.size() == 3);
}

TEST_CASE("TAK package: unsafe or broken archives are refused with nothing imported",
          "[tak][bad-input]") {
    QTemporaryDir dir;
    store::MissionStore m = newMission(dir, QStringLiteral("m.tessera"));
    const QString zip = dir.filePath(QStringLiteral("bad.zip"));
    const QByteArray laughs =
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 "
        "\"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>";

    struct Case {
        const char* what;
        Entries entries;
        const char* reason;
    };
    const QList<Case> cases{
        {"path traversal",
         {{QStringLiteral("a/spot.cot"), kHostile}, {QStringLiteral("../../evil.cot"), kHostile}},
         "path traversal"},
        {"an absolute path", {{QStringLiteral("/etc/evil.cot"), kHostile}}, "an absolute path"},
        {"a Windows path", {{QStringLiteral("C:\\evil.cot"), kHostile}}, "refused"},
        {"a zip bomb",
         {{QStringLiteral("a/spot.cot"), kHostile},
          {QStringLiteral("filler.bin"), QByteArray(40 * 1024 * 1024, '\0')}},
         "a zip bomb"},
        {"a billion-laughs manifest",
         {{QStringLiteral("MANIFEST/manifest.xml"), laughs + "<MissionPackageManifest/>"}},
         "the manifest has a DTD"},
        {"a billion-laughs CoT file",
         {{QStringLiteral("a/spot.cot"), laughs + "<event>&lol2;</event>"}},
         "a/spot.cot: the CoT input has a DTD"},
        {"a billion-laughs KML overlay",
         {{QStringLiteral("a/spot.cot"), kHostile},
          {QStringLiteral("o/evil.kml"), laughs + "<kml>&lol2;</kml>"}},
         "has a DTD"},
        {"a billion-laughs KML inside a KMZ",
         {{QStringLiteral("a/spot.cot"), kHostile},
          {QStringLiteral("o/evil.kmz"), kmzOf(dir, laughs + "<kml>&lol2;</kml>")}},
         "'doc.kml' has a DTD"},
        {"malformed CoT",
         {{QStringLiteral("a/spot.cot"), kHostile},
          {QStringLiteral("b/bad.cot"), "<event uid='x'"}},
         "b/bad.cot: malformed CoT XML"},
        {"a marking outside the grammar in the second file",
         {{QStringLiteral("a/spot.cot"), kHostile},
          {QStringLiteral("b/odd.cot"),
           QByteArray(kHostile).replace("access='UNCLASSIFIED'", "access='FOUO'")}},
         "b/odd.cot, event 1"},
        {"an out-of-range position",
         {{QStringLiteral("b/far.cot"),
           QByteArray(kHostile).replace("lat='16.25'", "lat='96.25'")}},
         "out of range"},
        {"a KML overlay OGR cannot read",
         {{QStringLiteral("a/spot.cot"), kHostile}, {QStringLiteral("o/junk.kml"), "not kml"}},
         "cannot be read as KML"},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        QFile::remove(zip);
        writeZip(zip, c.entries);
        Result<TakImportReport> refused = importTakPackage(m, zip);
        REQUIRE_FALSE(refused.ok());
        CHECK_THAT(text(refused.error().message),
                   Contains("nothing imported") && Contains(c.reason));
        checkUntouched(m, dir);
    }

    SECTION("a truncated archive") {
        writeZip(zip, atakPackage(dir));
        QByteArray bytes = test::readAll(zip);
        test::writeAll(zip, bytes.left(bytes.size() / 2));
        Result<TakImportReport> refused = importTakPackage(m, zip);
        REQUIRE_FALSE(refused.ok());
        CHECK_THAT(text(refused.error().message), Contains("truncated"));
        checkUntouched(m, dir);
    }
    SECTION("corrupt compressed data") {
        writeZip(zip, {{QStringLiteral("a/spot.cot"), kHostile.repeated(50)}});
        QByteArray bytes = test::readAll(zip);
        for (qsizetype at = 60; at < 160; ++at) // inside the deflated stream
            bytes[at] = static_cast<char>(bytes[at] ^ 0x5A);
        test::writeAll(zip, bytes);
        Result<TakImportReport> refused = importTakPackage(m, zip);
        REQUIRE_FALSE(refused.ok());
        CHECK_THAT(text(refused.error().message), Contains("entry 'a/spot.cot'"));
        checkUntouched(m, dir);
    }
    SECTION("the same name twice") {
        // GDAL's writer will not write that, so the second name is made the first afterwards.
        writeZip(zip, {{QStringLiteral("a/spot.cot"), kHostile},
                       {QStringLiteral("a/spoX.cot"), kHostile}});
        test::writeAll(zip, test::readAll(zip).replace("a/spoX.cot", "a/spot.cot"));
        Result<TakImportReport> refused = importTakPackage(m, zip);
        REQUIRE_FALSE(refused.ok());
        CHECK_THAT(text(refused.error().message), Contains("'a/spot.cot' appears twice"));
        checkUntouched(m, dir);
    }
    SECTION("not a zip at all") {
        test::writeAll(zip, kHostile);
        Result<TakImportReport> refused = importTakPackage(m, zip);
        REQUIRE_FALSE(refused.ok());
        CHECK_THAT(text(refused.error().message), Contains("not a zip archive"));
    }
    SECTION("over the size limits") {
        writeZip(zip, atakPackage(dir));
        TakPackageLimits small;
        small.maxArchiveBytes = 4096;
        Result<TakImportReport> refused = importTakPackage(m, zip, small);
        REQUIRE_FALSE(refused.ok());
        CHECK_THAT(text(refused.error().message), Contains("over the limit of 4096"));
        TakPackageLimits few;
        few.maxEntries = 3;
        refused = importTakPackage(m, zip, few);
        REQUIRE_FALSE(refused.ok());
        CHECK_THAT(text(refused.error().message), Contains("8 entries, over the limit of 3"));
        TakPackageLimits smallEntries;
        smallEntries.maxEntryBytes = 100000;
        refused = importTakPackage(m, zip, smallEntries);
        REQUIRE_FALSE(refused.ok());
        CHECK_THAT(text(refused.error().message), Contains("'spot-12/ford.jpg' decompresses to"));
        checkUntouched(m, dir);
    }
}

TEST_CASE("TAK package: manifests as real packages write them", "[tak]") {
    SECTION("version 1, with a prolog, a Content with no parameters") {
        Result<TakManifest> m = readTakManifest(
            "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            "<MissionPackageManifest><Contents><Content zipEntry='a/b.cot'/>"
            "<Content zipEntry='a/c.jpg' ignore='false'><Parameter name='uid' value='u-1'/>"
            "<Parameter name='isCoT' value='false'/></Content></Contents>"
            "</MissionPackageManifest>");
        REQUIRE(m.ok());
        REQUIRE(m.value().contents.size() == 2);
        CHECK(m.value().contents[1].uid == QStringLiteral("u-1"));
    }
    SECTION("not a manifest") {
        Result<TakManifest> m = readTakManifest("<kml/>");
        REQUIRE_FALSE(m.ok());
        CHECK_THAT(text(m.error().message), Contains("not <MissionPackageManifest>"));
    }
    SECTION("malformed") {
        Result<TakManifest> m = readTakManifest("<MissionPackageManifest><Contents>");
        REQUIRE_FALSE(m.ok());
        CHECK_THAT(text(m.error().message), Contains("malformed"));
    }
}

TEST_CASE("TAK package: tessera-cli tak export and import", "[tak][cli]") {
    QTemporaryDir dir;
    {
        store::MissionStore source = newMission(dir, QStringLiteral("a.tessera"));
        const QString in = dir.filePath(QStringLiteral("in.cot"));
        test::writeAll(in, kHostile +
                               test::readAll(test::dataFile(QStringLiteral("cot/atak-route.cot"))));
        REQUIRE(importCot(source, in).ok());
        newMission(dir, QStringLiteral("b.tessera"));
    }
    auto run = [&](const QStringList& args) {
        QProcess cli;
        cli.start(QStringLiteral(TESSERA_CLI), args);
        REQUIRE(cli.waitForFinished(120000));
        return std::tuple{cli.exitCode(), QString::fromUtf8(cli.readAllStandardOutput()),
                          QString::fromUtf8(cli.readAllStandardError())};
    };
    const QString zip = dir.filePath(QStringLiteral("sitrep.zip"));
    auto [code, out, err] = run({QStringLiteral("tak"), QStringLiteral("export"),
                                 dir.filePath(QStringLiteral("a.tessera")), zip,
                                 QStringLiteral("--name"), QStringLiteral("Sitrep")});
    INFO(text(err));
    REQUIRE(code == 0);
    CHECK_THAT(text(out), Contains("Exported 2 records into a TAK data package"));
    std::tie(code, out, err) = run({QStringLiteral("tak"), QStringLiteral("import"),
                                    dir.filePath(QStringLiteral("b.tessera")), zip});
    REQUIRE(code == 0);
    CHECK_THAT(text(out), Contains("Imported package \"Sitrep\": 1 incidents, 1 routes"));

    const QString bad = dir.filePath(QStringLiteral("bad.zip"));
    writeZip(bad, {{QStringLiteral("../evil.cot"), kHostile}});
    std::tie(code, out, err) = run({QStringLiteral("tak"), QStringLiteral("import"),
                                    dir.filePath(QStringLiteral("b.tessera")), bad});
    CHECK(code != 0);
    CHECK_THAT(text(err), Contains("path traversal") && Contains("nothing imported"));
}

TEST_CASE("TAK package: every bad event of every file is named, and a default marking applies",
          "[tak][atak]") {
    QTemporaryDir dir;
    store::MissionStore m = newMission(dir, QStringLiteral("m.tessera"));
    const QString zip = dir.filePath(QStringLiteral("field.zip"));
    // As ATAK sends them: no access on the team's own events.
    const QByteArray unmarked = QByteArray(kHostile).replace(" access='UNCLASSIFIED'", "");
    const QByteArray second = QByteArray(unmarked).replace("spot-12", "spot-13");
    const QByteArray foreign = QByteArray(kHostile)
                                   .replace("spot-12", "spot-14")
                                   .replace("access='UNCLASSIFIED'", "access='FOUO'");
    writeZip(zip, {{QStringLiteral("a/one.cot"), unmarked + second},
                   {QStringLiteral("b/two.cot"), foreign},
                   {QStringLiteral("c/field.cot"),
                    test::readAll(test::dataFile(QStringLiteral("cot/atak-field.cot")))}});
    Result<TakImportReport> refused = importTakPackage(m, zip);
    REQUIRE_FALSE(refused.ok());
    const std::string why = text(refused.error().message);
    CHECK_THAT(why, Contains("a/one.cot, event 1") && Contains("a/one.cot, event 2") &&
                        Contains("b/two.cot, event 1") && Contains("c/field.cot, event 7") &&
                        Contains("9 events refused"));
    checkUntouched(m, dir);

    CotImportOptions options;
    options.defaultMarking = cotDefaultMarking(QStringLiteral("UNCLASSIFIED")).value();
    refused = importTakPackage(m, zip, {}, options);
    REQUIRE_FALSE(refused.ok()); // a marking outside the grammar is never defaulted over
    CHECK_THAT(text(refused.error().message),
               Contains("1 event refused") && Contains("b/two.cot, event 1") &&
                   Contains("\"FOUO // REL TO UN\" is not one Tessera reads"));
    checkUntouched(m, dir);

    writeZip(zip, {{QStringLiteral("a/one.cot"), unmarked + second},
                   {QStringLiteral("c/field.cot"),
                    test::readAll(test::dataFile(QStringLiteral("cot/atak-field.cot")))}});
    Result<TakImportReport> report = importTakPackage(m, zip, {}, options);
    REQUIRE(report.ok());
    CHECK(report.value().incidents == 3);
    CHECK(report.value().annotations == 5);
    CHECK_THAT(text(report.value().notes.join(QLatin1Char('\n'))),
               Contains("8 events carried no classification"));
}
