"""`letopis archive`: the archive's life over the records' retention (issue 16).

- ``letopis archive dispose --act ACT.json --as CHAIR --cosigner MEMBER
  --cosigner DIRECTOR``: the expert commission's act of disposal appended,
  signed by its members and the director, then the payloads of exactly the
  entries it names removed as the store's owner
  (``ledger.archive.disposal``); the report views are rebuilt after it, so
  that no copy of a disposed record stays in them. On PostgreSQL give the
  administrator's store URL, as for `letopis init`.
- ``letopis archive close-year YYYY/YYYY --out DIR --as DIRECTOR``: the
  school year closed into the archive (``ledger.archive.year``).

Every refusal is one sentence, exit 2, and nothing written (docs/archive.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from api.cli.common import JsonOpt, KeysOpt, StoreOpt, err, out

if TYPE_CHECKING:
    from ledger.application import LedgerApplication, Signing
    from ledger.bootstrap import OpenSchool

app = typer.Typer(
    name="archive",
    help="The archive's life: dispose of records by the expert commission's act; "
    "close a school year into the archive.",
    no_args_is_help=True,
)

SignerOpt = Annotated[
    str, typer.Option("--as", help="Who signs: a key label or a personnel number.")
]
CosignerOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--cosigner",
        help="Who co-signs (a key label or personnel number; repeatable).",
    ),
]
OwnerOpt = Annotated[str, typer.Option(help="PostgreSQL owner role of the store.")]


@app.command("dispose")
def archive_dispose(
    act: Annotated[
        Path, typer.Option("--act", help="The act as JSON (docs/archive.md).")
    ],
    store: StoreOpt,
    keys: KeysOpt,
    signer: SignerOpt,
    cosigners: CosignerOpt = None,
    owner_role: OwnerOpt = "letopis_owner",
    as_json: JsonOpt = False,
) -> None:
    """Append the expert commission's act of disposal, then remove the payloads
    of exactly the entries it names, as the store's owner.

    The act is signed by the chair (--as) and co-signed (--cosigner) by the
    commission's members and the director, as the signing policy requires.
    Leaf hashes, checkpoints and the act stay; the report views are rebuilt.
    """
    from ledger.archive.disposal import dispose, read_act

    request = read_act(act)
    opened = _school(store, keys)
    try:
        signing = _signing(opened, keys, signer, cosigners)
        done = dispose(
            opened.app,
            store,
            request,
            signing,
            owner_role=owner_role,
            now=datetime.now(UTC),
        )
        _rebuild_views(opened.app)
    finally:
        opened.close()
    if as_json:
        out.print_json(json.dumps(_disposed_json(done), ensure_ascii=False))
        return
    say = partial(out.print, highlight=False, soft_wrap=True)
    how = "finished" if done.resumed else "approved and applied"
    say(
        f"act № {done.number} ({done.act}, archive.DisposalActApproved) {how}: "
        f"{done.entries} entries of class {done.record_class} in {done.files} "
        f"file(s) disposed of, {done.kept} file(s) kept"
    )
    say("the act is covered by this checkpoint:")
    say(done.checkpoint.note, end="")


@app.command("close-year")
def archive_close_year(
    year: Annotated[str, typer.Argument(help="The school year, e.g. 2025/2026.")],
    out_dir: Annotated[
        Path,
        typer.Option("--out", help="A new or empty directory for the year's bag."),
    ],
    store: StoreOpt,
    keys: KeysOpt,
    signer: Annotated[
        str,
        typer.Option("--as", help="The director: a key label or a personnel number."),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Close a school year into the archive: a signed act and a BagIt bag of the
    year's entries, their proofs and the bound summary statements.

    The year must be closed for the whole school and over, and a signed
    checkpoint must cover it (`letopis seal`). The act
    (archive.YearArchived) is sealed by the log key and signed by the
    director (--as); check the bag with `letopis verify --year-archive DIR`.
    """
    from ledger.application import Signing
    from ledger.archive.year import close_year
    from projections.reports.archived import year_statements

    opened = _school(store, keys)
    try:
        director = _signing(opened, keys, signer, None).author
        seal = opened.app.context.log_key()
        with _progress() as show:
            done = close_year(
                opened.app,
                year,
                out_dir,
                Signing(seal, (director,)),
                statements=year_statements(opened.app, year),
                now=datetime.now(UTC),
                progress=show,
            )
    finally:
        opened.close()
    if as_json:
        found = {
            "path": str(done.path),
            "act": done.act,
            "year": done.year,
            "entries": done.entries,
            "statements": done.statements,
            "checkpoint": done.checkpoint.note,
            "act_checkpoint": done.act_checkpoint.note,
        }
        out.print_json(json.dumps(found, ensure_ascii=False))
        return
    say = partial(out.print, highlight=False, soft_wrap=True)
    say(
        f"closed {done.year} into the archive: {done.entries} entries and "
        f"{done.statements} bound summary statements in {done.path}; the act is "
        f"{done.act} (archive.YearArchived)"
    )
    say("the year is covered by this checkpoint (print it; keep it apart):")
    say(done.checkpoint.note, end="")
    say(f"verify it with: letopis verify --year-archive {done.path}")


def _disposed_json(done: object) -> dict[str, object]:
    from dataclasses import asdict

    found = asdict(done)  # type: ignore[call-overload]
    found["checkpoint"] = found["checkpoint"]["note"]
    return dict(found)


# -- helpers ------------------------------------------------------------------------


def _school(store: str, keys: Path) -> OpenSchool:
    from api.cli.record import _open

    return _open(store, keys, None, None)


def _signing(
    opened: OpenSchool, keys: Path, signer: str, cosigners: list[str] | None
) -> Signing:
    from api.cli.record import _signing_key
    from ledger.application import Signing

    author = _signing_key(opened, keys, signer)
    return Signing(
        author, tuple(_signing_key(opened, keys, c) for c in cosigners or ())
    )


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    """A bar per stage of closing a year (entries, then statements)."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def show(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield show


def _rebuild_views(app: LedgerApplication) -> None:
    """Replay the report views without the disposed records (as `letopis
    rebuild` does), with a progress bar."""
    from projections.reports.source import views_runner

    runner = views_runner(app)
    total = app.recorder.max_notification_id() or 0
    columns = (TextColumn("rebuilding views"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("rebuild", total=total)
        runner.rebuild(progress=lambda applied: bar.advance(task, applied))
