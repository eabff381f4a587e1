"""The sealer's memory beside the log key: signed notes only, never backwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.keys.directory import SigningKey
from ledger.log import LogIntegrityError, SealerMemory
from ledger.log.remembered import Remembered
from verify import merkle
from verify.note import checkpoint_body, signed_note

ORIGIN = "letopis.test/memory"


def _signed(key: SigningKey, size: int) -> Remembered:
    root = merkle.root_from_leaf_hashes(
        [merkle.leaf_hash(b"%d" % i) for i in range(size)]
    )
    note = signed_note(
        checkpoint_body(ORIGIN, size, root), ORIGIN, key.public_bytes, key.sign
    )
    return Remembered(size, root, note)


def test_the_memory_never_moves_back_and_leaves_no_temporary_file(
    tmp_path: Path,
) -> None:
    key = SigningKey.generate()
    memory = SealerMemory(tmp_path, ORIGIN, key.public_bytes)
    assert memory.load() is None
    memory.remember(_signed(key, 5))
    memory.remember(_signed(key, 9))
    memory.remember(_signed(key, 7))  # an older sealer, late
    assert memory.load() == _signed(key, 9)
    assert sorted(p.name for p in memory.folder.iterdir()) == ["checkpoint", "lock"]


def test_a_note_by_another_key_is_refused(tmp_path: Path) -> None:
    key, other = SigningKey.generate(), SigningKey.generate()
    memory = SealerMemory(tmp_path, ORIGIN, key.public_bytes)
    memory.folder.mkdir()
    memory.path.write_text(_signed(other, 3).note)
    with pytest.raises(LogIntegrityError, match="not a checkpoint signed by the log"):
        memory.load()


def test_the_first_refusal_stands(tmp_path: Path) -> None:
    memory = SealerMemory(tmp_path, ORIGIN, SigningKey.generate().public_bytes)
    assert memory.refusal() is None
    memory.refuse("first", "2026-01-01T00:00:00Z")
    memory.refuse("second", "2026-01-02T00:00:00Z")
    assert memory.refusal() == "2026-01-01T00:00:00Z first"
