"""Redis or PostgreSQL failing under the running code: pages degrade, nothing turns into a 500."""

import contextlib
import http.cookiejar
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import caches
from django.db import OperationalError, connection, connections
from django.test import Client
from django.urls import reverse

from accounts.services import second_factor_begin, second_factor_confirm
from config.cache import ResilientRedisCache
from signatures.models import Signature
from tests import servers
from tests.config.test_settings import ROOT
from tests.conftest import confirmation_token
from tests.factories import (
    log_in_with_second_factor,
    make_petition,
    make_superuser,
    sign_url,
    signing_form,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    """The cache points at a Redis that is not running."""
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{servers.closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    assert isinstance(caches["default"], ResilientRedisCache)


class TestRedisDown:
    def test_pages_counts_signing_and_confirming_all_work_from_the_database(
        self, redis_down, committed
    ):
        petition = make_petition()
        client = Client(raise_request_exception=False, headers={"Sec-Fetch-Site": "same-origin"})

        assert client.get(reverse("petitions:list")).status_code == 200
        assert client.get(petition.get_absolute_url()).status_code == 200
        with committed():
            signed = client.post(sign_url(petition), signing_form())
        assert signed.status_code == 302
        confirm_url = reverse("signatures:confirm", args=[confirmation_token(mail.outbox[0])])
        assert client.get(confirm_url).status_code == 200
        with committed():
            confirmed = client.post(confirm_url, follow=True)

        assert confirmed.status_code == 200
        assert "Thank you for signing" in confirmed.text
        assert Signature.objects.get().status == Signature.Status.CONFIRMED
        count = client.get(reverse("signatures:count", args=[petition.slug]))
        assert count.status_code == 200
        assert count.json()["count"] == 1
        assert "<strong data-count>1</strong>" in client.get(petition.get_absolute_url()).text

    def test_staff_can_still_log_in_and_use_the_admin(self, redis_down):
        user = make_superuser(email="staff@example.org", password="a-long-test-password")
        pending = second_factor_begin(user=user)
        second_factor_confirm(user=user, authenticator=pending.authenticator)
        client = Client(raise_request_exception=False)

        logged_in = client.post(
            reverse("admin:login"),
            {"username": "staff@example.org", "password": "a-long-test-password"},
        )
        verified = client.post(logged_in["Location"], {"code": pending.recovery_codes[0]})

        assert logged_in.status_code == 302
        assert verified.status_code == 302
        assert client.get(reverse("admin:index")).status_code == 200

    def test_a_redis_that_hangs_costs_one_timeout_not_one_per_request(self, settings):
        with servers.silent_server() as (port, accepted):
            settings.CACHES = {
                "default": {
                    "BACKEND": "config.cache.ResilientRedisCache",
                    "LOCATION": f"redis://127.0.0.1:{port}/0",
                    "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.2},
                }
            }
            cache = caches["default"]
            assert cache.get("counts", "from the database") == "from the database"
            for _ in range(20):
                assert cache.get("counts") is None
                cache.set("counts", 1)

            assert len(accepted) == 1


@pytest.fixture
def database_down(monkeypatch):
    """Every query fails as it does once PostgreSQL has gone away."""

    def unreachable(*args, **kwargs):
        raise OperationalError("connection failed: server closed the connection unexpectedly")

    def take_down():
        monkeypatch.setattr(connections["default"], "cursor", unreachable)

    return take_down


class TestDatabaseDown:
    def test_every_kind_of_request_gets_a_503_with_retry_after(self, database_down):
        petition = make_petition()
        client = Client(raise_request_exception=False)
        admin = Client(raise_request_exception=False)
        log_in_with_second_factor(admin, make_superuser())
        page_url = petition.get_absolute_url()
        database_down()

        responses = [
            client.get(reverse("petitions:list")),
            client.get(page_url),
            client.get(reverse("signatures:count", args=[petition.slug])),
            client.post(sign_url(petition), signing_form()),
            admin.get(reverse("admin:signatures_signature_changelist")),
        ]

        assert [response.status_code for response in responses] == [503] * 5
        assert {response["Retry-After"] for response in responses} == {"30"}

    def test_a_signer_is_told_the_truth_that_nothing_was_recorded(self, database_down):
        petition = make_petition()
        database_down()

        response = Client(raise_request_exception=False).post(sign_url(petition), signing_form())

        assert "your signature was not recorded" in response.text
        assert "was lost" not in response.text

    def test_other_errors_still_get_the_500_page(self, monkeypatch):
        petition = make_petition()

        def broken(*args, **kwargs):
            raise RuntimeError("a bug")

        monkeypatch.setattr("signatures.selectors.petition_counts", broken)
        response = Client(raise_request_exception=False).get(petition.get_absolute_url())

        assert response.status_code == 500
        assert "Something went wrong" in response.text


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


class TcpProxy:
    """Stands between the site and PostgreSQL, so that a test can cut the database off."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.port = servers.closed_port()
        self.sockets = []

    def start(self):
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=True)
        self.sockets = [listener]
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self):
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                return
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def fetch(opener, url, data=None, origin=None):
    """(status, headers, body, seconds) without following redirects."""
    started = time.monotonic()
    headers = {"Origin": origin} if origin else {}
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 - our own site
    try:
        with opener.open(request, timeout=30) as response:
            status, headers, body = response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, error.read().decode()
    return status, headers, body, time.monotonic() - started


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a drill against PostgreSQL")
def test_drill_postgresql_goes_away_under_gunicorn_and_comes_back(tmp_path):
    petition = make_petition()
    database = connection.settings_dict
    proxy = TcpProxy(int(database["PORT"] or 5432))
    proxy.start()
    port = servers.closed_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key not in ("DATABASE_URL", "CACHE_URL")
    } | {
        "DATABASE_URL": (
            f"postgres://{database['USER']}@127.0.0.1:{proxy.port}/{database['NAME']}"
        ),
        "DJANGO_DEBUG": "off",
        "DJANGO_SECRET_KEY": "drill-" + "x" * 60,
        # The keys of this test's own process, which reads what the server writes.
        "SIGNATURE_DATA_KEY": settings.SIGNATURE_DATA_KEY,
        "SIGNATURE_HASH_KEY": settings.SIGNATURE_HASH_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SITE_URL": f"http://127.0.0.1:{port}",
        "DJANGO_SECURE_SSL_REDIRECT": "off",
        "DJANGO_SECURE_COOKIES": "off",
        "DJANGO_STATIC_ROOT": str(tmp_path),
        "DJANGO_LOG_LEVEL": "CRITICAL",
        # Pages read from the database every time: a page kept from before the outage would
        # be served through it (and a few seconds of that are welcome), but this drill is
        # about what the database's absence does.
        "PUBLIC_PAGE_CACHE_SECONDS": "0",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    log = (tmp_path / "server.log").open("w")
    subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [*manage, "collectstatic", "--no-input", "--verbosity", "0"], env=environment, check=True
    )
    server = subprocess.Popen(  # noqa: S603 - gunicorn serving this project
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--log-level",
            "critical",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=log,
    )
    site = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirects
    )
    page = site + petition.get_absolute_url()
    try:
        assert wait_for(lambda: _status(opener, page) == 200, 30)
        signing = urllib.parse.urlencode(signing_form()).encode()

        proxy.stop()
        down = [
            fetch(opener, site + "/"),
            fetch(opener, page),
            fetch(opener, site + reverse("signatures:count", args=[petition.slug])),
            fetch(opener, site + sign_url(petition), data=signing, origin=site),
        ]
        proxy.start()
        recovered = wait_for(lambda: _status(opener, page) == 200, 20)
        signed_after = fetch(opener, site + sign_url(petition), data=signing, origin=site)
    finally:
        server.terminate()
        server.wait(timeout=30)
        proxy.stop()
        log.close()

    print("seconds per request while PostgreSQL was away:", [round(r[3], 2) for r in down])
    assert [status for status, *_ in down] == [503] * 4
    assert {headers["Retry-After"] for _, headers, *_ in down} == {"30"}
    assert "your signature was not recorded" in down[3][2]
    assert max(seconds for *_, seconds in down) < 5
    assert recovered, "the site did not recover without a restart"
    assert signed_after[0] == 302
    assert Signature.objects.count() == 1


def _status(opener, url):
    try:
        return fetch(opener, url)[0]
    except OSError:
        return None
