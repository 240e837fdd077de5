"""Organiser exports and delivery packages at scale, on PostgreSQL.

Fills a throwaway database with `generate_signatures`, then measures in one run:
- the organiser's CSV export of N signatures against PostgreSQL's own `COPY ... TO` of the same
  rows and columns, and its peak Python memory at 100,000 rows and at N;
- building a whole delivery package (list, tallies, Merkle tree, dossier, signed manifest) for
  the founding campaign's 50,000 signatures, and its peak Python memory there and at 100,000
  (tracing makes a build about four times slower; `package_memory.sh` measures the whole
  process at a million rows without it).
Run from the project root:

    .venv/bin/python benchmarks/deliveries.py [--rows 1000000] [--package-rows 50000]
"""

import argparse
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

from throwaway_database import django_on_throwaway_database

COPY_SQL = """
COPY (
  SELECT created_at, confirmed_at, status, full_name, town, country, name_visibility,
         wants_updates, CASE WHEN wants_updates THEN email_address ELSE '' END
  FROM signatures_signature WHERE petition_id = %s ORDER BY created_at, id
) TO STDOUT (FORMAT csv)
"""


def petition_with(rows, slug):
    from django.core.management import call_command

    from petitions.models import Demand, Petition

    petition = Petition.objects.create(
        slug=slug,
        title="Refugee status for North Koreans",
        summary="s",
        body="We ask the Government to grant refugee status to North Koreans.\n\nNow.",
        target="The Government of the People's Republic of China",
        recipient="The Embassy",
        organiser_name="The Organisers",
        goal=rows,
        status=Petition.Status.OPEN,
    )
    for position, text in enumerate(["Stop returns", "Grant status", "Let UNHCR in"], 1):
        Demand.objects.create(petition=petition, position=position, text=text)
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("generate_signatures", slug, "--count", str(rows), stdout=quiet)
    print(f"  filled {rows:,} signatures in {time.perf_counter() - started:.1f} s")
    return petition


def timed(work):
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def peak_memory(work):
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def export_csv(petition):
    from deliveries.exports import export_queryset, export_write

    with open(os.devnull, "wb") as sink:
        return export_write(sink, export_queryset(petition=petition))


def copy_csv(petition):
    from django.db import connection

    size = 0
    with connection.cursor() as cursor, cursor.cursor.copy(COPY_SQL, [petition.pk]) as copy:
        for chunk in copy:
            size += len(chunk)
    return size


def build_package(petition):
    from deliveries.services import delivery_build, delivery_create

    delivery = delivery_create(petition=petition, recipient_name="The Embassy")
    with tempfile.TemporaryDirectory() as folder:
        delivery_build(delivery=delivery, folder=Path(folder) / "package")
    return delivery.total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--package-rows", type=int, default=50_000)
    args = parser.parse_args()
    with django_on_throwaway_database("bench_deliveries"):
        from django.conf import settings

        from deliveries.signing import new_signing_key_text

        settings.DELIVERY_SIGNING_KEY = new_signing_key_text()
        small = petition_with(100_000, "hundred-thousand")
        large = petition_with(args.rows, "large")
        copy_seconds, _ = timed(lambda: copy_csv(large))
        export_seconds, exported = timed(lambda: export_csv(large))
        print(f"\nexport of {exported:,} rows: {export_seconds:.2f} s")
        print(f"COPY ... TO of the same rows: {copy_seconds:.2f} s")
        print(f"ratio export / COPY: {export_seconds / copy_seconds:.2f}")
        for label, petition in (("100,000", small), (f"{args.rows:,}", large)):
            peak = peak_memory(lambda petition=petition: export_csv(petition))
            print(f"export peak memory, {label} rows: {peak:.1f} MiB")
        package = petition_with(args.package_rows, "package")
        package_seconds, total = timed(lambda: build_package(package))
        print(f"\ndelivery package of {total:,} signatures: {package_seconds:.1f} s")
        for label, petition in ((f"{args.package_rows:,}", package), ("100,000", small)):
            peak = peak_memory(lambda petition=petition: build_package(petition))
            print(f"package peak memory, {label} rows: {peak:.1f} MiB")


if __name__ == "__main__":
    main()
