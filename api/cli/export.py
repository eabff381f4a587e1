"""`letopis export`: the sealed log as a BagIt bag for the archive (DESIGN §7)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from api.cli.common import KeysOpt, StoreOpt, err, open_app, out
from ledger.archive.export import export_archive

app = typer.Typer()

OutOpt = Annotated[
    Path,
    typer.Option(
        "--out",
        help="A new or empty directory for the bag; nothing is ever overwritten.",
    ),
]


@app.command()
def export(store: StoreOpt, keys: KeysOpt, out_dir: OutOpt) -> None:
    """Seal, then write the log, checkpoints, keys and policies as a BagIt bag."""
    ledger = open_app(store, keys)
    try:
        with Progress(
            TextColumn("exporting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,  # stdout keeps only the result
            transient=True,
        ) as bar:
            task = bar.add_task("export", total=None)
            done = export_archive(
                ledger,
                out_dir,
                progress=lambda written, total: bar.update(
                    task, completed=written, total=total
                ),
            )
    finally:
        ledger.close()
    say = partial(out.print, highlight=False, soft_wrap=True)  # paths stay whole
    say(
        f"exported {_count(done.entries, 'entry', 'entries')} and "
        f"{_count(done.checkpoints, 'checkpoint', 'checkpoints')} to {done.path}"
    )
    say("covered by this checkpoint (print it; keep it apart from the archive):")
    say(done.checkpoint.note, end="")
    say(f"verify it with: letopis verify --archive {done.path}")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
