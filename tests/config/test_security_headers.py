import re

import pytest
from django.db import OperationalError, connections
from django.test import Client
from django.urls import reverse

from tests.config.test_settings import PRODUCTION, run_manage
from tests.factories import log_in_with_second_factor, make_petition, make_superuser

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "worker-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
NONCE = re.compile(r"'nonce-([\w-]+)'")


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(directive.strip().split(" ", 1) for directive in policy.split(";"))


def assert_locked_down(response):
    without_nonces = {
        name: NONCE.sub("", value).strip() for name, value in directives(response).items()
    }
    assert without_nonces == POLICY
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    assert "microphone=()" in response.headers["Permissions-Policy"]
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def petition():
    return make_petition()


@pytest.fixture
def staff():
    return log_in_with_second_factor(Client(), make_superuser())


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/petitions/{slug}/",
        "/privacy/",
        "/petitions/{slug}/count.json",
        "/s/sent/{slug}/",
        "/s/confirm/no-such-token/",
        "/no-such-page/",
        "/?next=%00",
    ],
)
def test_public_pages_and_their_errors_carry_the_policy(petition, url):
    response = Client(raise_request_exception=False).get(url.format(slug=petition.slug))

    assert_locked_down(response)


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:index"),
        reverse("admin:petitions_petition_changelist"),
        reverse("admin:petitions_petition_add"),
        reverse("admin:signatures_signature_changelist"),
    ],
)
def test_admin_pages_carry_the_policy_with_the_nonce_their_scripts_use(staff, url):
    response = staff.get(url)

    assert response.status_code == 200
    assert_locked_down(response)
    nonce = NONCE.search(directives(response)["script-src"]).group(1)
    assert f'nonce="{nonce}"' in response.text


def test_the_admin_login_page_carries_the_policy(client):
    assert_locked_down(client.get(reverse("admin:login")))


def test_public_pages_without_inline_scripts_are_given_no_nonce(client, petition):
    response = client.get(petition.get_absolute_url())

    assert "nonce" not in response.headers["Content-Security-Policy"]
    assert "<script>" not in response.text
    assert " style=" not in response.text


def test_a_refused_form_post_answers_with_the_policy(petition):
    client = Client(headers={"Sec-Fetch-Site": "cross-site"})

    response = client.post(reverse("signatures:sign", args=[petition.slug]), {})

    assert response.status_code == 403
    assert_locked_down(response)


def test_our_server_error_page_carries_the_policy(petition, monkeypatch):
    def broken(petition):
        raise RuntimeError("a bug")

    monkeypatch.setattr("signatures.selectors.petition_counts", broken)

    response = Client(raise_request_exception=False).get(petition.get_absolute_url())

    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert_locked_down(response)


def test_the_database_down_page_carries_the_policy(petition, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection failed")

    monkeypatch.setattr(connections["default"], "cursor", unreachable)

    response = Client(raise_request_exception=False).get(petition.get_absolute_url())

    assert response.status_code == 503
    assert_locked_down(response)


@pytest.mark.parametrize(("proxies", "header"), [("0", "None"), ("1", "HTTP_X_FORWARDED_PROTO")])
def test_the_forwarded_protocol_is_trusted_only_behind_a_proxy_of_ours(proxies, header):
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER and "
        "s.SECURE_PROXY_SSL_HEADER[0])",
        **PRODUCTION,
        DJANGO_TRUSTED_PROXY_COUNT=proxies,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == header


def test_with_debug_off_cookies_are_secure_and_browsers_keep_to_https():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT)",
        **PRODUCTION,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "True True 31536000 True"
