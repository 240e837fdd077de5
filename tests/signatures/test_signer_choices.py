"""A signature holds exactly what the mailbox owner confirmed, whoever else signed first."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from signatures.models import Signature
from signatures.selectors import petition_counts, recent_public_signers
from signatures.services import SignatureError
from tests.conftest import confirmation_token, manage_path
from tests.factories import browser, make_petition, sign_url, signing_form

pytestmark = pytest.mark.django_db

STRANGER = signing_form(
    full_name="Minji Kim",
    email="minji@example.org",
    country="KP",
    town="Hyesan",
    name_visibility="public",
    wants_updates="on",
)
VICTIM = signing_form(
    full_name="Kim Min-ji",
    email="minji@example.org",
    country="KR",
    town="",
    name_visibility="anonymous",
)


@pytest.fixture
def petition():
    return make_petition(title="Free them", demands=["Stop returns"])


def sign_from_a_browser(petition, data, committed):
    with committed():
        response = browser().post(sign_url(petition), data)
    assert response.status_code == 302
    return mail.outbox[-1]


def confirm_from(message, committed):
    client = Client()
    token = confirmation_token(message)
    page = client.get(reverse("signatures:confirm", args=[token]))
    with committed():
        client.post(reverse("signatures:confirm", args=[token]))
    return page


def test_a_stranger_who_signed_first_cannot_decide_what_the_owners_signature_shows(
    client, petition, committed
):
    sign_from_a_browser(petition, STRANGER, committed)
    owners_email = sign_from_a_browser(petition, VICTIM, committed)

    assert "Hello Kim Min-ji" in owners_email.body
    assert "Minji Kim" not in owners_email.body
    assert "South Korea" in owners_email.body
    assert "never shared" in owners_email.body
    page = confirm_from(owners_email, committed)

    assert "Kim Min-ji" in page.text
    assert "South Korea" in page.text
    signature = Signature.objects.get()
    assert signature.status == Signature.Status.CONFIRMED
    assert (signature.full_name, signature.country.code, signature.town) == ("Kim Min-ji", "KR", "")
    assert signature.name_visibility == Signature.NameVisibility.ANONYMOUS
    assert signature.wants_updates is False
    assert petition_counts(petition).by_country == [("KR", 1)]
    assert "Minji" not in client.get(petition.get_absolute_url()).text
    assert recent_public_signers(petition) == []


def test_the_strangers_email_says_what_confirming_it_would_record(petition, committed):
    strangers_email = sign_from_a_browser(petition, STRANGER, committed)

    assert "Minji Kim" in strangers_email.body
    assert "North Korea" in strangers_email.body
    assert "Hyesan" in strangers_email.body
    assert "If you did not sign" in strangers_email.body


def test_an_honest_change_of_mind_before_confirming_is_what_counts(petition, committed):
    sign_from_a_browser(petition, VICTIM | {"name_visibility": "public"}, committed)
    latest = sign_from_a_browser(
        petition, VICTIM | {"name_visibility": "recipient", "town": "Busan"}, committed
    )

    confirm_from(latest, committed)

    signature = Signature.objects.get()
    assert signature.name_visibility == Signature.NameVisibility.RECIPIENT
    assert signature.town == "Busan"


def test_each_email_confirms_the_details_it_showed(petition, committed):
    earlier = sign_from_a_browser(petition, VICTIM | {"town": "Seoul"}, committed)
    sign_from_a_browser(petition, VICTIM | {"town": "Busan"}, committed)

    confirm_from(earlier, committed)

    assert Signature.objects.get().town == "Seoul"


def test_nothing_of_a_pending_submission_is_kept_on_the_signature_before_confirming(
    petition, committed
):
    sign_from_a_browser(petition, STRANGER, committed)

    signature = Signature.objects.get()
    assert (signature.full_name, signature.email, signature.town) == ("", "", "")


def test_a_confirmed_signer_who_signs_again_is_led_to_change_their_details_themselves(
    client, petition, committed
):
    confirm_from(sign_from_a_browser(petition, VICTIM, committed), committed)

    reminder = sign_from_a_browser(petition, STRANGER, committed)

    signature = Signature.objects.get()
    assert signature.full_name == "Kim Min-ji"
    assert signature.country.code == "KR"
    assert "already signed" in reminder.subject
    manage = manage_path(reminder)
    page = client.get(manage).text
    assert "Kim Min-ji" in page
    assert "South Korea" in page
    with committed():
        response = client.post(
            manage,
            {
                "action": "update",
                "full_name": "Min-ji K.",
                "town": "Incheon",
                "name_visibility": "public",
            },
        )
    assert response.status_code == 302
    signature.refresh_from_db()
    assert (signature.full_name, signature.town) == ("Min-ji K.", "Incheon")
    assert signature.name_visibility == Signature.NameVisibility.PUBLIC
    assert "Min-ji · South Korea" in client.get(petition.get_absolute_url()).text


def test_changing_details_on_the_manage_page_is_checked_like_signing(client, petition, committed):
    confirm_from(sign_from_a_browser(petition, VICTIM, committed), committed)
    manage = manage_path(mail.outbox[0])

    response = client.post(
        manage, {"action": "update", "full_name": "=HYPERLINK()", "name_visibility": "public"}
    )

    assert response.status_code == 200
    assert "cannot start with" in response.text
    assert Signature.objects.get().full_name == "Kim Min-ji"


@pytest.mark.parametrize("language", ["en", "ko", "zh-hans"])
def test_no_country_is_chosen_for_the_signer(client, petition, language):
    html = client.get(
        petition.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=f"{language},en-GB;q=0.5"
    ).text

    assert "selected>" not in html.split('name="country"')[1].split("</select>")[0].replace(
        '<option value="" selected>', ""
    )


@pytest.mark.parametrize(
    "spelling", ["dup@bücher.de", "dup@xn--bcher-kva.de", '"dup"@xn--bcher-kva.de', "DUP@BÜCHER.DE"]
)
def test_one_mailbox_signs_once_whatever_the_spelling(petition, committed, spelling):
    sign_from_a_browser(petition, VICTIM | {"email": "dup@bücher.de"}, committed)
    confirm_from(mail.outbox[-1], committed)

    with committed():
        browser().post(sign_url(petition), VICTIM | {"email": spelling})

    assert Signature.objects.count() == 1
    assert "already signed" in mail.outbox[-1].subject


def test_the_reminder_is_in_the_signers_language_whoever_asks(petition, committed):
    confirm_from(sign_from_a_browser(petition, VICTIM, committed), committed)

    with committed():
        browser().post(sign_url(petition), STRANGER, HTTP_ACCEPT_LANGUAGE="ko")

    assert "already signed" in mail.outbox[-1].subject


def test_a_signature_withdrawn_while_its_details_are_edited_gives_a_message(
    client, petition, committed, monkeypatch
):
    confirm_from(sign_from_a_browser(petition, VICTIM, committed), committed)
    manage = manage_path(mail.outbox[0])

    def withdrawn_meanwhile(**kwargs):
        raise SignatureError

    monkeypatch.setattr("signatures.views.signature_update_details", withdrawn_meanwhile)
    response = client.post(
        manage,
        {"action": "update", "full_name": "Min-ji", "name_visibility": "public"},
        follow=True,
    )

    assert response.status_code == 200
    assert "can no longer be changed" in response.text
