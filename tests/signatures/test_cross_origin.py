"""The signing form is taken from this site's own pages, told by the browser's headers; a
browser that says nothing gets the form back with Django's token, and loses nothing."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from signatures.models import Signature
from tests.factories import make_petition, sign_url, signing_form

pytestmark = pytest.mark.django_db

OWN_ORIGIN = "http://testserver"


@pytest.fixture
def petition():
    return make_petition()


def post_from(petition, *, client=None, **headers):
    client = client or Client(enforce_csrf_checks=True, headers=headers)
    return client.post(sign_url(petition), signing_form())


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},
        {"Sec-Fetch-Site": "same-origin", "Origin": "https://elsewhere.example"},
        {"Origin": OWN_ORIGIN},
    ],
    ids=["same-origin", "none", "fetch-site-wins-over-origin", "own-origin"],
)
def test_a_form_sent_from_this_site_is_taken_without_a_token(petition, headers):
    response = post_from(petition, **headers)

    assert response.status_code == 302
    assert response["Location"] == reverse("signatures:check_email", args=[petition.slug])
    assert Signature.objects.count() == 1


def test_the_site_url_counts_as_this_sites_origin(petition, settings):
    settings.SITE_URL = "https://petitions.example.org"

    response = post_from(petition, Origin="https://petitions.example.org")

    assert response.status_code == 302
    assert response["Location"] == reverse("signatures:check_email", args=[petition.slug])
    assert Signature.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": OWN_ORIGIN},
        {"Sec-Fetch-Site": "something-new"},
        {"Origin": "https://elsewhere.example"},
        {"Origin": "http://testserver.elsewhere.example"},
        {"Origin": "null"},
    ],
    ids=[
        "cross-site",
        "same-site",
        "origin-cannot-overrule",
        "unknown-value",
        "foreign-origin",
        "lookalike-origin",
        "opaque-origin",
    ],
)
def test_a_form_sent_from_elsewhere_is_refused_with_a_page_that_says_why(petition, headers):
    response = post_from(petition, **headers)

    assert response.status_code == 403
    assert "sent from another website" in response.text
    assert f'href="{petition.get_absolute_url()}#sign"' in response.text
    assert "private" in response["Cache-Control"]
    assert Signature.objects.count() == 0


def test_a_browser_that_says_nothing_gets_its_form_back_filled_in_with_a_token(petition):
    response = post_from(petition)

    assert response.status_code == 200
    assert "press the button again to sign" in response.text
    assert 'value="kim@example.org"' in response.text
    assert 'name="csrfmiddlewaretoken"' in response.text
    assert "no-store" in response["Cache-Control"]
    assert Signature.objects.count() == 0


def test_sent_again_with_that_token_the_signature_is_taken(petition):
    client = Client(enforce_csrf_checks=True)
    asked = client.post(sign_url(petition), signing_form())
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', asked.text).group(1)

    response = client.post(sign_url(petition), signing_form(csrfmiddlewaretoken=token))

    assert response.status_code == 302
    assert response["Location"] == reverse("signatures:check_email", args=[petition.slug])
    assert Signature.objects.count() == 1


def test_a_token_that_does_not_match_the_browsers_cookie_is_refused(petition):
    client = Client(enforce_csrf_checks=True)
    client.post(sign_url(petition), signing_form())

    response = client.post(sign_url(petition), signing_form(csrfmiddlewaretoken="x" * 64))

    assert response.status_code == 403
    assert "Please try again" in response.text
    assert Signature.objects.count() == 0


def test_a_refused_form_never_reads_or_writes_the_signers_session(petition):
    response = post_from(petition, **{"Sec-Fetch-Site": "cross-site"})

    assert not response.cookies
