// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Sharing, identities: key storage under a passphrase, contact cards (file and text form),
// fingerprint checks, the contact book and revocation.
#include "TestSupport.h"
#include "share/ContactBook.h"
#include "share/Crypto.h"
#include "share/Identity.h"
#include "share/Passphrase.h"
#include "share/ReleasePolicy.h"

#include <QCborArray>
#include <QCborMap>
#include <QCborValue>
#include <QFile>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace tessera;
using namespace tessera::share;
using Catch::Matchers::Contains;

namespace {

StationProfile profile(const QString& name = QStringLiteral("Sector North JOC")) {
    StationProfile p;
    p.stationName = name;
    p.organisation = QStringLiteral("nld");
    p.communities = {QStringLiteral("UN"), QStringLiteral("Exercise Participants")};
    p.clearance = Classification::Confidential;
    p.caveats = {QStringLiteral("EXERCISE")};
    return p;
}

/// A passphrase the strength check accepts. Files are written at the default scrypt cost: a
/// lower one is refused on save and on load.
const QByteArray kPass = "correct horse battery staple";

Identity makeIdentity(const QString& name = QStringLiteral("Sector North JOC")) {
    Result<Identity> id = Identity::create(profile(name));
    REQUIRE(id.ok());
    return std::move(id).value();
}

QCborArray strings(const QStringList& list) {
    QCborArray a;
    for (const QString& s : list)
        a.append(s);
    return a;
}

/// A card with `id`'s keys and another profile, signed with its key: what the key's holder
/// (its owner, or whoever took the key) can send. Built field by field as the card format says
/// (docs/sharing.md), so the book sees nothing but a valid, signed card.
ContactCard reissue(const Identity& id, const StationProfile& p) {
    QCborMap m;
    m.insert(QStringLiteral("station"), p.stationName);
    m.insert(QStringLiteral("organisation"), p.organisation);
    m.insert(QStringLiteral("communities"), strings(p.communities));
    m.insert(QStringLiteral("clearance"), toString(p.clearance));
    m.insert(QStringLiteral("caveats"), strings(p.caveats));
    m.insert(QStringLiteral("signing_key"), id.card().signingKey);
    m.insert(QStringLiteral("agreement_key"), id.card().agreementKey);
    m.insert(QStringLiteral("created"), id.card().created.toMSecsSinceEpoch());
    const QByteArray body = m.toCborValue().toCbor();
    Result<QByteArray> signature = id.sign(body);
    REQUIRE(signature.ok());
    Result<ContactCard> card =
        ContactCard::fromBytes(QCborArray{QStringLiteral("tessera-card/1"), body, signature.value()}
                                   .toCborValue()
                                   .toCbor());
    REQUIRE(card.ok());
    REQUIRE(card.value().fingerprint() == id.fingerprint());
    return card.value();
}

int fileMode(const QString& path) {
    struct stat st {};
    REQUIRE(::stat(QFile::encodeName(path).constData(), &st) == 0);
    return int(st.st_mode & 0777);
}

} // namespace

TEST_CASE("Identity: keys are stored under a passphrase and read back", "[share][identity]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("station.identity"));
    const Identity id = makeIdentity();
    CHECK(id.card().profile.organisation == QLatin1String("NLD"));
    CHECK(id.card().profile.communities ==
          QStringList{QStringLiteral("EXERCISE PARTICIPANTS"), QStringLiteral("UN")});

    SECTION("round trip with the default scrypt cost; the same keys sign") {
        REQUIRE(id.save(path, kPass).ok());
        CHECK((QFile(path).permissions() & (QFileDevice::ReadOther | QFileDevice::ReadGroup)) == 0);
        Result<Identity> back = Identity::load(path, kPass);
        REQUIRE(back.ok());
        CHECK(back.value().fingerprint() == id.fingerprint());
        CHECK(back.value().card().encoded == id.card().encoded);
        Result<QByteArray> sig = back.value().sign("message");
        REQUIRE(sig.ok());
        CHECK(crypto::verify(id.card().signingKey, "message", sig.value()));
        // Key agreement with the same peer gives the same secret before and after.
        Result<crypto::KeyPair> peer = crypto::generateX25519();
        REQUIRE(peer.ok());
        Result<crypto::SecretBytes> a = id.agree(peer.value().publicKey);
        Result<crypto::SecretBytes> b = back.value().agree(peer.value().publicKey);
        REQUIRE((a.ok() && b.ok()));
        CHECK(crypto::exposeForEncryption(a.value()) == crypto::exposeForEncryption(b.value()));
    }
    SECTION("a wrong passphrase is refused in words") {
        REQUIRE(id.save(path, kPass).ok());
        Result<Identity> back = Identity::load(path, "correct horse battery stapler");
        REQUIRE_FALSE(back.ok());
        CHECK_THAT(back.errorMessage().toStdString(), Contains("wrong passphrase"));
    }
    SECTION("the public card is readable without the passphrase") {
        REQUIRE(id.save(path, kPass).ok());
        Result<ContactCard> card = Identity::loadCard(path);
        REQUIRE(card.ok());
        CHECK(card.value().fingerprint() == id.fingerprint());
    }
    SECTION("an empty passphrase is refused") {
        CHECK_FALSE(id.save(path, QByteArray()).ok());
    }
    SECTION("any altered byte of the file is refused") {
        REQUIRE(id.save(path, kPass).ok());
        const QByteArray original = test::readAll(path);
        for (qsizetype at = 0; at < original.size(); at += 7) {
            QByteArray bad = original;
            bad[at] = static_cast<char>(bad[at] ^ 0x01);
            test::writeAll(path, bad);
            INFO("byte " << at);
            CHECK_FALSE(Identity::load(path, kPass).ok());
        }
    }
    SECTION("a file that is not an identity") {
        test::writeAll(path, "hello");
        Result<Identity> back = Identity::load(path, kPass);
        REQUIRE_FALSE(back.ok());
        CHECK_THAT(back.errorMessage().toStdString(), Contains("not a Tessera identity file"));
    }
    SECTION("a profile without a name or with a bad organisation is refused") {
        StationProfile p = profile();
        p.stationName = QStringLiteral("  ");
        CHECK_FALSE(Identity::create(p).ok());
        p = profile();
        p.organisation = QStringLiteral("N/L/D");
        CHECK_FALSE(Identity::create(p).ok());
    }
}

TEST_CASE("Contact cards: file and text forms, signatures, fingerprints", "[share][identity]") {
    const Identity id = makeIdentity();
    const ContactCard& card = id.card();

    SECTION("file form round trip") {
        Result<ContactCard> back = ContactCard::fromBytes(card.encoded);
        REQUIRE(back.ok());
        CHECK(back.value().profile.stationName == card.profile.stationName);
        CHECK(back.value().profile.clearance == Classification::Confidential);
        CHECK(back.value().profile.caveats == QStringList{QStringLiteral("EXERCISE")});
        CHECK(back.value().signingKey == card.signingKey);
        CHECK(back.value().agreementKey == card.agreementKey);
        CHECK(back.value().created == card.created);
        CHECK(back.value().fingerprint() == card.fingerprint());
    }
    SECTION("text form round trip") {
        const QString text = card.text();
        CHECK(text.startsWith(QLatin1String("tessera-card:")));
        CHECK(text.size() < 1000);
        Result<ContactCard> back =
            ContactCard::fromText(QStringLiteral("  ") + text + QStringLiteral("\n"));
        REQUIRE(back.ok());
        CHECK(back.value().fingerprint() == card.fingerprint());
    }
    SECTION("fingerprint: SHA-256 of both keys, in 16 groups for reading aloud") {
        CHECK(card.fingerprint() == crypto::sha256(card.signingKey + card.agreementKey));
        const QString text = card.fingerprintText();
        CHECK(text.split(QLatin1Char(' ')).size() == 16);
        CHECK(text.size() == 16 * 4 + 15);
    }
    SECTION("every altered byte is refused") {
        for (qsizetype at = 0; at < card.encoded.size(); ++at) {
            QByteArray bad = card.encoded;
            bad[at] = static_cast<char>(bad[at] ^ 0x20);
            INFO("byte " << at);
            CHECK_FALSE(ContactCard::fromBytes(bad).ok());
        }
    }
    SECTION("a card re-signed by another key does not keep the fingerprint") {
        // Swap in another station's keys: the card verifies (it is that station's own card),
        // but its fingerprint is not the one the operator was told.
        const Identity other = makeIdentity();
        CHECK_FALSE(checkTypedFingerprint(other.fingerprint(), card.fingerprintText()).ok());
    }
    SECTION("truncated, extended, empty and garbage input") {
        CHECK_FALSE(ContactCard::fromBytes(card.encoded.left(card.encoded.size() - 1)).ok());
        CHECK_FALSE(ContactCard::fromBytes(card.encoded + '\0').ok());
        CHECK_FALSE(ContactCard::fromBytes({}).ok());
        CHECK_FALSE(ContactCard::fromText(QStringLiteral("tessera-card:!!!!")).ok());
        CHECK_FALSE(ContactCard::fromText(QStringLiteral("hello")).ok());
        CHECK_FALSE(ContactCard::fromBytes(QByteArray(100000, 'a')).ok());
    }
}

TEST_CASE("Typed fingerprints", "[share][identity]") {
    const QByteArray fp = crypto::sha256("keys");
    const QString full = formatFingerprint(fp);
    CHECK(checkTypedFingerprint(fp, full).ok());
    CHECK(checkTypedFingerprint(fp, full.toLower()).ok());
    CHECK(checkTypedFingerprint(fp, full.left(39)).ok()); // 8 groups: 32 digits
    QString dashed = full;
    dashed.replace(QLatin1Char(' '), QLatin1Char('-'));
    CHECK(checkTypedFingerprint(fp, dashed).ok());
    CHECK_FALSE(checkTypedFingerprint(fp, full.left(30)).ok()); // too short to trust
    QString wrong = full;
    wrong[0] = wrong[0] == QLatin1Char('0') ? QLatin1Char('1') : QLatin1Char('0');
    CHECK_FALSE(checkTypedFingerprint(fp, wrong).ok());
    CHECK_FALSE(checkTypedFingerprint(fp, full + QStringLiteral(" 00")).ok());
    CHECK_FALSE(checkTypedFingerprint(fp, QStringLiteral("zz") + full).ok());
}

TEST_CASE("Contact book: import with fingerprint, revocation, persistence", "[share][identity]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("contacts"));
    const Identity station = makeIdentity(QStringLiteral("Station"));
    Result<ContactBook> book = ContactBook::load(path, station.card());
    REQUIRE(book.ok());
    const Identity alpha = makeIdentity(QStringLiteral("Alpha"));
    const Identity bravo = makeIdentity(QStringLiteral("Bravo"));

    SECTION("a card enters only with the right fingerprint") {
        CHECK_FALSE(book.value().importCard(alpha.card(), bravo.card().fingerprintText()).ok());
        CHECK(book.value().standing(alpha.fingerprint()) == ContactBook::Standing::Unknown);
        REQUIRE(book.value().importCard(alpha.card(), alpha.card().fingerprintText()).ok());
        CHECK(book.value().standing(alpha.fingerprint()) == ContactBook::Standing::Trusted);
        CHECK(book.value().find(alpha.fingerprint()).has_value());
        CHECK(book.value().lookup(QStringLiteral("alpha")).ok());
        CHECK(book.value().lookup(QString::fromLatin1(alpha.fingerprint().toHex().left(10))).ok());
        CHECK_FALSE(book.value().lookup(QStringLiteral("charlie")).ok());
    }
    SECTION("a tampered card is refused even with the right fingerprint") {
        ContactCard bad = alpha.card();
        bad.encoded[bad.encoded.size() / 2] ^= 0x01;
        CHECK_FALSE(book.value().importCard(bad, alpha.card().fingerprintText()).ok());
    }
    SECTION("a signed revocation removes the contact and refuses its card from then on") {
        REQUIRE(book.value().importCard(alpha.card(), alpha.card().fingerprintText()).ok());
        REQUIRE(book.value().importCard(bravo.card(), bravo.card().fingerprintText()).ok());
        Result<Revocation> statement = alpha.revoke(QStringLiteral("laptop lost"));
        REQUIRE(statement.ok());
        Result<Revocation> applied = book.value().applyRevocation(statement.value().encoded);
        REQUIRE(applied.ok());
        CHECK(applied.value().reason == QLatin1String("laptop lost"));
        CHECK(book.value().standing(alpha.fingerprint()) == ContactBook::Standing::Revoked);
        CHECK_FALSE(book.value().find(alpha.fingerprint()).has_value());
        Result<ContactCard> again =
            book.value().importCard(alpha.card(), alpha.card().fingerprintText());
        REQUIRE_FALSE(again.ok());
        CHECK_THAT(again.errorMessage().toStdString(), Contains("revoked"));
        // Persisted: the revocation and the remaining contact survive a reload.
        REQUIRE(book.value().save(station).ok());
        Result<ContactBook> reloaded = ContactBook::load(path, station.card());
        REQUIRE(reloaded.ok());
        CHECK(reloaded.value().standing(alpha.fingerprint()) == ContactBook::Standing::Revoked);
        CHECK(reloaded.value().standing(bravo.fingerprint()) == ContactBook::Standing::Trusted);
        CHECK(reloaded.value().contacts().size() == 1);
    }
    SECTION("a forged or altered revocation is refused") {
        Result<Revocation> statement = alpha.revoke(QStringLiteral("retired"));
        REQUIRE(statement.ok());
        QByteArray bad = statement.value().encoded;
        bad[bad.size() - 3] ^= 0x01;
        CHECK_FALSE(book.value().applyRevocation(bad).ok());
        CHECK_FALSE(book.value().applyRevocation("garbage").ok());
    }
    SECTION("local revocation without a statement") {
        REQUIRE(book.value().importCard(bravo.card(), bravo.card().fingerprintText()).ok());
        REQUIRE(book.value().revokeLocally(bravo.fingerprint(), QStringLiteral("left")).ok());
        CHECK(book.value().standing(bravo.fingerprint()) == ContactBook::Standing::Revoked);
    }
    SECTION("a damaged book file is refused") {
        test::writeAll(path, "not a book");
        CHECK_FALSE(ContactBook::load(path, station.card()).ok());
    }
}

TEST_CASE("Contact book: a known key with a wider profile is refused, with the differences",
          "[share][identity]") {
    const Identity alpha = makeIdentity(QStringLiteral("Alpha"));
    const QByteArray fp = alpha.fingerprint();
    const QString typed = alpha.card().fingerprintText();
    ContactBook book;
    REQUIRE(book.importCard(alpha.card(), typed).ok());
    const StationProfile before = book.find(fp)->profile;

    // The same keys, so the same fingerprint: the operator's check of the first import says
    // nothing about the new profile.
    auto refusedWith = [&](const StationProfile& wider, const char* line) {
        const ContactCard card = reissue(alpha, wider);
        Result<ContactCard> r = book.importCard(card, typed);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.errorMessage().toStdString(), Contains(line));
        CHECK_THAT(r.errorMessage().toStdString(), Contains("accept the change"));
        CHECK(book.profileChanges(card).contains(QString::fromLatin1(line)));
        // Nothing changed in the book.
        CHECK(book.find(fp)->profile.communities == before.communities);
        CHECK(book.find(fp)->profile.clearance == before.clearance);
        CHECK(book.find(fp)->profile.caveats == before.caveats);
        CHECK(book.find(fp)->encoded == alpha.card().encoded);
        // Accepted when the operator says so, and then it is the card.
        Result<ContactCard> accepted =
            book.importCard(card, typed, ContactBook::ProfileChange::Accept);
        REQUIRE(accepted.ok());
        CHECK(book.find(fp)->encoded == card.encoded);
        CHECK(book.contacts().size() == 1);
        return accepted.value();
    };
    SECTION("a community added") {
        StationProfile p = profile(QStringLiteral("Alpha"));
        p.communities.append(QStringLiteral("NATO"));
        const ContactCard c = refusedWith(p, "communities added: NATO");
        CHECK(c.profile.communities.contains(QStringLiteral("NATO")));
    }
    SECTION("a caveat added") {
        StationProfile p = profile(QStringLiteral("Alpha"));
        p.caveats.append(QStringLiteral("MEDICAL"));
        refusedWith(p, "caveats added: MEDICAL");
    }
    SECTION("a higher clearance") {
        StationProfile p = profile(QStringLiteral("Alpha"));
        p.clearance = Classification::Secret;
        const ContactCard c = refusedWith(p, "clearance: CONFIDENTIAL -> SECRET (higher)");
        CHECK(c.profile.clearance == Classification::Secret);
    }
    SECTION("every field, each on its line") {
        StationProfile p = profile(QStringLiteral("Alpha Forward"));
        p.organisation = QStringLiteral("FRA");
        p.communities = {QStringLiteral("UN")};
        p.caveats = {};
        p.clearance = Classification::Restricted;
        const QStringList diff = book.profileChanges(reissue(alpha, p));
        CHECK(diff == QStringList{QStringLiteral("station name: Alpha -> Alpha Forward"),
                                  QStringLiteral("organisation: NLD -> FRA"),
                                  QStringLiteral("communities removed: EXERCISE PARTICIPANTS"),
                                  QStringLiteral("clearance: CONFIDENTIAL -> RESTRICTED (lower)"),
                                  QStringLiteral("caveats removed: EXERCISE")});
        CHECK_FALSE(book.importCard(reissue(alpha, p), typed).ok());
    }
    SECTION("the same profile again is no change") {
        CHECK(book.profileChanges(alpha.card()).isEmpty());
        CHECK(book.importCard(reissue(alpha, profile(QStringLiteral("Alpha"))), typed).ok());
    }
    SECTION("acceptance does not skip the fingerprint check") {
        StationProfile p = profile(QStringLiteral("Alpha"));
        p.clearance = Classification::Secret;
        const Identity other = makeIdentity(QStringLiteral("Other"));
        CHECK_FALSE(book.importCard(reissue(alpha, p), other.card().fingerprintText(),
                                    ContactBook::ProfileChange::Accept)
                        .ok());
    }
}

TEST_CASE("Contact book: a local cap limits what a contact receives, whatever its card claims",
          "[share][identity]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("contacts"));
    const Identity station = makeIdentity(QStringLiteral("Station"));
    StationProfile claims = profile(QStringLiteral("Alpha"));
    claims.clearance = Classification::Secret;
    claims.caveats = {QStringLiteral("EXERCISE"), QStringLiteral("MEDICAL")};
    Result<Identity> made = Identity::create(claims);
    REQUIRE(made.ok());
    const Identity& alpha = made.value();
    const QByteArray fp = alpha.fingerprint();
    Result<ContactBook> loaded = ContactBook::load(path, station.card());
    REQUIRE(loaded.ok());
    ContactBook& book = loaded.value();
    REQUIRE(book.importCard(alpha.card(), alpha.card().fingerprintText()).ok());

    const store::Marking secret{QStringLiteral("SECRET"), QStringLiteral("REL TO NLD")};
    const store::Marking confidential{QStringLiteral("CONFIDENTIAL"), QStringLiteral("REL TO NLD")};
    const store::Marking secretMedical{QStringLiteral("SECRET // MEDICAL"),
                                       QStringLiteral("REL TO NLD")};
    const store::Marking secretExercise{QStringLiteral("SECRET // EXERCISE"),
                                        QStringLiteral("REL TO NLD")};
    // Every way a caller gets the card from the book, for release.
    auto everyWay = [&](const ContactBook& b) {
        QList<ContactCard> ways{*b.find(fp), b.lookup(QStringLiteral("alpha")).value(),
                                b.contacts().first()};
        return ways;
    };
    for (const ContactCard& c : everyWay(book))
        REQUIRE(ReleasePolicy::mayRelease(secret, c).allowed);

    SECTION("clearance capped: no SECRET record, though the card claims SECRET") {
        REQUIRE(book.setCap(fp, {Classification::Confidential, std::nullopt}).ok());
        for (const ContactCard& c : everyWay(book)) {
            const ReleaseDecision d = ReleasePolicy::mayRelease(secret, c);
            CHECK_FALSE(d.allowed);
            CHECK_THAT(d.reason.toStdString(), Contains("above"));
            CHECK(ReleasePolicy::mayRelease(confidential, c).allowed);
            // Communities and caveats untouched; the signed bytes untouched.
            CHECK(c.profile.communities == alpha.card().profile.communities);
            CHECK(c.profile.caveats == alpha.card().profile.caveats);
            CHECK(c.encoded == alpha.card().encoded);
            CHECK(ContactCard::fromBytes(c.encoded).value().profile.clearance ==
                  Classification::Secret);
        }
        // The claim is there, by name, for display only.
        CHECK(book.claimedCard(fp)->profile.clearance == Classification::Secret);
        CHECK(describeCap(*book.cap(fp)) == QLatin1String("clearance at most CONFIDENTIAL"));

        SECTION("kept in the signed file") {
            REQUIRE(book.save(station).ok());
            Result<ContactBook> back = ContactBook::load(path, station.card());
            REQUIRE(back.ok());
            for (const ContactCard& c : everyWay(back.value()))
                CHECK_FALSE(ReleasePolicy::mayRelease(secret, c).allowed);
        }
        SECTION("kept when the card is replaced, even by one claiming more") {
            StationProfile more = claims;
            more.communities.append(QStringLiteral("NATO"));
            REQUIRE(book.importCard(reissue(alpha, more), alpha.card().fingerprintText(),
                                    ContactBook::ProfileChange::Accept)
                        .ok());
            CHECK_FALSE(ReleasePolicy::mayRelease(secret, *book.find(fp)).allowed);
        }
        SECTION("removed by an empty cap") {
            REQUIRE(book.setCap(fp, {}).ok());
            CHECK_FALSE(book.cap(fp).has_value());
            CHECK(ReleasePolicy::mayRelease(secret, *book.find(fp)).allowed);
        }
    }
    SECTION("caveats capped: only those in both") {
        REQUIRE(book.setCap(fp, {std::nullopt, QStringList{QStringLiteral("exercise")}}).ok());
        for (const ContactCard& c : everyWay(book)) {
            CHECK(c.profile.caveats == QStringList{QStringLiteral("EXERCISE")});
            CHECK(c.profile.clearance == Classification::Secret);
            CHECK_FALSE(ReleasePolicy::mayRelease(secretMedical, c).allowed);
            CHECK(ReleasePolicy::mayRelease(secretExercise, c).allowed);
        }
        REQUIRE(book.setCap(fp, {std::nullopt, QStringList{}}).ok());
        CHECK_FALSE(ReleasePolicy::mayRelease(secretExercise, *book.find(fp)).allowed);
    }
    SECTION("a cap never raises: a cap above the card changes nothing") {
        REQUIRE(book.setCap(fp, {Classification::Secret,
                                 QStringList{QStringLiteral("EXERCISE"), QStringLiteral("MEDICAL"),
                                             QStringLiteral("NOFORN")}})
                    .ok());
        CHECK(book.find(fp)->profile.caveats == alpha.card().profile.caveats);
        CHECK(book.find(fp)->profile.clearance == Classification::Secret);
    }
    SECTION("only a trusted contact can be capped; a bad caveat is refused") {
        const Identity other = makeIdentity(QStringLiteral("Other"));
        CHECK_FALSE(book.setCap(other.fingerprint(), {Classification::Restricted, {}}).ok());
        CHECK_FALSE(book.setCap(fp, {std::nullopt, QStringList{QStringLiteral("NO/SLASH")}}).ok());
    }
}

TEST_CASE("Contact book file: signed by this station, owner-only; an altered file is refused",
          "[share][identity]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("contacts.cbor"));
    const Identity station = makeIdentity(QStringLiteral("Station"));
    const Identity alpha = makeIdentity(QStringLiteral("Alpha"));
    const Identity bravo = makeIdentity(QStringLiteral("Bravo"));
    const Identity mallory = makeIdentity(QStringLiteral("Mallory"));
    {
        Result<ContactBook> book = ContactBook::load(path, station.card());
        REQUIRE(book.ok());
        REQUIRE(book.value().importCard(alpha.card(), alpha.card().fingerprintText()).ok());
        REQUIRE(book.value().importCard(bravo.card(), bravo.card().fingerprintText()).ok());
        REQUIRE(book.value().setCap(alpha.fingerprint(), {Classification::Restricted, {}}).ok());
        REQUIRE(book.value().revokeLocally(crypto::sha256("gone"), QStringLiteral("left")).ok());
        REQUIRE(book.value().save(station).ok());
    }
    const QByteArray original = test::readAll(path);
    REQUIRE(ContactBook::load(path, station.card()).ok());

    SECTION("written owner read/write only") {
        CHECK(fileMode(path) == 0600);
    }
    SECTION("any byte flipped is refused") {
        for (qsizetype at = 0; at < original.size(); ++at) {
            QByteArray bad = original;
            bad[at] = static_cast<char>(bad[at] ^ 0x01);
            test::writeAll(path, bad);
            INFO("byte " << at);
            CHECK_FALSE(ContactBook::load(path, station.card()).ok());
        }
        QByteArray bad = original;
        bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x01);
        test::writeAll(path, bad);
        CHECK_THAT(ContactBook::load(path, station.card()).errorMessage().toStdString(),
                   Contains("the contact book was altered"));
    }
    SECTION("a card added by someone who can write to the folder is refused") {
        // Mallory's card is valid and self-signed; what Mallory cannot do is sign the book.
        // Whatever the file's structure, the cards list gets one more.
        QCborValue top = QCborValue::fromCbor(original);
        if (top.isMap()) { // an unsigned book
            QCborMap m = top.toMap();
            QCborArray cards = m[QStringLiteral("cards")].toArray();
            cards.append(mallory.card().encoded);
            m[QStringLiteral("cards")] = cards;
            top = m;
        } else {
            QCborArray a = top.toArray();
            QCborMap m = QCborValue::fromCbor(a[1].toByteArray()).toMap();
            QCborArray cards = m[QStringLiteral("cards")].toArray();
            cards.append(mallory.card().encoded);
            m[QStringLiteral("cards")] = cards;
            a[1] = m.toCborValue().toCbor();
            top = a;
        }
        test::writeAll(path, top.toCbor());
        Result<ContactBook> back = ContactBook::load(path, station.card());
        REQUIRE_FALSE(back.ok());
        CHECK_THAT(back.errorMessage().toStdString(), Contains("the contact book was altered"));
    }
    SECTION("an unsigned book (the earlier format) with a card added is refused") {
        QCborArray cards{alpha.card().encoded, mallory.card().encoded};
        QCborMap m;
        m.insert(QStringLiteral("format"), QStringLiteral("tessera-contacts/1"));
        m.insert(QStringLiteral("cards"), cards);
        m.insert(QStringLiteral("revoked"), QCborArray());
        test::writeAll(path, m.toCborValue().toCbor());
        Result<ContactBook> back = ContactBook::load(path, station.card());
        REQUIRE_FALSE(back.ok());
        CHECK_THAT(back.errorMessage().toStdString(), Contains("not signed"));
        CHECK_THAT(back.errorMessage().toStdString(), Contains("contact sign-book"));

        SECTION("read for signing, the operator sees it and signs it") {
            Result<ContactBook> unsignedBook =
                ContactBook::loadUnsignedForSigning(path, station.card());
            REQUIRE(unsignedBook.ok());
            CHECK(unsignedBook.value().wasUnsigned());
            CHECK(unsignedBook.value().contacts().size() == 2);
            REQUIRE(unsignedBook.value().save(station).ok());
            Result<ContactBook> signedBook = ContactBook::load(path, station.card());
            REQUIRE(signedBook.ok());
            CHECK_FALSE(signedBook.value().wasUnsigned());
            CHECK(fileMode(path) == 0600);
        }
    }
    SECTION("a book signed by another station is refused") {
        {
            Result<ContactBook> other = ContactBook::load(path, mallory.card());
            REQUIRE_FALSE(other.ok()); // this station's book, checked with Mallory's key
            CHECK_THAT(other.errorMessage().toStdString(), Contains("another station"));
        }
        QFile::remove(path);
        Result<ContactBook> malloryBook = ContactBook::load(path, mallory.card());
        REQUIRE(malloryBook.ok());
        REQUIRE(
            malloryBook.value().importCard(mallory.card(), mallory.card().fingerprintText()).ok());
        REQUIRE(malloryBook.value().save(mallory).ok());
        Result<ContactBook> back = ContactBook::load(path, station.card());
        REQUIRE_FALSE(back.ok());
        CHECK_THAT(back.errorMessage().toStdString(), Contains("another station"));
    }
    SECTION("saved only by the station it was read for") {
        Result<ContactBook> book = ContactBook::load(path, station.card());
        REQUIRE(book.ok());
        CHECK_FALSE(book.value().save(mallory).ok());
        CHECK(test::readAll(path) == original);
    }
    SECTION("not read without the station's key") {
        CHECK_FALSE(ContactBook::load(path, ContactCard()).ok());
    }
}

namespace {

/// What an identity file's AES-GCM tag covers (docs/sharing.md, "Identities").
QByteArray identityAad(const QByteArray& card, const QByteArray& salt, qint64 n, qint64 r,
                       qint64 p) {
    return QCborArray{QStringLiteral("tessera-identity/1"), card, n, r, p, salt}
        .toCborValue()
        .toCbor();
}

/// Rewrites the identity file at `path` with scrypt at `cost`, re-encrypted properly (new salt,
/// nonce, tag): a file whose only fault is the cost, as a weaker tool would write it.
void reencrypt(const QString& path, const QByteArray& passphrase, crypto::ScryptCost cost) {
    QCborMap m = QCborValue::fromCbor(test::readAll(path)).toMap();
    const QByteArray card = m[QStringLiteral("card")].toByteArray();
    QCborMap kdf = m[QStringLiteral("kdf")].toMap();
    const QByteArray salt = kdf[QStringLiteral("salt")].toByteArray();
    const qint64 n = kdf[QStringLiteral("n")].toInteger();
    const qint64 r = kdf[QStringLiteral("r")].toInteger();
    const qint64 p = kdf[QStringLiteral("p")].toInteger();
    Result<crypto::SecretBytes> key =
        crypto::scrypt(passphrase, salt, {quint64(n), quint32(r), quint32(p)}, crypto::kKeyBytes);
    REQUIRE(key.ok());
    Result<crypto::SecretBytes> plain = crypto::aesGcmDecryptSecret(
        key.value(), m[QStringLiteral("nonce")].toByteArray(),
        m[QStringLiteral("secret")].toByteArray(), identityAad(card, salt, n, r, p));
    REQUIRE(plain.ok());

    const QByteArray salt2 = crypto::randomBytes(16);
    const QByteArray nonce2 = crypto::randomBytes(crypto::kNonceBytes);
    Result<crypto::SecretBytes> key2 = crypto::scrypt(passphrase, salt2, cost, crypto::kKeyBytes);
    REQUIRE(key2.ok());
    const QByteArray aad2 =
        identityAad(card, salt2, qint64(cost.n), qint64(cost.r), qint64(cost.p));
    Result<QByteArray> secret2 = crypto::aesGcmEncrypt(
        key2.value(), nonce2, crypto::exposeForEncryption(plain.value()), aad2);
    REQUIRE(secret2.ok());
    // Properly encrypted: the low-cost key opens it.
    REQUIRE(crypto::aesGcmDecrypt(key2.value(), nonce2, secret2.value(), aad2).ok());
    kdf[QStringLiteral("n")] = qint64(cost.n);
    kdf[QStringLiteral("r")] = qint64(cost.r);
    kdf[QStringLiteral("p")] = qint64(cost.p);
    kdf[QStringLiteral("salt")] = salt2;
    m[QStringLiteral("kdf")] = kdf;
    m[QStringLiteral("nonce")] = nonce2;
    m[QStringLiteral("secret")] = secret2.value();
    test::writeAll(path, m.toCborValue().toCbor());
}

} // namespace

TEST_CASE("Identity file: a scrypt cost below the default is refused", "[share][identity]") {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("station.identity"));
    const Identity id = makeIdentity();
    REQUIRE(id.save(path, kPass).ok());

    SECTION("N = 2, re-encrypted properly: refused on load, in words") {
        reencrypt(path, kPass, {2, 8, 1});
        Result<Identity> back = Identity::load(path, kPass);
        REQUIRE_FALSE(back.ok());
        CHECK_THAT(back.errorMessage().toStdString(), Contains("too weak"));
        CHECK_THAT(back.errorMessage().toStdString(), Contains("N = 2,"));
        // The public card still reads (identity show), so the operator sees which station.
        CHECK(Identity::loadCard(path).ok());
    }
    SECTION("N = 2^14 or r = 1 also refused") {
        reencrypt(path, kPass, {1u << 14, 8, 1});
        CHECK_FALSE(Identity::load(path, kPass).ok());
        reencrypt(path, kPass, {1u << 15, 1, 1});
        CHECK_FALSE(Identity::load(path, kPass).ok());
    }
    SECTION("the default itself, re-encrypted the same way, loads (the rewrite is sound)") {
        reencrypt(path, kPass, {1u << 15, 8, 1});
        Result<Identity> back = Identity::load(path, kPass);
        REQUIRE(back.ok());
        CHECK(back.value().fingerprint() == id.fingerprint());
    }
    SECTION("nor written") {
        CHECK_FALSE(id.save(path, kPass, {1u << 10, 8, 1}).ok());
    }
}

TEST_CASE("Passphrases: at least 12 characters and a strength estimate", "[share][identity]") {
    for (const char* weak :
         {"a", "correct", "short pass", "aaaaaaaaaaaa", "abcdefghijkl", "123456789012",
          "abababababab", "qwertyuiopas", "passwordpassword", "Password1234",
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "zyxwvutsrqponmlk", "abcabcabcabcabc"}) {
        INFO(weak << ": " << estimatePassphrase(weak).bits << " bits");
        CHECK_FALSE(checkPassphraseStrength(weak).ok());
    }
    for (const char* good : {"correct horse battery staple", "vT9#kq2!Lm7z",
                             "alpha passphrase, long enough", "Z\xc3\xbcrich f\xc3\xa4hrt heute"}) {
        INFO(good << ": " << estimatePassphrase(good).bits << " bits");
        CHECK(checkPassphraseStrength(good).ok());
    }
    CHECK(estimatePassphrase("\xc3\xa9t\xc3\xa9").chars == 3); // characters, not bytes
    CHECK_THAT(checkPassphraseStrength("a").errorMessage().toStdString(), Contains("too short"));
    CHECK_THAT(checkPassphraseStrength("aaaaaaaaaaaa").errorMessage().toStdString(),
               Contains("too easy to guess"));

    SECTION("an identity is not saved under a weak passphrase") {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("station.identity"));
        const Identity id = makeIdentity();
        Result<Done> one = id.save(path, "a");
        REQUIRE_FALSE(one.ok());
        CHECK_THAT(one.errorMessage().toStdString(), Contains("too short"));
        Result<Done> same = id.save(path, "aaaaaaaaaaaa");
        REQUIRE_FALSE(same.ok());
        CHECK_THAT(same.errorMessage().toStdString(), Contains("too easy to guess"));
        CHECK_FALSE(QFile::exists(path));
        CHECK(id.save(path, kPass).ok());
    }
}
