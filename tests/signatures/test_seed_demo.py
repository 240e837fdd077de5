import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from petitions.demo import FOUNDING, OTHERS
from petitions.models import Demand, Petition
from signatures.models import Signature, SignatureTally
from signatures.selectors import petition_counts
from signatures.services import signature_withdraw

pytestmark = pytest.mark.django_db

CLOSED = next(spec for spec in OTHERS if spec["status"] == Petition.Status.CLOSED)
SCRIPTS = {
    "Latin": re.compile(r"[A-Za-zÀ-ž]"),
    "Hangul": re.compile(r"[\uac00-\ud7a3]"),
    "Han": re.compile(r"[\u4e00-\u9fff]"),
    "Kana": re.compile(r"[\u3040-\u30ff]"),
}


def seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def confirmed(slug):
    return Signature.objects.filter(petition__slug=slug).confirmed()


def snapshot():
    return (
        list(Petition.objects.order_by("slug").values_list("slug", "title", "status", "goal")),
        list(Demand.objects.order_by("petition__slug", "position").values_list("text", flat=True)),
        list(Signature.objects.order_by("pk").values_list("pk", "status", "country")),
        list(
            SignatureTally.objects.values("petition__slug", "country")
            .annotate(total=Sum("count"))
            .order_by("petition__slug", "country")
        ),
    )


def test_seed_demo_twice_gives_the_same_rows():
    seed()
    first = snapshot()

    seed()

    assert snapshot() == first
    assert Petition.objects.count() == 3


def test_seeding_again_tops_up_only_what_visitors_withdrew():
    seed()
    for signature in confirmed(FOUNDING["slug"])[:3]:
        signature_withdraw(signature=signature)

    output = seed()

    assert "(3 signatures added)" in output
    assert confirmed(FOUNDING["slug"]).count() == FOUNDING["signatures"]
    assert reconcile() == "All counts match the confirmed signatures."


def reconcile():
    out = StringIO()
    call_command("reconcile_counts", stdout=out)
    return out.getvalue().strip()


def test_founding_petition_asks_china_with_three_demands():
    seed()

    petition = Petition.objects.get(slug=FOUNDING["slug"])

    assert petition.status == Petition.Status.OPEN
    assert petition.goal == 50000
    assert petition.target == "The Government of the People's Republic of China"
    assert "London" in petition.recipient
    demands = list(petition.demands.values_list("text", flat=True))
    assert len(demands) == 3
    assert "as refugees and not as fugitives" in demands[0]
    assert "safe passage to third countries" in demands[1]
    assert "forcible repatriation" in demands[2]
    assert Petition.objects.open().count() == 2
    assert Petition.objects.finished().count() == 1


def test_every_demo_count_is_exact_and_reconciles_clean():
    seed()

    for spec in [FOUNDING, *OTHERS]:
        petition = Petition.objects.get(slug=spec["slug"])
        assert confirmed(spec["slug"]).count() == spec["signatures"]
        assert petition_counts(petition).total == spec["signatures"]
    assert reconcile() == "All counts match the confirmed signatures."


def test_founding_petition_has_thousands_of_signers_from_many_countries():
    seed()

    signatures = confirmed(FOUNDING["slug"])
    countries = Counter(signatures.values_list("country", flat=True))

    assert signatures.count() >= 2000
    assert len(countries) >= 20
    assert [code for code, _ in countries.most_common(3)] == ["GB", "KR", "US"]
    assert {"JP", "DE", "CA", "AU", "FR"} <= set(countries)


def test_founding_petition_has_every_name_choice_and_names_in_several_scripts():
    seed()

    signatures = confirmed(FOUNDING["slug"])
    names = [name for (name,) in signatures.opened_rows("full_name")]

    assert set(signatures.values_list("name_visibility", flat=True)) == set(
        Signature.NameVisibility.values
    )
    for script, letters in SCRIPTS.items():
        assert any(letters.search(name) for name in names), script
    assert len(set(names)) > len(names) / 3


def test_founding_signatures_are_spread_over_the_weeks_since_it_opened():
    seed()

    petition = Petition.objects.get(slug=FOUNDING["slug"])
    signatures = confirmed(petition.slug)
    days = {moment.date() for moment in signatures.values_list("confirmed_at", flat=True)}

    assert signatures.filter(created_at__lt=petition.opens_at).count() == 0
    assert signatures.filter(confirmed_at__gt=timezone.now()).count() == 0
    assert len(days) >= 21


def test_closed_petition_has_its_final_count_signed_while_it_was_open():
    seed()

    petition = Petition.objects.finished().with_signature_count().get()
    signatures = confirmed(petition.slug)

    assert petition.slug == CLOSED["slug"]
    assert petition.signature_count == CLOSED["signatures"] > 1000
    assert signatures.filter(created_at__lt=petition.opens_at).count() == 0
    assert signatures.filter(confirmed_at__gt=petition.closes_at).count() == 0
