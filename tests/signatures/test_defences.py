import time

import pytest
import redis
from django.core import mail
from django.core.cache import cache, caches
from django.test import Client
from django.urls import reverse

from signatures.defences import RULES_KEY, domain_matches
from signatures.models import Signature, SigningLimits, SourceRule, Suspicion
from signatures.selectors import petition_counts
from tests import servers
from tests.conftest import confirmation_token
from tests.factories import make_petition, sign_url, signing_form

# Every test here runs with the in-memory cache, and again against a real Redis.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_cache")]


@pytest.fixture
def clock(monkeypatch):
    """Starts the test at the start of an hour, and moves time forward for the windows and the
    cache's expiry alike."""
    real = time.time
    offset = [3600 - real() % 3600]
    monkeypatch.setattr(time, "time", lambda: real() + offset[0])

    def advance(seconds):
        offset[0] += seconds

    return advance


def limits(**values):
    SigningLimits.objects.filter(pk=1).update(**values)
    cache.delete(RULES_KEY)


def listed(action, value):
    SourceRule.objects.create(
        action=action,
        kind=SourceRule.Kind.EMAIL
        if "@" in value
        else SourceRule.Kind.NETWORK
        if value[0].isdigit() or ":" in value
        else SourceRule.Kind.DOMAIN,
        value=value,
    )
    cache.delete(RULES_KEY)


def sign_from(petition, address="203.0.113.7", **form):
    client = Client(REMOTE_ADDR=address, headers={"Sec-Fetch-Site": "same-origin"})
    return client.post(sign_url(petition), signing_form(**form))


def signers(petition, count, address="203.0.113.7", domain="example.org"):
    """Sign count times from one address, each with a new mailbox; their statuses in order."""
    start = Signature.objects.count()
    for n in range(count):
        sign_from(petition, address, email=f"signer{start + n}@{domain}")
    return [
        (signature.status, signature.suspicion)
        for signature in Signature.objects.order_by("pk")[start:]
    ]


PENDING = (Signature.Status.PENDING, "")


def held(suspicion):
    return (Signature.Status.SUSPECTED, suspicion)


class TestLimits:
    def test_a_burst_from_one_address_is_held_past_the_limit_until_the_window_passes(self, clock):
        petition = make_petition()
        limits(ip_petition_burst=2)

        burst = signers(petition, 3)
        clock(5 * 60)
        later = signers(petition, 1)

        assert burst == [PENDING, PENDING, held(Suspicion.IP_BURST)]
        assert later == [PENDING]

    def test_the_sustained_limit_holds_an_address_for_the_rest_of_the_hour(self, clock):
        petition = make_petition()
        limits(ip_petition_hourly=2)

        first = signers(petition, 2)
        clock(10 * 60)
        later = signers(petition, 1)
        clock(60 * 60)
        next_hour = signers(petition, 1)

        assert first == [PENDING, PENDING]
        assert later == [held(Suspicion.IP_HOURLY)]
        assert next_hour == [PENDING]

    def test_one_address_is_limited_across_petitions(self):
        limits(ip_hourly=2)

        statuses = [signers(make_petition(), 1)[0] for _ in range(3)]

        assert statuses == [PENDING, PENDING, held(Suspicion.IP_ALL_PETITIONS)]

    def test_each_petition_has_its_own_limit_per_address(self):
        limits(ip_petition_burst=1)

        assert signers(make_petition(), 1) + signers(make_petition(), 1) == [PENDING, PENDING]

    def test_an_email_domain_is_limited_per_petition_whatever_the_address(self):
        petition = make_petition()
        limits(domain_petition_hourly=2)

        statuses = [
            signers(petition, 1, address=f"198.51.100.{n}", domain="catchall.example")[0]
            for n in range(3)
        ]

        assert statuses == [PENDING, PENDING, held(Suspicion.DOMAIN_HOURLY)]

    def test_large_webmail_providers_are_allowed_past_the_domain_limit(self):
        petition = make_petition()
        limits(domain_petition_hourly=1)

        statuses = [
            signers(petition, 1, address=f"198.51.100.{n}", domain="gmail.com")[0] for n in range(3)
        ]

        assert statuses == [PENDING, PENDING, PENDING]

    def test_an_ipv6_subscriber_is_counted_once_for_its_whole_64(self):
        petition = make_petition()
        limits(ip_petition_burst=2)

        same_subscriber = [
            signers(petition, 1, address=address)[0]
            for address in ("2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3")
        ]
        neighbour = signers(petition, 1, address="2001:db8:1:3::1")

        assert same_subscriber == [PENDING, PENDING, held(Suspicion.IP_BURST)]
        assert neighbour == [PENDING]

    def test_a_limit_of_zero_is_off(self):
        petition = make_petition()
        limits(ip_petition_burst=0, ip_petition_hourly=0)

        assert signers(petition, 3) == [PENDING] * 3

    def test_confirmations_from_one_address_are_held_past_their_limit(self, committed):
        petition = make_petition()
        limits(ip_confirmations_hourly=2)
        with committed():
            signers(petition, 3)
        tokens = [confirmation_token(message) for message in mail.outbox]
        confirmer = Client(REMOTE_ADDR="192.0.2.44")

        for token in tokens:
            with committed():
                response = confirmer.post(reverse("signatures:confirm", args=[token]))
            assert response.status_code == 302

        statuses = list(
            Signature.objects.order_by("pk").values_list("status", "suspicion", "confirmed_at")
        )
        assert [status[:2] for status in statuses] == [
            (Signature.Status.CONFIRMED, ""),
            (Signature.Status.CONFIRMED, ""),
            held(Suspicion.CONFIRMATIONS),
        ]
        assert all(confirmed_at for *_, confirmed_at in statuses)
        assert petition_counts(petition).total == 2

    def test_staff_changes_to_the_limits_apply_at_once(self, admin_client, committed):
        petition = make_petition()
        assert signers(petition, 2) == [PENDING, PENDING]
        values = {
            field.name: getattr(SigningLimits.objects.get(), field.name)
            for field in SigningLimits._meta.fields
            if field.editable and field.name != "id"
        }

        with committed():
            admin_client.post(
                reverse("admin:signatures_signinglimits_change", args=[1]),
                values | {"ip_petition_burst": 2},
            )

        assert signers(petition, 1) == [held(Suspicion.IP_BURST)]


class TestLists:
    def test_an_allowed_range_signs_past_the_address_limits(self):
        petition = make_petition()
        limits(ip_petition_burst=1, ip_petition_hourly=1, ip_hourly=1)
        listed(SourceRule.Action.ALLOW, "203.0.113.0/24")

        assert signers(petition, 3, address="203.0.113.200") == [PENDING] * 3
        assert signers(petition, 2, address="198.51.100.1") == [PENDING, held(Suspicion.IP_BURST)]

    def test_an_allowed_domain_pattern_signs_past_the_domain_limit(self):
        petition = make_petition()
        limits(domain_petition_hourly=1)
        listed(SourceRule.Action.ALLOW, "*.ac.uk")

        statuses = [
            signers(petition, 1, address=f"198.51.100.{n}", domain="ox.ac.uk")[0] for n in range(3)
        ]

        assert statuses == [PENDING] * 3

    def test_an_allowed_domain_does_not_lift_the_limits_on_addresses(self):
        petition = make_petition()
        limits(ip_petition_burst=1)

        assert signers(petition, 2, domain="gmail.com") == [PENDING, held(Suspicion.IP_BURST)]

    @pytest.mark.parametrize(
        ("blocked", "address", "email", "suspicion"),
        [
            ("198.51.100.0/24", "198.51.100.9", "kim@example.org", Suspicion.BLOCKED_NETWORK),
            ("2001:db8::/32", "2001:db8:7::1", "kim@example.org", Suspicion.BLOCKED_NETWORK),
            ("192.0.2.1/32", "::ffff:192.0.2.1", "kim@example.org", Suspicion.BLOCKED_NETWORK),
            ("*.example", "203.0.113.7", "kim@mail.bots.example", Suspicion.BLOCKED_DOMAIN),
            ("*.example", "203.0.113.7", "kim@bots.example", Suspicion.BLOCKED_DOMAIN),
            ("spam.org", "203.0.113.7", "kim@SPAM.org", Suspicion.BLOCKED_DOMAIN),
            ("bad@example.org", "203.0.113.7", "Bad+x@Example.org", Suspicion.BLOCKED_EMAIL),
        ],
    )
    def test_blocked_sources_are_held_as_suspected(self, blocked, address, email, suspicion):
        listed(SourceRule.Action.BLOCK, blocked)

        sign_from(make_petition(), address, email=email)

        assert (Signature.objects.get().status, Signature.objects.get().suspicion) == held(
            suspicion
        )

    @pytest.mark.parametrize(
        ("address", "email"),
        [("198.51.101.9", "kim@example.org"), ("203.0.113.7", "kim@notspam.org")],
    )
    def test_sources_next_to_blocked_ones_sign_as_usual(self, address, email):
        listed(SourceRule.Action.BLOCK, "198.51.100.0/24")
        listed(SourceRule.Action.BLOCK, "spam.org")

        sign_from(make_petition(), address, email=email)

        assert Signature.objects.get().status == Signature.Status.PENDING

    def test_a_blocked_address_holds_its_confirmations(self, committed):
        petition = make_petition()
        with committed():
            sign_from(petition)
        listed(SourceRule.Action.BLOCK, "192.0.2.0/24")

        with committed():
            Client(REMOTE_ADDR="192.0.2.5").post(
                reverse("signatures:confirm", args=[confirmation_token(mail.outbox[0])])
            )

        assert Signature.objects.get().suspicion == Suspicion.BLOCKED_NETWORK
        assert petition_counts(petition).total == 0


class TestHoneypot:
    def test_a_filled_trap_holds_the_signature_as_suspected(self, committed):
        with committed():
            response = sign_from(make_petition(), website="http://spam.example")

        assert response.status_code == 302
        assert Signature.objects.get().suspicion == Suspicion.HONEYPOT
        assert len(mail.outbox) == 1

    def test_an_empty_trap_changes_nothing(self):
        sign_from(make_petition(), website="")

        assert Signature.objects.get().status == Signature.Status.PENDING


class TestTheQuietPath:
    def test_a_held_signer_gets_the_same_answer_and_email_as_anyone_else(self, committed):
        petition = make_petition()
        limits(ip_petition_burst=1)

        with committed():
            counted = sign_from(petition, email="kim@example.org")
        with committed():
            suspected = sign_from(petition, email="lee@example.org")

        assert (suspected.status_code, suspected["Location"]) == (
            counted.status_code,
            counted["Location"],
        )
        assert [message.to for message in mail.outbox] == [
            ["kim@example.org"],
            ["lee@example.org"],
        ]
        assert mail.outbox[0].subject == mail.outbox[1].subject
        held_signature = Signature.objects.with_email("lee@example.org").get()
        assert held_signature.status == Signature.Status.SUSPECTED

    def test_a_held_signature_confirmed_by_email_counts_only_once_approved(
        self, committed, admin_client
    ):
        petition = make_petition()
        listed(SourceRule.Action.BLOCK, "203.0.113.0/24")
        with committed():
            sign_from(petition)
        with committed():
            thanks = Client().post(
                reverse("signatures:confirm", args=[confirmation_token(mail.outbox[0])]),
                follow=True,
            )
        assert "Thank you for signing" in thanks.text
        assert petition_counts(petition).total == 0

        with committed():
            admin_client.post(
                reverse("admin:signatures_signature_changelist"),
                {"action": "approve", "_selected_action": [Signature.objects.get().pk]},
            )

        count = Client().get(reverse("signatures:count", args=[petition.slug]))
        assert count.json()["count"] == 1


class TestOneRoundTrip:
    METHODS = (
        "add",
        "get",
        "set",
        "touch",
        "delete",
        "get_many",
        "has_key",
        "incr",
        "set_many",
        "delete_many",
        "count_and_read",
    )

    @pytest.fixture
    def cache_calls(self, monkeypatch):
        backend = caches["default"]
        calls = []
        for name in self.METHODS:
            method = getattr(backend, name)

            def counted(*args, _name=name, _method=method, **kwargs):
                calls.append(_name)
                return _method(*args, **kwargs)

            monkeypatch.setattr(backend, name, counted)
        return calls

    def test_signing_costs_one_call_of_the_cache(self, cache_calls):
        petition = make_petition()
        sign_from(petition, email="warm@example.org")
        cache_calls.clear()

        sign_from(petition, email="kim@example.org")

        assert cache_calls == ["count_and_read"]

    def test_confirming_costs_one_call_of_the_cache_for_its_limit(self, cache_calls, committed):
        petition = make_petition()
        with committed():
            sign_from(petition)
        cache_calls.clear()

        with committed():
            Client().post(reverse("signatures:confirm", args=[confirmation_token(mail.outbox[0])]))

        # Then the counts shown are forgotten, as on any confirmation.
        assert cache_calls[0] == "count_and_read"
        assert set(cache_calls[1:]) <= {"delete_many", "delete"}

    def test_with_redis_signing_is_one_round_trip(self, shared_cache, monkeypatch):
        if shared_cache != "redis":
            pytest.skip("round trips are Redis's")
        petition = make_petition()
        sign_from(petition, email="warm@example.org")
        commands = []
        execute = redis.Redis.execute_command

        def counted(client, *args, **options):
            commands.append(args[0])
            return execute(client, *args, **options)

        monkeypatch.setattr(redis.Redis, "execute_command", counted)

        sign_from(petition, email="kim@example.org")

        assert commands == ["EVALSHA"]


def test_with_redis_down_signing_goes_on_under_the_lists_alone(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{servers.closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    petition = make_petition()
    limits(ip_petition_burst=1)
    listed(SourceRule.Action.BLOCK, "spam.org")

    statuses = signers(petition, 3) + signers(petition, 1, domain="spam.org")

    assert statuses == [PENDING, PENDING, PENDING, held(Suspicion.BLOCKED_DOMAIN)]


@pytest.mark.parametrize(
    ("domain", "matches"),
    [
        ("example.org", True),
        ("mail.example.org", True),
        ("deep.mail.example.org", True),
        ("badexample.org", False),
        ("example.org.evil", False),
        ("other.org", False),
    ],
)
def test_a_wildcard_covers_its_domain_and_those_under_it(domain, matches):
    assert domain_matches(domain, ["*.example.org"]) is matches
    assert domain_matches(domain, ["example.org"]) is (domain == "example.org")
