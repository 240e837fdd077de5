import secrets
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from audit.services import audit_record, changes_between, field_values
from petitions.models import Petition

from .models import Delivery, DeliveryLeaf, ExportRecord
from .package import package_build

# What a delivery's audit entries show as it goes from created to built to delivered.
AUDITED_FIELDS = (
    "petition",
    "recipient_name",
    "cutoff",
    "status",
    "total",
    "merkle_root",
    "delivered_at",
    "delivery_note",
)


class DeliveryError(Exception):
    pass


def check_cutoff(cutoff: datetime) -> None:
    # Signatures confirmed after the package is built could not be in it.
    if cutoff > timezone.now():
        raise DeliveryError(_("The cutoff cannot be in the future."))


def delivery_create(
    *,
    petition: Petition,
    recipient_name: str,
    recipient_address: str = "",
    cutoff: datetime | None = None,
    user=None,
) -> Delivery:
    """Record a delivery to be built; building it never changes a signature."""
    cutoff = cutoff or timezone.now()
    check_cutoff(cutoff)
    with transaction.atomic():
        delivery = Delivery.objects.create(
            petition=petition,
            recipient_name=recipient_name,
            recipient_address=recipient_address,
            cutoff=cutoff,
            prepared_by=user,
        )
        audit_record(
            actor=user,
            action=AuditEntry.Action.CREATED,
            target=delivery,
            changes=changes_between(None, field_values(delivery, AUDITED_FIELDS)),
        )
    return delivery


def delivery_build(*, delivery: Delivery, folder: Path | None = None, progress=None) -> Path:
    """Build the package, keep its zip with the delivery, and return the package's folder.

    Without `folder` the package is built in a temporary folder that is removed afterwards.
    """

    def report(done, total):
        percent = min(99, done * 100 // total) if total else 0
        Delivery.objects.filter(pk=delivery.pk).update(progress=percent)
        if progress is not None:
            progress(done, total)

    work = Path(tempfile.mkdtemp(prefix="delivery-"))
    target = folder or work / f"{delivery.petition.slug}-{delivery.cutoff:%Y%m%d-%H%M}"
    try:
        archive = package_build(delivery, target, progress=report)
        with archive.open("rb") as zipped:
            # A name nobody can derive from the public page, should the folder ever be served.
            delivery.archive.save(f"{secrets.token_hex(16)}.zip", File(zipped), save=False)
        before = field_values(Delivery.objects.get(pk=delivery.pk), AUDITED_FIELDS)
        delivery.status = Delivery.Status.PREPARED
        delivery.progress = 100
        delivery.error = ""
        with transaction.atomic():
            delivery.save()
            ExportRecord.objects.create(
                kind=ExportRecord.Kind.DELIVERY,
                petition=delivery.petition,
                user=delivery.prepared_by,
                filters={
                    "delivery": str(delivery.public_id),
                    "cutoff": delivery.cutoff.isoformat(),
                },
                rows=delivery.total,
            )
            # Built by a task, for whoever asked for it: no one acts here.
            audit_record(
                actor=None,
                action=AuditEntry.Action.BUILT,
                target=delivery,
                changes=changes_between(before, field_values(delivery, AUDITED_FIELDS)),
            )
    except Exception as error:
        DeliveryLeaf.objects.filter(delivery=delivery).delete()
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED, error=str(error)[:2000]
        )
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def delivery_mark_delivered(
    *, delivery: Delivery, delivered_at: datetime | None = None, note: str = "", actor=None
) -> Delivery:
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.status not in (Delivery.Status.PREPARED, Delivery.Status.DELIVERED):
            raise DeliveryError("Only a prepared delivery can be marked delivered.")
        petition = delivery.petition
        if petition.status == Petition.Status.DRAFT:
            raise DeliveryError("A draft petition cannot be delivered: open it first.")
        before = field_values(delivery, AUDITED_FIELDS)
        petition_before = field_values(petition, ("status", "closed_at"))
        delivery.status = Delivery.Status.DELIVERED
        delivery.delivered_at = delivered_at or timezone.now()
        delivery.delivery_note = note
        delivery.save(update_fields=["status", "delivered_at", "delivery_note"])
        petition.mark_delivered()
        audit_record(
            actor=actor,
            action=AuditEntry.Action.DELIVERED,
            target=delivery,
            changes=changes_between(before, field_values(delivery, AUDITED_FIELDS)),
        )
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CHANGED,
            target=petition,
            changes=changes_between(
                petition_before, field_values(petition, ("status", "closed_at"))
            ),
        )
    return delivery


def export_record_create(*, petition: Petition, user, filters: dict, rows: int) -> ExportRecord:
    """Record that signatures left the site, by whom and how many, in the log as well."""
    with transaction.atomic():
        record = ExportRecord.objects.create(
            kind=ExportRecord.Kind.EXPORT, petition=petition, user=user, filters=filters, rows=rows
        )
        audit_record(
            actor=user,
            action=AuditEntry.Action.EXPORTED,
            target=record,
            changes=changes_between(None, field_values(record, ("petition", "filters", "rows"))),
        )
    return record
