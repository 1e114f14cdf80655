// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/Sync.h"

#include "share/Bundle.h"
#include "share/BundleRecords.h"
#include "store/MissionStore.h"

#include <QCborMap>
#include <QCborValue>

namespace tessera::sync {

namespace {

/// Frame types of protocol version 1 (docs/sharing.md, "Sync over TLS").
enum FrameType : quint8 {
    kHello = 1,  ///< CBOR {protocol, knows}: what this side holds, per station
    kBundle = 2, ///< one bundle file, exactly as `bundle export` writes it
    kDone = 3,   ///< CBOR {bundles}: the sender's series is complete
    kAck = 4,    ///< CBOR {id, applied}: one bundle applied
    kError = 5,  ///< UTF-8 text: why this side stops; the link closes after it
};

const QString kProtocol = QStringLiteral("tessera-sync/1");
constexpr int kMaxStations = 100000;

QCborMap readMap(const QByteArray& body) {
    QCborParserError error;
    const QCborValue v = QCborValue::fromCbor(body, &error);
    return error.error == QCborError::NoError ? v.toMap() : QCborMap();
}

QByteArray hello(const share::Knowledge& knows) {
    QCborMap k;
    for (auto it = knows.constBegin(); it != knows.constEnd(); ++it)
        k.insert(it.key(), it.value());
    QCborMap m;
    m.insert(QStringLiteral("protocol"), kProtocol);
    m.insert(QStringLiteral("knows"), k);
    return m.toCborValue().toCbor();
}

Result<share::Knowledge> readHello(const Frame& frame) {
    if (frame.type == kError)
        return Error{QStringLiteral("the peer refused the session: %1")
                         .arg(QString::fromUtf8(frame.body.left(2000)))};
    const QCborMap m = readMap(frame.body);
    if (frame.type != kHello || m.value(QStringLiteral("protocol")).toString() != kProtocol)
        return Error{QStringLiteral("the peer does not speak %1").arg(kProtocol)};
    const QCborMap k = m.value(QStringLiteral("knows")).toMap();
    if (k.size() > kMaxStations)
        return Error{QStringLiteral("the peer's greeting names too many stations")};
    share::Knowledge knows;
    for (auto it = k.constBegin(); it != k.constEnd(); ++it) {
        if (!it.key().isString() || !it.value().isInteger() ||
            !share::isUuidText(it.key().toString()))
            return Error{QStringLiteral("the peer's greeting is malformed")};
        knows.insert(it.key().toString(), it.value().toInteger());
    }
    return knows;
}

/// A failure on this side: the peer is told why before the link closes.
Error stop(TlsLink& link, const Error& why) {
    (void)link.send({kError, why.message.toUtf8()});
    return why;
}

/// Sending failed: the peer may have said why before it closed.
Error sendFailed(TlsLink& link, const Error& why) {
    Result<Frame> last = link.receive();
    while (last && last.value().type == kAck)
        last = link.receive();
    if (last && last.value().type == kError)
        return Error{QStringLiteral("the peer refused: %1")
                         .arg(QString::fromUtf8(last.value().body.left(2000)))};
    return why;
}

/// Sends what the peer lacks as a series of bundles, then reads one acknowledgement for each.
Status push(TlsLink& link, store::MissionStore& store, const share::Identity& me,
            const share::Knowledge& peerKnows, const SyncOptions& options, SyncReport& report) {
    Result<share::SeriesReport> series =
        share::exportBundleSeries(store, me, link.peer(), peerKnows, options.recordsPerBundle,
                                  [&](const share::ExportReport& bundle) {
                                      return link.send({kBundle, bundle.bytes});
                                  });
    if (!series)
        return sendFailed(link, series.error());
    report.bundlesSent = series.value().bundles;
    report.recordsSent = series.value().records;
    report.withheld = series.value().withheld;
    QCborMap done;
    done.insert(QStringLiteral("bundles"), report.bundlesSent);
    if (Status s = link.send({kDone, done.toCborValue().toCbor()}); !s)
        return sendFailed(link, s.error());
    for (int i = 0; i < report.bundlesSent; ++i) {
        Result<Frame> ack = link.receive();
        if (!ack)
            return ack.error();
        if (ack.value().type == kError)
            return Error{QStringLiteral("the peer refused a bundle: %1")
                             .arg(QString::fromUtf8(ack.value().body.left(2000)))};
        if (ack.value().type != kAck)
            return Error{
                QStringLiteral("the peer broke the protocol (expected an acknowledgement)")};
    }
    return success();
}

/// Receives the peer's series, applying each bundle as it arrives.
Status pull(TlsLink& link, store::MissionStore& store, const share::Identity& me,
            const share::ContactBook& book, const SyncOptions& options, SyncReport& report) {
    for (;;) {
        Result<Frame> frame = link.receive();
        if (!frame)
            return frame.error();
        switch (frame.value().type) {
        case kDone:
            return success();
        case kError:
            return Error{QStringLiteral("the peer stopped: %1")
                             .arg(QString::fromUtf8(frame.value().body.left(2000)))};
        case kBundle: {
            Result<share::ImportReport> applied = share::importBundle(
                store, frame.value().body, me, book, options.limits, link.peer().fingerprint());
            if (!applied)
                return stop(link, applied.error());
            ++report.bundlesReceived;
            report.recordsApplied += applied.value().applied;
            report.recordsUnchanged += applied.value().unchanged;
            report.recordsSkipped += applied.value().skipped;
            report.conflicts += applied.value().conflicts;
            QCborMap ack;
            ack.insert(QStringLiteral("id"), applied.value().id);
            ack.insert(QStringLiteral("applied"), applied.value().applied);
            if (Status s = link.send({kAck, ack.toCborValue().toCbor()}); !s)
                return s;
            break;
        }
        default:
            return stop(link, Error{QStringLiteral("the peer broke the protocol (frame type %1)")
                                        .arg(frame.value().type)});
        }
    }
}

} // namespace

Result<SyncReport> runSession(TlsLink& link, bool client, store::MissionStore& store,
                              const share::Identity& me, const share::ContactBook& book,
                              const SyncOptions& options) {
    SyncReport report;
    report.peer = link.peer();
    Result<share::Knowledge> knows = share::missionKnowledge(store);
    if (!knows)
        return stop(link, knows.error());
    if (Status s = link.send({kHello, hello(knows.value())}); !s)
        return s.error();
    Result<Frame> greeting = link.receive();
    if (!greeting)
        return greeting.error();
    Result<share::Knowledge> peerKnows = readHello(greeting.value());
    if (!peerKnows)
        return stop(link, peerKnows.error());
    // The dialling side sends first; then the other. One direction at a time, so that neither
    // side can fill the link while the other is not reading.
    if (client) {
        if (Status s = push(link, store, me, peerKnows.value(), options, report); !s)
            return s.error();
        if (Status s = pull(link, store, me, book, options, report); !s)
            return s.error();
    } else {
        if (Status s = pull(link, store, me, book, options, report); !s)
            return s.error();
        if (Status s = push(link, store, me, peerKnows.value(), options, report); !s)
            return s.error();
    }
    link.close();
    return report;
}

Result<SyncReport> syncWith(const QString& host, quint16 port, const share::ContactCard& expected,
                            store::MissionStore& store, const share::Identity& me,
                            const share::ContactBook& book, const SyncOptions& options) {
    LinkOptions link;
    link.timeoutMs = options.timeoutMs;
    link.expectedPeer = expected.fingerprint();
    Result<TlsLink> connected = TlsLink::connect(host, port, me, book, link);
    if (!connected)
        return connected.error();
    return runSession(connected.value(), true, store, me, book, options);
}

} // namespace tessera::sync
