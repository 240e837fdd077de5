from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from petitions.models import Petition
from signatures.models import Signature

from . import tasks
from .exports import export_chunks, export_queryset
from .models import Delivery, DeliveryFile, ExportRecord
from .services import (
    DeliveryError,
    check_cutoff,
    delivery_create,
    delivery_mark_delivered,
    export_record_create,
)


class DeliveryCreationForm(forms.ModelForm):
    class Meta:
        model = Delivery
        fields = ("petition", "recipient_name", "recipient_address", "cutoff")

    def clean_cutoff(self):
        cutoff = self.cleaned_data["cutoff"]
        try:
            check_cutoff(cutoff)
        except DeliveryError as error:
            raise forms.ValidationError(str(error)) from None
        return cutoff


class HandOverForm(forms.ModelForm):
    """Marking a prepared delivery as handed over: when, and a note on how."""

    class Meta:
        model = Delivery
        fields = ("delivered_at", "delivery_note")

    def clean(self):
        cleaned = super().clean()
        delivered_at = cleaned.get("delivered_at")
        if cleaned.get("delivery_note") and not delivered_at:
            self.add_error("delivered_at", _("Say when it was handed over."))
        if delivered_at and delivered_at > timezone.now():
            self.add_error("delivered_at", _("The hand-over cannot be in the future."))
        if self.instance.delivered_at and not delivered_at:
            self.add_error("delivered_at", _("A delivery that was handed over stays so."))
        return cleaned


class DeliveryFileInline(admin.TabularInline):
    model = DeliveryFile
    fields = ("name", "sha256", "size")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    inlines = (DeliveryFileInline,)
    list_display = ("petition", "recipient_name", "cutoff", "status", "total", "prepared_at")
    list_filter = ("status", "petition")
    raw_id_fields = ("petition",)
    readonly_fields = (
        "petition",
        "recipient_name",
        "recipient_address",
        "cutoff",
        "status",
        "progress",
        "error",
        "total",
        "prepared_by",
        "prepared_at",
        "merkle_root",
        "manifest_sha256",
        "download",
        "public_page",
    )
    fields = (*readonly_fields, "delivered_at", "delivery_note")
    change_form_template = "admin/deliveries/delivery/change_form.html"

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = DeliveryCreationForm if obj is None else HandOverForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return DeliveryCreationForm.Meta.fields if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.status in (Delivery.Status.PREPARED, Delivery.Status.DELIVERED):
            return self.readonly_fields
        return (*self.readonly_fields, "delivered_at", "delivery_note")

    def get_changeform_initial_data(self, request):
        return {"cutoff": timezone.now().replace(second=0, microsecond=0)}

    def has_add_permission(self, request):
        return request.user.has_perm("deliveries.prepare_delivery")

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("deliveries.prepare_delivery")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            delivery = delivery_create(
                petition=obj.petition,
                recipient_name=obj.recipient_name,
                recipient_address=obj.recipient_address,
                cutoff=obj.cutoff,
                user=request.user,
            )
            obj.pk = delivery.pk
            obj.refresh_from_db()
            transaction.on_commit(lambda: tasks.build_delivery.enqueue(delivery.pk), robust=True)
            return
        if obj.delivered_at:
            try:
                delivery_mark_delivered(
                    delivery=obj,
                    delivered_at=obj.delivered_at,
                    note=obj.delivery_note,
                    actor=request.user,
                )
            except DeliveryError as error:
                messages.error(request, str(error))

    @admin.display(description=_("package"))
    def download(self, delivery):
        if not delivery.archive:
            return "-"
        url = reverse("admin:deliveries_delivery_download", args=[delivery.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download the package (.zip)"))

    @admin.display(description=_("public page"))
    def public_page(self, delivery):
        url = delivery.get_absolute_url()
        return format_html('<a href="{}">{}</a>', url, url)

    def get_urls(self):
        return [
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="deliveries_delivery_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, pk):
        if not request.user.has_perm("deliveries.prepare_delivery"):
            raise PermissionDenied
        delivery = get_object_or_404(Delivery, pk=pk)
        if not delivery.archive:
            raise Http404
        name = f"{delivery.petition.slug}-delivery-{delivery.cutoff:%Y%m%d-%H%M}.zip"
        return FileResponse(delivery.archive.open("rb"), as_attachment=True, filename=name)


class ExportForm(forms.Form):
    petition = forms.ModelChoiceField(Petition.objects.all(), label=_("petition"))
    status = forms.ChoiceField(
        label=_("status"), choices=[("", _("Any")), *Signature.Status.choices], required=False
    )
    country = forms.CharField(label=_("country (ISO code)"), max_length=2, required=False)
    since = forms.DateTimeField(label=_("signed at or after"), required=False)
    until = forms.DateTimeField(label=_("signed before"), required=False)


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    list_display = ("kind", "petition", "user", "created_at", "rows")
    list_filter = ("kind", "petition")
    readonly_fields = ("kind", "petition", "user", "created_at", "filters", "rows")

    def has_add_permission(self, request):
        return request.user.has_perm("deliveries.export_signatures")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        """Adding a record means exporting: the record is written with the download."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ExportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            return self._export(request, form.cleaned_data)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Export signatures"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/deliveries/exportrecord/export.html", context)

    def _export(self, request, choices):
        petition = choices["petition"]
        signatures = export_queryset(
            petition=petition,
            status=choices["status"] or None,
            country=choices["country"].upper() or None,
            since=choices["since"],
            until=choices["until"],
        )
        export_record_create(
            petition=petition,
            user=request.user,
            filters={
                key: str(value) for key, value in choices.items() if value and key != "petition"
            },
            rows=signatures.count(),
        )
        response = StreamingHttpResponse(
            export_chunks(signatures), content_type="text/csv; charset=utf-8"
        )
        name = f"{petition.slug}-signatures-{timezone.localdate():%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
