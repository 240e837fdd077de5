import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from signatures.counting import petition_counts, tally_reconcile
from signatures.models import Signature
from tests.conftest import confirmation_token
from tests.factories import make_petition

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL: SQLite serialises every write",
    ),
]

SIGNERS = 12
THREADS = 12


def run_together(work, count):
    barrier = threading.Barrier(count)
    errors = []

    def run(index):
        try:
            barrier.wait()
            work(index)
        except Exception as error:  # every failure must reach the assertion
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_concurrent_signing_and_confirming_keeps_the_count_exact():
    petition = make_petition(goal=1000)
    countries = ["KR", "GB", "CN"]
    statuses = []

    def sign(index):
        response = Client().post(
            petition.get_absolute_url(),
            {
                "full_name": f"Signer {index}",
                # A third of the signers share an address: each must still get the same page.
                "email": f"signer{index % (SIGNERS * 2 // 3)}@example.org",
                "country": countries[index % len(countries)],
                "name_visibility": "recipient",
            },
        )
        statuses.append(response.status_code)

    assert run_together(sign, SIGNERS) == []
    assert statuses == [302] * SIGNERS
    assert Signature.objects.count() == SIGNERS * 2 // 3

    # Every signer confirms at once, each from the latest email to their address.
    latest = {message.to[0]: confirmation_token(message) for message in mail.outbox}
    tokens = list(latest.values())

    def confirm(index):
        response = Client().post(reverse("signatures:confirm", args=[tokens[index]]))
        statuses.append(response.status_code)

    statuses.clear()
    assert run_together(confirm, len(tokens)) == []
    assert statuses == [302] * len(tokens)

    confirmed_rows = Signature.objects.for_petition(petition).confirmed().count()
    assert confirmed_rows == len(tokens)
    assert petition_counts(petition).total == confirmed_rows
    assert tally_reconcile(petition_id=petition.pk) == {}


def test_many_threads_confirming_on_one_petition_do_not_lose_a_count():
    petition = make_petition(goal=1000)
    for index in range(THREADS * 4):
        Client().post(
            petition.get_absolute_url(),
            {
                "full_name": f"Signer {index}",
                "email": f"bulk{index}@example.org",
                "country": "KR",
                "name_visibility": "recipient",
            },
        )
    tokens = [confirmation_token(message) for message in mail.outbox]
    statuses = []

    def confirm_batch(index):
        for token in tokens[index::THREADS]:
            response = Client().post(reverse("signatures:confirm", args=[token]))
            statuses.append(response.status_code)

    assert run_together(confirm_batch, THREADS) == []
    assert statuses == [302] * len(tokens)
    assert petition_counts(petition).total == len(tokens)
    assert tally_reconcile(petition_id=petition.pk) == {}
