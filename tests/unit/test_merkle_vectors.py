"""RFC 6962 conformance: the transparency-dev/merkle vectors in shared/vectors/rfc6962.

Each JSON file is one probe with the fields of the Go generator (inclusion:
``leafIdx, treeSize, root, leafHash, proof``; consistency: ``size1, size2, root1,
root2, proof``; base64 hashes, ``proof`` may be null) and ``wantErr``, which says
whether verification must fail. The numbered directories each hold one happy path
from the 8-leaf reference tree below plus corruptions of it (a flipped bit, a wrong
size, garbage before or after the proof, ...); ``additional/`` and ``single-entry/``
hold corner cases with empty or placeholder hashes.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from verify.merkle import (
    EMPTY_ROOT,
    MerkleProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "rfc6962"

INCLUSION_FILES = sorted(VECTORS.glob("inclusion/**/*.json"))
CONSISTENCY_FILES = sorted(VECTORS.glob("consistency/**/*.json"))

# The probes that must verify; every other file must be rejected.
ACCEPTED_NAMES = {
    "happy-path.json",
    "matching-root-and-leaf.json",
    "sizes-are-equal-one-and-proof-is-empty.json",
}

# The reference tree of RFC 6962 test suites (Certificate Transparency, Trillian,
# transparency-dev/merkle) and its root for each size 1..8.
REFERENCE_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
REFERENCE_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
REFERENCE_HASHES = [leaf_hash(leaf) for leaf in REFERENCE_LEAVES]


def _name(path: Path) -> str:
    return path.relative_to(VECTORS).as_posix()


def _load(path: Path) -> dict[str, Any]:
    probe: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return probe


def _hash(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def _proof(probe: dict[str, Any]) -> list[bytes]:
    return [_hash(h) for h in probe["proof"] or []]


def _reference_subtree_hash(start: int, end: int) -> bytes:
    return root_from_leaf_hashes(REFERENCE_HASHES[start:end])


def _happy_paths(files: list[Path]) -> list[Path]:
    """Happy paths of the numbered directories: the ones cut from the reference tree."""
    return [p for p in files if p.parent.name.isdigit() and p.name == "happy-path.json"]


def test_vector_corpus_is_all_there() -> None:
    assert len(INCLUSION_FILES) == 98
    assert len(CONSISTENCY_FILES) == 98


@pytest.mark.parametrize("path", INCLUSION_FILES + CONSISTENCY_FILES, ids=_name)
def test_want_err_agrees_with_the_file_name(path: Path) -> None:
    assert _load(path)["wantErr"] is (path.name not in ACCEPTED_NAMES)


@pytest.mark.parametrize("path", INCLUSION_FILES, ids=_name)
def test_inclusion_vector(path: Path) -> None:
    probe = _load(path)
    args = (
        probe["leafIdx"],
        probe["treeSize"],
        _hash(probe["leafHash"]),
        _proof(probe),
        _hash(probe["root"]),
    )
    if probe["wantErr"]:
        with pytest.raises(MerkleProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", CONSISTENCY_FILES, ids=_name)
def test_consistency_vector(path: Path) -> None:
    probe = _load(path)
    args = (
        probe["size1"],
        probe["size2"],
        _proof(probe),
        _hash(probe["root1"]),
        _hash(probe["root2"]),
    )
    if probe["wantErr"]:
        with pytest.raises(MerkleProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_empty_root_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert root_from_leaf_hashes([]) == EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_reference_tree_roots(size: int) -> None:
    root = root_from_leaf_hashes(REFERENCE_HASHES[:size])
    assert root.hex() == REFERENCE_ROOTS[size - 1]


@pytest.mark.parametrize("path", _happy_paths(INCLUSION_FILES), ids=_name)
def test_generated_inclusion_proof_equals_vector(path: Path) -> None:
    probe = _load(path)
    index, size = probe["leafIdx"], probe["treeSize"]
    assert _hash(probe["leafHash"]) == REFERENCE_HASHES[index]
    assert _hash(probe["root"]).hex() == REFERENCE_ROOTS[size - 1]
    generated = inclusion_proof(index, size, _reference_subtree_hash)
    assert generated == _proof(probe)


@pytest.mark.parametrize("path", _happy_paths(CONSISTENCY_FILES), ids=_name)
def test_generated_consistency_proof_equals_vector(path: Path) -> None:
    probe = _load(path)
    size1, size2 = probe["size1"], probe["size2"]
    assert _hash(probe["root1"]).hex() == REFERENCE_ROOTS[size1 - 1]
    assert _hash(probe["root2"]).hex() == REFERENCE_ROOTS[size2 - 1]
    generated = consistency_proof(size1, size2, _reference_subtree_hash)
    assert generated == _proof(probe)


def test_single_entry_vector_is_the_leaf_hash_of_data() -> None:
    probe = _load(VECTORS / "inclusion/single-entry/matching-root-and-leaf.json")
    assert _hash(probe["leafHash"]) == leaf_hash(b"data")
    assert inclusion_proof(0, 1, lambda s, e: leaf_hash(b"data")) == []


def test_every_generated_reference_proof_verifies() -> None:
    for size in range(1, 9):
        root = bytes.fromhex(REFERENCE_ROOTS[size - 1])
        for index in range(size):
            proof = inclusion_proof(index, size, _reference_subtree_hash)
            verify_inclusion(index, size, REFERENCE_HASHES[index], proof, root)
        for size1 in range(1, size + 1):
            root1 = bytes.fromhex(REFERENCE_ROOTS[size1 - 1])
            proof = consistency_proof(size1, size, _reference_subtree_hash)
            verify_consistency(size1, size, proof, root1, root)
