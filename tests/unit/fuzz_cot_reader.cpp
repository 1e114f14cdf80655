// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for the Cursor-on-Target reader (src/interop/CursorOnTarget): bytes as a TAK
// client or a file sends them, through readCotStream and then everything an import does with an
// event short of writing it (the checks, the record it becomes, the event written back and read
// again). Built with clang and -DTESSERA_SHARE_FUZZ=ON beside the other fuzzers (scripts/test).
// Besides crashes and sanitizer reports, it aborts when the reader breaks its own limits: more
// events than CotLimits allows, or an event whose written form it cannot read back. With
// TESSERA_FUZZ_CORPUS set, it first copies the CoT files of tests/data/cot there as seeds.
#include "interop/CursorOnTarget.h"

#include <QDir>
#include <QFile>

#include <cstdint>
#include <cstdlib>

using namespace tessera;
using namespace tessera::interop;

namespace {

void seedCorpus() {
    const QByteArray corpus = qgetenv("TESSERA_FUZZ_CORPUS");
    if (corpus.isEmpty())
        return;
    const QString target = QString::fromLocal8Bit(corpus);
    QDir().mkpath(target);
    const QDir data(QStringLiteral(TESSERA_COT_DATA));
    for (const QString& name : data.entryList({QStringLiteral("*.cot")}, QDir::Files))
        QFile::copy(data.filePath(name), target + QLatin1Char('/') + name);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    seedCorpus();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QByteArray bytes(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    CotLimits limits;
    limits.maxEvents = 64; // small, so that the limit itself is reached and checked
    Result<CotStream> stream = readCotStream(bytes, limits);
    if (!stream)
        return 0;
    if (stream.value().events.size() > limits.maxEvents)
        std::abort(); // the reader let more events through than its limit
    const std::optional<store::Marking> fallback =
        store::Marking{QStringLiteral("UNCLASSIFIED"), QString()};
    CotImportOptions options;
    options.defaultMarking = fallback;
    for (const CotEvent& event : stream.value().events) {
        (void)cotEventProblem(event, options);
        (void)isControlMessage(event);
        switch (recordKindOf(event)) {
        case CotRecordKind::Incident:
            (void)incidentFromEvent(event, fallback);
            break;
        case CotRecordKind::Route:
            (void)routeFromEvent(event, fallback);
            break;
        default:
            (void)annotationFromEvent(event, fallback);
            break;
        }
        // What Tessera writes for an event it read, it must read back.
        Result<CotStream> again = readCotStream(writeCotEvent(event));
        if (!again)
            std::abort();
    }
    return 0;
}
