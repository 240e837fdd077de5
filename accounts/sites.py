from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

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
