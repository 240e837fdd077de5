"""Every staff action the audit log promises to record, recorded right (README, "Audit log")."""

import json
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.services import second_factor_begin, second_factor_confirm, second_factor_reset
from audit.models import AuditEntry
from deliveries.models import Delivery
from deliveries.services import delivery_create, delivery_mark_delivered
from petitions.models import Demand, Petition, RetentionHold
from signatures.models import Suspicion
from signatures.services import signature_confirm, signature_withdraw
from tests.conftest import confirmation_token
from tests.factories import (
    log_in_with_second_factor,
    make_petition,
    make_staff,
    make_superuser,
    petition_form,
    sign,
    staff_in,
)

pytestmark = pytest.mark.django_db

SIGNER = {
    "email": "kim.minji@example.org",
    "full_name": "Kim Min-ji",
    "town": "Seoul",
    "ip_address": "203.0.113.77",
}


def entry(action, object_type):
    return AuditEntry.objects.get(action=action, object_type=object_type)


def assert_no_signer_data(entry):
    written = json.dumps(
        [entry.object_repr, entry.changes, entry.actor_username], ensure_ascii=False
    )
    for value in SIGNER.values():
        assert value not in written


@pytest.fixture
def organiser(db):
    return staff_in("Organiser", email="organiser@example.org")


@pytest.fixture
def suspected(committed):
    petition = make_petition()
    with committed():
        sign(petition, suspicion=Suspicion.IP_BURST, **SIGNER)
    with committed():
        return signature_confirm(token=confirmation_token(mail.outbox[-1]))


def organiser_user():
    return AuditEntry._meta.get_field("actor").related_model.objects.get(
        email="organiser@example.org"
    )


class TestPetitions:
    def test_a_petition_edited_in_the_admin_records_before_and_after_of_what_changed(
        self, organiser
    ):
        petition = make_petition(
            title="Old title", opens_at=timezone.now().replace(microsecond=0) - timedelta(days=1)
        )

        organiser.post(
            reverse("admin:petitions_petition_change", args=[petition.pk]),
            petition_form(petition, title="New title"),
            REMOTE_ADDR="198.51.100.9",
        )

        recorded = entry(AuditEntry.Action.CHANGED, "petitions.petition")
        assert recorded.actor == organiser_user()
        assert recorded.object_id == str(petition.pk)
        assert recorded.changes == {"title": ["Old title", "New title"]}
        assert recorded.ip_prefix == "198.51.100.0/24"

    def test_a_petition_added_in_the_admin_records_its_fields(self, organiser):
        petition = make_petition()
        Petition.objects.filter(pk=petition.pk).delete()

        organiser.post(reverse("admin:petitions_petition_add"), petition_form(petition))

        recorded = entry(AuditEntry.Action.CREATED, "petitions.petition")
        assert recorded.changes["title"] == [None, petition.title]
        assert recorded.object_id == str(Petition.objects.get().pk)

    def test_demands_added_changed_and_deleted_are_each_recorded(self, organiser):
        petition = make_petition(demands=["Keep", "Change", "Delete"])
        keep, change, delete = petition.demands.order_by("position")
        data = petition_form(petition) | {
            "demands-TOTAL_FORMS": "4",
            "demands-INITIAL_FORMS": "3",
        }
        rows = [
            {"id": keep.pk, "position": 1, "text": "Keep"},
            {"id": change.pk, "position": 2, "text": "Changed"},
            {"id": delete.pk, "position": 3, "text": "Delete", "DELETE": "on"},
            {"position": 4, "text": "New"},
        ]
        for index, row in enumerate(rows):
            data[f"demands-{index}-petition"] = str(petition.pk)
            data |= {f"demands-{index}-{field}": str(value) for field, value in row.items()}

        organiser.post(reverse("admin:petitions_petition_change", args=[petition.pk]), data)

        assert entry(AuditEntry.Action.CHANGED, "petitions.demand").changes == {
            "text": ["Change", "Changed"]
        }
        assert entry(AuditEntry.Action.CREATED, "petitions.demand").changes["text"] == [
            None,
            "New",
        ]
        deleted = entry(AuditEntry.Action.DELETED, "petitions.demand")
        assert deleted.object_id == str(delete.pk)
        assert deleted.changes["text"] == ["Delete", None]
        assert not Demand.objects.filter(pk=delete.pk).exists()

    def test_a_retention_hold_is_recorded(self, organiser):
        petition = make_petition()
        until = date.today() + timedelta(days=30)

        organiser.post(
            reverse("admin:petitions_petition_change", args=[petition.pk]),
            petition_form(petition, holds=[{"held_until": until, "reason": "A court case"}]),
        )

        recorded = entry(AuditEntry.Action.CREATED, "petitions.retentionhold")
        assert recorded.object_id == str(RetentionHold.objects.get().pk)
        assert recorded.changes == {
            "held_until": [None, until.isoformat()],
            "reason": [None, "A court case"],
        }

    @pytest.mark.parametrize(
        ("action", "start", "end"),
        [("open_petitions", "draft", "open"), ("close_petitions", "open", "closed")],
    )
    def test_opening_and_closing_are_recorded(self, organiser, action, start, end):
        petition = make_petition(status=start)

        organiser.post(
            reverse("admin:petitions_petition_changelist"),
            {"action": action, "_selected_action": [petition.pk]},
        )

        recorded = entry(AuditEntry.Action.CHANGED, "petitions.petition")
        assert recorded.changes["status"] == [start, end]
        assert recorded.actor == organiser_user()


class TestSignatures:
    def test_approving_records_the_status_and_nothing_of_the_signer(
        self, organiser, suspected, committed
    ):
        with committed():
            organiser.post(
                reverse("admin:signatures_signature_changelist"),
                {"action": "approve", "_selected_action": [suspected.pk]},
            )

        recorded = entry(AuditEntry.Action.APPROVED, "signatures.signature")
        assert recorded.actor == organiser_user()
        assert recorded.object_id == str(suspected.pk)
        assert recorded.changes == {
            "status": ["suspected", "confirmed"],
            "suspicion": [Suspicion.IP_BURST, ""],
        }
        assert_no_signer_data(recorded)

    def test_withdrawing_from_the_admin_records_the_status_and_nothing_of_the_signer(
        self, organiser, suspected
    ):
        organiser.post(
            reverse("admin:signatures_signature_changelist"),
            {"action": "withdraw", "_selected_action": [suspected.pk], "post": "yes"},
        )

        recorded = entry(AuditEntry.Action.WITHDRAWN, "signatures.signature")
        assert recorded.changes["status"] == ["suspected", "withdrawn"]
        assert recorded.changes["withdrawn_at"][0] is None
        assert_no_signer_data(recorded)

    def test_a_signer_withdrawing_their_own_is_no_staff_action(self, suspected):
        signature_withdraw(signature=suspected)

        assert not AuditEntry.objects.filter(action=AuditEntry.Action.WITHDRAWN).exists()


class TestDeliveries:
    def test_a_delivery_created_in_the_admin_is_recorded(self, organiser):
        petition = make_petition()
        cutoff = timezone.now().replace(microsecond=0) - timedelta(hours=1)

        organiser.post(
            reverse("admin:deliveries_delivery_add"),
            {
                "petition": petition.pk,
                "recipient_name": "The Embassy",
                "cutoff_0": cutoff.strftime("%Y-%m-%d"),
                "cutoff_1": cutoff.strftime("%H:%M:%S"),
                "files-TOTAL_FORMS": "0",
                "files-INITIAL_FORMS": "0",
            },
        )

        recorded = entry(AuditEntry.Action.CREATED, "deliveries.delivery")
        assert recorded.actor == organiser_user()
        assert recorded.object_id == str(Delivery.objects.get().pk)
        assert recorded.changes["recipient_name"] == [None, "The Embassy"]
        assert recorded.changes["status"] == [None, "preparing"]

    def test_a_hand_over_records_the_delivery_and_the_petition(self):
        staff = make_staff()
        petition = make_petition()
        delivery = delivery_create(petition=petition, recipient_name="The Embassy")
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.PREPARED)

        delivery_mark_delivered(delivery=delivery, note="At the gate", actor=staff)

        delivered = entry(AuditEntry.Action.DELIVERED, "deliveries.delivery")
        assert delivered.actor == staff
        assert delivered.changes["status"] == ["prepared", "delivered"]
        assert delivered.changes["delivery_note"] == ["", "At the gate"]
        petition_entry = entry(AuditEntry.Action.CHANGED, "petitions.petition")
        assert petition_entry.changes["status"] == ["open", "delivered"]

    def test_an_export_from_the_admin_is_recorded_with_its_filters_and_rows(
        self, organiser, suspected
    ):
        response = organiser.post(
            reverse("admin:deliveries_exportrecord_add"),
            {"petition": suspected.petition.pk, "country": "gb"},
        )
        b"".join(response.streaming_content)

        recorded = entry(AuditEntry.Action.EXPORTED, "deliveries.exportrecord")
        assert recorded.actor == organiser_user()
        assert recorded.changes["filters"] == [None, {"country": "gb"}]
        assert recorded.changes["rows"] == [None, 1]
        assert_no_signer_data(recorded)

    def test_an_export_by_command_is_recorded_without_an_actor(self, suspected, tmp_path):
        call_command(
            "export_signatures", suspected.petition.slug, "--out", str(tmp_path / "out.csv")
        )

        recorded = entry(AuditEntry.Action.EXPORTED, "deliveries.exportrecord")
        assert recorded.actor is None
        assert recorded.changes["filters"] == [None, {"via": "command"}]


class TestSecondFactor:
    def test_setting_one_up_is_recorded(self):
        staff = make_staff()
        pending = second_factor_begin(user=staff)

        second_factor_confirm(user=staff, authenticator=pending.authenticator)

        recorded = entry(AuditEntry.Action.SECOND_FACTOR_SET_UP, "accounts.user")
        assert recorded.actor == staff
        assert recorded.object_id == str(staff.pk)

    def test_a_reset_by_a_superuser_names_both(self):
        staff = make_staff()
        client = log_in_with_second_factor(Client(), make_superuser())

        client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "reset_second_factor", "_selected_action": [staff.pk]},
        )

        recorded = entry(AuditEntry.Action.SECOND_FACTOR_RESET, "accounts.user")
        assert recorded.actor.email == "root@example.org"
        assert recorded.object_id == str(staff.pk)

    def test_a_reset_of_ones_own_is_recorded(self):
        staff = make_staff()
        client = log_in_with_second_factor(Client(), staff)

        client.post(reverse("accounts:second_factor"))

        recorded = entry(AuditEntry.Action.SECOND_FACTOR_RESET, "accounts.user")
        assert recorded.actor == staff

    def test_a_reset_by_command_is_recorded_without_an_actor(self):
        staff = make_staff()

        second_factor_reset(user=staff)
        call_command("reset_second_factor", staff.email, stdout=None)

        assert (
            AuditEntry.objects.filter(
                action=AuditEntry.Action.SECOND_FACTOR_RESET, actor=None
            ).count()
            == 2
        )


class TestRefusedEdits:
    def test_an_edit_the_permissions_refuse_is_recorded_and_changes_nothing(self):
        petition = make_petition(title="Old title")
        moderator = staff_in("Moderator")

        response = moderator.post(
            reverse("admin:petitions_petition_change", args=[petition.pk]),
            petition_form(petition, title="New title"),
        )

        assert response.status_code == 403
        recorded = entry(AuditEntry.Action.REFUSED, "petitions.petition")
        assert recorded.actor.email == "moderator@example.org"
        assert recorded.object_id == str(petition.pk)
        assert recorded.changes == {"attempted": "change"}
        petition.refresh_from_db()
        assert petition.title == "Old title"
        assert not AuditEntry.objects.filter(action=AuditEntry.Action.CHANGED).exists()

    def test_a_refused_delete_by_a_superuser_is_recorded(self, admin_client, suspected):
        admin_client.post(
            reverse("admin:signatures_signature_delete", args=[suspected.pk]), {"post": "yes"}
        )

        recorded = entry(AuditEntry.Action.REFUSED, "signatures.signature")
        assert recorded.changes == {"attempted": "delete"}
        assert_no_signer_data(recorded)

    def test_a_refused_add_names_the_kind_of_object(self):
        staff_in("Moderator").post(reverse("admin:deliveries_exportrecord_add"), {})

        recorded = entry(AuditEntry.Action.REFUSED, "deliveries.exportrecord")
        assert recorded.object_id == ""
        assert recorded.changes == {"attempted": "add"}

    @pytest.mark.parametrize("object_id", ["999999", "not-a-number"])
    def test_a_refused_edit_of_an_object_that_does_not_exist_is_recorded_without_it(
        self, object_id
    ):
        response = staff_in("Moderator").post(
            reverse("admin:petitions_petition_change", args=[object_id]), {}
        )

        assert response.status_code in (302, 403)
        assert response.status_code != 500

    def test_looking_at_a_page_one_may_not_see_is_no_edit(self):
        staff_in("Moderator").get(reverse("admin:deliveries_exportrecord_add"))

        assert not AuditEntry.objects.filter(action=AuditEntry.Action.REFUSED).exists()
