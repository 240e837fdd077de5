from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from .absolute_urls import absolute_url
from .models import Petition, default_retention_days
from .public_pages import public_page
from .sharing import qr_code_svg

# The code changes only with the site's address or the petition's slug.
QR_CODE_MAX_AGE = 24 * 60 * 60


@require_safe
@public_page
def petition_list(request):
    return render(
        request,
        "petitions/petition_list.html",
        {
            "open_petitions": Petition.objects.open().most_signed_first(),
            "finished_petitions": Petition.objects.finished().with_signature_count(),
        },
    )


@require_safe
@public_page
def petition_detail(request, slug):
    # The public petition without a look at who asks, so that its page is the same for all.
    petition = Petition.objects.public().prefetch_related("demands").filter(slug=slug).first()
    if petition is None:
        return _draft_for_staff(request, slug)
    return render(request, "petitions/petition_detail.html", {"petition": petition})


def _draft_for_staff(request, slug):
    petition = get_object_or_404(
        Petition.objects.visible_to(request.user).prefetch_related("demands"), slug=slug
    )
    response = render(request, "petitions/petition_detail.html", {"petition": petition})
    add_never_cache_headers(response)
    return response


@require_safe
def petition_qr_code(request, slug):
    # Public petitions only, even for staff: a draft's address opens nothing for whoever scans
    # it, and so every answer here is the same for everyone and any cache may keep it.
    petition = get_object_or_404(Petition.objects.public(), slug=slug)
    response = HttpResponse(
        qr_code_svg(absolute_url(petition.get_absolute_url())), content_type="image/svg+xml"
    )
    patch_cache_control(response, public=True, max_age=QR_CODE_MAX_AGE)
    return response


about = require_safe(public_page(TemplateView.as_view(template_name="petitions/about.html")))


@require_safe
@public_page
def privacy_notice(request):
    return render(
        request,
        "petitions/privacy.html",
        {
            "controller_name": settings.PRIVACY_CONTROLLER_NAME,
            "controller_address": settings.PRIVACY_CONTROLLER_ADDRESS,
            "contact_email": settings.PRIVACY_CONTACT_EMAIL,
            "confirmation_days": settings.SIGNATURE_CONFIRMATION_TTL.days,
            "retention_days": default_retention_days(),
            "authority_name": settings.PRIVACY_SUPERVISORY_AUTHORITY,
            "authority_url": settings.PRIVACY_SUPERVISORY_AUTHORITY_URL,
        },
    )
