// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Sharing, bundles: round trip between missions, idempotent import, last writer wins, every
// refusal (tampered, truncated, replayed, foreign, unknown or revoked sender, unsupported
// version, oversized, not cleared), and the releasability property over thousands of records.
#include "ShareTestSupport.h"
#include "TestSupport.h"
#include "share/Bundle.h"
#include "share/BundleFormat.h"
#include "share/BundleRecords.h"
#include "share/ContactBook.h"
#include "share/Identity.h"
#include "share/ReleasePolicy.h"
#include "store/MissionStore.h"
#include "store/Uuid.h"

#include <QCborArray>
#include <QCborMap>
#include <QSet>
#include <QTemporaryDir>
#include <QtEndian>

#include <catch2/catch.hpp>

#include <limits>
#include <random>

using namespace tessera;
using namespace tessera::share;
using Catch::Matchers::Contains;

namespace {

StationProfile profile(const char* name, const char* org, Classification clearance,
                       QStringList communities = {}, QStringList caveats = {}) {
    return {QString::fromLatin1(name), QString::fromLatin1(org), std::move(communities), clearance,
            std::move(caveats)};
}

Identity identity(const StationProfile& p) {
    Result<Identity> id = Identity::create(p);
    REQUIRE(id.ok());
    return std::move(id).value();
}

store::MissionStore mission(const QTemporaryDir& dir, const char* name) {
    store::MissionInfo info;
    info.id = test::kSharedMissionId;
    info.name = QString::fromLatin1(name);
    info.marking = {QStringLiteral("UNCLASSIFIED"), QString()};
    info.initialView = {-6.0, 12.5, 5.0, 21.0};
    Result<store::MissionStore> m =
        store::MissionStore::create(dir.filePath(QString::fromLatin1(name)), info);
    REQUIRE(m.ok());
    return std::move(m).value();
}

store::Incident incident(const QString& title, const store::Marking& marking, double lon = 1.0,
                         double lat = 15.0) {
    store::Incident i;
    i.title = title;
    i.category = QStringLiteral("armed_clash");
    i.severity = store::Severity::High;
    i.status = store::IncidentStatus::Confirmed;
    i.observedAt = QDateTime(QDate(2026, 3, 1), QTime(10, 30), Qt::UTC);
    i.location = {lon, lat};
    i.source = QStringLiteral("patrol");
    i.reliability = QStringLiteral("B");
    i.credibility = 2;
    i.narrative = QStringLiteral("Narrative of ") + title;
    i.marking = marking;
    return i;
}

const store::Marking kOpen{QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};

qint64 count(store::MissionStore& m, const char* sql) {
    Result<QVariant> v = m.database().scalar(QString::fromLatin1(sql));
    REQUIRE(v.ok());
    return v.value().toLongLong();
}

/// Everything a peer could see of a mission's records, to prove that a refused bundle changed
/// nothing.
QString dump(store::MissionStore& m) {
    QString out;
    for (const char* sql :
         {"SELECT group_concat(uuid || updated_hlc || deleted, ',') FROM incident",
          "SELECT count(*) FROM change_log", "SELECT count(*) FROM incident_note",
          "SELECT count(*) FROM annotation", "SELECT count(*) FROM route",
          "SELECT count(*) FROM station"}) {
        Result<QVariant> v = m.database().scalar(QString::fromLatin1(sql));
        REQUIRE(v.ok());
        out += v.value().toString() + QLatin1Char('|');
    }
    return out;
}

/// Two stations that trust each other, and a third that both know.
struct Stations {
    Identity alpha = identity(profile("Alpha", "NLD", Classification::Secret,
                                      {QStringLiteral("UN")}, {QStringLiteral("EXERCISE")}));
    Identity bravo =
        identity(profile("Bravo", "FRA", Classification::Confidential, {QStringLiteral("UN")}));
    Identity charlie =
        identity(profile("Charlie", "SEN", Classification::Confidential, {QStringLiteral("UN")}));
    ContactBook alphaBook = test::bookWith({&bravo, &charlie});
    ContactBook bravoBook = test::bookWith({&alpha, &charlie});
    ContactBook charlieBook = test::bookWith({&alpha, &bravo});
};

} // namespace

TEST_CASE("Bundles: a mission's records reach a peer intact", "[share][bundle]") {
    QTemporaryDir dir;
    Stations s;
    store::MissionStore a = mission(dir, "alpha.tessera");
    store::MissionStore b = mission(dir, "bravo.tessera");

    store::Incident point = incident(QStringLiteral("Clash at the ford"), kOpen);
    REQUIRE(a.addIncident(point).ok());
    store::Incident area = incident(QStringLiteral("Flooded district"), kOpen, 2.0, 16.0);
    area.area = {{1.9, 15.9}, {2.1, 15.9}, {2.1, 16.1}};
    REQUIRE(a.addIncident(area).ok());
    store::Incident gone = incident(QStringLiteral("Duplicate report"), kOpen);
    REQUIRE(a.addIncident(gone).ok());
    REQUIRE(a.deleteIncident(gone.uuid).ok());
    store::IncidentNote note;
    note.author = QStringLiteral("analyst");
    note.text = QStringLiteral("Confirmed by drone imagery");
    note.marking = kOpen;
    REQUIRE(a.addNote(point.uuid, note).ok());
    store::PatrolRoute route;
    route.name = QStringLiteral("Route Kilo");
    route.unit = QStringLiteral("BATT 2");
    route.marking = kOpen;
    route.waypoints = {
        {{1.0, 15.0}, QDateTime(QDate(2026, 3, 1), QTime(8, 0), Qt::UTC), QStringLiteral("Start")},
        {{1.2, 15.3}, QDateTime(), QString()},
        {{1.5, 15.5}, QDateTime(QDate(2026, 3, 1), QTime(9, 0), Qt::UTC), QStringLiteral("End")}};
    // A bend of the path as TAK keeps it, and a point that came from ATAK with its uid and height.
    route.waypoints[1].control = true;
    route.waypoints[2].linkUid = QStringLiteral("9b0c7a52-1f0e-4c57-9d2e-5c1e2c4a7f10");
    route.waypoints[2].elevation = 271.5;
    route.track = {{{1.0, 15.0}, QDateTime(QDate(2026, 3, 1), QTime(8, 1), Qt::UTC), 300.0},
                   {{1.2, 15.2}, QDateTime(QDate(2026, 3, 1), QTime(8, 20), Qt::UTC), {}}};
    REQUIRE(a.addRoute(route).ok());
    store::Annotation annotation;
    annotation.kind = store::AnnotationKind::Line;
    annotation.geometry = {{1.0, 15.0}, {1.1, 15.1}};
    annotation.text = QStringLiteral("Phase line");
    annotation.author = QStringLiteral("ops");
    annotation.marking = kOpen;
    REQUIRE(a.addAnnotation(annotation).ok());

    // An attachment larger than a chunk (it travels in three), and one Bravo may not have.
    QByteArray photo(2 * 1024 * 1024 + 512 * 1024, '\0');
    std::mt19937 bytes(7);
    for (char& c : photo)
        c = static_cast<char>(bytes());
    Result<store::Attachment> attached = a.attach(point.uuid, QStringLiteral("ford.jpg"), photo,
                                                  QStringLiteral("image/jpeg"), kOpen);
    REQUIRE(attached.ok());
    REQUIRE(a.attach(point.uuid, QStringLiteral("source.pdf"), "secret",
                     QStringLiteral("application/pdf"),
                     {QStringLiteral("SECRET"), QStringLiteral("REL TO UN")})
                .ok());

    Result<ExportReport> out = exportBundle(a, s.alpha, {s.bravo.card()});
    REQUIRE(out.ok());
    CHECK(out.value().records == 7);
    CHECK(out.value().withheld == 1);
    Result<ImportReport> in = importBundle(b, out.value().bytes, s.bravo, s.bravoBook);
    REQUIRE(in.ok());
    CHECK(in.value().sender == QLatin1String("Alpha"));
    CHECK(in.value().applied == 7);

    SECTION("the same records, stamps and station, and the indexes follow") {
        Result<QList<store::Incident>> mine = a.incidents();
        Result<QList<store::Incident>> theirs = b.incidents();
        REQUIRE((mine.ok() && theirs.ok()));
        REQUIRE(theirs.value().size() == 2);
        for (qsizetype k = 0; k < 2; ++k) {
            const store::Incident& x = mine.value()[k];
            const store::Incident& y = theirs.value()[k];
            CHECK(x.uuid == y.uuid);
            CHECK(x.title == y.title);
            CHECK(x.area == y.area);
            CHECK(x.location == y.location);
            CHECK(x.observedAt == y.observedAt);
            CHECK(x.marking == y.marking);
            CHECK(x.stamp.created == y.stamp.created);
            CHECK(x.stamp.updated == y.stamp.updated);
            CHECK(x.stamp.station == y.stamp.station);
        }
        Result<store::Incident> tomb = b.incident(gone.uuid);
        REQUIRE(tomb.ok());
        CHECK(tomb.value().stamp.deleted);
        Result<QList<store::IncidentNote>> notes = b.notes(point.uuid);
        REQUIRE(notes.ok());
        REQUIRE(notes.value().size() == 1);
        CHECK(notes.value()[0].text == note.text);
        Result<QList<store::Attachment>> attachments = b.attachments(point.uuid);
        REQUIRE(attachments.ok());
        REQUIRE(attachments.value().size() == 1); // the SECRET one was withheld
        CHECK(attachments.value()[0].sha256 == attached.value().sha256);
        Result<QByteArray> content = b.attachmentData(attachments.value()[0]);
        REQUIRE(content.ok());
        CHECK(content.value() == photo);
        Result<QList<store::PatrolRoute>> routes = b.routes();
        REQUIRE(routes.ok());
        REQUIRE(routes.value().size() == 1);
        CHECK(routes.value()[0].waypoints == route.waypoints);
        CHECK(routes.value()[0].track.size() == 2);
        CHECK(routes.value()[0].track[0].elevation == 300.0);
        CHECK_FALSE(routes.value()[0].track[1].elevation.has_value());
        Result<QList<store::Annotation>> annotations = b.annotations();
        REQUIRE(annotations.ok());
        REQUIRE(annotations.value().size() == 1);
        CHECK(annotations.value()[0].geometry == annotation.geometry);
        // Full text (title and the note) and the R*Tree answer for the imported records.
        store::IncidentQuery q;
        q.text = QStringLiteral("drone");
        Result<store::IncidentPage> found = b.queryIncidents(q);
        REQUIRE(found.ok());
        REQUIRE(found.value().incidents.size() == 1);
        CHECK(found.value().incidents[0].uuid == point.uuid);
        q = {};
        q.bbox = geo::Extent{1.95, 15.95, 2.05, 16.05};
        found = b.queryIncidents(q);
        REQUIRE(found.ok());
        REQUIRE(found.value().incidents.size() == 1);
        CHECK(found.value().incidents[0].uuid == area.uuid);
        Result<QVariant> check = b.database().scalar(QStringLiteral("PRAGMA integrity_check"));
        REQUIRE(check.ok());
        CHECK(check.value().toString() == QLatin1String("ok"));
    }
    SECTION("the same bundle twice: refused as replayed, nothing changes") {
        const QString before = dump(b);
        Result<ImportReport> again = importBundle(b, out.value().bytes, s.bravo, s.bravoBook);
        REQUIRE_FALSE(again.ok());
        CHECK_THAT(again.errorMessage().toStdString(), Contains("replayed"));
        CHECK(dump(b) == before);
    }
    SECTION("the same changes in a new bundle: accepted, nothing changes") {
        const QString before = dump(b);
        ExportOptions everything;
        everything.sinceLastReceived = false;
        Result<ExportReport> second = exportBundle(a, s.alpha, {s.bravo.card()}, everything);
        REQUIRE(second.ok());
        Result<ImportReport> again = importBundle(b, second.value().bytes, s.bravo, s.bravoBook);
        REQUIRE(again.ok());
        CHECK(again.value().applied == 0);
        CHECK(again.value().unchanged == 7);
        CHECK(dump(b) == before);
    }
    SECTION("a newer edit wins; what the peer said it knew is not sent back") {
        point.title = QStringLiteral("Clash at the ford (revised)");
        REQUIRE(a.updateIncident(point).ok());
        // Bravo tells Alpha what it knows (an empty bundle back), so Alpha sends only news.
        Result<ExportReport> back = exportBundle(b, s.bravo, {s.alpha.card()});
        REQUIRE(back.ok());
        REQUIRE(importBundle(a, back.value().bytes, s.alpha, s.alphaBook).ok());
        Result<ExportReport> news = exportBundle(a, s.alpha, {s.bravo.card()});
        REQUIRE(news.ok());
        CHECK(news.value().records == 1);
        Result<ImportReport> applied = importBundle(b, news.value().bytes, s.bravo, s.bravoBook);
        REQUIRE(applied.ok());
        CHECK(applied.value().applied == 1);
        Result<store::Incident> revised = b.incident(point.uuid);
        REQUIRE(revised.ok());
        CHECK(revised.value().title == point.title);
        store::IncidentQuery q;
        q.text = QStringLiteral("revised");
        Result<store::IncidentPage> found = b.queryIncidents(q);
        REQUIRE(found.ok());
        CHECK(found.value().incidents.size() == 1);
    }
    SECTION("the sharing log records both sides") {
        Result<QList<BundleLogEntry>> sent = bundleLog(a);
        Result<QList<BundleLogEntry>> received = bundleLog(b);
        REQUIRE((sent.ok() && received.ok()));
        REQUIRE(sent.value().size() == 1);
        CHECK(sent.value()[0].direction == QLatin1String("sent"));
        REQUIRE(received.value().size() == 1);
        CHECK(received.value()[0].id == sent.value()[0].id);
        CHECK(received.value()[0].records == 7);
        // Record by record, the same versions on both sides, and nothing withheld among them.
        Result<QList<BundleLogRecord>> sentRecords =
            bundleRecords(a, sent.value()[0].id, QStringLiteral("sent"));
        Result<QList<BundleLogRecord>> receivedRecords =
            bundleRecords(b, sent.value()[0].id, QStringLiteral("received"));
        REQUIRE((sentRecords.ok() && receivedRecords.ok()));
        REQUIRE(sentRecords.value().size() == 7);
        REQUIRE(receivedRecords.value().size() == 7);
        for (qsizetype k = 0; k < 7; ++k) {
            CHECK(sentRecords.value()[k].uuid == receivedRecords.value()[k].uuid);
            CHECK(sentRecords.value()[k].updated == receivedRecords.value()[k].updated);
            CHECK(sentRecords.value()[k].marking == kOpen);
        }
    }
}

TEST_CASE("Bundles: refusals leave the mission untouched", "[share][bundle]") {
    QTemporaryDir dir;
    Stations s;
    store::MissionStore a = mission(dir, "alpha.tessera");
    store::MissionStore b = mission(dir, "bravo.tessera");
    for (int k = 0; k < 5; ++k) {
        store::Incident i = incident(QStringLiteral("Incident %1").arg(k), kOpen);
        REQUIRE(a.addIncident(i).ok());
    }
    Result<ExportReport> out = exportBundle(a, s.alpha, {s.bravo.card(), s.charlie.card()});
    REQUIRE(out.ok());
    const QByteArray bundle = out.value().bytes;
    const QString before = dump(b);
    auto refusal = [&](const QByteArray& bytes, const ContactBook& book,
                       const BundleLimits& limits = {}) {
        Result<ImportReport> r = importBundle(b, bytes, s.bravo, book, limits);
        CHECK_FALSE(r.ok());
        return r.errorMessage().toStdString();
    };

    SECTION("every flipped byte: header, wrapped keys, signature, payload") {
        // The layout, to be sure every region is hit (docs/formats/bundle.md).
        const qint64 header = qFromBigEndian<quint32>(bundle.constData() + 6);
        const qint64 signature = 10 + header;
        REQUIRE(bundle.size() > signature + 64 + 16);
        int refused = 0;
        for (qsizetype at = 0; at < bundle.size(); ++at) {
            QByteArray bad = bundle;
            bad[at] = static_cast<char>(bad[at] ^ (1 << (at % 8)));
            Result<ImportReport> r = importBundle(b, bad, s.bravo, s.bravoBook);
            if (!r.ok())
                ++refused;
            else
                FAIL("accepted a bundle with byte " << at << " flipped");
        }
        CHECK(refused == bundle.size());
        CHECK(dump(b) == before);
        // And the original still goes in afterwards: nothing half-applied was left behind.
        REQUIRE(importBundle(b, bundle, s.bravo, s.bravoBook).ok());
        CHECK(count(b, "SELECT count(*) FROM incident") == 5);
    }
    SECTION("truncated at every length") {
        for (qsizetype length = 0; length < bundle.size(); ++length) {
            const std::string why = refusal(bundle.left(length), s.bravoBook);
            if (length >= 4)
                CHECK_THAT(why, Contains("truncated") || Contains("malformed"));
        }
        CHECK_THAT(refusal(bundle + "x", s.bravoBook), Contains("tampered"));
        CHECK(dump(b) == before);
    }
    SECTION("not a bundle, unsupported version") {
        CHECK_THAT(refusal("PK\x03\x04 a zip file, say", s.bravoBook),
                   Contains("not a Tessera bundle"));
        QByteArray v3 = bundle;
        v3[5] = 3;
        CHECK_THAT(refusal(v3, s.bravoBook), Contains("unsupported version 3"));
        // A bundle of a build from before signed records says so.
        QByteArray v1 = bundle;
        v1[5] = 1;
        CHECK_THAT(refusal(v1, s.bravoBook), Contains("before signed records"));
    }
    SECTION("a bundle for someone else") {
        Result<ExportReport> foreign = exportBundle(a, s.alpha, {s.charlie.card()});
        REQUIRE(foreign.ok());
        CHECK_THAT(refusal(foreign.value().bytes, s.bravoBook), Contains("not addressed"));
    }
    SECTION("an unknown sender, a revoked sender") {
        ContactBook empty;
        CHECK_THAT(refusal(bundle, empty), Contains("unknown sender"));
        ContactBook revoked = s.bravoBook;
        Result<Revocation> statement = s.alpha.revoke(QStringLiteral("compromised"));
        REQUIRE(statement.ok());
        REQUIRE(revoked.applyRevocation(statement.value().encoded).ok());
        CHECK_THAT(refusal(bundle, revoked), Contains("revoked"));
    }
    SECTION("an impersonator: the same name, other keys") {
        const Identity fake =
            identity(profile("Alpha", "NLD", Classification::Secret, {QStringLiteral("UN")}));
        Result<ExportReport> forged = exportBundle(a, fake, {s.bravo.card()});
        REQUIRE(forged.ok());
        CHECK_THAT(refusal(forged.value().bytes, s.bravoBook), Contains("unknown sender"));
    }
    SECTION("oversized") {
        BundleLimits small;
        small.maxBundleBytes = bundle.size() - 1;
        CHECK_THAT(refusal(bundle, s.bravoBook, small), Contains("oversized"));
        small = {};
        small.maxPayloadBytes = 100;
        CHECK_THAT(refusal(bundle, s.bravoBook, small), Contains("oversized"));
        small = {};
        small.maxHeaderBytes = 100;
        CHECK_THAT(refusal(bundle, s.bravoBook, small), Contains("oversized"));
    }
    SECTION("a record the recipient is not cleared for: the whole bundle is refused") {
        store::Incident secret = incident(QStringLiteral("Source report"),
                                          {QStringLiteral("SECRET"), QStringLiteral("REL TO UN")});
        REQUIRE(a.addIncident(secret).ok());
        Result<QList<SharedRecord>> records = changedRecords(a, {});
        REQUIRE(records.ok());
        BundleHeader header;
        header.mission = test::kSharedMissionId;
        header.id = store::newUuid();
        header.created = QDateTime::currentDateTimeUtc();
        // A sender that skips the policy (an older or broken build): the receiver still refuses.
        Result<QByteArray> bytes = sealBundle(header, test::signedPayload(s.alpha, records.value()),
                                              s.alpha, {s.bravo.card()});
        REQUIRE(bytes.ok());
        CHECK_THAT(refusal(bytes.value(), s.bravoBook), Contains("may not hold"));
    }
    SECTION("an attachment whose content does not match its hash") {
        Result<QList<store::Incident>> held = a.incidents();
        REQUIRE(held.ok());
        REQUIRE(a.attach(held.value()[0].uuid, QStringLiteral("note.txt"), "original",
                         QStringLiteral("text/plain"), kOpen)
                    .ok());
        Result<QList<SharedRecord>> records = changedRecords(a, {});
        REQUIRE(records.ok());
        QList<SharedRecord> list = records.value();
        REQUIRE(list.last().kind == QLatin1String("attachment"));
        list.last().value.insert(QStringLiteral("chunks"), QCborArray{QByteArray("altered!")});
        BundleHeader header;
        header.mission = test::kSharedMissionId;
        header.id = store::newUuid();
        header.created = QDateTime::currentDateTimeUtc();
        Result<QByteArray> bytes =
            sealBundle(header, test::signedPayload(s.alpha, list), s.alpha, {s.bravo.card()});
        REQUIRE(bytes.ok());
        CHECK_THAT(refusal(bytes.value(), s.bravoBook), Contains("SHA-256"));
        CHECK(dump(b) == before);
    }
    SECTION("a record stamped far in the future") {
        Result<QList<SharedRecord>> records = changedRecords(a, {});
        REQUIRE(records.ok());
        QList<SharedRecord> list = records.value();
        test::restamp(
            list.first(), list.first().station,
            store::Hlc::from(QDateTime::currentMSecsSinceEpoch() + 3LL * 24 * 3600 * 1000, 0)
                .value);
        BundleHeader header;
        header.mission = test::kSharedMissionId;
        header.id = store::newUuid();
        header.created = QDateTime::currentDateTimeUtc();
        Result<QByteArray> bytes =
            sealBundle(header, test::signedPayload(s.alpha, list), s.alpha, {s.bravo.card()});
        REQUIRE(bytes.ok());
        CHECK_THAT(refusal(bytes.value(), s.bravoBook), Contains("in the future"));
        CHECK(dump(b) == before);
    }
    SECTION("signed but malformed payloads (seeded): refused whole or applied whole, never a "
            "crash") {
        // What a trusted peer with a broken build could send: past the signature, the payload
        // decoder and the store must still refuse cleanly. Runs under ASan/UBSan in CI.
        Result<QList<SharedRecord>> records = changedRecords(a, {});
        REQUIRE(records.ok());
        std::mt19937 rng(2026);
        const QList<QCborValue> oddities{QCborValue(),
                                         QCborValue(QCborValue::Null),
                                         QCborValue(-1),
                                         QCborValue(std::numeric_limits<qint64>::max()),
                                         QCborValue(std::numeric_limits<double>::quiet_NaN()),
                                         QCborValue(1e308),
                                         QCborValue(QString()),
                                         QCborValue(QString(5000, QLatin1Char('x'))),
                                         QCborValue(QByteArray(40, '\xff')),
                                         QCborArray{QCborArray{1.0}, QCborArray{}},
                                         QCborMap{{QStringLiteral("k"), 1}},
                                         QCborValue(true)};
        int accepted = 0;
        for (int round = 0; round < 150; ++round) {
            QList<SharedRecord> list = records.value();
            SharedRecord& victim = list[static_cast<qsizetype>(rng() % list.size())];
            const QList<QCborValue> keys = victim.value.keys();
            const QCborValue key = keys[static_cast<qsizetype>(rng() % keys.size())];
            if (rng() % 4 == 0)
                victim.value.remove(key);
            else
                victim.value.insert(key, oddities[static_cast<qsizetype>(rng() % oddities.size())]);
            // What decodeRecords would read back from the mutated map.
            victim.kind = victim.value[QStringLiteral("kind")].toString();
            BundleHeader header;
            header.mission = test::kSharedMissionId;
            header.id = store::newUuid();
            header.created = QDateTime::currentDateTimeUtc();
            Result<QByteArray> bytes =
                sealBundle(header, test::signedPayload(s.alpha, list, 1000 + round), s.alpha,
                           {s.bravo.card()});
            REQUIRE(bytes.ok());
            const QString was = dump(b);
            Result<ImportReport> r = importBundle(b, bytes.value(), s.bravo, s.bravoBook);
            if (r.ok())
                ++accepted; // a harmless change (a narrative emptied, say): applied whole
            else
                CHECK(dump(b) == was);
        }
        CHECK(accepted < 150);
    }
    SECTION("an invalid record late in the payload: nothing at all is applied") {
        Result<QList<SharedRecord>> records = changedRecords(a, {});
        REQUIRE(records.ok());
        QList<SharedRecord> list = records.value();
        list.last().value.insert(QStringLiteral("severity"), QStringLiteral("apocalyptic"));
        BundleHeader header;
        header.mission = test::kSharedMissionId;
        header.id = store::newUuid();
        header.created = QDateTime::currentDateTimeUtc();
        Result<QByteArray> bytes =
            sealBundle(header, test::signedPayload(s.alpha, list), s.alpha, {s.bravo.card()});
        REQUIRE(bytes.ok());
        CHECK_THAT(refusal(bytes.value(), s.bravoBook), Contains("not valid"));
        CHECK(dump(b) == before);
    }
}

namespace {

/// A marking drawn at random, with the decision an independent oracle makes for it: the test
/// does not trust ReleasePolicy to judge itself.
struct DrawnMarking {
    store::Marking marking;
    bool valid = true;
    Classification level = Classification::Unclassified;
    QStringList caveats;
    QStringList relTo;
};

DrawnMarking draw(std::mt19937& rng) {
    static const QStringList kCaveats{QStringLiteral("EXERCISE"), QStringLiteral("MEDICAL")};
    static const QStringList kRel{QStringLiteral("NLD"), QStringLiteral("FRA"),
                                  QStringLiteral("SEN"), QStringLiteral("UN"),
                                  QStringLiteral("EXERCISE PARTICIPANTS")};
    static const QList<store::Marking> kBroken{
        {QStringLiteral("TOP SECRET"), QStringLiteral("REL TO UN")},
        {QStringLiteral("U"), QString()},
        {QString(), QString()},
        {QStringLiteral("UNCLASSIFIED"), QStringLiteral("RELEASABLE TO UN")},
        {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN;FRA")},
        {QStringLiteral("SECRET // "), QStringLiteral("REL TO UN")}};
    DrawnMarking d;
    std::uniform_int_distribution<int> pct(0, 99);
    if (pct(rng) < 8) {
        d.valid = false;
        d.marking = kBroken[static_cast<qsizetype>(pct(rng)) % kBroken.size()];
        if (d.marking.classification.isEmpty())
            d.marking.classification = QStringLiteral("?"); // the store needs one
        return d;
    }
    d.level = static_cast<Classification>(pct(rng) % 4);
    for (const QString& c : kCaveats)
        if (pct(rng) < 15)
            d.caveats.append(c);
    for (const QString& r : kRel)
        if (pct(rng) < 30)
            d.relTo.append(r);
    d.marking.classification = toString(d.level);
    if (!d.caveats.isEmpty())
        d.marking.classification += QStringLiteral("//") + d.caveats.join(QLatin1Char('/'));
    if (!d.relTo.isEmpty())
        d.marking.releasability = QStringLiteral("REL TO ") + d.relTo.join(QStringLiteral(", "));
    if (pct(rng) < 20) // the same marking in another hand: lower case, odd spacing
        d.marking.releasability =
            d.marking.releasability.toLower().replace(QStringLiteral(", "), QStringLiteral(" ,  "));
    return d;
}

bool cleared(const DrawnMarking& d, const StationProfile& p) {
    if (!d.valid || d.level > p.clearance)
        return false;
    for (const QString& c : d.caveats)
        if (!p.caveats.contains(c))
            return false;
    if (d.relTo.isEmpty())
        return d.level == Classification::Unclassified;
    for (const QString& r : d.relTo)
        if (r == p.organisation || p.communities.contains(r))
            return true;
    return false;
}

} // namespace

TEST_CASE("Bundles: no record reaches a peer not cleared for it (seeded property)",
          "[share][bundle][releasability]") {
    const unsigned seed = GENERATE(1u, 2u, 3u);
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    QTemporaryDir dir;
    const Identity sender =
        identity(profile("HQ", "UN", Classification::Secret, {},
                         {QStringLiteral("EXERCISE"), QStringLiteral("MEDICAL")}));
    const QList<StationProfile> peerProfiles{
        profile("Dutch", "NLD", Classification::Secret, {QStringLiteral("UN")},
                {QStringLiteral("EXERCISE")}),
        profile("French", "FRA", Classification::Confidential, {}, {QStringLiteral("MEDICAL")}),
        profile("Senegal", "SEN", Classification::Restricted,
                {QStringLiteral("EXERCISE PARTICIPANTS")}),
        profile("Observer", "NGO", Classification::Unclassified)};
    QList<Identity> peers;
    for (const StationProfile& p : peerProfiles)
        peers.append(identity(p));
    ContactBook senderBook;

    store::MissionStore hq = mission(dir, "hq.tessera");
    QMap<QString, DrawnMarking> drawn; // uuid -> marking
    QHash<QString, QString> parentOf;  // note uuid -> its incident's uuid
    constexpr int kRecords = 1200;
    REQUIRE(hq.database()
                .transaction([&]() -> Status {
                    QStringList incidents;
                    for (int k = 0; k < kRecords; ++k) {
                        const DrawnMarking d = draw(rng);
                        const int kind = static_cast<int>(rng() % 10);
                        if (kind < 7 || incidents.isEmpty()) {
                            store::Incident i = incident(QStringLiteral("Record %1").arg(k),
                                                         d.marking, -5.0 + (rng() % 1000) / 100.0,
                                                         13.0 + (rng() % 700) / 100.0);
                            if (Status st = hq.addIncident(i); !st)
                                return st;
                            drawn.insert(i.uuid, d);
                            incidents.append(i.uuid);
                        } else if (kind < 9) {
                            store::IncidentNote n;
                            n.author = QStringLiteral("analyst");
                            n.text = QStringLiteral("Note %1").arg(k);
                            n.marking = d.marking;
                            const QString parent = incidents[rng() % incidents.size()];
                            if (Status st = hq.addNote(parent, n); !st)
                                return st;
                            drawn.insert(n.uuid, d);
                            parentOf.insert(n.uuid, parent);
                        } else {
                            store::Annotation a;
                            a.kind = store::AnnotationKind::Point;
                            a.geometry = {{1.0, 15.0}};
                            a.text = QStringLiteral("Annotation %1").arg(k);
                            a.author = QStringLiteral("ops");
                            a.marking = d.marking;
                            if (Status st = hq.addAnnotation(a); !st)
                                return st;
                            drawn.insert(a.uuid, d);
                        }
                    }
                    return success();
                })
                .ok());

    auto received = [](store::MissionStore& m) {
        QSet<QString> uuids;
        for (const char* table : {"incident", "incident_note", "annotation", "route"}) {
            Result<store::Statement> s = m.database().prepare(
                QStringLiteral("SELECT uuid FROM %1").arg(QString::fromLatin1(table)));
            REQUIRE(s.ok());
            while (s.value().step().value())
                uuids.insert(s.value().text(0));
        }
        return uuids;
    };

    // The oracle: a record may go to a peer cleared for its marking and, for a note, for its
    // incident's too (issue 17: a note must not outlive its incident's withholding).
    const auto mayHave = [&](const QString& uuid, const StationProfile& peer) {
        if (!cleared(drawn.value(uuid), peer))
            return false;
        const QString parent = parentOf.value(uuid);
        return parent.isEmpty() || cleared(drawn.value(parent), peer);
    };
    // Nothing in a bundle, even encrypted to the peer, that it may not hold.
    const auto carriedOnlyWhatMay = [&](const QByteArray& bundle, const Identity& peer,
                                        const StationProfile& profile) {
        Result<OpenedBundle> opened = openBundle(bundle, peer, test::bookWith({&sender}));
        REQUIRE(opened.ok());
        int carriedLeaks = 0;
        for (const SharedRecord& r : test::payloadRecords(opened.value().payload))
            if (!mayHave(r.uuid, profile))
                ++carriedLeaks;
        CHECK(carriedLeaks == 0);
    };

    SECTION("one bundle per peer: each gets exactly what it is cleared for") {
        for (qsizetype p = 0; p < peers.size(); ++p) {
            INFO("peer " << peerProfiles[p].stationName.toStdString());
            ContactBook peerBook = test::bookWith({&sender});
            Result<ExportReport> out = exportBundle(hq, sender, {peers[p].card()});
            REQUIRE(out.ok());
            store::MissionStore peerMission =
                mission(dir, QStringLiteral("peer%1.tessera").arg(p).toLatin1().constData());
            Result<ImportReport> in =
                importBundle(peerMission, out.value().bytes, peers[p], peerBook);
            REQUIRE(in.ok());
            carriedOnlyWhatMay(out.value().bytes, peers[p], peerProfiles[p]);
            const QSet<QString> got = received(peerMission);
            int leaks = 0, expected = 0, orphans = 0;
            for (auto it = drawn.constBegin(); it != drawn.constEnd(); ++it) {
                const bool may = mayHave(it.key(), peerProfiles[p]);
                // The policy agrees with the oracle on every marking.
                CHECK(ReleasePolicy::mayRelease(it.value().marking, peerProfiles[p]).allowed ==
                      cleared(it.value(), peerProfiles[p]));
                if (got.contains(it.key()) && !may)
                    ++leaks;
                if (may)
                    ++expected;
                else if (cleared(it.value(), peerProfiles[p]))
                    ++orphans; // a note cleared itself, under a withheld incident
            }
            CHECK(leaks == 0);
            // Not vacuous: each peer is cleared for some records and not for others, and
            // some notes are cleared themselves but hang from an incident it may not have.
            CHECK(expected > 10);
            CHECK(out.value().withheld > 10);
            if (p > 0)
                CHECK(orphans > 0);
            // Everything it may have arrives; nothing had to be skipped on arrival.
            CHECK(got.size() == expected);
            CHECK(in.value().skipped == 0);
        }
    }
    SECTION("one bundle for all peers: only what every one of them may have") {
        QList<ContactCard> cards;
        for (const Identity& p : peers)
            cards.append(p.card());
        Result<ExportReport> out = exportBundle(hq, sender, cards);
        REQUIRE(out.ok());
        for (qsizetype p = 0; p < peers.size(); ++p) {
            ContactBook peerBook = test::bookWith({&sender});
            store::MissionStore peerMission =
                mission(dir, QStringLiteral("all%1.tessera").arg(p).toLatin1().constData());
            Result<ImportReport> in =
                importBundle(peerMission, out.value().bytes, peers[p], peerBook);
            REQUIRE(in.ok());
            carriedOnlyWhatMay(out.value().bytes, peers[p], peerProfiles[p]);
            for (const QString& uuid : received(peerMission)) {
                for (const StationProfile& everyone : peerProfiles)
                    CHECK(mayHave(uuid, everyone));
            }
        }
    }
}
