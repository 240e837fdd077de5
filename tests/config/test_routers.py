"""Public pages read the replica; writes, signers, staff and the admin read the primary."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from config.routers import PrimaryReplicaRouter, replica_reads
from petitions.models import Petition
from signatures.models import Signature
from signatures.one_time import SENT_TO
from tests.config.test_settings import run_manage
from tests.factories import (
    browser,
    log_in_with_second_factor,
    make_petition,
    make_superuser,
    sign_url,
    signing_form,
)

# The replica mirrors the test database; only committed rows are visible through both.
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def replica_routing(settings):
    settings.DATABASE_ROUTERS = ["config.routers.PrimaryReplicaRouter"]
    # Where config/settings.py puts it when DATABASE_REPLICA_URL is set.
    after = settings.MIDDLEWARE.index("config.middleware.LocaleMiddleware") + 1
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[:after],
        "config.middleware.ReplicaReadsMiddleware",
        *settings.MIDDLEWARE[after:],
    ]


def tables_read(queries):
    return {
        table
        for query in queries
        for table in ("petitions_petition", "signatures_signature", "django_session")
        if f'"{table}"' in query["sql"] and query["sql"].lstrip().startswith("SELECT")
    }


def requests_on_each_database(make_requests):
    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        responses = make_requests()
    return responses, tables_read(replica.captured_queries), tables_read(primary.captured_queries)


def test_an_anonymous_visitors_public_pages_read_the_replica(replica_routing):
    petition = make_petition()
    client = Client()

    responses, replica, primary = requests_on_each_database(
        lambda: [
            client.get(reverse("petitions:list")),
            client.get(petition.get_absolute_url()),
            client.get(reverse("signatures:count", args=[petition.slug])),
        ]
    )

    assert [response.status_code for response in responses] == [200] * 3
    assert "petitions_petition" in replica
    assert "petitions_petition" not in primary


@pytest.mark.parametrize("language", ["ko", "zh-hans"])
def test_the_public_pages_in_each_language_read_the_replica(replica_routing, language):
    petition = make_petition()
    client = Client()

    with translation.override(language):
        paths = [reverse("petitions:list"), petition.get_absolute_url()]
    responses, replica, primary = requests_on_each_database(
        lambda: [client.get(path) for path in paths]
    )

    assert all(path.startswith(f"/{language}/") for path in paths)
    assert [response.status_code for response in responses] == [200] * 2
    assert "petitions_petition" in replica
    assert "petitions_petition" not in primary


def test_signing_reads_and_writes_only_the_primary(replica_routing):
    petition = make_petition()

    (response,), replica, _ = requests_on_each_database(
        lambda: [browser().post(sign_url(petition), signing_form())]
    )

    assert response.status_code == 302
    assert replica == set()
    assert Signature.objects.count() == 1


def test_a_signer_between_signing_and_the_receipt_reads_the_primary(replica_routing):
    petition = make_petition()
    client = browser()
    client.post(sign_url(petition), signing_form())
    assert client.cookies.get(SENT_TO.cookie)

    (response,), replica, primary = requests_on_each_database(
        lambda: [client.get(petition.get_absolute_url())]
    )

    assert response.status_code == 200
    assert replica == set()
    assert "petitions_petition" in primary


def test_a_visitor_with_a_session_reads_the_primary(replica_routing):
    petition = make_petition()
    client = browser()
    client.cookies[settings.SESSION_COOKIE_NAME] = "a-session-key"

    (response,), replica, primary = requests_on_each_database(
        lambda: [client.get(petition.get_absolute_url())]
    )

    assert response.status_code == 200
    assert replica == set()
    assert "petitions_petition" in primary


def test_staff_and_the_admin_read_the_primary(replica_routing):
    petition = make_petition(status=Petition.Status.DRAFT)
    admin = log_in_with_second_factor(Client(), make_superuser())

    responses, replica, _ = requests_on_each_database(
        lambda: [
            admin.get(petition.get_absolute_url()),
            admin.get(reverse("admin:petitions_petition_changelist")),
        ]
    )

    assert [response.status_code for response in responses] == [200, 200]
    assert replica == set()


def test_reads_inside_a_transaction_see_its_writes_on_the_primary():
    router = PrimaryReplicaRouter()

    with replica_reads():
        outside = router.db_for_read(Petition)
        with transaction.atomic():
            inside = router.db_for_read(Petition)

    assert (outside, inside) == ("replica", "default")


def test_writes_and_other_apps_tables_never_go_to_the_replica():
    router = PrimaryReplicaRouter()

    with replica_reads():
        written = router.db_for_write(Petition)
        sessions = router.db_for_read(Session)
        staff = router.db_for_read(User)

    assert (written, sessions, staff) == ("default", "default", "default")


@pytest.mark.parametrize(
    ("replica_url", "expected"),
    [
        ("", "['default'] [] False"),
        (
            "sqlite:////tmp/replica.sqlite3",
            "['default', 'replica'] ['config.routers.PrimaryReplicaRouter'] True",
        ),
    ],
)
def test_the_replica_and_its_routing_exist_only_with_database_replica_url(replica_url, expected):
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(sorted(settings.DATABASES), "
        "settings.DATABASE_ROUTERS, "
        "'config.middleware.ReplicaReadsMiddleware' in settings.MIDDLEWARE)",
        DJANGO_DEBUG="on",
        DATABASE_REPLICA_URL=replica_url,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected
