import re
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from petitions.models import Petition
from petitions.public_pages import forget_local_pages
from signatures.display import unlinked
from signatures.identity import format_receipt, manage_token
from signatures.models import ConfirmationToken, Signature, Suspicion
from signatures.one_time import RECEIPT, SENT_TO
from signatures.services import signature_withdraw, signatures_anonymise_expired
from tests.conftest import confirmation_token, manage_path
from tests.factories import address_in, make_petition, sign_url, signing_form
from tests.linkifiers import links_in

pytestmark = pytest.mark.django_db


def cookies_kept(client) -> set[str]:
    """What the browser still holds besides its CSRF cookie; a deleted cookie is left empty."""
    return {
        name
        for name, cookie in client.cookies.items()
        if cookie.value and name != settings.CSRF_COOKIE_NAME
    }


@pytest.fixture
def petition():
    return make_petition(title="Free them", demands=["Open the border"])


def without_csrf(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", response.text)


def post_signature(client, petition, **overrides):
    return client.post(sign_url(petition), signing_form(**overrides))


def recent_signers(html):
    return re.search(r'<ul class="recent-signers">.*?</ul>', html, re.DOTALL).group()


class TestSigningForm:
    def test_open_petition_shows_a_labelled_form_with_recipient_only_as_default(
        self, client, petition
    ):
        html = client.get(petition.get_absolute_url()).text

        assert '<label for="id_full_name">Full name</label>' in html
        assert '<label for="id_email">Email address</label>' in html
        assert 'value="recipient" id="id_name_visibility_1" required checked' in html
        assert '<input type="checkbox" name="wants_updates" id="id_wants_updates">' in html
        assert reverse("petitions:privacy") in html
        assert "csrfmiddlewaretoken" not in html

    def test_the_consent_text_shows_its_version(self, client, petition, settings):
        settings.CONSENT_VERSION = "2027-01-15"

        html = client.get(petition.get_absolute_url()).text

        consent = re.search(r'<p class="consent">(.*?)</p>', html, re.DOTALL).group(1)
        assert "privacy notice" in consent
        assert "(Consent text of 2027-01-15)" in consent

    def test_the_trap_field_is_hidden_from_people_assistive_technology_and_the_tab_order(
        self, client, petition
    ):
        html = client.get(petition.get_absolute_url()).text

        trap = re.search(r'<div class="trap" aria-hidden="true">(.*?)</div>', html, re.DOTALL)
        assert '<label for="id_website">' in trap.group(1)
        assert re.search(
            r'<input type="text" name="website" autocomplete="off" tabindex="-1" id="id_website">',
            trap.group(1),
        )

    def test_cached_empty_form_follows_each_visitors_language_and_chooses_no_country(
        self, client, petition
    ):
        british = client.get(petition.get_absolute_url()).text
        korean = client.get(address_in("ko", petition)).text
        chinese = client.get(address_in("zh-hans", petition)).text
        cache.clear()
        forget_local_pages()
        british_again = client.get(petition.get_absolute_url()).text

        for html in (british, korean, chinese):
            assert re.findall(r'<option value="(\w*)" selected>', html) == [""]
        assert ">Full name</label>" not in korean
        assert british_again == british

    @pytest.mark.parametrize("status", [Petition.Status.CLOSED, Petition.Status.DELIVERED])
    def test_finished_petition_shows_no_form_and_refuses_a_post_politely(self, client, status):
        petition = make_petition(status=status)

        page = client.get(petition.get_absolute_url())
        response = post_signature(client, petition)

        assert 'name="full_name"' not in page.text
        assert response.status_code == 409
        assert '<p class="notice" role="alert">This petition is not accepting signatures.</p>' in (
            response.text
        )
        assert f'href="/ko{sign_url(petition)}"' in response.text  # the page knows its address
        assert Signature.objects.count() == 0

    def test_draft_refuses_a_post_with_404(self, client):
        draft = make_petition(status=Petition.Status.DRAFT)

        assert post_signature(client, draft).status_code == 404

    def test_signing_redirects_to_check_your_email(self, client, petition, committed):
        with committed():
            response = post_signature(client, petition)

        assert response.status_code == 302
        assert response["Location"] == reverse("signatures:check_email", args=[petition.slug])
        submission = ConfirmationToken.objects.get()
        assert submission.name_visibility == Signature.NameVisibility.PUBLIC
        assert submission.ip_address == "127.0.0.1"
        assert submission.language == "en"
        assert len(mail.outbox) == 1

    def test_a_forged_forwarded_for_header_is_not_recorded(self, client, petition):
        client.post(sign_url(petition), signing_form(), HTTP_X_FORWARDED_FOR="198.51.100.1")

        assert ConfirmationToken.objects.get().ip_address == "127.0.0.1"

    def test_duplicate_sees_exactly_the_same_page_as_a_new_signer(
        self, client, petition, committed
    ):
        with committed():
            first = post_signature(client, petition)
        first_page = without_csrf(client.get(first["Location"]))
        with committed():
            second = post_signature(client, petition, email="KIM@example.org")
        second_page = without_csrf(client.get(second["Location"]))

        assert first["Location"] == second["Location"]
        assert Signature.objects.count() == 1
        assert first_page == second_page.replace("KIM@example.org", "kim@example.org")

    def test_errors_are_shown_by_their_field_and_keep_what_was_typed(self, client, petition):
        response = post_signature(client, petition, full_name="=cmd", email="not-an-email")

        html = response.text
        assert response.status_code == 200
        assert '<p class="form-errors notice" role="alert">' in html
        assert 'id="id_full_name_error"' in html
        assert "cannot start with" in html
        assert 'id="id_email_error"' in html
        assert 'value="not-an-email"' in html
        assert 'value="Seoul"' in html
        # Sent from this site, as its Sec-Fetch-Site said: the form comes back without a token.
        assert "csrfmiddlewaretoken" not in html
        assert Signature.objects.count() == 0

    def test_errors_are_in_the_users_language(self, client, petition):
        response = client.post(
            address_in("ko", "signatures:sign", petition.slug), signing_form(email="")
        )

        assert "This field is required." not in response.text
        assert 'id="id_email_error"' in response.text

    @pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "same-origin"}, {}])
    def test_body_beyond_what_django_accepts_is_refused_before_it_is_read(self, petition, headers):
        client = Client(enforce_csrf_checks=True, headers=headers)

        response = post_signature(client, petition, full_name="x" * 600_000)

        assert response.status_code == 413
        assert "too large" in response.text
        assert Signature.objects.count() == 0

    def test_oversized_body_is_refused_with_a_message(self, client, petition):
        response = post_signature(client, petition, full_name="x" * 20_000)

        assert response.status_code == 413
        assert "too large" in response.text
        assert Signature.objects.count() == 0

    @pytest.mark.parametrize(
        "data",
        [
            {},
            {"full_name": ["a", "b"], "email": ["x@y.org", "z@y.org"]},
            {"country": "\x00", "email": "\x00@example.org", "full_name": "\u202e"},
            {"name_visibility": "x" * 500, "wants_updates": "maybe"},
        ],
    )
    def test_malformed_input_never_gives_a_500(self, client, petition, data):
        response = client.post(sign_url(petition), data)

        assert response.status_code == 200
        assert Signature.objects.count() == 0

    def test_undecodable_bytes_never_give_a_500(self, client, petition):
        response = client.post(
            sign_url(petition),
            b"full_name=%FF%FEAnna&email=anna%40example.org&country=KR&name_visibility=public",
            content_type="application/x-www-form-urlencoded",
        )

        assert response.status_code == 200
        assert Signature.objects.count() == 0


class TestCheckYourEmail:
    def test_the_page_shows_the_address_typed_and_the_url_does_not(self, client, petition):
        response = post_signature(client, petition, email="anna.lee@example.org")
        page = client.get(response["Location"])

        assert "anna" not in response["Location"]
        assert response["Location"] == reverse("signatures:check_email", args=[petition.slug])
        assert "We have sent an email to <strong>anna.lee@example.org</strong>" in page.text
        assert "no-store" in page["Cache-Control"]

    def test_the_address_is_shown_once_then_the_browser_keeps_no_trace_of_it(
        self, client, petition
    ):
        url = post_signature(client, petition, email="anna.lee@example.org")["Location"]
        client.get(url)

        again = client.get(url)

        assert again.status_code == 200
        assert "anna.lee" not in again.text
        assert "Check your email" in again.text
        assert cookies_kept(client) == set()
        assert not Session.objects.exists()

    def test_the_address_waits_sealed_in_the_browser_and_the_server_keeps_nothing(
        self, client, petition
    ):
        post_signature(client, petition, email="anna.lee@example.org")

        waiting = client.cookies[SENT_TO.cookie]

        assert cookies_kept(client) == {SENT_TO.cookie}
        assert "anna" not in waiting.value.lower()
        assert not Session.objects.exists()
        assert waiting["httponly"]
        assert waiting["samesite"] == "Lax"
        assert 0 < int(waiting["max-age"]) <= 30 * 60

    def test_an_altered_cookie_shows_no_address_and_is_dropped(self, client, petition):
        url = post_signature(client, petition, email="anna.lee@example.org")["Location"]
        sealed = client.cookies[SENT_TO.cookie].value
        client.cookies[SENT_TO.cookie] = (
            sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
        )

        page = client.get(url)

        assert page.status_code == 200
        assert "anna.lee" not in page.text
        assert "Check your email" in page.text
        assert cookies_kept(client) == set()

    def test_an_address_sealed_under_a_key_since_removed_is_left_out_of_the_page(
        self, client, petition, settings
    ):
        url = post_signature(client, petition, email="anna.lee@example.org")["Location"]
        settings.SIGNATURE_DATA_KEY = "S0VZS0VZS0VZS0VZS0VZS0VZS0VZS0VZS0VZS0VZS0U="

        page = client.get(url)

        assert page.status_code == 200
        assert "anna.lee" not in page.text
        assert "Check your email" in page.text

    def test_another_browser_never_sees_the_address(self, client, petition):
        url = post_signature(client, petition, email="anna.lee@example.org")["Location"]

        elsewhere = Client().get(url)

        assert "anna.lee" not in elsewhere.text
        assert "anna.lee" in client.get(url).text

    def test_the_address_is_not_shown_on_another_petitions_page_and_is_dropped(
        self, client, petition
    ):
        other = make_petition()
        url = post_signature(client, petition, email="anna.lee@example.org")["Location"]

        on_other = client.get(reverse("signatures:check_email", args=[other.slug]))

        assert "anna.lee" not in on_other.text
        assert "anna.lee" not in client.get(url).text

    def test_a_head_request_does_not_use_up_the_address(self, client, petition):
        url = post_signature(client, petition, email="anna.lee@example.org")["Location"]

        head = client.head(url)

        assert head.status_code == 405
        assert "anna.lee" in client.get(url).text

    def test_sign_again_leads_back_to_the_form(self, client, petition):
        url = post_signature(client, petition, email="anna.lee@example.org")["Location"]

        page = client.get(url).text

        link = f"{petition.get_absolute_url()}#sign"
        assert f'Wrong address? <a href="{link}">Sign again</a>' in page
        petition_page = client.get(petition.get_absolute_url()).text
        assert f'action="{sign_url(petition)}#sign"' in petition_page
        assert 'id="sign"' in petition_page


class TestConfirming:
    @pytest.fixture
    def token(self, client, petition, committed):
        with committed():
            post_signature(client, petition)
        return confirmation_token(mail.outbox[0])

    def test_get_on_the_link_never_confirms(self, client, token, petition):
        response = client.get(reverse("signatures:confirm", args=[token]))
        client.get(reverse("signatures:confirm", args=[token]))

        assert response.status_code == 200
        assert "Kim Min-ji" in response.text
        assert 'method="post"' in response.text
        assert Signature.objects.get().status == Signature.Status.PENDING

    def test_post_confirms_and_shows_the_receipt_and_share_block(
        self, client, token, petition, committed
    ):
        with committed():
            response = client.post(reverse("signatures:confirm", args=[token]), follow=True)

        signature = Signature.objects.get()
        assert signature.status == Signature.Status.CONFIRMED
        assert response.redirect_chain[-1][0] == reverse("signatures:thanks", args=[petition.slug])
        receipt = format_receipt(signature.receipt)
        assert receipt in response.text
        assert "Your signature on “Free them” is confirmed and counted." in response.text
        back = f'<a href="{petition.get_absolute_url()}?signed">Back to the petition</a>'
        assert back in response.text
        assert "Share this petition" in response.text
        assert 'href="https://wa.me/?text=' in response.text
        assert f'src="{reverse("petitions:qr_code", args=[petition.slug])}"' in response.text
        page = client.get(petition.get_absolute_url()).text
        assert "<strong data-count>1</strong>" in page
        assert "Kim · South Korea" in page
        assert "Min-ji" not in page

    def test_used_link_says_the_signature_is_already_confirmed(self, client, token, petition):
        url = reverse("signatures:confirm", args=[token])
        client.post(url)

        again = client.post(url)
        opened = client.get(url)

        for response in (again, opened):
            assert response.status_code == 200
            assert "already confirmed" in response.text
            assert f'href="{petition.get_absolute_url()}"' in response.text
            assert "Confirm my signature" not in response.text
        assert Signature.objects.get().status == Signature.Status.CONFIRMED

    def test_link_of_a_withdrawn_signature_no_longer_says_anything_about_it(self, client, token):
        url = reverse("signatures:confirm", args=[token])
        client.post(url)
        signature_withdraw(signature=Signature.objects.get())

        response = client.get(url)

        assert response.status_code == 410
        assert "already confirmed" not in response.text

    def test_expired_link_says_so_and_leads_back_to_the_petition(self, client, token, petition):
        from datetime import timedelta

        from django.utils import timezone

        long_ago = timezone.now() - timedelta(days=8)
        ConfirmationToken.objects.update(created_at=long_ago, sent_at=long_ago)

        response = client.post(reverse("signatures:confirm", args=[token]))

        assert response.status_code == 410
        assert "expired" in response.text
        assert f'href="{petition.get_absolute_url()}">Sign again</a>' in response.text

    def test_unknown_link_gets_a_clear_page_that_offers_signing_again(self, client):
        unknown = reverse("signatures:confirm", args=["no-such-token"])

        for response in (client.get(unknown), client.post(unknown)):
            assert response.status_code == 410
            assert "not complete" in response.text
            assert f'href="/ko{unknown}"' in response.text  # the page knows its address
            assert reverse("petitions:list") in response.text
            assert "Confirm my signature" not in response.text

    def test_a_used_link_page_can_switch_language_and_come_back(self, client, token):
        url = reverse("signatures:confirm", args=[token])
        client.post(url)

        html = client.get(url).text

        assert 'name="csrfmiddlewaretoken"' not in html
        assert f'<a href="/ko{url}" lang="ko"' in html

    def test_get_on_an_expired_link_says_so_without_confirming(self, client, token, petition):
        from datetime import timedelta

        from django.utils import timezone

        long_ago = timezone.now() - timedelta(days=8)
        ConfirmationToken.objects.update(created_at=long_ago, sent_at=long_ago)

        response = client.get(reverse("signatures:confirm", args=[token]))

        assert response.status_code == 410
        assert "expired" in response.text
        assert Signature.objects.get().status == Signature.Status.PENDING

    def test_thanks_page_without_a_confirmation_leads_back_to_the_petition(self, client, petition):
        response = client.get(reverse("signatures:thanks", args=[petition.slug]))

        assert response.status_code == 302
        assert response["Location"] == petition.get_absolute_url()

    def test_the_receipt_page_switches_language_to_itself(self, client, token, petition, committed):
        with committed():
            page = client.post(reverse("signatures:confirm", args=[token]), follow=True)

        thanks = reverse("signatures:thanks", args=[petition.slug])
        assert page.redirect_chain == [(thanks, 302)]
        assert f'href="/ko{thanks}"' in page.text

    def test_thanks_page_of_another_petition_shows_no_receipt(
        self, client, token, petition, committed
    ):
        other = make_petition(title="Another petition")
        with committed():
            client.post(reverse("signatures:confirm", args=[token]))

        response = client.get(reverse("signatures:thanks", args=[other.slug]))

        assert response.status_code == 302
        assert response["Location"] == other.get_absolute_url()
        receipt = format_receipt(Signature.objects.get().receipt)
        assert receipt not in client.get(response["Location"]).text

    def test_the_receipt_page_is_never_cached(self, client, token, committed):
        with committed():
            response = client.post(reverse("signatures:confirm", args=[token]), follow=True)

        assert Signature.objects.get().receipt[:5] in response.text
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]

    def test_receipt_is_shown_once_and_the_browser_keeps_no_trace_of_signing(
        self, client, token, petition, committed
    ):
        with committed():
            client.post(reverse("signatures:confirm", args=[token]), follow=True)
        receipt = Signature.objects.get().receipt

        again = client.get(reverse("signatures:thanks", args=[petition.slug]), follow=True)

        assert receipt[:5] not in again.text
        assert "Thank you for signing" not in again.text
        assert cookies_kept(client) == set()
        assert not Session.objects.exists()

    def test_the_receipt_waits_sealed_in_the_browser(self, client, token, committed):
        with committed():
            client.post(reverse("signatures:confirm", args=[token]))
        receipt = Signature.objects.get().receipt

        waiting = client.cookies[RECEIPT.cookie].value

        assert receipt not in waiting.upper()
        assert receipt[:5] not in waiting.upper()
        assert not Session.objects.exists()

    def test_a_head_request_does_not_use_up_the_receipt(self, client, token, petition, committed):
        with committed():
            client.post(reverse("signatures:confirm", args=[token]))

        head = client.head(reverse("signatures:thanks", args=[petition.slug]))
        page = client.get(reverse("signatures:thanks", args=[petition.slug]))

        assert head.status_code == 405
        assert Signature.objects.get().receipt[:5] in page.text


class TestNamesShownPublicly:
    @pytest.mark.parametrize("visibility", ["recipient", "anonymous"])
    def test_signers_who_did_not_choose_to_be_shown_are_not_listed(
        self, client, petition, confirmed, visibility
    ):
        confirmed(petition, full_name="Hidden Person", name_visibility=visibility)

        html = client.get(petition.get_absolute_url()).text

        assert "Hidden" not in html
        assert "<strong data-count>1</strong>" in html

    def test_a_name_that_looks_like_an_address_is_listed_but_never_as_a_link(
        self, client, petition, confirmed
    ):
        for name in ("www.evil.com Smith", "Mary Jo.me"):
            confirmed(petition, full_name=name, name_visibility="public")

        listed = recent_signers(client.get(petition.get_absolute_url()).text)

        assert re.findall(r"<li>(.*?) · ", listed) == ["Mary", unlinked("www.evil.com")]
        assert "<a" not in listed
        assert links_in(listed) == []

    def test_names_are_listed_in_a_form_that_suits_their_script(self, client, petition, confirmed):
        for name in ("김민준", "王小明", "山田 花子", "Madonna Ciccone", "Madonna"):
            confirmed(petition, full_name=name, name_visibility="public")

        listed = recent_signers(client.get(petition.get_absolute_url()).text)

        shown = ["M.", "Madonna", "山田", "王○○", "김○○"]
        assert re.findall(r"<li>(.*?) · ", listed) == [unlinked(name) for name in shown]

    def test_the_ten_latest_public_signers_are_listed_newest_first(
        self, client, petition, confirmed
    ):
        names = [f"Signer{n:02} Lee" for n in range(12)]
        for name in names:
            confirmed(petition, full_name=name, name_visibility="public")

        html = client.get(petition.get_absolute_url()).text

        listed = re.findall(r"Signer\d\d", html)
        assert listed == [name.split()[0] for name in reversed(names[2:])]

    def test_emails_are_never_shown(self, client, petition, confirmed):
        confirmed(petition, email="secret.person@example.org", name_visibility="public")

        html = client.get(petition.get_absolute_url()).text

        assert "secret.person" not in html


def test_the_confirm_and_manage_pages_show_a_link_like_name_and_town_unlinked(
    client, petition, committed
):
    with committed():
        post_signature(client, petition, full_name="Dr. Li.Co", town="evil-site.de")
    token = confirmation_token(mail.outbox[0])
    confirm_page = client.get(reverse("signatures:confirm", args=[token])).text
    with committed():
        client.post(reverse("signatures:confirm", args=[token]))
    manage_page = client.get(manage_path(mail.outbox[0])).text

    for html in (confirm_page, manage_page):
        details = re.findall(r'<dl class="facts">.*?</dl>', html, re.DOTALL)[-1]
        assert unlinked("Dr. Li.Co") in details
        assert unlinked("evil-site.de") in details
        assert "<a" not in details
        assert links_in(details) == []


def test_a_suspected_signer_sees_exactly_what_any_other_signer_sees(client, petition, committed):
    def sign_and_confirm(email, suspicion):
        with committed():
            post_signature(client, petition, email=email)
        ConfirmationToken.objects.filter(signature__in=Signature.objects.with_email(email)).update(
            suspicion=suspicion
        )
        token = confirmation_token(mail.outbox[-1])
        with committed():
            thanks = client.post(reverse("signatures:confirm", args=[token]), follow=True)
        again = client.get(reverse("signatures:confirm", args=[token]))
        manage = client.get(manage_path(mail.outbox[-1]))
        signature = Signature.objects.with_email(email).get()
        pages = "\n".join(without_csrf(page) for page in (thanks, again, manage))
        for own in (email, token, format_receipt(signature.receipt)):
            pages = pages.replace(own, "OWN")
        return signature, pages.replace(manage_token(signature.public_id), "OWN")

    _, clean = sign_and_confirm("kim@example.org", "")
    held, suspected = sign_and_confirm("lee@example.org", Suspicion.BAD_CHALLENGE)

    assert held.status == Signature.Status.SUSPECTED
    assert suspected == clean
    assert "Thank you for signing" in suspected
    assert "Confirmed" in suspected


class TestManaging:
    @pytest.fixture
    def manage_url(self, client, petition, committed):
        with committed():
            post_signature(client, petition, wants_updates="on")
        token = confirmation_token(mail.outbox[0])
        with committed():
            client.post(reverse("signatures:confirm", args=[token]))
        return manage_path(mail.outbox[0])

    def test_manage_page_shows_status_and_receipt(self, client, manage_url, petition):
        response = client.get(manage_url)

        assert response.status_code == 200
        assert "Confirmed" in response.text
        assert f"<code>{format_receipt(Signature.objects.get().receipt)}</code>" in response.text
        assert f'<a href="{petition.get_absolute_url()}">Free them</a>' in response.text
        assert "Withdraw my signature" in response.text

    def test_manage_page_is_never_cached(self, client, manage_url):
        response = client.get(manage_url)

        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]

    @pytest.fixture
    def withdraw_url(self, manage_url):
        return reverse("signatures:withdraw", kwargs=resolve(manage_url).kwargs)

    @pytest.fixture
    def withdrawals(self, monkeypatch):
        calls = []

        def counted(**kwargs):
            calls.append(kwargs)
            return signature_withdraw(**kwargs)

        monkeypatch.setattr("signatures.views.signature_withdraw", counted)
        return calls

    def test_withdraw_button_asks_first_and_says_what_will_be_erased(
        self, client, manage_url, withdraw_url, petition, withdrawals
    ):
        manage_page = client.get(manage_url).text

        asking = client.get(withdraw_url)
        client.get(withdraw_url)

        assert f'href="{withdraw_url}"' in manage_page
        assert asking.status_code == 200
        for erased in ("Name", "Email address", "Town or postcode", "IP address"):
            assert f"<li>{erased}</li>" in asking.text
        assert "stop counting" in asking.text
        assert "cannot be undone" in asking.text
        assert '<form method="post">' in asking.text
        assert "Yes, withdraw and erase" in asking.text
        assert re.search(rf'<a href="{manage_url}"[^>]*>Keep my signature</a>', asking.text)
        assert withdrawals == []
        signature = Signature.objects.get()
        assert signature.status == Signature.Status.CONFIRMED
        assert (signature.full_name, signature.email) == ("Kim Min-ji", "kim@example.org")
        assert "<strong data-count>1</strong>" in client.get(petition.get_absolute_url()).text

    def test_withdraw_action_of_an_older_manage_page_only_asks(
        self, client, manage_url, withdraw_url, withdrawals
    ):
        response = client.post(manage_url, {"action": "withdraw"})

        assert response["Location"] == withdraw_url
        assert withdrawals == []
        assert Signature.objects.get().status == Signature.Status.CONFIRMED

    def test_confirming_withdraws_erases_and_uncounts(
        self, client, manage_url, withdraw_url, petition, committed, withdrawals
    ):
        with committed():
            response = client.post(withdraw_url, follow=True)

        assert len(withdrawals) == 1
        assert response.redirect_chain == [(manage_url, 302)]
        assert "Your signature has been withdrawn and your details erased." in response.text
        signature = Signature.objects.get()
        assert signature.status == Signature.Status.WITHDRAWN
        assert (signature.full_name, signature.email, signature.town) == ("", "", "")
        assert signature.ip_address is None
        assert "<strong data-count>0</strong>" in client.get(petition.get_absolute_url()).text

    def test_a_withdrawn_signature_is_not_asked_about_or_withdrawn_again(
        self, client, manage_url, withdraw_url, withdrawals
    ):
        client.post(withdraw_url)

        asking = client.get(withdraw_url)
        again = client.post(withdraw_url)

        assert asking["Location"] == manage_url
        assert again["Location"] == manage_url
        assert len(withdrawals) == 1

    def test_withdraw_page_is_private_and_never_cached(self, client, withdraw_url):
        response = client.get(withdraw_url)

        assert '<meta name="robots" content="noindex">' in response.text
        assert "no-store" in response["Cache-Control"]

    def test_withdrawing_without_the_csrf_token_is_refused(self, manage_url, withdraw_url):
        response = Client(enforce_csrf_checks=True).post(withdraw_url)

        assert response.status_code == 403
        assert Signature.objects.get().status == Signature.Status.CONFIRMED

    @pytest.mark.parametrize("token", ["forged.token", manage_token(uuid.UUID(int=1)), "x" * 300])
    def test_withdraw_page_of_an_unknown_token_is_404(self, client, manage_url, token):
        url = f"/s/manage/{token}/withdraw/"

        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
        assert Signature.objects.get().status == Signature.Status.CONFIRMED

    def test_stopping_updates(self, client, manage_url):
        client.post(manage_url, {"action": "stop_updates"})

        assert Signature.objects.get().wants_updates is False

    def test_unknown_action_changes_nothing(self, client, manage_url):
        response = client.post(manage_url, {"action": "delete-everything"}, follow=True)

        assert Signature.objects.get().status == Signature.Status.CONFIRMED
        assert "choose one of the buttons" in response.text

    def test_forged_token_is_404(self, client):
        assert client.get("/s/manage/forged.token/").status_code == 404

    @pytest.fixture
    def erased(self, manage_url, petition):
        """The petition closed long ago, and its signers' details were erased."""
        Petition.objects.filter(pk=petition.pk).update(
            status=Petition.Status.CLOSED, closed_at=timezone.now() - timedelta(days=181)
        )
        signatures_anonymise_expired()
        return Signature.objects.get()

    def test_an_erased_signer_is_told_so_and_offered_nothing_to_change(
        self, client, manage_url, erased
    ):
        page = client.get(manage_url).text

        assert "The petition's retention period is over" in page
        assert f"<code>{format_receipt(erased.receipt)}</code>" in page
        assert 'name="full_name"' not in page
        assert "Withdraw my signature" not in page

    def test_an_erased_signer_cannot_post_their_details_back(self, client, manage_url, erased):
        response = client.post(
            manage_url,
            {"action": "update", "full_name": "Kim", "town": "Seoul", "name_visibility": "public"},
            follow=True,
        )

        assert "This signature can no longer be changed." in response.text
        erased.refresh_from_db()
        assert (erased.full_name, erased.town) == ("", "")

    def test_an_erased_signature_is_not_withdrawn(
        self, client, manage_url, withdraw_url, erased, withdrawals
    ):
        asking = client.get(withdraw_url)
        posted = client.post(withdraw_url)

        assert asking["Location"] == posted["Location"] == manage_url
        assert withdrawals == []
        assert Signature.objects.get().status == Signature.Status.CONFIRMED


def test_opening_the_signing_address_leads_to_the_petitions_form(client):
    petition = make_petition()

    response = client.get(sign_url(petition))

    assert response.status_code == 302
    assert response["Location"] == petition.get_absolute_url() + "#sign"


@pytest.mark.parametrize("page", ["signatures:check_email", "signatures:thanks"])
def test_pages_after_signing_are_404_for_a_draft(client, page):
    draft = make_petition(status=Petition.Status.DRAFT)

    response = client.get(reverse(page, args=[draft.slug]))

    assert response.status_code == 404


class TestDownloadingMyData:
    """The manage page's "Download my data": everything stored about the signer, as JSON."""

    @pytest.fixture(autouse=True)
    def _versioned_site(self, settings):
        settings.SITE_URL = "https://petitions.example.org"
        settings.CONSENT_VERSION = "2027-01-15"

    def data_url(self, message):
        manage_url = manage_path(message)
        return reverse("signatures:my_data", kwargs=resolve(manage_url).kwargs)

    def sign_and_confirm(self, client, petition, committed, **overrides):
        with committed():
            post_signature(client, petition, wants_updates="on", **overrides)
        with committed():
            client.post(reverse("signatures:confirm", args=[confirmation_token(mail.outbox[-1])]))
        return self.data_url(mail.outbox[-1])

    def test_the_manage_page_links_to_the_download(self, client, petition, committed):
        data_url = self.sign_and_confirm(client, petition, committed)

        page = client.get(manage_path(mail.outbox[0])).text

        link = f'<a href="{data_url}" class="button-secondary" download>Download my data</a>'
        assert link in page

    def test_a_confirmed_signer_gets_everything_stored_about_them(
        self, client, petition, committed
    ):
        data_url = self.sign_and_confirm(client, petition, committed)

        response = client.get(data_url)

        signature = Signature.objects.get()
        assert response.status_code == 200
        assert response.json() == {
            "petition": {
                "title": "Free them",
                "address": f"https://petitions.example.org/petitions/{petition.slug}/",
            },
            "signature": {
                "full_name": "Kim Min-ji",
                "email": "kim@example.org",
                "country": "KR",
                "town": "Seoul",
                "name_visibility": "public",
                "wants_updates": True,
                "language": "en",
                "ip_address": "127.0.0.1",
                "consent_version": "2027-01-15",
                "status": "confirmed",
                "receipt": format_receipt(signature.receipt),
                "emails_sent": 1,
                "signed_at": signature.created_at.isoformat(),
                "confirmed_at": signature.confirmed_at.isoformat(),
                "withdrawn_at": None,
                "details_erased_at": None,
            },
            "submissions": [],
        }

    def test_the_download_is_a_private_attachment(self, client, petition, committed):
        data_url = self.sign_and_confirm(client, petition, committed)

        response = client.get(data_url)

        receipt = format_receipt(Signature.objects.get().receipt)
        assert response["Content-Type"] == "application/json"
        assert response["Content-Disposition"] == f'attachment; filename="signature-{receipt}.json"'
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        assert response["X-Robots-Tag"] == "noindex"

    def test_names_in_any_script_are_written_as_they_are(self, client, petition, committed):
        data_url = self.sign_and_confirm(client, petition, committed, full_name="김민지")

        response = client.get(data_url)

        assert '"full_name": "김민지"' in response.content.decode()

    def test_an_unconfirmed_signer_gets_each_submission_without_its_links_hash(
        self, client, petition, committed
    ):
        with committed():
            post_signature(client, petition, town="Seoul")
        with committed():
            post_signature(client, petition, town="Busan", name_visibility="anonymous")
        first, second = ConfirmationToken.objects.order_by("created_at", "pk")

        data = client.get(self.data_url(mail.outbox[-1])).json()

        assert data["signature"]["status"] == "pending"
        assert data["signature"]["confirmed_at"] is None
        assert data["signature"]["emails_sent"] == 2
        assert [(s["town"], s["name_visibility"]) for s in data["submissions"]] == [
            ("Seoul", "public"),
            ("Busan", "anonymous"),
        ]
        assert data["submissions"][1] == {
            "full_name": "Kim Min-ji",
            "email": "kim@example.org",
            "country": "KR",
            "town": "Busan",
            "name_visibility": "anonymous",
            "wants_updates": False,
            "language": "en",
            "ip_address": "127.0.0.1",
            "consent_version": "2027-01-15",
            "created_at": second.created_at.isoformat(),
            "sent_at": second.sent_at.isoformat(),
        }
        assert first.token_hash not in str(data)
        assert second.token_hash not in str(data)

    def test_a_suspected_signer_is_told_nothing_of_the_suspicion(self, client, petition, committed):
        with committed():
            post_signature(client, petition)
        ConfirmationToken.objects.update(suspicion=Suspicion.BAD_CHALLENGE)
        with committed():
            client.post(reverse("signatures:confirm", args=[confirmation_token(mail.outbox[0])]))

        response = client.get(self.data_url(mail.outbox[0]))

        assert Signature.objects.get().status == Signature.Status.SUSPECTED
        assert response.json()["signature"]["status"] == "confirmed"
        for told in ("suspect", Suspicion.BAD_CHALLENGE.value, "challenge"):
            assert told not in response.content.decode()

    def test_after_the_retention_period_the_signer_is_told_when_the_details_were_erased(
        self, client, petition, committed
    ):
        data_url = self.sign_and_confirm(client, petition, committed)
        petition.status = Petition.Status.CLOSED
        petition.save()
        Petition.objects.filter(pk=petition.pk).update(
            closed_at=timezone.now() - timedelta(days=petition.retention_days + 1)
        )
        signatures_anonymise_expired()

        response = client.get(data_url)

        signature = Signature.objects.get()
        data = response.json()["signature"]
        assert data["details_erased_at"] == signature.anonymised_at.isoformat()
        assert (data["full_name"], data["email"], data["town"], data["ip_address"]) == (
            "",
            "",
            "",
            None,
        )
        assert data["status"] == "confirmed"

    def test_after_withdrawing_the_signer_gets_what_is_left(self, client, petition, committed):
        data_url = self.sign_and_confirm(client, petition, committed)
        withdraw_url = reverse("signatures:withdraw", kwargs=resolve(data_url).kwargs)
        with committed():
            client.post(withdraw_url)

        response = client.get(data_url)

        signature = Signature.objects.get()
        data = response.json()["signature"]
        assert response.status_code == 200
        assert data["status"] == "withdrawn"
        assert data["withdrawn_at"] == signature.withdrawn_at.isoformat()
        assert data["country"] == "KR"
        assert (data["full_name"], data["email"], data["town"]) == ("", "", "")
        assert (data["ip_address"], data["wants_updates"]) == (None, False)
        assert response.json()["submissions"] == []

    @pytest.mark.parametrize("token", ["forged.token", manage_token(uuid.UUID(int=1)), "x" * 300])
    def test_an_unknown_link_gets_the_same_page_as_the_manage_page(self, client, token):
        download = client.get(f"/s/manage/{token}/my-data.json")
        manage = client.get(f"/s/manage/{token}/")

        heading = re.compile(r"<h1>.*?</h1>", re.DOTALL)
        assert download.status_code == manage.status_code == 404
        assert download["Content-Type"].startswith("text/html")
        assert heading.search(download.text).group() == heading.search(manage.text).group()

    def test_only_reading_is_allowed(self, client, petition, committed):
        data_url = self.sign_and_confirm(client, petition, committed)

        assert client.post(data_url).status_code == 405
