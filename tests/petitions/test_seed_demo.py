import pytest
from django.core.management import call_command

from accounts.models import User
from petitions.models import Demand, Petition

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(Petition.objects.order_by("slug").values_list("slug", "title", "status", "goal")),
        list(Demand.objects.order_by("petition__slug", "position").values_list("text", flat=True)),
    )


def test_seed_demo_twice_gives_the_same_rows():
    call_command("seed_demo", stdout=None)
    first = snapshot()

    call_command("seed_demo")

    assert snapshot() == first
    assert Petition.objects.count() == 3


def test_founding_petition_asks_china_with_three_demands():
    call_command("seed_demo")

    petition = Petition.objects.get(slug="refugee-status-for-north-koreans")

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


def test_demo_admin_is_created_once_and_says_so_only_then(capsys):
    call_command("create_demo_admin")
    first = capsys.readouterr().out
    call_command("create_demo_admin")
    second = capsys.readouterr().out

    assert "Created demo admin: admin@example.org / password: " in first
    assert "Created" not in second
    assert "already exists" in second
    assert User.objects.filter(is_superuser=True).count() == 1
