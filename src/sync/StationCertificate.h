// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"
#include "share/Identity.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace tessera::sync {

/// The certificate a station presents to a mission's MQTT broker (docs/deployment.md): its
/// Ed25519 key, self-signed, its common name the station's fingerprint in hex, its organisation
/// (O) and each of its communities (OU) as on its card, which the broker's ACL turns into the
/// community topic the station may read (communityTopic), valid from the card's creation with no
/// end (RFC 5280's 99991231235959Z: the broker operator removes a station, the certificate does not
/// age out in the field). Everything in it is a function of the identity and Ed25519 signatures are
/// deterministic, so the station makes the same bytes each time it connects as the operator
/// admitted. PEM.
Result<QByteArray> brokerCertificatePem(const share::Identity& me);

/// A certificate as a broker operator admits it: a station's (brokerCertificatePem) or another
/// broker's that bridges to this one (makeBrokerKeys). Checked to be self-signed with an Ed25519
/// key and to carry a fitting name, and the file name OpenSSL looks it up by in a certificate
/// directory (the subject hash, ".0"; Mosquitto's `capath`).
struct AdmittedCertificate {
    QString commonName; ///< a station's fingerprint (64 hex digits), or a broker's name
    bool station = false;
    QString hashName;        ///< e.g. "1a2b3c4d.0"
    QString organisation;    ///< a station's, as its certificate names it
    QStringList communities; ///< a station's, as its certificate names them
};
Result<AdmittedCertificate> readAdmittedCertificate(const QByteArray& pem);
/// The topic segment of the community of stations with this organisation and these communities
/// (in any order): 32 hex digits of a hash, so that the broker's topics and ACL carry no names.
/// Stations alike in both see alike records, so one bundle published there serves all of them
/// (docs/deployment.md).
QString communityTopic(const QString& organisation, const QStringList& communities);

/// A broker's name: a lower-case word of letters, digits and dashes, 2 to 40 characters, that
/// cannot be taken for a fingerprint.
bool isBrokerName(const QString& name);

/// A broker's own TLS key and certificate: Ed25519, self-signed, its common name `name` (what
/// other brokers it bridges to know it by), naming `hosts` (DNS names or IP addresses) as subject
/// alternative names, valid for `days`. PEM; the key unencrypted, as Mosquitto reads it.
struct BrokerKeys {
    QByteArray keyPem;
    QByteArray certificatePem;
};
Result<BrokerKeys> makeBrokerKeys(const QString& name, const QStringList& hosts, int days = 3650);

} // namespace tessera::sync
