"""Whatever is sent to the signing form, the confirm and manage pages or the signatures admin,
the answer is never a server error; what is refused says why."""

from urllib.parse import quote, urlencode

import pytest
from django.core import mail
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import confirmation_token, manage_path
from tests.factories import make_petition, sign_url, signing_form, staff_with
from tests.strategies import any_text, assert_answered, bounded, form_fields, near, odd_emails

pytestmark = pytest.mark.django_db

signing_values = {
    "full_name": st.one_of(st.just("Kim Min-ji"), any_text),
    "email": odd_emails,
    "country": st.one_of(st.sampled_from(["KR", "GB", "XX", "kr", "", "KRR"]), any_text),
    "town": any_text,
    "name_visibility": st.one_of(
        st.sampled_from(["public", "recipient", "anonymous", "PUBLIC"]), any_text
    ),
    "wants_updates": st.one_of(st.sampled_from(["on", "off", "true", ""]), any_text),
    "website": any_text,
    "altcha": any_text,
}
signing_fields = st.one_of(form_fields(signing_values), near(signing_form(), signing_values))
manage_fields = form_fields(
    {
        "action": st.one_of(
            st.sampled_from(["update", "stop_updates", "withdraw", "UPDATE", ""]), any_text
        ),
        "full_name": st.one_of(st.just("Lee Min-ho"), any_text),
        "town": any_text,
        "name_visibility": st.one_of(st.sampled_from(["public", "anonymous"]), any_text),
    }
)
SIGNATURE_LIST_PARAMETERS = (
    "status__exact",
    "suspicion__exact",
    "petition__id__exact",
    "name_visibility__exact",
    "created_at__year",
    "created_at__month",
    "created_at__day",
    "o",
    "p",
    "all",
    "e",
    "_to_field",
    "_popup",
)


def post(client, url, fields, urlencoded):
    if urlencoded:
        body = urlencode(fields, doseq=True)
        return client.post(url, body, content_type="application/x-www-form-urlencoded")
    return client.post(url, fields)


@pytest.fixture
def petition():
    return make_petition(title="Free them")


@pytest.fixture
def links(client, petition, committed):
    """A confirmed signature's confirm and manage links, as its signer holds them."""
    with committed():
        client.post(sign_url(petition), signing_form())
    token = confirmation_token(mail.outbox[0])
    with committed():
        client.post(reverse("signatures:confirm", args=[token]))
    return token, manage_path(mail.outbox[0]).split("/")[3]


@given(fields=signing_fields, urlencoded=st.booleans())
@bounded
def test_no_signing_form_gives_a_server_error(client, petition, fields, urlencoded):
    response = post(client, sign_url(petition), fields, urlencoded)

    assert_answered(response, 200, 302, 400, 413)
    if response.status_code == 200:
        assert "Please check the fields marked below." in response.text


@given(data=st.data())
@bounded
def test_no_confirm_link_gives_a_server_error(client, links, data):
    token = data.draw(st.one_of(st.just(links[0]), st.just(links[0][:-1]), any_text))
    method = data.draw(st.sampled_from(["get", "post"]))
    url = f"/s/confirm/{quote(token, safe='')}/"

    if method == "get":
        response = client.get(url, data.draw(form_fields({"token": any_text})))
    else:
        response = post(client, url, data.draw(form_fields({})), data.draw(st.booleans()))

    assert_answered(response, 200, 302, 400, 404, 409, 410)


@given(data=st.data())
@bounded
def test_no_manage_link_or_form_gives_a_server_error(client, links, data):
    # Mostly the signer's own link, whose page has a form to fill in; seldom its withdrawal,
    # after which there is none.
    token = data.draw(st.sampled_from([links[1], links[1], links[1][:-1]]) | any_text)
    page = data.draw(st.sampled_from(["", "", "", "withdraw/", "my-data.json"]))
    url = f"/s/manage/{quote(token, safe='')}/{page}"

    if data.draw(st.sampled_from(["get", "post"])) == "get":
        response = client.get(url, data.draw(form_fields({"action": any_text})))
    else:
        response = post(client, url, data.draw(manage_fields), data.draw(st.booleans()))
        if response.status_code == 200:
            assert "Please check the fields marked below." in response.text

    assert_answered(response, 200, 302, 400, 404, 405)


@pytest.fixture
def staff_client(client):
    return staff_with(client, "view_signature", "change_signature", "view_petition")


@given(
    q=any_text,
    parameters=st.dictionaries(
        st.one_of(st.sampled_from(SIGNATURE_LIST_PARAMETERS), any_text), any_text, max_size=3
    ),
)
@bounded
def test_no_search_or_filter_of_the_signatures_list_gives_a_server_error(
    staff_client, links, q, parameters
):
    response = staff_client.get(
        reverse("admin:signatures_signature_changelist"), parameters | {"q": q}
    )

    assert_answered(response, 200, 302, 400)
