import base64
import html
import json
import re
import time

import altcha
import pytest
from django.core import mail
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from signatures.models import Signature, Suspicion
from tests import servers
from tests.factories import address_in, browser, make_petition, sign_url, signing_form

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_cache")]


@pytest.fixture(autouse=True)
def quick_challenges(settings):
    """Challenges as real ones, but a few attempts long, so that the tests solve them fast."""
    settings.ALTCHA_COST = 10
    settings.ALTCHA_MAX_COUNTER = 20


@pytest.fixture
def petition():
    return make_petition(requires_challenge=True)


def fetch_challenge(client=None):
    response = (client or Client()).get(reverse("signatures:challenge"))
    return altcha.Challenge.from_dict(response.json())


def solved(challenge=None) -> str:
    """What the widget adds to the form once the browser has found the answer."""
    challenge = challenge or fetch_challenge()
    solution = altcha.solve_challenge(challenge)
    return altcha.Payload(challenge, solution).to_base64()


def encoded(data) -> str:
    return base64.b64encode(json.dumps(data).encode()).decode()


def sign_with(petition, answer, email="kim@example.org"):
    form = signing_form(email=email) | ({"altcha": answer} if answer is not None else {})
    return browser().post(sign_url(petition), form)


def held_because(email="kim@example.org"):
    signature = Signature.objects.with_email(email).get()
    return signature.suspicion


class TestChallengeView:
    def test_a_new_signed_challenge_is_issued_each_time_and_never_cached(self, settings):
        first = Client().get(reverse("signatures:challenge"))
        second = Client().get(reverse("signatures:challenge"))

        assert first.status_code == 200
        assert "no-cache" in first["Cache-Control"]
        parameters = first.json()["parameters"]
        assert parameters["algorithm"] == "PBKDF2/SHA-256"
        assert parameters["cost"] == settings.ALTCHA_COST
        assert 0 < parameters["expiresAt"] - time.time() <= settings.ALTCHA_CHALLENGE_SECONDS
        assert re.fullmatch(r"[0-9a-f]{64}", first.json()["signature"])
        assert first.json() != second.json()

    def test_the_answer_takes_the_browser_at_least_half_the_maximum_attempts(self, settings):
        counters = [altcha.solve_challenge(fetch_challenge()).counter for _ in range(10)]

        assert all(10 <= counter < 20 for counter in counters)

    def test_only_reading_is_allowed(self):
        assert Client().post(reverse("signatures:challenge")).status_code == 405


class TestAnswers:
    def test_a_solved_challenge_signs_like_any_other(self, petition, committed):
        with committed():
            response = sign_with(petition, solved())

        assert response.status_code == 302
        assert Signature.objects.get().status == Signature.Status.PENDING
        assert held_because() == ""
        assert len(mail.outbox) == 1

    def test_an_answer_used_twice_holds_the_second_signature(self, petition):
        answer = solved()

        sign_with(petition, answer, email="kim@example.org")
        response = sign_with(petition, answer, email="lee@example.org")

        assert response.status_code == 302
        assert held_because("kim@example.org") == ""
        assert held_because("lee@example.org") == Suspicion.REUSED_CHALLENGE

    def test_a_form_sent_without_an_answer_is_kept_and_held(self, petition, committed):
        with committed():
            response = sign_with(petition, None)

        assert response.status_code == 302
        assert held_because() == Suspicion.NO_CHALLENGE
        assert len(mail.outbox) == 1

    def test_an_expired_challenge_is_held(self, petition, settings):
        settings.ALTCHA_CHALLENGE_SECONDS = -1

        sign_with(petition, solved())

        assert held_because() == Suspicion.BAD_CHALLENGE

    def test_a_challenge_signed_with_another_key_is_held(self, petition, settings):
        settings.ALTCHA_HMAC_KEY = "someone else's key"
        answer = solved()
        settings.ALTCHA_HMAC_KEY = "our key"

        sign_with(petition, answer)

        assert held_because() == Suspicion.BAD_CHALLENGE

    @pytest.mark.parametrize(
        "forge",
        [
            # An answer that was never found.
            lambda payload: payload["solution"].update(derivedKey="00" * 32),
            # An easier challenge than the one issued.
            lambda payload: payload["challenge"]["parameters"].update(cost=1),
            # A challenge that never expires.
            lambda payload: payload["challenge"]["parameters"].pop("expiresAt"),
            # No signature at all.
            lambda payload: payload["challenge"].pop("signature"),
            lambda payload: payload["solution"].update(derivedKey=12345),
        ],
    )
    def test_a_forged_answer_is_held(self, petition, forge):
        payload = json.loads(base64.b64decode(solved()))
        forge(payload)

        response = sign_with(petition, encoded(payload))

        assert response.status_code == 302
        assert held_because() == Suspicion.BAD_CHALLENGE

    @pytest.mark.parametrize(
        "garbage",
        [
            "not base64!",
            base64.b64encode(b"\xff\xfe").decode(),
            encoded([1, 2, 3]),
            encoded({"challenge": "x", "solution": "y"}),
            encoded({"challenge": {"parameters": []}, "solution": {}}),
            encoded({"challenge": {"parameters": {"algorithm": 1}}, "solution": None}),
            "A" * 8000,
        ],
    )
    def test_garbage_is_held_never_an_error(self, petition, garbage):
        response = sign_with(petition, garbage)

        assert response.status_code == 302
        assert held_because() == Suspicion.BAD_CHALLENGE

    def test_checking_an_answer_and_the_limits_costs_one_call_of_the_cache(
        self, petition, monkeypatch
    ):
        sign_with(petition, solved(), email="warm@example.org")
        answer = solved()
        calls = []
        backend = caches["default"]
        for name in ("get", "get_many", "set", "add", "incr", "count_and_read"):
            method = getattr(backend, name)
            monkeypatch.setattr(
                backend,
                name,
                lambda *args, _name=name, _method=method, **kwargs: (
                    calls.append(_name) or _method(*args, **kwargs)
                ),
            )

        sign_with(petition, answer)

        assert calls == ["count_and_read"]
        assert held_because() == ""

    def test_a_petition_without_the_challenge_asks_for_no_answer(self):
        sign_with(make_petition(requires_challenge=False), None)

        assert held_because() == ""


def widget_strings(page):
    widget = re.search(r"<altcha-widget [^>]*>", page).group()
    return widget, json.loads(html.unescape(re.search(r'data-strings="([^"]*)"', widget).group(1)))


class TestTheWidget:
    def test_the_form_carries_the_widget_from_our_own_files_with_our_words(self, client, petition):
        page = client.get(petition.get_absolute_url()).text

        widget, strings = widget_strings(page)
        assert f'challenge="{reverse("signatures:challenge")}"' in widget
        assert 'data-worker="/static/vendor/altcha/pbkdf2.js"' in widget
        assert strings["label"] == "I'm not a robot"
        assert '<link rel="stylesheet" href="/static/vendor/altcha/altcha.css">' in page
        assert '<script src="/static/vendor/altcha/altcha.min.js" defer></script>' in page
        assert "https://" not in widget

    @pytest.mark.parametrize("language", ["ko", "zh-hans"])
    def test_the_widget_speaks_the_readers_language(self, client, petition, language):
        with translation.override(language):
            label = gettext("I'm not a robot")

        page = client.get(address_in(language, petition)).text

        assert widget_strings(page)[1]["label"] == label

    def test_a_petition_without_the_challenge_loads_none_of_it(self, client):
        page = client.get(make_petition(requires_challenge=False).get_absolute_url()).text

        assert "altcha" not in page


def test_with_redis_down_a_solved_challenge_still_signs(settings, petition):
    answer = solved()
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{servers.closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }

    sign_with(petition, answer)

    assert Signature.objects.get().status == Signature.Status.PENDING
