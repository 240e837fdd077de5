import logging

from django.core.exceptions import ValidationError
from django.db import DataError
from django.views.defaults import bad_request

logger = logging.getLogger(__name__)


class BadQueryStringMiddleware:
    """Answer 400, never 500, to query strings that no page can use.

    A NUL character cannot reach PostgreSQL at all. An admin list page turns its query string
    into filters, so a value out of range there (a year of 20 digits) is the visitor's
    mistake, whichever step of building or running the query it breaks.
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
        return self.get_response(request)

    def process_exception(self, request, exception):
        match = request.resolver_match
        if (
            match is not None
            and match.namespace == "admin"
            and match.url_name.endswith("_changelist")
            and isinstance(exception, self.admin_list_errors)
        ):
            logger.warning("Unusable admin query %s: %r", request.GET.urlencode(), exception)
            return bad_request(request, exception)
        return None
