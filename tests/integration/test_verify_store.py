"""The verifier on live SQLite and PostgreSQL stores, intact and tampered with.

A small school writes signed notes (some certified with a director's
co-signature) and seals twice; then an attacker with database rights changes
rows behind the append-only triggers (tests/rawsql.py). Each change must turn
the verdict and name the position (leaf index) it concerns.
"""

from __future__ import annotations

import base64
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ledger
from ledger.application import LedgerApplication, Signing
from ledger.envelope import Envelope, format_time
from ledger.keys.directory import SigningKey
from ledger.keys.services import register_signer
from ledger.log import Sealer
from ledger.storage.stores import parse_store_url
from tests import rawsql
from tests.conftest import Store
from tests.notes import TEST_POLICY, Note
from verify import merkle
from verify.anchor import LogKey
from verify.note import checkpoint_body, signed_note, verifier_key
from verify.policy import SigningPolicy
from verify.report import LogIntegrityError, Report
from verify.retention import RetentionPolicy
from verify.sources import open_store
from verify.verifier import Verifier

pytestmark = pytest.mark.signing_policy(TEST_POLICY)

RETENTION = Path(ledger.__file__).parent / "policies" / "retention.toml"
NOW = datetime.now(UTC)


@dataclass
class School:
    """A sealed store: who signs, what was written, and raw access to its rows."""

    store: Store
    ledger: LedgerApplication
    teacher: SigningKey
    class_teacher: SigningKey
    director: SigningKey
    notes: list[UUID] = field(default_factory=list)

    @property
    def sqlite(self) -> bool:
        return self.store.kind == "sqlite"

    def table(self, name: str) -> str:
        if self.sqlite:
            return "stored_events" if name == "events" else f"log_{name}"
        schema = parse_store_url(self.store.url).schema
        return f"{schema}.letopis_{'events' if name == 'events' else 'log_' + name}"

    @property
    def nid(self) -> str:
        return "rowid" if self.sqlite else "notification_id"

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.sqlite:
            connection = sqlite3.connect(parse_store_url(self.store.url).sqlite_path)
            try:
                return connection.execute(sql, params).fetchall()
            finally:
                connection.close()
        with psycopg.connect(self.store.admin_url) as c:
            return c.execute(sql.replace("?", "%s"), params).fetchall()  # type: ignore[arg-type]

    def tamper(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        rawsql.execute_as_superuser(self.store.url, self.store.admin_url, sql, params)

    def events(self) -> list[tuple[Any, ...]]:
        """(nid, originator_id, version, topic, state, leaf index) in log order."""
        rows = self.query(
            f"SELECT e.{self.nid}, e.originator_id, e.originator_version, e.topic, "
            f"e.state, l.leaf_index FROM {self.table('events')} e JOIN "
            f"{self.table('leaves')} l ON l.notification_id = e.{self.nid} "
            f"ORDER BY e.{self.nid}"
        )
        return [(*r[:4], bytes(r[4]), r[5]) for r in rows]

    def stream_id(self, stream: UUID) -> Any:
        return stream.hex if self.sqlite else stream


def _key(
    ledger_app: LedgerApplication,
    store: Store,
    roles: tuple[str, ...],
    **window: datetime,
) -> SigningKey:
    key = SigningKey.generate()
    register_signer(
        ledger_app,
        store.key_directory.log_key(),
        public_key=key.public_bytes,
        holder=f"{'+'.join(roles)}-{key.key_id[:6]}",
        roles=roles,
        valid_from=window.get("valid_from", NOW - timedelta(days=1)),
        valid_until=window.get("valid_until"),
    )
    return key


def build_school(store: Store, notes: int = 6) -> School:
    """Keys, notes in two seals, two of them certified with a co-signature."""
    app = store.open()
    school = School(
        store,
        app,
        _key(app, store, ("teacher",)),
        _key(app, store, ("class_teacher",)),
        _key(app, store, ("director",)),
    )
    for half in range(2):
        written = [
            Note.write(uuid4(), f"заметка {half}-{i}") for i in range(notes // 2)
        ]
        app.save(*written, signed_by=Signing(school.teacher))
        certified = written[0]
        certified.certify("проверено")
        app.save(certified, signed_by=Signing(school.class_teacher, (school.director,)))
        school.notes += [n.id for n in written]
        Sealer(app).seal()
    return school


def audit(school: School, **options: Any) -> Report:
    options.setdefault("workers", 1)
    source = open_store(school.store.url)
    try:
        return Verifier(
            log_key=LogKey.from_key_directory(school.store.keys),
            policy=SigningPolicy.load(TEST_POLICY),
            retention=RetentionPolicy.load(RETENTION),
            **options,
        ).audit(source)
    finally:
        source.close()


def positions(report: Report) -> set[int | None]:
    return {f.position for f in report.findings}


def kinds(report: Report) -> set[str]:
    return {f.kind for f in report.findings}


@pytest.fixture
def school(store: Store) -> School:
    return build_school(store)


# -- intact ---------------------------------------------------------------------


def test_an_untampered_store_verifies(school: School) -> None:
    report = audit(school)
    assert report.ok, report.findings
    leaves = len(school.events())
    assert report.tree_size == leaves == report.checked["entries"]
    assert report.checked["signatures"] == leaves + 2  # two co-signatures
    assert report.checked["columns"] == report.checked["leaves"] == leaves
    checkpoint = Sealer(school.ledger).latest()
    assert checkpoint is not None
    assert report.root == checkpoint.root
    rows = {r.name: r for r in report.retention}
    # the seal, the first signing and retention policies, and 3 keys
    assert rows["trust"].events == rows["trust"].intact == 6
    assert rows["unclassified"].events == leaves - 6  # test.* is in no class
    assert report.to_json()["ok"] is True


def test_chunks_on_several_processes_give_the_same_report(school: School) -> None:
    alone = audit(school)
    pooled = audit(school, workers=2, chunk_size=4)
    assert pooled.ok, pooled.findings
    assert pooled.to_json() == alone.to_json()


def test_verify_log_raises_one_error_family_naming_the_position(school: School) -> None:
    nid, *_, leaf = school.events()[3]
    school.tamper(
        f"DELETE FROM {school.table('events')} WHERE {school.nid} = ?", (nid,)
    )
    verifier = Verifier(
        log_key=LogKey.from_key_directory(school.store.keys),
        policy=SigningPolicy.load(TEST_POLICY),
        workers=1,
    )
    source = open_store(school.store.url)
    with pytest.raises(LogIntegrityError, match=f"leaf {leaf}") as caught:
        verifier.verify_log(source)
    source.close()
    assert not caught.value.report.ok


# -- one byte flipped in any column of any row --------------------------------------

EVENT_COLUMNS = ("originator_id", "originator_version", "topic", "state", "nid")
LEAF_COLUMNS = ("leaf_index", "notification_id", "stream", "seq", "leaf_hash")


def _flip(value: Any, byte: int, bit: int) -> Any:
    """``value`` with one bit of one byte changed, in the column's own type."""
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, int):
        return value ^ (1 << (8 + bit))  # the second byte: never another row's value
    if isinstance(value, UUID):
        raw = bytearray(value.bytes)
        raw[byte % 16] ^= 1 << bit
        return UUID(bytes=bytes(raw))
    if isinstance(value, str):
        raw = bytearray(value.encode())
        raw[byte % len(raw)] ^= 1 << (bit % 6)  # ASCII stays ASCII, never NUL
        return raw.decode()
    raw = bytearray(value)
    raw[byte % len(raw)] ^= 1 << bit
    return bytes(raw)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    row=st.integers(min_value=0, max_value=10_000),
    column=st.sampled_from(EVENT_COLUMNS + tuple(f"leaf.{c}" for c in LEAF_COLUMNS)),
    byte=st.integers(min_value=0, max_value=10_000),
    bit=st.integers(min_value=0, max_value=7),
)
def test_one_flipped_byte_in_any_stored_column_of_any_row_is_named(
    school: School, row: int, column: str, byte: int, bit: int
) -> None:
    events = school.events()
    nid, _, _, _, _, leaf = events[row % len(events)]
    if column.startswith("leaf."):
        name = column.removeprefix("leaf.")
        table, key, key_value = school.table("leaves"), "leaf_index", leaf
    else:
        name = school.nid if column == "nid" else column
        table, key, key_value = school.table("events"), school.nid, nid
    (original,) = school.query(
        f"SELECT {name} FROM {table} WHERE {key} = ?", (key_value,)
    )[0]
    original = bytes(original) if isinstance(original, memoryview) else original
    changed = _flip(original, byte, bit)
    moved = changed if name == key else key_value
    school.tamper(
        f"UPDATE {table} SET {name} = ? WHERE {key} = ?", (changed, key_value)
    )
    try:
        report = audit(school)
    finally:
        school.tamper(
            f"UPDATE {table} SET {name} = ? WHERE {key} = ?", (original, moved)
        )
    assert not report.ok
    assert leaf in positions(report), (column, report.findings)


# -- the log's proof index -----------------------------------------------------------


def _nodes(school: School) -> list[tuple[int, int, bytes]]:
    rows = school.query(
        f"SELECT level, idx, hash FROM {school.table('nodes')} ORDER BY level, idx"
    )
    return [(int(k), int(i), bytes(h)) for k, i, h in rows]


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    row=st.integers(min_value=0, max_value=10_000),
    column=st.sampled_from(("hash", "idx", "level")),
    byte=st.integers(min_value=0, max_value=31),
    bit=st.integers(min_value=0, max_value=7),
    chunk_size=st.sampled_from((2, 4, 2048)),
)
def test_one_flipped_byte_in_the_proof_index_is_named(
    school: School, row: int, column: str, byte: int, bit: int, chunk_size: int
) -> None:
    """Each chunk checks the stored subtree hashes inside it, the verifying
    process those above; with chunks of 2 or 4 both do (the school has 12
    entries, 10 stored subtrees)."""
    level, idx, node = _nodes(school)[row % len(_nodes(school))]
    table = school.table("nodes")
    original: Any = {"hash": node, "idx": idx, "level": level}[column]
    # level is a smallint on PostgreSQL: flip a bit that keeps it in range
    changed = _flip(original, byte, bit % 7 if column == "level" else bit)
    key = {"level": level, "idx": idx} | {column: changed}
    school.tamper(
        f"UPDATE {table} SET {column} = ? WHERE level = ? AND idx = ?",
        (changed, level, idx),
    )
    try:
        report = audit(school, chunk_size=chunk_size)
    finally:
        school.tamper(
            f"UPDATE {table} SET {column} = ? WHERE level = ? AND idx = ?",
            (original, key["level"], key["idx"]),
        )
    assert not report.ok
    found = [f for f in report.findings if f.kind == "tree"]
    assert [(f.position, f.event) for f in found] == [(idx << level, None)], found
    what = "wrong hash" if column == "hash" else "no hash"
    assert f"{what} for leaves [{idx << level}, {idx + 1 << level})" in found[0].detail
    assert audit(school, chunk_size=chunk_size).ok


def test_the_proof_index_is_checked_on_every_level(school: School) -> None:
    nodes = _nodes(school)
    assert audit(school, chunk_size=4).checked["nodes"] == len(nodes)
    assert audit(school).checked["nodes"] == len(nodes)


# -- rows removed, added, moved ------------------------------------------------------


@pytest.mark.parametrize("which", [0, 4, -1], ids=["first", "middle", "last"])
def test_a_deleted_row_is_named(school: School, which: int) -> None:
    nid, *_, leaf = school.events()[which]
    school.tamper(
        f"DELETE FROM {school.table('events')} WHERE {school.nid} = ?", (nid,)
    )
    report = audit(school)
    assert not report.ok
    assert leaf in positions(report)
    assert "leaf" in kinds(report)


def _forge(school: School, signer: SigningKey, *, at: datetime) -> tuple[UUID, bytes]:
    stream = uuid4()
    envelope = Envelope(
        log=school.ledger.context.origin,
        stream=str(stream),
        seq=1,
        prev=None,
        type="test.NoteWritten",
        at=format_time(at),
        data={"enc": None, "pupil": str(uuid4()), "text": "подделка"},
    ).signed_by(signer)
    return stream, envelope.to_bytes()


def _append_forged(school: School, stream: UUID, state: bytes) -> int:
    """Insert the forged row and, as a thorough attacker would, its leaf row."""
    school.tamper(
        f"INSERT INTO {school.table('events')} (originator_id, originator_version, "
        "topic, state) VALUES (?, 1, 'test.NoteWritten', ?)",
        (school.stream_id(stream), state),
    )
    (nid,) = school.query(f"SELECT max({school.nid}) FROM {school.table('events')}")[0]
    (leaves,) = school.query(f"SELECT count(*) FROM {school.table('leaves')}")[0]
    school.tamper(
        f"INSERT INTO {school.table('leaves')} (leaf_index, notification_id, stream, "
        "seq, leaf_hash) VALUES (?, ?, ?, 1, ?)",
        (leaves, nid, str(stream), merkle.leaf_hash(state)),
    )
    return int(leaves)


def test_a_forged_row_signed_with_a_fresh_key_is_named(school: School) -> None:
    stream, state = _forge(school, SigningKey.generate(), at=NOW)
    leaf = _append_forged(school, stream, state)
    report = audit(school)
    named = [f for f in report.findings if f.event == f"{stream}:1"]
    assert {f.kind for f in named} == {"key"}
    assert {f.position for f in named} == {leaf}


def test_a_forged_row_signed_outside_the_keys_window_is_named(school: School) -> None:
    expired = _key(
        school.ledger,
        school.store,
        ("teacher",),
        valid_from=NOW - timedelta(days=60),
        valid_until=NOW - timedelta(days=30),
    )
    Sealer(school.ledger).seal()
    stream, state = _forge(school, expired, at=NOW)
    leaf = _append_forged(school, stream, state)
    report = audit(school)
    named = [f for f in report.findings if f.event == f"{stream}:1"]
    assert [f.kind for f in named] == ["window"]
    assert named[0].position == leaf
    assert "valid only in" in named[0].detail


def test_two_swapped_rows_are_both_named(school: School) -> None:
    events = school.events()
    (a, *row_a, leaf_a), (b, *row_b, leaf_b) = events[2], events[6]
    table, nid = school.table("events"), school.nid
    school.tamper(f"DELETE FROM {table} WHERE {nid} IN (?, ?)", (a, b))
    for target, (stream, version, topic, state) in ((a, row_b), (b, row_a)):
        school.tamper(
            f"INSERT INTO {table} ({nid}, originator_id, originator_version, topic, "
            "state) VALUES (?, ?, ?, ?, ?)",
            (target, stream, version, topic, state),
        )
    report = audit(school)
    assert {leaf_a, leaf_b} <= positions(report)
    assert "root" in kinds(report)


# -- checkpoints ----------------------------------------------------------------------


def _latest_checkpoint(school: School) -> tuple[int, str]:
    size, note = school.query(
        f"SELECT tree_size, note FROM {school.table('checkpoints')} "
        "ORDER BY tree_size DESC LIMIT 1"
    )[0]
    return int(size), str(note)


def _forged_note(origin: str, size: int, root: bytes, key: SigningKey) -> str:
    return signed_note(
        checkpoint_body(origin, size, root), origin, key.public_bytes, key.sign
    )


def test_a_replaced_checkpoint_is_found(school: School) -> None:
    size, _ = _latest_checkpoint(school)
    origin = school.ledger.context.origin
    forged = _forged_note(origin, size, bytes(32), SigningKey.generate())
    table = school.table("checkpoints")
    school.tamper(
        f"UPDATE {table} SET note = ?, root = ? WHERE tree_size = ?",
        (forged, bytes(32), size),
    )
    report = audit(school)
    assert "checkpoint" in kinds(report)
    assert any("not signed by the trusted log key" in f.detail for f in report.findings)


def test_a_dropped_checkpoint_is_found_by_what_was_verified_before(
    school: School, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    assert audit(school, state_file=state).ok
    size, note = _latest_checkpoint(school)
    school.tamper(
        f"DELETE FROM {school.table('checkpoints')} WHERE tree_size = ?", (size,)
    )
    report = audit(school, state_file=state)
    assert "checkpoint" in kinds(report)
    trusted = audit(school, trusted_checkpoint=note)
    assert any("later checkpoints were removed" in f.detail for f in trusted.findings)


def test_every_checkpoint_dropped_leaves_nothing_anchored(school: School) -> None:
    school.tamper(f"DELETE FROM {school.table('checkpoints')}")
    assert "unsealed" in kinds(audit(school))


def test_a_truncated_tail_is_named(school: School) -> None:
    events = school.events()
    (*_, keep) = events[-3]
    nids = [e[0] for e in events[-2:]]
    school.tamper(
        f"DELETE FROM {school.table('events')} WHERE {school.nid} IN (?, ?)",
        tuple(nids),
    )
    school.tamper(f"DELETE FROM {school.table('leaves')} WHERE leaf_index > ?", (keep,))
    report = audit(school)
    assert "truncated" in kinds(report)
    assert keep + 1 in positions(report)


def test_a_tail_truncated_with_its_checkpoints_is_found_by_a_trusted_checkpoint(
    school: School,
) -> None:
    _, note = _latest_checkpoint(school)
    (first_size,) = school.query(
        f"SELECT min(tree_size) FROM {school.table('checkpoints')}"
    )[0]
    for table in ("events", "leaves"):
        column = school.nid if table == "events" else "leaf_index"
        limit = (
            school.events()[first_size - 1][0] if table == "events" else first_size - 1
        )
        school.tamper(f"DELETE FROM {school.table(table)} WHERE {column} > ?", (limit,))
    school.tamper(
        f"DELETE FROM {school.table('checkpoints')} WHERE tree_size > ?", (first_size,)
    )
    assert audit(school).ok  # on its own, a shorter log looks whole
    report = audit(school, trusted_checkpoint=note)
    assert {"trusted", "checkpoint"} <= kinds(report)
    assert first_size in positions(report)


def test_a_trusted_checkpoint_from_another_history_is_refused(
    school: School, tmp_path: Path
) -> None:
    size, _ = _latest_checkpoint(school)
    origin = school.ledger.context.origin
    log_key = school.store.key_directory.log_key()
    fork = _forged_note(origin, size, bytes(32), log_key)  # signed by the real key
    report = audit(school, trusted_checkpoint=fork)
    assert "trusted" in kinds(report)
    assert "fork" not in kinds(report)
    stranger = _forged_note(origin, size, bytes(32), SigningKey.generate())
    assert "trusted" in kinds(audit(school, trusted_checkpoint=stranger))


# -- what was verified before, and retention -----------------------------------------


def test_since_checkpoint_skips_old_signatures_but_not_the_tree(
    school: School, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    full = audit(school, state_file=state)
    assert full.ok
    assert state.is_file()
    again = audit(school, state_file=state, since_checkpoint=True)
    assert again.ok
    assert again.checked["signatures"] == 0
    assert again.checked["signatures_skipped"] == full.checked["signatures"]
    nid, *_, state_bytes, leaf = school.events()[6]
    forged = state_bytes.replace("заметка".encode(), "заметкa".encode())
    school.tamper(
        f"UPDATE {school.table('events')} SET state = ? WHERE {school.nid} = ?",
        (forged, nid),
    )
    school.tamper(
        f"UPDATE {school.table('leaves')} SET leaf_hash = ? WHERE leaf_index = ?",
        (merkle.leaf_hash(forged), leaf),
    )
    report = audit(school, state_file=state, since_checkpoint=True)
    assert "recorded" in kinds(report)
    assert "root" in kinds(report)


def test_retention_counts_entries_due_for_disposal(school: School) -> None:
    later = audit(school, now=NOW + timedelta(days=365 * 60))
    rows = {r.name: r for r in later.retention}
    assert rows["trust"].due_for_disposal == 0  # kept as long as the log
    assert all(r.oldest is not None for r in later.retention if r.events)
    assert base64.b64decode(later.to_json()["root"]) == later.root


def test_the_first_entry_must_register_the_trusted_log_key(
    school: School, tmp_path: Path
) -> None:
    other = SigningKey.generate()
    vkey = tmp_path / "other.vkey"
    vkey.write_text(verifier_key(school.ledger.context.origin, other.public_bytes))
    source = open_store(school.store.url)
    report = Verifier(
        log_key=LogKey.from_vkey_file(vkey),
        policy=SigningPolicy.load(TEST_POLICY),
        workers=1,
    ).audit(source)
    source.close()
    assert "anchor" in kinds(report)
    assert 0 in positions(report)
