import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from signatures.counting import tally_reconcile
from signatures.dashboard import STATUSES, signature_list_url
from signatures.models import Signature, SignatureTally, TrendingAlert
from signatures.trending import signatures_admin_path
from tests.factories import log_in_with_second_factor, make_petition, make_signatures, make_staff

pytestmark = pytest.mark.django_db

CONFIRMED = Signature.Status.CONFIRMED
PENDING = Signature.Status.PENDING
SUSPECTED = Signature.Status.SUSPECTED
INVALIDATED = Signature.Status.INVALIDATED
WITHDRAWN = Signature.Status.WITHDRAWN


@pytest.fixture(autouse=True)
def utc(settings):
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def hour():
    """The start of the hour before this one: a page loaded within the next hour shows it."""
    now = timezone.now().astimezone(UTC)
    return now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


@pytest.fixture
def petition(hour):
    petition = make_petition(title="Free them", opens_at=hour - timedelta(days=3))
    for count, when, status, country in [
        (3, hour + timedelta(minutes=5), CONFIRMED, "KR"),
        (7, hour + timedelta(minutes=50), CONFIRMED, "GB"),
        (2, hour + timedelta(minutes=20), PENDING, "GB"),
        (1, hour - timedelta(hours=5), SUSPECTED, "GB"),
        (1, hour - timedelta(hours=5), INVALIDATED, "US"),
        (1, hour - timedelta(days=2), WITHDRAWN, "GB"),
        (12, hour - timedelta(days=2), CONFIRMED, "US"),
    ]:
        make_signatures(petition, count, created_at=when, status=status, country=country)
    tally_reconcile(petition_id=petition.pk, fix=True)
    return petition


def dashboard_url(petition):
    return reverse("admin:signatures_signature_dashboard", args=[petition.pk])


def link(url, text):
    return f'<a href="{escape(url)}">{text}</a>'


def chart_table(page, chart):
    return re.search(
        rf'<details class="chart-numbers" id="{chart}-numbers">(.*?)</details>', page, re.S
    )[1]


def row(page, chart, start):
    """The numbers of one period in a chart's table: by status in the page's order, then all."""
    found = re.search(
        rf'<tr class="period-{re.escape(start.isoformat())}">(.*?)</tr>',
        chart_table(page, chart),
        re.S,
    )
    return [int(n) for n in re.findall(r'<td class="number[^"]*">(?:<a [^>]+>)?(\d+)', found[1])]


def signed_between(petition, start, end):
    signed = Signature.objects.filter(petition=petition, created_at__gte=start, created_at__lt=end)
    by_status = [signed.filter(status=status).count() for status in STATUSES]
    return [*by_status, signed.count()]


def client_with(*codenames):
    user = make_staff(email=f"{'-'.join(codenames) or 'plain'}@example.org")
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return log_in_with_second_factor(Client(), user)


class TestFigures:
    def test_totals_by_status_equal_the_signatures_and_link_to_them(self, admin_client, petition):
        page = admin_client.get(dashboard_url(petition)).text

        for status, expected in [
            (CONFIRMED, 22),
            (PENDING, 2),
            (SUSPECTED, 1),
            (INVALIDATED, 1),
            (WITHDRAWN, 1),
        ]:
            assert Signature.objects.filter(petition=petition, status=status).count() == expected
            assert link(signature_list_url(petition, status__exact=status), expected) in page
        assert link(signature_list_url(petition), 27) in page
        assert "reconcile_counts" not in page

    def test_hours_and_days_show_each_status_and_the_sum(self, admin_client, petition, hour):
        page = admin_client.get(dashboard_url(petition)).text

        # Confirmed, pending, suspected, invalidated, withdrawn, all.
        assert row(page, "hourly", hour) == [10, 2, 0, 0, 0, 12]
        assert row(page, "hourly", hour - timedelta(hours=5)) == [0, 0, 1, 1, 0, 2]
        # The first of the 48 bars, the hour after this one two days ago.
        assert row(page, "hourly", hour - timedelta(hours=46)) == [0, 0, 0, 0, 0, 0]
        # Looked for in the hours only: between midnight and one, it starts a day as well.
        hours = chart_table(page, "hourly")
        assert f'"period-{(hour - timedelta(hours=47)).isoformat()}"' not in hours
        for moment in (hour, hour - timedelta(hours=5), hour - timedelta(days=2)):
            start = timezone.make_aware(datetime.combine(timezone.localdate(moment), time()))
            assert row(page, "daily", start) == signed_between(
                petition, start, start + timedelta(days=1)
            )

    def test_countries_come_from_the_stored_counts_with_links(self, admin_client, petition):
        page = admin_client.get(dashboard_url(petition)).text

        for code, name, count in [
            ("US", "United States of America", 12),
            ("GB", "United Kingdom", 7),
            ("KR", "South Korea", 3),
        ]:
            url = signature_list_url(petition, status__exact=CONFIRMED, country__exact=code)
            assert f'<td>{name}</td><td class="number">{link(url, count)}</td>' in page
        assert page.index("United States of America</td>") < page.index("United Kingdom</td>")

    def test_the_map_shades_countries_by_count_and_names_them(self, admin_client, petition):
        page = admin_client.get(dashboard_url(petition)).text

        # Shades for a largest count of 12: 1-2, 3, 4-5, 6-8, 9-12.
        us = re.search(r'<path id="map-US" class="(shade-\d)" d="[^"]+"><title>(.*?)</title>', page)
        assert us.groups() == ("shade-5", "United States of America: 12")
        assert '<path id="map-GB" class="shade-4"' in page
        assert '<path id="map-KR" class="shade-2"' in page
        assert '<path id="map-FR" class="shade-0"' in page

    def test_waves_of_the_last_week_link_to_their_signatures(self, admin_client, petition, hour):
        alert = TrendingAlert.objects.create(
            petition=petition,
            hour=hour,
            kind=TrendingAlert.Kind.EMAIL_DOMAIN,
            key="hash",
            value="spam.example",
            count=60,
            threshold=50,
        )

        page = admin_client.get(dashboard_url(petition)).text

        assert "spam.example" in page
        assert link(signatures_admin_path(alert), 60) in page

    def test_stored_counts_that_drifted_are_told_with_the_repair(self, admin_client, petition):
        SignatureTally.objects.filter(petition=petition, country="GB").update(count=0)

        page = admin_client.get(dashboard_url(petition)).text

        assert "stored count says 15 confirmed signatures" in page
        assert "reconcile_counts --fix" in page

    def test_the_page_takes_as_many_queries_however_many_signatures(self, admin_client, petition):
        empty = make_petition()
        admin_client.get(dashboard_url(empty))

        with CaptureQueriesContext(connection) as few:
            admin_client.get(dashboard_url(empty))
        with CaptureQueriesContext(connection) as many:
            admin_client.get(dashboard_url(petition))

        assert len(many) == len(few)


class TestAccess:
    def test_staff_who_may_view_signatures_and_petitions_see_it(self, petition):
        client = client_with("view_signature", "view_petition")

        assert client.get(dashboard_url(petition)).status_code == 200

    @pytest.mark.parametrize(
        "codenames", [("view_petition",), ("view_signature",), ("change_petition",), ()]
    )
    def test_staff_who_may_not_view_both_are_refused(self, petition, codenames):
        client = client_with(*codenames)

        assert client.get(dashboard_url(petition)).status_code == 403

    def test_anyone_else_is_sent_to_log_in(self, client, petition):
        response = client.get(dashboard_url(petition))

        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))

    def test_an_unknown_petition_is_not_found(self, admin_client):
        url = reverse("admin:signatures_signature_dashboard", args=[987654])

        assert admin_client.get(url).status_code == 404


class TestLinksToIt:
    def test_the_petitions_page_and_list_link_to_its_dashboard(self, admin_client, petition):
        change = admin_client.get(reverse("admin:petitions_petition_change", args=[petition.pk]))
        changelist = admin_client.get(reverse("admin:petitions_petition_changelist"))

        assert change.text.count(f'href="{dashboard_url(petition)}"') == 2
        assert f'href="{dashboard_url(petition)}"' in changelist.text

    def test_staff_who_may_not_see_signatures_get_no_link(self, petition):
        client = client_with("view_petition", "change_petition")

        change = client.get(reverse("admin:petitions_petition_change", args=[petition.pk]))
        changelist = client.get(reverse("admin:petitions_petition_changelist"))

        assert change.status_code == changelist.status_code == 200
        assert dashboard_url(petition) not in change.text
        assert dashboard_url(petition) not in changelist.text
