"""`generate_signatures` on a throwaway PostgreSQL database: the wall time of N rows.

Makes a database, adds one petition, times `manage.py generate_signatures` for N rows (once or
--runs times into the same petition), then runs `reconcile_counts`, which fails the run on any
drift, and checks that the name tokens find the signatures. With --profile, also prints the
functions that took the most time (cProfile; the run itself is then slower). Run from the
project root:

    nice .venv/bin/python benchmarks/generate_signatures.py [--rows 1000000] [--runs 1]
"""

import argparse
import cProfile
import io
import os
import pstats
import time

from throwaway_database import django_on_throwaway_database


def petition(slug):
    from petitions.models import Petition

    return Petition.objects.create(
        slug=slug,
        title="Refugee status for North Koreans",
        summary="s",
        body="We ask the Government to grant refugee status to North Koreans.",
        target="The Government",
        recipient="The Embassy",
        organiser_name="The Organisers",
        goal=1_000_000,
        status=Petition.Status.OPEN,
    )


def server_side_summary(petition_pk):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT public_id) FROM signatures_signature "
            "WHERE petition_id = %s AND status = 'confirmed'",
            [petition_pk],
        )
        signatures, distinct = cursor.fetchone()
        cursor.execute(
            "SELECT count(*), count(DISTINCT t.signature_id) FROM signatures_signaturenametoken t "
            "JOIN signatures_signature s ON s.id = t.signature_id WHERE s.petition_id = %s",
            [petition_pk],
        )
        tokens, named = cursor.fetchone()
    return signatures, distinct, tokens, named


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with django_on_throwaway_database("gen_bench"):
        from django.core.management import call_command

        target = petition("generated")
        for run in range(1, args.runs + 1):
            profiler = cProfile.Profile() if args.profile else None
            started = time.perf_counter()
            with open(os.devnull, "w") as quiet:
                if profiler:
                    profiler.enable()
                call_command(
                    "generate_signatures", target.slug, "--count", str(args.rows), stdout=quiet
                )
                if profiler:
                    profiler.disable()
            seconds = time.perf_counter() - started
            print(f"run {run}: generate_signatures --count {args.rows:,}: {seconds:.1f} s")
            if profiler:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
                print(out.getvalue())
        signatures, distinct, tokens, named = server_side_summary(target.pk)
        print(
            f"{signatures:,} confirmed signatures ({distinct:,} distinct public ids), "
            f"{tokens:,} name tokens on {named:,} of them"
        )
        assert signatures == distinct == args.rows * args.runs
        assert named == signatures
        call_command("reconcile_counts")


if __name__ == "__main__":
    main()
