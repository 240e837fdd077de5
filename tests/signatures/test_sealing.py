import base64

import pytest

from signatures.sealing import (
    SealError,
    UnknownKey,
    context,
    context_prefix,
    keyring,
    seal,
    sealer,
    unseal,
)

KEY_A = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="  # base64 of 32 "A"s
KEY_B = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI="


def test_a_value_opens_only_for_what_it_was_sealed_for():
    sealed = seal("Kim", context("signatures.signature", "full_name", 1))

    assert unseal(sealed.text, context("signatures.signature", "full_name", 1)) == "Kim"
    for elsewhere in (
        context("signatures.signature", "full_name", 2),
        context("signatures.signature", "town", 1),
        context("signatures.confirmationtoken", "full_name", 1),
    ):
        with pytest.raises(SealError, match="fails authentication"):
            unseal(sealed.text, elsewhere)


def test_a_sealer_seals_as_seal_does_for_its_row():
    sealed = sealer(context_prefix("signatures.signature", "full_name"))

    text = sealed("김민지", b"7")

    assert text.startswith(f"{keyring().current_id}:")
    assert unseal(text, context("signatures.signature", "full_name", 7)) == "김민지"
    with pytest.raises(SealError):
        unseal(text, context("signatures.signature", "full_name", 8))
    assert sealed("김민지", b"7") != text


def test_one_value_sealed_twice_reads_differently():
    where = context("signatures.signature", "full_name", 1)

    assert seal("Kim", where).text != seal("Kim", where).text


def flipped(position):
    """Damage one byte of a sealed value: of its nonce, its ciphertext or its tag."""

    def damage(text):
        key, _, payload = text.partition(":")
        data = bytearray(base64.b64decode(payload))
        data[position] ^= 1
        return f"{key}:{base64.b64encode(data).decode()}"

    return damage


@pytest.mark.parametrize(
    "damage",
    [
        flipped(0),
        flipped(14),
        flipped(-1),
        lambda text: text[:20],
        lambda text: text.partition(":")[0] + ":not base64!",
        lambda text: text.partition(":")[0] + ":",
    ],
    ids=["nonce", "ciphertext", "tag", "cut short", "not base64", "empty"],
)
def test_an_altered_value_fails_loudly(damage):
    where = context("signatures.signature", "full_name", 1)

    with pytest.raises(SealError):
        unseal(damage(seal("Kim", where).text), where)


def test_a_value_sealed_under_an_old_key_opens_until_its_key_is_removed(settings):
    settings.SIGNATURE_DATA_KEY = KEY_A
    where = context("signatures.signature", "town", 1)
    sealed = seal("Seoul", where)

    settings.SIGNATURE_DATA_KEY, settings.SIGNATURE_DATA_OLD_KEYS = KEY_B, [KEY_A]
    assert unseal(sealed.text, where) == "Seoul"
    assert sealed.key_id != keyring().current_id
    assert seal("Seoul", where).key_id == keyring().current_id

    settings.SIGNATURE_DATA_OLD_KEYS = []
    with pytest.raises(UnknownKey, match=f"sealed under key '{sealed.key_id}'"):
        unseal(sealed.text, where)
