from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PetitionQuerySet(models.QuerySet):
    def public(self):
        return self.exclude(status=Petition.Status.DRAFT)

    def open(self):
        """Accepting signatures now: opened by staff, and within its dates."""
        now = timezone.now()
        return self.filter(
            Q(opens_at__isnull=True) | Q(opens_at__lte=now),
            Q(closes_at__isnull=True) | Q(closes_at__gt=now),
            status=Petition.Status.OPEN,
        )

    def finished(self):
        """Closed or delivered, or still marked open but past its deadline."""
        return self.filter(
            Q(status__in=[Petition.Status.CLOSED, Petition.Status.DELIVERED])
            | Q(status=Petition.Status.OPEN, closes_at__lte=timezone.now())
        )

    def with_signature_count(self):
        # The tallies are written by the signatures app; summing a petition's few rows is cheap.
        return self.annotate(signature_count=Coalesce(Sum("signature_tallies__count"), 0))

    def most_signed_first(self):
        return self.with_signature_count().order_by("-signature_count", "-opens_at", "title")

    def visible_to(self, user):
        if user.is_authenticated and user.is_staff:
            return self.all()
        return self.public()


def default_retention_days():
    return settings.SIGNATURE_RETENTION.days


class Petition(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        DELIVERED = "delivered", _("Delivered")

    slug = models.SlugField(_("slug"), max_length=100, db_index=False)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500)
    body = models.TextField(_("body"))
    target = models.CharField(
        _("addressed to"),
        max_length=200,
        help_text=_("Whom the petition asks, e.g. a government."),
    )
    recipient = models.CharField(
        _("recipient"),
        max_length=200,
        help_text=_("Who receives the delivered petition, e.g. an embassy."),
    )
    organiser_name = models.CharField(_("organiser"), max_length=200)
    language = models.CharField(
        _("language of the text"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("The petition is shown as written, in this language, whatever the reader's."),
    )
    goal = models.PositiveIntegerField(_("signature goal"), default=1000)
    requires_challenge = models.BooleanField(
        _("challenge for bots"),
        default=True,
        help_text=_(
            "Signers' browsers solve a small puzzle before signing, which makes signing by "
            "script slow. Signatures sent without a solution are kept, held as suspected for "
            "staff to review."
        ),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    retention_days = models.PositiveIntegerField(
        _("days to keep signers' details"),
        default=default_retention_days,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Counted from the day the petition closes or is delivered. Then names, email "
            "addresses, towns and IP addresses are erased; countries and counts remain."
        ),
    )
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    # When staff closed or delivered it; a petition that ran out of time has only its closes_at.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PetitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        ordering = ["-opens_at", "title"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="petitions_petition_slug_unique"),
            models.CheckConstraint(
                condition=Q(goal__gt=0), name="petitions_petition_goal_positive"
            ),
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True)
                | Q(opens_at__isnull=True)
                | Q(closes_at__gt=models.F("opens_at")),
                name="petitions_petition_closes_after_opens",
            ),
            models.CheckConstraint(
                condition=Q(retention_days__gte=1), name="petitions_petition_retention_positive"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # However the status changes (an action, the admin's form, a command), a finished
        # petition knows when it closed, and a reopened one forgets it.
        if self.status in (self.Status.CLOSED, self.Status.DELIVERED):
            self.closed_at = self.closed_at or timezone.now()
        else:
            self.closed_at = None
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("petitions:detail", kwargs={"slug": self.slug})

    @property
    def is_open(self):
        return self.status == self.Status.OPEN and not self.opens_later and not self.has_expired

    @property
    def opens_later(self):
        return self.opens_at is not None and self.opens_at > timezone.now()

    @property
    def has_expired(self):
        return self.closes_at is not None and self.closes_at <= timezone.now()

    @property
    def current_status(self):
        """The status a reader should see: an open petition past its deadline is closed."""
        if self.status == self.Status.OPEN and self.has_expired:
            return self.Status.CLOSED
        return self.Status(self.status)

    @property
    def is_finished(self):
        return self.current_status in (self.Status.CLOSED, self.Status.DELIVERED)

    @property
    def finished_at(self):
        """When it stopped taking signatures: its deadline, or earlier if staff closed it."""
        if not self.is_finished:
            return None
        deadline = self.closes_at if self.has_expired else None
        moments = [moment for moment in (self.closed_at, deadline) if moment is not None]
        return min(moments, default=None)

    @property
    def personal_data_due_at(self):
        """When its signers' personal data is to be erased: the retention period after it
        finished, or later while staff hold it. None while it still takes signatures.

        The latest hold decides, so that a later, shorter hold ends an earlier one.
        """
        finished_at = self.finished_at
        if finished_at is None:
            return None
        due_at = finished_at + timedelta(days=self.retention_days)
        hold = self.retention_hold
        return max(due_at, hold.ends_at) if hold is not None else due_at

    @property
    def retention_hold(self):
        # From the prefetched holds when there are some, so that a list of petitions costs
        # one query for all of their holds.
        if self.pk is None:
            return None
        return max(self.retention_holds.all(), key=lambda hold: hold.created_at, default=None)

    def open(self):
        """Open for signatures now, unless the deadline has passed (then nothing changes)."""
        if self.has_expired:
            return False
        self.status = self.Status.OPEN
        if self.opens_at is None or self.opens_later:
            self.opens_at = timezone.now()
        self.save(update_fields=["status", "opens_at", "closed_at", "updated_at"])
        return True

    def close(self):
        self.status = self.Status.CLOSED
        self.save(update_fields=["status", "closed_at", "updated_at"])

    def mark_delivered(self):
        # A petition closed before it was delivered keeps the day it closed.
        self.status = self.Status.DELIVERED
        self.save(update_fields=["status", "closed_at", "updated_at"])


class Demand(models.Model):
    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="demands", verbose_name=_("petition")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    text = models.TextField(_("text"), max_length=1000)

    class Meta:
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        ordering = ["petition", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "position"], name="petitions_demand_position_unique"
            ),
        ]

    def __str__(self):
        return self.text


class RetentionHold(models.Model):
    """Staff keeping a petition's signers' data past its retention period, and why.

    Holds are history, never changed or deleted: the latest one applies.
    """

    petition = models.ForeignKey(
        Petition,
        on_delete=models.CASCADE,
        related_name="retention_holds",
        verbose_name=_("petition"),
    )
    held_until = models.DateField(
        _("keep until"), help_text=_("Signers' details are erased the day after.")
    )
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("hold on erasing signers' details")
        verbose_name_plural = _("holds on erasing signers' details")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="petitions_retentionhold_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.petition} until {self.held_until:%Y-%m-%d}"

    @property
    def ends_at(self):
        """The end of its last day, where the site is."""
        next_day = self.held_until + timedelta(days=1)
        return datetime.combine(next_day, time.min, tzinfo=timezone.get_default_timezone())
