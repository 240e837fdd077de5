import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

# What a client is told to wait before trying again while the database is unreachable.
RETRY_AFTER_SECONDS = 30


def server_error(request):
    """Django's 500 page, except while the database is unreachable: then an honest 503.

    The 503 page is rendered without the request's context, since reading the session or
    the user would wait on the database again.
    """
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request)
