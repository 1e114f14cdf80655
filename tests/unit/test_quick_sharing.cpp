// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// The sharing panel's C++ side (SharingController and its models), driven as the panel drives
// it: two stations with real identity files, contact books and missions in a temporary folder,
// every operation on the controller's worker thread, results awaited through its signals.
#include "BrokerSupport.h"
#include "QuickSupport.h"
#include "TestSupport.h"
#include "geo/ThreadCheck.h"
#include "quick/MissionController.h"
#include "quick/SharingController.h"
#include "relay/Relay.h"
#include "share/Bundle.h"
#include "share/ContactBook.h"
#include "share/Identity.h"
#include "store/MissionStore.h"

#include <QDir>
#include <QDropEvent>
#include <QFile>
#include <QFileInfo>
#include <QMimeData>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QtQml/QQmlExtensionPlugin>

#include <catch2/catch.hpp>

#include <memory>
#include <optional>

// The QML modules, linked statically as in the app.
Q_IMPORT_QML_PLUGIN(TesseraPlugin)
Q_IMPORT_QML_PLUGIN(Tessera_MapPlugin)

using namespace tessera;
using namespace tessera::quick;
using Catch::Matchers::Contains;

namespace {

const QString kPassA = QStringLiteral("alpha passphrase, long enough");
const QString kPassB = QStringLiteral("bravo passphrase, long enough");
const store::Marking kOpen{QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
const store::Marking kSecret{QStringLiteral("SECRET"), QStringLiteral("REL TO UN")};

/// Runs `f` on a thread of its own and returns its result: the test's own reads and writes of
/// the mission files never happen on the thread marked as the GUI's. (Not QtConcurrent: a
/// QFuture waited for before its task started runs the task on the waiting thread.)
template <typename F>
auto onWorker(F f) {
    std::optional<decltype(f())> result;
    std::unique_ptr<QThread> thread(QThread::create([&] { result.emplace(f()); }));
    thread->start();
    thread->wait();
    return *result;
}

store::Incident incident(const QString& title, const store::Marking& marking) {
    store::Incident i;
    i.title = title;
    i.category = QStringLiteral("other");
    i.observedAt = QDateTime(QDate(2026, 3, 1), QTime(10, 30), Qt::UTC);
    i.location = {-3.99, 16.77};
    i.marking = marking;
    return i;
}

/// The files of one station: identity, contact book, mission.
struct StationFiles {
    QString folder;
    QString identity;
    QString contacts;
    QString mission;
    QByteArray passphrase; ///< signs the contact book
};

StationFiles makeStation(const QTemporaryDir& dir, const QString& name,
                         share::Classification clearance, const QString& passphrase,
                         const QString& organisation = QStringLiteral("UN"),
                         const QStringList& communities = {}) {
    StationFiles f;
    f.folder = dir.filePath(name);
    REQUIRE(QDir().mkpath(f.folder));
    f.identity = f.folder + QStringLiteral("/station.identity");
    f.contacts = f.folder + QStringLiteral("/contacts.cbor");
    f.mission = f.folder + QStringLiteral("/mission.tessera");
    f.passphrase = passphrase.toUtf8();
    Result<share::Identity> id =
        share::Identity::create({name, organisation, communities, clearance, {}});
    REQUIRE(id.ok());
    REQUIRE(id.value().save(f.identity, passphrase.toUtf8()).ok());
    store::MissionInfo info;
    info.id = test::kSharedMissionId;
    info.name = name + QStringLiteral(" mission");
    info.marking = kOpen;
    REQUIRE(store::MissionStore::create(f.mission, info).ok());
    return f;
}

void trust(const StationFiles& at, const StationFiles& peer) {
    Result<share::ContactCard> card = share::Identity::loadCard(peer.identity);
    REQUIRE(card.ok());
    // The book is signed by its station: read against its public card, written with its keys.
    Result<share::Identity> me = share::Identity::load(at.identity, at.passphrase);
    REQUIRE(me.ok());
    Result<share::ContactBook> book = share::ContactBook::load(at.contacts, me.value().card());
    REQUIRE(book.ok());
    REQUIRE(book.value().importCard(card.value(), card.value().fingerprintText()).ok());
    REQUIRE(book.value().save(me.value()).ok());
}

/// A station as the app has it: the mission open on the map and the sharing controller.
struct AppStation {
    StationFiles files;
    MissionController mission;
    SharingController sharing;
    explicit AppStation(const StationFiles& f)
        : files(f) {
        sharing.setIdentityPath(f.identity);
        sharing.setContactsPath(f.contacts);
        sharing.setMission(&mission);
        mission.setPath(f.mission);
        REQUIRE(test::waitUntil([&] {
            return mission.status() == MissionController::Status::Ready && !sharing.busy();
        }));
    }

    /// Waits for the next `operation` to finish; returns (ok, message).
    std::pair<bool, QString> await(QSignalSpy& spy, const QString& operation) {
        for (;;) {
            REQUIRE(test::waitUntil([&] { return !spy.isEmpty(); }));
            const QList<QVariant> args = spy.takeFirst();
            if (args.at(0).toString() == operation) {
                // And whatever it set off (the refresh after it) has landed too.
                REQUIRE(test::waitUntil([&] { return !sharing.busy(); }));
                return {args.at(1).toBool(), args.at(2).toString()};
            }
        }
    }
    std::pair<bool, QString> unlock(const QString& pass) {
        QSignalSpy spy(&sharing, &SharingController::finished);
        sharing.unlock(pass);
        // Not on this thread: the key derivation has not happened yet.
        CHECK(sharing.identityState() == SharingController::IdentityState::Unlocking);
        return await(spy, QStringLiteral("unlock"));
    }
    std::pair<bool, QString> exportFor(const QString& peerName, const QString& file) {
        QSignalSpy spy(&sharing, &SharingController::finished);
        sharing.exportBundle(peerValue(peerName, "fingerprintHex").toString(),
                             QUrl::fromLocalFile(file));
        return await(spy, QStringLiteral("export"));
    }
    std::pair<bool, QString> import(const QString& file) {
        QSignalSpy spy(&sharing, &SharingController::finished);
        sharing.importBundle(QUrl::fromLocalFile(file));
        return await(spy, QStringLiteral("import"));
    }
    QVariant peerValue(const QString& name, const char* role) {
        for (int i = 0; i < sharing.peers()->count(); ++i)
            if (sharing.peers()->value(i, QStringLiteral("name")).toString() == name)
                return sharing.peers()->value(i, QString::fromLatin1(role));
        FAIL("no peer " << name.toStdString());
        return {};
    }
    int incidentsInFile() {
        const QString path = files.mission;
        return onWorker([path] {
            auto m = store::MissionStore::open(path, store::MissionStore::Access::ReadOnly);
            return m ? static_cast<int>(m.value().incidents().value().size()) : -1;
        });
    }
};

/// Marks this thread as the GUI thread for the scope and counts blocking calls made on it.
struct GuiThreadWatch {
    int violations = 0;
    GuiThreadWatch() {
        threadcheck::setViolationHandler([this](const char* where) {
            ++violations;
            WARN("blocking call on the GUI thread: " << where);
        });
        threadcheck::markGuiThread();
    }
    ~GuiThreadWatch() {
        threadcheck::clearGuiThread();
        threadcheck::setViolationHandler({});
    }
};

} // namespace

TEST_CASE("Sharing controller: identity, peers, a bundle each way, the audit", "[quick][sharing]") {
    QTemporaryDir dir;
    const StationFiles fa =
        makeStation(dir, QStringLiteral("ALPHA"), share::Classification::Secret, kPassA);
    const StationFiles fb =
        makeStation(dir, QStringLiteral("BRAVO"), share::Classification::Confidential, kPassB);
    trust(fa, fb);
    trust(fb, fa);
    QStringList open;
    {
        auto m = store::MissionStore::open(fa.mission, store::MissionStore::Access::ReadWrite);
        REQUIRE(m.ok());
        for (const char* title : {"Checkpoint fired upon", "Bridge damaged"}) {
            store::Incident i = incident(QString::fromLatin1(title), kOpen);
            REQUIRE(m.value().addIncident(i).ok());
            open.append(i.uuid);
        }
        store::Incident s = incident(QStringLiteral("Source report"), kSecret);
        REQUIRE(m.value().addIncident(s).ok()); // BRAVO is not cleared for it
    }

    GuiThreadWatch watch;
    AppStation a(fa);
    AppStation b(fb);

    // The identity's public card, read without the passphrase.
    CHECK(a.sharing.identityState() == SharingController::IdentityState::Locked);
    CHECK(a.sharing.stationName() == QStringLiteral("ALPHA"));
    CHECK(a.sharing.organisation() == QStringLiteral("UN"));
    CHECK(a.sharing.clearance() == QStringLiteral("SECRET"));
    CHECK(a.sharing.fingerprint() ==
          share::Identity::loadCard(fa.identity).value().fingerprintText());
    REQUIRE(a.sharing.peers()->count() == 1);
    CHECK(a.peerValue(QStringLiteral("BRAVO"), "clearance").toString() ==
          QStringLiteral("CONFIDENTIAL"));
    CHECK_FALSE(a.peerValue(QStringLiteral("BRAVO"), "revoked").toBool());
    CHECK(a.peerValue(QStringLiteral("BRAVO"), "lastSync").toString() == QStringLiteral("never"));
    CHECK(a.peerValue(QStringLiteral("BRAVO"), "pending").toInt() == 2);
    CHECK(a.peerValue(QStringLiteral("BRAVO"), "withheld").toInt() == 1);
    CHECK(a.sharing.audit()->count() == 0);

    // Nothing leaves while locked.
    const QString toBravo = dir.filePath(QStringLiteral("alpha-to-bravo.tsb"));
    auto [lockedOk, lockedWhy] = a.exportFor(QStringLiteral("BRAVO"), toBravo);
    CHECK_FALSE(lockedOk);
    CHECK_THAT(lockedWhy.toStdString(), Contains("Unlock"));
    CHECK(a.sharing.messageIsError());
    CHECK_FALSE(QFileInfo::exists(toBravo));

    auto [wrongOk, wrongWhy] = a.unlock(QStringLiteral("not the passphrase"));
    CHECK_FALSE(wrongOk);
    CHECK_THAT(wrongWhy.toStdString(), Contains("wrong passphrase"));
    CHECK(a.sharing.identityState() == SharingController::IdentityState::Locked);
    REQUIRE(a.unlock(kPassA).first);
    CHECK(a.sharing.identityState() == SharingController::IdentityState::Unlocked);
    REQUIRE(b.unlock(kPassB).first);

    // ALPHA -> BRAVO: the two open incidents, the SECRET one withheld.
    auto [sentOk, sent] = a.exportFor(QStringLiteral("BRAVO"), toBravo);
    REQUIRE(sentOk);
    CHECK_THAT(sent.toStdString(), Contains("2 records") && Contains("1 withheld"));
    CHECK(QFileInfo(toBravo).size() > 0);
    CHECK(a.peerValue(QStringLiteral("BRAVO"), "lastSent").toString() != QStringLiteral("never"));
    CHECK(a.peerValue(QStringLiteral("BRAVO"), "lastReceived").toString() ==
          QStringLiteral("never"));
    CHECK(a.peerValue(QStringLiteral("BRAVO"), "lastSync").toString() ==
          a.peerValue(QStringLiteral("BRAVO"), "lastSent").toString());
    CHECK(a.peerValue(QStringLiteral("BRAVO"), "pending").toInt() == 2); // not known to arrive

    CHECK(b.mission.incidentCount() == 0);
    auto [gotOk, got] = b.import(toBravo);
    INFO(got.toStdString());
    REQUIRE(gotOk);
    CHECK_THAT(got.toStdString(), Contains("ALPHA") && Contains("2 records"));
    CHECK(b.incidentsInFile() == 2);
    // The map's scene follows without reopening the mission.
    REQUIRE(test::waitUntil([&] { return b.mission.incidentCount() == 2; }));
    CHECK(b.peerValue(QStringLiteral("ALPHA"), "lastReceived").toString() !=
          QStringLiteral("never"));

    // BRAVO -> ALPHA tells ALPHA what BRAVO holds: nothing pending for it any more.
    const QString toAlpha = dir.filePath(QStringLiteral("bravo-to-alpha.tsb"));
    REQUIRE(b.exportFor(QStringLiteral("ALPHA"), toAlpha).first);
    REQUIRE(a.import(toAlpha).first);
    CHECK(a.peerValue(QStringLiteral("BRAVO"), "pending").toInt() == 0);
    CHECK(a.peerValue(QStringLiteral("BRAVO"), "withheld").toInt() == 1);
    CHECK(a.peerValue(QStringLiteral("BRAVO"), "knowsReported").toBool());
    CHECK(a.peerValue(QStringLiteral("BRAVO"), "lastReceived").toString() !=
          QStringLiteral("never"));

    // The audit: newest first, expandable to the records each bundle carried.
    REQUIRE(a.sharing.audit()->count() == 2);
    AuditLogModel& log = *a.sharing.audit();
    CHECK(log.value(0, QStringLiteral("direction")).toString() == QStringLiteral("received"));
    CHECK(log.value(1, QStringLiteral("direction")).toString() == QStringLiteral("sent"));
    CHECK(log.value(1, QStringLiteral("peerNames")).toString() == QStringLiteral("BRAVO"));
    CHECK(log.value(1, QStringLiteral("records")).toInt() == 2);
    CHECK_FALSE(log.value(1, QStringLiteral("expanded")).toBool());
    {
        QSignalSpy spy(&a.sharing, &SharingController::finished);
        a.sharing.toggleRecords(1);
        REQUIRE(a.await(spy, QStringLiteral("records")).first);
    }
    CHECK(log.value(1, QStringLiteral("expanded")).toBool());
    const QStringList lines = log.value(1, QStringLiteral("recordLines")).toStringList();
    REQUIRE(lines.size() == 2);
    CHECK_THAT(lines.join(QLatin1Char('\n')).toStdString(),
               Contains(open[0].toStdString()) && Contains(open[1].toStdString()) &&
                   Contains("UNCLASSIFIED // REL TO UN"));
    a.sharing.toggleRecords(1);
    CHECK_FALSE(log.value(1, QStringLiteral("expanded")).toBool());

    // "Export audit…": every record of every bundle, a bundle that carried none on a line too.
    const QString csvPath = dir.filePath(QStringLiteral("audit.csv"));
    {
        QSignalSpy spy(&a.sharing, &SharingController::finished);
        a.sharing.exportAudit(QUrl::fromLocalFile(csvPath));
        auto [ok, message] = a.await(spy, QStringLiteral("audit"));
        REQUIRE(ok);
        CHECK_THAT(message.toStdString(), Contains("3 lines"));
    }
    const QStringList csv =
        QString::fromUtf8(test::readAll(csvPath)).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    REQUIRE(csv.size() == 4);
    CHECK(csv[0] == QStringLiteral("at,direction,bundle,peers,kind,uuid,updated_hlc,"
                                   "classification,releasability,peer_names"));
    const QString sentId = log.value(1, QStringLiteral("bundleId")).toString();
    const QString bravoHex = a.peerValue(QStringLiteral("BRAVO"), "fingerprintHex").toString();
    int sentLines = 0;
    for (const QString& line : csv.mid(1)) {
        CHECK(line.endsWith(QStringLiteral(",\"BRAVO\"")));
        CHECK(line.contains(bravoHex));
        if (line.contains(QStringLiteral(",sent,") + sentId + QLatin1Char(','))) {
            ++sentLines;
            CHECK(line.contains(QStringLiteral(",incident,")));
            CHECK(line.contains(QStringLiteral("\"UNCLASSIFIED\",\"REL TO UN\"")));
        } else {
            CHECK(line.contains(QStringLiteral(",received,")));
            CHECK(line.contains(QStringLiteral(",,,\"\",\"\",")));
        }
    }
    CHECK(sentLines == 2);
    CHECK_FALSE(csv.join(QLatin1Char('\n')).contains(QStringLiteral("SECRET")));

    // Records of another station without a signature (as if received before records were
    // signed) are counted for the panel, which says they are not passed on.
    CHECK(b.sharing.unsignedRecords() == 0);
    const QString bravoMission = b.files.mission;
    REQUIRE(onWorker([bravoMission] {
        auto m = store::MissionStore::open(bravoMission, store::MissionStore::Access::ReadWrite);
        return m && m.value().database().exec(QStringLiteral("DELETE FROM record_proof")).ok();
    }));
    {
        QSignalSpy spy(&b.sharing, &SharingController::finished);
        b.sharing.refresh();
        REQUIRE(b.await(spy, QStringLiteral("refresh")).first);
    }
    CHECK(b.sharing.unsignedRecords() == 2);

    CHECK(watch.violations == 0);
}

TEST_CASE("Sharing controller: through the mission's broker, the panel shows the link and what "
          "came from whom, and the map gets the records",
          "[quick][sharing][relay]") {
    QTemporaryDir dir;
    const StationFiles fa =
        makeStation(dir, QStringLiteral("ALPHA"), share::Classification::Secret, kPassA);
    const StationFiles fb =
        makeStation(dir, QStringLiteral("BRAVO"), share::Classification::Secret, kPassB);
    trust(fa, fb);
    trust(fb, fa);
    Result<share::Identity> bravo = share::Identity::load(fb.identity, fb.passphrase);
    Result<share::Identity> alpha = share::Identity::load(fa.identity, fa.passphrase);
    REQUIRE(bravo.ok());
    REQUIRE(alpha.ok());
    test::TestBroker broker(QStringLiteral(TESSERA_CLI), QStringLiteral("sector-north"));
    broker.admit({&alpha.value(), &bravo.value()});
    broker.start();
    onWorker([&] {
        auto m = store::MissionStore::open(fb.mission, store::MissionStore::Access::ReadWrite);
        REQUIRE(m.ok());
        for (int i = 0; i < 3; ++i) {
            store::Incident x = incident(QStringLiteral("Bravo %1").arg(i), kOpen);
            REQUIRE(m.value().addIncident(x).ok());
        }
        return 0;
    });
    // Bravo shares through the broker as tessera-cli would.
    relay::RelaySettings settings;
    settings.broker.endpoint = relay::BrokerEndpoint::parse(broker.url()).value();
    settings.broker.caFile = broker.certificate();
    settings.missionPath = fb.mission;
    settings.pollMs = 200;
    relay::Relay bravoRelay(bravo.value(), sync::trustFromFile(fb.contacts, bravo.value().card()),
                            settings);
    std::thread bravoThread([&] { (void)bravoRelay.run(); });

    AppStation a(fa);
    QSignalSpy spy(&a.sharing, &SharingController::finished);
    // Locked: the panel says why it cannot connect.
    a.sharing.startRelay(broker.url(), QUrl::fromLocalFile(broker.certificate()));
    auto refused = a.await(spy, QStringLiteral("relay"));
    CHECK_FALSE(refused.first);
    CHECK_THAT(refused.second.toStdString(), Contains("Unlock"));
    REQUIRE(a.unlock(kPassA).first);
    {
        GuiThreadWatch watch;
        a.sharing.startRelay(broker.url(), QUrl::fromLocalFile(broker.certificate()));
        REQUIRE(a.await(spy, QStringLiteral("relay")).first);
        CHECK(a.sharing.relayRunning());
        REQUIRE(test::waitUntil([&] { return a.sharing.relayConnected(); }));
        // Bravo's reports arrive, the map reloads them, and the panel names who sent them.
        REQUIRE(test::waitUntil([&] { return a.mission.incidentCount() == 3; }, 60000));
        REQUIRE(test::waitUntil(
            [&] { return a.sharing.relayPeers().contains(QLatin1String("BRAVO")); }));
        CHECK(watch.violations == 0);
    }
    // And what Alpha writes reaches Bravo.
    onWorker([&] {
        auto m = store::MissionStore::open(fa.mission, store::MissionStore::Access::ReadWrite);
        REQUIRE(m.ok());
        store::Incident x = incident(QStringLiteral("Alpha 0"), kOpen);
        REQUIRE(m.value().addIncident(x).ok());
        return 0;
    });
    REQUIRE(test::waitUntil(
        [&] {
            return onWorker([&] {
                       auto m = store::MissionStore::open(fb.mission,
                                                          store::MissionStore::Access::ReadOnly);
                       return m ? static_cast<int>(m.value().incidents().value().size()) : -1;
                   }) == 4;
        },
        60000));
    a.sharing.stopRelay();
    CHECK_FALSE(a.sharing.relayRunning());
    bravoRelay.stop();
    bravoThread.join();
}

TEST_CASE("Sharing controller: refused bundles say why and change nothing, conflicts resolved",
          "[quick][sharing]") {
    QTemporaryDir dir;
    const StationFiles fa =
        makeStation(dir, QStringLiteral("ALPHA"), share::Classification::Secret, kPassA);
    const StationFiles fb =
        makeStation(dir, QStringLiteral("BRAVO"), share::Classification::Secret, kPassB);
    const StationFiles fc =
        makeStation(dir, QStringLiteral("CHARLIE"), share::Classification::Secret, kPassA);
    trust(fa, fb);
    trust(fa, fc);
    trust(fb, fa);
    store::Incident x = incident(QStringLiteral("Convoy stopped"), kOpen);
    {
        auto m = store::MissionStore::open(fa.mission, store::MissionStore::Access::ReadWrite);
        REQUIRE(m.ok());
        REQUIRE(m.value().addIncident(x).ok());
    }

    GuiThreadWatch watch;
    AppStation a(fa);
    AppStation b(fb);
    REQUIRE(a.unlock(kPassA).first);

    const QString good = dir.filePath(QStringLiteral("good.tsb"));
    REQUIRE(a.exportFor(QStringLiteral("BRAVO"), good).first);
    const QString forCharlie = dir.filePath(QStringLiteral("for-charlie.tsb"));
    REQUIRE(a.exportFor(QStringLiteral("CHARLIE"), forCharlie).first);
    const QByteArray bytes = test::readAll(good);
    QByteArray flipped = bytes;
    flipped[flipped.size() - 40] = static_cast<char>(flipped[flipped.size() - 40] ^ 0x01);
    const QString tampered = dir.filePath(QStringLiteral("tampered.tsb"));
    test::writeAll(tampered, flipped);

    SECTION("waiting for the passphrase, tampered, not for us, replayed") {
        // Dropped while locked: it waits, and is checked as soon as the identity is unlocked.
        {
            QSignalSpy spy(&b.sharing, &SharingController::finished);
            b.sharing.importBundle(QUrl::fromLocalFile(tampered));
            auto [waitingOk, waiting] = b.await(spy, QStringLiteral("import-waiting"));
            CHECK(waitingOk);
            CHECK_THAT(waiting.toStdString(), Contains("tampered.tsb will be imported once"));
        }
        QSignalSpy spy(&b.sharing, &SharingController::finished);
        b.sharing.unlock(kPassB);
        REQUIRE(b.await(spy, QStringLiteral("unlock")).first);
        auto [tamperedOk, tamperedWhy] = b.await(spy, QStringLiteral("import"));
        CHECK_FALSE(tamperedOk);
        CHECK_THAT(tamperedWhy.toStdString(),
                   Contains("tampered.tsb refused") && Contains("tampered"));
        CHECK(b.sharing.messageIsError());
        CHECK(b.sharing.message() == tamperedWhy);
        CHECK(b.incidentsInFile() == 0);
        CHECK(b.sharing.audit()->count() == 0);
        CHECK(b.mission.incidentCount() == 0);

        auto [otherOk, otherWhy] = b.import(forCharlie);
        CHECK_FALSE(otherOk);
        CHECK_THAT(otherWhy.toStdString(), Contains("not addressed to this station"));
        CHECK(b.incidentsInFile() == 0);

        REQUIRE(b.import(good).first);
        CHECK(b.incidentsInFile() == 1);
        CHECK_FALSE(b.sharing.messageIsError());
        auto [againOk, againWhy] = b.import(good);
        CHECK_FALSE(againOk);
        CHECK_THAT(againWhy.toStdString(), Contains("replayed"));
        CHECK(b.sharing.audit()->count() == 1);
    }

    SECTION("a concurrent edit is resolved from the panel") {
        REQUIRE(b.unlock(kPassB).first);
        REQUIRE(b.import(good).first);
        const QString back = dir.filePath(QStringLiteral("back.tsb"));
        REQUIRE(b.exportFor(QStringLiteral("ALPHA"), back).first);
        REQUIRE(a.import(back).first);
        // Both edit the incident without having seen the other's edit.
        auto edit = [&x](const QString& path, const QString& title) {
            return onWorker([path, title, x]() mutable {
                auto m = store::MissionStore::open(path, store::MissionStore::Access::ReadWrite);
                if (!m)
                    return false;
                x.title = title;
                Result<store::Incident> current = m.value().incident(x.uuid);
                if (!current)
                    return false;
                store::Incident changed = current.value();
                changed.title = title;
                return m.value().updateIncident(changed).ok();
            });
        };
        REQUIRE(edit(fa.mission, QStringLiteral("Convoy stopped at ALPHA's word")));
        REQUIRE(edit(fb.mission, QStringLiteral("Convoy stopped at BRAVO's word")));
        const QString aToB = dir.filePath(QStringLiteral("a-to-b.tsb"));
        const QString bToA = dir.filePath(QStringLiteral("b-to-a.tsb"));
        REQUIRE(a.exportFor(QStringLiteral("BRAVO"), aToB).first);
        REQUIRE(b.exportFor(QStringLiteral("ALPHA"), bToA).first);
        auto [aOk, atA] = a.import(bToA);
        auto [bOk, atB] = b.import(aToB);
        REQUIRE((aOk && bOk));
        AppStation& flagged = a.sharing.conflicts()->count() > 0 ? a : b;
        CHECK_THAT((atA + atB).toStdString(), Contains("1 conflicts to resolve"));
        REQUIRE(flagged.sharing.conflicts()->count() == 1);
        ConflictListModel& c = *flagged.sharing.conflicts();
        CHECK(c.value(0, QStringLiteral("uuid")).toString() == x.uuid);
        CHECK(c.value(0, QStringLiteral("kind")).toString() == QStringLiteral("incident"));
        const QString ours = c.value(0, QStringLiteral("ours")).toString();
        const QString theirs = c.value(0, QStringLiteral("theirs")).toString();
        CHECK(ours != theirs);
        CHECK_THAT((ours + theirs).toStdString(),
                   Contains("ALPHA's word") && Contains("BRAVO's word"));
        const QString oursTitle = ours.contains(QStringLiteral("ALPHA's word"))
                                      ? QStringLiteral("Convoy stopped at ALPHA's word")
                                      : QStringLiteral("Convoy stopped at BRAVO's word");

        QSignalSpy spy(&flagged.sharing, &SharingController::finished);
        flagged.sharing.resolveConflict(c.value(0, QStringLiteral("conflictId")).toLongLong(),
                                        false);
        auto [resolvedOk, resolved] = flagged.await(spy, QStringLiteral("resolve"));
        REQUIRE(resolvedOk);
        CHECK_THAT(resolved.toStdString(), Contains("our version kept"));
        CHECK(flagged.sharing.conflicts()->count() == 0);
        const QString path = flagged.files.mission;
        const QString uuid = x.uuid;
        CHECK(onWorker([path, uuid] {
                  auto m = store::MissionStore::open(path, store::MissionStore::Access::ReadOnly);
                  return m ? m.value().incident(uuid).value().title : QString();
              }) == oursTitle);
        // The resolution is a change of this station: pending for the peer.
        const QString peer = &flagged == &a ? QStringLiteral("BRAVO") : QStringLiteral("ALPHA");
        CHECK(flagged.peerValue(peer, "pending").toInt() >= 1);
    }

    CHECK(watch.violations == 0);
}

namespace {
/// An item of the panel by objectName, through the visual tree (delegates included).
using test::findItem;
} // namespace

TEST_CASE("Sharing controller: a card trusted or revoked by tessera-cli shows at once",
          "[quick][sharing]") {
    QTemporaryDir dir;
    const StationFiles alpha =
        makeStation(dir, QStringLiteral("ALPHA"), share::Classification::Secret, kPassA);
    const StationFiles bravo =
        makeStation(dir, QStringLiteral("BRAVO"), share::Classification::Secret, kPassB,
                    QStringLiteral("nld"), {QStringLiteral("Exercise  participants")});
    AppStation app(alpha);
    REQUIRE(app.sharing.peers()->count() == 0);
    // Who a record can be marked releasable to: this station's own organisation...
    CHECK(app.sharing.releaseAudiences() == QStringList{QStringLiteral("UN")});
    // Another process (tessera-cli contact import) writes the contact book while the panel is
    // open: no refresh is asked for, the panel follows the file.
    trust(alpha, bravo);
    CHECK(test::waitUntil([&] { return app.sharing.peers()->count() == 1; }, 10000));
    // ... and its contacts' nations and communities, as REL TO tokens.
    CHECK(app.sharing.releaseAudiences() == QStringList{QStringLiteral("EXERCISE PARTICIPANTS"),
                                                        QStringLiteral("NLD"),
                                                        QStringLiteral("UN")});
    // And a revocation made there takes the peer off the trusted list here.
    Result<share::Identity> me = share::Identity::load(alpha.identity, alpha.passphrase);
    REQUIRE(me.ok());
    Result<share::ContactBook> book = share::ContactBook::load(alpha.contacts, me.value().card());
    REQUIRE(book.ok());
    Result<share::ContactCard> card = share::Identity::loadCard(bravo.identity);
    REQUIRE(card.ok());
    REQUIRE(
        book.value().revokeLocally(card.value().fingerprint(), QStringLiteral("laptop lost")).ok());
    REQUIRE(book.value().save(me.value()).ok());
    CHECK(test::waitUntil(
        [&] {
            for (int i = 0; i < app.sharing.peers()->count(); ++i)
                if (app.sharing.peers()->value(i, QStringLiteral("revoked")).toBool())
                    return true;
            return false;
        },
        10000));
}

TEST_CASE("Sharing controller: a card trusted only on its fingerprint, revoked, an identity made "
          "once",
          "[quick][sharing]") {
    QTemporaryDir dir;
    const StationFiles alpha =
        makeStation(dir, QStringLiteral("ALPHA"), share::Classification::Secret, kPassA);
    const StationFiles bravo =
        makeStation(dir, QStringLiteral("BRAVO"), share::Classification::Secret, kPassB);
    const share::ContactCard bravoCard = share::Identity::loadCard(bravo.identity).value();
    AppStation app(alpha);
    QSignalSpy finished(&app.sharing, &SharingController::finished);

    // Locked: the book is signed with the station's key, so nothing is trusted yet.
    app.sharing.trustCard(bravoCard.text(), bravoCard.fingerprintText());
    auto [lockedOk, lockedWhy] = app.await(finished, QStringLiteral("trust-card"));
    CHECK_FALSE(lockedOk);
    CHECK(lockedWhy.contains(QStringLiteral("unlock")));
    REQUIRE(app.unlock(kPassA).first);

    // The card read on the worker: who it says it is, and its fingerprint.
    QSignalSpy read(&app.sharing, &SharingController::cardRead);
    app.sharing.readCard(bravoCard.text());
    REQUIRE(test::waitUntil([&] { return !read.isEmpty(); }));
    const QVariantMap shown = read.takeFirst().at(0).toMap();
    CHECK(shown.value(QStringLiteral("ok")).toBool());
    CHECK(shown.value(QStringLiteral("name")).toString() == QStringLiteral("BRAVO"));
    CHECK(shown.value(QStringLiteral("fingerprint")).toString() == bravoCard.fingerprintText());
    // A card altered in transit does not read.
    QString altered = bravoCard.text();
    altered[altered.size() - 5] =
        altered[altered.size() - 5] == QLatin1Char('A') ? QLatin1Char('B') : QLatin1Char('A');
    app.sharing.readCard(altered);
    REQUIRE(test::waitUntil([&] { return !read.isEmpty(); }));
    CHECK_FALSE(read.takeFirst().at(0).toMap().value(QStringLiteral("ok")).toBool());

    // The wrong fingerprint read out: refused, the book unchanged.
    app.sharing.trustCard(bravoCard.text(),
                          QStringLiteral("0000 1111 2222 3333 4444 5555 6666 7777"));
    auto [wrongOk, wrongWhy] = app.await(finished, QStringLiteral("trust-card"));
    CHECK_FALSE(wrongOk);
    CHECK(app.sharing.peers()->count() == 0);
    // The right one: trusted (as a file too: the same reader).
    const QString cardFile = dir.filePath(QStringLiteral("bravo.card"));
    test::writeAll(cardFile, bravoCard.text().toLatin1());
    app.sharing.trustCard(QUrl::fromLocalFile(cardFile).toString(),
                          bravoCard.fingerprintText().section(QLatin1Char(' '), 0, 7));
    CHECK(app.await(finished, QStringLiteral("trust-card")).first);
    REQUIRE(test::waitUntil([&] { return app.sharing.peers()->count() == 1; }));

    // Revoked on this station's word.
    app.sharing.revokeContact(app.peerValue(QStringLiteral("BRAVO"), "fingerprintHex").toString(),
                              QStringLiteral("laptop lost"));
    CHECK(app.await(finished, QStringLiteral("revoke-contact")).first);
    REQUIRE(test::waitUntil([&] {
        for (int i = 0; i < app.sharing.peers()->count(); ++i)
            if (app.sharing.peers()->value(i, QStringLiteral("revoked")).toBool())
                return true;
        return false;
    }));

    // An identity is made once: never over an existing one.
    app.sharing.createIdentity(QStringLiteral("OTHER"), QStringLiteral("UN"), QString(),
                               QStringLiteral("SECRET"),
                               QStringLiteral("another long passphrase 42"));
    auto [againOk, againWhy] = app.await(finished, QStringLiteral("create-identity"));
    CHECK_FALSE(againOk);
    CHECK(againWhy.contains(QStringLiteral("will not overwrite")));
    CHECK(app.sharing.stationName() == QStringLiteral("ALPHA"));
    // Strength as Identity::save judges it.
    CHECK_FALSE(SharingController::passphraseStrength(QStringLiteral("password"))
                    .value(QStringLiteral("ok"))
                    .toBool());
    CHECK(SharingController::passphraseStrength(QStringLiteral("Niger river at Gao, 4 bridges"))
              .value(QStringLiteral("ok"))
              .toBool());
}

TEST_CASE("Sharing panel (QML): peers listed, the passphrase sent and cleared",
          "[quick][sharing][qml]") {
    QTemporaryDir dir;
    const StationFiles fa =
        makeStation(dir, QStringLiteral("ALPHA"), share::Classification::Secret, kPassA);
    const StationFiles fb =
        makeStation(dir, QStringLiteral("BRAVO"), share::Classification::Secret, kPassB);
    trust(fa, fb);
    GuiThreadWatch watch;
    AppStation a(fa);

    QQmlEngine engine;
    QQmlComponent component(&engine, QUrl(QStringLiteral("qrc:/Tessera/SharingPanel.qml")));
    INFO(component.errorString().toStdString());
    REQUIRE(component.status() == QQmlComponent::Ready);
    std::unique_ptr<QObject> object(component.createWithInitialProperties(
        {{QStringLiteral("sharing"), QVariant::fromValue(&a.sharing)}}));
    REQUIRE(object);
    auto* panel = qobject_cast<QQuickItem*>(object.get());
    REQUIRE(panel);
    panel->setSize(QSizeF(600, 1000));

    QQuickItem* field = findItem(panel, QStringLiteral("passphrase"));
    QQuickItem* unlock = findItem(panel, QStringLiteral("unlockButton"));
    REQUIRE((field && unlock));
    CHECK(field->property("echoMode").toInt() == 2); // TextInput.Password: echo off
    QQuickItem* exportButton = nullptr;
    REQUIRE(test::waitUntil([&] {
        exportButton = findItem(panel, QStringLiteral("exportFor_BRAVO"));
        return exportButton != nullptr;
    }));
    CHECK_FALSE(exportButton->isEnabled()); // locked: nothing can leave

    QSignalSpy spy(&a.sharing, &SharingController::finished);
    field->setProperty("text", kPassA);
    CHECK(unlock->isEnabled());
    QMetaObject::invokeMethod(unlock, "clicked");
    CHECK(field->property("text").toString().isEmpty()); // not kept in the field
    REQUIRE(a.await(spy, QStringLiteral("unlock")).first);
    CHECK(a.sharing.identityState() == SharingController::IdentityState::Unlocked);
    // The list is read again after the unlock: its delegates may be new ones.
    CHECK(test::waitUntil([&] {
        exportButton = findItem(panel, QStringLiteral("exportFor_BRAVO"));
        return exportButton && exportButton->isEnabled();
    }));
    CHECK(findItem(panel, QStringLiteral("sharingMessage"))->isVisible());
    CHECK(watch.violations == 0);
}

TEST_CASE("Main window: a bundle dropped on the map goes to sharing, other files to layers",
          "[quick][sharing][qml]") {
    CHECK(SharingController::isBundleFile(QUrl::fromLocalFile(QStringLiteral("/x/to-bravo.TSB"))));
    CHECK_FALSE(
        SharingController::isBundleFile(QUrl::fromLocalFile(QStringLiteral("/x/imagery.tif"))));
    QTemporaryDir dir;
    const StationFiles fa =
        makeStation(dir, QStringLiteral("ALPHA"), share::Classification::Secret, kPassA);
    const StationFiles fb =
        makeStation(dir, QStringLiteral("BRAVO"), share::Classification::Secret, kPassB);
    trust(fa, fb);
    GuiThreadWatch watch;

    QQmlEngine engine;
    QQmlComponent component(&engine, QUrl(QStringLiteral("qrc:/Tessera/Main.qml")));
    INFO(component.errorString().toStdString());
    REQUIRE(component.status() == QQmlComponent::Ready);
    std::unique_ptr<QObject> root(
        component.createWithInitialProperties({{QStringLiteral("missionPath"), fa.mission},
                                               {QStringLiteral("identityPath"), fa.identity},
                                               {QStringLiteral("contactsPath"), fa.contacts}}));
    auto* window = qobject_cast<QQuickWindow*>(root.get());
    REQUIRE(window);
    window->resize(1280, 800);
    auto* mission = window->findChild<MissionController*>(QStringLiteral("mission"));
    auto* sharing = window->findChild<SharingController*>(QStringLiteral("sharing"));
    REQUIRE((mission && sharing));
    REQUIRE(test::waitUntil([&] {
        return mission->status() == MissionController::Status::Ready && !sharing->busy() &&
               sharing->identityState() == SharingController::IdentityState::Locked;
    }));
    CHECK_FALSE(root->property("sharingOpen").toBool());

    auto drop = [&](const QString& file) {
        QMimeData data;
        data.setUrls({QUrl::fromLocalFile(file)});
        const QPointF at(640, 400);
        QDragEnterEvent enter(at.toPoint(), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(window, &enter);
        QDropEvent dropped(at, Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(window, &dropped);
    };
    {
        QSignalSpy spy(sharing, &SharingController::finished);
        drop(dir.filePath(QStringLiteral("from-bravo.tsb")));
        REQUIRE(test::waitUntil([&] { return !spy.isEmpty(); }));
        CHECK(spy.first().at(0).toString() == QStringLiteral("import-waiting"));
        CHECK(root->property("sharingOpen").toBool()); // the panel opens to say so
        CHECK(sharing->message().contains(QStringLiteral("from-bravo.tsb")));
    }
    {
        QSignalSpy layers(mission, &MissionController::layerAdded);
        QSignalSpy spy(sharing, &SharingController::finished);
        drop(dir.filePath(QStringLiteral("roads.geojson")));
        REQUIRE(test::waitUntil([&] { return !layers.isEmpty(); }));
        CHECK_THAT(layers.first().at(1).toString().toStdString(), Contains("roads.geojson"));
        CHECK(spy.isEmpty()); // not taken for a bundle
    }
    CHECK(watch.violations == 0);
}

// Not a test: writes the sharing state the README's screenshot of the sharing panel shows, into
// $TESSERA_SHARING_FIXTURE (a folder), around $TESSERA_SHARING_FIXTURE_MISSION (a copy of the
// demo mission): this station (SECTOR NORTH JOC), a peer it exchanged bundles with and has a
// concurrent edit with, a peer it only sent to, a revoked one. Run by hand:
//   test_quick_sharing "[fixture]"   (then tessera --mission ... --identity
//   .../north/station.identity
//   --panel sharing --screenshot out.png)
TEST_CASE("Sharing screenshot fixture", "[.][fixture]") {
    const QString root = qEnvironmentVariable("TESSERA_SHARING_FIXTURE");
    const QString demo = qEnvironmentVariable("TESSERA_SHARING_FIXTURE_MISSION");
    REQUIRE_FALSE(root.isEmpty());
    REQUIRE(QFileInfo::exists(demo));
    const QString exercise = QStringLiteral("EXERCISE PARTICIPANTS");
    struct Made {
        share::Identity id;
        QString folder;
    };
    auto make = [&](const QString& folder, share::StationProfile profile) {
        REQUIRE(QDir().mkpath(root + QLatin1Char('/') + folder));
        Result<share::Identity> id = share::Identity::create(profile);
        REQUIRE(id.ok());
        const QString path = root + QLatin1Char('/') + folder + QStringLiteral("/station.identity");
        REQUIRE(id.value().save(path, QByteArrayLiteral("exercise only, not for real use")).ok());
        return Made{std::move(id).value(), root + QLatin1Char('/') + folder};
    };
    Made north = make(QStringLiteral("north"), {QStringLiteral("SECTOR NORTH JOC"),
                                                QStringLiteral("UN"),
                                                {QStringLiteral("MINUSMA"), exercise},
                                                share::Classification::Secret,
                                                {}});
    Made west = make(QStringLiteral("west"), {QStringLiteral("SECTOR WEST JOC"),
                                              QStringLiteral("NLD"),
                                              {exercise},
                                              share::Classification::Confidential,
                                              {}});
    Made gao = make(QStringLiteral("gao"), {QStringLiteral("GAO CAMP OPS"),
                                            QStringLiteral("DEU"),
                                            {exercise},
                                            share::Classification::Restricted,
                                            {}});
    Made tim = make(QStringLiteral("timbuktu"), {QStringLiteral("TIMBUKTU LIAISON"),
                                                 QStringLiteral("FRA"),
                                                 {},
                                                 share::Classification::Confidential,
                                                 {}});
    Result<share::ContactBook> nb =
        share::ContactBook::load(north.folder + QStringLiteral("/contacts.cbor"), north.id.card());
    REQUIRE(nb.ok());
    for (const Made* m : {&west, &gao, &tim})
        REQUIRE(nb.value().importCard(m->id.card(), m->id.card().fingerprintText()).ok());
    REQUIRE(nb.value()
                .revokeLocally(tim.id.fingerprint(), QStringLiteral("laptop reported lost"))
                .ok());
    REQUIRE(nb.value().save(north.id).ok());
    Result<share::ContactBook> wb =
        share::ContactBook::load(west.folder + QStringLiteral("/contacts.cbor"), west.id.card());
    REQUIRE(wb.ok());
    REQUIRE(wb.value().importCard(north.id.card(), north.id.card().fingerprintText()).ok());
    REQUIRE(wb.value().save(west.id).ok());

    auto nm = store::MissionStore::open(demo, store::MissionStore::Access::ReadWrite);
    REQUIRE(nm.ok());
    store::MissionStore& n = nm.value();
    for (const char* title : {"Source reports armed group resupply", "Informant meeting, Ber"}) {
        store::Incident i = incident(QString::fromLatin1(title), kSecret);
        REQUIRE(n.addIncident(i).ok());
    }
    store::MissionInfo info;
    info.id = test::kSharedMissionId;
    info.name = QStringLiteral("SECTOR WEST");
    info.marking = kOpen;
    auto wm = store::MissionStore::create(west.folder + QStringLiteral("/mission.tessera"), info);
    REQUIRE(wm.ok());
    store::MissionStore& w = wm.value();

    auto send = [](store::MissionStore& from, const share::Identity& me,
                   const share::ContactCard& to) {
        Result<share::ExportReport> r = share::exportBundle(from, me, {to});
        REQUIRE(r.ok());
        return r.value().bytes;
    };
    auto take = [](store::MissionStore& at, const QByteArray& bytes, const share::Identity& me,
                   const share::ContactBook& book) {
        Result<share::ImportReport> r = share::importBundle(at, bytes, me, book);
        REQUIRE(r.ok());
    };
    take(w, send(n, north.id, west.id.card()), west.id, wb.value());
    take(n, send(w, west.id, north.id.card()), north.id, nb.value());
    send(n, north.id, gao.id.card());

    // A concurrent edit: NORTH first, WEST later, so that it is found at NORTH.
    Result<QList<store::Incident>> all = n.incidents();
    REQUIRE(all.ok());
    store::Incident shared;
    for (const store::Incident& i : all.value())
        if (i.marking.classification == QStringLiteral("UNCLASSIFIED") &&
            i.status == store::IncidentStatus::Reported && shared.uuid.isEmpty())
            shared = i;
    REQUIRE_FALSE(shared.uuid.isEmpty());
    store::Incident ours = shared;
    ours.status = store::IncidentStatus::Confirmed;
    ours.title = shared.title + QStringLiteral(" (confirmed by patrol)");
    REQUIRE(n.updateIncident(ours).ok());
    QThread::msleep(20);
    Result<store::Incident> theirs = w.incident(shared.uuid);
    REQUIRE(theirs.ok());
    theirs.value().status = store::IncidentStatus::Resolved;
    REQUIRE(w.updateIncident(theirs.value()).ok());
    store::Incident fresh = incident(QStringLiteral("Roadblock reported west of Léré"), kOpen);
    fresh.marking = {QStringLiteral("UNCLASSIFIED"),
                     QStringLiteral("REL TO EXERCISE PARTICIPANTS")};
    fresh.location = {-4.9, 15.7};
    REQUIRE(w.addIncident(fresh).ok());
    take(n, send(w, west.id, north.id.card()), north.id, nb.value());
    Result<QList<share::Conflict>> found = share::conflicts(n);
    REQUIRE(found.ok());
    CHECK(found.value().size() == 1);

    // Later work at NORTH, not yet confirmed by WEST.
    int edited = 0;
    Result<QList<store::Incident>> now = n.incidents();
    REQUIRE(now.ok());
    for (store::Incident i : now.value())
        if (i.status == store::IncidentStatus::Reported && edited < 3 && i.uuid != shared.uuid) {
            i.status = store::IncidentStatus::Confirmed;
            REQUIRE(n.updateIncident(i).ok());
            ++edited;
        }
}
