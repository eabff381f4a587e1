"""The `letopis` command line (DESIGN §7).

Every command takes ``--store`` (``LETOPIS_STORE``) and ``--keys``
(``LETOPIS_KEYS``). Errors the ledger raises on purpose are printed as one line
that says what is wrong and what is allowed, with exit code 2.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from ledger.application import LedgerApplication
from ledger.envelope import parse_time
from ledger.errors import LedgerError
from ledger.keys.directory import PASSPHRASE_ENV, KeyDirectory, SigningKey
from ledger.keys.registry import KeyRecord
from ledger.keys.services import (
    list_signers,
    register_signer,
    revoke_signer,
    rotate_signer,
)
from ledger.log import Sealer
from ledger.storage.init import initialise
from ledger.storage.stores import open_ledger

app = typer.Typer(
    name="letopis",
    help="Letopis: a signed, append-only records ledger for schools.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
keys_app = typer.Typer(
    help="List, add, rotate and revoke signer keys.", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")

out = Console()
err = Console(stderr=True)

StoreOpt = Annotated[
    str,
    typer.Option(
        "--store",
        envvar="LETOPIS_STORE",
        help="sqlite:///path.db (embedded default) or postgresql://user@host/db",
    ),
]
KeysOpt = Annotated[
    Path,
    typer.Option("--keys", envvar="LETOPIS_KEYS", help="The school's key directory."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print data as JSON.")]

P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn a LedgerError into one clear line on stderr and exit code 2."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except LedgerError as e:
            err.print(f"[red]error:[/red] {e}", highlight=False)
            raise typer.Exit(2) from e

    return run


def _passphrase() -> str:
    passphrase = os.environ.get(PASSPHRASE_ENV, "")
    if not passphrase:
        msg = f"no passphrase: set {PASSPHRASE_ENV} to open the school's keys"
        raise LedgerError(msg)
    return passphrase


def _time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    text = value if "T" in value else f"{value}T00:00:00"
    try:
        return parse_time(text if text.endswith("Z") else f"{text}Z")
    except LedgerError as e:
        msg = f"{name} {value!r} is not a date (YYYY-MM-DD) or UTC time (…T…Z)"
        raise LedgerError(msg) from e


def open_app(store: str, keys: Path) -> LedgerApplication:
    """The ledger on ``store`` with verification on read, for one command."""
    return open_ledger(store, keys=keys, passphrase=_passphrase(), verify_on_read=True)


@app.command()
@reports_errors
def init(
    store: StoreOpt,
    keys: KeysOpt,
    origin: Annotated[
        str,
        typer.Option(
            help="Origin of the school's log, e.g. letopis.example/school-131"
        ),
    ] = "letopis.example/school",
    owner_role: Annotated[
        str, typer.Option(help="PostgreSQL owner role.")
    ] = "letopis_owner",
    app_role: Annotated[
        str, typer.Option(help="PostgreSQL application role.")
    ] = "letopis_app",
) -> None:
    """Create the key directory and the store, and register the log key.

    Also creates the HTTP API's append-only tables (accounts, access log); on
    PostgreSQL run it as the administrator, and again after an upgrade.
    """
    from api.server.tables import API_TABLES

    done = initialise(
        store,
        keys,
        origin=origin,
        passphrase=_passphrase(),
        owner_role=owner_role,
        app_role=app_role,
        app_password=os.environ.get("LETOPIS_DB_APP_PASSWORD"),
        side_tables=API_TABLES,
    )
    made = "created" if done.created_keys else "kept"
    out.print(
        f"log {done.origin}: log key {done.log_key} ({made} key directory {keys})"
    )
    out.print(f"the application uses: --store {done.app_url}")


@keys_app.command("list")
@reports_errors
def keys_list(store: StoreOpt, keys: KeysOpt, as_json: JsonOpt = False) -> None:
    """Every registered key with its holder, roles and validity window."""
    ledger = open_app(store, keys)
    try:
        records = list_signers(ledger)
    finally:
        ledger.close()
    if as_json:
        out.print_json(json.dumps([_record_json(r) for r in records]))
        return
    out.print(_keys_table(records))


@keys_app.command("add")
@reports_errors
def keys_add(
    label: Annotated[
        str, typer.Argument(help="File label for a new key, e.g. ivanova")
    ],
    store: StoreOpt,
    keys: KeysOpt,
    holder: Annotated[str, typer.Option(help="Who holds the key (staff id or name).")],
    role: Annotated[list[str], typer.Option(help="A signing role; repeat for more.")],
    valid_from: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD; default now.")
    ] = None,
    valid_until: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD; default open.")
    ] = None,
    public_key: Annotated[
        str | None,
        typer.Option(help="Register this hex public key instead of a new one."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Register a signer key (a new one kept in the key directory, or a given one)."""
    directory = KeyDirectory.open(keys, _passphrase())
    ledger = open_app(store, keys)
    new_key = None if public_key else SigningKey.generate()
    try:
        if new_key is not None:
            directory.check_new_label(label)
        record = register_signer(
            ledger,
            directory.log_key(),
            public_key=new_key.public_bytes if new_key else _public_key(public_key),
            holder=holder,
            roles=role,
            valid_from=_time(valid_from, "--valid-from") or datetime.now(UTC),
            valid_until=_time(valid_until, "--valid-until"),
        )
        if new_key is not None:
            directory.add_signer(label, new_key)
        Sealer(ledger).seal()
    finally:
        ledger.close()
    _print_record(record, as_json)


@keys_app.command("revoke")
@reports_errors
def keys_revoke(
    key: Annotated[str, typer.Argument(help="Key id to revoke.")],
    store: StoreOpt,
    keys: KeysOpt,
    reason: Annotated[str, typer.Option(help="Why: left school, key lost, ...")],
    compromised_at: Annotated[
        str | None,
        typer.Option(help="When the key was compromised (voids later sigs)."),
    ] = None,
) -> None:
    """Revoke a signer key from now on (and void it from --compromised-at)."""
    directory = KeyDirectory.open(keys, _passphrase())
    ledger = open_app(store, keys)
    try:
        revoke_signer(
            ledger,
            directory.log_key(),
            key,
            revoked_at=datetime.now(UTC),
            compromised_at=_time(compromised_at, "--compromised-at"),
            reason=reason,
        )
        Sealer(ledger).seal()
    finally:
        ledger.close()
    out.print(f"key {key} revoked")


@keys_app.command("rotate")
@reports_errors
def keys_rotate(
    key: Annotated[str, typer.Argument(help="Key id to replace.")],
    label: Annotated[str, typer.Argument(help="File label for the successor key.")],
    store: StoreOpt,
    keys: KeysOpt,
    as_json: JsonOpt = False,
) -> None:
    """Replace a key by a new one: old revoked and successor registered at once."""
    directory = KeyDirectory.open(keys, _passphrase())
    ledger = open_app(store, keys)
    successor = SigningKey.generate()
    try:
        directory.check_new_label(label)
        record = rotate_signer(
            ledger,
            directory.log_key(),
            key,
            new_public_key=successor.public_bytes,
            at=datetime.now(UTC),
        )
        directory.add_signer(label, successor)
        Sealer(ledger).seal()
    finally:
        ledger.close()
    _print_record(record, as_json)


def _public_key(text: str | None) -> bytes:
    try:
        raw = bytes.fromhex(text or "")
    except ValueError as e:
        msg = f"--public-key {text!r} is not hex; give the 32-byte Ed25519 key in hex"
        raise LedgerError(msg) from e
    return raw


def _record_json(record: KeyRecord) -> dict[str, Any]:
    def when(t: datetime | None) -> str | None:
        return t.isoformat() if t else None

    return {
        "key": record.key,
        "holder": record.holder,
        "roles": list(record.roles),
        "valid_from": when(record.valid_from),
        "valid_until": when(record.valid_until),
        "revoked_at": when(record.revoked_at),
        "compromised_at": when(record.compromised_at),
    }


def _print_record(record: KeyRecord, as_json: bool) -> None:
    if as_json:
        out.print_json(json.dumps(_record_json(record)))
    else:
        out.print(_keys_table([record]))


def _keys_table(records: list[KeyRecord]) -> Table:
    table = Table(title="Signer keys")
    for column in (
        "key id",
        "holder",
        "roles",
        "valid from",
        "until",
        "revoked",
        "compromised",
    ):
        table.add_column(column)
    for r in records:
        row = _record_json(r)
        table.add_row(
            r.key,
            r.holder,
            ", ".join(r.roles),
            *(
                str(row[k] or "—")[:19]
                for k in ("valid_from", "valid_until", "revoked_at", "compromised_at")
            ),
        )
    return table


def main() -> None:
    """Entry point of the `letopis` console script."""
    from api.cli import (  # noqa: F401 - each registers its commands
        accounts,
        export,
        log,
        policy,
        report,
        serve,
        verify,
    )
    from simulation import demo  # noqa: F401 - registers `letopis demo`

    app.add_typer(policy.app, name="policy")
    app(prog_name="letopis")
    sys.exit(0)
