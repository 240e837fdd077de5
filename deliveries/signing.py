import base64
import binascii
import hashlib
import hmac

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings


class SigningKeyMissing(Exception):
    pass


def new_signing_key_text() -> str:
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return base64.b64encode(raw).decode()


def signing_key() -> Ed25519PrivateKey:
    text = settings.DELIVERY_SIGNING_KEY
    if not text:
        raise SigningKeyMissing(
            "DELIVERY_SIGNING_KEY is not set. Create one with `manage.py create_delivery_key` "
            "and put it in the environment."
        )
    try:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError) as error:
        raise SigningKeyMissing(
            "DELIVERY_SIGNING_KEY is not the base64 of a 32-byte Ed25519 key."
        ) from error


def public_key_pem() -> str:
    """The key anyone verifies a delivery's manifest with, in the PEM form openssl reads."""
    return (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign(data: bytes) -> bytes:
    return signing_key().sign(data)


def leaf_nonces(salt: bytes):
    """A function giving each receipt its secret for this delivery, mixed into its leaf.

    Without it, whoever holds the published leaves could try every receipt of a short, older
    format. Only the site can derive it, and it shows it only to the holder of the receipt,
    who can then recompute their own leaf. The key is read once, not once per signature.
    """
    raw = signing_key().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    prefix = b"delivery-leaf" + salt

    def nonce(receipt: str) -> bytes:
        return hmac.new(raw, prefix + receipt.encode(), hashlib.sha256).digest()[:16]

    return nonce
