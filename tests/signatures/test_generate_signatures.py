import hashlib
import random
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from signatures import samples
from signatures.identity import email_domain_hash, email_hash, ip_prefix
from signatures.models import Signature, SignatureNameToken
from signatures.name_index import name_tokens
from signatures.samples import COLUMNS, COUNTRIES, NAMES, _rows, sample_signatures_add
from signatures.search import signatures_search
from signatures.selectors import petition_counts, stored_and_actual_counts_by_country
from tests.factories import make_petition

pytestmark = pytest.mark.django_db

SINCE = datetime(2024, 1, 1, tzinfo=UTC)
UNTIL = datetime(2024, 3, 1, tzinfo=UTC)
DRAWN_COLUMNS = (
    "full_name",
    "country",
    "town",
    "name_visibility",
    "wants_updates",
    "language",
    "ip_address",
    "ip_prefix",
    "created_at",
    "confirmed_at",
)


def test_generated_signatures_are_confirmed_distinct_and_exactly_counted():
    petition = make_petition()

    call_command("generate_signatures", petition.slug, "--count", "250")

    assert Signature.objects.for_petition(petition).confirmed().count() == 250
    assert Signature.objects.values("receipt").distinct().count() == 250
    assert petition_counts(petition).total == 250
    counts = stored_and_actual_counts_by_country(petition.pk)
    assert all(stored == actual for stored, actual in counts.values())
    versions = set(Signature.objects.values_list("consent_version", flat=True))
    assert versions == {settings.CONSENT_VERSION}


def test_generated_signatures_carry_their_network_and_email_domain_hash():
    petition = make_petition()

    call_command("generate_signatures", petition.slug, "--count", "20")

    for signature in Signature.objects.for_petition(petition):
        assert signature.ip_prefix == ip_prefix(signature.ip_address)
        assert signature.email_domain_hash == email_domain_hash(signature.email)


def test_generated_signatures_open_and_are_found_as_the_site_would_find_them():
    petition = make_petition()

    sample_signatures_add(petition=petition, count=30, since=SINCE, until=UNTIL, chunk=7)

    signatures = list(Signature.objects.for_petition(petition).order_by("pk"))
    assert len(signatures) == 30
    for signature in signatures:
        # Sealed to their row: each opens, and hashes as the site hashes it.
        assert signature.email_hash == email_hash(signature.email)
        assert signature.ip_prefix == ip_prefix(signature.ip_address)
        assert signature.town in {"", *(town for c in COUNTRIES for town in c.towns)}
        tokens = set(signature.name_tokens.values_list("token", flat=True))
        assert tokens == name_tokens(signature.full_name)
        assert (
            signature in signatures_search(Signature.objects.all(), signature.full_name).signatures
        )
    assert petition_counts(petition).total == 30
    counts = stored_and_actual_counts_by_country(petition.pk)
    assert all(stored == actual for stored, actual in counts.values())


def test_ids_follow_signing_order_within_a_chunk():
    petition = make_petition()

    sample_signatures_add(petition=petition, count=25, since=SINCE, until=UNTIL, chunk=10)

    made = list(Signature.objects.for_petition(petition).order_by("pk").values_list("created_at"))
    for start in (0, 10, 20):
        assert made[start : start + 10] == sorted(made[start : start + 10])


def test_a_seed_gives_the_same_signers_as_it_always_has():
    # Drawn from the seed in a fixed order: a demo looks the same on every machine, and as it did.
    rows = _rows(make_petition(), 500, SINCE, UNTIL, random.Random("demo-seed"))
    drawn = [[row[COLUMNS.index(column)] for column in DRAWN_COLUMNS] for row in rows]

    assert drawn[0] == [
        "Lucy Murray",
        "US",
        "New York",
        "anonymous",
        False,
        "en",
        "203.0.113.116",
        "203.0.113.0/24",
        datetime(2024, 2, 21, 1, 55, 38, 481488, tzinfo=UTC),
        datetime(2024, 2, 21, 2, 22, 42, 524976, tzinfo=UTC),
    ]
    assert drawn[2][:3] == ["Diego Silva", "US", "Seattle"]
    digest = hashlib.sha256(b"".join(repr(each).encode() for each in drawn)).hexdigest()
    assert digest == "32e677b4cdf610f0cf025746112dc884514cde3a9d17fc963bc2480c8e561125"


def test_sample_names_and_towns_need_no_escaping_in_copy_text():
    texts = [word for given, family, _ in NAMES.values() for word in (*given, *family)]
    texts += [town for country in COUNTRIES for town in country.towns]
    assert not [text for text in texts if set(text) & set("\t\n\r\\")]


@pytest.mark.django_db(transaction=True)
def test_a_run_stopped_half_way_leaves_exact_counts_for_what_it_committed(monkeypatch):
    petition = make_petition()
    written = []
    write = samples._copy if connection.vendor == "postgresql" else samples._bulk_create

    def fails_on_the_third_chunk(*args, **kwargs):
        if len(written) == 2:
            raise RuntimeError("stopped")
        written.append(True)
        return write(*args, **kwargs)

    monkeypatch.setattr(samples, write.__name__, fails_on_the_third_chunk)

    with pytest.raises(RuntimeError):
        sample_signatures_add(petition=petition, count=50, since=SINCE, until=UNTIL, chunk=20)

    assert Signature.objects.for_petition(petition).confirmed().count() == 40
    assert (
        SignatureNameToken.objects.filter(signature__petition=petition)
        .values("signature")
        .distinct()
        .count()
        == 40
    )
    assert petition_counts(petition).total == 40
    counts = stored_and_actual_counts_by_country(petition.pk)
    assert all(stored == actual for stored, actual in counts.values())


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY with ids from the sequence")
def test_copy_takes_ids_from_the_sequence_that_the_site_uses_after_it():
    petition = make_petition()

    call_command("generate_signatures", petition.slug, "--count", "12")
    later = Signature.objects.create(
        petition=petition, full_name="Kim Min-ji", email="later@example.org", country="KR"
    )

    ids = list(Signature.objects.for_petition(petition).values_list("pk", flat=True))
    assert later.pk == max(ids)
    assert len(set(ids)) == 13
    assert (
        SignatureNameToken.objects.filter(signature__petition=petition)
        .exclude(signature=later)
        .values("signature")
        .distinct()
        .count()
        == 12
    )
