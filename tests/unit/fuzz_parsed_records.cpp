// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for the record importer's trust boundary (issue 18): what the parse process
// (`tessera-cli parse-records`, interop/ParseProcess.h) hands back is read by the importing
// process as untrusted, since the parser that wrote it has just read a file from the field and
// may be crashing or lying. The bytes go through decodeParsed, and every record it accepts
// through the store's own checks, as an import does before it writes. Besides crashes and
// sanitizer reports, it aborts when what the decoder accepted does not survive being encoded and
// read again. With TESSERA_FUZZ_CORPUS set, it first writes a valid output there as a seed.
#include "interop/ParseProcess.h"
#include "store/MissionStore.h"
#include "store/RoutePlan.h"

#include <QBuffer>
#include <QDir>
#include <QFile>

#include <cstdint>
#include <cstdlib>

using namespace tessera;
using namespace tessera::interop;

namespace {

ParsedFile sample() {
    ParsedFile f;
    f.layers = {QStringLiteral("incidents")};
    f.features = 2;
    store::Incident i;
    i.uuid = QStringLiteral("0190f3c2-7a1b-7c3d-8e4f-00000000cafe");
    i.title = QStringLiteral("Roadblock near Gao");
    i.category = QStringLiteral("armed_clash");
    i.observedAt = QDateTime(QDate(2026, 11, 30), QTime(10, 0), Qt::UTC);
    i.location = {-0.04, 16.27};
    i.marking = {QStringLiteral("UNCLASSIFIED"), QStringLiteral("REL TO UN")};
    f.incidents.append({i, {}});
    f.rejected.append({2, QStringLiteral("the title is empty"), {}});
    f.notes.append(QStringLiteral("a note"));
    return f;
}

void seedCorpus() {
    const QByteArray corpus = qgetenv("TESSERA_FUZZ_CORPUS");
    if (corpus.isEmpty())
        return;
    const QString dir = QString::fromLocal8Bit(corpus);
    QDir().mkpath(dir);
    QFile out(dir + QStringLiteral("/seed-records"));
    if (out.open(QIODevice::WriteOnly))
        out.write(encodeParsed(sample()));
}

Result<ParsedFile> decode(const QByteArray& bytes) {
    QByteArray copy = bytes;
    QBuffer in(&copy);
    in.open(QIODevice::ReadOnly);
    return decodeParsed(in);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    seedCorpus();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QByteArray bytes(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    Result<ParsedFile> parsed = decode(bytes);
    if (!parsed)
        return 0;
    // The store's checks, as an import runs them on every record before writing.
    for (const auto& i : parsed.value().incidents)
        (void)store::MissionStore::invalidReason(i.record);
    for (const auto& r : parsed.value().routes)
        (void)store::routeProblems(r.record);
    for (const auto& a : parsed.value().annotations)
        (void)store::annotationProblem(a.record);
    // What was accepted reads back the same way once written in the protocol.
    Result<ParsedFile> again = decode(encodeParsed(parsed.value()));
    if (!again || again.value().incidents.size() != parsed.value().incidents.size() ||
        again.value().routes.size() != parsed.value().routes.size() ||
        again.value().annotations.size() != parsed.value().annotations.size())
        std::abort();
    return 0;
}
