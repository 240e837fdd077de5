import base64

from deliveries.signing import leaf_nonces

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
