// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Signed records (issue 19), tried as the adversary: a sector HQ (BRAVO) relays a battalion's
// (ALPHA's) reports to the force HQ (CHARLIE). BRAVO is trusted by CHARLIE, and that trust is
// what it would abuse: altering ALPHA's report on the way, inventing one in ALPHA's name,
// stripping, duplicating or swapping signatures, replaying an old version. Each must be refused
// at CHARLIE with ALPHA's record named, and CHARLIE's mission left as it was.
#include "ShareTestSupport.h"
#include "TestSupport.h"
#include "geo/Geodesy.h"
#include "share/Bundle.h"
#include "share/BundleFormat.h"
#include "share/BundleRecords.h"
#include "share/ContactBook.h"
#include "share/Identity.h"
#include "share/PeerStatus.h"
#include "share/RecordSignature.h"
#include "share/SanitisedRecords.h"
#include "store/MissionStore.h"
#include "store/Uuid.h"

#include <QCborArray>
#include <QCborMap>
#include <QTemporaryDir>
#include <QThread>

#include <catch2/catch.hpp>

#include <bit>
#include <memory>
#include <random>
#include <vector>

using namespace tessera;
using namespace tessera::share;
using Catch::Matchers::Contains;

namespace {

Identity identity(const char* name, const char* org) {
    Result<Identity> id = Identity::create({QString::fromLatin1(name),
                                            QString::fromLatin1(org),
                                            {QStringLiteral("MINUSMA")},
                                            Classification::Secret,
                                            {}});
    REQUIRE(id.ok());
    return std::move(id).value();
}

store::MissionStore mission(const QTemporaryDir& dir, const QString& name) {
    store::MissionInfo info;
    info.id = test::kSharedMissionId;
    info.name = name;
    info.marking = {QStringLiteral("UNCLASSIFIED"), QString()};
    Result<store::MissionStore> m =
        store::MissionStore::create(dir.filePath(name + QStringLiteral(".tessera")), info);
    REQUIRE(m.ok());
    return std::move(m).value();
}

const store::Marking kOpen{QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO MINUSMA")};

store::Incident report(const QString& title) {
    store::Incident i;
    i.title = title;
    i.category = QStringLiteral("armed_clash");
    i.severity = store::Severity::High;
    i.status = store::IncidentStatus::Confirmed;
    i.observedAt = QDateTime(QDate(2026, 12, 1), QTime(6, 15), Qt::UTC);
    i.location = {1.05, 15.9};
    i.source = QStringLiteral("BATT 3 patrol");
    i.narrative = QStringLiteral("Two vehicles burnt out on the RN16.");
    i.marking = kOpen;
    return i;
}

/// A report written at `station`'s mission.
store::Incident added(store::MissionStore& station, const QString& title) {
    store::Incident i = report(title);
    REQUIRE(station.addIncident(i).ok());
    return i;
}

/// Everything CHARLIE's mission holds, as text: unchanged means nothing was written.
QString dump(store::MissionStore& m) {
    QString out;
    const QList<store::Incident> incidents = m.incidents().value();
    for (const store::Incident& i : incidents)
        out += i.uuid + i.title + i.narrative + i.marking.banner() + QLatin1Char('\n');
    return out;
}

/// Three stations of one mission: ALPHA writes, BRAVO relays, CHARLIE receives. Each trusts the
/// other two unless a test says otherwise.
struct Mission {
    QTemporaryDir dir;
    Identity alpha = identity("BATT 3 ALPHA", "BGD");
    Identity bravo = identity("SECTOR EAST HQ", "NLD");
    Identity charlie = identity("FORCE HQ", "UN");
    store::MissionStore a = mission(dir, QStringLiteral("alpha"));
    store::MissionStore b = mission(dir, QStringLiteral("bravo"));
    store::MissionStore c = mission(dir, QStringLiteral("charlie"));
    ContactBook alphaBook = test::bookWith({&bravo, &charlie});
    ContactBook bravoBook = test::bookWith({&alpha, &charlie});
    ContactBook charlieBook = test::bookWith({&alpha, &bravo});

    /// ALPHA's changes, sent to BRAVO and applied there.
    void alphaToBravo() {
        Result<ExportReport> out = exportBundle(a, alpha, {bravo.card()});
        REQUIRE(out.ok());
        Result<ImportReport> in = importBundle(b, out.value().bytes, bravo, bravoBook);
        REQUIRE(in.ok());
        REQUIRE(in.value().applied == out.value().records);
        REQUIRE(out.value().records > 0);
    }
    /// What BRAVO would send CHARLIE, opened as CHARLIE would: for BRAVO to tamper with.
    Payload bravoPayloadForCharlie() {
        ExportOptions all;
        all.sinceLastReceived = false;
        Result<ExportReport> out = exportBundle(b, bravo, {charlie.card()}, all);
        REQUIRE(out.ok());
        Result<OpenedBundle> opened = openBundle(out.value().bytes, charlie, charlieBook);
        REQUIRE(opened.ok());
        Result<Payload> p = decodePayload(opened.value().payload, 1 << 20);
        REQUIRE(p.ok());
        return p.value();
    }
    /// `payload` sealed by BRAVO for CHARLIE: BRAVO's signature on the bundle is genuine.
    QByteArray sealedByBravo(const Payload& payload) {
        BundleHeader header;
        header.mission = test::kSharedMissionId;
        header.id = store::newUuid();
        header.created = QDateTime::currentDateTimeUtc();
        Result<QByteArray> bytes =
            sealBundle(header, encodePayload(payload), bravo, {charlie.card()});
        REQUIRE(bytes.ok());
        return bytes.value();
    }
    Result<ImportReport> charlieTakes(const QByteArray& bundle) {
        return importBundle(c, bundle, charlie, charlieBook);
    }
};

qsizetype indexOfKind(const Payload& p, const char* kind) {
    for (qsizetype k = 0; k < p.records.size(); ++k)
        if (p.records[k].kind == QLatin1String(kind))
            return k;
    FAIL("no " << kind << " in the payload");
    return -1;
}

} // namespace

TEST_CASE("Signed records: a relay passes a writer's records on intact", "[share][signed]") {
    Mission m;
    store::Incident i = report(QStringLiteral("Ambush near Ansongo"));
    REQUIRE(m.a.addIncident(i).ok());
    store::IncidentNote note;
    note.author = QStringLiteral("S2 ALPHA");
    note.text = QStringLiteral("Confirmed by a second patrol.");
    note.marking = kOpen;
    REQUIRE(m.a.addNote(i.uuid, note).ok());
    // A route with all a waypoint can carry (ATAK's control points, heights and link uids):
    // what a relay reads back from its tables must be, to the byte, what ALPHA signed.
    store::PatrolRoute route;
    route.name = QStringLiteral("MSR Ansongo");
    route.marking = kOpen;
    store::Waypoint start;
    start.location = {0.5, 15.66};
    start.plannedAt = QDateTime(QDate(2026, 12, 2), QTime(5, 30), Qt::UTC);
    start.name = QStringLiteral("SP");
    store::Waypoint bend;
    bend.location = {0.45, 15.7};
    bend.control = true;
    bend.elevation = 262.25;
    bend.linkUid = QStringLiteral("5f2b8c1e-0000-4000-8000-000000000007");
    route.waypoints = {start, bend};
    route.track = {store::TrackPoint{
        {0.5, 15.66}, QDateTime::fromMSecsSinceEpoch(1764653400250, Qt::UTC), 261.0}};
    REQUIRE(m.a.addRoute(route).ok());
    m.alphaToBravo();
    // BRAVO's own report travels beside ALPHA's, signed by BRAVO.
    added(m.b, QStringLiteral("Checkpoint Bourem reopened"));
    Result<ExportReport> out = exportBundle(m.b, m.bravo, {m.charlie.card()});
    REQUIRE(out.ok());
    CHECK(out.value().records == 4);
    Result<ImportReport> in = m.charlieTakes(out.value().bytes);
    REQUIRE(in.ok());
    CHECK(in.value().applied == 4);
    REQUIRE(m.c.routes().value().size() == 1);
    CHECK(m.c.routes().value().first().waypoints == route.waypoints);
    Result<store::Incident> held = m.c.incident(i.uuid);
    REQUIRE(held.ok());
    CHECK(held.value().narrative == i.narrative);
    CHECK(held.value().stamp.station == m.a.station());
    CHECK(m.c.notes(i.uuid).value().size() == 1);

    SECTION("and CHARLIE can pass them on again: the signatures are kept with the records") {
        store::MissionStore d = mission(m.dir, QStringLiteral("delta"));
        Identity delta = identity("UN HQ BAMAKO", "UN");
        ContactBook deltaBook = test::bookWith({&m.alpha, &m.bravo, &m.charlie});
        Result<ExportReport> again = exportBundle(m.c, m.charlie, {delta.card()});
        REQUIRE(again.ok());
        Result<ImportReport> dIn = importBundle(d, again.value().bytes, delta, deltaBook);
        REQUIRE(dIn.ok());
        CHECK(dIn.value().applied == 4);
    }
}

TEST_CASE("Signed records: a trusted relay can neither alter nor invent a writer's records",
          "[share][signed][adversary]") {
    Mission m;
    store::Incident i = report(QStringLiteral("Ambush near Ansongo"));
    REQUIRE(m.a.addIncident(i).ok());
    m.alphaToBravo();
    added(m.b, QStringLiteral("Checkpoint Bourem reopened"));
    const QString before = dump(m.c);

    const auto refusedAtCharlie = [&](const Payload& p, const char* why) {
        Result<ImportReport> in = m.charlieTakes(m.sealedByBravo(p));
        REQUIRE_FALSE(in.ok());
        CHECK_THAT(in.error().message.toStdString(), Contains(why));
        CHECK(dump(m.c) == before);
        return in.error().message;
    };

    SECTION("BRAVO alters ALPHA's report on the way: refused, ALPHA's record named") {
        Payload p = m.bravoPayloadForCharlie();
        SharedRecord& r = p.records[static_cast<qsizetype>([&] {
            for (qsizetype k = 0; k < p.records.size(); ++k)
                if (p.records[k].uuid == i.uuid)
                    return k;
            FAIL("ALPHA's report is not in BRAVO's bundle");
            return qsizetype{-1};
        }())];
        r.value.insert(QStringLiteral("narrative"), QStringLiteral("Nothing happened."));
        const QString why = refusedAtCharlie(p, "does not match its writer's signature");
        CHECK(why.contains(i.uuid));
        CHECK(why.contains(QStringLiteral("BATT 3 ALPHA")));
    }
    SECTION("BRAVO lowers ALPHA's marking on the way: refused") {
        Payload p = m.bravoPayloadForCharlie();
        for (SharedRecord& r : p.records)
            if (r.uuid == i.uuid) {
                r.value.insert(QStringLiteral("releasability"),
                               QStringLiteral("REL TO MINUSMA, NLD"));
                r.marking.releasability = QStringLiteral("REL TO MINUSMA, NLD");
            }
        refusedAtCharlie(p, "does not match its writer's signature");
    }
    SECTION("BRAVO invents a report in ALPHA's name, pointing at one of ALPHA's leaves") {
        Payload p = m.bravoPayloadForCharlie();
        const qsizetype real = [&] {
            for (qsizetype k = 0; k < p.records.size(); ++k)
                if (p.records[k].uuid == i.uuid)
                    return k;
            return qsizetype{-1};
        }();
        REQUIRE(real >= 0);
        SharedRecord forged = p.records[real];
        forged.uuid = store::newUuid();
        forged.value.insert(QStringLiteral("uuid"), forged.uuid);
        forged.value.insert(QStringLiteral("title"), QStringLiteral("ALPHA withdraws"));
        p.records.append(forged);
        refusedAtCharlie(p, "does not match its writer's signature");
    }
    SECTION("BRAVO invents a report in ALPHA's name and signs it with its own key") {
        // CHARLIE first holds ALPHA's genuine records, so it knows which key ALPHA signs with.
        Result<ExportReport> direct = exportBundle(m.a, m.alpha, {m.charlie.card()});
        REQUIRE(direct.ok());
        REQUIRE(m.charlieTakes(direct.value().bytes).ok());
        const QString held = dump(m.c);
        Payload p = m.bravoPayloadForCharlie();
        SharedRecord forged = p.records[indexOfKind(p, "incident")];
        forged.uuid = store::newUuid();
        forged.station = m.a.station();
        forged.value.insert(QStringLiteral("uuid"), forged.uuid);
        forged.value.insert(QStringLiteral("station"), forged.station);
        forged.value.insert(QStringLiteral("vv"), QCborMap{{forged.station, forged.updated}});
        forged.value.insert(QStringLiteral("title"), QStringLiteral("ALPHA withdraws"));
        QList<SharedRecord*> versions{&forged};
        Result<QList<RecordBatch>> batch =
            signVersions(m.bravo, test::kSharedMissionId, m.a.station(), 500, versions);
        REQUIRE(batch.ok());
        Payload lie{{forged}, batch.value()};
        Result<ImportReport> in = m.charlieTakes(m.sealedByBravo(lie));
        REQUIRE_FALSE(in.ok());
        CHECK_THAT(in.error().message.toStdString(), Contains("signs with another key"));
        CHECK(dump(m.c) == held);
    }
    SECTION("a record without its signature, or with another record's") {
        Payload stripped = m.bravoPayloadForCharlie();
        // Encoded without a proof: the decoder refuses it.
        QCborMap wire;
        {
            QByteArray bytes = encodePayload(stripped);
            QCborMap payload = QCborValue::fromCbor(bytes).toMap();
            QCborArray records = payload[QStringLiteral("records")].toArray();
            QCborMap first = records[0].toMap();
            first.remove(QStringLiteral("proof"));
            records[0] = first;
            payload.insert(QStringLiteral("records"), records);
            BundleHeader header;
            header.mission = test::kSharedMissionId;
            header.id = store::newUuid();
            header.created = QDateTime::currentDateTimeUtc();
            Result<QByteArray> sealed =
                sealBundle(header, payload.toCborValue().toCbor(), m.bravo, {m.charlie.card()});
            REQUIRE(sealed.ok());
            Result<ImportReport> in = m.charlieTakes(sealed.value());
            REQUIRE_FALSE(in.ok());
            CHECK_THAT(in.error().message.toStdString(), Contains("carries no signature"));
            CHECK(dump(m.c) == before);
        }
        Payload swapped = m.bravoPayloadForCharlie();
        REQUIRE(swapped.records.size() == 2);
        std::swap(swapped.records[0].salt, swapped.records[1].salt);
        std::swap(swapped.records[0].leaf, swapped.records[1].leaf);
        std::swap(swapped.records[0].batch, swapped.records[1].batch);
        refusedAtCharlie(swapped, "");
        Payload duplicated = m.bravoPayloadForCharlie();
        duplicated.records[1].salt = duplicated.records[0].salt;
        duplicated.records[1].leaf = duplicated.records[0].leaf;
        duplicated.records[1].batch = duplicated.records[0].batch;
        refusedAtCharlie(duplicated, "");
    }
    SECTION("a batch signed for another mission") {
        Payload p = m.bravoPayloadForCharlie();
        QList<SharedRecord> own;
        for (const SharedRecord& r : p.records)
            if (r.station == m.b.station())
                own.append(r);
        REQUIRE(own.size() == 1);
        QList<SharedRecord*> versions{&own.first()};
        Result<QList<RecordBatch>> batch =
            signVersions(m.bravo, QStringLiteral("0b9e1c58-3d1a-4f6e-9c7b-2a4d6e8f0a1c"),
                         m.b.station(), 77, versions);
        REQUIRE(batch.ok());
        refusedAtCharlie({own, batch.value()}, "not its writer's over this mission's records");
    }
}

TEST_CASE("Signed records: who CHARLIE does not know, or no longer trusts",
          "[share][signed][adversary]") {
    Mission m;
    store::Incident i = report(QStringLiteral("Ambush near Ansongo"));
    REQUIRE(m.a.addIncident(i).ok());
    m.alphaToBravo();

    SECTION("a writer unknown to CHARLIE: refused, though the relay is trusted") {
        m.charlieBook = test::bookWith({&m.bravo});
        Result<ExportReport> out = exportBundle(m.b, m.bravo, {m.charlie.card()});
        REQUIRE(out.ok());
        Result<ImportReport> in = m.charlieTakes(out.value().bytes);
        REQUIRE_FALSE(in.ok());
        CHECK_THAT(in.error().message.toStdString(), Contains("does not know"));
        CHECK_THAT(in.error().message.toStdString(), Contains(i.uuid.toStdString()));
        CHECK(m.c.incidents().value().isEmpty());
    }
    SECTION("a writer revoked after it wrote: applied, and said") {
        REQUIRE(
            m.charlieBook.revokeLocally(m.alpha.card().fingerprint(), QStringLiteral("laptop lost"))
                .ok());
        Result<ExportReport> out = exportBundle(m.b, m.bravo, {m.charlie.card()});
        REQUIRE(out.ok());
        Result<ImportReport> in = m.charlieTakes(out.value().bytes);
        REQUIRE(in.ok());
        CHECK(in.value().applied == 1);
        CHECK(in.value().revokedWriters ==
              QStringList{QStringLiteral("the station with "
                                         "fingerprint ") +
                          formatFingerprint(m.alpha.card().fingerprint()).left(19)});
        CHECK_THAT(in.value().warnings().join(u' ').toStdString(),
                   Contains("before its key was revoked"));
    }
    SECTION("a version written after the writer's key was revoked: refused") {
        REQUIRE(
            m.charlieBook.revokeLocally(m.alpha.card().fingerprint(), QStringLiteral("laptop lost"))
                .ok());
        // Whoever holds ALPHA's key writes on; BRAVO, not told, relays it.
        store::Incident later = i;
        later.narrative = QStringLiteral("All quiet, withdraw the patrols.");
        REQUIRE(m.a.updateIncident(later).ok());
        m.alphaToBravo();
        Result<ExportReport> out = exportBundle(m.b, m.bravo, {m.charlie.card()});
        REQUIRE(out.ok());
        Result<ImportReport> in = m.charlieTakes(out.value().bytes);
        REQUIRE_FALSE(in.ok());
        CHECK_THAT(in.error().message.toStdString(),
                   Contains("after its writer's key was revoked"));
        CHECK(m.c.incidents().value().isEmpty());
    }
}

TEST_CASE("Signed records: an old version replayed does not roll a record back",
          "[share][signed][adversary]") {
    Mission m;
    store::Incident i = report(QStringLiteral("Ambush near Ansongo"));
    REQUIRE(m.a.addIncident(i).ok());
    m.alphaToBravo();
    const Payload old = m.bravoPayloadForCharlie(); // ALPHA's first version, validly signed
    i.narrative = QStringLiteral("Two vehicles burnt out; three wounded evacuated to Gao.");
    REQUIRE(m.a.updateIncident(i).ok());
    Result<ExportReport> direct = exportBundle(m.a, m.alpha, {m.charlie.card()});
    REQUIRE(direct.ok());
    REQUIRE(m.charlieTakes(direct.value().bytes).ok());
    Result<ImportReport> replay = m.charlieTakes(m.sealedByBravo(old));
    REQUIRE(replay.ok());
    CHECK(replay.value().applied == 0);
    CHECK(m.c.incident(i.uuid).value().narrative == i.narrative);
}

TEST_CASE("Signed records: versions received before records were signed are not passed on",
          "[share][signed]") {
    Mission m;
    added(m.a, QStringLiteral("Ambush near Ansongo"));
    m.alphaToBravo();
    CHECK(unsignedForeignRecords(m.b).value() == 0);
    // As if BRAVO had received it from a build before signatures: no proof kept.
    REQUIRE(m.b.database().exec(QStringLiteral("DELETE FROM record_proof")).ok());
    CHECK(unsignedForeignRecords(m.b).value() == 1); // said in the sharing panel
    CHECK(unsignedForeignRecords(m.a).value() == 0); // ALPHA's own are signed when shared
    Result<ExportReport> out = exportBundle(m.b, m.bravo, {m.charlie.card()});
    REQUIRE(out.ok());
    CHECK(out.value().records == 0);
    CHECK(out.value().unsignedForeign == 1);
}

TEST_CASE("Canonical CBOR is RFC 8949's deterministic encoding", "[share][signed]") {
    // Section 4.2.1: shortest integers and lengths, shortest exact float, sorted map keys.
    CHECK(canonicalCbor(QCborValue(0)).toHex() == "00");
    CHECK(canonicalCbor(QCborValue(23)).toHex() == "17");
    CHECK(canonicalCbor(QCborValue(24)).toHex() == "1818");
    CHECK(canonicalCbor(QCborValue(1000000)).toHex() == "1a000f4240");
    CHECK(canonicalCbor(QCborValue(-1000)).toHex() == "3903e7");
    CHECK(canonicalCbor(QCborValue(1.5)).toHex() == "f93e00");
    CHECK(canonicalCbor(QCborValue(100000.0)).toHex() == "fa47c35000");
    CHECK(canonicalCbor(QCborValue(1.1)).toHex() == "fb3ff199999999999a");
    CHECK(canonicalCbor(QCborValue(-4.1)).toHex() == "fbc010666666666666");
    // Keys sorted by their encoded bytes: shorter strings first, then bytewise.
    QCborMap m;
    m.insert(QStringLiteral("bb"), 2);
    m.insert(QStringLiteral("a"), 1);
    m.insert(QStringLiteral("c"), QCborArray{true, QCborValue(QCborValue::Null)});
    CHECK(canonicalCbor(m).toHex() == "a3616101616382f5f662626202");
    // The same record in any key order has one leaf.
    QCborMap reversed;
    reversed.insert(QStringLiteral("c"), QCborArray{true, QCborValue(QCborValue::Null)});
    reversed.insert(QStringLiteral("a"), 1);
    reversed.insert(QStringLiteral("bb"), 2);
    const QByteArray salt(kSaltBytes, 's');
    CHECK(recordLeaf(m, salt) == recordLeaf(reversed, salt));
    CHECK(recordLeaf(m, salt) != recordLeaf(m, QByteArray(kSaltBytes, 't')));
}

TEST_CASE("Causal versions: a concurrent edit is a conflict wherever both versions are held",
          "[share][signed][conflict]") {
    Mission m;
    store::Incident x = report(QStringLiteral("Ambush near Ansongo"));
    REQUIRE(m.a.addIncident(x).ok());
    const auto send = [&](store::MissionStore& from, const Identity& fromId,
                          store::MissionStore& to, const Identity& toId, const ContactBook& book) {
        ExportOptions all;
        all.sinceLastReceived = false;
        Result<ExportReport> out = exportBundle(from, fromId, {toId.card()}, all);
        REQUIRE(out.ok());
        Result<ImportReport> in = importBundle(to, out.value().bytes, toId, book);
        REQUIRE(in.ok());
        return in.value();
    };
    send(m.a, m.alpha, m.b, m.bravo, m.bravoBook);
    send(m.a, m.alpha, m.c, m.charlie, m.charlieBook);

    // ALPHA and BRAVO edit the report, neither having seen the other's edit.
    x.narrative = QStringLiteral("Edited at ALPHA");
    REQUIRE(m.a.updateIncident(x).ok());
    QThread::msleep(3); // BRAVO's edit is the later one
    store::Incident atB = m.b.incident(x.uuid).value();
    atB.narrative = QStringLiteral("Edited at BRAVO");
    REQUIRE(m.b.updateIncident(atB).ok());
    // ALPHA writes on elsewhere: a station's knowledge of ALPHA's stamps is then past its edit
    // of the report, which the per-station knowledge of earlier builds took for "seen".
    QThread::msleep(3);
    added(m.a, QStringLiteral("Checkpoint Bourem reopened"));

    // Each sends what it holds before it hears of the other's edit (a sync that crosses, or
    // files on two USB sticks), CHARLIE getting both: each station that ends up holding both
    // versions flags the conflict, whichever arrives first.
    const auto bundleOf = [&](store::MissionStore& from, const Identity& fromId,
                              const Identity& toId) {
        ExportOptions all;
        all.sinceLastReceived = false;
        Result<ExportReport> out = exportBundle(from, fromId, {toId.card()}, all);
        REQUIRE(out.ok());
        return out.value().bytes;
    };
    const QByteArray aToB = bundleOf(m.a, m.alpha, m.bravo);
    const QByteArray bToA = bundleOf(m.b, m.bravo, m.alpha);
    const QByteArray aToC = bundleOf(m.a, m.alpha, m.charlie);
    const QByteArray bToC = bundleOf(m.b, m.bravo, m.charlie);
    const auto deliver = [](store::MissionStore& to, const QByteArray& bytes, const Identity& toId,
                            const ContactBook& book) {
        Result<ImportReport> in = importBundle(to, bytes, toId, book);
        REQUIRE(in.ok());
        return in.value().conflicts;
    };
    CHECK(deliver(m.b, aToB, m.bravo, m.bravoBook) == 1);
    // BRAVO answers after it has ALPHA's edit, and sends the version it shows (its own, the
    // later): ALPHA holds both now and must see it too, though BRAVO had seen ALPHA's.
    CHECK(send(m.b, m.bravo, m.a, m.alpha, m.alphaBook).conflicts == 1);
    (void)bToA;
    CHECK(deliver(m.c, bToC, m.charlie, m.charlieBook) == 0); // BRAVO's first: nothing yet
    CHECK(deliver(m.c, aToC, m.charlie, m.charlieBook) == 1);
    // And a version already held, sent again by another path, is not a second conflict.
    CHECK(send(m.b, m.bravo, m.c, m.charlie, m.charlieBook).conflicts == 0);
    CHECK(send(m.a, m.alpha, m.c, m.charlie, m.charlieBook).conflicts == 0);
    for (store::MissionStore* s : {&m.a, &m.b, &m.c}) {
        CHECK(conflicts(*s).value().size() == 1);
        CHECK(s->incident(x.uuid).value().narrative == m.a.incident(x.uuid).value().narrative);
    }

    // ALPHA settles it: its choice builds on both versions and is no conflict anywhere.
    const Conflict c = conflicts(m.a).value().first();
    const bool bravoShown =
        m.a.incident(x.uuid).value().narrative == QLatin1String("Edited at BRAVO");
    // The version not shown: ALPHA's own if BRAVO's won, else BRAVO's.
    REQUIRE(resolveConflict(m.a, c.id, bravoShown ? ConflictChoice::Ours : ConflictChoice::Theirs)
                .ok());
    const QString chosen = m.a.incident(x.uuid).value().narrative;
    CHECK(chosen ==
          (bravoShown ? QStringLiteral("Edited at ALPHA") : QStringLiteral("Edited at BRAVO")));
    CHECK(send(m.a, m.alpha, m.b, m.bravo, m.bravoBook).conflicts == 0);
    CHECK(send(m.b, m.bravo, m.c, m.charlie, m.charlieBook).conflicts == 0);
    for (store::MissionStore* s : {&m.a, &m.b, &m.c})
        CHECK(s->incident(x.uuid).value().narrative == chosen);
    // An edit after the conflict builds on everything seen: no conflict at the others either.
    store::Incident later = m.b.incident(x.uuid).value();
    later.narrative = QStringLiteral("Settled: edited at BRAVO, then amended");
    REQUIRE(m.b.updateIncident(later).ok());
    CHECK(send(m.b, m.bravo, m.a, m.alpha, m.alphaBook).conflicts == 0);
    CHECK(send(m.b, m.bravo, m.c, m.charlie, m.charlieBook).conflicts == 0);
}

namespace {

/// One station of the property test's mission.
struct Peer {
    Identity id;
    std::unique_ptr<store::MissionStore> mission;
    ContactBook book;
    QString community; ///< its sector
};

QString sectorOf(int k) {
    return k < 3 ? QStringLiteral("SECTOR EAST") : QStringLiteral("SECTOR WEST");
}

/// What a station shows of each incident it holds: uuid -> narrative and stamp.
QMap<QString, QString> shown(store::MissionStore& m) {
    QMap<QString, QString> out;
    const QList<store::Incident> all = m.incidents().value();
    for (const store::Incident& i : all)
        out.insert(i.uuid, QStringLiteral("%1 @%2 by %3 [%4]")
                               .arg(i.narrative)
                               .arg(i.stamp.updated.value)
                               .arg(i.stamp.station, i.marking.releasability));
    return out;
}

} // namespace

TEST_CASE("Signed records converge through lossy relays, conflicts seen, forgeries refused "
          "(seeded property)",
          "[share][signed][property]") {
    const unsigned seed = GENERATE(7u, 2026u, 31337u);
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    QTemporaryDir dir;
    std::vector<Peer> peers;
    const char* orgs[] = {"NLD", "FRA", "SEN", "BGD", "CHN", "PAK"};
    for (int k = 0; k < 6; ++k) {
        Result<Identity> id = Identity::create({QStringLiteral("STATION %1").arg(k),
                                                QString::fromLatin1(orgs[k]),
                                                {QStringLiteral("MINUSMA"), sectorOf(k)},
                                                Classification::Secret,
                                                {}});
        REQUIRE(id.ok());
        peers.push_back({std::move(id).value(),
                         std::make_unique<store::MissionStore>(
                             mission(dir, QStringLiteral("station%1").arg(k))),
                         ContactBook(), sectorOf(k)});
    }
    for (Peer& p : peers)
        for (const Peer& o : peers)
            if (&p != &o)
                REQUIRE(p.book.importCard(o.id.card(), o.id.card().fingerprintText()).ok());

    const QStringList scopes{QStringLiteral("REL TO MINUSMA"), QStringLiteral("REL TO SECTOR EAST"),
                             QStringLiteral("REL TO SECTOR WEST")};
    const auto mayHold = [&](int k, const QString& releasability) {
        return releasability == QLatin1String("REL TO MINUSMA") ||
               releasability.endsWith(peers[k].community);
    };
    const auto bundleFor = [&](int from, int to) {
        ExportOptions all;
        all.sinceLastReceived = false;
        Result<ExportReport> out =
            exportBundle(*peers[from].mission, peers[from].id, {peers[to].id.card()}, all);
        REQUIRE(out.ok());
        return out.value().bytes;
    };
    const auto deliver = [&](int to, const QByteArray& bytes) {
        return importBundle(*peers[to].mission, bytes, peers[to].id, peers[to].book);
    };
    // Deliberately concurrent edits: (record, writer of one version, writer of the other).
    struct Concurrent {
        QString uuid;
        int first, second;
        qint64 firstStamp, secondStamp;
    };
    QList<Concurrent> concurrentEdits;
    int forgeries = 0;
    int edits = 0;

    for (int step = 0; step < 90; ++step) {
        const int action = pick(10);
        const int k = pick(6);
        store::MissionStore& m = *peers[k].mission;
        const QList<store::Incident> held = m.incidents().value();
        if (action < 2 || held.isEmpty()) { // a new report
            store::Incident i = report(QStringLiteral("Report %1 of station %2").arg(step).arg(k));
            i.marking.releasability = scopes[pick(3)];
            if (!mayHold(k, i.marking.releasability))
                i.marking.releasability = scopes[0];
            REQUIRE(m.addIncident(i).ok());
        } else if (action < 4) { // an edit of something it holds
            store::Incident i = held[pick(static_cast<int>(held.size()))];
            i.narrative = QStringLiteral("edit %1 at station %2").arg(step).arg(k);
            REQUIRE(m.updateIncident(i).ok());
            ++edits;
        } else if (action == 4) { // two stations edit the same version, neither seeing the other
            const store::Incident i = held[pick(static_cast<int>(held.size()))];
            for (int other = 0; other < 6; ++other) {
                if (other == k)
                    continue;
                Result<store::Incident> there = peers[other].mission->incident(i.uuid);
                if (!there || there.value().stamp.updated.value != i.stamp.updated.value ||
                    there.value().stamp.station != i.stamp.station)
                    continue;
                store::Incident mine = i;
                mine.narrative = QStringLiteral("concurrent %1 at station %2").arg(step).arg(k);
                REQUIRE(m.updateIncident(mine).ok());
                QThread::msleep(2);
                store::Incident theirs = there.value();
                theirs.narrative =
                    QStringLiteral("concurrent %1 at station %2").arg(step).arg(other);
                REQUIRE(peers[other].mission->updateIncident(theirs).ok());
                concurrentEdits.append(
                    {i.uuid, k, other, m.incident(i.uuid).value().stamp.updated.value,
                     peers[other].mission->incident(i.uuid).value().stamp.updated.value});
                break;
            }
        } else if (action == 5) { // a trusted station forges another's record on the way
            const int to = (k + 1 + pick(5)) % 6;
            Result<OpenedBundle> opened =
                openBundle(bundleFor(k, to), peers[to].id, peers[to].book);
            REQUIRE(opened.ok());
            Result<Payload> p = decodePayload(opened.value().payload, 1 << 20);
            REQUIRE(p.ok());
            bool altered = false;
            for (SharedRecord& r : p.value().records)
                if (r.kind == QLatin1String("incident") && r.station != m.station()) {
                    r.value.insert(QStringLiteral("narrative"), QStringLiteral("FORGED"));
                    altered = true;
                    break;
                }
            if (!altered)
                continue;
            BundleHeader header;
            header.mission = test::kSharedMissionId;
            header.id = store::newUuid();
            header.created = QDateTime::currentDateTimeUtc();
            Result<QByteArray> sealed =
                sealBundle(header, encodePayload(p.value()), peers[k].id, {peers[to].id.card()});
            REQUIRE(sealed.ok());
            const QMap<QString, QString> before = shown(*peers[to].mission);
            CHECK_FALSE(deliver(to, sealed.value()).ok());
            CHECK(shown(*peers[to].mission) == before);
            ++forgeries;
        } else { // a bundle between two stations: lost, delivered, or delivered twice
            const int to = (k + 1 + pick(5)) % 6;
            const QByteArray bytes = bundleFor(k, to);
            const int fate = pick(10);
            if (fate < 2)
                continue; // lost
            REQUIRE(deliver(to, bytes).ok());
            if (fate == 9)
                CHECK_FALSE(deliver(to, bytes).ok()); // the same file again: a replay
        }
    }
    // The links come back: every station syncs with every other until nothing changes.
    for (int round = 0; round < 3; ++round)
        for (int from = 0; from < 6; ++from)
            for (int to = 0; to < 6; ++to)
                if (from != to)
                    REQUIRE(deliver(to, bundleFor(from, to)).ok());

    // Converged, per releasability: every station holds exactly what it may, and two stations
    // show the same version of what both hold.
    QMap<QString, QString> everything;
    for (Peer& p : peers)
        everything.insert(shown(*p.mission));
    for (int k = 0; k < 6; ++k) {
        const QMap<QString, QString> mine = shown(*peers[k].mission);
        for (auto it = everything.constBegin(); it != everything.constEnd(); ++it) {
            const QString releasability = it.value().section(u'[', -1).chopped(1);
            INFO("station " << k << ", incident " << it.key().toStdString());
            CHECK(mine.contains(it.key()) == mayHold(k, releasability));
        }
        for (int o = k + 1; o < 6; ++o) {
            const QMap<QString, QString> theirs = shown(*peers[o].mission);
            for (auto it = mine.constBegin(); it != mine.constEnd(); ++it)
                if (theirs.contains(it.key()))
                    CHECK(theirs.value(it.key()) == it.value());
        }
        for (const QString& v : mine)
            CHECK_FALSE(v.startsWith(QLatin1String("FORGED")));
    }
    // A concurrent edit is flagged at each writer unless what every station now shows builds on
    // its version: then it never held a version concurrent with its own, nor had to.
    int mustFlag = 0;
    for (const Concurrent& c : concurrentEdits) {
        for (const auto& [writer, stamp] :
             {std::pair{c.first, c.firstStamp}, std::pair{c.second, c.secondStamp}}) {
            store::MissionStore& m = *peers[writer].mission;
            Result<std::optional<SharedRecord>> now =
                currentRecord(m, QStringLiteral("incident"), c.uuid);
            REQUIRE(now.ok());
            REQUIRE(now.value().has_value());
            const QCborMap vv = now.value()->value[QStringLiteral("vv")].toMap();
            if (vv.value(m.station()).toInteger(-1) >= stamp)
                continue; // built on its version
            ++mustFlag;
            bool flagged = false;
            const QList<Conflict> all = conflicts(m, false).value();
            for (const Conflict& found : all)
                flagged = flagged || found.uuid == c.uuid;
            INFO("incident " << c.uuid.toStdString() << ", station " << writer);
            CHECK(flagged);
        }
    }
    INFO(concurrentEdits.size() << " concurrent edits, " << mustFlag
                                << " writers that had to flag one, " << forgeries << " forgeries");
    CHECK(concurrentEdits.size() > 0);
    CHECK(edits > 5);
    CHECK(forgeries > 0);
}

TEST_CASE("Knowledge without holes: what a relay could not carry still comes, once it may",
          "[share][signed][knowledge]") {
    Mission m;
    // Exports as the CLI makes them: each carries what the peer lacks by what it last said.
    const auto send = [](store::MissionStore& from, const Identity& fromId, store::MissionStore& to,
                         const Identity& toId, const ContactBook& book) {
        Result<ExportReport> out = exportBundle(from, fromId, {toId.card()});
        REQUIRE(out.ok());
        Result<ImportReport> in = importBundle(to, out.value().bytes, toId, book);
        REQUIRE(in.ok());
        return out.value().records;
    };
    const store::Marking notForBravo{QStringLiteral("UNCLASSIFIED"),
                                     QStringLiteral("REL TO BGD, UN")};

    SECTION("an earlier report the relay was not cleared for") {
        store::Incident early = report(QStringLiteral("Source report, Menaka"));
        early.marking = notForBravo;
        REQUIRE(m.a.addIncident(early).ok());
        QThread::msleep(2);
        added(m.a, QStringLiteral("Checkpoint Bourem reopened"));
        send(m.a, m.alpha, m.b, m.bravo, m.bravoBook);     // BRAVO gets the later one only
        send(m.b, m.bravo, m.c, m.charlie, m.charlieBook); // and relays it: CHARLIE now says
        send(m.c, m.charlie, m.a, m.alpha, m.alphaBook);   // it holds ALPHA's up to it
        CHECK_FALSE(m.c.incident(early.uuid).ok());
        send(m.a, m.alpha, m.c, m.charlie, m.charlieBook);
        Result<store::Incident> held = m.c.incident(early.uuid);
        REQUIRE(held.ok());
        CHECK(held.value().title == early.title);
        // Made whole once: the next export carries nothing again.
        CHECK(send(m.a, m.alpha, m.c, m.charlie, m.charlieBook) == 0);
    }
    SECTION("a note withheld while its incident was raised, sent when it is lowered") {
        store::Incident i = report(QStringLiteral("Ambush near Ansongo"));
        REQUIRE(m.a.addIncident(i).ok());
        store::IncidentNote note;
        note.author = QStringLiteral("S2 ALPHA");
        note.text = QStringLiteral("Second patrol confirms.");
        note.marking = kOpen;
        REQUIRE(m.a.addNote(i.uuid, note).ok());
        i.marking = notForBravo;
        i.marking.releasability = QStringLiteral("REL TO BGD, NLD"); // not for CHARLIE (UN)
        REQUIRE(m.a.updateIncident(i).ok());
        QThread::msleep(2);
        added(m.a, QStringLiteral("Checkpoint Bourem reopened"));
        send(m.a, m.alpha, m.c, m.charlie, m.charlieBook); // the incident and its note withheld
        send(m.c, m.charlie, m.a, m.alpha, m.alphaBook);   // CHARLIE holds ALPHA's past the note
        CHECK(m.c.notes(i.uuid).value().isEmpty());
        i.marking = kOpen; // lowered again by its originator
        REQUIRE(m.a.updateIncident(i).ok());
        send(m.a, m.alpha, m.c, m.charlie, m.charlieBook);
        REQUIRE(m.c.incident(i.uuid).ok());
        CHECK(m.c.notes(i.uuid).value().size() == 1);
    }
}

TEST_CASE("Sanitised versions travel signed by their originator, and say no more than allowed",
          "[share][signed][sanitised][adversary]") {
    // ALPHA (BGD) lets its own nation have the report and the rest of the mission a version
    // without title, source or narrative, placed on its 10 km square. BRAVO relays to CHARLIE.
    Mission m;
    store::Incident i = report(QStringLiteral("Ambush near Ansongo, informant WAGTAIL"));
    i.location = {0.5021347, 15.6634819};
    i.marking = {QStringLiteral("CONFIDENTIAL"),
                 QStringLiteral("REL TO BGD // SANITISED UNCLASSIFIED REL TO MINUSMA: GRID 10 KM, "
                                "WITHHOLD NARRATIVE, WITHHOLD SOURCE, WITHHOLD TITLE")};
    REQUIRE(m.a.addIncident(i).ok());
    const QString version = sanitisedUuid(i.uuid);
    const geo::GeoPoint centre = geo::geodesy::mgrsSquare(i.location, 10)->centre;

    // The sharing panel counts what the bundle will carry.
    Result<QList<PeerStatus>> status = peerStatus(m.a, {m.bravo.card()});
    REQUIRE(status.ok());
    CHECK(status.value().first().pending == 1);
    CHECK(status.value().first().withheld == 0);

    Result<ExportReport> out = exportBundle(m.a, m.alpha, {m.bravo.card()});
    REQUIRE(out.ok());
    CHECK(out.value().records == 1);
    Result<OpenedBundle> opened = openBundle(out.value().bytes, m.bravo, m.bravoBook);
    REQUIRE(opened.ok());
    const QByteArray& payload = opened.value().payload;
    for (const char* secret :
         {"WAGTAIL", "Ansongo", "RN16", "BATT 3 patrol", "CONFIDENTIAL", "REL TO BGD"})
        CHECK_FALSE(payload.contains(secret));
    for (double v : {i.location.lon, i.location.lat}) { // CBOR: big-endian doubles
        QByteArray bytes(8, '\0');
        const quint64 bits = std::bit_cast<quint64>(v);
        for (int k = 0; k < 8; ++k)
            bytes[k] = static_cast<char>(bits >> (56 - 8 * k));
        CHECK_FALSE(payload.contains(bytes));
    }
    Result<ImportReport> atBravo = importBundle(m.b, out.value().bytes, m.bravo, m.bravoBook);
    INFO((atBravo.ok() ? QString() : atBravo.error().message).toStdString());
    REQUIRE(atBravo.ok());
    CHECK(atBravo.value().applied == 1);
    const QList<store::Incident> held = m.b.incidents().value();
    REQUIRE(held.size() == 1);
    CHECK(held.first().uuid == version);
    CHECK(held.first().title == i.category + QStringLiteral(" (title withheld)"));
    CHECK(held.first().narrative.isEmpty());
    CHECK(held.first().source.isEmpty());
    CHECK(held.first().location == centre);
    CHECK(held.first().marking.banner() == QLatin1String("UNCLASSIFIED // REL TO MINUSMA"));

    const auto versionIn = [&](Payload& p) -> SharedRecord& {
        for (SharedRecord& r : p.records)
            if (r.uuid == version)
                return r;
        FAIL("the sanitised version is not in BRAVO's bundle");
        return p.records.first();
    };

    SECTION("BRAVO relays it: CHARLIE checks ALPHA's signature and holds the version") {
        Result<ImportReport> in = m.charlieTakes(m.sealedByBravo(m.bravoPayloadForCharlie()));
        REQUIRE(in.ok());
        CHECK(in.value().applied == 1);
        CHECK(dump(m.c).contains(version));
    }
    SECTION("BRAVO puts the fine position back on the way: refused") {
        Payload p = m.bravoPayloadForCharlie();
        SharedRecord& r = versionIn(p);
        r.value.insert(QStringLiteral("lon"), i.location.lon);
        r.value.insert(QStringLiteral("lat"), i.location.lat);
        const QString before = dump(m.c);
        Result<ImportReport> in = m.charlieTakes(m.sealedByBravo(p));
        REQUIRE_FALSE(in.ok());
        CHECK_THAT(in.error().message.toStdString(),
                   Contains("does not match its writer's signature"));
        CHECK(dump(m.c) == before);
    }
    SECTION("a version that claims another record as its original: refused") {
        Payload p = m.bravoPayloadForCharlie();
        versionIn(p).value.insert(QStringLiteral("sanitised_of"), store::newUuid());
        Result<ImportReport> in = m.charlieTakes(m.sealedByBravo(p));
        REQUIRE_FALSE(in.ok());
        CHECK_THAT(in.error().message.toStdString(), Contains("sanitised version"));
    }
    SECTION("the original, once released, takes the version's place; the version never returns") {
        REQUIRE(m.charlieTakes(m.sealedByBravo(m.bravoPayloadForCharlie())).ok());
        // ALPHA widens its own marking to UN: CHARLIE may now have the report itself.
        i.marking.releasability = QStringLiteral("REL TO BGD, UN // SANITISED UNCLASSIFIED REL TO "
                                                 "MINUSMA: GRID 10 KM, WITHHOLD NARRATIVE, "
                                                 "WITHHOLD SOURCE, WITHHOLD TITLE");
        REQUIRE(m.a.updateIncident(i).ok());
        Result<ExportReport> toCharlie = exportBundle(m.a, m.alpha, {m.charlie.card()});
        REQUIRE(toCharlie.ok());
        REQUIRE(m.charlieTakes(toCharlie.value().bytes).ok());
        QList<store::Incident> atCharlie = m.c.incidents().value();
        REQUIRE(atCharlie.size() == 1);
        CHECK(atCharlie.first().uuid == i.uuid);
        CHECK(atCharlie.first().narrative == i.narrative);
        // BRAVO relays the version again: CHARLIE keeps the original only.
        Result<ImportReport> again = m.charlieTakes(m.sealedByBravo(m.bravoPayloadForCharlie()));
        REQUIRE(again.ok());
        atCharlie = m.c.incidents().value();
        REQUIRE(atCharlie.size() == 1);
        CHECK(atCharlie.first().uuid == i.uuid);
    }
    SECTION("a station that is not the originator never makes a version") {
        // BRAVO edits the version it holds: its own write, under the sanitised marking, is an
        // ordinary record; nothing of ALPHA's report is in BRAVO's hands to sanitise.
        CHECK(bundleRelease(i.marking, {}, false, {m.charlie.card().profile}).form ==
              BundleRelease::Form::Withheld);
        CHECK(bundleRelease(i.marking, {}, true, {m.charlie.card().profile}).form ==
              BundleRelease::Form::Sanitised);
        // A group with one recipient cleared for the record and one for the version: neither.
        Identity bgd = identity("BGD HQ", "BGD");
        CHECK(bundleRelease(i.marking, {}, true, {m.charlie.card().profile, bgd.card().profile})
                  .form == BundleRelease::Form::Withheld);
    }
}
