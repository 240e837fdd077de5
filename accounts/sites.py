from functools import update_wrapper
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from audit.models import AuditEntry
from audit.services import audit_record

from . import views
from .abilities import abilities_of
from .lockout import login_completed
from .password_checks import PasswordChecksBusy
from .selectors import second_factor_expected, second_factor_pending


class StaffAdminSite(admin.AdminSite):
    """The admin, opened only once a login is complete: the password, then a second factor
    where one is required or set up."""

    index_template = "admin/staff_index.html"

    def has_permission(self, request):
        return super().has_permission(request) and not second_factor_pending(request.user)

    def index(self, request, extra_context=None):
        return super().index(
            request, {"abilities": abilities_of(request.user), **(extra_context or {})}
        )

    def admin_view(self, view, cacheable=False):
        """Every admin view, with the edits its permission checks refuse written to the log."""
        inner = super().admin_view(view, cacheable)

        def audited(request, *args, **kwargs):
            try:
                return inner(request, *args, **kwargs)
            except PermissionDenied:
                # Only attempts to change something: a refused page view changes nothing.
                if request.method not in ("GET", "HEAD", "OPTIONS"):
                    self._record_refusal(request, kwargs)
                raise

        return update_wrapper(audited, inner)

    def _record_refusal(self, request, kwargs):
        url_name = request.resolver_match.url_name or ""
        for model in self._registry:
            prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
            if url_name.startswith(prefix):
                audit_record(
                    actor=request.user,
                    action=AuditEntry.Action.REFUSED,
                    target=_refused_object(model, kwargs.get("object_id") or kwargs.get("pk")),
                    changes={"attempted": url_name.removeprefix(prefix)},
                )
                return
        audit_record(
            actor=request.user,
            action=AuditEntry.Action.REFUSED,
            changes={"attempted": url_name or request.path[:200]},
        )

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        if second_factor_pending(request.user):
            return self._second_factor(request, request.GET.get("next", ""))
        try:
            response = super().login(request, extra_context)
        except PasswordChecksBusy:
            return views.busy(request)
        if request.method == "POST" and response.status_code == 302:
            # The password was right; where a code may be owed, the next step tells.
            if second_factor_expected(request.user):
                return self._second_factor(request, response.url)
            login_completed(request.user)
        return response

    def _second_factor(self, request, next_url):
        url = reverse("accounts:second_factor_verify")
        if next_url:
            url = f"{url}?{urlencode({'next': next_url})}"
        return HttpResponseRedirect(url)


def _refused_object(model, object_id):
    """The object a refused request was about, or its model when it names none that exists."""
    if object_id is None:
        return model
    try:
        return model._default_manager.filter(pk=object_id).first() or model
    except (ValueError, ValidationError):
        return model
