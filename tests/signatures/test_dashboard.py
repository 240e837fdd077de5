from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from signatures.counting import tally_reconcile
from signatures.dashboard import DAYS, HOURS, STATUSES, petition_dashboard
from signatures.models import Signature, SignatureTally, TrendingAlert
from tests.factories import make_petition, make_signatures

pytestmark = pytest.mark.django_db

CONFIRMED = Signature.Status.CONFIRMED
PENDING = Signature.Status.PENDING
SUSPECTED = Signature.Status.SUSPECTED
INVALIDATED = Signature.Status.INVALIDATED
WITHDRAWN = Signature.Status.WITHDRAWN
NOW = datetime(2026, 3, 10, 14, 25, tzinfo=UTC)


def at(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def utc(settings):
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def petition():
    """A petition opened five days before NOW, with signatures of every status, and its stored
    counts made to equal its confirmed signatures."""
    petition = make_petition(opens_at=NOW - timedelta(days=5))
    for count, when, status, country in [
        (3, at(10, 13, 10), CONFIRMED, "KR"),
        (2, at(10, 13, 40), CONFIRMED, "GB"),
        (1, at(10, 14, 5), PENDING, "GB"),
        (2, at(9, 9, 0), SUSPECTED, "GB"),
        (1, at(9, 9, 30), INVALIDATED, "US"),
        (1, at(6, 12, 0), WITHDRAWN, "GB"),
        (4, at(6, 8, 0), CONFIRMED, "US"),
        # The first hour of the 48, and the last moment before it.
        (1, at(8, 15, 30), CONFIRMED, "JP"),
        (1, at(8, 14, 59), CONFIRMED, "JP"),
    ]:
        make_signatures(petition, count, created_at=when, status=status, country=country)
    tally_reconcile(petition_id=petition.pk, fix=True)
    return petition


def counts(period):
    return {status: n for status, n in period.counts.items() if n}


def listed(url):
    """The signatures the admin's list shows at this link, filtered as its query says."""
    parts = urlsplit(url)
    assert parts.path == reverse("admin:signatures_signature_changelist")
    query = {key: value for key, [value] in parse_qs(parts.query).items()}
    return Signature.objects.filter(
        petition_id=query.pop("petition__id__exact"),
        **{key.removesuffix("__exact"): value for key, value in query.items()},
    )


class TestHours:
    def test_the_last_48_hours_end_with_the_current_one(self, petition):
        hours = petition_dashboard(petition, now=NOW).hours

        assert len(hours) == HOURS
        assert hours[0].start == at(8, 15)
        assert hours[-1].start == at(10, 14)
        assert hours[-1].end == at(10, 15)

    def test_each_hour_counts_signatures_signed_in_it_by_status(self, petition):
        hours = petition_dashboard(petition, now=NOW).hours

        assert {period.start: counts(period) for period in hours if period.total} == {
            at(8, 15): {CONFIRMED: 1},
            at(9, 9): {SUSPECTED: 2, INVALIDATED: 1},
            at(10, 13): {CONFIRMED: 5},
            at(10, 14): {PENDING: 1},
        }

    def test_every_hour_and_status_links_to_exactly_its_signatures(self, petition):
        for period in petition_dashboard(petition, now=NOW).hours:
            for status, count, url in period.by_status():
                assert listed(url).filter(status=status).count() == count
                assert listed(url).count() == count
            assert listed(period.url).count() == period.total

    def test_hours_are_an_hour_apart_when_the_clocks_go_back(self, settings):
        settings.TIME_ZONE = "Europe/London"
        # At 01:00 UTC on 25 October 2026 the clocks go back from 02:00 BST to 01:00 GMT, so
        # that 00:30 and 01:30 UTC both read 01:30 in London.
        petition = make_petition(opens_at=datetime(2026, 10, 20, tzinfo=UTC))
        make_signatures(petition, 2, created_at=datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
        make_signatures(petition, 3, created_at=datetime(2026, 10, 25, 1, 30, tzinfo=UTC))

        hours = petition_dashboard(petition, now=datetime(2026, 10, 25, 3, tzinfo=UTC)).hours

        assert [(period.start.hour, period.total) for period in hours[-4:]] == [
            (0, 2),
            (1, 3),
            (2, 0),
            (3, 0),
        ]


class TestDays:
    def test_days_run_from_the_day_the_petition_opened_to_today(self, petition):
        days = petition_dashboard(petition, now=NOW).days

        assert [period.start.date() for period in days] == [
            date(2026, 3, day) for day in range(5, 11)
        ]

    def test_each_day_counts_signatures_signed_on_it_by_status(self, petition):
        days = petition_dashboard(petition, now=NOW).days

        assert {period.start.day: counts(period) for period in days} == {
            5: {},
            6: {CONFIRMED: 4, WITHDRAWN: 1},
            7: {},
            8: {CONFIRMED: 2},
            9: {SUSPECTED: 2, INVALIDATED: 1},
            10: {CONFIRMED: 5, PENDING: 1},
        }

    def test_every_day_and_status_links_to_exactly_its_signatures(self, petition):
        for period in petition_dashboard(petition, now=NOW).days:
            for _, count, url in period.by_status():
                assert listed(url).count() == count
            assert listed(period.url).count() == period.total

    def test_days_are_days_of_the_sites_clock(self, petition, settings):
        settings.TIME_ZONE = "Asia/Seoul"

        days = petition_dashboard(petition, now=NOW).days

        # 15:30 UTC on the 8th is 00:30 on the 9th in Seoul; 14:59 is still the 8th.
        by_day = {timezone.localdate(period.start).day: counts(period) for period in days}
        assert by_day[8] == {CONFIRMED: 1}
        assert by_day[9] == {
            CONFIRMED: 1,
            SUSPECTED: 2,
            INVALIDATED: 1,
        }

    def test_signatures_older_than_the_opening_start_the_days_earlier(self, petition):
        make_signatures(petition, 2, created_at=at(2, 10))

        days = petition_dashboard(petition, now=NOW).days

        assert days[0].start == at(2, 0)
        assert counts(days[0]) == {PENDING: 2}

    def test_at_most_the_last_90_days_are_drawn_and_the_totals_count_every_day(self):
        petition = make_petition(opens_at=NOW - timedelta(days=400))
        make_signatures(petition, 2, created_at=NOW - timedelta(days=300))
        make_signatures(petition, 1, created_at=NOW - timedelta(days=1))

        dashboard = petition_dashboard(petition, now=NOW)

        assert len(dashboard.days) == DAYS
        assert dashboard.days[0].start == at(10, 0) - timedelta(days=DAYS - 1)
        assert sum(period.total for period in dashboard.days) == 1
        assert dashboard.totals[PENDING] == 3


class TestTotalsAndCountries:
    def test_totals_equal_the_signatures_of_each_status(self, petition):
        dashboard = petition_dashboard(petition, now=NOW)

        assert dashboard.totals == {
            status: Signature.objects.filter(petition=petition, status=status).count()
            for status in STATUSES
        }
        assert dashboard.totals == {
            CONFIRMED: 11,
            PENDING: 1,
            SUSPECTED: 2,
            INVALIDATED: 1,
            WITHDRAWN: 1,
        }
        assert dashboard.total == 16
        for status, _, count, url in dashboard.status_totals():
            assert listed(url).count() == count == dashboard.totals[status]

    def test_countries_are_the_stored_counts_most_first(self, petition):
        dashboard = petition_dashboard(petition, now=NOW)

        assert [(country.code, country.count) for country in dashboard.countries] == [
            ("US", 4),
            ("KR", 3),
            ("GB", 2),
            ("JP", 2),
        ]
        assert dashboard.counted == dashboard.totals[CONFIRMED] == 11
        assert dashboard.count_drifted is False
        for country in dashboard.countries:
            assert listed(country.url).count() == country.count

    def test_stored_counts_that_drifted_from_the_signatures_are_told(self, petition):
        SignatureTally.objects.filter(petition=petition, country="US").update(count=7)

        dashboard = petition_dashboard(petition, now=NOW)

        assert dashboard.counted == 14
        assert dashboard.count_drifted is True

    def test_other_petitions_signatures_are_not_counted(self, petition):
        other = make_petition()
        make_signatures(other, 3, created_at=at(10, 13), status=CONFIRMED)
        tally_reconcile(petition_id=other.pk, fix=True)

        dashboard = petition_dashboard(petition, now=NOW)

        assert dashboard.total == 16
        assert dashboard.counted == 11


class TestTrending:
    def alert(self, petition, hour, value="203.0.113.0/24", count=60):
        return TrendingAlert.objects.create(
            petition=petition,
            hour=hour,
            kind=TrendingAlert.Kind.IP_RANGE,
            key=value,
            value=value,
            count=count,
            threshold=50,
        )

    def test_waves_of_the_last_7_days_newest_first_with_their_signatures(self, petition):
        older = self.alert(petition, at(3, 9))
        recent = self.alert(petition, at(9, 9), value="198.51.100.0/24")
        latest = self.alert(petition, at(10, 13))
        self.alert(make_petition(), at(10, 13))

        trending = petition_dashboard(petition, now=NOW).trending

        assert [alert for alert, _ in trending] == [latest, recent]
        assert older not in [alert for alert, _ in trending]
        url = trending[1][1]
        assert "ip_prefix=198.51.100.0%2F24" in url
        assert "created_at__gte=2026-03-09T09%3A00%3A00%2B00%3A00" in url


def test_the_figures_take_four_queries_however_many_signatures(petition, django_assert_num_queries):
    for alert_hour in (at(9, 9), at(10, 13)):
        TrendingAlert.objects.create(
            petition=petition,
            hour=alert_hour,
            kind=TrendingAlert.Kind.IP_RANGE,
            key="203.0.113.0/24",
            value="203.0.113.0/24",
            count=60,
            threshold=50,
        )
    empty = make_petition()

    with django_assert_num_queries(4):
        petition_dashboard(petition, now=NOW)
    with django_assert_num_queries(4):
        petition_dashboard(empty, now=NOW)
