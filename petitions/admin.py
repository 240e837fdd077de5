from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Demand, Petition


class DemandInline(admin.TabularInline):
    model = Demand
    extra = 1
    ordering = ("position",)
    fields = ("position", "text")


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
    inlines = (DemandInline,)
    list_display = ("title", "status", "signatures", "goal", "opens_at", "closes_at")
    list_filter = ("status",)
    search_fields = ("title",)
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "opens_at"
    actions = ("open_petitions", "close_petitions")
    fieldsets = (
        (None, {"fields": ("title", "slug", "summary", "body")}),
        (_("Addressing"), {"fields": ("target", "recipient", "organiser_name")}),
        (_("Campaign"), {"fields": ("goal", "status", "opens_at", "closes_at")}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).with_signature_count()

    @admin.display(description=_("confirmed signatures"), ordering="signature_count")
    def signatures(self, petition):
        return petition.signature_count

    @admin.action(description=_("Open selected petitions"))
    def open_petitions(self, request, queryset):
        petitions = list(queryset.exclude(status=Petition.Status.OPEN))
        for petition in petitions:
            petition.open()
        message = ngettext(
            "%(count)d petition opened.", "%(count)d petitions opened.", len(petitions)
        )
        self.message_user(request, message % {"count": len(petitions)}, messages.SUCCESS)

    @admin.action(description=_("Close selected petitions"))
    def close_petitions(self, request, queryset):
        petitions = list(queryset.filter(status=Petition.Status.OPEN))
        for petition in petitions:
            petition.close()
        message = ngettext(
            "%(count)d petition closed.", "%(count)d petitions closed.", len(petitions)
        )
        self.message_user(request, message % {"count": len(petitions)}, messages.SUCCESS)
