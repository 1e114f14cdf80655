// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Internal to tessera_share: the few cryptographic operations sharing needs, each a thin layer
// over OpenSSL 3's EVP interfaces (no primitive is implemented here). OpenSSL types never appear
// in this header: keys travel as raw 32-byte strings, secrets as SecretBytes.
//
// Threads: every function is safe to call from any thread (OpenSSL 3 is thread-safe; no state is
// kept here).

#include "geo/Result.h"

#include <QByteArray>

#include <cstddef>
#include <vector>

namespace tessera::share::crypto {

constexpr int kKeyBytes = 32;       ///< Ed25519 and X25519 keys, raw; AES-256 keys
constexpr int kSignatureBytes = 64; ///< Ed25519
constexpr int kNonceBytes = 12;     ///< AES-GCM
constexpr int kTagBytes = 16;       ///< AES-GCM
constexpr int kSha256Bytes = 32;

/// Bytes that are wiped (OPENSSL_cleanse) when they go: private keys, content keys, passphrases.
/// A deep copy on copy, so wiping one copy never touches another.
class SecretBytes {
public:
    SecretBytes() = default;
    explicit SecretBytes(std::size_t size)
        : bytes_(size) {}
    SecretBytes(const char* data, std::size_t size);
    SecretBytes(const SecretBytes&) = default;
    SecretBytes& operator=(const SecretBytes& other);
    SecretBytes(SecretBytes&& other) noexcept;
    SecretBytes& operator=(SecretBytes&& other) noexcept;
    ~SecretBytes();

    [[nodiscard]] unsigned char* data() { return bytes_.data(); }
    [[nodiscard]] const unsigned char* data() const { return bytes_.data(); }
    [[nodiscard]] std::size_t size() const { return bytes_.size(); }
    [[nodiscard]] bool empty() const { return bytes_.empty(); }
    void wipe();

private:
    std::vector<unsigned char> bytes_;
};

/// Wipes a QByteArray in place (its own buffer; detaches first if shared).
void wipe(QByteArray& bytes);
/// Wipes raw memory (OPENSSL_cleanse: not optimised away).
void wipe(void* data, std::size_t size);

QByteArray randomBytes(int count);
QByteArray sha256(const QByteArray& data);
/// Equal length and equal bytes, in time that does not depend on where they differ.
bool constantTimeEqual(const QByteArray& a, const QByteArray& b);

/// A new Ed25519 or X25519 key pair: the raw private key and the raw public key.
struct KeyPair {
    SecretBytes privateKey;
    QByteArray publicKey;
};
Result<KeyPair> generateEd25519();
Result<KeyPair> generateX25519();
/// The public key belonging to a raw private key (checks a key read back from a file).
Result<QByteArray> ed25519PublicKey(const SecretBytes& privateKey);
Result<QByteArray> x25519PublicKey(const SecretBytes& privateKey);

Result<QByteArray> sign(const SecretBytes& ed25519PrivateKey, const QByteArray& message);
/// True only for a valid signature of `message` by the raw public key.
bool verify(const QByteArray& ed25519PublicKey, const QByteArray& message,
            const QByteArray& signature);

/// X25519 shared secret; refuses a peer key that yields the all-zero secret (a low-order point).
Result<SecretBytes> x25519(const SecretBytes& privateKey, const QByteArray& peerPublicKey);
/// HKDF-SHA256 (RFC 5869), `length` bytes.
Result<SecretBytes> hkdfSha256(const SecretBytes& key, const QByteArray& salt,
                               const QByteArray& info, int length);

/// scrypt parameters; N a power of two. Defaults: 2^15, 8, 1 (32 MiB, about 0.1 s).
struct ScryptCost {
    quint64 n = 1u << 15;
    quint32 r = 8;
    quint32 p = 1;
};
Result<SecretBytes> scrypt(const QByteArray& passphrase, const QByteArray& salt, ScryptCost cost,
                           int length);

/// AES-256-GCM: returns ciphertext followed by the 16-byte tag.
Result<QByteArray> aesGcmEncrypt(const SecretBytes& key, const QByteArray& nonce,
                                 const QByteArray& plaintext, const QByteArray& aad);
/// Checks the tag; an error (never partial plaintext) when the key, nonce, AAD or bytes differ.
Result<QByteArray> aesGcmDecrypt(const SecretBytes& key, const QByteArray& nonce,
                                 const QByteArray& ciphertextAndTag, const QByteArray& aad);
/// Same, into secret storage (for unwrapped keys).
Result<SecretBytes> aesGcmDecryptSecret(const SecretBytes& key, const QByteArray& nonce,
                                        const QByteArray& ciphertextAndTag, const QByteArray& aad);

/// A QByteArray view of secret bytes for an API that needs one; the caller wipes it.
QByteArray exposeForEncryption(const SecretBytes& secret);

} // namespace tessera::share::crypto
