"""Where a signing form was sent from, as the browser tells it: the check that stands in for a
CSRF token on the petition page.

The petition page is the same for every visitor, so that any cache may keep it whole, and so it
cannot hold a token. Browsers say instead where a form was sent from, in headers that no page
can set or remove: `Sec-Fetch-Site` (every current browser, on HTTPS and on localhost) and
`Origin` (every browser since about 2020, on every cross-origin POST). The same rule as Go's
`http.CrossOriginProtection`:

- `Sec-Fetch-Site: same-origin`, or `none` (the visitor's own doing, never another page's):
  from here. `cross-site` or `same-site` (a subdomain is another origin): from elsewhere.
- Without it, an `Origin` that is this site's own is from here; any other, `null` included,
  is from elsewhere.
- With neither, the sender is a very old browser, a proxy that strips them, or not a browser
  at all: unknown. The signing view then falls back to Django's token (signatures/views.py).
"""

import enum
from urllib.parse import urlsplit

from django.conf import settings


class Provenance(enum.Enum):
    SAME_ORIGIN = "same-origin"
    CROSS_ORIGIN = "cross-origin"
    UNKNOWN = "unknown"


SAME_ORIGIN_FETCHES = frozenset({"same-origin", "none"})


def form_provenance(request) -> Provenance:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        if fetch_site.strip().lower() in SAME_ORIGIN_FETCHES:
            return Provenance.SAME_ORIGIN
        return Provenance.CROSS_ORIGIN
    origin = request.headers.get("Origin")
    if origin is None:
        return Provenance.UNKNOWN
    if origin.strip().lower().rstrip("/") in own_origins(request):
        return Provenance.SAME_ORIGIN
    return Provenance.CROSS_ORIGIN


def own_origins(request) -> set[str]:
    """The address the request reached us at, the site's public one, and those staff trust."""
    origins = {f"{request.scheme}://{request.get_host()}"}
    if settings.SITE_URL:
        site = urlsplit(settings.SITE_URL)
        origins.add(f"{site.scheme}://{site.netloc}")
    origins.update(settings.CSRF_TRUSTED_ORIGINS)
    return {origin.lower() for origin in origins}
