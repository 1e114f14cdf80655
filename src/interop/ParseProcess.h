// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Untrusted files are read in a separate process: `tessera-cli parse-records`, the CLI's own
// binary in a parse mode, with limits on its memory, time and output. GDAL's readers are large C
// and C++ code fed by files from the field; one that crashes or runs away takes only that
// process with it, and the file is refused with a message instead of the app, the CLI or the
// mission going down (docs/architecture.md, "The parse process"; docs/formats/limits.md).

#include "geo/Result.h"
#include "interop/MissionImport.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>

class QIODevice;

namespace tessera::interop {

/// What the parse process may take. Defaults are in docs/formats/limits.md; the environment
/// variables TESSERA_PARSE_MEMORY_MB and TESSERA_PARSE_SECONDS override the first two.
struct ParseLimits {
    qint64 maxMemoryBytes = 2LL * 1024 * 1024 * 1024; ///< address space (RLIMIT_AS)
    int maxSeconds = 600;                             ///< wall clock, then killed
    qint64 maxOutputBytes = 1LL * 1024 * 1024 * 1024; ///< records handed back (RLIMIT_FSIZE)
    /// The defaults, with the environment's overrides.
    static ParseLimits fromEnvironment();
};

/// The program that parses: $TESSERA_CLI when set; else tessera-cli in the folder of the
/// running executable (the installed layout: both in bin/); else ../cli/tessera-cli from it
/// (the build tree: build/<preset>/app/tessera and app/cli). Empty when none exists.
QString parseProgram();

/// Reads `file` in the parse process and hands back what it read, or a refusal that says why:
/// the file made the reader crash (signal N), went over a limit, or the process said something
/// that is not the protocol. Nothing of the caller is touched by a failing reader. Waits for the
/// process, polling `cancelled` (the process is killed on a cancel) and passing its progress on.
/// Threads: any but the GUI thread (it waits on the process).
Result<ParsedFile> parseIsolated(const QString& file, const ParseRequest& request,
                                 const std::function<bool()>& cancelled = {},
                                 const std::function<void(qint64)>& progress = {},
                                 const ParseLimits& limits = ParseLimits::fromEnvironment());

/// The parse process's side (`tessera-cli parse-records FILE --request JSON [--max-memory-mb N]
/// [--max-output-mb N] [--max-cpu-seconds N]`): sets its own limits, reads the file with
/// parseFileHere and writes the records to stdout in the protocol parseIsolated reads. Returns
/// the exit code. Threads: the main thread of the parse process.
int runParseRecords(const QStringList& args);

// The protocol, one JSON object a line: a header, the records, then an end line that proves the
// output whole, or an error line. Public for the tests that play a lying reader.
QByteArray encodeParsed(const ParsedFile& parsed);
QByteArray encodeRefusal(const QString& message);
/// Reads what encodeParsed wrote; a refusal line becomes the Error, anything else is garbage.
Result<ParsedFile> decodeParsed(QIODevice& in);

QString encodeRequest(const ParseRequest& request);
Result<ParseRequest> decodeRequest(const QString& json);

} // namespace tessera::interop
