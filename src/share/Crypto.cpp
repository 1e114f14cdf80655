// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "share/Crypto.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

namespace tessera::share::crypto {

namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
struct KdfFree {
    void operator()(EVP_KDF* p) const { EVP_KDF_free(p); }
};
struct KdfCtxFree {
    void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
using Kdf = std::unique_ptr<EVP_KDF, KdfFree>;
using KdfCtx = std::unique_ptr<EVP_KDF_CTX, KdfCtxFree>;

/// OpenSSL's error queue in words, emptied.
Error opensslError(const char* what) {
    QString detail;
    while (const unsigned long code = ERR_get_error()) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        if (!detail.isEmpty())
            detail += QStringLiteral("; ");
        detail += QString::fromLatin1(buffer);
    }
    return Error{detail.isEmpty()
                     ? QString::fromLatin1(what)
                     : QStringLiteral("%1 (%2)").arg(QString::fromLatin1(what), detail)};
}

const unsigned char* bytes(const QByteArray& b) {
    return reinterpret_cast<const unsigned char*>(b.constData());
}
unsigned char* bytes(QByteArray& b) {
    return reinterpret_cast<unsigned char*>(b.data());
}

Result<KeyPair> generate(const char* type) {
    Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, type));
    if (!key)
        return opensslError("cannot generate a key");
    KeyPair pair{SecretBytes(kKeyBytes), QByteArray(kKeyBytes, '\0')};
    std::size_t length = kKeyBytes;
    if (EVP_PKEY_get_raw_private_key(key.get(), pair.privateKey.data(), &length) != 1 ||
        length != kKeyBytes)
        return opensslError("cannot read a generated private key");
    length = kKeyBytes;
    if (EVP_PKEY_get_raw_public_key(key.get(), bytes(pair.publicKey), &length) != 1 ||
        length != kKeyBytes)
        return opensslError("cannot read a generated public key");
    return pair;
}

Result<Pkey> privateKey(int type, const SecretBytes& raw) {
    if (raw.size() != kKeyBytes)
        return Error{QStringLiteral("a private key must be 32 bytes")};
    Pkey key(EVP_PKEY_new_raw_private_key(type, nullptr, raw.data(), raw.size()));
    if (!key)
        return opensslError("not a valid private key");
    return key;
}

Result<Pkey> publicKey(int type, const QByteArray& raw) {
    if (raw.size() != kKeyBytes)
        return Error{QStringLiteral("a public key must be 32 bytes")};
    Pkey key(EVP_PKEY_new_raw_public_key(type, nullptr, bytes(raw), kKeyBytes));
    if (!key)
        return opensslError("not a valid public key");
    return key;
}

Result<QByteArray> publicOf(int type, const SecretBytes& raw) {
    Result<Pkey> key = privateKey(type, raw);
    if (!key)
        return key.error();
    QByteArray out(kKeyBytes, '\0');
    std::size_t length = kKeyBytes;
    if (EVP_PKEY_get_raw_public_key(key.value().get(), bytes(out), &length) != 1)
        return opensslError("cannot derive a public key");
    return out;
}

Result<SecretBytes> deriveKdf(const char* name, OSSL_PARAM* params, int length) {
    Kdf kdf(EVP_KDF_fetch(nullptr, name, nullptr));
    if (!kdf)
        return opensslError("key derivation unavailable");
    KdfCtx ctx(EVP_KDF_CTX_new(kdf.get()));
    if (!ctx)
        return opensslError("key derivation unavailable");
    SecretBytes out(static_cast<std::size_t>(length));
    if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1)
        return opensslError("key derivation failed");
    return out;
}

/// Feeds `in` to an AES-GCM context in pieces an int can count.
bool update(EVP_CIPHER_CTX* ctx, bool encrypt, const unsigned char* in, qsizetype size,
            unsigned char* out) {
    constexpr qsizetype kPiece = 1 << 30;
    for (qsizetype done = 0; done < size;) {
        const int piece = static_cast<int>(std::min(kPiece, size - done));
        int written = 0;
        const int ok = encrypt ? EVP_EncryptUpdate(ctx, out + done, &written, in + done, piece)
                               : EVP_DecryptUpdate(ctx, out + done, &written, in + done, piece);
        if (ok != 1 || written != piece)
            return false;
        done += piece;
    }
    return true;
}

bool setAad(EVP_CIPHER_CTX* ctx, bool encrypt, const QByteArray& aad) {
    if (aad.isEmpty())
        return true;
    int written = 0;
    return (encrypt ? EVP_EncryptUpdate(ctx, nullptr, &written, bytes(aad),
                                        static_cast<int>(aad.size()))
                    : EVP_DecryptUpdate(ctx, nullptr, &written, bytes(aad),
                                        static_cast<int>(aad.size()))) == 1;
}

/// Decrypts into `out` (sized to the plaintext); false when anything does not check.
bool gcmDecrypt(const SecretBytes& key, const QByteArray& nonce, const QByteArray& input,
                const QByteArray& aad, unsigned char* out) {
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    if (!ctx ||
        EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), bytes(nonce)) != 1)
        return false;
    const qsizetype size = input.size() - kTagBytes;
    if (!setAad(ctx.get(), false, aad) || !update(ctx.get(), false, bytes(input), size, out))
        return false;
    QByteArray tag = input.right(kTagBytes);
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1)
        return false;
    int written = 0;
    return EVP_DecryptFinal_ex(ctx.get(), out + size, &written) == 1;
}

Status checkGcmArguments(const SecretBytes& key, const QByteArray& nonce) {
    if (key.size() != kKeyBytes || nonce.size() != kNonceBytes)
        return Error{QStringLiteral("AES-256-GCM needs a 32-byte key and a 12-byte nonce")};
    return success();
}

} // namespace

// ---- SecretBytes ----

SecretBytes::SecretBytes(const char* data, std::size_t size)
    : bytes_(reinterpret_cast<const unsigned char*>(data),
             reinterpret_cast<const unsigned char*>(data) + size) {}

SecretBytes& SecretBytes::operator=(const SecretBytes& other) {
    if (this != &other) {
        wipe();
        bytes_ = other.bytes_;
    }
    return *this;
}
SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : bytes_(std::move(other.bytes_)) {
    other.bytes_.clear();
}
SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
        wipe();
        bytes_ = std::move(other.bytes_);
        other.bytes_.clear();
    }
    return *this;
}
SecretBytes::~SecretBytes() {
    wipe();
}
void SecretBytes::wipe() {
    if (!bytes_.empty())
        OPENSSL_cleanse(bytes_.data(), bytes_.size());
    bytes_.clear();
}

void wipe(QByteArray& b) {
    if (!b.isEmpty())
        OPENSSL_cleanse(b.data(), static_cast<std::size_t>(b.size()));
    b.clear();
}

void wipe(void* data, std::size_t size) {
    OPENSSL_cleanse(data, size);
}

QByteArray exposeForEncryption(const SecretBytes& secret) {
    return QByteArray(reinterpret_cast<const char*>(secret.data()),
                      static_cast<qsizetype>(secret.size()));
}

// ---- hashing, randomness, comparison ----

QByteArray randomBytes(int count) {
    QByteArray out(count, '\0');
    if (RAND_bytes(bytes(out), count) != 1)
        qFatal("tessera: the system random generator failed");
    return out;
}

QByteArray sha256(const QByteArray& data) {
    QByteArray out(kSha256Bytes, '\0');
    unsigned int length = 0;
    if (EVP_Digest(data.constData(), static_cast<std::size_t>(data.size()), bytes(out), &length,
                   EVP_sha256(), nullptr) != 1)
        qFatal("tessera: SHA-256 failed");
    return out;
}

bool constantTimeEqual(const QByteArray& a, const QByteArray& b) {
    if (a.size() != b.size())
        return false;
    return CRYPTO_memcmp(a.constData(), b.constData(), static_cast<std::size_t>(a.size())) == 0;
}

// ---- keys and signatures ----

Result<KeyPair> generateEd25519() {
    return generate("ED25519");
}
Result<KeyPair> generateX25519() {
    return generate("X25519");
}
Result<QByteArray> ed25519PublicKey(const SecretBytes& privateKey) {
    return publicOf(EVP_PKEY_ED25519, privateKey);
}
Result<QByteArray> x25519PublicKey(const SecretBytes& privateKey) {
    return publicOf(EVP_PKEY_X25519, privateKey);
}

Result<QByteArray> sign(const SecretBytes& raw, const QByteArray& message) {
    Result<Pkey> key = privateKey(EVP_PKEY_ED25519, raw);
    if (!key)
        return key.error();
    MdCtx ctx(EVP_MD_CTX_new());
    QByteArray signature(kSignatureBytes, '\0');
    std::size_t length = kSignatureBytes;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.value().get()) != 1 ||
        EVP_DigestSign(ctx.get(), bytes(signature), &length, bytes(message),
                       static_cast<std::size_t>(message.size())) != 1 ||
        length != kSignatureBytes)
        return opensslError("signing failed");
    return signature;
}

bool verify(const QByteArray& raw, const QByteArray& message, const QByteArray& signature) {
    if (signature.size() != kSignatureBytes)
        return false;
    Result<Pkey> key = publicKey(EVP_PKEY_ED25519, raw);
    if (!key) {
        ERR_clear_error();
        return false;
    }
    MdCtx ctx(EVP_MD_CTX_new());
    const bool ok =
        ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.value().get()) == 1 &&
        EVP_DigestVerify(ctx.get(), bytes(signature), kSignatureBytes, bytes(message),
                         static_cast<std::size_t>(message.size())) == 1;
    ERR_clear_error();
    return ok;
}

// ---- key agreement and derivation ----

Result<SecretBytes> x25519(const SecretBytes& raw, const QByteArray& peerPublicKey) {
    Result<Pkey> own = privateKey(EVP_PKEY_X25519, raw);
    if (!own)
        return own.error();
    Result<Pkey> peer = publicKey(EVP_PKEY_X25519, peerPublicKey);
    if (!peer)
        return peer.error();
    PkeyCtx ctx(EVP_PKEY_CTX_new(own.value().get(), nullptr));
    SecretBytes shared(kKeyBytes);
    std::size_t length = shared.size();
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
        EVP_PKEY_derive_set_peer(ctx.get(), peer.value().get()) != 1 ||
        EVP_PKEY_derive(ctx.get(), shared.data(), &length) != 1 || length != kKeyBytes)
        return opensslError("key agreement failed");
    const SecretBytes zero(kKeyBytes);
    if (CRYPTO_memcmp(shared.data(), zero.data(), kKeyBytes) == 0)
        return Error{QStringLiteral("key agreement with a degenerate public key")};
    return shared;
}

Result<SecretBytes> hkdfSha256(const SecretBytes& key, const QByteArray& salt,
                               const QByteArray& info, int length) {
    char digest[] = "SHA256";
    QByteArray saltCopy = salt;
    QByteArray infoCopy = info;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                          const_cast<unsigned char*>(key.data()), key.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, saltCopy.data(),
                                          static_cast<std::size_t>(saltCopy.size())),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, infoCopy.data(),
                                          static_cast<std::size_t>(infoCopy.size())),
        OSSL_PARAM_construct_end()};
    return deriveKdf("HKDF", params, length);
}

Result<SecretBytes> scrypt(const QByteArray& passphrase, const QByteArray& salt, ScryptCost cost,
                           int length) {
    QByteArray password = passphrase;
    password.detach();
    QByteArray saltCopy = salt;
    uint64_t n = cost.n;
    uint32_t r = cost.r;
    uint32_t p = cost.p;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, password.data(),
                                          static_cast<std::size_t>(password.size())),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, saltCopy.data(),
                                          static_cast<std::size_t>(saltCopy.size())),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
        OSSL_PARAM_construct_end()};
    Result<SecretBytes> key = deriveKdf("SCRYPT", params, length);
    wipe(password);
    return key;
}

// ---- AES-256-GCM ----

Result<QByteArray> aesGcmEncrypt(const SecretBytes& key, const QByteArray& nonce,
                                 const QByteArray& plaintext, const QByteArray& aad) {
    if (Status s = checkGcmArguments(key, nonce); !s)
        return s.error();
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    if (!ctx ||
        EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), bytes(nonce)) != 1)
        return opensslError("encryption failed");
    QByteArray out(plaintext.size() + kTagBytes, '\0');
    if (!setAad(ctx.get(), true, aad) ||
        !update(ctx.get(), true, bytes(plaintext), plaintext.size(), bytes(out)))
        return opensslError("encryption failed");
    int written = 0;
    if (EVP_EncryptFinal_ex(ctx.get(), bytes(out) + plaintext.size(), &written) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                            out.data() + plaintext.size()) != 1)
        return opensslError("encryption failed");
    return out;
}

Result<QByteArray> aesGcmDecrypt(const SecretBytes& key, const QByteArray& nonce,
                                 const QByteArray& input, const QByteArray& aad) {
    if (Status s = checkGcmArguments(key, nonce); !s)
        return s.error();
    if (input.size() < kTagBytes)
        return Error{QStringLiteral("the encrypted data is truncated")};
    QByteArray out(input.size() - kTagBytes, '\0');
    if (!gcmDecrypt(key, nonce, input, aad, bytes(out))) {
        ERR_clear_error();
        wipe(out);
        return Error{QStringLiteral("authentication failed: wrong key, or the data was altered")};
    }
    return out;
}

Result<SecretBytes> aesGcmDecryptSecret(const SecretBytes& key, const QByteArray& nonce,
                                        const QByteArray& input, const QByteArray& aad) {
    if (Status s = checkGcmArguments(key, nonce); !s)
        return s.error();
    if (input.size() < kTagBytes)
        return Error{QStringLiteral("the encrypted data is truncated")};
    SecretBytes out(static_cast<std::size_t>(input.size() - kTagBytes));
    if (!gcmDecrypt(key, nonce, input, aad, out.data())) {
        ERR_clear_error();
        return Error{QStringLiteral("authentication failed: wrong key, or the data was altered")};
    }
    return out;
}

} // namespace tessera::share::crypto
