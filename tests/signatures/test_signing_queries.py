import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from signatures.models import Signature
from tests.conftest import confirmation_token
from tests.factories import browser, make_petition, sign_url, signing_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_queue(settings):
    """Emails queued in the database, as in production."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.usefixtures("database_queue")
def test_a_signature_and_its_email_are_written_in_one_transaction_with_few_queries():
    petition = make_petition()
    # The defences' rules are then cached, as they are between staff changes.
    browser().post(sign_url(petition), signing_form(email="first@example.org"))

    with CaptureQueriesContext(connection) as queries:
        response = browser().post(sign_url(petition), signing_form(email="kim@example.org"))

    assert response.status_code == 302
    statements = [query["sql"].split()[0] for query in queries.captured_queries]
    # The petition; then the new signature, its submission and its email queued, in one
    # transaction (a savepoint here, as the test's own transaction encloses the request). The
    # address shown once on the next page travels in a cookie: no session is written.
    assert statements == ["SELECT", "SAVEPOINT", "INSERT", "INSERT", "INSERT", "RELEASE"]
    assert DBTaskResult.objects.count() == 2
    assert Signature.objects.with_email("kim@example.org").get().status == Signature.Status.PENDING


@pytest.mark.usefixtures("database_queue")
def test_a_second_submission_queues_its_email_in_the_same_transaction_too():
    petition = make_petition()
    browser().post(sign_url(petition), signing_form(email="kim@example.org"))

    browser().post(sign_url(petition), signing_form(email="kim@example.org", full_name="Kim Lee"))

    assert DBTaskResult.objects.count() == 2


def test_a_confirmation_is_one_transaction_with_few_queries(committed, settings):
    petition = make_petition()
    # The first confirmation made the tally's one shard for this country; the defences' rules
    # are cached.
    settings.SIGNATURE_TALLY_SHARDS = 1
    for email in ("first@example.org", "kim@example.org"):
        with committed():
            browser().post(sign_url(petition), signing_form(email=email, country="KR"))
    with committed():
        browser().post(reverse("signatures:confirm", args=[confirmation_token(mail.outbox[0])]))
    signer = browser()

    with CaptureQueriesContext(connection) as queries:
        response = signer.post(
            reverse("signatures:confirm", args=[confirmation_token(mail.outbox[1])])
        )

    assert response.status_code == 302
    statements = [query["sql"].split()[0] for query in queries.captured_queries]
    # The submission with its signature, locked, and petition; the signature's details; its
    # name's words for staff search; the submissions gone; the count. The receipt shown once on
    # the next page travels in a cookie: no session is written.
    assert statements == [
        "SAVEPOINT", "SELECT", "UPDATE", "INSERT", "DELETE", "UPDATE", "RELEASE"
    ]  # fmt: skip
    assert Signature.objects.confirmed().count() == 2
