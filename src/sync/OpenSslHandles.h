// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// OpenSSL objects owned by unique_ptr, and OpenSSL's last error in words: for the .cpp files of
// tessera_sync and tessera_relay only (OpenSSL types stay out of their public headers).

#include <QString>

#include <arpa/inet.h>
#include <memory>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace tessera::sync::openssl {

template <typename T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Ctx = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX, SSL_CTX_free>>;
using Ssl = std::unique_ptr<SSL, Deleter<SSL, SSL_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

/// The first reason in OpenSSL's error queue, in words (empty when the queue was); the queue
/// cleared.
inline QString lastError() {
    QString reason;
    while (const unsigned long code = ERR_get_error()) {
        char text[256];
        ERR_error_string_n(code, text, sizeof text);
        if (reason.isEmpty())
            reason = QString::fromLatin1(
                ERR_reason_error_string(code) ? ERR_reason_error_string(code) : text);
    }
    return reason;
}

/// Whether `host` is an IPv4 or IPv6 address rather than a name (certificates name the two
/// differently).
inline bool isIpAddress(const QString& host) {
    unsigned char buffer[16];
    const QByteArray text = host.toLatin1();
    return inet_pton(AF_INET, text.constData(), buffer) == 1 ||
           inet_pton(AF_INET6, text.constData(), buffer) == 1;
}

} // namespace tessera::sync::openssl
