"""`letopis log renew-key`, `renew` and `status`: the log's second key and
renewal checkpoints (issue 16, item 7), and what the witnesses cosigned."""

from __future__ import annotations

import typer

from api.cli.common import KeysOpt, StoreOpt, open_app, out, passphrase
from ledger.log.pqkey import create_pq_key, pq_public_key
from ledger.log.renewal import renew as renew_log
from ledger.log.renewal import renewals
from ledger.log.witnesses import WitnessSender
from verify.note import parse_checkpoint

app = typer.Typer(name="log", help="The log's keys over decades: renewal, witnesses.")


@app.command("renew-key")
def renew_key(keys: KeysOpt) -> None:
    """Make the log's ML-DSA-65 key; from then on it co-signs every checkpoint."""
    public = create_pq_key(keys, passphrase())
    typer.echo(
        f"ML-DSA-65 log key made ({len(public)} bytes); {keys / 'log-mldsa65.pub'}"
    )


@app.command("renew")
def renew(store: StoreOpt, keys: KeysOpt) -> None:
    """Seal, then sign a renewal checkpoint of the whole log under ML-DSA-65."""
    ledger = open_app(store, keys)
    try:
        note = renew_log(ledger)
    finally:
        ledger.close()
    typer.echo(note.split("\n\n")[0])  # the note's text; the signatures are long


@app.command("status")
def status(keys: KeysOpt) -> None:
    """The renewal checkpoints made, the witnesses and their failures."""
    public = pq_public_key(keys)
    out.print(f"ML-DSA-65 log key: {'yes' if public else 'none'}")
    for size, note in sorted(renewals(keys).items()):
        renewed = parse_checkpoint(note).body.split("\n")[3]
        out.print(f"renewal at size {size}: {renewed}", markup=False)
    sender = WitnessSender(keys)
    cosigned = sender.cosigned()
    for witness in sender.witnesses():
        sizes = [
            size
            for size, text in cosigned.items()
            if any(s.name == witness.name for s in parse_checkpoint(text).signatures)
        ]
        latest = max(sizes) if sizes else "none"
        out.print(
            f"witness {witness.name}: latest cosigned size {latest}", markup=False
        )
    failures = sender.failures()
    for failure in failures[-20:]:
        out.print(
            f"witness failure {failure['at']} {failure['witness']} size "
            f"{failure['size']}: {failure['error']}",
            markup=False,
        )
