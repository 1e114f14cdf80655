// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Where a mission stands with each peer: last bundles each way, and what is pending for it
// (src/share/PeerStatus.h), checked against what exportBundle() actually carries.
#include "TestSupport.h"
#include "share/Bundle.h"
#include "share/ContactBook.h"
#include "share/Identity.h"
#include "share/PeerStatus.h"
#include "store/MissionStore.h"

#include <QTemporaryDir>

#include <catch2/catch.hpp>

#include <memory>

using namespace tessera;
using namespace tessera::share;

namespace {

const store::Marking kOpen{QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
const store::Marking kSecret{QStringLiteral("SECRET"), QStringLiteral("REL TO UN")};

store::Incident incident(const QString& title, const store::Marking& marking) {
    store::Incident i;
    i.title = title;
    i.category = QStringLiteral("other");
    i.observedAt = QDateTime(QDate(2026, 3, 1), QTime(10, 30), Qt::UTC);
    i.location = {1.0, 15.0};
    i.marking = marking;
    return i;
}

struct Station {
    Identity id;
    ContactBook book;
    std::unique_ptr<store::MissionStore> mission;
};

Station station(const QTemporaryDir& dir, const QString& name, Classification clearance) {
    Result<Identity> id = Identity::create({name, QStringLiteral("UN"), {}, clearance, {}});
    REQUIRE(id.ok());
    store::MissionInfo info;
    info.id = test::kSharedMissionId;
    info.name = name;
    info.marking = kOpen;
    Result<store::MissionStore> m =
        store::MissionStore::create(dir.filePath(name + QStringLiteral(".tessera")), info);
    REQUIRE(m.ok());
    return {std::move(id).value(), ContactBook(),
            std::make_unique<store::MissionStore>(std::move(m).value())};
}

void trust(Station& s, const Station& other) {
    REQUIRE(s.book.importCard(other.id.card(), other.id.card().fingerprintText()).ok());
}

PeerStatus statusOf(Station& at, const Station& peer) {
    Result<QList<PeerStatus>> all = peerStatus(*at.mission, {peer.id.card()});
    REQUIRE(all.ok());
    REQUIRE(all.value().size() == 1);
    CHECK(all.value().first().fingerprint == peer.id.fingerprint());
    return all.value().first();
}

ExportReport send(Station& from, const QList<const Station*>& to) {
    QList<ContactCard> cards;
    for (const Station* s : to)
        cards.append(s->id.card());
    Result<ExportReport> r = exportBundle(*from.mission, from.id, cards);
    REQUIRE(r.ok());
    return r.value();
}

} // namespace

TEST_CASE("Peer status: last bundles each way and what is pending", "[share][peerstatus]") {
    QTemporaryDir dir;
    Station a = station(dir, QStringLiteral("ALPHA"), Classification::Secret);
    // Bravo may not hold SECRET; Charlie may, and never exchanges anything.
    Station b = station(dir, QStringLiteral("BRAVO"), Classification::Confidential);
    Station c = station(dir, QStringLiteral("CHARLIE"), Classification::Secret);
    trust(a, b);
    trust(a, c);
    trust(b, a);

    QList<store::Incident> open;
    for (int k = 0; k < 3; ++k) {
        open.append(incident(QStringLiteral("Open %1").arg(k), kOpen));
        REQUIRE(a.mission->addIncident(open.last()).ok());
    }
    store::Incident secret = incident(QStringLiteral("Secret"), kSecret);
    REQUIRE(a.mission->addIncident(secret).ok()); // last: above anything Bravo will hold

    SECTION("a mission that never shared: everything pending, releasability respected") {
        const PeerStatus sb = statusOf(a, b);
        CHECK(sb.pending == 3);
        CHECK(sb.withheld == 1);
        CHECK_FALSE(sb.knowsReported);
        CHECK_FALSE(sb.lastSent.isValid());
        CHECK_FALSE(sb.lastReceived.isValid());
        CHECK(sb.sentBundles == 0);
        const PeerStatus sc = statusOf(a, c);
        CHECK(sc.pending == 4);
        CHECK(sc.withheld == 0);
    }

    SECTION("pending is what the next bundle for the peer carries") {
        const PeerStatus before = statusOf(a, b);
        const ExportReport r = send(a, {&b});
        CHECK(r.records == before.pending);
        CHECK(r.withheld == before.withheld);
        const PeerStatus beforeC = statusOf(a, c);
        const ExportReport rc = send(a, {&c});
        CHECK(rc.records == beforeC.pending);
        CHECK(rc.withheld == beforeC.withheld);
    }

    SECTION("sending is not knowing: pending falls when the peer says what it holds") {
        const QDateTime t0 = QDateTime::currentDateTimeUtc().addSecs(-1);
        const ExportReport r = send(a, {&b});
        PeerStatus sb = statusOf(a, b);
        CHECK(sb.sentBundles == 1);
        CHECK(sb.lastSent >= t0);
        CHECK(sb.pending == 3); // a bundle sent may be lost: nothing is assumed
        CHECK_FALSE(statusOf(a, c).lastSent.isValid());

        Result<ImportReport> atB = importBundle(*b.mission, r.bytes, b.id, b.book);
        REQUIRE(atB.ok());
        CHECK(atB.value().applied == 3);
        Result<ImportReport> atA = importBundle(*a.mission, send(b, {&a}).bytes, a.id, a.book);
        REQUIRE(atA.ok());

        sb = statusOf(a, b);
        CHECK(sb.knowsReported);
        CHECK(sb.receivedBundles == 1);
        CHECK(sb.lastReceived >= sb.lastSent);
        CHECK(sb.pending == 0);
        CHECK(sb.withheld == 1); // the SECRET incident, never for Bravo

        // A new edit and a note are pending for Bravo again; Charlie still lacks everything.
        open[1].title = QStringLiteral("Open 1, edited");
        REQUIRE(a.mission->updateIncident(open[1]).ok());
        store::IncidentNote note;
        note.author = QStringLiteral("analyst");
        note.text = QStringLiteral("seen again at dawn");
        note.writtenAt = QDateTime::currentDateTimeUtc();
        note.marking = kOpen;
        REQUIRE(a.mission->addNote(open[0].uuid, note).ok());
        sb = statusOf(a, b);
        CHECK(sb.pending == 2);
        CHECK(sb.withheld == 1);
        CHECK(send(a, {&b}).records == 2);
        CHECK(statusOf(a, c).pending == 5);

        // A group bundle counts as sent to each of its recipients.
        send(a, {&b, &c});
        CHECK(statusOf(a, c).sentBundles == 1);
        CHECK(statusOf(a, b).sentBundles == 3);
    }

    SECTION("a cache gives the same answers, and follows the mission") {
        PeerStatusCache cache;
        auto cached = [&](const Station& peer) {
            Result<QList<PeerStatus>> r = peerStatus(*a.mission, {peer.id.card()}, &cache);
            REQUIRE(r.ok());
            return r.value().first();
        };
        CHECK(cached(b).pending == 3);
        CHECK(cached(b).withheld == 1);
        CHECK(cached(c).pending == 4); // the same knowledge as Bravo's (none): counted once
        CHECK(cache.countsByKnowledge.size() == 1);

        store::Incident more = incident(QStringLiteral("More"), kOpen);
        REQUIRE(a.mission->addIncident(more).ok());
        CHECK(cached(b).pending == 4);
        CHECK(cached(c).pending == 5);

        REQUIRE(importBundle(*b.mission, send(a, {&b}).bytes, b.id, b.book).ok());
        REQUIRE(importBundle(*a.mission, send(b, {&a}).bytes, a.id, a.book).ok());
        CHECK(cached(b).pending == 0);
        CHECK(cached(c).pending == 5);
        // (The SECRET incident is older than "More", which Bravo now holds: knowledge is per
        // station, so it no longer counts as withheld; docs/sharing.md, "Not done yet".)
        const PeerStatus fresh = statusOf(a, b);
        CHECK(cached(b).pending == fresh.pending);
        CHECK(cached(b).withheld == fresh.withheld);
    }

    SECTION("peers come back in the order asked") {
        Result<QList<PeerStatus>> all = peerStatus(*a.mission, {c.id.card(), b.id.card()});
        REQUIRE(all.ok());
        REQUIRE(all.value().size() == 2);
        CHECK(all.value()[0].fingerprint == c.id.fingerprint());
        CHECK(all.value()[1].fingerprint == b.id.fingerprint());
        CHECK(all.value()[1].withheld == 1);
    }
}
