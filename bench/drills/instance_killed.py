"""Drill: one of two app servers behind nginx is killed with SIGKILL while people sign.

Two gunicorn instances behind deploy/nginx/petitions.conf, a task worker and a mail server;
signers sign through nginx with new addresses, and one instance (its master and workers) is
killed in the middle. Afterwards every confirmation link is followed through nginx. Passes when
every signature nginx answered as accepted exists exactly once and was emailed exactly once,
the count equals the confirmations, reconcile_counts finds no drift, and every error fell
within a moment of the kill. Run from the project root:

    .venv/bin/python bench/drills/instance_killed.py [--seconds 12] [--signers 4]
"""

import argparse
import itertools
import json
import threading
import time

from stack import Signer, Stack, confirmation_tokens, free_port, report, request, wait_for

# Requests in flight on the killed instance fail; nginx needs a moment to stop choosing it.
ERROR_WINDOW_SECONDS = 2.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--signers", type=int, default=4)
    options = parser.parse_args()

    with Stack("instance-killed") as stack:
        stack.start()
        ports = [free_port(), free_port()]
        doomed = stack.gunicorn(ports[0])
        stack.gunicorn(ports[1])
        stack.worker()
        site = f"https://127.0.0.1:{stack.nginx(ports)}"
        print(f"two app servers ({ports[0]}, {ports[1]}) behind nginx at {site}")

        numbers = itertools.count()
        results = []  # (started, finished, address, status or error, accepted)
        started = time.monotonic()
        stop = started + options.seconds

        def sign():
            signer = Signer(site)
            while signer.page() != 200:
                time.sleep(0.1)
            while time.monotonic() < stop:
                address = f"signer{next(numbers)}@drill.example"
                begun = time.monotonic()
                try:
                    status, accepted = signer.sign(address)
                except OSError as error:
                    status, accepted = type(error).__name__, False
                results.append(
                    (begun - started, time.monotonic() - started, address, status, accepted)
                )

        threads = [threading.Thread(target=sign) for _ in range(options.signers)]
        for thread in threads:
            thread.start()
        time.sleep(options.seconds / 3)
        killed_at = time.monotonic() - started
        stack.kill(doomed)
        print(
            f"killed the app server on {ports[0]} (SIGKILL to master and workers) "
            f"at {killed_at:.2f} s"
        )
        for thread in threads:
            thread.join()

        accepted = {address for *_, address, _, ok in results if ok}
        errors = [(begun, finished, status) for begun, finished, _, status, ok in results if not ok]
        print(
            f"{len(results)} signing requests through nginx, {len(accepted)} accepted, "
            f"{len(errors)} errors"
        )
        for begun, finished, status in errors:
            print(f"  error {status}: sent at {begun:.2f} s, answered at {finished:.2f} s")

        # Every email for an accepted signature, then every link followed.
        arrived = wait_for(
            lambda: (
                len({r for rs, _ in stack.mail.messages for r in rs} & accepted) == len(accepted)
            ),
            60,
        )
        tokens = confirmation_tokens(stack.mail)
        confirmer = Signer(site)
        confirmer.page()
        confirmations = [
            confirmer.confirm(tokens[address][0])
            for address in sorted(accepted)
            if tokens.get(address)
        ]
        time.sleep(6)  # the count may be cached for 5 s
        _, _, count_text = request("GET", f"{site}/petitions/drill/count.json")
        count = json.loads(count_text)["count"]
        # A POST whose answer was lost with the instance may have committed before it died.
        lost = {address for _, _, address, _, ok in results if not ok}
        found = stack.signatures_by_email(accepted | lost)
        recorded_anyway = sorted(a for a in lost if found[a][0])
        print(
            f"of the {len(lost)} signatures whose answer was lost, {len(recorded_anyway)} were "
            "recorded all the same (pending, their email sent): why nginx never resends a POST"
        )
        clean, reconciled = stack.reconcile_counts()
        print(
            f"emails: {len(stack.mail.messages)} to {len(tokens)} addresses; "
            f"confirmations: {len(confirmations)} "
            f"({confirmations.count(302)} redirected to thanks); count.json says {count}"
        )
        print(f"reconcile_counts: {reconciled}")

        report(
            [
                (
                    "some signatures were accepted before and after the kill",
                    any(ok and finished < killed_at for _, finished, _, _, ok in results)
                    and any(
                        ok and begun > killed_at + ERROR_WINDOW_SECONDS
                        for begun, _, _, _, ok in results
                    ),
                ),
                (
                    "every accepted signature was emailed once",
                    arrived and all(len(tokens.get(a, [])) == 1 for a in accepted),
                ),
                (
                    "only accepted signatures, or those whose answer was lost, got an email",
                    set(tokens) <= accepted | lost,
                ),
                (
                    "a signature whose answer was lost exists at most once",
                    all(found[a][0] <= 1 for a in lost),
                ),
                (
                    "every accepted signature exists exactly once",
                    all(found[a][0] == 1 for a in accepted),
                ),
                (
                    "every link confirmed its signature",
                    all(found[a][1] == 1 for a in accepted)
                    and confirmations.count(302) == len(accepted),
                ),
                ("the count equals the confirmations", count == len(accepted)),
                ("reconcile_counts finds no drift", clean),
                (
                    f"errors only within {ERROR_WINDOW_SECONDS:g} s of the kill",
                    all(
                        killed_at - ERROR_WINDOW_SECONDS
                        <= finished
                        <= killed_at + ERROR_WINDOW_SECONDS
                        for _, finished, _ in errors
                    ),
                ),
            ]
        )


if __name__ == "__main__":
    main()
