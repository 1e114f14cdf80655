// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// The mission store: HLC stamps, tombstones, the change log, notes, attachments, annotations,
// queries, schema upgrades and faults (read-only file, full disk).
#include "TestSupport.h"
#include "store/Hlc.h"
#include "store/IncidentImport.h"
#include "store/Migrations.h"
#include "store/MissionStore.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

#include <unistd.h>

using namespace tessera;
using namespace tessera::store;
using Catch::Matchers::Contains;

namespace {

MissionInfo info() {
    MissionInfo i;
    i.name = QStringLiteral("Records");
    i.marking = {QStringLiteral("UNCLASSIFIED"), QString()};
    i.initialView = {-6.0, 12.5, 5.0, 21.0};
    return i;
}

Incident incidentAt(double lon, double lat, const QString& title, int day = 1) {
    Incident i;
    i.title = title;
    i.category = QStringLiteral("ied");
    i.severity = Severity::High;
    i.observedAt = QDateTime(QDate(2026, 11, day), QTime(8, 0), Qt::UTC);
    i.location = {lon, lat};
    i.reliability = QStringLiteral("B");
    i.credibility = 2;
    i.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO TEST")};
    return i;
}

QStringList titles(const QList<Incident>& list) {
    QStringList t;
    for (const Incident& i : list)
        t.append(i.title);
    return t;
}

} // namespace

TEST_CASE("HLC stamps only grow and keep causal order", "[store][hlc]") {
    qint64 wall = 1'000'000;
    HlcClock clock([&] { return wall; });
    const Hlc a = clock.now();
    const Hlc b = clock.now();
    CHECK(a.physicalMs() == 1'000'000);
    CHECK(b > a);
    CHECK(b.counter() == 1);
    SECTION("a clock stepping back does not make stamps go back") {
        wall = 500;
        CHECK(clock.now() > b);
    }
    SECTION("a stamp from a station ahead pulls the clock forward") {
        clock.observe(Hlc::from(2'000'000, 7));
        const Hlc c = clock.now();
        CHECK(c.physicalMs() == 2'000'000);
        CHECK(c.counter() == 8);
    }
    SECTION("a spent counter borrows the next millisecond") {
        clock.observe(Hlc::from(1'000'000, 0xffff));
        const Hlc c = clock.now();
        CHECK(c.physicalMs() == 1'000'001);
        CHECK(c.counter() == 0);
    }
}

TEST_CASE("Every write stamps the record and feeds the change log", "[store][records]") {
    QTemporaryDir dir;
    auto store = MissionStore::create(dir.filePath(QStringLiteral("m.tessera")), info());
    REQUIRE(store.ok());
    MissionStore& m = store.value();
    CHECK(m.station().size() == 36);
    Incident a = incidentAt(-0.04, 16.27, QStringLiteral("Roadblock at Gao"));
    REQUIRE(m.addIncident(a).ok());
    CHECK(a.stamp.created == a.stamp.updated);
    CHECK(a.stamp.station == m.station());

    SECTION("an update moves the updated stamp, not the created one") {
        a.title = QStringLiteral("Roadblock at Gao bridge");
        REQUIRE(m.updateIncident(a).ok());
        auto back = m.incident(a.uuid);
        REQUIRE(back.ok());
        CHECK(back.value().title == a.title);
        CHECK(back.value().stamp.updated > back.value().stamp.created);
    }
    SECTION("a delete leaves a tombstone that the map and queries skip") {
        REQUIRE(m.deleteIncident(a.uuid).ok());
        auto back = m.incident(a.uuid);
        REQUIRE(back.ok());
        CHECK(back.value().stamp.deleted);
        CHECK(m.incidents().value().isEmpty());
        IncidentQuery q;
        q.text = QStringLiteral("roadblock");
        CHECK(m.queryIncidents(q).value().total == 0);
        q = {};
        q.bbox = geo::Extent{-1, 16, 0, 17};
        CHECK(m.queryIncidents(q).value().total == 0);
        CHECK_FALSE(m.deleteIncident(a.uuid).ok());
    }
    SECTION("the change log lists inserts, updates and deletes in order") {
        REQUIRE(m.updateIncident(a).ok());
        REQUIRE(m.deleteIncident(a.uuid).ok());
        PatrolRoute r;
        r.name = QStringLiteral("Route ALPHA");
        r.marking = a.marking;
        REQUIRE(m.addRoute(r).ok());
        auto log = m.changes(0);
        REQUIRE(log.ok());
        REQUIRE(log.value().size() == 4);
        QStringList ops;
        for (const Change& c : log.value())
            ops.append(c.kind + QLatin1Char(':') + c.op);
        CHECK(ops ==
              QStringList{QStringLiteral("incident:insert"), QStringLiteral("incident:update"),
                          QStringLiteral("incident:delete"), QStringLiteral("route:insert")});
        CHECK(log.value()[0].hlc < log.value()[1].hlc);
        CHECK(log.value()[2].uuid == a.uuid);
        CHECK(log.value()[3].station == m.station());
        CHECK(m.changes(log.value()[1].seq).value().size() == 2);
    }
}

TEST_CASE("Notes, attachments, tracks and annotations are kept", "[store][records]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("m.tessera"));
    auto store = MissionStore::create(path, info());
    REQUIRE(store.ok());
    MissionStore& m = store.value();
    Incident a = incidentAt(-0.04, 16.27, QStringLiteral("Market fire"));
    REQUIRE(m.addIncident(a).ok());

    SECTION("notes form an append-only thread that full text finds") {
        IncidentNote n1{{},
                        QStringLiteral("analyst1"),
                        QStringLiteral("Smoke seen from the river"),
                        {},
                        a.marking,
                        {}};
        IncidentNote n2{
            {}, QStringLiteral("analyst2"), QStringLiteral("Confirmed by UNPOL"), {}, a.marking,
            {}};
        REQUIRE(m.addNote(a.uuid, n1).ok());
        REQUIRE(m.addNote(a.uuid, n2).ok());
        auto notes = m.notes(a.uuid);
        REQUIRE(notes.ok());
        REQUIRE(notes.value().size() == 2);
        CHECK(notes.value()[1].author == QStringLiteral("analyst2"));
        IncidentQuery q;
        q.text = QStringLiteral("unpol");
        auto page = m.queryIncidents(q);
        REQUIRE(page.ok());
        CHECK(page.value().total == 1);
        auto edit = m.database().exec(QStringLiteral("UPDATE incident_note SET text = 'changed'"));
        REQUIRE_FALSE(edit.ok());
        CHECK_THAT(edit.error().message.toStdString(), Contains("append-only"));
        CHECK_FALSE(m.addNote(QStringLiteral("00000000-0000-0000-0000-000000000000"), n1).ok());
    }
    SECTION("attachments are stored with their SHA-256 and checked on read") {
        const QByteArray photo("not really a JPEG, but bytes all the same");
        auto att = m.attach(a.uuid, QStringLiteral("photo.jpg"), photo,
                            QStringLiteral("image/jpeg"), a.marking);
        REQUIRE(att.ok());
        CHECK(att.value().sha256 ==
              QStringLiteral("%1").arg(QString::fromLatin1(
                  QCryptographicHash::hash(photo, QCryptographicHash::Sha256).toHex())));
        auto list = m.attachments(a.uuid);
        REQUIRE(list.ok());
        REQUIRE(list.value().size() == 1);
        CHECK(m.attachmentData(list.value()[0]).value() == photo);
        REQUIRE(m.database().exec(QStringLiteral("UPDATE attachment_blob SET data = x'00'")).ok());
        auto damaged = m.attachmentData(list.value()[0]);
        REQUIRE_FALSE(damaged.ok());
        CHECK_THAT(damaged.error().message.toStdString(), Contains("SHA-256"));
    }
    SECTION("a route keeps its actual track and an annotation its geometry") {
        PatrolRoute r;
        r.name = QStringLiteral("Route BRAVO");
        r.marking = a.marking;
        REQUIRE(m.addRoute(r).ok());
        QList<TrackPoint> track{
            {{0.1, 16.1}, QDateTime(QDate(2026, 11, 2), QTime(6, 0), Qt::UTC), 250.0},
            {{0.2, 16.2}, QDateTime(QDate(2026, 11, 2), QTime(6, 5), Qt::UTC), std::nullopt}};
        REQUIRE(m.setRouteTrack(r.uuid, track).ok());
        REQUIRE(m.setRouteStatus(r.uuid, RouteStatus::Completed).ok());
        Annotation note;
        note.kind = AnnotationKind::Line;
        note.geometry = {{0.0, 16.0}, {0.5, 16.5}};
        note.text = QStringLiteral("Ford passable");
        note.author = QStringLiteral("analyst1");
        note.marking = a.marking;
        REQUIRE(m.addAnnotation(note).ok());
        Annotation bad = note;
        bad.uuid.clear();
        bad.kind = AnnotationKind::Area;
        CHECK_FALSE(m.addAnnotation(bad).ok());
        auto snap = MissionStore::load(path);
        REQUIRE(snap.ok());
        REQUIRE(snap.value().routes.size() == 1);
        CHECK(snap.value().routes[0].status == RouteStatus::Completed);
        REQUIRE(snap.value().routes[0].track.size() == 2);
        CHECK(snap.value().routes[0].track[0].elevation == 250.0);
        CHECK_FALSE(snap.value().routes[0].track[1].elevation.has_value());
        REQUIRE(snap.value().annotations.size() == 1);
        CHECK(snap.value().annotations[0].geometry.size() == 2);
        REQUIRE(m.deleteAnnotation(note.uuid).ok());
        REQUIRE(m.deleteRoute(r.uuid).ok());
        CHECK(MissionStore::load(path).value().annotations.isEmpty());
        CHECK(MissionStore::load(path).value().routes.isEmpty());
    }
}

TEST_CASE("Queries combine box, time, attributes and text, sorted and paged", "[store][query]") {
    QTemporaryDir dir;
    auto store = MissionStore::create(dir.filePath(QStringLiteral("m.tessera")), info());
    REQUIRE(store.ok());
    MissionStore& m = store.value();
    // A grid of 10 x 10 incidents, one degree apart, days 1..10 along x.
    for (int x = 0; x < 10; ++x)
        for (int y = 0; y < 10; ++y) {
            Incident i = incidentAt(x, y, QStringLiteral("Cell %1 %2").arg(x).arg(y), x + 1);
            i.severity = y % 2 ? Severity::Critical : Severity::Low;
            i.narrative = (x == 3 && y == 3) ? QStringLiteral("Convoy ambushed near the wadi")
                                             : QStringLiteral("Quiet");
            REQUIRE(m.addIncident(i).ok());
        }
    Incident area = incidentAt(20.5, 0.5, QStringLiteral("Flooded area"));
    area.area = {{20.0, 0.0}, {21.0, 0.0}, {21.0, 1.0}, {20.0, 1.0}};
    REQUIRE(m.addIncident(area).ok());

    SECTION("a box finds what is inside, exactly at its edges") {
        IncidentQuery q;
        q.bbox = geo::Extent{2.0, 2.0, 4.0, 3.0};
        auto page = m.queryIncidents(q);
        REQUIRE(page.ok());
        CHECK(page.value().total == 6);
        // Just outside x = 2 by less than a float's step near 2: the R*Tree's rounded box would
        // include it; the exact check does not.
        q.bbox = geo::Extent{2.0000001, 2.0, 4.0, 3.0};
        CHECK(m.queryIncidents(q).value().total == 4);
    }
    SECTION("an area incident is found by a box that touches the area, not its point") {
        IncidentQuery q;
        q.bbox = geo::Extent{20.9, 0.9, 25.0, 5.0};
        auto page = m.queryIncidents(q);
        REQUIRE(page.ok());
        REQUIRE(page.value().incidents.size() == 1);
        CHECK(page.value().incidents[0].area.size() == 4);
    }
    SECTION("criteria combine, and pages follow the order") {
        IncidentQuery q;
        q.bbox = geo::Extent{0, 0, 9, 9};
        q.from = QDateTime(QDate(2026, 11, 3), QTime(0, 0), Qt::UTC);
        q.to = QDateTime(QDate(2026, 11, 6), QTime(0, 0), Qt::UTC);
        q.severities = {Severity::Critical};
        q.order = IncidentOrder::OldestFirst;
        q.limit = 4;
        auto first = m.queryIncidents(q);
        REQUIRE(first.ok());
        CHECK(first.value().total == 15); // x = 2..4, y odd
        CHECK(titles(first.value().incidents) ==
              QStringList{QStringLiteral("Cell 2 1"), QStringLiteral("Cell 2 3"),
                          QStringLiteral("Cell 2 5"), QStringLiteral("Cell 2 7")});
        q.offset = 12;
        CHECK(m.queryIncidents(q).value().incidents.size() == 3);
        q = {};
        q.text = QStringLiteral("ambush*");
        q.categories = {QStringLiteral("ied")};
        CHECK(titles(m.queryIncidents(q).value().incidents) ==
              QStringList{QStringLiteral("Cell 3 3")});
        q.categories = {QStringLiteral("crime")};
        CHECK(m.queryIncidents(q).value().total == 0);
    }
    SECTION("text that looks like FTS5 syntax is taken as words") {
        IncidentQuery q;
        q.text = QStringLiteral("\"convoy AND ( wadi");
        auto page = m.queryIncidents(q);
        REQUIRE(page.ok());
        CHECK(page.value().total == 0);
        q.text = QStringLiteral("convoy wadi");
        CHECK(m.queryIncidents(q).value().total == 1);
    }
}

TEST_CASE("A bulk import is invisible until finished and gone if abandoned", "[store][import]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("m.tessera"));
    auto store = MissionStore::create(path, info());
    REQUIRE(store.ok());
    MissionStore& m = store.value();
    {
        auto bulk = IncidentImport::begin(m, QStringLiteral("test"), 10);
        REQUIRE(bulk.ok());
        for (int k = 0; k < 35; ++k) {
            Incident i = incidentAt(k * 0.1, 10, QStringLiteral("Bulk %1").arg(k));
            REQUIRE(bulk.value().add(i).ok());
        }
        // Three batches are committed, but a reader sees none of them.
        auto reader = MissionStore::open(path, MissionStore::Access::ReadOnly);
        REQUIRE(reader.ok());
        CHECK(reader.value().incidents().value().isEmpty());
        CHECK(reader.value().stats().value().incidents == 0);
        REQUIRE(bulk.value().finish().value() == 35);
        CHECK(reader.value().incidents().value().size() == 35);
        IncidentQuery q;
        q.bbox = geo::Extent{0, 9, 1, 11};
        q.text = QStringLiteral("bulk");
        CHECK(reader.value().queryIncidents(q).value().total == 11);
        CHECK(reader.value().changes(0, 100).value().size() == 35);
    }
    {
        auto bulk = IncidentImport::begin(m, QStringLiteral("abandoned"), 10);
        REQUIRE(bulk.ok());
        for (int k = 0; k < 25; ++k) {
            Incident i = incidentAt(1, 1, QStringLiteral("Gone %1").arg(k));
            REQUIRE(bulk.value().add(i).ok());
        }
    } // destroyed unfinished: abandoned
    CHECK(m.stats().value().incidents == 35);
    CHECK(m.database().scalar(QStringLiteral("SELECT count(*) FROM incident")).value().toInt() ==
          35);
}

TEST_CASE("Older missions upgrade and faults leave the mission unharmed", "[store][faults]") {
    QTemporaryDir dir;
    SECTION("a schema-1 mission opens for writing, upgraded with its records") {
        const QString path = dir.filePath(QStringLiteral("old.tessera"));
        {
            auto db = Database::open(path, Database::Mode::Create);
            REQUIRE(db.ok());
            REQUIRE(db.value().exec(QStringLiteral("PRAGMA journal_mode = WAL")).ok());
            REQUIRE(migrate(db.value(), 1).ok());
            REQUIRE(db.value()
                        .exec(QStringLiteral(
                            "INSERT INTO mission VALUES ('name', 'Old'), ('classification', 'U');"
                            "INSERT INTO incident (uuid, title, category, severity, status, "
                            "observed_at, lon, lat, classification) VALUES "
                            "('6f1c2a8e-0000-4000-8000-000000000001', 'Old incident', 'ied', "
                            "'high', 'reported', '2026-11-20T07:40:00Z', -0.04, 16.27, 'U')"))
                        .ok());
        }
        auto readOnly = MissionStore::open(path, MissionStore::Access::ReadOnly);
        REQUIRE_FALSE(readOnly.ok());
        CHECK_THAT(readOnly.error().message.toStdString(), Contains("older schema"));
        auto upgraded = MissionStore::open(path, MissionStore::Access::ReadWrite);
        REQUIRE(upgraded.ok());
        auto list = upgraded.value().incidents();
        REQUIRE(list.ok());
        REQUIRE(list.value().size() == 1);
        CHECK(list.value()[0].observedAt == QDateTime(QDate(2026, 11, 20), QTime(7, 40), Qt::UTC));
        IncidentQuery q;
        q.text = QStringLiteral("old");
        q.bbox = geo::Extent{-1, 16, 0, 17};
        CHECK(upgraded.value().queryIncidents(q).value().total == 1);
        CHECK(upgraded.value().changes(0).value().size() == 1);
        CHECK(MissionStore::load(path).ok());
    }
    SECTION("a read-only file is refused for writing, and still reads") {
        const QString path = dir.filePath(QStringLiteral("ro.tessera"));
        {
            auto store = MissionStore::create(path, info());
            REQUIRE(store.ok());
            Incident i = incidentAt(1, 1, QStringLiteral("Kept"));
            REQUIRE(store.value().addIncident(i).ok());
            REQUIRE(store.value()
                        .database()
                        .exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"))
                        .ok());
        }
        REQUIRE(QFile::setPermissions(path, QFileDevice::ReadOwner));
        if (::geteuid() == 0) {
            WARN("running as root: file permissions do not stop writes; section skipped");
            return;
        }
        const QByteArray before = test::fileHash(path);
        auto store = MissionStore::open(path, MissionStore::Access::ReadWrite);
        REQUIRE_FALSE(store.ok());
        CHECK_THAT(store.error().message.toStdString(),
                   Contains("read-only") && Contains("ro.tessera"));
        CHECK(test::fileHash(path) == before);
        auto snap = MissionStore::load(path);
        REQUIRE(snap.ok());
        CHECK(snap.value().incidents.size() == 1);
        QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    }
    SECTION("a full disk is reported as such and nothing of the import stays") {
        const QString path = dir.filePath(QStringLiteral("full.tessera"));
        auto store = MissionStore::create(path, info());
        REQUIRE(store.ok());
        MissionStore& m = store.value();
        Incident kept = incidentAt(1, 1, QStringLiteral("Written before the disk filled"));
        REQUIRE(m.addIncident(kept).ok());
        const int pages = m.database().scalar(QStringLiteral("PRAGMA page_count")).value().toInt();
        // A disk with room for a few more pages only.
        REQUIRE(
            m.database().exec(QStringLiteral("PRAGMA max_page_count = %1").arg(pages + 8)).ok());
        auto bulk = IncidentImport::begin(m, QStringLiteral("too big"), 100);
        REQUIRE(bulk.ok());
        Status failed = success();
        for (int k = 0; k < 5000 && failed.ok(); ++k) {
            Incident i =
                incidentAt(2, 2, QStringLiteral("Filler %1 with a long enough title").arg(k));
            i.narrative = QString(200, QLatin1Char('x'));
            failed = bulk.value().add(i);
        }
        REQUIRE_FALSE(failed.ok());
        CHECK_THAT(failed.error().message.toStdString(), Contains("disk is full"));
        CHECK(m.database().scalar(QStringLiteral("PRAGMA integrity_check")).value().toString() ==
              QStringLiteral("ok"));
        CHECK(m.incidents().value().size() == 1);
        const int now = m.database().scalar(QStringLiteral("PRAGMA page_count")).value().toInt();
        REQUIRE(m.database().exec(QStringLiteral("PRAGMA max_page_count = %1").arg(now)).ok());
        Incident one = incidentAt(3, 3, QStringLiteral("One more"));
        one.narrative = QString(20000, QLatin1Char('y'));
        auto single = m.addIncident(one);
        REQUIRE_FALSE(single.ok());
        CHECK_THAT(single.error().message.toStdString(), Contains("disk is full"));
        REQUIRE(m.database().exec(QStringLiteral("PRAGMA max_page_count = 1000000")).ok());
        CHECK(m.addIncident(one).ok());
        CHECK(m.incidents().value().size() == 2);
    }
}
