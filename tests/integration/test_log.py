"""The Merkle log on SQLite and PostgreSQL: leaves in notification order, stored
subtrees, signed checkpoints that stay consistent, proofs that verify."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from ledger.application import LedgerApplication, Signing
from ledger.errors import ConcurrencyError
from ledger.keys.directory import SigningKey
from ledger.keys.services import register_signer
from ledger.log import AutoSealer, LogIntegrityError, Sealer, StoredTree, open_log
from tests.support import rawsql
from tests.support.notes import TEST_POLICY, Note
from tests.support.stores import Store
from verify import merkle
from verify.note import parse_checkpoint

pytestmark = pytest.mark.signing_policy(TEST_POLICY)


def _teacher(ledger: LedgerApplication, store: Store) -> SigningKey:
    key = SigningKey.generate()
    register_signer(
        ledger,
        store.key_directory.log_key(),
        public_key=key.public_bytes,
        holder="teacher",
        roles=("teacher",),
        valid_from=datetime.now(UTC) - timedelta(days=1),
    )
    return key


def _write(ledger: LedgerApplication, teacher: SigningKey, n: int) -> None:
    ledger.save(
        *(Note.write(uuid4(), f"note {i}") for i in range(n)),
        signed_by=Signing(teacher),
    )


def _states(ledger: LedgerApplication) -> list[bytes]:
    notifications = ledger.recorder.select_notifications(start=1, limit=10_000)
    return [n.state for n in notifications]


def test_seal_covers_every_event_in_notification_order(store: Store) -> None:
    ledger = store.open()
    _write(ledger, _teacher(ledger, store), 12)
    checkpoint = Sealer(ledger).seal()
    states = _states(ledger)
    assert checkpoint.size == len(states) == 16  # 4 from init: seal, policies
    expected = merkle.root_from_leaf_hashes([merkle.leaf_hash(s) for s in states])
    assert checkpoint.root == expected
    note = parse_checkpoint(checkpoint.note)
    assert (note.origin, note.size, note.root) == (ledger.context.origin, 16, expected)
    note.verify(ledger.context.origin, store.key_directory.log_public_key)


def test_every_inclusion_proof_verifies_against_the_checkpoint(store: Store) -> None:
    ledger = store.open()
    _write(ledger, _teacher(ledger, store), 21)
    sealer = Sealer(ledger)
    checkpoint = sealer.seal()
    for index, state in enumerate(_states(ledger)):
        proof = sealer.tree.inclusion_proof(index, checkpoint.size)
        merkle.verify_inclusion(
            index, checkpoint.size, merkle.leaf_hash(state), proof, checkpoint.root
        )


def test_successive_checkpoints_are_consistent(store: Store) -> None:
    ledger = store.open()
    teacher = _teacher(ledger, store)
    sealer = Sealer(ledger)
    checkpoints = [sealer.seal()]
    for n in (1, 5, 2, 9):
        _write(ledger, teacher, n)
        checkpoints.append(sealer.seal())
    sizes = [c.size for c in checkpoints]
    assert sizes == sorted(sizes)
    assert len(set(sizes)) == len(sizes)
    for old in checkpoints:
        for new in checkpoints:
            if old.size < new.size:
                proof = sealer.tree.consistency_proof(old.size, new.size)
                merkle.verify_consistency(old.size, new.size, proof, old.root, new.root)
    assert [c.size for c in sealer.store.checkpoints()] == [3, *sizes]  # 3: init


def test_seal_without_new_events_signs_nothing_new(store: Store) -> None:
    ledger = store.open()
    sealer = Sealer(ledger)
    first = sealer.seal()
    assert sealer.seal() == first
    assert len(sealer.store.checkpoints()) == 1


def test_a_restarted_sealer_resumes_where_the_last_batch_ended(store: Store) -> None:
    ledger = store.open()
    _write(ledger, _teacher(ledger, store), 30)
    assert Sealer(ledger).append_pending(batch=7) == 7
    assert Sealer(ledger).append_pending(batch=5) == 5
    restarted = Sealer(store.open())
    checkpoint = restarted.seal()
    leaves = restarted.store.leaves(0, 100)
    assert [leaf.index for leaf in leaves] == list(range(34))
    assert len({leaf.notification_id for leaf in leaves}) == 34
    states = _states(ledger)
    assert [leaf.hash for leaf in leaves] == [merkle.leaf_hash(s) for s in states]
    assert checkpoint.root == merkle.root_from_leaf_hashes([x.hash for x in leaves])


def test_two_sealers_racing_seal_each_event_once(store: Store) -> None:
    ledger = store.open()
    _write(ledger, _teacher(ledger, store), 40)
    one, two = Sealer(ledger), Sealer(store.open())
    while one.append_pending(batch=3) + two.append_pending(batch=4):
        pass
    one.seal()
    two.seal()
    leaves = one.store.leaves(0, 1000)
    assert [leaf.index for leaf in leaves] == list(range(44))
    assert len({leaf.notification_id for leaf in leaves}) == 44


def test_leaf_indexes_stay_contiguous_across_notification_gaps(store: Store) -> None:
    ledger = store.open()
    teacher = _teacher(ledger, store)
    note = Note.write(uuid4(), "x")
    ledger.save(note, signed_by=Signing(teacher))
    other = store.open()
    mine: Note = ledger.repository.get(note.id)
    theirs: Note = other.repository.get(note.id)
    mine.certify("first")
    theirs.certify("second")
    director = _director(ledger, store)
    ledger.save(mine, signed_by=Signing(director[0], (director[1],)))
    with pytest.raises(ConcurrencyError):
        other.save(theirs, signed_by=Signing(director[0], (director[1],)))
    _write(ledger, teacher, 2)
    Sealer(ledger).seal()
    leaves = Sealer(ledger).store.leaves(0, 100)
    assert [leaf.index for leaf in leaves] == list(range(len(leaves)))
    ids = [leaf.notification_id for leaf in leaves]
    assert ids == sorted(ids)
    if store.kind == "postgres":
        assert ids[-1] > len(ids)  # the rejected write spent a sequence value


def _director(ledger: LedgerApplication, store: Store) -> tuple[SigningKey, SigningKey]:
    """A class teacher and a director: the pair that certifies a note."""
    pair = (SigningKey.generate(), SigningKey.generate())
    for key, role in zip(pair, ("class_teacher", "director"), strict=True):
        register_signer(
            ledger,
            store.key_directory.log_key(),
            public_key=key.public_bytes,
            holder=role,
            roles=(role,),
            valid_from=datetime.now(UTC) - timedelta(days=1),
        )
    return pair


def test_sealer_refuses_to_sign_after_the_tree_was_altered(store: Store) -> None:
    """A stored subtree that no longer gives the signed root stops the sealer.

    (An altered leaf row alone leaves the stored subtrees, and so every new
    checkpoint, true; the verifier finds it by rehashing the events.)
    """
    ledger = store.open()
    teacher = _teacher(ledger, store)
    _write(ledger, teacher, 3)  # 7 entries, with init's 3 and the teacher's key
    Sealer(ledger).seal()
    nodes = "log_nodes" if store.kind == "sqlite" else "letopis.letopis_log_nodes"
    rawsql.execute_as_superuser(
        store.url,
        store.admin_url,
        f"UPDATE {nodes} SET hash = ? WHERE level = 2 AND idx = 0",
        (bytes(32),),
    )
    _write(ledger, teacher, 2)
    with pytest.raises(LogIntegrityError, match="refusing to sign"):
        Sealer(ledger).seal()


def test_sealer_refuses_when_sealed_leaves_were_removed(store: Store) -> None:
    ledger = store.open()
    _write(ledger, _teacher(ledger, store), 3)  # 7 entries, with init's 3 + key
    Sealer(ledger).seal()
    leaves = "log_leaves" if store.kind == "sqlite" else "letopis.letopis_log_leaves"
    rawsql.execute_as_superuser(
        store.url, store.admin_url, f"DELETE FROM {leaves} WHERE leaf_index >= 4"
    )
    with pytest.raises(LogIntegrityError, match="refusing to sign"):
        Sealer(ledger).seal()


def test_auto_sealer_covers_an_append_within_its_interval(store: Store) -> None:
    ledger = store.open()
    teacher = _teacher(ledger, store)
    with AutoSealer(Sealer(ledger), interval=0.05) as auto:
        _write(ledger, teacher, 3)
        written = len(_states(ledger))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            latest = auto.sealer.latest()
            if latest is not None and latest.size >= written:
                break
            time.sleep(0.02)
        assert latest is not None
        assert latest.size == written
    assert auto.error is None


def test_read_only_log_needs_no_keys(store: Store) -> None:
    ledger = store.open()
    _write(ledger, _teacher(ledger, store), 3)
    checkpoint = Sealer(ledger).seal()
    log, tree = open_log(store.url)
    assert log.latest_checkpoint() == checkpoint
    assert isinstance(tree, StoredTree)
    assert tree.root(checkpoint.size) == checkpoint.root
