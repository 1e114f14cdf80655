// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Cursor-on-Target (CoT) events, as TAK clients send them: the MITRE base event schema
// (docs/formats/cot.md says which parts Tessera reads and writes, and how types map to
// categories). Point events to incidents and back; a stream of several events back to back.

#include "geo/Result.h"
#include "interop/MissionImport.h"
#include "store/Mission.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace tessera::store {
class MissionStore;
}

namespace tessera::interop {

/// One CoT event, the fields of the base schema and what Tessera keeps of its detail.
struct CotEvent {
    int number = 0; ///< its place in the stream it was read from (from 1)
    QString uid;
    QString type; ///< e.g. "a-h-G", "b-m-p-s-p-i"
    QString how;  ///< e.g. "h-e" (human entered), "m-g" (machine, GPS)
    QDateTime time, start, stale;
    double lat = 0, lon = 0;
    double hae = 9999999.0, ce = 9999999.0, le = 9999999.0; ///< 9999999: unknown (the schema's)
    QString access;                                         ///< classification, e.g. "UNCLASSIFIED"
    QString releaseableTo; ///< e.g. "FRA,NLD,UN"; empty: none given
    QString caveat;        ///< caveats after the level, e.g. "EXERCISE"
    QString callsign;      ///< detail/contact/@callsign: the title
    QString remarks;       ///< detail/remarks: the narrative
    // Tessera's own detail element (<__tessera>), present when Tessera wrote the event:
    QString category, severity, status, source, reliability;
    int credibility = 0;
    bool exercise = false;

    /// True when `now` is past the event's stale time.
    [[nodiscard]] bool isStale(const QDateTime& now) const {
        return stale.isValid() && now > stale;
    }
};

/// How much a CoT input may ask of the reader.
struct CotLimits {
    qint64 maxBytes = 64LL * 1024 * 1024; ///< the whole input
    int maxEvents = 200000;
};

/// One event that could not be read, with its number in the stream (from 1) and why.
struct CotProblem {
    int event = 0;
    QString reason;
};

struct CotStream {
    QList<CotEvent> events;
    QList<CotProblem> problems;
};

/// Reads a stream of CoT events as TAK clients send it: one or more <event> elements back to
/// back, each optionally with its own XML declaration, whitespace between. Malformed XML stops
/// the read with the line and column; a well-formed event that breaks the schema (no uid, a
/// time that does not parse, lat/lon out of range) is listed as a problem and skipped. A DTD
/// (and with it any entity definition, the billion-laughs attack) is refused.
Result<CotStream> readCotStream(const QByteArray& bytes, const CotLimits& limits = {});

/// The event as XML, with an XML declaration: one event of a stream.
QByteArray writeCotEvent(const CotEvent& event);

/// The CoT type Tessera writes for an incident category, and the category a CoT type maps to
/// (empty: a type Tessera does not take in).
QString cotTypeForCategory(const QString& category);
QString categoryForCotType(const QString& type);

/// An incident as an event: its uuid as uid, its marking as access/caveat/releaseableTo. Stale
/// `staleAfter` after `now` unless the incident is resolved (then stale at once).
CotEvent eventFromIncident(const store::Incident& incident, const QDateTime& now,
                           qint64 staleAfterSecs = 24 * 3600);
/// An event as an incident; an error naming the reason when it cannot be one (unknown type,
/// marking outside the grammar).
Result<store::Incident> incidentFromEvent(const CotEvent& event);

/// Imports the events of a CoT file or stream as incidents, all or nothing: any unreadable or
/// unmappable event refuses the whole import, listed by number and reason, and the mission is
/// left as it was. An event whose uid is an incident already held updates it. Threads: the
/// store's thread.
Result<ImportReport> importCot(store::MissionStore& mission, const QString& file,
                               const CotLimits& limits = {});

/// Cuts a byte stream from a socket into whole events as they complete (a TAK feed sends
/// events back to back, split anywhere by TCP). Each piece holds one event, with its XML
/// declaration when it had one, ready for readCotStream.
class CotStreamSplitter {
public:
    explicit CotStreamSplitter(qint64 maxEventBytes = 1024 * 1024)
        : max_(maxEventBytes) {}
    void feed(const QByteArray& bytes) { buffer_ += bytes; }
    /// The next whole event, or nullopt until more bytes come. An error when the bytes waiting
    /// exceed the limit without completing an event (the feed is then not CoT, or hostile).
    Result<std::optional<QByteArray>> next();

private:
    QByteArray buffer_;
    qint64 max_;
};

/// Applies events to the mission in one transaction: all or none (an event whose uid is held
/// updates it). An error names the first event that cannot be an incident.
Result<int> applyCotEvents(store::MissionStore& mission, const QList<CotEvent>& events);

/// Writes the mission's incidents as a CoT stream (several events back to back); with
/// `releasable`, only those it passes (an export for a recipient), the rest counted in
/// `withheld`. Written beside the target and renamed into place.
Result<qint64> exportCot(store::MissionStore& mission, const QString& file,
                         const std::function<bool(const store::Marking&)>& releasable = {},
                         qint64* withheld = nullptr);

} // namespace tessera::interop
