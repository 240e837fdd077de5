"""Waves of signatures from one network or one email domain, found every ten minutes."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from petitions.models import Petition


class TrendingKind(models.TextChoices):
    IP_RANGE = "ip_range", _("IP range")
    EMAIL_DOMAIN = "email_domain", _("email domain")


class TrendingAlertQuerySet(models.QuerySet):
    def since(self, hour):
        return self.filter(hour__gte=hour)

    def due_for_email(self):
        """Never emailed, or grown to twice the count staff were last told of."""
        return self.filter(Q(emailed_at__isnull=True) | Q(count__gte=F("emailed_count") * 2))


class TrendingAlert(models.Model):
    """More signatures on one petition within one hour from one IP range or one email domain
    than the trending thresholds allow: a campaign shared in one place, or fakes.

    One row per petition, hour and source, its count brought up to date as the hour goes on.
    """

    Kind = TrendingKind

    petition = models.ForeignKey(
        Petition,
        on_delete=models.CASCADE,
        related_name="trending_alerts",
        verbose_name=_("petition"),
    )
    hour = models.DateTimeField(_("hour"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # What signatures are grouped by: the IP range itself, or the hash of the email domain.
    key = models.CharField(max_length=64)
    value = models.CharField(_("IP range or email domain"), max_length=254)
    count = models.PositiveIntegerField(_("signatures"))
    threshold = models.PositiveIntegerField(_("threshold"))
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    updated_at = models.DateTimeField(_("last updated"), default=timezone.now)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    emailed_count = models.PositiveIntegerField(_("signatures when emailed"), default=0)

    objects = TrendingAlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("trending alert")
        verbose_name_plural = _("trending alerts")
        ordering = ["-hour", "-count"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "hour", "kind", "key"], name="signatures_trendingalert_unique"
            ),
        ]

    def __str__(self):
        return f"{self.value} {self.hour:%Y-%m-%d %H:00}: {self.count}"
