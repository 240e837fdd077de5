import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from petitions.models import Petition
from signatures import tasks
from signatures.identity import email_domain_hash, hash_token
from signatures.models import ConfirmationToken, Signature, SignatureTally, Suspicion
from signatures.selectors import petition_counts
from signatures.services import (
    PetitionNotOpen,
    TokenExpired,
    TokenInvalid,
    signature_approve,
    signature_confirm,
    signature_stop_updates,
    signature_update_details,
    signature_withdraw,
)
from tests.conftest import confirmation_token
from tests.factories import make_petition, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def petition():
    return make_petition(title="Free them", demands=["Open the border", "Stop returns"])


class TestSignatureCreate:
    def test_new_signature_is_pending_and_gets_one_confirmation_email(self, petition, committed):
        with committed():
            signature = sign(petition, email="Kim+tag@Example.org", language="ko")

        assert signature.status == Signature.Status.PENDING
        assert Signature.objects.with_email("kim@example.org").get() == signature
        assert signature.confirmation_tokens.get().email == "Kim+tag@Example.org"
        assert len(signature.receipt) == 15
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["Kim+tag@example.org"]
        assert "Free them" in message.subject
        assert "/s/confirm/" in message.body
        assert "/s/manage/" in message.body
        assert "Open the border" in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert "Stop returns" in html

    def test_new_signature_keeps_its_network_and_the_hash_of_its_email_domain(self, petition):
        signature = sign(petition, email="Kim@Example.ORG", ip_address="203.0.113.9")

        signature.refresh_from_db()
        assert signature.ip_prefix == "203.0.113.0/24"
        assert signature.email_domain_hash == email_domain_hash("lee@example.org")

    def test_signing_again_after_every_link_expired_starts_afresh_from_the_new_submission(
        self, petition, committed
    ):
        with committed():
            old = sign(petition, email="kim@example.org", ip_address="203.0.113.9")
        long_ago = timezone.now() - timedelta(days=30)
        Signature.objects.filter(pk=old.pk).update(created_at=long_ago)
        old.confirmation_tokens.update(created_at=long_ago, sent_at=long_ago)

        with committed():
            new = sign(petition, email="kim@example.org", ip_address="198.51.100.7")

        new.refresh_from_db()
        assert not Signature.objects.filter(pk=old.pk).exists()
        assert (new.ip_prefix, new.emails_sent) == ("198.51.100.0/24", 1)
        assert new.confirmation_tokens.count() == 1
        assert len(mail.outbox) == 2

    def test_signing_again_keeps_the_network_it_first_came_from(self, petition):
        sign(petition, email="kim@example.org", ip_address="203.0.113.9")
        signature = sign(petition, email="kim@example.org", ip_address="198.51.100.7")

        signature.refresh_from_db()
        assert signature.ip_prefix == "203.0.113.0/24"

    def test_confirmation_email_says_how_long_the_link_works(self, petition, committed):
        with committed():
            sign(petition, language="en")

        assert "The link works once, for 7 days." in mail.outbox[0].body

    def test_confirmation_email_is_in_the_signers_language(self, petition, committed):
        with committed():
            sign(petition, language="ko")

        assert "Free them" in mail.outbox[0].subject
        assert "Confirm your signature" not in mail.outbox[0].subject

    def test_only_the_hash_of_the_token_is_stored(self, petition, committed):
        with committed():
            signature = sign(petition)
        token = confirmation_token(mail.outbox[0])

        stored = ConfirmationToken.objects.get(signature=signature)
        assert stored.token_hash == hash_token(token)
        assert not ConfirmationToken.objects.filter(token_hash=token).exists()

    def test_nothing_is_sent_until_the_transaction_commits(self, petition):
        sign(petition)

        assert mail.outbox == []

    @pytest.mark.parametrize(
        ("first", "second"),
        [
            ("kim@example.org", "KIM@EXAMPLE.ORG"),
            ("kim@example.org", "kim+petition@example.org"),
            ("kim@gmail.com", "k.i.m@googlemail.com"),
            ("dup@bücher.de", '"DUP"@XN--BCHER-KVA.DE'),
        ],
    )
    def test_one_signature_per_canonical_email(self, petition, committed, first, second):
        with committed():
            original = sign(petition, email=first)
            duplicate = sign(petition, email=second)

        assert duplicate.pk == original.pk
        assert Signature.objects.for_petition(petition).count() == 1

    @pytest.mark.parametrize(("used", "unused"), [(0, 1), (1, 0)], ids=["first", "second"])
    def test_pending_duplicate_gets_a_link_of_its_own_and_either_link_works_once(
        self, petition, committed, used, unused
    ):
        with committed():
            sign(petition, email="kim@example.org", town="Seoul")
        with committed():
            sign(petition, email="kim@example.org", town="Busan")
        tokens = [confirmation_token(message) for message in mail.outbox]

        with committed():
            signature = signature_confirm(token=tokens[used])

        assert tokens[0] != tokens[1]
        assert signature.status == Signature.Status.CONFIRMED
        assert signature.town == ["Seoul", "Busan"][used]
        with pytest.raises(TokenInvalid):
            signature_confirm(token=tokens[unused])
        assert petition_counts(petition).total == 1

    def test_confirmed_duplicate_is_told_it_has_already_signed(
        self, petition, confirmed, committed
    ):
        confirmed(petition, email="kim@example.org")
        mail.outbox.clear()

        with committed():
            sign(petition, email="Kim@example.org")

        assert len(mail.outbox) == 1
        assert "already signed" in mail.outbox[0].subject
        assert "/s/confirm/" not in mail.outbox[0].body

    def test_signing_again_succeeds_when_the_reminder_cannot_be_queued(
        self, petition, confirmed, committed, monkeypatch
    ):
        confirmed(petition, email="kim@example.org")

        def queue_down(*args, **kwargs):
            raise DatabaseError("the task queue is unreachable")

        reminder = tasks.send_already_signed
        monkeypatch.setattr(
            "signatures.tasks.send_already_signed",
            SimpleNamespace(enqueue=queue_down, get_backend=reminder.get_backend),
        )
        with committed():
            again = sign(petition, email="kim@example.org")

        assert again.status == Signature.Status.CONFIRMED

    def test_at_most_three_emails_per_signature(self, petition, committed):
        for _ in range(6):
            with committed():
                sign(petition, email="kim@example.org")

        assert len(mail.outbox) == 3
        assert Signature.objects.get().emails_sent == 3

    def test_a_new_signer_costs_no_query_for_earlier_submissions(self, petition):
        with CaptureQueriesContext(connection) as queries:
            sign(petition, email="new@example.org")

        assert not [query for query in queries if query["sql"].startswith("DELETE")]

    def test_same_email_may_sign_another_petition(self, petition, committed):
        other = make_petition()

        with committed():
            sign(petition, email="kim@example.org")
            sign(other, email="kim@example.org")

        assert Signature.objects.count() == 2

    @pytest.mark.parametrize(
        "status", [Petition.Status.DRAFT, Petition.Status.CLOSED, Petition.Status.DELIVERED]
    )
    def test_petition_that_is_not_open_refuses_signatures(self, status):
        with pytest.raises(PetitionNotOpen):
            sign(make_petition(status=status))

    def test_petition_past_its_deadline_refuses_signatures(self):
        petition = make_petition(
            opens_at=timezone.now() - timedelta(days=3),
            closes_at=timezone.now() - timedelta(days=1),
        )

        with pytest.raises(PetitionNotOpen):
            sign(petition)


class TestSignatureConfirm:
    def test_confirming_counts_the_signature_once(self, petition, committed):
        with committed():
            sign(petition, country="KR")
        token = confirmation_token(mail.outbox[0])

        with committed():
            signature = signature_confirm(token=token)

        assert signature.status == Signature.Status.CONFIRMED
        assert signature.confirmed_at is not None
        counts = petition_counts(petition)
        assert counts.total == 1
        assert counts.by_country == [("KR", 1)]

    def test_the_new_count_shows_at_once_on_the_page_and_in_count_json(
        self, petition, committed, client, settings
    ):
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "confirm-refreshes-counts",
            }
        }
        settings.SIGNATURE_COUNT_CACHE_SECONDS = 300
        cache.clear()
        count_url = reverse("signatures:count", args=[petition.slug])
        with committed():
            sign(petition)
        assert "<strong data-count>0</strong>" in client.get(petition.get_absolute_url()).text
        assert client.get(count_url).json()["count"] == 0

        with committed():
            signature_confirm(token=confirmation_token(mail.outbox[0]))

        assert "<strong data-count>1</strong>" in client.get(petition.get_absolute_url()).text
        assert client.get(count_url).json()["count"] == 1

    def test_confirming_deletes_every_submission_and_the_details_it_did_not_use(
        self, petition, committed
    ):
        with committed():
            sign(petition, email="kim@example.org", town="Seoul")
        with committed():
            sign(petition, email="kim@example.org", town="Busan")

        with committed():
            signature = signature_confirm(token=confirmation_token(mail.outbox[0]))

        assert not ConfirmationToken.objects.filter(signature=signature).exists()
        assert ConfirmationToken.objects.count() == 0

    def test_token_works_only_once(self, petition, committed):
        with committed():
            sign(petition)
        token = confirmation_token(mail.outbox[0])
        signature_confirm(token=token)

        with pytest.raises(TokenInvalid):
            signature_confirm(token=token)
        assert petition_counts(petition).total == 1

    def test_token_expires(self, petition, committed):
        with committed():
            signature = sign(petition)
        token = confirmation_token(mail.outbox[0])
        sent_long_ago = timezone.now() - timedelta(days=7, seconds=1)
        signature.confirmation_tokens.update(created_at=sent_long_ago, sent_at=sent_long_ago)

        with pytest.raises(TokenExpired):
            signature_confirm(token=token)
        assert Signature.objects.get(pk=signature.pk).status == Signature.Status.PENDING

    @override_settings(SIGNATURE_CONFIRMATION_TTL=timedelta(days=1))
    def test_expiry_follows_the_setting(self, petition, committed):
        with committed():
            signature = sign(petition)
        token = confirmation_token(mail.outbox[0])
        assert "The link works once, for 1 day." in mail.outbox[0].body
        sent_a_day_ago = timezone.now() - timedelta(hours=25)
        signature.confirmation_tokens.update(created_at=sent_a_day_ago, sent_at=sent_a_day_ago)

        with pytest.raises(TokenExpired):
            signature_confirm(token=token)

    def test_unknown_token_is_invalid(self, petition):
        with pytest.raises(TokenInvalid):
            signature_confirm(token="made-up-token")

    def test_signature_is_not_counted_when_the_petition_closed_meanwhile(self, petition, committed):
        with committed():
            sign(petition)
        petition.close()

        with pytest.raises(PetitionNotOpen):
            signature_confirm(token=confirmation_token(mail.outbox[0]))
        assert petition_counts(petition).total == 0

    def test_a_signature_keeps_the_consent_version_that_its_submission_was_made_under(
        self, petition, committed, settings
    ):
        settings.CONSENT_VERSION = "2027-01-15"
        with committed():
            pending = sign(petition)
        submitted = pending.confirmation_tokens.get()
        settings.CONSENT_VERSION = "2027-06-01"

        with committed():
            signature = signature_confirm(token=confirmation_token(mail.outbox[0]))

        assert (pending.consent_version, submitted.consent_version) == ("", "2027-01-15")
        assert signature.consent_version == "2027-01-15"
        assert Signature.objects.get().consent_version == "2027-01-15"


def confirm_last_link(committed, **kwargs):
    with committed():
        return signature_confirm(token=confirmation_token(mail.outbox[-1]), **kwargs)


class TestSuspectedSignatures:
    def test_a_suspected_submission_is_stored_and_emailed_like_any_other(self, petition, committed):
        with committed():
            signature = sign(petition, email="kim@example.org", suspicion=Suspicion.IP_BURST)

        assert signature.status == Signature.Status.SUSPECTED
        assert signature.suspicion == Suspicion.IP_BURST
        assert signature.confirmation_tokens.get().suspicion == Suspicion.IP_BURST
        assert [message.to for message in mail.outbox] == [["kim@example.org"]]
        assert "/s/confirm/" in mail.outbox[0].body

    def test_confirming_a_suspected_submission_keeps_it_held_and_uncounted(
        self, petition, committed
    ):
        with committed():
            sign(petition, full_name="Kim Min-ji", suspicion=Suspicion.HONEYPOT)

        signature = confirm_last_link(committed)

        signature.refresh_from_db()
        assert signature.status == Signature.Status.SUSPECTED
        assert signature.suspicion == Suspicion.HONEYPOT
        assert signature.confirmed_at is not None
        assert signature.full_name == "Kim Min-ji"
        assert signature.is_confirmed_by_signer is True
        assert signature.status_for_signer == Signature.Status.CONFIRMED
        assert petition_counts(petition).total == 0
        assert not SignatureTally.objects.exists()

    def test_a_confirmation_under_suspicion_holds_a_clean_submission(self, petition, committed):
        with committed():
            sign(petition)

        signature = confirm_last_link(committed, suspicion=Suspicion.CONFIRMATIONS)

        assert signature.status == Signature.Status.SUSPECTED
        assert signature.suspicion == Suspicion.CONFIRMATIONS
        assert petition_counts(petition).total == 0

    def test_the_link_confirmed_decides_whether_the_signature_is_held(self, petition, committed):
        with committed():
            sign(petition, email="kim@example.org", suspicion=Suspicion.IP_HOURLY)
        suspected_link = confirmation_token(mail.outbox[-1])
        with committed():
            signature = sign(petition, email="kim@example.org")
        assert signature.status == Signature.Status.PENDING

        confirm_last_link(committed)

        signature.refresh_from_db()
        assert signature.status == Signature.Status.CONFIRMED
        assert signature.suspicion == ""
        assert petition_counts(petition).total == 1
        with pytest.raises(TokenInvalid):
            signature_confirm(token=suspected_link)

    def test_signing_again_after_confirming_under_suspicion_only_reminds(self, petition, committed):
        with committed():
            sign(petition, email="kim@example.org", suspicion=Suspicion.BLOCKED_DOMAIN)
        confirm_last_link(committed)

        with committed():
            signature = sign(petition, email="kim@example.org")

        assert signature.status == Signature.Status.SUSPECTED
        assert "already signed" in mail.outbox[-1].subject
        assert not ConfirmationToken.objects.exists()

    def test_reconciling_treats_suspected_signatures_as_not_counted(self, petition, committed):
        with committed():
            sign(petition, suspicion=Suspicion.DOMAIN_HOURLY)
        confirm_last_link(committed)

        call_command("reconcile_counts")

        assert petition_counts(petition).total == 0

    def test_withdrawing_a_suspected_signature_clears_the_suspicion(self, petition, committed):
        with committed():
            signature = sign(petition, suspicion=Suspicion.NO_CHALLENGE)

        signature = signature_withdraw(signature=signature)

        assert signature.status == Signature.Status.WITHDRAWN
        assert signature.suspicion == ""


class TestSignatureApprove:
    def test_approving_a_confirmed_suspected_signature_counts_it(self, petition, committed):
        with committed():
            sign(petition, country="KR", suspicion=Suspicion.IP_BURST)
        suspected = confirm_last_link(committed)
        assert petition_counts(petition).total == 0

        with committed():
            signature = signature_approve(signature=suspected)

        assert signature.status == Signature.Status.CONFIRMED
        assert signature.suspicion == ""
        assert signature.confirmed_at == suspected.confirmed_at
        counts = petition_counts(petition)
        assert counts.total == 1
        assert counts.by_country == [("KR", 1)]
        call_command("reconcile_counts")

    def test_approving_twice_counts_once(self, petition, committed):
        with committed():
            sign(petition, suspicion=Suspicion.IP_BURST)
        suspected = confirm_last_link(committed)

        with committed():
            signature_approve(signature=suspected)
            signature_approve(signature=suspected)

        assert petition_counts(petition).total == 1

    def test_an_approved_signature_not_yet_confirmed_waits_for_its_signer(
        self, petition, committed
    ):
        with committed():
            suspected = sign(petition, suspicion=Suspicion.NO_CHALLENGE)

        signature = signature_approve(signature=suspected)

        assert signature.status == Signature.Status.PENDING
        assert petition_counts(petition).total == 0
        confirmed = confirm_last_link(committed)
        assert confirmed.status == Signature.Status.CONFIRMED
        assert petition_counts(petition).total == 1

    def test_approving_leaves_other_signatures_alone(self, petition, confirmed):
        signature = confirmed(petition)

        assert signature_approve(signature=signature).status == Signature.Status.CONFIRMED
        assert petition_counts(petition).total == 1


def test_a_changed_public_name_shows_at_once(petition, confirmed, committed, client):
    signature = confirmed(petition, full_name="Anna Lee", name_visibility="public")
    assert "Anna · United Kingdom" in client.get(petition.get_absolute_url()).text

    with committed():
        signature_update_details(
            signature=signature, full_name="Bora Kim", town="", name_visibility="public"
        )

    html = client.get(petition.get_absolute_url()).text
    assert "Bora · United Kingdom" in html
    assert "Anna" not in html


class TestSignatureWithdraw:
    def test_withdrawing_erases_personal_data_and_stops_counting(
        self, petition, confirmed, committed
    ):
        signature = confirmed(
            petition,
            email="kim@example.org",
            town="Seoul",
            ip_address="203.0.113.9",
            wants_updates=True,
        )
        assert petition_counts(petition).total == 1

        with committed():
            signature_withdraw(signature=signature)

        signature.refresh_from_db()
        assert signature.status == Signature.Status.WITHDRAWN
        assert (signature.full_name, signature.email, signature.town) == ("", "", "")
        assert signature.ip_address is None
        assert (signature.email_hash, signature.email_domain_hash, signature.ip_prefix) == (
            None,
            "",
            "",
        )
        assert not Signature.objects.with_email("kim@example.org").exists()
        assert signature.wants_updates is False
        assert signature.withdrawn_at is not None
        assert petition_counts(petition).total == 0

    def test_withdrawing_a_pending_signature_keeps_the_count(self, petition, confirmed, committed):
        confirmed(petition)
        with committed():
            pending = sign(petition)

        signature_withdraw(signature=pending)

        assert petition_counts(petition).total == 1

    def test_withdrawing_twice_changes_nothing_more(self, petition, confirmed, committed):
        signature = confirmed(petition)
        confirmed(petition)
        with committed():
            signature_withdraw(signature=signature)
            signature_withdraw(signature=signature)

        assert petition_counts(petition).total == 1

    def test_withdrawn_signer_may_sign_again(self, petition, confirmed, committed):
        signature = confirmed(petition, email="kim@example.org")
        signature_withdraw(signature=signature)

        with committed():
            again = sign(petition, email="kim@example.org")

        assert again.pk != signature.pk


def test_stop_updates(petition, committed):
    with committed():
        signature = sign(petition, wants_updates=True)

    returned = signature_stop_updates(signature=signature)

    assert returned.wants_updates is False
    assert Signature.objects.get(pk=signature.pk).wants_updates is False


class TestSignaturesDeleteExpired:
    def test_deletes_only_pending_signatures_whose_links_all_expired(
        self, petition, committed, confirmed
    ):
        long_ago = timezone.now() - timedelta(days=8)
        with committed():
            expired = sign(petition)
            resent = sign(petition, email="resent@example.org")
        with committed():
            sign(petition, email="resent@example.org")
        old_confirmed = confirmed(petition)
        Signature.objects.filter(pk__in=[expired.pk, resent.pk, old_confirmed.pk]).update(
            created_at=long_ago
        )
        ConfirmationToken.objects.filter(signature=expired).update(
            created_at=long_ago, sent_at=long_ago
        )
        ConfirmationToken.objects.filter(signature=resent).order_by("pk").first().delete()

        call_command("delete_expired_signatures", stdout=(output := io.StringIO()))

        remaining = set(Signature.objects.values_list("pk", flat=True))
        assert expired.pk not in remaining
        assert {resent.pk, old_confirmed.pk} <= remaining
        assert petition_counts(petition).total == 1
        assert "Deleted 1 unconfirmed signature(s)" in output.getvalue()

    def test_says_so_when_there_is_nothing_to_delete(self, petition, committed):
        with committed():
            sign(petition)

        call_command("delete_expired_signatures", stdout=(output := io.StringIO()))

        assert "Deleted 0 unconfirmed signature(s)" in output.getvalue()
        assert Signature.objects.count() == 1


class TestSigningAgainAfterTheLinksExpired:
    def test_signer_gets_a_fresh_signature_and_link_even_after_three_emails(
        self, petition, committed
    ):
        for _ in range(3):
            with committed():
                old = sign(petition, email="kim@example.org")
        long_ago = timezone.now() - timedelta(days=8)
        Signature.objects.filter(pk=old.pk).update(created_at=long_ago)
        ConfirmationToken.objects.update(created_at=long_ago, sent_at=long_ago)
        mail.outbox.clear()

        with committed():
            fresh = sign(petition, email="kim@example.org")

        assert fresh.pk != old.pk
        assert not Signature.objects.filter(pk=old.pk).exists()
        assert len(mail.outbox) == 1
        with committed():
            assert signature_confirm(token=confirmation_token(mail.outbox[0])).pk == fresh.pk

    def test_recent_pending_signature_without_a_link_yet_is_kept(self, petition, committed):
        original = sign(petition, email="kim@example.org")  # its email task has not run

        with committed():
            again = sign(petition, email="kim@example.org")

        assert again.pk == original.pk
