// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A TLS 1.3 connection between two stations, mutually authenticated with the stations' own
// Ed25519 keys (docs/sharing.md, "Sync over TLS"), carrying length-prefixed frames. OpenSSL
// types stay in the .cpp file.

#include "geo/Result.h"
#include "share/ContactBook.h"
#include "share/Identity.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <memory>
#include <span>

namespace tessera::sync {

/// One frame of the sync protocol: a type byte and a body of at most TlsLink::kMaxFrameBytes.
struct Frame {
    quint8 type = 0;
    QByteArray body;
};

/// A frame type a receiver accepts at this point of the protocol, and the largest body it takes
/// of it. The limit is checked on the 5-byte header, before any of the body is read or held.
struct FrameRule {
    quint8 type = 0;
    const char* name = ""; ///< for messages: "HELLO", "BUNDLE", ...
    qint64 maxBytes = 0;
};

/// Where the contact book comes from when a peer's certificate is checked. It is called at that
/// moment (and again before each bundle of a session), so that a card revoked meanwhile, by
/// another process writing the contacts file, counts for the very next handshake or bundle.
using TrustSource = std::function<Result<share::ContactBook>()>;

/// A TrustSource that always answers the same book (tests; a dialling side that read it once).
TrustSource fixedTrust(const share::ContactBook& book);
/// A TrustSource that reads the contact book file each time.
TrustSource trustFromFile(const QString& path, const share::ContactCard& station);

/// How a TLS link is set up and how long it waits. Every wait is a deadline on the whole step,
/// not a timeout on each read: a peer that trickles a byte at a time cannot stretch it.
struct LinkOptions {
    /// Connecting; each frame received or sent, header and body, in total (see
    /// minBytesPerSecond); and, when dialling, the handshake (the server may keep us in its
    /// backlog while its sessions are all busy).
    int timeoutMs = 60000;
    /// Dialling: the fingerprint of the station we mean to reach; any other is refused.
    QByteArray expectedPeer;
    /// Serving: the whole TLS handshake, from accept() to the peer's Finished. A client that
    /// does not finish it in time (silent, trickling, or stuck) is dropped.
    int handshakeTimeoutMs = 10000;
    /// A frame's deadline grows by one second for each this many bytes of it that have arrived
    /// (or left): large bundles over slow links finish, a trickle does not.
    qint64 minBytesPerSecond = 8 * 1024;
};

/// An accepted TCP connection whose TLS handshake has not run yet. The listener's thread takes
/// it; a session thread runs the handshake (TlsLink::serve), under its own deadline.
/// Threads: a value; move it to the thread that serves it.
class Connection {
public:
    Connection(Connection&& other) noexcept;
    Connection& operator=(Connection&& other) noexcept;
    ~Connection();
    /// The peer's address, for messages ("127.0.0.1:53122").
    [[nodiscard]] const QString& from() const { return from_; }

private:
    friend class TlsListener;
    friend class TlsLink;
    Connection(int fd, QString from);
    int fd_ = -1;
    QString from_;
};

/// A mutually authenticated TLS 1.3 link. Each side presents a certificate made on the spot
/// from its identity: self-signed with the station's Ed25519 key, its common name the
/// station's fingerprint. The handshake proves the peer holds that key; the peer is accepted
/// only when its fingerprint is a trusted card of our contact book (not unknown, not revoked)
/// whose Ed25519 key is the key it proved, and, when dialling, the station we meant to reach.
/// Otherwise the handshake fails with the reason, before any byte of ours reaches the peer.
///
/// Threads: blocking; use one link on one thread (a worker, never the GUI thread).
class TlsLink {
public:
    /// No frame of any type is larger (a bundle file is at most 512 MiB: BundleLimits).
    static constexpr qint64 kMaxFrameBytes = 600LL * 1024 * 1024;

    TlsLink(TlsLink&&) noexcept;
    TlsLink& operator=(TlsLink&&) noexcept;
    ~TlsLink();

    /// Dials host:port and runs the handshake as the client.
    static Result<TlsLink> connect(const QString& host, quint16 port, const share::Identity& me,
                                   const share::ContactBook& book, const LinkOptions& options);
    /// Runs the handshake as the server on an accepted connection, within
    /// options.handshakeTimeoutMs. `trust` is read when the client's certificate is checked.
    static Result<TlsLink> serve(Connection connection, const share::Identity& me,
                                 const TrustSource& trust, const LinkOptions& options);

    /// The verified peer.
    [[nodiscard]] const share::ContactCard& peer() const;
    /// The contact book as it was read when the peer was verified.
    [[nodiscard]] const share::ContactBook& book() const;

    Status send(const Frame& frame);
    /// The next frame, if its type is one of `accepted` and its body within that type's limit:
    /// otherwise an error, before the body is read. Also an error when the link drops or the
    /// frame does not arrive whole by its deadline (LinkOptions::timeoutMs).
    Result<Frame> receive(std::span<const FrameRule> accepted);
    /// Ends the TLS session politely (close_notify) and closes the socket.
    void close();

private:
    friend class TlsListener;
    struct Impl;
    explicit TlsLink(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

/// A listening TCP socket that turns each connection into a TlsLink as the server.
/// Threads: one thread waits on it at a time (the server's accepting thread).
class TlsListener {
public:
    TlsListener(TlsListener&&) noexcept;
    TlsListener& operator=(TlsListener&&) noexcept;
    ~TlsListener();

    /// Listens on address:port ("127.0.0.1", "0.0.0.0", "::"); port 0 picks a free port.
    static Result<TlsListener> listen(const QString& address, quint16 port);
    [[nodiscard]] quint16 port() const;

    /// Whether a connection is waiting to be accepted, after at most `waitMs`.
    [[nodiscard]] bool pending(int waitMs) const;
    /// Waits for one TCP connection (at most `waitMs`, < 0: for ever), without any TLS yet.
    /// An error "no peer connected in time" when none came.
    Result<Connection> waitForConnection(int waitMs = -1);

    /// Waits for one connection and runs the handshake as the server, on this thread. A peer
    /// that fails the checks is refused with the reason.
    Result<TlsLink> accept(const share::Identity& me, const TrustSource& trust,
                           const LinkOptions& options, int waitMs = -1);
    Result<TlsLink> accept(const share::Identity& me, const share::ContactBook& book,
                           const LinkOptions& options, int waitMs = -1);

private:
    explicit TlsListener(int fd, quint16 port);
    int fd_ = -1;
    quint16 port_ = 0;
};

} // namespace tessera::sync
