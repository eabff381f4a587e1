"""`letopis seal`, `checkpoint` and `proof` (DESIGN §3, §7).

Proofs print JSON with the field names of the RFC 6962 vectors; an event is
named ``STREAM:SEQ`` or by its leaf ``--index``.
"""

from __future__ import annotations

import base64
import json
from typing import Annotated
from uuid import UUID

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from api.cli import KeysOpt, StoreOpt, app, open_app, out, reports_errors
from ledger.errors import LedgerError
from ledger.log import Leaf, LogStore, Sealer, open_log

proof_app = typer.Typer(help="Inclusion and consistency proofs (RFC 6962).")
app.add_typer(proof_app, name="proof")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@app.command()
@reports_errors
def seal(store: StoreOpt, keys: KeysOpt) -> None:
    """Append every unsealed event to the Merkle log and sign a checkpoint."""
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
@reports_errors
def checkpoint(store: StoreOpt) -> None:
    """Print the latest signed checkpoint (a C2SP signed note)."""
    log, _ = open_log(store)
    latest = log.latest_checkpoint()
    if latest is None:
        msg = "the log has no checkpoint yet: run `letopis seal`"
        raise LedgerError(msg)
    typer.echo(latest.note, nl=False)  # verbatim: a note must not be wrapped


@proof_app.command("inclusion")
@reports_errors
def inclusion(
    store: StoreOpt,
    event: Annotated[str | None, typer.Option(help="The event as STREAM:SEQ.")] = None,
    index: Annotated[int | None, typer.Option(help="The event's leaf index.")] = None,
    tree_size: Annotated[
        int | None, typer.Option(help="Prove against this size; default: latest.")
    ] = None,
) -> None:
    """Prove that one event is in the log at a checkpointed tree size."""
    log, tree = open_log(store)
    size = _size(log, tree_size)
    leaf = _leaf(log, event, index)
    if leaf.index >= size:
        msg = (
            f"leaf {leaf.index} is not in a tree of size {size}; "
            f"use --tree-size above {leaf.index}"
        )
        raise LedgerError(msg)
    proof = {
        "leafIdx": leaf.index,
        "treeSize": size,
        "root": _b64(tree.root(size)),
        "leafHash": _b64(leaf.hash),
        "proof": [_b64(h) for h in tree.inclusion_proof(leaf.index, size)],
    }
    out.print_json(json.dumps(proof))


@proof_app.command("consistency")
@reports_errors
def consistency(
    store: StoreOpt,
    size1: Annotated[int, typer.Option("--from", help="The older tree size.")],
    size2: Annotated[
        int | None, typer.Option("--to", help="The newer size; default: latest.")
    ] = None,
) -> None:
    """Prove that the log at --to extends the log at --from."""
    log, tree = open_log(store)
    newer = _size(log, size2)
    if not 0 < size1 <= newer:
        msg = f"--from {size1} must be between 1 and --to {newer}"
        raise LedgerError(msg)
    proof = {
        "size1": size1,
        "size2": newer,
        "root1": _b64(tree.root(size1)),
        "root2": _b64(tree.root(newer)),
        "proof": [_b64(h) for h in tree.consistency_proof(size1, newer)],
    }
    out.print_json(json.dumps(proof))


def _size(log: LogStore, requested: int | None) -> int:
    latest = log.latest_checkpoint()
    if latest is None:
        msg = "the log has no checkpoint yet: run `letopis seal`"
        raise LedgerError(msg)
    if requested is None:
        return latest.size
    if not 0 < requested <= latest.size:
        msg = (
            f"--tree-size {requested} is beyond the latest checkpoint ({latest.size}); "
            f"allowed: 1 to {latest.size}"
        )
        raise LedgerError(msg)
    return requested


def _leaf(log: LogStore, event: str | None, index: int | None) -> Leaf:
    if (event is None) == (index is None):
        msg = "name the event with exactly one of --event STREAM:SEQ or --index N"
        raise LedgerError(msg)
    if index is not None:
        found = log.leaf(index) if index >= 0 else None
        what = f"leaf index {index}"
    else:
        stream, seq = _event_name(event or "")
        found = log.leaf_of(stream, seq)
        what = f"event {event}"
    if found is None:
        msg = (
            f"{what} is not in the sealed log (size {log.size()}); run `letopis seal`?"
        )
        raise LedgerError(msg)
    return found


def _event_name(text: str) -> tuple[str, int]:
    stream, _, seq = text.rpartition(":")
    try:
        return str(UUID(stream)), int(seq)
    except ValueError as e:
        msg = f"event {text!r} is not STREAM:SEQ (a UUID, a colon, a number)"
        raise LedgerError(msg) from e
