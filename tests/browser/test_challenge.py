"""A real browser solves the signing form's challenge, from our own files only."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from petitions.models import Petition
from signatures.models import Signature, Suspicion
from signatures.selectors import petition_counts
from tests.browser.conftest import browser_page, in_language

FOUNDING = "refugee-status-for-north-koreans"
CONFIRM_LINK = re.compile(r"(https?://\S+/s/confirm/[\w-]+/)")


@pytest.fixture
def founding(transactional_db):
    call_command("seed_demo")
    return Petition.objects.get(slug=FOUNDING)


def fill_in(page, email):
    page.get_by_label("Full name").fill("Anna Lee")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Country").select_option("GB")


def test_a_browser_solves_the_challenge_and_its_signature_counts(page, site, founding):
    before = petition_counts(founding).total
    origins = set()
    page.on("request", lambda request: origins.add(urlsplit(request.url).netloc))
    page.goto(site + founding.get_absolute_url())
    checkbox = page.locator("altcha-widget").get_by_role("checkbox")
    expect(checkbox).to_have_accessible_name("I'm not a robot")
    expect(checkbox).not_to_be_checked()

    fill_in(page, "anna.lee@example.org")
    expect(checkbox).to_be_checked(timeout=30_000)
    expect(checkbox).to_have_accessible_name("Checked")
    page.get_by_role("button", name="Sign the petition").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    signature = Signature.objects.with_email("anna.lee@example.org").get()
    assert (signature.status, signature.suspicion) == (Signature.Status.PENDING, "")
    page.goto(CONFIRM_LINK.search(mail.outbox[-1].body).group(1))
    page.get_by_role("button", name="Confirm my signature").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for signing")
    assert petition_counts(founding).total == before + 1
    assert origins == {urlsplit(site).netloc}


def test_pressing_sign_before_the_browser_has_finished_waits_for_it(page, site, founding):
    page.goto(site + founding.get_absolute_url())

    fill_in(page, "quick@example.org")
    page.get_by_role("button", name="Sign the petition").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    signature = Signature.objects.with_email("quick@example.org").get()
    assert signature.status == Signature.Status.PENDING


def test_without_javascript_the_form_still_signs_and_the_signature_is_held(browser, site, founding):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto(site + founding.get_absolute_url())

    fill_in(page, "nojs@example.org")
    page.get_by_role("button", name="Sign the petition").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    context.close()
    signature = Signature.objects.with_email("nojs@example.org").get()
    assert (signature.status, signature.suspicion) == (
        Signature.Status.SUSPECTED,
        Suspicion.NO_CHALLENGE,
    )
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("locale", ["ko-KR", "zh-CN"])
def test_the_widget_speaks_the_pages_language(browser, site, founding, locale):
    language = {"ko-KR": "ko", "zh-CN": "zh-hans"}[locale]
    with translation.override(language):
        label = gettext("I'm not a robot")

    with browser_page(browser, locale) as page:
        page.goto(site + in_language(locale, founding.get_absolute_url()))

        checkbox = page.locator("altcha-widget").get_by_role("checkbox")
        expect(checkbox).to_have_accessible_name(label)


def test_staff_can_switch_the_challenge_off_for_a_petition(page, site, founding):
    Petition.objects.filter(pk=founding.pk).update(requires_challenge=False)
    page.goto(site + founding.get_absolute_url())

    expect(page.locator("altcha-widget")).to_have_count(0)
    fill_in(page, "off@example.org")
    page.get_by_role("button", name="Sign the petition").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert Signature.objects.with_email("off@example.org").get().suspicion == ""
