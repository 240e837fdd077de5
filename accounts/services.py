from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from audit.services import audit_record

from .models import User
from .selectors import pending_authenticator, pending_recovery_codes


@dataclass(frozen=True)
class PendingSecondFactor:
    authenticator: TOTPDevice
    recovery_codes: list[str]


def _lock(user: User):
    """One user's second-factor changes run one at a time, so none leaves two pending keys."""
    User.objects.select_for_update().get(pk=user.pk)


@transaction.atomic
def second_factor_begin(*, user: User) -> PendingSecondFactor:
    """A new authenticator key and recovery codes, usable only once confirmed.

    Until then it returns the same ones, so that a reloaded page shows the key already scanned.
    """
    _lock(user)
    authenticator = pending_authenticator(user) or TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=False
    )
    if not StaticDevice.objects.devices_for_user(user, confirmed=False).exists():
        recovery = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=False)
        StaticToken.objects.bulk_create(
            StaticToken(device=recovery, token=StaticToken.random_token())
            for _ in range(settings.STAFF_RECOVERY_CODES)
        )
    return PendingSecondFactor(authenticator, pending_recovery_codes(user))


@transaction.atomic
def second_factor_confirm(*, user: User, authenticator: TOTPDevice) -> None:
    """Make a begun key and its recovery codes the user's second factor, replacing any earlier."""
    _lock(user)
    TOTPDevice.objects.filter(user=user).exclude(pk=authenticator.pk).delete()
    StaticDevice.objects.filter(user=user, confirmed=True).delete()
    TOTPDevice.objects.filter(pk=authenticator.pk).update(confirmed=True)
    StaticDevice.objects.filter(user=user).update(confirmed=True)
    authenticator.refresh_from_db()
    # A new key comes with new recovery codes: this entry stands for both.
    audit_record(actor=user, action=AuditEntry.Action.SECOND_FACTOR_SET_UP, target=user)


@transaction.atomic
def second_factor_reset(*, user: User, actor: User | None = None) -> None:
    """Forget the user's second factor: they set up a new one, or, if not required, go without.

    `actor` is whoever reset it: the user themselves, a superuser, or no one (a command).
    """
    _lock(user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(actor=actor, action=AuditEntry.Action.SECOND_FACTOR_RESET, target=user)
