import hashlib
import re
import secrets

from django.core import signing

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}
MANAGE_SALT = "signatures.manage"
# Letters and digits that cannot be mistaken for one another when read aloud or retyped.
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECEIPT_LENGTH = 10


def canonical_email(address: str) -> str:
    """The form of an address under which one person signs a petition once.

    Lower case, without a +tag, and for Gmail without dots, since Gmail delivers
    f.o.o+x@googlemail.com and foo@gmail.com to the same mailbox.
    """
    local, _, domain = address.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def new_confirmation_token() -> tuple[str, str]:
    """A random token for a confirmation link and the hash that is all the database keeps."""
    token = secrets.token_urlsafe(24)  # 192 bits
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def format_receipt(receipt: str) -> str:
    return "-".join(re.findall(".{1,5}", receipt))


def manage_token(public_id) -> str:
    return signing.Signer(salt=MANAGE_SALT, sep=".").sign(public_id.hex)


def public_id_from_manage_token(token: str) -> str | None:
    try:
        return signing.Signer(salt=MANAGE_SALT, sep=".").unsign(token)
    except signing.BadSignature:
        return None
