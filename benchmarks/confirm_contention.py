"""Concurrent confirmations on one petition: sharded counters against a single counter row.

Runs in-process on PostgreSQL (a throwaway database) with several threads confirming at once,
first with one counter row per petition and country, then with the configured number of shards,
and prints confirmations per second and whether the count stayed exact. Run from the project
root:

    .venv/bin/python benchmarks/confirm_contention.py [--signatures 600] [--threads 8]
"""

import argparse
import threading
import time

from throwaway_database import django_on_throwaway_database


def prepare(count, label):
    from django.core import mail

    from petitions.models import Petition
    from signatures.services import signature_create

    petition = Petition.objects.create(
        slug=f"bench-{label}",
        title=f"Benchmark {label}",
        summary="s",
        body="b",
        target="t",
        recipient="r",
        organiser_name="o",
        goal=100000,
        status=Petition.Status.OPEN,
    )
    mail.outbox = []
    for index in range(count):
        signature_create(
            petition=petition,
            full_name=f"Signer {index}",
            email=f"{label}-{index}@example.org",
            country="KR",
        )
    tokens = [message.body.split("/s/confirm/")[1].split("/")[0] for message in mail.outbox]
    return petition, tokens


def confirm_all(tokens, threads):
    from django.db import connection

    from signatures.services import signature_confirm

    errors = []

    def work(index):
        try:
            for token in tokens[index::threads]:
                signature_confirm(token=token)
        except Exception as error:  # reported below
            errors.append(repr(error))
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.monotonic() - started, errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signatures", type=int, default=600)
    parser.add_argument("--threads", type=int, default=8)
    options = parser.parse_args()

    with django_on_throwaway_database("petitions_contention"):
        from django.conf import settings

        from signatures.counting import petition_counts, tally_reconcile

        shards = settings.SIGNATURE_TALLY_SHARDS
        print(f"{options.signatures} confirmations, {options.threads} threads, PostgreSQL")
        print(f"{'counter rows per country':<26} {'seconds':>8} {'per second':>11}  exact")
        rates = {}
        for rows in (1, shards):
            settings.SIGNATURE_TALLY_SHARDS = rows
            petition, tokens = prepare(options.signatures, f"shards-{rows}")
            elapsed, errors = confirm_all(tokens, options.threads)
            exact = (
                petition_counts(petition).total == len(tokens)
                and tally_reconcile(petition_id=petition.pk) == {}
            )
            rates[rows] = len(tokens) / elapsed
            print(f"{rows:<26} {elapsed:>8.2f} {rates[rows]:>11.1f}  {exact} {errors[:1]}")
        print(f"sharded / single row: {rates[shards] / rates[1]:.2f}x")


if __name__ == "__main__":
    main()
