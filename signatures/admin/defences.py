"""The defences against fake signatures that staff tune: limits, allow and block lists."""

from django.contrib import admin
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from ..defences import forget_rules_on_commit
from ..forms import SourceRuleForm
from ..models import SigningLimits, SourceRule


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
