"""A submission awaiting its signer's confirmation, with the hash of the link that confirms it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..identity import hash_token
from .signature import Signature
from .signer import SignerDetails, Suspicion


class ConfirmationTokenQuerySet(models.QuerySet):
    def for_token(self, token):
        return self.filter(token_hash=hash_token(token))

    def for_pending_signatures(self):
        return self.filter(signature__status=Signature.Status.PENDING)

    def not_yet_sent(self):
        return self.filter(token_hash__isnull=True)


class ConfirmationToken(SignerDetails):
    """One submission of the signing form, and the hash of the link emailed for it.

    The details travel with the link: confirming applies exactly what this submission said,
    so whoever typed an address first cannot decide what its owner's signature shows. The
    link itself is never stored; its hash is set when the email goes out.
    """

    # Its details are sealed to the signature it was submitted for.
    sealed_row_field = "signature_id"

    signature = models.ForeignKey(
        Signature, on_delete=models.CASCADE, related_name="confirmation_tokens"
    )
    # NULL until the email is sent; NULLs never collide under the unique constraint.
    token_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # Like the details, travels with the link: confirming it holds the signature as suspected.
    suspicion = models.CharField(
        max_length=20, choices=Suspicion.choices, blank=True, default="", db_default=""
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ConfirmationTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("confirmation token")
        verbose_name_plural = _("confirmation tokens")
        constraints = [
            models.UniqueConstraint(fields=["token_hash"], name="signatures_token_hash_unique"),
        ]

    def __str__(self):
        return f"{self.signature_id} @ {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def expires_at(self):
        return (self.sent_at or self.created_at) + settings.SIGNATURE_CONFIRMATION_TTL

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()
