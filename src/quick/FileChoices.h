// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QStringList>
#include <QUrl>
#include <QtQml/qqmlregistration.h>

namespace tessera::quick {

/// What the window's file dialogs share: the folder they open in (the user's documents the
/// first time, then the last one used, kept across runs in the settings), and the rules a save
/// follows: the file's extension is the one of the type chosen, and an existing file is
/// replaced only when the user says so (SaveDialog.qml asks).
///
/// Threads: GUI thread. `exists` asks the file system about one path (a stat, not a read).
class FileChoices : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_PROPERTY(QUrl folder READ folder WRITE setFolder NOTIFY folderChanged)

public:
    explicit FileChoices(QObject* parent = nullptr);

    [[nodiscard]] QUrl folder() const { return folder_; }
    void setFolder(const QUrl& folder);
    /// Remembers the folder of a file just chosen.
    Q_INVOKABLE void chosen(const QUrl& file);
    [[nodiscard]] Q_INVOKABLE static bool exists(const QUrl& file);

    /// `file` with the extension of the type chosen: `typeExtensions` are the chosen filter's
    /// ("pdf"), `otherExtensions` every extension the dialog offers. A name without an
    /// extension, or with another offered one ("brief.pdf" saved as PNG), gets the chosen
    /// type's; any other ending is part of the name and kept ("v1.2" becomes "v1.2.png").
    /// An empty `typeExtensions` ("All files") leaves the name as typed.
    [[nodiscard]] Q_INVOKABLE static QUrl withExtension(const QUrl& file,
                                                        const QStringList& typeExtensions,
                                                        const QStringList& otherExtensions);

signals:
    void folderChanged();

private:
    QUrl folder_;
};

} // namespace tessera::quick
