import pytest
from django.db import transaction

from audit.models import AuditEntry
from audit.services import audit_record, changes_between, field_values, request_network
from petitions.models import Petition
from tests.factories import make_petition, make_staff

pytestmark = pytest.mark.django_db


def test_an_entry_says_who_did_what_to_which_object():
    staff = make_staff()
    petition = make_petition(title="Stop the returns")

    with request_network("203.0.113.0/24"):
        entry = audit_record(
            actor=staff,
            action=AuditEntry.Action.CHANGED,
            target=petition,
            changes={"goal": [100, 200]},
        )

    entry.refresh_from_db()
    assert entry.actor == staff
    assert entry.actor_username == "staff@example.org"
    assert (entry.object_type, entry.object_id) == ("petitions.petition", str(petition.pk))
    assert entry.object_repr == "Stop the returns"
    assert entry.changes == {"goal": [100, 200]}
    assert entry.ip_prefix == "203.0.113.0/24"


def test_outside_a_request_there_is_no_network_and_without_an_actor_none_is_named():
    entry = audit_record(actor=None, action=AuditEntry.Action.BUILT, target=make_petition())

    assert entry.ip_prefix == ""
    assert entry.actor is None
    assert entry.actor_username == ""


def test_the_username_stays_as_it_was_when_the_account_changes_or_goes():
    staff = make_staff(email="old@example.org")
    entry = audit_record(actor=staff, action=AuditEntry.Action.CHANGED, target=make_petition())

    staff.email = "new@example.org"
    staff.save()
    staff.delete()

    entry.refresh_from_db()
    assert entry.actor_username == "old@example.org"
    assert entry.actor_id is not None


def test_an_entry_is_undone_with_the_change_it_records():
    petition = make_petition()

    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action=AuditEntry.Action.CHANGED, target=petition)
        raise RuntimeError

    assert not AuditEntry.objects.exists()


def test_changes_list_only_what_differs_as_plain_values():
    petition = make_petition(goal=100)
    before = field_values(petition)
    petition.goal = 250
    petition.status = Petition.Status.CLOSED
    petition.save()

    changes = changes_between(before, field_values(petition))

    assert changes == {"goal": [100, 250], "status": ["open", "closed"]}


def test_a_new_object_shows_every_field_from_nothing():
    petition = make_petition(goal=100)

    changes = changes_between(None, field_values(petition, ["goal", "opens_at"]))

    assert changes == {"goal": [None, 100], "opens_at": [None, petition.opens_at.isoformat()]}


def test_a_long_object_name_is_cut_to_fit():
    petition = make_petition(title="x" * 200)

    entry = audit_record(
        actor=None, action=AuditEntry.Action.CHANGED, target=petition, target_repr="y" * 300
    )

    assert entry.object_repr == "y" * 200
