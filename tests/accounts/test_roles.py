"""Each role's boundary, page by page and action by action (README, "Staff roles")."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from audit.services import audit_record
from deliveries.services import delivery_create
from petitions.models import Petition, RetentionHold
from signatures.models import Invalidation, Signature, Suspicion
from signatures.services import signature_approve, signature_confirm, signature_invalidate
from tests.conftest import confirmation_token
from tests.factories import (
    log_in_with_second_factor,
    make_petition,
    make_staff,
    petition_form,
    sign,
    staff_in,
    staff_with,
)

pytestmark = pytest.mark.django_db

ROLES = ("Moderator", "Campaign staff", "Organiser")


@pytest.fixture
def objects(committed):
    petition = make_petition()
    with committed():
        sign(petition, email="kim@example.org", suspicion=Suspicion.IP_BURST)
    with committed():
        signature = signature_confirm(token=confirmation_token(mail.outbox[-1]))
    return {
        "petition": petition,
        "signature": signature,
        "delivery": delivery_create(petition=petition, recipient_name="The Embassy"),
        "entry": audit_record(actor=None, action=AuditEntry.Action.LOGIN_FAILED),
        "invalidation": Invalidation.objects.create(
            petition=petition, domain="example.org", reason="A wave of fakes"
        ),
    }


# (page, its URL name, the object it is about, status for Moderator, Campaign staff, Organiser)
PAGES = [
    ("petition list", "petitions_petition_changelist", None, (200, 200, 200)),
    ("petition page", "petitions_petition_change", "petition", (200, 200, 200)),
    ("petition add", "petitions_petition_add", None, (403, 200, 200)),
    ("petition delete", "petitions_petition_delete", "petition", (403, 403, 403)),
    ("signature list", "signatures_signature_changelist", None, (200, 200, 200)),
    ("signature page", "signatures_signature_change", "signature", (200, 200, 200)),
    ("signature add", "signatures_signature_add", None, (403, 403, 403)),
    ("signature delete", "signatures_signature_delete", "signature", (403, 403, 403)),
    ("trending alerts", "signatures_trendingalert_changelist", None, (200, 200, 200)),
    ("signing limits", "signatures_signinglimits_changelist", None, (302, 302, 302)),
    ("source rules", "signatures_sourcerule_changelist", None, (200, 200, 200)),
    ("source rule add", "signatures_sourcerule_add", None, (403, 403, 403)),
    ("invalidation list", "signatures_invalidation_changelist", None, (200, 200, 200)),
    ("invalidation add", "signatures_invalidation_add", None, (200, 200, 200)),
    ("invalidation page", "signatures_invalidation_change", "invalidation", (200, 200, 200)),
    ("invalidation delete", "signatures_invalidation_delete", "invalidation", (403, 403, 403)),
    ("delivery list", "deliveries_delivery_changelist", None, (403, 403, 200)),
    ("delivery page", "deliveries_delivery_change", "delivery", (403, 403, 200)),
    ("delivery add", "deliveries_delivery_add", None, (403, 403, 200)),
    ("delivery delete", "deliveries_delivery_delete", "delivery", (403, 403, 403)),
    ("delivery download", "deliveries_delivery_download", "delivery", (403, 403, 404)),
    ("export", "deliveries_exportrecord_add", None, (403, 403, 200)),
    ("export records", "deliveries_exportrecord_changelist", None, (403, 403, 200)),
    ("audit log", "audit_auditentry_changelist", None, (403, 403, 200)),
    ("audit entry", "audit_auditentry_change", "entry", (403, 403, 200)),
    ("users", "accounts_user_changelist", None, (403, 403, 403)),
    ("groups", "auth_group_changelist", None, (403, 403, 403)),
]


@pytest.mark.parametrize("role_index", range(3), ids=ROLES)
@pytest.mark.parametrize(
    ("page", "url_name", "about", "statuses"), PAGES, ids=[p[0] for p in PAGES]
)
def test_each_role_reaches_exactly_its_pages(objects, role_index, page, url_name, about, statuses):
    args = [objects[about].pk] if about else []

    response = staff_in(ROLES[role_index]).get(reverse(f"admin:{url_name}", args=args))

    assert response.status_code == statuses[role_index]


@pytest.mark.parametrize(
    ("role", "status"), [("Moderator", 403), ("Campaign staff", 302), ("Organiser", 302)]
)
def test_only_campaign_staff_and_organisers_edit_petitions(objects, role, status):
    petition = objects["petition"]

    response = staff_in(role).post(
        reverse("admin:petitions_petition_change", args=[petition.pk]),
        petition_form(petition, title="A new title"),
    )

    assert response.status_code == status
    petition.refresh_from_db()
    assert (petition.title == "A new title") is (status == 302)


@pytest.mark.parametrize(
    ("role", "holds"), [("Moderator", False), ("Campaign staff", False), ("Organiser", True)]
)
def test_only_organisers_hold_signers_details(objects, role, holds):
    petition = objects["petition"]
    hold = {"held_until": date.today() + timedelta(days=30), "reason": "A court case"}

    staff_in(role).post(
        reverse("admin:petitions_petition_change", args=[petition.pk]),
        petition_form(petition, holds=[hold]),
    )

    assert RetentionHold.objects.filter(petition=petition).exists() is holds


def run_action(client, url_name, action, *objects, **extra):
    return client.post(
        reverse(f"admin:{url_name}"),
        {"action": action, "_selected_action": [obj.pk for obj in objects], **extra},
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_role_approves_suspected_signatures(objects, role, committed):
    with committed():
        response = run_action(
            staff_in(role), "signatures_signature_changelist", "approve", objects["signature"]
        )

    assert response.status_code == 302
    objects["signature"].refresh_from_db()
    assert objects["signature"].status == Signature.Status.CONFIRMED


@pytest.mark.parametrize(
    ("role", "withdraws"), [("Moderator", False), ("Campaign staff", True), ("Organiser", True)]
)
def test_campaign_staff_and_organisers_withdraw_signatures(objects, role, withdraws):
    signature = objects["signature"]

    response = run_action(
        staff_in(role), "signatures_signature_changelist", "withdraw", signature, post="yes"
    )

    assert response.status_code == 302
    signature.refresh_from_db()
    assert (signature.status == Signature.Status.WITHDRAWN) is withdraws


@pytest.mark.parametrize("role", ROLES)
def test_every_role_invalidates_and_restores_signatures(objects, role, committed):
    signature, client = objects["signature"], staff_in(role)
    signature_approve(signature=signature)

    with committed():
        invalidated = run_action(
            client,
            "signatures_signature_changelist",
            "invalidate",
            signature,
            post="yes",
            reason="A bot",
        )
    signature.refresh_from_db()
    assert (invalidated.status_code, signature.status) == (302, Signature.Status.INVALIDATED)
    with committed():
        restored = run_action(client, "signatures_signature_changelist", "restore", signature)
    signature.refresh_from_db()
    assert (restored.status_code, signature.status) == (302, Signature.Status.CONFIRMED)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sends_pending_signers_their_link_again(role, committed):
    with committed():
        signature = sign(make_petition())
    mail.outbox.clear()

    with committed():
        response = run_action(
            staff_in(role), "signatures_signature_changelist", "resend_confirmation", signature
        )

    assert response.status_code == 302
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("action", ["invalidate", "restore", "resend_confirmation"])
def test_staff_without_a_role_can_take_no_action_on_signatures(objects, action, committed):
    signature = objects["signature"]
    signature_approve(signature=signature)
    signature_invalidate(signature=signature, actor=None, reason="A bot")
    with committed():
        pending = sign(objects["petition"])
    viewer = staff_with(Client(), "view_signature")
    mail.outbox.clear()

    with committed():
        run_action(
            viewer,
            "signatures_signature_changelist",
            action,
            signature,
            pending,
            post="yes",
            reason="Fake",
        )

    signature.refresh_from_db()
    pending.refresh_from_db()
    assert (signature.status, pending.status) == (
        Signature.Status.INVALIDATED,
        Signature.Status.PENDING,
    )
    assert mail.outbox == []


@pytest.mark.parametrize("role", [*ROLES, None])
def test_every_role_and_no_one_else_starts_cancels_and_undoes_invalidations(
    objects, role, committed
):
    invalidation, signature = objects["invalidation"], objects["signature"]
    signature_approve(signature=signature)
    client = staff_in(role) if role else staff_with(Client(), "view_invalidation")
    allowed = role is not None

    def post(step):
        url = reverse(f"admin:signatures_invalidation_{step}", args=[invalidation.pk])
        with committed():
            response = client.post(url)
        invalidation.refresh_from_db()
        return response.status_code, invalidation.state

    assert post("start") == ((302, "finished") if allowed else (403, "draft"))
    if allowed:
        signature.refresh_from_db()
        assert signature.status == Signature.Status.INVALIDATED
        assert post("undo") == (302, "undone")
        signature.refresh_from_db()
        assert signature.status == Signature.Status.CONFIRMED
    else:
        assert post("undo")[0] == 403
        assert post("cancel")[0] == 403


# A moderator is offered no action on petitions at all, so the list ignores the request.
@pytest.mark.parametrize(
    ("role", "status"), [("Moderator", 200), ("Campaign staff", 302), ("Organiser", 302)]
)
@pytest.mark.parametrize(
    ("action", "start", "end"),
    [
        ("open_petitions", Petition.Status.DRAFT, Petition.Status.OPEN),
        ("close_petitions", Petition.Status.OPEN, Petition.Status.CLOSED),
    ],
)
def test_campaign_staff_and_organisers_open_and_close_petitions(role, status, action, start, end):
    petition = make_petition(status=start)

    response = run_action(staff_in(role), "petitions_petition_changelist", action, petition)

    assert response.status_code == status
    petition.refresh_from_db()
    assert petition.status == (end if status == 302 else start)


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("Moderator", "k•••@example.org"),
        ("Campaign staff", "k•••@example.org"),
        ("Organiser", "kim@example.org"),
    ],
)
def test_only_organisers_read_signers_full_email_addresses(objects, role, shown):
    page = staff_in(role).get(
        reverse("admin:signatures_signature_change", args=[objects["signature"].pk])
    )

    assert shown in page.text
    if shown != "kim@example.org":
        assert "kim@example.org" not in page.text


def test_superusers_read_signers_full_email_addresses(objects, admin_client):
    page = admin_client.get(
        reverse("admin:signatures_signature_change", args=[objects["signature"].pk])
    )

    assert "kim@example.org" in page.text


INDEX_LINES = {
    "See petitions and their demands.": (True, True, True),
    "Edit petitions and their demands, and open or close them.": (False, True, True),
    "Approve suspected signatures.": (True, True, True),
    "Send pending signers their confirmation link again, within their allowance of emails.": (
        True,
        True,
        True,
    ),
    "Invalidate signatures, and restore them.": (True, True, True),
    "Invalidate every signature of a petition that matches some criteria, and undo it.": (
        True,
        True,
        True,
    ),
    "Withdraw signatures for signers who ask, erasing their details.": (False, True, True),
    "See signers&#x27; email addresses masked, as in j•••@example.org.": (True, True, False),
    "See signers&#x27; full email addresses.": (False, False, True),
    "Export signatures.": (False, False, True),
    "Prepare deliveries and record their hand-over.": (False, False, True),
    "Read the audit log.": (False, False, True),
}


@pytest.mark.parametrize("role_index", range(3), ids=ROLES)
def test_the_home_page_tells_each_role_what_it_may_do(role_index):
    page = staff_in(ROLES[role_index]).get(reverse("admin:index")).text

    shown = {line for line in INDEX_LINES if f"<li>{line}</li>" in page}

    assert shown == {line for line, roles in INDEX_LINES.items() if roles[role_index]}


def test_the_home_page_reads_permissions_not_the_name_of_a_group():
    user = make_staff(email="mixed@example.org")
    user.user_permissions.add(*Permission.objects.filter(codename__in=["export_signatures"]))
    Group.objects.create(name="Moderator look-alike")
    user.groups.add(Group.objects.get(name="Moderator look-alike"))

    page = log_in_with_second_factor(Client(), user).get(reverse("admin:index")).text

    assert "<li>Export signatures.</li>" in page
    assert "See petitions and their demands." not in page


def test_staff_without_permissions_are_told_to_ask_for_a_role():
    page = log_in_with_second_factor(Client(), make_staff()).get(reverse("admin:index")).text

    assert "Nothing yet: ask a superuser for a role." in page


@pytest.mark.django_db(transaction=True)
def test_the_roles_migration_can_be_undone_and_done_again(executor):
    before = [("accounts", "0002_wants_trending_alerts")]
    executor.migrate(before)
    assert not Group.objects.filter(name__in=ROLES).exists()

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("accounts", "0003_staff_roles")])

    assert Group.objects.get(name="Organiser").permissions.count() == 23
