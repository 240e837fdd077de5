"""A petition's dashboard in the admin with a million signatures, on PostgreSQL.

Fills a throwaway database with `generate_signatures` (N on one petition, and a fifth of N on
another, so that the counts must pick the petition's rows out of a larger table), runs
VACUUM ANALYZE as autovacuum would, then requests the dashboard page through Django's test
client as a logged-in superuser: the whole page, from the URL to the rendered HTML, and the
time PostgreSQL spent in each of its four queries of figures. Then again without the index
the counts read (signatures_petition_created), to show what it is for.
Run from the project root:

    .venv/bin/python benchmarks/dashboard.py [--rows 1000000] [--runs 7]
"""

import argparse
import os
import statistics
import time

from throwaway_database import django_on_throwaway_database

INDEX = "signatures_petition_created"


def petition_with(rows, slug):
    from django.core.management import call_command

    from petitions.models import Petition

    petition = Petition.objects.create(
        slug=slug,
        title="Refugee status for North Koreans",
        summary="s",
        body="b",
        target="The Government",
        recipient="The Embassy",
        organiser_name="The Organisers",
        goal=rows,
        status=Petition.Status.OPEN,
    )
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("generate_signatures", slug, "--count", str(rows), stdout=quiet)
    print(f"  filled {rows:,} signatures in {time.perf_counter() - started:.1f} s")
    return petition


def staff_client():
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.models import User
    from accounts.services import second_factor_begin, second_factor_confirm

    user = User.objects.create_superuser(email="bench@example.org", password=None)
    pending = second_factor_begin(user=user)
    second_factor_confirm(user=user, authenticator=pending.authenticator)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = pending.authenticator.persistent_id
    session.save()
    return client


def measure(client, url, runs):
    """Seconds for each request of the page, and the milliseconds of each grouped query in
    the last one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seconds = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    figures = [
        (query["sql"].split(" FROM ")[1].split()[0].strip('"'), float(query["time"]) * 1000)
        for query in queries.captured_queries
        if "signatures_signature" in query["sql"] or "signatures_signaturetally" in query["sql"]
    ]
    return seconds, figures, response


def report(label, seconds, figures):
    print(f"\n{label}")
    print(
        f"  page: first {seconds[0] * 1000:.0f} ms, median of the rest "
        f"{statistics.median(seconds[1:]) * 1000:.0f} ms, slowest {max(seconds) * 1000:.0f} ms"
    )
    for table, milliseconds in figures:
        print(f"  query on {table}: {milliseconds:.0f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with django_on_throwaway_database("bench_dashboard"):
        from django.db import connection
        from django.urls import reverse

        petition = petition_with(args.rows, "large")
        petition_with(args.rows // 5, "other")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE signatures_signature")
            cursor.execute(f"SELECT pg_size_pretty(pg_relation_size('{INDEX}'))")
            print(f"  index {INDEX}: {cursor.fetchone()[0]}")
        client = staff_client()
        url = reverse("admin:signatures_signature_dashboard", args=[petition.pk])
        seconds, figures, response = measure(client, url, args.runs)
        report(f"dashboard of {args.rows:,} signatures", seconds, figures)
        print(f"  page size: {len(response.content) / 1024:.0f} KiB")
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX {INDEX}")
        seconds, figures, _ = measure(client, url, args.runs)
        report(f"the same without {INDEX}", seconds, figures)


if __name__ == "__main__":
    main()
