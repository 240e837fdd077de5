"""Who signs and what they chose: the details a signature and each of its submissions hold."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from ..fields import SealedField


class SignatureStatus(models.TextChoices):
    PENDING = "pending", _("Pending confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    # Held by the defences against fake signatures: not counted until staff approve it.
    SUSPECTED = "suspected", _("Suspected")
    INVALIDATED = "invalidated", _("Invalidated")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Suspicion(models.TextChoices):
    """Why a signature is held as suspected; the signer is never told."""

    HONEYPOT = "honeypot", _("filled in a field hidden from people")
    NO_CHALLENGE = "no_challenge", _("sent without solving the challenge")
    BAD_CHALLENGE = "bad_challenge", _("sent a wrong or expired solution to the challenge")
    REUSED_CHALLENGE = "reused_challenge", _("sent a solution already used")
    IP_BURST = "ip_burst", _("too many signatures from its address within minutes")
    IP_HOURLY = "ip_hourly", _("too many signatures from its address within an hour")
    IP_ALL_PETITIONS = (
        "ip_all_petitions",
        _("too many signatures from its address on all petitions"),
    )
    DOMAIN_HOURLY = "domain_hourly", _("too many signatures from its email domain within an hour")
    CONFIRMATIONS = "confirmations", _("confirmed from an address that confirmed too many")
    BLOCKED_NETWORK = "blocked_network", _("sent from a blocked IP address")
    BLOCKED_DOMAIN = "blocked_domain", _("signed with a blocked email domain")
    BLOCKED_EMAIL = "blocked_email", _("signed with a blocked email address")


class NameVisibility(models.TextChoices):
    PUBLIC = "public", _("Show my name on this page and in the list delivered to the recipient")
    RECIPIENT = "recipient", _("Only include my name in the list delivered to the recipient")
    ANONYMOUS = "anonymous", _("Never share my name; only count my signature")


NAME_USE_SUMMARIES = {
    NameVisibility.PUBLIC: _("name shown on the petition page and to the recipient"),
    NameVisibility.RECIPIENT: _("name given only to the recipient"),
    NameVisibility.ANONYMOUS: _("name never shared"),
}


class SignerDetails(models.Model):
    """What a signer submits and confirms: held by each submission, copied on confirming.

    Names, addresses, towns and IP addresses are sealed at rest (signatures/sealing.py): the
    model reads and writes them in clear, the database holds only what the key opens.
    """

    full_name = SealedField(_("full name"), max_length=100, blank=True)
    # The address is read only through the `email` property; lookups go through `email_hash`.
    email_address = SealedField(_("email"), max_length=254, blank=True)
    country = CountryField(_("country"))
    town = SealedField(_("town or postcode"), max_length=100, blank=True)
    name_visibility = models.CharField(
        _("use of name"),
        max_length=10,
        choices=NameVisibility.choices,
        default=NameVisibility.RECIPIENT,
    )
    wants_updates = models.BooleanField(_("wants updates from the organiser"), default=False)
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE)
    ip_address = SealedField(_("IP address"), null=True, blank=True)
    # The version of the consent text on the form that was submitted (settings.CONSENT_VERSION).
    consent_version = models.CharField(_("consent version"), max_length=20, blank=True)

    DETAILS = (
        "full_name",
        "email",
        "country",
        "town",
        "name_visibility",
        "wants_updates",
        "language",
        "ip_address",
        "consent_version",
    )

    class Meta:
        abstract = True

    @property
    def email(self):
        return self.email_address

    @email.setter
    def email(self, value):
        self.email_address = value

    @property
    def name_use_summary(self):
        return NAME_USE_SUMMARIES[self.name_visibility]

    def details(self) -> dict:
        return {field: getattr(self, field) for field in self.DETAILS}
