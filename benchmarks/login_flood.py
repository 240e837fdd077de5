"""Time a petition's count.json while bogus staff logins flood the site.

Starts gunicorn (2 sync workers, debug off) on a throwaway database, then for each scenario
times count.json from one sequential client, first alone and then while --flooders threads post
wrong passwords to the admin login as fast as they are answered, and prints the median and p95
latencies and their ratio to the quiet ones. Scenarios:

- one address, one account: the lockout stops the flood after a few attempts;
- many addresses, many accounts (a new address in X-Forwarded-For and a new email each time, as a
  botnet would): no lockout applies, and only the bound on password checks at once protects the
  public pages;
- the same with that bound raised to 64 (--uncapped-too), which is what the site did before.

Run from the project root; every loop is bounded in time and all traffic stays on loopback:

    .venv/bin/python benchmarks/login_flood.py [--database postgres|sqlite] [--seconds 10]
"""

import argparse
import base64
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from contextlib import contextmanager
from http.client import HTTPConnection
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.server import gunicorn  # noqa: E402

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
SLUG = "refugee-status-for-north-koreans"
STAFF_EMAIL = "staff@example.org"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DATA_KEY = base64.b64encode(os.urandom(32)).decode()
HASH_KEY = base64.b64encode(os.urandom(32)).decode()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def throwaway_database(kind):
    name = f"petitions_login_flood_{os.getpid()}"
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix=f"{name}-"))
        try:
            yield f"sqlite:///{folder / 'db.sqlite3'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def environment(database_url, static_root, concurrent_checks):
    return os.environ | {
        "DJANGO_DEBUG": "off",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        # One pair for the whole run: every command and worker must open what the others sealed.
        "SIGNATURE_DATA_KEY": DATA_KEY,
        "SIGNATURE_HASH_KEY": HASH_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "off",
        "DJANGO_SECURE_COOKIES": "off",
        "DJANGO_STATIC_ROOT": str(static_root),
        # One proxy of ours is pretended, so that each login can name its own address.
        "DJANGO_TRUSTED_PROXY_COUNT": "1",
        "DATABASE_URL": database_url,
        "CACHE_URL": "redis://127.0.0.1:6379/14",
        "EMAIL_URL": "dummymail://",
        "DJANGO_LOG_LEVEL": "ERROR",
        "STAFF_LOGIN_CONCURRENT_CHECKS": str(concurrent_checks),
    }


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def time_count_json(port, seconds):
    """Latencies in milliseconds of count.json, one request after another."""
    latencies = []
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        started = time.perf_counter()
        connection.request("GET", f"/petitions/{SLUG}/count.json")
        response = connection.getresponse()
        response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise RuntimeError(f"count.json answered {response.status}")
    return latencies


def login_form(connection):
    connection.request("GET", "/admin/login/")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    return cookie, CSRF_INPUT.search(page).group(1)


def flood(port, flooders, stop, one_address):
    """Post wrong passwords until `stop` is set; return the count of each status answered."""
    answers = Counter()
    chance = random.Random(7)  # noqa: S311 - made-up addresses and emails

    def flooder(index):
        connection = HTTPConnection("127.0.0.1", port, timeout=30)
        cookie, token = login_form(connection)
        n = 0
        while not stop.is_set():
            n += 1
            if one_address:
                address, email = "198.18.0.1", STAFF_EMAIL
            else:
                address = f"198.18.{chance.randrange(256)}.{chance.randrange(1, 255)}"
                email = f"guess-{index}-{n}@example.org"
            body = urllib.parse.urlencode(
                {"csrfmiddlewaretoken": token, "username": email, "password": f"wrong-{n}"}
            )
            connection.request(
                "POST",
                "/admin/login/",
                body=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": cookie,
                    "X-Forwarded-For": address,
                },
            )
            response = connection.getresponse()
            response.read()
            answers[response.status] += 1

    threads = [threading.Thread(target=flooder, args=(i,)) for i in range(flooders)]
    for thread in threads:
        thread.start()
    return answers, threads


def measure(port, seconds, flooders=0, one_address=False):
    stop = threading.Event()
    flood_started = time.monotonic()
    answers, threads = flood(port, flooders, stop, one_address) if flooders else (Counter(), [])
    time.sleep(1 if flooders else 0)  # let the flood reach its pace first
    latencies = time_count_json(port, seconds)
    stop.set()
    for thread in threads:
        thread.join()
    flood_seconds = time.monotonic() - flood_started
    quantiles = statistics.quantiles(latencies, n=20)
    return {
        "median": statistics.median(latencies),
        "p95": quantiles[18],
        "reads": len(latencies),
        "logins per second": sum(answers.values()) / flood_seconds,
        "answers": ", ".join(f"{status}: {count}" for status, count in sorted(answers.items())),
    }


def row(label, figures, quiet):
    ratio_median = figures["median"] / quiet["median"]
    ratio_p95 = figures["p95"] / quiet["p95"]
    logins = f"{figures['logins per second']:.0f}" if figures["answers"] else "-"
    print(
        f"| {label} | {figures['median']:.1f} | {figures['p95']:.1f} | {ratio_median:.2f}x "
        f"| {ratio_p95:.2f}x | {logins} | {figures['answers'] or '-'} |"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--flooders", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--uncapped-too", action=argparse.BooleanOptionalAction, default=True)
    options = parser.parse_args()

    port = free_port()
    static_root = Path(tempfile.mkdtemp(prefix="petitions-login-flood-static-"))
    try:
        with throwaway_database(options.database) as database_url:
            env = environment(database_url, static_root, concurrent_checks=1)
            manage(env, "migrate", "--no-input", "--verbosity", "0")
            manage(env, "seed_demo")
            manage(env, "collectstatic", "--no-input", "--verbosity", "0")
            manage(
                env,
                "shell",
                "-c",
                "from accounts.models import User; "
                f"User.objects.create_user('{STAFF_EMAIL}', 'a-long-staff-password', "
                "is_staff=True)",
            )
            print(
                f"gunicorn {options.workers} sync workers, {options.database}, Redis; "
                f"{options.flooders} flooding threads; count.json timed for "
                f"{options.seconds:g} s per row, one request after another"
            )
            print()
            print(
                "| flood | median ms | p95 ms | median vs quiet | p95 vs quiet "
                "| logins/s | login answers by status |"
            )
            print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
            runs = [(1, "1 check at a time (default)")]
            if options.uncapped_too:
                runs.append((64, "64 checks at a time (no bound)"))
            for checks, label in runs:
                env["STAFF_LOGIN_CONCURRENT_CHECKS"] = str(checks)
                with gunicorn(env, port=port, workers=options.workers):
                    quiet = measure(port, options.seconds)
                    row(f"none; {label}", quiet, quiet)
                    if checks == 1:
                        one = measure(port, options.seconds, options.flooders, one_address=True)
                        row(f"one address, one account; {label}", one, quiet)
                    many = measure(port, options.seconds, options.flooders)
                    row(f"many addresses and accounts; {label}", many, quiet)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)


if __name__ == "__main__":
    main()
