// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Releasability without holes (issue 17), tried as an adversary would with four stations of four
// nations: a note and a file of an incident raised after they were written, on every path that
// sends records (bundle, bundle series for TLS, pending counts, CoT, TAK, OGR); a cleared peer
// that lowers or widens the originator's marking and sends it back; a bundle of another mission
// or of an exercise; a peer's clock a day ahead; a stale bundle taken for a conflict.
#include "ShareTestSupport.h"
#include "TestSupport.h"
#include "interop/CursorOnTarget.h"
#include "interop/MissionExport.h"
#include "interop/TakPackage.h"
#include "share/Bundle.h"
#include "share/BundleFormat.h"
#include "share/BundleRecords.h"
#include "share/ContactBook.h"
#include "share/Identity.h"
#include "share/PeerStatus.h"
#include "share/ReleasePolicy.h"
#include "store/MissionStore.h"
#include "store/Uuid.h"

#include <QFile>
#include <QSet>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

#include <random>

using namespace tessera;
using namespace tessera::share;
using Catch::Matchers::Contains;

namespace {

Identity identity(const char* name, const char* org, Classification clearance) {
    Result<Identity> id = Identity::create({QString::fromLatin1(name),
                                            QString::fromLatin1(org),
                                            {QStringLiteral("MINUSMA")},
                                            clearance,
                                            {}});
    REQUIRE(id.ok());
    return std::move(id).value();
}

store::MissionStore mission(const QTemporaryDir& dir, const QString& name,
                            const QString& id = test::kSharedMissionId, bool exercise = false) {
    store::MissionInfo info;
    info.id = id;
    info.exercise = exercise;
    info.name = name;
    info.marking = {QStringLiteral("UNCLASSIFIED"), QString()};
    info.initialView = {-6.0, 12.5, 5.0, 21.0};
    Result<store::MissionStore> m =
        store::MissionStore::create(dir.filePath(name + QStringLiteral(".tessera")), info);
    REQUIRE(m.ok());
    return std::move(m).value();
}

store::Incident incident(const QString& title, const store::Marking& marking) {
    store::Incident i;
    i.title = title;
    i.category = QStringLiteral("armed_clash");
    i.severity = store::Severity::High;
    i.status = store::IncidentStatus::Confirmed;
    i.observedAt = QDateTime(QDate(2026, 11, 30), QTime(10, 30), Qt::UTC);
    i.location = {-0.04, 16.27};
    i.source = QStringLiteral("patrol");
    i.narrative = QStringLiteral("Narrative of ") + title;
    i.marking = marking;
    return i;
}

const store::Marking kUnclassified{QStringLiteral("UNCLASSIFIED"), QString()};
const store::Marking kSecretNld{QStringLiteral("SECRET"), QStringLiteral("REL TO NLD")};
const store::Marking kSecretNldFra{QStringLiteral("SECRET"), QStringLiteral("REL TO NLD, FRA")};

/// What the informant's details look like in any encoding a serialiser might use.
const QByteArray kSecretWords = "Diallo";

/// Four stations of four nations, each cleared for SECRET: releasability alone decides.
struct Nations {
    Identity nld = identity("NLD JOC", "NLD", Classification::Secret);
    Identity fra = identity("FRA BATT", "FRA", Classification::Secret);
    Identity sen = identity("SEN COY", "SEN", Classification::Secret);
    Identity usa = identity("USA LNO", "USA", Classification::Secret);
    ContactBook nldBook = test::bookWith({&fra, &sen, &usa});
    ContactBook fraBook = test::bookWith({&nld, &sen, &usa});
    ContactBook usaBook = test::bookWith({&nld, &fra, &sen});
};

/// Every record a bundle carries, opened as its recipient would (decrypted, decompressed).
QList<SharedRecord> openedRecords(const QByteArray& bundle, const Identity& me,
                                  const ContactBook& book) {
    Result<OpenedBundle> opened = openBundle(bundle, me, book);
    REQUIRE(opened.ok());
    CHECK_FALSE(opened.value().payload.contains(kSecretWords));
    return test::payloadRecords(opened.value().payload);
}

QStringList kindsOf(const QList<SharedRecord>& records) {
    QStringList kinds;
    for (const SharedRecord& r : records)
        kinds.append(r.kind);
    kinds.sort();
    return kinds;
}

std::function<bool(const store::Marking&)> releasableTo(const Identity& peer) {
    return [profile = peer.card().profile](const store::Marking& m) {
        return ReleasePolicy::mayRelease(m, profile).allowed;
    };
}

/// A bundle of `records` as `from` would seal them for `to`, whatever they say: what a trusted
/// peer's modified build can send.
QByteArray sealedBy(const Identity& from, const Identity& to, const QList<SharedRecord>& records) {
    BundleHeader header;
    header.mission = test::kSharedMissionId;
    header.id = store::newUuid();
    header.created = QDateTime::currentDateTimeUtc();
    Result<QByteArray> bytes =
        sealBundle(header, test::signedPayload(from, records), from, {to.card()});
    REQUIRE(bytes.ok());
    return bytes.value();
}

/// A SECRET REL TO NLD, FRA incident of NLD's, sent to FRA and held there.
store::Incident nldRecordAtFra(Nations& n, store::MissionStore& nld, store::MissionStore& fra,
                               const QString& title) {
    store::Incident i = incident(title, kSecretNldFra);
    REQUIRE(nld.addIncident(i).ok());
    Result<ExportReport> toFra = exportBundle(nld, n.nld, {n.fra.card()});
    REQUIRE(toFra.ok());
    REQUIRE(importBundle(fra, toFra.value().bytes, n.fra, n.fraBook).ok());
    return i;
}

} // namespace

TEST_CASE("Releasability: the notes and files of an incident raised after them stay home, on "
          "every path",
          "[share][release]") {
    QTemporaryDir dir;
    Nations n;
    store::MissionStore nld = mission(dir, QStringLiteral("nld"));

    // Written while the incident was UNCLASSIFIED, with the marking it had then...
    store::Incident i = incident(QStringLiteral("Ambush near Gao"), kUnclassified);
    REQUIRE(nld.addIncident(i).ok());
    store::IncidentNote note;
    note.author = QStringLiteral("analyst");
    note.text = QStringLiteral("Informant: Amadou Diallo, +223 76 12 34 56");
    note.marking = kUnclassified;
    REQUIRE(nld.addNote(i.uuid, note).ok());
    REQUIRE(nld.attach(i.uuid, QStringLiteral("informant.txt"),
                       QByteArray("Amadou Diallo, +223 76 12 34 56, Gao market"),
                       QStringLiteral("text/plain"), kUnclassified)
                .ok());
    // ...then the incident is raised: what hangs from it goes no further than it does.
    i.marking = kSecretNld;
    REQUIRE(nld.updateIncident(i).ok());

    SECTION("a bundle for USA carries none of the three, not even encrypted to it") {
        Result<ExportReport> r = exportBundle(nld, n.nld, {n.usa.card()});
        REQUIRE(r.ok());
        CHECK(r.value().records == 0);
        CHECK(r.value().withheld == 3);
        CHECK(openedRecords(r.value().bytes, n.usa, n.usaBook).isEmpty());
        CHECK_FALSE(r.value().bytes.contains(kSecretWords));
    }
    SECTION("the series TLS sync sends carries none of them either") {
        int bundles = 0;
        Result<SeriesReport> series =
            exportBundleSeries(nld, n.nld, n.usa.card(), {}, 1, [&](const ExportReport& part) {
                ++bundles;
                CHECK(openedRecords(part.bytes, n.usa, n.usaBook).isEmpty());
                return success();
            });
        REQUIRE(series.ok());
        CHECK(series.value().records == 0);
        CHECK(series.value().withheld == 3);
    }
    SECTION("the sharing panel's pending count agrees: nothing pending, three withheld") {
        Result<QList<PeerStatus>> status = peerStatus(nld, {n.usa.card()});
        REQUIRE(status.ok());
        CHECK(status.value().first().pending == 0);
        CHECK(status.value().first().withheld == 3);
    }
    SECTION("CoT, TAK and OGR exports for USA leave them out") {
        const QString cot = dir.filePath(QStringLiteral("for-usa.cot"));
        qint64 withheld = 0;
        Result<qint64> events = interop::exportCot(nld, cot, releasableTo(n.usa), &withheld);
        REQUIRE(events.ok());
        CHECK(events.value() == 0);
        CHECK_FALSE(test::readAll(cot).contains(kSecretWords));
        const QString tak = dir.filePath(QStringLiteral("for-usa.zip"));
        Result<qint64> package =
            interop::exportTakPackage(nld, tak, QStringLiteral("for USA"), releasableTo(n.usa));
        REQUIRE(package.ok());
        CHECK(package.value() == 0);
        CHECK_FALSE(test::readAll(tak).contains("informant.txt"));
        const QString geojson = dir.filePath(QStringLiteral("for-usa.geojson"));
        interop::RecordExportOptions options;
        options.releasable = ReleasePolicy::filterFor(n.usa.card().profile);
        Result<interop::RecordExportReport> ogr = interop::exportRecords(nld, geojson, options);
        REQUIRE(ogr.ok());
        CHECK_FALSE(test::readAll(geojson).contains(kSecretWords));
    }
    SECTION("control: a station the incident is releasable to gets all three") {
        i.marking = kSecretNldFra;
        REQUIRE(nld.updateIncident(i).ok());
        Result<ExportReport> r = exportBundle(nld, n.nld, {n.fra.card()});
        REQUIRE(r.ok());
        Result<OpenedBundle> opened = openBundle(r.value().bytes, n.fra, n.fraBook);
        REQUIRE(opened.ok());
        CHECK(kindsOf(test::payloadRecords(opened.value().payload)) ==
              QStringList{QStringLiteral("attachment"), QStringLiteral("incident"),
                          QStringLiteral("note")});
    }
}

TEST_CASE("Marking authority: a peer may raise a record; only its originator may lower or widen "
          "it",
          "[share][release]") {
    QTemporaryDir dir;
    Nations n;
    store::MissionStore nld = mission(dir, QStringLiteral("nld"));
    store::MissionStore fra = mission(dir, QStringLiteral("fra"));
    const store::Incident i = nldRecordAtFra(n, nld, fra, QStringLiteral("Source report, Kidal"));

    // A FRA station that lies (a modified build: its own store would refuse the edit, see the
    // next test case) writes a new version of NLD's record under its own name and sends it back.
    const auto fraEdits = [&](const store::Marking& marking) {
        Result<QList<SharedRecord>> records = changedRecords(fra, {});
        REQUIRE(records.ok());
        REQUIRE(records.value().size() == 1);
        SharedRecord r = records.value().first();
        r.marking = marking;
        test::restamp(r, fra.station(), fra.stamp().value);
        r.value.insert(QStringLiteral("classification"), marking.classification);
        r.value.insert(QStringLiteral("releasability"), marking.releasability);
        r.value.insert(QStringLiteral("narrative"), i.narrative + QStringLiteral(" (FRA)"));
        Result<ImportReport> applied =
            importBundle(nld, sealedBy(n.fra, n.nld, {r}), n.nld, n.nldBook);
        REQUIRE(applied.ok());
        return applied.value();
    };

    SECTION("lowered to UNCLASSIFIED: refused at the originator, named, and kept for the analyst") {
        const ImportReport r = fraEdits(kUnclassified);
        REQUIRE(r.refused.size() == 1);
        CHECK_THAT(r.refused.first().toStdString(), Contains(i.uuid.toStdString()));
        CHECK_THAT(r.refused.first().toStdString(),
                   Contains("only the station that created the record"));
        CHECK_THAT(r.warnings().join(QLatin1Char(' ')).toStdString(), Contains("Not applied"));
        CHECK(nld.incident(i.uuid).value().marking == kSecretNldFra);
        CHECK_FALSE(nld.incident(i.uuid).value().narrative.contains(QLatin1String("(FRA)")));
        Result<QVariant> kept =
            nld.database().scalar(QStringLiteral("SELECT count(*) FROM share_refused"));
        REQUIRE(kept.ok());
        CHECK(kept.value().toInt() == 1);
        // ...so the originator's next bundle for USA and its export for USA still withhold it.
        Result<ExportReport> toUsa = exportBundle(nld, n.nld, {n.usa.card()});
        REQUIRE(toUsa.ok());
        CHECK(toUsa.value().records == 0);
        CHECK(toUsa.value().withheld == 1);
        interop::RecordExportOptions options;
        options.releasable = ReleasePolicy::filterFor(n.usa.card().profile);
        Result<interop::RecordExportReport> ogr =
            interop::exportRecords(nld, dir.filePath(QStringLiteral("usa.geojson")), options);
        REQUIRE(ogr.ok());
        CHECK(ogr.value().withheld.incidents == 1);
    }
    SECTION("widened to USA: refused") {
        const ImportReport r =
            fraEdits({QStringLiteral("SECRET"), QStringLiteral("REL TO NLD, FRA, USA")});
        CHECK(r.refused.size() == 1);
        CHECK(nld.incident(i.uuid).value().marking == kSecretNldFra);
    }
    SECTION("a caveat dropped, or the REL TO line removed at UNCLASSIFIED: refused") {
        const ImportReport r = fraEdits({QStringLiteral("UNCLASSIFIED"), QString()});
        CHECK(r.refused.size() == 1);
        CHECK(nld.incident(i.uuid).value().marking == kSecretNldFra);
    }
    SECTION("raised (REL TO NLD only): applied, the edit with it") {
        const ImportReport r = fraEdits(kSecretNld);
        CHECK(r.refused.isEmpty());
        CHECK(r.applied == 1);
        CHECK(nld.incident(i.uuid).value().marking == kSecretNld);
        CHECK(nld.incident(i.uuid).value().narrative.contains(QLatin1String("(FRA)")));
    }
    SECTION("the originator itself may lower it, and the peer takes that") {
        store::Incident lowered = nld.incident(i.uuid).value();
        lowered.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO NLD, FRA")};
        REQUIRE(nld.updateIncident(lowered).ok());
        Result<ExportReport> again = exportBundle(nld, n.nld, {n.fra.card()});
        REQUIRE(again.ok());
        Result<ImportReport> r = importBundle(fra, again.value().bytes, n.fra, n.fraBook);
        REQUIRE(r.ok());
        CHECK(r.value().refused.isEmpty());
        CHECK(fra.incident(i.uuid).value().marking == lowered.marking);
    }
}

TEST_CASE("Bundles are bound to their mission", "[share][release]") {
    QTemporaryDir dir;
    Nations n;
    store::MissionStore exercise =
        mission(dir, QStringLiteral("exercise"), QStringLiteral("exercise-flintlock"), true);
    store::Incident i = incident(QStringLiteral("EXERCISE inject 12"), kUnclassified);
    REQUIRE(exercise.addIncident(i).ok());
    Result<ExportReport> bundle = exportBundle(exercise, n.nld, {n.fra.card()});
    REQUIRE(bundle.ok());

    SECTION("an exercise's records are refused by a real mission of the same id") {
        store::MissionStore real =
            mission(dir, QStringLiteral("real"), QStringLiteral("exercise-flintlock"), false);
        Result<ImportReport> r = importBundle(real, bundle.value().bytes, n.fra, n.fraBook);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message.toStdString(), Contains("exercise"));
        CHECK(real.incidents().value().isEmpty());
    }
    SECTION("and by an exercise of another id") {
        store::MissionStore other =
            mission(dir, QStringLiteral("other"), QStringLiteral("exercise-other"), true);
        Result<ImportReport> r = importBundle(other, bundle.value().bytes, n.fra, n.fraBook);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message.toStdString(),
                   Contains("belongs to the mission 'exercise-flintlock'"));
        CHECK(other.incidents().value().isEmpty());
    }
    SECTION("the same mission takes it") {
        store::MissionStore same =
            mission(dir, QStringLiteral("same"), QStringLiteral("exercise-flintlock"), true);
        Result<ImportReport> r = importBundle(same, bundle.value().bytes, n.fra, n.fraBook);
        REQUIRE(r.ok());
        CHECK(r.value().applied == 1);
    }
}

TEST_CASE("Clock horizon: minutes, not a day; smaller skews reported", "[share][release]") {
    QTemporaryDir dir;
    Nations n;
    store::MissionStore nld = mission(dir, QStringLiteral("nld"));
    store::MissionStore fra = mission(dir, QStringLiteral("fra"));
    store::Incident i = incident(QStringLiteral("Checkpoint report"), kSecretNldFra);
    REQUIRE(nld.addIncident(i).ok());
    const auto stampedAhead = [&](qint64 aheadMs) {
        Result<QList<SharedRecord>> records = changedRecords(nld, {});
        REQUIRE(records.ok());
        QList<SharedRecord> list = records.value();
        test::restamp(list.first(), list.first().station,
                      store::Hlc::from(QDateTime::currentMSecsSinceEpoch() + aheadMs, 0).value);
        return importBundle(fra, sealedBy(n.nld, n.fra, list), n.fra, n.fraBook);
    };
    SECTION("23 hours ahead would pin the record against its originator: refused") {
        Result<ImportReport> r = stampedAhead(23LL * 3600 * 1000);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error().message.toStdString(), Contains("in the future"));
        CHECK(fra.incidents().value().isEmpty());
    }
    SECTION("two minutes ahead: applied, and the skew is told") {
        Result<ImportReport> r = stampedAhead(2LL * 60 * 1000);
        REQUIRE(r.ok());
        CHECK(r.value().clockSkewMs > 60 * 1000);
        CHECK_THAT(r.value().warnings().join(QLatin1Char(' ')).toStdString(),
                   Contains("clock runs"));
    }
}

TEST_CASE("A stale bundle brings no false conflict", "[share][release]") {
    QTemporaryDir dir;
    Nations n;
    store::MissionStore nld = mission(dir, QStringLiteral("nld"));
    store::MissionStore fra = mission(dir, QStringLiteral("fra"));
    store::Incident i = incident(QStringLiteral("Convoy delayed"), kSecretNldFra);
    REQUIRE(nld.addIncident(i).ok());
    // Two bundles carry the same version; the first is held up on a USB stick for a week.
    Result<ExportReport> stale = exportBundle(nld, n.nld, {n.fra.card()});
    Result<ExportReport> fresh = exportBundle(nld, n.nld, {n.fra.card()});
    REQUIRE(stale.ok());
    REQUIRE(fresh.ok());
    REQUIRE(importBundle(fra, fresh.value().bytes, n.fra, n.fraBook).ok());
    // FRA builds on that version...
    store::Incident edited = fra.incident(i.uuid).value();
    edited.status = store::IncidentStatus::Resolved;
    REQUIRE(fra.updateIncident(edited).ok());
    // ...and the stale copy of the version it built on arrives: older, already seen, no conflict.
    Result<ImportReport> late = importBundle(fra, stale.value().bytes, n.fra, n.fraBook);
    REQUIRE(late.ok());
    CHECK(late.value().conflicts == 0);
    CHECK(late.value().unchanged == 1);
    CHECK(fra.incident(i.uuid).value().status == store::IncidentStatus::Resolved);
    Result<QList<Conflict>> list = conflicts(fra);
    REQUIRE(list.ok());
    CHECK(list.value().isEmpty());
}

TEST_CASE("Marking authority holds for edits at the peer too", "[share][release]") {
    QTemporaryDir dir;
    Nations n;
    store::MissionStore nld = mission(dir, QStringLiteral("nld"));
    store::MissionStore fra = mission(dir, QStringLiteral("fra"));
    const store::Incident i = nldRecordAtFra(n, nld, fra, QStringLiteral("Source report, Menaka"));

    // The FRA analyst's form (or tessera-cli, or an undo) cannot lower NLD's record, so FRA's
    // own exports never carry it lower than NLD marked it.
    store::Incident copy = fra.incident(i.uuid).value();
    copy.marking = kUnclassified;
    const Status lowered = fra.updateIncident(copy);
    REQUIRE_FALSE(lowered.ok());
    CHECK_THAT(lowered.error().message.toStdString(),
               Contains("only the station that created the record"));
    CHECK(fra.incident(i.uuid).value().marking == kSecretNldFra);
    Result<ExportReport> toUsa = exportBundle(fra, n.fra, {n.usa.card()});
    REQUIRE(toUsa.ok());
    CHECK(toUsa.value().records == 0);
    // Raising it is every holder's right.
    copy.marking = kSecretNld;
    CHECK(fra.updateIncident(copy).ok());
    // And NLD's own record is NLD's to lower.
    store::Incident own = nld.incident(i.uuid).value();
    own.marking = kUnclassified;
    CHECK(nld.updateIncident(own).ok());
}

namespace {

/// The oracle, written apart from ReleasePolicy: every station here is cleared for SECRET and
/// belongs to the community MINUSMA, so a marking's reach is exactly this set of nations.
struct Reach {
    store::Marking marking;
    QStringList nations;
};
QStringList nations(std::initializer_list<const char*> codes) {
    QStringList out;
    for (const char* code : codes)
        out.append(QString::fromLatin1(code));
    return out;
}
const QList<Reach> kReaches{
    {{QStringLiteral("UNCLASSIFIED"), QString()}, nations({"FRA", "NLD", "SEN", "USA"})},
    {{QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO NLD, FRA")}, nations({"FRA", "NLD"})},
    {{QStringLiteral("RESTRICTED"), QStringLiteral("REL TO NLD, FRA, SEN")},
     nations({"FRA", "NLD", "SEN"})},
    {{QStringLiteral("CONFIDENTIAL"), QStringLiteral("REL TO MINUSMA")},
     nations({"FRA", "NLD", "SEN", "USA"})},
    {{QStringLiteral("SECRET"), QStringLiteral("REL TO NLD")}, nations({"NLD"})},
    {{QStringLiteral("SECRET"), QStringLiteral("REL TO NLD, USA")}, nations({"NLD", "USA"})},
    {{QStringLiteral("SECRET"), QString()}, nations({})},
};

} // namespace

TEST_CASE("Releasability property: notes and files under re-marked incidents, on every path",
          "[share][release][property]") {
    const unsigned seed = GENERATE(11u, 12u, 13u);
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    QTemporaryDir dir;
    Nations n;
    store::MissionStore nld = mission(dir, QStringLiteral("nld"));

    QHash<QString, int> reachOf;     // record uuid -> index into kReaches
    QHash<QString, QString> parent;  // note or attachment -> its incident
    QHash<QString, QString> tokenOf; // record uuid -> a word only it carries
    QStringList incidents;
    const auto draw = [&] { return static_cast<int>(rng() % kReaches.size()); };
    for (int k = 0; k < 240; ++k) {
        const int r = draw();
        const QString token = QStringLiteral("TOKEN%1X").arg(k);
        const int kind = incidents.isEmpty() ? 0 : static_cast<int>(rng() % 10);
        if (kind < 5) {
            store::Incident i = incident(token, kReaches[r].marking);
            REQUIRE(nld.addIncident(i).ok());
            incidents.append(i.uuid);
            reachOf.insert(i.uuid, r);
            tokenOf.insert(i.uuid, token);
        } else if (kind < 8) {
            const QString of = incidents[static_cast<int>(rng() % incidents.size())];
            store::IncidentNote note;
            note.author = QStringLiteral("analyst");
            note.text = QStringLiteral("note ") + token;
            note.marking = kReaches[r].marking;
            REQUIRE(nld.addNote(of, note).ok());
            reachOf.insert(note.uuid, r);
            parent.insert(note.uuid, of);
            tokenOf.insert(note.uuid, token);
        } else {
            const QString of = incidents[static_cast<int>(rng() % incidents.size())];
            Result<store::Attachment> a =
                nld.attach(of, QStringLiteral("file.txt"), QByteArray("file ") + token.toLatin1(),
                           QStringLiteral("text/plain"), kReaches[r].marking);
            REQUIRE(a.ok());
            reachOf.insert(a.value().uuid, r);
            parent.insert(a.value().uuid, of);
            tokenOf.insert(a.value().uuid, token);
        }
    }
    // The originator re-marks a third of its incidents after their notes and files were written.
    for (const QString& uuid : incidents)
        if (rng() % 3 == 0) {
            const int r = draw();
            store::Incident i = nld.incident(uuid).value();
            i.marking = kReaches[r].marking;
            REQUIRE(nld.updateIncident(i).ok());
            reachOf.insert(uuid, r);
        }

    const auto mayHave = [&](const QString& uuid, const QString& nation) {
        if (!kReaches[reachOf.value(uuid)].nations.contains(nation))
            return false;
        const QString up = parent.value(uuid);
        return up.isEmpty() || kReaches[reachOf.value(up)].nations.contains(nation);
    };

    for (const Identity* peer : {&n.fra, &n.sen, &n.usa}) {
        const QString nation = peer->card().profile.organisation;
        INFO("peer " << nation.toStdString());
        ContactBook book = test::bookWith({&n.nld});
        QSet<QString> allowed;
        for (auto it = reachOf.constBegin(); it != reachOf.constEnd(); ++it)
            if (mayHave(it.key(), nation))
                allowed.insert(it.key());
        REQUIRE(!allowed.isEmpty());
        REQUIRE(allowed.size() < reachOf.size());

        // The bundle: exactly what it may have, nothing else even encrypted to it.
        Result<ExportReport> bundle = exportBundle(nld, n.nld, {peer->card()});
        REQUIRE(bundle.ok());
        QSet<QString> carried;
        for (const SharedRecord& r : openedRecords(bundle.value().bytes, *peer, book))
            carried.insert(r.uuid);
        CHECK(carried == allowed);
        // The series TLS sync sends, in small bundles.
        QSet<QString> series;
        REQUIRE(exportBundleSeries(nld, n.nld, peer->card(), {}, 7, [&](const ExportReport& part) {
                    for (const SharedRecord& r : openedRecords(part.bytes, *peer, book))
                        series.insert(r.uuid);
                    return success();
                }).ok());
        CHECK(series == allowed);
        // The panel's counts.
        Result<QList<PeerStatus>> status = peerStatus(nld, {peer->card()});
        REQUIRE(status.ok());
        CHECK(status.value().first().pending == allowed.size());
        CHECK(status.value().first().withheld == reachOf.size() - allowed.size());
        // CoT and OGR files made for it: no word of what it may not have.
        const QString cot = dir.filePath(nation + QStringLiteral(".cot"));
        REQUIRE(interop::exportCot(nld, cot, releasableTo(*peer)).ok());
        const QString geojson = dir.filePath(nation + QStringLiteral(".geojson"));
        interop::RecordExportOptions options;
        options.releasable = ReleasePolicy::filterFor(peer->card().profile);
        REQUIRE(interop::exportRecords(nld, geojson, options).ok());
        const QByteArray cotText = test::readAll(cot);
        const QByteArray ogrText = test::readAll(geojson);
        int leaks = 0;
        int incidentsShown = 0;
        for (auto it = tokenOf.constBegin(); it != tokenOf.constEnd(); ++it) {
            const QByteArray word = it.value().toLatin1();
            if (!allowed.contains(it.key())) {
                leaks += cotText.contains(word) ? 1 : 0;
                leaks += ogrText.contains(word) ? 1 : 0;
            } else if (incidents.contains(it.key())) {
                incidentsShown += cotText.contains(word) && ogrText.contains(word) ? 1 : 0;
            }
        }
        CHECK(leaks == 0);
        int allowedIncidents = 0;
        for (const QString& uuid : incidents)
            allowedIncidents += allowed.contains(uuid) ? 1 : 0;
        CHECK(incidentsShown == allowedIncidents);
    }
}

TEST_CASE("A bundle for a peer offered a sanitised version carries that version, no note",
          "[share][release][sanitised]") {
    QTemporaryDir dir;
    Nations n;
    store::MissionStore nld = mission(dir, QStringLiteral("nld"));
    store::Incident i =
        incident(QStringLiteral("Informant Diallo's report"),
                 {QStringLiteral("CONFIDENTIAL"),
                  QStringLiteral("REL TO NLD // SANITISED UNCLASSIFIED REL TO MINUSMA: GRID 10 KM, "
                                 "WITHHOLD TITLE, WITHHOLD NARRATIVE")});
    REQUIRE(nld.addIncident(i).ok());
    store::IncidentNote note;
    note.author = QStringLiteral("analyst");
    note.text = QStringLiteral("Diallo met the patrol");
    note.marking = kUnclassified;
    REQUIRE(nld.addNote(i.uuid, note).ok());
    REQUIRE(ReleasePolicy::releaseOf(i.marking, {}, n.usa.card().profile).form ==
            store::RecordRelease::Form::Sanitised);
    Result<ExportReport> r = exportBundle(nld, n.nld, {n.usa.card()});
    REQUIRE(r.ok());
    CHECK(r.value().records == 1);
    CHECK(r.value().withheld == 1); // the note goes only with the record itself
    const QList<SharedRecord> carried = openedRecords(r.value().bytes, n.usa, n.usaBook);
    REQUIRE(carried.size() == 1);
    CHECK(carried.first().kind == QLatin1String("incident"));
    CHECK(carried.first().uuid != i.uuid);
    CHECK(carried.first().marking.banner() == QLatin1String("UNCLASSIFIED // REL TO MINUSMA"));
}
