import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from signatures.models import Signature
from tests.factories import browser, make_petition, sign_url, signing_form

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_queue")]


@pytest.fixture
def database_queue(settings):
    """Emails queued in the database, as in production."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_a_signature_and_its_email_are_written_in_one_transaction_with_few_queries():
    petition = make_petition()
    # The defences' rules are then cached, as they are between staff changes.
    browser().post(sign_url(petition), signing_form(email="first@example.org"))

    with CaptureQueriesContext(connection) as queries:
        response = browser().post(sign_url(petition), signing_form(email="kim@example.org"))

    assert response.status_code == 302
    statements = [query["sql"].split()[0] for query in queries.captured_queries]
    # The petition; the signature locked or made, its submission and its email queued, in one
    # transaction (savepoints here, as the test's own transaction encloses the request); then
    # the session that shows the address once.
    written = [sql for sql in statements if sql not in ("SAVEPOINT", "RELEASE")]
    assert written == ["SELECT", "SELECT", "INSERT", "INSERT", "INSERT", "SELECT", "INSERT"]
    assert DBTaskResult.objects.count() == 2
    assert Signature.objects.with_email("kim@example.org").get().status == Signature.Status.PENDING


def test_a_second_submission_queues_its_email_in_the_same_transaction_too():
    petition = make_petition()
    browser().post(sign_url(petition), signing_form(email="kim@example.org"))

    browser().post(sign_url(petition), signing_form(email="kim@example.org", full_name="Kim Lee"))

    assert DBTaskResult.objects.count() == 2
