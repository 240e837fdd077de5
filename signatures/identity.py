import base64
import contextlib
import functools
import hashlib
import hmac
import ipaddress
import re
import secrets

import idna
from django.conf import settings
from django.core import signing

from .client_ip import plain_ip

# An unquoted local part (RFC 5322 dot-atom): what every mail server delivers to.
DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")
GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}
MANAGE_SALT = "signatures.manage"
# Letters and digits that cannot be mistaken for one another when read aloud or retyped.
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# 15 symbols of 31 are 74 bits: too many to guess, so a delivery can publish salted hashes of
# receipts without anyone finding a receipt from them.
RECEIPT_LENGTH = 15


class UndeliverableAddress(ValueError):
    pass


def _local_and_ascii_domain(address: str) -> tuple[str, str]:
    local, at, domain = address.strip().rpartition("@")
    if len(local) > 2 and local[0] == local[-1] == '"':
        # "dup"@example.org is dup@example.org; a quoted part that needs its quotes (spaces,
        # control characters, a second @) is refused below, since few servers deliver it.
        local = local[1:-1]
    if not at or len(local) > 64 or not DOT_ATOM.match(local):
        raise UndeliverableAddress(address)
    try:
        # UTS 46 maps what people type (capitals, full-width dots, Unicode) to one A-label form.
        domain = a_label(domain)
    except (idna.IDNAError, UnicodeError) as error:
        raise UndeliverableAddress(address) from error
    if "." not in domain:
        raise UndeliverableAddress(address)
    return local, domain


@functools.lru_cache(maxsize=4096)
def a_label(domain: str) -> str:
    """A domain as DNS has it; the few domains most signers share are converted once."""
    return idna.encode(domain, uts46=True).decode("ascii")


def deliverable_address(address: str) -> str:
    """The address as a mail server takes it: an unquoted local part and an ASCII domain.

    Raises UndeliverableAddress for anything that no mail server would accept.
    """
    local, domain = _local_and_ascii_domain(address)
    return f"{local}@{domain}"


def readable_address(address: str) -> str:
    """The address tidied for people: unquoted, with its domain in its own script."""
    local, domain = _local_and_ascii_domain(address)
    return f"{local}@{idna.decode(domain)}"


def canonical_email(address: str) -> str:
    """The form of an address under which one person signs a petition once.

    Lower case, its domain in A-labels, unquoted, without a +tag, and for Gmail without dots:
    dup@bücher.de, "dup"@xn--bcher-kva.de and DUP@BÜCHER.DE reach the same mailbox, and Gmail
    delivers f.o.o+x@googlemail.com and foo@gmail.com to the same one.
    """
    with contextlib.suppress(UndeliverableAddress):  # a search term, say: compare it as typed
        address = deliverable_address(address)
    local, _, domain = address.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


@functools.lru_cache(maxsize=4)
def _hash_key(text: str) -> bytes:
    return base64.b64decode(text)


def keyed_hash(text: str) -> str:
    """A hash that only holders of SIGNATURE_HASH_KEY can compute, so that a copy of the
    database cannot be searched for a known address by hashing it."""
    return keyed_hasher()(text)


def keyed_hasher():
    """keyed_hash with its key read once, for a writer that hashes a million values."""
    key = _hash_key(settings.SIGNATURE_HASH_KEY)
    digest = hmac.digest

    def hashed(text: str) -> str:
        return digest(key, text.encode(), "sha256").hex()

    return hashed


def email_hash(address: str) -> str:
    """What the database keeps of an address to find its signature: every spelling of one
    mailbox gives the same hash."""
    return keyed_hash(canonical_email(address))


def ip_prefix(address: str | None) -> str:
    """The network an address belongs to, kept in clear where the address itself is sealed:
    an IPv4 /24, or an IPv6 /48 (often one customer's whole allocation).

    Enough to see a wave of signatures from one place, without keeping who sent each.
    """
    ip = plain_ip(address or None)
    if ip is None:
        return ""
    return str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False))


def ascii_domain(address: str) -> str:
    """The address's domain in lower case A-labels: BÜCHER.DE is xn--bcher-kva.de."""
    domain = address.strip().rpartition("@")[2]
    # An address that no mail server takes still has a domain to group it by, as typed.
    with contextlib.suppress(idna.IDNAError, UnicodeError):
        domain = a_label(domain)
    return domain.lower()


def email_domain_hash(address: str) -> str:
    """A keyed hash of the address's domain, under which signatures are grouped by domain."""
    if not address:
        return ""
    return keyed_hash(ascii_domain(address))


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
