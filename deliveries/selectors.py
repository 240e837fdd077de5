from dataclasses import dataclass

from .merkle import inclusion_proof, leaf_hash
from .models import Delivery, DeliveryLeaf


@dataclass(frozen=True)
class Inclusion:
    position: int
    size: int
    leaf: str
    proof: list[str]
    root: str


def receipt_inclusion(delivery: Delivery, receipt: str) -> Inclusion | None:
    """Where a receipt's signature stands in the delivered list, with the proof; None if not.

    Only the salted hash of the receipt is looked up, so the answer says nothing of others.
    """
    leaf = leaf_hash(bytes.fromhex(delivery.salt), receipt)
    found = DeliveryLeaf.objects.filter(delivery=delivery, leaf=leaf).first()
    if found is None:
        return None
    leaves = [
        bytes(value)
        for value in DeliveryLeaf.objects.filter(delivery=delivery)
        .order_by("position")
        .values_list("leaf", flat=True)
    ]
    return Inclusion(
        position=found.position,
        size=len(leaves),
        leaf=leaf.hex(),
        proof=[step.hex() for step in inclusion_proof(leaves, found.position - 1)],
        root=delivery.merkle_root,
    )
