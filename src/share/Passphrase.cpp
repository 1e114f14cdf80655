// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#include "share/Passphrase.h"

#include <QList>
#include <QString>

#include <array>
#include <cmath>
#include <cstring>

namespace tessera::share {

namespace {

/// Keyboard rows (and the digit row): "qwe", "lkj", "789" are runs as much as "abc" is.
constexpr std::array<const char*, 4> kRows = {"qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890"};

/// The commonest passwords and words in passwords; each counts as one guess out of about a
/// thousand (10 bits), which is what a guesser's first list costs. Lower case; longest first
/// where one contains another, so the longer is matched.
constexpr std::array<const char*, 24> kCommon = {
    "passphrase", "password", "passwort", "trustno1", "iloveyou", "football",
    "baseball",   "sunshine", "princess", "changeme", "welcome",  "letmein",
    "default",    "tessera",  "qwerty",   "monkey",   "dragon",   "master",
    "shadow",     "secret",   "admin",    "login",    "hello",    "test"};
constexpr double kCommonWordBits = 10;

/// +1 or -1 when `b` follows `a` in the alphabet, the code points or a keyboard row; else 0.
int step(uint a, uint b) {
    if (b == a + 1)
        return 1;
    if (a == b + 1)
        return -1;
    if (a > 127 || b > 127)
        return 0;
    for (const char* row : kRows) {
        const QByteArray r(row);
        const qsizetype i = r.indexOf(static_cast<char>(a));
        const qsizetype j = r.indexOf(static_cast<char>(b));
        if (i >= 0 && j >= 0 && (j - i == 1 || i - j == 1))
            return static_cast<int>(j - i);
    }
    return 0;
}

uint lower(uint c) {
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/// Length of the common word starting at `at` (case ignored), or 0.
qsizetype commonWordAt(const QList<uint>& s, qsizetype at) {
    for (const char* word : kCommon) {
        const qsizetype n = qsizetype(std::strlen(word));
        if (at + n > s.size())
            continue;
        bool same = true;
        for (qsizetype k = 0; k < n && same; ++k)
            same = lower(s[at + k]) == uint(static_cast<unsigned char>(word[k]));
        if (same)
            return n;
    }
    return 0;
}

/// Whether s[i] adds nothing a guesser would not try next: a repeat of the character before,
/// the third or later character of a run, or a character continuing a block of 2 to 8 seen
/// just before it ("abab", "passpass").
bool predictable(const QList<uint>& s, qsizetype i) {
    if (i >= 1 && s[i] == s[i - 1])
        return true;
    if (i >= 2) {
        const int a = step(lower(s[i - 2]), lower(s[i - 1]));
        if (a != 0 && a == step(lower(s[i - 1]), lower(s[i])))
            return true;
    }
    for (qsizetype p = 2; p <= 8 && i - 1 - p >= 0; ++p)
        if (s[i] == s[i - p] && s[i - 1] == s[i - 1 - p])
            return true;
    return false;
}

} // namespace

PassphraseStrength estimatePassphrase(const QByteArray& utf8) {
    const QList<uint> s = QString::fromUtf8(utf8).toUcs4();
    PassphraseStrength out;
    out.chars = s.size();
    // The pool a guesser must search: the union of the classes the passphrase draws from.
    bool lowerCase = false, upperCase = false, digit = false, space = false, symbol = false,
         other = false;
    for (const uint c : s) {
        lowerCase = lowerCase || (c >= 'a' && c <= 'z');
        upperCase = upperCase || (c >= 'A' && c <= 'Z');
        digit = digit || (c >= '0' && c <= '9');
        space = space || c == ' ';
        symbol = symbol || (c > ' ' && c < 127 && !(c >= 'a' && c <= 'z') &&
                            !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9'));
        other = other || c >= 127 || c < ' ';
    }
    const int pool = (lowerCase ? 26 : 0) + (upperCase ? 26 : 0) + (digit ? 10 : 0) +
                     (space ? 1 : 0) + (symbol ? 32 : 0) + (other ? 100 : 0);
    if (pool < 2)
        return out;
    const double perChar = std::log2(double(pool));
    for (qsizetype i = 0; i < s.size();) {
        if (const qsizetype n = commonWordAt(s, i); n > 0) {
            out.bits += kCommonWordBits;
            i += n;
            continue;
        }
        if (!predictable(s, i))
            out.bits += perChar;
        ++i;
    }
    return out;
}

Status checkPassphraseStrength(const QByteArray& utf8) {
    const PassphraseStrength s = estimatePassphrase(utf8);
    if (s.chars < kMinPassphraseChars)
        return Error{QStringLiteral("the passphrase is too short: %1 characters, at least %2 are "
                                    "needed (several random words make a good one)")
                         .arg(s.chars)
                         .arg(kMinPassphraseChars)};
    if (s.bits < kMinPassphraseBits)
        return Error{QStringLiteral("the passphrase is too easy to guess (about %1 bits by a rough "
                                    "estimate, at least %2 needed): avoid repeated characters, "
                                    "runs like abc, 123 or qwerty, repeated blocks and common "
                                    "words; several random words make a good one")
                         .arg(int(s.bits))
                         .arg(int(kMinPassphraseBits))};
    return success();
}

} // namespace tessera::share
