"""`letopis init`: the key directory, the store, and the log key (DESIGN §7)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import KeysOpt, StoreOpt, out, passphrase
from ledger.storage.init import initialise

app = typer.Typer()
DEFAULT_ORIGIN = "letopis.example/school"


@app.command()
def init(
    store: StoreOpt,
    keys: KeysOpt,
    origin: Annotated[
        str,
        typer.Option(
            help="Origin of the school's log, e.g. letopis.example/school-131"
        ),
    ] = DEFAULT_ORIGIN,
    owner_role: Annotated[
        str, typer.Option(help="PostgreSQL owner role.")
    ] = "letopis_owner",
    app_role: Annotated[
        str, typer.Option(help="PostgreSQL application role.")
    ] = "letopis_app",
    school: Annotated[
        str | None,
        typer.Option(
            help="Add this school to a deployment of many schools: --store is "
            "then the deployment's base URL (PostgreSQL: the school gets schema "
            "school_<code>; SQLite: a directory, the school gets <code>.db) and "
            "--keys its keys root (the school's keys go to <keys>/<code>). A "
            "running `letopis serve` with LETOPIS_MANY_SCHOOLS finds it."
        ),
    ] = None,
) -> None:
    """Create the key directory and the store, and register the log key.

    Also creates the HTTP API's append-only tables (accounts, access log); on
    PostgreSQL run it as the administrator, and again after an upgrade.
    """
    from api.server.tables import API_TABLES

    if school is not None:
        store, keys, origin = _school(store, keys, origin, school)

    done = initialise(
        store,
        keys,
        origin=origin,
        passphrase=passphrase(),
        owner_role=owner_role,
        app_role=app_role,
        app_password=os.environ.get("LETOPIS_DB_APP_PASSWORD"),
        side_tables=API_TABLES,
    )
    made = "created" if done.created_keys else "kept"
    out.print(
        f"log {done.origin}: log key {done.log_key} ({made} key directory {keys})",
        soft_wrap=True,
    )
    if done.kept_events:
        out.print(
            f"the store holds {done.kept_events} events, all sealed: nothing "
            "recorded; missing tables added",
            soft_wrap=True,
        )
    out.print(f"the application uses: --store {done.app_url}", soft_wrap=True)
    if school is not None:
        out.print(f"school {school}: --keys {keys}", soft_wrap=True)


def _school(store: str, keys: Path, origin: str, code: str) -> tuple[str, Path, str]:
    """The school's own store URL, key directory and origin in the deployment."""
    from ledger.storage.schools import school_keys, school_store

    if origin == DEFAULT_ORIGIN:
        origin = f"letopis.example/{code}"
    return school_store(store, code), school_keys(keys, code), origin
