// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for the bundle reader (built with clang and -DTESSERA_SHARE_FUZZ=ON; see
// docs/sharing.md, "Fuzzing"). Two modes, chosen by the first byte:
//  - 'P': the rest is a payload, sealed by a trusted sender for us, then opened and decoded.
//    This reaches what the signature otherwise keeps a fuzzer from: decryption, decompression
//    and the payload decoder. (Applying records to a store is covered by test_share_bundle's
//    seeded malformed payloads: the store does not build with Debian's clang 14.)
//  - anything else: the input is a bundle file, opened as one from a USB stick would be.
// With TESSERA_FUZZ_CORPUS set, it first writes a valid bundle and a valid payload there.
#include "share/BundleFormat.h"
#include "share/BundleRecords.h"
#include "share/ContactBook.h"
#include "share/Identity.h"

#include <QCborArray>
#include <QCborMap>
#include <QDir>
#include <QFile>

#include <cstdint>
#include <cstdlib>

using namespace tessera;
using namespace tessera::share;

namespace {

struct Fixture {
    Identity sender;
    Identity me;
    ContactBook book;
    QByteArray seedBundle;
    QByteArray seedPayload;
};

Identity make(const char* name) {
    Result<Identity> id = Identity::create({QString::fromLatin1(name),
                                            QStringLiteral("UN"),
                                            {},
                                            Classification::Secret,
                                            {QStringLiteral("EXERCISE")}});
    if (!id)
        std::abort();
    return std::move(id).value();
}

/// One record of each shape the decoder knows, as a sender would write and sign them.
QByteArray seedPayload(const Identity& sender) {
    QList<SharedRecord> records;
    const char* kinds[] = {"incident", "note", "attachment"};
    for (const char* kind : kinds) {
        SharedRecord r;
        r.kind = QString::fromLatin1(kind);
        r.uuid = QStringLiteral("0190f3c2-7a1b-7c3d-8e4f-0123456789ab");
        r.station = QStringLiteral("0190f3c2-7a1b-4c3d-8e4f-0123456789ab");
        r.updated = 1;
        QCborMap& m = r.value;
        m.insert(QStringLiteral("kind"), r.kind);
        m.insert(QStringLiteral("uuid"), r.uuid);
        m.insert(QStringLiteral("station"), r.station);
        m.insert(QStringLiteral("origin"), r.station);
        m.insert(QStringLiteral("created"), 1);
        m.insert(QStringLiteral("updated"), 1);
        m.insert(QStringLiteral("vv"), QCborMap{{r.station, 1}});
        m.insert(QStringLiteral("deleted"), false);
        m.insert(QStringLiteral("classification"), QStringLiteral("UNCLASSIFIED"));
        m.insert(QStringLiteral("releasability"), QStringLiteral("REL TO UN"));
        m.insert(QStringLiteral("title"), QStringLiteral("Seed"));
        m.insert(QStringLiteral("area"), QCborArray{QCborArray{1.0, 15.0}});
        m.insert(QStringLiteral("chunks"), QCborArray{QByteArray("data")});
        records.append(r);
    }
    QList<SharedRecord*> versions;
    for (SharedRecord& r : records)
        versions.append(&r);
    Result<QList<RecordBatch>> batches =
        signVersions(sender, QStringLiteral("fuzz mission"), records.first().station, 1, versions);
    if (!batches)
        std::abort();
    return encodePayload({records, batches.value()});
}

Fixture& fixture() {
    static Fixture* f = [] {
        auto* x = new Fixture{make("Sender"), make("Me"), ContactBook(), {}, {}};
        x->seedPayload = seedPayload(x->sender);
        if (!x->book.importCard(x->sender.card(), x->sender.card().fingerprintText()))
            std::abort();
        BundleHeader header;
        header.id = QStringLiteral("0190f3c2-7a1b-7c3d-8e4f-00000000cafe");
        header.created = QDateTime::currentDateTimeUtc();
        header.knows.insert(QStringLiteral("0190f3c2-7a1b-4c3d-8e4f-0123456789ab"), 7);
        header.mission = QStringLiteral("fuzz mission");
        Result<QByteArray> bundle = sealBundle(header, x->seedPayload, x->sender, {x->me.card()});
        if (!bundle)
            std::abort();
        x->seedBundle = bundle.value();
        return x;
    }();
    return *f;
}

void writeSeed(const QString& dir, const char* name, const QByteArray& bytes) {
    QFile file(QDir(dir).filePath(QString::fromLatin1(name)));
    if (file.open(QIODevice::WriteOnly))
        file.write(bytes);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    Fixture& f = fixture();
    const QString corpus = qEnvironmentVariable("TESSERA_FUZZ_CORPUS");
    if (!corpus.isEmpty()) {
        QDir().mkpath(corpus);
        writeSeed(corpus, "seed-bundle", f.seedBundle);
        writeSeed(corpus, "seed-payload", QByteArray("P") + f.seedPayload);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Fixture& f = fixture();
    const QByteArray input(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    BundleLimits limits;
    limits.maxPayloadBytes = 16 * 1024 * 1024; // keep each run small
    if (!input.startsWith('P')) {
        (void)openBundle(input, f.me, f.book, limits);
        return 0;
    }
    BundleHeader header;
    header.id = QStringLiteral("0190f3c2-7a1b-7c3d-8e4f-00000000beef");
    header.created = QDateTime::currentDateTimeUtc();
    header.mission = QStringLiteral("fuzz mission");
    Result<QByteArray> sealed = sealBundle(header, input.mid(1), f.sender, {f.me.card()});
    if (!sealed)
        std::abort();
    Result<OpenedBundle> opened = openBundle(sealed.value(), f.me, f.book, limits);
    if (!opened) {
        // A bundle we sealed ourselves must open, unless its payload is over the limit.
        if (!opened.errorMessage().contains(QLatin1String("oversized")))
            std::abort();
        return 0;
    }
    if (opened.value().payload != input.mid(1))
        std::abort();
    // The decoder, then the leaf of every record it accepts (the canonical encoding of
    // whatever a sender put in a record).
    Result<Payload> payload = decodePayload(opened.value().payload, 100000);
    if (payload)
        for (const SharedRecord& r : payload.value().records)
            (void)recordLeaf(r.value, r.salt);
    return 0;
}
