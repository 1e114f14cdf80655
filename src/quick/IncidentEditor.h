// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quick/MissionController.h"
#include "store/Mission.h"

#include <QObject>
#include <QPointer>
#include <QUrl>
#include <QVariantList>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

#include <optional>

namespace tessera::quick {

/// The incident form behind the editor panel: every field of one incident as the user types it,
/// checked as a whole on save(). A refused save writes nothing and says, field by field, why
/// (`problems`: field name -> reason); an accepted one goes to the mission's records worker and
/// lands in one transaction, or not at all (`error` then says why). Also the incident's thread of
/// notes, read with it and appended to.
///
/// Field names (for `problems`): title, category, severity, status, observedAt, lat, lon,
/// source, reliability, credibility, narrative, classification, releasability.
///
/// Threads: GUI thread; reading and writing happen on MissionController::records().
class IncidentEditor : public QObject {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(tessera::quick::MissionController* mission READ mission WRITE setMission NOTIFY
                   missionChanged)
    Q_PROPERTY(QString title MEMBER title_ NOTIFY fieldsChanged)
    Q_PROPERTY(QString category MEMBER category_ NOTIFY fieldsChanged)
    Q_PROPERTY(QString severity MEMBER severity_ NOTIFY fieldsChanged)
    Q_PROPERTY(QString status MEMBER status_ NOTIFY fieldsChanged)
    /// UTC, "yyyy-MM-dd HH:mm" (ISO 8601 with a T and seconds is read too).
    Q_PROPERTY(QString observedAt MEMBER observedAt_ NOTIFY fieldsChanged)
    /// Decimal degrees as typed.
    Q_PROPERTY(QString lat MEMBER lat_ NOTIFY fieldsChanged)
    Q_PROPERTY(QString lon MEMBER lon_ NOTIFY fieldsChanged)
    /// The MGRS reference of the latitude and longitude fields (1 m), empty when they are not
    /// a position. Set a position in any notation with setPosition.
    Q_PROPERTY(QString grid READ grid NOTIFY fieldsChanged)
    Q_PROPERTY(QString source MEMBER source_ NOTIFY fieldsChanged)
    Q_PROPERTY(QString reliability MEMBER reliability_ NOTIFY fieldsChanged)
    Q_PROPERTY(int credibility MEMBER credibility_ NOTIFY fieldsChanged)
    Q_PROPERTY(QString narrative MEMBER narrative_ NOTIFY fieldsChanged)
    Q_PROPERTY(QString classification MEMBER classification_ NOTIFY fieldsChanged)
    Q_PROPERTY(QString releasability MEMBER releasability_ NOTIFY fieldsChanged)
    /// The REL TO entries of `releasability` as the marking grammar reads them (empty when it
    /// has none or cannot be read); chosen with setReleasableTo.
    Q_PROPERTY(QStringList releasableTo READ releasableTo NOTIFY fieldsChanged)
    /// The classification levels of the marking grammar, lowest first, to choose from.
    Q_PROPERTY(QStringList classificationOptions READ classificationOptions CONSTANT)
    /// Whom new notes are from.
    Q_PROPERTY(QString author MEMBER author_ NOTIFY fieldsChanged)
    /// The incident being edited (empty: a new one, not saved yet).
    Q_PROPERTY(QString uuid READ uuid NOTIFY stateChanged)
    /// Whether the form holds an incident (startNew() or edit() was called, not closed since).
    Q_PROPERTY(bool active READ active NOTIFY stateChanged)
    /// Waiting for the records worker (reading the incident, saving, adding a note).
    Q_PROPERTY(bool busy READ busy NOTIFY stateChanged)
    Q_PROPERTY(QVariantMap problems READ problems NOTIFY stateChanged)
    /// Why the mission did not take the last save or note (nothing of it was written).
    Q_PROPERTY(QString error READ error NOTIFY stateChanged)
    /// The notes thread, oldest first: {author, text, writtenAt}.
    Q_PROPERTY(QVariantList notes READ notes NOTIFY stateChanged)
    /// The saved incident's attachments: {uuid, name, mediaType, size, sha256, preview} where
    /// preview is a data: URL of a small PNG for images (decoded on a worker), else empty.
    Q_PROPERTY(QVariantList attachments READ attachments NOTIFY attachmentsChanged)
    /// {key, label} of every category, for the form's list.
    Q_PROPERTY(QVariantList categoryOptions READ categoryOptions CONSTANT)

public:
    explicit IncidentEditor(QObject* parent = nullptr);

    [[nodiscard]] MissionController* mission() const { return mission_; }
    void setMission(MissionController* mission);
    [[nodiscard]] QString uuid() const { return base_.uuid; }
    [[nodiscard]] bool active() const { return active_; }
    [[nodiscard]] bool busy() const { return waiting_ != 0; }
    [[nodiscard]] QVariantMap problems() const { return problems_; }
    [[nodiscard]] QString error() const { return error_; }
    [[nodiscard]] QVariantList notes() const;
    [[nodiscard]] static QVariantList categoryOptions();

    /// A new incident at this place, observed now, with the mission's marking.
    Q_INVOKABLE void startNew(double lon, double lat);
    /// Reads the incident and its notes into the form.
    Q_INVOKABLE void edit(const QString& uuid);
    /// Puts a position typed in any notation (MGRS, UTM, DMS, decimal degrees:
    /// geo::readPosition) into the latitude and longitude fields; of several readings, the one
    /// nearest the fields' position. When it is none, `problems` says so under "grid" and
    /// nothing changes. True when it was taken.
    Q_INVOKABLE bool setPosition(const QString& text);
    /// Puts a point clicked on the map into the fields (the map's Place tool).
    Q_INVOKABLE void placeAt(double lon, double lat);
    [[nodiscard]] QString grid() const;
    [[nodiscard]] QStringList releasableTo() const;
    [[nodiscard]] static QStringList classificationOptions();
    /// Makes `audiences` the REL TO of `releasability`, in the grammar's canonical form, keeping
    /// a sanitised clause as it was; none leaves no REL TO line. When the field cannot be read,
    /// it is replaced by the REL TO line alone.
    Q_INVOKABLE void setReleasableTo(const QStringList& audiences);
    /// Checks the form; when something is wrong sets `problems` and returns false, writing
    /// nothing. Otherwise sends the incident to be saved and returns true; saved() follows, or
    /// `error` when the mission refused it.
    Q_INVOKABLE bool save();
    /// Leaves the form (what was not saved is dropped).
    Q_INVOKABLE void close();
    /// Appends a note to the saved incident's thread.
    Q_INVOKABLE void addNote(const QString& text);
    /// Attaches a file to the saved incident (read and hashed on the records worker).
    Q_INVOKABLE void attach(const QUrl& file);
    [[nodiscard]] QVariantList attachments() const { return attachments_; }

    /// The incident the fields describe now, and what is wrong with it (parsing and
    /// store::incidentEditProblems against `now`). For save() and the tests.
    [[nodiscard]] store::Incident incident(QList<store::FieldProblem>* problems,
                                           const QDateTime& now) const;

signals:
    void missionChanged();
    void fieldsChanged();
    void stateChanged();
    /// The incident is in the mission (added or replaced).
    void saved(const QString& uuid);
    void noteAdded();
    void attachmentsChanged();

private:
    void follow();
    void fill(const store::Incident& incident);
    void finishWaiting(const QString& error);

    QPointer<MissionController> mission_;
    QList<QMetaObject::Connection> workerLinks_;
    store::Incident base_; ///< what was read (or made by startNew): fields not on the form
    QList<store::IncidentNote> notes_;
    bool active_ = false;
    int waiting_ = 0;
    quint64 loadTicket_ = 0;
    quint64 saveTicket_ = 0;
    std::optional<store::Incident> savingOver_; ///< what the save replaces (none: new), for undo
    quint64 noteTicket_ = 0;
    quint64 attachTicket_ = 0;
    quint64 attachmentsTicket_ = 0;
    QVariantList attachments_;
    void loadAttachments();
    QVariantMap problems_;
    QString error_;

    QString title_;
    QString category_;
    QString severity_;
    QString status_;
    QString observedAt_;
    QString lat_;
    QString lon_;
    QString source_;
    QString reliability_;
    int credibility_ = 6;
    QString narrative_;
    QString classification_;
    QString releasability_;
    QString author_;
};

} // namespace tessera::quick
