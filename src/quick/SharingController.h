// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quick/MissionController.h"
#include "quick/SharingModels.h"

#include <QFileSystemWatcher>
#include <QObject>
#include <QPointer>
#include <QThread>
#include <QTimer>
#include <QUrl>
#include <QtQml/qqmlregistration.h>

#include <memory>

namespace tessera::quick {

struct SharingWorkerState;
struct SharingSnapshot;

/// The sharing panel's side in C++ (docs/sharing.md, "In the app"): this station's identity,
/// its peers with last sync and pending changes, unresolved conflicts and the sharing log of the
/// open mission; exporting a bundle for a peer, importing one (file dialog or a file dropped on
/// the map), resolving conflicts, exporting the audit as CSV.
///
/// Threads: GUI thread. Every file, key derivation, signature, cipher and SQLite call runs on
/// the controller's own worker thread, one operation at a time and in the order asked; results
/// come back as queued calls. The unlocked Identity (its private keys) lives on that thread
/// only and never reaches the GUI thread; a passphrase is wiped there after use and never kept.
class SharingController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(tessera::quick::MissionController* mission READ mission WRITE setMission NOTIFY
                   missionChanged)
    /// This station's identity file; empty means the default (defaultIdentityPath()).
    Q_PROPERTY(QString identityPath READ identityPath WRITE setIdentityPath NOTIFY pathsChanged)
    /// The contact book; empty means contacts.cbor beside the identity file.
    Q_PROPERTY(QString contactsPath READ contactsPath WRITE setContactsPath NOTIFY pathsChanged)
    Q_PROPERTY(IdentityState identityState READ identityState NOTIFY identityChanged)
    /// Why the identity cannot be read or unlocked (wrong passphrase, damaged file).
    Q_PROPERTY(QString identityError READ identityError NOTIFY identityChanged)
    Q_PROPERTY(QString stationName READ stationName NOTIFY identityChanged)
    Q_PROPERTY(QString organisation READ organisation NOTIFY identityChanged)
    Q_PROPERTY(QString communities READ communities NOTIFY identityChanged)
    Q_PROPERTY(QString clearance READ clearance NOTIFY identityChanged)
    Q_PROPERTY(QString fingerprint READ fingerprint NOTIFY identityChanged)
    /// Who a record can be marked releasable to: the nations, organisations and communities of
    /// this station and of its trusted contacts (REL TO tokens), sorted, each once.
    Q_PROPERTY(QStringList releaseAudiences READ releaseAudiences NOTIFY identityChanged)
    /// This station's card in its text form ("tessera-card:..."), to give to peers with its
    /// fingerprint; empty without an identity.
    Q_PROPERTY(QString cardText READ cardText NOTIFY identityChanged)
    /// Why the contact book or the mission's sharing state cannot be read; empty when fine.
    Q_PROPERTY(QString stateError READ stateError NOTIFY stateChanged)
    /// Records other stations wrote that no signature covers (received before records were
    /// signed): kept here, not passed on.
    Q_PROPERTY(int unsignedRecords READ unsignedRecords NOTIFY stateChanged)
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
    /// What the last operation did, or exactly why it was refused.
    Q_PROPERTY(QString message READ message NOTIFY messageChanged)
    Q_PROPERTY(bool messageIsError READ messageIsError NOTIFY messageChanged)
    /// The message is about something waiting for the user (a bundle waiting for the passphrase).
    Q_PROPERTY(bool messageIsWaiting READ messageIsWaiting NOTIFY messageChanged)
    Q_PROPERTY(tessera::quick::PeerListModel* peers READ peers CONSTANT)
    Q_PROPERTY(tessera::quick::AuditLogModel* audit READ audit CONSTANT)
    Q_PROPERTY(tessera::quick::ConflictListModel* conflicts READ conflicts CONSTANT)
    /// Sharing through the mission's broker (docs/deployment.md): running, connected, and what
    /// it has done, in words (queued parts, last received per peer, the last problem).
    Q_PROPERTY(bool relayRunning READ relayRunning NOTIFY relayChanged)
    Q_PROPERTY(bool relayConnected READ relayConnected NOTIFY relayChanged)
    Q_PROPERTY(QString relayStatus READ relayStatus NOTIFY relayChanged)
    Q_PROPERTY(QString relayPeers READ relayPeers NOTIFY relayChanged)

public:
    enum class IdentityState {
        Unknown,   ///< not read yet
        Missing,   ///< no identity file: create one with tessera-cli identity create
        Locked,    ///< its public card is read; the private keys are not
        Unlocking, ///< deriving the key from the passphrase
        Unlocked,  ///< bundles can be exported and imported
        Broken     ///< the file cannot be read (identityError says why)
    };
    Q_ENUM(IdentityState)

    explicit SharingController(QObject* parent = nullptr);
    ~SharingController() override;

    /// $TESSERA_IDENTITY, else station.identity in tessera-cli's configuration folder: the file
    /// `tessera-cli identity create` writes by default, so both programs use one identity.
    static QString defaultIdentityPath();
    /// The bundle files this panel reads and writes (".tsb"): what a drop on the map imports.
    Q_INVOKABLE static bool isBundleFile(const QUrl& file);

    [[nodiscard]] MissionController* mission() const { return mission_; }
    void setMission(MissionController* mission);
    [[nodiscard]] QString identityPath() const;
    void setIdentityPath(const QString& path);
    [[nodiscard]] QString contactsPath() const;
    void setContactsPath(const QString& path);

    [[nodiscard]] IdentityState identityState() const { return identityState_; }
    [[nodiscard]] QString identityError() const { return identityError_; }
    [[nodiscard]] QString stationName() const { return stationName_; }
    [[nodiscard]] QString organisation() const { return organisation_; }
    [[nodiscard]] QString communities() const { return communities_; }
    [[nodiscard]] QString clearance() const { return clearance_; }
    [[nodiscard]] QStringList releaseAudiences() const { return releaseAudiences_; }
    [[nodiscard]] QString cardText() const { return cardText_; }

    /// How strong a passphrase is, as Identity::save judges it: {bits, chars, ok, reason}.
    /// Counting only (no key derivation): fine on the GUI thread at each key press.
    [[nodiscard]] Q_INVOKABLE static QVariantMap passphraseStrength(const QString& passphrase);
    /// Creates this station's identity at identityPath (keys, a self-signed card, the file
    /// encrypted with `passphrase`), on the worker (key derivation takes a while); refuses to
    /// overwrite one. `communities` are comma separated. finished("create-identity", ...).
    Q_INVOKABLE void createIdentity(const QString& name, const QString& organisation,
                                    const QString& communities, const QString& clearance,
                                    const QString& passphrase);
    /// Reads a card (its text, or a file URL) and checks its signature, on the worker:
    /// cardRead({ok, error, name, organisation, communities, clearance, fingerprint, known,
    /// changes}) where `changes` lists how it differs from a trusted card with the same keys.
    Q_INVOKABLE void readCard(const QString& textOrFile);
    /// Trusts the card once `typedFingerprint` (as read aloud by its owner) matches it
    /// (ContactBook::importCard); `acceptChanges` replaces a trusted card with the same keys
    /// whose profile differs. Needs the identity unlocked. finished("trust-card", ...).
    Q_INVOKABLE void trustCard(const QString& textOrFile, const QString& typedFingerprint,
                               bool acceptChanges = false);
    /// Stops trusting a contact on this station's word (ContactBook::revokeLocally). Needs the
    /// identity unlocked. finished("revoke-contact", ...).
    Q_INVOKABLE void revokeContact(const QString& fingerprintHex, const QString& reason);
    [[nodiscard]] QString fingerprint() const { return fingerprint_; }
    [[nodiscard]] QString stateError() const { return stateError_; }
    [[nodiscard]] int unsignedRecords() const { return unsignedRecords_; }
    [[nodiscard]] bool busy() const { return running_ > 0; }
    [[nodiscard]] QString message() const { return message_; }
    [[nodiscard]] bool messageIsError() const { return messageIsError_; }
    [[nodiscard]] bool messageIsWaiting() const { return messageIsWaiting_; }
    [[nodiscard]] PeerListModel* peers() { return &peers_; }
    [[nodiscard]] AuditLogModel* audit() { return &audit_; }
    [[nodiscard]] ConflictListModel* conflicts() { return &conflicts_; }
    [[nodiscard]] bool relayRunning() const { return relay_ != nullptr; }
    [[nodiscard]] bool relayConnected() const { return relayConnected_; }
    [[nodiscard]] QString relayStatus() const { return relayStatus_; }
    [[nodiscard]] QString relayPeers() const { return relayPeers_; }

    /// Starts sharing through the broker at `url` (mqtts://HOST:PORT), trusting only the
    /// broker certificate `caFile`: the relay runs on its own thread with the unlocked identity
    /// (taken over on the worker, never on this thread) until stopRelay() or the mission closes.
    Q_INVOKABLE void startRelay(const QString& url, const QUrl& caFile);
    /// Stops it; the broker keeps the station's session and queues what arrives meanwhile.
    Q_INVOKABLE void stopRelay();

    /// Reads the identity's public card, the contact book and the mission's sharing state again.
    Q_INVOKABLE void refresh();
    /// Derives the key from `passphrase` (scrypt) and opens the private keys, on the worker.
    Q_INVOKABLE void unlock(const QString& passphrase);
    /// Forgets the private keys (wiped on the worker).
    Q_INVOKABLE void lock();
    /// Writes a bundle for one peer (by fingerprint, hex): what it may have and does not hold.
    Q_INVOKABLE void exportBundle(const QString& peerFingerprintHex, const QUrl& file);
    /// Checks and applies a bundle file, all or nothing; the map shows applied records at once.
    /// While the identity is locked, the file waits ("import-waiting") and is imported as soon
    /// as it is unlocked.
    Q_INVOKABLE void importBundle(const QUrl& file);
    /// Keeps our version (`keepTheirs` false) or theirs, as a new change of this station.
    Q_INVOKABLE void resolveConflict(qint64 conflictId, bool keepTheirs);
    /// Shows or hides the records a logged bundle carried (read on the worker when first shown).
    Q_INVOKABLE void toggleRecords(int auditRow);
    /// Writes the sharing log with every record each bundle carried, as CSV.
    Q_INVOKABLE void exportAudit(const QUrl& file);
    /// A file name for a bundle to `peerName` written now, e.g. "ALPHA-to-BRAVO-20261126-0912.tsb".
    [[nodiscard]] Q_INVOKABLE QString suggestedBundleName(const QString& peerName) const;

signals:
    void missionChanged();
    void pathsChanged();
    void identityChanged();
    void stateChanged();
    void busyChanged();
    void messageChanged();
    void relayChanged();
    /// An operation ("refresh", "unlock", "lock", "export", "import", "import-waiting",
    /// "resolve", "records", "audit") finished; `message` is what was done or why not.
    void finished(const QString& operation, bool ok, const QString& message);
    void cardRead(const QVariantMap& card);

private:
    /// Runs `job(state)` on the worker thread, then `done(result)` on the GUI thread.
    template <typename Job, typename Done>
    void run(Job job, Done done);
    void missionStatusChanged();
    void applySnapshot(const SharingSnapshot& snapshot);
    void report(const QString& operation, bool ok, const QString& message);
    [[nodiscard]] QString missionPath() const;
    /// Watches the folders of the identity and the contact book: a card imported or revoked,
    /// or an identity made, by tessera-cli or another window shows here at once (the files are
    /// replaced by rename, so their folders are watched, not the files).
    void watchPaths();
    /// Reads the relay's status (a copy under its lock) into the properties; reloads the map's
    /// records when the relay applied some.
    void pollRelay();

    struct RelayRun;
    std::shared_ptr<RelayRun> relay_;
    QTimer relayPoll_;
    bool relayConnected_ = false;
    QString relayStatus_;
    QString relayPeers_;
    int relayApplied_ = 0;

    QThread thread_;
    QFileSystemWatcher watcher_;
    QTimer changedOnDisk_;       ///< gathers a burst of changes into one refresh
    QObject* context_ = nullptr; ///< lives on thread_: the target of queued jobs
    std::shared_ptr<SharingWorkerState> state_;
    QPointer<MissionController> mission_;
    QString loadedMission_;
    QString identityPath_;
    QString contactsPath_;
    IdentityState identityState_ = IdentityState::Unknown;
    QString identityError_;
    QString stationName_;
    QString organisation_;
    QString communities_;
    QString clearance_;
    QString fingerprint_;
    QStringList releaseAudiences_;
    QString cardText_;
    QString stateError_;
    int unsignedRecords_ = 0;
    int running_ = 0;
    QString message_;
    bool messageIsError_ = false;
    bool messageIsWaiting_ = false;
    QUrl waitingImport_;                ///< a bundle to import once the identity is unlocked
    QHash<QString, QString> peerNames_; ///< fingerprint hex -> station name, for the log
    PeerListModel peers_;
    AuditLogModel audit_;
    ConflictListModel conflicts_;
};

} // namespace tessera::quick
