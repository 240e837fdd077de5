"""A delivered package stays verifiable after its signers' details are erased."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from deliveries.merkle import verify_inclusion
from deliveries.models import Delivery
from deliveries.selectors import receipt_inclusion
from deliveries.services import delivery_mark_delivered
from deliveries.verification import verify_package
from petitions.models import Petition
from signatures.models import Signature
from signatures.services import signatures_anonymise_expired
from tests.deliveries.conftest import needs_fonts

pytestmark = [pytest.mark.django_db, needs_fonts]


@pytest.fixture
def delivered(founding, tmp_path):
    """Delivered, and closed long enough ago that its retention period is over."""
    out = tmp_path / "out"
    call_command(
        "deliver",
        "refugee-status",
        "--recipient",
        "Chinese Embassy in London",
        "--cutoff",
        founding["cutoff"].isoformat(),
        "--out",
        str(out),
    )
    delivery = delivery_mark_delivered(delivery=Delivery.objects.get())
    Petition.objects.filter(pk=delivery.petition_id).update(
        closed_at=timezone.now() - timedelta(days=181)
    )
    (folder,) = [path for path in out.iterdir() if path.is_dir()]
    return delivery, folder


def public_key(folder):
    return (folder / "public-key.pem").read_text()


def test_the_package_built_before_erasing_still_verifies_after(delivered, founding):
    delivery, folder = delivered
    assert verify_package(folder, public_key(folder)) == []

    erased = signatures_anonymise_expired()

    assert erased == {delivery.petition: Signature.objects.count()}
    assert set(Signature.objects.values_list("full_name", "email_address", "town")) == {
        ("", "", "")
    }
    assert verify_package(folder, public_key(folder)) == []
    assert verify_package(folder.with_suffix(".zip"), public_key(folder)) == []
    call_command("verify_delivery", str(folder))


def test_every_signer_can_still_prove_they_were_in_the_delivered_list(delivered, founding):
    delivery, _ = delivered

    signatures_anonymise_expired()

    for position, signature in enumerate(founding["included"], start=1):
        signature.refresh_from_db()
        inclusion = receipt_inclusion(delivery, signature.receipt)
        assert inclusion.position == position
        assert verify_inclusion(
            bytes.fromhex(inclusion.leaf),
            inclusion.position - 1,
            inclusion.size,
            [bytes.fromhex(step) for step in inclusion.proof],
            bytes.fromhex(delivery.merkle_root),
        )


def test_the_delivered_counts_still_match_the_signatures_counted(delivered):
    delivery, _ = delivered

    signatures_anonymise_expired()

    counted = Signature.objects.confirmed().filter(confirmed_at__lte=delivery.cutoff)
    by_country = {}
    for country in counted.values_list("country", flat=True):
        by_country[country] = by_country.get(country, 0) + 1
    delivery.refresh_from_db()
    assert by_country == delivery.counts_by_country
    assert counted.count() == delivery.total
