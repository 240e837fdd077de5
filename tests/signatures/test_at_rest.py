"""What a copy of the database alone gives away of the people who signed: nothing that names
them, on either database."""

import base64
import html
import ipaddress
import json
import shutil
import subprocess
import unicodedata
import zlib
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

import idna
import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from petitions.models import Petition
from signatures.identity import canonical_email, deliverable_address
from signatures.models import Signature
from tests.conftest import confirmation_token
from tests.factories import browser, make_petition, sign_url, signing_form

SIGNERS = [
    {
        "full_name": "Hyunwoo Quennell-Baptiste",
        "email": "Hyun.Woo+petition@Bücher-Laden.de",
        "town": "Uijeongbu-si",
        "ip": "203.0.113.77",
    },
    {
        "full_name": "박서준 Ptolemy",
        "email": "seojun.park@example.org",
        "town": "Gwangmyeong",
        "ip": "2001:db8:85a3::8a2e:370:7334",
    },
    {
        "full_name": "Zbigniew Œrsted",
        "email": "zbigniew.oersted@example.net",
        "town": "Szczebrzeszyn",
        "ip": "::ffff:198.51.100.23",
    },
]


def text_forms(value: str) -> set[str]:
    """A value as it might be written anywhere: cases, normal forms, escapes and encodings."""
    forms = set()
    for variant in {value, value.lower(), value.upper(), value.casefold()}:
        for normal in {
            variant,
            *(unicodedata.normalize(form, variant) for form in ("NFC", "NFD")),
        }:
            encoded = normal.encode()
            forms |= {
                normal,
                encoded.hex(),
                quote(normal),
                quote_plus(normal),
                html.escape(normal),
                json.dumps(normal)[1:-1],
                normal.encode("utf-16-le").hex(),
            }
            # Base64 at each of its three alignments, without the characters that depend on
            # what comes before or after.
            for shift in range(3):
                text = base64.b64encode(b"\0" * shift + encoded).decode()
                inner = text[(4 * shift + 2) // 3 + 1 : -4]
                forms |= {inner, inner.replace("+", "-").replace("/", "_")}
    return {form for form in forms if len(form) >= 5}


def email_forms(address: str) -> set[str]:
    local, _, domain = address.rpartition("@")
    ascii_domain = idna.encode(domain, uts46=True).decode()
    spellings = {
        address,
        deliverable_address(address),
        canonical_email(address),
        f"{local}@{ascii_domain}",
        local,
        local.split("+")[0],
    }
    return set().union(*map(text_forms, spellings))


def ip_forms(address: str) -> set[str]:
    ip = ipaddress.ip_address(address)
    plain = ip.ipv4_mapped or ip if ip.version == 6 else ip
    forms = {address, str(ip), str(plain), plain.packed.hex(), str(int(plain))}
    if plain.version == 6:
        forms |= {plain.exploded, plain.exploded.replace(":", "")}
    else:
        forms |= {f"::ffff:{plain}", str(ipaddress.IPv6Address(f"::ffff:{plain}").exploded)}
        forms |= {".".join(f"{int(part):03d}" for part in str(plain).split("."))}
    return set().union(*map(text_forms, forms))


def opened_sessions() -> list[str]:
    """Sessions are signed, not encrypted: anyone can read them without the secret key."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_data FROM django_session")
        payloads = [row[0].partition(":")[0] for row in cursor.fetchall()]
    opened = []
    for payload in payloads:
        data = base64.urlsafe_b64decode(payload.lstrip(".") + "==")
        opened.append((zlib.decompress(data) if payload.startswith(".") else data).decode())
    return opened


def database_dump() -> str:
    return "\n".join([_dump(), *opened_sessions()])


def _dump() -> str:
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    parts = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        for (table,) in cursor.fetchall():
            # Every column of every row, as PostgreSQL writes it as text.
            cursor.execute(f'SELECT t::text FROM "{table}" AS t')  # noqa: S608
            parts += [row[0] for row in cursor.fetchall()]
    if pg_dump := shutil.which("pg_dump"):
        database = connection.settings_dict
        dump = subprocess.run(  # noqa: S603 - the system's pg_dump with fixed arguments
            [
                pg_dump,
                "--data-only",
                "--host",
                database["HOST"] or "127.0.0.1",
                "--port",
                str(database["PORT"] or 5432),
                "--username",
                database["USER"],
                database["NAME"],
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        parts.append(dump.stdout)
    return "\n".join(parts)


@dataclass
class SignedThroughTheSite:
    petition: Petition
    # What the signers' browsers still hold.
    cookies: list[str]


@pytest.fixture
def signed_through_the_site(committed):
    """The first signer confirms; the second does not yet; the third signs twice."""
    petition = make_petition()
    cookies = []
    for number, signer in enumerate(SIGNERS):
        signer_browser = Client(REMOTE_ADDR=signer["ip"], headers={"Sec-Fetch-Site": "same-origin"})
        details = {key: signer[key] for key in ("full_name", "email", "town")}
        # Never shown the page that shows the address: it waits in the browser.
        response = signer_browser.post(sign_url(petition), signing_form(**details))
        assert response.status_code == 302
        if number == 0:
            token = confirmation_token(mail.outbox[-1])
            confirming = signer_browser.post(reverse("signatures:confirm", args=[token]))
            assert confirming.status_code == 302
        if number == 2:
            signer_browser.post(sign_url(petition), signing_form(**details | {"town": "Zamość"}))
        cookies.extend(cookie.value for cookie in signer_browser.cookies.values())
    return SignedThroughTheSite(petition, cookies)


@pytest.mark.django_db(transaction=True)
def test_a_dump_of_the_database_names_no_signer(signed_through_the_site):
    signed = signed_through_the_site
    signatures = Signature.objects.for_petition(signed.petition)
    assert signatures.count() == 3
    assert signatures.confirmed().get().full_name == SIGNERS[0]["full_name"]

    dump = database_dump()

    assert signatures.first().receipt in dump  # the dump is of the rows just written
    assert not Session.objects.exists()  # signers have no session: their notes wait sealed
    assert len(signed.cookies) >= len(SIGNERS)  # in their browsers, searched as well
    lowered = "\n".join([dump, *signed.cookies]).lower()
    for signer in SIGNERS:
        secrets = (
            text_forms(signer["full_name"])
            | text_forms(signer["town"])
            | email_forms(signer["email"])
            | ip_forms(signer["ip"])
        )
        found = sorted(secret for secret in secrets if secret.lower() in lowered)
        assert found == [], signer["email"]
    for town in ("Zamość", "Zamosc"):
        assert town.lower() not in lowered


@pytest.mark.django_db(transaction=True)
def test_the_dump_still_holds_what_staff_need_in_clear(signed_through_the_site):
    dump = database_dump()

    assert "203.0.113.0/24" in dump
    assert "2001:db8:85a3::/48" in dump
    assert "198.51.100.0/24" in dump


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "again", ["HYUN.WOO@BÜCHER-LADEN.DE", "hyun.woo+other@xn--bcher-laden-thb.de"]
)
def test_signing_again_with_another_spelling_finds_the_signature_by_its_hash(
    signed_through_the_site, again
):
    mail.outbox.clear()

    petition = signed_through_the_site.petition
    browser().post(sign_url(petition), signing_form(email=again))

    assert Signature.objects.for_petition(petition).count() == 3
    assert mail.outbox[-1].subject.startswith("You have already signed")
