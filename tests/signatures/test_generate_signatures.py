import pytest
from django.conf import settings
from django.core.management import call_command

from signatures.identity import email_domain_hash, ip_prefix
from signatures.models import Signature
from signatures.selectors import petition_counts, stored_and_actual_counts_by_country
from tests.factories import make_petition

pytestmark = pytest.mark.django_db


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
