"""The Merkle tree of the log, exactly as RFC 6962 / RFC 9162 define it.

Every envelope in a school's log is a leaf; a signed checkpoint commits to the root of
the tree over the first ``size`` leaves. With these functions an auditor recomputes
that root from an exported archive, checks that one event (a mark, an attestat book
entry) is in the log (inclusion), and that a later checkpoint extends an earlier one
without rewriting history (consistency).

- leaf hash: SHA-256(0x00 ‖ data); node hash: SHA-256(0x01 ‖ left ‖ right);
  the empty tree: SHA-256("").
- A *complete aligned subtree* is a range ``[start, start + 2**k)`` of leaves with
  ``start`` a multiple of ``2**k``: a node of every tree that contains all its leaves.
  Proof generation asks its caller only for such ranges, so a store that keeps their
  hashes answers each request with one lookup.
- Checks raise `MerkleProofError` naming what failed; they never return a bool.

Pure standard library (hashlib, base64): no I/O, no clock, nothing from ``ledger/``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import NoReturn

from verify.errors import VerificationError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "MerkleProofError",
    "SubtreeHashGetter",
    "TreeBuilder",
    "consistency_proof",
    "inclusion_proof",
    "is_complete_subtree",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
    "subtree_border",
    "subtree_levels",
    "subtree_ranges",
    "verify_consistency",
    "verify_inclusion",
]

_sha256 = hashlib.sha256
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

HASH_SIZE = 32
"""Length in bytes of every leaf, node and root hash (SHA-256)."""

EMPTY_ROOT: bytes = _sha256(b"").digest()
"""Root of the empty tree: SHA-256 of no bytes (RFC 6962 §2.1)."""

SubtreeHashGetter = Callable[[int, int], bytes]
"""``get_subtree_hash(start, end)``: the Merkle tree hash of leaves ``[start, end)``."""


class MerkleProofError(VerificationError, ValueError):
    """A Merkle inclusion or consistency proof does not verify; the message says why."""


def leaf_hash(data: bytes) -> bytes:
    """Hash one leaf: SHA-256(0x00 ‖ data); for the log, data is the envelope bytes."""
    return _sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash an interior node from its children: SHA-256(0x01 ‖ left ‖ right)."""
    return _sha256(_NODE_PREFIX + left + right).digest()


class TreeBuilder:
    """Streaming Merkle tree hash: append leaf hashes one by one, read the root.

    Keeps only the *border*: the hashes of the complete aligned subtrees that the
    binary expansion of `size` splits the leaves into, largest (leftmost) first, so
    ``len(border) == size.bit_count()``, at most 64 hashes for any real log. This is
    how the verifier recomputes a checkpoint's root while reading ``log.jsonl``
    once, in constant memory.
    """

    __slots__ = ("_border", "_size")

    def __init__(self) -> None:
        """Start from the empty tree."""
        self._border: list[bytes] = []
        self._size = 0

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def border(self) -> tuple[bytes, ...]:
        """Hashes of the complete aligned subtrees over the leaves, left to right."""
        return tuple(self._border)

    def append(self, leaf_hash: bytes) -> None:
        """Add the next leaf, given by its leaf hash (see `leaf_hash`)."""
        if len(leaf_hash) != HASH_SIZE:
            _reject_leaf_hash(self._size, leaf_hash)
        border = self._border
        carry = self._size
        node = leaf_hash
        while carry & 1:  # each trailing 1 bit is a complete subtree to merge with
            node = _sha256(_NODE_PREFIX + border.pop() + node).digest()
            carry >>= 1
        border.append(node)
        self._size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Add many leaves in order; the same as `append` on each, only faster."""
        sha256, prefix = _sha256, _NODE_PREFIX
        border = self._border
        pop, push = border.pop, border.append
        size = self._size
        for node in leaf_hashes:
            if len(node) != HASH_SIZE:
                self._size = size
                _reject_leaf_hash(size, node)
            carry = size
            while carry & 1:
                node = sha256(prefix + pop() + node).digest()
                carry >>= 1
            push(node)
            size += 1
        self._size = size

    def root(self) -> bytes:
        """The RFC 6962 Merkle tree hash of all leaves so far (`EMPTY_ROOT` if none)."""
        border = self._border
        if not border:
            return EMPTY_ROOT
        node = border[-1]
        for i in range(len(border) - 2, -1, -1):
            node = _sha256(_NODE_PREFIX + border[i] + node).digest()
        return node


CompactRange = TreeBuilder
"""The name transparency-dev uses for the same structure (a compact range [0, size))."""


def _reject_leaf_hash(index: int, value: bytes) -> NoReturn:
    msg = f"hash of leaf {index} is {len(value)} bytes; a SHA-256 hash has {HASH_SIZE}"
    raise ValueError(msg)


def root_from_leaf_hashes(hashes: Iterable[bytes]) -> bytes:
    """The RFC 6962 Merkle tree hash (MTH) of leaves given by their hashes, streamed."""
    builder = TreeBuilder()
    builder.extend(hashes)
    return builder.root()


def subtree_levels(leaf_hashes: Sequence[bytes]) -> list[list[bytes]]:
    """Every complete aligned subtree over leaves ``[0, n)``, level by level.

    ``levels[0]`` is the leaf hashes; ``levels[k][i]`` is the hash of leaves
    ``[i * 2**k, (i + 1) * 2**k)``, for every such range inside ``[0, n)``. The
    top level holds one hash when ``n`` is a power of two: the tree's root. For
    leaves starting at a multiple of a power of two at least ``n`` (a chunk of
    the log), these are the nodes a log keeps for proofs.
    """
    sha256, prefix = _sha256, _NODE_PREFIX
    levels = [list(leaf_hashes)]
    below = levels[0]
    while len(below) > 1:
        pairs = iter(below)
        below = [
            sha256(prefix + left + right).digest()
            for left, right in zip(pairs, pairs, strict=False)
        ]
        levels.append(below)
    return levels


def subtree_border(levels: Sequence[Sequence[bytes]], size: int) -> tuple[bytes, ...]:
    """The border of the first ``size`` leaves (see `TreeBuilder.border`), read
    from `subtree_levels` of at least that many leaves."""
    return tuple(
        levels[k][(size >> k) - 1]
        for k in range(size.bit_length() - 1, -1, -1)
        if size >> k & 1
    )


def is_complete_subtree(start: int, end: int) -> bool:
    """Whether ``[start, end)`` is ``[start, start + 2**k)``, 2**k dividing start."""
    width = end - start
    return start >= 0 and width > 0 and width & (width - 1) == 0 and start % width == 0


def subtree_ranges(start: int, end: int) -> list[tuple[int, int]]:
    """Split ``[start, end)`` into the fewest complete aligned subtrees, left to right.

    Sizes first grow then shrink: ``subtree_ranges(3, 13)`` is
    ``[(3, 4), (4, 8), (8, 12), (12, 13)]``. When ``start`` is a multiple of a power
    of two at least ``end - start`` (any node of a tree, complete or on the right
    border), folding these hashes from the right with `node_hash` gives the node's hash.
    """
    if not 0 <= start <= end:
        msg = f"range [{start}, {end}) is not a range of leaves; need 0 <= start <= end"
        raise ValueError(msg)
    ranges: list[tuple[int, int]] = []
    while start < end:
        fits = 1 << ((end - start).bit_length() - 1)
        width = min(start & -start, fits) if start else fits
        ranges.append((start, start + width))
        start += width
    return ranges


def _split(width: int) -> int:
    """RFC 6962's k: the largest power of two below ``width`` (``width >= 2``)."""
    return 1 << ((width - 1).bit_length() - 1)


def _node_from_subtrees(
    start: int, end: int, get_subtree_hash: SubtreeHashGetter
) -> bytes:
    """Hash of the node ``[start, end)``, asking only for complete aligned subtrees."""
    pieces = subtree_ranges(start, end)
    node = get_subtree_hash(*pieces[-1])
    for piece in reversed(pieces[:-1]):
        node = node_hash(get_subtree_hash(*piece), node)
    return node


def inclusion_proof(
    leaf_index: int, tree_size: int, get_subtree_hash: SubtreeHashGetter
) -> list[bytes]:
    """RFC 6962 PATH(leaf_index, D[tree_size]): the audit path, leaf level first.

    Proves to an auditor that one event is leaf ``leaf_index`` of a checkpointed tree.
    ``get_subtree_hash`` is called only with complete aligned subtrees (see
    `is_complete_subtree`) inside ``[0, tree_size)``: each sibling on the path is
    asked for as itself, except the one that may be incomplete, the right-border
    node ``[mid, tree_size)``, which is folded from its `subtree_ranges`. At most
    ``2 * tree_size.bit_length()`` calls. Raises ValueError unless
    ``0 <= leaf_index < tree_size``.
    """
    if not 0 <= leaf_index < tree_size:
        msg = f"leaf index {leaf_index} is not in a tree of size {tree_size}"
        raise ValueError(msg)
    path: list[bytes] = []
    start, end = 0, tree_size
    while end - start > 1:
        mid = start + _split(end - start)
        if leaf_index < mid:
            path.append(_node_from_subtrees(mid, end, get_subtree_hash))
            end = mid
        else:
            path.append(get_subtree_hash(start, mid))
            start = mid
    path.reverse()
    return path


def consistency_proof(
    size1: int, size2: int, get_subtree_hash: SubtreeHashGetter
) -> list[bytes]:
    """RFC 6962 PROOF(size1, D[size2]): shows the first size1 leaves are unchanged.

    Lets an auditor holding an older checkpoint (say the one printed on last June's
    summary statement) check that today's log only appended to it. Empty when
    ``size1 == size2``. ``get_subtree_hash`` is called only with complete aligned
    subtrees inside ``[0, size2)``: the siblings along the path from the root down
    to the node ``[start, size1)`` where the old tree's right border joins it, and
    that node itself unless it is the whole old tree (it is then complete). Only the
    first right sibling, ``[mid, size2)``, may be incomplete; it is folded from
    `subtree_ranges`. At most ``2 * size2.bit_length()`` calls. Raises ValueError
    unless ``0 < size1 <= size2`` (a proof from the empty tree is meaningless).
    """
    if not 0 < size1 <= size2:
        msg = f"no consistency proof from {size1} to {size2}; need 0 < size1 <= size2"
        raise ValueError(msg)
    proof: list[bytes] = []
    start, end = 0, size2
    is_whole_old_tree = True  # RFC 6962 SUBPROOF's flag b
    while size1 != end:  # invariant: start < size1 <= end
        mid = start + _split(end - start)
        if size1 <= mid:
            proof.append(_node_from_subtrees(mid, end, get_subtree_hash))
            end = mid
        else:
            proof.append(get_subtree_hash(start, mid))
            start = mid
            is_whole_old_tree = False
    if not is_whole_old_tree:  # [start, size1) ends at a split point: complete
        proof.append(get_subtree_hash(start, end))
    proof.reverse()
    return proof


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _hashes(count: int) -> str:
    return "1 hash" if count == 1 else f"{count} hashes"


def _require_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        msg = f"{what} is {len(value)} bytes; a SHA-256 hash has {HASH_SIZE}"
        raise MerkleProofError(msg)


def _require_proof_hashes(proof: Sequence[bytes], what: str) -> None:
    for i, value in enumerate(proof):
        _require_hash(value, f"{what} hash [{i}]")


def _inclusion_path_length(leaf_index: int, tree_size: int) -> int:
    """Hashes in an audit path: those below the level where the paths to the leaf
    and to the last leaf meet, then one per left sibling above it."""
    inner = (leaf_index ^ (tree_size - 1)).bit_length()
    return inner + (leaf_index >> inner).bit_count()


def _consistency_path_length(size1: int, size2: int) -> int:
    """Hashes in a consistency proof from size1 to size2 (0 < size1 < size2)."""
    shift = (size1 & -size1).bit_length() - 1  # trailing zero bits of size1
    seed_in_proof = 0 if size1 == 1 << shift else 1
    return seed_in_proof + _inclusion_path_length(size1 - 1, size2) - shift


def root_from_inclusion_proof(
    leaf_index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> bytes:
    """The root that an audit path leads to from a leaf (RFC 9162 §2.1.3.2, 1-4).

    Raises MerkleProofError when the index is outside the tree, a hash is not 32
    bytes, or the path is longer or shorter than the way from this leaf to the root.
    """
    # 1. The leaf must be inside the tree.
    if not 0 <= leaf_index < tree_size:
        msg = f"leaf index {leaf_index} is not in a tree of size {tree_size}"
        raise MerkleProofError(msg)
    _require_hash(leaf_hash, "leaf hash")
    _require_proof_hashes(proof, "inclusion proof")
    # 2.-3.
    fn, sn, r = leaf_index, tree_size - 1, leaf_hash
    # 4.
    for p in proof:
        if sn == 0:  # 4a. The path reached the root with hashes left over.
            _reject_inclusion_length(leaf_index, tree_size, proof)
        if fn & 1 or fn == sn:  # 4b.
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1  # 4c.
    # 5. (first half) The path must reach the root.
    if sn != 0:
        _reject_inclusion_length(leaf_index, tree_size, proof)
    return r


def _reject_inclusion_length(
    leaf_index: int, tree_size: int, proof: Sequence[bytes]
) -> NoReturn:
    needed = _inclusion_path_length(leaf_index, tree_size)
    msg = (
        f"inclusion proof has {_hashes(len(proof))}; leaf {leaf_index} of a tree"
        f" of size {tree_size} needs {_hashes(needed)}"
    )
    raise MerkleProofError(msg)


def verify_inclusion(
    leaf_index: int,
    tree_size: int,
    leaf_hash: bytes,
    proof: Sequence[bytes],
    root: bytes,
) -> None:
    """Check that ``leaf_hash`` is leaf ``leaf_index`` of the tree with this root.

    RFC 9162 §2.1.3.2. An auditor uses it to confirm that an event (a grade, an
    attestat book entry) is covered by a signed checkpoint. Raises MerkleProofError.
    """
    computed = root_from_inclusion_proof(leaf_index, tree_size, leaf_hash, proof)
    # 5. (second half) The path must lead to the expected root.
    _require_hash(root, "expected root")
    if computed != root:
        msg = (
            f"inclusion proof for leaf {leaf_index} leads to root {_b64(computed)},"
            f" not to the expected root {_b64(root)} of the tree of size {tree_size}"
        )
        raise MerkleProofError(msg)


def verify_consistency(
    size1: int,
    size2: int,
    proof: Sequence[bytes],
    root1: bytes,
    root2: bytes,
) -> None:
    """Check that the tree (size2, root2) extends the tree (size1, root1).

    This is how an auditor knows that no event before an earlier checkpoint was
    altered or removed. RFC 9162 §2.1.4.2 covers ``0 < size1 < size2``. Around it,
    as the transparency-dev vectors expect: equal sizes are consistent exactly when
    the proof is empty and the roots are the same bytes; ``size1 == 0`` is refused
    (every tree extends the empty one, so there is nothing to prove; a caller that
    trusts an empty checkpoint skips this check). Raises MerkleProofError.
    """
    _check_consistency_sizes(size1, size2)
    if size1 == size2:
        _verify_same_tree(size1, proof, root1, root2)
        return
    # 1. An empty proof proves nothing.
    if not proof:
        msg = f"consistency proof from size {size1} to {size2} is empty"
        raise MerkleProofError(msg)
    _require_hash(root1, "root1")
    _require_hash(root2, "root2")
    _require_proof_hashes(proof, "consistency proof")
    fr, sr = _roots_from_consistency_proof(size1, size2, proof, root1)
    # 7. Both computed roots must match the given ones.
    if fr != root1:
        msg = (
            f"consistency proof leads to root {_b64(fr)} for size {size1},"
            f" not to root1 {_b64(root1)}"
        )
        raise MerkleProofError(msg)
    if sr != root2:
        msg = (
            f"consistency proof leads to root {_b64(sr)} for size {size2},"
            f" not to root2 {_b64(root2)}"
        )
        raise MerkleProofError(msg)


def _check_consistency_sizes(size1: int, size2: int) -> None:
    if size1 > size2:
        msg = f"size1 {size1} is larger than size2 {size2}: a log never shrinks"
        raise MerkleProofError(msg)
    if size1 <= 0:
        msg = f"consistency from size {size1} proves nothing; size1 must be at least 1"
        raise MerkleProofError(msg)


def _verify_same_tree(
    size: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    if proof:
        msg = (
            f"consistency proof between equal sizes {size} has"
            f" {_hashes(len(proof))}; it must be empty"
        )
        raise MerkleProofError(msg)
    if root1 != root2:
        msg = f"two roots for size {size} differ: {_b64(root1)} and {_b64(root2)}"
        raise MerkleProofError(msg)


def _roots_from_consistency_proof(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes
) -> tuple[bytes, bytes]:
    """RFC 9162 §2.1.4.2 steps 2-6 and the sn check of step 7: returns (fr, sr)."""
    path = list(proof)
    # 2. An old tree of power-of-two size is itself a node of the new tree.
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    # 3.-4.
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    # 5.
    fr = sr = path[0]
    # 6.
    for c in path[1:]:
        if sn == 0:  # 6a. The path reached the root with hashes left over.
            _reject_consistency_length(size1, size2, proof)
        if fn & 1 or fn == sn:  # 6b.
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1  # 6c.
    # 7. (sn part) The path must reach the root.
    if sn != 0:
        _reject_consistency_length(size1, size2, proof)
    return fr, sr


def _reject_consistency_length(
    size1: int, size2: int, proof: Sequence[bytes]
) -> NoReturn:
    needed = _consistency_path_length(size1, size2)
    msg = (
        f"consistency proof has {_hashes(len(proof))}; sizes {size1} to {size2}"
        f" need {_hashes(needed)}"
    )
    raise MerkleProofError(msg)
