// Tessera — common operating picture. SPDX-License-Identifier: GPL-3.0-or-later
// Sharing, identities: key storage under a passphrase, contact cards (file and text form),
// fingerprint checks, the contact book and revocation.
#include "TestSupport.h"
#include "share/ContactBook.h"
#include "share/Crypto.h"
#include "share/Identity.h"

#include <QFile>
#include <QTemporaryDir>

#include <catch2/catch.hpp>

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

/// Cheap scrypt for tests that are not about the cost (the default is used where it matters).
constexpr crypto::ScryptCost kFast{1u << 10, 8, 1};

Identity makeIdentity(const QString& name = QStringLiteral("Sector North JOC")) {
    Result<Identity> id = Identity::create(profile(name));
    REQUIRE(id.ok());
    return std::move(id).value();
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
        REQUIRE(id.save(path, "correct horse battery staple").ok());
        CHECK((QFile(path).permissions() & (QFileDevice::ReadOther | QFileDevice::ReadGroup)) == 0);
        Result<Identity> back = Identity::load(path, "correct horse battery staple");
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
        REQUIRE(id.save(path, "right", kFast).ok());
        Result<Identity> back = Identity::load(path, "wrong");
        REQUIRE_FALSE(back.ok());
        CHECK_THAT(back.errorMessage().toStdString(), Contains("wrong passphrase"));
    }
    SECTION("the public card is readable without the passphrase") {
        REQUIRE(id.save(path, "pass", kFast).ok());
        Result<ContactCard> card = Identity::loadCard(path);
        REQUIRE(card.ok());
        CHECK(card.value().fingerprint() == id.fingerprint());
    }
    SECTION("an empty passphrase is refused") {
        CHECK_FALSE(id.save(path, QByteArray(), kFast).ok());
    }
    SECTION("any altered byte of the file is refused") {
        REQUIRE(id.save(path, "pass", kFast).ok());
        const QByteArray original = test::readAll(path);
        for (qsizetype at = 0; at < original.size(); at += 7) {
            QByteArray bad = original;
            bad[at] = static_cast<char>(bad[at] ^ 0x01);
            test::writeAll(path, bad);
            INFO("byte " << at);
            CHECK_FALSE(Identity::load(path, "pass").ok());
        }
    }
    SECTION("a file that is not an identity") {
        test::writeAll(path, "hello");
        Result<Identity> back = Identity::load(path, "pass");
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
    Result<ContactBook> book = ContactBook::load(path);
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
        REQUIRE(book.value().save().ok());
        Result<ContactBook> reloaded = ContactBook::load(path);
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
        CHECK_FALSE(ContactBook::load(path).ok());
    }
}
