"""The records view on SQLite and PostgreSQL: every event applied exactly once,
in order, also across a crash mid-batch; incremental runs in random batches give
byte-identical reports to a full rebuild (hypothesis)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.log import Sealer
from ledger.records.journal import MarkInput
from ledger.storage.records_view import FOLLOWED
from ledger.storage.sql import Transaction
from ledger.storage.stores import parse_store_url
from projections.owned import OwnerViewsError
from projections.reports import AsOf, Reports
from projections.runner import Fact, ProjectionConflictError, ProjectionRunner
from projections.views import TABLES, RecordsView
from tests.support.marked import lesson_on, marked_school
from tests.support.rawsql import view_table
from tests.support.school import TEST, WORK, SmallSchool
from tests.support.stores import Store


class CrashingView(RecordsView):
    """Inserts its rows, then crashes when the batch holds position ``fail_at``."""

    def __init__(self, fail_at: int) -> None:
        self.fail_at = fail_at

    def apply_batch(self, tx: Transaction, facts: Sequence[Fact]) -> None:
        super().apply_batch(tx, facts)
        if any(f.position == self.fail_at for f in facts):
            msg = "the view crashed"
            raise RuntimeError(msg)


@contextmanager
def crashing_after(store: Store, app: Any, position: int) -> Iterator[ProjectionRunner]:
    """A runner of the records view that crashes at the first row it writes
    after ``position``. SQLite: the runner's own view raises; PostgreSQL: the
    owner's function writes the rows, so a trigger the superuser adds to every
    view table raises inside it (and is dropped afterwards)."""
    if not parse_store_url(store.url).is_postgres:
        yield ProjectionRunner(app, [CrashingView(position + 1)], name="r", batch=20)
        return
    schema = view_table(store.url, "view_school").split(".")[0]
    with psycopg.connect(store.admin_url, autocommit=True) as c:
        c.execute(
            f"CREATE FUNCTION {schema}.crash() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN IF NEW.position > {position} THEN RAISE EXCEPTION "
            "'the view crashed'; END IF; RETURN NEW; END $$"
        )
        for table in TABLES:
            c.execute(
                f"CREATE TRIGGER crash BEFORE INSERT ON {view_table(store.url, table)} "
                f"FOR EACH ROW EXECUTE FUNCTION {schema}.crash()"
            )
    try:
        yield ProjectionRunner(app, [RecordsView()], name="r", batch=20)
    finally:
        with psycopg.connect(store.admin_url, autocommit=True) as c:
            c.execute(f"DROP FUNCTION {schema}.crash() CASCADE")


def dump(runner: ProjectionRunner) -> list[list[tuple[Any, ...]]]:
    return [
        [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in rows]
        for rows in (
            runner.store.query(f"SELECT * FROM {{{t}}} ORDER BY position")
            for t in TABLES
        )
    ]


def followed_positions(runner: ProjectionRunner) -> list[int]:
    notifications = runner.app.recorder.select_notifications(start=1, limit=10_000)
    return [n.id for n in notifications if n.topic in FOLLOWED]


def test_a_crash_mid_batch_leaves_nothing_and_a_restart_applies_each_event_once(
    store: Store,
) -> None:
    app = marked_school(store).s.app
    probe = ProjectionRunner(app, [], name="probe")
    positions = followed_positions(probe)
    first_batch = before_position(app, 20)
    with crashing_after(store, app, first_batch) as crashing:
        assert crashing.run_batch() == 20
        before = dump(crashing)
        with pytest.raises((RuntimeError, OwnerViewsError), match="crashed"):
            crashing.run_batch()
        assert crashing.position() == first_batch
        assert dump(crashing) == before
    healthy = ProjectionRunner(app, [RecordsView()], name="r", batch=20)
    healthy.run()
    applied = sorted(row[0] for table in dump(healthy) for row in table)
    assert applied == positions
    incremental = dump(healthy)
    healthy.rebuild()
    assert dump(healthy) == incremental


@dataclass
class World:
    """One school per store, shared by the examples of the property below."""

    school: SmallSchool
    sealed: int  # the marked school's tree size: every class report exists there
    day: date = date(2024, 9, 2)
    marks: dict[str, tuple[str, bool]] = field(default_factory=dict)  # value, voided

    def next_day(self) -> date:
        self.day += timedelta(days=1)
        while self.day.weekday() >= 5 or self.day in MARKED_DAYS:
            self.day += timedelta(days=1)
        return self.day


_worlds: dict[str, World] = {}
MARKED_DAYS = (date(2024, 10, 1), date(2024, 10, 2), date(2024, 10, 3))
MARKS = ("5", "4", "3", "2")
Step = tuple[str, int, str]
steps_strategy = st.lists(
    st.one_of(
        st.tuples(st.just("lesson"), st.integers(0, 2), st.sampled_from(MARKS)),
        st.tuples(st.just("correct"), st.integers(0, 99), st.sampled_from(MARKS)),
        st.tuples(st.just("void"), st.integers(0, 99), st.just("")),
        st.tuples(st.just("run"), st.integers(1, 9), st.just("")),
        st.tuples(st.just("seal"), st.just(0), st.just("")),
    ),
    min_size=1,
    max_size=6,
)


def _act(world: World, runner: ProjectionRunner, step: Step) -> None:
    s, (action, n, mark) = world.school, step
    live = [name for name, (_, voided) in world.marks.items() if not voided]
    if action == "lesson":
        work = WORK if n else TEST
        stream = lesson_on(s, world.next_day(), MarkInput(s.pupils[n], mark, work))
        world.marks[f"{stream}:2"] = (mark, False)
    elif action == "correct" and live:
        name = live[n % len(live)]
        if world.marks[name][0] != mark:
            s.records.journal.correct_mark(
                name, mark=mark, reason="описка", signed_by=s.signing("maths")
            )
            world.marks[name] = (mark, False)
    elif action == "void" and live:
        name = live[n % len(live)]
        s.records.journal.void_entry(
            name, reason="ошибочно", signed_by=s.signing("maths")
        )
        world.marks[name] = (world.marks[name][0], True)
    elif action == "run":
        runner.batch = n
        runner.run_batch()
    elif action == "seal":
        Sealer(s.app).seal()


def _reports(world: World, as_of: AsOf | None) -> list[bytes]:
    reports = Reports(world.school.app, as_of)
    klass = {"class": "9А"}
    asked = [
        ("journal", {**klass, "subject": "math", "period": "Q1"}),
        ("journal", {**klass, "subject": "math", "period": "Q2"}),
        ("summary", klass),
        ("diary", {"pupil": "И-1"}),
        ("diary", {"pupil": "С-1"}),
        ("personal-file", {"pupil": "К-1"}),
    ]
    return [reports.render(name, params, "json").body for name, params in asked]


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=steps_strategy, earlier=st.integers(1, 40))
def test_incremental_runs_give_the_reports_a_rebuild_gives(
    store: Store, steps: list[Step], earlier: int
) -> None:
    world = _worlds.get(store.url)
    if world is None:
        marked = marked_school(store)
        world = _worlds[store.url] = World(marked.s, marked.after_grades)
    runner = ProjectionRunner(world.school.app, [RecordsView()], name="records")
    for step in steps:
        _act(world, runner, step)
    latest = Sealer(world.school.app).seal()
    size = int(latest.note.splitlines()[1])
    points = [
        None,
        AsOf(tree_size=max(world.sealed, size - earlier)),
        AsOf(date=max(world.day, date(2024, 10, 28))),
    ]
    incremental = [_reports(world, p) for p in points]
    runner.rebuild()
    assert [_reports(world, p) for p in points] == incremental


def _indexes(runner: ProjectionRunner, kind: str) -> set[str]:
    if kind == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE ?"
    else:
        sql = "SELECT indexname AS name FROM pg_indexes WHERE indexname LIKE ?"
    return {row["name"] for row in runner.store.query(sql, ("view_%",))}


def test_a_rebuild_swaps_in_whole_views_with_their_indexes(store: Store) -> None:
    app = marked_school(store).s.app
    runner = ProjectionRunner(app, [RecordsView()], name="records")
    declared = {
        "_".join([table, *columns.replace(",", " ").split()])
        for table, column_lists in RecordsView.indexes.items()
        for columns in column_lists
    }
    assert _indexes(runner, store.kind) == declared
    seen: list[set[str]] = []
    runner.rebuild(progress=lambda _: seen.append(_indexes(runner, store.kind)))
    # one transaction: until it commits, readers see the old views, indexed
    assert seen == [declared]
    assert _indexes(runner, store.kind) == declared


@pytest.mark.parametrize("stale", [0, 20])
def test_a_runner_behind_the_view_applies_nothing(
    store: Store, stale: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = marked_school(store).s.app
    ahead = ProjectionRunner(app, [RecordsView()], name="records", batch=20)
    ahead.run_batch()
    ahead.run_batch()
    before = dump(ahead)
    behind = ProjectionRunner(app, [RecordsView()], name="records", batch=20)
    monkeypatch.setattr(behind, "position", lambda: stale)
    with pytest.raises(ProjectionConflictError):
        behind.run_batch()
    assert dump(ahead) == before
    assert ahead.position() == before_position(app, 40)


def before_position(app: Any, events: int) -> int:
    """The notification id of the ``events``-th event (ids may have gaps)."""
    return int(app.recorder.select_notifications(start=1, limit=events)[-1].id)
