import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from petitions.models import Petition, RetentionHold
from signatures import services
from signatures.counting import tally_reconcile
from signatures.models import ConfirmationToken, Signature
from signatures.selectors import petition_counts, recent_public_signers
from signatures.services import (
    SignatureError,
    signature_update_details,
    signature_withdraw,
    signatures_anonymise_expired,
)
from tests.factories import make_petition, sign

pytestmark = pytest.mark.django_db

DETAILS = {
    "full_name": "Kim Min-ji",
    "town": "Seoul",
    "ip_address": "203.0.113.9",
    "wants_updates": True,
    "name_visibility": "public",
}
KEPT = ("status", "country", "receipt", "created_at", "confirmed_at", "public_id", "petition_id")


def days_ago(days):
    return timezone.now() - timedelta(days=days)


def closed(days, **fields):
    return make_petition(status=Petition.Status.CLOSED, closed_at=days_ago(days), **fields)


@pytest.fixture
def signed(confirmed):
    """A confirmed signature on a petition that is open; close it afterwards as a test needs."""

    def sign_and_close(*, status=Petition.Status.CLOSED, closed_days_ago=181, **fields):
        petition = make_petition()
        signature = confirmed(petition, **(DETAILS | fields))
        Petition.objects.filter(pk=petition.pk).update(
            status=status, closed_at=days_ago(closed_days_ago)
        )
        return signature

    return sign_and_close


def personal(signature):
    signature.refresh_from_db()
    return {
        "full_name": signature.full_name,
        "email": signature.email,
        "email_hash": signature.email_hash,
        "email_domain_hash": signature.email_domain_hash,
        "town": signature.town,
        "ip_address": signature.ip_address,
        "ip_prefix": signature.ip_prefix,
        "confirmed_link_hash": signature.confirmed_link_hash,
        "wants_updates": signature.wants_updates,
    }


def kept(signature):
    signature.refresh_from_db()
    return {field: getattr(signature, field) for field in KEPT}


ERASED = {
    "full_name": "",
    "email": "",
    "email_hash": None,
    "email_domain_hash": "",
    "town": "",
    "ip_address": None,
    "ip_prefix": "",
    "confirmed_link_hash": None,
    "wants_updates": False,
}


class TestWhichSignaturesAreErased:
    def test_exactly_the_signatures_of_petitions_past_their_retention_are_erased(
        self, signed, confirmed
    ):
        expired = signed(closed_days_ago=181)
        delivered = signed(status=Petition.Status.DELIVERED, closed_days_ago=181)
        recent = signed(closed_days_ago=179)
        held = signed(closed_days_ago=181)
        RetentionHold.objects.create(
            petition=held.petition,
            held_until=timezone.localdate() + timedelta(days=30),
            reason="A court asked us to keep the list.",
        )
        still_open = confirmed(make_petition(), **DETAILS)
        before = {s.pk: kept(s) for s in (expired, delivered, recent, held, still_open)}

        erased = signatures_anonymise_expired()

        assert erased == {expired.petition: 1, delivered.petition: 1}
        for signature in (expired, delivered):
            assert personal(signature) == ERASED
            assert signature.anonymised_at is not None
            assert kept(signature) == before[signature.pk]
        for signature in (recent, held, still_open):
            assert personal(signature)["full_name"] == "Kim Min-ji"
            assert personal(signature)["town"] == "Seoul"
            assert signature.ip_address == "203.0.113.9"
            assert signature.anonymised_at is None

    def test_a_petition_that_ran_out_of_time_counts_from_its_deadline(self, confirmed):
        petition = make_petition(opens_at=days_ago(300), closes_at=days_ago(200))
        signature = confirmed(make_petition(), **DETAILS)
        Signature.objects.filter(pk=signature.pk).update(petition=petition)

        assert signatures_anonymise_expired() == {petition: 1}
        assert personal(signature) == ERASED

    def test_each_petition_has_its_own_retention_period(self, signed):
        short = signed(closed_days_ago=31)
        Petition.objects.filter(pk=short.petition_id).update(retention_days=30)
        long = signed(closed_days_ago=181)
        Petition.objects.filter(pk=long.petition_id).update(retention_days=365)

        assert signatures_anonymise_expired() == {short.petition: 1}

    def test_the_default_period_comes_from_the_setting(self, settings):
        settings.SIGNATURE_RETENTION = timedelta(days=90)

        assert make_petition().retention_days == 90

    def test_an_expired_hold_keeps_nothing(self, signed):
        signature = signed(closed_days_ago=200)
        RetentionHold.objects.create(
            petition=signature.petition,
            held_until=timezone.localdate() - timedelta(days=1),
            reason="Kept until a claim was settled.",
        )

        assert signatures_anonymise_expired() == {signature.petition: 1}

    def test_a_later_shorter_hold_ends_an_earlier_longer_one(self, signed):
        signature = signed(closed_days_ago=200)
        petition = signature.petition
        RetentionHold.objects.create(
            petition=petition,
            held_until=timezone.localdate() + timedelta(days=365),
            reason="A claim might come.",
            created_at=days_ago(10),
        )
        assert signatures_anonymise_expired() == {}

        RetentionHold.objects.create(
            petition=petition,
            held_until=timezone.localdate() - timedelta(days=1),
            reason="The claim was dropped.",
        )

        assert signatures_anonymise_expired() == {petition: 1}

    def test_pending_and_withdrawn_signatures_are_marked_too(self, signed, committed):
        signature = signed(closed_days_ago=200)
        petition = signature.petition
        Petition.objects.filter(pk=petition.pk).update(status=Petition.Status.OPEN)
        with committed():
            pending = sign(petition, email="pending@example.org", town="Busan")
        Petition.objects.filter(pk=petition.pk).update(status=Petition.Status.CLOSED)
        signature_withdraw(signature=signature)

        assert signatures_anonymise_expired() == {petition: 2}
        assert not ConfirmationToken.objects.filter(signature=pending).exists()
        assert personal(pending) == ERASED
        assert Signature.objects.not_anonymised().count() == 0


class TestWhatErasingKeeps:
    def test_counts_by_country_do_not_change(self, signed, confirmed, committed):
        signature = signed(closed_days_ago=200, country="KR")
        petition = signature.petition
        for country in ("GB", "GB", "FR"):
            other = confirmed(make_petition(), country=country)
            Signature.objects.filter(pk=other.pk).update(petition=petition)
        tally_reconcile(petition_id=petition.pk, fix=True)
        before = petition_counts(petition)

        with committed():
            signatures_anonymise_expired()

        assert petition_counts(petition) == before
        assert before.by_country == [("GB", 2), ("FR", 1), ("KR", 1)]
        assert tally_reconcile(petition_id=petition.pk) == {}

    def test_withdrawing_and_erasing_leave_the_same_details(self, signed):
        withdrawn = signed(closed_days_ago=10, email="one@example.org")
        erased = signed(closed_days_ago=200, email="two@example.org")

        signature_withdraw(signature=withdrawn)
        signatures_anonymise_expired()

        assert personal(withdrawn) == personal(erased) == ERASED

    def test_an_erased_signer_may_sign_again_if_the_petition_reopens(self, signed, committed):
        signature = signed(closed_days_ago=200, email="kim@example.org")
        signatures_anonymise_expired()
        petition = Petition.objects.get(pk=signature.petition_id)

        petition.open()
        with committed():
            again = sign(petition, email="kim@example.org")

        assert again.pk != signature.pk

    def test_the_petition_page_no_longer_lists_erased_signers(self, signed, committed):
        signature = signed(closed_days_ago=200)
        assert [signer.name for signer in recent_public_signers(signature.petition)] == ["Kim"]

        with committed():
            signatures_anonymise_expired()

        assert recent_public_signers(signature.petition) == []

    def test_an_erased_signer_cannot_write_their_details_back(self, signed):
        signature = signed(closed_days_ago=200)
        signatures_anonymise_expired()

        with pytest.raises(SignatureError):
            signature_update_details(
                signature=signature, full_name="Kim", town="Seoul", name_visibility="public"
            )
        assert personal(signature) == ERASED


class TestRunningAgain:
    def test_a_second_run_changes_nothing(self, signed):
        signature = signed(closed_days_ago=200)
        signatures_anonymise_expired()
        first = Signature.objects.get(pk=signature.pk).anonymised_at

        assert signatures_anonymise_expired(now=timezone.now() + timedelta(days=1)) == {}
        assert Signature.objects.get(pk=signature.pk).anonymised_at == first

    def test_a_petition_of_many_batches_is_erased_whole(self, signed, confirmed, monkeypatch):
        monkeypatch.setattr(services, "ERASURE_BATCH", 2)
        signature = signed(closed_days_ago=200)
        for _ in range(4):
            other = confirmed(make_petition(), **DETAILS)
            Signature.objects.filter(pk=other.pk).update(petition=signature.petition)

        assert signatures_anonymise_expired() == {signature.petition: 5}
        assert not Signature.objects.not_anonymised().exists()
        assert set(Signature.objects.values_list("full_name", flat=True)) == {""}

    def test_now_decides_what_is_due(self, signed):
        signature = signed(closed_days_ago=170)

        assert signatures_anonymise_expired() == {}
        assert signatures_anonymise_expired(now=timezone.now() + timedelta(days=11)) == {
            signature.petition: 1
        }


class TestCommand:
    def test_says_what_it_erased_for_each_petition(self, signed):
        signature = signed(closed_days_ago=200)
        slug = signature.petition.slug

        call_command("anonymise_expired_signatures", stdout=(output := io.StringIO()))

        assert f"{slug}: erased the details of 1 signature(s)." in output.getvalue()
        assert "Erased the details of 1 signature(s) in total." in output.getvalue()
        assert personal(signature) == ERASED

    def test_says_so_when_there_is_nothing_to_erase(self, signed):
        signature = signed(closed_days_ago=100)

        call_command("anonymise_expired_signatures", stdout=(output := io.StringIO()))

        assert output.getvalue() == "Erased the details of 0 signature(s) in total.\n"
        assert personal(signature)["full_name"] == "Kim Min-ji"
