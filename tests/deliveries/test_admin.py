import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from deliveries.models import Delivery, ExportRecord
from tests.deliveries.conftest import needs_fonts
from tests.factories import log_in_with_second_factor, make_staff

pytestmark = pytest.mark.django_db


def staff_with(*codenames):
    user = make_staff(email=f"{'-'.join(codenames) or 'plain'}@example.org")
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return log_in_with_second_factor(Client(), user)


def test_only_staff_allowed_to_prepare_deliveries_can_add_one(founding):
    url = reverse("admin:deliveries_delivery_add")

    assert staff_with("view_delivery").get(url).status_code == 403
    assert staff_with("prepare_delivery").get(url).status_code == 200


@needs_fonts
def test_preparing_from_the_admin_builds_the_package_in_the_background(founding, committed):
    client = staff_with("prepare_delivery", "view_delivery")

    with committed():
        response = client.post(
            reverse("admin:deliveries_delivery_add"),
            {
                "petition": founding["petition"].pk,
                "recipient_name": "Chinese Embassy in London",
                "recipient_address": "49 Portland Place",
                "cutoff_0": founding["cutoff"].strftime("%Y-%m-%d"),
                "cutoff_1": founding["cutoff"].strftime("%H:%M:%S"),
            },
        )

    assert response.status_code == 302
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PREPARED
    assert delivery.progress == 100
    created, built = AuditEntry.objects.filter(
        object_type="deliveries.delivery", object_id=str(delivery.pk)
    ).order_by("pk")
    assert (created.action, created.actor_username) == (
        "created",
        "prepare_delivery-view_delivery@example.org",
    )
    assert (built.action, built.actor) == ("built", None)
    assert built.changes["status"] == ["preparing", "prepared"]
    page = client.get(reverse("admin:deliveries_delivery_change", args=[delivery.pk]))
    download = client.get(reverse("admin:deliveries_delivery_download", args=[delivery.pk]))
    assert "Download the package" in page.text
    assert download.status_code == 200
    assert download["Content-Disposition"].endswith('.zip"')


@needs_fonts
def test_a_hand_over_needs_a_date_that_has_passed(founding, tmp_path):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    call_command("deliver", "refugee-status", "--recipient", "Embassy", "--out", str(tmp_path))
    delivery = Delivery.objects.get()
    client = staff_with("prepare_delivery", "view_delivery")
    url = reverse("admin:deliveries_delivery_change", args=[delivery.pk])
    tomorrow = timezone.now() + timedelta(days=1)

    note_only = client.post(url, {"delivery_note": "At the gate", **INLINE})
    future = client.post(
        url,
        {
            "delivered_at_0": tomorrow.strftime("%Y-%m-%d"),
            "delivered_at_1": "10:00:00",
            "delivery_note": "At the gate",
            **INLINE,
        },
    )

    assert "Say when it was handed over." in note_only.text
    assert "cannot be in the future" in future.text
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PREPARED


INLINE = {
    "files-TOTAL_FORMS": "0",
    "files-INITIAL_FORMS": "0",
    "files-MIN_NUM_FORMS": "0",
    "files-MAX_NUM_FORMS": "0",
}


def test_a_draft_petition_cannot_be_marked_delivered(founding):
    from deliveries.services import DeliveryError, delivery_mark_delivered
    from petitions.models import Petition

    founding["petition"].status = Petition.Status.DRAFT
    founding["petition"].save()
    delivery = Delivery.objects.create(
        petition=founding["petition"],
        recipient_name="Embassy",
        cutoff=founding["cutoff"],
        status=Delivery.Status.PREPARED,
    )

    with pytest.raises(DeliveryError):
        delivery_mark_delivered(delivery=delivery)
    assert Petition.objects.get().status == Petition.Status.DRAFT


def export(client, petition, **filters):
    return client.post(
        reverse("admin:deliveries_exportrecord_add"), {"petition": petition.pk} | filters
    )


def test_only_staff_allowed_to_export_can_export(founding):
    assert export(staff_with("view_exportrecord"), founding["petition"]).status_code == 403


def test_export_streams_the_filtered_signatures_and_is_recorded(founding):
    response = export(staff_with("export_signatures"), founding["petition"], status="confirmed")

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    exported = list(csv.DictReader(io.StringIO(body)))
    assert len(exported) == 10  # nine included and the late one; none withdrawn or pending
    assert {row["status"] for row in exported} == {"confirmed"}
    assert all(row["email"] == "" for row in exported)
    record = ExportRecord.objects.get()
    assert (record.rows, record.filters) == (10, {"status": "confirmed"})
    assert record.user.email == "export_signatures@example.org"


def test_export_gives_addresses_only_of_signers_who_asked_for_updates(founding, confirmed):
    confirmed(founding["petition"], email="news@example.org", wants_updates=True)

    response = export(staff_with("export_signatures"), founding["petition"])

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    addresses = [row["email"] for row in csv.DictReader(io.StringIO(body)) if row["email"]]
    assert addresses == ["news@example.org"]
