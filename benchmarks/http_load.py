"""Load the site over HTTP on loopback: page reads and signatures per second.

Starts gunicorn with production-like settings against a throwaway PostgreSQL database, runs
bounded loads from this process, prints a table and stops everything. Each read is also given as
a share of the rate of a fixed response (/favicon.ico, a redirect that reads nothing) through the
same middleware: what the page itself costs. Run from the project root:

    .venv/bin/python benchmarks/http_load.py [--seconds 10] [--clients 4] [--workers 2]
"""

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.server import environment, wait_for_server  # noqa: E402

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
PORT = 8765
SLUG = "refugee-status-for-north-koreans"


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def run_clients(clients, seconds, work):
    counts, errors = [0] * clients, []
    stop = time.monotonic() + seconds

    def client(index):
        connection = HTTPConnection("127.0.0.1", PORT, timeout=10)
        n = 0
        while time.monotonic() < stop:
            try:
                work(connection, index, n)
                counts[index] += 1
            except Exception as error:  # a failed request is reported, not retried
                errors.append(repr(error))
                connection = HTTPConnection("127.0.0.1", PORT, timeout=10)
            n += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started), errors


def reader(path, status=200):
    def read(connection, index, n):
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        if response.status != status:
            raise RuntimeError(f"{path} answered {response.status}")

    return read


read_fixed = reader("/favicon.ico", status=302)
read_home = reader("/")
read_page = reader(f"/petitions/{SLUG}/")
read_count = reader(f"/petitions/{SLUG}/count.json")


def sign(connection, index, n):
    """A signer's browser: the page (which carries no token), then the form, with its Origin."""
    connection.request("GET", f"/petitions/{SLUG}/")
    response = connection.getresponse()
    response.read()
    body = urllib.parse.urlencode(
        {
            "full_name": f"Load Signer {index}-{n}",
            "email": f"load-{index}-{n}-{secrets.token_hex(4)}@example.org",
            "country": "GB",
            "name_visibility": "recipient",
        }
    )
    connection.request(
        "POST",
        f"/petitions/{SLUG}/sign/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://127.0.0.1:{PORT}",
            "Sec-Fetch-Site": "same-origin",
        },
    )
    response = connection.getresponse()
    response.read()
    if response.status != 302:
        raise RuntimeError(f"signing answered {response.status}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis-db", type=int, default=15)
    parser.add_argument("--reads-only", action="store_true", help="skip the signing loads")
    options = parser.parse_args()

    database = f"petitions_bench_{os.getpid()}"
    static_root = Path(tempfile.mkdtemp(prefix=f"{database}-static-"))
    env = environment(database=database, static_root=static_root, redis_db=options.redis_db)
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    server = None
    try:
        manage(env, "migrate", "--no-input", "--verbosity", "0")
        manage(env, "seed_demo")
        manage(env, "collectstatic", "--no-input", "--verbosity", "0")
        server = subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "config.wsgi",
                "--workers",
                str(options.workers),
                "--bind",
                f"127.0.0.1:{PORT}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_for_server(PORT)
        print(f"gunicorn {options.workers} workers, PostgreSQL, Redis; {options.seconds:g} s each")
        print(f"{'load':<40} {'per second':>10} {'of fixed':>8}  errors")
        many = options.clients
        fixed = (f"fixed response, {many} clients", read_fixed, many)
        # The fixed response before and after the pages, so that the machine's load can be seen
        # to have changed; each page is compared with the faster of the two.
        loads = [
            fixed,
            ("petition page, 1 sequential client", read_page, 1),
            (f"petition page, {many} clients", read_page, many),
            (f"home page, {many} clients", read_home, many),
            (f"count.json, {many} clients", read_count, many),
            fixed,
        ]
        if not options.reads_only:
            loads += [
                ("signing (GET form + POST), 1 client", sign, 1),
                (f"signing (GET form + POST), {many} clients", sign, many),
            ]
        # Every worker's pool, caches and imports warmed first, so that the first load measured
        # does not pay for them.
        for _label, work, clients in loads[:5]:
            run_clients(clients, 1, work)
        results = []
        for label, work, clients in loads:
            rate, errors = run_clients(clients, options.seconds, work)
            results.append((label, work, clients, rate, errors))
        baseline = max(rate for _label, work, _c, rate, _e in results if work is read_fixed)
        for label, work, clients, rate, errors in results:
            shared = clients == many and work is not sign
            share = f"{rate / baseline:.3f}" if shared else ""
            failed = f"{len(errors)}{' ' + errors[0] if errors else ''}"
            print(f"{label:<40} {rate:>10.1f} {share:>8}  {failed}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(static_root, ignore_errors=True)


if __name__ == "__main__":
    main()
