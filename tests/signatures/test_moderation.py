"""Staff invalidating, restoring and re-sending confirmation to signatures, one by one or as
the signature list's actions."""

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEntry
from signatures.counting import tally_reconcile
from signatures.models import Signature, Suspicion
from signatures.selectors import petition_counts
from signatures.services import (
    TokenInvalid,
    signature_confirm,
    signature_invalidate,
    signature_resend_confirmation,
    signature_restore,
    signature_withdraw,
)
from tests.conftest import confirmation_token
from tests.factories import make_petition, make_staff, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return make_staff(email="moderator@example.org")


@pytest.fixture
def suspected(committed):
    def make(petition, *, confirm=True):
        with committed():
            signature = sign(petition, suspicion=Suspicion.IP_BURST)
        if confirm:
            with committed():
                signature = signature_confirm(token=confirmation_token(mail.outbox[-1]))
        return signature

    return make


def entries(action, signature):
    return AuditEntry.objects.filter(
        action=action, object_type="signatures.signature", object_id=str(signature.pk)
    )


class TestInvalidateAndRestore:
    def test_a_confirmed_signature_stops_counting_at_once_and_counts_again_when_restored(
        self, confirmed, staff, committed
    ):
        petition = make_petition()
        signature = confirmed(petition, country="KR")
        assert petition_counts(petition).total == 1

        with committed():
            signature_invalidate(signature=signature, actor=staff, reason="A bot")

        assert petition_counts(petition).total == 0
        assert tally_reconcile(petition_id=petition.pk) == {}
        with committed():
            signature_restore(signature=signature, actor=staff)
        signature.refresh_from_db()
        assert signature.status == Signature.Status.CONFIRMED
        assert petition_counts(petition).total == 1
        assert tally_reconcile(petition_id=petition.pk) == {}

    def test_pending_and_suspected_signatures_go_back_to_what_they_were(
        self, committed, suspected, staff
    ):
        petition = make_petition()
        with committed():
            pending = sign(petition)
        held = suspected(petition)

        for signature in (pending, held):
            signature_invalidate(signature=signature, actor=staff, reason="Fakes")
            signature.refresh_from_db()
            assert signature.status == Signature.Status.INVALIDATED
            signature_restore(signature=signature, actor=staff)
            signature.refresh_from_db()

        assert pending.status == Signature.Status.PENDING
        assert (held.status, held.suspicion) == (Signature.Status.SUSPECTED, Suspicion.IP_BURST)
        assert petition_counts(petition).total == 0

    def test_an_invalidated_pending_signature_cannot_be_confirmed(self, committed, staff):
        with committed():
            signature = sign(make_petition())
        token = confirmation_token(mail.outbox[-1])
        signature_invalidate(signature=signature, actor=staff, reason="Fake")

        with pytest.raises(TokenInvalid):
            signature_confirm(token=token)

        signature.refresh_from_db()
        assert signature.status == Signature.Status.INVALIDATED

    def test_withdrawn_signatures_are_neither_invalidated_nor_restored(self, confirmed, staff):
        signature = signature_withdraw(signature=confirmed(make_petition()))

        signature_invalidate(signature=signature, actor=staff, reason="Fake")
        signature_restore(signature=signature, actor=staff)

        signature.refresh_from_db()
        assert signature.status == Signature.Status.WITHDRAWN
        assert not AuditEntry.objects.filter(object_id=str(signature.pk)).exists()

    def test_an_invalidated_signature_withdrawn_by_its_signer_forgets_what_it_was(
        self, confirmed, staff
    ):
        petition = make_petition()
        signature = confirmed(petition)
        signature_invalidate(signature=signature, actor=staff, reason="Fake")

        signature_withdraw(signature=signature)

        signature.refresh_from_db()
        assert (signature.status, signature.invalidated_from) == (Signature.Status.WITHDRAWN, "")
        assert tally_reconcile(petition_id=petition.pk) == {}

    def test_each_is_audited_with_who_why_and_the_change_of_status(self, confirmed, staff):
        signature = confirmed(make_petition())

        signature_invalidate(signature=signature, actor=staff, reason="From a bot farm")
        signature_restore(signature=signature, actor=staff)

        invalidated = entries(AuditEntry.Action.INVALIDATED, signature).get()
        restored = entries(AuditEntry.Action.RESTORED, signature).get()
        assert invalidated.actor == restored.actor == staff
        assert invalidated.changes == {
            "status": ["confirmed", "invalidated"],
            "reason": "From a bot farm",
        }
        assert restored.changes == {"status": ["invalidated", "confirmed"]}


class TestResendConfirmation:
    def test_a_pending_signer_gets_a_new_link_that_confirms_their_latest_details(
        self, committed, staff
    ):
        petition = make_petition()
        with committed():
            signature = sign(petition, full_name="Kim Min-ji", country="KR")

        with committed():
            sent = signature_resend_confirmation(signature=signature, actor=staff)

        assert sent is True
        assert len(mail.outbox) == 2
        confirmed = signature_confirm(token=confirmation_token(mail.outbox[-1]))
        assert (confirmed.full_name, confirmed.country.code) == ("Kim Min-ji", "KR")
        assert petition_counts(petition).total == 1
        entry = entries(AuditEntry.Action.CONFIRMATION_RESENT, signature).get()
        assert entry.actor == staff

    def test_no_more_emails_than_a_signature_is_allowed(self, committed, staff, settings):
        with committed():
            signature = sign(make_petition())
        settings.SIGNATURE_MAX_EMAILS = 2

        results = []
        for _ in range(2):
            with committed():
                results.append(signature_resend_confirmation(signature=signature, actor=staff))

        assert results == [True, False]
        assert len(mail.outbox) == 2
        assert entries(AuditEntry.Action.CONFIRMATION_RESENT, signature).count() == 1

    def test_only_pending_signatures_are_sent_a_link(self, confirmed, suspected, staff):
        petition = make_petition()
        mail.outbox.clear()

        for signature in (confirmed(petition), suspected(petition, confirm=False)):
            mail.outbox.clear()
            assert signature_resend_confirmation(signature=signature, actor=staff) is False
            assert mail.outbox == []


def post_action(client, action, *signatures, follow=True, **extra):
    return client.post(
        reverse("admin:signatures_signature_changelist"),
        {"action": action, "_selected_action": [s.pk for s in signatures], **extra},
        follow=follow,
    )


class TestActions:
    def test_invalidating_asks_for_a_reason_first_and_changes_nothing_until_given(
        self, admin_client, confirmed
    ):
        petition = make_petition(title="Stop the returns")
        signature = confirmed(petition)
        withdrawn = signature_withdraw(signature=confirmed(petition))

        asked = post_action(admin_client, "invalidate", signature, withdrawn)
        no_reason = post_action(admin_client, "invalidate", signature, post="yes", reason=" ")

        assert "You are about to invalidate 1 signature" in asked.text
        assert "Stop the returns: 1 signature" in asked.text
        assert "1 of the selected signatures is withdrawn or invalidated already" in asked.text
        assert "This field is required." in no_reason.text
        signature.refresh_from_db()
        assert signature.status == Signature.Status.CONFIRMED
        assert petition_counts(petition).total == 1

    def test_invalidating_with_a_reason_uncounts_and_audits(
        self, admin_client, confirmed, committed
    ):
        petition = make_petition()
        signature = confirmed(petition)
        assert petition_counts(petition).total == 1

        with committed():
            response = post_action(
                admin_client, "invalidate", signature, post="yes", reason="Same person twice"
            )

        assert "1 signature invalidated." in response.text
        signature.refresh_from_db()
        assert signature.status == Signature.Status.INVALIDATED
        assert petition_counts(petition).total == 0
        entry = entries(AuditEntry.Action.INVALIDATED, signature).get()
        assert entry.changes["reason"] == "Same person twice"

    def test_nothing_to_invalidate_says_so(self, admin_client, confirmed):
        signature = signature_withdraw(signature=confirmed(make_petition()))

        response = post_action(admin_client, "invalidate", signature)

        assert "None of the selected signatures can be invalidated." in response.text

    def test_restoring_counts_again_and_says_how_many(
        self, admin_client, confirmed, staff, committed
    ):
        petition = make_petition()
        signature = confirmed(petition)
        other = confirmed(petition)
        with committed():
            signature_invalidate(signature=signature, actor=staff, reason="Fake")
        assert petition_counts(petition).total == 1

        with committed():
            response = post_action(admin_client, "restore", signature, other)
        nothing = post_action(admin_client, "restore", other)

        assert "1 signature restored." in response.text
        assert "None of the selected signatures is invalidated." in nothing.text
        assert petition_counts(petition).total == 2

    def test_resending_says_how_many_were_sent_and_how_many_skipped(
        self, admin_client, committed, confirmed
    ):
        petition = make_petition()
        with committed():
            pending = [sign(petition), sign(petition)]
        counted = confirmed(petition)
        mail.outbox.clear()

        with committed():
            response = post_action(admin_client, "resend_confirmation", *pending, counted)

        assert "2 confirmation emails sent again." in response.text
        for signature in pending:
            entry = entries(AuditEntry.Action.CONFIRMATION_RESENT, signature).get()
            assert entry.changes == {"emails_sent_before": 1}
            assert entry.actor.email == "root@example.org"
        assert "1 signature skipped: not pending, or sent as many emails as allowed." in (
            response.text
        )
        assert len(mail.outbox) == 2
