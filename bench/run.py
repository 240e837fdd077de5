"""Serve the site under gunicorn and load it from this process: every figure as a ratio to a
bare baseline measured by the same server in the same run.

Makes a throwaway PostgreSQL database and uses its own Redis database, migrates, seeds one open
petition that requires the challenge, starts gunicorn with production-like settings and the
baseline views of bench/urls.py, and measures each scenario with a fixed number of clients for a
fixed time. Signing answers each challenge validly (the answers are minted with the site's
key beforehand, so the load generator spends one derivation on each, not a second of search);
confirming opens the links that the queued emails carry. At each of --sizes, the pages that
must not slow down with the number of signatures are measured again. Ends with
`reconcile_counts`, and fails if any count drifted. Run from the project root:

    .venv/bin/python bench/run.py [--seconds 10] [--clients 8] [--sizes 0,1000,10000000] [--quick]
"""

import argparse
import itertools
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import Exhausted, closed_loop, expect, request
from bench.server import ROOT, environment, gunicorn, throwaway_database

PORT = 8766
REDIS_DB = 10
SLUG = "bench-petition"
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
CONFIRM_LINK = re.compile(r"https?://\S+(/s/confirm/[\w-]+/)")
# What each figure is divided by, and the share of it that the issue asks for.
READS = ("petition page", "home page", "count.json", "staff signature list")
TARGETS = {
    "petition page": ("fixed page", 0.6),
    "home page": ("fixed page", None),
    "count.json": ("fixed page", 0.8),
    "staff signature list": ("fixed page", None),
    "signing": ("form", 0.5),
    "confirming": ("form", 0.5),
}
# Flat with size: each read at the largest size within 10% of itself at the smallest.
FLAT = 0.9
# The staff list draws a hundred signatures a page, and none at 0: it is judged from the first
# size that fills its page, since below that it has less to draw rather than less to search.
FULL_LIST = 100


def main(argv=None):
    options = parse(argv)
    run_id = secrets.token_hex(3)
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    env = environment(
        database=f"bench_{os.getpid()}",
        static_root=static_root,
        redis_db=REDIS_DB,
        settings="bench.settings",
    )
    try:
        with throwaway_database(f"bench_{os.getpid()}"):
            os.environ.update(env)
            results = benchmark(options, env, run_id)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    report(results, options)
    if results["drift"]:
        raise SystemExit("reconcile_counts found drift:\n" + results["drift"])


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="of load in each scenario")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--sizes",
        default="0",
        help="signature counts at which to measure the reads again, e.g. 0,1000,10000000",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "last-run.json")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke test: short loads, sizes 0 and 2000"
    )
    options = parser.parse_args(argv)
    if options.quick:
        options.seconds, options.clients, options.sizes = 0.5, 4, "0,2000"
    options.sizes = sorted({int(size) for size in options.sizes.split(",")})
    options.command = " ".join(["bench/run.py", *(argv if argv is not None else sys.argv[1:])])
    return options


def benchmark(options, env, run_id):
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    cache.clear()
    migrate()
    call_command("collectstatic", "--no-input", verbosity=0)
    petition = seed_petition()
    staff_cookie = staff_session()
    results = {
        "command": options.command,
        "commit": git_commit(),
        "seconds": options.seconds,
        "clients": options.clients,
        "workers": options.workers,
        "sizes": {},
    }
    with gunicorn(env, port=PORT, workers=options.workers):
        csrf = asyncio_run(csrf_pairs(options.clients))
        pages = {
            "fixed page": "/bench/fixed/",
            "petition page": petition.get_absolute_url(),
            "home page": "/",
            "count.json": f"/petitions/{SLUG}/count.json",
            "staff signature list": "/admin/signatures/signature/",
        }
        for size in options.sizes:
            grow_to(petition, size)
            signatures = confirmed_count(petition)
            figures = {}
            for label, path in pages.items():
                cookie = staff_cookie if label == "staff signature list" else None
                figures[label] = measure(options, reader(path, cookie))
            if size == options.sizes[0]:
                figures |= write_scenarios(options, petition, csrf, run_id)
            results["sizes"][size] = {
                "signatures": signatures,
                "figures": {label: f.as_dict() for label, f in figures.items()},
            }
    # The defences judged every benchmark signer genuine, or the figures are not signing's.
    results["suspected"] = suspected(petition)
    results["drift"] = reconcile()
    results["exact"] = exact(petition)
    return results


def migrate():
    """Migrate without waiting for the disk at each of the hundred commits; nothing measured
    runs on this connection, and the setting goes back to the default before anything is."""
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO DEFAULT")


def asyncio_run(coroutine):
    import asyncio

    return asyncio.run(coroutine)


def seed_petition():
    from petitions.models import Demand, Petition

    petition = Petition.objects.create(
        slug=SLUG,
        title="Protect refugees from forced return",
        summary="We ask the government to stop forced returns and to grant protection.",
        body="Every year people who escaped are sent back to face punishment.\n\n" * 20,
        target="The Minister",
        recipient="The Ministry of Foreign Affairs",
        organiser_name="Benchmark Campaign",
        goal=10_000_000,
        status=Petition.Status.OPEN,
        requires_challenge=True,
    )
    for position in range(1, 4):
        Demand.objects.create(
            petition=petition, position=position, text=f"Demand number {position}, stated fully."
        )
    return petition


def staff_session() -> str:
    """The cookie of a superuser who gave a password and a code, as the admin requires."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.models import User
    from accounts.services import second_factor_begin, second_factor_confirm

    user = User.objects.create_superuser("bench@example.org", secrets.token_urlsafe(16))
    pending = second_factor_begin(user=user)
    second_factor_confirm(user=user, authenticator=pending.authenticator)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = pending.authenticator.persistent_id
    session.save()
    return f"sessionid={session.session_key}"


def git_commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


async def csrf_pairs(clients):
    """A CSRF cookie and form token for each client, as a browser gets with its first page."""
    pairs = []
    for _ in range(clients):
        response = expect(await request(PORT, "GET", "/bench/form/"), 200)
        token = CSRF_INPUT.search(response.body).group(1).decode()
        pairs.append((response.cookies()["csrftoken"], token))
    return pairs


def measure(options, one):
    # A short warm-up first: the workers' first requests load templates and open connections.
    closed_loop(one, clients=options.clients, seconds=warm_up(options))
    return closed_loop(one, clients=options.clients, seconds=options.seconds)


def warm_up(options):
    return min(2.0, options.seconds)


def enough_for(options, figures):
    """As many answers or links as the warm-up and the load could use at the form's pace."""
    return int(figures["form"].per_second * (options.seconds + warm_up(options)) * 1.1) + 100


def reader(path, cookie=None):
    headers = {"Cookie": cookie} if cookie else {}

    async def read(index):
        expect(await request(PORT, "GET", path, headers=headers), 200)

    return read


def sender_address(number: int, network: str = "198.18") -> str:
    """An address of each request's own, in RFC 2544's benchmarking range (198.18.0.0/15)."""
    return f"{network}.{number // 250 % 250}.{number % 250 + 1}"


def signing_fields(number: int, run_id: str, answer: str) -> dict[str, str]:
    """A signer's form as a browser sends it, the trap left empty and the challenge answered."""
    return {
        "full_name": f"Bench Signer {number}",
        "email": f"bench.signer.{run_id}.{number}@gmail.com",
        "country": "GB",
        "town": "London",
        "name_visibility": "public",
        "altcha": answer,
        "website": "",
    }


def poster(path, csrf, fields, *, expected=302):
    """POST a form as a browser would: CSRF cookie and token, saying it was sent from this site
    (the signing form is checked by that, the others by the token), from an address of its own."""
    addresses = itertools.count(1)

    async def post(index):
        cookie, token = csrf[index]
        number = next(addresses)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token} | fields(number)).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie}",
            "Sec-Fetch-Site": "same-origin",
            # One trusted proxy: this is the signer's address.
            "X-Forwarded-For": sender_address(number),
        }
        expect(await request(PORT, "POST", path(number), headers=headers, body=body), expected)

    return post


def write_scenarios(options, petition, csrf, run_id):
    from django.urls import reverse

    figures = {}
    figures["form"] = measure(
        options,
        poster(
            lambda n: "/bench/form/",
            csrf,
            lambda n: {"name": f"Form Sender {n}", "email": f"form.{run_id}.{n}@example.org"},
        ),
    )
    answers = challenge_answers(enough_for(options, figures))
    sign_path = reverse("signatures:sign", args=[petition.slug])

    def signer(number):
        if not answers:
            raise Exhausted
        return signing_fields(number, run_id, answers.pop())

    figures["signing"] = measure(options, poster(lambda n: sign_path, csrf, signer))
    links = confirmation_links(enough_for(options, figures))
    links.reverse()

    def link(number):
        if not links:
            raise Exhausted
        return links.pop()

    figures["confirming"] = measure(options, poster(link, csrf, lambda n: {}))
    return figures


def challenge_answers(count):
    """Valid answers to challenges as the site issues them, each used once.

    The site picks the counter that a browser searches for; minting the challenges here with
    the site's key, the script knows it and derives the key once. The server checks each
    answer exactly as it checks a browser's.
    """
    import altcha
    from django.conf import settings

    from signatures.challenges import ALGORITHM, _keys

    signing_key, derived_key_key = _keys()
    answers = []
    for _ in range(count):
        counter = settings.ALTCHA_MAX_COUNTER // 2 + secrets.randbelow(
            settings.ALTCHA_MAX_COUNTER // 2
        )
        challenge = altcha.create_challenge(
            ALGORITHM,
            settings.ALTCHA_COST,
            counter=counter,
            expires_at=int(time.time()) + settings.ALTCHA_CHALLENGE_SECONDS,
            hmac_secret=signing_key,
            hmac_key_secret=derived_key_key,
        )
        solution = altcha.solve_challenge(challenge, counter_start=counter)
        answers.append(altcha.Payload(challenge, solution).to_base64())
    return answers


def confirmation_links(limit):
    """Send the queued confirmation emails, as the task worker does, and read their links."""
    from django.core import mail
    from django.core.management import call_command

    mail.outbox = []
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--max-tasks", str(limit), verbosity=0
    )
    return [CONFIRM_LINK.search(message.body).group(1) for message in mail.outbox]


def suspected(petition):
    from signatures.models import Signature

    return Signature.objects.for_petition(petition).suspected().count()


def grow_to(petition, size):
    """Add confirmed signatures with generate_signatures until the petition has `size`."""
    from django.core.management import call_command
    from django.db import connection

    missing = size - confirmed_count(petition)
    if missing <= 0:
        return
    started = time.perf_counter()
    call_command("generate_signatures", petition.slug, "--count", str(missing), verbosity=0)
    print(f"generate_signatures --count {missing}: {time.perf_counter() - started:.1f} s")
    # As autovacuum soon would: plans for a table that grew a millionfold.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE signatures_signature")


def confirmed_count(petition):
    from signatures.models import Signature

    return Signature.objects.for_petition(petition).confirmed().count()


def reconcile() -> str:
    """What reconcile_counts reports, if anything drifted; "" when every count is exact."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    try:
        call_command("reconcile_counts", stdout=out)
    except SystemExit:
        return out.getvalue()
    return ""


def exact(petition) -> bool:
    from signatures.selectors import forget_cached_counts, petition_counts

    forget_cached_counts(petition)
    return petition_counts(petition).total == confirmed_count(petition)


def flat_reference(label, sizes):
    """The size at which a read is measured first, to compare it with itself at the others."""
    if label == "staff signature list":
        full = [size for size in sizes if size >= FULL_LIST]
        if full:
            return full[0]
    return sizes[0]


def report(results, options):
    sizes = results["sizes"]
    first = sizes[options.sizes[0]]["figures"]
    print(
        f"\n{results['command']} at {results['commit']}: gunicorn {results['workers']} workers, "
        f"{results['clients']} clients, {results['seconds']:g} s each"
    )
    print(f"{'scenario':<22} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6}  vs")
    for label, figures in first.items():
        base, target = TARGETS.get(label, (None, None))
        ratio = figures["per_second"] / first[base]["per_second"] if base else 1.0
        results.setdefault("ratios", {})[label] = round(ratio, 3)
        verdict = ""
        if target is not None:
            verdict = f"target {target}: {'met' if ratio >= target else 'NOT MET'}"
        errors = ""
        if figures["errors"]:
            errors = f"  {figures['errors']} errors, first {figures['first_error']}"
        print(
            f"{label:<22} {figures['per_second']:>8.1f} {figures['p50_ms']:>8.1f} "
            f"{figures['p99_ms']:>8.1f} {ratio:>6.2f}  {base or ''} {verdict}{errors}"
        )
    if len(options.sizes) > 1:
        references = {
            label: flat_reference(label, options.sizes) for label in ("fixed page", *READS)
        }
        print(
            "\nflat with size: each read per second at a size / at "
            + ", ".join(f"{size} ({label})" for label, size in references.items())
        )
        print(f"{'signatures':>12} " + " ".join(f"{label:>21}" for label in ("fixed page", *READS)))
        for size, at_size in sizes.items():
            cells = []
            for label in ("fixed page", *READS):
                reference = sizes[references[label]]["figures"][label]["per_second"]
                share = at_size["figures"][label]["per_second"] / reference
                p99 = at_size["figures"][label]["p99_ms"]
                cells.append(f"{share:>5.2f} ({p99:>6.1f} ms p99)")
                results.setdefault("flat", {}).setdefault(str(size), {})[label] = round(share, 3)
            print(f"{at_size['signatures']:>12} " + " ".join(f"{cell:>21}" for cell in cells))
        last = results["flat"][str(options.sizes[-1])]
        slowed = [label for label in READS if last[label] < FLAT]
        print("within 10%: " + ("all" if not slowed else "NOT " + ", ".join(slowed)))
    print(f"signatures held as suspected: {results['suspected']}")
    print(
        "counts exact: "
        + ("yes" if results["exact"] and not results["drift"] else "NO")
        + ("; reconcile_counts: no drift" if not results["drift"] else "")
    )
    options.output.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"results written to {options.output}")


if __name__ == "__main__":
    main()
