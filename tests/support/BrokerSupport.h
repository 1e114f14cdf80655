// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A real Mosquitto broker for the relay's tests and benchmark: set up by `tessera-cli relay
// broker-init` from the sample configuration in packaging/mosquitto, on a free loopback port,
// started as its own process and stopped at the end (docs/deployment.md).

#include "share/Identity.h"
#include "sync/StationCertificate.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <arpa/inet.h>
#include <chrono>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace tessera::test {

/// A loopback port nobody listens on now.
inline quint16 freeLoopbackPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size) != 0)
        throw std::runtime_error("no free port");
    ::close(fd);
    return ntohs(a.sin_port);
}

inline bool portAccepts(quint16 port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

/// Runs tessera-cli; its standard output, or an exception with its error.
inline QString runCli(const QString& cli, const QStringList& args) {
    QProcess p;
    p.start(cli, args);
    if (!p.waitForFinished(60000) || p.exitCode() != 0)
        throw std::runtime_error((QStringLiteral("tessera-cli ") + args.join(QLatin1Char(' ')) +
                                  QStringLiteral(": ") +
                                  QString::fromUtf8(p.readAllStandardError()))
                                     .toStdString());
    return QString::fromUtf8(p.readAllStandardOutput());
}

/// One broker: its folder (configuration, keys, persistence) and its process.
class TestBroker {
public:
    TestBroker(QString cli, const QString& name, QString folder = {})
        : cli_(std::move(cli))
        , name_(name)
        , port_(freeLoopbackPort()) {
        dir_ = folder.isEmpty() ? tmp_.path() + QLatin1Char('/') + name : folder;
        runCli(cli_, {QStringLiteral("relay"), QStringLiteral("broker-init"), dir_,
                      QStringLiteral("--name"), name, QStringLiteral("--host"),
                      QStringLiteral("127.0.0.1"), QStringLiteral("--port"), QString::number(port_),
                      QStringLiteral("--listen"), QStringLiteral("127.0.0.1")});
    }
    ~TestBroker() { stop(); }
    TestBroker(const TestBroker&) = delete;
    TestBroker& operator=(const TestBroker&) = delete;

    /// Admits stations as an operator would: their certificates, through the CLI.
    void admit(const QList<const share::Identity*>& stations) {
        QStringList files;
        for (const share::Identity* id : stations) {
            const QString file =
                QStringLiteral("%1/%2.crt")
                    .arg(tmp_.path(), QString::fromLatin1(id->fingerprint().toHex()));
            QFile f(file);
            if (!f.open(QIODevice::WriteOnly) ||
                f.write(sync::brokerCertificatePem(*id).value()) < 0)
                throw std::runtime_error("cannot write a certificate");
            files.append(file);
        }
        for (qsizetype i = 0; i < files.size(); i += 200)
            runCli(cli_,
                   QStringList{QStringLiteral("relay"), QStringLiteral("broker-admit"), dir_} +
                       files.mid(i, 200));
    }

    /// Bridges this broker to `other`, which admits this one.
    void bridgeTo(TestBroker& other) {
        runCli(cli_, {QStringLiteral("relay"), QStringLiteral("broker-admit"), other.dir_,
                      certificate()});
        runCli(cli_, {QStringLiteral("relay"), QStringLiteral("broker-bridge"), dir_,
                      QStringLiteral("--to"), other.url(), QStringLiteral("--remote-ca"),
                      other.certificate(), QStringLiteral("--remote-name"), other.name_});
    }

    void start() {
        process_.setProcessChannelMode(QProcess::MergedChannels);
        process_.setStandardOutputFile(dir_ + QStringLiteral("/broker.log"), QIODevice::Append);
        process_.start(QStringLiteral("mosquitto"),
                       {QStringLiteral("-c"), dir_ + QStringLiteral("/mosquitto.conf")});
        if (!process_.waitForStarted(10000))
            throw std::runtime_error("mosquitto does not start: is it installed (scripts/setup)?");
        for (int i = 0; i < 200 && !portAccepts(port_); ++i) {
            if (process_.state() != QProcess::Running)
                throw std::runtime_error(
                    (QStringLiteral("mosquitto stopped: ") + log()).toStdString());
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (!portAccepts(port_))
            throw std::runtime_error("mosquitto does not listen");
    }
    /// SIGTERM: Mosquitto writes its persistence file and exits.
    void stop() {
        if (process_.state() == QProcess::NotRunning)
            return;
        process_.terminate();
        if (!process_.waitForFinished(15000)) {
            process_.kill();
            process_.waitForFinished(5000);
        }
    }
    [[nodiscard]] qint64 pid() const { return process_.processId(); }

    [[nodiscard]] QString url() const { return QStringLiteral("mqtts://127.0.0.1:%1").arg(port_); }
    [[nodiscard]] quint16 port() const { return port_; }
    [[nodiscard]] QString certificate() const { return dir_ + QStringLiteral("/broker.crt"); }
    [[nodiscard]] QString folder() const { return dir_; }
    [[nodiscard]] QString persistenceFile() const {
        return dir_ + QStringLiteral("/data/mosquitto.db");
    }
    [[nodiscard]] QString log() const {
        QFile f(dir_ + QStringLiteral("/broker.log"));
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }

private:
    QTemporaryDir tmp_;
    QString cli_;
    QString name_;
    QString dir_;
    quint16 port_ = 0;
    QProcess process_;
};

} // namespace tessera::test
