"""A URLconf with secrets of its own, to show that the redaction follows the URL patterns."""

from django.http import HttpResponse
from django.urls import include, path

# Registers the `secret` converter, as the site's own URLconf does.
import signatures.urls  # noqa: F401


def page(request, **kwargs):
    return HttpResponse()


urlpatterns = [
    path("vault/<slug:room>/<secret:key>/open/", page),
    path("plain/<str:key>/", page),
    path("fr/", include("signatures.urls")),
]
