import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from petitions.models import Petition, RetentionHold
from signatures.admin import SignatureAdmin
from signatures.display import unlinked
from signatures.identity import format_receipt
from signatures.models import Signature, SourceRule, Suspicion
from signatures.selectors import petition_counts
from signatures.services import (
    signature_confirm,
    signature_withdraw,
    signatures_anonymise_expired,
)
from tests.conftest import confirmation_token
from tests.factories import log_in_with_second_factor, make_petition, make_staff, sign

pytestmark = pytest.mark.django_db


def test_signature_pages_load_and_cannot_add_by_hand(admin_client, confirmed):
    signature = confirmed(make_petition())

    changelist = admin_client.get(reverse("admin:signatures_signature_changelist"))
    change = admin_client.get(reverse("admin:signatures_signature_change", args=[signature.pk]))
    add = admin_client.get(reverse("admin:signatures_signature_add"))

    assert changelist.status_code == 200
    assert format_receipt(signature.receipt) in changelist.text
    assert change.status_code == 200
    assert add.status_code == 403


def test_a_signatures_consent_version_is_shown_and_cannot_be_changed(admin_client, confirmed):
    signature = confirmed(make_petition())
    url = reverse("admin:signatures_signature_change", args=[signature.pk])

    page = admin_client.get(url).text
    admin_client.post(url, {"consent_version": "2099-01-01"})

    field = re.search(r'<div class="[^"]*field-consent_version.*?</div>\s*</div>', page, re.DOTALL)
    assert "Consent version" in field.group()
    assert f'<div class="readonly">{signature.consent_version}</div>' in field.group()
    assert 'name="consent_version"' not in page
    signature.refresh_from_db()
    assert signature.consent_version == "2026-11-29"


def test_not_even_a_superuser_can_delete_a_signature(admin_client, confirmed):
    petition = make_petition()
    signature = confirmed(petition)
    changelist_url = reverse("admin:signatures_signature_changelist")
    delete_url = reverse("admin:signatures_signature_delete", args=[signature.pk])

    page = admin_client.get(delete_url)
    post = admin_client.post(delete_url, {"post": "yes"})
    bulk = admin_client.post(
        changelist_url,
        {"action": "delete_selected", "_selected_action": [signature.pk], "post": "yes"},
    )

    assert page.status_code == post.status_code == 403
    assert 'value="delete_selected"' not in admin_client.get(changelist_url).text
    assert bulk.status_code == 302
    assert Signature.objects.filter(pk=signature.pk).exists()
    assert petition_counts(petition).total == 1


@pytest.mark.parametrize("term", ["KIM+petition@example.org", "kim@example.org"])
def test_search_by_any_spelling_of_an_email(admin_client, confirmed, term):
    signature = confirmed(make_petition(), email="kim@example.org")
    other = confirmed(make_petition(), email="lee@example.org")

    response = admin_client.get(reverse("admin:signatures_signature_changelist"), {"q": term})

    assert format_receipt(signature.receipt) in response.text
    assert format_receipt(other.receipt) not in response.text


def test_search_by_receipt_as_printed(admin_client, confirmed):
    signature = confirmed(make_petition())
    printed = format_receipt(signature.receipt).lower()

    response = admin_client.get(reverse("admin:signatures_signature_changelist"), {"q": printed})

    assert format_receipt(signature.receipt) in response.text


def ask_to_withdraw(client, *signatures):
    return client.post(
        reverse("admin:signatures_signature_changelist"),
        {"action": "withdraw", "_selected_action": [signature.pk for signature in signatures]},
    )


def confirm_as_the_page_would(client, page):
    """Post back the confirmation page's form, with the hidden fields it carries."""
    form = re.search(r'<form method="post"[^>]*>(.*?)</form>', page.text, re.DOTALL).group(1)
    data = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form):
        data.setdefault(name, []).append(value)
    return client.post(reverse("admin:signatures_signature_changelist"), data)


def staff_with(*codenames):
    user = make_staff(email=f"{'-'.join(codenames) or 'plain'}@example.org")
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return log_in_with_second_factor(Client(), user)


class TestWithdrawAction:
    @pytest.fixture
    def signatures(self, confirmed):
        first = make_petition(title="Stop the returns")
        second = make_petition(title="Free the detainees")
        return [
            confirmed(first, full_name="Kim Min-ji", town="Seoul", ip_address="203.0.113.7"),
            confirmed(first, full_name="Lee Seo-yeon", town="Busan"),
            confirmed(second, full_name="Park Ji-hoon", town="London"),
        ]

    def test_asking_withdraws_nothing_and_says_how_many_of_which_petitions_and_what_goes(
        self, admin_client, signatures
    ):
        response = ask_to_withdraw(admin_client, *signatures)

        html = response.text
        assert response.status_code == 200
        assert "You are about to withdraw 3 signatures" in html
        assert "Stop the returns: 2 signatures" in html
        assert "Free the detainees: 1 signature" in html
        for erased in ("Name", "Email address", "Town or postcode", "IP address"):
            assert f"<li>{erased}</li>" in html
        assert "This cannot be undone." in html
        assert 'value="Yes, withdraw and erase"' in html
        assert "No, go back" in html
        for signature in signatures:
            signature.refresh_from_db()
            assert signature.status == Signature.Status.CONFIRMED
            assert signature.full_name != ""
        assert petition_counts(signatures[0].petition).total == 2

    def test_confirming_withdraws_erases_and_uncounts(self, admin_client, signatures, committed):
        kim, lee, park = signatures
        page = ask_to_withdraw(admin_client, kim, park)

        with committed():
            response = confirm_as_the_page_would(admin_client, page)

        assert response.status_code == 302
        for signature in (kim, park):
            signature.refresh_from_db()
            assert signature.status == Signature.Status.WITHDRAWN
            assert (signature.full_name, signature.email, signature.town) == ("", "", "")
            assert signature.ip_address is None
        lee.refresh_from_db()
        assert lee.status == Signature.Status.CONFIRMED
        assert lee.full_name == "Lee Seo-yeon"
        assert petition_counts(kim.petition).total == 1
        assert petition_counts(park.petition).total == 0
        changelist = admin_client.get(response.url)
        assert "2 signatures withdrawn." in changelist.text

    def test_signatures_already_withdrawn_are_neither_counted_nor_touched_again(
        self, admin_client, signatures
    ):
        kim, lee, _ = signatures
        signature_withdraw(signature=kim)

        response = ask_to_withdraw(admin_client, kim, lee)

        assert "You are about to withdraw 1 signature" in response.text
        assert "1 of the selected signatures is already withdrawn" in response.text

    def test_nothing_is_asked_when_every_selected_signature_is_already_withdrawn(
        self, admin_client, signatures
    ):
        signature_withdraw(signature=signatures[0])

        response = ask_to_withdraw(admin_client, signatures[0])

        assert response.status_code == 302
        changelist = admin_client.get(response.url)
        assert "The selected signatures are already withdrawn." in changelist.text

    def test_a_selection_too_large_to_confirm_at_once_is_refused(
        self, admin_client, signatures, monkeypatch
    ):
        monkeypatch.setattr(SignatureAdmin, "withdraw_at_most", 2)

        response = ask_to_withdraw(admin_client, *signatures)

        assert response.status_code == 302
        changelist = admin_client.get(response.url)
        assert "Select at most 2 signatures to withdraw at a time." in changelist.text
        assert not Signature.objects.filter(status=Signature.Status.WITHDRAWN).exists()

    def test_staff_without_the_change_permission_can_neither_ask_nor_confirm(
        self, admin_client, signatures
    ):
        page = ask_to_withdraw(admin_client, signatures[0])
        viewer = staff_with("view_signature")

        asked = ask_to_withdraw(viewer, signatures[0])
        confirmed = confirm_as_the_page_would(viewer, page)

        assert "You are about to withdraw" not in asked.text
        assert confirmed.status_code in (200, 302)
        signatures[0].refresh_from_db()
        assert signatures[0].status == Signature.Status.CONFIRMED
        assert signatures[0].full_name == "Kim Min-ji"


class TestApproveAction:
    @pytest.fixture
    def suspected(self, committed):
        def make(petition, confirm=True):
            with committed():
                signature = sign(petition, suspicion=Suspicion.IP_BURST)
            if confirm:
                with committed():
                    signature = signature_confirm(token=confirmation_token(mail.outbox[-1]))
            return signature

        return make

    def approve(self, client, *signatures):
        response = client.post(
            reverse("admin:signatures_signature_changelist"),
            {"action": "approve", "_selected_action": [signature.pk for signature in signatures]},
            follow=True,
        )
        return response

    def test_suspected_signatures_are_listed_with_why_they_are_held(self, admin_client, suspected):
        signature = suspected(make_petition())

        response = admin_client.get(
            reverse("admin:signatures_signature_changelist"), {"status": "suspected"}
        )
        change = admin_client.get(reverse("admin:signatures_signature_change", args=[signature.pk]))

        assert format_receipt(signature.receipt) in response.text
        assert "too many signatures from its address within minutes" in response.text
        assert "too many signatures from its address within minutes" in change.text

    def test_approving_counts_confirmed_ones_and_leaves_the_rest_to_their_signers(
        self, admin_client, suspected, confirmed, committed
    ):
        petition = make_petition()
        held = suspected(petition)
        unconfirmed = suspected(petition, confirm=False)
        counted = confirmed(petition)

        with committed():
            response = self.approve(admin_client, held, unconfirmed, counted)

        assert "1 signature approved and counted." in response.text
        assert "1 signature approved; it counts once its signer confirms it." in response.text
        held.refresh_from_db()
        unconfirmed.refresh_from_db()
        assert held.status == Signature.Status.CONFIRMED
        assert unconfirmed.status == Signature.Status.PENDING
        assert petition_counts(petition).total == 2
        count = admin_client.get(reverse("signatures:count", args=[petition.slug]))
        assert count.json()["count"] == 2

    def test_approving_nothing_suspected_says_so(self, admin_client, confirmed):
        response = self.approve(admin_client, confirmed(make_petition()))

        assert "None of the selected signatures is suspected." in response.text

    def test_staff_without_the_change_permission_cannot_approve(self, suspected):
        signature = suspected(make_petition())

        self.approve(staff_with("view_signature"), signature)

        signature.refresh_from_db()
        assert signature.status == Signature.Status.SUSPECTED


def test_petition_change_page_shows_count_countries_and_recent_signers(admin_client, confirmed):
    petition = make_petition(goal=10)
    confirmed(petition, country="KR", full_name="Anna Lee", name_visibility="public")
    confirmed(petition, country="GB", name_visibility="anonymous")

    response = admin_client.get(reverse("admin:petitions_petition_change", args=[petition.pk]))

    html = response.text
    assert response.status_code == 200
    assert '<progress value="2" max="10"' in html
    assert "From 2 countries." in html
    assert "<td>South Korea</td><td>1</td>" in html
    assert "Anna (South Korea)" in html


def test_staff_pages_show_a_link_like_name_and_town_unlinked(admin_client, confirmed):
    petition = make_petition()
    signature = confirmed(
        petition, full_name="www.evil.com Smith", town="evil-site.de", name_visibility="public"
    )

    change = admin_client.get(reverse("admin:signatures_signature_change", args=[signature.pk]))
    summary = admin_client.get(reverse("admin:petitions_petition_change", args=[petition.pk]))

    assert unlinked("www.evil.com Smith") in change.text
    assert unlinked("evil-site.de") in change.text
    assert f"{unlinked('www.evil.com')} (United Kingdom)" in summary.text
    for html in (change.text, summary.text):
        assert "www.evil.com" not in html
        assert "evil-site.de" not in html


def test_the_change_page_opens_the_sealed_address_and_ip_address(admin_client, confirmed):
    signature = confirmed(make_petition(), email="Kim@example.org", ip_address="2001:db8::9")

    change = admin_client.get(reverse("admin:signatures_signature_change", args=[signature.pk]))

    assert "Kim@example.org" in change.text
    assert "2001:db8::9" in change.text


def test_petition_add_page_still_loads(admin_client):
    assert admin_client.get(reverse("admin:petitions_petition_add")).status_code == 200


class TestDefencesAdmin:
    def test_the_limits_are_one_page_that_cannot_be_added_to_or_deleted(self, admin_client):
        changelist = admin_client.get(reverse("admin:signatures_signinglimits_changelist"))
        change = admin_client.get(changelist["Location"])
        delete = admin_client.get(reverse("admin:signatures_signinglimits_delete", args=[1]))

        assert changelist["Location"] == reverse("admin:signatures_signinglimits_change", args=[1])
        assert "Signatures from one address on one petition within 5 minutes" in change.text
        assert admin_client.get(reverse("admin:signatures_signinglimits_add")).status_code == 403
        assert delete.status_code == 403

    def add_source(self, client, value, action="block"):
        return client.post(
            reverse("admin:signatures_sourcerule_add"),
            {"action": action, "value": value, "note": "seen flooding"},
        )

    @pytest.mark.parametrize(
        ("typed", "kind", "stored"),
        [
            (" 203.0.113.7/24 ", SourceRule.Kind.NETWORK, "203.0.113.0/24"),
            ("2001:DB8::1", SourceRule.Kind.NETWORK, "2001:db8::1/128"),
            ("Spam.Example", SourceRule.Kind.DOMAIN, "spam.example"),
            ("*.Bücher.example", SourceRule.Kind.DOMAIN, "*.xn--bcher-kva.example"),
            ("Bad+x@Example.org", SourceRule.Kind.EMAIL, "bad@example.org"),
        ],
    )
    def test_what_staff_type_is_told_apart_and_stored_as_the_checks_compare_it(
        self, admin_client, typed, kind, stored
    ):
        response = self.add_source(admin_client, typed)

        assert response.status_code == 302
        rule = SourceRule.objects.get(value=stored)
        assert (rule.kind, rule.action) == (kind, SourceRule.Action.BLOCK)

    @pytest.mark.parametrize(
        ("value", "action", "field", "error"),
        [
            (
                "not a source!",
                "block",
                "value",
                "Enter an IP address or range, an email domain or an email address.",
            ),
            ("someone@", "block", "value", "This is not an email address."),
            (
                "kim@example.org",
                "allow",
                "action",
                "Single addresses can only be blocked; allow their domain instead.",
            ),
            ("listed.example", "block", "value", "This is already listed."),
        ],
    )
    def test_what_cannot_be_checked_is_refused_with_a_reason_by_its_field(
        self, admin_client, value, action, field, error
    ):
        SourceRule.objects.create(
            kind=SourceRule.Kind.DOMAIN, value="listed.example", action=SourceRule.Action.ALLOW
        )
        before = SourceRule.objects.count()

        response = self.add_source(admin_client, value, action)

        assert response.status_code == 200
        assert response.context["adminform"].form.errors == {field: [error]}
        assert SourceRule.objects.count() == before

    def test_a_listed_source_can_be_changed_without_being_listed_twice(self, admin_client):
        rule = SourceRule.objects.create(
            kind=SourceRule.Kind.DOMAIN, value="listed.example", action=SourceRule.Action.BLOCK
        )

        response = admin_client.post(
            reverse("admin:signatures_sourcerule_change", args=[rule.pk]),
            {"action": "allow", "value": "listed.example", "note": "a partner's domain"},
        )

        assert response.status_code == 302
        rule.refresh_from_db()
        assert (rule.action, rule.note) == (SourceRule.Action.ALLOW, "a partner's domain")


class TestRetentionSummary:
    def summary(self, client, petition):
        html = client.get(reverse("admin:petitions_petition_change", args=[petition.pk])).text
        return html.split('class="retention-summary"')[1].split("</div>")[0]

    def test_an_open_petition_says_how_long_after_closing_details_are_kept(self, admin_client):
        petition = make_petition(retention_days=90)

        assert "will be erased 90 days after the petition closes or is delivered" in (
            self.summary(admin_client, petition)
        )

    def test_a_closed_petition_says_the_day_details_will_be_erased(self, admin_client):
        closed_at = timezone.now() - timedelta(days=10)
        petition = make_petition(status=Petition.Status.CLOSED, closed_at=closed_at)
        due = formats.date_format(closed_at + timedelta(days=180), "DATETIME_FORMAT")

        assert f"will be erased on {due}." in self.summary(admin_client, petition)

    def test_a_hold_shows_with_its_reason_and_pushes_the_day_back(self, admin_client):
        petition = make_petition(status=Petition.Status.CLOSED)
        until = timezone.localdate() + timedelta(days=400)
        hold = RetentionHold.objects.create(
            petition=petition,
            held_until=until,
            reason="A court asked us to keep the list.",
            created_by=make_staff(),
        )

        summary = self.summary(admin_client, petition)

        assert f"will be erased on {formats.date_format(hold.ends_at, 'DATETIME_FORMAT')}." in (
            summary
        )
        assert (
            f"Held until {formats.date_format(until)} by staff@example.org: "
            "“A court asked us to keep the list.”"
        ) in summary

    def test_a_petition_past_its_period_says_the_details_are_due(self, admin_client, confirmed):
        petition = make_petition()
        confirmed(petition)
        Petition.objects.filter(pk=petition.pk).update(
            status=Petition.Status.CLOSED, closed_at=timezone.now() - timedelta(days=181)
        )

        assert "are due to be erased since" in self.summary(admin_client, petition)

    def test_an_erased_petition_says_when(self, admin_client, confirmed):
        petition = make_petition()
        confirmed(petition)
        Petition.objects.filter(pk=petition.pk).update(
            status=Petition.Status.CLOSED, closed_at=timezone.now() - timedelta(days=181)
        )
        signatures_anonymise_expired()
        erased_at = Signature.objects.get().anonymised_at

        assert f"were erased on {formats.date_format(erased_at, 'DATETIME_FORMAT')}." in (
            self.summary(admin_client, petition)
        )


def test_the_list_names_each_country_in_the_readers_language_and_sorts_by_it(
    admin_client, confirmed
):
    petition = make_petition()
    for country in ("KR", "DE", "GB"):
        confirmed(petition, country=country)
    url = reverse("admin:signatures_signature_changelist")

    page = admin_client.get(url).text
    korean = admin_client.get(url, headers={"Accept-Language": "ko"}).text

    assert '<td class="field-listed_country">South Korea</td>' in page
    assert '<td class="field-listed_country">대한민국</td>' in korean
    heading = re.search(r'<th scope="col" class="([^"]*column-listed_country[^"]*)"', page)
    assert "sortable" in heading[1].split()
    # The checkbox is column 0; sorted by the stored code, as the filter lists them.
    columns = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', page)
    by_country = admin_client.get(url, {"o": str(columns.index("listed_country") + 1)}).text
    assert re.findall(r'<td class="field-listed_country">([^<]*)</td>', by_country) == [
        "Germany",
        "United Kingdom",
        "South Korea",
    ]


def test_each_rows_checkbox_is_the_one_djangos_widget_draws(confirmed):
    signature = confirmed(make_petition())
    model_admin = SignatureAdmin(Signature, admin.site)

    assert model_admin.action_checkbox(signature) == admin.ModelAdmin.action_checkbox(
        model_admin, signature
    )


def test_the_list_takes_as_many_queries_for_thirty_signatures_as_for_one(admin_client, confirmed):
    petition = make_petition()
    confirmed(petition)
    url = reverse("admin:signatures_signature_changelist")
    admin_client.get(url)

    with CaptureQueriesContext(connection) as one:
        admin_client.get(url)
    for _ in range(29):
        confirmed(petition)
    with CaptureQueriesContext(connection) as thirty:
        page = admin_client.get(url).text

    assert page.count('class="action-select"') == 30
    assert len(thirty.captured_queries) == len(one.captured_queries)
