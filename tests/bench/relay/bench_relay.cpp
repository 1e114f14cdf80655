// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Mission-scale sharing through a real Mosquitto broker (issue 20, docs/deployment.md): N
// stations in this process, each with its own identity and mission file, all trusting each
// other, in four nations; each writes C changes with mixed markings (three in four REL TO UN,
// one in four REL TO its own nation), half before the relays start and half while they run;
// some drop their link at random and come back. Measured: the time until every station holds
// exactly what it may, bundle bytes through the broker per change, the broker's peak memory and
// this process's (all stations together).
//
//   bench_relay [--stations N] [--changes C] [--drop F] [--timeout S] [--bridged]
//
// --bridged: two brokers, a sector's bridged to the force HQ's as docs/deployment.md lays them
// out, half of the stations on each.
//
// Prints a table; exits non-zero when the stations did not converge in time or a station holds
// something it may not (the CI test runs it with 20 stations).
#include "BrokerSupport.h"
#include "relay/Relay.h"
#include "share/ContactBook.h"
#include "share/Identity.h"
#include "store/IncidentImport.h"
#include "store/MissionStore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <sys/resource.h>
#include <thread>

using namespace tessera;
using Clock = std::chrono::steady_clock;

namespace {

const QString kMissionId = QStringLiteral("bench-relay-mission");
const QStringList kNations = {QStringLiteral("FRA"), QStringLiteral("GHA"), QStringLiteral("NLD"),
                              QStringLiteral("BGD")};

template <typename T>
T need(Result<T> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "bench_relay: %s: %s\n", what, qPrintable(r.error().message));
        std::exit(2);
    }
    return std::move(r).value();
}

/// CPU time (user and system) this process has used, seconds.
double cpuSeconds() {
    rusage u = {};
    ::getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/// Peak resident memory (VmHWM) of a process, MiB.
double peakMiB(qint64 pid) {
    QFile f(pid > 0 ? QStringLiteral("/proc/%1/status").arg(pid)
                    : QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').value(0).toDouble() / 1024.0;
    return 0;
}

struct Station {
    share::Identity id;
    QString nation;
    QString mission;
    share::ContactBook book;
    std::unique_ptr<relay::Relay> relay;
    std::thread thread;
    // What the relay had done before its earlier runs (the status starts afresh each run).
    qint64 appliedBefore = 0;
    qint64 bytesBefore = 0;
    qint64 bundlesInBefore = 0; ///< opened and applied, or recognised as duplicates
    qint64 notAddressedBefore = 0;
    qint64 bundlesOutBefore = 0;
};

void writeChanges(Station& s, int from, int to) {
    store::MissionStore m =
        need(store::MissionStore::open(s.mission, store::MissionStore::Access::ReadWrite), "open");
    // 200 stations' relays share two cores here, so a relay's transaction can take seconds of
    // wall time while it holds the mission: this writer waits up to two minutes for the lock
    // rather than SQLite's five seconds (a station in the field has its own computer).
    need(m.database().scalar(QStringLiteral("PRAGMA busy_timeout = 120000")), "busy timeout");
    store::IncidentImport import =
        need(store::IncidentImport::begin(m, QStringLiteral("bench")), "import");
    for (int i = from; i < to; ++i) {
        store::Incident x;
        x.title = QStringLiteral("%1 report %2").arg(s.id.card().profile.stationName).arg(i);
        x.category = QStringLiteral("other");
        x.observedAt = QDateTime(QDate(2026, 11, 1), QTime(8, 0), Qt::UTC).addSecs(i * 60);
        x.location = {-4.0 + (i % 100) * 0.01, 14.0 + (i / 100) * 0.01};
        x.marking =
            i % 4 == 3
                ? store::Marking{QStringLiteral("RESTRICTED"), QStringLiteral("REL TO ") + s.nation}
                : store::Marking{QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
        if (Status added = import.add(x); !added)
            need(Result<int>(added.error()), "add an incident");
    }
    need(import.finish(), "finish");
}

int restrictedOf(int changes) {
    return changes / 4; // i % 4 == 3 for i in [0, changes)
}

} // namespace

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.addHelpOption();
    p.addOption({QStringLiteral("stations"), QStringLiteral("Stations (default 200)."),
                 QStringLiteral("n"), QStringLiteral("200")});
    p.addOption({QStringLiteral("changes"), QStringLiteral("Changes per station (default 1000)."),
                 QStringLiteral("n"), QStringLiteral("1000")});
    p.addOption({QStringLiteral("drop"),
                 QStringLiteral("Fraction of stations whose link drops, at random, while the "
                                "changes travel (default 0.1)."),
                 QStringLiteral("f"), QStringLiteral("0.1")});
    p.addOption({QStringLiteral("timeout"), QStringLiteral("Give up after (s, default 1800)."),
                 QStringLiteral("s"), QStringLiteral("1800")});
    p.addOption({QStringLiteral("bridged"),
                 QStringLiteral("Two bridged brokers, half of the stations on each.")});
    p.process(app);
    const bool bridged = p.isSet(QStringLiteral("bridged"));
    const int n = p.value(QStringLiteral("stations")).toInt();
    const int changes = p.value(QStringLiteral("changes")).toInt();
    const double dropFraction = p.value(QStringLiteral("drop")).toDouble();
    const int timeoutS = p.value(QStringLiteral("timeout")).toInt();
    if (n < 2 || changes < 2) {
        std::fprintf(stderr, "bench_relay: at least 2 stations and 2 changes\n");
        return 2;
    }

    QTemporaryDir dir;
    const auto setupStart = Clock::now();
    std::vector<std::unique_ptr<Station>> stations;
    for (int i = 0; i < n; ++i) {
        auto s = std::make_unique<Station>(Station{
            need(share::Identity::create({QStringLiteral("S%1").arg(i, 3, 10, QLatin1Char('0')),
                                          kNations[i % kNations.size()],
                                          {QStringLiteral("UN")},
                                          share::Classification::Secret,
                                          {}}),
                 "identity"),
            kNations[i % kNations.size()],
            dir.filePath(QStringLiteral("s%1.tessera").arg(i)),
            {},
            nullptr,
            {},
            0,
            0,
            0,
            0,
            0});
        store::MissionInfo info;
        info.id = kMissionId;
        info.name = QStringLiteral("bench");
        info.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
        need(store::MissionStore::create(s->mission, info), "create");
        stations.push_back(std::move(s));
    }
    for (auto& a : stations)
        for (auto& b : stations)
            if (a != b)
                need(a->book.importCard(b->id.card(), b->id.card().fingerprintText()), "trust");
    // The force HQ's broker, and (bridged) a sector's that bridges to it; station i uses the
    // sector's when i is odd.
    test::TestBroker broker(QStringLiteral(TESSERA_CLI), QStringLiteral("force-hq"));
    std::unique_ptr<test::TestBroker> sector;
    if (bridged)
        sector = std::make_unique<test::TestBroker>(QStringLiteral(TESSERA_CLI),
                                                    QStringLiteral("sector-east"));
    auto brokerOf = [&](int i) -> test::TestBroker& {
        return bridged && i % 2 == 1 ? *sector : broker;
    };
    {
        QList<const share::Identity*> hq, east;
        for (int i = 0; i < n; ++i)
            (bridged && i % 2 == 1 ? east : hq).append(&stations[i]->id);
        broker.admit(hq);
        if (bridged) {
            sector->admit(east);
            sector->bridgeTo(broker);
        }
    }
    broker.start();
    if (bridged)
        sector->start();
    for (auto& s : stations)
        writeChanges(*s, 0, changes / 2);
    const double setupS = std::chrono::duration<double>(Clock::now() - setupStart).count();

    auto startRelay = [&](Station& s) {
        const int index = static_cast<int>(
            std::find_if(stations.begin(), stations.end(),
                         [&](const std::unique_ptr<Station>& o) { return o.get() == &s; }) -
            stations.begin());
        relay::RelaySettings settings;
        settings.broker.endpoint = need(relay::BrokerEndpoint::parse(brokerOf(index).url()), "url");
        settings.broker.caFile = brokerOf(index).certificate();
        settings.broker.reconnectFirstMs = 200;
        settings.broker.reconnectLastMs = 2000;
        settings.missionPath = s.mission;
        settings.pollMs = 500;
        s.relay = std::make_unique<relay::Relay>(s.id, sync::fixedTrust(s.book), settings);
        relay::Relay* r = s.relay.get();
        const QString name = s.id.card().profile.stationName;
        s.thread = std::thread([r, name] {
            // TESSERA_RELAY_LOG=1: what each relay does, to explain a slow run.
            const auto log = [name](const QString& line) {
                if (qEnvironmentVariableIsSet("TESSERA_RELAY_LOG"))
                    std::fprintf(stderr, "[%s] %s\n", qPrintable(name), qPrintable(line));
            };
            if (Status run = r->run(log); !run)
                std::fprintf(stderr, "bench_relay: %s\n", qPrintable(run.error().message));
        });
    };
    auto stopRelay = [&](Station& s) {
        s.relay->stop();
        s.thread.join();
        const relay::RelayStatus st = s.relay->status();
        s.appliedBefore += st.recordsApplied;
        s.bytesBefore += st.bytesSent;
        s.bundlesInBefore += st.bundlesApplied + st.duplicates;
        s.notAddressedBefore += st.notAddressed;
        s.bundlesOutBefore += st.bundlesSent;
    };

    // What each station must end with: every station's open changes, its own nation's
    // restricted ones, and all of its own.
    const int open = changes - restrictedOf(changes);
    auto expectedForeign = [&](const Station& s) {
        qint64 sameNation = 0;
        for (auto& o : stations)
            if (o.get() != &s && o->nation == s.nation)
                ++sameNation;
        return qint64(n - 1) * open + sameNation * restrictedOf(changes);
    };

    const auto start = Clock::now();
    const double cpuAtStart = cpuSeconds();
    for (auto& s : stations)
        startRelay(*s);
    std::mt19937 random(20261207);
    // The second half of the changes, written while the relays run.
    for (auto& s : stations)
        writeChanges(*s, changes / 2, changes);
    for (auto& s : stations)
        s->relay->poke();
    // Links that drop: one station after another, for one to five seconds each, while the
    // changes travel.
    const int droppers = static_cast<int>(n * dropFraction);
    int drops = 0;
    bool converged = false;
    double convergedS = 0;
    while (std::chrono::duration<double>(Clock::now() - start).count() < timeoutS) {
        if (drops < droppers) {
            Station& s = *stations[random() % stations.size()];
            stopRelay(s);
            std::this_thread::sleep_for(std::chrono::milliseconds(1000 + random() % 4000));
            startRelay(s);
            ++drops;
        }
        converged = true;
        for (auto& s : stations)
            if (s->appliedBefore + s->relay->status().recordsApplied < expectedForeign(*s)) {
                converged = false;
                break;
            }
        if (converged) {
            convergedS = std::chrono::duration<double>(Clock::now() - start).count();
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    const double cpuUsed = cpuSeconds() - cpuAtStart;
    qint64 appliedAll = 0, expectedAll = 0;
    for (auto& s : stations) {
        appliedAll +=
            std::min(s->appliedBefore + s->relay->status().recordsApplied, expectedForeign(*s));
        expectedAll += expectedForeign(*s);
    }
    qint64 bytes = 0, bundlesIn = 0, notAddressed = 0, bundlesOut = 0;
    for (auto& s : stations) {
        stopRelay(*s);
        bytes += s->bytesBefore;
        bundlesIn += s->bundlesInBefore;
        notAddressed += s->notAddressedBefore;
        bundlesOut += s->bundlesOutBefore;
    }
    const double brokerPeak = peakMiB(broker.pid());
    const double sectorPeak = bridged ? peakMiB(sector->pid()) : 0;
    broker.stop();
    if (bridged)
        sector->stop();

    // Exactly what it may: the count, and nothing restricted to another nation.
    int wrong = 0;
    for (auto& s : stations) {
        store::MissionStore m = need(
            store::MissionStore::open(s->mission, store::MissionStore::Access::ReadOnly), "open");
        const qint64 held = m.database()
                                .scalar(QStringLiteral("SELECT count(*) FROM incident"))
                                .value()
                                .toLongLong();
        store::Statement q =
            need(m.database().prepare(QStringLiteral(
                     "SELECT count(*) FROM incident WHERE releasability <> 'REL TO UN' AND "
                     "releasability <> ?1")),
                 "query");
        q.bind(1, QStringLiteral("REL TO ") + s->nation);
        need(q.step(), "query");
        const qint64 foreign = q.integer(0);
        if (held != expectedForeign(*s) + changes || foreign != 0) {
            if (++wrong <= 5)
                std::fprintf(stderr,
                             "bench_relay: %s holds %lld incidents, %lld of them "
                             "restricted to another nation; it may hold %lld\n",
                             qPrintable(s->id.card().profile.stationName),
                             static_cast<long long>(held), static_cast<long long>(foreign),
                             static_cast<long long>(expectedForeign(*s) + changes));
            if (wrong <= 5) {
                // Whose changes it lacks: titles begin with the writer's name.
                store::Statement w =
                    need(m.database().prepare(QStringLiteral(
                             "SELECT substr(title, 1, 4), count(*) FROM incident GROUP BY 1")),
                         "query");
                QHash<QString, qint64> from;
                while (need(w.step(), "query"))
                    from.insert(w.text(0), w.integer(1));
                QStringList lacking;
                for (auto& o : stations) {
                    const QString name = o->id.card().profile.stationName;
                    const qint64 may = o.get() == s.get() || o->nation == s->nation
                                           ? changes
                                           : changes - restrictedOf(changes);
                    if (from.value(name) != may)
                        lacking.append(
                            QStringLiteral("%1 %2/%3").arg(name).arg(from.value(name)).arg(may));
                }
                std::fprintf(stderr, "  from: %s\n",
                             qPrintable(lacking.join(QStringLiteral(", "))));
            }
        }
    }

    std::printf("\n| measure | value |\n|---|---|\n");
    std::printf("| stations x changes | %d x %d (%d REL TO a nation each), %d links dropped |\n", n,
                changes, restrictedOf(changes), drops);
    std::printf("| brokers | %s |\n",
                bridged ? "two, bridged (sector to force HQ), half of the stations on each"
                        : "one");
    std::printf("| set-up (identities, contact books, missions, first half) | %.1f s |\n", setupS);
    if (converged)
        std::printf("| until every station holds exactly what it may | %.1f s |\n", convergedS);
    else
        std::printf("| until every station holds exactly what it may | not within %d s |\n",
                    timeoutS);
    std::printf("| stations holding something else | %d |\n", wrong);
    std::printf(
        "| others' records applied, of all the stations may hold | %lld of %lld (%.1f %%) |\n",
        static_cast<long long>(appliedAll), static_cast<long long>(expectedAll),
        100.0 * double(appliedAll) / double(std::max<qint64>(1, expectedAll)));
    // On one machine the stations share its cores; in a mission each has its own computer, and
    // this is what one of them spends (the second half written, sent, received and applied).
    std::printf("| CPU per station, until then (user + system, over all cores) | %.2f s |\n",
                cpuUsed / n);
    std::printf("| bundle bytes through the broker per change | %.0f B (%.1f MB in all) |\n",
                double(bytes) / (double(n) * changes), double(bytes) / 1e6);
    std::printf("| bundles published, per station | %.1f |\n", double(bundlesOut) / n);
    std::printf("| bundles opened, per station (and passed over: for others of its community) | "
                "%.1f (%.1f) |\n",
                double(bundlesIn) / n, double(notAddressed) / n);
    if (bridged)
        std::printf("| brokers' peak memory (VmHWM) | force HQ %.1f MiB, sector %.1f MiB |\n",
                    brokerPeak, sectorPeak);
    else
        std::printf("| broker peak memory (VmHWM) | %.1f MiB |\n", brokerPeak);
    std::printf("| this process, all %d stations (VmHWM) | %.1f MiB (%.1f MiB per station) |\n", n,
                peakMiB(0), peakMiB(0) / n);
    return converged && wrong == 0 ? 0 : 1;
}
