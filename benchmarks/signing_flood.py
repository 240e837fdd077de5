"""One address floods a petition with signatures: how many are accepted, counted and held.

Replays the probe that found the site unprotected: one IP address signs as fast as it can with
new mailboxes at one catch-all domain, then opens every confirmation link from the same address.
Each scenario gets a fresh petition and a fresh address. Runs in-process with Django's test
client, on a throwaway PostgreSQL database and a real Redis (database 14, emptied first), with
emails kept in memory. Run from the project root:

    .venv/bin/python benchmarks/signing_flood.py [--seconds 60]
"""

import argparse
import collections
import os
import time

from throwaway_database import django_on_throwaway_database

REDIS_URL = "redis://127.0.0.1:6379/14"
SCENARIOS = [
    # label, limits on, challenge on, the script solves each challenge
    ("no defences (limits off, no challenge)", False, False, False),
    ("limits, no challenge", True, False, False),
    ("limits and challenge, no answer sent", True, True, False),
    ("limits and challenge, each challenge solved", True, True, True),
]


def set_limits(on):
    from django.core.cache import cache

    from signatures.defences import RULES_KEY
    from signatures.models import SigningLimits

    fields = [
        field for field in SigningLimits._meta.fields if field.name.startswith(("ip_", "domain_"))
    ]
    SigningLimits.objects.filter(pk=1).update(
        **{field.name: field.default if on else 0 for field in fields}
    )
    cache.delete(RULES_KEY)


def new_petition(label, challenge):
    from petitions.models import Petition

    return Petition.objects.create(
        slug=f"flood-{label}",
        title=f"Flood {label}",
        summary="s",
        body="b",
        target="t",
        recipient="r",
        organiser_name="o",
        goal=100000,
        status=Petition.Status.OPEN,
        requires_challenge=challenge,
    )


def answer(client):
    import altcha
    from django.urls import reverse

    challenge = altcha.Challenge.from_dict(client.get(reverse("signatures:challenge")).json())
    return altcha.Payload(challenge, altcha.solve_challenge(challenge)).to_base64()


def flood(client, petition, seconds, solve):
    from django.urls import reverse

    sign_url = reverse("signatures:sign", args=[petition.slug])
    check_email = reverse("signatures:check_email", args=[petition.slug])
    submitted = accepted = 0
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        form = {
            "full_name": f"Bot {submitted}",
            "email": f"bot{submitted}@catchall.example",
            "country": "GB",
            "name_visibility": "recipient",
        }
        if solve:
            form["altcha"] = answer(client)
        response = client.post(sign_url, form)
        submitted += 1
        accepted += response.status_code == 302 and response["Location"] == check_email
    return submitted, accepted


def confirm_every_link(client):
    from django.core import mail
    from django.urls import reverse

    for message in mail.outbox:
        token = message.body.split("/s/confirm/")[1].split("/")[0]
        client.post(reverse("signatures:confirm", args=[token]))
    mail.outbox = []


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    options = parser.parse_args()

    os.environ["CACHE_URL"] = REDIS_URL
    with django_on_throwaway_database("petitions_flood"):
        from django.core.cache import cache
        from django.core.management import call_command
        from django.test import Client
        from django.test.utils import setup_test_environment

        from signatures.models import Signature
        from signatures.selectors import petition_counts

        setup_test_environment()
        cache.clear()
        print(f"one address, {options.seconds:g} s of signing each, then every link confirmed")
        print(
            f"{'scenario':<46} {'sent':>6} {'per min':>8} {'accepted':>9} "
            f"{'counted':>8} {'held':>6}  held because"
        )
        for number, (label, limits, challenge, solve) in enumerate(SCENARIOS, start=1):
            set_limits(limits)
            petition = new_petition(number, challenge)
            client = Client(
                REMOTE_ADDR=f"203.0.113.{number}", headers={"Sec-Fetch-Site": "same-origin"}
            )
            submitted, accepted = flood(client, petition, options.seconds, solve)
            confirm_every_link(client)
            held = Signature.objects.for_petition(petition).suspected()
            reasons = collections.Counter(held.values_list("suspicion", flat=True))
            print(
                f"{label:<46} {submitted:>6} {submitted * 60 / options.seconds:>8.0f} "
                f"{accepted:>9} {petition_counts(petition).total:>8} {held.count():>6}  "
                + ", ".join(f"{reason} {n}" for reason, n in reasons.most_common())
            )
        call_command("reconcile_counts")
        cache.clear()


if __name__ == "__main__":
    main()
