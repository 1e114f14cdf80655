// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// The mission store: HLC stamps, tombstones, the change log, notes, attachments, annotations,
// queries, schema upgrades and faults (read-only file, full disk).
#include "TestSupport.h"
#include "store/AnnotationRow.h"
#include "store/FtsMerge.h"
#include "store/Hlc.h"
#include "store/IncidentImport.h"
#include "store/IncidentRow.h"
#include "store/MarkerKey.h"
#include "store/Migrations.h"
#include "store/MissionStore.h"
#include "store/RemoteApply.h"
#include "store/RouteRow.h"

#include <QCborMap>
#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace tessera;
using namespace tessera::store;
using Catch::Matchers::Contains;

namespace {
/// What migrations 6 to 10 add (the records' origin, the mission's id; route points' kind,
/// height and uid; signed batches; record clocks; sharing's tables), taken away again to make a
/// mission of an earlier schema.
const QString kUndoMigrations6To11 = QStringLiteral(
    "DROP TABLE share_sanitised; "
    "DROP TABLE share_bundle_log; DROP TABLE share_bundle_record; DROP TABLE share_peer; "
    "DROP TABLE share_conflict; DROP TABLE share_refused; DROP TABLE share_reconciled; "
    "DROP INDEX share_change_log_station_hlc; "
    "DROP TRIGGER incident_clock; DROP TRIGGER route_clock; DROP TRIGGER annotation_clock; "
    "DROP TABLE record_clock; "
    "DROP TABLE record_proof; DROP TABLE record_batch; DROP TABLE station_key; "
    "ALTER TABLE route_waypoint DROP COLUMN control; "
    "ALTER TABLE route_waypoint DROP COLUMN elevation; "
    "ALTER TABLE route_waypoint DROP COLUMN link_uid; "
    "ALTER TABLE incident DROP COLUMN origin; ALTER TABLE incident_note DROP COLUMN origin; "
    "ALTER TABLE attachment DROP COLUMN origin; ALTER TABLE route DROP COLUMN origin; "
    "ALTER TABLE annotation DROP COLUMN origin; DELETE FROM mission WHERE key = 'id'; ");
} // namespace

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

namespace tessera::test {
namespace {

struct ChildRun {
    bool dropped = false; ///< the child became nobody (uid and gid 65534)
    int status = -1;      ///< what `body` returned (its exit status)
    QByteArray output;    ///< what `body` put in its argument
};

/// Runs `body` in a forked child as user and group nobody, for checks that need file
/// permissions to bite while the suite runs as root (CI does).
ChildRun runAsNobody(const std::function<int(QByteArray&)>& body) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        // Exit 100: the child could not drop root, so it ran nothing.
        int code = 100;
        if (::setgroups(0, nullptr) == 0 && ::setgid(65534) == 0 && ::setuid(65534) == 0 &&
            ::geteuid() == 65534 && ::getegid() == 65534) {
            QByteArray out;
            code = body(out);
            const char* p = out.constData();
            for (qsizetype left = out.size(); left > 0;) {
                const ssize_t n = ::write(fds[1], p, static_cast<size_t>(left));
                if (n <= 0)
                    break;
                p += n;
                left -= n;
            }
        }
        ::_exit(code);
    }
    ::close(fds[1]);
    ChildRun run;
    char buffer[4096];
    for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;)
        run.output.append(buffer, n);
    ::close(fds[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    run.status = WEXITSTATUS(status);
    run.dropped = run.status != 100;
    return run;
}

} // namespace
} // namespace tessera::test

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

namespace {
/// The columns of `table` that `description` (a write-column list) does not name, sorted.
QStringList undescribedColumns(Database& db, const char* table, const QString& description) {
    QStringList columns;
    auto names = db.prepare(
        QStringLiteral("SELECT name FROM pragma_table_info('%1')").arg(QString::fromLatin1(table)));
    REQUIRE(names.ok());
    REQUIRE(names.value().forEachRow([&](const Statement& q) { columns.append(q.text(0)); }).ok());
    const QStringList described = description.split(QStringLiteral(", "));
    QStringList undescribed;
    for (const QString& c : columns)
        if (!described.contains(c))
            undescribed.append(c);
    undescribed.sort();
    return undescribed;
}
} // namespace

TEST_CASE("An incident's fields have one description, from table to wire", "[store][records]") {
    QTemporaryDir dir;
    auto store = MissionStore::create(dir.filePath(QStringLiteral("m.tessera")), info());
    REQUIRE(store.ok());
    // Every column of the incident and annotation tables is their description's, or one of the
    // columns the store keeps of every record (key, stamps, tombstone, origin) or of bulk
    // imports: a migration that adds a field without adding it there fails this test.
    CHECK(undescribedColumns(store.value().database(), "incident", incidentWriteColumns()) ==
          QStringList{QStringLiteral("created_hlc"), QStringLiteral("deleted"),
                      QStringLiteral("id"), QStringLiteral("import_id"), QStringLiteral("origin")});
    CHECK(undescribedColumns(store.value().database(), "annotation", annotationWriteColumns()) ==
          QStringList{QStringLiteral("created_hlc"), QStringLiteral("deleted"),
                      QStringLiteral("id"), QStringLiteral("origin")});
    // What is written is what is read and what travels: an incident through the description's
    // row and wire forms comes back whole.
    Incident i;
    i.title = QStringLiteral("Roadblock");
    i.category = QStringLiteral("roadblock");
    i.severity = Severity::High;
    i.status = IncidentStatus::Confirmed;
    i.observedAt = QDateTime(QDate(2026, 12, 1), QTime(6, 15, 1, 250), Qt::UTC);
    i.location = {-0.0447, 16.2717};
    i.area = {{-0.05, 16.26}, {-0.03, 16.26}, {-0.04, 16.28}};
    i.source = QStringLiteral("patrol");
    i.reliability = QStringLiteral("B");
    i.credibility = 2;
    i.narrative = QStringLiteral("Two trucks across the road.");
    i.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
    i.exercise = true;
    REQUIRE(store.value().addIncident(i).ok());
    const Incident held = store.value().incident(i.uuid).value();
    QCborMap wire;
    incidentToWire(held, wire);
    Result<Incident> back = incidentFromWire(wire);
    REQUIRE(back.ok());
    const Incident& b = back.value();
    CHECK(b.title == held.title);
    CHECK(b.category == held.category);
    CHECK(b.severity == held.severity);
    CHECK(b.status == held.status);
    CHECK(b.observedAt == i.observedAt);
    CHECK(b.location == i.location);
    CHECK(b.area == i.area);
    CHECK(b.source == held.source);
    CHECK(b.reliability == QStringLiteral("B"));
    CHECK(b.credibility == 2);
    CHECK(b.narrative == held.narrative);
    CHECK(b.exercise);
}

TEST_CASE("A route's fields have one description, from tables to wire", "[store][records]") {
    QTemporaryDir dir;
    auto store = MissionStore::create(dir.filePath(QStringLiteral("m.tessera")), info());
    REQUIRE(store.ok());
    CHECK(undescribedColumns(store.value().database(), "route", routeWriteColumns()) ==
          QStringList{QStringLiteral("created_hlc"), QStringLiteral("deleted"),
                      QStringLiteral("origin"), QStringLiteral("station"),
                      QStringLiteral("updated_hlc")});
    PatrolRoute r;
    r.name = QStringLiteral("MSR Gao - Ansongo");
    r.unit = QStringLiteral("1 COY");
    r.status = RouteStatus::InProgress;
    r.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
    Waypoint start;
    start.location = {-0.0447, 16.2717};
    start.plannedAt = QDateTime(QDate(2026, 12, 1), QTime(6, 0), Qt::UTC);
    start.name = QStringLiteral("SP");
    Waypoint bend;
    bend.location = {0.1, 16.0};
    bend.control = true;
    bend.elevation = 261.5;
    bend.linkUid = QStringLiteral("c0ffee00-0000-4000-8000-000000000001");
    r.waypoints = {start, bend};
    r.track = {
        TrackPoint{{-0.0447, 16.2717},
                   QDateTime::fromMSecsSinceEpoch(1764568800123, Qt::UTC),
                   std::nullopt},
        TrackPoint{{-0.04, 16.26}, QDateTime::fromMSecsSinceEpoch(1764568860000, Qt::UTC), 262.0}};
    REQUIRE(store.value().addRoute(r).ok());
    const QList<PatrolRoute> routes = store.value().routes().value();
    REQUIRE(routes.size() == 1);
    QCborMap wire;
    routeToWire(routes.first(), wire);
    Result<PatrolRoute> back = routeFromWire(wire);
    REQUIRE(back.ok());
    CHECK(back.value().name == r.name);
    CHECK(back.value().unit == r.unit);
    CHECK(back.value().status == r.status);
    CHECK(back.value().waypoints == r.waypoints);
    REQUIRE(back.value().track.size() == 2);
    CHECK(back.value().track[0].recordedAt == r.track[0].recordedAt);
    CHECK(back.value().track[1].elevation == 262.0);
    // Written again from what was read, the wire form is the same: a relay passes on what it got.
    QCborMap again;
    routeToWire(back.value(), again);
    CHECK(again == wire);

    SECTION("a planned time in another form than the one kept is refused, not rewritten") {
        QCborArray waypoints = wire[QStringLiteral("waypoints")].toArray();
        QCborArray first = waypoints[0].toArray();
        first[3] = QStringLiteral("2026-12-01T07:00:00+01:00"); // the same instant
        waypoints[0] = first;
        wire[QStringLiteral("waypoints")] = waypoints;
        Result<PatrolRoute> refused = routeFromWire(wire);
        REQUIRE_FALSE(refused.ok());
        CHECK(refused.error().message.contains(QStringLiteral("waypoint 1")));
    }
}

TEST_CASE("Records another station wrote are written the store's way (RemoteApply)",
          "[store][records]") {
    QTemporaryDir dir;
    auto store = MissionStore::create(dir.filePath(QStringLiteral("m.tessera")), info());
    REQUIRE(store.ok());
    MissionStore& m = store.value();
    const QString other = QStringLiteral("6a1e0a52-0000-4000-8000-00000000beef");
    // A stamp well ahead of this station's clock, as from a station whose clock runs fast.
    const qint64 ahead =
        Hlc::from(QDateTime::currentDateTimeUtc().addDays(1).toMSecsSinceEpoch(), 0).value;
    Incident i = incidentAt(0.35, 15.93, QStringLiteral("Convoy ambushed near Ansongo"));
    i.uuid = QStringLiteral("0e5a1c7d-0000-4000-8000-000000000001");
    RemoteStamp stamp{other, other, ahead, ahead, false};
    {
        RemoteApply writer(m);
        Result<RemoteWrite> w = writer.incident(i, stamp);
        REQUIRE(w.ok());
        CHECK(w.value() == RemoteWrite::Inserted);
        IncidentNote note;
        note.uuid = QStringLiteral("0e5a1c7d-0000-4000-8000-000000000002");
        note.author = QStringLiteral("S2");
        note.text = QStringLiteral("Two vehicles burnt out");
        note.writtenAt = QDateTime::fromMSecsSinceEpoch(1764568800000, Qt::UTC);
        note.marking = i.marking;
        CHECK(writer.note(note, i.uuid, stamp).value() == std::optional(true));
        CHECK(writer.note(note, i.uuid, stamp).value() == std::nullopt); // append-only: held
        note.uuid = QStringLiteral("0e5a1c7d-0000-4000-8000-000000000003");
        CHECK(writer.note(note, QStringLiteral("no-such-incident"), stamp).value() ==
              std::optional(false));
        REQUIRE(writer.finish().ok());
    }
    // Indexed as a local write is: found by words of its title and of its note, and by place.
    IncidentQuery q;
    q.text = QStringLiteral("ambushed");
    CHECK(m.queryIncidents(q).value().total == 1);
    q.text = QStringLiteral("burnt");
    CHECK(m.queryIncidents(q).value().total == 1);
    q = {};
    q.bbox = geo::Extent{0.3, 15.9, 0.4, 16.0};
    CHECK(m.queryIncidents(q).value().total == 1);
    // Kept with its writer's stamp, logged, and this station's next edit stamps above it.
    const Incident held = m.incident(i.uuid).value();
    CHECK(held.stamp.station == other);
    CHECK(held.stamp.updated.value == ahead);
    Incident local = incidentAt(0.0, 16.0, QStringLiteral("Local report"));
    REQUIRE(m.addIncident(local).ok());
    CHECK(local.stamp.updated.value > ahead);

    SECTION("a tombstone takes it out of the indexes") {
        RemoteApply writer(m);
        stamp.updated = ahead + 1;
        stamp.deleted = true;
        Result<RemoteWrite> w = writer.incident(i, stamp);
        REQUIRE(w.ok());
        CHECK(w.value() == RemoteWrite::Deleted);
        REQUIRE(writer.finish().ok());
        q = {};
        q.text = QStringLiteral("ambushed");
        CHECK(m.queryIncidents(q).value().total == 0);
        CHECK(m.incident(i.uuid).value().stamp.deleted);
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
        const QByteArray before = test::fileHash(path);
        // Opened for writing it is refused by name; it still reads. Returns 0 when all holds.
        auto readOnlyChecks = [&](QByteArray& message) {
            // Guard: the test means nothing if this user could write the file after all.
            if (QFileInfo(path).isWritable())
                return 3;
            auto store = MissionStore::open(path, MissionStore::Access::ReadWrite);
            if (store.ok())
                return 1;
            message = store.error().message.toUtf8();
            auto snap = MissionStore::load(path);
            if (!snap.ok() || snap.value().incidents.size() != 1)
                return 2;
            return 0;
        };
        QByteArray message;
        int failed = -1;
        if (::geteuid() == 0) {
            // Root writes whatever the permissions say: the checks run in a child that is user
            // and group nobody, on a root-owned file readable by all, in a folder where it may
            // make SQLite's -shm file (as a user with a read-only file in their own folder).
            REQUIRE(QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::ReadGroup |
                                                    QFileDevice::ReadOther));
            REQUIRE(::chmod(dir.path().toLocal8Bit().constData(), 01777) == 0);
            const test::ChildRun child = test::runAsNobody(readOnlyChecks);
            REQUIRE(child.dropped);
            failed = child.status;
            message = child.output;
        } else {
            REQUIRE(QFile::setPermissions(path, QFileDevice::ReadOwner));
            failed = readOnlyChecks(message);
        }
        CHECK(failed == 0);
        CHECK_THAT(message.toStdString(), Contains("read-only") && Contains("ro.tessera"));
        CHECK(test::fileHash(path) == before);
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

namespace {

/// A seeded mix of point and area incidents spread over a region, with every severity, status
/// and reliability.
QList<Incident> seededIncidents(int count, int seed) {
    QList<Incident> list;
    quint32 state = static_cast<quint32>(seed) * 2654435761U + 1;
    auto next = [&] {
        state = state * 1664525U + 1013904223U;
        return (state >> 8) / double(1 << 24);
    };
    for (int k = 0; k < count; ++k) {
        Incident i = incidentAt(-10 + 25 * next(), 5 + 15 * next(),
                                QStringLiteral("Seeded %1 convoy %2").arg(seed).arg(k), 1 + k % 28);
        i.severity = static_cast<Severity>(k % 4);
        i.status = static_cast<IncidentStatus>(k % 3);
        i.reliability = QString(QLatin1Char(static_cast<char>('A' + k % 6)));
        i.narrative = QStringLiteral("Narrative %1 near wadi %2").arg(k).arg(k % 17);
        if (k % 7 == 0) {
            const geo::GeoPoint c = i.location;
            i.area = {{c.lon - 0.2, c.lat - 0.1}, {c.lon + 0.3, c.lat - 0.1}, {c.lon, c.lat + 0.2}};
        }
        list.append(i);
    }
    return list;
}

/// Rows of an SQL query of `columns` columns, each joined with '|', to compare two files.
QStringList rowsOf(Database& db, const QString& sql, int columns) {
    auto stmt = db.prepare(sql);
    REQUIRE(stmt.ok());
    QStringList rows;
    for (;;) {
        auto row = stmt.value().step();
        REQUIRE(row.ok());
        if (!row.value())
            break;
        QStringList cells;
        for (int k = 0; k < columns; ++k)
            cells.append(stmt.value().text(k));
        rows.append(cells.join(QLatin1Char('|')));
    }
    return rows;
}

QString rtreeCheck(MissionStore& m) {
    return m.database()
        .scalar(QStringLiteral("SELECT rtreecheck('incident_rtree')"))
        .value()
        .toString();
}

const QString kRtreeRows =
    QStringLiteral("SELECT id, min_lon, max_lon, min_lat, max_lat FROM incident_rtree ORDER BY id");
// Every indexed token with its row, column and position.
const QString kFtsRows = QStringLiteral("SELECT term, doc, col, offset FROM temp.fts_instances "
                                        "ORDER BY term, doc, col, offset");

/// Imports `list`; true when its text index was built aside (on the indexer's thread).
Result<bool> importWith(MissionStore& m, QList<Incident>& list, int batch, ImportSharing sharing) {
    auto bulk = IncidentImport::begin(m, QStringLiteral("test"), batch, sharing);
    if (!bulk)
        return bulk.error();
    for (Incident& i : list)
        if (Status s = bulk.value().add(i); !s)
            return s.error();
    auto done = bulk.value().finish();
    if (!done)
        return done.error();
    return bulk.value().builtAside();
}

Status importAll(MissionStore& m, QList<Incident>& list, int batch) {
    auto aside = importWith(m, list, batch, ImportSharing{});
    if (!aside)
        return aside.error();
    // The indexer starts after the first whole batch; an import of one batch or less is
    // indexed by finish() itself.
    if (aside.value() != (list.size() >= batch))
        return Error{QStringLiteral("indexed aside: %1, for %2 rows in batches of %3")
                         .arg(aside.value())
                         .arg(list.size())
                         .arg(batch)};
    return success();
}

} // namespace

TEST_CASE("A bulk import indexes exactly what row-by-row writes index", "[store][import]") {
    QTemporaryDir dir;
    auto bulkStore = MissionStore::create(dir.filePath(QStringLiteral("bulk.tessera")), info());
    auto rowStore = MissionStore::create(dir.filePath(QStringLiteral("rows.tessera")), info());
    REQUIRE(bulkStore.ok());
    REQUIRE(rowStore.ok());
    MissionStore& bulk = bulkStore.value();
    MissionStore& rows = rowStore.value();
    // Three imports: into an empty tree (packed), a small one into a larger tree (entry by
    // entry), a larger one into a tree (packed again, with what it held). Batch sizes that end
    // inside a multi-row statement and on its edge.
    const QList<std::pair<int, int>> imports{{700, 1000}, {40, 7}, {900, 64}};
    int seed = 1;
    for (const auto& [count, batch] : imports) {
        QList<Incident> list = seededIncidents(count, seed);
        QList<Incident> copy = seededIncidents(count, seed);
        ++seed;
        REQUIRE(importAll(bulk, list, batch).ok());
        for (qsizetype k = 0; k < copy.size(); ++k) {
            copy[k].uuid = list[k].uuid;
            REQUIRE(rows.addIncident(copy[k]).ok());
        }
        INFO("after importing " << count << " in batches of " << batch);
        CHECK(rtreeCheck(bulk) == QStringLiteral("ok"));
        CHECK(rowsOf(bulk.database(), kRtreeRows, 5) == rowsOf(rows.database(), kRtreeRows, 5));
    }
    const QString incidentRows = QStringLiteral(
        "SELECT id, uuid, title, category, severity, status, observed_at, lon, lat, "
        "coalesce(area, '-'), coalesce(area_west, '-'), coalesce(area_north, '-'), reliability, "
        "narrative FROM incident ORDER BY id");
    CHECK(rowsOf(bulk.database(), incidentRows, 14) == rowsOf(rows.database(), incidentRows, 14));
    for (MissionStore* m : {&bulk, &rows})
        REQUIRE(m->database()
                    .exec(QStringLiteral("CREATE VIRTUAL TABLE temp.fts_instances USING "
                                         "fts5vocab(main, incident_fts, instance)"))
                    .ok());
    const QStringList tokens = rowsOf(bulk.database(), kFtsRows, 4);
    CHECK(tokens.size() > 10000);
    // FTS5's own check of the appended segments against the incidents' text.
    CHECK(bulk.database()
              .exec(QStringLiteral(
                  "INSERT INTO incident_fts (incident_fts) VALUES ('integrity-check')"))
              .ok());
    CHECK(tokens == rowsOf(rows.database(), kFtsRows, 4));
    CHECK(rowsOf(bulk.database(), QStringLiteral("SELECT count(*) FROM change_log"), 1) ==
          QStringList{QStringLiteral("1640")});

    SECTION("the packed tree answers boxes as the other does, and takes later writes") {
        for (int k = 0; k < 300; ++k) {
            // Many into one spot: leaves that were packed full split.
            Incident i = incidentAt(2 + k * 1e-4, 12, QStringLiteral("Later %1").arg(k));
            REQUIRE(bulk.addIncident(i).ok());
            if (k % 3 == 0)
                REQUIRE(bulk.deleteIncident(i.uuid).ok());
        }
        CHECK(rtreeCheck(bulk) == QStringLiteral("ok"));
        for (const geo::Extent box : {geo::Extent{-5, 8, 0, 12}, geo::Extent{1.9, 11.9, 2.1, 12.1},
                                      geo::Extent{-20, -20, 40, 40}}) {
            IncidentQuery q;
            q.bbox = box;
            q.limit = 100000;
            QStringList got, want;
            const QList<Incident> mine = bulk.queryIncidents(q).value().incidents;
            const QList<Incident> theirs = rows.queryIncidents(q).value().incidents;
            for (const Incident& i : mine)
                if (!i.title.startsWith(QStringLiteral("Later")))
                    got.append(i.uuid);
            for (const Incident& i : theirs)
                want.append(i.uuid);
            CHECK(got == want);
        }
    }
}

namespace {

qint64 textMatches(MissionStore& m, const QString& words) {
    IncidentQuery q;
    q.text = words;
    q.limit = 1;
    return m.queryIncidents(q).value().total;
}

} // namespace

TEST_CASE("An import makes the same mission whichever thread indexes it", "[store][import]") {
    QTemporaryDir dir;
    struct Way {
        const char* name;
        ImportSharing sharing;
        bool aside;
    };
    // Indexed aside (markers from memory), aside with markers past their memory bound (sorted in
    // SQL), all by finish() on the importing connection, and aside until the temporary
    // database is full (then finish() does everything).
    const QList<Way> ways{{"aside", ImportSharing{}, true},
                          {"bounded", ImportSharing{true, 1, 0}, true},
                          {"inline", ImportSharing{false, 0, 0}, false},
                          {"full", ImportSharing{true, size_t{512} << 20, 1}, false}};
    std::vector<MissionStore> stores;
    for (const Way& way : ways) {
        auto created = MissionStore::create(dir.filePath(QLatin1String(way.name)), info());
        REQUIRE(created.ok());
        stores.push_back(std::move(created).value());
    }
    const QList<std::pair<int, int>> imports{{700, 1000}, {40, 7}, {900, 64}};
    int seed = 41;
    for (const auto& [count, batch] : imports) {
        const QList<Incident> original = seededIncidents(count, seed++);
        QList<Incident> first;
        for (qsizetype w = 0; w < ways.size(); ++w) {
            QList<Incident> list = original;
            if (w > 0)
                for (qsizetype k = 0; k < list.size(); ++k)
                    list[k].uuid = first[k].uuid;
            INFO(ways[w].name << ": " << count << " in batches of " << batch);
            auto aside = importWith(stores[static_cast<size_t>(w)], list, batch, ways[w].sharing);
            REQUIRE(aside.ok());
            // The indexer starts after the first whole batch: the first import (one batch) is
            // indexed by finish() every way. (And 40 rows fit in the pages the temporary
            // database's empty tables already have.)
            if (count > 100 || w != 3)
                CHECK(aside.value() == (ways[w].aside && count >= batch));
            if (w == 0)
                first = list;
        }
    }
    const QStringList queries{
        QStringLiteral("SELECT id, uuid, title, observed_at, lon, lat, coalesce(area_west, '-') "
                       "FROM incident ORDER BY id"),
        kRtreeRows,
        QStringLiteral("SELECT id, min_lon, max_lon, min_lat, max_lat FROM incident_area_rtree "
                       "ORDER BY id"),
        QStringLiteral("SELECT hkey, id, uuid, title, category, severity, status, observed_at, "
                       "lon, lat FROM incident_marker ORDER BY hkey, id"),
        QStringLiteral("SELECT seq, kind, uuid, op FROM change_log ORDER BY seq"),
        kFtsRows,
    };
    const QList<int> columns{7, 5, 5, 10, 4, 4};
    for (MissionStore& m : stores) {
        REQUIRE(m.database()
                    .exec(QStringLiteral("CREATE VIRTUAL TABLE temp.fts_instances USING "
                                         "fts5vocab(main, incident_fts, instance)"))
                    .ok());
        CHECK(rtreeCheck(m) == QStringLiteral("ok"));
        CHECK(m.database()
                  .exec(QStringLiteral(
                      "INSERT INTO incident_fts (incident_fts) VALUES ('integrity-check')"))
                  .ok());
    }
    for (qsizetype q = 0; q < queries.size(); ++q) {
        INFO(queries[q].toStdString());
        const QStringList expected = rowsOf(stores[0].database(), queries[q], columns[q]);
        CHECK(expected.size() >= 200); // the areas: one in seven
        for (size_t w = 1; w < stores.size(); ++w)
            CHECK(rowsOf(stores[w].database(), queries[q], columns[q]) == expected);
    }
}

TEST_CASE("An import's text index joins what the importing connection already indexed",
          "[store][import]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("m.tessera"));
    auto store = MissionStore::create(path, info());
    REQUIRE(store.ok());
    MissionStore& m = store.value();
    // Text written and searched on this connection before the import: FTS5 has read (and
    // cached) the index, and deletes left delete markers in it.
    QStringList before;
    for (int k = 0; k < 40; ++k) {
        Incident i = incidentAt(1 + k * 0.01, 12, QStringLiteral("Alpha report %1").arg(k));
        REQUIRE(m.addIncident(i).ok());
        before.append(i.uuid);
    }
    for (int k = 0; k < 40; k += 8)
        REQUIRE(m.deleteIncident(before[k]).ok());
    REQUIRE(textMatches(m, QStringLiteral("alpha")) == 35);

    QList<Incident> imported = seededIncidents(600, 31);
    REQUIRE(importAll(m, imported, 64).ok());
    CHECK(textMatches(m, QStringLiteral("convoy")) == 600);
    CHECK(textMatches(m, QStringLiteral("alpha")) == 35);
    CHECK(textMatches(m, QStringLiteral("wadi")) == 600);

    // Writes through this connection after the import keep both parts of the index.
    Incident later = incidentAt(2, 13, QStringLiteral("Bravo sighting"));
    REQUIRE(m.addIncident(later).ok());
    Incident renamed = imported[5];
    renamed.title = QStringLiteral("Renamed checkpoint");
    REQUIRE(m.updateIncident(renamed).ok());
    REQUIRE(m.deleteIncident(imported[6].uuid).ok());
    CHECK(textMatches(m, QStringLiteral("convoy")) == 598);
    CHECK(textMatches(m, QStringLiteral("bravo")) == 1);
    CHECK(textMatches(m, QStringLiteral("renamed")) == 1);
    CHECK(textMatches(m, QStringLiteral("alpha")) == 35);
    CHECK(m.database()
              .exec(QStringLiteral(
                  "INSERT INTO incident_fts (incident_fts) VALUES ('integrity-check')"))
              .ok());

    auto reopened = MissionStore::open(path, MissionStore::Access::ReadOnly);
    REQUIRE(reopened.ok());
    CHECK(textMatches(reopened.value(), QStringLiteral("convoy")) == 598);
    CHECK(textMatches(reopened.value(), QStringLiteral("alpha")) == 35);
}

TEST_CASE("Full-text segments built elsewhere append to an index as FTS5 would build it",
          "[store][import]") {
    QTemporaryDir dir;
    auto opened =
        Database::open(dir.filePath(QStringLiteral("fts.sqlite")), Database::Mode::Create);
    REQUIRE(opened.ok());
    Database& db = opened.value();
    for (const char* name : {"target", "source", "reference"})
        REQUIRE(db.exec(QStringLiteral("CREATE VIRTUAL TABLE %1 USING fts5 (title, narrative, "
                                       "notes, content = '', tokenize = 'unicode61 "
                                       "remove_diacritics 2')")
                            .arg(QLatin1String(name)))
                    .ok());
    // Small flushes and merges, so that both indexes have segments on several levels.
    for (const char* name : {"target", "reference"})
        REQUIRE(db.exec(QStringLiteral("INSERT INTO %1 (%1, rank) VALUES ('pgsz', 64); "
                                       "INSERT INTO %1 (%1, rank) VALUES ('automerge', 2)")
                            .arg(QLatin1String(name)))
                    .ok());
    REQUIRE(db.exec(QStringLiteral("INSERT INTO source (source, rank) VALUES ('pgsz', 64); "
                                   "INSERT INTO source (source, rank) VALUES ('automerge', 0); "
                                   "INSERT INTO source (source, rank) VALUES ('crisismerge', 3)"))
                .ok());
    auto write = [&](const char* table, int from, int to) {
        for (int k = from; k < to; ++k) {
            // One transaction per ten rows: each commit flushes a segment.
            if (k == from || k % 10 == 0)
                REQUIRE(db.exec(QStringLiteral("BEGIN")).ok());
            auto insert = db.prepare(QStringLiteral("INSERT INTO %1 (rowid, title, narrative, "
                                                    "notes) VALUES (?1, ?2, ?3, '')")
                                         .arg(QLatin1String(table)));
            REQUIRE(insert.ok());
            insert.value()
                .bind(1, qint64{k})
                .bind(2, QStringLiteral("Ségou patrol %1").arg(k % 37))
                .bind(
                    3,
                    QStringLiteral("Convoy %1 stopped at Saint-Louis, well %2").arg(k).arg(k % 11));
            REQUIRE(insert.value().run().ok());
            if (k % 10 == 9 || k + 1 == to)
                REQUIRE(db.exec(QStringLiteral("COMMIT")).ok());
        }
    };
    write("target", 1, 400);
    write("reference", 1, 400);
    write("source", 400, 1000);
    write("reference", 400, 1000);

    auto structure = [&](const char* table) {
        return db
            .scalar(
                QStringLiteral("SELECT block FROM %1_data WHERE id = 10").arg(QLatin1String(table)))
            .value()
            .toByteArray();
    };
    SECTION("a structure record reads back to the same bytes") {
        for (const char* table : {"target", "source", "reference"}) {
            const QByteArray record = structure(table);
            auto decoded = FtsStructure::decode(record);
            REQUIRE(decoded.ok());
            CHECK(decoded.value().segmentCount() > 1);
            CHECK(decoded.value().encode() == record);
        }
        CHECK(FtsStructure::decode(structure("target").left(7)).ok() == false);
        QByteArray later = structure("target");
        later.insert(4, QByteArray(4, '\xff')); // the V2 mark of later SQLite versions
        CHECK(FtsStructure::decode(later).ok() == false);
    }
    SECTION("the appended index holds every token the reference does") {
        // Leave the target in the middle of a merge (one page of it done): its output is the
        // last segment of the next level, which the appended segments must not displace.
        REQUIRE(db.exec(QStringLiteral("INSERT INTO target (target, rank) VALUES ('usermerge', 2); "
                                       "INSERT INTO target (target, rank) VALUES ('merge', 1)"))
                    .ok());
        auto midMerge = FtsStructure::decode(structure("target"));
        REQUIRE(midMerge.ok());
        CHECK(std::any_of(midMerge.value().levels.begin(), midMerge.value().levels.end(),
                          [](const FtsStructure::Level& l) { return l.merging > 0; }));
        REQUIRE(db.exec(QStringLiteral("BEGIN")).ok());
        auto appended =
            appendFtsIndex(db, QStringLiteral("main.target"), QStringLiteral("main.source"));
        REQUIRE(appended.ok());
        CHECK(appended.value());
        REQUIRE(db.exec(QStringLiteral("COMMIT")).ok());
        CHECK(
            db.exec(QStringLiteral("INSERT INTO target (target) VALUES ('integrity-check')")).ok());
        for (const char* name : {"target", "reference"})
            REQUIRE(db.exec(QStringLiteral("CREATE VIRTUAL TABLE temp.%1_words USING "
                                           "fts5vocab(main, %1, instance)")
                                .arg(QLatin1String(name)))
                        .ok());
        const QString words = QStringLiteral(
            "SELECT term, doc, col, offset FROM temp.%1_words ORDER BY term, doc, col, offset");
        const QStringList got = rowsOf(db, words.arg(QStringLiteral("target")), 4);
        CHECK(got.size() > 9000);
        CHECK(got == rowsOf(db, words.arg(QStringLiteral("reference")), 4));
        for (const char* query : {"segou", "\"saint louis\"", "convoy AND well", "patrol 12"})
            CHECK(rowsOf(db,
                         QStringLiteral("SELECT rowid FROM target WHERE target MATCH '%1' ORDER "
                                        "BY rowid")
                             .arg(QLatin1String(query)),
                         1) ==
                  rowsOf(db,
                         QStringLiteral("SELECT rowid FROM reference WHERE reference MATCH '%1' "
                                        "ORDER BY rowid")
                             .arg(QLatin1String(query)),
                         1));
        // Average lengths (bm25) count both parts.
        CHECK(db.scalar(QStringLiteral("SELECT block FROM target_data WHERE id = 1"))
                  .value()
                  .toByteArray() ==
              db.scalar(QStringLiteral("SELECT block FROM reference_data WHERE id = 1"))
                  .value()
                  .toByteArray());
        // The merge left half done carries on into the right segment.
        REQUIRE(db.exec(QStringLiteral("INSERT INTO target (target, rank) VALUES ('merge', 500)"))
                    .ok());
        CHECK(
            db.exec(QStringLiteral("INSERT INTO target (target) VALUES ('integrity-check')")).ok());
        CHECK(rowsOf(db, words.arg(QStringLiteral("target")), 4) == got);
        // And the index takes further writes.
        write("target", 1000, 1010);
        CHECK(
            db.exec(QStringLiteral("INSERT INTO target (target) VALUES ('integrity-check')")).ok());
    }
    SECTION("an index of an unknown format is left alone") {
        REQUIRE(db.exec(QStringLiteral("UPDATE source_config SET v = 5 WHERE k = 'version'")).ok());
        const QStringList pages =
            rowsOf(db, QStringLiteral("SELECT id, hex(block) FROM target_data ORDER BY id"), 2);
        auto appended =
            appendFtsIndex(db, QStringLiteral("main.target"), QStringLiteral("main.source"));
        REQUIRE(appended.ok());
        CHECK_FALSE(appended.value());
        CHECK(rowsOf(db, QStringLiteral("SELECT id, hex(block) FROM target_data ORDER BY id"), 2) ==
              pages);
    }
}

TEST_CASE("Markers are the full query's matches, lighter", "[store][query]") {
    QTemporaryDir dir;
    auto store = MissionStore::create(dir.filePath(QStringLiteral("m.tessera")), info());
    REQUIRE(store.ok());
    MissionStore& m = store.value();
    QList<Incident> list = seededIncidents(1500, 9);
    REQUIRE(importAll(m, list, 500).ok());
    // One more outside any import, one tombstone, one import left running: neither of the last
    // two may show.
    Incident single = incidentAt(0.5, 12.5, QStringLiteral("Single"));
    REQUIRE(m.addIncident(single).ok());
    REQUIRE(m.deleteIncident(list[3].uuid).ok());
    auto running = IncidentImport::begin(m, QStringLiteral("running"), 10);
    REQUIRE(running.ok());
    for (int k = 0; k < 25; ++k) {
        Incident i = incidentAt(0.5, 12.5, QStringLiteral("Unfinished %1").arg(k));
        REQUIRE(running.value().add(i).ok());
    }

    auto same = [&](IncidentQuery q) {
        auto full = m.queryIncidents(q);
        auto markers = m.queryMarkers(q);
        REQUIRE(full.ok());
        REQUIRE(markers.ok());
        CHECK(markers.value().total == full.value().total);
        const QList<Incident>& a = full.value().incidents;
        const QList<IncidentMarker>& b = markers.value().markers;
        REQUIRE(a.size() == b.size());
        for (qsizetype k = 0; k < a.size(); ++k) {
            INFO("row " << k);
            CHECK(b[k].uuid == a[k].uuid);
            CHECK(b[k].title == a[k].title);
            CHECK(b[k].category == a[k].category);
            CHECK(b[k].severity == a[k].severity);
            CHECK(b[k].status == a[k].status);
            CHECK(b[k].observedAt() == a[k].observedAt);
            CHECK(b[k].location == a[k].location);
            CHECK(b[k].isArea == !a[k].area.isEmpty());
        }
        return b.size();
    };

    SECTION("boxes, in every order, page by page") {
        for (IncidentOrder order : {IncidentOrder::NewestFirst, IncidentOrder::OldestFirst,
                                    IncidentOrder::MostSevere, IncidentOrder::Title}) {
            IncidentQuery q;
            q.bbox = geo::Extent{-5, 8, 6, 15};
            q.order = order;
            q.limit = 100000;
            const qsizetype all = same(q);
            CHECK(all > 300);
            q.limit = 50;
            q.offset = 120;
            CHECK(same(q) == 50);
            q.offset = static_cast<int>(all) - 10;
            CHECK(same(q) == 10);
        }
    }
    SECTION("the box is decided on exact coordinates, areas by their bounds") {
        // Boxes whose edges fall just inside and outside incidents' exact coordinates and area
        // bounds: the R*Tree's float boxes would take both.
        const Incident& point = list[1];
        const Incident& area = list[7];
        REQUIRE(area.area.size() == 3);
        const double eps = 1e-7;
        geo::Extent bounds{area.area[0].lon, area.area[0].lat, area.area[0].lon, area.area[0].lat};
        for (const geo::GeoPoint& p : area.area) {
            bounds.minX = std::min(bounds.minX, p.lon);
            bounds.minY = std::min(bounds.minY, p.lat);
            bounds.maxX = std::max(bounds.maxX, p.lon);
            bounds.maxY = std::max(bounds.maxY, p.lat);
        }
        for (const geo::Extent box :
             {geo::Extent{point.location.lon, point.location.lat, point.location.lon + 1,
                          point.location.lat + 1},
              geo::Extent{point.location.lon + eps, point.location.lat, point.location.lon + 1,
                          point.location.lat + 1},
              geo::Extent{bounds.maxX, bounds.maxY, bounds.maxX + 1, bounds.maxY + 1},
              geo::Extent{bounds.maxX + eps, bounds.maxY, bounds.maxX + 1, bounds.maxY + 1}}) {
            IncidentQuery q;
            q.bbox = box;
            q.limit = 100000;
            same(q);
        }
        IncidentQuery q;
        q.bbox = geo::Extent{point.location.lon + eps, point.location.lat - 1,
                             point.location.lon + 1, point.location.lat + 1};
        q.limit = 100000;
        auto uuids = [&] {
            QStringList found;
            const QList<IncidentMarker> markers = m.queryMarkers(q).value().markers;
            for (const IncidentMarker& marker : markers)
                found.append(marker.uuid);
            return found;
        };
        CHECK_FALSE(uuids().contains(point.uuid));
        q.bbox = geo::Extent{bounds.maxX + eps, bounds.minY, bounds.maxX + 1, bounds.maxY};
        CHECK_FALSE(uuids().contains(area.uuid));
        q.bbox = geo::Extent{bounds.maxX, bounds.minY, bounds.maxX + 1, bounds.maxY};
        CHECK(uuids().contains(area.uuid));
    }
    SECTION("filters without a box, and nothing of tombstones or running imports") {
        IncidentQuery q;
        q.limit = 100000;
        CHECK(same(q) == 1500); // 1500 imported - 1 deleted + 1 single
        q.severities = {Severity::Critical};
        q.statuses = {IncidentStatus::Confirmed, IncidentStatus::Resolved};
        q.from = QDateTime(QDate(2026, 11, 5), QTime(0, 0), Qt::UTC);
        CHECK(same(q) > 50);
        q = {};
        q.text = QStringLiteral("wadi 5");
        CHECK(same(q) > 0);
        q = {};
        q.text = QStringLiteral("unfinished");
        CHECK(same(q) == 0);
    }
}

TEST_CASE("Marker key ranges cover every point of a box", "[store][query]") {
    // Random boxes from a few metres to the whole world, and points in them and near them: a
    // point in the box always has its key in one of the ranges.
    quint32 state = 12345;
    auto next = [&] {
        state = state * 1664525U + 1013904223U;
        return (state >> 8) / double(1 << 24);
    };
    for (int b = 0; b < 400; ++b) {
        const double w = std::pow(10.0, -4 + 6 * next());
        const double h = std::pow(10.0, -4 + 6 * next());
        const double x = -180 + 360 * next(), y = -90 + 180 * next();
        const geo::Extent box{x, y, std::min(180.0, x + w), std::min(90.0, y + h)};
        const auto ranges = markerKeyRanges(box);
        REQUIRE_FALSE(ranges.empty());
        CHECK(ranges.size() <= 48);
        for (size_t k = 1; k < ranges.size(); ++k)
            CHECK(ranges[k - 1].second < ranges[k].first);
        for (int p = 0; p < 50; ++p) {
            // Corners and edges exactly, and points inside.
            const double lon = p == 0   ? box.minX
                               : p == 1 ? box.maxX
                                        : box.minX + box.width() * next();
            const double lat = p == 2   ? box.minY
                               : p == 3 ? box.maxY
                                        : box.minY + box.height() * next();
            const quint64 key = markerKey(lon, lat);
            const bool covered = std::any_of(ranges.begin(), ranges.end(), [&](const auto& r) {
                return r.first <= key && key <= r.second;
            });
            INFO("box " << box.minX << " " << box.minY << " " << box.maxX << " " << box.maxY
                        << ", point " << lon << " " << lat);
            CHECK(covered);
        }
    }
    CHECK(markerKeyRanges(geo::Extent{-180, -90, 180, 90}) ==
          std::vector<std::pair<quint64, quint64>>{{0, (quint64{1} << 32) - 1}});
    CHECK(markerKeyRanges(geo::Extent{1, 1, 0, 0}).empty());
}

namespace {

/// The marker structures (schema 3) checked against the records: every live point of a
/// finished import has exactly its marker row (key, values), every live area its R*Tree box;
/// nothing else is there.
void checkMarkersInStep(MissionStore& m) {
    Database& db = m.database();
    const QString live = QStringLiteral(
        "deleted = 0 AND (import_id IS NULL OR import_id NOT IN (SELECT id FROM import WHERE "
        "state <> 'done'))");
    CHECK(rowsOf(db,
                 QStringLiteral("SELECT hkey, id, uuid, title, category, severity, status, "
                                "observed_at, lon, lat FROM incident_marker ORDER BY id"),
                 10) ==
          rowsOf(db,
                 QStringLiteral("SELECT tessera_marker_key(lon, lat), id, uuid, title, category, "
                                "severity, status, observed_at, lon, lat FROM incident WHERE %1 "
                                "AND area_west IS NULL ORDER BY id")
                     .arg(live),
                 10));
    CHECK(rowsOf(db, QStringLiteral("SELECT id FROM incident_area_rtree ORDER BY id"), 1) ==
          rowsOf(db,
                 QStringLiteral("SELECT id FROM incident WHERE %1 AND area_west IS NOT NULL "
                                "ORDER BY id")
                     .arg(live),
                 1));
    CHECK(rowsOf(db, QStringLiteral("SELECT rtreecheck('incident_area_rtree')"), 1) ==
          QStringList{QStringLiteral("ok")});
}

/// Markers of `q` against the full records of the same query: same rows, order and values.
void checkMarkersMatch(MissionStore& m, IncidentQuery q) {
    auto full = m.queryIncidents(q);
    auto markers = m.queryMarkers(q);
    REQUIRE(full.ok());
    REQUIRE(markers.ok());
    CHECK(markers.value().total == full.value().total);
    const QList<Incident>& a = full.value().incidents;
    const QList<IncidentMarker>& b = markers.value().markers;
    REQUIRE(a.size() == b.size());
    for (qsizetype k = 0; k < a.size(); ++k) {
        INFO("row " << k);
        CHECK(b[k].uuid == a[k].uuid);
        CHECK(b[k].title == a[k].title);
        CHECK(b[k].category == a[k].category);
        CHECK(b[k].severity == a[k].severity);
        CHECK(b[k].status == a[k].status);
        CHECK(b[k].observedAt() == a[k].observedAt);
        CHECK(b[k].location == a[k].location);
        CHECK(b[k].isArea == !a[k].area.isEmpty());
    }
}

QList<geo::Extent> seededBoxes(int count, int seed) {
    QList<geo::Extent> boxes;
    quint32 state = static_cast<quint32>(seed) * 2246822519U + 7;
    auto next = [&] {
        state = state * 1664525U + 1013904223U;
        return (state >> 8) / double(1 << 24);
    };
    for (int k = 0; k < count; ++k) {
        const double x = -12 + 28 * next(), y = 3 + 18 * next();
        const double w = 0.05 + 8 * next() * next(), h = 0.05 + 6 * next() * next();
        boxes.append(geo::Extent{x, y, x + w, y + h});
    }
    boxes.append(geo::Extent{-180, -90, 180, 90});
    return boxes;
}

void checkBoxes(MissionStore& m, int seed) {
    for (const geo::Extent& box : seededBoxes(40, seed)) {
        INFO("box " << box.minX << " " << box.minY << " " << box.maxX << " " << box.maxY);
        IncidentQuery q;
        q.bbox = box;
        q.limit = 100000;
        checkMarkersMatch(m, q);
        q.order = IncidentOrder::MostSevere;
        q.severities = {Severity::High, Severity::Critical};
        q.limit = 20;
        q.offset = 3;
        checkMarkersMatch(m, q);
    }
}

} // namespace

TEST_CASE("The marker table stays in step through writes and imports", "[store][query]") {
    QTemporaryDir dir;
    auto store = MissionStore::create(dir.filePath(QStringLiteral("m.tessera")), info());
    REQUIRE(store.ok());
    MissionStore& m = store.value();
    // A packed import into an empty tree, a small one entry by entry, then a larger one packed.
    QList<Incident> first = seededIncidents(900, 21);
    REQUIRE(importAll(m, first, 250).ok());
    checkMarkersInStep(m);
    checkBoxes(m, 1);
    QList<Incident> second = seededIncidents(60, 22);
    REQUIRE(importAll(m, second, 7).ok());
    QList<Incident> third = seededIncidents(1200, 23);
    REQUIRE(importAll(m, third, 500).ok());
    checkMarkersInStep(m);
    checkBoxes(m, 2);

    // Row by row: inserts, moves, points becoming areas and back, new titles and severities,
    // notes (which re-index), deletes; and an import left running, which must not show.
    for (int k = 0; k < 120; ++k) {
        Incident i = incidentAt(-3 + k * 0.05, 10 + (k % 9) * 0.3,
                                QStringLiteral("Added %1").arg(k), 1 + k % 28);
        if (k % 5 == 0)
            i.area = {{i.location.lon - 0.1, i.location.lat - 0.1},
                      {i.location.lon + 0.1, i.location.lat},
                      {i.location.lon, i.location.lat + 0.1}};
        REQUIRE(m.addIncident(i).ok());
    }
    for (int k = 0; k < 300; k += 3) {
        Incident i = third[k];
        i.location = {i.location.lon + 0.37, i.location.lat - 0.21};
        i.title = QStringLiteral("Moved %1").arg(k);
        i.severity = static_cast<Severity>((k / 3) % 4);
        i.status = IncidentStatus::Resolved;
        if (k % 2 == 0)
            i.area = i.area.isEmpty() ? QList<geo::GeoPoint>{{i.location.lon - 0.2, i.location.lat},
                                                             {i.location.lon + 0.2, i.location.lat},
                                                             {i.location.lon, i.location.lat + 0.2}}
                                      : QList<geo::GeoPoint>{};
        REQUIRE(m.updateIncident(i).ok());
    }
    for (int k = 1; k < 400; k += 4)
        REQUIRE(m.deleteIncident(first[k].uuid).ok());
    for (int k = 0; k < 20; ++k) {
        IncidentNote note;
        note.author = QStringLiteral("analyst");
        note.text = QStringLiteral("Seen again %1").arg(k);
        note.marking = {QStringLiteral("UNCLASSIFIED"), QString()};
        REQUIRE(m.addNote(second[k].uuid, note).ok());
    }
    auto running = IncidentImport::begin(m, QStringLiteral("running"), 10);
    REQUIRE(running.ok());
    for (int k = 0; k < 25; ++k) {
        Incident i = incidentAt(1 + k * 0.01, 12.5, QStringLiteral("Unfinished %1").arg(k));
        REQUIRE(running.value().add(i).ok());
    }
    checkMarkersInStep(m);
    checkBoxes(m, 3);
    // The change log and tombstones are the records', untouched by the marker structures.
    CHECK(m.stats().value().deletedIncidents == 100);
}

TEST_CASE("A schema-2 mission upgrades to the marker table with the same answers",
          "[store][faults]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("v2.tessera"));
    QList<std::pair<IncidentQuery, MarkerPage>> expected;
    QStringList changes;
    qint64 tombstones = 0;
    {
        auto store = MissionStore::create(path, info());
        REQUIRE(store.ok());
        MissionStore& m = store.value();
        QList<Incident> list = seededIncidents(1500, 31);
        REQUIRE(importAll(m, list, 400).ok());
        for (int k = 0; k < 200; k += 7)
            REQUIRE(m.deleteIncident(list[k].uuid).ok());
        Incident moved = list[5];
        moved.location = {moved.location.lon + 1, moved.location.lat + 1};
        REQUIRE(m.updateIncident(moved).ok());
        for (const geo::Extent& box : seededBoxes(30, 4)) {
            IncidentQuery q;
            q.bbox = box;
            q.limit = 100000;
            auto page = m.queryMarkers(q);
            REQUIRE(page.ok());
            expected.append({q, page.value()});
        }
        for (const QList<Change> log = m.changes(0, 100000).value(); const Change& c : log)
            changes.append(
                QStringLiteral("%1|%2|%3|%4").arg(c.seq).arg(c.uuid, c.op).arg(c.hlc.value));
        tombstones = m.stats().value().deletedIncidents;
        // Back to schema 2: migration 3 only adds these two structures, migration 5 one table.
        REQUIRE(m.database()
                    .exec(kUndoMigrations6To11 +
                          QStringLiteral("DROP TABLE incident_marker; DROP TABLE "
                                         "incident_area_rtree; DROP TABLE cot_origin; "
                                         "PRAGMA user_version = 2"))
                    .ok());
    }
    {
        auto db = Database::open(path, Database::Mode::ReadOnly);
        REQUIRE(db.ok());
        CHECK(rowsOf(db.value(), QStringLiteral("PRAGMA user_version"), 1) ==
              QStringList{QStringLiteral("2")});
    }
    auto readOnly = MissionStore::open(path, MissionStore::Access::ReadOnly);
    REQUIRE_FALSE(readOnly.ok());
    CHECK_THAT(readOnly.error().message.toStdString(), Contains("older schema"));
    auto upgraded = MissionStore::open(path, MissionStore::Access::ReadWrite);
    REQUIRE(upgraded.ok());
    MissionStore& m = upgraded.value();
    CHECK(m.stats().value().schemaVersion == latestSchemaVersion());
    checkMarkersInStep(m);
    for (const auto& [q, page] : expected) {
        auto now = m.queryMarkers(q);
        REQUIRE(now.ok());
        REQUIRE(now.value().markers.size() == page.markers.size());
        for (qsizetype k = 0; k < page.markers.size(); ++k) {
            CHECK(now.value().markers[k].uuid == page.markers[k].uuid);
            CHECK(now.value().markers[k].location == page.markers[k].location);
            CHECK(now.value().markers[k].title == page.markers[k].title);
        }
        checkMarkersMatch(m, q);
    }
    QStringList after;
    for (const QList<Change> log = m.changes(0, 100000).value(); const Change& c : log)
        after.append(QStringLiteral("%1|%2|%3|%4").arg(c.seq).arg(c.uuid, c.op).arg(c.hlc.value));
    CHECK(after == changes);
    CHECK(m.stats().value().deletedIncidents == tombstones);
}

namespace {
/// The CREATE statements of the incident table and the change log in `db`.
QStringList constraintTables(Database& db) {
    return rowsOf(db,
                  QStringLiteral("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND "
                                 "name IN ('incident', 'change_log') ORDER BY name"),
                  2);
}

/// Puts `tables` (constraintTables of another file) into `db`'s schema, as migration 4 does.
void writeTables(Database& db, const QStringList& tables) {
    REQUIRE(db.exec(QStringLiteral("BEGIN; PRAGMA writable_schema = ON")).ok());
    for (const QString& row : tables) {
        const qsizetype bar = row.indexOf(QLatin1Char('|'));
        auto stmt = db.prepare(
            QStringLiteral("UPDATE sqlite_schema SET sql = ?2 WHERE type = 'table' AND name = ?1"));
        REQUIRE(stmt.ok());
        REQUIRE(stmt.value().bind(1, row.left(bar)).bind(2, row.mid(bar + 1)).run().ok());
    }
    const qint64 cookie = db.scalar(QStringLiteral("PRAGMA schema_version")).value().toLongLong();
    REQUIRE(db.exec(QStringLiteral("PRAGMA schema_version = %1").arg(cookie + 1)).ok());
    REQUIRE(db.exec(QStringLiteral("PRAGMA writable_schema = OFF; COMMIT")).ok());
}
} // namespace

TEST_CASE("A schema-3 mission upgrades to constraints without IN lists, records unchanged",
          "[store][faults]") {
    QTemporaryDir dir;
    // What migrations 1-3 write, and what a new mission has.
    QStringList schema3, latest;
    for (const int version : {3, latestSchemaVersion()}) {
        auto db = Database::open(dir.filePath(QStringLiteral("fresh%1.sqlite").arg(version)),
                                 Database::Mode::Create);
        REQUIRE(db.ok());
        REQUIRE(migrate(db.value(), version).ok());
        (version == 3 ? schema3 : latest) = constraintTables(db.value());
    }
    REQUIRE(schema3.size() == 2);
    CHECK(schema3.join(QString()).contains(QStringLiteral("severity IN (")));
    CHECK(schema3.join(QString()).contains(QStringLiteral("kind IN (")));
    for (const char* in : {" IN (", " IN("})
        CHECK_FALSE(latest.join(QString()).contains(QLatin1String(in)));

    // A schema-3 mission with imports, updates, tombstones and notes: a mission of this build
    // given back the schema-3 table definitions (the rows are the same in both schemas).
    const QString path = dir.filePath(QStringLiteral("v3.tessera"));
    const QString incidents = QStringLiteral("SELECT * FROM incident ORDER BY id");
    const QString log = QStringLiteral("SELECT * FROM change_log ORDER BY seq");
    QStringList incidentRows, logRows;
    IncidentQuery text;
    text.text = QStringLiteral("convoy");
    text.limit = 100000;
    QStringList found;
    {
        auto store = MissionStore::create(path, info());
        REQUIRE(store.ok());
        MissionStore& m = store.value();
        CHECK(constraintTables(m.database()) == latest);
        QList<Incident> list = seededIncidents(600, 41);
        REQUIRE(importAll(m, list, 150).ok());
        for (int k = 0; k < 60; k += 3)
            REQUIRE(m.deleteIncident(list[k].uuid).ok());
        list[100].severity = Severity::Critical;
        REQUIRE(m.updateIncident(list[100]).ok());
        IncidentNote note;
        note.author = QStringLiteral("analyst");
        note.text = QStringLiteral("Seen again");
        note.marking = {QStringLiteral("UNCLASSIFIED"), QString()};
        REQUIRE(m.addNote(list[200].uuid, note).ok());
        REQUIRE(m.database().exec(kUndoMigrations6To11).ok());
        writeTables(m.database(), schema3);
        // Migration 5 only adds cot_origin.
        REQUIRE(m.database()
                    .exec(QStringLiteral("DROP TABLE cot_origin; PRAGMA user_version = 3"))
                    .ok());
        CHECK(constraintTables(m.database()) == schema3);
        CHECK(m.database().scalar(QStringLiteral("PRAGMA integrity_check")).value().toString() ==
              QStringLiteral("ok"));
        incidentRows = rowsOf(m.database(), incidents, 26);
        logRows = rowsOf(m.database(), log, 6);
        const IncidentPage page = m.queryIncidents(text).value();
        for (const Incident& i : page.incidents)
            found.append(i.uuid);
        REQUIRE(found.size() > 100);
    }
    auto upgraded = MissionStore::open(path, MissionStore::Access::ReadWrite);
    REQUIRE(upgraded.ok());
    MissionStore& m = upgraded.value();
    Database& db = m.database();
    CHECK(m.stats().value().schemaVersion == latestSchemaVersion());
    CHECK(constraintTables(db) == latest);
    CHECK(db.scalar(QStringLiteral("PRAGMA integrity_check")).value().toString() ==
          QStringLiteral("ok"));
    CHECK(rowsOf(db, incidents, 26) == incidentRows);
    CHECK(rowsOf(db, log, 6) == logRows);
    QStringList now;
    const IncidentPage page = m.queryIncidents(text).value();
    for (const Incident& i : page.incidents)
        now.append(i.uuid);
    CHECK(now == found);

    // The constraints still refuse what they refused.
    const QString id = db.scalar(QStringLiteral("SELECT max(id) FROM incident")).value().toString();
    for (const QString& bad :
         {QStringLiteral("UPDATE incident SET severity = 'extreme' WHERE id = %1"),
          QStringLiteral("UPDATE incident SET status = 'closed' WHERE id = %1"),
          QStringLiteral("UPDATE incident SET reliability = 'G' WHERE id = %1"),
          QStringLiteral("UPDATE incident SET deleted = 2 WHERE id = %1"),
          QStringLiteral("INSERT INTO change_log (kind, uuid, op, hlc, station) VALUES "
                         "('layer', 'x', 'insert', 1, 1) -- %1"),
          QStringLiteral("INSERT INTO change_log (kind, uuid, op, hlc, station) VALUES "
                         "('incident', 'x', 'upsert', 1, 1) -- %1")}) {
        INFO(bad.toStdString());
        const Status refused = db.exec(bad.arg(id));
        REQUIRE_FALSE(refused.ok());
        CHECK_THAT(refused.error().message.toStdString(), Contains("CHECK constraint failed"));
    }
    // And accept what they accepted: the store keeps writing and importing.
    Incident added = incidentAt(1, 14, QStringLiteral("After the upgrade"));
    added.severity = Severity::Critical;
    added.status = IncidentStatus::Resolved;
    added.reliability = QStringLiteral("F");
    REQUIRE(m.addIncident(added).ok());
    QList<Incident> more = seededIncidents(50, 43);
    REQUIRE(importAll(m, more, 20).ok());
    REQUIRE(m.deleteIncident(added.uuid).ok());
    CHECK(m.stats().value().incidents == 600 - 20 + 50);
    checkMarkersInStep(m);
}
