import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from petitions.models import Petition
from signatures.models import Signature
from tests.factories import address_in

CONFIRM_LINK = re.compile(r"(https?://\S+/s/confirm/[\w-]+/)")
FOUNDING = "refugee-status-for-north-koreans"


@pytest.fixture
def founding(transactional_db):
    call_command("seed_demo")
    return Petition.objects.get(slug=FOUNDING)


def shown_count(page):
    return int(page.locator("[data-count]").inner_text().replace(",", ""))


def confirm_link():
    return CONFIRM_LINK.search(mail.outbox[-1].body).group(1)


def test_sign_confirm_and_see_the_count_go_up(page, site, founding):
    page.goto(site)
    page.get_by_role("link", name=founding.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(founding.title)
    before = shown_count(page)

    page.get_by_label("Full name").fill("Anna Lee")
    page.get_by_label("Email address").fill("anna.lee@example.org")
    page.get_by_label("Country").select_option("GB")
    page.get_by_label("Town or postcode (optional)").fill("London")
    page.get_by_label("Show my name on this page").check()
    page.get_by_role("button", name="Sign the petition").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.locator("main")).to_contain_text("We have sent an email to anna.lee@example.org")
    assert "anna" not in page.url
    signature = Signature.objects.with_email("anna.lee@example.org").get()
    assert signature.status == Signature.Status.PENDING

    page.goto(confirm_link())
    expect(page.locator(".facts")).to_contain_text("Anna Lee")
    expect(page.locator(".facts")).to_contain_text("United Kingdom")
    expect(page.locator(".facts")).to_contain_text("name shown on the petition page")
    page.get_by_role("button", name="Confirm my signature").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for signing")
    expect(page.locator(".receipt code")).to_have_text(
        re.compile(r"^[A-Z2-9]{5}-[A-Z2-9]{5}-[A-Z2-9]{5}$")
    )
    page.get_by_role("link", name="Back to the petition").click()
    assert shown_count(page) == before + 1
    expect(page.locator(".recent-signers")).to_contain_text("Anna · United Kingdom")


def test_form_errors_keep_what_was_typed(page, site, founding):
    page.goto(site + founding.get_absolute_url())

    page.get_by_label("Full name").fill("=HYPERLINK(1)")
    page.get_by_label("Email address").fill("anna@example.org")
    page.get_by_role("button", name="Sign the petition").click()

    expect(page.locator("#id_full_name_error")).to_contain_text("cannot start with")
    expect(page.get_by_label("Email address")).to_have_value("anna@example.org")
    assert Signature.objects.with_email("anna@example.org").exists() is False


def test_sign_in_korean(korean_page, site, founding):
    page = korean_page
    with translation.override("ko"):
        labels = {
            "name": gettext("Full name"),
            "email": gettext("Email address"),
            "country": gettext("Country"),
            "sign": gettext("Sign the petition"),
            "check": gettext("Check your email"),
            "thanks": gettext("Thank you for signing"),
            "confirm": gettext("Confirm my signature"),
            "back": gettext("Back to the petition"),
        }

    page.goto(site + address_in("ko", founding))
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    before = shown_count(page)
    expect(page.get_by_label(labels["country"])).to_have_value("")

    page.get_by_label(labels["country"]).select_option("KR")
    page.get_by_label(labels["name"], exact=True).fill("김 민지")
    page.get_by_label(labels["email"], exact=True).fill("minji@example.org")
    page.get_by_role("button", name=labels["sign"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(labels["check"])
    email = mail.outbox[-1]
    assert email.to == ["minji@example.org"]
    assert founding.title in email.subject
    assert "Confirm your signature" not in email.subject

    page.goto(confirm_link())
    page.get_by_role("button", name=labels["confirm"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(labels["thanks"])
    page.get_by_role("link", name=labels["back"]).click()
    assert shown_count(page) == before + 1
    assert Signature.objects.with_email("minji@example.org").get().language == "ko"


def test_language_switcher_changes_the_interface(page, site, founding):
    page.goto(site + founding.get_absolute_url())
    switcher = page.get_by_role("navigation", name="Language")
    expect(switcher.get_by_role("link", name="English")).to_have_attribute("aria-current", "true")

    switcher.get_by_role("link", name="简体中文").click()

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert page.url == site + address_in("zh-hans", founding)
    with translation.override("zh-hans"):
        expect(page.get_by_role("button", name=gettext("Sign the petition"))).to_be_visible()
        switcher = page.get_by_role("navigation", name=gettext("Language"))
    expect(switcher.get_by_role("link", name="简体中文")).to_have_attribute("aria-current", "true")
    expect(switcher.get_by_role("link", name="English")).not_to_have_attribute(
        "aria-current", "true"
    )
    assert page.context.cookies() == []
