"""The sealer cannot be talked round (issue 11, item 2), on SQLite and PostgreSQL.

The attacker owns the database but not the key directory: drops or disables
the triggers, deletes entries, rebuilds the leaf and node rows (no key needed),
deletes checkpoint rows, inserts entries of its own. The sealer remembers the
latest checkpoint it signed beside the log key and checks every new entry, so
each attack ends in a refusal with nothing signed; a crash between the
checkpoint's commit and the memory's rename does not.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from ledger.application import LedgerApplication, Signing
from ledger.envelope import Envelope, content_hash, format_time
from ledger.errors import KeyNotValidError
from ledger.keys.directory import SigningKey
from ledger.keys.services import register_signer, revoke_signer
from ledger.log import (
    EntryRefusedError,
    LogIntegrityError,
    LogStore,
    Sealer,
    SealerMemory,
    StoredCheckpoint,
)
from tests.support import rawsql
from tests.support.notes import TEST_POLICY, Note
from tests.support.rewrite import as_owner, query, rewrite_history, table
from tests.support.stores import Store
from verify.note import parse_checkpoint

NOW = datetime.now(UTC)

pytestmark = pytest.mark.signing_policy(TEST_POLICY)


# -- the attacker's raw access --------------------------------------------------------


def _insert(store: Store, envelope: Envelope) -> None:
    """Insert an entry without the application (the application role may)."""
    rawsql.insert_event(
        store.url,
        store.admin_url,
        UUID(envelope.stream),
        envelope.seq,
        envelope.type,
        envelope.to_bytes(),
    )


# -- the school -----------------------------------------------------------------------


def _key(app: LedgerApplication, store: Store, role: str) -> SigningKey:
    key = SigningKey.generate()
    register_signer(
        app,
        store.key_directory.log_key(),
        public_key=key.public_bytes,
        holder=f"{role}-{key.key_id[:6]}",
        roles=(role,),
        valid_from=NOW - timedelta(days=1),
    )
    return key


def _write(app: LedgerApplication, teacher: SigningKey, n: int) -> list[Note]:
    notes = [Note.write(uuid4(), f"заметка {i}") for i in range(n)]
    app.save(*notes, signed_by=Signing(teacher))
    return notes


def _forged(
    app: LedgerApplication,
    signer: SigningKey,
    *,
    at: datetime,
    stream: UUID | None = None,
    seq: int = 1,
    prev: str | None = None,
) -> Envelope:
    return Envelope(
        log=app.context.origin,
        stream=str(stream or uuid4()),
        seq=seq,
        prev=prev,
        type="test.NoteWritten",
        at=format_time(at),
        data={"enc": None, "pupil": str(uuid4()), "text": "подделка"},
    ).signed_by(signer)


def _checkpoints(store: Store) -> list[int]:
    rows = query(
        store, f"SELECT tree_size FROM {table(store, 'checkpoints')} ORDER BY 1"
    )
    return [int(r[0]) for r in rows]


def _memory(app: LedgerApplication) -> SealerMemory:
    keys = app.context.keys
    return SealerMemory(keys.path, app.context.origin, keys.log_public_key)


def _remembered_size(app: LedgerApplication) -> int:
    remembered = _memory(app).load()
    assert remembered is not None
    return remembered.size


@pytest.fixture
def app(store: Store) -> LedgerApplication:
    return store.open()


# -- a rewritten history --------------------------------------------------------------


def test_a_rewritten_history_is_refused_and_nothing_is_signed(
    store: Store, app: LedgerApplication
) -> None:
    teacher = _key(app, store, "teacher")
    _write(app, teacher, 6)
    signed = Sealer(app).seal()
    assert _remembered_size(app) == signed.size == 10
    rewrite_history(store, keep=7)
    assert _checkpoints(store) == []
    assert LogStore(app.recorder).size() == 7  # a consistent tree of what is left

    with pytest.raises(LogIntegrityError, match=r"size 10 .* checkpoints were removed"):
        Sealer(app).seal()
    assert _checkpoints(store) == []  # nothing signed
    assert _remembered_size(app) == 10


def test_the_refusal_stands_until_a_person_removes_it(
    store: Store, app: LedgerApplication
) -> None:
    teacher = _key(app, store, "teacher")
    _write(app, teacher, 3)
    Sealer(app).seal()
    rewrite_history(store, keep=5)
    with pytest.raises(LogIntegrityError, match="checkpoints were removed"):
        Sealer(app).seal()
    memory = _memory(app)
    assert memory.refusal() is not None
    _write(app, teacher, 2)
    with pytest.raises(LogIntegrityError, match="the sealer refused before") as again:
        Sealer(store.open()).seal()
    assert str(memory.refusal_path) in str(again.value)
    assert _checkpoints(store) == []


def test_a_rewritten_tree_under_kept_checkpoint_rows_is_refused(
    store: Store, app: LedgerApplication
) -> None:
    """The store's checkpoints are rebuilt too, but the log key signed none of
    them: a row whose note does not verify is refused."""
    teacher = _key(app, store, "teacher")
    _write(app, teacher, 4)
    Sealer(app).seal()
    rewrite_history(store, keep=6)
    forged = StoredCheckpoint(9, bytes(32), "letopis.test/school-1\n9\nAA==\n", "x")
    LogStore(app.recorder).add_checkpoint(forged)
    with pytest.raises(LogIntegrityError, match="not a checkpoint signed by the log"):
        Sealer(app).seal()
    assert _checkpoints(store) == [9]


def test_removed_leaf_rows_alone_are_refused(
    store: Store, app: LedgerApplication
) -> None:
    _write(app, _key(app, store, "teacher"), 4)
    Sealer(app).seal()
    as_owner(store, f"DELETE FROM {table(store, 'leaves')} WHERE leaf_index >= 5")
    as_owner(store, f"DELETE FROM {table(store, 'checkpoints')} WHERE tree_size > 3")
    with pytest.raises(LogIntegrityError, match="checkpoints were removed"):
        Sealer(app).seal()
    assert _checkpoints(store) == [3]


# -- the crash window -----------------------------------------------------------------


def test_a_checkpoint_committed_but_not_remembered_is_taken_up(
    store: Store, app: LedgerApplication
) -> None:
    """A crash after the row's commit, before the rename, leaves the memory one
    checkpoint behind: the store's newer one, signed by the log key and
    consistent with the remembered one, is accepted and remembered."""
    teacher = _key(app, store, "teacher")
    _write(app, teacher, 3)
    Sealer(app).seal()
    memory = _memory(app)
    before = memory.path.read_text()
    _write(app, teacher, 4)
    newer = Sealer(app).seal()
    memory.path.write_text(before)  # as if the sealer died before the rename
    assert _remembered_size(app) == 7

    _write(app, teacher, 2)
    latest = Sealer(app).seal()
    assert latest.size == newer.size + 2
    assert _remembered_size(app) == latest.size
    assert _checkpoints(store)[-2:] == [newer.size, latest.size]
    assert memory.refusal() is None


def test_without_memory_the_first_seal_starts_it(
    store: Store, app: LedgerApplication
) -> None:
    """A key directory from before the memory: the store's latest checkpoint,
    signed by the log key, is taken as what was signed."""
    _write(app, _key(app, store, "teacher"), 2)
    memory = _memory(app)
    memory.path.unlink()
    checkpoint = Sealer(app).seal()
    assert _remembered_size(app) == checkpoint.size == 6
    note = parse_checkpoint(memory.path.read_text())
    note.verify(app.context.origin, app.context.keys.log_public_key)


def test_an_altered_memory_file_is_refused(
    store: Store, app: LedgerApplication
) -> None:
    _write(app, _key(app, store, "teacher"), 2)
    memory = _memory(app)
    memory.path.write_text(memory.path.read_text().replace("\n3\n", "\n7\n"))
    with pytest.raises(LogIntegrityError, match=r"remembered .* not a checkpoint"):
        Sealer(app).seal()
    assert _checkpoints(store) == [3]


# -- entries that do not check --------------------------------------------------------


def test_a_forged_signature_is_refused_and_nothing_past_it_is_sealed(
    store: Store, app: LedgerApplication
) -> None:
    teacher = _key(app, store, "teacher")
    _write(app, teacher, 3)  # leaves 4, 5, 6
    # the teacher's signature of one entry, under another entry's words
    signed = _forged(app, teacher, at=NOW)
    bad = replace(_forged(app, teacher, at=NOW), sigs=signed.sigs)
    _insert(store, bad)
    _write(app, teacher, 2)
    with pytest.raises(EntryRefusedError, match="does not verify") as refused:
        Sealer(app).seal()
    assert f"entry {bad.name} (it would be leaf 7)" in str(refused.value)
    assert LogStore(app.recorder).size() == 7  # the good entries before it
    assert _checkpoints(store) == [3, 7]
    assert _remembered_size(app) == 7


def test_an_unregistered_key_is_refused(store: Store, app: LedgerApplication) -> None:
    forged = _forged(app, SigningKey.generate(), at=NOW)
    _insert(store, forged)
    with pytest.raises(EntryRefusedError, match="was not registered in the log"):
        Sealer(app).seal()
    assert _checkpoints(store) == [3]


def test_a_revoked_keys_backdated_entry_is_refused(
    store: Store, app: LedgerApplication
) -> None:
    """A key revoked as compromised signs an entry dated before the compromise
    and appends it after the revocation: judged at its place in the log, it
    comes after the revocation was recorded, so the key may not sign it."""
    teacher = _key(app, store, "teacher")
    revoke_signer(
        app,
        store.key_directory.log_key(),
        teacher.key_id,
        revoked_at=datetime.now(UTC),
        compromised_at=NOW - timedelta(hours=1),
        reason="ключ похищен",
    )
    Sealer(app).seal()
    backdated = _forged(app, teacher, at=NOW - timedelta(hours=2))
    _insert(store, backdated)
    with pytest.raises(EntryRefusedError, match="was compromised at") as refused:
        Sealer(app).seal()
    assert backdated.name in str(refused.value)
    assert _checkpoints(store)[-1] == LogStore(app.recorder).size() == 5


def test_an_entry_appended_before_a_compromise_revocation_is_still_sealed(
    store: Store, app: LedgerApplication
) -> None:
    """A revocation voids signatures from ``compromised_at`` on (the verifier
    reports them), but it does not stop the sealer from sealing what was
    appended before the revocation was recorded: the log goes on."""
    teacher = _key(app, store, "teacher")
    _write(app, teacher, 2)
    revoke_signer(
        app,
        store.key_directory.log_key(),
        teacher.key_id,
        revoked_at=datetime.now(UTC),
        compromised_at=NOW - timedelta(hours=1),
        reason="ключ похищен",
    )
    assert Sealer(app).seal().size == 7


def test_a_broken_chain_is_refused(store: Store, app: LedgerApplication) -> None:
    teacher = _key(app, store, "teacher")
    (note,) = _write(app, teacher, 1)
    Sealer(app).seal()
    wrong = _forged(
        app,
        teacher,
        at=datetime.now(UTC),
        stream=note.id,
        seq=2,
        prev=content_hash(b"another entry"),
    )
    _insert(store, wrong)
    with pytest.raises(EntryRefusedError, match="the chain is broken"):
        Sealer(app).seal()
    assert _checkpoints(store) == [3, 5]


def test_the_writer_judges_a_revoked_key_as_the_sealer_does(
    store: Store, app: LedgerApplication
) -> None:
    """An entry made before a revocation but appended after it is refused by
    the writer too (nothing written), so the application never appends what
    the sealer would refuse."""
    teacher = _key(app, store, "teacher")
    late = Note.write(uuid4(), "написано до отзыва ключа")
    revoke_signer(
        app,
        store.key_directory.log_key(),
        teacher.key_id,
        revoked_at=datetime.now(UTC),
        reason="уволилась",
    )
    before = rawsql.rows(store.url, store.admin_url)
    with pytest.raises(KeyNotValidError, match=r"valid only in \[.*revoked at"):
        app.save(late, signed_by=Signing(teacher))
    assert rawsql.rows(store.url, store.admin_url) == before
    assert Sealer(app).seal().size == 5
