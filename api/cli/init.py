"""`letopis init`: the key directory, the store, and the log key (DESIGN §7)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from api.cli.common import KeysOpt, StoreOpt, out, passphrase
from ledger.storage.init import initialise

app = typer.Typer()


@app.command()
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
