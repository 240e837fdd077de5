"""Staff's list of signatures in the admin with a million signatures, on PostgreSQL.

Fills a throwaway database with `generate_signatures` (N on one petition and a fifth of N on
another, as benchmarks/dashboard.py does), runs VACUUM ANALYZE as autovacuum would, then
requests the list through Django's test client as a logged-in superuser: the first page, each
filter and each kind of search, the median of several requests each, with the number of
queries and the slowest of them.
Run from the project root:

    .venv/bin/python benchmarks/changelist.py [--rows 1000000] [--runs 5]
"""

import argparse
import statistics
import time
from datetime import timedelta

from dashboard import petition_with, staff_client
from throwaway_database import django_on_throwaway_database


def cases(petition):
    """What staff ask the list for: (label, query string)."""
    from django.utils import timezone

    from signatures.identity import format_receipt
    from signatures.models import Signature

    signature = Signature.objects.filter(petition=petition).order_by("pk")[500]
    # As DateFieldListFilter's "Past 7 days" links it.
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    week_ago = today - timedelta(days=7)
    return [
        ("first page", {}),
        ("second page", {"p": "2"}),
        ("status: suspected (none)", {"status__exact": "suspected"}),
        ("status: confirmed", {"status__exact": "confirmed"}),
        ("country: KR", {"country": "KR"}),
        ("petition", {"petition__id__exact": str(petition.pk)}),
        ("signed in the past 7 days", {"created_at__gte": str(week_ago)}),
        ("email search", {"q": signature.email.upper()}),
        ("domain search, every signer's", {"q": "@example.org"}),
        ("domain search, nobody's", {"q": "@nowhere.example"}),
        ("name search, one word", {"q": signature.full_name.split()[-1]}),
        ("name search, the full name", {"q": signature.full_name}),
        ("IP range /24", {"q": signature.ip_prefix}),
        ("IP range /16", {"q": "198.51.0.0/16"}),
        ("receipt search", {"q": format_receipt(signature.receipt)}),
    ]


def measure(client, url, params, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seconds = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, params)
            seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    slowest = max(queries.captured_queries, key=lambda query: float(query["time"]))
    counted = [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    return seconds, len(queries.captured_queries), slowest, counted, response


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with django_on_throwaway_database("bench_changelist"):
        from django.db import connection
        from django.urls import reverse

        petition = petition_with(args.rows, "large")
        petition_with(args.rows // 5, "other")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE signatures_signature")
            cursor.execute("VACUUM ANALYZE signatures_signaturenametoken")
            cursor.execute("SELECT count(*) FROM signatures_signature")
            total = cursor.fetchone()[0]
        print(f"  {total:,} signatures in the table")
        client = staff_client()
        url = reverse("admin:signatures_signature_changelist")
        print(f"\n{'what':<32} {'median':>8} {'slowest':>8} {'queries':>8} {'slowest query':>14}")
        for label, params in cases(petition):
            seconds, count, slowest, counted, response = measure(client, url, params, args.runs)
            print(
                f"{label:<32} {statistics.median(seconds) * 1000:>6.0f} ms"
                f" {max(seconds) * 1000:>5.0f} ms {count:>8}"
                f" {float(slowest['time']) * 1000:>11.0f} ms"
                + ("  COUNT" if counted else "")
                + ("  (refused)" if b"messagelist" in response.content else "")
            )


if __name__ == "__main__":
    main()
