import functools
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DataError
from django.middleware import locale
from django.urls import LocalePrefixPattern, Resolver404, get_resolver, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.defaults import bad_request

from audit.services import request_network
from config.routers import replica_reads
from signatures import one_time
from signatures.client_ip import client_ip
from signatures.identity import ip_prefix

logger = logging.getLogger(__name__)


class BadQueryStringMiddleware:
    """Answer 400, never 500, to query strings that no page can use.

    A NUL character cannot reach PostgreSQL at all, so a query string with one is refused and
    a cookie or a header with one is ignored (the staff login records the browser's headers).
    An admin list page turns its query string into filters, so a value out of range there (a
    year of 20 digits) is the visitor's mistake, whichever step of building or running the
    query it breaks.
    """

    admin_list_errors = (ValueError, OverflowError, DataError, ValidationError)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.GET
        if "\x00" in request.path or any(
            "\x00" in key or "\x00" in value for key in query for value in query.getlist(key)
        ):
            return bad_request(request, ValueError("NUL in the request"))
        # A cookie is sent again with every request: refusing it would lock the browser out, so
        # one that no page could have set is ignored instead.
        for name, value in list(request.COOKIES.items()):
            if "\x00" in name or "\x00" in value:
                del request.COOKIES[name]
        for name, value in list(request.META.items()):
            if name.startswith("HTTP_") and "\x00" in value:
                del request.META[name]
        return self.get_response(request)

    def process_exception(self, request, exception):
        match = request.resolver_match
        if (
            match is not None
            and match.namespace == "admin"
            and (match.url_name or "").endswith("_changelist")
            and isinstance(exception, self.admin_list_errors)
        ):
            # The parameters' names only: a search term may be someone's email address.
            logger.warning(
                "Unusable admin query (%s): %s", ", ".join(request.GET), type(exception).__name__
            )
            return bad_request(request, exception)
        return None


class PermissionsPolicyMiddleware:
    """Turn off, with a Permissions-Policy header, the browser features no page here uses."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DISABLED)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.policy)
        return response


class AuditNetworkMiddleware:
    """Audit entries written while serving a request carry the network it came from.

    The network, as signatures keep it, and not the address: enough to tell an office from a
    stranger's connection.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_network(ip_prefix(client_ip(request))):
            return self.get_response(request)


class ReplicaReadsMiddleware:
    """Let the public pages that anonymous visitors read come from the read replica.

    Only safe methods, only the pages named here, and only for a browser that holds neither a
    session (staff) nor a note of signing or confirming (a signer, until the receipt is
    shown): neither reads a replica that might not have caught up with what they have just
    written.
    """

    public_views = {
        "petitions:list",
        "petitions:detail",
        "petitions:qr_code",
        "signatures:count",
    }

    def __init__(self, get_response):
        self.get_response = get_response
        self.writers_cookies = (settings.SESSION_COOKIE_NAME, *one_time.COOKIES)

    def __call__(self, request):
        with replica_reads(self.replica_safe(request)):
            return self.get_response(request)

    def replica_safe(self, request) -> bool:
        if request.method not in ("GET", "HEAD"):
            return False
        if any(name in request.COOKIES for name in self.writers_cookies):
            return False
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name in self.public_views


class LocaleMiddleware(locale.LocaleMiddleware):
    """The language of a page is its address's, where it has one in each language.

    The pages signers see (config/urls.py) are in English at /petitions/... and in Korean at
    /ko/petitions/..., whatever the browser asks: so one copy of each serves everyone and no
    cache needs `Vary: Accept-Language`. Other pages, the admin's, follow the browser's languages
    (or Django's language cookie), as Django's own middleware has them do.
    """

    def process_request(self, request):
        language = translation.get_language_from_path(request.path_info)
        request.language_from_path = language is not None or _localised(
            getattr(request, "urlconf", settings.ROOT_URLCONF), request.path_info
        )
        if language is None:
            language = (
                settings.LANGUAGE_CODE
                if request.language_from_path
                else translation.get_language_from_request(request)
            )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        if not getattr(request, "language_from_path", False):
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        # Addresses are built in the active language: nothing that runs in this thread after
        # the answer (a task, a test) should build them in this visitor's.
        translation.deactivate()
        return response


def _localised(urlconf, path):
    """Whether the path without a language prefix is a page of the default language's."""
    resolver = _localised_resolver(urlconf)
    if resolver is None:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        try:
            resolver.resolve(path.removeprefix("/"))
        except Resolver404:
            return False
    return True


@functools.cache
def _localised_resolver(urlconf):
    for pattern in get_resolver(urlconf).url_patterns:
        if isinstance(getattr(pattern, "pattern", None), LocalePrefixPattern):
            return pattern
    return None
