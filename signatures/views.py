from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_safe,
)

from petitions.models import Petition
from petitions.public_pages import public_page

from . import one_time
from .challenges import new_challenge
from .client_ip import client_ip
from .cross_origin import Provenance, form_provenance
from .defences import confirming_suspicion, signing_suspicion
from .forms import SignatureForm, SignerDetailsForm
from .identity import format_receipt, public_id_from_manage_token
from .models import Signature
from .selectors import (
    confirmation_for_link,
    petition_counts,
    signature_confirmed_by_link,
    signer_data,
)
from .services import (
    PetitionNotOpen,
    SignatureError,
    TokenExpired,
    TokenInvalid,
    signature_confirm,
    signature_create,
    signature_stop_updates,
    signature_update_details,
    signature_withdraw,
)

# A signing form is well under 2 KB; anything far larger is not a person signing.
MAX_SIGNING_BODY = 16 * 1024


# The petition page holds no token, so that caches may keep it: the form's origin is checked
# instead, and Django's token only where the browser does not tell it (cross_origin.py).
@never_cache
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def sign(request, slug):
    petition = get_object_or_404(Petition.objects.visible_to(request.user), slug=slug)
    if request.method != "POST":
        # Where the form was shown again after an error; a reload or a language switch there
        # lands on the petition's form.
        return redirect(petition.get_absolute_url() + "#sign")
    if not petition.is_open:
        return _refuse_closed(request, petition)
    if _content_length(request) > MAX_SIGNING_BODY:
        notice = _("What you sent was too large. Please fill in the form again.")
        return _render_petition(request, petition, notice=notice, status=413)
    provenance = form_provenance(request)
    if provenance is Provenance.CROSS_ORIGIN:
        context = {"petition": petition}
        return render(request, "signatures/sent_from_elsewhere.html", context, status=403)
    if provenance is Provenance.UNKNOWN:
        if not request.POST.get("csrfmiddlewaretoken"):
            # Nothing is lost: the form comes back as it was, with a token, to send once more.
            notice = _("Please check your details and press the button again to sign.")
            form = SignatureForm(request.POST)
            return _render_petition(request, petition, form=form, notice=notice, with_token=True)
        return csrf_protect(_sign)(request, petition)
    return _sign(request, petition)


def _sign(request, petition):
    form = SignatureForm(request.POST)
    if not form.is_valid():
        return _render_petition(request, petition, form=form)
    ip_address = client_ip(request)
    # Whatever the defences think of it, the signer sees the same: a script learns nothing.
    suspicion = signing_suspicion(
        petition=petition,
        email=form.cleaned_data["email"],
        ip_address=ip_address,
        filled_trap=form.filled_trap,
        challenge_answer=form.challenge_answer,
    )
    try:
        signature_create(
            petition=petition,
            language=get_language(),
            ip_address=ip_address,
            suspicion=suspicion,
            **form.cleaned_data,
        )
    except PetitionNotOpen:
        return _refuse_closed(request, petition)
    # Shown once on the next page, then gone, like the receipt; never in the URL, which server
    # logs keep.
    response = redirect("signatures:check_email", slug=petition.slug)
    one_time.SENT_TO.keep(response, petition.slug, form.cleaned_data["email"])
    return response


def _refuse_closed(request, petition):
    notice = _("This petition is not accepting signatures.")
    return _render_petition(request, petition, notice=notice, status=409)


def _content_length(request):
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _render_petition(request, petition, *, form=None, notice=None, status=200, with_token=False):
    """The petition page again, with the form as the signer left it or a notice."""
    context = {"petition": petition, "form": form, "notice": notice, "with_token": with_token}
    return render(request, "petitions/petition_detail.html", context, status=status)


@never_cache
@require_safe
def challenge(request):
    """A new challenge for the signing form's widget; it is signed, so nothing is stored."""
    return JsonResponse(new_challenge())


@require_safe
@public_page
def petition_count(request, slug):
    petition = get_object_or_404(Petition.objects.public(), slug=slug)
    counts = petition_counts(petition)
    return JsonResponse(
        {
            "slug": petition.slug,
            "count": counts.total,
            "goal": petition.goal,
            "countries": counts.country_count,
        }
    )


@never_cache
@require_GET
def check_email(request, slug):
    # GET only: a HEAD must not use up the one showing of the address.
    petition = get_object_or_404(Petition.objects.public(), slug=slug)
    context = {
        "petition": petition,
        "email": one_time.SENT_TO.read(request, slug),
        "days": settings.SIGNATURE_CONFIRMATION_TTL.days,
    }
    response = render(request, "signatures/check_email.html", context)
    one_time.SENT_TO.drop(request, response)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    # A GET only shows a button: mail scanners fetch links, and must never confirm anything.
    if request.method == "GET":
        confirmation = confirmation_for_link(token)
        if confirmation is None:
            return _link_used_or_invalid(request, token)
        if confirmation.is_expired:
            return _link_invalid(request, expired_for=confirmation.signature.petition)
        petition = confirmation.signature.petition
        context = {"token": token, "signer": confirmation, "petition": petition}
        return render(request, "signatures/confirm.html", context)
    try:
        signature = signature_confirm(
            token=token, suspicion=confirming_suspicion(ip_address=client_ip(request))
        )
    except TokenExpired as expired:
        return _link_invalid(request, expired_for=expired.petition)
    except TokenInvalid:
        return _link_used_or_invalid(request, token)
    except PetitionNotOpen:
        return render(request, "signatures/petition_closed.html", status=409)
    # Shown once on the next page, then gone: a shared or seized device must not reveal later
    # that it was used to sign.
    slug = signature.petition.slug
    response = redirect("signatures:thanks", slug=slug)
    one_time.RECEIPT.keep(response, slug, signature.receipt)
    return response


def _link_used_or_invalid(request, token):
    signature = signature_confirmed_by_link(token)
    if signature is None:
        return _link_invalid(request)
    context = {"petition": signature.petition}
    return render(request, "signatures/already_confirmed.html", context)


def _link_invalid(request, *, expired_for=None):
    context = {"expired": expired_for is not None, "petition": expired_for}
    return render(request, "signatures/link_invalid.html", context, status=410)


@never_cache
@require_GET
def thanks(request, slug):
    # GET only: a HEAD or a prefetch must not use up the one showing of the receipt.
    petition = get_object_or_404(Petition.objects.public(), slug=slug)
    receipt = one_time.RECEIPT.read(request, slug)
    response = redirect(petition) if receipt is None else _render_thanks(request, petition, receipt)
    # Signing is over: an address not yet shown need not outlive it either.
    for note in (one_time.RECEIPT, one_time.SENT_TO):
        note.drop(request, response)
    return response


def _render_thanks(request, petition, receipt):
    context = {"petition": petition, "receipt": format_receipt(receipt)}
    return render(request, "signatures/thanks.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def manage(request, token):
    signature = _signature_for_manage_token(token)
    details_form = None
    if signature.is_confirmed_by_signer:
        details_form = SignerDetailsForm(
            request.POST if request.POST.get("action") == "update" else None,
            initial=signature.details(),
        )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "update" and details_form is not None:
            if not details_form.is_valid():
                return _render_manage(request, token, signature, details_form)
            try:
                signature_update_details(signature=signature, **details_form.cleaned_data)
            except SignatureError:
                messages.error(request, _("This signature can no longer be changed."))
            else:
                messages.success(request, _("Your details have been saved."))
        elif action == "withdraw":
            # Sent by a manage page opened before withdrawing asked first: ask now.
            return redirect("signatures:withdraw", token=token)
        elif action == "stop_updates":
            signature_stop_updates(signature=signature)
            messages.success(request, _("You will not receive updates about this petition."))
        else:
            messages.error(request, _("Please choose one of the buttons below."))
        return redirect("signatures:manage", token=token)
    return _render_manage(request, token, signature, details_form)


def _signature_for_manage_token(token):
    public_id = public_id_from_manage_token(token)
    if public_id is None:
        raise Http404
    return get_object_or_404(Signature.objects.select_related("petition"), public_id=public_id)


def _render_manage(request, token, signature, details_form):
    context = {
        "token": token,
        "signature": signature,
        "signer": signature,
        "petition": signature.petition,
        "receipt": format_receipt(signature.receipt),
        "details_form": details_form,
    }
    return render(request, "signatures/manage.html", context)


@never_cache
@require_safe
def my_data(request, token):
    """Everything stored about the signer, as a file: a withdrawn signature still has some."""
    signature = _signature_for_manage_token(token)
    response = JsonResponse(
        signer_data(signature), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    filename = f"signature-{format_receipt(signature.receipt)}.json"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request, token):
    """Erasing cannot be undone, so the manage page's button leads here to ask once more."""
    signature = _signature_for_manage_token(token)
    # Nothing of the signer's is left to erase: the manage page says so.
    if signature.status == Signature.Status.WITHDRAWN or signature.anonymised_at is not None:
        return redirect("signatures:manage", token=token)
    if request.method == "POST":
        signature_withdraw(signature=signature)
        messages.success(request, _("Your signature has been withdrawn and your details erased."))
        return redirect("signatures:manage", token=token)
    context = {"token": token, "signature": signature, "petition": signature.petition}
    return render(request, "signatures/withdraw.html", context)
