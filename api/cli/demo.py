"""`letopis demo`: build the simulated school (``simulation``), seal, and show it.

Identity fields are sealed with per-person data keys; the DEMO passphrase is
used unless ``LETOPIS_KEY_PASSPHRASE`` is set, and the demo says so.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import date
from functools import partial
from pathlib import Path
from time import perf_counter
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli.common import KeysOpt, StoreOpt, err, out, reports_errors
from api.server.tables import API_TABLES
from ledger.application import LedgerApplication
from ledger.domain.errors import InvalidRecordError
from ledger.domain.ids import school_id
from ledger.errors import LedgerError
from ledger.keys.directory import DEMO_PASSPHRASE, PASSPHRASE_ENV, KeyDirectory
from ledger.keys.personal import DataKeyStore
from ledger.log import Sealer
from ledger.storage.init import initialise
from ledger.storage.stores import open_ledger
from simulation.school import (
    DEFAULT_STUDENTS,
    ORIGIN,
    Scale,
    SchoolSimulation,
    simulate,
)
from simulation.state import SCHOOL_CODE


@reports_errors
def demo(
    store: StoreOpt,
    keys: KeysOpt,
    students: Annotated[
        int, typer.Option(help="Pupils in the school (2–4 classes a grade).", min=60)
    ] = DEFAULT_STUDENTS,
    years: Annotated[
        int,
        typer.Option(
            help="School years to simulate, ending in 2025/2026.", min=1, max=20
        ),
    ] = 1,
    seed: Annotated[
        int, typer.Option(help="Seed: the same seed, the same school.")
    ] = 131,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Write summary.json and the checkpoint here."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(hidden=True, help="Stop after this date (YYYY-MM-DD); tests."),
    ] = None,
) -> None:
    """Simulate a school's records through the ledger's services, seal, and show it."""
    passphrase = _demo_passphrase()
    started = perf_counter()
    done = initialise(
        store, keys, origin=ORIGIN, passphrase=passphrase, side_tables=API_TABLES
    )
    directory = KeyDirectory.open(keys, passphrase)
    ledger = open_ledger(done.app_url, keys=keys, passphrase=passphrase)
    try:
        _check_fresh(ledger, directory)
        data_keys = DataKeyStore.in_key_directory(keys, passphrase)
        scale = Scale(students, years)
        simulation = SchoolSimulation(ledger, directory, data_keys, scale, seed)
        simulate(simulation, until=_date(until), console=err)
        counts = _counts(ledger)
        # -- seal the log: every event gets a leaf, then a signed checkpoint --
        checkpoint = _seal(ledger, sum(counts.values()))
    finally:
        ledger.close()
    seconds = perf_counter() - started
    _report(counts, simulation, done.app_url, keys, checkpoint, seconds)
    if out_dir is not None:
        _write_summary(out_dir, counts, simulation, done.app_url, checkpoint, seconds)


def _seal(ledger: LedgerApplication, events: int) -> str:
    """Seal the log («печать»): a Merkle leaf for every event, then a checkpoint
    signed with the school's log key (DESIGN §3), as ``ledger.log`` says."""
    columns = (TextColumn("sealing the log"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err) as progress:
        task = progress.add_task("seal", total=events)
        sealer = Sealer(ledger)
        checkpoint = sealer.seal(progress=lambda n: progress.advance(task, n))
    return checkpoint.note


def _counts(ledger: LedgerApplication) -> Counter[str]:
    counts: Counter[str] = Counter()
    start = 1
    while page := ledger.recorder.select_notifications(start=start, limit=10_000):
        counts.update(n.topic for n in page)
        start = page[-1].id + 1
    return counts


def _report(
    counts: Counter[str],
    simulation: SchoolSimulation,
    url: str,
    keys: Path,
    checkpoint: str,
    seconds: float,
) -> None:
    table = Table(
        title=(
            f"Events in the log · {simulation.scale.years} year(s), "
            f"seed {simulation.seed}"
        )
    )
    table.add_column("area")
    table.add_column("event type")
    table.add_column("count", justify="right")
    for event_type, n in sorted(counts.items()):
        table.add_row(event_type.split(".")[0], event_type, f"{n:,}")
    total = sum(counts.values())
    table.add_row("", "[b]total[/b]", f"[b]{total:,}[/b]")
    out.print(table)
    out.print(
        f"built in {seconds:.0f} s ({total / seconds:,.0f} events/s, each signed, "
        "and checked against the rules before it was appended)"
    )
    # verbatim, never wrapped at the terminal's width: a wrapped checkpoint or
    # command no longer works when copied
    say = partial(out.print, soft_wrap=True, markup=False, highlight=False)
    say(f"store: {url}\nkeys:  {Path(keys).resolve()}")
    say("sealed; the latest checkpoint:")
    say(checkpoint, end="")
    say(
        f"look further (with {PASSPHRASE_ENV} set):\n"
        f"  letopis verify --store {url} --keys {keys}\n"
        f"  letopis checkpoint --store {url}\n"
        f"  letopis keys list --store {url} --keys {keys}\n"
        f"  letopis export --store {url} --keys {keys} --out demo-export\n"
        f"  letopis report all --store {url} --keys {keys} --out demo-reports\n"
        f"  letopis serve --demo --store {url} --keys {keys}"
        "   (the HTTP API: /docs)"
    )


def _write_summary(
    out_dir: Path,
    counts: Counter[str],
    simulation: SchoolSimulation,
    url: str,
    checkpoint: str,
    seconds: float,
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = {
        "store": url,
        "seed": simulation.seed,
        "students": simulation.scale.students,
        "years": simulation.scale.years,
        "seconds": round(seconds, 1),
        "events": dict(sorted(counts.items())),
        "service_calls": simulation.commands,
    }
    (out_dir / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
    )
    (out_dir / "checkpoint").write_text(checkpoint)


def _check_fresh(ledger: LedgerApplication, directory: KeyDirectory) -> None:
    """The demo builds its school once: refuse a store or key directory that has
    it already, before writing anything."""
    school = school_id(SCHOOL_CODE)
    if ledger.recorder.select_events(school, limit=1) or directory.signer_labels():
        msg = (
            f"the store or the key directory {directory.path} holds a demo school "
            "already; run the demo on a new --store and --keys (`make demo` "
            "removes demo-school/ first)"
        )
        raise LedgerError(msg)


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        msg = f"--until {text!r} is not a date; use YYYY-MM-DD"
        raise InvalidRecordError(msg) from e


def _demo_passphrase() -> str:
    passphrase = os.environ.get(PASSPHRASE_ENV)
    if passphrase:
        return passphrase
    err.print(
        f"[yellow]NOTE:[/yellow] {PASSPHRASE_ENV} is not set; the demo uses the "
        f"DEMO passphrase {DEMO_PASSPHRASE!r}. Never use it for a real school."
    )
    os.environ[PASSPHRASE_ENV] = DEMO_PASSPHRASE
    return DEMO_PASSPHRASE
