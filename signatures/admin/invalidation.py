"""Staff invalidating a set of signatures at once, in the background, and undoing it."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry
from audit.services import audit_record, changes_between, field_values

from ..display import masked_email
from ..forms import InvalidationForm
from ..identity import format_receipt
from ..invalidations import (
    InvalidationError,
    invalidation_cancel,
    invalidation_preview,
    invalidation_start,
    invalidation_undo,
    signer_of,
)
from ..models import Invalidation
from ..selectors import sees_full_email
from .signature import masked_fields


@admin.register(Invalidation)
class InvalidationAdmin(admin.ModelAdmin):
    """Create, preview, start, cancel and undo; the runs are background tasks."""

    form = InvalidationForm
    list_display = (
        "__str__",
        "petition",
        "state",
        "matched",
        "changed",
        "restored",
        "created_by",
        "created_at",
    )
    list_filter = ("state",)
    list_select_related = ("petition", "created_by")
    raw_id_fields = ("petition",)
    progress_fields = (
        "state",
        "created_by",
        "created_at",
        "started_by",
        "started_at",
        "matched",
        "changed",
        "finished_at",
        "undone_by",
        "undone_at",
        "restored",
        "left_alone",
    )

    def get_fieldsets(self, request, obj=None):
        criteria = (None, {"fields": self._criteria(obj)})
        if obj is None:
            return (criteria,)
        return (criteria, (_("Progress"), {"fields": self.progress_fields}))

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.state != Invalidation.State.DRAFT:
            return self._criteria(obj) + self.progress_fields
        return self.progress_fields

    def _criteria(self, obj):
        if obj is None or obj.state == Invalidation.State.DRAFT:
            return InvalidationForm.Meta.fields
        # A record: the address as kept, masked, rather than the form's field.
        return masked_fields(InvalidationForm.Meta.fields, {"email": "email_masked"})

    def has_change_permission(self, request, obj=None):
        # Its criteria change only until it starts; after that, it is a record.
        if obj is not None and obj.state != Invalidation.State.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_run_permission(self, request):
        return request.user.has_perm("signatures.run_invalidation")

    def save_model(self, request, obj, form, change):
        before = field_values(Invalidation.objects.get(pk=obj.pk)) if change else None
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=AuditEntry.Action.CHANGED if change else AuditEntry.Action.CREATED,
            target=obj,
            changes=changes_between(before, field_values(obj)),
        )

    def response_add(self, request, obj, post_url_continue=None):
        # Straight to the preview: what matches is what staff want to see next.
        return redirect("admin:signatures_invalidation_change", obj.pk)

    def response_change(self, request, obj):
        return redirect("admin:signatures_invalidation_change", obj.pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invalidation = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if invalidation is not None:
            extra_context |= {
                "invalidation": invalidation,
                "may_run": self.has_run_permission(request),
                "sees_full_email": sees_full_email(request.user),
                "left_alone_items": invalidation.items.filter(restored=False).select_related(
                    "signature"
                )[:100],
            }
            if invalidation.state == Invalidation.State.DRAFT:
                preview = invalidation_preview(invalidation)
                extra_context["preview"] = preview
                extra_context["sample"] = [
                    self._sample_row(request, signature) for signature in preview.sample
                ]
        return super().change_view(request, object_id, form_url, extra_context)

    def _sample_row(self, request, signature):
        signer = signer_of(signature)
        return {
            "signature": signature,
            "receipt": format_receipt(signature.receipt),
            "name": signer.full_name,
            "email": signer.email if sees_full_email(request.user) else masked_email(signer.email),
            "country": signer.country.name,
        }

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/start/", wrap(self.start_view), name="signatures_invalidation_start"),
            path("<int:pk>/cancel/", wrap(self.cancel_view), name="signatures_invalidation_cancel"),
            path("<int:pk>/undo/", wrap(self.undo_view), name="signatures_invalidation_undo"),
            *super().get_urls(),
        ]

    def start_view(self, request, pk):
        return self._run(
            request, pk, invalidation_start, _("Started: the signatures are being invalidated.")
        )

    def cancel_view(self, request, pk):
        return self._run(
            request, pk, invalidation_cancel, _("Cancelled: it stops after the batch under way.")
        )

    def undo_view(self, request, pk):
        return self._run(
            request, pk, invalidation_undo, _("Being undone: the signatures are being restored.")
        )

    def _run(self, request, pk, service, done_message):
        if request.method != "POST":
            return redirect("admin:signatures_invalidation_change", pk)
        if not self.has_run_permission(request):
            raise PermissionDenied
        invalidation = get_object_or_404(Invalidation, pk=pk)
        try:
            service(invalidation=invalidation, actor=request.user)
        except InvalidationError:
            message = _("That cannot be done while it is %(state)s.")
            state = invalidation.get_state_display().lower()
            self.message_user(request, message % {"state": state}, messages.ERROR)
        else:
            self.message_user(request, done_message, messages.SUCCESS)
        return redirect(reverse("admin:signatures_invalidation_change", args=[pk]))
