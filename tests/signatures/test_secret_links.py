import logging

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from signatures.identity import manage_token
from signatures.secret_links import RedactSecretLinks, _secret_paths, redact_secret_links
from tests.conftest import manage_path
from tests.factories import make_petition, sign

CONFIRM = "Xy3_kq-9ZpL0aB7cD2eF4gH6iJ8kL0mN"
MANAGE = "0f1e2d3c4b5a69788796a5b4c3d2e1f0.mQ2wr_OEyp-PZ7k3dXi0rVSntZARxqn80fqu2TWS630"


@pytest.mark.parametrize(
    ("logged", "written"),
    [
        (f"GET /s/confirm/{CONFIRM}/ HTTP/1.1", "GET /s/confirm/[redacted]/ HTTP/1.1"),
        (f"/s/confirm/{CONFIRM}", "/s/confirm/[redacted]"),
        (f"/s/manage/{MANAGE}/", "/s/manage/[redacted]/"),
        (f"/s/manage/{MANAGE}/withdraw/", "/s/manage/[redacted]/withdraw/"),
        (f"/s/manage/{MANAGE}/my-data.json", "/s/manage/[redacted]/my-data.json"),
        (f"/s/manage/{MANAGE}/?utm_source=email", "/s/manage/[redacted]/?utm_source=email"),
        (
            f"/admin/login/?next=/s/manage/{MANAGE}/&x=1",
            "/admin/login/?next=/s/manage/[redacted]/&x=1",
        ),
        (
            f"/admin/login/?next=%2Fs%2Fconfirm%2F{CONFIRM}%2F",
            "/admin/login/?next=%2Fs%2Fconfirm%2F[redacted]%2F",
        ),
        (
            f'"https://petitions.example.org/s/manage/{MANAGE}/" "Mozilla/5.0"',
            '"https://petitions.example.org/s/manage/[redacted]/" "Mozilla/5.0"',
        ),
        (
            f"/s/confirm/{CONFIRM}/ from /s/manage/{MANAGE}/",
            "/s/confirm/[redacted]/ from /s/manage/[redacted]/",
        ),
    ],
)
def test_the_secret_of_a_confirm_or_manage_link_is_redacted_wherever_it_stands(logged, written):
    assert redact_secret_links(logged) == written


@pytest.mark.parametrize(
    "logged",
    [
        "GET /petitions/free-them/ HTTP/1.1",
        "/s/thanks/free-them/",
        "/s/sent/free-them/",
        "/petitions/free-them/sign/",
        "/s/confirmed/abc/",
        "/deliveries/4b4e1ab3-0f3c-4d3e-9a55-6a3c4b2f7f11/",
        "/admin/signatures/signature/?q=kim%40example.org",
        "Cache unavailable, reading from the database: TimeoutError",
    ],
)
def test_other_paths_and_messages_are_unchanged(logged):
    assert redact_secret_links(logged) == logged


@pytest.mark.parametrize("active", ["en", "ko"])
def test_the_links_of_every_language_are_redacted_whichever_is_active(active):
    _secret_paths.cache_clear()
    with translation.override(active):
        redacted = redact_secret_links(f"/s/confirm/{CONFIRM}/ /ko/s/manage/{MANAGE}/")

    assert redacted == "/s/confirm/[redacted]/ /ko/s/manage/[redacted]/"


def test_what_is_redacted_follows_the_url_patterns(settings):
    settings.ROOT_URLCONF = "tests.signatures.secret_urls"

    assert redact_secret_links("/vault/blue/k3y/open/") == "/vault/blue/[redacted]/open/"
    assert redact_secret_links("/vault/blue/k3y") == "/vault/blue/[redacted]"
    assert redact_secret_links("/plain/k3y/") == "/plain/k3y/"
    assert redact_secret_links(f"/fr/s/confirm/{CONFIRM}/") == "/fr/s/confirm/[redacted]/"


def test_the_filter_writes_the_message_redacted():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        (f"/s/confirm/{CONFIRM}/",),
        None,
    )

    kept = RedactSecretLinks().filter(record)

    assert kept is True
    assert record.getMessage() == "Not Found: /s/confirm/[redacted]/"


def test_the_filter_leaves_a_message_it_cannot_format_to_the_handler():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "%s and %s", ("one",), None)

    assert RedactSecretLinks().filter(record) is True
    assert (record.msg, record.args) == ("%s and %s", ("one",))


@pytest.mark.django_db
class TestDjangosRequestLogs:
    def messages(self, caplog):
        return [record.getMessage() for record in caplog.records]

    def test_a_confirm_link_that_no_longer_works_is_logged_without_its_token(self, client, caplog):
        client.get(reverse("signatures:confirm", args=[CONFIRM]))

        assert self.messages(caplog) == ["Gone: /s/confirm/[redacted]/"]

    def test_an_unknown_manage_link_is_logged_without_its_token(self, client, caplog):
        client.get(f"/s/manage/{MANAGE}/my-data.json")

        assert self.messages(caplog) == ["Not Found: /s/manage/[redacted]/my-data.json"]

    def test_a_refused_withdrawal_is_logged_without_the_signers_token(self, caplog, committed):
        with committed():
            signature = sign(make_petition())
        token = manage_token(signature.public_id)
        withdraw_url = reverse("signatures:withdraw", args=[token])
        assert withdraw_url in manage_path(mail.outbox[0]) + "withdraw/"

        Client(enforce_csrf_checks=True).post(withdraw_url)

        logged = "\n".join(self.messages(caplog))
        assert "Forbidden (CSRF cookie not set.): /s/manage/[redacted]/withdraw/" in logged
        assert token not in logged

    def test_other_paths_are_logged_as_they_are(self, client, caplog):
        client.get("/petitions/no-such-petition/")

        assert self.messages(caplog) == ["Not Found: /petitions/no-such-petition/"]
