import json

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def log_in(username, password):
    return Client(REMOTE_ADDR="198.51.100.23").post(
        reverse("admin:login"), {"username": username, "password": password}
    )


def test_a_login_is_recorded_with_its_network():
    staff = make_staff()

    log_in("staff@example.org", PASSWORD)

    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGGED_IN)
    assert entry.actor == staff
    assert entry.object_id == str(staff.pk)
    assert entry.ip_prefix == "198.51.100.0/24"


def test_a_wrong_password_is_recorded_against_the_account_without_the_password():
    staff = make_staff()

    log_in("Staff@Example.org", "guessed-Password-1")

    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_FAILED)
    assert entry.actor is None
    assert (entry.object_type, entry.object_id) == ("accounts.user", str(staff.pk))
    assert entry.object_repr == "staff@example.org"
    assert "guessed-Password-1" not in json.dumps(
        [entry.object_repr, entry.actor_username, entry.changes]
    )
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOGGED_IN).exists()


def test_an_unknown_username_is_recorded_as_typed_but_cut_short():
    typed = "someone-who-is-not-staff-at-all@a-very-long-domain.example.org"

    log_in(typed, "guessed-Password-1")

    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_FAILED)
    assert (entry.object_type, entry.object_id) == ("accounts.user", "")
    assert entry.object_repr == typed[:40]
