// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "geo/Result.h"

#include <QByteArray>

namespace tessera::share {

/// A rough strength estimate for a passphrase, in bits, and the rule Identity::save applies.
///
/// The identity file is only as strong as its passphrase: anyone who copies the file can try
/// passphrases offline at scrypt's pace. This estimate is a floor against the obvious, not a
/// guarantee: it sums, character by character, log2 of the size of the character classes the
/// passphrase uses (lower case, upper case, digits, space, other ASCII, non-ASCII), and counts a
/// character nothing when it repeats the one before it, continues a run of three or more
/// (abc, 321, qwe, asd), or continues a block already seen just before (abab, passpass). A few
/// of the most common passwords and words count as one guess each. It knows no dictionary
/// beyond those: "correct horse battery staple" scores high although its words are common, so a
/// passphrase of several words should still be words chosen at random.
///
/// Threads: stateless; any.
struct PassphraseStrength {
    double bits = 0;     ///< the estimate
    qsizetype chars = 0; ///< length in characters (UTF-8 decoded)
};

/// The least a passphrase must have, in characters and in estimated bits.
constexpr qsizetype kMinPassphraseChars = 12;
constexpr double kMinPassphraseBits = 50;

[[nodiscard]] PassphraseStrength estimatePassphrase(const QByteArray& utf8);
/// Refuses, with the reason, a passphrase shorter than kMinPassphraseChars characters or
/// estimated below kMinPassphraseBits.
[[nodiscard]] Status checkPassphraseStrength(const QByteArray& utf8);

} // namespace tessera::share
