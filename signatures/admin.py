from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries import countries

from audit.models import AuditEntry
from audit.services import audit_record, changes_between, field_values
from petitions.models import Petition

from .charts import stacked_bars, world_map
from .dashboard import STATUSES, petition_dashboard
from .defences import forget_rules_on_commit
from .display import masked_email, unlinked
from .forms import InvalidateSignaturesForm, InvalidationForm, SourceRuleForm
from .identity import format_receipt
from .invalidations import (
    InvalidationError,
    invalidation_cancel,
    invalidation_preview,
    invalidation_start,
    invalidation_undo,
    signer_of,
)
from .models import Invalidation, Signature, SigningLimits, SourceRule, TrendingAlert
from .paginators import EstimatedCountPaginator
from .search import signatures_search
from .selectors import sees_full_email
from .services import (
    signature_approve,
    signature_invalidate,
    signature_resend_confirmation,
    signature_restore,
    signature_withdraw,
)
from .trending import signatures_admin_path


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = (
        "printed_receipt",
        "listed_name",
        "petition",
        "listed_country",
        "listed_status",
        "created_at",
        "confirmed_at",
    )
    # Each is read through an index that starts with its column and goes on by the list's
    # order (signed, newest first), so that a filtered page reads its hundred rows and stops.
    list_filter = ("status", "petition", "country", ("created_at", admin.DateFieldListFilter))
    search_help_text = _(
        "Search by email address (any spelling of it), by domain (@example.org), by receipt "
        "code, by IP address or range (203.0.113.0/24, at most a /16), or by name (every word "
        "given must be one of the name's words)."
    )
    list_select_related = ("petition",)
    # A million signatures are not counted for every page: see EstimatedCountPaginator.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    raw_id_fields = ("petition",)
    actions = ("approve", "invalidate", "restore", "resend_confirmation", "withdraw")
    # The confirming form sends back one field per signature, and Django refuses a request of
    # more than DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) fields.
    withdraw_at_most = 500
    fields = (
        "petition",
        "status",
        "suspicion",
        "shown_name",
        "email",
        "country",
        "shown_town",
        "name_visibility",
        "wants_updates",
        "language",
        "ip_address",
        "consent_version",
        "printed_receipt",
        "emails_sent",
        "created_at",
        "confirmed_at",
        "withdrawn_at",
    )
    readonly_fields = fields

    # The markup Django's widget draws, without rendering its templates for each row of a page.
    # The column's heading is drawn by its name.
    def action_checkbox(self, signature):
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            signature.pk,
            format_html(_("Select this object for an action - {}"), str(signature)),
        )

    @admin.display(description=_("receipt code"), ordering="receipt")
    def printed_receipt(self, signature):
        return format_receipt(signature.receipt)

    @admin.display(description=_("name"))
    def listed_name(self, signature):
        return unlinked(signature.full_name)

    @admin.display(description=_("name"))
    def listed_name_masked(self, signature):
        return unlinked(name_for_staff(signature))

    # Shown as the admin would show the field, which looks each row's code up among 250
    # translated choices: most of the time a page of a hundred signatures took.
    @admin.display(description=_("country"), ordering="country")
    def listed_country(self, signature):
        return countries.name(signature.country)

    @admin.display(description=_("status"), ordering="status")
    def listed_status(self, signature):
        if signature.suspicion:
            return f"{signature.get_status_display()}: {signature.get_suspicion_display()}"
        return signature.get_status_display()

    @admin.display(description=_("full name"))
    def shown_name(self, signature):
        return unlinked(signature.full_name)

    @admin.display(description=_("full name"))
    def shown_name_masked(self, signature):
        return unlinked(name_for_staff(signature))

    @admin.display(description=_("town or postcode"))
    def shown_town(self, signature):
        return unlinked(signature.town)

    @admin.display(description=_("email"))
    def email(self, signature):
        return signature.email

    @admin.display(description=_("email"))
    def email_masked(self, signature):
        return masked_email(signature.email)

    def get_list_display(self, request):
        if sees_full_email(request.user):
            return self.list_display
        return _masked(self.list_display, {"listed_name": "listed_name_masked"})

    def get_fields(self, request, obj=None):
        if sees_full_email(request.user):
            return self.fields
        return _masked(self.fields, {"email": "email_masked", "shown_name": "shown_name_masked"})

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def get_urls(self):
        dashboard = path(
            "dashboard/<int:petition_id>/",
            self.admin_site.admin_view(self.dashboard_view),
            name="signatures_signature_dashboard",
        )
        return [dashboard, *super().get_urls()]

    def dashboard_view(self, request, petition_id):
        """A petition's signatures over time, by status and by country, and its waves."""
        may_see_petition = request.user.has_perm("petitions.view_petition") or (
            request.user.has_perm("petitions.change_petition")
        )
        if not (self.has_view_permission(request) and may_see_petition):
            raise PermissionDenied
        petition = get_object_or_404(Petition, pk=petition_id)
        dashboard = petition_dashboard(petition)
        counts = {country.code: country.count for country in dashboard.countries}
        statuses = [(status, Signature.Status(status).label) for status in STATUSES]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Dashboard"),
            "opts": self.opts,
            "petition": petition,
            "dashboard": dashboard,
            "statuses": statuses,
            "hourly": stacked_bars(dashboard.hours, statuses, label_every=6),
            "daily": stacked_bars(dashboard.days, statuses, label_every=7),
            "world_map": world_map(counts, countries.name),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/signatures/signature/dashboard.html", context)

    def get_search_results(self, request, queryset, search_term):
        found = signatures_search(queryset, search_term)
        if found.refusal:
            self.message_user(request, found.refusal, messages.WARNING)
        return found.signatures, False

    def has_add_permission(self, request):
        # Signatures are written only by the signing services, never by hand.
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Every field is read-only, even for superusers: a Save button would save nothing.
        no_save = {"show_save": False, "show_save_and_continue": False}
        return super().change_view(request, object_id, form_url, no_save | (extra_context or {}))

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(
        description=_("Approve selected suspected signatures: count them once confirmed"),
        permissions=("approve",),
    )
    def approve(self, request, queryset):
        counted = awaiting = 0
        for signature in queryset.suspected():
            if signature_approve(signature=signature, actor=request.user).is_counted:
                counted += 1
            else:
                awaiting += 1
        if counted == awaiting == 0:
            message = _("None of the selected signatures is suspected.")
            self.message_user(request, message, messages.WARNING)
        if counted:
            message = ngettext(
                "%(count)d signature approved and counted.",
                "%(count)d signatures approved and counted.",
                counted,
            )
            self.message_user(request, message % {"count": counted}, messages.SUCCESS)
        if awaiting:
            message = ngettext(
                "%(count)d signature approved; it counts once its signer confirms it.",
                "%(count)d signatures approved; they count once their signers confirm them.",
                awaiting,
            )
            self.message_user(request, message % {"count": awaiting}, messages.SUCCESS)

    @admin.action(
        description=_("Withdraw selected signatures and erase their personal data"),
        permissions=("withdraw",),
    )
    def withdraw(self, request, queryset):
        """Ask first, on a page that says what will be erased; withdraw on the answer."""
        to_withdraw = queryset.exclude(status=Signature.Status.WITHDRAWN)
        count = to_withdraw.count()
        if count == 0:
            message = _("The selected signatures are already withdrawn.")
            self.message_user(request, message, messages.WARNING)
            return None
        if count > self.withdraw_at_most:
            message = ngettext(
                "Select at most %(count)d signature to withdraw at a time.",
                "Select at most %(count)d signatures to withdraw at a time.",
                self.withdraw_at_most,
            )
            self.message_user(request, message % {"count": self.withdraw_at_most}, messages.WARNING)
            return None
        if request.POST.get("post") != "yes":
            already_withdrawn = queryset.count() - count
            return self.withdraw_confirmation(request, to_withdraw, already_withdrawn)
        for signature in to_withdraw:
            signature_withdraw(signature=signature, actor=request.user)
        message = ngettext(
            "%(count)d signature withdrawn.", "%(count)d signatures withdrawn.", count
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)
        return None

    @admin.action(
        description=_("Invalidate selected signatures: stop counting them"),
        permissions=("invalidate",),
    )
    def invalidate(self, request, queryset):
        """Ask for the reason first, on a page that says what will change."""
        to_invalidate = queryset.invalidatable()
        count = to_invalidate.count()
        if count == 0:
            message = _("None of the selected signatures can be invalidated.")
            self.message_user(request, message, messages.WARNING)
            return None
        if count > self.withdraw_at_most:
            message = ngettext(
                "Select at most %(count)d signature to invalidate at a time.",
                "Select at most %(count)d signatures to invalidate at a time.",
                self.withdraw_at_most,
            )
            self.message_user(request, message % {"count": self.withdraw_at_most}, messages.WARNING)
            return None
        form = InvalidateSignaturesForm(request.POST if request.POST.get("post") == "yes" else None)
        if not form.is_valid():
            left_alone = queryset.count() - count
            return self.invalidate_confirmation(request, to_invalidate, left_alone, form)
        for signature in to_invalidate:
            signature_invalidate(
                signature=signature, actor=request.user, reason=form.cleaned_data["reason"]
            )
        message = ngettext(
            "%(count)d signature invalidated.", "%(count)d signatures invalidated.", count
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)
        return None

    @admin.action(
        description=_("Restore selected invalidated signatures as they were"),
        permissions=("invalidate",),
    )
    def restore(self, request, queryset):
        restored = 0
        for signature in queryset.invalidated():
            signature_restore(signature=signature, actor=request.user)
            restored += 1
        if restored == 0:
            message = _("None of the selected signatures is invalidated.")
            self.message_user(request, message, messages.WARNING)
            return
        message = ngettext(
            "%(count)d signature restored.", "%(count)d signatures restored.", restored
        )
        self.message_user(request, message % {"count": restored}, messages.SUCCESS)

    @admin.action(
        description=_("Send selected pending signatures their confirmation link again"),
        permissions=("approve",),
    )
    def resend_confirmation(self, request, queryset):
        sent = skipped = 0
        for signature in queryset:
            if signature_resend_confirmation(signature=signature, actor=request.user):
                sent += 1
            else:
                skipped += 1
        if sent:
            message = ngettext(
                "%(count)d confirmation email sent again.",
                "%(count)d confirmation emails sent again.",
                sent,
            )
            self.message_user(request, message % {"count": sent}, messages.SUCCESS)
        if skipped:
            message = ngettext(
                "%(count)d signature skipped: not pending, or sent as many emails as allowed.",
                "%(count)d signatures skipped: not pending, or sent as many emails as allowed.",
                skipped,
            )
            self.message_user(request, message % {"count": skipped}, messages.WARNING)

    def has_invalidate_permission(self, request):
        return request.user.has_perm("signatures.invalidate_signature")

    def has_approve_permission(self, request):
        return request.user.has_perm("signatures.approve_signature")

    def has_withdraw_permission(self, request):
        return request.user.has_perm("signatures.withdraw_signature")

    def withdraw_confirmation(self, request, to_withdraw, already_withdrawn):
        return self._selected_confirmation(
            request,
            "withdraw_confirmation.html",
            to_withdraw,
            title=_("Withdraw signatures and erase personal data"),
            already_withdrawn=already_withdrawn,
        )

    def invalidate_confirmation(self, request, to_invalidate, left_alone, form):
        return self._selected_confirmation(
            request,
            "invalidate_confirmation.html",
            to_invalidate,
            title=_("Invalidate signatures"),
            left_alone=left_alone,
            form=form,
        )

    def _selected_confirmation(self, request, template, signatures, **context):
        """A page asking staff to confirm an action on the selected signatures."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            # Grouped by petition on the page, so kept together here.
            "signatures": signatures.select_related("petition").order_by(
                "petition__title", "petition", "created_at"
            ),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "back_url": request.get_full_path(),
            **context,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, f"admin/signatures/signature/{template}", context)


def _masked(names, masks):
    return tuple(masks.get(name, name) for name in names)


def name_for_staff(signature):
    """What staff without the right to see signers' full details read of a name: all of it,
    which moderation needs, unless its signer chose never to share it."""
    if signature.name_visibility == Signature.NameVisibility.ANONYMOUS:
        return signature.public_name
    return signature.full_name


class DefencesAdminMixin:
    """Every process reads the limits and lists again once staff change them."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        forget_rules_on_commit()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        forget_rules_on_commit()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        forget_rules_on_commit()


@admin.register(SigningLimits)
class SigningLimitsAdmin(DefencesAdminMixin, admin.ModelAdmin):
    fieldsets = (
        (
            _("Held as suspected past"),
            {
                "fields": (
                    "ip_petition_burst",
                    "ip_petition_hourly",
                    "ip_hourly",
                    "domain_petition_hourly",
                    "ip_confirmations_hourly",
                )
            },
        ),
        (
            _("Staff alerted past"),
            {"fields": ("trending_ip_range_hourly", "trending_domain_hourly")},
        ),
        (None, {"fields": ("updated_at",)}),
    )
    readonly_fields = ("updated_at",)

    def changelist_view(self, request, extra_context=None):
        # One row holds the limits: the list would only ever link to it.
        limits, _ = SigningLimits.objects.get_or_create(pk=1)
        return redirect("admin:signatures_signinglimits_change", limits.pk)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SourceRule)
class SourceRuleAdmin(DefencesAdminMixin, admin.ModelAdmin):
    form = SourceRuleForm
    list_display = ("value", "kind", "action", "note", "created_at")
    list_filter = ("action", "kind")
    search_fields = ("value", "note")


@admin.register(TrendingAlert)
class TrendingAlertAdmin(admin.ModelAdmin):
    """Read only: the task that finds waves of signatures writes these."""

    list_display = (
        "hour",
        "petition",
        "kind",
        "value",
        "count",
        "threshold",
        "first_seen",
        "updated_at",
        "emailed_at",
        "signatures",
    )
    list_filter = ("kind", "petition")
    list_select_related = ("petition",)

    @admin.display(description=_("signatures"))
    def signatures(self, alert):
        return format_html('<a href="{}">{}</a>', signatures_admin_path(alert), _("See them"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
        return _masked(InvalidationForm.Meta.fields, {"email": "email_masked"})

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
