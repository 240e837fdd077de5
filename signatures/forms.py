import functools
import ipaddress
import re

import idna
from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .identity import (
    UndeliverableAddress,
    a_label,
    canonical_email,
    deliverable_address,
    readable_address,
)
from .invalidations import too_many_to_read
from .models import Invalidation, Signature, SourceRule

# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@")
# Refused in a town or postcode, which never needs one. Names are not checked: real names such
# as "Mary Jo.me" look like web addresses, and wherever a name is shown it is shown unlinked.
URL_PATTERN = re.compile(
    r"://|www\.|\b[\w-]+\.(com|net|org|info|biz|io|co|me|ru|cn|xyz|top|site|online|link|ly)\b",
    re.IGNORECASE,
)
# Control characters; bidirectional overrides and isolates, which can make a name display as
# something else; zero-width spaces, word joiners and invisible separators, which make two
# names that read alike differ (and the last of which the site adds itself when it shows one);
# the byte-order mark; the replacement character left by undecodable input; and private-use
# characters. Zero-width (non-)joiners stay: Persian and Indic names need them.
FORBIDDEN_CHARACTERS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufffd\ue000-\uf8ff]"
)


def country_choices():
    return [("", _("Choose your country")), *countries]


@functools.cache
def _escaped_country_choices(language):
    return tuple((code, escape(label)) for code, label in country_choices())


@functools.cache
def _country_codes() -> frozenset[str]:
    return frozenset(code for code, _label in countries)


class CountryField(forms.ChoiceField):
    """A country's code, checked against a set: Django's check walks the 250 translated
    labels for every form sent."""

    def valid_value(self, value):
        return value in _country_codes()


class CountrySelect(forms.Select):
    """Writes its 250 options directly, escaped once per language: through Django's per-option
    widget templates they took most of the time it takes to render the petition page."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = str(value or "")
        options = "".join(
            f'<option value="{code}"{" selected" if code == selected else ""}>{label}</option>'
            for code, label in _escaped_country_choices(get_language())
        )
        attributes = flatatt(self.build_attrs(self.attrs, attrs) | {"name": name})
        return format_html("<select{}>{}</select>", attributes, mark_safe(options))  # noqa: S308


def check_free_text(value, *, field_label):
    if FORBIDDEN_CHARACTERS.search(value):
        raise forms.ValidationError(
            _("%(field)s contains characters that are not allowed."), params={"field": field_label}
        )
    if value.startswith(FORMULA_PREFIXES):
        raise forms.ValidationError(
            _("%(field)s cannot start with =, +, - or @."), params={"field": field_label}
        )


class SignerDetailsForm(forms.Form):
    """What a signer may change after confirming: their name, their town and how it is used."""

    full_name = forms.CharField(
        label=_("Full name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    town = forms.CharField(
        label=_("Town or postcode (optional)"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    name_visibility = forms.ChoiceField(
        label=_("How may we use your name?"),
        choices=Signature.NameVisibility.choices,
        initial=Signature.NameVisibility.RECIPIENT,
        widget=forms.RadioSelect,
    )

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        check_free_text(name, field_label=_("Your name"))
        if not any(character.isalpha() for character in name):
            raise forms.ValidationError(_("Please enter your name in letters."))
        return name

    def clean_town(self):
        town = " ".join(self.cleaned_data["town"].split())
        field_label = _("Town or postcode")
        check_free_text(town, field_label=field_label)
        if URL_PATTERN.search(town):
            raise forms.ValidationError(
                _("%(field)s cannot contain a web address."), params={"field": field_label}
            )
        return town


class SignatureForm(SignerDetailsForm):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send a link to this address to confirm your signature."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # Never preselected: a guess from the language or the network could record a signer in
    # the very country they need to keep out of this.
    country = CountryField(
        label=_("Country"),
        choices=country_choices,
        widget=CountrySelect(attrs={"autocomplete": "country"}),
    )
    wants_updates = forms.BooleanField(
        label=_("Send me updates about this petition from the organiser"), required=False
    )
    # A trap: hidden from people and from assistive technology, and out of the tab order, so
    # that only software filling in every field it finds writes here. Never an error: what is
    # written here only holds the signature as suspected.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    # The answer to the challenge, which the widget's script adds; missing without it.
    altcha = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = (
        "full_name",
        "email",
        "country",
        "town",
        "name_visibility",
        "wants_updates",
        "website",
    )

    def clean(self):
        cleaned_data = super().clean()
        # What the signer's browser says about the signer, not details of the signature.
        self.filled_trap = bool(cleaned_data.pop("website", ""))
        self.challenge_answer = cleaned_data.pop("altcha", "")
        return cleaned_data

    def clean_email(self):
        email = self.cleaned_data["email"]
        if email.rpartition("@")[2].startswith("["):
            raise forms.ValidationError(_("Please use an address with a domain name."))
        try:
            return readable_address(email)
        except UndeliverableAddress:
            raise forms.ValidationError(
                _("This address cannot receive email. Please check it and try again.")
            ) from None


class SourceRuleForm(forms.ModelForm):
    """Tells from what staff typed whether it is an IP range, a domain or an address, and
    stores it in the one form the checks compare with."""

    class Meta:
        model = SourceRule
        fields = ("action", "value", "note")

    def clean_value(self):
        value = self.cleaned_data["value"].strip()
        if "@" in value:
            try:
                deliverable_address(value)
            except UndeliverableAddress:
                raise forms.ValidationError(_("This is not an email address.")) from None
            self.instance.kind = SourceRule.Kind.EMAIL
            return canonical_email(value)
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            pass
        else:
            self.instance.kind = SourceRule.Kind.NETWORK
            return str(network)
        wildcard, domain = ("*.", value[2:]) if value.startswith("*.") else ("", value)
        try:
            domain = a_label(domain)
        except (idna.IDNAError, UnicodeError):
            raise forms.ValidationError(
                _("Enter an IP address or range, an email domain or an email address.")
            ) from None
        self.instance.kind = SourceRule.Kind.DOMAIN
        return wildcard + domain

    def clean(self):
        cleaned_data = super().clean()
        kind, value = self.instance.kind, cleaned_data.get("value")
        if kind == SourceRule.Kind.EMAIL and cleaned_data.get("action") == SourceRule.Action.ALLOW:
            self.add_error(
                "action", _("Single addresses can only be blocked; allow their domain instead.")
            )
        # The kind is told from the value, not typed, so Django leaves its constraint to us.
        listed = SourceRule.objects.filter(kind=kind, value=value).exclude(pk=self.instance.pk)
        if value and listed.exists():
            self.add_error("value", _("This is already listed."))
        return cleaned_data


class InvalidateSignaturesForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit log, for whoever looks at these signatures next."),
    )


class InvalidationForm(forms.ModelForm):
    # Not a column: the model keeps only the address's hash and a masked form of it.
    email = forms.CharField(label=_("email address"), max_length=254, required=False)

    CRITERIA = (
        "email",
        "domain",
        "ip_range",
        "name_pattern",
        "country",
        "signed_from",
        "signed_until",
    )

    class Meta:
        model = Invalidation
        fields = (
            "petition",
            "email",
            "domain",
            "ip_range",
            "name_pattern",
            "country",
            "signed_from",
            "signed_until",
            "reason",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A draft shows the address it holds masked; sent back unchanged, it stays.
        self.fields["email"].initial = self.instance.email_masked

    def clean_email(self):
        value = self.cleaned_data["email"].strip()
        if value and value != self.instance.email_masked:
            try:
                deliverable_address(value)
            except UndeliverableAddress:
                raise forms.ValidationError(_("Enter a valid email address.")) from None
        return value

    def _post_clean(self):
        super()._post_clean()
        value = self.cleaned_data.get("email")
        if value is not None and value != self.instance.email_masked:
            self.instance.email = value

    def clean_domain(self):
        value = self.cleaned_data["domain"].strip().removeprefix("@")
        if not value:
            return value
        try:
            domain = a_label(value)
        except (idna.IDNAError, UnicodeError):
            domain = ""
        if "." not in domain:
            raise forms.ValidationError(_("Enter an email domain, such as example.org."))
        return domain

    def clean_ip_range(self):
        value = self.cleaned_data["ip_range"].strip()
        if not value:
            return value
        try:
            return str(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise forms.ValidationError(
                _("Enter an IP address or a range such as 203.0.113.0/24 or 2001:db8::/48.")
            ) from None

    def clean_name_pattern(self):
        value = self.cleaned_data["name_pattern"].strip()
        if value and not value.replace("*", "").strip():
            raise forms.ValidationError(_("Give at least one letter of the name."))
        return value

    def clean(self):
        cleaned_data = super().clean()
        start, end = cleaned_data.get("signed_from"), cleaned_data.get("signed_until")
        if start and end and end <= start:
            self.add_error("signed_until", _("The end must come after the start."))
        if self.errors:
            return cleaned_data
        if not any(cleaned_data.get(name) for name in self.CRITERIA):
            raise forms.ValidationError(
                _(
                    "Give at least one criterion besides the petition: a whole petition is never "
                    "invalidated at once."
                )
            )
        criteria = {name: cleaned_data[name] for name in self.CRITERIA}
        count = too_many_to_read(Invalidation(petition=cleaned_data["petition"], **criteria))
        if count:
            raise forms.ValidationError(
                _(
                    "A name or a single IP address is checked on each signature in turn, and "
                    "the other criteria leave %(count)d signatures to check: narrow them first."
                ),
                params={"count": count},
            )
        return cleaned_data
