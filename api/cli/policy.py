"""`letopis policy`: the signing and retention policies the log holds.

A policy is an entry of the log, not a file (issue 11, item 5):
``letopis policy show`` prints the one in force, ``letopis policy set FILE
--key-label LABEL`` puts a new one in force, signed by the director's key of
that label in the key directory. A log made before policies were logged gets
its first one with ``--log-key`` (signed by the school's log key).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import KeysOpt, StoreOpt, open_app, out
from ledger.errors import LedgerError
from ledger.log import Sealer
from ledger.policy import read_policy_file
from ledger.policy_log import RETENTION, SIGNING, load_policy
from ledger.records.policies import set_policy

app = typer.Typer(
    name="policy",
    help="Show or change the signing and retention policies the log holds.",
    no_args_is_help=True,
)

RetentionOpt = Annotated[
    bool, typer.Option("--retention", help="The retention policy, not the signing.")
]


@app.command("set")
def set_command(
    file: Annotated[Path, typer.Argument(help="The new policy, a TOML file.")],
    store: StoreOpt,
    keys: KeysOpt,
    key_label: Annotated[
        str | None,
        typer.Option(help="Label of the director's key in the key directory."),
    ] = None,
    log_key: Annotated[
        bool,
        typer.Option(
            "--log-key",
            help="Sign with the log key: only a log's first policy of its kind.",
        ),
    ] = False,
    retention: RetentionOpt = False,
) -> None:
    """Put a policy in force from the next entry on (the director signs it)."""
    if (key_label is not None) == log_key:
        msg = (
            "name who signs: --key-label LABEL (the director's key) or --log-key "
            "(the log key, for a log's first policy only)"
        )
        raise LedgerError(msg)
    name = RETENTION if retention else SIGNING
    text = read_policy_file(file)
    ledger = open_app(store, keys)
    try:
        directory = ledger.context.keys
        signer = (
            ledger.context.log_key() if log_key else directory.signer(key_label or "")
        )
        record = set_policy(ledger, signer, name, text)
        Sealer(ledger).seal()
    finally:
        ledger.close()
    done = "adopted" if record.version == 1 else "changed"
    out.print(
        f"{name} policy {done}: {record.sha256} is in force from entry "
        f"{record.id}:{record.version} on",
        highlight=False,
    )


@app.command("show")
def show_command(
    store: StoreOpt, keys: KeysOpt, retention: RetentionOpt = False
) -> None:
    """Print the policy in force, exactly as the log holds it."""
    name = RETENTION if retention else SIGNING
    ledger = open_app(store, keys)
    try:
        record = load_policy(ledger, name)
    finally:
        ledger.close()
    if record is None:
        msg = (
            f"this log holds no {name} policy; adopt one with `letopis policy set "
            "FILE --log-key`"
        )
        raise LedgerError(msg)
    typer.echo(record.toml, nl=False)
