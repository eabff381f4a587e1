"""`letopis report NAME …`, `letopis report all` and `letopis rebuild` (DESIGN §7).

Reports are rebuilt from the log through the records view
(:mod:`projections.reports`): by default as of the latest signed checkpoint,
or ``--as-of YYYY-MM-DD`` (end of that day, school time) or
``--as-of-size N`` (the first N events of the log). Bad input — an unknown
class, subject, pupil, year or period, an as-of point beyond the log — is one
line naming what exists, exit code 2, and nothing written.

The ledger is opened without verify-on-read: the projection reads stored
events without checking signatures (see :mod:`projections.runner`), and every
report names the checkpoint and the `letopis verify` command that proves it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sys
import tempfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from api.cli import report_check
from api.cli.common import KeysOpt, StoreOpt, err, open_reading, out
from projections.reports import (
    FORMATS,
    REPORT_NAMES,
    AsOf,
    Rendered,
    ReportError,
    Reports,
    rendered,
)
from projections.reports.render import index_html
from projections.reports.school import Pupil, School
from projections.reports.source import views_runner

app = typer.Typer()
report_app = typer.Typer(
    name="report",
    help=(
        "Reports rebuilt from the log, in the regulation's forms (§7.3): "
        + ", ".join(REPORT_NAMES)
        + "; `all` writes every report of the school into a folder."
    ),
    no_args_is_help=True,
)
app.add_typer(report_app)
report_app.command("check")(report_check.check)

MANIFEST = "index.json"

FormatOpt = Annotated[
    str, typer.Option("--format", help=f"One of: {', '.join(FORMATS)}.")
]
OutFile = Annotated[
    Path | None,
    typer.Option("--out", help="Write the report to this file (default: stdout)."),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Show the records as they stood at the end of this day (YYYY-MM-DD, "
        "the school's time zone).",
    ),
]
AsOfSizeOpt = Annotated[
    int | None,
    typer.Option(
        "--as-of-size", help="Show the records of the first N events of the log."
    ),
]
ClassOpt = Annotated[
    str | None, typer.Option("--class", help="Class of the year, e.g. 9А.")
]
YearOpt = Annotated[
    str | None,
    typer.Option(help="Academic year, e.g. 2025/2026 (default: the latest)."),
]
SubjectOpt = Annotated[
    str | None,
    typer.Option(help="Subject code (alg) or name (Алгебра)."),
]
PeriodOpt = Annotated[
    str | None,
    typer.Option(help="Period code (Q1…Q4, T1…T3, H1, H2, Y) or name (I четверть)."),
]
PupilOpt = Annotated[
    str | None,
    typer.Option(help="Personal file number (К-25) or the pupil's id."),
]
PseudonymousOpt = Annotated[
    bool,
    typer.Option(
        "--pseudonymous",
        help="Personal file numbers instead of pupils' names, on purpose (said in "
        "the report's header); without it a report needs the passphrase that opens "
        "the names, and is refused without one.",
    ),
]
LevelOpt = Annotated[
    str | None, typer.Option(help="Attestat book level: basic or secondary.")
]
MonthOpt = Annotated[
    str | None,
    typer.Option(help="Month, e.g. 2025-10, 10.2025 or 10 (default: every month)."),
]


def _as_of(as_of: str | None, as_of_size: int | None) -> AsOf | None:
    if as_of is not None and as_of_size is not None:
        msg = "give --as-of or --as-of-size, not both"
        raise ReportError(msg)
    if as_of_size is not None:
        return AsOf(tree_size=as_of_size)
    if as_of is None:
        return None
    try:
        return AsOf(date=date.fromisoformat(as_of))
    except ValueError as e:
        msg = f"--as-of {as_of!r} is not a date; use YYYY-MM-DD"
        raise ReportError(msg) from e


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        msg = f"--format {fmt!r} is not supported; formats: {', '.join(FORMATS)}"
        raise ReportError(msg)


def _one(
    name: str,
    store: str,
    keys: Path,
    params: dict[str, str | None],
    fmt: str,
    out_file: Path | None,
    as_of: str | None,
    as_of_size: int | None,
    pseudonymous: bool = False,
    *,
    bound: bool = False,
) -> None:
    _check_format(fmt)
    point = _as_of(as_of, as_of_size)
    ledger = open_reading(store, keys)
    try:
        given = {k: v for k, v in params.items() if v}
        reports = Reports(ledger, point, pseudonymous=pseudonymous)
        rendered = reports.render(name, given, fmt, bound=bound)
    finally:
        ledger.close()
    if out_file is None:
        sys.stdout.buffer.write(rendered.body)
        sys.stdout.flush()
        return
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_bytes(rendered.body)
    err.print(f"{name}: wrote {out_file}")


@report_app.command("journal")
def journal(
    store: StoreOpt,
    keys: KeysOpt,
    klass: ClassOpt = None,
    subject: SubjectOpt = None,
    period: PeriodOpt = None,
    year: YearOpt = None,
    fmt: FormatOpt = "html",
    out_file: OutFile = None,
    as_of: AsOfOpt = None,
    as_of_size: AsOfSizeOpt = None,
    pseudonymous: PseudonymousOpt = False,
) -> None:
    """Class journal page: pupils × lessons of a class, subject and period, with
    corrections and their history (§7.3.6)."""
    params = {"class": klass, "subject": subject, "period": period, "year": year}
    _one("journal", store, keys, params, fmt, out_file, as_of, as_of_size, pseudonymous)


@report_app.command("diary")
def diary(
    store: StoreOpt,
    keys: KeysOpt,
    pupil: PupilOpt = None,
    year: YearOpt = None,
    period: PeriodOpt = None,
    fmt: FormatOpt = "html",
    out_file: OutFile = None,
    as_of: AsOfOpt = None,
    as_of_size: AsOfSizeOpt = None,
    pseudonymous: PseudonymousOpt = False,
) -> None:
    """A pupil's diary: marks, absences and period grades of one year."""
    params = {"pupil": pupil, "year": year, "period": period}
    _one("diary", store, keys, params, fmt, out_file, as_of, as_of_size, pseudonymous)


@report_app.command("summary")
def summary(
    store: StoreOpt,
    keys: KeysOpt,
    klass: ClassOpt = None,
    year: YearOpt = None,
    fmt: FormatOpt = "html",
    out_file: OutFile = None,
    as_of: AsOfOpt = None,
    as_of_size: AsOfSizeOpt = None,
    pseudonymous: PseudonymousOpt = False,
    bound: Annotated[
        bool,
        typer.Option(
            "--bound",
            help="With --format pdf: the class's file for the archive, sheets "
            "numbered, ending in a certification sheet naming the sheet count "
            "for the director's signature and the seal (§7.3.3).",
        ),
    ] = False,
) -> None:
    """Summary statement («сводная ведомость», §7.3.3) of a class and year."""
    params = {"class": klass, "year": year}
    _one(
        "summary",
        store,
        keys,
        params,
        fmt,
        out_file,
        as_of,
        as_of_size,
        pseudonymous,
        bound=bound,
    )


@report_app.command("attestation-protocol")
def attestation_protocol(
    store: StoreOpt,
    keys: KeysOpt,
    klass: ClassOpt = None,
    year: YearOpt = None,
    subject: SubjectOpt = None,
    fmt: FormatOpt = "html",
    out_file: OutFile = None,
    as_of: AsOfOpt = None,
    as_of_size: AsOfSizeOpt = None,
    pseudonymous: PseudonymousOpt = False,
) -> None:
    """Intermediate attestation protocol of a class, with retakes (§7.3.1)."""
    params = {"class": klass, "year": year, "subject": subject}
    _one(
        "attestation-protocol",
        store,
        keys,
        params,
        fmt,
        out_file,
        as_of,
        as_of_size,
        pseudonymous,
    )


@report_app.command("exam-protocol")
def exam_protocol(
    store: StoreOpt,
    keys: KeysOpt,
    klass: ClassOpt = None,
    year: YearOpt = None,
    fmt: FormatOpt = "html",
    out_file: OutFile = None,
    as_of: AsOfOpt = None,
    as_of_size: AsOfSizeOpt = None,
    pseudonymous: PseudonymousOpt = False,
) -> None:
    """State exam results (ОГЭ, ЕГЭ, ГВЭ) of a class (§7.3.2)."""
    params = {"class": klass, "year": year}
    _one(
        "exam-protocol",
        store,
        keys,
        params,
        fmt,
        out_file,
        as_of,
        as_of_size,
        pseudonymous,
    )


@report_app.command("attestat-book")
def attestat_book(
    store: StoreOpt,
    keys: KeysOpt,
    level: LevelOpt = None,
    fmt: FormatOpt = "html",
    out_file: OutFile = None,
    as_of: AsOfOpt = None,
    as_of_size: AsOfSizeOpt = None,
    pseudonymous: PseudonymousOpt = False,
) -> None:
    """The attestat issuance book of a level (§7.3.5)."""
    params = {"level": level}
    _one(
        "attestat-book",
        store,
        keys,
        params,
        fmt,
        out_file,
        as_of,
        as_of_size,
        pseudonymous,
    )


@report_app.command("blank-stock")
def blank_stock(
    store: StoreOpt,
    keys: KeysOpt,
    level: LevelOpt = None,
    fmt: FormatOpt = "html",
    out_file: OutFile = None,
    as_of: AsOfOpt = None,
    as_of_size: AsOfSizeOpt = None,
    pseudonymous: PseudonymousOpt = False,
) -> None:
    """Attestat blanks: received, issued, spoiled, on hand (Приказ № 546)."""
    params = {"level": level}
    _one(
        "blank-stock",
        store,
        keys,
        params,
        fmt,
        out_file,
        as_of,
        as_of_size,
        pseudonymous,
    )


@report_app.command("personal-file")
def personal_file(
    store: StoreOpt,
    keys: KeysOpt,
    pupil: PupilOpt = None,
    fmt: FormatOpt = "html",
    out_file: OutFile = None,
    as_of: AsOfOpt = None,
    as_of_size: AsOfSizeOpt = None,
    pseudonymous: PseudonymousOpt = False,
) -> None:
    """A pupil's personal file: movement, yearly results, decisions (§7.3.4)."""
    params = {"pupil": pupil}
    _one(
        "personal-file",
        store,
        keys,
        params,
        fmt,
        out_file,
        as_of,
        as_of_size,
        pseudonymous,
    )


@report_app.command("portfolio")
def portfolio(
    store: StoreOpt,
    keys: KeysOpt,
    pupil: PupilOpt = None,
    year: YearOpt = None,
    fmt: FormatOpt = "html",
    out_file: OutFile = None,
    as_of: AsOfOpt = None,
    as_of_size: AsOfSizeOpt = None,
    pseudonymous: PseudonymousOpt = False,
) -> None:
    """A pupil's portfolio of achievements (§3.2.2)."""
    params = {"pupil": pupil, "year": year}
    _one(
        "portfolio", store, keys, params, fmt, out_file, as_of, as_of_size, pseudonymous
    )


@report_app.command("changes")
def changes(
    store: StoreOpt,
    keys: KeysOpt,
    klass: ClassOpt = None,
    year: YearOpt = None,
    month: MonthOpt = None,
    fmt: FormatOpt = "html",
    out_file: OutFile = None,
    as_of: AsOfOpt = None,
    as_of_size: AsOfSizeOpt = None,
    pseudonymous: PseudonymousOpt = False,
) -> None:
    """Change log («Журнал изменений») of a class for the deputy director: late
    entries, corrections and changes after closing, by month (§7.3.6, §8.1)."""
    params = {"class": klass, "year": year, "month": month}
    _one("changes", store, keys, params, fmt, out_file, as_of, as_of_size, pseudonymous)


@report_app.command("all")
def report_all(
    store: StoreOpt,
    keys: KeysOpt,
    out_dir: Annotated[
        Path,
        typer.Option("--out", help="Folder to write (replaced if it holds reports)."),
    ],
    fmt: FormatOpt = "html",
    as_of: AsOfOpt = None,
    as_of_size: AsOfSizeOpt = None,
    pseudonymous: PseudonymousOpt = False,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Processes laying out PDFs (default: one per core); "
            "other formats are written by one.",
        ),
    ] = None,
) -> None:
    """Every report for every class, pupil and year of the school, into a folder
    with stable file names (``<report>/<report>-<year>-<class>-….<format>``)."""
    _check_format(fmt)
    point = _as_of(as_of, as_of_size)
    _check_out_dir(out_dir)
    processes = (workers or os.cpu_count() or 1) if fmt == "pdf" else 1
    ledger = open_reading(store, keys)
    try:
        reports = Reports(ledger, point, pseudonymous=pseudonymous)
        jobs = list(every_report(reports.school))
        written = _write_all(reports, jobs, fmt, out_dir, processes)
    finally:
        ledger.close()
    out.print(f"wrote {written} reports to {out_dir.resolve()}")
    out.print(f"open {(out_dir / 'index.html').resolve()}")


def every_report(school: School) -> Iterator[tuple[str, dict[str, str]]]:
    """(name, parameters) of every report of the school, in a fixed order."""
    for year in sorted(school.years.values(), key=lambda y: y.starts):
        for klass in school.classes_of(year):
            params = {"class": klass.name, "year": year.label}
            yield "summary", params
            yield "changes", params
            yield "attestation-protocol", params
            if klass.grade in (9, 11):
                yield "exam-protocol", params
            for subject in school.taught(klass):
                for period in year.periods(klass.grade)[:-1]:
                    yield (
                        "journal",
                        {**params, "subject": subject.code, "period": period.code},
                    )
            for pupil in school.pupils_of(klass):
                if _last_class(school, pupil, year.label) == klass.id:
                    yield "diary", {"pupil": pupil.personal_file, "year": year.label}
    for level in ("basic", "secondary"):
        yield "attestat-book", {"level": level}
    yield "blank-stock", {}
    for pupil in sorted(school.pupils.values(), key=lambda p: p.sort_key):
        yield "personal-file", {"pupil": pupil.personal_file}
        yield "portfolio", {"pupil": pupil.personal_file}


def _last_class(school: School, pupil: Pupil, year: str) -> str | None:
    """The class the pupil was last placed in during ``year`` (their diary's)."""
    found = None
    for placement in pupil.placements:
        klass = school.classes.get(placement.get("class_id") or "")
        if klass is not None and klass.year == year:
            found = klass.id
    return found


def _check_out_dir(out_dir: Path) -> None:
    """Refuse to replace a non-empty folder that is not a reports folder."""
    if out_dir.exists() and (
        not out_dir.is_dir()
        or (any(out_dir.iterdir()) and not (out_dir / MANIFEST).is_file())
    ):
        msg = (
            f"--out {out_dir} exists and does not hold reports (no {MANIFEST}); "
            "give a new or empty folder"
        )
        raise ReportError(msg)


def _write_all(
    reports: Reports,
    jobs: list[tuple[str, dict[str, str]]],
    fmt: str,
    out_dir: Path,
    processes: int = 1,
) -> int:
    """Render into a fresh folder beside ``out_dir``, then put it in place, so a
    failure leaves the old folder (or none) and never a half-written one."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        index = _render_all(reports, jobs, fmt, building, processes)
        _write_index(reports, index, fmt, building)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        building.rename(out_dir)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return len(index)


def _render_all(
    reports: Reports,
    jobs: list[tuple[str, dict[str, str]]],
    fmt: str,
    folder: Path,
    processes: int = 1,
) -> list[tuple[str, str, str]]:
    """Write each report; (name, relative file, title) of each, for the index.

    Each report is built here, from the store; laying it out as a PDF (about
    a second each, WeasyPrint) runs in ``processes`` worker processes when
    more than one, a few reports ahead at most, written in the jobs' order."""
    index = []
    columns = (TextColumn("reports"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True) as bar, ExitStack() as stack:
        task = bar.add_task("reports", total=len(jobs))
        pool = None
        if processes > 1 and len(jobs) > 1:
            context = multiprocessing.get_context("forkserver")
            pool = stack.enter_context(
                ProcessPoolExecutor(max_workers=processes, mp_context=context)
            )
            stack.callback(pool.shutdown, cancel_futures=True)
        ahead: deque[tuple[str, str, Future[Rendered] | Rendered]] = deque()

        def write_oldest() -> None:
            name, title, pending = ahead.popleft()
            done = pending.result() if isinstance(pending, Future) else pending
            path = folder / name / done.filename
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(done.body)
            index.append((name, f"{name}/{done.filename}", title))
            bar.advance(task)

        for name, params in jobs:
            report = reports.build(name, params, leaves=fmt == "pdf")
            bound = fmt == "pdf" and name == "summary"
            if pool is None:
                ahead.append((name, report.title, rendered(report, fmt, bound=bound)))
            else:
                job = pool.submit(rendered, report, fmt, bound=bound)
                ahead.append((name, report.title, job))
            while len(ahead) > 2 * processes - 1:
                write_oldest()
        while ahead:
            write_oldest()
    return index


def _write_index(
    reports: Reports, index: list[tuple[str, str, str]], fmt: str, folder: Path
) -> None:
    provenance = reports.inputs.source.provenance
    manifest = {
        "format": fmt,
        "provenance": provenance.to_json(),
        "reports": [{"report": n, "file": f, "title": t} for n, f, t in index],
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")
    (folder / "index.html").write_bytes(
        index_html(reports.school.name, index, provenance)
    )


@app.command()
def rebuild(store: StoreOpt, keys: KeysOpt) -> None:
    """Drop the report views and replay them from the first event of the log."""
    ledger = open_reading(store, keys)
    try:
        runner = views_runner(ledger)
        total = ledger.recorder.max_notification_id() or 0
        columns = (TextColumn("rebuilding views"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=err, transient=True) as bar:
            task = bar.add_task("rebuild", total=total)

            def advance(applied: int) -> None:
                bar.advance(task, applied)

            applied = runner.rebuild(progress=advance)
    finally:
        ledger.close()
    out.print(f"rebuilt the report views from {applied:,} events")
