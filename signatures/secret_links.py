"""Links that hold a secret, and their redaction from logs.

Whoever holds a confirm or manage link can confirm, change or withdraw someone's signature, so
no log may keep one. Their URL patterns mark the secret with the `secret` converter; everything
that writes request paths to a log (Django's loggers, gunicorn's access log) passes its text
through `redact_secret_links`, which finds those paths from the URL patterns themselves.
"""

import functools
import logging
import re

from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import StringConverter
from django.utils import translation

REDACTED = "[redacted]"
# A slash, or a slash percent-encoded as it is inside a query string (?next=%2Fs%2Fmanage%2F...).
SLASH = "(?:/|%2[Ff])"
# A secret runs to the next slash, query, fragment, space, quote or percent-escape: the links
# we send hold none of these.
HIDDEN_SEGMENT = "[^/?#&\\s\"'%]+"
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")


class SecretConverter(StringConverter):
    """A path segment that is a secret: matched as <str:...> is, and redacted from every log."""


def redact_secret_links(text: str) -> str:
    """The text with the secret of every confirm or manage path in it replaced by [redacted]."""
    if not apps.ready:
        # The URL patterns cannot be read yet, and no request has been served that could have
        # put a path in the log: gunicorn's main process logs only its own start and stop.
        return text
    for pattern in _secret_paths(get_resolver()):
        text = pattern.sub(_redact, text)
    return text


def _redact(match: re.Match) -> str:
    text, start = match.group(), match.start()
    for name in sorted(match.re.groupindex, key=match.start, reverse=True):
        begin, end = match.span(name)
        text = text[: begin - start] + REDACTED + text[end - start :]
    return text


@functools.cache
def _secret_paths(resolver: URLResolver) -> tuple[re.Pattern, ...]:
    """One pattern per route with a secret, up to its last secret; cached per URLconf."""
    patterns = {}
    # In the default language, whose pages have no prefix: the pattern then also finds the
    # links of every other language (/ko/s/confirm/...), whichever language is active now.
    with translation.override(settings.LANGUAGE_CODE):
        routes = list(_routes(resolver.url_patterns, prefix=("/", {})))
    for route in routes:
        regex = _route_regex(*route)
        if regex is not None:
            patterns.setdefault(regex, re.compile(regex))
    return tuple(patterns.values())


def _routes(entries, prefix):
    for entry in entries:
        route = (prefix[0] + str(entry.pattern), prefix[1] | entry.pattern.converters)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def _route_regex(route: str, converters: dict) -> str | None:
    """A regex for the route up to its last secret, None for a route without one."""
    pieces, secrets, position, regex = [], 0, 0, None
    for parameter in PARAMETER.finditer(route):
        pieces.append(_literal(route[position : parameter.start()]))
        converter = converters.get(parameter["parameter"])
        if isinstance(converter, SecretConverter):
            pieces.append(f"(?P<secret{secrets}>{HIDDEN_SEGMENT})")
            secrets += 1
            regex = "".join(pieces)
        else:
            pieces.append(f"(?:{converter.regex})" if converter else HIDDEN_SEGMENT)
        position = parameter.end()
    return regex


def _literal(text: str) -> str:
    return SLASH.join(re.escape(part) for part in text.split("/"))


class RedactSecretLinks(logging.Filter):
    """A logging filter that takes the secrets out of confirm and manage paths in a message."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # the handler reports a message that cannot be formatted
        redacted = redact_secret_links(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
