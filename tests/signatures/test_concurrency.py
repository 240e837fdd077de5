import itertools
import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from signatures.counting import tally_reconcile
from signatures.models import Signature
from signatures.selectors import petition_counts
from tests.conftest import confirmation_token
from tests.factories import make_petition, sign_url

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
ADDRESSES = itertools.count()


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


SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def post_signature(petition, email, country="KR"):
    # Each signer from an address of their own, as people signing at the same time are: one
    # address signing this much would be held by the signing limits.
    n = next(ADDRESSES)
    client = Client(REMOTE_ADDR=f"10.0.{n // 250}.{n % 250 + 1}", headers=SAME_ORIGIN)
    return client.post(
        sign_url(petition),
        {"full_name": "Signer", "email": email, "country": country, "name_visibility": "recipient"},
    )


def post_confirmation(token):
    return Client().post(reverse("signatures:confirm", args=[token]))


def latest_tokens():
    """The newest confirmation link sent to each address."""
    return {message.to[0]: confirmation_token(message) for message in mail.outbox}


def test_signing_and_confirming_at_the_same_time_keeps_the_count_exact():
    petition = make_petition(goal=1000)
    countries = ["KR", "GB", "CN"]
    for index in range(SIGNERS):
        post_signature(petition, f"early{index}@example.org", countries[index % 3])
    early_tokens = list(latest_tokens().values())
    statuses = []

    def sign_or_confirm(index):
        if index % 2:
            statuses.append(post_confirmation(early_tokens[index // 2]).status_code)
        else:
            # Every other new signer shares an address: each must still get the same answer.
            email = f"late{index // 4}@example.org"
            statuses.append(post_signature(petition, email, countries[index % 3]).status_code)

    assert run_together(sign_or_confirm, SIGNERS) == []
    assert statuses == [302] * SIGNERS
    assert Signature.objects.count() == SIGNERS + SIGNERS // 4

    late_tokens = [token for email, token in latest_tokens().items() if email.startswith("late")]
    statuses.clear()

    def confirm_late(index):
        statuses.append(post_confirmation(late_tokens[index]).status_code)

    assert run_together(confirm_late, len(late_tokens)) == []
    assert statuses == [302] * len(late_tokens)

    confirmed_rows = Signature.objects.for_petition(petition).confirmed().count()
    assert confirmed_rows == SIGNERS // 2 + len(late_tokens)
    assert petition_counts(petition).total == confirmed_rows
    assert tally_reconcile(petition_id=petition.pk) == {}


def test_many_threads_confirming_on_one_petition_do_not_lose_a_count():
    petition = make_petition(goal=1000)
    for index in range(THREADS * 4):
        post_signature(petition, f"bulk{index}@example.org")
    tokens = list(latest_tokens().values())
    statuses = []

    def confirm_batch(index):
        statuses.extend(post_confirmation(token).status_code for token in tokens[index::THREADS])

    assert run_together(confirm_batch, THREADS) == []
    assert statuses == [302] * len(tokens)
    assert petition_counts(petition).total == len(tokens)
    assert tally_reconcile(petition_id=petition.pk) == {}
