"""Imports from spreadsheets beside plain signed appends of the same events.

One run, on SQLite, two stores with the same small school
(``tests/support/school.py``) grown to a school of ~1,100 pupils:

- **onboarding**: staff, 32 classes, 1,100 pupils and the teaching assignments
  imported from XLSX files (``api.imports.run_import``: read, check every row,
  then the services' signed saves), beside the same inputs given straight to
  the same services on the second store (no file, no row checks);
- **marks**: a year of a subject's journal in every class (about 400,000
  marks in ~12,000 lessons) imported from one XLSX file (reading, checking
  every row, then ``journal.record_lessons`` 200 lessons a save), beside
  ``LedgerApplication.save`` of the same ``Lesson`` aggregates, 200 a save,
  on the second store, timing the saves alone.

Figures are events per second, the import's share of the plain appends
(target: at least 0.8), and the resident memory at a tenth and at the end of
each pass (flat when nothing is kept per row). Nothing is asserted (STYLE §10).

``python -m bench imports`` runs the full size; ``python -m bench.imports 0.05``
(or ``LETOPIS_BENCH_IMPORT_SCALE=0.05``) a twentieth of it for a quick look.
The machine may be shared: compare the two columns of one run, not runs.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from time import perf_counter
from typing import Any
from uuid import UUID

from openpyxl import Workbook
from rich.console import Console
from rich.table import Table

from api.imports import KINDS, run_import
from ledger.domain.journal import Lesson
from ledger.domain.people import PersonalFile
from ledger.records.people import EnrolmentInput, Identity
from ledger.records.setup import TeachingInput
from tests.support.school import ENDS, STARTS, WORK, YEAR, SmallSchool, build
from tests.support.stores import Store, sqlite_store

LETTERS = "ВГДЕ"
GRADES = range(2, 10)  # maths is marked in grades 2–9 of the small school
SURNAME_LETTERS = "АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ"


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Watch:
    """Time and resident memory of one pass (sampled as it reports progress)."""

    def __init__(self, total: int) -> None:
        self.total, self.done = max(total, 1), 0
        self.early = self.peak = rss_mb()
        self.started = perf_counter()
        self.seconds = self.checked = 0.0

    def check_done(self, _: int) -> None:
        """The import's rows are checked: its appends begin."""
        self.checked = perf_counter() - self.started

    def tick(self, n: int) -> None:
        self.done += n
        now = rss_mb()
        self.peak = max(self.peak, now)
        if self.done <= self.total // 10:
            self.early = now

    def stop(self) -> None:
        self.seconds = perf_counter() - self.started
        self.tick(0)


def xlsx(path: Path, kind: str, rows: Any) -> Path:
    """A write-only workbook (streamed) with the kind's header and ``rows``."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(KINDS[kind].title)
    sheet.append([c.header for c in KINDS[kind].columns])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def school_plan(scale: float) -> dict[str, Any]:
    classes = [f"{g}{letter}" for g in GRADES for letter in LETTERS]
    pupils = max(len(classes), int(1100 * scale))
    return {"classes": classes, "pupils": pupils, "marks": int(400_000 * scale)}


def pupil_rows(plan: dict[str, Any]) -> list[list[Any]]:
    classes = plan["classes"]
    return [
        [
            f"{SURNAME_LETTERS[n % len(SURNAME_LETTERS)]}ов{n}", "Иван", "Петрович",
            date(2010, 1, 1 + n % 28), "М", "", "Россия",
            classes[n % len(classes)], date(2024, 9, 1), "№ 1-у от 30.08.2024",
        ]
        for n in range(plan["pupils"])
    ]  # fmt: skip


def staff_rows(plan: dict[str, Any]) -> list[list[str]]:
    return [[f"Т-{i}", "учитель", f"Учитель {i}"] for i in range(len(plan["classes"]))]


def onboard_by_import(s: SmallSchool, plan: dict[str, Any], folder: Path) -> Watch:
    files = {
        "staff": xlsx(folder / "staff.xlsx", "staff", staff_rows(plan)),
        "classes": xlsx(
            folder / "classes.xlsx", "classes",
            [[c, f"Т-{i}"] for i, c in enumerate(plan["classes"])],
        ),
        "pupils": xlsx(folder / "pupils.xlsx", "pupils", pupil_rows(plan)),
        "teaching": xlsx(
            folder / "teaching.xlsx", "teaching",
            [[c, "math", "maths", STARTS, None, None] for c in plan["classes"]],
        ),
    }  # fmt: skip
    signer = {"staff": "secretary", "classes": "deputy", "pupils": "secretary"}
    watch = Watch(sum(len(v) for v in (plan["classes"],) * 3) + plan["pupils"])
    for kind, path in files.items():
        run_import(
            kind, path, s.records, s.signing(signer.get(kind, "deputy")),
            year=YEAR, progress=watch.tick,
        )  # fmt: skip
    watch.stop()
    return watch


def onboard_by_services(s: SmallSchool, plan: dict[str, Any]) -> Watch:
    r, classes = s.records, plan["classes"]
    watch = Watch(len(classes) * 3 + plan["pupils"])
    r.setup.register_staff(
        [tuple(row) for row in staff_rows(plan)],  # type: ignore[misc]
        signed_by=s.signing("secretary"),
    )
    r.setup.open_classes(
        YEAR,
        [(int(c[:-1]), c[-1], s.staff(f"Т-{i}")) for i, c in enumerate(classes)],
        signed_by=s.signing("deputy"),
    )
    rows = pupil_rows(plan)
    for i in range(0, len(rows), 200):
        r.people.enrol(
            [
                EnrolmentInput(
                    Identity(p[0], p[1], p[2], p[3], sex=p[4], citizenship=p[6]),
                    s.klass(p[7]), p[8], p[9],
                )
                for p in rows[i : i + 200]
            ],
            signed_by=s.signing("secretary"),
        )  # fmt: skip
    r.setup.assign_teaching(
        [TeachingInput(s.klass(c), "math", s.staff("maths"), STARTS) for c in classes],
        signed_by=s.signing("deputy"),
    )
    watch.stop()
    return watch


def rosters(s: SmallSchool, classes: list[str]) -> dict[str, list[PersonalFile]]:
    """Each class's pupils' files (walked as the import's look-ups walk them)."""
    from api.imports.lookups import Lookup

    found: dict[str, list[PersonalFile]] = {c: [] for c in classes}
    names = {s.klass(c): c for c in classes}
    for file in Lookup(s.records.context, YEAR)._files():
        placed = file.class_on(STARTS)
        if placed is not None and placed.class_id in names:
            found[names[placed.class_id]].append(file)
    return found


def lesson_plan(
    s: SmallSchool, plan: dict[str, Any]
) -> list[tuple[str, date, int, list[PersonalFile]]]:
    """Lessons (class, day, number, pupils) until about the planned marks."""
    year = s.records.context.year_of(
        s.records.context.school_class(s.klass(plan["classes"][0]))
    )
    days = year.school_days(STARTS, ENDS)
    roster = rosters(s, plan["classes"])
    lessons: list[tuple[str, date, int, list[PersonalFile]]] = []
    marks = 0
    for number in range(1, 9):
        for day in days:
            for klass, pupils in roster.items():
                if marks >= plan["marks"]:
                    return lessons
                lessons.append((klass, day, number, pupils))
                marks += len(pupils)
    return lessons


def marks_by_import(
    s: SmallSchool, lessons: list[Any], folder: Path
) -> tuple[Watch, int]:
    rows = (
        [k, "math", None, d, n, "Тема", None, p.personal_file, "4", WORK]
        for k, d, n, pupils in sorted(lessons, key=lambda x: (x[0], x[1], x[2]))
        for p in pupils
    )
    path = xlsx(folder / "journal.xlsx", "marks", rows)
    total = sum(len(x[3]) for x in lessons)
    watch = Watch(total)
    run_import("marks", path, s.records, s.signing("maths"), year=YEAR,
               progress=watch.tick, counted=watch.check_done)  # fmt: skip
    watch.stop()
    return watch, total + len(lessons)


def marks_by_save(s: SmallSchool, lessons: list[Any]) -> Watch:
    """``LedgerApplication.save`` of the same lessons, 200 a save; only the saves
    are timed (the aggregates are built between them), so the baseline is the
    strictest one."""
    at = datetime(2025, 6, 1, 12, tzinfo=UTC)
    teacher, signing = s.staff("maths"), s.signing("maths")
    watch = Watch(sum(len(x[3]) for x in lessons))
    ordered = sorted(lessons, key=lambda x: (x[0], x[1], x[2]))
    saving = 0.0
    for i in range(0, len(ordered), 200):
        chunk = ordered[i : i + 200]
        batch = [_lesson(s.klass(k), d, n, pupils, teacher, at)
                 for k, d, n, pupils in chunk]  # fmt: skip
        started = perf_counter()
        s.app.save(*batch, signed_by=signing)
        saving += perf_counter() - started
        watch.tick(sum(len(x[3]) for x in chunk))
    watch.stop()
    watch.seconds = saving
    return watch


def _lesson(
    klass: UUID,
    day: date,
    number: int,
    pupils: list[PersonalFile],
    teacher: UUID,
    at: datetime,
) -> Lesson:
    lesson = Lesson.hold(
        class_id=klass, subject="math", subgroup=None, day=day, number=number,
        topic="Тема", homework="", teacher=teacher, substitute=False, at=at,
    )  # fmt: skip
    for p in pupils:
        lesson.record_mark(pupil=p.id, mark="4", work_type=WORK, weight=1,
                           teacher=teacher, at=at)  # fmt: skip
    return lesson


def two_schools(folder: Path) -> tuple[Store, Store]:
    a, b = folder / "a", folder / "b"
    a.mkdir()
    b.mkdir()
    return sqlite_store(a), sqlite_store(b)


def measure(
    scale: float, say: Callable[[str], None]
) -> list[tuple[str, Watch, Watch, int]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store_a, store_b = two_schools(folder)
        a, b = build(store_a), build(store_b)
        plan = school_plan(scale)
        events = len(plan["classes"]) * 3 + plan["pupils"]
        say(f"onboarding {plan['pupils']} pupils in {len(plan['classes'])} classes")
        base = onboard_by_services(b, plan)
        imported = onboard_by_import(a, plan, folder)
        a.clock.set(date(2025, 6, 1))
        b.clock.set(date(2025, 6, 1))
        lessons = lesson_plan(a, plan)
        say(f"marks: {sum(len(x[3]) for x in lessons)} in {len(lessons)} lessons")
        saved = marks_by_save(b, lessons)
        by_import, marks_events = marks_by_import(a, lessons, folder)
        a.app.close()
        b.app.close()
        return [
            ("onboarding (staff, classes, pupils, teaching)", imported, base, events),
            ("a year of marks", by_import, saved, marks_events),
        ]


def run(console: Console, scale: float | None = None) -> None:
    scale = scale or float(os.environ.get("LETOPIS_BENCH_IMPORT_SCALE", "1"))
    found = measure(scale, console.print)
    table = Table(title=f"imports beside plain signed appends (scale {scale})")
    for column in (
        "pass",
        "events",
        "import ev/s",
        "baseline ev/s",
        "share",
        "import: check + append s",
        "import RSS MB (10%→peak)",
        "baseline RSS MB (10%→peak)",
    ):
        table.add_column(column)  # fmt: skip
    for what, imp, base, events in found:
        table.add_row(
            what, str(events), f"{events / imp.seconds:,.0f}",
            f"{events / base.seconds:,.0f}", f"{base.seconds / imp.seconds:.2f}",
            f"{imp.checked:.0f} + {imp.seconds - imp.checked:.0f}",
            f"{imp.early:.0f}→{imp.peak:.0f}", f"{base.early:.0f}→{base.peak:.0f}",
        )  # fmt: skip
    console.print(table)
    console.print(
        "baselines: onboarding = the same inputs straight to the services; marks = "
        "LedgerApplication.save of the same Lesson aggregates, 200 a save"
    )
    console.print("target: share ≥ 0.80 with flat memory (issue 12)")


if __name__ == "__main__":
    run(Console(), float(sys.argv[1]) if len(sys.argv) > 1 else None)
