"""How the public pages lay out on a phone and a desktop, in every language."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests.browser.conftest import CLOSED, FOUNDING, LOCALES, browser_page, in_language

LANGUAGES = {"en-GB": "en", "ko-KR": "ko", "zh-CN": "zh-hans"}
PUBLIC_PAGES = [
    reverse("petitions:list"),
    reverse("petitions:detail", args=[FOUNDING]),
    reverse("petitions:detail", args=[CLOSED]),
    reverse("petitions:about"),
    reverse("petitions:privacy"),
    reverse("signatures:check_email", args=[FOUNDING]),
    "/no-such-page/",
]


def computed(locator, prop):
    return locator.evaluate(f"element => getComputedStyle(element).{prop}")


@pytest.mark.parametrize("locale", LOCALES)
def test_phone_shows_a_sign_button_near_the_top_that_leads_to_the_form(browser, demo_site, locale):
    with translation.override(LANGUAGES[locale]):
        label = gettext("Sign this petition")
    with browser_page(browser, locale, "phone") as page:
        page.goto(demo_site.url + in_language(locale, reverse("petitions:detail", args=[FOUNDING])))
        button = page.get_by_role("link", name=label)
        form = page.locator("form.sign-form")
        expect(button).to_be_in_viewport()
        expect(form).not_to_be_in_viewport()

        button.tap()

        expect(form).to_be_in_viewport()
        assert page.url.endswith("#sign")


def test_desktop_shows_the_form_and_no_sign_button(browser, demo_site):
    with browser_page(browser, "en-GB", "desktop") as page:
        page.goto(demo_site.url + reverse("petitions:detail", args=[FOUNDING]))

        expect(page.get_by_role("link", name="Sign this petition")).to_be_hidden()
        expect(page.get_by_label("Full name")).to_be_in_viewport()


def test_closed_petition_has_no_sign_button_on_a_phone(browser, demo_site):
    with browser_page(browser, "en-GB", "phone") as page:
        page.goto(demo_site.url + reverse("petitions:detail", args=[CLOSED]))

        expect(page.locator(".banner-closed")).to_be_in_viewport()
        expect(page.locator("a[href='#sign']")).to_have_count(0)
        expect(page.locator("form.sign-form")).to_have_count(0)


@pytest.mark.parametrize("locale", LOCALES)
def test_nothing_scrolls_sideways_on_a_phone(browser, demo_site, locale):
    too_wide = {}
    with browser_page(browser, locale, "phone") as page:
        for path in PUBLIC_PAGES:
            page.goto(demo_site.url + in_language(locale, path))
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                too_wide[path] = width

    assert too_wide == {}


def test_korean_wraps_between_words_and_chinese_anywhere(browser, demo_site):
    with browser_page(browser, "ko-KR") as page:
        page.goto(demo_site.url + in_language("ko-KR", reverse("petitions:about")))
        korean = page.locator("main p").first
        chinese = page.get_by_role("link", name="简体中文")

        assert computed(korean, "wordBreak") == "keep-all"
        assert computed(korean, "overflowWrap") == "anywhere"
        assert "Malgun Gothic" in computed(korean, "fontFamily")
        assert computed(chinese, "wordBreak") == "normal"
        assert "PingFang SC" in computed(chinese, "fontFamily")


def test_english_text_keeps_breaking_as_usual(browser, demo_site):
    with browser_page(browser, "en-GB") as page:
        page.goto(demo_site.url + reverse("petitions:about"))

        assert computed(page.locator("main p").first, "wordBreak") == "normal"


@pytest.mark.parametrize("locale", LOCALES)
def test_server_and_live_counter_write_numbers_alike(browser, demo_site, locale):
    with browser_page(browser, locale) as page:
        page.goto(demo_site.url + in_language(locale, reverse("petitions:detail", args=[FOUNDING])))
        count = page.locator("progress").get_attribute("value")

        # What site.js writes into the counter each time it refreshes.
        live = page.evaluate(
            "count => new Intl.NumberFormat(document.documentElement.lang).format(count)",
            int(count),
        )

        expect(page.locator("[data-count]")).to_have_text(live)
        assert "," in live


def test_demands_are_all_bold_and_country_counts_line_up(browser, demo_site):
    with browser_page(browser, "zh-CN") as page:
        page.goto(demo_site.url + reverse("petitions:detail", args=[FOUNDING]))
        demands = page.locator(".demands li")
        counts = page.locator(".countries td:last-child")

        assert demands.count() == 3
        assert {computed(demand, "fontWeight") for demand in demands.all()} == {"700"}
        assert counts.count() > 1
        for cell in counts.all():
            assert computed(cell, "textAlign") == "end"
            assert computed(cell, "fontVariantNumeric") == "tabular-nums"
