"""What the defences against fake signatures let through, as staff set it."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SigningLimits(models.Model):
    """How many signatures the defences let through normally, changed by staff in the admin.

    Past a limit, signatures are still accepted, emailed and kept, but held as suspected until
    staff approve them. Whole offices and universities sign from one address, so the defaults
    are generous. Read through the cache, so changes reach every process within a minute.

    The trending thresholds hold nothing: past one, staff are told of a wave of signatures.
    """

    ip_petition_burst = models.PositiveIntegerField(
        _("signatures from one address on one petition within 5 minutes"), default=30
    )
    ip_petition_hourly = models.PositiveIntegerField(
        _("signatures from one address on one petition within an hour"), default=100
    )
    ip_hourly = models.PositiveIntegerField(
        _("signatures from one address on all petitions within an hour"), default=200
    )
    domain_petition_hourly = models.PositiveIntegerField(
        _("signatures with addresses at one email domain on one petition within an hour"),
        default=50,
        help_text=_("Allowed domains, such as the large webmail providers, are not limited."),
    )
    ip_confirmations_hourly = models.PositiveIntegerField(
        _("confirmations from one address within an hour"), default=100
    )
    trending_ip_range_hourly = models.PositiveIntegerField(
        _("signatures from one IP range on one petition within an hour, before staff are alerted"),
        default=50,
        help_text=_("An IPv4 range is a /24, an IPv6 range a /48. Allowed ranges raise no alert."),
    )
    trending_domain_hourly = models.PositiveIntegerField(
        _(
            "signatures with addresses at one email domain on one petition within an hour, "
            "before staff are alerted"
        ),
        default=100,
        help_text=_("Allowed domains, such as the large webmail providers, raise no alert."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("signing limits")
        verbose_name_plural = _("signing limits")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="signatures_signinglimits_one_row"),
        ]

    def __str__(self):
        return str(_("Signing limits"))


class SourceAction(models.TextChoices):
    ALLOW = "allow", _("Allow past the limits")
    BLOCK = "block", _("Block: hold as suspected")


class SourceKind(models.TextChoices):
    NETWORK = "network", _("IP address or range")
    DOMAIN = "domain", _("email domain")
    EMAIL = "email", _("email address")


class SourceRule(models.Model):
    """An IP range, email domain or email address that staff allow past the limits, or block.

    Blocked sources are treated like signatures over a limit: accepted, and held as suspected.
    """

    Action = SourceAction
    Kind = SourceKind

    action = models.CharField(_("action"), max_length=5, choices=Action.choices)
    kind = models.CharField(_("kind"), max_length=7, choices=Kind.choices, editable=False)
    value = models.CharField(
        _("IP range, domain or address"),
        max_length=254,
        help_text=_(
            "An IP address or range (203.0.113.0/24, 2001:db8::/48); an email domain "
            "(example.org), or *.example.org for that domain and every domain under it; or, "
            "to block only, one email address."
        ),
    )
    note = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("Why, for whoever reads this next.")
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("allowed or blocked source")
        verbose_name_plural = _("allowed and blocked sources")
        ordering = ["action", "kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="signatures_sourcerule_unique"),
            models.CheckConstraint(
                condition=~Q(kind=SourceKind.EMAIL, action=SourceAction.ALLOW),
                name="signatures_sourcerule_addresses_only_blocked",
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.value}"
