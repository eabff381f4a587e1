"""`letopis export`: the sealed log as a BagIt bag for the archive (DESIGN §7);
`letopis export frdo`: the year's attestats in the ФИС ФРДО upload file."""

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

from api.cli.common import KeysOpt, StoreOpt, err, open_app, open_reading, out
from ledger.archive.export import export_archive
from ledger.errors import LedgerError
from projections.frdo import build_frdo, check_level, check_year, write_xlsx

app = typer.Typer()
export_app = typer.Typer(name="export", invoke_without_command=True)
app.add_typer(export_app)

OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="A new or empty directory for the bag; nothing is ever overwritten.",
    ),
]
MaybeStore = Annotated[
    str | None,
    typer.Option(
        "--store", envvar="LETOPIS_STORE", help="sqlite:///path.db or postgresql://…"
    ),
]
MaybeKeys = Annotated[
    Path | None,
    typer.Option("--keys", envvar="LETOPIS_KEYS", help="The school's key directory."),
]


@export_app.callback()
def export(
    ctx: typer.Context,
    store: MaybeStore = None,
    keys: MaybeKeys = None,
    out_dir: OutOpt = None,
) -> None:
    """Seal, then write the log, checkpoints, keys and policies as a BagIt bag
    (`letopis export frdo …`: the ФИС ФРДО upload file)."""
    if ctx.invoked_subcommand is not None:
        return
    if store is None or keys is None or out_dir is None:
        missing = [
            n
            for n, v in (("--store", store), ("--keys", keys), ("--out", out_dir))
            if v is None
        ]
        msg = f"letopis export needs {', '.join(missing)} (the BagIt bag's folder)"
        raise LedgerError(msg)
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


@export_app.command("frdo")
def frdo(
    store: StoreOpt,
    keys: KeysOpt,
    year: Annotated[str, typer.Option(help="Calendar year of issue, e.g. 2025.")],
    level: Annotated[str, typer.Option(help="basic (9th grade) or secondary (11th).")],
    out_file: Annotated[
        Path, typer.Option("--out", help="The .xlsx file to write (replaced whole).")
    ],
) -> None:
    """The attestats and duplicates issued in a year, in the ФИС ФРДО upload
    template, rebuilt from the log as of its latest checkpoint."""
    issued_in, wanted = check_year(year), check_level(level)
    if out_file.suffix.lower() != ".xlsx":
        msg = f"--out {out_file} must name an .xlsx file (the registry's template)"
        raise LedgerError(msg)
    ledger = open_reading(store, keys)
    try:
        made = build_frdo(ledger, issued_in, wanted)
    finally:
        ledger.close()
    write_xlsx(made, out_file)
    say = partial(out.print, highlight=False, soft_wrap=True)
    say(
        f"wrote {out_file}: {len(made.rows)} documents of {issued_in} "
        f"({made.duplicates} duplicates), as of checkpoint size "
        f"{made.provenance.tree_size}, root {made.provenance.root}"
    )
    if made.incomplete:
        err.print(
            f"warning: {len(made.incomplete)} rows lack what the registry needs "
            f"(fill them in before uploading): {'; '.join(made.incomplete)}",
            highlight=False,
            soft_wrap=True,
        )
