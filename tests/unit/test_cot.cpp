// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Cursor-on-Target: incidents to events and back with every field CoT can hold, streams of
// events back to back as TAK sends them, and every kind of bad input refused with its reason.
#include "TestSupport.h"
#include "interop/CursorOnTarget.h"
#include "interop/MissionExport.h"
#include "interop/MissionImport.h"
#include "store/MissionStore.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace tessera;
using namespace tessera::interop;
using Catch::Matchers::Contains;

namespace {

store::Incident sample() {
    store::Incident i;
    i.uuid = QStringLiteral("0191f2a4-7c1e-7d2a-9b3c-4d5e6f708192");
    i.title = QStringLiteral("IED found on the RN16 <north> & \"culvert\"");
    i.category = QStringLiteral("ied");
    i.severity = store::Severity::High;
    i.status = store::IncidentStatus::Confirmed;
    i.observedAt = QDateTime(QDate(2026, 3, 1), QTime(10, 30, 15, 250), Qt::UTC);
    i.location = {-3.9961234, 14.4853456};
    i.source = QStringLiteral("Patrol BRAVO");
    i.reliability = QStringLiteral("B");
    i.credibility = 2;
    i.narrative = QStringLiteral("Command wire seen from the road.\nEOD requested.");
    i.marking = {QStringLiteral("SECRET // EXERCISE / MEDICAL"), QStringLiteral("REL TO FRA, NLD")};
    i.exercise = true;
    return i;
}

std::string text(const QString& s) {
    return s.toStdString();
}

/// The sample's counterpart that any UN station may have.
store::Incident openSample() {
    store::Incident i = sample();
    i.uuid = QStringLiteral("0191f2a4-7c1e-7d2a-9b3c-4d5e6f7081d1");
    i.title = QStringLiteral("Market reopened");
    i.category = QStringLiteral("civil_unrest");
    i.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
    return i;
}

store::MissionInfo missionInfo() {
    store::MissionInfo info;
    info.name = QStringLiteral("Formats");
    info.marking = {QStringLiteral("UNCLASSIFIED"), {}};
    return info;
}

/// A new mission file in `dir` holding `incidents`.
store::MissionStore missionWith(const QTemporaryDir& dir, const QString& name,
                                QList<store::Incident> incidents) {
    Result<store::MissionStore> m = store::MissionStore::create(dir.filePath(name), missionInfo());
    REQUIRE(m.ok());
    for (store::Incident& i : incidents)
        REQUIRE(m.value().addIncident(i).ok());
    return std::move(m).value();
}

} // namespace

TEST_CASE("CoT: an incident survives the round trip through an event", "[cot]") {
    const store::Incident i = sample();
    const QDateTime now = QDateTime(QDate(2026, 3, 1), QTime(11, 0), Qt::UTC);
    const QByteArray xml = writeCotEvent(eventFromIncident(i, now));
    CHECK_THAT(xml.toStdString(), Contains("type=\"a-h-G-E-X-I\""));
    CHECK_THAT(xml.toStdString(), Contains("access=\"SECRET\""));
    CHECK_THAT(xml.toStdString(), Contains("caveat=\"EXERCISE/MEDICAL\""));
    CHECK_THAT(xml.toStdString(), Contains("releaseableTo=\"FRA,NLD\""));
    Result<CotStream> read = readCotStream(xml);
    REQUIRE(read.ok());
    REQUIRE(read.value().problems.isEmpty());
    REQUIRE(read.value().events.size() == 1);
    const CotEvent& e = read.value().events.first();
    CHECK(e.stale == now.addSecs(24 * 3600));
    CHECK_FALSE(e.isStale(now));
    CHECK(e.isStale(now.addDays(2)));
    Result<store::Incident> back = incidentFromEvent(e);
    REQUIRE(back.ok());
    const store::Incident& b = back.value();
    CHECK(b.uuid == i.uuid);
    CHECK(b.title == i.title);
    CHECK(b.category == i.category);
    CHECK(b.severity == i.severity);
    CHECK(b.status == i.status);
    CHECK(b.observedAt == i.observedAt);
    CHECK(b.location.lon == Approx(i.location.lon).margin(1e-7));
    CHECK(b.location.lat == Approx(i.location.lat).margin(1e-7));
    CHECK(b.source == i.source);
    CHECK(b.reliability == i.reliability);
    CHECK(b.credibility == i.credibility);
    CHECK(b.narrative == i.narrative);
    CHECK(b.marking == i.marking);
    CHECK(b.exercise);
}

TEST_CASE("CoT: a stream of events back to back, as TAK clients send them", "[cot]") {
    store::Incident a = sample();
    store::Incident b = sample();
    b.uuid = QStringLiteral("0191f2a4-7c1e-7d2a-9b3c-4d5e6f708193");
    b.category = QStringLiteral("civil_unrest");
    b.marking = {QStringLiteral("UNCLASSIFIED"), {}};
    const QDateTime now = QDateTime::currentDateTimeUtc();
    // A TAK marker: no prolog, TAK's own detail elements, a uid that is not a UUID, no Tessera
    // detail: its type decides the category, the grading defaults to "cannot be judged".
    const QByteArray tak =
        "<event version=\"2.0\" uid=\"ANDROID-3f2a9c\" type=\"a-h-G\" how=\"h-g-i-g-o\" "
        "time=\"2026-03-01T09:00:00Z\" start=\"2026-03-01T09:00:00Z\" "
        "stale=\"2026-03-01T09:05:00Z\" access=\"Unclassified\">"
        "<point lat=\"16.2719\" lon=\"-0.0447\" hae=\"260.5\" ce=\"9999999\" le=\"9999999\"/>"
        "<detail><takv device=\"SM-T575\" platform=\"ATAK-CIV\" version=\"4.8.1\"/>"
        "<contact callsign=\"Shots fired near Gao\" endpoint=\"*:-1:stcp\"/>"
        "<__group name=\"Cyan\" role=\"Team Member\"/><status battery=\"88\"/>"
        "<remarks>Small arms, two vehicles.</remarks></detail></event>";
    const QByteArray stream = writeCotEvent(eventFromIncident(a, now)) + "\n" + tak +
                              writeCotEvent(eventFromIncident(b, now));
    Result<CotStream> read = readCotStream(stream);
    REQUIRE(read.ok());
    REQUIRE(read.value().problems.isEmpty());
    REQUIRE(read.value().events.size() == 3);
    const CotEvent& fromTak = read.value().events[1];
    CHECK(fromTak.hae == Approx(260.5));
    CHECK(fromTak.isStale(now));
    Result<store::Incident> i = incidentFromEvent(fromTak);
    REQUIRE(i.ok());
    CHECK(i.value().category == QStringLiteral("armed_clash"));
    CHECK(i.value().title == QStringLiteral("Shots fired near Gao"));
    CHECK(i.value().narrative == QStringLiteral("Small arms, two vehicles."));
    CHECK(i.value().reliability == QStringLiteral("F"));
    CHECK(i.value().credibility == 6);
    CHECK(i.value().marking.classification == QStringLiteral("UNCLASSIFIED"));
    // The same uid maps to the same incident every time (a name-based UUID).
    CHECK(incidentFromEvent(fromTak).value().uuid == i.value().uuid);
    CHECK(incidentFromEvent(read.value().events[2]).value().category ==
          QStringLiteral("civil_unrest"));
}

TEST_CASE("CoT: bad input is refused with its reason", "[cot]") {
    SECTION("malformed XML") {
        Result<CotStream> r = readCotStream("<event uid=\"x\" type=\"a-h-G\"><point lat=\"1\"");
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(text(r.error().message), Contains("malformed CoT XML at line"));
    }
    SECTION("billion laughs") {
        const QByteArray bomb =
            "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
            "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
            "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
            "<event uid=\"&lol3;\" type=\"a-h-G\"/>";
        Result<CotStream> r = readCotStream(bomb);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(text(r.error().message), Contains("DTD"));
    }
    SECTION("oversized") {
        CotLimits small;
        small.maxBytes = 100;
        Result<CotStream> r = readCotStream(QByteArray(200, ' '), small);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(text(r.error().message), Contains("over the limit"));
    }
    SECTION("not CoT") {
        Result<CotStream> r = readCotStream("<kml><Placemark/></kml>");
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(text(r.error().message), Contains("where a CoT <event> was expected"));
    }
    SECTION("events that break the schema are listed, the others read") {
        const QByteArray s =
            "<event uid=\"a\" type=\"a-h-G\" time=\"2026-03-01T09:00:00Z\" "
            "start=\"2026-03-01T09:00:00Z\" stale=\"2026-03-01T10:00:00Z\">"
            "<point lat=\"95\" lon=\"2\"/></event>"
            "<event type=\"a-h-G\" time=\"2026-03-01T09:00:00Z\" start=\"2026-03-01T09:00:00Z\" "
            "stale=\"2026-03-01T10:00:00Z\"><point lat=\"5\" lon=\"2\"/></event>"
            "<event uid=\"c\" type=\"a-h-G\" time=\"yesterday\" start=\"2026-03-01T09:00:00Z\" "
            "stale=\"2026-03-01T10:00:00Z\"><point lat=\"5\" lon=\"2\"/></event>"
            "<event uid=\"d\" type=\"x-y-z\" time=\"2026-03-01T09:00:00Z\" "
            "start=\"2026-03-01T09:00:00Z\" stale=\"2026-03-01T10:00:00Z\" access=\"UNCLASSIFIED\">"
            "<point lat=\"5\" lon=\"2\"/></event>";
        Result<CotStream> r = readCotStream(s);
        REQUIRE(r.ok());
        REQUIRE(r.value().problems.size() == 3);
        CHECK(r.value().problems[0].event == 1);
        CHECK_THAT(text(r.value().problems[0].reason), Contains("out of range"));
        CHECK_THAT(text(r.value().problems[1].reason), Contains("no uid"));
        CHECK_THAT(text(r.value().problems[2].reason), Contains("not an ISO 8601 time"));
        REQUIRE(r.value().events.size() == 1);
        Result<store::Incident> unknown = incidentFromEvent(r.value().events.first());
        REQUIRE_FALSE(unknown.ok());
        CHECK_THAT(text(unknown.error().message), Contains("'x-y-z' has no Tessera category"));
    }
}

TEST_CASE("CoT: import is all or nothing; export for a peer holds only what it may have", "[cot]") {
    QTemporaryDir dir;
    store::MissionInfo info;
    info.name = QStringLiteral("CoT");
    info.marking = {QStringLiteral("UNCLASSIFIED"), {}};
    const QString path = dir.filePath(QStringLiteral("m.tessera"));
    Result<store::MissionStore> m = store::MissionStore::create(path, info);
    REQUIRE(m.ok());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    store::Incident open = sample();
    open.uuid = QStringLiteral("0191f2a4-7c1e-7d2a-9b3c-4d5e6f708194");
    open.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
    const QByteArray good = writeCotEvent(eventFromIncident(sample(), now)) +
                            writeCotEvent(eventFromIncident(open, now));

    const QString bad = dir.filePath(QStringLiteral("bad.cot"));
    test::writeAll(bad, good + "<event uid=\"z\" type=\"a-h-G\" time=\"2026-03-01T09:00:00Z\" "
                               "start=\"2026-03-01T09:00:00Z\" stale=\"2026-03-01T10:00:00Z\" "
                               "access=\"FOUO\"><point lat=\"5\" lon=\"2\"/></event>");
    Result<ImportReport> refused = importCot(m.value(), bad);
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(text(refused.error().message), Contains("event 3"));
    CHECK(m.value().incidents().value().isEmpty());

    const QString file = dir.filePath(QStringLiteral("good.cot"));
    test::writeAll(file, good);
    Result<ImportReport> imported = importCot(m.value(), file);
    REQUIRE(imported.ok());
    CHECK(imported.value().imported == 2);
    REQUIRE(importCot(m.value(), file).ok()); // again: the same uids update, nothing doubles
    CHECK(m.value().incidents().value().size() == 2);

    const QString out = dir.filePath(QStringLiteral("out.cot"));
    qint64 withheld = -1;
    Result<qint64> written = exportCot(
        m.value(), out,
        [](const store::Marking& mk) { return mk.classification == QLatin1String("UNCLASSIFIED"); },
        &withheld);
    REQUIRE(written.ok());
    CHECK(written.value() == 1);
    CHECK(withheld == 1);
    Result<CotStream> back = readCotStream(test::readAll(out));
    REQUIRE(back.ok());
    REQUIRE(back.value().events.size() == 1);
    CHECK(back.value().events.first().uid == open.uuid);
}

TEST_CASE("CoT: a feed split anywhere by TCP comes out as whole events", "[cot]") {
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QByteArray feed;
    for (int k = 0; k < 5; ++k) {
        store::Incident i = sample();
        i.uuid = QStringLiteral("0191f2a4-7c1e-7d2a-9b3c-4d5e6f7081a%1").arg(k);
        feed += writeCotEvent(eventFromIncident(i, now)) + "\r\n";
    }
    for (const int piece : {1, 7, 64, 1000}) {
        CotStreamSplitter splitter;
        QStringList uids;
        for (qsizetype at = 0; at < feed.size(); at += piece) {
            splitter.feed(feed.mid(at, piece));
            for (;;) {
                auto next = splitter.next();
                REQUIRE(next.ok());
                if (!next.value())
                    break;
                Result<CotStream> one = readCotStream(*next.value());
                REQUIRE(one.ok());
                REQUIRE(one.value().events.size() == 1);
                uids.append(one.value().events.first().uid);
            }
        }
        INFO("pieces of " << piece << " bytes");
        REQUIRE(uids.size() == 5);
        CHECK(uids.last() == QStringLiteral("0191f2a4-7c1e-7d2a-9b3c-4d5e6f7081a4"));
    }
    CotStreamSplitter hostile(1000);
    hostile.feed(QByteArray(2000, 'x'));
    CHECK_FALSE(hostile.next().ok());
}

TEST_CASE("CoT: tessera-cli cot listen applies a TCP feed event by event", "[cot][cli]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("feed.tessera"));
    {
        store::MissionInfo info;
        info.name = QStringLiteral("Feed");
        info.marking = {QStringLiteral("UNCLASSIFIED"), {}};
        REQUIRE(store::MissionStore::create(path, info).ok());
    }
    QProcess listener;
    listener.start(QStringLiteral(TESSERA_CLI),
                   {QStringLiteral("cot"), QStringLiteral("listen"), path, QStringLiteral("--port"),
                    QStringLiteral("0"), QStringLiteral("--count"), QStringLiteral("2")});
    QString banner;
    while (!banner.contains(QLatin1Char('\n')) && listener.waitForReadyRead(60000))
        banner += QString::fromUtf8(listener.readAllStandardOutput());
    const QRegularExpressionMatch port =
        QRegularExpression(QStringLiteral("port (\\d+)")).match(banner);
    REQUIRE(port.hasMatch());

    const QDateTime now = QDateTime::currentDateTimeUtc();
    store::Incident a = sample();
    store::Incident b = sample();
    b.uuid = QStringLiteral("0191f2a4-7c1e-7d2a-9b3c-4d5e6f7081b1");
    const QByteArray feed = writeCotEvent(eventFromIncident(a, now)) +
                            "<event uid=\"broken\" type=\"a-h-G\" time=\"2026-03-01T09:00:00Z\" "
                            "start=\"2026-03-01T09:00:00Z\" stale=\"2026-03-01T10:00:00Z\" "
                            "><point lat=\"5\" lon=\"2\"/></event>" +
                            writeCotEvent(eventFromIncident(b, now));
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(static_cast<quint16>(port.captured(1).toInt()));
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
    for (qsizetype at = 0; at < feed.size(); at += 100) // in pieces, as TCP may deliver it
        REQUIRE(::write(fd, feed.constData() + at,
                        static_cast<size_t>(std::min<qsizetype>(100, feed.size() - at))) > 0);
    REQUIRE(listener.waitForFinished(60000));
    ::close(fd);
    CHECK(listener.exitCode() == 0);
    CHECK_THAT(QString::fromUtf8(listener.readAllStandardError()).toStdString(),
               Contains("carries no classification"));
    Result<store::MissionStore> m =
        store::MissionStore::open(path, store::MissionStore::Access::ReadOnly);
    REQUIRE(m.ok());
    CHECK(m.value().incidents().value().size() == 2);
}

TEST_CASE("KML and KMZ exports for Google Earth carry each record's marking", "[kml]") {
    QTemporaryDir dir;
    const store::Incident open = openSample();
    store::MissionStore m = missionWith(dir, QStringLiteral("m.tessera"), {sample(), open});
    store::IncidentQuery all;
    all.limit = 0;

    const QString kml = dir.filePath(QStringLiteral("out.kml"));
    qint64 withheld = -1;
    Result<qint64> written =
        exportIncidents(m, kml, all, store::wholeOrNothing([](const store::Marking& mk) {
                            return mk.classification == QLatin1String("UNCLASSIFIED");
                        }),
                        &withheld);
    REQUIRE(written.ok());
    CHECK(written.value() == 1);
    CHECK(withheld == 1);
    const QString text = QString::fromUtf8(test::readAll(kml));
    CHECK(text.contains(QLatin1String("<name>Market reopened</name>")));
    CHECK(text.contains(QLatin1String("UNCLASSIFIED")));
    CHECK(text.contains(QLatin1String("REL TO UN")));
    CHECK_FALSE(text.contains(QLatin1String("IED found")));

    const QString kmz = dir.filePath(QStringLiteral("out.kmz"));
    REQUIRE(exportIncidents(m, kmz, all).ok());
    CHECK(test::readAll(kmz).startsWith("PK")); // a zip, as Google Earth expects
    // Read back through OGR (the same path a KMZ dropped on the map takes): both placemarks.
    store::MissionStore again = missionWith(dir, QStringLiteral("again.tessera"), {});
    ImportOptions options;
    options.mapping.title = QStringLiteral("Name");
    options.mapping.narrative = QStringLiteral("description");
    options.marking = open.marking;
    Result<ImportReport> back = importIncidents(again, kml, options);
    INFO(back.errorMessage().toStdString());
    REQUIRE(back.ok());
    CHECK(back.value().imported == 1);
}

TEST_CASE("GeoJSON KML and GPX round trips keep each record's own marking", "[kml]") {
    QTemporaryDir dir;
    const store::Incident secret = sample();
    const store::Incident open = openSample();
    store::MissionStore m = missionWith(dir, QStringLiteral("m.tessera"), {secret, open});
    store::IncidentQuery all;
    all.limit = 0;
    for (const char* name : {"out.geojson", "out.kml", "out.gpx"}) {
        INFO(name);
        const QString file = dir.filePath(QString::fromLatin1(name));
        REQUIRE(exportIncidents(m, file, all).ok());
        store::MissionStore back =
            missionWith(dir, QStringLiteral("back-%1.tessera").arg(QString::fromLatin1(name)), {});
        ImportOptions options;
        if (QString::fromLatin1(name).endsWith(QLatin1String(".kml"))) {
            options.mapping.title = QStringLiteral("Name");
            options.mapping.narrative = QStringLiteral("description");
        }

        if (QString::fromLatin1(name).endsWith(QLatin1String(".gpx")))
            options.mapping.narrative = QStringLiteral("desc"); // extensions lose line breaks
        options.marking = {QStringLiteral("RESTRICTED"), {}};   // for records without their own
        Result<ImportReport> report = importIncidents(back, file, options);
        INFO(report.errorMessage().toStdString());
        REQUIRE(report.ok());
        Result<QList<store::Incident>> got = back.incidents();
        REQUIRE(got.ok());
        REQUIRE(got.value().size() == 2);
        for (const store::Incident& i : got.value()) {
            const store::Incident& original = i.title == secret.title ? secret : open;
            CHECK(i.title == original.title);
            CHECK(i.category == original.category);
            CHECK(i.severity == original.severity);
            CHECK(i.status == original.status);
            CHECK(i.observedAt == original.observedAt);
            CHECK(i.source == original.source);
            CHECK(i.reliability == original.reliability);
            CHECK(i.credibility == original.credibility);
            CHECK(i.narrative == original.narrative);
            CHECK(i.marking == original.marking);
            CHECK(i.location.lon == Approx(original.location.lon).margin(1e-6));
        }
    }
}

namespace {

/// One event as an adversary or a broken device would send it, with `detail` inside.
QByteArray rawEvent(const QByteArray& uid, const QByteArray& attributes, const QByteArray& detail) {
    return "<event version=\"2.0\" uid=\"" + uid +
           "\" type=\"a-h-G\" how=\"h-e\" access=\"UNCLASSIFIED\" " + attributes +
           "><point lat=\"14.5\" lon=\"-3.9\" hae=\"9999999\" ce=\"9999999\" le=\"9999999\"/>"
           "<detail>" +
           detail + "</detail></event>";
}

QByteArray nowTimes() {
    const QByteArray t = QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toLatin1();
    return "time=\"" + t + "\" start=\"" + t + "\" stale=\"" + t + "\"";
}

} // namespace

TEST_CASE("CoT limits: a deep nest is refused quickly, before it is read", "[cot][limits]") {
    // 100,000 nested elements in an event's detail (1.2 MB): well under the size limit, and
    // without a depth limit Qt's reader keeps a frame for each.
    QByteArray nest;
    nest.reserve(1300000);
    for (int k = 0; k < 100000; ++k)
        nest += "<x>";
    for (int k = 0; k < 100000; ++k)
        nest += "</x>";
    QElapsedTimer clock;
    clock.start();
    Result<CotStream> r = readCotStream(rawEvent("deep", nowTimes(), nest));
    const qint64 ms = clock.elapsed();
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(text(r.error().message), Contains("nested deeper than 32"));
    CHECK(ms < 2000);

    SECTION("and so are too many elements, flat") {
        CotLimits few;
        few.maxElements = 1000;
        QByteArray flat;
        for (int k = 0; k < 2000; ++k)
            flat += "<y/>";
        Result<CotStream> many = readCotStream(rawEvent("flat", nowTimes(), flat), few);
        REQUIRE_FALSE(many.ok());
        CHECK_THAT(text(many.error().message), Contains("more than 1000 elements"));
    }
    SECTION("while ATAK's own deepest detail (a KML style in a shape's link) is read") {
        const QByteArray style =
            "<shape><link uid=\"s.Style\" type=\"b-x-KmlStyle\" relation=\"p-c\">"
            "<Style><LineStyle><color>ff0000ff</color><width>3</width>"
            "</LineStyle></Style></link></shape>";
        Result<CotStream> fine = readCotStream(rawEvent("style", nowTimes(), style));
        REQUIRE(fine.ok());
        CHECK(fine.value().events.size() == 1);
    }
}

TEST_CASE("CoT limits: bytes that are not UTF-8 are refused, naming the event", "[cot][limits]") {
    // A Latin-1 é in the second event's callsign: read as U+FFFD, the name would change silently.
    const QByteArray feed = rawEvent("first", nowTimes(), "<contact callsign=\"Alpha\"/>") + "\n" +
                            rawEvent("second", nowTimes(), "<contact callsign=\"Caf\xe9\"/>");
    Result<CotStream> r = readCotStream(feed);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(text(r.error().message), Contains("event 2"));
    CHECK_THAT(text(r.error().message), Contains("not UTF-8"));
    // An overlong '/' (C0 AF) and a UTF-16 surrogate (ED A0 80) are not UTF-8 either.
    for (const QByteArray& bad : {QByteArray("\xc0\xaf"), QByteArray("\xed\xa0\x80")}) {
        Result<CotStream> sly =
            readCotStream(rawEvent("x", nowTimes(), "<remarks>" + bad + "</remarks>"));
        CHECK_FALSE(sly.ok());
    }
    // Real UTF-8 (Arabic, as a callsign in Darfur may be) is read as written.
    Result<CotStream> good = readCotStream(rawEvent(
        "ok", nowTimes(), "<contact callsign=\"\xd9\x86\xd9\x8a\xd8\xa7\xd9\x84\xd8\xa7\"/>"));
    REQUIRE(good.ok());
    REQUIRE(good.value().events.size() == 1);
    CHECK(good.value().events.first().callsign ==
          QStringLiteral(u"\u0646\u064a\u0627\u0644\u0627"));
}

TEST_CASE("CoT limits: a time absurdly far from now is a problem of its event", "[cot][limits]") {
    const QByteArray far = rawEvent("y9999",
                                    "time=\"9999-12-31T23:59:59Z\" start=\"9999-12-31T23:59:59Z\" "
                                    "stale=\"9999-12-31T23:59:59Z\"",
                                    "");
    const QByteArray old = rawEvent("y1900",
                                    "time=\"1900-01-01T00:00:00Z\" start=\"1900-01-01T00:00:00Z\" "
                                    "stale=\"1900-01-01T00:10:00Z\"",
                                    "");
    const QByteArray fine = rawEvent("today", nowTimes(), "");
    Result<CotStream> r = readCotStream(far + old + fine);
    REQUIRE(r.ok());
    REQUIRE(r.value().problems.size() == 2);
    CHECK(r.value().problems[0].event == 1);
    CHECK_THAT(text(r.value().problems[0].reason), Contains("a broken clock"));
    CHECK(r.value().problems[1].event == 2);
    REQUIRE(r.value().events.size() == 1);
    CHECK(r.value().events.first().uid == QStringLiteral("today"));
}

TEST_CASE("CoT limits: cot listen drops a client that sends 2 MiB without </event>",
          "[cot][cli][limits]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("feed.tessera"));
    {
        store::MissionInfo info;
        info.name = QStringLiteral("Feed");
        info.marking = {QStringLiteral("UNCLASSIFIED"), {}};
        REQUIRE(store::MissionStore::create(path, info).ok());
    }
    QProcess listener;
    listener.start(QStringLiteral(TESSERA_CLI),
                   {QStringLiteral("cot"), QStringLiteral("listen"), path, QStringLiteral("--port"),
                    QStringLiteral("0"), QStringLiteral("--count"), QStringLiteral("1")});
    QString banner;
    while (!banner.contains(QLatin1Char('\n')) && listener.waitForReadyRead(60000))
        banner += QString::fromUtf8(listener.readAllStandardOutput());
    const QRegularExpressionMatch port =
        QRegularExpression(QStringLiteral("port (\\d+)")).match(banner);
    REQUIRE(port.hasMatch());
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(static_cast<quint16>(port.captured(1).toInt()));

    const int hostile = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(::connect(hostile, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
    // An event that never ends: 2 MiB of remarks. Writes fail once the listener lets go.
    QByteArray endless = "<event uid=\"x\" type=\"a-h-G\"><detail><remarks>";
    endless += QByteArray(2 * 1024 * 1024, 'A');
    qsizetype sent = 0;
    while (sent < endless.size()) {
        const ssize_t n = ::send(
            hostile, endless.constData() + sent,
            static_cast<size_t>(std::min<qsizetype>(65536, endless.size() - sent)), MSG_NOSIGNAL);
        if (n <= 0)
            break; // reset by the listener: dropped
        sent += n;
    }
    // Dropped means closed: the next read sees the end (or a reset), not silence.
    pollfd wait{hostile, POLLIN, 0};
    const int ready = ::poll(&wait, 1, 15000);
    REQUIRE(ready == 1);
    char byte = 0;
    CHECK(::recv(hostile, &byte, 1, 0) <= 0);
    ::close(hostile);

    // The listener is still there for the next client.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
    const QByteArray good =
        writeCotEvent(eventFromIncident(sample(), QDateTime::currentDateTimeUtc()));
    REQUIRE(::send(fd, good.constData(), static_cast<size_t>(good.size()), MSG_NOSIGNAL) ==
            good.size());
    REQUIRE(listener.waitForFinished(60000));
    ::close(fd);
    CHECK(listener.exitCode() == 0);
    CHECK_THAT(QString::fromUtf8(listener.readAllStandardError()).toStdString(),
               Contains("feed dropped"));
}

TEST_CASE("CoT from the field: ATAK's own events come in under the operator's default marking",
          "[cot][atak]") {
    QTemporaryDir dir;
    store::MissionStore m = missionWith(dir, QStringLiteral("field.tessera"), {});
    const QString file = test::dataFile(QStringLiteral("cot/atak-field.cot"));

    SECTION("without a default, every event without a classification is named, none taken") {
        Result<ImportReport> refused = importCot(m, file);
        REQUIRE_FALSE(refused.ok());
        const std::string why = text(refused.error().message);
        // Six reports, none marked; the ping (event 6) is no report and not among them.
        for (const int n : {1, 2, 3, 4, 5, 7})
            CHECK_THAT(why, Contains(QStringLiteral("event %1: uid").arg(n).toStdString()));
        CHECK_THAT(why, !Contains("event 6:"));
        CHECK_THAT(why, Contains("6 of 7 events refused"));
        CHECK_THAT(why, Contains("--default-marking"));
        CHECK(m.incidents().value().isEmpty());
        CHECK(m.annotations().value().isEmpty());
    }
    SECTION("a default that is not a marking is refused, and so is none at all") {
        CHECK_FALSE(cotDefaultMarking(QStringLiteral("UNDEFINED")).ok());
        CHECK_FALSE(cotDefaultMarking(QStringLiteral("UNCLASSIFED")).ok()); // a typo
        CHECK_FALSE(cotDefaultMarking(QStringLiteral("UNCLASSIFIED"), QStringLiteral("UN")).ok());
        CHECK_FALSE(cotDefaultMarking(QString()).ok());
        Result<store::Marking> fine =
            cotDefaultMarking(QStringLiteral(" unclassified "), QStringLiteral("rel to un"));
        REQUIRE(fine.ok());
        CHECK(fine.value().classification == QStringLiteral("UNCLASSIFIED"));
        CHECK(fine.value().releasability == QStringLiteral("REL TO UN"));
    }
    SECTION("with a default, all are taken, each saying its marking was defaulted") {
        CotImportOptions options;
        options.defaultMarking =
            cotDefaultMarking(QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")).value();
        Result<ImportReport> report = importCot(m, file, options);
        REQUIRE(report.ok());
        CHECK(report.value().imported == 6); // not the ping
        CHECK_THAT(text(report.value().notes.join(QLatin1Char('\n'))),
                   Contains("1 control messages") &&
                       Contains("6 events carried no classification"));
        const QList<store::Incident> incidents = m.incidents().value();
        REQUIRE(incidents.size() == 1); // the hostile contact: a category Tessera has
        CHECK(incidents.first().category == QStringLiteral("armed_clash"));
        CHECK(incidents.first().marking ==
              store::Marking{QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")});
        CHECK_THAT(text(incidents.first().narrative),
                   Contains("About ten") && Contains("Marking defaulted"));
        const QList<store::Annotation> markers = m.annotations().value();
        REQUIRE(markers.size() == 5);
        for (const store::Annotation& a : markers) {
            INFO(text(a.text));
            CHECK(a.kind == store::AnnotationKind::Point);
            CHECK(a.marking.classification == QStringLiteral("UNCLASSIFIED")); // never UNDEFINED
            CHECK_THAT(text(a.text), Contains("Marking defaulted"));
        }
        // Generic markers keep their CoT type, and go back out with it and the sender's uid.
        QStringList types;
        const QHash<QString, store::CotOrigin> origins = m.cotOrigins().value();
        for (const store::CotOrigin& o : origins)
            types.append(o.type);
        types.sort();
        CHECK(types == QStringList{QStringLiteral("a-f-G-U-C"), QStringLiteral("a-h-G"),
                                   QStringLiteral("a-u-G"), QStringLiteral("b-m-p-s-p-loc"),
                                   QStringLiteral("b-t-f"), QStringLiteral("u-r-b-c-c")});
        const QString out = dir.filePath(QStringLiteral("back.cot"));
        REQUIRE(exportCot(m, out).ok());
        Result<CotStream> back = readCotStream(test::readAll(out));
        REQUIRE(back.ok());
        bool found = false;
        for (const CotEvent& e : back.value().events)
            if (e.uid == QStringLiteral("ANDROID-7d1e44b0c2")) {
                found = true;
                CHECK(e.type == QStringLiteral("a-f-G-U-C"));
                CHECK(e.access == QStringLiteral("UNCLASSIFIED"));
                CHECK(e.releaseableTo == QStringLiteral("UN"));
            }
        CHECK(found);
        // Imported again (as a peer would send it back), the note is not doubled.
        REQUIRE(importCot(m, out).ok());
        const QList<store::Annotation> again = m.annotations().value();
        for (const store::Annotation& a : again)
            CHECK(a.text.count(QStringLiteral("Marking defaulted")) == 1);
    }
}

TEST_CASE("CoT from the field: tessera-cli takes --default-marking and refuses a bad one",
          "[cot][atak][cli]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("cli.tessera"));
    { store::MissionStore m = missionWith(dir, QStringLiteral("cli.tessera"), {}); }
    const QString file = test::dataFile(QStringLiteral("cot/atak-field.cot"));
    auto run = [&](const QStringList& extra) {
        QProcess cli;
        cli.start(QStringLiteral(TESSERA_CLI),
                  QStringList{QStringLiteral("cot"), QStringLiteral("import"), path, file} + extra);
        REQUIRE(cli.waitForFinished(120000));
        return std::pair{cli.exitCode(), QString::fromUtf8(cli.readAllStandardOutput() +
                                                           cli.readAllStandardError())};
    };
    const auto [badCode, badText] =
        run({QStringLiteral("--default-marking"), QStringLiteral("Undefined")});
    CHECK(badCode != 0);
    CHECK_THAT(text(badText), Contains("is not a marking"));
    const auto [code, said] =
        run({QStringLiteral("--default-marking"), QStringLiteral("UNCLASSIFIED"),
             QStringLiteral("--default-releasability"), QStringLiteral("REL TO UN")});
    CHECK(code == 0);
    CHECK_THAT(text(said), Contains("Imported 6 CoT events") && Contains("no classification"));
}
