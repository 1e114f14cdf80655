// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The marking grammar is the store's (store/MarkingGrammar.h): records, briefing products and
// forms read markings with it too. Sharing uses the same names.
#include "store/MarkingGrammar.h"

namespace tessera::share {

using store::Classification;
using store::classificationFromString;
using store::CombinedMarking;
using store::combineMarkings;
using store::isAtLeastAsRestrictive;
using store::isMarkingAscii;
using store::normalizeToken;
using store::ParsedMarking;
using store::parseMarking;
using store::remarkRefusal;
using store::toString;

} // namespace tessera::share
