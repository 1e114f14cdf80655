// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// tessera-cli relay ...: sharing through a mission's MQTT brokers (docs/deployment.md): a
// station's certificate for the broker, setting up and admitting stations to a broker, bridging
// brokers, and the relay itself. Wiring only; the work is in tessera_relay and tessera_sync.

#include "CliShare.h"
#include "relay/Relay.h"
#include "sync/StationCertificate.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include <csignal>
#include <pthread.h>
#include <pwd.h>
#include <thread>
#include <unistd.h>

namespace tessera::cli {

namespace {

/// The sample configuration shipped in packaging/mosquitto, compiled in.
QByteArray resource(const QString& name) {
    QFile f(QStringLiteral(":/tessera/mosquitto/") + name);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

int relayCertificate(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Write this station's certificate for the mission's broker (PEM). Give the file to the "
        "broker's operator, who admits it with `relay broker-admit`; it holds only the public "
        "key and the fingerprint."));
    p.addHelpOption();
    addIdentityOptions(p);
    p.addPositionalArgument(QStringLiteral("out"), QStringLiteral("The file to write."));
    p.process(args);
    if (p.positionalArguments().size() != 1)
        return fail(QStringLiteral("relay certificate needs the file to write"));
    Result<share::Identity> id = loadIdentity(p);
    if (!id)
        return fail(id.error().message);
    Result<QByteArray> pem = sync::brokerCertificatePem(id.value());
    if (!pem)
        return fail(pem.error().message);
    if (Status s = writeFile(p.positionalArguments()[0], pem.value()); !s)
        return fail(s.error().message);
    out() << "wrote the broker certificate of " << id.value().card().profile.stationName
          << "\n  fingerprint: " << id.value().card().fingerprintText() << Qt::endl;
    return 0;
}

int brokerInit(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Set up a mission broker in a folder: its key and certificate, the access rules, an "
        "empty list of admitted stations and the Mosquitto configuration "
        "(packaging/mosquitto). Start it with `mosquitto -c DIR/mosquitto.conf`."));
    p.addHelpOption();
    p.addOption({QStringLiteral("name"),
                 QStringLiteral("The broker's name, e.g. sector-north (how bridged brokers know "
                                "it)."),
                 QStringLiteral("name")});
    p.addOption({QStringLiteral("host"),
                 QStringLiteral("A host name or address stations reach the broker by; repeat "
                                "for more."),
                 QStringLiteral("host")});
    p.addOption(
        {QStringLiteral("port"), QStringLiteral("Port (default 8883)."), QStringLiteral("port")});
    p.addOption({QStringLiteral("listen"),
                 QStringLiteral("Address to listen on (default 0.0.0.0)."),
                 QStringLiteral("address")});
    p.addPositionalArgument(QStringLiteral("dir"), QStringLiteral("The broker's folder."));
    p.process(args);
    if (p.positionalArguments().size() != 1 || !p.isSet(QStringLiteral("name")) ||
        !p.isSet(QStringLiteral("host")))
        return fail(QStringLiteral("relay broker-init needs a folder, --name and --host"));
    bool portOk = true;
    const int port =
        p.isSet(QStringLiteral("port")) ? p.value(QStringLiteral("port")).toInt(&portOk) : 8883;
    if (!portOk || port < 1 || port > 65535)
        return fail(QStringLiteral("--port: a number from 1 to 65535"));
    const QString dir = QFileInfo(p.positionalArguments()[0]).absoluteFilePath();
    if (QFile::exists(dir + QStringLiteral("/mosquitto.conf")))
        return fail(QStringLiteral("%1 already holds a broker").arg(dir));
    Result<sync::BrokerKeys> keys =
        sync::makeBrokerKeys(p.value(QStringLiteral("name")), p.values(QStringLiteral("host")));
    if (!keys)
        return fail(keys.error().message);
    for (const char* sub : {"stations", "data", "bridges"})
        if (!QDir().mkpath(dir + QLatin1Char('/') + QLatin1String(sub)))
            return fail(QStringLiteral("cannot create %1").arg(dir));
    QByteArray conf = resource(QStringLiteral("tessera-broker.conf"));
    conf.replace("@PORT@", QByteArray::number(port));
    conf.replace("@ADDRESS@", p.isSet(QStringLiteral("listen"))
                                  ? p.value(QStringLiteral("listen")).toUtf8()
                                  : QByteArray("0.0.0.0"));
    conf.replace("@DIR@", dir.toUtf8());
    const passwd* user = getpwuid(geteuid());
    conf.replace("@USER@", user ? QByteArray(user->pw_name) : QByteArray("mosquitto"));
    const QString keyPath = dir + QStringLiteral("/broker.key");
    for (const auto& [path, bytes] :
         {std::pair{keyPath, keys.value().keyPem},
          std::pair{dir + QStringLiteral("/broker.crt"), keys.value().certificatePem},
          std::pair{dir + QStringLiteral("/acl"), resource(QStringLiteral("tessera-broker.acl"))},
          std::pair{dir + QStringLiteral("/mosquitto.conf"), conf}})
        if (Status s = writeFile(path, bytes); !s)
            return fail(s.error().message);
    QFile::setPermissions(keyPath, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    out() << "broker " << p.value(QStringLiteral("name")) << " set up in " << dir
          << "\n  stations trust:  " << dir << "/broker.crt (give it to each station: --broker-ca)"
          << "\n  admit a station: tessera-cli relay broker-admit " << dir << " STATION.crt"
          << "\n  start it:        mosquitto -c " << dir << "/mosquitto.conf" << Qt::endl;
    return 0;
}

/// Lets an admitted station read its community's topic: one block per station in the broker's
/// ACL, replaced when the station is admitted again (its communities may have changed).
Status admitToCommunity(const QString& aclPath, const sync::AdmittedCertificate& station) {
    QFile f(aclPath);
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot read %1: %2").arg(aclPath, f.errorString())};
    QString acl = QString::fromUtf8(f.readAll());
    f.close();
    const QString fp = station.commonName; // 64 hex digits: nothing to escape
    acl.remove(QRegularExpression(
        QStringLiteral("\\n# station %1[^\\n]*\\nuser %1\\ntopic read [^\\n]*\\n").arg(fp)));
    if (!acl.endsWith(QLatin1Char('\n')))
        acl.append(QLatin1Char('\n'));
    acl += QStringLiteral("\n# station %1 (its community's topic)\nuser %1\ntopic read "
                          "tessera/+/community/%2/from/+\n")
               .arg(fp, sync::communityTopic(station.organisation, station.communities));
    return writeFile(aclPath, acl.toUtf8());
}

int brokerAdmit(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Admit stations (their `relay certificate` files) or bridging brokers (their broker.crt) "
        "to a broker set up with `relay broker-init`. A station may then read what is addressed "
        "to it and publish in its own name; a bridging broker may pass on all of the mission's "
        "messages. Restart the broker (or send it SIGHUP) for the access rules to count."));
    p.addHelpOption();
    p.addPositionalArgument(QStringLiteral("dir"), QStringLiteral("The broker's folder."));
    p.addPositionalArgument(QStringLiteral("certificates"), QStringLiteral("Files to admit."),
                            QStringLiteral("CERT..."));
    p.process(args);
    const QStringList pos = p.positionalArguments();
    if (pos.size() < 2)
        return fail(QStringLiteral("relay broker-admit needs the broker's folder and a "
                                   "certificate"));
    const QString dir = pos[0];
    if (!QFile::exists(dir + QStringLiteral("/mosquitto.conf")))
        return fail(QStringLiteral("%1 holds no broker (relay broker-init)").arg(dir));
    for (const QString& file : pos.mid(1)) {
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            return fail(QStringLiteral("%1: cannot read (%2)").arg(file, f.errorString()));
        const QByteArray pem = f.read(64 * 1024);
        Result<sync::AdmittedCertificate> cert = sync::readAdmittedCertificate(pem);
        if (!cert)
            return fail(QStringLiteral("%1: %2").arg(file, cert.error().message));
        // The subject hash names the file; another certificate with the same hash takes the
        // next number, as `openssl rehash` does.
        QString target;
        for (int n = 0; n < 100; ++n) {
            const QString candidate = QStringLiteral("%1/stations/%2.%3")
                                          .arg(dir, cert.value().hashName.chopped(2))
                                          .arg(n);
            QFile existing(candidate);
            if (!existing.exists()) {
                target = candidate;
                break;
            }
            if (existing.open(QIODevice::ReadOnly) && existing.readAll() == pem) {
                target = candidate; // admitted before
                break;
            }
        }
        if (target.isEmpty() || !writeFile(target, pem))
            return fail(QStringLiteral("cannot admit %1").arg(file));
        if (!cert.value().station) {
            QFile acl(dir + QStringLiteral("/acl"));
            const QByteArray block = "\n# bridge from broker " + cert.value().commonName.toUtf8() +
                                     "\nuser " + cert.value().commonName.toUtf8() +
                                     "\ntopic readwrite tessera/#\n";
            if (!acl.open(QIODevice::ReadWrite) ||
                (!acl.readAll().contains("user " + cert.value().commonName.toUtf8() + "\n") &&
                 acl.write(block) != block.size()))
                return fail(QStringLiteral("cannot write %1").arg(acl.fileName()));
            out() << "admitted broker " << cert.value().commonName << " (bridge)" << Qt::endl;
        } else {
            if (Status s = admitToCommunity(dir + QStringLiteral("/acl"), cert.value()); !s)
                return fail(s.error().message);
            out() << "admitted station " << cert.value().commonName << " ("
                  << (cert.value().organisation.isEmpty() ? QStringLiteral("no organisation")
                                                          : cert.value().organisation)
                  << "; communities: "
                  << (cert.value().communities.isEmpty()
                          ? QStringLiteral("none")
                          : cert.value().communities.join(QStringLiteral(", ")))
                  << ")" << Qt::endl;
        }
    }
    return 0;
}

int brokerBridge(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Bridge this broker to another of the mission (a sector's to the force HQ's): every "
        "Tessera message crosses both ways, still end-to-end encrypted. The other broker must "
        "admit this one's broker.crt (`relay broker-admit` there). Restart this broker after."));
    p.addHelpOption();
    p.addOption({QStringLiteral("to"), QStringLiteral("The other broker: mqtts://HOST:PORT."),
                 QStringLiteral("url")});
    p.addOption({QStringLiteral("remote-ca"),
                 QStringLiteral("The other broker's certificate (its broker.crt)."),
                 QStringLiteral("file")});
    p.addOption({QStringLiteral("remote-name"),
                 QStringLiteral("A name for the connection, e.g. force-hq."),
                 QStringLiteral("name")});
    p.addPositionalArgument(QStringLiteral("dir"), QStringLiteral("This broker's folder."));
    p.process(args);
    const QStringList pos = p.positionalArguments();
    if (pos.size() != 1 || !p.isSet(QStringLiteral("to")) ||
        !p.isSet(QStringLiteral("remote-ca")) || !p.isSet(QStringLiteral("remote-name")))
        return fail(QStringLiteral("relay broker-bridge needs the folder, --to, --remote-ca and "
                                   "--remote-name"));
    const QString dir = QFileInfo(pos[0]).absoluteFilePath();
    const QString name = p.value(QStringLiteral("remote-name"));
    if (!sync::isBrokerName(name))
        return fail(QStringLiteral("--remote-name: a lower-case word such as force-hq"));
    Result<relay::BrokerEndpoint> to = relay::BrokerEndpoint::parse(p.value(QStringLiteral("to")));
    if (!to)
        return fail(to.error().message);
    QFile ca(p.value(QStringLiteral("remote-ca")));
    if (!ca.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("%1: cannot read").arg(ca.fileName()));
    const QString caCopy = QStringLiteral("%1/bridges/%2.crt").arg(dir, name);
    if (Status s = writeFile(caCopy, ca.read(64 * 1024)); !s)
        return fail(s.error().message);
    // This broker's own name (its certificate's), for a client id no other bridge uses.
    QFile own(dir + QStringLiteral("/broker.crt"));
    Result<sync::AdmittedCertificate> self =
        own.open(QIODevice::ReadOnly)
            ? sync::readAdmittedCertificate(own.readAll())
            : Result<sync::AdmittedCertificate>(Error{QStringLiteral("no broker.crt")});
    if (!self)
        return fail(QStringLiteral("%1 holds no broker: %2").arg(dir, self.error().message));
    // MQTT 5, so that the bridge subscribes with no-local (nothing comes back the way it went);
    // no notifications: the other broker's ACL lets a bridge write only the mission's topics,
    // and a refused notification ends the bridge's connection.
    const QString conf = QStringLiteral("# Bridge to broker %1 (tessera-cli relay broker-bridge)\n"
                                        "connection %1\n"
                                        "address %2:%3\n"
                                        "bridge_protocol_version mqttv50\n"
                                        "notifications false\n"
                                        "remote_clientid bridge-%6\n"
                                        "local_clientid bridge-%6-to-%1\n"
                                        "bridge_cafile %4\n"
                                        "bridge_certfile %5/broker.crt\n"
                                        "bridge_keyfile %5/broker.key\n"
                                        "bridge_tls_version tlsv1.3\n"
                                        "cleansession false\n"
                                        "restart_timeout 2 30\n"
                                        "topic tessera/# both 1\n")
                             .arg(name, to.value().host)
                             .arg(to.value().port)
                             .arg(caCopy, dir, self.value().commonName);
    if (Status s = writeFile(QStringLiteral("%1/bridges/%2.conf").arg(dir, name), conf.toUtf8());
        !s)
        return fail(s.error().message);
    out() << "bridged to " << name << " at " << to.value().host << ":" << to.value().port
          << " (restart the broker)" << Qt::endl;
    return 0;
}

int relayRun(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Share the mission through the mission's broker until stopped (Ctrl+C): send each peer "
        "in the contact book what it lacks and may have, as it changes, and apply what arrives. "
        "Bundles are signed and encrypted to each peer, exactly as files and TLS sync; the "
        "broker sees none of their content. Reconnects by itself."));
    p.addHelpOption();
    addIdentityOptions(p);
    p.addOption({QStringLiteral("broker"), QStringLiteral("The broker: mqtts://HOST:PORT."),
                 QStringLiteral("url")});
    p.addOption({QStringLiteral("broker-ca"),
                 QStringLiteral("The broker's certificate (or its CA), the only one trusted."),
                 QStringLiteral("file")});
    p.addOption({QStringLiteral("forward"),
                 QStringLiteral("Also pass on other stations' records a peer lacks (a station "
                                "that links the broker to peers reached by files or TLS sync).")});
    p.addOption({QStringLiteral("poll"),
                 QStringLiteral("Seconds between looks at the mission for changes (default 1)."),
                 QStringLiteral("seconds")});
    p.addOption({QStringLiteral("state"),
                 QStringLiteral("The relay's folder (default MISSION.relay)."),
                 QStringLiteral("dir")});
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("The mission file."));
    p.process(args);
    if (p.positionalArguments().size() != 1 || !p.isSet(QStringLiteral("broker")) ||
        !p.isSet(QStringLiteral("broker-ca")))
        return fail(QStringLiteral("relay run needs a mission, --broker and --broker-ca"));
    Result<relay::BrokerEndpoint> endpoint =
        relay::BrokerEndpoint::parse(p.value(QStringLiteral("broker")));
    if (!endpoint)
        return fail(endpoint.error().message);
    relay::RelaySettings settings;
    settings.broker.endpoint = endpoint.value();
    settings.broker.caFile = p.value(QStringLiteral("broker-ca"));
    settings.missionPath = p.positionalArguments()[0];
    settings.stateFolder = p.value(QStringLiteral("state"));
    settings.forward = p.isSet(QStringLiteral("forward"));
    if (p.isSet(QStringLiteral("poll"))) {
        bool ok = false;
        const double seconds = p.value(QStringLiteral("poll")).toDouble(&ok);
        if (!ok || seconds < 0.05 || seconds > 3600)
            return fail(QStringLiteral("--poll: seconds, from 0.05 to 3600"));
        settings.pollMs = static_cast<int>(seconds * 1000);
    }
    if (!QFile::exists(settings.broker.caFile))
        return fail(QStringLiteral("--broker-ca: %1 does not exist").arg(settings.broker.caFile));
    Result<share::Identity> id = loadIdentity(p);
    if (!id)
        return fail(id.error().message);
    if (Result<share::ContactBook> book = loadBook(p); !book)
        return fail(book.error().message);
    // Ctrl+C and SIGTERM stop the relay cleanly: a thread waits for them, the others never see
    // them (blocked before any thread starts).
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    relay::Relay relay(id.value(), sync::trustFromFile(contactsPath(p), id.value().card()),
                       settings);
    std::thread([&relay, stopSignals] {
        int signal = 0;
        sigwait(&stopSignals, &signal);
        relay.stop();
    }).detach();
    out() << "relaying " << settings.missionPath << " as " << id.value().card().profile.stationName
          << " through " << endpoint.value().host << ":" << endpoint.value().port << Qt::endl;
    const Status ran = relay.run([](const QString& line) { out() << line << Qt::endl; });
    if (!ran)
        return fail(ran.error().message);
    const relay::RelayStatus s = relay.status();
    out() << "stopped: " << s.bundlesSent << " bundles sent (" << s.recordsSent << " records), "
          << s.bundlesApplied << " applied (" << s.recordsApplied << " records), " << s.duplicates
          << " delivered twice, " << s.refused << " refused" << Qt::endl;
    return 0;
}

} // namespace

int runRelayCommand(const QString& sub, const QStringList& rest) {
    if (sub == QLatin1String("run"))
        return relayRun(rest);
    if (sub == QLatin1String("certificate"))
        return relayCertificate(rest);
    if (sub == QLatin1String("broker-init"))
        return brokerInit(rest);
    if (sub == QLatin1String("broker-admit"))
        return brokerAdmit(rest);
    if (sub == QLatin1String("broker-bridge"))
        return brokerBridge(rest);
    return -1;
}

} // namespace tessera::cli
