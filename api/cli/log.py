"""`letopis seal`, `checkpoint` and `proof` (DESIGN §3, §7).

Proofs print JSON with the field names of the RFC 6962 vectors; an event is
named ``STREAM:SEQ`` or by its leaf ``--index``.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from api import proofs
from api.cli.common import KeysOpt, StoreOpt, open_app, open_store_log, out

app = typer.Typer()
proof_app = typer.Typer(
    name="proof", help="Inclusion and consistency proofs (RFC 6962)."
)
app.add_typer(proof_app)


@app.command()
def seal(store: StoreOpt, keys: KeysOpt) -> None:
    """Append every unsealed event to the Merkle log and sign a checkpoint."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ledger.log import Sealer

    ledger = open_app(store, keys)
    try:
        sealer = Sealer(ledger)
        pending = ledger.recorder.max_notification_id() or 0
        with Progress(
            TextColumn("sealing"), BarColumn(), MofNCompleteColumn(), transient=True
        ) as bar:
            task = bar.add_task("seal", total=None, completed=0)
            bar.update(task, total=pending)
            checkpoint = sealer.seal(progress=lambda n: bar.advance(task, n))
    finally:
        ledger.close()
    typer.echo(checkpoint.note, nl=False)  # verbatim: a note must not be wrapped


@app.command()
def checkpoint(store: StoreOpt) -> None:
    """Print the latest signed checkpoint (a C2SP signed note)."""
    log, _ = open_store_log(store)
    latest = proofs.latest_checkpoint(log)
    typer.echo(latest.note, nl=False)  # verbatim: a note must not be wrapped


@proof_app.command("inclusion")
def inclusion(
    store: StoreOpt,
    event: Annotated[str | None, typer.Option(help="The event as STREAM:SEQ.")] = None,
    index: Annotated[int | None, typer.Option(help="The event's leaf index.")] = None,
    tree_size: Annotated[
        int | None, typer.Option(help="Prove against this size; default: latest.")
    ] = None,
) -> None:
    """Prove that one event is in the log at a checkpointed tree size."""
    log, tree = open_store_log(store)
    proof = proofs.inclusion(log, tree, event=event, index=index, tree_size=tree_size)
    out.print_json(json.dumps(proof))


@proof_app.command("consistency")
def consistency(
    store: StoreOpt,
    size1: Annotated[int, typer.Option("--from", help="The older tree size.")],
    size2: Annotated[
        int | None, typer.Option("--to", help="The newer size; default: latest.")
    ] = None,
) -> None:
    """Prove that the log at --to extends the log at --from."""
    log, tree = open_store_log(store)
    proof = proofs.consistency(log, tree, size1=size1, size2=size2)
    out.print_json(json.dumps(proof))
