import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import modify_settings, override_settings
from django.urls import reverse

from petitions.models import Petition
from signatures.services import signature_confirm
from tests.conftest import confirmation_token, manage_path
from tests.factories import sign

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if "demo_site" in item.fixturenames:
                # Without it pytest-django sets up no test database for these tests, and the
                # demo would be written into, then flushed from, the development database.
                item.add_marker(pytest.mark.django_db)
            if CHROMIUM is None:
                item.add_marker(
                    pytest.mark.skip(
                        reason="Debian's chromium is not on PATH (apt-get install chromium)"
                    )
                )


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread for as long as it is
    # started; the ORM calls the browser tests make around it are still synchronous. Both end
    # with this package, so that the other tests keep Django's guard against async misuse.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def site(live_server, settings):
    """The live server, with no DJANGO_SITE_URL: links in emails follow the address it was
    reached at, as on a development server."""
    settings.SITE_URL = ""
    return live_server.url


LOCALES = ["en-GB", "ko-KR", "zh-CN"]
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
FOUNDING = "refugee-status-for-north-koreans"
CLOSED = "un-inquiry-follow-up-2024"
# Enough for every test of a module that confirms a signature.
PENDING_LINKS = 20


@contextmanager
def browser_page(browser, locale, viewport="desktop"):
    """A page in a fresh browser context whose Accept-Language is the given locale."""
    context = browser.new_context(locale=locale, **VIEWPORTS[viewport])
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser):
    with browser_page(browser, "en-GB") as english:
        yield english


def in_language(locale, path):
    """The page's address in the locale's language: pages take their language from it."""
    language = {"en-GB": "en", "ko-KR": "ko", "zh-CN": "zh-hans"}[locale]
    return path if language == "en" else f"/{language}{path}"


@pytest.fixture
def korean_page(browser):
    with browser_page(browser, "ko-KR") as korean:
        yield korean


@dataclass(frozen=True)
class DemoSite:
    url: str
    used_confirmation_path: str
    manage_path: str
    pending_confirmation_paths: list[str]

    def pending_confirmation_path(self):
        """A link to confirm a new signature, as the signer would open it from their email."""
        return self.pending_confirmation_paths.pop()


def confirmation_path(email):
    return reverse("signatures:confirm", args=[confirmation_token(email)])


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):
    """The demo petitions with signatures behind a live server, set up once for a whole module.

    For tests that only look: `site` starts each test from an empty database, and seeding
    again for every page, language and width would be slow. Each test runs in a transaction
    that is rolled back, so what one changes is gone for the next; a server with a connection
    of its own (PostgreSQL) cannot see what a test writes, hence the links made in advance.
    """
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        call_command("seed_demo", stdout=StringIO())
        founding = Petition.objects.get(slug=FOUNDING)
        emails = []
        for _ in range(PENDING_LINKS + 1):
            sign(founding, name_visibility="public")
            emails.append(mail.outbox[-1])
        confirmed = emails.pop()
        signature_confirm(token=confirmation_token(confirmed))
        server = LiveServer("localhost")
        try:
            with (
                modify_settings(ALLOWED_HOSTS={"append": "localhost"}),
                override_settings(SITE_URL=""),
            ):
                yield DemoSite(
                    url=server.url,
                    used_confirmation_path=confirmation_path(confirmed),
                    manage_path=manage_path(confirmed),
                    pending_confirmation_paths=[confirmation_path(email) for email in emails],
                )
        finally:
            server.stop()
            call_command("flush", interactive=False, verbosity=0)
            if connection.vendor == "postgresql":
                # The pool keeps the connections the server's threads opened, and PostgreSQL will
                # not drop a database in use at the end of the run: return this thread's, then
                # close them all.
                connection.close()
                connection.close_pool()
