"""Signers' details sealed at rest: AES-256-GCM under a key that the database never holds.

A sealed value is stored as `<key id>:<base64 of nonce, ciphertext and tag>`. The key id names
the key that sealed it, so that keys can change while the site runs: SIGNATURE_DATA_KEY seals,
and SIGNATURE_DATA_OLD_KEYS only open (`manage.py reseal_signer_details` moves everything to the
current key). What each value is for (its model, field and row) is authenticated with it, so a
value copied into another column or another row fails to open rather than reading as someone
else's details.
"""

import base64
import binascii
import functools
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

NONCE_BYTES = 12
KEY_ID_LENGTH = 8
SEPARATOR = ":"


class SealError(Exception):
    """A sealed value that cannot be opened: its key is not configured, or it was altered."""


class UnknownKey(SealError):
    pass


@dataclass(frozen=True, slots=True)
class Sealed:
    """A value as the database holds it; only code that knows its row can open it."""

    text: str

    @property
    def key_id(self) -> str:
        return key_id_of(self.text)


@dataclass(frozen=True)
class Keyring:
    current_id: str
    ciphers: dict[str, AESGCM]


def key_id(key: bytes) -> str:
    # A hash of the key names it without revealing anything of it.
    return hashlib.sha256(b"signatures.sealing key id:" + key).hexdigest()[:KEY_ID_LENGTH]


def key_id_of(text: str) -> str:
    return text.partition(SEPARATOR)[0]


def decode_key(text: str) -> bytes:
    """The 32 bytes of a key written as base64; ValueError for anything else."""
    try:
        key = base64.b64decode(text, validate=True)
    except binascii.Error as error:
        raise ValueError("not base64") from error
    if len(key) != 32:
        raise ValueError(f"{len(key)} bytes instead of 32")
    return key


@functools.cache
def keyring() -> Keyring:
    keys = [
        decode_key(text)
        for text in (settings.SIGNATURE_DATA_KEY, *settings.SIGNATURE_DATA_OLD_KEYS)
    ]
    return Keyring(
        current_id=key_id(keys[0]),
        # The current key wins should an old one be listed again.
        ciphers={key_id(key): AESGCM(key) for key in reversed(keys)},
    )


@receiver(setting_changed)
def _forget_keys(*, setting, **kwargs):
    # Tests change keys; a running site reads them once.
    if setting in ("SIGNATURE_DATA_KEY", "SIGNATURE_DATA_OLD_KEYS"):
        keyring.cache_clear()


def context(label: str, field: str, row) -> bytes:
    """What a value is for: the model, the field and the row it belongs to."""
    return context_prefix(label, field) + str(row).encode()


def context_prefix(label: str, field: str) -> bytes:
    return f"{label}.{field}:".encode()


def seal(text: str, context: bytes) -> Sealed:
    return Sealed(sealer(b"")(text, context))


def sealer(context_prefix: bytes):
    """A function sealing text for a row, as seal(text, context_prefix + row) does, with the key
    looked up once: for writers of a million values (COPY) as for one."""
    keys = keyring()
    encrypt = keys.ciphers[keys.current_id].encrypt
    head = f"{keys.current_id}{SEPARATOR}"
    urandom = os.urandom
    b2a = binascii.b2a_base64

    def sealed(text: str, row: bytes) -> str:
        nonce = urandom(NONCE_BYTES)
        data = nonce + encrypt(nonce, text.encode(), context_prefix + row)
        return head + b2a(data, newline=False).decode()

    return sealed


def unseal(text: str, context: bytes) -> str:
    """The clear value; SealError if it cannot be opened, never a wrong value."""
    keys = keyring()
    identifier, separator, payload = text.partition(SEPARATOR)
    cipher = keys.ciphers.get(identifier) if separator else None
    if cipher is None:
        raise UnknownKey(
            f"A value is sealed under key {identifier!r}, which is neither SIGNATURE_DATA_KEY "
            "nor one of SIGNATURE_DATA_OLD_KEYS."
        )
    try:
        # What base64.b64decode(validate=True) does, without its cost on a million rows.
        data = binascii.a2b_base64(payload, strict_mode=True)
        return cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], context).decode()
    except (binascii.Error, InvalidTag, ValueError) as error:
        raise SealError(
            f"A value sealed under key {identifier!r} fails authentication for "
            f"{context.decode(errors='replace')}: altered, or moved from another field or row."
        ) from error


def is_current(text: str) -> bool:
    return key_id_of(text) == keyring().current_id
