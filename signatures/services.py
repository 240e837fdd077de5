from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db import DatabaseBackend

from audit.models import AuditEntry
from audit.services import audit_record, changes_between, field_values
from petitions.models import Petition

from . import sealing, tasks
from .counting import tally_add
from .fields import SealedField
from .identity import email_domain_hash, email_hash, ip_prefix, new_receipt
from .models import ConfirmationToken, Signature, SignatureNameToken
from .name_index import name_index_add, name_index_update
from .selectors import (
    confirmation_for_link,
    forget_cached_counts_on_commit,
    petitions_due_for_erasure,
)

ERASURE_BATCH = 1000
# What staff change of a signature, and all that its audit entries say of it: never the
# signer's details.
AUDITED_FIELDS = ("status", "suspicion", "confirmed_at", "withdrawn_at")

# A row that changes this many times while it is being resealed is left for the next run.
RESEAL_ATTEMPTS = 5


class SignatureError(Exception):
    pass


class PetitionNotOpen(SignatureError):
    pass


class TokenInvalid(SignatureError):
    """Unknown, already used, or belonging to a signature that can no longer be confirmed."""


class TokenExpired(SignatureError):
    def __init__(self, petition: Petition):
        super().__init__(petition)
        self.petition = petition


def signature_create(
    *,
    petition: Petition,
    full_name: str,
    email: str,
    country: str,
    town: str = "",
    name_visibility: str = Signature.NameVisibility.RECIPIENT,
    wants_updates: bool = False,
    language: str = settings.LANGUAGE_CODE,
    ip_address: str | None = None,
    suspicion: str = "",
) -> Signature:
    """Record a submission and email the link that confirms exactly its details.

    One mailbox has one signature per petition. Signing again before confirming sends a new
    link that carries the new details; after confirming, it sends the signer their own page,
    where they change what is stored. Either way the caller sees the same, so the response
    never tells whether an address has signed.

    A submission with a suspicion (from the defences against fake signatures) goes exactly the
    same way, and its signature is held as suspected, uncounted even once confirmed, until
    staff approve it.
    """
    if not petition.is_open:
        raise PetitionNotOpen
    details = {
        "full_name": full_name,
        "email": email,
        "country": country,
        "town": town,
        "name_visibility": name_visibility,
        "wants_updates": wants_updates,
        "language": language,
        "ip_address": ip_address,
        # The consent text that the form showed this signer.
        "consent_version": settings.CONSENT_VERSION,
    }
    try:
        with transaction.atomic():
            # Most signers are new: their signature is the transaction's first statement, which
            # a mailbox that has signed this petition already makes fail before anything else.
            signature = _insert_signature(petition, email, ip_address, suspicion)
            _request_confirmation(signature, details, suspicion=suspicion, replaces_unsent=False)
            return signature
    except IntegrityError:
        pass
    with transaction.atomic():
        signature = _locked_signature(petition, email)
        if signature is not None and Signature.objects.filter(pk=signature.pk).abandoned().exists():
            # Its links have all expired and it was never counted: start afresh, with a new
            # allowance of emails, rather than leave the signer waiting for a link that never comes.
            signature.delete()
            signature = None
        created = False
        if signature is None:
            signature, created = _new_signature(petition, email, ip_address, suspicion)
        if signature.is_confirmed_by_signer:
            _remind_already_signed(signature)
        elif signature.status in (Signature.Status.PENDING, Signature.Status.SUSPECTED):
            _request_confirmation(
                signature, details, suspicion=suspicion, replaces_unsent=not created
            )
    return signature


def _locked_signature(petition, email):
    return Signature.objects.select_for_update().for_petition(petition).with_email(email).first()


def _found_by(email: str, ip_address: str | None) -> dict:
    """What a signature keeps of its sealed details to be found by: its email domain's hash
    and its network, from the submission it holds."""
    return {"email_domain_hash": email_domain_hash(email), "ip_prefix": ip_prefix(ip_address)}


def _insert_signature(petition, email, ip_address, suspicion) -> Signature:
    """A pending signature holds no details until its owner confirms some; IntegrityError if
    this mailbox has one for the petition already."""
    signature = Signature(
        petition=petition,
        email_hash=email_hash(email),
        receipt=new_receipt(),
        status=Signature.Status.SUSPECTED if suspicion else Signature.Status.PENDING,
        suspicion=suspicion,
        **_found_by(email, ip_address),
    )
    signature.save(force_insert=True)
    return signature


def _new_signature(petition, email, ip_address, suspicion) -> tuple[Signature, bool]:
    """A new signature, or the one that another request made with this address between our
    lookup and our insert; and whether it is new."""
    try:
        with transaction.atomic():
            return _insert_signature(petition, email, ip_address, suspicion), True
    except IntegrityError:
        signature = _locked_signature(petition, email)
        if signature is None:
            raise
        return signature, False


def _request_confirmation(
    signature: Signature, details: dict, *, suspicion: str, replaces_unsent: bool
) -> None:
    if signature.emails_sent >= settings.SIGNATURE_MAX_EMAILS:
        return
    if replaces_unsent:
        # A submission whose email has not gone out yet (mail is down, or the queue is busy)
        # is replaced by this later one: once mail flows the signer gets one email, with what
        # they chose last. A new signature has none, and signing spares the query.
        signature.confirmation_tokens.not_yet_sent().delete()
    # Until it is confirmed, the signature shows staff what its latest submission was; the
    # link that confirms it decides.
    status = Signature.Status.SUSPECTED if suspicion else Signature.Status.PENDING
    if (signature.status, signature.suspicion) != (status, suspicion):
        signature.status, signature.suspicion = status, suspicion
        signature.save(update_fields=["status", "suspicion"])
    confirmation = ConfirmationToken(signature=signature, suspicion=suspicion, **details)
    confirmation.save()
    _enqueue_with_commit(tasks.send_confirmation_link, confirmation.pk)


def _remind_already_signed(signature: Signature) -> None:
    # In the signer's own language: whoever typed their address chooses nothing here.
    if signature.emails_sent >= settings.SIGNATURE_MAX_EMAILS:
        return
    _enqueue_with_commit(tasks.send_already_signed, signature.pk)


def _enqueue_with_commit(task, *args) -> None:
    """Queue an email that goes out only if the signing transaction commits.

    A queue in this database takes it inside that transaction: one commit stores the signature
    and its email, and no signature is ever stored without its email. A queue elsewhere, or the
    immediate backend that sends at once (development, tests), gets it after the commit.
    """
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args), robust=True)


def signature_confirm(*, token: str, suspicion: str = "") -> Signature:
    """Count the signature with exactly the details that this link's submission carried.

    If that submission was suspected, or the confirmation itself is (`suspicion`), the
    signature is confirmed but held as suspected, uncounted, until staff approve it; its signer
    sees the same as anyone else.
    """
    with transaction.atomic():
        confirmation = confirmation_for_link(token, lock=True)
        if confirmation is None:
            raise TokenInvalid
        signature = confirmation.signature
        if confirmation.is_expired:
            raise TokenExpired(signature.petition)
        if not signature.petition.is_open:
            raise PetitionNotOpen
        details = confirmation.details()
        for field, value in (details | _found_by(details["email"], details["ip_address"])).items():
            setattr(signature, field, value)
        signature.suspicion = confirmation.suspicion or suspicion
        signature.status = (
            Signature.Status.SUSPECTED if signature.suspicion else Signature.Status.CONFIRMED
        )
        signature.confirmed_at = timezone.now()
        signature.confirmed_link_hash = confirmation.token_hash
        signature.save()
        # Awaiting confirmation, it held no name until now.
        name_index_add([signature])
        signature.confirmation_tokens.all().delete()
        if signature.is_counted:
            _count(signature)
    return signature


def _count(signature: Signature) -> None:
    tally_add(petition_id=signature.petition_id, country=signature.country, delta=1)
    forget_cached_counts_on_commit(signature.petition)


def _uncount(signature: Signature) -> None:
    tally_add(petition_id=signature.petition_id, country=signature.country, delta=-1)
    forget_cached_counts_on_commit(signature.petition)


def signature_approve(*, signature: Signature, actor=None) -> Signature:
    """Release a suspected signature that staff judge genuine.

    Confirmed by its signer, it counts from now on, as if it had just been confirmed. Not yet
    confirmed, it waits for its signer like any other, since only the owner of the mailbox may
    confirm a signature; its links no longer carry the suspicion.
    """
    with transaction.atomic():
        signature = Signature.objects.select_for_update().get(pk=signature.pk)
        if signature.status != Signature.Status.SUSPECTED:
            return signature
        before = field_values(signature, AUDITED_FIELDS)
        signature.suspicion = ""
        if signature.confirmed_at is None:
            signature.status = Signature.Status.PENDING
            signature.save(update_fields=["status", "suspicion"])
            signature.confirmation_tokens.update(suspicion="")
        else:
            signature.status = Signature.Status.CONFIRMED
            signature.save(update_fields=["status", "suspicion"])
            _count(signature)
        _record(signature, before, actor, AuditEntry.Action.APPROVED)
    return signature


def signature_invalidate(*, signature: Signature, actor, reason: str) -> Signature:
    """Stop counting a signature that staff judge fake, keeping what it was for restoring it.

    Pending, confirmed and suspected signatures can be invalidated; others are returned as
    they are. Its submissions stay, so that a pending one restored can still be confirmed.
    """
    with transaction.atomic():
        signature = Signature.objects.select_for_update().get(pk=signature.pk)
        if signature.status not in Signature.INVALIDATABLE:
            return signature
        before = field_values(signature, AUDITED_FIELDS)
        if signature.is_counted:
            _uncount(signature)
        signature.invalidated_from = signature.status
        signature.status = Signature.Status.INVALIDATED
        signature.save(update_fields=["status", "invalidated_from"])
        _record(signature, before, actor, AuditEntry.Action.INVALIDATED, reason=reason)
    return signature


def signature_restore(*, signature: Signature, actor) -> Signature:
    """Put an invalidated signature back as it was: counted again if it was confirmed."""
    with transaction.atomic():
        signature = Signature.objects.select_for_update().get(pk=signature.pk)
        if signature.status != Signature.Status.INVALIDATED:
            return signature
        before = field_values(signature, AUDITED_FIELDS)
        signature.status, signature.invalidated_from = signature.invalidated_from, ""
        signature.save(update_fields=["status", "invalidated_from"])
        if signature.is_counted:
            _count(signature)
        _record(signature, before, actor, AuditEntry.Action.RESTORED)
    return signature


def signature_resend_confirmation(*, signature: Signature, actor) -> bool:
    """Email a pending signature's signer a new link, unless its allowance of emails is used up.

    The link carries the details of the signer's latest submission, as theirs did. Returns
    whether an email is on its way.
    """
    with transaction.atomic():
        signature = Signature.objects.select_for_update().get(pk=signature.pk)
        latest = signature.confirmation_tokens.order_by("-created_at", "-pk").first()
        if (
            signature.status != Signature.Status.PENDING
            or signature.emails_sent >= settings.SIGNATURE_MAX_EMAILS
            or latest is None
        ):
            return False
        # An unsent submission still waits for its email; a new one would only replace it.
        signature.confirmation_tokens.not_yet_sent().delete()
        confirmation = ConfirmationToken(signature=signature, **latest.details())
        confirmation.save()
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CONFIRMATION_RESENT,
            target=signature,
            changes={"emails_sent_before": signature.emails_sent},
        )
        _enqueue_with_commit(tasks.send_confirmation_link, confirmation.pk)
    return True


def signature_update_details(
    *, signature: Signature, full_name: str, town: str, name_visibility: str
) -> Signature:
    """Change what a confirmed signer chose to show; only their own manage link leads here."""
    with transaction.atomic():
        signature = Signature.objects.select_for_update().get(pk=signature.pk)
        if not signature.is_confirmed_by_signer or signature.anonymised_at is not None:
            raise SignatureError
        signature.full_name = full_name
        signature.town = town
        signature.name_visibility = name_visibility
        signature.save(update_fields=["full_name", "town", "name_visibility"])
        name_index_update([signature])
        forget_cached_counts_on_commit(signature.petition)
    return signature


def signature_withdraw(*, signature: Signature, actor=None) -> Signature:
    """Stop counting the signature and erase the signer's personal data at once.

    The country stays so that the tally by country still adds up to the count. Withdrawn by
    staff (`actor`), it is audited; a signer withdrawing their own is no staff action.
    """
    with transaction.atomic():
        signature = Signature.objects.select_for_update().get(pk=signature.pk)
        if signature.status == Signature.Status.WITHDRAWN:
            return signature
        before = field_values(signature, AUDITED_FIELDS)
        if signature.is_counted:
            _uncount(signature)
        signature.status = Signature.Status.WITHDRAWN
        signature.suspicion = ""
        signature.invalidated_from = ""
        signature.withdrawn_at = timezone.now()
        signature.erase_details()
        signature.save()
        name_index_update([signature])
        signature.confirmation_tokens.all().delete()
        if actor is not None:
            _record(signature, before, actor, AuditEntry.Action.WITHDRAWN)
    return signature


def _record(signature, before, actor, action, **noted):
    audit_record(
        actor=actor,
        action=action,
        target=signature,
        changes=changes_between(before, field_values(signature, AUDITED_FIELDS)) | noted,
    )


def signature_stop_updates(*, signature: Signature) -> Signature:
    Signature.objects.filter(pk=signature.pk).update(wants_updates=False)
    signature.wants_updates = False
    return signature


def signatures_delete_expired() -> int:
    """Delete pending signatures whose every confirmation link has expired.

    An unconfirmed signature was never counted, and the privacy notice promises not to keep it.
    """
    return Signature.objects.abandoned().delete()[1].get(Signature._meta.label, 0)


def signatures_anonymise_expired(*, now: datetime | None = None) -> dict[Petition, int]:
    """Erase the personal data of every signature of each petition whose retention is over.

    Returns how many signatures of each petition it erased. Batches of short transactions keep
    a petition of a million signers from locking them all at once; what a batch left undone,
    the next run finishes. Status, country and dates stay, so counts never change.
    """
    now = now or timezone.now()
    erased = {}
    for petition in petitions_due_for_erasure(now):
        count = _anonymise_petition(petition, now)
        if count:
            erased[petition] = count
    return erased


def _anonymise_petition(petition: Petition, now: datetime) -> int:
    count, after = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                Signature.objects.for_petition(petition)
                .not_anonymised()
                .filter(pk__gt=after)
                .select_for_update()
                .order_by("pk")
                .values_list("pk", flat=True)[:ERASURE_BATCH]
            )
            if not batch:
                return count
            # The submissions waiting for a link carry a copy of the details.
            ConfirmationToken.objects.filter(signature__in=batch).delete()
            SignatureNameToken.objects.filter(signature__in=batch).delete()
            count += Signature.objects.filter(pk__in=batch).update(
                **Signature.ERASED_DETAILS, anonymised_at=now
            )
            forget_cached_counts_on_commit(petition)
        after = batch[-1]


def signer_details_reseal(*, batch_size: int = 1000, progress=None) -> tuple[int, int]:
    """Seal under SIGNATURE_DATA_KEY every signer's detail still sealed under an old key.

    Runs beside the site: a short transaction per batch, and a row is written back only if what
    was read is still there, so that a change made meanwhile is never overwritten; such a row is
    read again and tried again. Run again, it finds nothing to do. Returns the rows resealed and
    those that kept changing; `progress(model, done, total)` hears after each batch.
    """
    report = progress or (lambda model, done, total: None)
    resealed = changing = 0
    for model in (Signature, ConfirmationToken):
        fields = [field for field in model._meta.concrete_fields if isinstance(field, SealedField)]
        columns = ("pk", model.sealed_row_field, *(field.name for field in fields))
        total, done, last = model.objects.count(), 0, 0
        rows = model.objects.order_by("pk").values_list(*columns)
        while batch := list(rows.filter(pk__gt=last)[:batch_size]):
            with transaction.atomic():
                for read in batch:
                    row = read
                    for _attempt in range(RESEAL_ATTEMPTS):
                        written = _reseal_row(model, fields, row)
                        if written is not None:
                            resealed += written
                            break
                        row = rows.filter(pk=read[0]).first()
                        if row is None:  # deleted meanwhile
                            break
                    else:
                        changing += 1
            done, last = done + len(batch), batch[-1][0]
            report(model, done, total)
    return resealed, changing


def _reseal_row(model, fields, row) -> int | None:
    """1 if resealed, 0 if nothing was stale, None if the row changed since it was read."""
    pk, identity, *values = row
    stale = {
        field: value
        for field, value in zip(fields, values, strict=True)
        if value and not sealing.is_current(value.text)
    }
    if not stale:
        return 0
    fresh = {}
    for field, value in stale.items():
        try:
            fresh[field.name] = field.seal_for_row(field.unseal_for_row(value, identity), identity)
        except sealing.SealError as error:
            raise type(error)(f"{model._meta.label} {pk}, {field.name}: {error}") from error
    unchanged = model.objects.filter(pk=pk, **{field.name: value for field, value in stale.items()})
    return unchanged.update(**fresh) or None
