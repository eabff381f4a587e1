"""The domain's own saves (lesson sheets) beside the signed append inside them.

A teacher's lessons with their marks go through ``JournalService.record_lessons``
(``ledger/records/journal.py``): every rule of the journal (the teacher teaches
that class and subject that day, the pupils are in the class, the marks are on
the scale, a school day, an open period), then one signed save. The small
school of the tests (``tests/support/school.py``: 9А with three pupils) records
``LESSONS_PER_SAVE`` lessons of mathematics per call, each with a mark for
every pupil: 4 events a lesson, 100 events a save.

Timed: the whole ``record_lessons`` call (rules and save), and inside it the
application's ``save`` of the same events (signing, checking, inserting),
measured by wrapping that method. The ratio save ÷ whole is how close the
domain's saves come to signed appends of the same events (target ≥ 0.8).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

from rich.console import Console
from rich.table import Table

from ledger.records.journal import LessonInput, MarkInput
from ledger.storage.init import initialise
from tests.support import pg
from tests.support.school import HOLIDAYS, WORK, SmallSchool, build
from tests.support.stores import ORIGIN, PASSPHRASE, Store

LESSONS_PER_SAVE = 25
LESSONS_PER_DAY = 6
SAVES = 4
WARMUP_SAVES = 1
REPEATS = 3
TARGET_RATIO = 0.8
FIRST_DAY = date(2024, 9, 2)
MARKS = ("5", "4", "3")


@dataclass
class Timings:
    """Seconds of whole domain calls and of the signed saves inside them."""

    events: int = 0
    whole: list[float] = field(default_factory=list)
    saving: list[float] = field(default_factory=list)

    def best(self) -> tuple[float, float]:
        """(whole, save) seconds of the fastest repeat."""
        return min(zip(self.whole, self.saving, strict=True))

    @property
    def ratio(self) -> float:
        whole, saving = self.best()
        return saving / whole


class LessonSheets:
    """Records lessons of 9А's mathematics, day after school day."""

    def __init__(self, school: SmallSchool) -> None:
        self.school = school
        self.day = FIRST_DAY
        self.number = 0
        self.saved_seconds = 0.0
        app: Any = school.app
        save: Callable[..., Any] = app.save

        def timed_save(*args: Any, **kwargs: Any) -> Any:
            start = perf_counter()
            try:
                return save(*args, **kwargs)
            finally:
                self.saved_seconds += perf_counter() - start

        app.save = timed_save  # the instance's save, timed; the class's runs

    def _next_slot(self) -> tuple[date, int]:
        """The next lesson: up to ``LESSONS_PER_DAY`` a day, on school days."""
        self.number += 1
        if self.number > LESSONS_PER_DAY:
            self.number = 1
            self.day += timedelta(days=1)
            while not _school_day(self.day):
                self.day += timedelta(days=1)
        return self.day, self.number

    def lessons(self, count: int) -> list[LessonInput]:
        s = self.school
        out = []
        for _ in range(count):
            day, number = self._next_slot()
            out.append(
                LessonInput(
                    class_id=s.klass("9А"),
                    subject="math",
                    day=day,
                    topic="Квадратные уравнения",
                    number=number,
                    marks=tuple(
                        MarkInput(pupil, MARKS[i % 3], WORK)
                        for i, pupil in enumerate(s.pupils)
                    ),
                )
            )
        return out

    def run(self, saves: int) -> tuple[float, float]:
        """(whole seconds, seconds inside the signed save) for ``saves`` calls."""
        whole = 0.0
        self.saved_seconds = 0.0
        journal = self.school.records.journal
        signing = self.school.signing("maths")
        for _ in range(saves):
            lessons = self.lessons(LESSONS_PER_SAVE)
            start = perf_counter()
            journal.record_lessons(lessons, signed_by=signing)
            whole += perf_counter() - start
        return whole, self.saved_seconds


def _school_day(day: date) -> bool:
    return day.weekday() < 5 and not any(h.starts <= day <= h.ends for h in HOLIDAYS)


def measure(store: Store) -> Timings:
    school = build(store, verify_on_read=False)
    school.clock.set(date(2025, 5, 30))  # every lesson recorded is in the past
    sheets = LessonSheets(school)
    sheets.run(WARMUP_SAVES)
    timings = Timings(events=SAVES * LESSONS_PER_SAVE * (1 + len(school.pupils)))
    for _ in range(REPEATS):
        whole, saving = sheets.run(SAVES)
        timings.whole.append(whole)
        timings.saving.append(saving)
    return timings


def _sqlite_store(root: Path) -> Store:
    url = f"sqlite:///{root / 'letopis.db'}"
    done = initialise(url, root / "keys", origin=ORIGIN, passphrase=PASSPHRASE)
    return Store("sqlite", done.app_url, root / "keys", url)


def _stores(stack: ExitStack, console: Console) -> Iterator[Store]:
    root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="journal-")))
    yield _sqlite_store(root / "sqlite")
    reason = pg.unreachable_reason(pg.BENCH_SERVER)
    if reason is not None:
        console.print(f"[bold red]PostgreSQL SKIPPED:[/] {reason}")
        return
    db = stack.enter_context(pg.throwaway_database("letopis_journal", pg.BENCH_SERVER))
    done = initialise(
        db.admin_url,
        root / "pg-keys",
        origin=ORIGIN,
        passphrase=PASSPHRASE,
        **db.roles(),
    )
    yield Store("postgres", done.app_url, root / "pg-keys", db.admin_url)


def table(rows: list[tuple[str, Timings]]) -> Table:
    out = Table(title="Lesson sheets through the journal vs their signed saves")
    out.add_column("store", no_wrap=True)
    for name in ("events", "domain ev/s", "save ev/s", "domain/save", "≥ 0.8×"):
        out.add_column(name, justify="right", no_wrap=True)
    for kind, t in rows:
        whole, saving = t.best()
        out.add_row(
            kind,
            f"{t.events:,}",
            f"{t.events / whole:,.0f}",
            f"{t.events / saving:,.0f}",
            f"{t.ratio:.2f}×",
            "[green]met[/]" if t.ratio >= TARGET_RATIO else "[red]missed[/]",
        )
    return out


def run(console: Console) -> None:
    rows = []
    with ExitStack() as stack:
        for store in _stores(stack, console):
            console.print(f"{store.kind}: recording lesson sheets …")
            try:
                rows.append((store.kind, measure(store)))
            finally:
                store.close_all()
    console.print(table(rows))
    console.print(
        f"{LESSONS_PER_SAVE} lessons × (1 + 3 marks) = 100 events per call; best of "
        f"{REPEATS} runs of {SAVES} calls after {WARMUP_SAVES} warm-up. domain: the "
        "whole record_lessons call; save: the application's signed save inside it."
    )
