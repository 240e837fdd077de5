from django.apps import apps
from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry


class ObjectTypeFilter(admin.SimpleListFilter):
    title = _("object type")
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        labels = (
            AuditEntry.objects.exclude(object_type="")
            .order_by("object_type")
            .values_list("object_type", flat=True)
            .distinct()
        )
        return [(label, _verbose_name(label)) for label in labels]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(object_type=self.value())
        return queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read only, for everyone: entries are history."""

    list_display = (
        "created_at",
        "actor_username",
        "action",
        "object_kind",
        "object_repr",
        "ip_prefix",
    )
    list_filter = ("action", ObjectTypeFilter, "actor", "created_at")
    search_fields = ("=object_id", "actor_username")
    search_help_text = _("Search by object id or by the username of whoever acted.")
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "actor_username",
        "account",
        "action",
        "object_kind",
        "object_id",
        "object_repr",
        "changes_table",
        "ip_prefix",
    )
    readonly_fields = fields

    @admin.display(description=_("account id"))
    def account(self, entry):
        # The id, not the account: the account may have been deleted since.
        return entry.actor_id or "-"

    @admin.display(description=_("object type"), ordering="object_type")
    def object_kind(self, entry):
        return _verbose_name(entry.object_type) if entry.object_type else "-"

    @admin.display(description=_("changes"))
    def changes_table(self, entry):
        if not entry.changes:
            return "-"
        return format_html_join(
            "\n",
            "<div><strong>{}</strong>: {}</div>",
            ((field, _shown_change(value)) for field, value in entry.changes.items()),
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _verbose_name(label):
    try:
        return apps.get_model(label)._meta.verbose_name
    except (LookupError, ValueError):
        return label


def _shown_change(value):
    if isinstance(value, list) and len(value) == 2:
        return f"{value[0]!r} → {value[1]!r}"
    return repr(value)
