import random

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from petitions.models import Petition

from .models import SignatureTally
from .selectors import forget_cached_counts_on_commit, stored_and_actual_counts_by_country


def tally_add(*, petition_id: int, country: str, delta: int) -> None:
    """Add delta to one random shard; called inside the transaction that changes the status."""
    shard = random.randrange(settings.SIGNATURE_TALLY_SHARDS)  # noqa: S311 - spreads load only
    rows = SignatureTally.objects.filter(petition_id=petition_id, country=country, shard=shard)
    if rows.update(count=F("count") + delta):
        return
    try:
        with transaction.atomic():
            SignatureTally.objects.create(
                petition_id=petition_id, country=country, shard=shard, count=delta
            )
    except IntegrityError:
        # Another transaction created this shard first; it exists now.
        rows.update(count=F("count") + delta)


def tally_reconcile(*, petition_id: int, fix: bool = False) -> dict[str, tuple[int, int]]:
    """Return {country: (stored, actual)} where they differ; with fix, make them equal.

    Locking the petition's tally rows first makes a confirmation that is under way finish
    before the signatures are counted, so the repair never races a concurrent confirmation.
    """
    with transaction.atomic():
        if fix:
            list(SignatureTally.objects.select_for_update().filter(petition_id=petition_id))
        drift = {
            country: (stored, actual)
            for country, (stored, actual) in stored_and_actual_counts_by_country(
                petition_id
            ).items()
            if stored != actual
        }
        if fix and drift:
            SignatureTally.objects.filter(petition_id=petition_id, country__in=drift).delete()
            SignatureTally.objects.bulk_create(
                SignatureTally(petition_id=petition_id, country=country, shard=0, count=actual)
                for country, (_, actual) in drift.items()
                if actual
            )
            forget_cached_counts_on_commit(Petition.objects.get(pk=petition_id))
    return drift
