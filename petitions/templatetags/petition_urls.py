from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation

from ..absolute_urls import absolute_url as build_absolute_url

register = template.Library()


@register.simple_tag
def absolute_url(path):
    return build_absolute_url(path)


@register.simple_tag(takes_context=True)
def language_links(context):
    """This page in each language: (code, name in that language, address, is current).

    From the address alone, never the query string or anything of the visitor's, so that the
    links are the same for everyone who gets the page. A page that has no address in another
    language (an error page) links to the home page in that language.
    """
    request = context.get("request")
    path = request.path if request is not None else "/"
    localised = getattr(request, "language_from_path", False)
    current = translation.get_language()
    links = []
    for code, _name in settings.LANGUAGES:
        address = translate_url(path, code) if localised else path
        if address == path and code != current:
            with translation.override(code):
                address = reverse("petitions:list")
        name_local = translation.get_language_info(code)["name_local"]
        links.append((code, name_local, address, code == current))
    return links
