"""Properties of verify.merkle against a tiny recursive RFC 6962 reference.

Generated proofs verify; any flipped bit in a proof or a root, or a hash added to or
removed from a proof, is rejected; the streaming roots equal the recursive
definition; proof generation asks only for complete aligned subtrees.
"""

from __future__ import annotations

import hashlib
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verify.merkle import (
    EMPTY_ROOT,
    MerkleProofError,
    SubtreeHashGetter,
    TreeBuilder,
    consistency_proof,
    inclusion_proof,
    is_complete_subtree,
    leaf_hash,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    subtree_border,
    subtree_levels,
    subtree_ranges,
    verify_consistency,
    verify_inclusion,
)


def reference_mth(hashes: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH, written as the RFC writes it (leaf hashes given)."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    left, right = reference_mth(hashes[:k]), reference_mth(hashes[k:])
    return hashlib.sha256(b"\x01" + left + right).digest()


def numbered_leaves(size: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(size)]


def getter(hashes: list[bytes]) -> tuple[list[tuple[int, int]], SubtreeHashGetter]:
    """A get_subtree_hash over ``hashes`` that records every range it is asked for."""
    calls: list[tuple[int, int]] = []

    def get_subtree_hash(start: int, end: int) -> bytes:
        calls.append((start, end))
        return reference_mth(hashes[start:end])

    return calls, get_subtree_hash


def flip(value: bytes, bit: int) -> bytes:
    flipped = bytearray(value)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


leaf_hash_lists = st.lists(st.binary(max_size=12), max_size=70).map(
    lambda leaves: [leaf_hash(leaf) for leaf in leaves]
)
trees = st.integers(min_value=1, max_value=300).map(numbered_leaves)
bits = st.integers(min_value=0, max_value=2**20)


@st.composite
def trees_with_leaf(draw: st.DrawFn) -> tuple[list[bytes], int]:
    hashes = draw(trees)
    return hashes, draw(st.integers(min_value=0, max_value=len(hashes) - 1))


@st.composite
def trees_with_two_sizes(draw: st.DrawFn) -> tuple[list[bytes], int]:
    """A tree of size2 leaves and a size1 with 1 <= size1 <= size2."""
    hashes = draw(trees)
    return hashes, draw(st.integers(min_value=1, max_value=len(hashes)))


@given(leaf_hash_lists)
def test_tree_builder_root_equals_recursive_mth_after_every_append(
    hashes: list[bytes],
) -> None:
    builder = TreeBuilder()
    assert builder.root() == EMPTY_ROOT
    for size, h in enumerate(hashes, start=1):
        builder.append(h)
        assert builder.size == size
        assert len(builder.border) == size.bit_count()
        assert builder.root() == reference_mth(hashes[:size])


@given(leaf_hash_lists)
def test_root_from_leaf_hashes_equals_tree_builder(hashes: list[bytes]) -> None:
    builder = TreeBuilder()
    for h in hashes:
        builder.append(h)
    assert root_from_leaf_hashes(hashes) == builder.root()


@given(leaf_hash_lists, leaf_hash_lists)
def test_extend_continues_where_append_stopped(
    first: list[bytes], second: list[bytes]
) -> None:
    builder = TreeBuilder()
    for h in first:
        builder.append(h)
    builder.extend(second)
    assert builder.size == len(first) + len(second)
    assert builder.root() == reference_mth(first + second)


def test_tree_builder_refuses_a_hash_of_the_wrong_length() -> None:
    builder = TreeBuilder()
    builder.append(leaf_hash(b"a"))
    with pytest.raises(ValueError, match="hash of leaf 2 is 31 bytes"):
        builder.extend([leaf_hash(b"b"), b"\x00" * 31])
    assert builder.size == 2
    assert builder.root() == reference_mth([leaf_hash(b"a"), leaf_hash(b"b")])


@given(trees_with_leaf())
def test_generated_inclusion_proof_verifies(case: tuple[list[bytes], int]) -> None:
    hashes, index = case
    _, get = getter(hashes)
    proof = inclusion_proof(index, len(hashes), get)
    root = reference_mth(hashes)
    verify_inclusion(index, len(hashes), hashes[index], proof, root)
    assert root_from_inclusion_proof(index, len(hashes), hashes[index], proof) == root


@given(trees_with_two_sizes())
def test_generated_consistency_proof_verifies(case: tuple[list[bytes], int]) -> None:
    hashes, size1 = case
    _, get = getter(hashes)
    proof = consistency_proof(size1, len(hashes), get)
    root1, root2 = reference_mth(hashes[:size1]), reference_mth(hashes)
    verify_consistency(size1, len(hashes), proof, root1, root2)


@given(trees_with_leaf(), bits)
def test_flipped_bit_in_inclusion_proof_leaf_or_root_is_rejected(
    case: tuple[list[bytes], int], bit: int
) -> None:
    hashes, index = case
    _, get = getter(hashes)
    proof = inclusion_proof(index, len(hashes), get)
    leaf, root = hashes[index], reference_mth(hashes)
    target, bit = divmod(bit % (256 * (len(proof) + 2)), 256)
    if target < len(proof):
        proof[target] = flip(proof[target], bit)
    elif target == len(proof):
        leaf = flip(leaf, bit)
    else:
        root = flip(root, bit)
    with pytest.raises(MerkleProofError):
        verify_inclusion(index, len(hashes), leaf, proof, root)


@given(trees_with_two_sizes(), bits)
def test_flipped_bit_in_consistency_proof_or_roots_is_rejected(
    case: tuple[list[bytes], int], bit: int
) -> None:
    hashes, size1 = case
    _, get = getter(hashes)
    proof = consistency_proof(size1, len(hashes), get)
    roots = [reference_mth(hashes[:size1]), reference_mth(hashes)]
    target, bit = divmod(bit % (256 * (len(proof) + 2)), 256)
    if target < len(proof):
        proof[target] = flip(proof[target], bit)
    else:
        roots[target - len(proof)] = flip(roots[target - len(proof)], bit)
    with pytest.raises(MerkleProofError):
        verify_consistency(size1, len(hashes), proof, roots[0], roots[1])


@given(trees_with_leaf(), st.booleans())
def test_inclusion_proof_with_a_hash_added_or_removed_is_rejected(
    case: tuple[list[bytes], int], add: bool
) -> None:
    hashes, index = case
    _, get = getter(hashes)
    proof = inclusion_proof(index, len(hashes), get)
    needed = len(proof)
    if add or not proof:
        proof.append(reference_mth(hashes))
    else:
        proof.pop()
    with pytest.raises(MerkleProofError, match=f"needs {needed} hash"):
        verify_inclusion(index, len(hashes), hashes[index], proof, EMPTY_ROOT)


@given(trees_with_two_sizes(), st.booleans())
def test_consistency_proof_with_a_hash_added_or_removed_is_rejected(
    case: tuple[list[bytes], int], add: bool
) -> None:
    hashes, size1 = case
    _, get = getter(hashes)
    proof = consistency_proof(size1, len(hashes), get)
    if add or len(proof) < 2:
        proof.append(reference_mth(hashes))
    else:
        proof.pop()
    root1, root2 = reference_mth(hashes[:size1]), reference_mth(hashes)
    with pytest.raises(MerkleProofError):
        verify_consistency(size1, len(hashes), proof, root1, root2)


@given(trees_with_leaf(), trees_with_two_sizes())
def test_proofs_ask_only_for_few_complete_aligned_subtrees(
    inclusion_case: tuple[list[bytes], int], consistency_case: tuple[list[bytes], int]
) -> None:
    hashes, index = inclusion_case
    calls, get = getter(hashes)
    inclusion_proof(index, len(hashes), get)
    hashes2, size1 = consistency_case
    calls2, get2 = getter(hashes2)
    consistency_proof(size1, len(hashes2), get2)
    for requested, size in ((calls, len(hashes)), (calls2, len(hashes2))):
        assert all(is_complete_subtree(s, e) and e <= size for s, e in requested)
        assert len(requested) <= 2 * size.bit_length()


@given(st.integers(min_value=0, max_value=2**40), st.integers(0, 2**12))
def test_subtree_ranges_tile_the_range_with_maximal_aligned_subtrees(
    start: int, length: int
) -> None:
    ranges = subtree_ranges(start, start + length)
    assert sum(e - s for s, e in ranges) == length
    assert all(is_complete_subtree(s, e) for s, e in ranges)
    if ranges:
        assert ranges[0][0] == start
    for (s1, e1), (s2, e2) in pairwise(ranges):
        assert e1 == s2, "ranges must follow each other"
        assert not is_complete_subtree(s1, e2), "two siblings left unmerged"


@given(trees, st.integers(min_value=0, max_value=63))
def test_folding_subtree_ranges_gives_a_right_border_node(
    hashes: list[bytes], depth: int
) -> None:
    size = len(hashes)
    set_bits = [1 << b for b in reversed(range(size.bit_length())) if size >> b & 1]
    start = sum(set_bits[: depth % len(set_bits)])  # [start, size) is a border node
    pieces = subtree_ranges(start, size)
    node = reference_mth(hashes[pieces[-1][0] : pieces[-1][1]])
    for s, e in reversed(pieces[:-1]):
        node = hashlib.sha256(b"\x01" + reference_mth(hashes[s:e]) + node).digest()
    assert node == reference_mth(hashes[start:size])


@given(st.integers(min_value=0, max_value=70), st.data())
def test_subtree_levels_hold_every_complete_aligned_subtree(
    count: int, data: st.DataObject
) -> None:
    """What the verifier checks a log's stored proof index against."""
    hashes = [leaf_hash(i.to_bytes(2, "big")) for i in range(count)]
    levels = subtree_levels(hashes)
    for k, level in enumerate(levels):
        assert len(level) == count >> k
        for i, node in enumerate(level):
            assert node == reference_mth(hashes[i << k : (i + 1) << k])
    size = data.draw(st.integers(min_value=0, max_value=count))
    builder = TreeBuilder()
    builder.extend(hashes[:size])
    assert subtree_border(levels, size) == builder.border
