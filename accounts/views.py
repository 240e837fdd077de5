import math
from base64 import b32encode
from functools import wraps
from urllib.parse import urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice

from .forms import CodeForm
from .lockout import code_failed, login_allowed, login_completed
from .selectors import (
    authenticator_of,
    has_second_factor,
    recovery_codes_left,
    second_factor_pending,
    second_factor_required,
)
from .services import second_factor_begin, second_factor_confirm, second_factor_reset

# What a login refused for want of a free password-check slot is told to wait.
BUSY_RETRY_AFTER_SECONDS = 2


def locked_out(request, response, credentials):
    """Axes's answer to an attempt while the account or the address must wait.

    Axes's middleware puts it in place of the view's response, after responses are rendered.
    """
    locked_until = AxesProxyHandler.get_implementation().locked_until(request, credentials)
    wait = (locked_until - timezone.now()) if locked_until else get_cool_off(request)
    seconds = max(1, math.ceil(wait.total_seconds()))
    response = TemplateResponse(
        request,
        "accounts/locked_out.html",
        {
            **_login_context(request),
            "title": _("Too many failed attempts"),
            "seconds": seconds,
            "minutes": math.ceil(seconds / 60),
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response.render()


@never_cache
def busy(request):
    response = TemplateResponse(
        request,
        "accounts/busy.html",
        {**_login_context(request), "title": _("Busy")},
        status=503,
    )
    response["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
    return response


def staff_login_begun(view):
    """For the steps between the password and the admin: a staff member must be logged in."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_active and request.user.is_staff):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        return view(request, *args, **kwargs)

    return never_cache(wrapped)


@staff_login_begun
def second_factor_verify(request):
    user = request.user
    next_url = _next_url(request)
    if not second_factor_pending(user):
        return redirect(next_url)
    if not has_second_factor(user):
        return redirect(_with_next("accounts:second_factor_setup", next_url))
    form = CodeForm(request.POST or None, check=lambda code: match_token(user, code))
    if request.method == "POST":
        if not login_allowed(request, user):
            return locked_out(request, None, {"username": user.get_username()})
        if form.is_valid():
            _complete_login(request, form.device)
            if isinstance(form.device, StaticDevice):
                _warn_about_recovery_codes(request, recovery_codes_left(user))
            return redirect(next_url)
        if form.has_error("code", "invalid"):
            code_failed(request, user)
    return TemplateResponse(
        request,
        "accounts/second_factor_verify.html",
        {
            **_login_context(request),
            "title": _("Two-factor authentication"),
            "form": form,
            "next": next_url,
        },
    )


@staff_login_begun
def second_factor_setup(request):
    user = request.user
    next_url = _next_url(request, default=reverse("accounts:second_factor"))
    if has_second_factor(user) and not user.is_verified():
        # The password alone never adds a key to an account that has one.
        return redirect(_with_next("accounts:second_factor_verify", next_url))
    pending = second_factor_begin(user=user)
    authenticator = pending.authenticator
    form = CodeForm(
        request.POST or None,
        check=lambda code: authenticator if authenticator.verify_token(code) else None,
    )
    if request.method == "POST":
        if not login_allowed(request, user):
            return locked_out(request, None, {"username": user.get_username()})
        if form.is_valid():
            second_factor_confirm(user=user, authenticator=authenticator)
            _complete_login(request, authenticator)
            messages.success(request, _("Two-factor authentication is set up."))
            return redirect(next_url)
        if form.has_error("code", "invalid"):
            code_failed(request, user)
    secret = b32encode(authenticator.bin_key).decode()
    return TemplateResponse(
        request,
        "accounts/second_factor_setup.html",
        {
            **_login_context(request),
            "title": _("Set up two-factor authentication"),
            "form": form,
            "next": next_url,
            # Drawn here, so that the key never leaves the site to be turned into a picture.
            "qr_code": mark_safe(  # noqa: S308 - segno's SVG of our own data
                segno.make(authenticator.config_url, error="m").svg_inline(scale=5, border=2)
            ),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "recovery_codes": [f"{code[:4]}-{code[4:]}" for code in pending.recovery_codes],
        },
    )


def second_factor(request):
    """A staff member's own second factor: what is set up, and a reset."""
    user = request.user
    if request.method == "POST":
        second_factor_reset(user=user, actor=user)
        messages.success(request, _("Two-factor authentication was reset."))
        if second_factor_required(user):
            return redirect("accounts:second_factor_setup")
        return redirect("accounts:second_factor")
    authenticator = authenticator_of(user)
    return TemplateResponse(
        request,
        "accounts/second_factor.html",
        {
            **admin.site.each_context(request),
            "title": _("Two-factor authentication"),
            "required": second_factor_required(user),
            "authenticator": authenticator,
            "recovery_codes_left": recovery_codes_left(user) if authenticator else 0,
        },
    )


def _complete_login(request, device):
    # A new session key for the session that now opens the admin, as Django gives one at login.
    request.session.cycle_key()
    otp_login(request, device)
    login_completed(request.user)


def _warn_about_recovery_codes(request, left):
    messages.warning(
        request,
        ngettext(
            "You used a recovery code; %(left)d is left. Reset two-factor authentication to get "
            "new ones.",
            "You used a recovery code; %(left)d are left. Reset two-factor authentication to "
            "get new ones.",
            left,
        )
        % {"left": left},
    )


def _login_context(request):
    """The admin's look, without its menus: the session may not reach them yet."""
    return {
        **admin.site.each_context(request),
        "available_apps": [],
        "is_nav_sidebar_enabled": False,
    }


def _next_url(request, default=None):
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default or reverse("admin:index")


def _with_next(view_name, next_url):
    return f"{reverse(view_name)}?{urlencode({'next': next_url})}"
