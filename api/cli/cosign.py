"""`letopis cosign`: records waiting for a co-signature, without the web app.

The same desk and table as ``/cosignatures`` (``api.server.cosign``): the
director (or whoever a request waits for) lists what waits, reads one request
with what signing would append now, and signs or declines it with a reason.
Each command names the account it acts as (``--account``) and asks for its
password (a prompt, or one line on stdin with ``--password-stdin``), as the
server does at sign-in; the keys are opened with ``LETOPIS_KEY_PASSPHRASE``.
The school and the expiry are the server's settings (``LETOPIS_SCHOOL``,
``LETOPIS_COSIGN_DAYS``).
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import typer
from rich.table import Table

from api.cli.common import JsonOpt, KeysOpt, StoreOpt, out, passphrase, require_store
from ledger.errors import LedgerError

if TYPE_CHECKING:
    from api.server.accounts import Account
    from api.server.cosign import CosignDesk, PendingRequest

app = typer.Typer(
    name="cosign",
    help="List, read, sign or decline records waiting for a co-signature.",
    no_args_is_help=True,
)
AccountOpt = Annotated[
    str, typer.Option("--account", help="The login you act as, e.g. the director's.")
]
PasswordStdinOpt = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from one line on stdin."),
]
RequestArg = Annotated[str, typer.Argument(help="The request's id (from `list`).")]


@app.command("list")
def cosign_list(
    store: StoreOpt,
    keys: KeysOpt,
    account: AccountOpt,
    password_stdin: PasswordStdinOpt = False,
    everything: Annotated[
        bool, typer.Option("--all", help="Also signed, declined and expired ones.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Requests you may co-sign or have submitted (open ones unless --all)."""
    with _desk(store, keys, account, password_stdin) as (desk, me):
        found = desk.visible(me, closed=everything)
        now = desk.office.now()
        if as_json:
            out.print_json(
                json.dumps([_json(r, now) for r in found], ensure_ascii=False)
            )
            return
        table = Table("id", "state", "submitted by", "expires", "what")
        for r in found:
            table.add_row(
                str(r.id),
                r.state_at(now),
                r.submitted_by,
                f"{r.expires_at:%d.%m.%Y %H:%M}",
                r.summary.splitlines()[0],
            )
        out.print(table if found else "nothing waits for a co-signature")


@app.command("show")
def cosign_show(
    request: RequestArg,
    store: StoreOpt,
    keys: KeysOpt,
    account: AccountOpt,
    password_stdin: PasswordStdinOpt = False,
) -> None:
    """One request in full, and what signing it would append now."""
    with _desk(store, keys, account, password_stdin) as (desk, me):
        found = desk.show(_id(request), me)
        now = desk.office.now()
        out.print(found.summary, highlight=False, soft_wrap=True)
        out.print(f"state: {found.state_at(now)}; submitted by {found.submitted_by}")
        waiting = ", ".join(n.who for n in found.open_needs()) or "nobody"
        out.print(f"waits for: {waiting}; expires {found.expires_at:%d.%m.%Y %H:%M}")
        if found.reason:
            out.print(f"{found.state} by {found.decided_by}: {found.reason}")
        if found.state_at(now) == "pending":
            preview = desk.preview(found)
            if preview.refused:
                out.print(f"the rules refuse it now: {preview.refused}")
            else:
                types = ", ".join(e["type"] for e in preview.envelopes)
                out.print(f"would append: {types}\nreviewed digest: {preview.digest}")


@app.command("sign")
def cosign_sign(
    request: RequestArg,
    store: StoreOpt,
    keys: KeysOpt,
    account: AccountOpt,
    password_stdin: PasswordStdinOpt = False,
    reviewed: Annotated[
        str | None,
        typer.Option(help="The digest `show` printed: refused if it changed since."),
    ] = None,
) -> None:
    """Co-sign; the last signature missing appends the record."""
    with _desk(store, keys, account, password_stdin) as (desk, me):
        done = desk.sign(_id(request), me, reviewed=reviewed)
    if done.state == "signed":
        out.print(f"signed and appended: {', '.join(done.events)}")
    else:
        waiting = ", ".join(n.who for n in done.open_needs())
        out.print(f"co-signed; the request waits for {waiting}")


@app.command("decline")
def cosign_decline(
    request: RequestArg,
    store: StoreOpt,
    keys: KeysOpt,
    account: AccountOpt,
    reason: Annotated[str, typer.Option(help="Why; the submitter reads it.")],
    password_stdin: PasswordStdinOpt = False,
) -> None:
    """Refuse to co-sign, with the reason; nothing is appended."""
    with _desk(store, keys, account, password_stdin) as (desk, me):
        done = desk.decline(_id(request), me, reason)
    out.print(f"declined {done.id}: {done.reason}")


@app.command("expire")
def cosign_expire(store: StoreOpt, keys: KeysOpt) -> None:
    """Write down the expiry of every pending request past its time."""
    from api.server.cosign import CosignDesk

    with _office(store, keys) as office:
        done = CosignDesk(office).expire()
    out.print(f"{len(done)} request(s) expired")


# -- helpers ------------------------------------------------------------------------


@contextmanager
def _office(store: str, keys: Path) -> Iterator[Any]:
    from pydantic import SecretStr

    from api.server.office import Office
    from api.server.settings import Settings

    require_store(store)
    settings = Settings(store=store, keys=keys, key_passphrase=SecretStr(passphrase()))
    office = Office(settings)
    try:
        yield office
    finally:
        office.close()


@contextmanager
def _desk(
    store: str, keys: Path, login: str, password_stdin: bool
) -> Iterator[tuple[CosignDesk, Account]]:
    """The office's desk and the account signed in with its password."""
    from api.server.cosign import desk_for

    with _office(store, keys) as office:
        password = _password(login, password_stdin)
        account = office.accounts.authenticate(login, password)
        if account is None:
            msg = f"account {login!r} and this password do not sign in; nothing done"
            raise LedgerError(msg)
        yield desk_for(office), account


def _password(login: str, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass(f"password of {login}: ")


def _id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError as e:
        msg = f"request {text!r} is not an id; use one that `letopis cosign list` shows"
        raise LedgerError(msg) from e


def _json(r: PendingRequest, now: Any) -> dict[str, Any]:
    return {
        "id": str(r.id),
        "state": r.state_at(now),
        "command": r.command,
        "summary": r.summary,
        "submitted_by": r.submitted_by,
        "submitted_at": r.submitted_at.isoformat(),
        "expires_at": r.expires_at.isoformat(),
        "waiting_for": [n.as_json() for n in r.open_needs()],
        "decided_by": r.decided_by,
        "reason": r.reason,
        "events": list(r.events),
    }
