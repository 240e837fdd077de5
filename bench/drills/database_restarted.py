"""Drill: PostgreSQL stops and starts again while people read and sign.

One gunicorn instance over the drill's own PostgreSQL; readers load the petition page and
count.json and signers sign, while PostgreSQL is stopped (`pg_ctl stop -m fast`), kept down
for a while, and started again. Passes when every request during the outage got the 503 page
quickly, nothing got a 500, and requests succeed again afterwards with the same gunicorn
(never restarted). Run from the project root:

    .venv/bin/python bench/drills/database_restarted.py [--down 5] [--clients 4]
"""

import argparse
import itertools
import threading
import time

from stack import PETITION, Signer, Stack, free_port, report, request

# DATABASE_POOL_TIMEOUT and DATABASE_CONNECT_TIMEOUT are 2 s each.
FAST_FAILURE_SECONDS = 5


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--down", type=float, default=8, help="seconds PostgreSQL stays down")
    parser.add_argument("--clients", type=int, default=4)
    options = parser.parse_args()

    with Stack("database-restarted") as stack:
        stack.start()
        port = free_port()
        server = stack.gunicorn(port)
        site = f"http://127.0.0.1:{port}"
        numbers = itertools.count()
        results = []  # (started, seconds, kind, status, text)
        started = time.monotonic()
        stop = started + options.down + 8

        def client(number):
            signer = Signer(site)
            while signer.page() != 200:
                time.sleep(0.1)
            while time.monotonic() < stop:
                kind = ("page", "count", "sign")[next(numbers) % 3]
                begun = time.monotonic()
                try:
                    if kind == "sign":
                        status, headers, text = signer.post_signature(
                            f"signer{next(numbers)}@drill.example"
                        )
                    else:
                        url = f"{site}/petitions/{PETITION}/" + (
                            "count.json" if kind == "count" else ""
                        )
                        status, headers, text = request("GET", url)
                    retry_after = headers.get("Retry-After")
                except OSError as error:
                    status, text, retry_after = type(error).__name__, "", None
                results.append(
                    (begun - started, time.monotonic() - begun, kind, status, text, retry_after)
                )
                time.sleep(0.05)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(options.clients)]
        for thread in threads:
            thread.start()
        time.sleep(2)
        down_at = time.monotonic() - started
        stack.postgres.stop()
        print(f"PostgreSQL stopped at {down_at:.2f} s")
        time.sleep(options.down)
        stack.postgres.start()
        up_at = time.monotonic() - started
        print(f"PostgreSQL started again at {up_at:.2f} s")
        for thread in threads:
            thread.join()

        during = [r for r in results if down_at <= r[0] and r[0] + r[1] <= up_at]
        failures = [r for r in results if r[3] not in (200, 302)]
        after = [r for r in results if r[0] > up_at]
        recovered_at = min((r[0] for r in after if r[3] in (200, 302)), default=None)
        outside = [r for r in failures if not (down_at <= r[0] + r[1] and r[0] <= up_at + 3)]
        slowest = max((r[1] for r in failures), default=0)
        statuses = sorted({str(r[3]) for r in failures})
        print(
            f"{len(results)} requests: {len(failures)} failed ({', '.join(statuses)}), "
            f"{len(during)} sent and answered while PostgreSQL was down"
        )
        print(
            f"slowest failure {slowest:.2f} s; first success after the start at "
            f"{recovered_at:.2f} s"
            if recovered_at
            else "no success after the start"
        )
        print(
            f"{len(after)} requests after the start, "
            f"{sum(r[3] in (200, 302) for r in after)} succeeded"
        )

        report(
            [
                (
                    "requests failed while PostgreSQL was down",
                    bool(during) and all(r[3] == 503 for r in during),
                ),
                (
                    "every failure was a 503 with Retry-After, none a 500 or a dropped connection",
                    all(r[3] == 503 and r[5] == "30" for r in failures),
                ),
                (
                    "every signer who failed was told the signature was not recorded",
                    all(
                        "your signature was not recorded" in r[4]
                        for r in failures
                        if r[2] == "sign"
                    ),
                ),
                (
                    f"every failure answered within {FAST_FAILURE_SECONDS} s",
                    slowest < FAST_FAILURE_SECONDS,
                ),
                ("failures only while PostgreSQL was down (or just after)", not outside),
                (
                    "requests succeed again without restarting gunicorn",
                    server.poll() is None
                    and recovered_at is not None
                    and recovered_at < up_at + 5
                    and all(r[3] in (200, 302) for r in after if r[0] > up_at + 3),
                ),
            ]
        )


if __name__ == "__main__":
    main()
