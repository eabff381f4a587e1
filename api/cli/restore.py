"""`letopis restore`: an exported archive as a new store the log continues in."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import KeysOpt, StoreOpt, out, passphrase
from ledger.archive.restore import restore_store

app = typer.Typer()


@app.command()
def restore(
    archive: Annotated[
        Path, typer.Option("--archive", help="The exported bag (`letopis export`).")
    ],
    store: StoreOpt,
    keys: KeysOpt,
    owner_role: Annotated[
        str, typer.Option(help="PostgreSQL owner role.")
    ] = "letopis_owner",
    app_role: Annotated[
        str, typer.Option(help="PostgreSQL application role.")
    ] = "letopis_app",
) -> None:
    """Make a new, empty store from an exported archive: the same envelopes in
    the same order, the same checkpoints and tree; the log continues there.

    On PostgreSQL run it as the administrator, as `letopis init`.
    """
    from api.server.tables import API_TABLES

    done = restore_store(
        archive,
        store,
        keys,
        passphrase=passphrase(),
        owner_role=owner_role,
        app_role=app_role,
        app_password=os.environ.get("LETOPIS_DB_APP_PASSWORD"),
        side_tables=API_TABLES,
    )
    say = partial(out.print, highlight=False, soft_wrap=True)
    say(f"restored {done.entries} entries from {archive}, covered by:")
    say(done.checkpoint, end="")
    say(f"the application uses: --store {done.app_url}")
