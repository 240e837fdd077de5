"""Invalidating every signature of a petition that matches some criteria, and undoing it.

The criteria that the database can check narrow the signatures in SQL; a name, and an IP
address narrower than the network each signature keeps in clear, are checked in Python on
the signer's details, which are to be encrypted at rest. Both the run and its undoing go in
batches of short transactions, so that a wave of thousands never locks a petition's
signatures at once, and staff can cancel between two batches.
"""

import functools
import ipaddress
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit_record

from . import tasks
from .counting import tally_add
from .identity import email_domain_hash
from .models import ConfirmationToken, Invalidation, InvalidationItem, Signature
from .selectors import forget_cached_counts_on_commit

BATCH_SIZE = 500
# A batch takes seconds: a run that has not moved on for this long has lost its worker.
STALLED_AFTER = timedelta(minutes=10)
SAMPLE_SIZE = 20
# Criteria checked in Python read, one by one, every signature the other criteria leave: past
# this many, staff are asked to narrow them rather than wait.
PYTHON_SCAN_LIMIT = 20_000
# The networks that signatures keep in clear (Signature.ip_prefix).
STORED_PREFIX = {4: 24, 6: 48}


class InvalidationError(Exception):
    pass


@dataclass(frozen=True)
class Preview:
    by_status: dict[str, int]
    sample: list[Signature]

    @property
    def total(self):
        return sum(self.by_status.values())

    @property
    def to_invalidate(self):
        return sum(self.by_status.get(status, 0) for status in Signature.INVALIDATABLE)

    def status_rows(self):
        return [
            (label, self.by_status[value])
            for value, label in Signature.Status.choices
            if self.by_status.get(value)
        ]


def network_of(invalidation: Invalidation):
    if not invalidation.ip_range:
        return None
    return ipaddress.ip_network(invalidation.ip_range.strip(), strict=False)


def _is_wide(network) -> bool:
    return network.prefixlen <= STORED_PREFIX[network.version]


def checks_in_python(invalidation: Invalidation) -> bool:
    network = network_of(invalidation)
    return bool(invalidation.name_pattern) or (network is not None and not _is_wide(network))


def candidates(invalidation: Invalidation) -> QuerySet:
    """The petition's signatures, of any status, that the criteria SQL can check select."""
    signatures = Signature.objects.for_petition(invalidation.petition_id)
    if invalidation.email_hash:
        signatures = signatures.filter(email_hash=invalidation.email_hash)
    if invalidation.domain:
        signatures = signatures.filter(email_domain_hash=email_domain_hash(invalidation.domain))
    if invalidation.country:
        # Until confirmed, the country is in the submissions.
        submitted = ConfirmationToken.objects.filter(
            signature=OuterRef("pk"), country=invalidation.country
        )
        signatures = signatures.filter(Q(country=invalidation.country) | Exists(submitted))
    if invalidation.signed_from:
        signatures = signatures.filter(created_at__gte=invalidation.signed_from)
    if invalidation.signed_until:
        signatures = signatures.filter(created_at__lt=invalidation.signed_until)
    network = network_of(invalidation)
    if network is not None:
        signatures = signatures.filter(ip_prefix__in=_stored_prefixes(signatures, network))
    if checks_in_python(invalidation):
        signatures = signatures.prefetch_related("confirmation_tokens")
    return signatures.order_by("pk")


def _stored_prefixes(signatures: QuerySet, network) -> list[str]:
    """The stored networks inside a wide range, or the one holding a narrow one.

    Read from the petition's own rows: a /8 holds 65,536 networks, a petition far fewer.
    """
    if not _is_wide(network):
        return [str(network.supernet(new_prefix=STORED_PREFIX[network.version]))]
    stored = signatures.exclude(ip_prefix="").values_list("ip_prefix", flat=True).distinct()
    return [prefix for prefix in stored.order_by() if _inside(prefix, network)]


def _inside(prefix: str, network) -> bool:
    stored = ipaddress.ip_network(prefix)
    return stored.version == network.version and stored.subnet_of(network)


def _name_matcher(pattern: str) -> Callable[[str], bool]:
    """Anywhere in the name, in any case; * stands for any run of characters."""
    parts = [re.escape(_folded(part)) for part in pattern.split("*")]
    regex = re.compile(".*".join(parts), re.DOTALL)
    return lambda name: regex.search(_folded(name)) is not None


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def signer_of(signature: Signature):
    """Whatever holds the signer's details: the signature once confirmed, else its latest
    submission."""
    if signature.confirmed_at:
        return signature
    submissions = sorted(signature.confirmation_tokens.all(), key=lambda s: (s.created_at, s.pk))
    return submissions[-1] if submissions else signature


def python_matcher(invalidation: Invalidation) -> Callable[[Signature], bool]:
    """Whether a candidate's details match the name and the narrow IP range.

    A confirmed signature holds its details; before that, any of its submissions may match.
    """
    name = _name_matcher(invalidation.name_pattern) if invalidation.name_pattern else None
    network = network_of(invalidation)
    if network is not None and _is_wide(network):
        network = None

    def details_match(signer) -> bool:
        if name is not None and not name(signer.full_name):
            return False
        if network is not None:
            address = ipaddress.ip_address(signer.ip_address) if signer.ip_address else None
            return address is not None and address in network
        return True

    def matches(signature: Signature) -> bool:
        holders = [signature] if signature.confirmed_at else signature.confirmation_tokens.all()
        return any(details_match(signer) for signer in holders)

    return matches


def matching(invalidation: Invalidation) -> Iterator[Signature]:
    signatures = candidates(invalidation)
    if not checks_in_python(invalidation):
        yield from signatures.iterator(chunk_size=BATCH_SIZE)
        return
    matches = python_matcher(invalidation)
    yield from filter(matches, signatures.iterator(chunk_size=BATCH_SIZE))


def too_many_to_read(invalidation: Invalidation) -> int:
    """How many signatures the Python checks would read, when that is past the limit; else 0."""
    if not checks_in_python(invalidation):
        return 0
    count = candidates(invalidation).count()
    return count if count > PYTHON_SCAN_LIMIT else 0


def invalidation_preview(invalidation: Invalidation) -> Preview:
    if not checks_in_python(invalidation):
        signatures = candidates(invalidation)
        by_status = signatures.values_list("status").annotate(n=Count("pk")).order_by()
        sample = signatures.prefetch_related("confirmation_tokens")[:SAMPLE_SIZE]
        return Preview(by_status=dict(by_status), sample=list(sample))
    by_status, sample = Counter(), []
    for signature in matching(invalidation):
        by_status[signature.status] += 1
        if len(sample) < SAMPLE_SIZE:
            sample.append(signature)
    return Preview(by_status=dict(by_status), sample=sample)


def invalidation_start(*, invalidation: Invalidation, actor) -> Invalidation:
    with transaction.atomic():
        invalidation = Invalidation.objects.select_for_update().get(pk=invalidation.pk)
        if invalidation.state != Invalidation.State.DRAFT:
            raise InvalidationError
        invalidation.state = Invalidation.State.RUNNING
        invalidation.started_by = actor
        invalidation.started_at = invalidation.progressed_at = timezone.now()
        invalidation.matched = invalidation_preview(invalidation).to_invalidate
        invalidation.save()
        audit_record(
            actor=actor,
            action=AuditEntry.Action.STARTED,
            target=invalidation,
            changes={"matched": invalidation.matched, "criteria": criteria_of(invalidation)},
        )
        transaction.on_commit(lambda: tasks.run_invalidation.enqueue(invalidation.pk), robust=True)
    return invalidation


def criteria_of(invalidation: Invalidation) -> dict:
    fields = ("email", "domain", "ip_range", "name_pattern", "country")
    criteria = {name: str(getattr(invalidation, name)) for name in fields}
    criteria |= {
        "petition": invalidation.petition_id,
        "signed_from": invalidation.signed_from and invalidation.signed_from.isoformat(),
        "signed_until": invalidation.signed_until and invalidation.signed_until.isoformat(),
    }
    return {name: value for name, value in criteria.items() if value}


def invalidation_cancel(*, invalidation: Invalidation, actor) -> Invalidation:
    """Ask the run to stop; it does once the batch under way is done."""
    with transaction.atomic():
        invalidation = Invalidation.objects.select_for_update().get(pk=invalidation.pk)
        if invalidation.state != Invalidation.State.RUNNING or invalidation.cancel_requested:
            raise InvalidationError
        invalidation.cancel_requested = True
        invalidation.save(update_fields=["cancel_requested"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CANCELLED,
            target=invalidation,
            changes={"invalidated_so_far": invalidation.changed},
        )
    return invalidation


def invalidation_run(*, invalidation_id: int) -> None:
    while invalidation_run_batch(invalidation_id=invalidation_id):
        pass


def invalidation_run_batch(*, invalidation_id: int) -> bool:
    """Invalidate the next batch of matching signatures; False once there is nothing left to do.

    Matching is done again here, on the locked rows: a signature withdrawn since the preview is
    left alone.
    """
    with transaction.atomic():
        invalidation = Invalidation.objects.select_for_update().get(pk=invalidation_id)
        if invalidation.state != Invalidation.State.RUNNING:
            return False
        if invalidation.cancel_requested:
            _end_run(invalidation, Invalidation.State.CANCELLED)
            return False
        batch = list(
            candidates(invalidation)
            .invalidatable()
            .filter(pk__gt=invalidation.cursor)
            .select_for_update()[:BATCH_SIZE]
        )
        if checks_in_python(invalidation):
            matches = python_matcher(invalidation)
            changing = [signature for signature in batch if matches(signature)]
        else:
            changing = batch
        _invalidate(invalidation, changing)
        invalidation.changed += len(changing)
        invalidation.progressed_at = timezone.now()
        if batch:
            invalidation.cursor = batch[-1].pk
        if len(batch) < BATCH_SIZE:
            _end_run(invalidation, Invalidation.State.FINISHED)
            return False
        invalidation.save(update_fields=["changed", "cursor", "progressed_at"])
    return True


def _invalidate(invalidation: Invalidation, signatures: list[Signature]) -> None:
    uncounted = Counter(signature.country.code for signature in signatures if signature.is_counted)
    for country, count in uncounted.items():
        tally_add(petition_id=invalidation.petition_id, country=country, delta=-count)
    InvalidationItem.objects.bulk_create(
        InvalidationItem(
            invalidation=invalidation, signature=signature, previous_status=signature.status
        )
        for signature in signatures
    )
    # One statement: each row's status becomes what it was before, as SQL reads the old values.
    Signature.objects.filter(pk__in=[signature.pk for signature in signatures]).update(
        invalidated_from=F("status"), status=Signature.Status.INVALIDATED
    )
    if uncounted:
        forget_cached_counts_on_commit(invalidation.petition)


def _end_run(invalidation: Invalidation, state: str) -> None:
    before = invalidation.state
    invalidation.state = state
    invalidation.finished_at = timezone.now()
    invalidation.save()
    audit_record(
        actor=invalidation.started_by,
        action=AuditEntry.Action.INVALIDATED,
        target=invalidation,
        changes={
            "state": [before, state],
            "matched": invalidation.matched,
            "invalidated": invalidation.changed,
            "reason": invalidation.reason,
        },
    )


def invalidation_undo(*, invalidation: Invalidation, actor) -> Invalidation:
    with transaction.atomic():
        invalidation = Invalidation.objects.select_for_update().get(pk=invalidation.pk)
        if invalidation.state not in (Invalidation.State.FINISHED, Invalidation.State.CANCELLED):
            raise InvalidationError
        invalidation.state = Invalidation.State.UNDOING
        invalidation.undone_by = actor
        invalidation.progressed_at = timezone.now()
        invalidation.save(update_fields=["state", "undone_by", "progressed_at"])
        transaction.on_commit(lambda: tasks.undo_invalidation.enqueue(invalidation.pk), robust=True)
    return invalidation


def invalidation_undo_run(*, invalidation_id: int) -> None:
    while invalidation_undo_batch(invalidation_id=invalidation_id):
        pass


def invalidation_undo_batch(*, invalidation_id: int) -> bool:
    """Restore the next batch of what the invalidation changed; False once all are done.

    Only a signature still invalidated as this left it is restored: one its signer withdrew
    since, or staff restored by hand, is left alone and counted as such.
    """
    with transaction.atomic():
        invalidation = Invalidation.objects.select_for_update().get(pk=invalidation_id)
        if invalidation.state != Invalidation.State.UNDOING:
            return False
        items = list(invalidation.items.filter(restored__isnull=True).order_by("pk")[:BATCH_SIZE])
        signatures = Signature.objects.select_for_update().in_bulk(
            [item.signature_id for item in items]
        )
        restoring = [
            item
            for item in items
            if signatures[item.signature_id].status == Signature.Status.INVALIDATED
            and signatures[item.signature_id].invalidated_from == item.previous_status
        ]
        _restore(invalidation, restoring, signatures)
        restored_ids = {item.pk for item in restoring}
        InvalidationItem.objects.filter(pk__in=restored_ids).update(restored=True)
        left_alone = [item.pk for item in items if item.pk not in restored_ids]
        InvalidationItem.objects.filter(pk__in=left_alone).update(restored=False)
        invalidation.restored += len(restoring)
        invalidation.left_alone += len(left_alone)
        invalidation.progressed_at = timezone.now()
        if len(items) < BATCH_SIZE:
            _end_undo(invalidation)
            return False
        invalidation.save(update_fields=["restored", "left_alone", "progressed_at"])
    return True


def _restore(invalidation: Invalidation, items: list[InvalidationItem], signatures) -> None:
    recounted = Counter(
        signatures[item.signature_id].country.code
        for item in items
        if item.previous_status == Signature.Status.CONFIRMED
    )
    for status in Signature.INVALIDATABLE:
        pks = [item.signature_id for item in items if item.previous_status == status]
        Signature.objects.filter(pk__in=pks).update(status=status, invalidated_from="")
    for country, count in recounted.items():
        tally_add(petition_id=invalidation.petition_id, country=country, delta=count)
    if recounted:
        forget_cached_counts_on_commit(invalidation.petition)


def _end_undo(invalidation: Invalidation) -> None:
    invalidation.state = Invalidation.State.UNDONE
    invalidation.undone_at = timezone.now()
    invalidation.save()
    audit_record(
        actor=invalidation.undone_by,
        action=AuditEntry.Action.RESTORED,
        target=invalidation,
        changes={
            "state": [Invalidation.State.UNDOING, Invalidation.State.UNDONE],
            "restored": invalidation.restored,
            "left_alone": invalidation.left_alone,
        },
    )


def invalidations_resume_stalled(*, now=None) -> list[Invalidation]:
    """Queue again every run and undoing that stopped moving: its worker was killed, or its
    machine restarted, part of the way through.

    A batch takes seconds, so one that has not moved on for STALLED_AFTER has nobody working
    on it. Each batch takes up from the invalidation's cursor (or its items still to restore)
    under the invalidation's lock, so a run that was only slow, queued a second time, changes
    nothing twice, and the copies queued while no worker ran find nothing left to do. One
    being worked on right now, locked, is skipped.
    """
    now = now or timezone.now()
    resumed = []
    with transaction.atomic():
        stalled = (
            Invalidation.objects.select_for_update(skip_locked=True)
            .filter(state__in=(Invalidation.State.RUNNING, Invalidation.State.UNDOING))
            .filter(Q(progressed_at__lt=now - STALLED_AFTER) | Q(progressed_at__isnull=True))
            .order_by("pk")
        )
        for invalidation in stalled:
            invalidation.progressed_at = now
            invalidation.save(update_fields=["progressed_at"])
            task = (
                tasks.run_invalidation
                if invalidation.state == Invalidation.State.RUNNING
                else tasks.undo_invalidation
            )
            transaction.on_commit(functools.partial(task.enqueue, invalidation.pk), robust=True)
            resumed.append(invalidation)
    return resumed
