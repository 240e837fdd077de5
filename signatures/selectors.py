"""Reads that several places need: counts, recent signers, the link a signer holds, and the
staff told of waves of signatures.

Counts and recent signers are cached for a few seconds, since the petition page is read far
more often than anyone signs; confirming or withdrawing forgets them at once.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Sum, Value
from django_countries import countries

from accounts.models import User
from petitions.absolute_urls import absolute_url
from petitions.models import Petition
from petitions.public_pages import forget_cached_pages

from .identity import format_receipt, hash_token
from .models import (
    ConfirmationToken,
    Signature,
    SignatureTally,
    SignerDetails,
    awaiting_confirmation,
)

TOP_COUNTRIES = 10
RECENT_SIGNERS = 10


@dataclass(frozen=True)
class PetitionCounts:
    total: int
    by_country: list[tuple[str, int]]

    @property
    def country_count(self):
        return len(self.by_country)

    @property
    def top_countries(self):
        return [(code, countries.name(code), n) for code, n in self.by_country[:TOP_COUNTRIES]]


@dataclass(frozen=True)
class PublicSigner:
    name: str
    country: str
    # A moment, not "3 minutes ago": the cached list is shown for a while and in every language.
    confirmed_at: datetime

    @property
    def country_name(self):
        # Named when shown, not when cached, so that each reader gets their own language.
        return countries.name(self.country)


def _tallies_by_country(petition_id: int):
    return (
        SignatureTally.objects.filter(petition_id=petition_id)
        .values("country")
        .annotate(stored=Sum("count"))
        .order_by()
    )


def stored_counts_by_country(petition_id: int) -> dict[str, int]:
    rows = _tallies_by_country(petition_id)
    return {row["country"]: row["stored"] for row in rows if row["stored"]}


def stored_and_actual_counts_by_country(petition_id: int) -> dict[str, tuple[int, int]]:
    """{country: (stored, actual)}, read in one statement so both sides see the same moment."""
    stored = _tallies_by_country(petition_id).annotate(actual=Value(0))
    actual = (
        Signature.objects.filter(petition_id=petition_id)
        .confirmed()
        .values("country")
        .annotate(stored=Value(0), actual=Count("pk"))
        .order_by()
    )
    counts = {}
    for row in stored.union(actual, all=True):
        before = counts.get(row["country"], (0, 0))
        counts[row["country"]] = (before[0] + row["stored"], before[1] + row["actual"])
    return counts


def _cache_keys(petition_id: int) -> tuple[str, str]:
    return f"signatures:counts:{petition_id}", f"signatures:recent:{petition_id}"


def petition_counts(petition) -> PetitionCounts:
    key, _ = _cache_keys(petition.pk)
    counts = cache.get(key)
    if counts is None:
        by_country = sorted(
            stored_counts_by_country(petition.pk).items(), key=lambda item: (-item[1], item[0])
        )
        counts = PetitionCounts(total=sum(n for _, n in by_country), by_country=by_country)
        cache.set(key, counts, settings.SIGNATURE_COUNT_CACHE_SECONDS)
    return counts


def recent_public_signers(petition) -> list[PublicSigner]:
    """The latest confirmed signers who chose to be shown: first name and country only."""
    _, key = _cache_keys(petition.pk)
    signers = cache.get(key)
    if signers is None:
        rows = (
            Signature.objects.for_petition(petition)
            .confirmed()
            .shown_publicly()
            .not_anonymised()
            .recent_first()
            # The name is sealed to the public id, which opens it.
            .only("full_name", "public_id", "country", "confirmed_at")[:RECENT_SIGNERS]
        )
        signers = [
            # Only to the minute: an exact time could be matched against someone's traffic.
            PublicSigner(
                row.public_name,
                row.country.code,
                row.confirmed_at.replace(second=0, microsecond=0),
            )
            for row in rows
        ]
        cache.set(key, signers, settings.SIGNATURE_COUNT_CACHE_SECONDS)
    return signers


def petitions_due_for_erasure(now: datetime) -> list[Petition]:
    """Finished petitions whose retention period, and any hold on it, is over by `now`."""
    finished = Petition.objects.finished().prefetch_related("retention_holds")
    return [petition for petition in finished if petition.personal_data_due_at <= now]


def personal_data_erased_at(petition) -> datetime | None:
    """When the petition's signers' details were erased; None while some are kept."""
    signatures = Signature.objects.for_petition(petition)
    if signatures.not_anonymised().exists():
        return None
    # Erasure goes in the order signatures came in, so the newest was erased last.
    return signatures.order_by("-pk").values_list("anonymised_at", flat=True).first()


def forget_cached_counts(petition: Petition) -> None:
    # The pages made from them too, so that a signer back on the petition sees their signature:
    # all in one round trip.
    forget_cached_pages(petition, also=("signatures:count",), with_keys=_cache_keys(petition.pk))


def forget_cached_counts_on_commit(petition: Petition) -> None:
    # robust: the change has committed, and a cache that is down must not turn it into an error;
    # the cached counts expire within seconds anyway.
    transaction.on_commit(lambda: forget_cached_counts(petition), robust=True)


def confirmation_for_link(token: str, *, lock: bool = False) -> ConfirmationToken | None:
    """The submission a confirmation link was sent for, while its signature awaits confirmation.

    Whether the link has expired is the caller's to say: an expired link gets its own answer.
    """
    confirmations = (
        ConfirmationToken.objects.for_token(token)
        .filter(awaiting_confirmation(through="signature__"))
        .select_related("signature__petition")
    )
    if lock:
        # Only the signature: the row every writer locks first, before its submissions.
        confirmations = confirmations.select_for_update(of=("signature",))
    return confirmations.first()


def signature_confirmed_by_link(token: str) -> Signature | None:
    """The signature this link confirmed, so that opening it again says so."""
    return (
        Signature.objects.confirmed_by_signer()
        .filter(confirmed_link_hash=hash_token(token))
        .select_related("petition")
        .first()
    )


def trending_alert_recipients() -> list[User]:
    """Active staff who asked to be told of waves of signatures and may see signatures."""
    wanting = User.objects.filter(is_active=True, is_staff=True, wants_trending_alerts=True)
    # Those the admin lets see signatures: with either permission.
    permissions = ("signatures.view_signature", "signatures.change_signature")
    return [user for user in wanting if any(map(user.has_perm, permissions))]


def signer_data(signature: Signature) -> dict:
    """Everything stored about a signer, for them to download from their own page.

    Read from the models' attributes, never their columns, so that the signer gets each value
    as they gave it however it is stored. What the signer is never told stays out: why a
    signature is held as suspected, and the hashes of their links.
    """
    petition = signature.petition
    submissions = signature.confirmation_tokens.order_by("created_at", "pk")
    return {
        "petition": {
            "title": petition.title,
            "address": absolute_url(petition.get_absolute_url()),
        },
        "signature": {
            **_details(signature),
            "status": signature.status_for_signer.value,
            "receipt": format_receipt(signature.receipt),
            "emails_sent": signature.emails_sent,
            "signed_at": _moment(signature.created_at),
            "confirmed_at": _moment(signature.confirmed_at),
            "withdrawn_at": _moment(signature.withdrawn_at),
            "details_erased_at": _moment(signature.anonymised_at),
        },
        "submissions": [
            {
                **_details(submission),
                "created_at": _moment(submission.created_at),
                "sent_at": _moment(submission.sent_at),
            }
            for submission in submissions
        ],
    }


def _details(signer: SignerDetails) -> dict:
    return signer.details() | {"country": signer.country.code}


def _moment(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def sees_full_email(user) -> bool:
    """Superusers and staff with the permission read signers' addresses; others see them masked."""
    return user.has_perm("signatures.view_full_email")
