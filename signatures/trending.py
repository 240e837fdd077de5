"""Waves of signatures: more on one petition within one hour from one IP range or one email
domain than the trending thresholds of the signing limits allow.

A task (`find_trending_signatures`) looks every 10 minutes at the current hour and the two
before it, so that an hour is seen as it grows and once more after it ends. Each wave is
recorded once and its count kept up to date; the staff who asked are emailed about it once,
and again only if it doubles. Every signature counts, whatever its status: a wave of fakes
shows before anyone confirms it, or never does.
"""

import ipaddress
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Count, F
from django.db.models.functions import TruncHour
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from petitions.absolute_urls import absolute_url

from .defences import Rules, domain_matches
from .identity import ascii_domain
from .models import ConfirmationToken, Signature, SigningLimits, TrendingAlert
from .selectors import trending_alert_recipients

logger = logging.getLogger(__name__)

HOURS = 3


@dataclass(frozen=True)
class Source:
    kind: str
    field: str  # of Signature: what its signatures are grouped by
    threshold: str  # of SigningLimits


SOURCES = (
    Source(TrendingAlert.Kind.IP_RANGE, "ip_prefix", "trending_ip_range_hourly"),
    Source(TrendingAlert.Kind.EMAIL_DOMAIN, "email_domain_hash", "trending_domain_hourly"),
)
FIELDS = {source.kind: source.field for source in SOURCES}


def window_start(now: datetime) -> datetime:
    # Hours of UTC, which are whole hours of the local clock nearly everywhere.
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return hour - timedelta(hours=HOURS - 1)


def trending_alerts_record(*, now: datetime | None = None) -> list[TrendingAlert]:
    """Record each wave in the window with its count as it stands; return them.

    One grouped query per kind of source. A second run updates the records of the first.
    """
    now = now or timezone.now()
    since = window_start(now)
    limits = SigningLimits.objects.first() or SigningLimits()
    rules = Rules.from_database()
    known = {
        (alert.petition_id, alert.hour, alert.kind, alert.key): alert.value
        for alert in TrendingAlert.objects.since(since)
    }
    alerts = []
    for source in SOURCES:
        threshold = getattr(limits, source.threshold)
        if not threshold:  # 0 turns it off, as for the limits
            continue
        for wave in _waves(source, since=since, threshold=threshold):
            identity = (wave["petition_id"], wave["hour"], source.kind, wave["key"])
            value = known.get(identity) or _value(
                source, wave["petition_id"], wave["hour"], wave["key"]
            )
            if _allowed(source, value, rules):
                continue
            alerts.append(
                TrendingAlert(
                    petition_id=wave["petition_id"],
                    hour=wave["hour"],
                    kind=source.kind,
                    key=wave["key"],
                    value=value,
                    count=wave["count"],
                    threshold=threshold,
                    first_seen=now,
                    updated_at=now,
                )
            )
    # One statement, which two runs at once may both send: the second updates the first's rows.
    TrendingAlert.objects.bulk_create(
        alerts,
        update_conflicts=True,
        unique_fields=["petition", "hour", "kind", "key"],
        update_fields=["count", "threshold", "updated_at"],
    )
    return alerts


def _waves(source: Source, *, since: datetime, threshold: int):
    """Petition, hour, key and count of each group of signatures above the threshold."""
    return (
        Signature.objects.filter(created_at__gte=since)
        .exclude(**{source.field: ""})
        .values("petition_id", hour=TruncHour("created_at", tzinfo=UTC), key=F(source.field))
        .annotate(count=Count("*"))
        .filter(count__gt=threshold)
        .order_by()
    )


def _value(source: Source, petition_id: int, hour: datetime, key: str) -> str:
    """What staff are shown: the range itself, or the domain, which only the signers' details
    hold in the clear.

    A pending signature holds no details until it is confirmed: its submission does.
    """
    if source.kind == TrendingAlert.Kind.IP_RANGE:
        return key
    signatures = Signature.objects.filter(
        petition_id=petition_id,
        created_at__gte=hour,
        created_at__lt=hour + timedelta(hours=1),
        email_domain_hash=key,
    )
    signer = (
        signatures.filter(confirmed_at__isnull=False).first()
        or ConfirmationToken.objects.filter(signature__in=signatures).first()
    )
    return ascii_domain(signer.email) if signer else ""


def _allowed(source: Source, value: str, rules: Rules) -> bool:
    """Whether staff allow the source past the limits: a campaign they know of, no wave."""
    if source.kind == TrendingAlert.Kind.EMAIL_DOMAIN:
        return domain_matches(value, rules.allowed_domains)
    network = ipaddress.ip_network(value)
    return any(
        network.version == allowed.version and network.subnet_of(allowed)
        for allowed in rules.allowed_networks
    )


def trending_alerts_email(*, now: datetime | None = None) -> int:
    """Email the staff who asked about each wave in the window that they have not been told of,
    or that doubled since; return how many waves they were told of.

    Each alert is claimed before the email goes, so that two runs at once never both send it,
    and given back if no email went, for the next run to try again.
    """
    now = now or timezone.now()
    recipients = trending_alert_recipients()
    if not recipients:
        return 0
    due = TrendingAlert.objects.since(window_start(now)).due_for_email().select_related("petition")
    claimed = [alert for alert in due if _claim(alert, now)]
    if not claimed:
        return 0
    sent = [_send(claimed, user) for user in recipients]
    if not any(sent):
        for alert in claimed:
            TrendingAlert.objects.filter(pk=alert.pk).update(
                emailed_at=alert.emailed_at, emailed_count=alert.emailed_count
            )
        return 0
    return len(claimed)


def _claim(alert: TrendingAlert, now: datetime) -> bool:
    claimed = TrendingAlert.objects.filter(
        pk=alert.pk, emailed_at=alert.emailed_at, emailed_count=alert.emailed_count
    ).update(emailed_at=now, emailed_count=alert.count)
    return claimed == 1


def _send(alerts: list[TrendingAlert], user) -> bool:
    # Staff have no language of their own: the site's.
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "alerts": [(alert, absolute_url(signatures_admin_path(alert))) for alert in alerts],
            "alerts_url": absolute_url(reverse("admin:signatures_trendingalert_changelist")),
        }
        prefix = "signatures/email/trending"
        subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
        body = render_to_string(f"{prefix}.txt", context)
    try:
        EmailMessage(subject, body, to=[user.email]).send()
    except Exception as error:
        logger.warning(
            "Mail server failed for trending alerts to user %s: %s", user.pk, type(error).__name__
        )
        return False
    return True


def signatures_admin_path(alert: TrendingAlert) -> str:
    """The admin's list of the signatures that make up the wave."""
    query = {
        "petition__id__exact": alert.petition_id,
        "created_at__gte": alert.hour.isoformat(),
        "created_at__lt": (alert.hour + timedelta(hours=1)).isoformat(),
        FIELDS[alert.kind]: alert.key,
    }
    return f"{reverse('admin:signatures_signature_changelist')}?{urlencode(query)}"
