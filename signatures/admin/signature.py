"""Staff's list of signatures, a signature's page, the actions on them, a petition's dashboard."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries import countries

from petitions.models import Petition

from ..charts import stacked_bars, world_map
from ..dashboard import STATUSES, petition_dashboard
from ..display import masked_email, unlinked
from ..forms import InvalidateSignaturesForm
from ..identity import format_receipt
from ..models import Signature
from ..paginators import EstimatedCountPaginator
from ..search import signatures_search
from ..selectors import sees_full_email
from ..services import (
    signature_approve,
    signature_invalidate,
    signature_resend_confirmation,
    signature_restore,
    signature_withdraw,
)


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
        return masked_fields(self.list_display, {"listed_name": "listed_name_masked"})

    def get_fields(self, request, obj=None):
        if sees_full_email(request.user):
            return self.fields
        masks = {"email": "email_masked", "shown_name": "shown_name_masked"}
        return masked_fields(self.fields, masks)

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


def masked_fields(names, masks):
    """The names of fields, each with its masked stand-in where it has one."""
    return tuple(masks.get(name, name) for name in names)


def name_for_staff(signature):
    """What staff without the right to see signers' full details read of a name: all of it,
    which moderation needs, unless its signer chose never to share it."""
    if signature.name_visibility == Signature.NameVisibility.ANONYMOUS:
        return signature.public_name
    return signature.full_name
