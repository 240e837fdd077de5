"""Staff invalidating a set of signatures at once, and each signature it changed."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from petitions.models import Petition

from ..display import masked_email
from ..identity import email_hash
from .signature import Signature
from .signer import SignatureStatus


class InvalidationState(models.TextChoices):
    DRAFT = "draft", _("Not started")
    RUNNING = "running", _("Running")
    CANCELLED = "cancelled", _("Cancelled")
    FINISHED = "finished", _("Finished")
    UNDOING = "undoing", _("Being undone")
    UNDONE = "undone", _("Undone")


def _staff_member(verbose_name):
    """Who did something to an invalidation; kept as nobody if their account goes."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=verbose_name,
        editable=False,
    )


class Invalidation(models.Model):
    """Staff invalidating every signature of a petition that matches some criteria, in batches.

    Which signatures it changed, and what each was, are its items, so that undoing it restores
    exactly those.
    """

    State = InvalidationState

    petition = models.ForeignKey(
        Petition,
        on_delete=models.PROTECT,
        related_name="invalidations",
        verbose_name=_("petition"),
    )
    # The address staff typed is a signer's: kept as its keyed hash, which finds the signature
    # (identity.email_hash), and masked for reading back. Set both through `email`.
    email_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    email_masked = models.CharField(
        _("email address"), max_length=254, blank=True, default="", editable=False
    )
    domain = models.CharField(_("email domain"), max_length=253, blank=True)
    ip_range = models.CharField(
        _("IP address or range"),
        max_length=49,
        blank=True,
        help_text=_("One address, or a range such as 203.0.113.0/24 or 2001:db8::/48."),
    )
    name_pattern = models.CharField(
        _("name"),
        max_length=100,
        blank=True,
        help_text=_("Part of the name, in any case; * stands for anything, as in “J* Smith”."),
    )
    country = CountryField(_("country"), blank=True)
    signed_from = models.DateTimeField(_("signed from"), null=True, blank=True)
    signed_until = models.DateTimeField(_("signed until"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    created_by = _staff_member(_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.DRAFT, editable=False
    )
    # Read by the task between batches: it stops once the batch under way is done.
    cancel_requested = models.BooleanField(_("cancel requested"), default=False, editable=False)
    # Who started and who undid it, for the audit entry that the background task writes.
    started_by = _staff_member(_("started by"))
    started_at = models.DateTimeField(_("started at"), null=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, editable=False)
    undone_by = _staff_member(_("undone by"))
    undone_at = models.DateTimeField(_("undone at"), null=True, editable=False)
    # When the run or its undoing last moved on: one that stops moving lost its worker, and
    # is queued again (invalidations_resume_stalled).
    progressed_at = models.DateTimeField(_("last moved on at"), null=True, editable=False)
    # The last signature a batch looked at: signatures are read in order of their keys.
    cursor = models.PositiveBigIntegerField(default=0, editable=False)
    matched = models.PositiveIntegerField(_("matched when started"), default=0, editable=False)
    changed = models.PositiveIntegerField(_("invalidated"), default=0, editable=False)
    restored = models.PositiveIntegerField(_("restored"), default=0, editable=False)
    left_alone = models.PositiveIntegerField(
        _("changed since, left alone"), default=0, editable=False
    )

    class Meta:
        verbose_name = _("invalidation")
        verbose_name_plural = _("invalidations")
        ordering = ["-created_at"]
        permissions = [("run_invalidation", _("Can start, cancel and undo invalidations"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_from__isnull=True)
                | Q(signed_until__isnull=True)
                | Q(signed_from__lt=F("signed_until")),
                name="signatures_invalidation_from_before_until",
            ),
        ]

    def __str__(self):
        return f"{self.petition}: {self.reason[:60]}"

    @property
    def email(self):
        return self.email_masked

    @email.setter
    def email(self, address):
        self.email_hash = email_hash(address) if address else ""
        self.email_masked = masked_email(address)

    @property
    def is_in_progress(self):
        return self.state in (self.State.RUNNING, self.State.UNDOING)


class InvalidationItem(models.Model):
    """One signature an invalidation changed, and what it was before."""

    invalidation = models.ForeignKey(Invalidation, on_delete=models.CASCADE, related_name="items")
    signature = models.ForeignKey(Signature, on_delete=models.CASCADE, related_name="+")
    previous_status = models.CharField(max_length=12, choices=SignatureStatus.choices)
    # None until the invalidation is undone; then whether undoing restored it, or left it alone
    # because it had changed since (withdrawn by its signer, or restored by hand).
    restored = models.BooleanField(null=True)

    class Meta:
        verbose_name = _("invalidated signature")
        verbose_name_plural = _("invalidated signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["invalidation", "signature"], name="signatures_invalidationitem_unique"
            ),
        ]

    def __str__(self):
        return f"{self.invalidation_id}/{self.signature_id}: {self.previous_status}"
