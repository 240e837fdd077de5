import re
from datetime import timedelta

import pytest
from django.urls import reverse

from petitions.models import Petition
from tests.factories import address_in, make_petition, make_staff

pytestmark = pytest.mark.django_db


class TestPetitionList:
    def test_lists_open_petitions_most_signed_first(self, client, confirmed):
        quiet = make_petition(title="Quiet petition")
        popular = make_petition(title="Popular petition")
        confirmed(popular)

        response = client.get(reverse("petitions:list"))

        html = response.text
        assert response.status_code == 200
        assert html.index("Popular petition") < html.index("Quiet petition")
        assert quiet.get_absolute_url() in html

    def test_links_closed_and_delivered_petitions_but_hides_drafts(self, client):
        closed = make_petition(title="Closed one", status=Petition.Status.CLOSED)
        delivered = make_petition(title="Delivered one", status=Petition.Status.DELIVERED)
        make_petition(title="Secret draft", status=Petition.Status.DRAFT)

        html = client.get(reverse("petitions:list")).text

        assert closed.get_absolute_url() in html
        assert delivered.get_absolute_url() in html
        assert "Secret draft" not in html


class TestPetitionDetail:
    def test_shows_the_petition_with_its_demands_in_order(self, client):
        petition = make_petition(
            title="Free them", target="The Government of Elsewhere", demands=["First", "Second"]
        )

        response = client.get(petition.get_absolute_url())

        assert response.status_code == 200
        html = response.text
        assert '<h1 lang="en">Free them</h1>' in html
        assert "The Government of Elsewhere" in html
        assert html.index("<li>First</li>") < html.index("<li>Second</li>")
        assert '<progress value="0" max="100"' in html
        assert 'property="og:title" content="Free them"' in html
        assert 'name="twitter:card"' in html
        assert "mailto:?subject=" in html

    def test_petition_text_is_marked_with_its_own_language(self, client):
        petition = make_petition(language="en")

        html = client.get(address_in("ko", petition)).text

        assert '<html lang="ko">' in html
        assert f'<h1 lang="en">{petition.title}</h1>' in html
        assert '<div class="body" lang="en">' in html

    def test_petition_past_its_deadline_reads_as_closed_and_takes_no_signatures(self, client):
        from datetime import timedelta

        from django.utils import timezone

        petition = make_petition(
            opens_at=timezone.now() - timedelta(days=5),
            closes_at=timezone.now() - timedelta(days=1),
        )

        html = client.get(petition.get_absolute_url()).text

        assert "<dt>Status</dt><dd>Closed</dd>" in html
        assert 'name="full_name"' not in html

    def test_petition_that_opens_later_says_when(self, client):
        from datetime import timedelta

        from django.utils import timezone

        petition = make_petition(opens_at=timezone.now() + timedelta(days=3))

        html = client.get(petition.get_absolute_url()).text

        assert "Signing opens on" in html
        assert 'name="full_name"' not in html

    def test_draft_answers_404_to_the_public(self, client):
        draft = make_petition(status=Petition.Status.DRAFT)

        response = client.get(draft.get_absolute_url())

        assert response.status_code == 404
        assert "Page not found" in response.text

    def test_staff_can_preview_a_draft_with_a_banner(self, client):
        draft = make_petition(status=Petition.Status.DRAFT)
        client.force_login(make_staff())

        response = client.get(draft.get_absolute_url())

        assert response.status_code == 200
        assert "banner-draft" in response.text
        assert "Only staff can see this petition" in response.text

    def test_open_petition_has_no_draft_banner(self, client):
        client.force_login(make_staff())

        response = client.get(make_petition().get_absolute_url())

        assert "banner-draft" not in response.text

    def test_other_methods_are_refused_not_crashed(self, client):
        petition = make_petition()

        assert client.delete(petition.get_absolute_url()).status_code == 405
        assert client.put(reverse("signatures:count", args=[petition.slug])).status_code == 405

    def test_unknown_petition_is_404(self, client):
        assert client.get("/petitions/no-such-thing/").status_code == 404


class TestTranslations:
    @pytest.mark.parametrize(("html_lang", "expected"), [("ko", "서명"), ("zh-hans", "签名")])
    def test_interface_is_served_in_the_language_of_the_address(self, client, html_lang, expected):
        petition = make_petition(title="Title as written")

        html = client.get(address_in(html_lang, petition)).text

        assert f'<html lang="{html_lang}">' in html
        assert expected in html
        assert "Sign this petition" not in html
        assert "Title as written" in html

    def test_the_browsers_languages_do_not_change_a_page_that_everyone_shares(self, client):
        petition = make_petition()

        response = client.get(petition.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ko")

        assert '<html lang="en">' in response.text
        assert response.headers["Content-Language"] == "en"
        assert "Vary" not in response.headers

    def test_the_language_switcher_links_to_the_same_page_in_each_language(self, client):
        petition = make_petition()

        korean = client.get(address_in("ko", petition))
        english_link = re.search(r'<a href="([^"]+)" lang="en"', korean.text).group(1)
        chinese_link = re.search(r'<a href="([^"]+)" lang="zh-hans"', korean.text).group(1)

        assert english_link == petition.get_absolute_url()
        assert chinese_link == f"/zh-hans{petition.get_absolute_url()}"
        assert '<html lang="zh-hans">' in client.get(chinese_link).text
        assert (
            "<form"
            not in re.search(r'<nav class="language-switcher".*?</nav>', korean.text, re.S).group()
        )


class TestCountJson:
    def test_returns_the_confirmed_count_and_is_cacheable(self, client, confirmed):
        petition = make_petition(goal=500)
        confirmed(petition, country="KR")

        response = client.get(reverse("signatures:count", args=[petition.slug]))

        assert response.json() == {
            "slug": petition.slug,
            "count": 1,
            "goal": 500,
            "countries": 1,
        }
        assert "max-age=5" in response["Cache-Control"]
        assert "public" in response["Cache-Control"]

    def test_draft_count_is_404(self, client):
        draft = make_petition(status=Petition.Status.DRAFT)

        assert client.get(reverse("signatures:count", args=[draft.slug])).status_code == 404


class TestPrivacyNotice:
    @pytest.fixture
    def controller(self, settings):
        settings.PRIVACY_CONTROLLER_NAME = "Friends of Refugees Ltd"
        settings.PRIVACY_CONTROLLER_ADDRESS = ["PO Box 42", "Leeds", "LS1 1AA"]
        settings.PRIVACY_CONTACT_EMAIL = "dpo@friends.example"
        settings.PRIVACY_SUPERVISORY_AUTHORITY = "Data Protection Commission"
        settings.PRIVACY_SUPERVISORY_AUTHORITY_URL = "https://forms.dataprotection.ie/contact"
        settings.SIGNATURE_CONFIRMATION_TTL = timedelta(days=5)
        settings.SIGNATURE_RETENTION = timedelta(days=90)
        # Every page's footer names the site's own organisation and contact address.
        settings.SITE_ORGANISATION_NAME = "Friends of Refugees"
        settings.SITE_CONTACT_EMAIL = "hello@friends.example"
        return settings

    def test_names_the_controller_contact_periods_and_authority_from_settings(
        self, client, controller
    ):
        html = client.get(reverse("petitions:privacy")).text

        assert "Friends of Refugees Ltd" in html
        assert "<address>PO Box 42<br>Leeds<br>LS1 1AA</address>" in html
        assert '<a href="mailto:dpo@friends.example">dpo@friends.example</a>' in html
        assert "link expires, 5 days after it was sent" in html
        assert "and then for 90 days" in html
        assert "Data Protection Commission" in html
        assert 'href="https://forms.dataprotection.ie/contact"' in html
        assert "example.org" not in html
        assert "ico.org.uk" not in html

    def test_states_the_period_that_a_new_petition_keeps_signatures_for(self, client, settings):
        settings.SIGNATURE_RETENTION = timedelta(days=45)

        html = client.get(reverse("petitions:privacy")).text

        assert "and then for 45 days" in html
        assert make_petition().retention_days == 45

    def test_by_default_names_the_demo_controller_and_the_uk_regulator(self, client):
        html = client.get(reverse("petitions:privacy")).text

        assert "Example Campaign for North Korean Refugees" in html
        assert "mailto:privacy@example.org" in html
        assert "and then for 180 days" in html
        assert "Information Commissioner&#x27;s Office" in html
        assert 'href="https://ico.org.uk/make-a-complaint/"' in html

    def test_gives_a_legal_basis_for_each_use_and_says_how_to_use_each_right(self, client):
        html = client.get(reverse("petitions:privacy")).text

        assert "Legal basis: your explicit consent" in html
        assert "Legal basis: your consent, given separately" in html
        assert "Legal basis: our legitimate interest" in html
        for right in ["access", "rectification", "erasure", "objection", "withdraw your consent"]:
            assert right in html, right
        assert "The link in every email we send you" in html
        assert "country, date and receipt code remain, which identify nobody" in html
        assert "we record why, and erase them when that reason ends" in html

    def test_keeps_saying_what_the_public_and_the_recipient_see(self, client):
        html = client.get(reverse("petitions:privacy")).text

        assert "The public sees the first word of your name" in html
        assert "The recipient of the petition receives your name, country and town" in html
        assert "never published and never given to the recipient" in html

    @pytest.mark.parametrize("language", ["en", "ko", "zh-hans"])
    def test_answers_in_every_language_with_the_settings_values(self, client, controller, language):
        response = client.get(address_in(language, "petitions:privacy"))

        assert response.status_code == 200
        assert f'<html lang="{language}">' in response.text
        assert "Friends of Refugees Ltd" in response.text
        assert "mailto:dpo@friends.example" in response.text
