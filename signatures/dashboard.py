"""The figures of a petition's dashboard for staff, each read with one grouped query.

Signatures are grouped by when they were signed (`created_at`) and by the status they have
now, in the site's time zone. Every figure is what the database holds at the moment of reading:
nothing here is cached.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Count
from django.db.models.functions import TruncDate, TruncHour
from django.urls import reverse
from django.utils import timezone
from django_countries import countries

from .models import Signature, TrendingAlert
from .selectors import stored_counts_by_country
from .trending import signatures_admin_path

HOURS = 48
DAYS = 90
TRENDING_DAYS = 7
# The order of the charts' stacks, counted signatures at the bottom.
STATUSES = (
    Signature.Status.CONFIRMED,
    Signature.Status.PENDING,
    Signature.Status.SUSPECTED,
    Signature.Status.INVALIDATED,
    Signature.Status.WITHDRAWN,
)


def signature_list_url(petition, **filters) -> str:
    """The admin's list of the petition's signatures, filtered as its own filters do."""
    query = {"petition__id__exact": petition.pk, **filters}
    return f"{reverse('admin:signatures_signature_changelist')}?{urlencode(query)}"


@dataclass(frozen=True)
class Period:
    """Signatures signed from `start` until `end`, by the status each has now."""

    petition: object
    start: datetime
    end: datetime
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self):
        return sum(self.counts.values())

    @property
    def url(self):
        return self._url()

    def by_status(self) -> list[tuple[str, int, str]]:
        """(status, count, the list of those signatures) for each status, in STATUSES order."""
        return [(status, self.counts.get(status, 0), self._url(status)) for status in STATUSES]

    def _url(self, status=None):
        filters = {
            "created_at__gte": self.start.isoformat(),
            "created_at__lt": self.end.isoformat(),
        }
        if status is not None:
            filters["status__exact"] = status
        return signature_list_url(self.petition, **filters)


@dataclass(frozen=True)
class Country:
    code: str
    count: int
    url: str

    @property
    def name(self):
        # Named when shown, in the reader's language.
        return countries.name(self.code)


@dataclass(frozen=True)
class Dashboard:
    petition: object
    hours: list[Period]
    days: list[Period]
    totals: dict[str, int]
    # Confirmed signatures as the petition's stored counts have them, by country, most first.
    countries: list[Country]
    # Each wave with the list of its signatures.
    trending: list[tuple[TrendingAlert, str]]
    read_at: datetime

    def status_totals(self) -> list[tuple[str, str, int, str]]:
        """(status, its name, count, the list of those signatures) for each status."""
        return [
            (
                status,
                Signature.Status(status).label,
                self.totals[status],
                signature_list_url(self.petition, status__exact=status),
            )
            for status in STATUSES
        ]

    @property
    def total(self):
        return sum(self.totals.values())

    @property
    def url(self):
        return signature_list_url(self.petition)

    @property
    def counted(self):
        return sum(country.count for country in self.countries)

    @property
    def count_drifted(self):
        """Whether the stored counts differ from the confirmed rows: `reconcile_counts` repairs."""
        return self.counted != self.totals[Signature.Status.CONFIRMED]


def petition_dashboard(petition, *, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    hours, days, totals = signatures_per_hour_and_day(petition, now=now)
    return Dashboard(
        petition=petition,
        hours=hours,
        days=days,
        totals=totals,
        countries=counted_by_country(petition),
        trending=recent_trending_alerts(petition, now=now),
        read_at=now,
    )


def signatures_per_hour_and_day(petition, *, now: datetime):
    """The last HOURS hours, the days since the petition opened or was first signed (the last
    DAYS at most), and the totals of its whole life by status: two grouped queries.

    Hours are hours of UTC, which are whole hours of the site's clock except where it is offset
    by half an hour: so that the hour the clocks go back is two bars, not one, and each bar's
    link lists exactly its signatures. Days are days of the site's clock.
    """
    signatures = Signature.objects.for_petition(petition).order_by()
    first_hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(
        hours=HOURS - 1
    )
    by_hour = (
        signatures.filter(created_at__gte=first_hour)
        .values("status", hour=TruncHour("created_at", tzinfo=UTC))
        .annotate(count=Count("*"))
    )
    # Every signature of the petition, whenever signed: the days' rows add up to the totals.
    by_day = list(
        signatures.values("status", day=TruncDate("created_at")).annotate(count=Count("*"))
    )

    hours = [_hour(petition, first_hour + timedelta(hours=n)) for n in range(HOURS)]
    hours_by_start = {period.start: period for period in hours}
    for row in by_hour:
        period = hours_by_start.get(row["hour"])
        if period is not None:
            period.counts[row["status"]] = row["count"]

    today = timezone.localdate(now)
    opened = timezone.localdate(petition.opens_at or petition.created_at)
    began = min([opened, *(row["day"] for row in by_day)])
    first_day = max(began, today - timedelta(days=DAYS - 1))
    days = [
        _day(petition, first_day + timedelta(days=n)) for n in range((today - first_day).days + 1)
    ]
    days_by_date = {timezone.localdate(period.start): period for period in days}
    totals = dict.fromkeys(STATUSES, 0)
    for row in by_day:
        totals[row["status"]] += row["count"]
        period = days_by_date.get(row["day"])
        if period is not None:
            period.counts[row["status"]] = row["count"]
    return hours, days, totals


def _hour(petition, start: datetime) -> Period:
    return Period(petition=petition, start=start, end=start + timedelta(hours=1), counts={})


def _day(petition, day: date) -> Period:
    start = timezone.make_aware(datetime.combine(day, time()))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time()))
    return Period(petition=petition, start=start, end=end, counts={})


def counted_by_country(petition) -> list[Country]:
    counts = stored_counts_by_country(petition.pk)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [
        Country(
            code,
            count,
            signature_list_url(
                petition, status__exact=Signature.Status.CONFIRMED, country__exact=code
            ),
        )
        for code, count in ordered
    ]


def recent_trending_alerts(petition, *, now: datetime) -> list[tuple[TrendingAlert, str]]:
    alerts = TrendingAlert.objects.filter(petition=petition).since(
        now - timedelta(days=TRENDING_DAYS)
    )
    return [(alert, signatures_admin_path(alert)) for alert in alerts.order_by("-hour", "-count")]
