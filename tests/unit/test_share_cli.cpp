// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Sharing from the command line, as two operators would use it: identities, cards exchanged and
// checked by fingerprint, a bundle exported for a peer and imported, replay and revocation;
// `sync serve` against a revocation written while it waits and a client that trickles.
#include "TestSupport.h"
#include "share/Identity.h"
#include "store/MissionStore.h"

#include <QCborArray>
#include <QCborMap>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace tessera;
using Catch::Matchers::Contains;

namespace {

struct Run {
    int code = -1;
    QString out;
    QString err;
};

/// One tessera-cli run as `station` (its own identity and contacts), bounded in time.
Run cli(const QTemporaryDir& dir, const char* station, const QStringList& args,
        const QByteArray& passphrase = "correct horse battery staple") {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("TESSERA_IDENTITY"),
               dir.filePath(QString::fromLatin1(station) + QStringLiteral("/station.identity")));
    env.insert(QStringLiteral("TESSERA_PASSPHRASE"), QString::fromLatin1(passphrase));
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(TESSERA_CLI), args);
    const bool finished = p.waitForFinished(120000);
    if (!finished)
        p.kill();
    REQUIRE(finished);
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

/// Starts `tessera-cli sync serve MISSION args...` as Bravo and returns its first line, once
/// it is listening.
QString startServe(QProcess& serve, const QTemporaryDir& dir, const QString& mission,
                   const QStringList& args) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("TESSERA_IDENTITY"),
               dir.filePath(QStringLiteral("bravo/station.identity")));
    env.insert(QStringLiteral("TESSERA_PASSPHRASE"),
               QStringLiteral("correct horse battery staple"));
    serve.setProcessEnvironment(env);
    serve.start(QStringLiteral(TESSERA_CLI),
                QStringList{QStringLiteral("sync"), QStringLiteral("serve"), mission} + args);
    QString banner;
    while (!banner.contains(QLatin1Char('\n')) && serve.waitForReadyRead(60000))
        banner += QString::fromUtf8(serve.readAllStandardOutput());
    return banner;
}

QString portIn(const QString& banner) {
    const QRegularExpressionMatch port =
        QRegularExpression(QStringLiteral("port (\\d+) as Bravo")).match(banner);
    REQUIRE(port.hasMatch());
    return port.captured(1);
}

/// A TCP client that starts a TLS handshake and never finishes it: a record header announcing
/// 16 KiB, then one byte every 100 ms, on its own thread until destroyed.
class Trickler {
public:
    explicit Trickler(quint16 port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        to.sin_port = htons(port);
        REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
        thread_ = std::thread([this] {
            const char header[5] = {0x16, 0x03, 0x01, 0x40, 0x00};
            if (::send(fd_, header, sizeof header, MSG_NOSIGNAL) != 5)
                return;
            const char byte = 0x01;
            while (!stop_ && ::send(fd_, &byte, 1, MSG_NOSIGNAL) == 1)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        });
    }
    ~Trickler() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }

private:
    int fd_ = -1;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

QString fingerprintIn(const QString& text) {
    const QRegularExpressionMatch m =
        QRegularExpression(QStringLiteral("fingerprint:\\s+([0-9A-F ]{79})")).match(text);
    REQUIRE(m.hasMatch());
    return m.captured(1);
}

QStringList args(std::initializer_list<const char*> list) {
    QStringList out;
    for (const char* a : list)
        out.append(QString::fromUtf8(a));
    return out;
}

/// `station`'s card with the same keys and another clearance, communities and caveats, signed
/// with its key (unlocked from its identity file): what the key's holder can send.
QByteArray reissuedCard(const QTemporaryDir& dir, const char* station, const char* clearance,
                        const QStringList& communities, const QStringList& caveats) {
    Result<share::Identity> id = share::Identity::load(
        dir.filePath(QString::fromLatin1(station) + QStringLiteral("/station.identity")),
        "correct horse battery staple");
    REQUIRE(id.ok());
    const share::ContactCard& card = id.value().card();
    QCborArray c;
    for (const QString& s : communities)
        c.append(s);
    QCborArray v;
    for (const QString& s : caveats)
        v.append(s);
    QCborMap m;
    m.insert(QStringLiteral("station"), card.profile.stationName);
    m.insert(QStringLiteral("organisation"), card.profile.organisation);
    m.insert(QStringLiteral("communities"), c);
    m.insert(QStringLiteral("clearance"), QString::fromLatin1(clearance));
    m.insert(QStringLiteral("caveats"), v);
    m.insert(QStringLiteral("signing_key"), card.signingKey);
    m.insert(QStringLiteral("agreement_key"), card.agreementKey);
    m.insert(QStringLiteral("created"), card.created.toMSecsSinceEpoch());
    const QByteArray body = m.toCborValue().toCbor();
    Result<QByteArray> signature = id.value().sign(body);
    REQUIRE(signature.ok());
    return QCborArray{QStringLiteral("tessera-card/1"), body, signature.value()}
        .toCborValue()
        .toCbor();
}

} // namespace

TEST_CASE("tessera-cli: a wider card re-sent, a local cap, the signed contact book",
          "[share][cli]") {
    QTemporaryDir dir;
    const QString a = dir.filePath(QStringLiteral("alpha.tessera"));
    // Alpha: CONFIDENTIAL, community UN. Bravo: SECRET, community UN.
    Run r = cli(dir, "alpha",
                args({"identity", "create", "--name", "Alpha", "--org", "NLD", "--community", "UN",
                      "--clearance", "CONFIDENTIAL"}));
    REQUIRE(r.code == 0);
    const QString alphaPrint = fingerprintIn(r.out);
    r = cli(dir, "bravo",
            args({"identity", "create", "--name", "Bravo", "--org", "FRA", "--community", "UN",
                  "--clearance", "SECRET"}));
    REQUIRE(r.code == 0);
    const QString bravoPrint = fingerprintIn(r.out);
    const QString alphaCard = dir.filePath(QStringLiteral("alpha.card"));
    const QString bravoCard = dir.filePath(QStringLiteral("bravo.card"));
    REQUIRE(
        cli(dir, "alpha", {QStringLiteral("identity"), QStringLiteral("export-card"), alphaCard})
            .code == 0);
    REQUIRE(
        cli(dir, "bravo", {QStringLiteral("identity"), QStringLiteral("export-card"), bravoCard})
            .code == 0);
    REQUIRE(cli(dir, "bravo",
                {QStringLiteral("contact"), QStringLiteral("import"), alphaCard,
                 QStringLiteral("--fingerprint"), alphaPrint})
                .code == 0);
    REQUIRE(cli(dir, "alpha",
                {QStringLiteral("contact"), QStringLiteral("import"), bravoCard,
                 QStringLiteral("--fingerprint"), bravoPrint})
                .code == 0);

    SECTION("a card with the same keys and a wider profile: the differences, then acceptance") {
        const QString wider = dir.filePath(QStringLiteral("alpha-wider.card"));
        test::writeAll(wider, reissuedCard(dir, "alpha", "SECRET",
                                           {QStringLiteral("UN"), QStringLiteral("NATO")},
                                           {QStringLiteral("EXERCISE")}));
        r = cli(dir, "bravo",
                {QStringLiteral("contact"), QStringLiteral("import"), wider,
                 QStringLiteral("--fingerprint"), alphaPrint});
        CHECK(r.code == 1);
        CHECK_THAT(r.err.toStdString(), Contains("communities added: NATO"));
        CHECK_THAT(r.err.toStdString(), Contains("clearance: CONFIDENTIAL -> SECRET"));
        CHECK_THAT(r.err.toStdString(), Contains("caveats added: EXERCISE"));
        CHECK_THAT(r.err.toStdString(), Contains("--accept-change"));
        r = cli(dir, "bravo", args({"contact", "list"}));
        REQUIRE(r.code == 0);
        CHECK_THAT(r.out.toStdString(), Contains("clearance:    CONFIDENTIAL"));
        CHECK_THAT(r.out.toStdString(), !Contains("NATO"));

        r = cli(dir, "bravo",
                {QStringLiteral("contact"), QStringLiteral("import"), wider,
                 QStringLiteral("--fingerprint"), alphaPrint, QStringLiteral("--accept-change")});
        INFO(r.err.toStdString());
        REQUIRE(r.code == 0);
        CHECK_THAT(r.out.toStdString(), Contains("what changed"));
        CHECK_THAT(r.out.toStdString(), Contains("clearance: CONFIDENTIAL -> SECRET"));
        r = cli(dir, "bravo", args({"contact", "list"}));
        CHECK_THAT(r.out.toStdString(), Contains("clearance:    SECRET"));
        CHECK_THAT(r.out.toStdString(), Contains("NATO"));
    }
    SECTION("a capped peer gets no SECRET record, though its card claims SECRET") {
        {
            store::MissionInfo info;
            info.name = QStringLiteral("Alpha");
            info.marking = {QStringLiteral("UNCLASSIFIED"), QString()};
            Result<store::MissionStore> m = store::MissionStore::create(a, info);
            REQUIRE(m.ok());
            store::Incident i;
            i.title = QStringLiteral("Secret one");
            i.category = QStringLiteral("other");
            i.observedAt = QDateTime::currentDateTimeUtc();
            i.location = {1.0, 15.0};
            i.marking = {QStringLiteral("SECRET"), QStringLiteral("REL TO UN")};
            REQUIRE(m.value().addIncident(i).ok());
        }
        const QString bundle = dir.filePath(QStringLiteral("to-bravo.tsb"));
        const QStringList exportArgs = {
            QStringLiteral("bundle"), QStringLiteral("export"), a,     QStringLiteral("--all"),
            QStringLiteral("--to"),   QStringLiteral("Bravo"),  bundle};
        r = cli(dir, "alpha", exportArgs);
        REQUIRE(r.code == 0);
        CHECK_THAT(r.out.toStdString(), Contains("1 records, 0 withheld"));

        r = cli(dir, "alpha", args({"contact", "cap", "Bravo", "--clearance", "CONFIDENTIAL"}));
        INFO(r.err.toStdString());
        REQUIRE(r.code == 0);
        r = cli(dir, "alpha", args({"contact", "list"}));
        REQUIRE(r.code == 0);
        CHECK_THAT(r.out.toStdString(), Contains("clearance:    SECRET")); // the claim
        CHECK_THAT(r.out.toStdString(), Contains("local cap:    clearance at most CONFIDENTIAL"));
        r = cli(dir, "alpha", exportArgs);
        REQUIRE(r.code == 0);
        CHECK_THAT(r.out.toStdString(), Contains("0 records, 1 withheld"));
        // The export for a recipient (mission export --for) asks the same book.
        const QString geojson = dir.filePath(QStringLiteral("for-bravo.geojson"));
        r = cli(dir, "alpha",
                {QStringLiteral("mission"), QStringLiteral("export"), a, geojson,
                 QStringLiteral("--for"), QStringLiteral("Bravo")});
        REQUIRE(r.code == 0);
        CHECK_THAT(r.out.toStdString(), Contains("1 withheld"));

        r = cli(dir, "alpha", args({"contact", "cap", "Bravo", "--clear"}));
        REQUIRE(r.code == 0);
        r = cli(dir, "alpha", exportArgs);
        CHECK_THAT(r.out.toStdString(), Contains("1 records, 0 withheld"));
        CHECK(cli(dir, "alpha", args({"contact", "cap", "Bravo"})).code == 1);
    }
    SECTION("the contact book: owner-only, and refused once altered") {
        const QString book = dir.filePath(QStringLiteral("bravo/contacts.cbor"));
        struct stat st {};
        REQUIRE(::stat(QFile::encodeName(book).constData(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        QByteArray bytes = test::readAll(book);
        bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
        test::writeAll(book, bytes);
        r = cli(dir, "bravo", args({"contact", "list"}));
        CHECK(r.code == 1);
        CHECK_THAT(r.err.toStdString(), Contains("the contact book was altered"));
    }
    SECTION("an unsigned book of an earlier Tessera: refused until the operator signs it") {
        const QString book = dir.filePath(QStringLiteral("bravo/contacts.cbor"));
        QCborMap old;
        old.insert(QStringLiteral("format"), QStringLiteral("tessera-contacts/1"));
        old.insert(QStringLiteral("cards"), QCborArray{test::readAll(alphaCard)});
        old.insert(QStringLiteral("revoked"), QCborArray());
        test::writeAll(book, old.toCborValue().toCbor());
        r = cli(dir, "bravo", args({"contact", "list"}));
        CHECK(r.code == 1);
        CHECK_THAT(r.err.toStdString(), Contains("not signed"));
        CHECK_THAT(r.err.toStdString(), Contains("contact sign-book"));
        r = cli(dir, "bravo", args({"contact", "sign-book"}));
        INFO(r.err.toStdString());
        REQUIRE(r.code == 0);
        CHECK_THAT(r.out.toStdString(), Contains("Alpha")); // shown before it is signed
        CHECK_THAT(r.out.toStdString(), Contains("signed by Bravo"));
        r = cli(dir, "bravo", args({"contact", "list"}));
        CHECK(r.code == 0);
        CHECK_THAT(r.out.toStdString(), Contains("Alpha"));
        r = cli(dir, "bravo", args({"contact", "sign-book"}));
        CHECK(r.code == 0);
        CHECK_THAT(r.out.toStdString(), Contains("already signed"));
    }
    SECTION("a weak passphrase; a passphrase file others can read") {
        r = cli(dir, "charlie", args({"identity", "create", "--name", "Charlie", "--org", "DEU"}),
                "a");
        CHECK(r.code == 1);
        CHECK_THAT(r.err.toStdString(), Contains("too short"));
        CHECK_FALSE(QFile::exists(dir.filePath(QStringLiteral("charlie/station.identity"))));

        const QString pass = dir.filePath(QStringLiteral("pass.txt"));
        test::writeAll(pass, "correct horse battery staple\n");
        QFile::setPermissions(pass, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                        QFileDevice::ReadGroup | QFileDevice::ReadOther);
        const QString statement = dir.filePath(QStringLiteral("alpha.revoked"));
        r = cli(dir, "alpha",
                {QStringLiteral("identity"), QStringLiteral("revoke"),
                 QStringLiteral("--passphrase-file"), pass, statement});
        CHECK(r.code == 0);
        CHECK_THAT(r.err.toStdString(), Contains("readable by other users"));
        QFile::setPermissions(pass, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        r = cli(dir, "alpha",
                {QStringLiteral("identity"), QStringLiteral("revoke"),
                 QStringLiteral("--passphrase-file"), pass, statement});
        CHECK(r.code == 0);
        CHECK(r.err.isEmpty());
    }
}

TEST_CASE("tessera-cli: identities, contacts and a bundle between two stations", "[share][cli]") {
    QTemporaryDir dir;
    const QString a = dir.filePath(QStringLiteral("alpha.tessera"));
    const QString b = dir.filePath(QStringLiteral("bravo.tessera"));

    // Two stations, each with its identity.
    Run r = cli(dir, "alpha",
                {QStringLiteral("identity"), QStringLiteral("create"), QStringLiteral("--name"),
                 QStringLiteral("Alpha"), QStringLiteral("--org"), QStringLiteral("NLD"),
                 QStringLiteral("--community"), QStringLiteral("UN"), QStringLiteral("--clearance"),
                 QStringLiteral("SECRET")});
    REQUIRE(r.code == 0);
    const QString alphaPrint = fingerprintIn(r.out);
    r = cli(dir, "bravo",
            {QStringLiteral("identity"), QStringLiteral("create"), QStringLiteral("--name"),
             QStringLiteral("Bravo"), QStringLiteral("--org"), QStringLiteral("FRA"),
             QStringLiteral("--community"), QStringLiteral("UN")});
    REQUIRE(r.code == 0);
    const QString bravoPrint = fingerprintIn(r.out);
    // Never overwritten.
    r = cli(dir, "bravo",
            {QStringLiteral("identity"), QStringLiteral("create"), QStringLiteral("--name"),
             QStringLiteral("Bravo"), QStringLiteral("--org"), QStringLiteral("FRA")});
    CHECK(r.code == 1);
    CHECK_THAT(r.err.toStdString(), Contains("will not overwrite"));

    // Cards exchanged: Alpha's as a file, Bravo's as text.
    const QString alphaCard = dir.filePath(QStringLiteral("alpha.card"));
    REQUIRE(
        cli(dir, "alpha", {QStringLiteral("identity"), QStringLiteral("export-card"), alphaCard})
            .code == 0);
    r = cli(dir, "bravo",
            {QStringLiteral("identity"), QStringLiteral("export-card"), QStringLiteral("--text")});
    REQUIRE(r.code == 0);
    const QString bravoText = r.out.trimmed();
    CHECK(bravoText.startsWith(QLatin1String("tessera-card:")));

    // A wrong fingerprint is refused; the right one is accepted.
    r = cli(dir, "bravo",
            {QStringLiteral("contact"), QStringLiteral("import"), alphaCard,
             QStringLiteral("--fingerprint"), bravoPrint});
    CHECK(r.code == 1);
    CHECK_THAT(r.err.toStdString(), Contains("does not match"));
    REQUIRE(cli(dir, "bravo",
                {QStringLiteral("contact"), QStringLiteral("import"), alphaCard,
                 QStringLiteral("--fingerprint"), alphaPrint})
                .code == 0);
    REQUIRE(cli(dir, "alpha",
                {QStringLiteral("contact"), QStringLiteral("import"), bravoText,
                 QStringLiteral("--fingerprint"), bravoPrint.left(39)})
                .code == 0);
    r = cli(dir, "alpha", {QStringLiteral("contact"), QStringLiteral("list")});
    REQUIRE(r.code == 0);
    CHECK_THAT(r.out.toStdString(), Contains("Bravo"));

    // Alpha's mission: one record Bravo may have, one it may not.
    {
        store::MissionInfo info;
        info.id = test::kSharedMissionId;
        info.name = QStringLiteral("Alpha");
        info.marking = {QStringLiteral("UNCLASSIFIED"), QString()};
        Result<store::MissionStore> m = store::MissionStore::create(a, info);
        REQUIRE(m.ok());
        for (const auto& [title, classification] :
             {std::pair{"Releasable", "UNCLASSIFIED"}, std::pair{"Withheld", "SECRET"}}) {
            store::Incident i;
            i.title = QString::fromLatin1(title);
            i.category = QStringLiteral("other");
            i.observedAt = QDateTime::currentDateTimeUtc();
            i.location = {1.0, 15.0};
            i.marking = {QString::fromLatin1(classification), QStringLiteral("REL TO UN")};
            REQUIRE(m.value().addIncident(i).ok());
        }
        info.name = QStringLiteral("Bravo");
        REQUIRE(store::MissionStore::create(b, info).ok());
    }

    const QString bundle = dir.filePath(QStringLiteral("to-bravo.tsb"));
    r = cli(dir, "alpha",
            {QStringLiteral("bundle"), QStringLiteral("export"), a, QStringLiteral("--to"),
             QStringLiteral("Bravo"), bundle});
    REQUIRE(r.code == 0);
    CHECK_THAT(r.out.toStdString(), Contains("1 records, 1 withheld"));

    SECTION("imported once; the second time refused as replayed") {
        r = cli(dir, "bravo", {QStringLiteral("bundle"), QStringLiteral("import"), b, bundle});
        REQUIRE(r.code == 0);
        CHECK_THAT(r.out.toStdString(),
                   Contains("from Alpha: 1 applied, 0 unchanged, 0 skipped, 0 conflicts"));
        r = cli(dir, "bravo", {QStringLiteral("bundle"), QStringLiteral("import"), b, bundle});
        CHECK(r.code == 1);
        CHECK_THAT(r.err.toStdString(), Contains("replayed"));
        r = cli(dir, "bravo", {QStringLiteral("bundle"), QStringLiteral("log"), b});
        REQUIRE(r.code == 0);
        CHECK_THAT(r.out.toStdString(), Contains("received"));
        // The audit: which record, which version, under which marking, from whom.
        r = cli(dir, "bravo",
                {QStringLiteral("bundle"), QStringLiteral("log"), b, QStringLiteral("--records"),
                 QStringLiteral("--csv")});
        REQUIRE(r.code == 0);
        CHECK(r.out.count(QLatin1Char('\n')) == 2); // the header and the one record
        CHECK_THAT(r.out.toStdString(), Contains("incident"));
        CHECK_THAT(r.out.toStdString(), Contains("\"UNCLASSIFIED\",\"REL TO UN\""));
        r = cli(dir, "alpha",
                {QStringLiteral("bundle"), QStringLiteral("log"), a, QStringLiteral("--records")});
        REQUIRE(r.code == 0);
        CHECK_THAT(r.out.toStdString(), Contains("sent"));
        CHECK_THAT(r.out.toStdString(), !Contains("SECRET")); // withheld, so never logged as sent
        r = cli(dir, "bravo", {QStringLiteral("bundle"), QStringLiteral("conflicts"), b});
        CHECK(r.code == 0);
        CHECK(r.out.isEmpty());
        r = cli(dir, "bravo",
                {QStringLiteral("bundle"), QStringLiteral("resolve"), b, QStringLiteral("7"),
                 QStringLiteral("--keep"), QStringLiteral("ours")});
        CHECK(r.code == 1);
        CHECK_THAT(r.err.toStdString(), Contains("no unresolved conflict 7"));
    }
    SECTION("synchronised over TLS 1.3 instead of a file") {
        // Bravo serves one session on a free port; Alpha dials it.
        QProcess serve;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("TESSERA_IDENTITY"),
                   dir.filePath(QStringLiteral("bravo/station.identity")));
        env.insert(QStringLiteral("TESSERA_PASSPHRASE"),
                   QStringLiteral("correct horse battery staple"));
        serve.setProcessEnvironment(env);
        serve.start(QStringLiteral(TESSERA_CLI),
                    {QStringLiteral("sync"), QStringLiteral("serve"), b, QStringLiteral("--listen"),
                     QStringLiteral("127.0.0.1"), QStringLiteral("--port"), QStringLiteral("0"),
                     QStringLiteral("--once")});
        QString banner;
        while (!banner.contains(QLatin1Char('\n')) && serve.waitForReadyRead(60000))
            banner += QString::fromUtf8(serve.readAllStandardOutput());
        const QRegularExpressionMatch port =
            QRegularExpression(QStringLiteral("port (\\d+) as Bravo")).match(banner);
        REQUIRE(port.hasMatch());
        r = cli(dir, "alpha",
                {QStringLiteral("sync"), QStringLiteral("now"), a, QStringLiteral("--to"),
                 QStringLiteral("Bravo"), QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                 QStringLiteral("--port"), port.captured(1)});
        REQUIRE(serve.waitForFinished(60000));
        INFO(r.err.toStdString());
        REQUIRE(r.code == 0);
        CHECK_THAT(r.out.toStdString(), Contains("synchronised with Bravo"));
        CHECK_THAT(r.out.toStdString(), Contains("sent 1 records in 1 bundles (1 withheld"));
        CHECK(serve.exitCode() == 0);
        CHECK_THAT(QString::fromUtf8(serve.readAllStandardOutput()).toStdString(),
                   Contains("synchronised with Alpha"));
        Result<store::MissionStore> m =
            store::MissionStore::open(b, store::MissionStore::Access::ReadOnly);
        REQUIRE(m.ok());
        Result<QList<store::Incident>> held = m.value().incidents();
        REQUIRE(held.ok());
        REQUIRE(held.value().size() == 1);
        CHECK(held.value().first().title == QStringLiteral("Releasable"));
    }
    SECTION("sync serve: a station revoked while the server waits is refused at once") {
        QProcess serve;
        const QString banner =
            startServe(serve, dir, b,
                       {QStringLiteral("--listen"), QStringLiteral("127.0.0.1"),
                        QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--once")});
        const QString port = portIn(banner);
        // The server is waiting for peers; the operator revokes Alpha from another shell.
        r = cli(dir, "bravo",
                {QStringLiteral("contact"), QStringLiteral("revoke"), QStringLiteral("Alpha"),
                 QStringLiteral("--reason"), QStringLiteral("laptop lost")});
        REQUIRE(r.code == 0);
        r = cli(dir, "alpha",
                {QStringLiteral("sync"), QStringLiteral("now"), a, QStringLiteral("--to"),
                 QStringLiteral("Bravo"), QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                 QStringLiteral("--port"), port});
        CHECK(r.code == 1);
        REQUIRE(serve.waitForFinished(60000));
        CHECK(serve.exitCode() == 1);
        CHECK_THAT(QString::fromUtf8(serve.readAllStandardError()).toStdString(),
                   Contains("is revoked in the contact book"));
        Result<store::MissionStore> m =
            store::MissionStore::open(b, store::MissionStore::Access::ReadOnly);
        REQUIRE(m.ok());
        CHECK(m.value().incidents().value().isEmpty());
    }
    SECTION("sync serve: on loopback by default, and a trickling client does not hold it") {
        QProcess serve;
        const QString banner =
            startServe(serve, dir, b, {QStringLiteral("--port"), QStringLiteral("0")});
        CHECK_THAT(banner.toStdString(), Contains("listening on 127.0.0.1 port"));
        const QString port = portIn(banner);
        // First in the queue: a client that never finishes its handshake.
        Trickler trickler(static_cast<quint16>(port.toUInt()));
        r = cli(dir, "alpha",
                {QStringLiteral("sync"), QStringLiteral("now"), a, QStringLiteral("--to"),
                 QStringLiteral("Bravo"), QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                 QStringLiteral("--port"), port});
        INFO(r.err.toStdString());
        CHECK(r.code == 0);
        CHECK_THAT(r.out.toStdString(), Contains("synchronised with Bravo"));
        serve.kill();
        serve.waitForFinished(60000);
        CHECK_THAT(QString::fromUtf8(serve.readAllStandardOutput()).toStdString(),
                   Contains("synchronised with Alpha"));
    }
    SECTION("an export for a peer holds only what it is cleared for") {
        const QString geojson = dir.filePath(QStringLiteral("for-bravo.geojson"));
        r = cli(dir, "alpha",
                {QStringLiteral("mission"), QStringLiteral("export"), a, geojson,
                 QStringLiteral("--for"), QStringLiteral("Bravo")});
        INFO(r.err.toStdString());
        REQUIRE(r.code == 0);
        CHECK_THAT(r.out.toStdString(), Contains("Exported 1 incidents"));
        CHECK_THAT(r.out.toStdString(), Contains("1 withheld: not releasable to Bravo"));
        const QString written = QString::fromUtf8(test::readAll(geojson));
        CHECK(written.contains(QLatin1String("Releasable")));
        CHECK_FALSE(written.contains(QLatin1String("Withheld")));
        // Without a recipient, the whole mission (the operator's own copy).
        r = cli(dir, "alpha", {QStringLiteral("mission"), QStringLiteral("export"), a, geojson});
        REQUIRE(r.code == 0);
        CHECK_THAT(r.out.toStdString(), Contains("Exported 2 incidents"));
        // Tessera's own export comes back as the same records, with uuids and markings.
        const QString c = dir.filePath(QStringLiteral("c.tessera"));
        REQUIRE(cli(dir, "alpha", {QStringLiteral("mission"), QStringLiteral("create"), c}).code ==
                0);
        r = cli(dir, "alpha", {QStringLiteral("mission"), QStringLiteral("import"), c, geojson});
        INFO(r.err.toStdString());
        REQUIRE(r.code == 0);
        CHECK_THAT(r.out.toStdString(), Contains("Imported 2 incidents, 0 routes, 0 annotations"));
        r = cli(dir, "alpha", {QStringLiteral("mission"), QStringLiteral("import"), c, geojson});
        CHECK_THAT(r.out.toStdString(), Contains("(2 already in the mission, left as they are)"));
        r = cli(dir, "alpha",
                {QStringLiteral("mission"), QStringLiteral("export"), a, geojson,
                 QStringLiteral("--for"), QStringLiteral("Nobody")});
        CHECK(r.code == 1);
    }
    SECTION("a wrong passphrase") {
        r = cli(dir, "bravo", {QStringLiteral("bundle"), QStringLiteral("import"), b, bundle},
                "wrong");
        CHECK(r.code == 1);
        CHECK_THAT(r.err.toStdString(), Contains("wrong passphrase"));
    }
    SECTION("a revoked sender") {
        const QString statement = dir.filePath(QStringLiteral("alpha.revoked"));
        REQUIRE(cli(dir, "alpha",
                    {QStringLiteral("identity"), QStringLiteral("revoke"),
                     QStringLiteral("--reason"), QStringLiteral("laptop lost"), statement})
                    .code == 0);
        REQUIRE(cli(dir, "bravo",
                    {QStringLiteral("contact"), QStringLiteral("revoke"),
                     QStringLiteral("--statement"), statement})
                    .code == 0);
        r = cli(dir, "bravo", {QStringLiteral("bundle"), QStringLiteral("import"), b, bundle});
        CHECK(r.code == 1);
        CHECK_THAT(r.err.toStdString(), Contains("revoked"));
    }
    SECTION("not addressed to this station") {
        r = cli(dir, "alpha", {QStringLiteral("bundle"), QStringLiteral("import"), a, bundle});
        CHECK(r.code == 1);
        CHECK_THAT(r.err.toStdString(), Contains("not addressed"));
    }
}
