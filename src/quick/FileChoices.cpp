// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "quick/FileChoices.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>

namespace tessera::quick {

namespace {
const QString kFolderKey = QStringLiteral("dialogs/folder");
} // namespace

FileChoices::FileChoices(QObject* parent)
    : QObject(parent) {
    const QString saved = QSettings().value(kFolderKey).toString();
    QString start = saved;
    if (start.isEmpty() || !QFileInfo(start).isDir())
        start = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    if (start.isEmpty() || !QFileInfo(start).isDir())
        start = QDir::homePath();
    folder_ = QUrl::fromLocalFile(start);
}

void FileChoices::setFolder(const QUrl& folder) {
    if (folder == folder_ || !folder.isLocalFile() || !QFileInfo(folder.toLocalFile()).isDir())
        return;
    folder_ = folder;
    QSettings().setValue(kFolderKey, folder.toLocalFile());
    emit folderChanged();
}

void FileChoices::chosen(const QUrl& file) {
    if (file.isLocalFile())
        setFolder(QUrl::fromLocalFile(QFileInfo(file.toLocalFile()).absolutePath()));
}

bool FileChoices::exists(const QUrl& file) {
    return file.isLocalFile() && QFileInfo::exists(file.toLocalFile());
}

QUrl FileChoices::withExtension(const QUrl& file, const QStringList& typeExtensions,
                                const QStringList& otherExtensions) {
    if (!file.isLocalFile() || typeExtensions.isEmpty())
        return file;
    const QFileInfo info(file.toLocalFile());
    const QString suffix = info.suffix().toLower();
    if (typeExtensions.contains(suffix, Qt::CaseInsensitive))
        return file;
    QString name = info.fileName();
    if (!suffix.isEmpty() && otherExtensions.contains(suffix, Qt::CaseInsensitive))
        name.chop(suffix.size() + 1);
    return QUrl::fromLocalFile(
        info.dir().filePath(name + QLatin1Char('.') + typeExtensions.first()));
}

} // namespace tessera::quick
