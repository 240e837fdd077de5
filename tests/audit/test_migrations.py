import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEntry
from audit.services import audit_record
from tests.factories import make_staff

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the trigger is PostgreSQL's; SQLite has none"
    ),
]


@pytest.fixture
def entry():
    return audit_record(actor=make_staff(), action=AuditEntry.Action.LOGGED_IN)


def test_postgresql_refuses_to_update_an_entry(entry):
    with pytest.raises(DatabaseError, match="cannot be changed or deleted"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action=AuditEntry.Action.CHANGED)

    entry.refresh_from_db()
    assert entry.action == AuditEntry.Action.LOGGED_IN


def test_postgresql_refuses_to_delete_an_entry_even_in_plain_sql(entry):
    with (
        pytest.raises(DatabaseError, match="cannot be changed or deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditentry")

    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_deleting_a_staff_account_leaves_its_entries_alone(entry):
    entry.actor.delete()

    entry.refresh_from_db()
    assert entry.actor_username == "staff@example.org"


@pytest.mark.django_db(transaction=True)
def test_the_test_suites_flush_still_empties_the_table():
    # Transactional tests empty every table with TRUNCATE, which a row trigger does not see.
    audit_record(actor=None, action=AuditEntry.Action.LOGIN_FAILED)

    call_command("flush", interactive=False, verbosity=0)

    assert not AuditEntry.objects.exists()
