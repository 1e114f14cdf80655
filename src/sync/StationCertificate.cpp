// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/StationCertificate.h"

#include "sync/OpenSslHandles.h"

#include <QCborArray>
#include <QCryptographicHash>
#include <QRegularExpression>

#include <arpa/inet.h>
#include <memory>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace tessera::sync {

namespace {

using openssl::Bio;
using openssl::Cert;
using openssl::Pkey;
using Ext = std::unique_ptr<X509_EXTENSION, openssl::Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

QString reason() {
    const QString reason = openssl::lastError();
    return reason.isEmpty() ? QStringLiteral("unknown OpenSSL error") : reason;
}

Result<QByteArray> toPem(X509* cert) {
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
        return Error{QStringLiteral("cannot write the certificate: %1").arg(reason())};
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, static_cast<qsizetype>(size));
}

/// Subject and issuer "CN=<cn>", the public key, and the serial; signed with `key`.
bool fillSelfSigned(X509* cert, EVP_PKEY* key, const QByteArray& cn, const QByteArray& serial) {
    BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.constData()),
                           static_cast<int>(serial.size()), nullptr);
    ASN1_INTEGER* asn = bn ? BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) : nullptr;
    BN_free(bn);
    X509_NAME* name = X509_get_subject_name(cert);
    return asn && X509_set_version(cert, 2) == 1 && X509_set_pubkey(cert, key) == 1 &&
           X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                      reinterpret_cast<const unsigned char*>(cn.constData()),
                                      static_cast<int>(cn.size()), -1, 0) == 1 &&
           X509_set_issuer_name(cert, name) == 1;
}

bool addName(X509_NAME* name, const char* field, const QString& value) {
    const QByteArray utf8 = value.toUtf8();
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(utf8.constData()),
                                      static_cast<int>(utf8.size()), -1, 0) == 1;
}

QStringList namesOf(X509_NAME* name, int nid) {
    QStringList out;
    for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(name, nid, i)) {
        unsigned char* utf8 = nullptr;
        const int length =
            ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
        if (length >= 0)
            out.append(QString::fromUtf8(reinterpret_cast<const char*>(utf8), length));
        OPENSSL_free(utf8);
    }
    return out;
}

} // namespace

QString communityTopic(const QString& organisation, const QStringList& communities) {
    QStringList sorted = communities;
    sorted.sort();
    sorted.removeDuplicates();
    QCborArray names{organisation};
    for (const QString& c : std::as_const(sorted))
        names.append(c);
    return QString::fromLatin1(
        QCryptographicHash::hash(names.toCborValue().toCbor(), QCryptographicHash::Sha256)
            .toHex()
            .left(32));
}

Result<QByteArray> brokerCertificatePem(const share::Identity& me) {
    const share::crypto::SecretBytes& secret = me.signingSecretForTls();
    Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, secret.data(), secret.size()));
    Cert cert(X509_new());
    if (!key || !cert)
        return Error{QStringLiteral("cannot make the broker certificate: %1").arg(reason())};
    // A positive serial from the fingerprint: unique per station, the same every time.
    QByteArray serial = me.fingerprint().left(16);
    serial[0] = static_cast<char>(serial[0] & 0x7f);
    const time_t from = me.card().created.toSecsSinceEpoch();
    // Organisation and communities first: the common name stays the last (most specific) entry.
    const share::StationProfile& profile = me.card().profile;
    X509_NAME* subject = X509_get_subject_name(cert.get());
    bool named = profile.organisation.isEmpty() || addName(subject, "O", profile.organisation);
    for (const QString& community : profile.communities)
        named = named && (community.isEmpty() || addName(subject, "OU", community));
    const bool ok = named &&
                    fillSelfSigned(cert.get(), key.get(), me.fingerprint().toHex(), serial) &&
                    ASN1_TIME_set(X509_getm_notBefore(cert.get()), from) &&
                    ASN1_TIME_set_string(X509_getm_notAfter(cert.get()), "99991231235959Z") == 1 &&
                    X509_sign(cert.get(), key.get(), nullptr) > 0; // Ed25519: no digest
    if (!ok)
        return Error{QStringLiteral("cannot make the broker certificate: %1").arg(reason())};
    return toPem(cert.get());
}

Result<AdmittedCertificate> readAdmittedCertificate(const QByteArray& pem) {
    Bio bio(BIO_new_mem_buf(pem.constData(), static_cast<int>(pem.size())));
    Cert cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!cert) {
        ERR_clear_error();
        return Error{QStringLiteral("not a PEM certificate")};
    }
    EVP_PKEY* key = X509_get0_pubkey(cert.get());
    if (!key || EVP_PKEY_id(key) != EVP_PKEY_ED25519)
        return Error{QStringLiteral("not a station certificate: its key is not Ed25519 (a "
                                    "station's broker certificate comes from `tessera-cli relay "
                                    "certificate`)")};
    if (X509_verify(cert.get(), key) != 1) {
        ERR_clear_error();
        return Error{QStringLiteral("not a station certificate: it is not signed by its own key")};
    }
    char cn[128] = {};
    const int length =
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof cn);
    const QString name = QString::fromLatin1(cn, std::max(length, 0));
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{64}$"));
    AdmittedCertificate out;
    out.station = hex.match(name).hasMatch();
    if (!out.station && !isBrokerName(name))
        return Error{QStringLiteral("neither a station's nor a broker's certificate: its name "
                                    "\"%1\" is not a fingerprint or a broker name")
                         .arg(name.left(80))};
    out.commonName = name;
    const QStringList organisations =
        namesOf(X509_get_subject_name(cert.get()), NID_organizationName);
    out.organisation = organisations.value(0);
    out.communities = namesOf(X509_get_subject_name(cert.get()), NID_organizationalUnitName);
    out.hashName =
        QStringLiteral("%1.0").arg(X509_subject_name_hash(cert.get()), 8, 16, QLatin1Char('0'));
    return out;
}

bool isBrokerName(const QString& name) {
    static const QRegularExpression word(QStringLiteral("^[a-z][a-z0-9-]{1,39}$"));
    return word.match(name).hasMatch();
}

Result<BrokerKeys> makeBrokerKeys(const QString& name, const QStringList& hosts, int days) {
    if (!isBrokerName(name))
        return Error{QStringLiteral("a broker's name is a lower-case word of letters, digits and "
                                    "dashes (2 to 40), such as sector-north: not \"%1\"")
                         .arg(name)};
    if (hosts.isEmpty())
        return Error{QStringLiteral("name at least one host the broker is reached by")};
    Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    Cert cert(X509_new());
    if (!key || !cert)
        return Error{QStringLiteral("cannot make the broker's key: %1").arg(reason())};
    QStringList names;
    for (const QString& host : hosts)
        names.append(openssl::isIpAddress(host) ? QStringLiteral("IP:") + host
                                                : QStringLiteral("DNS:") + host);
    QByteArray serial(16, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(serial.data()), 16) != 1)
        return Error{QStringLiteral("cannot make the broker's key: %1").arg(reason())};
    serial[0] = static_cast<char>(serial[0] & 0x7f);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    Ext san(X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name,
                                names.join(QLatin1Char(',')).toLatin1().constData()));
    const bool ok = san && fillSelfSigned(cert.get(), key.get(), name.toUtf8(), serial) &&
                    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) &&
                    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24L * 3600 * days) &&
                    X509_add_ext(cert.get(), san.get(), -1) == 1 &&
                    X509_sign(cert.get(), key.get(), nullptr) > 0;
    if (!ok)
        return Error{QStringLiteral("cannot make the broker's certificate: %1").arg(reason())};
    Result<QByteArray> certPem = toPem(cert.get());
    if (!certPem)
        return certPem.error();
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return Error{QStringLiteral("cannot write the broker's key: %1").arg(reason())};
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return BrokerKeys{QByteArray(data, static_cast<qsizetype>(size)), certPem.value()};
}

} // namespace tessera::sync
