"""What the signatures app offers pages: the form, the counts, the recent signers, names."""

import json

from django import template
from django.conf import settings
from django.template.defaultfilters import stringfilter
from django.utils import timezone

from .. import selectors
from ..challenges import widget_strings
from ..display import unlinked
from ..forms import SignatureForm

register = template.Library()

# {{ signer.full_name|unlinked }}: what a signer wrote, never made into a link by whoever reads it.
register.filter("unlinked", stringfilter(unlinked), is_safe=True)


@register.simple_tag
def petition_counts(petition):
    return selectors.petition_counts(petition)


@register.simple_tag
def recent_signers(petition):
    return selectors.recent_public_signers(petition)


@register.inclusion_tag("signatures/includes/_form.html", takes_context=True)
def signing_form(context, petition):
    """The form as the signer left it when it needs fixing, otherwise an empty one."""
    form = context.get("form")
    return {
        "petition": petition,
        "form": form if isinstance(form, SignatureForm) else SignatureForm(),
        "challenge_strings": json.dumps(widget_strings()) if petition.requires_challenge else "",
        "consent_version": settings.CONSENT_VERSION,
        "with_token": context.get("with_token", False),
    }


@register.inclusion_tag("signatures/admin/_summary.html")
def signature_summary(petition):
    return {
        "petition": petition,
        "counts": selectors.petition_counts(petition),
        "recent_signers": selectors.recent_public_signers(petition),
    }


@register.inclusion_tag("signatures/admin/_retention.html")
def retention_summary(petition):
    """When the petition's signers' details will be erased, or were, and what holds them."""
    return {
        "petition": petition,
        "erased_at": selectors.personal_data_erased_at(petition),
        "due_at": petition.personal_data_due_at,
        "hold": petition.retention_hold,
        "now": timezone.now(),
    }
