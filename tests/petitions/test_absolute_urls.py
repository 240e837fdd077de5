import pytest
from django.core import mail
from django.core.cache import cache

from petitions.checks import site_url_is_set
from petitions.public_pages import forget_local_pages
from tests.factories import make_petition, sign_url, signing_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def reached_at(settings):
    settings.ALLOWED_HOSTS = ["localhost", "petitions.example.org"]
    return {"HTTP_HOST": "localhost:8123"}


# Committed for real, as on a development server: the email goes out while the request that
# asked for it is being answered.
@pytest.mark.django_db(transaction=True)
def test_without_a_site_url_email_links_follow_the_address_the_site_was_reached_at(
    client, settings, reached_at
):
    settings.SITE_URL = ""
    petition = make_petition()

    client.post(sign_url(petition), signing_form(), **reached_at)

    body = mail.outbox[0].body
    assert "http://localhost:8123/s/confirm/" in body
    assert "http://localhost:8123/s/manage/" in body
    assert "127.0.0.1" not in body


def test_the_site_url_wins_over_the_address_of_the_request(client, committed, settings, reached_at):
    settings.SITE_URL = "https://petitions.example.org"
    petition = make_petition()

    with committed():
        client.post(sign_url(petition), signing_form(), **reached_at)

    body = mail.outbox[0].body
    assert "https://petitions.example.org/s/confirm/" in body
    assert "localhost" not in body


def test_the_page_shares_the_address_emails_use(client, settings, reached_at):
    petition = make_petition()
    settings.SITE_URL = ""
    followed = client.get(petition.get_absolute_url(), **reached_at)
    cache.clear()  # the page is kept for a few seconds, and the address is part of it
    forget_local_pages()
    settings.SITE_URL = "https://petitions.example.org"
    configured = client.get(petition.get_absolute_url(), **reached_at)

    assert f'href="http://localhost:8123{petition.get_absolute_url()}"' in followed.text
    assert f'href="https://petitions.example.org{petition.get_absolute_url()}"' in configured.text


def test_deployment_without_a_site_url_is_refused(settings):
    settings.SITE_URL = ""
    assert [error.id for error in site_url_is_set(None)] == ["petitions.E001"]
    settings.SITE_URL = "https://petitions.example.org"
    assert site_url_is_set(None) == []
