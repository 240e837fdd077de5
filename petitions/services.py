from django.db import transaction

from audit.models import AuditEntry
from audit.services import audit_record, changes_between, field_values

from .models import Petition

# What opening and closing change, Django's own timestamp aside.
STATUS_FIELDS = ("status", "opens_at", "closed_at")


def petition_open(*, petition: Petition, actor) -> bool:
    """Open it for signatures now, unless its deadline has passed; False then."""
    with transaction.atomic():
        before = field_values(petition, STATUS_FIELDS)
        if not petition.open():
            return False
        _record_status_change(petition, before, actor)
    return True


def petition_close(*, petition: Petition, actor) -> None:
    with transaction.atomic():
        before = field_values(petition, STATUS_FIELDS)
        petition.close()
        _record_status_change(petition, before, actor)


def _record_status_change(petition, before, actor):
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CHANGED,
        target=petition,
        changes=changes_between(before, field_values(petition, STATUS_FIELDS)),
    )
