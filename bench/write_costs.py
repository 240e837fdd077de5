"""Where a signing and a confirmation spend their time, against the bare form, in one process.

Django's test client sends the three POSTs in turn against the same throwaway PostgreSQL
database and Redis database as bench/run.py, without gunicorn or sockets, so that what is left
is the request's own work: Python's CPU time per request, the wall time, and the statements
sent. With --profile, cProfile's heaviest functions for signing and confirming; with --parts,
the CPU time of each step the two views take (reading the petition, the form, the defences,
the service, the redirect and its cookie). Run from the project root:

    .venv/bin/python bench/write_costs.py [--requests 200] [--profile] [--parts]
"""

import argparse
import cProfile
import functools
import itertools
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import run
from bench.server import environment, throwaway_database

REDIS_DB = 11
FORM = "application/x-www-form-urlencoded"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="of each kind")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    parser.add_argument("--parts", action="store_true", help="print the CPU time of each step")
    options = parser.parse_args(argv)
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    database = f"bench_profile_{os.getpid()}"
    env = environment(
        database=database, static_root=static_root, redis_db=REDIS_DB, settings="bench.settings"
    )
    try:
        with throwaway_database(database):
            os.environ.update(env)
            measure(options)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)


def measure(options):
    import django

    django.setup()
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    run.migrate()
    parts = time_parts() if options.parts else None
    petition = run.seed_petition()
    count = options.requests
    answers = run.challenge_answers(2 * count + 20)
    numbers = itertools.count(1)
    client = Client(headers={"Host": "127.0.0.1", "Sec-Fetch-Site": "same-origin"})

    def post(path, fields, address):
        response = client.post(
            path,
            urllib.parse.urlencode(fields),
            content_type=FORM,
            headers={"X-Forwarded-For": address},
        )
        assert response.status_code == 302, (path, response.status_code)

    def form():
        number = next(numbers)
        fields = {"name": f"F {number}", "email": f"f{number}@example.org"}
        post("/bench/form/", fields, run.sender_address(number, "198.19"))

    def sign():
        number = next(numbers)
        fields = run.signing_fields(number, "costs", answers.pop())
        post(f"/petitions/{petition.slug}/sign/", fields, run.sender_address(number))

    # Warm up, and leave a signature waiting for each confirmation to come.
    for _ in range(count + 10):
        sign()
    form()
    links = run.confirmation_links(count + 10)
    links.reverse()

    def confirm():
        post(links.pop(), {}, run.sender_address(next(numbers), "198.19"))

    kinds = {"form": form, "signing": sign, "confirming": confirm}
    figures = {
        kind: {"wall": [], "cpu": [], "statements": statements_of(send)}
        for kind, send in kinds.items()
    }
    profiles = {kind: cProfile.Profile() for kind in kinds}
    for _ in range(count):
        for kind, send in kinds.items():
            profile = profiles[kind] if options.profile else None
            cpu, wall = time.process_time(), time.perf_counter()
            if profile:
                profile.enable()
            send()
            if profile:
                profile.disable()
            figures[kind]["wall"].append(time.perf_counter() - wall)
            figures[kind]["cpu"].append(time.process_time() - cpu)
    report(figures, count)
    if parts is not None:
        print("\nCPU ms per call of each step, over every request sent (warm-up included)")
        for label, calls, seconds in parts:
            # A step that was never called was not reached through the patched name.
            per_call = f"{seconds / calls * 1000:>7.2f}" if calls else "not called"
            print(f"{label:<28} {per_call:>7}  x{calls}")
    if options.profile:
        for kind in ("signing", "confirming"):
            print(f"\n== {kind}: cProfile, cumulative")
            pstats.Stats(profiles[kind]).sort_stats("cumulative").print_stats(40)


def time_parts():
    """Time what the signing and confirming views call, as they call it: [label, calls, s]."""
    from django.tasks import Task

    from signatures import one_time, views
    from signatures.forms import SignatureForm

    steps = [
        (views, "sign", "signing view, all of it"),
        (views, "get_object_or_404", "  reading the petition"),
        (views, "SignatureForm", "  the form, made"),
        (SignatureForm, "is_valid", "  the form, checked"),
        (views, "signing_suspicion", "  its defences"),
        (views, "signature_create", "  signature_create"),
        (views, "confirm", "confirming view, all of it"),
        (views, "confirming_suspicion", "  its defences"),
        (views, "signature_confirm", "  signature_confirm"),
        (views, "redirect", "either: the redirect"),
        (one_time.Note, "keep", "either: the cookie"),
        (Task, "enqueue", "either: a task queued"),
    ]
    parts = []
    for owner, name, label in steps:
        parts.append([label, 0, 0.0])
        setattr(owner, name, _timed(getattr(owner, name), parts[-1]))
    return parts


def _timed(function, total):
    @functools.wraps(function)
    def timed(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            total[1] += 1
            total[2] += time.process_time() - started

    return timed


def statements_of(send) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        send()
    return [query["sql"].split()[0] for query in queries.captured_queries]


def report(figures, count):
    form_wall = statistics.median(figures["form"]["wall"])
    form_cpu = statistics.median(figures["form"]["cpu"])
    print(f"{count} requests of each, alternated; medians")
    print(
        f"{'kind':<11} {'wall ms':>8} {'cpu ms':>8} {'form/wall':>10} {'form/cpu':>9}  statements"
    )
    for kind, figure in figures.items():
        wall, cpu = statistics.median(figure["wall"]), statistics.median(figure["cpu"])
        print(
            f"{kind:<11} {wall * 1000:>8.2f} {cpu * 1000:>8.2f} {form_wall / wall:>10.2f} "
            f"{form_cpu / cpu:>9.2f}  {' '.join(figure['statements'])}"
        )


if __name__ == "__main__":
    main()
