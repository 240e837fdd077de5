"""Pages that are the same for everyone: identical for any two visitors, nothing of one visitor's
in them, headers a CDN can act on, and a fixed number of queries, none once cached."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from petitions.public_pages import _page_keys, forget_local_pages
from tests.factories import address_in, log_in_with_second_factor, make_petition, make_superuser

pytestmark = pytest.mark.django_db


@pytest.fixture
def petition():
    return make_petition(slug="free-them")


def public_paths(petition):
    return [
        reverse("petitions:list"),
        petition.get_absolute_url(),
        address_in("ko", petition),
        reverse("signatures:count", args=[petition.slug]),
        reverse("petitions:about"),
        reverse("petitions:privacy"),
    ]


@pytest.mark.parametrize("index", range(6))
def test_two_visitors_get_the_same_bytes_and_nothing_of_their_own(petition, index):
    path = public_paths(petition)[index]
    first = Client().get(path, HTTP_ACCEPT_LANGUAGE="zh-CN")
    cache.clear()
    forget_local_pages()
    second = Client().get(path, HTTP_COOKIE="sessionid=abc; csrftoken=x", HTTP_ACCEPT_LANGUAGE="ko")

    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    for response in (first, second):
        assert "csrfmiddlewaretoken" not in response.text
        assert "nonce" not in response.text
        assert "nonce" not in response["Content-Security-Policy"]
        assert not response.cookies
        assert "Vary" not in response


@pytest.mark.parametrize("index", range(6))
def test_public_pages_may_be_kept_by_any_cache_for_a_few_seconds(petition, index, settings):
    response = Client().get(public_paths(petition)[index])

    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert directives == {"public", "max-age=5", "stale-while-revalidate=30"}


def test_a_staff_member_gets_the_same_page_as_everyone(petition):
    staff = log_in_with_second_factor(Client(), make_superuser())

    assert (
        staff.get(petition.get_absolute_url()).content
        == Client().get(petition.get_absolute_url()).content
    )


def test_a_draft_is_shown_to_staff_alone_and_never_kept(petition):
    draft = make_petition(slug="draft", status="draft")
    staff = log_in_with_second_factor(Client(), make_superuser())

    shown = staff.get(draft.get_absolute_url())
    refused = Client().get(draft.get_absolute_url())

    assert shown.status_code == 200
    assert "no-store" in shown["Cache-Control"]
    assert refused.status_code == 404


@pytest.mark.parametrize(
    ("name", "cold", "warm"),
    [("petitions:list", 2, 0), ("petitions:detail", 4, 0), ("signatures:count", 2, 0)],
)
def test_queries_per_page_are_fixed_and_none_once_the_page_is_kept(
    petition, django_assert_num_queries, name, cold, warm
):
    make_petition(slug="another")
    path = reverse(name) if name == "petitions:list" else reverse(name, args=[petition.slug])
    client = Client()

    with django_assert_num_queries(cold):
        client.get(path)
    with django_assert_num_queries(warm):
        client.get(path)


def test_the_page_is_made_again_once_its_seconds_are_up(petition, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    Client().get(petition.get_absolute_url())
    petition.title = "A new title"
    petition.save()

    assert "A new title" in Client().get(petition.get_absolute_url()).text


def test_staff_saving_a_petition_shows_the_change_at_once(petition, committed):
    admin = log_in_with_second_factor(Client(), make_superuser())
    Client().get(petition.get_absolute_url())
    Client().get(address_in("ko", petition))
    change = reverse("admin:petitions_petition_change", args=[petition.pk])
    form = admin.get(change).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, (list, dict))
    }
    data |= {"title": "A new title"}

    with committed():
        saved = admin.post(change, data | management_forms(admin.get(change)))

    assert saved.status_code == 302, saved.context["adminform"].form.errors
    assert "A new title" in Client().get(petition.get_absolute_url()).text
    assert "A new title" in Client().get(address_in("ko", petition)).text


def management_forms(page):
    data = {}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for field in management:
            data[field.html_name] = field.value()
    return data


def test_a_confirmation_shows_on_the_petition_page_and_count_json_at_once(
    petition, confirmed, committed
):
    count_url = reverse("signatures:count", args=[petition.slug])
    for path in (petition.get_absolute_url(), address_in("ko", petition), count_url):
        Client().get(path)

    confirmed(petition)

    assert "<strong data-count>1</strong>" in Client().get(petition.get_absolute_url()).text
    assert "<strong data-count>1</strong>" in Client().get(address_in("ko", petition)).text
    assert Client().get(count_url).json()["count"] == 1


def test_the_keys_of_a_petitions_pages_follow_the_languages_setting(settings):
    every_language = _page_keys("free-them", ())
    settings.LANGUAGES = [("en", "English")]

    english_only = _page_keys("free-them", ())

    assert len(every_language) == 3 * len(english_only)
    assert set(english_only) < set(every_language)
