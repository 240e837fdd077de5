"""A Merkle tree over a delivery's list, as in RFC 6962, so that one signer can be shown to be
in the list without revealing anyone else.

Leaves are hashed with a 0x00 prefix and inner nodes with 0x01, so that a leaf can never be
passed off as a node. This module uses only the standard library: a recipient can run it.
"""

import hashlib

LEAF = b"\x00"
NODE = b"\x01"


def leaf_hash(salt: bytes, nonce: bytes, receipt: str) -> bytes:
    return hashlib.sha256(LEAF + salt + nonce + receipt.encode()).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE + left + right).digest()


class RootBuilder:
    """The root of a list of any length, fed one leaf at a time in memory that grows with the
    logarithm of the length: a stack of the complete subtrees seen so far."""

    def __init__(self):
        self.count = 0
        self._subtrees = []  # (leaves covered, hash), largest first

    def add(self, leaf: bytes) -> None:
        size, digest = 1, leaf
        while self._subtrees and self._subtrees[-1][0] == size:
            left_size, left = self._subtrees.pop()
            size, digest = left_size + size, node_hash(left, digest)
        self._subtrees.append((size, digest))
        self.count += 1

    def root(self) -> bytes:
        if not self._subtrees:
            return hashlib.sha256(b"").digest()
        digest = self._subtrees[-1][1]
        for _, left in reversed(self._subtrees[:-1]):
            digest = node_hash(left, digest)
        return digest


def merkle_root(leaves) -> bytes:
    builder = RootBuilder()
    for leaf in leaves:
        builder.add(leaf)
    return builder.root()


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(leaves: list[bytes], index: int) -> list[bytes]:
    """The hashes that lead from leaves[index] to the root, nearest first."""
    return inclusion_proof_from(lambda start, end: leaves[start:end], len(leaves), index)


def inclusion_proof_from(read, size: int, index: int, start: int = 0) -> list[bytes]:
    """The same proof for a list too long to hold: `read(start, end)` yields those leaves.

    Every leaf but the one proved is read once, and memory grows only with the tree's height.
    """
    if size <= 1:
        return []
    split = _largest_power_of_two_below(size)
    if index - start < split:
        path = inclusion_proof_from(read, split, index, start)
        return [*path, merkle_root(read(start + split, start + size))]
    path = inclusion_proof_from(read, size - split, index, start + split)
    return [*path, merkle_root(read(start, start + split))]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162's check that `proof` leads from leaf number `index` of `size` to `root`."""
    if not 0 <= index < size:
        return False
    position, last, digest = index, size - 1, leaf
    for sibling in proof:
        if last == 0:
            return False
        if position % 2 == 1 or position == last:
            digest = node_hash(sibling, digest)
            if position % 2 == 0:
                while position % 2 == 0 and position != 0:
                    position, last = position >> 1, last >> 1
        else:
            digest = node_hash(digest, sibling)
        position, last = position >> 1, last >> 1
    return last == 0 and digest == root
