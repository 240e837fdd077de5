import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from audit.services import audit_record
from tests.factories import log_in_with_second_factor, make_petition, make_staff

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:audit_auditentry_changelist")


@pytest.fixture
def entries():
    editor = make_staff(email="editor@example.org")
    petition = make_petition(title="Stop the returns")
    return [
        audit_record(
            actor=editor,
            action=AuditEntry.Action.CHANGED,
            target=petition,
            changes={"goal": [100, 250]},
        ),
        audit_record(actor=None, action=AuditEntry.Action.LOGIN_FAILED, target_repr="nobody@x"),
    ]


def reader():
    user = make_staff(email="reader@example.org")
    user.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
    return log_in_with_second_factor(Client(), user)


def test_staff_with_the_view_permission_read_the_log_and_an_entry(entries):
    client = reader()

    listing = client.get(CHANGELIST)
    detail = client.get(reverse("admin:audit_auditentry_change", args=[entries[0].pk]))

    assert listing.status_code == 200
    assert "Stop the returns" in listing.text
    assert "nobody@x" in listing.text
    assert detail.status_code == 200
    assert "<strong>goal</strong>: 100 → 250" in detail.text


def test_staff_without_it_cannot(entries):
    client = log_in_with_second_factor(Client(), make_staff(email="other@example.org"))

    assert client.get(CHANGELIST).status_code == 403


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"action__exact": "changed"}, "Stop the returns", "nobody@x"),
        ({"object_type": "petitions.petition"}, "Stop the returns", "nobody@x"),
        ({"q": "editor@example.org"}, "Stop the returns", "nobody@x"),
    ],
)
def test_filters_and_search(admin_client, entries, query, shown, hidden):
    response = admin_client.get(CHANGELIST, query)

    assert response.status_code == 200
    assert shown in response.text
    assert hidden not in response.text


def test_search_by_object_id(admin_client, entries):
    response = admin_client.get(CHANGELIST, {"q": entries[0].object_id})

    assert "Stop the returns" in response.text


def test_the_object_type_filter_names_the_kinds_of_object(admin_client, entries):
    response = admin_client.get(CHANGELIST)

    assert "?object_type=petitions.petition" in response.text
    assert ">petition</a>" in response.text


def test_not_even_a_superuser_can_add_change_or_delete_an_entry(admin_client, entries):
    entry = entries[0]
    change_url = reverse("admin:audit_auditentry_change", args=[entry.pk])

    add = admin_client.get(reverse("admin:audit_auditentry_add"))
    change = admin_client.post(change_url, {"action": "deleted", "object_repr": "forged"})
    delete = admin_client.post(
        reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    bulk = admin_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )

    assert add.status_code == change.status_code == delete.status_code == 403
    assert 'value="delete_selected"' not in admin_client.get(CHANGELIST).text
    assert bulk.status_code in (200, 302)
    entry.refresh_from_db()
    assert entry.object_repr == "Stop the returns"
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
