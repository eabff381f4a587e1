"""Reports as PDF/A beside HTML, and `report check` of a year's summary statements.

One run, on the demo school (``letopis demo --students N --years 1``, the
school ``make demo`` builds; made once and cached under
``bench/results/.cache/``), on SQLite, each step the command a user runs, in a
child process:

- **report all, html** and **report all, pdf**: every report of the school
  into a folder (the PDF run writes PDF/A-3b with its attachments, every
  summary statement as a bound file); wall time, the child's CPU time, the
  reports written and their size;
- **report all, pdf, N processes**: the same with the PDFs laid out in one
  worker process per core (`--workers`, the default), beside the one-process
  run above;
- **report check, store**: `letopis report check` of each summary statement
  (bound PDF) of the latest year against the store, one process each, as an
  auditor runs it: the mean and the slowest;
- **report check, archive**: the first of them against an exported archive
  (`letopis export` first, not timed), which restores the archive into a
  temporary store before re-deriving;
- **verify --views** and **verify --no-views**: `letopis verify` of the store
  with the step that re-projects the report views and compares them with the
  log, and without it.

``LETOPIS_BENCH_STUDENTS`` sets the school's size (default: the demo's, 330
pupils; the PDF run takes about 0.9 s of CPU a report there, ~28 min of the
whole run's ~35 on this machine; 60 pupils take ~22 min). Figures are printed and
written to ``bench/results/reports.json``; nothing is asserted (STYLE §10).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from time import perf_counter

from rich.console import Console
from rich.table import Table

from bench import _cache
from ledger.keys.directory import DEMO_PASSPHRASE
from simulation.state import DEFAULT_STUDENTS

FORMAT = 1
STUDENTS = int(os.environ.get("LETOPIS_BENCH_STUDENTS", DEFAULT_STUDENTS))
RESULTS = Path(__file__).with_name("results")
ENV = {
    "LETOPIS_KEY_PASSPHRASE": DEMO_PASSPHRASE,
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
}


@dataclass(frozen=True)
class Step:
    """One command, or several of one kind, in child processes."""

    what: str
    runs: int
    wall_seconds: float
    cpu_seconds: float
    items: int = 0
    megabytes: float = 0.0
    slowest_seconds: float = 0.0

    @property
    def per_item_ms(self) -> float:
        return 1000 * self.wall_seconds / max(self.items, 1)


def letopis(*args: str) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Run ``letopis ARGS``; (wall seconds, child CPU seconds, the result)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and command line
        [sys.executable, "-m", "api", *args],
        capture_output=True,
        text=True,
        env=ENV,
        check=False,
    )
    wall = perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done


def failed(done: subprocess.CompletedProcess[str]) -> RuntimeError:
    """What a command that failed said, with its exit status (a negative one
    is the signal that ended it: a crash or a kill, which says nothing)."""
    said = (done.stderr.strip() or done.stdout.strip())[-2000:]
    return RuntimeError(f"{' '.join(done.args[2:])}: exit {done.returncode}: {said}")


def _demo(folder: Path) -> _cache.Manifest:
    store = f"sqlite:///{folder / 'letopis.db'}"
    wall, _, done = letopis(
        "demo", "--store", store, "--keys", str(folder / "keys"),
        "--students", str(STUDENTS), "--years", "1",
    )  # fmt: skip
    if done.returncode != 0:
        raise failed(done)
    return {"students": STUDENTS, "generate_seconds": round(wall, 1)}


def report_all(where: list[str], fmt: str, out: Path, workers: int = 1) -> Step:
    wall, cpu, done = letopis(
        "report", "all", *where, "--format", fmt, "--out", str(out),
        *(["--workers", str(workers)] if fmt == "pdf" else []),
    )  # fmt: skip
    if done.returncode != 0:
        raise failed(done)
    files = [p for p in out.rglob(f"*.{fmt}") if p.name != "index.html"]
    size = sum(p.stat().st_size for p in files) / 1e6
    what = f"report all, {fmt}" + (f", {workers} processes" if workers > 1 else "")
    return Step(what, 1, wall, cpu, len(files), round(size, 1))


def latest_summaries(folder: Path) -> list[Path]:
    """The summary statements of the latest year in a `report all` folder."""
    found = sorted((folder / "summary").glob("summary-*.pdf"))
    latest = max(p.name.split("-")[1] for p in found)
    return [p for p in found if p.name.split("-")[1] == latest]


def check_all(files: list[Path], where: list[str], what: str) -> Step:
    walls, cpus = [], 0.0
    for file in files:
        wall, cpu, done = letopis("report", "check", str(file), *where)
        if done.returncode != 0:
            raise failed(done)
        walls.append(wall)
        cpus += cpu
    return Step(
        what, len(files), sum(walls), cpus, len(files), 0.0, round(max(walls), 2)
    )


def verify(where: list[str], *, views: bool) -> Step:
    """`letopis verify` of the store, with or without the views step."""
    flag = "--views" if views else "--no-views"
    wall, cpu, done = letopis("verify", *where, flag)
    if done.returncode != 0:
        raise failed(done)
    return Step(f"verify {flag}", 1, wall, cpu, 1, 0.0)


def run(console: Console) -> None:
    path = _cache.RESULTS / f"reports-demo-v{FORMAT}-{STUDENTS}x1"
    manifest, reused = _cache.cached(path, FORMAT, _demo)
    keys = ["--keys", str(path / "keys")]
    where = ["--store", f"sqlite:///{path / 'letopis.db'}", *keys]
    console.print(
        f"demo school: {STUDENTS} pupils, one year "
        f"({'cached' if reused else 'made now'}, {path})"
    )
    steps = []
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as scratch:
        folder = Path(scratch)
        steps.append(report_all(where, "html", folder / "html"))
        steps.append(report_all(where, "pdf", folder / "pdf"))
        cores = os.cpu_count() or 1
        if cores > 1:
            parallel = report_all(where, "pdf", folder / "pdf-parallel", cores)
            steps.append(parallel)
        summaries = latest_summaries(folder / "pdf")
        steps.append(check_all(summaries, where, "report check, store"))
        _, _, exported = letopis("export", *where, "--out", str(folder / "bag"))
        if exported.returncode != 0:
            raise failed(exported)
        archive = ["--archive", str(folder / "bag"), *keys]
        steps.append(check_all(summaries[:1], archive, "report check, archive"))
        steps.append(verify(where, views=True))
        steps.append(verify(where, views=False))
    table = Table(title=f"Reports, demo school of {STUDENTS} pupils (SQLite)")
    for column in (
        "step",
        "runs",
        "items",
        "wall s",
        "CPU s",
        "ms/item",
        "MB",
        "max s",
    ):
        table.add_column(column, justify="left" if column == "step" else "right")
    for s in steps:
        table.add_row(
            s.what, str(s.runs), f"{s.items:,}", f"{s.wall_seconds:.1f}",
            f"{s.cpu_seconds:.1f}", f"{s.per_item_ms:.0f}", f"{s.megabytes:.1f}",
            f"{s.slowest_seconds:.2f}" if s.slowest_seconds else "",
        )  # fmt: skip
    console.print(table)
    html, pdf = steps[0], steps[1]
    console.print(
        f"PDF ÷ HTML: {pdf.wall_seconds / html.wall_seconds:.1f}× wall, "
        f"{pdf.cpu_seconds / max(html.cpu_seconds, 0.01):.1f}× CPU"
    )
    for step in steps:
        if step.what.startswith("report all, pdf, "):
            console.print(
                f"PDF in worker processes: {pdf.wall_seconds / step.wall_seconds:.2f}×"
                " as fast as one process (wall; the CPU column counts the command's"
                " own process, not its workers)"
            )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "reports.json").write_text(
        json.dumps(
            {
                "machine": platform.platform(),
                "demo": manifest,
                "steps": [asdict(s) for s in steps],
            },
            indent=2,
        )
        + "\n"
    )
