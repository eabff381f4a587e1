"""`letopis witness`: run an independent witness, and point the school at one.

The witness side (another party, another machine): ``init`` makes its state
directory and key, ``add-log`` names a school's log it witnesses (origin and
log key), ``serve`` answers C2SP tlog-witness ``POST /add-checkpoint``. The
school's side: ``add`` configures a witness in the key directory (the sealer
then sends it every new checkpoint), ``status`` shows what was cosigned and
every failure recorded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import KeysOpt, out
from api.witness.witness import Witness, WitnessError
from ledger.log.witnesses import CONFIG, WitnessSender, load_witnesses
from verify.cosignature import parse_cosigner_vkey
from verify.errors import NoteError
from verify.note import parse_checkpoint

app = typer.Typer(
    name="witness", help="Independent witnesses of the log (C2SP tlog-witness)."
)

StateOpt = Annotated[
    Path, typer.Option("--state", help="The witness's own state directory.")
]


def _refuse(e: Exception) -> typer.Exit:
    typer.echo(f"error: {e}", err=True)
    return typer.Exit(2)


@app.command("init")
def init(
    state: StateOpt,
    name: Annotated[str, typer.Option(help="The witness's key name, e.g. a URL.")],
) -> None:
    """Make a witness: a state directory with a new Ed25519 key; print its vkey."""
    try:
        witness = Witness.create(state, name)
    except WitnessError as e:
        raise _refuse(e) from e
    typer.echo(witness.vkey)


@app.command("add-log")
def add_log(
    state: StateOpt,
    origin: Annotated[str, typer.Option(help="The log's origin line.")],
    vkey: Annotated[str, typer.Option(help="The log key (the export's log.vkey).")],
) -> None:
    """Witness one more log: its origin and the note key that signs it."""
    try:
        Witness(state).add_log(origin, vkey)
    except (WitnessError, NoteError) as e:
        raise _refuse(e) from e
    typer.echo(f"witnessing {origin}")


@app.command("serve")
def serve(
    state: StateOpt,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8700,
) -> None:
    """Answer POST /add-checkpoint (C2SP tlog-witness) for the logs added."""
    import uvicorn

    from api.witness.app import make_app

    try:
        witness = Witness(state)
    except WitnessError as e:
        raise _refuse(e) from e
    uvicorn.run(make_app(witness), host=host, port=port)


@app.command("add")
def add(
    keys: KeysOpt,
    url: Annotated[str, typer.Option(help="The witness's submission prefix URL.")],
    vkey: Annotated[str, typer.Option(help="The witness's cosigner vkey.")],
) -> None:
    """Send every new checkpoint of this school's log to one more witness."""
    try:
        name, _ = parse_cosigner_vkey(vkey)
    except NoteError as e:
        raise _refuse(e) from e
    if not url.startswith(("http://", "https://")):
        raise _refuse(ValueError(f"url {url!r} must start with http:// or https://"))
    known = load_witnesses(keys)
    if any(w.name == name for w in known):
        raise _refuse(ValueError(f"witness {name!r} is configured already"))
    entries = [{"url": w.url, "vkey": w.vkey} for w in known]
    entries.append({"url": url, "vkey": vkey})
    text = json.dumps({"witnesses": entries}, indent=2, ensure_ascii=False) + "\n"
    (keys / CONFIG).write_text(text, encoding="utf-8")
    typer.echo(f"witness {name} added")


@app.command("status")
def status(keys: KeysOpt) -> None:
    """The witnesses, the latest size each cosigned, and failures recorded."""
    sender = WitnessSender(keys)
    cosigned = sender.cosigned()
    for witness in sender.witnesses():
        name = witness.name
        sizes = [
            size
            for size, note in cosigned.items()
            if any(s.name == name for s in parse_checkpoint(note).signatures)
        ]
        latest = max(sizes) if sizes else "none"
        out.print(f"{name} {witness.url}: latest cosigned size {latest}")
    failures = sender.failures()
    for failure in failures[-20:]:
        out.print(
            f"failed {failure['at']} {failure['witness']} size {failure['size']}: "
            f"{failure['error']}",
            markup=False,
        )
    if not failures:
        out.print("no witness failures recorded")
