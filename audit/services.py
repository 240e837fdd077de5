from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time

from django.db import models

from .models import AuditEntry

# Longer typed usernames are cut: a password typed into the wrong field must not land here whole.
TYPED_USERNAME_LENGTH = 40

_request_network: ContextVar[str] = ContextVar("audit_request_network", default="")


@contextmanager
def request_network(prefix: str):
    """The network the current request came from, written with each entry it causes."""
    token = _request_network.set(prefix)
    try:
        yield
    finally:
        _request_network.reset(token)


def field_values(obj: models.Model, fields: Iterable[str] | None = None) -> dict:
    """The object's stored values, by field name, as the log keeps them.

    Without `fields`, every concrete field but the key and the moments Django stamps itself.
    """
    wanted = set(fields) if fields is not None else None
    values = {}
    for field in obj._meta.concrete_fields:
        if wanted is None and (
            field.primary_key or getattr(field, "auto_now", False) or not field.editable
        ):
            continue
        if wanted is not None and field.name not in wanted:
            continue
        values[field.name] = _plain(field.value_from_object(obj))
    return values


def changes_between(before: dict | None, after: dict) -> dict:
    """{field: [before, after]} for each field whose value differs; all of them when created."""
    before = before or {}
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if name not in before or before[name] != value
    }


def audit_record(
    *,
    actor,
    action: AuditEntry.Action,
    target: models.Model | type[models.Model] | None = None,
    changes: dict | None = None,
    target_repr: str | None = None,
) -> AuditEntry:
    """Write an entry: call it inside the transaction that makes the change.

    `target` is the object concerned, or its model when there is no such object (a login at an
    unknown address); `changes` must hold no signer's personal data in clear, so callers pass
    only the fields that staff act on (status, not the name that came with it).
    """
    if actor is not None and not actor.is_authenticated:
        actor = None
    object_type = object_id = ""
    if target is not None:
        object_type = target._meta.label_lower
        if isinstance(target, models.Model):
            object_id = str(target.pk)
            if target_repr is None:
                target_repr = str(target)
    return AuditEntry.objects.create(
        actor=actor,
        actor_username=actor.get_username() if actor is not None else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=(target_repr or "")[:200],
        changes=changes or {},
        ip_prefix=_request_network.get(),
    )


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str | dict | list):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)
