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

#include <memory>

namespace tessera::sync {

/// One frame of the sync protocol: a type byte and a body of at most TlsLink::kMaxFrameBytes.
struct Frame {
    quint8 type = 0;
    QByteArray body;
};

/// How a TLS link is set up and how long it waits.
struct LinkOptions {
    int timeoutMs = 60000; ///< for connecting, the handshake and each read or write
    /// Dialling: the fingerprint of the station we mean to reach; any other is refused.
    QByteArray expectedPeer;
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
    static constexpr qint64 kMaxFrameBytes = 600LL * 1024 * 1024;

    TlsLink(TlsLink&&) noexcept;
    TlsLink& operator=(TlsLink&&) noexcept;
    ~TlsLink();

    /// Dials host:port and runs the handshake as the client.
    static Result<TlsLink> connect(const QString& host, quint16 port, const share::Identity& me,
                                   const share::ContactBook& book, const LinkOptions& options);

    /// The verified peer.
    [[nodiscard]] const share::ContactCard& peer() const;

    Status send(const Frame& frame);
    /// The next frame; an error when the link drops, times out, or a frame is over the limit.
    Result<Frame> receive();
    /// Ends the TLS session politely (close_notify) and closes the socket.
    void close();

private:
    friend class TlsListener;
    struct Impl;
    explicit TlsLink(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

/// A listening TCP socket that turns each connection into a TlsLink as the server.
class TlsListener {
public:
    TlsListener(TlsListener&&) noexcept;
    TlsListener& operator=(TlsListener&&) noexcept;
    ~TlsListener();

    /// Listens on address:port ("127.0.0.1", "0.0.0.0", "::"); port 0 picks a free port.
    static Result<TlsListener> listen(const QString& address, quint16 port);
    [[nodiscard]] quint16 port() const;

    /// Waits for one connection (at most `waitMs`, < 0: for ever) and runs the handshake as the
    /// server. A peer that fails the checks is refused with the reason.
    Result<TlsLink> accept(const share::Identity& me, const share::ContactBook& book,
                           const LinkOptions& options, int waitMs = -1);

private:
    explicit TlsListener(int fd, quint16 port);
    int fd_ = -1;
    quint16 port_ = 0;
};

} // namespace tessera::sync
