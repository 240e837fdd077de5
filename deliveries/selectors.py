from dataclasses import dataclass

from django.core.cache import cache

from . import signing
from .merkle import inclusion_proof_from, leaf_hash
from .models import Delivery, DeliveryLeaf

CHUNK = 5000


@dataclass(frozen=True)
class Inclusion:
    position: int
    size: int
    nonce: str
    leaf: str
    proof: list[str]
    root: str


def receipt_inclusion(delivery: Delivery, receipt: str) -> Inclusion | None:
    """Where a receipt's signature stands in the delivered list, with the proof; None if not.

    Only the leaf made from the receipt is looked up, so the answer says nothing of others.
    A proof is built only for a real receipt, and kept, so checking again costs nothing.
    """
    salt = bytes.fromhex(delivery.salt)
    nonce = signing.leaf_nonces(salt)(receipt)
    leaf = leaf_hash(salt, nonce, receipt)
    found = DeliveryLeaf.objects.filter(delivery=delivery, leaf=leaf).first()
    if found is None:
        return None
    key = f"deliveries:proof:{delivery.pk}:{found.position}"
    proof = cache.get(key)
    if proof is None:
        proof = [
            step.hex()
            for step in inclusion_proof_from(
                lambda start, end: _leaves(delivery, start, end), delivery.total, found.position - 1
            )
        ]
        cache.set(key, proof, 24 * 60 * 60)
    return Inclusion(
        position=found.position,
        size=delivery.total,
        nonce=nonce.hex(),
        leaf=leaf.hex(),
        proof=proof,
        root=delivery.merkle_root,
    )


def _leaves(delivery, start, end):
    """Leaves [start, end) in list order, read in chunks."""
    rows = (
        DeliveryLeaf.objects.filter(delivery=delivery, position__gt=start, position__lte=end)
        .order_by("position")
        .values_list("leaf", flat=True)
    )
    for leaf in rows.iterator(chunk_size=CHUNK):
        yield bytes(leaf)
