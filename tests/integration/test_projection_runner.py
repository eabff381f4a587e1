"""The projection runner on SQLite and PostgreSQL: every event applied exactly
once, in order, in batches; resumable; a rebuild gives what increments gave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import DomainEventProtocol
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import LedgerApplication, Signing
from ledger.keys.directory import SigningKey
from ledger.keys.services import register_signer
from ledger.storage.sql import Transaction
from projections.runner import ProjectionConflictError, ProjectionRunner, Recorded
from tests.support.notes import TEST_POLICY, Note
from tests.support.stores import Store

pytestmark = pytest.mark.signing_policy(TEST_POLICY)


class NotesView:
    """Notes and how often each event reached the view (to prove exactly once)."""

    name = "notes"
    tables: tuple[str, ...] = ("view_notes", "view_applied")

    def __init__(self, fail_at: int | None = None) -> None:
        self.fail_at = fail_at

    def create(self, tx: Transaction) -> None:
        tx.execute(
            "CREATE TABLE IF NOT EXISTS {view_notes} (stream TEXT PRIMARY KEY, "
            "text TEXT NOT NULL, certified INTEGER NOT NULL, position BIGINT NOT NULL)"
        )
        tx.execute(
            "CREATE TABLE IF NOT EXISTS {view_applied} (position BIGINT PRIMARY KEY, "
            "times INTEGER NOT NULL, event TEXT NOT NULL, author TEXT NOT NULL)"
        )

    def apply(
        self, tx: Transaction, event: DomainEventProtocol[UUID], recorded: Recorded
    ) -> None:
        if self.fail_at is not None and recorded.position == self.fail_at:
            msg = "the view crashed"
            raise RuntimeError(msg)
        tx.execute(
            "INSERT INTO {view_applied} (position, times, event, author) "
            "VALUES (?, 1, ?, ?)",
            (recorded.position, recorded.name, recorded.author),
        )
        if isinstance(event, Note.Written):
            tx.execute(
                "INSERT INTO {view_notes} (stream, text, certified, position) "
                "VALUES (?, ?, 0, ?)",
                (str(recorded.stream), event.text, recorded.position),
            )
        elif isinstance(event, Note.Certified):
            tx.execute(
                "UPDATE {view_notes} SET certified = 1, position = ? WHERE stream = ?",
                (recorded.position, str(recorded.stream)),
            )


def _dump(runner: ProjectionRunner) -> list[list[tuple[Any, ...]]]:
    return [
        [
            tuple(r.values()) if isinstance(r, dict) else tuple(r)
            for r in runner.store.query(f"SELECT * FROM {{{t}}} ORDER BY 1")
        ]
        for t in NotesView.tables
    ]


class Writer:
    """Writes notes and certifications with registered keys."""

    def __init__(self, ledger: LedgerApplication, store: Store) -> None:
        self.ledger = ledger
        seal = store.key_directory.log_key()
        self.keys = {}
        for role in ("teacher", "class_teacher", "director"):
            key = SigningKey.generate()
            register_signer(
                ledger,
                seal,
                public_key=key.public_bytes,
                holder=role,
                roles=(role,),
                valid_from=datetime.now(UTC) - timedelta(days=1),
            )
            self.keys[role] = key
        self.notes: list[UUID] = []

    def write(self, n: int) -> None:
        notes = [Note.write(uuid4(), f"note {len(self.notes) + i}") for i in range(n)]
        self.ledger.save(*notes, signed_by=Signing(self.keys["teacher"]))
        self.notes.extend(note.id for note in notes)

    def certify(self, index: int) -> None:
        note: Note = self.ledger.repository.get(self.notes[index % len(self.notes)])
        if note.certified:
            return
        note.certify("checked")
        signing = Signing(self.keys["class_teacher"], (self.keys["director"],))
        self.ledger.save(note, signed_by=signing)


def _events(ledger: LedgerApplication) -> int:
    return ledger.recorder.max_notification_id() or 0


def test_runner_applies_every_event_once_in_batches(store: Store) -> None:
    ledger = store.open()
    writer = Writer(ledger, store)
    writer.write(25)
    writer.certify(3)
    runner = ProjectionRunner(ledger, [NotesView()], batch=7)
    assert runner.run() == len(ledger.recorder.select_notifications(start=1, limit=99))
    notes, applied = _dump(runner)
    assert len(notes) == 25
    assert sum(row[2] for row in notes) == 1
    assert {row[1] for row in applied} == {1}
    assert runner.position() == _events(ledger)


def test_a_restarted_runner_resumes_after_the_last_batch(store: Store) -> None:
    ledger = store.open()
    Writer(ledger, store).write(10)
    first = ProjectionRunner(ledger, [NotesView()], batch=4)
    assert first.run_batch() == 4
    again = ProjectionRunner(store.open(), [NotesView()], batch=4)
    assert again.position() == first.position()
    again.run()
    _, applied = _dump(again)
    assert [row[0] for row in applied] == sorted({row[0] for row in applied})
    assert {row[1] for row in applied} == {1}
    assert len(applied) == len(ledger.recorder.select_notifications(start=1, limit=99))


def test_a_crash_mid_batch_applies_nothing_of_that_batch(store: Store) -> None:
    ledger = store.open()
    Writer(ledger, store).write(10)
    crash_at = 8
    crashing = ProjectionRunner(ledger, [NotesView(fail_at=crash_at)], batch=5)
    assert crashing.run_batch() == 5
    before = _dump(crashing)
    with pytest.raises(RuntimeError, match="crashed"):
        crashing.run_batch()
    assert crashing.position() == 5
    assert _dump(crashing) == before
    healthy = ProjectionRunner(ledger, [NotesView()], batch=5)
    healthy.run()
    _, applied = _dump(healthy)
    notifications = ledger.recorder.select_notifications(start=1, limit=99)
    assert [row[0] for row in applied] == [n.id for n in notifications]
    assert {row[1] for row in applied} == {1}


@pytest.mark.parametrize("stale", [0, 3])
def test_a_runner_behind_the_tracked_position_applies_nothing(
    store: Store, stale: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = store.open()
    Writer(ledger, store).write(6)
    ahead = ProjectionRunner(ledger, [NotesView()], batch=3)
    ahead.run_batch()
    ahead.run_batch()
    before = _dump(ahead)
    behind = ProjectionRunner(store.open(), [NotesView()], batch=3)
    monkeypatch.setattr(behind, "position", lambda: stale)
    with pytest.raises(ProjectionConflictError):
        behind.run_batch()
    assert _dump(ahead) == before
    assert {row[1] for row in before[1]} == {1}


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    steps=st.lists(
        st.one_of(
            st.integers(min_value=1, max_value=6).map(lambda n: ("write", n)),
            st.integers(min_value=0, max_value=50).map(lambda i: ("certify", i)),
            st.integers(min_value=1, max_value=9).map(lambda b: ("run", b)),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_incremental_runs_equal_a_full_rebuild(
    store: Store, steps: list[tuple[str, int]]
) -> None:
    ledger = store.open()
    writer = Writer(ledger, store)
    runner = ProjectionRunner(ledger, [NotesView()], name=f"r{uuid4().hex[:8]}")
    runner.rebuild()
    for action, value in steps:
        if action == "write":
            writer.write(value)
        elif action == "certify" and writer.notes:
            writer.certify(value)
        elif action == "run":
            runner.batch = value
            runner.run_batch()
    runner.run()
    incremental = _dump(runner)
    runner.rebuild()
    assert _dump(runner) == incremental
