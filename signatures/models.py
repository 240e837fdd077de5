import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from petitions.models import Petition

from .display import masked_email, public_form
from .fields import SealedField
from .identity import email_hash, format_receipt, hash_token


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


def awaiting_confirmation(through: str = "") -> Q:
    """The condition on a signature, or on the one reached through `through`, that it waits
    for its signer to open their link."""
    return Q(**{f"{through}status": SignatureStatus.PENDING}) | Q(
        **{f"{through}status": SignatureStatus.SUSPECTED, f"{through}confirmed_at__isnull": True}
    )


class SignatureQuerySet(models.QuerySet):
    def for_petition(self, petition):
        return self.filter(petition=petition)

    def pending(self):
        return self.filter(status=Signature.Status.PENDING)

    def confirmed(self):
        return self.filter(status=Signature.Status.CONFIRMED)

    def suspected(self):
        return self.filter(status=Signature.Status.SUSPECTED)

    def awaiting_confirmation(self):
        """Waiting for the signer to open their link: pending, or suspected before confirming."""
        return self.filter(awaiting_confirmation())

    def confirmed_by_signer(self):
        """Confirmed by the signer, whether it counts or is held as suspected."""
        return self.filter(
            Q(status=Signature.Status.CONFIRMED)
            | Q(status=Signature.Status.SUSPECTED, confirmed_at__isnull=False)
        )

    def abandoned(self):
        """Pending for longer than a link lasts, with every link it was sent expired.

        A link lasts from when it was sent, or from the submission while it waits to be sent.
        """
        cutoff = timezone.now() - settings.SIGNATURE_CONFIRMATION_TTL
        return (
            self.awaiting_confirmation()
            .filter(created_at__lt=cutoff)
            .exclude(confirmation_tokens__created_at__gte=cutoff)
            .exclude(confirmation_tokens__sent_at__gte=cutoff)
        )

    def shown_publicly(self):
        return self.filter(name_visibility=Signature.NameVisibility.PUBLIC)

    def recent_first(self):
        return self.order_by("-confirmed_at", "-pk")

    def with_email(self, address):
        return self.filter(email_hash=email_hash(address))

    def opened_rows(self, *fields, chunk_size=2000):
        """Rows of `fields`, as `values_list` gives them but with sealed details opened,
        streamed `chunk_size` at a time."""
        meta = self.model._meta
        sealed = {
            index: field
            for index, field in enumerate(map(meta.get_field, fields))
            if isinstance(field, SealedField)
        }
        rows = self.values_list(*fields, self.model.sealed_row_field)
        for *values, row in rows.iterator(chunk_size=chunk_size):
            for index, field in sealed.items():
                values[index] = field.unseal_for_row(values[index], row)
            yield tuple(values)

    def not_anonymised(self):
        return self.filter(anonymised_at__isnull=True)

    def invalidated(self):
        return self.filter(status=Signature.Status.INVALIDATED)

    def invalidatable(self):
        return self.filter(status__in=Signature.INVALIDATABLE)


class Signature(SignerDetails):
    Status = SignatureStatus
    NameVisibility = NameVisibility
    # Set before the row is inserted and never changed: its details are sealed to it.
    sealed_row_field = "public_id"

    # Indexed by the unique constraint and the indexes that start with it: an index of its own
    # would only cost every signing one more to write.
    petition = models.ForeignKey(
        Petition,
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name=_("petition"),
        db_index=False,
    )
    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    # A default in the database as well, for rows written by COPY (sample signatures).
    suspicion = models.CharField(
        _("held because it"),
        max_length=20,
        choices=Suspicion.choices,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )
    # A keyed hash of the canonical address (identity.email_hash): one signature per mailbox,
    # and staff's search by address, without the address.
    # NULL, unlike "", may repeat: withdrawn signatures must not collide with each other.
    email_hash = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, editable=False
    )
    # Where it came from, coarse enough to group waves of signatures by and for staff to search
    # by, in columns an index can hold: the network rather than the address, and a keyed hash of
    # the email domain.
    ip_prefix = models.CharField(
        _("IP range"), max_length=49, blank=True, default="", editable=False
    )
    email_domain_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    receipt = models.CharField(_("receipt code"), max_length=16, editable=False)
    # The hash of the link that confirmed it, so that opening that link again can say so.
    confirmed_link_hash = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, editable=False
    )
    # What an invalidated signature was before, so that restoring it puts it back as it was.
    invalidated_from = models.CharField(
        _("status before it was invalidated"),
        max_length=12,
        choices=Status.choices,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )
    emails_sent = models.PositiveSmallIntegerField(_("emails sent"), default=0, editable=False)
    created_at = models.DateTimeField(_("signed at"), default=timezone.now, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, editable=False)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)
    # Set once its petition's retention period is over and ERASED_DETAILS were erased.
    anonymised_at = models.DateTimeField(
        _("details erased at"), null=True, blank=True, editable=False
    )

    objects = SignatureQuerySet.as_manager()

    # What staff may invalidate; withdrawn ones are already out, invalidated ones already in.
    INVALIDATABLE = (Status.PENDING, Status.CONFIRMED, Status.SUSPECTED)

    # What withdrawing and the end of the retention period erase, and what each becomes: the
    # signer's personal data and whatever leads back to it. Country, status, dates and receipt
    # stay, so that counts add up and delivered lists still verify. A column holding personal
    # data, or derived from it, belongs here.
    ERASED_DETAILS = {
        "full_name": "",
        "email_address": "",
        "email_hash": None,
        "email_domain_hash": "",
        "town": "",
        "ip_address": None,
        "ip_prefix": "",
        "confirmed_link_hash": None,
        "wants_updates": False,
    }

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["-created_at"]
        # The admin's actions ask for these rather than "change signature", whose form has
        # nothing to change; README, "Staff roles", maps them to the roles.
        permissions = [
            ("approve_signature", _("Can approve suspected signatures")),
            ("invalidate_signature", _("Can invalidate signatures")),
            ("withdraw_signature", _("Can withdraw signatures, erasing their signers' details")),
            ("view_full_email", _("Can see signers' full email addresses")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "email_hash"],
                name="signatures_signature_one_per_email",
            ),
            models.UniqueConstraint(fields=["public_id"], name="signatures_signature_public_id"),
            models.UniqueConstraint(fields=["receipt"], name="signatures_signature_receipt"),
            models.UniqueConstraint(
                fields=["confirmed_link_hash"], name="signatures_signature_confirmed_link"
            ),
            models.CheckConstraint(
                condition=~Q(status=SignatureStatus.CONFIRMED) | Q(confirmed_at__isnull=False),
                name="signatures_signature_confirmed_has_date",
            ),
            # An invalidated signature keeps why it was held, for the day it is restored.
            models.CheckConstraint(
                condition=Q(status=SignatureStatus.SUSPECTED, suspicion__gt="")
                | Q(status=SignatureStatus.INVALIDATED)
                | Q(suspicion=""),
                name="signatures_signature_suspected_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status=SignatureStatus.INVALIDATED) | Q(invalidated_from=""),
                name="signatures_signature_invalidated_from",
            ),
        ]
        indexes = [
            models.Index(
                fields=["petition", "status", "-confirmed_at"],
                name="signatures_petition_recent",
            ),
            # Only the rows still holding details, so that the daily erasure finds what is left
            # of a petition in batches without reading the rows it already erased.
            models.Index(
                fields=["petition", "id"],
                condition=Q(anonymised_at__isnull=True),
                name="signatures_not_anonymised",
            ),
            # The search for waves of signatures reads the last hours' rows through this index.
            models.Index(fields=["created_at"], name="signatures_created"),
            # The dashboard counts a petition's signatures by hour and day of signing and by status
            # from this index alone, without reading the rows (docs/benchmarks.md).
            models.Index(
                fields=["petition", "created_at", "status"], name="signatures_petition_created"
            ),
            models.Index(
                fields=["petition", "email_domain_hash"], name="signatures_petition_domain"
            ),
            models.Index(fields=["ip_prefix"], name="signatures_ip_prefix"),
            # The staff list filtered by status or by country, newest first, reads a page of a
            # million signatures from these without sorting them (docs/benchmarks.md).
            models.Index(fields=["status", "-created_at"], name="signatures_status_created"),
            models.Index(fields=["country", "-created_at"], name="signatures_country_created"),
            # Staff search by address and by domain on every petition at once; the unique
            # constraint and signatures_petition_domain serve one petition only.
            models.Index(fields=["email_hash"], name="signatures_email_hash"),
            models.Index(fields=["email_domain_hash"], name="signatures_email_domain"),
        ]

    def __str__(self):
        return f"{format_receipt(self.receipt)} ({self.get_status_display()})"

    def erase_details(self) -> None:
        for field, erased in self.ERASED_DETAILS.items():
            setattr(self, field, erased)

    @property
    def public_name(self):
        return public_form(self.full_name)

    @property
    def is_counted(self):
        return self.status == self.Status.CONFIRMED

    @property
    def is_confirmed_by_signer(self):
        return self.status == self.Status.CONFIRMED or (
            self.status == self.Status.SUSPECTED and self.confirmed_at is not None
        )

    @property
    def status_for_signer(self):
        """What its signer is told: a suspected signature reads like any other."""
        if self.status != self.Status.SUSPECTED:
            return self.Status(self.status)
        return self.Status.CONFIRMED if self.confirmed_at else self.Status.PENDING


class SignatureNameToken(models.Model):
    """One word of a signature's name, as a keyed hash (signatures/name_index.py): how staff
    find a signature by name while the name itself is sealed."""

    # Indexed by the unique constraint, which starts with it.
    signature = models.ForeignKey(
        Signature, on_delete=models.CASCADE, related_name="name_tokens", db_index=False
    )
    token = models.CharField(max_length=16)

    class Meta:
        verbose_name = _("name token")
        verbose_name_plural = _("name tokens")
        constraints = [
            models.UniqueConstraint(
                fields=["signature", "token"], name="signatures_nametoken_unique"
            ),
        ]
        indexes = [
            # A search reads the signatures holding a token from this index alone.
            models.Index(fields=["token", "signature"], name="signatures_nametoken_token"),
        ]

    def __str__(self):
        return f"{self.signature_id}: {self.token}"


class ConfirmationTokenQuerySet(models.QuerySet):
    def for_token(self, token):
        return self.filter(token_hash=hash_token(token))

    def for_pending_signatures(self):
        return self.filter(signature__status=Signature.Status.PENDING)

    def not_yet_sent(self):
        return self.filter(token_hash__isnull=True)


class ConfirmationToken(SignerDetails):
    """One submission of the signing form, and the hash of the link emailed for it.

    The details travel with the link: confirming applies exactly what this submission said,
    so whoever typed an address first cannot decide what its owner's signature shows. The
    link itself is never stored; its hash is set when the email goes out.
    """

    # Its details are sealed to the signature it was submitted for.
    sealed_row_field = "signature_id"

    signature = models.ForeignKey(
        Signature, on_delete=models.CASCADE, related_name="confirmation_tokens"
    )
    # NULL until the email is sent; NULLs never collide under the unique constraint.
    token_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # Like the details, travels with the link: confirming it holds the signature as suspected.
    suspicion = models.CharField(
        max_length=20, choices=Suspicion.choices, blank=True, default="", db_default=""
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ConfirmationTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("confirmation token")
        verbose_name_plural = _("confirmation tokens")
        constraints = [
            models.UniqueConstraint(fields=["token_hash"], name="signatures_token_hash_unique"),
        ]

    def __str__(self):
        return f"{self.signature_id} @ {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def expires_at(self):
        return (self.sent_at or self.created_at) + settings.SIGNATURE_CONFIRMATION_TTL

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()


class SignatureTally(models.Model):
    """One of several counters per petition and country; their sum is the confirmed count.

    Confirmations add to a random shard, so concurrent signers rarely wait on the same row.
    """

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="signature_tallies"
    )
    country = models.CharField(max_length=2)
    shard = models.PositiveSmallIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("signature tally")
        verbose_name_plural = _("signature tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "country", "shard"], name="signatures_tally_unique_shard"
            ),
        ]

    def __str__(self):
        return f"{self.petition_id}/{self.country}/{self.shard}: {self.count}"


class SigningLimits(models.Model):
    """How many signatures the defences let through normally, changed by staff in the admin.

    Past a limit, signatures are still accepted, emailed and kept, but held as suspected until
    staff approve them. Whole offices and universities sign from one address, so the defaults
    are generous. Read through the cache, so changes reach every process within a minute.

    The trending thresholds hold nothing: past one, staff are told of a wave of signatures.
    """

    ip_petition_burst = models.PositiveIntegerField(
        _("signatures from one address on one petition within 5 minutes"), default=30
    )
    ip_petition_hourly = models.PositiveIntegerField(
        _("signatures from one address on one petition within an hour"), default=100
    )
    ip_hourly = models.PositiveIntegerField(
        _("signatures from one address on all petitions within an hour"), default=200
    )
    domain_petition_hourly = models.PositiveIntegerField(
        _("signatures with addresses at one email domain on one petition within an hour"),
        default=50,
        help_text=_("Allowed domains, such as the large webmail providers, are not limited."),
    )
    ip_confirmations_hourly = models.PositiveIntegerField(
        _("confirmations from one address within an hour"), default=100
    )
    trending_ip_range_hourly = models.PositiveIntegerField(
        _("signatures from one IP range on one petition within an hour, before staff are alerted"),
        default=50,
        help_text=_("An IPv4 range is a /24, an IPv6 range a /48. Allowed ranges raise no alert."),
    )
    trending_domain_hourly = models.PositiveIntegerField(
        _(
            "signatures with addresses at one email domain on one petition within an hour, "
            "before staff are alerted"
        ),
        default=100,
        help_text=_("Allowed domains, such as the large webmail providers, raise no alert."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("signing limits")
        verbose_name_plural = _("signing limits")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="signatures_signinglimits_one_row"),
        ]

    def __str__(self):
        return str(_("Signing limits"))


class SourceAction(models.TextChoices):
    ALLOW = "allow", _("Allow past the limits")
    BLOCK = "block", _("Block: hold as suspected")


class SourceKind(models.TextChoices):
    NETWORK = "network", _("IP address or range")
    DOMAIN = "domain", _("email domain")
    EMAIL = "email", _("email address")


class SourceRule(models.Model):
    """An IP range, email domain or email address that staff allow past the limits, or block.

    Blocked sources are treated like signatures over a limit: accepted, and held as suspected.
    """

    Action = SourceAction
    Kind = SourceKind

    action = models.CharField(_("action"), max_length=5, choices=Action.choices)
    kind = models.CharField(_("kind"), max_length=7, choices=Kind.choices, editable=False)
    value = models.CharField(
        _("IP range, domain or address"),
        max_length=254,
        help_text=_(
            "An IP address or range (203.0.113.0/24, 2001:db8::/48); an email domain "
            "(example.org), or *.example.org for that domain and every domain under it; or, "
            "to block only, one email address."
        ),
    )
    note = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("Why, for whoever reads this next.")
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("allowed or blocked source")
        verbose_name_plural = _("allowed and blocked sources")
        ordering = ["action", "kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="signatures_sourcerule_unique"),
            models.CheckConstraint(
                condition=~Q(kind=SourceKind.EMAIL, action=SourceAction.ALLOW),
                name="signatures_sourcerule_addresses_only_blocked",
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.value}"


class TrendingKind(models.TextChoices):
    IP_RANGE = "ip_range", _("IP range")
    EMAIL_DOMAIN = "email_domain", _("email domain")


class TrendingAlertQuerySet(models.QuerySet):
    def since(self, hour):
        return self.filter(hour__gte=hour)

    def due_for_email(self):
        """Never emailed, or grown to twice the count staff were last told of."""
        return self.filter(Q(emailed_at__isnull=True) | Q(count__gte=F("emailed_count") * 2))


class TrendingAlert(models.Model):
    """More signatures on one petition within one hour from one IP range or one email domain
    than the trending thresholds allow: a campaign shared in one place, or fakes.

    One row per petition, hour and source, its count brought up to date as the hour goes on.
    """

    Kind = TrendingKind

    petition = models.ForeignKey(
        Petition,
        on_delete=models.CASCADE,
        related_name="trending_alerts",
        verbose_name=_("petition"),
    )
    hour = models.DateTimeField(_("hour"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # What signatures are grouped by: the IP range itself, or the hash of the email domain.
    key = models.CharField(max_length=64)
    value = models.CharField(_("IP range or email domain"), max_length=254)
    count = models.PositiveIntegerField(_("signatures"))
    threshold = models.PositiveIntegerField(_("threshold"))
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    updated_at = models.DateTimeField(_("last updated"), default=timezone.now)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    emailed_count = models.PositiveIntegerField(_("signatures when emailed"), default=0)

    objects = TrendingAlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("trending alert")
        verbose_name_plural = _("trending alerts")
        ordering = ["-hour", "-count"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "hour", "kind", "key"], name="signatures_trendingalert_unique"
            ),
        ]

    def __str__(self):
        return f"{self.value} {self.hour:%Y-%m-%d %H:00}: {self.count}"


class InvalidationState(models.TextChoices):
    DRAFT = "draft", _("Not started")
    RUNNING = "running", _("Running")
    CANCELLED = "cancelled", _("Cancelled")
    FINISHED = "finished", _("Finished")
    UNDOING = "undoing", _("Being undone")
    UNDONE = "undone", _("Undone")


def _staff_member(verbose_name):
    """Who did something to an invalidation; kept as nobody if their account goes."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=verbose_name,
        editable=False,
    )


class Invalidation(models.Model):
    """Staff invalidating every signature of a petition that matches some criteria, in batches.

    Which signatures it changed, and what each was, are its items, so that undoing it restores
    exactly those.
    """

    State = InvalidationState

    petition = models.ForeignKey(
        Petition,
        on_delete=models.PROTECT,
        related_name="invalidations",
        verbose_name=_("petition"),
    )
    # The address staff typed is a signer's: kept as its keyed hash, which finds the signature
    # (identity.email_hash), and masked for reading back. Set both through `email`.
    email_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    email_masked = models.CharField(
        _("email address"), max_length=254, blank=True, default="", editable=False
    )
    domain = models.CharField(_("email domain"), max_length=253, blank=True)
    ip_range = models.CharField(
        _("IP address or range"),
        max_length=49,
        blank=True,
        help_text=_("One address, or a range such as 203.0.113.0/24 or 2001:db8::/48."),
    )
    name_pattern = models.CharField(
        _("name"),
        max_length=100,
        blank=True,
        help_text=_("Part of the name, in any case; * stands for anything, as in “J* Smith”."),
    )
    country = CountryField(_("country"), blank=True)
    signed_from = models.DateTimeField(_("signed from"), null=True, blank=True)
    signed_until = models.DateTimeField(_("signed until"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    created_by = _staff_member(_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.DRAFT, editable=False
    )
    # Read by the task between batches: it stops once the batch under way is done.
    cancel_requested = models.BooleanField(_("cancel requested"), default=False, editable=False)
    # Who started and who undid it, for the audit entry that the background task writes.
    started_by = _staff_member(_("started by"))
    started_at = models.DateTimeField(_("started at"), null=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, editable=False)
    undone_by = _staff_member(_("undone by"))
    undone_at = models.DateTimeField(_("undone at"), null=True, editable=False)
    # The last signature a batch looked at: signatures are read in order of their keys.
    cursor = models.PositiveBigIntegerField(default=0, editable=False)
    matched = models.PositiveIntegerField(_("matched when started"), default=0, editable=False)
    changed = models.PositiveIntegerField(_("invalidated"), default=0, editable=False)
    restored = models.PositiveIntegerField(_("restored"), default=0, editable=False)
    left_alone = models.PositiveIntegerField(
        _("changed since, left alone"), default=0, editable=False
    )

    class Meta:
        verbose_name = _("invalidation")
        verbose_name_plural = _("invalidations")
        ordering = ["-created_at"]
        permissions = [("run_invalidation", _("Can start, cancel and undo invalidations"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_from__isnull=True)
                | Q(signed_until__isnull=True)
                | Q(signed_from__lt=F("signed_until")),
                name="signatures_invalidation_from_before_until",
            ),
        ]

    def __str__(self):
        return f"{self.petition}: {self.reason[:60]}"

    @property
    def email(self):
        return self.email_masked

    @email.setter
    def email(self, address):
        self.email_hash = email_hash(address) if address else ""
        self.email_masked = masked_email(address)

    @property
    def is_in_progress(self):
        return self.state in (self.State.RUNNING, self.State.UNDOING)


class InvalidationItem(models.Model):
    """One signature an invalidation changed, and what it was before."""

    invalidation = models.ForeignKey(Invalidation, on_delete=models.CASCADE, related_name="items")
    signature = models.ForeignKey(Signature, on_delete=models.CASCADE, related_name="+")
    previous_status = models.CharField(max_length=12, choices=SignatureStatus.choices)
    # None until the invalidation is undone; then whether undoing restored it, or left it alone
    # because it had changed since (withdrawn by its signer, or restored by hand).
    restored = models.BooleanField(null=True)

    class Meta:
        verbose_name = _("invalidated signature")
        verbose_name_plural = _("invalidated signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["invalidation", "signature"], name="signatures_invalidationitem_unique"
            ),
        ]

    def __str__(self):
        return f"{self.invalidation_id}/{self.signature_id}: {self.previous_status}"
