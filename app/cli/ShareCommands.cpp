// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// tessera-cli identity|contact|bundle: the command-line face of sharing (docs/sharing.md).
// Wiring only; the work is in tessera_share.

#include "CliShare.h"
#include "share/Bundle.h"
#include "share/ContactBook.h"
#include "share/Crypto.h"
#include "share/Identity.h"
#include "share/Marking.h"
#include "share/ReleasePolicy.h"
#include "store/MissionStore.h"
#include "sync/Sync.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTextStream>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <termios.h>
#include <unistd.h>

namespace tessera::cli {

using namespace tessera::share;

QTextStream& out() {
    static QTextStream s(stdout);
    return s;
}
QTextStream& err() {
    static QTextStream s(stderr);
    return s;
}
int fail(const QString& message) {
    err() << "tessera-cli: " << message << Qt::endl;
    return 1;
}

// ---- where the identity and the contact book live ----

QString defaultDir() {
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation);
    return dir.isEmpty() ? QDir::homePath() + QStringLiteral("/.config/tessera") : dir;
}

void addIdentityOptions(QCommandLineParser& p) {
    p.addOption({QStringLiteral("identity"),
                 QStringLiteral("This station's identity file (default $TESSERA_IDENTITY, else "
                                "station.identity in the user's Tessera configuration folder)."),
                 QStringLiteral("file")});
    p.addOption({QStringLiteral("contacts"),
                 QStringLiteral("The contact book (default contacts.cbor beside the identity)."),
                 QStringLiteral("file")});
    p.addOption({QStringLiteral("passphrase-file"),
                 QStringLiteral("Read the passphrase from the first line of this file (else "
                                "$TESSERA_PASSPHRASE, else asked for on the terminal)."),
                 QStringLiteral("file")});
}

QString identityPath(const QCommandLineParser& p) {
    if (p.isSet(QStringLiteral("identity")))
        return p.value(QStringLiteral("identity"));
    const QString env = qEnvironmentVariable("TESSERA_IDENTITY");
    return env.isEmpty() ? defaultDir() + QStringLiteral("/station.identity") : env;
}

QString contactsPath(const QCommandLineParser& p) {
    if (p.isSet(QStringLiteral("contacts")))
        return p.value(QStringLiteral("contacts"));
    return QFileInfo(identityPath(p)).absolutePath() + QStringLiteral("/contacts.cbor");
}

/// The passphrase: a file, the environment, or the terminal without echo. Never an argument
/// (it would show in the process list and the shell history).
Result<QByteArray> passphrase(const QCommandLineParser& p, bool confirm = false) {
    if (p.isSet(QStringLiteral("passphrase-file"))) {
        QFile f(p.value(QStringLiteral("passphrase-file")));
        if (!f.open(QIODevice::ReadOnly))
            return Error{
                QStringLiteral("cannot read the passphrase file: %1").arg(f.errorString())};
        // A warning, not a refusal: the passphrase is already exposed, and refusing would
        // only stop the operator from using the keys to make a new identity.
        if (f.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther))
            err() << "tessera-cli: warning: the passphrase file " << f.fileName()
                  << " is readable by other users (chmod 600 it)" << Qt::endl;
        QByteArray line = f.readLine();
        while (line.endsWith('\n') || line.endsWith('\r'))
            line.chop(1);
        return line;
    }
    if (!qEnvironmentVariableIsEmpty("TESSERA_PASSPHRASE"))
        return qgetenv("TESSERA_PASSPHRASE");
    auto ask = [](const char* prompt) {
        std::fputs(prompt, stderr);
        std::fflush(stderr);
        termios old{};
        const bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
        if (tty) {
            termios quiet = old;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
        }
        char buffer[1024] = {};
        const bool got = std::fgets(buffer, sizeof buffer, stdin) != nullptr;
        if (tty) {
            tcsetattr(STDIN_FILENO, TCSANOW, &old);
            std::fputs("\n", stderr);
        }
        QByteArray line = got ? QByteArray(buffer) : QByteArray();
        share::crypto::wipe(buffer, sizeof buffer);
        while (line.endsWith('\n') || line.endsWith('\r'))
            line.chop(1);
        return line;
    };
    QByteArray first = ask("Passphrase: ");
    if (confirm) {
        QByteArray again = ask("Passphrase again: ");
        const bool same = first == again;
        share::crypto::wipe(again);
        if (!same)
            return Error{QStringLiteral("the passphrases differ")};
    }
    return first;
}

Result<Identity> loadIdentity(const QCommandLineParser& p) {
    Result<QByteArray> pass = passphrase(p);
    if (!pass)
        return pass.error();
    Result<Identity> id = Identity::load(identityPath(p), pass.value());
    share::crypto::wipe(pass.value());
    return id;
}

/// The contact book, checked against this station's own card (no passphrase needed to read).
Result<ContactBook> loadBook(const QCommandLineParser& p) {
    Result<ContactCard> station = Identity::loadCard(identityPath(p));
    if (!station)
        return Error{QStringLiteral("the contact book is signed by this station, whose identity "
                                    "cannot be read: %1")
                         .arg(station.error().message)};
    return ContactBook::load(contactsPath(p), station.value());
}

/// Writes the book signed by this station: the one step that needs the passphrase.
Status saveBook(const QCommandLineParser& p, const ContactBook& book) {
    Result<Identity> id = loadIdentity(p);
    if (!id)
        return id.error();
    QDir().mkpath(QFileInfo(contactsPath(p)).absolutePath());
    return book.save(id.value());
}

void printCard(const ContactCard& c) {
    const StationProfile& s = c.profile;
    out() << s.stationName << "\n"
          << "  organisation: " << s.organisation << "\n"
          << "  communities:  "
          << (s.communities.isEmpty() ? QStringLiteral("-")
                                      : s.communities.join(QStringLiteral(", ")))
          << "\n"
          << "  clearance:    " << toString(s.clearance) << "\n"
          << "  caveats:      "
          << (s.caveats.isEmpty() ? QStringLiteral("-") : s.caveats.join(QStringLiteral(", ")))
          << "\n"
          << "  fingerprint:  " << c.fingerprintText() << "\n";
}

/// A card given as a file (file or text form) or as the text form itself.
Status writeFile(const QString& path, const QByteArray& bytes) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return Error{QStringLiteral("%1: cannot write (%2)").arg(path, f.errorString())};
    f.write(bytes);
    if (!f.commit())
        return Error{QStringLiteral("%1: cannot write (%2)").arg(path, f.errorString())};
    return success();
}

namespace {

// ---- identity ----

int identityCreate(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Create this station's keys and contact card."));
    p.addHelpOption();
    addIdentityOptions(p);
    p.addOption({QStringLiteral("name"), QStringLiteral("Station name."), QStringLiteral("text")});
    p.addOption({QStringLiteral("org"), QStringLiteral("Nation or organisation code (NLD, UN)."),
                 QStringLiteral("code")});
    p.addOption({QStringLiteral("community"),
                 QStringLiteral("A REL TO group the station belongs to (repeatable)."),
                 QStringLiteral("name")});
    p.addOption({QStringLiteral("clearance"),
                 QStringLiteral("Highest level it may receive (default UNCLASSIFIED)."),
                 QStringLiteral("level"), QStringLiteral("UNCLASSIFIED")});
    p.addOption({QStringLiteral("caveat"),
                 QStringLiteral("A caveat it is cleared for (repeatable)."),
                 QStringLiteral("name")});
    p.process(args);
    const QString path = identityPath(p);
    if (QFileInfo::exists(path))
        return fail(QStringLiteral("%1 already exists; will not overwrite an identity").arg(path));
    const auto clearance = classificationFromString(p.value(QStringLiteral("clearance")));
    if (!clearance)
        return fail(QStringLiteral("--clearance must be UNCLASSIFIED, RESTRICTED, CONFIDENTIAL "
                                   "or SECRET"));
    StationProfile profile{p.value(QStringLiteral("name")), p.value(QStringLiteral("org")),
                           p.values(QStringLiteral("community")), *clearance,
                           p.values(QStringLiteral("caveat"))};
    Result<Identity> id = Identity::create(profile);
    if (!id)
        return fail(id.error().message);
    Result<QByteArray> pass = passphrase(p, true);
    if (!pass)
        return fail(pass.error().message);
    QDir().mkpath(QFileInfo(path).absolutePath());
    Status saved = id.value().save(path, pass.value());
    share::crypto::wipe(pass.value());
    if (!saved)
        return fail(saved.error().message);
    out() << path << "\n";
    printCard(id.value().card());
    out().flush();
    return 0;
}

int identityShow(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Show this station's card and fingerprint."));
    p.addHelpOption();
    addIdentityOptions(p);
    p.process(args);
    Result<ContactCard> card = Identity::loadCard(identityPath(p));
    if (!card)
        return fail(card.error().message);
    printCard(card.value());
    out().flush();
    return 0;
}

int identityExportCard(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Write this station's contact card to a file, or print its text form with --text."));
    p.addHelpOption();
    addIdentityOptions(p);
    p.addOption({QStringLiteral("text"), QStringLiteral("Print the short text form.")});
    p.addPositionalArgument(QStringLiteral("out"), QStringLiteral("Card file to write."));
    p.process(args);
    Result<ContactCard> card = Identity::loadCard(identityPath(p));
    if (!card)
        return fail(card.error().message);
    if (p.isSet(QStringLiteral("text"))) {
        out() << card.value().text() << Qt::endl;
        return 0;
    }
    if (p.positionalArguments().size() != 1)
        return fail(QStringLiteral("identity export-card needs a file to write, or --text"));
    if (Status s = writeFile(p.positionalArguments().first(), card.value().encoded); !s)
        return fail(s.error().message);
    out() << p.positionalArguments().first() << "\nfingerprint: " << card.value().fingerprintText()
          << Qt::endl;
    return 0;
}

int identityRevoke(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral("Write a signed statement that this station's keys are retired."));
    p.addHelpOption();
    addIdentityOptions(p);
    p.addOption({QStringLiteral("reason"), QStringLiteral("Why."), QStringLiteral("text")});
    p.addPositionalArgument(QStringLiteral("out"), QStringLiteral("Statement file to write."));
    p.process(args);
    if (p.positionalArguments().size() != 1)
        return fail(QStringLiteral("identity revoke needs the statement file to write"));
    Result<Identity> id = loadIdentity(p);
    if (!id)
        return fail(id.error().message);
    Result<Revocation> r = id.value().revoke(p.value(QStringLiteral("reason")));
    if (!r)
        return fail(r.error().message);
    if (Status s = writeFile(p.positionalArguments().first(), r.value().encoded); !s)
        return fail(s.error().message);
    out() << p.positionalArguments().first() << Qt::endl;
    return 0;
}

// ---- contacts ----

int contactImport(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Trust a station's contact card, after checking its fingerprint with its owner."));
    p.addHelpOption();
    addIdentityOptions(p);
    p.addOption({QStringLiteral("fingerprint"),
                 QStringLiteral("The fingerprint as read to you by the card's owner (at least the "
                                "first 8 groups)."),
                 QStringLiteral("hex")});
    p.addOption({QStringLiteral("accept-change"),
                 QStringLiteral("Replace a trusted card whose keys are the same but whose profile "
                                "differs, after reading the differences.")});
    p.addPositionalArgument(QStringLiteral("card"),
                            QStringLiteral("Card file, or its text form (tessera-card:...)."));
    p.process(args);
    if (p.positionalArguments().size() != 1)
        return fail(QStringLiteral("contact import needs a card"));
    if (!p.isSet(QStringLiteral("fingerprint")))
        return fail(QStringLiteral("contact import needs --fingerprint, as read to you by the "
                                   "card's owner over another channel"));
    Result<ContactCard> card = ContactCard::read(p.positionalArguments().first());
    if (!card)
        return fail(card.error().message);
    Result<ContactBook> book = loadBook(p);
    if (!book)
        return fail(book.error().message);
    const bool accept = p.isSet(QStringLiteral("accept-change"));
    const QStringList changes = book.value().profileChanges(card.value());
    Result<ContactCard> added = book.value().importCard(
        card.value(), p.value(QStringLiteral("fingerprint")),
        accept ? ContactBook::ProfileChange::Accept : ContactBook::ProfileChange::Refuse);
    if (!added)
        return fail(added.error().message +
                    (changes.isEmpty() ? QString()
                                       : QStringLiteral("\nrun again with --accept-change to "
                                                        "replace the card")));
    if (Status s = saveBook(p, book.value()); !s)
        return fail(s.error().message);
    if (changes.isEmpty()) {
        out() << "trusted:\n";
    } else {
        out() << "replaced the card of " << added.value().profile.stationName
              << "; what changed:\n";
        for (const QString& line : changes)
            out() << "  " << line << "\n";
    }
    printCard(added.value());
    out().flush();
    return 0;
}

int contactList(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("List trusted contacts and revoked keys."));
    p.addHelpOption();
    addIdentityOptions(p);
    p.process(args);
    Result<ContactBook> book = loadBook(p);
    if (!book)
        return fail(book.error().message);
    for (const ContactCard& c : book.value().contacts()) {
        // The card as claimed, then the cap and what this station grants.
        const std::optional<ContactCard> claimed = book.value().claimedCard(c.fingerprint());
        printCard(claimed ? *claimed : c);
        if (const std::optional<ProfileCap> cap = book.value().cap(c.fingerprint()))
            out() << "  local cap:    " << describeCap(*cap) << "\n"
                  << "  granted:      " << toString(c.profile.clearance) << "; caveats "
                  << (c.profile.caveats.isEmpty() ? QStringLiteral("none")
                                                  : c.profile.caveats.join(QStringLiteral(", ")))
                  << "\n";
    }
    for (const ContactBook::Revoked& r : book.value().revoked())
        out() << "revoked " << formatFingerprint(r.fingerprint) << " on "
              << r.at.toString(Qt::ISODate) << (r.statement.isEmpty() ? " (locally)" : " (signed)")
              << (r.reason.isEmpty() ? QString() : QStringLiteral(": ") + r.reason) << "\n";
    out().flush();
    return 0;
}

int contactRevoke(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Stop trusting a contact: by name or fingerprint, or by a signed revocation statement."));
    p.addHelpOption();
    addIdentityOptions(p);
    p.addOption({QStringLiteral("statement"), QStringLiteral("A signed revocation statement."),
                 QStringLiteral("file")});
    p.addOption({QStringLiteral("reason"), QStringLiteral("Why (local revocation)."),
                 QStringLiteral("text")});
    p.addPositionalArgument(QStringLiteral("peer"), QStringLiteral("Station name or fingerprint."));
    p.process(args);
    Result<ContactBook> book = loadBook(p);
    if (!book)
        return fail(book.error().message);
    if (p.isSet(QStringLiteral("statement"))) {
        QFile f(p.value(QStringLiteral("statement")));
        if (!f.open(QIODevice::ReadOnly))
            return fail(QStringLiteral("%1: cannot read (%2)").arg(f.fileName(), f.errorString()));
        Result<Revocation> r = book.value().applyRevocation(f.read(64 * 1024));
        if (!r)
            return fail(r.error().message);
        out() << "revoked " << formatFingerprint(r.value().fingerprint) << "\n";
    } else {
        if (p.positionalArguments().size() != 1)
            return fail(QStringLiteral("contact revoke needs a peer or --statement"));
        Result<ContactCard> c = book.value().lookup(p.positionalArguments().first());
        if (!c)
            return fail(c.error().message);
        if (Status s = book.value().revokeLocally(c.value().fingerprint(),
                                                  p.value(QStringLiteral("reason")));
            !s)
            return fail(s.error().message);
        out() << "revoked " << c.value().profile.stationName << " " << c.value().fingerprintText()
              << "\n";
    }
    if (Status s = saveBook(p, book.value()); !s)
        return fail(s.error().message);
    out().flush();
    return 0;
}

int contactCap(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Cap what a trusted contact may receive, whatever its card claims: at most a clearance, "
        "only some of its caveats. --clear removes the cap."));
    p.addHelpOption();
    addIdentityOptions(p);
    p.addOption({QStringLiteral("clearance"), QStringLiteral("The highest level it may receive."),
                 QStringLiteral("level")});
    p.addOption({QStringLiteral("caveat"),
                 QStringLiteral("A caveat of its card it keeps (repeatable); the others go."),
                 QStringLiteral("name")});
    p.addOption({QStringLiteral("no-caveats"), QStringLiteral("It keeps none of its caveats.")});
    p.addOption({QStringLiteral("clear"), QStringLiteral("Remove the cap.")});
    p.addPositionalArgument(QStringLiteral("peer"), QStringLiteral("Station name or fingerprint."));
    p.process(args);
    const bool clear = p.isSet(QStringLiteral("clear"));
    const bool caveats = p.isSet(QStringLiteral("caveat")) || p.isSet(QStringLiteral("no-caveats"));
    if (p.positionalArguments().size() != 1 ||
        clear == (p.isSet(QStringLiteral("clearance")) || caveats) ||
        (p.isSet(QStringLiteral("caveat")) && p.isSet(QStringLiteral("no-caveats"))))
        return fail(QStringLiteral("contact cap needs a peer and --clearance LEVEL and/or "
                                   "--caveat C... (or --no-caveats), or --clear"));
    ProfileCap cap;
    if (p.isSet(QStringLiteral("clearance"))) {
        cap.clearance = classificationFromString(p.value(QStringLiteral("clearance")));
        if (!cap.clearance)
            return fail(QStringLiteral("--clearance must be UNCLASSIFIED, RESTRICTED, "
                                       "CONFIDENTIAL or SECRET"));
    }
    if (caveats)
        cap.caveats = p.values(QStringLiteral("caveat"));
    Result<ContactBook> book = loadBook(p);
    if (!book)
        return fail(book.error().message);
    Result<ContactCard> c = book.value().lookup(p.positionalArguments().first());
    if (!c)
        return fail(c.error().message);
    if (Status s = book.value().setCap(c.value().fingerprint(), cap); !s)
        return fail(s.error().message);
    if (Status s = saveBook(p, book.value()); !s)
        return fail(s.error().message);
    const std::optional<ContactCard> granted = book.value().find(c.value().fingerprint());
    out() << c.value().profile.stationName << ": "
          << (clear ? QStringLiteral("cap removed") : QStringLiteral("capped: ") + describeCap(cap))
          << "\n";
    if (granted)
        out() << "  granted:      " << toString(granted->profile.clearance) << "; caveats "
              << (granted->profile.caveats.isEmpty()
                      ? QStringLiteral("none")
                      : granted->profile.caveats.join(QStringLiteral(", ")))
              << "\n";
    out().flush();
    return 0;
}

int contactSignBook(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Sign a contact book written by an earlier Tessera (unsigned) with this station's key, "
        "after showing what it holds: check that every contact is one you trusted."));
    p.addHelpOption();
    addIdentityOptions(p);
    p.process(args);
    if (!QFileInfo::exists(contactsPath(p)))
        return fail(QStringLiteral("%1: no contact book to sign").arg(contactsPath(p)));
    Result<ContactCard> station = Identity::loadCard(identityPath(p));
    if (!station)
        return fail(station.error().message);
    Result<ContactBook> book =
        ContactBook::loadUnsignedForSigning(contactsPath(p), station.value());
    if (!book)
        return fail(book.error().message);
    if (!book.value().wasUnsigned()) {
        out() << contactsPath(p) << ": already signed by this station" << Qt::endl;
        return 0;
    }
    out() << contactsPath(p) << " holds:\n";
    for (const ContactCard& c : book.value().contacts())
        printCard(c);
    for (const ContactBook::Revoked& r : book.value().revoked())
        out() << "revoked " << formatFingerprint(r.fingerprint) << "\n";
    out().flush();
    if (Status s = saveBook(p, book.value()); !s)
        return fail(s.error().message);
    out() << "signed by " << station.value().profile.stationName
          << "; revoke any contact above you do not recognise (contact revoke)" << Qt::endl;
    return 0;
}

// ---- bundles ----

int bundleExport(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Write a signed, encrypted bundle of the mission's changes for a peer: only what the "
        "peer may have and does not hold yet. Several --to make one bundle for all of them, "
        "holding only what every one of them may have."));
    p.addHelpOption();
    addIdentityOptions(p);
    p.addOption({QStringLiteral("to"), QStringLiteral("Recipient: station name or fingerprint."),
                 QStringLiteral("peer")});
    p.addOption({QStringLiteral("all"),
                 QStringLiteral("Every change, not only those the peer does not hold.")});
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file."));
    p.addPositionalArgument(QStringLiteral("out"), QStringLiteral("Bundle file to write."));
    p.process(args);
    if (p.positionalArguments().size() != 2 || p.values(QStringLiteral("to")).isEmpty())
        return fail(QStringLiteral("bundle export needs --to PEER, a mission and an output file"));
    Result<ContactBook> book = loadBook(p);
    if (!book)
        return fail(book.error().message);
    QList<ContactCard> recipients;
    for (const QString& to : p.values(QStringLiteral("to"))) {
        Result<ContactCard> c = book.value().lookup(to);
        if (!c)
            return fail(c.error().message);
        recipients.append(c.value());
    }
    Result<Identity> id = loadIdentity(p);
    if (!id)
        return fail(id.error().message);
    auto mission = store::MissionStore::open(p.positionalArguments()[0],
                                             store::MissionStore::Access::ReadWrite);
    if (!mission)
        return fail(mission.error().message);
    ExportOptions options;
    options.sinceLastReceived = !p.isSet(QStringLiteral("all"));
    Result<ExportReport> report = exportBundle(mission.value(), id.value(), recipients, options);
    if (!report)
        return fail(report.error().message);
    if (Status s = writeFile(p.positionalArguments()[1], report.value().bytes); !s)
        return fail(s.error().message);
    out() << p.positionalArguments()[1] << ": bundle " << report.value().id << ", "
          << report.value().records << " records, " << report.value().withheld
          << " withheld (not releasable to every recipient), ";
    if (report.value().unsignedForeign > 0)
        out() << report.value().unsignedForeign
              << " of other stations left out (received before records were signed), ";
    out() << report.value().bytes.size() << " bytes" << Qt::endl;
    return 0;
}

int bundleImport(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Check a bundle (sender, signature, addressee, integrity, replay) and apply it to the "
        "mission, all or nothing."));
    p.addHelpOption();
    addIdentityOptions(p);
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file."));
    p.addPositionalArgument(QStringLiteral("bundle"), QStringLiteral("Bundle file."));
    p.process(args);
    if (p.positionalArguments().size() != 2)
        return fail(QStringLiteral("bundle import needs a mission and a bundle file"));
    const BundleLimits limits;
    QFile f(p.positionalArguments()[1]);
    if (!f.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("%1: cannot read (%2)").arg(f.fileName(), f.errorString()));
    if (f.size() > limits.maxBundleBytes)
        return fail(QStringLiteral("%1: bundle refused: oversized (%2 bytes)")
                        .arg(f.fileName())
                        .arg(f.size()));
    const QByteArray bytes = f.readAll();
    Result<ContactBook> book = loadBook(p);
    if (!book)
        return fail(book.error().message);
    Result<Identity> id = loadIdentity(p);
    if (!id)
        return fail(id.error().message);
    auto mission = store::MissionStore::open(p.positionalArguments()[0],
                                             store::MissionStore::Access::ReadWrite);
    if (!mission)
        return fail(mission.error().message);
    Result<ImportReport> report =
        importBundle(mission.value(), bytes, id.value(), book.value(), limits);
    if (!report)
        return fail(QStringLiteral("%1: %2").arg(f.fileName(), report.error().message));
    out() << "bundle " << report.value().id << " from " << report.value().sender << ": "
          << report.value().applied << " applied, " << report.value().unchanged << " unchanged, "
          << report.value().skipped << " skipped, " << report.value().conflicts << " conflicts"
          << Qt::endl;
    for (const QString& warning : report.value().warnings())
        err() << warning << Qt::endl;
    return 0;
}

int bundleLogCommand(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "The bundles this mission sent and received; with --records, every record each one "
        "carried (version and marking); with --csv, as CSV for an audit."));
    p.addHelpOption();
    p.addOption({QStringLiteral("records"), QStringLiteral("List each bundle's records.")});
    p.addOption({QStringLiteral("csv"), QStringLiteral("Write CSV.")});
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file."));
    p.process(args);
    if (p.positionalArguments().size() != 1)
        return fail(QStringLiteral("bundle log needs a mission file"));
    auto mission = store::MissionStore::open(p.positionalArguments()[0],
                                             store::MissionStore::Access::ReadOnly);
    if (!mission)
        return fail(mission.error().message);
    Result<QList<BundleLogEntry>> log = bundleLog(mission.value());
    if (!log)
        return fail(log.error().message);
    const bool csv = p.isSet(QStringLiteral("csv"));
    const bool records = p.isSet(QStringLiteral("records"));
    auto quoted = [](QString v) {
        return QLatin1Char('"') + v.replace(QLatin1Char('"'), QStringLiteral("\"\"")) +
               QLatin1Char('"');
    };
    if (csv)
        out() << (records ? "at,direction,bundle,peers,kind,uuid,updated_hlc,classification,"
                            "releasability\n"
                          : "at,direction,bundle,peers,records\n");
    for (const BundleLogEntry& e : log.value()) {
        const QString at = e.at.toString(Qt::ISODateWithMs);
        if (!records) {
            if (csv)
                out() << at << "," << e.direction << "," << e.id << "," << quoted(e.peers) << ","
                      << e.records << "\n";
            else
                out() << at << "  " << e.direction << "  " << e.id << "  " << e.records
                      << " records  " << e.peers << "\n";
            continue;
        }
        Result<QList<BundleLogRecord>> list = bundleRecords(mission.value(), e.id, e.direction);
        if (!list)
            return fail(list.error().message);
        if (!csv)
            out() << at << "  " << e.direction << "  " << e.id << "  " << e.peers << "\n";
        for (const BundleLogRecord& r : list.value()) {
            if (csv)
                out() << at << "," << e.direction << "," << e.id << "," << quoted(e.peers) << ","
                      << r.kind << "," << r.uuid << "," << r.updated << ","
                      << quoted(r.marking.classification) << "," << quoted(r.marking.releasability)
                      << "\n";
            else
                out() << "    " << r.kind << " " << r.uuid << "  " << r.marking.banner() << "\n";
        }
    }
    out().flush();
    return 0;
}

int bundleConflicts(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Concurrent edits found on import: both versions, and which one the record shows."));
    p.addHelpOption();
    p.addOption({QStringLiteral("all"), QStringLiteral("Resolved ones too.")});
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file."));
    p.process(args);
    if (p.positionalArguments().size() != 1)
        return fail(QStringLiteral("bundle conflicts needs a mission file"));
    auto mission = store::MissionStore::open(p.positionalArguments()[0],
                                             store::MissionStore::Access::ReadOnly);
    if (!mission)
        return fail(mission.error().message);
    Result<QList<Conflict>> list = conflicts(mission.value(), !p.isSet(QStringLiteral("all")));
    if (!list)
        return fail(list.error().message);
    auto describe = [](const QCborMap& v) {
        QString what;
        for (const char* key : {"title", "name", "text"})
            if (what.isEmpty())
                what = v[QString::fromLatin1(key)].toString();
        if (v[QStringLiteral("deleted")].toBool())
            what = QStringLiteral("deleted: ") + what;
        return QStringLiteral("%1 (station %2, stamp %3)")
            .arg(what, v[QStringLiteral("station")].toString())
            .arg(v[QStringLiteral("updated")].toInteger());
    };
    for (const Conflict& c : list.value()) {
        out() << "conflict " << c.id << ": " << c.kind << " " << c.uuid << ", found "
              << c.detectedAt.toString(Qt::ISODate) << ", showing " << c.shown
              << (c.resolution.isEmpty() ? QString()
                                         : QStringLiteral(", resolved: kept ") + c.resolution)
              << "\n  ours:   " << describe(c.ours) << "\n  theirs: " << describe(c.theirs) << "\n";
    }
    out().flush();
    return 0;
}

int bundleResolve(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Resolve a conflict: keep one version, written as a new change that reaches every peer."));
    p.addHelpOption();
    p.addOption(
        {QStringLiteral("keep"), QStringLiteral("ours or theirs."), QStringLiteral("version")});
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file."));
    p.addPositionalArgument(QStringLiteral("id"), QStringLiteral("Conflict number."));
    p.process(args);
    const QString keep = p.value(QStringLiteral("keep"));
    bool numeric = false;
    const qint64 id = p.positionalArguments().value(1).toLongLong(&numeric);
    if (p.positionalArguments().size() != 2 || !numeric ||
        (keep != QLatin1String("ours") && keep != QLatin1String("theirs")))
        return fail(QStringLiteral("bundle resolve needs a mission, a conflict number and "
                                   "--keep ours|theirs"));
    auto mission = store::MissionStore::open(p.positionalArguments()[0],
                                             store::MissionStore::Access::ReadWrite);
    if (!mission)
        return fail(mission.error().message);
    if (Status s = resolveConflict(mission.value(), id,
                                   keep == QLatin1String("ours") ? ConflictChoice::Ours
                                                                 : ConflictChoice::Theirs);
        !s)
        return fail(s.error().message);
    out() << "conflict " << id << " resolved: kept " << keep << Qt::endl;
    return 0;
}

// ---- sync over TLS ----

constexpr quint16 kDefaultSyncPort = 7337;

void addSyncOptions(QCommandLineParser& p) {
    addIdentityOptions(p);
    p.addOption({QStringLiteral("port"),
                 QStringLiteral("TCP port (default %1).").arg(kDefaultSyncPort),
                 QStringLiteral("n")});
    p.addOption({QStringLiteral("per-bundle"),
                 QStringLiteral("Records per bundle (default 2000): a dropped link loses at most "
                                "one bundle's worth of transfer."),
                 QStringLiteral("n")});
    p.addPositionalArgument(QStringLiteral("mission"), QStringLiteral("Mission file."));
}

Result<sync::SyncOptions> syncOptions(const QCommandLineParser& p, quint16& port) {
    sync::SyncOptions options;
    port = kDefaultSyncPort;
    if (p.isSet(QStringLiteral("port"))) {
        bool ok = false;
        const uint n = p.value(QStringLiteral("port")).toUInt(&ok);
        if (!ok || n > 65535)
            return Error{QStringLiteral("--port: not a port number")};
        port = static_cast<quint16>(n);
    }
    if (p.isSet(QStringLiteral("per-bundle"))) {
        bool ok = false;
        options.recordsPerBundle = p.value(QStringLiteral("per-bundle")).toInt(&ok);
        if (!ok || options.recordsPerBundle < 1)
            return Error{QStringLiteral("--per-bundle: a positive number")};
    }
    return options;
}

void printSync(const sync::SyncReport& r) {
    out() << "synchronised with " << r.peer.profile.stationName << " ("
          << formatFingerprint(r.peer.fingerprint()).left(19) << "): sent " << r.recordsSent
          << " records in " << r.bundlesSent << " bundles (" << r.withheld
          << " withheld: not releasable to the peer); received " << r.bundlesReceived
          << " bundles: " << r.recordsApplied << " applied, " << r.recordsUnchanged
          << " unchanged, " << r.recordsSkipped << " skipped, " << r.conflicts << " conflicts"
          << Qt::endl;
    for (const QString& warning : r.warnings)
        err() << warning << Qt::endl;
}

int syncNow(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Dial a peer over TLS 1.3 (both stations prove their keys), send what it lacks and may "
        "have, and receive what this station lacks. Resumes where a dropped link stopped."));
    p.addHelpOption();
    addSyncOptions(p);
    p.addOption({QStringLiteral("to"), QStringLiteral("The peer: station name or fingerprint."),
                 QStringLiteral("peer")});
    p.addOption({QStringLiteral("host"), QStringLiteral("The peer's host name or address."),
                 QStringLiteral("host")});
    p.process(args);
    if (p.positionalArguments().size() != 1 || !p.isSet(QStringLiteral("to")) ||
        !p.isSet(QStringLiteral("host")))
        return fail(QStringLiteral("sync now needs a mission, --to PEER and --host HOST"));
    quint16 port = 0;
    Result<sync::SyncOptions> options = syncOptions(p, port);
    if (!options)
        return fail(options.error().message);
    Result<ContactBook> book = loadBook(p);
    if (!book)
        return fail(book.error().message);
    Result<ContactCard> peer = book.value().lookup(p.value(QStringLiteral("to")));
    if (!peer)
        return fail(peer.error().message);
    Result<Identity> id = loadIdentity(p);
    if (!id)
        return fail(id.error().message);
    auto mission = store::MissionStore::open(p.positionalArguments()[0],
                                             store::MissionStore::Access::ReadWrite);
    if (!mission)
        return fail(mission.error().message);
    Result<sync::SyncReport> r =
        sync::syncWith(p.value(QStringLiteral("host")), port, peer.value(), mission.value(),
                       id.value(), book.value(), options.value());
    if (!r)
        return fail(QStringLiteral("sync with %1 failed: %2")
                        .arg(peer.value().profile.stationName, r.error().message));
    printSync(r.value());
    return 0;
}

/// A number of seconds (decimals allowed) as milliseconds, for the deadline options.
Result<int> milliseconds(const QCommandLineParser& p, const QString& name, int fallback) {
    if (!p.isSet(name))
        return fallback;
    bool ok = false;
    const double seconds = p.value(name).toDouble(&ok);
    if (!ok || seconds <= 0 || seconds > 24 * 3600)
        return Error{QStringLiteral("--%1: a number of seconds, more than 0").arg(name)};
    return std::max(1, static_cast<int>(seconds * 1000));
}

int syncServe(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Accept sync sessions from peers in the contact book over TLS 1.3, several at once. "
        "Unknown and revoked stations are refused in the handshake; the contact book is read "
        "again for every connection, so a revocation counts for the next one. Listens on this "
        "machine only (127.0.0.1) unless --listen says otherwise."));
    p.addHelpOption();
    addSyncOptions(p);
    p.addOption({QStringLiteral("listen"),
                 QStringLiteral("Address to listen on (default 127.0.0.1: this machine only). "
                                "Give 0.0.0.0 or :: to accept peers from the network."),
                 QStringLiteral("address")});
    p.addOption({QStringLiteral("max-sessions"),
                 QStringLiteral("Sessions at once (default 16); more connections wait their turn."),
                 QStringLiteral("n")});
    p.addOption({QStringLiteral("handshake-timeout"),
                 QStringLiteral("Seconds a client has to finish the TLS handshake (default 10)."),
                 QStringLiteral("seconds")});
    p.addOption({QStringLiteral("frame-timeout"),
                 QStringLiteral("Seconds a peer has for each message, plus one per 8 KiB of it "
                                "(default 60)."),
                 QStringLiteral("seconds")});
    p.addOption({QStringLiteral("once"),
                 QStringLiteral("Stop after the first session ends (its outcome is the exit "
                                "status); sessions in flight finish first.")});
    p.process(args);
    if (p.positionalArguments().size() != 1)
        return fail(QStringLiteral("sync serve needs a mission"));
    quint16 port = 0;
    Result<sync::SyncOptions> session = syncOptions(p, port);
    if (!session)
        return fail(session.error().message);
    sync::ServerOptions options;
    options.session = session.value();
    if (p.isSet(QStringLiteral("max-sessions"))) {
        bool ok = false;
        options.maxSessions = p.value(QStringLiteral("max-sessions")).toInt(&ok);
        if (!ok || options.maxSessions < 1 || options.maxSessions > 1024)
            return fail(QStringLiteral("--max-sessions: a number from 1 to 1024"));
    }
    Result<int> handshake =
        milliseconds(p, QStringLiteral("handshake-timeout"), options.session.handshakeTimeoutMs);
    Result<int> frame = milliseconds(p, QStringLiteral("frame-timeout"), options.session.timeoutMs);
    if (!handshake)
        return fail(handshake.error().message);
    if (!frame)
        return fail(frame.error().message);
    options.session.handshakeTimeoutMs = handshake.value();
    options.session.timeoutMs = frame.value();
    Result<Identity> id = loadIdentity(p);
    if (!id)
        return fail(id.error().message);
    // Opened once here to refuse a wrong file (and bring its schema up to date) before
    // listening; each session then opens its own connection on its own thread.
    {
        auto mission = store::MissionStore::open(p.positionalArguments()[0],
                                                 store::MissionStore::Access::ReadWrite);
        if (!mission)
            return fail(mission.error().message);
    }
    // Checked now so that a broken contact book is reported at start, not per peer.
    const QString contacts = contactsPath(p);
    if (Result<ContactBook> book = loadBook(p); !book)
        return fail(book.error().message);
    const QString address = p.isSet(QStringLiteral("listen")) ? p.value(QStringLiteral("listen"))
                                                              : QStringLiteral("127.0.0.1");
    Result<sync::TlsListener> listener = sync::TlsListener::listen(address, port);
    if (!listener)
        return fail(listener.error().message);
    out() << "listening on " << address << " port " << listener.value().port() << " as "
          << id.value().card().profile.stationName << Qt::endl;
    // The contact book is read when each peer's certificate is checked, and before each bundle:
    // a card revoked (by `contact revoke` in another process) while this one waits counts at once.
    sync::SyncServer server(id.value(), sync::trustFromFile(contacts, id.value().card()),
                            p.positionalArguments()[0], options);
    bool firstOk = false;
    bool first = true;
    const Status ran = server.run(
        listener.value(),
        [&](const sync::SessionEnd& end) {
            if (end.result)
                printSync(end.result.value());
            else
                err() << "tessera-cli: session "
                      << (end.from.isEmpty() ? QString() : QStringLiteral("from %1 ").arg(end.from))
                      << "refused or failed: " << end.result.error().message << Qt::endl;
            if (first && !end.from.isEmpty()) { // not a failed accept(): a session
                firstOk = end.result.ok();
                first = false;
            }
        },
        p.isSet(QStringLiteral("once")) ? 1 : 0);
    if (!ran)
        return fail(ran.error().message);
    return firstOk ? 0 : 1;
}

} // namespace

/// `args` is the full argument list (program, command, subcommand, ...). Returns -1 when the
/// command is not one of sharing's, so that main() shows its usage.
int runShareCommand(const QStringList& args) {
    if (args.size() < 3)
        return -1;
    const QString command = args[1];
    const QString sub = args[2];
    const QStringList rest = args.mid(0, 1) + args.mid(3);
    if (command == QLatin1String("identity")) {
        if (sub == QLatin1String("create"))
            return identityCreate(rest);
        if (sub == QLatin1String("show"))
            return identityShow(rest);
        if (sub == QLatin1String("export-card"))
            return identityExportCard(rest);
        if (sub == QLatin1String("revoke"))
            return identityRevoke(rest);
    } else if (command == QLatin1String("contact")) {
        if (sub == QLatin1String("import"))
            return contactImport(rest);
        if (sub == QLatin1String("list"))
            return contactList(rest);
        if (sub == QLatin1String("revoke"))
            return contactRevoke(rest);
        if (sub == QLatin1String("cap"))
            return contactCap(rest);
        if (sub == QLatin1String("sign-book"))
            return contactSignBook(rest);
    } else if (command == QLatin1String("sync")) {
        if (sub == QLatin1String("now"))
            return syncNow(rest);
        if (sub == QLatin1String("serve"))
            return syncServe(rest);
    } else if (command == QLatin1String("relay")) {
        return runRelayCommand(sub, rest);
    } else if (command == QLatin1String("bundle")) {
        if (sub == QLatin1String("export"))
            return bundleExport(rest);
        if (sub == QLatin1String("import"))
            return bundleImport(rest);
        if (sub == QLatin1String("log"))
            return bundleLogCommand(rest);
        if (sub == QLatin1String("conflicts"))
            return bundleConflicts(rest);
        if (sub == QLatin1String("resolve"))
            return bundleResolve(rest);
    }
    return -1;
}

Result<store::ReleaseFilter> releaseFilter(const QString& peer, const QString& contacts) {
    // Where the sharing commands look: the identity from $TESSERA_IDENTITY or its default, the
    // book beside it unless given.
    QCommandLineParser none;
    addIdentityOptions(none);
    none.parse({QStringLiteral("tessera-cli")});
    const QString path = contacts.isEmpty() ? contactsPath(none) : contacts;
    Result<ContactCard> station = Identity::loadCard(identityPath(none));
    if (!station)
        return Error{QStringLiteral("the contact book is signed by this station, whose identity "
                                    "cannot be read: %1")
                         .arg(station.error().message)};
    Result<ContactBook> book = ContactBook::load(path, station.value());
    if (!book)
        return book.error();
    Result<ContactCard> card = book.value().lookup(peer);
    if (!card)
        return card.error();
    return ReleasePolicy::filterFor(card.value().profile);
}

/// The usage lines of sharing's commands, for main()'s usage().
const char* shareUsage() {
    return "  identity create --name N --org O [--community C] [--clearance L] [--caveat C]\n"
           "  identity show | export-card OUT|--text | revoke OUT   this station's keys and card\n"
           "  contact import CARD --fingerprint HEX [--accept-change]   trust a peer's card\n"
           "  contact list | revoke PEER|--statement FILE           contacts, revocation\n"
           "  contact cap PEER [--clearance L] [--caveat C]... [--no-caveats] | --clear\n"
           "  contact sign-book                                     sign an older, unsigned book\n"
           "  bundle export MISSION --to PEER OUT                   changes the peer may have\n"
           "  bundle import MISSION FILE                            check and apply a bundle\n"
           "  bundle log MISSION [--records] [--csv]                bundles sent and received\n"
           "  bundle conflicts MISSION | resolve MISSION ID --keep ours|theirs\n"
           "  sync serve MISSION [--listen ADDR] [--port N] [--once]   accept peers over TLS 1.3\n"
           "      (on 127.0.0.1 unless --listen 0.0.0.0; --max-sessions, --handshake-timeout,\n"
           "       --frame-timeout)\n"
           "  sync now MISSION --to PEER --host HOST [--port N]      sync with a peer both ways\n"
           "  relay run MISSION --broker mqtts://HOST:PORT --broker-ca FILE [--forward]\n"
           "                                      share through the mission's MQTT broker\n"
           "  relay certificate OUT.crt           this station's certificate for the broker\n"
           "  relay broker-init DIR --name N --host H [--port P]   set up a mission broker\n"
           "  relay broker-admit DIR CERT...      admit stations (or a bridging broker)\n"
           "  relay broker-bridge DIR --to URL --remote-ca FILE --remote-name N   bridge brokers\n"
           "  (identity/contact/bundle/sync/relay: --identity FILE, --contacts FILE, "
           "--passphrase-file F)\n";
}

} // namespace tessera::cli
