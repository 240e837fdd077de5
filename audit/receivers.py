"""Logins and failed logins, which Django announces only by signal."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from .models import AuditEntry
from .services import TYPED_USERNAME_LENGTH, audit_record


@receiver(user_logged_in, dispatch_uid="audit_logged_in")
def record_login(sender, request, user, **kwargs):
    audit_record(actor=user, action=AuditEntry.Action.LOGGED_IN, target=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_failed_login(sender, credentials, request=None, **kwargs):
    # Only the name: Django has already masked the password, and nothing else is wanted here.
    typed = str(credentials.get("username") or "")
    User = get_user_model()
    account = User._default_manager.filter(**{f"{User.USERNAME_FIELD}__iexact": typed}).first()
    if account is not None:
        audit_record(actor=None, action=AuditEntry.Action.LOGIN_FAILED, target=account)
    else:
        audit_record(
            actor=None,
            action=AuditEntry.Action.LOGIN_FAILED,
            target=User,
            target_repr=typed[:TYPED_USERNAME_LENGTH],
        )
