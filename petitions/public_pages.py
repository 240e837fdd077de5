"""Pages that are the same for every visitor: kept whole for a few seconds, by us and by any cache.

Such a page carries nothing of one visitor's: no CSRF token, no CSP nonce, no message, no
session, and its language comes from its address (config/urls.py). So one copy per address
serves everyone: our own cache keeps it for PUBLIC_PAGE_CACHE_SECONDS, and the Cache-Control
header lets a CDN keep it for PUBLIC_PAGE_MAX_AGE and serve it while it fetches a fresh one.
"""

import functools
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control


def _directives(header: str) -> list[str]:
    return [value.strip() for value in header.split(",") if value.strip()]


@dataclass(frozen=True)
class CachedPage:
    content: bytes
    content_type: str


# Each process also keeps the pages it served for a second, sparing the round trip to Redis on
# its busiest pages; only pages that exist are kept, so there are few.
LOCAL_SECONDS = 1
_local_pages: dict[str, tuple[float, "CachedPage"]] = {}


def _kept_here(key: str) -> "CachedPage | None":
    kept = _local_pages.get(key)
    if kept is not None and kept[0] > time.monotonic():
        return kept[1]
    page = cache.get(key)
    if page is not None:
        _local_pages[key] = (time.monotonic() + LOCAL_SECONDS, page)
    return page


def forget_local_pages() -> None:
    _local_pages.clear()


def public_page(view):
    """Serve the view's answer from the cache, and let any cache keep it.

    Only a 200 that read nothing of the visitor's is kept: a view that looked at the session
    or the user (a draft shown to staff) answers for that visitor alone.
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        request.public_page = True
        # The query string is left out of the key: no public page reads one, and a key per
        # made-up query would let anyone fill the cache and bypass it.
        key = page_cache_key(request.path)
        cached = _kept_here(key)
        if cached is not None:
            response = HttpResponse(cached.content, content_type=cached.content_type)
        else:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                # Rendered now, so that whatever the template read of the visitor is known.
                response.render()
            if not _same_for_everyone(request, response):
                return response
            page = CachedPage(response.content, response["Content-Type"])
            lifetime = settings.PUBLIC_PAGE_CACHE_SECONDS
            cache.set(key, page, lifetime)
            _local_pages[key] = (time.monotonic() + min(LOCAL_SECONDS, lifetime), page)
        patch_cache_control(
            response,
            public=True,
            max_age=settings.PUBLIC_PAGE_MAX_AGE,
            stale_while_revalidate=settings.PUBLIC_PAGE_STALE_WHILE_REVALIDATE,
        )
        return response

    return wrapped


class PublicPageMiddleware:
    """No cookie is ever set on a page that caches share, whatever the visitor sent.

    A visitor's stale session or malformed CSRF cookie makes Django's middleware replace or
    delete it, and vary the answer on cookies; on a page that a CDN keeps, that would hand one
    visitor's cookie to everyone. Such a cookie is dealt with on the visitor's next page of
    their own. Placed above the session and CSRF middleware, so that it sees what they added.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "public_page", False) and _kept_by_caches(response):
            response.cookies.clear()
            vary = [v for v in _directives(response.get("Vary", "")) if v.lower() != "cookie"]
            if vary:
                response["Vary"] = ", ".join(vary)
            elif response.has_header("Vary"):
                del response["Vary"]
        return response


def _kept_by_caches(response):
    return "public" in _directives(response.get("Cache-Control", ""))


def _same_for_everyone(request, response):
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.cookies
        and not response.has_header("Cache-Control")
        and not (session is not None and session.accessed)
    )


def page_cache_key(path: str) -> str:
    # The language too: an address outside the localised ones has none. Not the host: links
    # in a page are built from DJANGO_SITE_URL. Without it (development only), a page made for
    # one host is served to another for these few seconds.
    return f"pages:{translation.get_language()}:{path}"


def forget_cached_pages(
    petition, *, also: tuple[str, ...] = (), with_keys: tuple[str, ...] = ()
) -> None:
    """Drop the petition's page and the home page, in every language, and the pages named in
    `also` that take the petition's slug; and, in the same round trip, the keys `with_keys`.

    At once in this process and in the shared cache; another process's copy lasts a second.
    """
    keys = _page_keys(petition.slug, also)
    cache.delete_many([*keys, *with_keys])
    for key in keys:
        _local_pages.pop(key, None)


@functools.lru_cache(maxsize=1024)
def _page_keys(slug: str, also: tuple[str, ...]) -> tuple[str, ...]:
    keys = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            paths = [reverse("petitions:detail", args=[slug]), reverse("petitions:list")]
            paths += [reverse(name, args=[slug]) for name in also]
            keys += [page_cache_key(path) for path in paths]
    return tuple(keys)


@receiver(setting_changed)
def _forget_page_keys(*, setting, **kwargs):
    if setting in ("LANGUAGES", "ROOT_URLCONF"):
        _page_keys.cache_clear()


def forget_cached_pages_on_commit(petition) -> None:
    # robust: the change has committed, and the pages expire within seconds anyway.
    transaction.on_commit(lambda: forget_cached_pages(petition), robust=True)
