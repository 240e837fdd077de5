import base64
import hashlib
import hmac
import string
import uuid

import pytest

from signatures.identity import (
    canonical_email,
    email_domain_hash,
    email_hash,
    format_receipt,
    hash_token,
    ip_prefix,
    keyed_hash,
    keyed_hasher,
    manage_token,
    new_confirmation_token,
    new_receipt,
    public_id_from_manage_token,
)


@pytest.mark.parametrize(
    ("address", "canonical"),
    [
        ("Kim@Example.ORG", "kim@example.org"),
        ("kim+petitions@example.org", "kim@example.org"),
        ("k.i.m@example.org", "k.i.m@example.org"),
        ("k.i.m@gmail.com", "kim@gmail.com"),
        ("K.I.M+tag@GoogleMail.com", "kim@gmail.com"),
        ("kim+a+b@gmail.com", "kim@gmail.com"),
        ("  kim@example.org ", "kim@example.org"),
    ],
)
def test_canonical_email(address, canonical):
    assert canonical_email(address) == canonical


def test_confirmation_token_has_at_least_128_random_bits_and_only_its_hash_is_kept():
    token, token_hash = new_confirmation_token()
    other, _ = new_confirmation_token()

    assert len(token) * 6 >= 128
    assert token != other
    assert token_hash == hash_token(token)
    assert token not in token_hash


def test_receipts_are_unguessable_unambiguous_and_grouped_for_reading():
    receipts = [new_receipt() for _ in range(2000)]
    symbols = set("".join(receipts))

    assert {len(receipt) for receipt in receipts} == {15}
    assert len(set(receipts)) == len(receipts)
    assert not symbols & set("01OIL")
    assert symbols <= set(string.ascii_uppercase + string.digits)
    # 15 symbols drawn from 31 carry the 74 bits that keep a receipt from being guessed.
    assert len(symbols) >= 31
    assert format_receipt("ABCDEFGHJKMNPQR") == "ABCDE-FGHJK-MNPQR"


def test_manage_token_round_trips_and_rejects_tampering():
    public_id = uuid.uuid4()
    token = manage_token(public_id)

    assert public_id_from_manage_token(token) == public_id.hex
    assert public_id_from_manage_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert public_id_from_manage_token("not-a-token") is None


@pytest.mark.parametrize(
    ("address", "prefix"),
    [
        ("203.0.113.9", "203.0.113.0/24"),
        ("203.0.113.250", "203.0.113.0/24"),
        ("::ffff:203.0.113.9", "203.0.113.0/24"),
        ("2001:db8:1:2::5", "2001:db8:1::/48"),
        ("2001:db8:1:ffff:ffff::1", "2001:db8:1::/48"),
        ("203.0.113.255", "203.0.113.0/24"),
        ("2001:db8:1:2:3::9", "2001:db8:1::/48"),
        ("2001:db8:1:ffff::", "2001:db8:1::/48"),
        (None, ""),
        ("", ""),
    ],
)
def test_ip_prefix_is_the_network_an_address_belongs_to(address, prefix):
    assert ip_prefix(address) == prefix


def test_email_domain_hash_is_one_per_domain_however_it_is_written():
    first = email_domain_hash("kim@bücher.de")

    assert email_domain_hash("lee@BÜCHER.DE") == first
    assert email_domain_hash("park@xn--bcher-kva.de") == first
    assert email_domain_hash("kim@buecher.de") != first
    assert len(first) == 64
    assert bytes.fromhex(first)


def test_email_domain_hash_is_keyed(settings):
    under_one_key = email_domain_hash("kim@example.org")
    settings.SIGNATURE_HASH_KEY = "b3RoZXIta2V5LW9mLXRoaXJ0eS10d28tYnl0ZXMtLS0="

    assert email_domain_hash("kim@example.org") != under_one_key


def test_email_domain_hash_of_no_address_is_empty():
    assert email_domain_hash("") == ""


@pytest.mark.parametrize(
    "spelling",
    ["Dup@Bücher.DE", '"dup"@xn--bcher-kva.de', "dup+petition@BÜCHER.de", " dup@bücher.de "],
)
def test_every_spelling_of_one_mailbox_has_one_hash(spelling):
    assert email_hash(spelling) == email_hash("dup@xn--bcher-kva.de")


@pytest.mark.parametrize(
    "address",
    ["kim@bücher.de", "lee@XN--BCHER-KVA.DE", "Park@Bücher.De", "not an address@bücher.de"],
)
def test_addresses_at_one_domain_have_one_domain_hash(address):
    assert email_domain_hash(address) == email_domain_hash("anyone@xn--bcher-kva.de")


def test_hashes_differ_between_mailboxes_and_domains_and_are_empty_without_an_address():
    assert email_hash("kim@example.org") != email_hash("lee@example.org")
    assert email_domain_hash("kim@example.org") != email_domain_hash("kim@example.net")
    assert email_domain_hash("") == ""


def test_hashes_need_the_hash_key(settings):
    before = (email_hash("kim@example.org"), email_domain_hash("kim@example.org"))

    settings.SIGNATURE_HASH_KEY = base64.b64encode(b"K" * 32).decode()

    after = (email_hash("kim@example.org"), email_domain_hash("kim@example.org"))
    assert before[0] != after[0] and before[1] != after[1]
    assert "kim" not in after[0] and "example" not in after[1]


def test_a_keyed_hasher_hashes_as_keyed_hash_does(settings):
    hashed = keyed_hasher()
    key = base64.b64decode(settings.SIGNATURE_HASH_KEY)

    for text in ("signer-1@example.org", "name:김", ""):
        assert hashed(text) == keyed_hash(text)
        # HMAC-SHA256 under the hash key, as every stored hash was made.
        assert keyed_hash(text) == hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
    assert hashed("signer-1@example.org") == email_hash("Signer-1@Example.ORG")
