"""Waves of signatures found every ten minutes, for staff to look into."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import TrendingAlert
from ..trending import signatures_admin_path


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
