import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from tests.browser.conftest import (
    CLOSED,
    FOUNDING,
    LOCALES,
    VIEWPORTS,
    browser_page,
    in_language,
)

WCAG_AA = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    # Only the violations are read; the passes' details would cross from the browser for nothing.
    "resultTypes": ["violations"],
}
PAGES = {
    "list": lambda demo: reverse("petitions:list"),
    "open petition": lambda demo: reverse("petitions:detail", args=[FOUNDING]),
    "closed petition": lambda demo: reverse("petitions:detail", args=[CLOSED]),
    "privacy": lambda demo: reverse("petitions:privacy"),
    "about": lambda demo: reverse("petitions:about"),
    "check email": lambda demo: reverse("signatures:check_email", args=[FOUNDING]),
    "used link": lambda demo: demo.used_confirmation_path,
    "invalid link": lambda demo: reverse("signatures:confirm", args=["no-such-token"]),
    "confirm": lambda demo: demo.pending_confirmation_path(),
    "manage": lambda demo: demo.manage_path,
    "not found": lambda demo: "/no-such-page/",
}


@pytest.fixture(scope="module")
def axe():
    return Axe()


def assert_no_violations(axe, page):
    results = axe.run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", PAGES)
def test_pages_have_no_wcag_violations(browser, demo_site, axe, name, locale, viewport):
    with browser_page(browser, locale, viewport) as page:
        page.goto(demo_site.url + in_language(locale, PAGES[name](demo_site)))

        assert_no_violations(axe, page)


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("locale", LOCALES)
def test_thank_you_page_has_no_wcag_violations(browser, demo_site, axe, locale, viewport):
    with browser_page(browser, locale, viewport) as page:
        page.goto(demo_site.url + in_language(locale, demo_site.pending_confirmation_path()))
        page.locator("main form button[type=submit]").click()
        page.locator(".receipt").wait_for()

        assert_no_violations(axe, page)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_withdraw_page_has_no_wcag_violations(browser, demo_site, axe, viewport):
    with browser_page(browser, "en-GB", viewport) as page:
        page.goto(demo_site.url + demo_site.manage_path)
        page.get_by_role("link", name="Withdraw my signature").click()
        page.get_by_role("button", name="Yes, withdraw and erase").wait_for()

        assert_no_violations(axe, page)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_form_with_errors_has_no_wcag_violations(browser, demo_site, axe, viewport):
    with browser_page(browser, "en-GB", viewport) as page:
        page.goto(demo_site.url + reverse("petitions:detail", args=[FOUNDING]))
        page.get_by_label("Full name").fill("=formula")
        page.get_by_role("button", name="Sign the petition").click()
        page.locator("#id_full_name_error").wait_for()

        assert_no_violations(axe, page)
