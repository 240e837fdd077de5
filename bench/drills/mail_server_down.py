"""Drill: the mail server is down while people sign, and comes back.

One gunicorn instance and one task worker, with the first retry of a failed email after 2 s
instead of a minute (SIGNATURE_MAIL_RETRY_SECONDS). The mail server is stopped, signers sign,
the worker's sends fail and are queued again; then the mail server starts. Passes when every
signature was accepted while it was down, and every signer then got exactly one confirmation
email. Run from the project root:

    .venv/bin/python bench/drills/mail_server_down.py [--signers 20] [--down 10]
"""

import argparse
import time

from stack import Signer, Stack, confirmation_tokens, free_port, report, wait_for


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signers", type=int, default=20)
    parser.add_argument("--down", type=float, default=10, help="seconds the mail server is down")
    options = parser.parse_args()

    with Stack("mail-server-down") as stack:
        stack.start(SIGNATURE_MAIL_RETRY_SECONDS="2")
        port = free_port()
        stack.gunicorn(port)
        stack.worker()
        site = f"http://127.0.0.1:{port}"
        stack.mail.stop()
        started = time.monotonic()
        print("mail server stopped")

        signer = Signer(site)
        signer.page()
        addresses = {f"signer{n}@drill.example" for n in range(options.signers)}
        accepted = {address for address in sorted(addresses) if signer.sign(address)[1]}
        print(f"{len(accepted)} of {len(addresses)} signatures accepted while it was down")
        time.sleep(max(0, options.down - (time.monotonic() - started)))
        retried = stack.tasks_retried()
        stack.mail.start()
        back_at = time.monotonic()
        print(
            f"mail server started again after {back_at - started:.1f} s; "
            f"{retried} sends had failed and were queued again"
        )

        everyone = wait_for(lambda: set(confirmation_tokens(stack.mail)) >= addresses, 120)
        time.sleep(3)  # any duplicate would arrive by now
        tokens = confirmation_tokens(stack.mail)
        last = max(stack.mail.arrivals, default=back_at) - back_at
        print(
            f"{len(stack.mail.messages)} emails to {len(tokens)} distinct recipients, "
            f"the last {last:.1f} s after the mail server came back"
        )

        report(
            [
                (
                    "every signature was accepted while the mail server was down",
                    accepted == addresses,
                ),
                ("failed sends were queued again", retried > 0),
                ("every signer got a confirmation email once it was back", everyone),
                (
                    "nobody got two",
                    all(len(links) == 1 for links in tokens.values())
                    and len(stack.mail.messages) == len(addresses),
                ),
                (
                    "every email carries a confirmation link",
                    all(all(links) for links in tokens.values()),
                ),
            ]
        )


if __name__ == "__main__":
    main()
