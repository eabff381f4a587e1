"""Closing a school year of the 1,100-pupil demo school into its archive (issue 16).

The demo school (``letopis demo --students 1100``, one simulated year,
2025/2026, by default; ``LETOPIS_BENCH_YEARS`` for more; made once and cached
by ``bench/_demo_store.py``) is copied, its report views built once (a school
keeps them current), and in one run, on SQLite:

- **baseline: the year's entries, read and written**: the year's envelopes
  read by leaf index from the store and written to a file with their SHA-256,
  nothing else: the floor of the entries part;
- **baseline: export**: ``letopis export`` of the whole log (seal, every
  envelope checked against its leaf, the bag and its manifests);
- **close-year**: ``letopis archive close-year`` as the command line does it
  (``ledger.archive.close_year`` with the bound statements of
  ``projections.reports.archived``), timed as a whole and by stage: the
  year's entries written, the bound PDF/A summary statements rendered, and
  the rest (the checks, the scan of the log, the proofs, the act appended and
  sealed, the bag's manifests);
- **verify**: ``python -m verify --year-archive`` on the bag it wrote.

Figures are printed and written to ``bench/results/close_year.json``;
nothing is asserted (STYLE §10).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import platform
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter

from rich.console import Console
from rich.table import Table

from bench import _demo_store
from ledger.application import LedgerApplication, Signing
from ledger.archive.export import export_archive
from ledger.archive.year import YearArchived, close_year
from ledger.keys.directory import KeyDirectory
from ledger.log import LogStore
from ledger.storage.stores import open_ledger
from projections.reports.archived import year_statements
from projections.reports.source import views_runner
from verify.yearbag import check_year_archive

STUDENTS = 1100
YEAR = "2025/2026"  # the demo's last year
RESULTS = Path(__file__).with_name("results")


@dataclass(frozen=True)
class Row:
    what: str
    seconds: float
    detail: str


def _floor(app: LedgerApplication, done: YearArchived, folder: Path) -> float:
    """The year's envelopes read by leaf index and written, hashed: nothing more."""
    log = LogStore(app.recorder)
    ranges = json.loads((done.path / "data" / "proofs.json").read_text())["ranges"]
    digest = hashlib.sha256()
    started = perf_counter()
    with (folder / "entries.jsonl").open("wb") as out:
        for first, last in ranges:
            for start in range(first, last + 1, 5000):
                leaves = log.leaves(start, min(start + 5000, last + 1))
                states = log.states_of([x.notification_id for x in leaves])
                for leaf in leaves:
                    line = states[leaf.notification_id] + b"\n"
                    out.write(line)
                    digest.update(line)
    return perf_counter() - started


def _close(
    app: LedgerApplication, keys: Path, out: Path
) -> tuple[YearArchived, dict[str, float]]:
    directory = KeyDirectory.open(keys, _demo_store.PASSPHRASE)
    signing = Signing(directory.log_key(), (directory.signer("director"),))
    stages: dict[str, list[float]] = {}

    def progress(stage: str, done: int, total: int) -> None:
        stages.setdefault(stage, [perf_counter(), 0.0])[1] = perf_counter()

    started = perf_counter()
    done = close_year(
        app,
        YEAR,
        out,
        signing,
        statements=year_statements(app, YEAR),
        now=datetime.now(UTC),
        progress=progress,
    )
    total = perf_counter() - started
    spent = {k: v[1] - v[0] for k, v in stages.items()}
    return done, {"total": total, **spent}


def run(console: Console) -> None:
    years = int(os.environ.get("LETOPIS_BENCH_YEARS", "1"))
    demo = _demo_store.demo_store(STUDENTS, years)
    how = "reused the cached" if demo.reused else "generated the"
    console.print(f"{how} demo store: {demo.events:,} events ({demo.path})")
    with tempfile.TemporaryDirectory(prefix="close-year-") as tmp:
        work = Path(tmp)
        shutil.copytree(
            demo.path, work / "demo", ignore=shutil.ignore_patterns("manifest.json")
        )
        url = f"sqlite:///{work / 'demo' / 'letopis.db'}"
        keys = work / "demo" / "keys"
        app = open_ledger(url, keys=keys, passphrase=_demo_store.PASSPHRASE)
        try:
            console.print(
                "building the report views once (a school keeps them current) …"
            )
            views_runner(app).run()
            console.print("baseline: export of the whole log …")
            started = perf_counter()
            exported = export_archive(app, work / "export")
            export_seconds = perf_counter() - started
            console.print(f"close-year {YEAR} …")
            done, times = _close(app, keys, work / "year")
            floor = _floor(app, done, work)
        finally:
            app.close()
        started = perf_counter()
        checked = check_year_archive(done.path)
        verify_seconds = perf_counter() - started
        size = sum(p.stat().st_size for p in done.path.rglob("*") if p.is_file())
    statements = times.get("statements", 0.0)
    entries = times.get("entries", 0.0)
    rest = times["total"] - statements - entries
    rows = [
        Row(
            "baseline: the year's entries read and written",
            floor,
            f"{done.entries:,} entries",
        ),
        Row(
            "baseline: export of the whole log",
            export_seconds,
            f"{exported.entries:,} entries",
        ),
        Row(
            "close-year: total",
            times["total"],
            f"{done.entries:,} entries, {done.statements} statements, "
            f"{size / 1e6:,.0f} MB",
        ),
        Row(
            "  the year's entries written",
            entries,
            f"{entries / floor if floor else 0:.2f}× the floor",
        ),
        Row(
            "  bound summary statements",
            statements,
            f"the reports' checked cut of the log, then "
            f"{statements / max(done.statements, 1):.1f} s a statement",
        ),
        Row("  checks, scan, proofs, act, bag", rest, ""),
        Row(
            "verify --year-archive",
            verify_seconds,
            "intact" if checked.ok else "FINDINGS",
        ),
    ]
    title = f"Closing {YEAR} of the {STUDENTS:,}-pupil demo school"
    out = Table(title=f"{title} ({demo.events:,} events)")
    for name in ("what", "seconds", ""):
        out.add_column(name, justify="right" if name == "seconds" else "left")
    for row in rows:
        out.add_row(row.what, f"{row.seconds:,.1f}", row.detail)
    console.print(out)
    RESULTS.mkdir(exist_ok=True)
    report = {
        "machine": platform.platform(),
        "cpus": multiprocessing.cpu_count(),
        "store": demo.manifest,
        "year": YEAR,
        "entries": done.entries,
        "statements": done.statements,
        "bag_bytes": size,
        "rows": [
            {"what": r.what.strip(), "seconds": round(r.seconds, 2), "detail": r.detail}
            for r in rows
        ],
    }
    path = RESULTS / "close_year.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    console.print(f"written to {path}")
