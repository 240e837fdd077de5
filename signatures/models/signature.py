"""A signature, one per mailbox and petition, and the words of its name that staff search by."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from petitions.models import Petition

from ..display import public_form
from ..fields import SealedField
from ..identity import email_hash, format_receipt
from .signer import NameVisibility, SignatureStatus, SignerDetails, Suspicion


def awaiting_confirmation(through: str = "") -> Q:
    """The condition on a signature, or on the one reached through `through`, that it waits
    for its signer to open their link."""
    return Q(**{f"{through}status": SignatureStatus.PENDING}) | Q(
        **{f"{through}status": SignatureStatus.SUSPECTED, f"{through}confirmed_at__isnull": True}
    )


class SignatureQuerySet(models.QuerySet):
    def for_petition(self, petition):
        return self.filter(petition=petition)

    def pending(self):
        return self.filter(status=Signature.Status.PENDING)

    def confirmed(self):
        return self.filter(status=Signature.Status.CONFIRMED)

    def suspected(self):
        return self.filter(status=Signature.Status.SUSPECTED)

    def awaiting_confirmation(self):
        """Waiting for the signer to open their link: pending, or suspected before confirming."""
        return self.filter(awaiting_confirmation())

    def confirmed_by_signer(self):
        """Confirmed by the signer, whether it counts or is held as suspected."""
        return self.filter(
            Q(status=Signature.Status.CONFIRMED)
            | Q(status=Signature.Status.SUSPECTED, confirmed_at__isnull=False)
        )

    def abandoned(self):
        """Pending for longer than a link lasts, with every link it was sent expired.

        A link lasts from when it was sent, or from the submission while it waits to be sent.
        """
        cutoff = timezone.now() - settings.SIGNATURE_CONFIRMATION_TTL
        return (
            self.awaiting_confirmation()
            .filter(created_at__lt=cutoff)
            .exclude(confirmation_tokens__created_at__gte=cutoff)
            .exclude(confirmation_tokens__sent_at__gte=cutoff)
        )

    def shown_publicly(self):
        return self.filter(name_visibility=Signature.NameVisibility.PUBLIC)

    def recent_first(self):
        return self.order_by("-confirmed_at", "-pk")

    def with_email(self, address):
        return self.filter(email_hash=email_hash(address))

    def opened_rows(self, *fields, chunk_size=2000):
        """Rows of `fields`, as `values_list` gives them but with sealed details opened,
        streamed `chunk_size` at a time."""
        meta = self.model._meta
        sealed = {
            index: field
            for index, field in enumerate(map(meta.get_field, fields))
            if isinstance(field, SealedField)
        }
        rows = self.values_list(*fields, self.model.sealed_row_field)
        for *values, row in rows.iterator(chunk_size=chunk_size):
            for index, field in sealed.items():
                values[index] = field.unseal_for_row(values[index], row)
            yield tuple(values)

    def not_anonymised(self):
        return self.filter(anonymised_at__isnull=True)

    def invalidated(self):
        return self.filter(status=Signature.Status.INVALIDATED)

    def invalidatable(self):
        return self.filter(status__in=Signature.INVALIDATABLE)


class Signature(SignerDetails):
    Status = SignatureStatus
    NameVisibility = NameVisibility
    # Set before the row is inserted and never changed: its details are sealed to it.
    sealed_row_field = "public_id"

    # Indexed by the unique constraint and the indexes that start with it: an index of its own
    # would only cost every signing one more to write.
    petition = models.ForeignKey(
        Petition,
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name=_("petition"),
        db_index=False,
    )
    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    # A default in the database as well, for rows written by COPY (sample signatures).
    suspicion = models.CharField(
        _("held because it"),
        max_length=20,
        choices=Suspicion.choices,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )
    # A keyed hash of the canonical address (identity.email_hash): one signature per mailbox,
    # and staff's search by address, without the address.
    # NULL, unlike "", may repeat: withdrawn signatures must not collide with each other.
    email_hash = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, editable=False
    )
    # Where it came from, coarse enough to group waves of signatures by and for staff to search
    # by, in columns an index can hold: the network rather than the address, and a keyed hash of
    # the email domain.
    ip_prefix = models.CharField(
        _("IP range"), max_length=49, blank=True, default="", editable=False
    )
    email_domain_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    receipt = models.CharField(_("receipt code"), max_length=16, editable=False)
    # The hash of the link that confirmed it, so that opening that link again can say so.
    confirmed_link_hash = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, editable=False
    )
    # What an invalidated signature was before, so that restoring it puts it back as it was.
    invalidated_from = models.CharField(
        _("status before it was invalidated"),
        max_length=12,
        choices=Status.choices,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )
    emails_sent = models.PositiveSmallIntegerField(_("emails sent"), default=0, editable=False)
    created_at = models.DateTimeField(_("signed at"), default=timezone.now, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, editable=False)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)
    # Set once its petition's retention period is over and ERASED_DETAILS were erased.
    anonymised_at = models.DateTimeField(
        _("details erased at"), null=True, blank=True, editable=False
    )

    objects = SignatureQuerySet.as_manager()

    # What staff may invalidate; withdrawn ones are already out, invalidated ones already in.
    INVALIDATABLE = (Status.PENDING, Status.CONFIRMED, Status.SUSPECTED)

    # What withdrawing and the end of the retention period erase, and what each becomes: the
    # signer's personal data and whatever leads back to it. Country, status, dates and receipt
    # stay, so that counts add up and delivered lists still verify. A column holding personal
    # data, or derived from it, belongs here.
    ERASED_DETAILS = {
        "full_name": "",
        "email_address": "",
        "email_hash": None,
        "email_domain_hash": "",
        "town": "",
        "ip_address": None,
        "ip_prefix": "",
        "confirmed_link_hash": None,
        "wants_updates": False,
    }

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["-created_at"]
        # The admin's actions ask for these rather than "change signature", whose form has
        # nothing to change; README, "Staff roles", maps them to the roles.
        permissions = [
            ("approve_signature", _("Can approve suspected signatures")),
            ("invalidate_signature", _("Can invalidate signatures")),
            ("withdraw_signature", _("Can withdraw signatures, erasing their signers' details")),
            ("view_full_email", _("Can see signers' full email addresses")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "email_hash"],
                name="signatures_signature_one_per_email",
            ),
            models.UniqueConstraint(fields=["public_id"], name="signatures_signature_public_id"),
            models.UniqueConstraint(fields=["receipt"], name="signatures_signature_receipt"),
            models.UniqueConstraint(
                fields=["confirmed_link_hash"], name="signatures_signature_confirmed_link"
            ),
            models.CheckConstraint(
                condition=~Q(status=SignatureStatus.CONFIRMED) | Q(confirmed_at__isnull=False),
                name="signatures_signature_confirmed_has_date",
            ),
            # An invalidated signature keeps why it was held, for the day it is restored.
            models.CheckConstraint(
                condition=Q(status=SignatureStatus.SUSPECTED, suspicion__gt="")
                | Q(status=SignatureStatus.INVALIDATED)
                | Q(suspicion=""),
                name="signatures_signature_suspected_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status=SignatureStatus.INVALIDATED) | Q(invalidated_from=""),
                name="signatures_signature_invalidated_from",
            ),
        ]
        indexes = [
            models.Index(
                fields=["petition", "status", "-confirmed_at"],
                name="signatures_petition_recent",
            ),
            # Only the rows still holding details, so that the daily erasure finds what is left
            # of a petition in batches without reading the rows it already erased.
            models.Index(
                fields=["petition", "id"],
                condition=Q(anonymised_at__isnull=True),
                name="signatures_not_anonymised",
            ),
            # The search for waves of signatures reads the last hours' rows through this index.
            models.Index(fields=["created_at"], name="signatures_created"),
            # The dashboard counts a petition's signatures by hour and day of signing and by status
            # from this index alone, without reading the rows (docs/benchmarks.md).
            models.Index(
                fields=["petition", "created_at", "status"], name="signatures_petition_created"
            ),
            models.Index(
                fields=["petition", "email_domain_hash"], name="signatures_petition_domain"
            ),
            models.Index(fields=["ip_prefix"], name="signatures_ip_prefix"),
            # The staff list filtered by status or by country, newest first, reads a page of a
            # million signatures from these without sorting them (docs/benchmarks.md).
            models.Index(fields=["status", "-created_at"], name="signatures_status_created"),
            models.Index(fields=["country", "-created_at"], name="signatures_country_created"),
            # Staff search by address and by domain on every petition at once; the unique
            # constraint and signatures_petition_domain serve one petition only.
            models.Index(fields=["email_hash"], name="signatures_email_hash"),
            models.Index(fields=["email_domain_hash"], name="signatures_email_domain"),
        ]

    def __str__(self):
        return f"{format_receipt(self.receipt)} ({self.get_status_display()})"

    def erase_details(self) -> None:
        for field, erased in self.ERASED_DETAILS.items():
            setattr(self, field, erased)

    @property
    def public_name(self):
        return public_form(self.full_name)

    @property
    def is_counted(self):
        return self.status == self.Status.CONFIRMED

    @property
    def is_confirmed_by_signer(self):
        return self.status == self.Status.CONFIRMED or (
            self.status == self.Status.SUSPECTED and self.confirmed_at is not None
        )

    @property
    def status_for_signer(self):
        """What its signer is told: a suspected signature reads like any other."""
        if self.status != self.Status.SUSPECTED:
            return self.Status(self.status)
        return self.Status.CONFIRMED if self.confirmed_at else self.Status.PENDING


class SignatureNameToken(models.Model):
    """One word of a signature's name, as a keyed hash (signatures/name_index.py): how staff
    find a signature by name while the name itself is sealed."""

    # Indexed by the unique constraint, which starts with it.
    signature = models.ForeignKey(
        Signature, on_delete=models.CASCADE, related_name="name_tokens", db_index=False
    )
    token = models.CharField(max_length=16)

    class Meta:
        verbose_name = _("name token")
        verbose_name_plural = _("name tokens")
        constraints = [
            models.UniqueConstraint(
                fields=["signature", "token"], name="signatures_nametoken_unique"
            ),
        ]
        indexes = [
            # A search reads the signatures holding a token from this index alone.
            models.Index(fields=["token", "signature"], name="signatures_nametoken_token"),
        ]

    def __str__(self):
        return f"{self.signature_id}: {self.token}"
