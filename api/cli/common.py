"""What every `letopis` command shares: options, consoles, opening the store.

Every command that works on a store takes ``--store`` (``LETOPIS_STORE``) and
``--keys`` (``LETOPIS_KEYS``), and opens the store through :func:`open_app`,
:func:`open_reading` or :func:`require_store`, which refuse a store that does
not exist (only `letopis init` makes one). Errors are turned into one sentence
and an exit code in one place, the root group (:mod:`api.cli`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from ledger.errors import LedgerError

if TYPE_CHECKING:  # the ledger's modules load when a command opens a store
    from ledger.application import LedgerApplication
    from ledger.log import LogStore, StoredTree

#: ``ledger.keys.directory.PASSPHRASE_ENV``, without loading the keys' crypto.
PASSPHRASE_ENV = "LETOPIS_KEY_PASSPHRASE"  # noqa: S105 - a variable name

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


def say_error(message: object, label: str = "error") -> None:
    """One line on stderr: ``error: …`` (or another label), the message as it is."""
    err.print(
        f"[red]{label}:[/red] {escape(str(message))}", highlight=False, soft_wrap=True
    )


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn a LedgerError into one clear line on stderr and exit code 2.

    The root group does this for every command it holds; this wrapper is for a
    command function called outside it.
    """

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        from ledger.log import LogIntegrityError

        try:
            return command(*args, **kwargs)
        except LogIntegrityError as e:  # the sealer's refusal is a finding
            say_error(e, "refused")
            raise typer.Exit(1) from e
        except LedgerError as e:
            say_error(e)
            raise typer.Exit(2) from e

    return run


def passphrase() -> str:
    """The key directory's passphrase from ``LETOPIS_KEY_PASSPHRASE``."""
    given = os.environ.get(PASSPHRASE_ENV, "")
    if not given:
        msg = f"no passphrase: set {PASSPHRASE_ENV} to open the school's keys"
        raise LedgerError(msg)
    return given


def moment(value: str | None, name: str) -> datetime | None:
    """A date (``YYYY-MM-DD``, midnight UTC) or UTC time given as option ``name``."""
    if value is None:
        return None
    from ledger.envelope import parse_time

    text = value if "T" in value else f"{value}T00:00:00"
    try:
        return parse_time(text if text.endswith("Z") else f"{text}Z")
    except LedgerError as e:
        msg = f"{name} {value!r} is not a date (YYYY-MM-DD) or UTC time (…T…Z)"
        raise LedgerError(msg) from e


def require_store(store: str) -> None:
    """Refuse a store that does not exist (no file, database or schema)."""
    from ledger.storage import existing

    existing.require_store(store)


def open_app(store: str, keys: Path) -> LedgerApplication:
    """The ledger on ``store`` with verification on read, for one command."""
    from ledger.storage.stores import open_ledger

    require_store(store)
    return open_ledger(store, keys=keys, passphrase=passphrase(), verify_on_read=True)


def open_reading(store: str, keys: Path) -> LedgerApplication:
    """The ledger for reading: no verify-on-read (the verifier's job); the
    passphrase, when set, opens personal data (names)."""
    from ledger.storage.stores import open_ledger

    require_store(store)
    given = os.environ.get(PASSPHRASE_ENV) or None
    return open_ledger(store, keys=keys, passphrase=given, verify_on_read=False)


def open_store_log(store: str) -> tuple[LogStore, StoredTree]:
    """The Merkle log of ``store``, read-only, without keys."""
    from ledger.log import open_log

    require_store(store)
    return open_log(store)
