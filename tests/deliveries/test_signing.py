import base64

import pytest

from deliveries.signing import SigningKeyMissing, leaf_nonces, signing_key

# Fixed, so that the derivation is pinned: a signer asks for their nonce long after their
# petition was delivered, and it must be the one its leaf was made with.
KEY = base64.b64encode(bytes(range(32))).decode()
SALT = bytes.fromhex("00112233445566778899aabbccddeeff")
# HMAC-SHA256 under the key's 32 raw bytes of "delivery-leaf", the salt and the receipt, cut to
# 16 bytes.
EXPECTED = "68bd1447bc6cef0c780625f35a607aa0"


def test_a_receipts_nonce_is_the_one_every_earlier_delivery_made(settings):
    settings.DELIVERY_SIGNING_KEY = KEY
    nonce = leaf_nonces(SALT)

    assert nonce("QV7CMPX2H9TJS4R").hex() == EXPECTED
    assert nonce("QV7CMPX2H9TJS4S") != nonce("QV7CMPX2H9TJS4R")
    assert leaf_nonces(SALT[::-1])("QV7CMPX2H9TJS4R") != nonce("QV7CMPX2H9TJS4R")


def test_a_missing_key_says_how_to_make_one(settings):
    settings.DELIVERY_SIGNING_KEY = ""

    with pytest.raises(SigningKeyMissing) as refused:
        signing_key()

    assert str(refused.value) == (
        "DELIVERY_SIGNING_KEY is not set. Create one with `manage.py create_delivery_key` "
        "and put it in the environment."
    )


@pytest.mark.parametrize(
    "text",
    [
        KEY[:20] + "!" + KEY[20:],  # a character outside base64, which lenient decoding skips
        KEY[:20] + " " + KEY[20:],
        base64.b64encode(bytes(31)).decode(),
        "not a key",
    ],
)
def test_a_key_that_is_not_exactly_32_bytes_of_base64_is_refused_by_name(settings, text):
    settings.DELIVERY_SIGNING_KEY = text

    with pytest.raises(SigningKeyMissing) as refused:
        signing_key()

    assert str(refused.value) == "DELIVERY_SIGNING_KEY is not the base64 of a 32-byte Ed25519 key."
