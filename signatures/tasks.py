import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from petitions.absolute_urls import absolute_url

from . import invalidations
from .identity import (
    UndeliverableAddress,
    deliverable_address,
    manage_token,
    new_confirmation_token,
)
from .models import ConfirmationToken, Signature
from .trending import trending_alerts_email, trending_alerts_record

logger = logging.getLogger(__name__)


@task
def send_confirmation_link(confirmation_id: int, attempt: int = 1) -> None:
    # The token is minted here, not when signing, so that the raw token never sits in the
    # task queue's table: only its hash is ever stored.
    with transaction.atomic():
        # Lock the signature before its submissions, in the order signing, confirming and
        # withdrawing take them, so that the two never wait on each other.
        signature = (
            Signature.objects.select_for_update(of=("self",))
            .select_related("petition")
            .awaiting_confirmation()
            .filter(confirmation_tokens=confirmation_id)
            .first()
        )
        # Confirmed, withdrawn or replaced by a later submission meanwhile: nothing to send.
        if signature is None:
            return
        confirmation = (
            signature.confirmation_tokens.select_for_update()
            .not_yet_sent()
            .filter(pk=confirmation_id)
            .first()
        )
        if confirmation is None or not _reserve_email(signature.pk):
            return
        token, token_hash = new_confirmation_token()
        confirmation.token_hash = token_hash
        confirmation.save(update_fields=["token_hash"])
    confirm_url = absolute_url(reverse("signatures:confirm", args=[token]))
    if _send(signature, confirmation, "confirm", confirm_url=confirm_url):
        # The link's lifetime counts from here, however long the mail server kept us waiting.
        ConfirmationToken.objects.filter(pk=confirmation.pk).update(sent_at=timezone.now())
        return
    # The link reached nobody: forget it, so that a later submission may replace it.
    ConfirmationToken.objects.filter(pk=confirmation.pk).update(token_hash=None)
    _release_email(signature.pk)
    _retry(send_confirmation_link, attempt, confirmation_id)


@task
def send_confirmation(signature_id: int) -> None:
    """Emails queued before submissions carried their own details named the signature."""
    confirmation = ConfirmationToken.objects.filter(signature_id=signature_id).not_yet_sent().last()
    if confirmation is not None:
        send_confirmation_link.call(confirmation.pk)


@task
def send_already_signed(signature_id: int, attempt: int = 1) -> None:
    signature = (
        Signature.objects.select_related("petition")
        .filter(pk=signature_id)
        .confirmed_by_signer()
        .first()
    )
    if signature is None or not _reserve_email(signature.pk):
        return
    if not _send(signature, signature, "already_signed"):
        _release_email(signature.pk)
        _retry(send_already_signed, attempt, signature_id)


@task
def run_invalidation(invalidation_id: int) -> None:
    invalidations.invalidation_run(invalidation_id=invalidation_id)


@task
def undo_invalidation(invalidation_id: int) -> None:
    invalidations.invalidation_undo_run(invalidation_id=invalidation_id)


@task
def find_trending_signatures() -> dict[str, int]:
    """Run every 10 minutes in production (README): record waves of signatures, tell staff."""
    found = {"recorded": len(trending_alerts_record()), "emailed": trending_alerts_email()}
    logger.info("Waves of signatures: %(recorded)d recorded, %(emailed)d emailed.", found)
    return found


def _reserve_email(signature_id: int) -> bool:
    """Take one email from the signature's allowance, unless it is used up.

    The allowance counts emails handed to the mail server: a failed send gives it back.
    """
    reserved = Signature.objects.filter(
        pk=signature_id, emails_sent__lt=settings.SIGNATURE_MAX_EMAILS
    ).update(emails_sent=F("emails_sent") + 1)
    return reserved == 1


def _release_email(signature_id: int) -> None:
    Signature.objects.filter(pk=signature_id, emails_sent__gt=0).update(
        emails_sent=F("emails_sent") - 1
    )


def _retry(email_task, attempt: int, *args) -> None:
    """Try again later: after 1, 2, 4 ... minutes, then hourly, for a little over a day.

    A "minute" here is SIGNATURE_MAIL_RETRY_DELAY, which only drills shorten.
    """
    backend = email_task.get_backend()
    if attempt >= settings.SIGNATURE_MAIL_ATTEMPTS or not backend.supports_defer:
        logger.error("Gave up sending %s after %d attempts.", email_task.name, attempt)
        return
    delay = settings.SIGNATURE_MAIL_RETRY_DELAY * min(2 ** (attempt - 1), 60)
    email_task.using(run_after=timezone.now() + delay).enqueue(*args, attempt=attempt + 1)
    logger.warning(
        "Sending %s failed (attempt %d); trying again in %s.", email_task.name, attempt, delay
    )


def _send(signature: Signature, signer, template: str, **context) -> bool:
    """Send one email to the signer, in their language; False if the mail server failed.

    `signer` holds the details the email shows: the submission for a confirmation link, the
    signature itself once it is confirmed.
    """
    try:
        recipient = deliverable_address(signer.email)
    except UndeliverableAddress:
        logger.error("Signature %s has an address no mail server accepts.", signature.pk)
        return True  # retrying cannot help
    with translation.override(signer.language):
        context |= {
            "signer": signer,
            "petition": signature.petition,
            "demands": signature.petition.demands.all(),
            "petition_url": absolute_url(signature.petition.get_absolute_url()),
            "manage_url": absolute_url(
                reverse("signatures:manage", args=[manage_token(signature.public_id)])
            ),
            "expiry_days": settings.SIGNATURE_CONFIRMATION_TTL.days,
            "language": translation.get_language(),
        }
        prefix = f"signatures/email/{template}"
        # One line whatever the petition's title holds: a line break would end the header.
        subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
        context["subject"] = subject
        message = EmailMultiAlternatives(
            subject, render_to_string(f"{prefix}.txt", context), to=[recipient]
        )
        message.attach_alternative(render_to_string(f"{prefix}.html", context), "text/html")
    try:
        message.send()
    except Exception as error:
        logger.warning(
            "Mail server failed for signature %s: %s", signature.pk, type(error).__name__
        )
        return False
    return True
