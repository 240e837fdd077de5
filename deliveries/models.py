import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from petitions.models import Petition


class DeliveryQuerySet(models.QuerySet):
    def delivered(self):
        return self.filter(status=Delivery.Status.DELIVERED)

    def latest_delivered_for(self, petition):
        return self.delivered().filter(petition=petition).order_by("-delivered_at").first()


class Delivery(models.Model):
    """The package handed to a recipient: what was in it is frozen here and in its manifest."""

    class Status(models.TextChoices):
        PREPARING = "preparing", _("Being prepared")
        PREPARED = "prepared", _("Prepared")
        FAILED = "failed", _("Could not be prepared")
        DELIVERED = "delivered", _("Delivered")

    petition = models.ForeignKey(
        Petition, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("petition")
    )
    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    recipient_name = models.CharField(_("recipient"), max_length=200)
    recipient_address = models.TextField(_("recipient's postal address"), blank=True)
    cutoff = models.DateTimeField(
        _("cutoff"), help_text=_("Signatures confirmed after this moment are not included.")
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("prepared by"),
    )
    prepared_at = models.DateTimeField(_("prepared at"), default=timezone.now, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PREPARING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, editable=False)
    error = models.TextField(_("error"), blank=True, editable=False)
    total = models.PositiveIntegerField(_("signatures included"), default=0, editable=False)
    counts_by_country = models.JSONField(_("signatures by country"), default=dict, editable=False)
    # Published in the manifest: with receipts of 74 bits it reveals nothing, and it makes this
    # delivery's leaves differ from every other's.
    salt = models.CharField(max_length=32, editable=False)
    merkle_root = models.CharField(_("Merkle root"), max_length=64, blank=True, editable=False)
    manifest_sha256 = models.CharField(
        _("manifest SHA-256"), max_length=64, blank=True, editable=False
    )
    archive = models.FileField(_("package"), upload_to="deliveries/", blank=True, editable=False)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivery_note = models.TextField(
        _("delivery note"), blank=True, help_text=_("For example: handed in at the embassy's gate.")
    )

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-prepared_at"]
        permissions = [
            ("prepare_delivery", _("Can prepare a delivery")),
            ("export_signatures", _("Can export signatures")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["public_id"], name="deliveries_delivery_public_id"),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="deliveries_delivery_progress_percent"
            ),
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
                name="deliveries_delivery_delivered_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.petition} → {self.recipient_name} ({self.cutoff:%Y-%m-%d})"

    def get_absolute_url(self):
        return reverse("deliveries:detail", args=[self.public_id])


class DeliveryFile(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("name"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"))

    class Meta:
        verbose_name = _("delivered file")
        verbose_name_plural = _("delivered files")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "name"], name="deliveries_file_one_per_name"
            ),
        ]

    def __str__(self):
        return self.name


class DeliveryLeaf(models.Model):
    """The salted hash of one included signature's receipt, at its place in the list.

    Kept so that a signer can be shown their inclusion proof later, whatever has happened
    to their signature since.
    """

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="leaves")
    position = models.PositiveIntegerField()
    leaf = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = _("delivered leaf")
        verbose_name_plural = _("delivered leaves")
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "position"], name="deliveries_leaf_one_per_position"
            ),
        ]
        indexes = [models.Index(fields=["delivery", "leaf"], name="deliveries_leaf_lookup")]

    def __str__(self):
        return f"{self.delivery_id}#{self.position}"


class ExportRecord(models.Model):
    """Who took signers' data out of the site, when, how and how much."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("Signature export")
        DELIVERY = "delivery", _("Delivery package")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    petition = models.ForeignKey(
        Petition, on_delete=models.PROTECT, related_name="+", verbose_name=_("petition")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    filters = models.JSONField(_("filters"), default=dict)
    rows = models.PositiveIntegerField(_("rows"), default=0)

    class Meta:
        verbose_name = _("export record")
        verbose_name_plural = _("export records")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.petition} ({self.rows})"
