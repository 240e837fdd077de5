"""The petition's form and dashboard in the admin, laid out in a real browser."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from petitions.models import Petition
from tests.browser.conftest import FOUNDING, browser_page
from tests.browser.test_accessibility import WCAG_AA
from tests.factories import log_in_with_second_factor, make_superuser

DESKTOP = 1280


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo")
    return Petition.objects.get(slug=FOUNDING)


@pytest.fixture
def staff_session(demo):
    client = log_in_with_second_factor(Client(), make_superuser())
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def logged_in(page, site, session):
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site}]
    )
    complaints = []
    page.on("console", lambda message: complaints.append(message.text))
    page.on("pageerror", lambda error: complaints.append(str(error)))
    return complaints


def width(locator):
    return locator.bounding_box()["width"]


def scroll_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_petition_form_has_wide_texts_and_compact_demands(page, site, demo, staff_session):
    logged_in(page, site, staff_session)
    page.goto(site + reverse("admin:petitions_petition_change", args=[demo.pk]))

    assert width(page.get_by_label("Title:")) >= 600
    assert width(page.get_by_label("Summary:")) >= 600
    assert scroll_width(page) <= DESKTOP
    demands = page.locator("#demands-group tbody tr.has_original")
    expect(demands).to_have_count(demo.demands.count())
    for index in range(demo.demands.count()):
        demand = demands.nth(index)
        assert width(demand.locator("input[name$='-position']")) <= 80
        assert width(demand.locator("textarea[name$='-text']")) >= 600
        assert demand.bounding_box()["height"] <= 80


def test_demands_are_still_reordered_by_their_positions(page, site, demo, staff_session):
    first, second, third = demo.demands.order_by("position")
    logged_in(page, site, staff_session)
    page.goto(site + reverse("admin:petitions_petition_change", args=[demo.pk]))

    page.locator("#id_demands-0-position").fill("3")
    page.locator("#id_demands-2-position").fill("1")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist .success")).to_be_visible()
    assert list(demo.demands.order_by("position")) == [third, second, first]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_dashboard_fits_the_screen_and_breaks_no_rule(
    browser, site, demo, staff_session, viewport
):
    with browser_page(browser, "en-GB", viewport) as page:
        complaints = logged_in(page, site, staff_session)
        page.goto(site + reverse("admin:signatures_signature_dashboard", args=[demo.pk]))

        expect(page.get_by_role("img", name="Signatures per day")).to_be_visible()
        expect(page.get_by_role("img", name="World map of confirmed signatures")).to_be_visible()
        page.get_by_text("The numbers").first.click()
        expect(page.locator("#hourly-numbers table")).to_be_visible()
        assert scroll_width(page) <= page.viewport_size["width"]
        assert complaints == []


def test_the_dashboard_meets_wcag_aa(page, site, demo, staff_session):
    logged_in(page, site, staff_session)
    page.goto(site + reverse("admin:signatures_signature_dashboard", args=[demo.pk]))

    results = Axe().run(page, context="#content-main", options=WCAG_AA)

    assert results.violations_count == 0, results.generate_report()


def test_the_signature_list_fits_a_desktop_screen_without_scrolling_sideways(
    page, site, demo, staff_session
):
    logged_in(page, site, staff_session)
    page.set_viewport_size({"width": DESKTOP, "height": 800})
    # The demo's signers, their longest names and petition titles included, and the filters.
    page.goto(site + reverse("admin:signatures_signature_changelist") + "?status__exact=confirmed")

    expect(page.locator("#result_list tbody tr").first).to_be_visible()
    assert scroll_width(page) <= DESKTOP
