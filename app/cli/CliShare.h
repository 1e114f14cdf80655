// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// What the sharing commands of tessera-cli have in common (ShareCommands.cpp): where the
// identity and the contact book live, the passphrase, messages.

#include "geo/Result.h"
#include "share/ContactBook.h"
#include "share/Identity.h"
#include "store/ReleasedVersion.h"

#include <QCommandLineParser>
#include <QTextStream>

#include <functional>

namespace tessera::cli {

QTextStream& out();
QTextStream& err();
/// Prints "tessera-cli: MESSAGE" on stderr; returns 1 (the exit status).
int fail(const QString& message);

/// --identity, --contacts, --passphrase-file.
void addIdentityOptions(QCommandLineParser& p);
QString identityPath(const QCommandLineParser& p);
QString contactsPath(const QCommandLineParser& p);
Result<share::Identity> loadIdentity(const QCommandLineParser& p);
Result<share::ContactBook> loadBook(const QCommandLineParser& p);
/// Writes `bytes` to `path` whole or not at all.
Status writeFile(const QString& path, const QByteArray& bytes);

/// tessera-cli relay ...: sharing through a broker (RelayCommands.cpp); -1 when `sub` is not one.
int runRelayCommand(const QString& sub, const QStringList& rest);

/// For `--for PEER`: what ReleasePolicy lets go to the peer of each record (in full, a
/// sanitised version, or nothing), a contact found in `contacts` (empty: where the sharing
/// commands find the contact book). ShareCommands.cpp.
Result<store::ReleaseFilter> releaseFilter(const QString& peer, const QString& contacts);

} // namespace tessera::cli
