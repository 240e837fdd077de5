from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .identity import manage_token, new_confirmation_token
from .models import ConfirmationToken, Signature


@task
def send_confirmation(signature_id: int) -> None:
    # The token is minted here, not when signing, so that the raw token never sits in the
    # task queue's table: only its hash is ever stored.
    with transaction.atomic():
        signature = (
            Signature.objects.select_for_update(of=("self",))
            .select_related("petition")
            .filter(pk=signature_id)
            .pending()
            .first()
        )
        if signature is None:
            return
        token, token_hash = new_confirmation_token()
        ConfirmationToken.objects.create(signature=signature, token_hash=token_hash)
    _send(signature, "confirm", confirm_url=_absolute(reverse("signatures:confirm", args=[token])))


@task
def send_already_signed(signature_id: int) -> None:
    signature = (
        Signature.objects.select_related("petition").filter(pk=signature_id).confirmed().first()
    )
    if signature is not None:
        _send(signature, "already_signed")


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _send(signature: Signature, template: str, **context) -> None:
    with translation.override(signature.language):
        context |= {
            "signature": signature,
            "petition": signature.petition,
            "demands": signature.petition.demands.all(),
            "petition_url": _absolute(signature.petition.get_absolute_url()),
            "manage_url": _absolute(
                reverse("signatures:manage", args=[manage_token(signature.public_id)])
            ),
            "expiry_days": settings.SIGNATURE_CONFIRMATION_TTL.days,
        }
        prefix = f"signatures/email/{template}"
        subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject, render_to_string(f"{prefix}.txt", context), to=[signature.email]
        )
        message.attach_alternative(render_to_string(f"{prefix}.html", context), "text/html")
        message.send()
