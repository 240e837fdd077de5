from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from petitions.models import Petition

from . import tasks
from .counting import forget_cached_counts, tally_add
from .identity import canonical_email, new_receipt
from .models import ConfirmationToken, Signature


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
) -> Signature:
    """Record a pending signature and email its confirmation link.

    A second signature with the same canonical email is not created; the signer is emailed
    again instead, and the caller cannot tell the two cases apart by the return value alone.
    """
    if not petition.is_open:
        raise PetitionNotOpen
    with transaction.atomic():
        existing = _locked_signature(petition, email)
        if existing is not None and Signature.objects.filter(pk=existing.pk).abandoned().exists():
            # Its links have all expired and it was never counted: start afresh, with a new
            # allowance of emails, rather than leave the signer waiting for a link that never comes.
            existing.delete()
        elif existing is not None:
            _remind(existing)
            return existing
        signature = Signature(
            petition=petition,
            full_name=full_name,
            canonical_email=canonical_email(email),
            country=country,
            town=town,
            name_visibility=name_visibility,
            wants_updates=wants_updates,
            language=language,
            ip_address=ip_address,
            receipt=new_receipt(),
            emails_sent=1,
        )
        signature.email = email
        try:
            with transaction.atomic():
                signature.save()
        except IntegrityError:
            # Another request signed with this address between our lookup and insert.
            existing = _locked_signature(petition, email)
            if existing is None:
                raise
            _remind(existing)
            return existing
        transaction.on_commit(lambda: tasks.send_confirmation.enqueue(signature.pk))
    return signature


def _locked_signature(petition, email):
    return Signature.objects.select_for_update().for_petition(petition).with_email(email).first()


def _remind(signature: Signature) -> None:
    if signature.emails_sent >= settings.SIGNATURE_MAX_EMAILS:
        return
    if signature.status == Signature.Status.PENDING:
        task = tasks.send_confirmation
    elif signature.status == Signature.Status.CONFIRMED:
        task = tasks.send_already_signed
    else:
        return
    signature.emails_sent += 1
    signature.save(update_fields=["emails_sent"])
    transaction.on_commit(lambda: task.enqueue(signature.pk))


def signature_confirm(*, token: str) -> Signature:
    with transaction.atomic():
        confirmation = (
            ConfirmationToken.objects.select_for_update(of=("self", "signature"))
            .select_related("signature__petition")
            .for_token(token)
            .for_pending_signatures()
            .first()
        )
        if confirmation is None:
            raise TokenInvalid
        if confirmation.is_expired:
            raise TokenExpired(confirmation.signature.petition)
        signature = confirmation.signature
        if not signature.petition.is_open:
            raise PetitionNotOpen
        signature.status = Signature.Status.CONFIRMED
        signature.confirmed_at = timezone.now()
        signature.save(update_fields=["status", "confirmed_at"])
        signature.confirmation_tokens.all().delete()
        tally_add(petition_id=signature.petition_id, country=signature.country, delta=1)
        transaction.on_commit(lambda: forget_cached_counts(signature.petition_id))
    return signature


def signature_withdraw(*, signature: Signature) -> Signature:
    """Stop counting the signature and erase the signer's personal data at once.

    The country stays so that the tally by country still adds up to the count.
    """
    with transaction.atomic():
        signature = Signature.objects.select_for_update().get(pk=signature.pk)
        if signature.status == Signature.Status.WITHDRAWN:
            return signature
        if signature.status == Signature.Status.CONFIRMED:
            tally_add(petition_id=signature.petition_id, country=signature.country, delta=-1)
            transaction.on_commit(lambda: forget_cached_counts(signature.petition_id))
        signature.status = Signature.Status.WITHDRAWN
        signature.withdrawn_at = timezone.now()
        signature.full_name = ""
        signature.email = ""
        signature.canonical_email = None
        signature.town = ""
        signature.ip_address = None
        signature.wants_updates = False
        signature.save()
        signature.confirmation_tokens.all().delete()
    return signature


def signature_stop_updates(*, signature: Signature) -> Signature:
    Signature.objects.filter(pk=signature.pk).update(wants_updates=False)
    signature.wants_updates = False
    return signature


def signatures_delete_expired() -> int:
    """Delete pending signatures whose every confirmation link has expired.

    An unconfirmed signature was never counted, and the privacy notice promises not to keep it.
    """
    return Signature.objects.abandoned().delete()[1].get(Signature._meta.label, 0)
