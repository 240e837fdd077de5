"""The staff list of signatures: one search box for every key, over sealed details."""

import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from signatures import paginators, search
from signatures.identity import format_receipt
from signatures.models import Signature, SignatureNameToken
from signatures.services import signature_update_details, signature_withdraw
from tests.factories import make_petition

pytestmark = pytest.mark.django_db

LIST = "admin:signatures_signature_changelist"


def found(client, term, **filters):
    """The receipts the list shows for a search, and the warnings it gave."""
    response = client.get(reverse(LIST), {"q": term, **filters})
    assert response.status_code == 200
    receipts = set(re.findall(r"[A-Z2-9]{5}-[A-Z2-9]{5}-[A-Z2-9]{5}", response.text))
    warnings = [str(message) for message in get_messages(response.wsgi_request)]
    return receipts, warnings


def receipt(signature):
    return format_receipt(signature.receipt)


@pytest.fixture
def signers(confirmed):
    petition = make_petition()
    return {
        "kim": confirmed(
            petition,
            full_name="Kim Min-ji",
            email="min.ji+news@gmail.com",
            ip_address="203.0.113.9",
        ),
        "lee": confirmed(
            petition, full_name="Lee Min-ho", email="lee@example.org", ip_address="203.0.113.200"
        ),
        "hangul": confirmed(
            petition, full_name="김민지", email="minji@example.net", ip_address="198.51.100.7"
        ),
        "jurgen": confirmed(
            petition,
            full_name="Jürgen Straße",
            email="j@bücher.de",
            ip_address="2001:db8:1:2::5",
        ),
    }


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        # Any spelling of one mailbox: case, +tag, Gmail's dots and domains.
        ("minji@gmail.com", {"kim"}),
        ("M.I.N.J.I@GoogleMail.com", {"kim"}),
        ("minji+other@gmail.com", {"kim"}),
        ("LEE@EXAMPLE.ORG", {"lee"}),
        ("nobody@example.org", set()),
        # Domains, in any case or script.
        ("@example.org", {"lee"}),
        ("@EXAMPLE.NET", {"hangul"}),
        ("@bücher.de", {"jurgen"}),
        ("@xn--bcher-kva.de", {"jurgen"}),
        # Names: every word given, in any case or normalisation form.
        ("kim", {"kim"}),
        ("min-ji", {"kim"}),
        ("MIN JI KIM", {"kim"}),
        ("min", {"kim", "lee"}),
        ("Lee Min-ji", set()),
        ("JÜRGEN", {"jurgen"}),
        # Case-folded, ß is ss.
        ("strasse", {"jurgen"}),
        ("STRASSE jürgen", {"jurgen"}),
        # Names written without spaces: whole, by family name, by given name.
        ("김민지", {"hangul"}),
        ("김", {"hangul"}),
        ("민지", {"hangul"}),
        # IP addresses and ranges.
        ("203.0.113.9", {"kim"}),
        ("203.0.113.0/24", {"kim", "lee"}),
        ("203.0.113.128/25", {"lee"}),
        ("203.0.0.0/16", {"kim", "lee"}),
        ("198.51.100.0/22", {"hangul"}),
        ("203.0.113.10", set()),
        ("2001:db8:1::/48", {"jurgen"}),
        ("2001:db8:1:2::5", {"jurgen"}),
        ("2001:db8:1:3::/64", set()),
    ],
)
def test_every_key_finds_exactly_its_signatures(admin_client, signers, term, expected):
    receipts, warnings = found(admin_client, term)

    assert receipts == {receipt(signers[name]) for name in expected}
    assert warnings == []


def test_a_receipt_is_found_as_printed_or_typed(admin_client, signers):
    printed = receipt(signers["lee"])

    for term in (printed, printed.lower(), printed.replace("-", "")):
        assert found(admin_client, term)[0] == {printed}


def test_a_pending_signature_is_found_by_the_address_its_submission_holds(admin_client, committed):
    from tests.factories import sign

    with committed():
        pending = sign(make_petition(), email="p@example.org", ip_address="192.0.2.44")

    assert found(admin_client, "192.0.2.44")[0] == {receipt(pending)}
    assert found(admin_client, "192.0.2.45")[0] == set()


@pytest.mark.parametrize(
    ("term", "warning"),
    [
        ("203.0.113.0/33", "not an IP address"),
        ("203.0.113.300", "not an IP address"),
        ("10.0.0.0/8", "at most /16"),
        ("2001:db8::/32", "at most /16"),
        ("ABCDE-FGHJK-MNPQ0", "not a receipt code"),
        ("ILOVE-ABCDE-12345", "not a receipt code"),
        ("@nodomain", "@example.org"),
        ("x" * 300, "too long"),
        ("\u2014 \u2026 !?", "by its words"),
        ("a b c d e f g h i", "at most 8 words"),
    ],
)
def test_what_cannot_be_searched_says_why_and_finds_nothing(admin_client, signers, term, warning):
    receipts, warnings = found(admin_client, term)

    assert receipts == set()
    assert len(warnings) == 1
    assert warning in warnings[0]


def test_a_nul_or_an_endless_term_is_refused_before_any_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        for term in ("Kim\x00Min-ji", "a" * 10_000):
            result = search.signatures_search(Signature.objects.all(), term)
            assert result.refusal

    assert list(result.signatures) == []


def test_too_many_signatures_in_a_network_to_open_are_refused(admin_client, signers, monkeypatch):
    monkeypatch.setattr(search, "MOST_TO_OPEN", 1)

    receipts, warnings = found(admin_client, "203.0.113.9")

    assert receipts == set()
    assert "203.0.113.0/24" in warnings[0]


class TestNameIndex:
    def test_changing_the_name_finds_it_by_the_new_name_only(self, admin_client, signers):
        signature = signers["lee"]

        signature_update_details(
            signature=signature, full_name="Park Ji-woo", town="", name_visibility="public"
        )

        assert found(admin_client, "park")[0] == {receipt(signature)}
        assert found(admin_client, "lee")[0] == set()

    def test_withdrawing_erases_the_names_tokens(self, signers):
        signature = signers["lee"]

        signature_withdraw(signature=signature)

        assert not SignatureNameToken.objects.filter(signature=signature).exists()

    def test_equal_words_give_equal_tokens_and_the_words_are_not_kept(self, signers):
        tokens = SignatureNameToken.objects.filter(signature=signers["kim"])
        others = SignatureNameToken.objects.filter(signature=signers["lee"])

        shared = set(tokens.values_list("token", flat=True)) & set(
            others.values_list("token", flat=True)
        )
        assert len(shared) == 1  # "min"
        assert not tokens.filter(token__icontains="kim").exists()


def test_filters_read_together_with_a_search(admin_client, confirmed):
    petition, other = make_petition(), make_petition()
    here = confirmed(petition, full_name="Anna Smith", country="GB")
    confirmed(other, full_name="Anna Jones", country="GB")
    confirmed(petition, full_name="Anna Brown", country="FR")

    receipts, _ = found(admin_client, "anna", petition__id__exact=petition.pk, country="GB")

    assert receipts == {receipt(here)}


def test_the_status_filter_offers_suspected(admin_client, signers):
    response = admin_client.get(reverse(LIST))

    assert "?status__exact=suspected" in response.text


def test_a_page_never_counts_the_whole_table(admin_client, signers, monkeypatch):
    # As if the table were large: a few rows are counted, being quicker to count than to plan.
    monkeypatch.setattr(paginators, "COUNTED_BELOW", 0)

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse(LIST))

    assert response.status_code == 200
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    unfiltered = [sql for sql in counts if "WHERE" not in sql.upper()]
    # Only PostgreSQL can estimate; elsewhere the list is counted once, never twice.
    assert len(unfiltered) <= (0 if connection.vendor == "postgresql" else 1)


def test_each_name_is_opened_once_per_row_shown(admin_client, signers, monkeypatch):
    from signatures import sealing

    opened = []
    real = sealing.unseal
    monkeypatch.setattr(sealing, "unseal", lambda *args: opened.append(args) or real(*args))

    admin_client.get(reverse(LIST))

    assert len(opened) == Signature.objects.count()


@pytest.mark.parametrize("role", ["Moderator", "Campaign staff", "Organiser", None])
def test_a_signatures_page_has_no_save_button_for_any_role(admin_client, signers, role):
    from tests.factories import staff_in

    client = staff_in(role) if role else admin_client
    url = reverse("admin:signatures_signature_change", args=[signers["kim"].pk])

    page = client.get(url).text

    assert 'name="_save"' not in page
    assert 'name="_continue"' not in page
    assert 'name="_addanother"' not in page
    assert receipt(signers["kim"]) in page


def test_the_list_shows_full_names_except_anonymous_signers_to_staff_without_full_details(
    signers,
):
    from tests.factories import staff_in

    signature_update_details(
        signature=signers["lee"], full_name="Lee Min-ho", town="", name_visibility="anonymous"
    )

    moderator = staff_in("Moderator").get(reverse(LIST)).text
    organiser = staff_in("Organiser").get(reverse(LIST)).text

    assert "Kim Min-ji" in moderator
    assert "Lee Min-ho" not in moderator
    assert ">Lee</td>" in moderator
    assert "Lee Min-ho" in organiser
