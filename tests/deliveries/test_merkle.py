import pytest

from deliveries.merkle import (
    RootBuilder,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    verify_inclusion,
)


def reference_root(leaves):
    """RFC 6962's definition, written out recursively."""
    if len(leaves) == 1:
        return leaves[0]
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return node_hash(reference_root(leaves[:split]), reference_root(leaves[split:]))


def leaves(n):
    return [leaf_hash(b"salt", b"nonce", f"RECEIPT{i}") for i in range(n)]


@pytest.mark.parametrize("n", range(1, 40))
def test_streamed_root_matches_the_rfc_definition(n):
    assert merkle_root(leaves(n)) == reference_root(leaves(n))


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 33])
def test_every_leaf_has_a_proof_that_leads_to_the_root(n):
    tree = leaves(n)
    root = merkle_root(tree)

    for index, leaf in enumerate(tree):
        assert verify_inclusion(leaf, index, n, inclusion_proof(tree, index), root)


def test_a_proof_does_not_hold_for_another_leaf_position_or_root():
    tree = leaves(13)
    root = merkle_root(tree)
    proof = inclusion_proof(tree, 6)

    assert not verify_inclusion(leaf_hash(b"salt", b"nonce", "SOMEONE-ELSE"), 6, 13, proof, root)
    assert not verify_inclusion(tree[6], 7, 13, proof, root)
    assert not verify_inclusion(tree[6], 6, 13, proof, merkle_root(tree[:12]))
    assert not verify_inclusion(tree[6], 6, 13, proof[:-1], root)
    assert not verify_inclusion(tree[6], 6, 13, [*proof, root], root)


@pytest.mark.parametrize("index", [-1, 1, 2])
def test_a_position_outside_the_list_never_verifies(index):
    only = leaves(1)[0]

    assert verify_inclusion(only, 0, 1, [], merkle_root([only]))
    assert not verify_inclusion(only, index, 1, [], merkle_root([only]))


def test_leaves_depend_on_the_salt_and_the_secret():
    assert leaf_hash(b"one", b"n", "ABC") != leaf_hash(b"two", b"n", "ABC")
    assert leaf_hash(b"one", b"n", "ABC") != leaf_hash(b"one", b"m", "ABC")


def test_the_root_of_no_leaves_is_the_hash_of_nothing():
    # RFC 6962, 2.1: MTH({}) = SHA-256().
    assert RootBuilder().root() == bytes.fromhex(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
