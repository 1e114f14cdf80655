// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/SharingController.h"

#include "relay/Relay.h"
#include "share/Bundle.h"
#include "share/BundleRecords.h"
#include "share/ContactBook.h"
#include "share/Crypto.h"
#include "share/Identity.h"
#include "share/Passphrase.h"
#include "share/PeerStatus.h"
#include "store/Hlc.h"
#include "store/MarkingGrammar.h"
#include "store/MissionStore.h"
#include "sync/TlsLink.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStandardPaths>

#include <optional>
#include <thread>

namespace tessera::quick {

using share::ContactBook;
using share::ContactCard;
using share::Identity;
using share::StationProfile;

/// What lives on the worker thread only: the unlocked identity and the open mission.
struct SharingWorkerState {
    std::optional<Identity> identity;
    QString identityFile; ///< the file `identity` was unlocked from
    std::unique_ptr<store::MissionStore> store;
    QString storePath;
    bool storeWritable = false;
    share::PeerStatusCache peerStatus; ///< of `store`'s mission

    /// The mission, opened once and kept: read-only until something must be written (looking
    /// at the sharing state never writes to the file), then read-write. A mission on read-only
    /// media still shows its sharing state.
    Result<store::MissionStore*> mission(const QString& path, bool write) {
        if (path.isEmpty())
            return Error{QStringLiteral("no mission is open")};
        if (store && (storePath != path || (write && !storeWritable)))
            store.reset();
        if (storePath != path)
            peerStatus = {};
        if (!store) {
            auto opened =
                store::MissionStore::open(path, write ? store::MissionStore::Access::ReadWrite
                                                      : store::MissionStore::Access::ReadOnly);
            if (!opened)
                return opened.error();
            store = std::make_unique<store::MissionStore>(std::move(opened).value());
            storePath = path;
            storeWritable = write;
        }
        return store.get();
    }

    void reset() {
        identity.reset();
        store.reset();
    }
};

/// Everything the panel shows, read on the worker in one go.
struct SharingSnapshot {
    bool identityFound = false;
    QString identityError;
    std::optional<ContactCard> card;
    bool unlocked = false;
    QList<ContactCard> contacts;
    QList<ContactBook::Revoked> revoked;
    QList<share::PeerStatus> status; ///< parallel to contacts; empty without a mission
    QList<share::BundleLogEntry> log;
    QList<share::Conflict> conflicts;
    qint64 unsignedRecords = 0; ///< received before records were signed
    QString error; ///< the contact book or the mission's sharing state could not be read
};

namespace {

QString when(const QDateTime& t) {
    if (!t.isValid())
        return QStringLiteral("never");
    return QLocale::c().toString(t.toUTC(), QStringLiteral("dd MMM yyyy HH:mm 'UTC'"));
}

QString hexOf(const QByteArray& fingerprint) {
    return QString::fromLatin1(fingerprint.toHex());
}

QString localFile(const QUrl& url) {
    return url.isLocalFile() ? url.toLocalFile() : url.toString();
}

/// What ContactCard::read takes from the panel: the file of a file URL (the dialog's), else the
/// text as pasted (a card's text is no URL to be re-encoded).
QString cardSource(const QString& textOrFile) {
    const QUrl url(textOrFile);
    return url.isLocalFile() ? url.toLocalFile() : textOrFile;
}

SharingSnapshot readState(SharingWorkerState& state, const QString& identityPath,
                          const QString& contactsPath, const QString& missionPath) {
    SharingSnapshot s;
    s.identityFound = QFileInfo::exists(identityPath);
    if (s.identityFound) {
        Result<ContactCard> card = Identity::loadCard(identityPath);
        if (card)
            s.card = card.value();
        else
            s.identityError = card.error().message;
    }
    s.unlocked = state.identity.has_value() && state.identityFile == identityPath;
    if (!s.card) // the book is checked against the station's key: nothing to read without it
        return s;
    Result<ContactBook> book = ContactBook::load(contactsPath, *s.card);
    if (!book) {
        s.error = book.error().message;
        return s;
    }
    s.contacts = book.value().contacts();
    s.revoked = book.value().revoked();
    if (missionPath.isEmpty())
        return s;
    Result<store::MissionStore*> m = state.mission(missionPath, false);
    if (!m) {
        s.error = m.error().message;
        return s;
    }
    Result<QList<share::PeerStatus>> status =
        share::peerStatus(*m.value(), s.contacts, &state.peerStatus);
    Result<QList<share::BundleLogEntry>> log = share::bundleLog(*m.value());
    Result<QList<share::Conflict>> conflicts = share::conflicts(*m.value(), true);
    if (!status || !log || !conflicts) {
        s.error = !status ? status.error().message
                  : !log  ? log.error().message
                          : conflicts.error().message;
        return s;
    }
    s.status = status.value();
    s.log = log.value();
    s.conflicts = conflicts.value();
    Result<qint64> unsignedRecords = share::unsignedForeignRecords(*m.value());
    if (!unsignedRecords) {
        s.error = unsignedRecords.error().message;
        return s;
    }
    s.unsignedRecords = unsignedRecords.value();
    return s;
}

/// One line about a version of a conflicting record (payload form, docs/formats/bundle.md).
QString versionSummary(const QCborMap& m) {
    if (m.isEmpty())
        return QStringLiteral("(none)");
    QStringList parts;
    if (m.value(QStringLiteral("deleted")).toBool()) {
        parts.append(QStringLiteral("DELETED"));
    } else {
        for (const char* key : {"title", "name", "text"}) {
            const QString v = m.value(QLatin1String(key)).toString();
            if (!v.isEmpty()) {
                parts.append(QStringLiteral("“%1”").arg(v));
                break;
            }
        }
        for (const char* key : {"severity", "status"}) {
            const QString v = m.value(QLatin1String(key)).toString();
            if (!v.isEmpty())
                parts.append(v);
        }
    }
    const qint64 updated = m.value(QStringLiteral("updated")).toInteger();
    if (updated > 0)
        parts.append(QStringLiteral("changed %1").arg(when(store::Hlc{updated}.time())));
    return parts.join(QStringLiteral(" · "));
}

QString recordLine(const share::BundleLogRecord& r) {
    return QStringLiteral("%1 %2 · %3 · v. %4")
        .arg(r.kind, r.uuid, r.marking.banner(), when(store::Hlc{r.updated}.time()));
}

QString csvQuoted(QString v) {
    return QLatin1Char('"') + v.replace(QLatin1Char('"'), QStringLiteral("\"\"")) +
           QLatin1Char('"');
}

Status writeFile(const QString& path, const QByteArray& bytes) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit())
        return Error{QStringLiteral("%1: cannot write (%2)").arg(path, f.errorString())};
    return success();
}

} // namespace

SharingController::SharingController(QObject* parent)
    : QObject(parent)
    , context_(new QObject)
    , state_(std::make_shared<SharingWorkerState>()) {
    thread_.setObjectName(QStringLiteral("sharing"));
    context_->moveToThread(&thread_);
    thread_.start();
    connect(&relayPoll_, &QTimer::timeout, this, &SharingController::pollRelay);
    changedOnDisk_.setSingleShot(true);
    changedOnDisk_.setInterval(200);
    connect(&changedOnDisk_, &QTimer::timeout, this, &SharingController::refresh);
    connect(&watcher_, &QFileSystemWatcher::directoryChanged, &changedOnDisk_,
            qOverload<>(&QTimer::start));
    connect(&watcher_, &QFileSystemWatcher::fileChanged, &changedOnDisk_,
            qOverload<>(&QTimer::start));
    // After QML has set the initial properties.
    QMetaObject::invokeMethod(
        this,
        [this] {
            watchPaths();
            refresh();
        },
        Qt::QueuedConnection);
}

void SharingController::watchPaths() {
    if (!watcher_.directories().isEmpty())
        watcher_.removePaths(watcher_.directories());
    if (!watcher_.files().isEmpty())
        watcher_.removePaths(watcher_.files());
    QStringList paths;
    for (const QString& file : {identityPath(), contactsPath()}) {
        const QString folder = QFileInfo(file).absolutePath();
        if (QFileInfo(folder).isDir() && !paths.contains(folder))
            paths.append(folder);
        if (QFileInfo::exists(file))
            paths.append(file); // rewritten in place by an older writer
    }
    if (!paths.isEmpty())
        watcher_.addPaths(paths);
}

/// The relay and its thread; stopping joins the thread (on whichever thread lets it go last).
struct SharingController::RelayRun {
    std::unique_ptr<relay::Relay> relay;
    std::thread thread;
    ~RelayRun() {
        if (relay)
            relay->stop();
        if (thread.joinable())
            thread.join();
    }
};

SharingController::~SharingController() {
    relayPoll_.stop();
    relay_.reset(); // stops and joins the relay's thread
    // The keys and the mission are let go on the thread that used them, after the jobs queued
    // before; then the thread ends.
    QMetaObject::invokeMethod(
        context_,
        [state = state_] {
            state->reset();
            QThread::currentThread()->quit();
        },
        Qt::QueuedConnection);
    thread_.wait();
    delete context_;
}

QString SharingController::defaultIdentityPath() {
    const QString env = qEnvironmentVariable("TESSERA_IDENTITY");
    if (!env.isEmpty())
        return env;
    // tessera-cli's AppConfigLocation: its application name, no organisation.
    const QString base = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation);
    return (base.isEmpty() ? QDir::homePath() + QStringLiteral("/.config") : base) +
           QStringLiteral("/tessera-cli/station.identity");
}

bool SharingController::isBundleFile(const QUrl& file) {
    return file.path().endsWith(QStringLiteral(".tsb"), Qt::CaseInsensitive);
}

void SharingController::setMission(MissionController* mission) {
    if (mission_ == mission)
        return;
    if (mission_)
        disconnect(mission_, nullptr, this, nullptr);
    mission_ = mission;
    if (mission_)
        connect(mission_, &MissionController::statusChanged, this,
                &SharingController::missionStatusChanged);
    emit missionChanged();
    missionStatusChanged();
}

QString SharingController::missionPath() const {
    return mission_ && mission_->scene() ? mission_->scene()->mission.path : QString();
}

void SharingController::missionStatusChanged() {
    const QString path = missionPath();
    if (path == loadedMission_)
        return;
    loadedMission_ = path;
    refresh();
}

QString SharingController::identityPath() const {
    return identityPath_.isEmpty() ? defaultIdentityPath() : identityPath_;
}

void SharingController::setIdentityPath(const QString& path) {
    if (path == identityPath_)
        return;
    identityPath_ = path;
    emit pathsChanged();
    watchPaths();
    refresh();
}

QString SharingController::contactsPath() const {
    if (!contactsPath_.isEmpty())
        return contactsPath_;
    return QFileInfo(identityPath()).absolutePath() + QStringLiteral("/contacts.cbor");
}

void SharingController::setContactsPath(const QString& path) {
    if (path == contactsPath_)
        return;
    contactsPath_ = path;
    emit pathsChanged();
    watchPaths();
    refresh();
}

template <typename Job, typename Done>
void SharingController::run(Job job, Done done) {
    if (++running_ == 1)
        emit busyChanged();
    QMetaObject::invokeMethod(
        context_,
        [this, state = state_, job = std::move(job), done = std::move(done)]() mutable {
            auto result = job(*state);
            // `this` outlives the job: its destructor waits for this thread.
            QMetaObject::invokeMethod(
                this,
                [this, done = std::move(done), result = std::move(result)]() mutable {
                    if (--running_ == 0)
                        emit busyChanged();
                    done(result);
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void SharingController::startRelay(const QString& url, const QUrl& caFile) {
    if (relay_)
        return;
    Result<relay::BrokerEndpoint> endpoint = relay::BrokerEndpoint::parse(url.trimmed());
    if (!endpoint) {
        report(QStringLiteral("relay"), false, endpoint.error().message);
        return;
    }
    relay::RelaySettings settings;
    settings.broker.endpoint = endpoint.value();
    settings.broker.caFile = localFile(caFile);
    settings.missionPath = missionPath();
    const QString identity = identityPath();
    const QString contacts = contactsPath();
    if (settings.missionPath.isEmpty()) {
        report(QStringLiteral("relay"), false, QStringLiteral("Open a mission first."));
        return;
    }
    struct Made {
        QString error;
        std::shared_ptr<RelayRun> run;
    };
    run(
        [=](SharingWorkerState& s) -> Made {
            if (!s.identity || s.identityFile != identity)
                return {QStringLiteral("Unlock this station's identity first."), {}};
            if (!QFileInfo::exists(settings.broker.caFile))
                return {QStringLiteral("The broker's certificate %1 does not exist.")
                            .arg(settings.broker.caFile),
                        {}};
            auto r = std::make_shared<RelayRun>();
            // The relay keeps its own copy of the keys, on its own thread.
            r->relay = std::make_unique<relay::Relay>(
                *s.identity, sync::trustFromFile(contacts, s.identity->card()), settings);
            relay::Relay* raw = r->relay.get();
            r->thread = std::thread([raw] { (void)raw->run(); });
            return {{}, r};
        },
        [this, endpoint = endpoint.value()](const Made& made) {
            if (!made.run) {
                report(QStringLiteral("relay"), false,
                       QStringLiteral("Not connected to the broker: %1").arg(made.error));
                return;
            }
            relay_ = made.run;
            relayApplied_ = 0;
            relayStatus_ =
                QStringLiteral("Connecting to %1:%2…").arg(endpoint.host).arg(endpoint.port);
            relayPoll_.start(1000);
            emit relayChanged();
            report(QStringLiteral("relay"), true,
                   QStringLiteral("Sharing through the broker at %1:%2.")
                       .arg(endpoint.host)
                       .arg(endpoint.port));
        });
}

void SharingController::stopRelay() {
    if (!relay_)
        return;
    relayPoll_.stop();
    // Stopping waits for the link to close: on a thread of its own, not this one.
    std::thread([run = std::move(relay_)]() mutable { run.reset(); }).detach();
    relay_.reset();
    relayConnected_ = false;
    relayStatus_ = QStringLiteral("Stopped: the broker keeps what arrives for this station.");
    relayPeers_.clear();
    emit relayChanged();
}

void SharingController::pollRelay() {
    if (!relay_)
        return;
    const relay::RelayStatus st = relay_->relay->status();
    QStringList parts;
    parts << (st.connected ? QStringLiteral("Connected")
                           : QStringLiteral("Not connected (retrying)"));
    if (st.partsQueued > 0)
        parts << QStringLiteral("%1 parts waiting for the broker").arg(st.partsQueued);
    parts
        << QStringLiteral("%1 records sent, %2 applied").arg(st.recordsSent).arg(st.recordsApplied);
    if (st.refused > 0)
        parts << QStringLiteral("%1 bundles refused").arg(st.refused);
    QString status = parts.join(QStringLiteral(" · "));
    if (!st.lastError.isEmpty())
        status += QLatin1Char('\n') + st.lastError;
    QStringList peers;
    for (const relay::RelayPeer& p : st.peers)
        if (p.lastReceived.isValid())
            peers << QStringLiteral("%1: last received %2 (%3 records)")
                         .arg(
                             p.name.isEmpty() ? p.fingerprintHex.left(16) : p.name,
                             QLocale().toString(p.lastReceived.toLocalTime(), QLocale::ShortFormat))
                         .arg(p.recordsIn);
    const QString peerText = peers.join(QLatin1Char('\n'));
    if (st.connected != relayConnected_ || status != relayStatus_ || peerText != relayPeers_) {
        relayConnected_ = st.connected;
        relayStatus_ = status;
        relayPeers_ = peerText;
        emit relayChanged();
    }
    if (st.recordsApplied != relayApplied_) {
        relayApplied_ = st.recordsApplied;
        if (mission_)
            mission_->reloadRecords();
        refresh();
    }
}

void SharingController::report(const QString& operation, bool ok, const QString& message) {
    if (!message.isEmpty() && operation != QLatin1String("refresh")) {
        message_ = message;
        messageIsError_ = !ok;
        messageIsWaiting_ = operation == QLatin1String("import-waiting");
        emit messageChanged();
    }
    emit finished(operation, ok, message);
}

void SharingController::refresh() {
    const QString identity = identityPath();
    const QString contacts = contactsPath();
    const QString mission = missionPath();
    run([identity, contacts,
         mission](SharingWorkerState& s) { return readState(s, identity, contacts, mission); },
        [this, mission](const SharingSnapshot& snapshot) {
            if (mission != missionPath())
                return; // a newer refresh is on its way
            applySnapshot(snapshot);
            report(QStringLiteral("refresh"), snapshot.error.isEmpty(), snapshot.error);
        });
}

void SharingController::applySnapshot(const SharingSnapshot& s) {
    // Identity.
    if (!s.identityFound) {
        identityState_ = IdentityState::Missing;
        identityError_ = QStringLiteral("No station identity at %1. Create one with "
                                        "“tessera-cli identity create --name NAME --org ORG”.")
                             .arg(identityPath());
    } else if (!s.card) {
        identityState_ = IdentityState::Broken;
        identityError_ = s.identityError;
    } else if (identityState_ != IdentityState::Unlocking) {
        identityState_ = s.unlocked ? IdentityState::Unlocked : IdentityState::Locked;
        if (s.unlocked)
            identityError_.clear();
    }
    const share::StationProfile p = s.card ? s.card->profile : share::StationProfile{};
    stationName_ = p.stationName;
    organisation_ = p.organisation;
    communities_ = p.communities.join(QStringLiteral(", "));
    clearance_ = s.card ? share::toString(p.clearance) +
                              (p.caveats.isEmpty()
                                   ? QString()
                                   : QStringLiteral(" // ") + p.caveats.join(QStringLiteral(" / ")))
                        : QString();
    fingerprint_ = s.card ? s.card->fingerprintText() : QString();
    cardText_ = s.card ? s.card->text() : QString();
    QStringList audiences;
    auto addAudiences = [&audiences](const share::StationProfile& profile) {
        for (const QString& token : QStringList{profile.organisation} + profile.communities)
            if (const QString t = store::normalizeToken(token); !t.isEmpty())
                audiences.append(t);
    };
    if (s.card)
        addAudiences(p);
    for (const ContactCard& c : s.contacts)
        addAudiences(c.profile);
    audiences.sort();
    audiences.removeDuplicates();
    releaseAudiences_ = audiences;
    emit identityChanged();

    // Peers: trusted contacts, then revoked keys.
    peerNames_.clear();
    QList<QVariantMap> peers;
    for (qsizetype i = 0; i < s.contacts.size(); ++i) {
        const ContactCard& c = s.contacts[i];
        peerNames_.insert(hexOf(c.fingerprint()), c.profile.stationName);
        QVariantMap row{
            {QStringLiteral("name"), c.profile.stationName},
            {QStringLiteral("organisation"), c.profile.organisation},
            {QStringLiteral("communities"), c.profile.communities.join(QStringLiteral(", "))},
            {QStringLiteral("clearance"), share::toString(c.profile.clearance)},
            {QStringLiteral("fingerprint"), c.fingerprintText()},
            {QStringLiteral("fingerprintHex"), hexOf(c.fingerprint())},
            {QStringLiteral("revoked"), false},
            {QStringLiteral("revokedReason"), QString()}};
        if (i < s.status.size()) {
            const share::PeerStatus& st = s.status[i];
            QDateTime last = st.lastSent;
            if (st.lastReceived.isValid() && (!last.isValid() || st.lastReceived > last))
                last = st.lastReceived;
            row.insert(QStringLiteral("lastSent"), when(st.lastSent));
            row.insert(QStringLiteral("lastReceived"), when(st.lastReceived));
            row.insert(QStringLiteral("lastSync"), when(last));
            row.insert(QStringLiteral("pending"), st.pending);
            row.insert(QStringLiteral("withheld"), st.withheld);
            row.insert(QStringLiteral("knowsReported"), st.knowsReported);
        } else {
            row.insert(QStringLiteral("lastSent"), QStringLiteral("—"));
            row.insert(QStringLiteral("lastReceived"), QStringLiteral("—"));
            row.insert(QStringLiteral("lastSync"), QStringLiteral("—"));
            row.insert(QStringLiteral("pending"), -1);
            row.insert(QStringLiteral("withheld"), -1);
            row.insert(QStringLiteral("knowsReported"), false);
        }
        peers.append(row);
    }
    for (const ContactBook::Revoked& r : s.revoked) {
        const QString hex = hexOf(r.fingerprint);
        peers.append({{QStringLiteral("name"), QStringLiteral("Revoked key")},
                      {QStringLiteral("organisation"), QString()},
                      {QStringLiteral("communities"), QString()},
                      {QStringLiteral("clearance"), QString()},
                      {QStringLiteral("fingerprint"), share::formatFingerprint(r.fingerprint)},
                      {QStringLiteral("fingerprintHex"), hex},
                      {QStringLiteral("revoked"), true},
                      {QStringLiteral("revokedReason"),
                       QStringLiteral("revoked %1%2")
                           .arg(when(r.at),
                                r.reason.isEmpty() ? QString() : QStringLiteral(": ") + r.reason)},
                      {QStringLiteral("lastSent"), QStringLiteral("—")},
                      {QStringLiteral("lastReceived"), QStringLiteral("—")},
                      {QStringLiteral("lastSync"), QStringLiteral("—")},
                      {QStringLiteral("pending"), -1},
                      {QStringLiteral("withheld"), -1},
                      {QStringLiteral("knowsReported"), false}});
        if (!peerNames_.contains(hex))
            peerNames_.insert(hex, QStringLiteral("revoked key %1").arg(hex.left(8).toUpper()));
    }
    peers_.setRows(peers);

    // The log, newest first; bundles shown open stay open with their records.
    QHash<QString, QVariant> open;
    for (int i = 0; i < audit_.count(); ++i)
        if (audit_.row(i).value(QStringLiteral("expanded")).toBool())
            open.insert(audit_.row(i).value(QStringLiteral("direction")).toString() +
                            audit_.row(i).value(QStringLiteral("bundleId")).toString(),
                        audit_.row(i).value(QStringLiteral("recordLines")));
    QList<QVariantMap> log;
    for (auto it = s.log.crbegin(); it != s.log.crend(); ++it) {
        QStringList names;
        for (const QString& hex : it->peers.split(QLatin1Char(','), Qt::SkipEmptyParts))
            names.append(peerNames_.value(hex, QStringLiteral("unknown %1").arg(hex.left(8))));
        const QString key = it->direction + it->id;
        log.append({{QStringLiteral("bundleId"), it->id},
                    {QStringLiteral("direction"), it->direction},
                    {QStringLiteral("peerNames"), names.join(QStringLiteral(", "))},
                    {QStringLiteral("at"), when(it->at)},
                    {QStringLiteral("atIso"), it->at.toString(Qt::ISODateWithMs)},
                    {QStringLiteral("records"), it->records},
                    {QStringLiteral("expanded"), open.contains(key)},
                    {QStringLiteral("recordLines"), open.value(key, QStringList())}});
    }
    audit_.setRows(log);

    QList<QVariantMap> conflicts;
    for (const share::Conflict& c : s.conflicts) {
        QString title;
        for (const QCborMap& m : {c.theirs, c.ours})
            for (const char* key : {"title", "name", "text"})
                if (title.isEmpty())
                    title = m.value(QLatin1String(key)).toString();
        conflicts.append({{QStringLiteral("conflictId"), c.id},
                          {QStringLiteral("kind"), c.kind},
                          {QStringLiteral("uuid"), c.uuid},
                          {QStringLiteral("title"), title.isEmpty() ? c.uuid : title},
                          {QStringLiteral("ours"), versionSummary(c.ours)},
                          {QStringLiteral("theirs"), versionSummary(c.theirs)},
                          {QStringLiteral("shown"), c.shown},
                          {QStringLiteral("detectedAt"), when(c.detectedAt)},
                          {QStringLiteral("bundleId"), c.bundleId}});
    }
    conflicts_.setRows(conflicts);
    if (stateError_ != s.error) {
        stateError_ = s.error;
    }
    unsignedRecords_ = static_cast<int>(s.unsignedRecords);
    emit stateChanged();
}

void SharingController::unlock(const QString& passphrase) {
    // One copy of the passphrase travels to the worker, in bytes that are wiped when they go.
    QByteArray utf8 = passphrase.toUtf8();
    auto secret = std::make_shared<share::crypto::SecretBytes>(
        utf8.constData(), static_cast<std::size_t>(utf8.size()));
    share::crypto::wipe(utf8);
    const QString path = identityPath();
    identityState_ = IdentityState::Unlocking;
    identityError_.clear();
    emit identityChanged();
    run(
        [path, secret](SharingWorkerState& s) -> Status {
            QByteArray pass = share::crypto::exposeForEncryption(*secret);
            Result<Identity> id = Identity::load(path, pass);
            share::crypto::wipe(pass);
            secret->wipe();
            if (!id)
                return id.error();
            s.identity.reset();
            s.identity.emplace(std::move(id).value());
            s.identityFile = path;
            return success();
        },
        [this](const Status& unlocked) {
            identityState_ = unlocked ? IdentityState::Unlocked : IdentityState::Locked;
            identityError_ = unlocked ? QString() : unlocked.error().message;
            emit identityChanged();
            report(QStringLiteral("unlock"), unlocked.ok(),
                   unlocked ? QStringLiteral("Identity unlocked: bundles can be exported and "
                                             "imported.")
                            : unlocked.error().message);
            if (unlocked && waitingImport_.isValid()) {
                const QUrl file = waitingImport_;
                waitingImport_.clear();
                importBundle(file);
            }
        });
}

QVariantMap SharingController::passphraseStrength(const QString& passphrase) {
    QByteArray utf8 = passphrase.toUtf8();
    const share::PassphraseStrength strength = share::estimatePassphrase(utf8);
    const Status ok = share::checkPassphraseStrength(utf8);
    share::crypto::wipe(utf8);
    return {{QStringLiteral("bits"), strength.bits},
            {QStringLiteral("chars"), static_cast<int>(strength.chars)},
            {QStringLiteral("ok"), ok.ok()},
            {QStringLiteral("reason"), ok ? QString() : ok.error().message}};
}

void SharingController::createIdentity(const QString& name, const QString& organisation,
                                       const QString& communities, const QString& clearance,
                                       const QString& passphrase) {
    QByteArray utf8 = passphrase.toUtf8();
    auto secret = std::make_shared<share::crypto::SecretBytes>(
        utf8.constData(), static_cast<std::size_t>(utf8.size()));
    share::crypto::wipe(utf8);
    QStringList groups;
    for (const QString& c : communities.split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!c.trimmed().isEmpty())
            groups.append(c.trimmed());
    const std::optional<share::Classification> level = share::classificationFromString(
        clearance.isEmpty() ? QStringLiteral("UNCLASSIFIED") : clearance);
    const QString path = identityPath();
    const StationProfile profile{name.trimmed(),
                                 organisation.trimmed(),
                                 groups,
                                 level.value_or(share::Classification::Unclassified),
                                 {}};
    run(
        [path, profile, secret, known = level.has_value()](SharingWorkerState& s) -> Status {
            if (!known)
                return Error{QStringLiteral("the clearance must be UNCLASSIFIED, RESTRICTED, "
                                            "CONFIDENTIAL or SECRET")};
            if (QFileInfo::exists(path))
                return Error{
                    QStringLiteral("%1 already exists; will not overwrite an identity").arg(path)};
            Result<Identity> id = Identity::create(profile);
            if (!id)
                return id.error();
            QByteArray pass = share::crypto::exposeForEncryption(*secret);
            QDir().mkpath(QFileInfo(path).absolutePath());
            Status saved = id.value().save(path, pass);
            share::crypto::wipe(pass);
            secret->wipe();
            if (!saved)
                return saved;
            // Created here: unlocked at once, as the operator has just typed the passphrase.
            s.identity.reset();
            s.identity.emplace(std::move(id).value());
            s.identityFile = path;
            return success();
        },
        [this](const Status& created) {
            report(QStringLiteral("create-identity"), created.ok(),
                   created ? QStringLiteral("Identity created and unlocked: give peers your card "
                                            "and read them its fingerprint.")
                           : created.error().message);
            refresh();
        });
}

void SharingController::readCard(const QString& textOrFile) {
    const QString given = cardSource(textOrFile);
    const QString identity = identityPath();
    const QString contacts = contactsPath();
    run(
        [given, identity, contacts](SharingWorkerState&) -> QVariantMap {
            Result<ContactCard> card = ContactCard::read(given);
            if (!card)
                return {{QStringLiteral("ok"), false},
                        {QStringLiteral("error"), card.error().message}};
            const StationProfile& p = card.value().profile;
            QVariantMap m{{QStringLiteral("ok"), true},
                          {QStringLiteral("name"), p.stationName},
                          {QStringLiteral("organisation"), p.organisation},
                          {QStringLiteral("communities"), p.communities.join(QStringLiteral(", "))},
                          {QStringLiteral("clearance"), share::toString(p.clearance)},
                          {QStringLiteral("fingerprint"), card.value().fingerprintText()}};
            // What trusting it would change, against the book as it stands.
            Result<ContactCard> mine = Identity::loadCard(identity);
            if (mine) {
                Result<ContactBook> book = ContactBook::load(contacts, mine.value());
                if (book) {
                    m.insert(QStringLiteral("changes"), book.value().profileChanges(card.value()));
                    bool known = false;
                    for (const ContactCard& c : book.value().contacts())
                        known = known || c.fingerprint() == card.value().fingerprint();
                    m.insert(QStringLiteral("known"), known);
                }
            }
            return m;
        },
        [this](const QVariantMap& card) { emit cardRead(card); });
}

void SharingController::trustCard(const QString& textOrFile, const QString& typedFingerprint,
                                  bool acceptChanges) {
    const QString given = cardSource(textOrFile);
    const QString contacts = contactsPath();
    run(
        [given, typedFingerprint, acceptChanges,
         contacts](SharingWorkerState& s) -> Result<QString> {
            if (!s.identity)
                return Error{QStringLiteral("unlock the identity first: the contact book is "
                                            "signed with this station's key")};
            Result<ContactCard> card = ContactCard::read(given);
            if (!card)
                return card.error();
            Result<ContactBook> book = ContactBook::load(contacts, s.identity->card());
            if (!book)
                return book.error();
            Result<ContactCard> added =
                book.value().importCard(card.value(), typedFingerprint,
                                        acceptChanges ? ContactBook::ProfileChange::Accept
                                                      : ContactBook::ProfileChange::Refuse);
            if (!added)
                return added.error();
            if (Status saved = book.value().save(*s.identity); !saved)
                return saved.error();
            return added.value().profile.stationName;
        },
        [this](const Result<QString>& trusted) {
            report(QStringLiteral("trust-card"), trusted.ok(),
                   trusted
                       ? QStringLiteral("%1 is trusted: bundles can go to it.").arg(trusted.value())
                       : trusted.error().message);
            refresh();
        });
}

void SharingController::revokeContact(const QString& fingerprintHex, const QString& reason) {
    const QString contacts = contactsPath();
    const QByteArray fingerprint = QByteArray::fromHex(fingerprintHex.toLatin1());
    run(
        [fingerprint, reason, contacts](SharingWorkerState& s) -> Status {
            if (!s.identity)
                return Error{QStringLiteral("unlock the identity first: the contact book is "
                                            "signed with this station's key")};
            Result<ContactBook> book = ContactBook::load(contacts, s.identity->card());
            if (!book)
                return book.error();
            if (Status r = book.value().revokeLocally(
                    fingerprint,
                    reason.trimmed().isEmpty() ? QStringLiteral("revoked here") : reason.trimmed());
                !r)
                return r;
            return book.value().save(*s.identity);
        },
        [this](const Status& revoked) {
            report(QStringLiteral("revoke-contact"), revoked.ok(),
                   revoked ? QStringLiteral("The contact is no longer trusted: nothing more goes "
                                            "to it, nothing from it is applied.")
                           : revoked.error().message);
            refresh();
        });
}

void SharingController::lock() {
    run(
        [](SharingWorkerState& s) {
            s.identity.reset();
            s.identityFile.clear();
            return true;
        },
        [this](bool) {
            if (identityState_ == IdentityState::Unlocked)
                identityState_ = IdentityState::Locked;
            emit identityChanged();
            report(QStringLiteral("lock"), true, QStringLiteral("Identity locked."));
        });
}

void SharingController::exportBundle(const QString& peerFingerprintHex, const QUrl& file) {
    const QString out = localFile(file);
    const QString identity = identityPath();
    const QString contacts = contactsPath();
    const QString mission = missionPath();
    struct Exported {
        QString error;
        QString message;
    };
    run(
        [=](SharingWorkerState& s) -> Exported {
            if (!s.identity || s.identityFile != identity) // the keys of this identity file
                return {QStringLiteral("Unlock this station's identity first."), {}};
            Result<ContactBook> book = ContactBook::load(contacts, s.identity->card());
            if (!book)
                return {book.error().message, {}};
            std::optional<ContactCard> peer =
                book.value().find(QByteArray::fromHex(peerFingerprintHex.toLatin1()));
            if (!peer)
                return {QStringLiteral("%1 is not a trusted contact (revoked, or removed from "
                                       "the contact book)")
                            .arg(peerFingerprintHex.left(16)),
                        {}};
            Result<store::MissionStore*> m = s.mission(mission, true);
            if (!m)
                return {m.error().message, {}};
            Result<share::ExportReport> r = share::exportBundle(*m.value(), *s.identity, {*peer});
            if (!r)
                return {r.error().message, {}};
            if (Status w = writeFile(out, r.value().bytes); !w)
                return {QStringLiteral("%1 (the bundle %2 is in the log as sent, but no file "
                                       "holds it: export again)")
                            .arg(w.error().message, r.value().id),
                        {}};
            return {{},
                    QStringLiteral("Bundle for %1 written to %2: %3 records%4%5.")
                        .arg(peer->profile.stationName, out)
                        .arg(r.value().records)
                        .arg(r.value().withheld > 0
                                 ? QStringLiteral(", %1 withheld (not releasable to %2)")
                                       .arg(r.value().withheld)
                                       .arg(peer->profile.stationName)
                                 : QString())
                        .arg(r.value().unsignedForeign > 0
                                 ? QStringLiteral(", %1 of other stations left out (received "
                                                  "before records were signed)")
                                       .arg(r.value().unsignedForeign)
                                 : QString())};
        },
        [this](const Exported& e) {
            report(QStringLiteral("export"), e.error.isEmpty(),
                   e.error.isEmpty() ? e.message
                                     : QStringLiteral("Bundle not exported: %1").arg(e.error));
            refresh();
        });
}

void SharingController::importBundle(const QUrl& file) {
    const QString in = localFile(file);
    // A bundle dropped before the identity is unlocked waits for the passphrase.
    if (identityState_ == IdentityState::Locked || identityState_ == IdentityState::Unlocking) {
        waitingImport_ = file;
        report(QStringLiteral("import-waiting"), true,
               QStringLiteral("%1 will be imported once this station's identity is unlocked: "
                              "enter the passphrase.")
                   .arg(QFileInfo(in).fileName()));
        return;
    }
    const QString identity = identityPath();
    const QString contacts = contactsPath();
    const QString mission = missionPath();
    struct Imported {
        QString error;
        QString message;
        int applied = 0;
    };
    run(
        [=](SharingWorkerState& s) -> Imported {
            const QString name = QFileInfo(in).fileName();
            auto refused = [&](const QString& why) {
                return Imported{QStringLiteral("%1 refused: %2").arg(name, why), {}, 0};
            };
            if (!s.identity || s.identityFile != identity) // the keys of this identity file
                return refused(QStringLiteral("unlock this station's identity first"));
            const share::BundleLimits limits;
            QFile f(in);
            if (!f.open(QIODevice::ReadOnly))
                return refused(QStringLiteral("cannot read the file (%1)").arg(f.errorString()));
            if (f.size() > limits.maxBundleBytes)
                return refused(QStringLiteral("oversized: %1 bytes, more than the %2 a bundle may "
                                              "have")
                                   .arg(f.size())
                                   .arg(limits.maxBundleBytes));
            const QByteArray bytes = f.readAll();
            Result<ContactBook> book = ContactBook::load(contacts, s.identity->card());
            if (!book)
                return refused(book.error().message);
            Result<store::MissionStore*> m = s.mission(mission, true);
            if (!m)
                return refused(m.error().message);
            Result<share::ImportReport> r =
                share::importBundle(*m.value(), bytes, *s.identity, book.value(), limits);
            if (!r)
                return refused(r.error().message);
            const share::ImportReport& i = r.value();
            QString message = QStringLiteral("Bundle from %1 applied: %2 records new or newer")
                                  .arg(i.sender)
                                  .arg(i.applied);
            if (i.unchanged > 0)
                message += QStringLiteral(", %1 already held").arg(i.unchanged);
            if (i.skipped > 0)
                message +=
                    QStringLiteral(", %1 skipped (their incident is not held here)").arg(i.skipped);
            if (i.conflicts > 0)
                message += QStringLiteral(", %1 conflicts to resolve").arg(i.conflicts);
            message += QLatin1Char('.');
            for (const QString& warning : i.warnings())
                message += QLatin1Char(' ') + warning;
            return {{}, message, i.applied};
        },
        [this](const Imported& i) {
            if (i.applied > 0 && mission_)
                mission_->reloadRecords();
            report(QStringLiteral("import"), i.error.isEmpty(),
                   i.error.isEmpty() ? i.message : i.error);
            refresh();
        });
}

void SharingController::resolveConflict(qint64 conflictId, bool keepTheirs) {
    const QString mission = missionPath();
    run(
        [=](SharingWorkerState& s) -> Status {
            Result<store::MissionStore*> m = s.mission(mission, true);
            if (!m)
                return m.error();
            return share::resolveConflict(*m.value(), conflictId,
                                          keepTheirs ? share::ConflictChoice::Theirs
                                                     : share::ConflictChoice::Ours);
        },
        [this, keepTheirs](const Status& resolved) {
            if (resolved && mission_)
                mission_->reloadRecords();
            report(QStringLiteral("resolve"), resolved.ok(),
                   resolved
                       ? (keepTheirs ? QStringLiteral("Conflict resolved: their version kept, "
                                                      "as a new change of this station.")
                                     : QStringLiteral("Conflict resolved: our version kept, as "
                                                      "a new change of this station."))
                       : QStringLiteral("Conflict not resolved: %1").arg(resolved.error().message));
            refresh();
        });
}

void SharingController::toggleRecords(int auditRow) {
    if (auditRow < 0 || auditRow >= audit_.count())
        return;
    const QVariantMap& row = audit_.row(auditRow);
    if (row.value(QStringLiteral("expanded")).toBool()) {
        audit_.updateRow(auditRow, {{QStringLiteral("expanded"), false}});
        return;
    }
    const QString id = row.value(QStringLiteral("bundleId")).toString();
    const QString direction = row.value(QStringLiteral("direction")).toString();
    const QString mission = missionPath();
    run(
        [=](SharingWorkerState& s) -> Result<QStringList> {
            Result<store::MissionStore*> m = s.mission(mission, false);
            if (!m)
                return m.error();
            Result<QList<share::BundleLogRecord>> records =
                share::bundleRecords(*m.value(), id, direction);
            if (!records)
                return records.error();
            QStringList lines;
            for (const share::BundleLogRecord& r : records.value())
                lines.append(recordLine(r));
            return lines;
        },
        [this, id, direction](const Result<QStringList>& lines) {
            if (!lines) {
                report(QStringLiteral("records"), false, lines.error().message);
                return;
            }
            for (int i = 0; i < audit_.count(); ++i)
                if (audit_.row(i).value(QStringLiteral("bundleId")).toString() == id &&
                    audit_.row(i).value(QStringLiteral("direction")).toString() == direction)
                    audit_.updateRow(i, {{QStringLiteral("expanded"), true},
                                         {QStringLiteral("recordLines"), lines.value()}});
            emit finished(QStringLiteral("records"), true, QString());
        });
}

void SharingController::exportAudit(const QUrl& file) {
    const QString out = localFile(file);
    const QString mission = missionPath();
    const QHash<QString, QString> names = peerNames_;
    run(
        [=](SharingWorkerState& s) -> Result<int> {
            Result<store::MissionStore*> m = s.mission(mission, false);
            if (!m)
                return m.error();
            Result<QList<share::BundleLogEntry>> log = share::bundleLog(*m.value());
            if (!log)
                return log.error();
            // The columns of `tessera-cli bundle log --records --csv`, then the peers' names.
            QString csv = QStringLiteral("at,direction,bundle,peers,kind,uuid,updated_hlc,"
                                         "classification,releasability,peer_names\n");
            int lines = 0;
            for (const share::BundleLogEntry& e : log.value()) {
                Result<QList<share::BundleLogRecord>> records =
                    share::bundleRecords(*m.value(), e.id, e.direction);
                if (!records)
                    return records.error();
                QStringList peerNames;
                for (const QString& hex : e.peers.split(QLatin1Char(','), Qt::SkipEmptyParts))
                    peerNames.append(names.value(hex, hex));
                const QString head = e.at.toString(Qt::ISODateWithMs) + QLatin1Char(',') +
                                     e.direction + QLatin1Char(',') + e.id + QLatin1Char(',') +
                                     csvQuoted(e.peers) + QLatin1Char(',');
                const QString tail = QLatin1Char(',') +
                                     csvQuoted(peerNames.join(QStringLiteral(", "))) +
                                     QLatin1Char('\n');
                if (records.value().isEmpty()) { // a bundle that carried nothing is logged too
                    csv += head + QStringLiteral(",,,\"\",\"\"") + tail;
                    ++lines;
                }
                for (const share::BundleLogRecord& r : records.value()) {
                    csv += head + r.kind + QLatin1Char(',') + r.uuid + QLatin1Char(',') +
                           QString::number(r.updated) + QLatin1Char(',') +
                           csvQuoted(r.marking.classification) + QLatin1Char(',') +
                           csvQuoted(r.marking.releasability) + tail;
                    ++lines;
                }
            }
            if (Status w = writeFile(out, csv.toUtf8()); !w)
                return w.error();
            return lines;
        },
        [this, out](const Result<int>& lines) {
            report(
                QStringLiteral("audit"), lines.ok(),
                lines ? QStringLiteral("Audit written to %1: %2 lines.").arg(out).arg(lines.value())
                      : QStringLiteral("Audit not written: %1").arg(lines.error().message));
        });
}

QString SharingController::suggestedBundleName(const QString& peerName) const {
    auto clean = [](QString s) {
        s.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_-]+")), QStringLiteral("_"));
        return s.isEmpty() ? QStringLiteral("station") : s;
    };
    return QStringLiteral("%1-to-%2-%3.tsb")
        .arg(clean(stationName_), clean(peerName),
             QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmm")));
}

} // namespace tessera::quick
