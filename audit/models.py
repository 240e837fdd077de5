from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One thing staff did, or tried to do, written in the transaction that did it.

    Entries are never changed or deleted: the admin offers neither, and on PostgreSQL a trigger
    refuses both (migration 0002).
    """

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        DELETED = "deleted", _("Deleted")
        APPROVED = "approved", _("Approved")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        INVALIDATED = "invalidated", _("Invalidated")
        RESTORED = "restored", _("Restored")
        CONFIRMATION_RESENT = "confirmation_resent", _("Confirmation email sent again")
        STARTED = "started", _("Started")
        CANCELLED = "cancelled", _("Cancelled")
        EXPORTED = "exported", _("Exported")
        BUILT = "built", _("Built")
        DELIVERED = "delivered", _("Delivered")
        LOGGED_IN = "logged_in", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Login failed")
        SECOND_FACTOR_SET_UP = "2fa_set_up", _("Two-factor authentication set up")
        SECOND_FACTOR_RESET = "2fa_reset", _("Two-factor authentication reset")
        REFUSED = "refused", _("Refused")

    created_at = models.DateTimeField(_("at"), default=timezone.now)
    # No constraint and no cascade: a staff member's account may go, their entries stay, and
    # nothing may ever update this table to forget who it was.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_username = models.CharField(_("username then"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_prefix = models.CharField(_("IP range"), max_length=49, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["created_at"], name="audit_entry_created"),
            models.Index(fields=["object_type", "object_id"], name="audit_entry_object"),
            models.Index(fields=["actor", "created_at"], name="audit_entry_actor"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()}: {self.object_repr}"
