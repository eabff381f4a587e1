"""The verifier on live SQLite and PostgreSQL stores, intact and tampered with.

A small school writes signed notes (some certified with a director's
co-signature) and seals twice; then an attacker with database rights changes
rows behind the append-only triggers (tests/support/rawsql.py). Each change must turn
the verdict and name the position (leaf index) it concerns.
"""

from __future__ import annotations

import base64
import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import Signing
from ledger.envelope import Envelope, format_time
from ledger.keys.directory import SigningKey
from ledger.keys.services import register_signer, revoke_signer
from ledger.log import Sealer
from ledger.storage.stores import parse_store_url
from tests.support.notes import TEST_POLICY, Note
from tests.support.sealed import NOW, School, audit, build_school, signer_key
from tests.support.stores import Store
from verify import merkle
from verify.__main__ import main as verify_main
from verify.anchor import LogKey
from verify.note import checkpoint_body, signed_note, verifier_key
from verify.policy import SigningPolicy
from verify.report import LogIntegrityError, Report
from verify.sources import open_store
from verify.verifier import Verifier

pytestmark = pytest.mark.signing_policy(TEST_POLICY)


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


@pytest.mark.parametrize("gap", [False, True], ids=["contiguous", "gap"])
def test_the_survey_chunks_the_log_where_counting_its_ids_does(
    school: School, gap: bool
) -> None:
    """Contiguous ids are chunked by arithmetic, ids with a gap by counting
    them in the store: either way a chunk starts at every 4th id."""
    if gap:
        nid = school.events()[4][0]
        school.tamper(
            f"DELETE FROM {school.table('events')} WHERE {school.nid} = ?", (nid,)
        )
    source = open_store(school.store.url)
    try:
        survey = source.survey(4)
    finally:
        source.close()
    ids = sorted(int(row[0]) for row in school.events())
    assert [c.lo for c in survey.chunks] == ids[::4]  # every 4th id starts one
    assert [c.start for c in survey.chunks] == list(range(0, len(ids), 4))
    assert survey.chunks[-1].hi == ids[-1] + 1
    assert survey.entries == len(ids)


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
    expired = signer_key(
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


# -- a revocation counts where it stands in the log (issue 11) -------------------------


def test_a_backdated_entry_appended_after_a_compromise_revocation_is_named(
    school: School,
) -> None:
    """The attacker holds a stolen key and insert rights on the events table: an
    entry dated before the compromise but appended after its revocation must
    not pass, with or without a trusted checkpoint."""
    stolen = school.teacher
    before = datetime.now(UTC)
    revoke_signer(
        school.ledger,
        school.store.key_directory.log_key(),
        stolen.key_id,
        revoked_at=before,
        compromised_at=before,
        reason="ноутбук украден",
    )
    Sealer(school.ledger).seal()
    _, note = _latest_checkpoint(school)
    assert audit(school, trusted_checkpoint=note).ok  # nothing signed after `before`
    stream, state = _forge(school, stolen, at=before - timedelta(minutes=5))
    leaf = _append_forged(school, stream, state)
    for report in (audit(school), audit(school, trusted_checkpoint=note)):
        named = [f for f in report.findings if f.event == f"{stream}:1"]
        assert [(f.kind, f.position) for f in named] == [("window", leaf)]
        assert "appended after it" in named[0].detail


def test_a_key_used_before_its_registration_is_named(school: School) -> None:
    """An entry inserted before the key's registration, dated inside the window
    the registration will name, is signed by a key the log did not know yet."""
    early = SigningKey.generate()
    stream, state = _forge(school, early, at=NOW)
    leaf = _append_forged(school, stream, state)
    register_signer(
        school.ledger,
        school.store.key_directory.log_key(),
        public_key=early.public_bytes,
        holder="учитель, зарегистрирован позже",
        roles=("teacher",),
        valid_from=NOW - timedelta(days=1),
    )
    report = audit(school)
    about = [f for f in report.findings if f.event == f"{stream}:1"]
    assert [(f.kind, f.position) for f in about] == [("key", leaf)]
    # (NOW is when the test modules were imported: on a slow run the forged
    # entry is also past the sealing delay, a finding of its own about the tail)
    assert "signs before its registration" in about[0].detail


# -- entries no checkpoint covers (issue 11) -------------------------------------------


def test_entries_beyond_the_latest_checkpoint_past_the_seal_delay_are_a_finding(
    school: School,
) -> None:
    (first,) = school.query(
        f"SELECT min(tree_size) FROM {school.table('checkpoints')}"
    )[0]
    entries = len(school.events())
    later = NOW + timedelta(hours=1)
    assert audit(school, now=later).ok  # everything is covered
    school.tamper(
        f"DELETE FROM {school.table('checkpoints')} WHERE tree_size > ?", (first,)
    )
    assert audit(school).ok  # young entries may still wait for their seal
    report = audit(school, now=later)
    assert [(f.kind, f.position) for f in report.findings] == [("unsealed", first)]
    detail = report.findings[0].detail
    assert f"{entries - first} entries (log order {first} to {entries - 1})" in detail
    assert f"(size {first})" in detail
    assert audit(school, now=later, seal_delay=timedelta(hours=2)).ok


def test_an_entry_the_sealer_never_reached_is_a_finding_once_overdue(
    school: School,
) -> None:
    school.ledger.save(
        Note.write(uuid4(), "не запечатано"), signed_by=Signing(school.teacher)
    )
    entries = len(school.events()) + 1  # the new entry has no leaf yet
    assert audit(school).ok
    report = audit(school, now=NOW + timedelta(hours=1))
    assert [(f.kind, f.position) for f in report.findings] == [
        ("unsealed", entries - 1)
    ]


# -- findings by severity, capped per kind (issue 11) ----------------------------------


def test_the_history_finding_leads_and_is_not_cut_among_a_thousand_window_findings(
    store: Store,
) -> None:
    """A legitimate compromise revocation voids 1,005 signatures (each a
    finding, as it should be); a trusted checkpoint from another history must
    still be the first finding, not one of those cut."""
    app = store.open()
    log_key = store.key_directory.log_key()
    teacher = signer_key(app, store, ("teacher",))
    for batch in range(5):
        notes = [Note.write(uuid4(), f"заметка {batch}-{i}") for i in range(201)]
        app.save(*notes, signed_by=Signing(teacher))
    revoke_signer(
        app,
        log_key,
        teacher.key_id,
        revoked_at=datetime.now(UTC),
        compromised_at=NOW - timedelta(hours=1),
        reason="ключ скомпрометирован",
    )
    checkpoint = Sealer(app).seal()
    assert checkpoint is not None
    origin = app.context.origin
    fork = _forged_note(origin, checkpoint.size, bytes(32), log_key)
    source = open_store(store.url)
    try:
        report = Verifier(
            log_key=LogKey.from_key_directory(store.keys),
            policy=SigningPolicy.load(TEST_POLICY),
            trusted_checkpoint=fork,
            workers=1,
        ).audit(source)
    finally:
        source.close()
    assert report.findings[0].kind == "trusted"
    assert report.findings_by_kind == {"trusted": 1, "window": 1005}
    assert [f.kind for f in report.findings[1:]] == ["window"] * 1000
    assert report.findings_omitted == 5
    shown = report.to_json()
    assert shown["findings"][0]["kind"] == "trusted"
    assert shown["findings_by_kind"] == {"trusted": 1, "window": 1005}
    text = report.text()
    assert "findings by kind: trusted 1, window 1005" in text
    assert text.index("[trusted]") < text.index("[window]")


# -- a dropped log table is tampering, not a new store (issue 11) ----------------------


def _drop(school: School, *names: str) -> None:
    for name in names:
        if school.sqlite:
            connection = sqlite3.connect(parse_store_url(school.store.url).sqlite_path)
            try:
                connection.execute(f"DROP TABLE {school.table(name)}")
                connection.commit()
            finally:
                connection.close()
        else:
            with psycopg.connect(school.store.admin_url, autocommit=True) as c:
                c.execute(f"DROP TABLE {school.table(name)} CASCADE")


def _verify_cli(school: School, *extra: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    code = verify_main(
        [
            "--store",
            school.store.url,
            "--keys",
            str(school.store.keys),
            "--policy",
            str(TEST_POLICY),
            "--state",
            str(school.store.keys.parent / "verify-state.json"),
            "--workers",
            "1",
            "--json",
            *extra,
        ],
        out=out,
    )
    return code, json.loads(out.getvalue())


def test_dropped_log_tables_are_a_finding_with_exit_1(school: School) -> None:
    _drop(school, "leaves", "nodes", "checkpoints")
    code, shown = _verify_cli(school)
    assert code == 1
    assert shown["ok"] is False
    assert {f["kind"] for f in shown["findings"][:3]} == {"tables"}
    assert shown["findings_by_kind"]["tables"] == 3
    assert all("letopis init" in f["detail"] for f in shown["findings"][:3])


def test_a_store_without_any_letopis_table_is_bad_usage_with_exit_2(
    school: School,
) -> None:
    _drop(school, "events", "leaves", "nodes", "checkpoints")
    code, shown = _verify_cli(school)
    assert code == 2
    assert shown["ok"] is False
    assert "not a Letopis store" in shown["error"]


# -- the trusted checkpoint as typed by hand (issue 11) --------------------------------


def test_a_malformed_trusted_checkpoint_still_prints_json_and_exits_2(
    school: School, tmp_path: Path
) -> None:
    _, note = _latest_checkpoint(school)
    lines = note.split("\n")
    for size in ("¹", "١٠٩١٣٠", "0" + lines[1]):
        typed = tmp_path / "typed.txt"
        typed.write_text("\n".join([lines[0], size, *lines[2:]]), encoding="utf-8")
        code, shown = _verify_cli(school, "--trusted-checkpoint", str(typed))
        assert (code, shown["ok"]) == (2, False), size
        assert "ASCII decimal digits" in shown["error"]


def test_a_trusted_checkpoint_without_its_final_newline_is_read_and_said_so(
    school: School, tmp_path: Path
) -> None:
    _, note = _latest_checkpoint(school)
    typed = tmp_path / "typed.txt"
    typed.write_text(note.rstrip("\n"), encoding="utf-8")
    code, shown = _verify_cli(school, "--trusted-checkpoint", str(typed))
    assert code == 0, shown["findings"]
    assert any("lacks its final newline" in n for n in shown["notes"])
    stored = tmp_path / "stored.txt"
    stored.write_text(note, encoding="utf-8")
    _, again = _verify_cli(school, "--trusted-checkpoint", str(stored))
    assert not any("final newline" in n for n in again["notes"])
