from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.models import AuditEntry
from audit.services import audit_record, changes_between, field_values

from .forms import DemandForm, DemandFormSet, PetitionForm, RetentionHoldForm
from .models import Demand, Petition, RetentionHold
from .public_pages import forget_cached_pages_on_commit
from .services import petition_close, petition_open

SIGNATURE_PERMISSIONS = ("signatures.view_signature", "signatures.change_signature")


class DemandInline(admin.TabularInline):
    model = Demand
    form = DemandForm
    formset = DemandFormSet
    extra = 1
    ordering = ("position",)
    fields = ("position", "text")


class RetentionHoldInline(admin.TabularInline):
    """Holds are history: staff add one, and never change or delete what is recorded."""

    model = RetentionHold
    form = RetentionHoldForm
    extra = 0
    fields = ("held_until", "reason", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
    form = PetitionForm
    inlines = (DemandInline, RetentionHoldInline)
    list_display = ("title", "status", "signatures", "goal", "opens_at", "closes_at")
    list_filter = ("status",)
    search_fields = ("title",)
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "opens_at"
    actions = ("open_petitions", "close_petitions")
    fieldsets = (
        (None, {"fields": ("title", "slug", "summary", "body")}),
        (_("Addressing"), {"fields": ("target", "recipient", "organiser_name", "language")}),
        (
            _("Campaign"),
            {"fields": ("goal", "status", "opens_at", "closes_at", "requires_challenge")},
        ),
        (_("Privacy"), {"fields": ("retention_days",)}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )

    class Media:
        css = {"all": ("css/petition-form.css",)}

    def get_queryset(self, request):
        return super().get_queryset(request).with_signature_count()

    def get_list_display(self, request):
        # The dashboard is the signatures app's page, for staff who may see signatures.
        if any(map(request.user.has_perm, SIGNATURE_PERMISSIONS)):
            return (*self.list_display, "dashboard")
        return self.list_display

    # Each write is audited in the admin's transaction, with what it changed.
    def save_model(self, request, obj, form, change):
        before = field_values(Petition.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        changes = changes_between(before, field_values(obj))
        if changes:
            action = AuditEntry.Action.CHANGED if change else AuditEntry.Action.CREATED
            audit_record(actor=request.user, action=action, target=obj, changes=changes)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Its page and the home page show the change at once, not when their copies expire.
        forget_cached_pages_on_commit(form.instance)

    def delete_model(self, request, obj):
        _record_deletion(request.user, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for petition in queryset:
            _record_deletion(request.user, petition)
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        if formset.model is RetentionHold:
            for hold in formset.save(commit=False):
                hold.created_by = request.user
                hold.save()
                audit_record(
                    actor=request.user,
                    action=AuditEntry.Action.CREATED,
                    target=hold,
                    changes=changes_between(None, field_values(hold, ("held_until", "reason"))),
                )
            return None
        before = {
            demand.pk: field_values(demand)
            for demand in Demand.objects.filter(petition=form.instance)
        }
        for deleted in formset.deleted_forms:
            if deleted.instance.pk is not None:
                _record_deletion(request.user, deleted.instance)
        saved = super().save_formset(request, form, formset, change)
        for demand in formset.new_objects:
            audit_record(
                actor=request.user,
                action=AuditEntry.Action.CREATED,
                target=demand,
                changes=changes_between(None, field_values(demand)),
            )
        for demand, _fields in formset.changed_objects:
            audit_record(
                actor=request.user,
                action=AuditEntry.Action.CHANGED,
                target=demand,
                changes=changes_between(before.get(demand.pk), field_values(demand)),
            )
        return saved

    @admin.display(description=_("confirmed signatures"), ordering="signature_count")
    def signatures(self, petition):
        return petition.signature_count

    @admin.display(description=_("dashboard"))
    def dashboard(self, petition):
        url = reverse("admin:signatures_signature_dashboard", args=[petition.pk])
        return format_html('<a href="{}">{}</a>', url, _("Dashboard"))

    @admin.action(description=_("Open selected petitions"), permissions=("change",))
    def open_petitions(self, request, queryset):
        opened = expired = 0
        for petition in queryset.exclude(status=Petition.Status.OPEN):
            if petition_open(petition=petition, actor=request.user):
                opened += 1
            else:
                expired += 1
        message = ngettext("%(count)d petition opened.", "%(count)d petitions opened.", opened)
        self.message_user(request, message % {"count": opened}, messages.SUCCESS)
        if expired:
            message = ngettext(
                "%(count)d petition was not opened: its closing date has passed.",
                "%(count)d petitions were not opened: their closing dates have passed.",
                expired,
            )
            self.message_user(request, message % {"count": expired}, messages.WARNING)

    @admin.action(description=_("Close selected petitions"), permissions=("change",))
    def close_petitions(self, request, queryset):
        petitions = list(queryset.filter(status=Petition.Status.OPEN))
        for petition in petitions:
            petition_close(petition=petition, actor=request.user)
        message = ngettext(
            "%(count)d petition closed.", "%(count)d petitions closed.", len(petitions)
        )
        self.message_user(request, message % {"count": len(petitions)}, messages.SUCCESS)


def _record_deletion(actor, obj):
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETED,
        target=obj,
        changes={name: [value, None] for name, value in field_values(obj).items()},
    )
