"""`letopis accounts`: the records office manages who may sign in to the API.

Accounts are append-only: ``add`` writes version 1 of a login, ``passwd`` and
``deactivate`` write the next version, and the latest version wins (``list
--history`` shows every version). ``wrap-key`` moves a staff member's key kept
by the server from the server's passphrase to their own password
(``api.server.custody``); ``passwd`` wraps such a key again. Passwords come
from a prompt (asked twice) or one line on stdin (``--password-stdin``), never
from an argument, which would stay in the shell's history and the process list.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from uuid import UUID

import typer
from argon2 import PasswordHasher
from rich.table import Table

from api.cli.common import (
    JsonOpt,
    KeysOpt,
    StoreOpt,
    out,
    passphrase,
    require_store,
)
from api.server.accounts import (
    ROLES,
    STAFF_ROLES,
    Account,
    AccountError,
    AccountStore,
    AccountVersion,
    check_account,
    check_password,
)
from api.server.custody import PASSWORD as PASSWORD_CUSTODY
from api.server.custody import custody_of
from ledger.application import LedgerApplication
from ledger.keys.directory import KeyDirectory
from ledger.keys.wrapped import KdfCost
from ledger.storage.stores import open_ledger

app = typer.Typer(
    name="accounts",
    help="Add, list and change the accounts that sign in to the HTTP API.",
    no_args_is_help=True,
)
STAFF_TOPIC = "people.StaffMemberRegistered"
PUPIL_TOPIC = "people.StudentEnrolled"

PasswordStdinOpt = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from one line on stdin."),
]


@app.command("add")
def accounts_add(
    login: Annotated[str, typer.Argument(help="The login, e.g. ivanova.mp")],
    store: StoreOpt,
    keys: KeysOpt,
    role: Annotated[
        list[str], typer.Option(help=f"A role; repeat for more: {', '.join(ROLES)}.")
    ],
    name: Annotated[str, typer.Option(help="Display name, e.g. Иванова М. П.")] = "",
    staff: Annotated[
        str | None, typer.Option(help="Staff member id (staff roles).")
    ] = None,
    pupil: Annotated[
        list[str] | None,
        typer.Option(help="Pupil id: the pupil's own, or a guardian's child (repeat)."),
    ] = None,
    key_label: Annotated[
        str | None,
        typer.Option(help="Label of the staff member's key kept by the server."),
    ] = None,
    password_stdin: PasswordStdinOpt = False,
) -> None:
    """Add an account; refuses unknown roles, ids and weak passwords."""
    account = Account(
        login,
        tuple(role),
        _uuid(staff, "--staff") if staff else None,
        tuple(_uuid(p, "--pupil") for p in pupil or ()),
        key_label,
        name.strip(),
    )
    check_account(account)
    with _accounts(store, keys) as accounts:
        if accounts.latest(login) is not None:
            msg = f"account {login!r} exists already; pick another login"
            raise AccountError(msg)
        _check_links(accounts.app, account, keys)
        password = _password(login, password_stdin)
        accounts.add(account, password, by=_operator())
        version = accounts.latest(login)
    assert version is not None
    out.print(_table([version]))


@app.command("list")
def accounts_list(
    store: StoreOpt,
    keys: KeysOpt,
    as_json: JsonOpt = False,
    history: Annotated[
        bool, typer.Option("--history", help="Every version, not only the latest.")
    ] = False,
) -> None:
    """Every account (its latest version), or every version with --history."""
    with _accounts(store, keys) as accounts:
        versions = accounts.current()
        if history:
            versions = [v for c in versions for v in accounts.history(c.account.name)]
    if as_json:
        out.print_json(json.dumps([_json(v) for v in versions], ensure_ascii=False))
        return
    out.print(_table(versions))


@app.command("passwd")
def accounts_passwd(
    login: Annotated[str, typer.Argument(help="The login whose password changes.")],
    store: StoreOpt,
    keys: KeysOpt,
    password_stdin: PasswordStdinOpt = False,
    drop_key: Annotated[
        bool,
        typer.Option(
            "--drop-key",
            help="The current password is forgotten: destroy the key it wraps "
            "(revoke that key first) and unlink it from the account.",
        ),
    ] = False,
) -> None:
    """Set a new password (a new version of the account; reactivates it).

    A signing key wrapped by the account's own password (`wrap-key`) is
    wrapped again by the new one: the current password is asked first (with
    --password-stdin: the first line, the new one on the second)."""
    from api.server.custody import change_password, drop_wrapped_key

    with _accounts(store, keys) as accounts:
        latest = accounts.latest(login)
        if latest is None:
            known = ", ".join(v.account.name for v in accounts.current()) or "none"
            msg = f"no account {login!r}; known logins: {known}"
            raise AccountError(msg)
        directory = KeyDirectory.open(keys)
        if drop_key:
            password = _password(login, password_stdin)
            version = drop_wrapped_key(
                accounts, directory, login, password, by=_operator()
            )
            out.print(
                f"account {login}: new password, key dropped "
                f"(version {version.version})"
            )
            return
        current = None
        if custody_of(directory, latest.account.key_label) == PASSWORD_CUSTODY:
            current = _current_password(login, password_stdin)
        password = _password(login, password_stdin)
        version = change_password(
            accounts,
            directory,
            login,
            password,
            by=_operator(),
            current_password=current,
            cost=_kdf_cost(),
        )
    out.print(f"account {login}: new password (version {version.version})")


@app.command("wrap-key")
def accounts_wrap_key(
    login: Annotated[str, typer.Argument(help="The login whose key is moved.")],
    store: StoreOpt,
    keys: KeysOpt,
    password_stdin: PasswordStdinOpt = False,
) -> None:
    """Move an account's server-kept key from the server's passphrase to the
    person's own password: it then opens only at their sign-in.

    The person types the password they sign in with (checked against the
    account); the passphrase-wrapped copy of the key is destroyed."""
    from api.server.custody import move_key

    with _accounts(store, keys) as accounts:
        directory = KeyDirectory.open(keys, passphrase())
        if password_stdin:
            password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
        else:
            password = typer.prompt(f"Password of {login}", hide_input=True)
        wrapped = move_key(accounts, directory, login, password, cost=_kdf_cost())
    out.print(
        f"account {login}: key {wrapped.label!r} ({wrapped.key}) is now wrapped by "
        "their own password (argon2id + AES-256-GCM); the server's passphrase no "
        "longer opens it",
        soft_wrap=True,
        highlight=False,
    )


@app.command("deactivate")
def accounts_deactivate(
    login: Annotated[str, typer.Argument(help="The login to deactivate.")],
    store: StoreOpt,
    keys: KeysOpt,
) -> None:
    """Stop an account signing in (its tokens stop working within seconds)."""
    with _accounts(store, keys) as accounts:
        version = accounts.deactivate(login, by=_operator())
    out.print(f"account {login}: deactivated (version {version.version})")


# -- helpers ------------------------------------------------------------------------


@contextmanager
def _accounts(store: str, keys: Any) -> Iterator[AccountStore]:
    require_store(store)
    ledger = open_ledger(store, keys=keys)
    try:
        yield AccountStore(ledger, _hasher())
    finally:
        ledger.close()


def _hasher() -> PasswordHasher:
    """argon2id as the server hashes (``LETOPIS_PASSWORD_*`` or its defaults)."""
    from api.server.settings import Settings  # pydantic-settings, when needed

    fields = Settings.model_fields
    time_cost = os.environ.get(
        "LETOPIS_PASSWORD_TIME_COST", fields["password_time_cost"].default
    )
    memory = os.environ.get(
        "LETOPIS_PASSWORD_MEMORY_KIB", fields["password_memory_kib"].default
    )
    return PasswordHasher(time_cost=int(time_cost), memory_cost=int(memory))


def _kdf_cost() -> KdfCost:
    """argon2id's cost for a key wrapped by a password: the server's
    password-hashing cost (as :func:`_hasher`)."""
    hasher = _hasher()
    return KdfCost(hasher.time_cost, 4, hasher.memory_cost)


def _current_password(login: str, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    return str(
        typer.prompt(
            f"Current password of {login} (it opens their signing key)",
            hide_input=True,
        )
    )


def _uuid(text: str, option: str) -> UUID:
    try:
        return UUID(text)
    except ValueError as e:
        msg = f"{option} {text!r} is not an id; give the UUID of the person"
        raise AccountError(msg) from e


def _check_links(app: LedgerApplication, account: Account, keys: Any) -> None:
    """The staff member and pupils exist in the ledger; the key is theirs."""
    if account.staff is not None:
        if not account.has(*STAFF_ROLES):
            msg = "--staff is for staff roles only: " + ", ".join(STAFF_ROLES)
            raise AccountError(msg)
        _require_stream(app, account.staff, STAFF_TOPIC, "--staff", "staff member")
    for pupil in account.pupils:
        _require_stream(app, pupil, PUPIL_TOPIC, "--pupil", "pupil")
    if account.key_label is not None:
        _check_key(app, account, keys)


def _require_stream(
    app: LedgerApplication, stream: UUID, topic: str, option: str, what: str
) -> None:
    first = app.recorder.select_events(stream, limit=1)
    if not first or first[0].topic != topic:
        msg = (
            f"{option} {stream}: no {what} with this id in the ledger; give the id "
            f"of a {topic} event's stream"
        )
        raise AccountError(msg)


def _check_key(app: LedgerApplication, account: Account, keys: Any) -> None:
    directory = KeyDirectory.open(keys, passphrase())
    label = str(account.key_label)
    if label not in directory.signer_labels():
        known = ", ".join(directory.signer_labels()) or "none"
        msg = f"--key-label {label!r} is not in {keys}; known: {known}"
        raise AccountError(msg)
    record = app.context.registry.get(directory.signer(label).key_id)
    if record.holder != str(account.staff):
        msg = (
            f"--key-label {label!r} is held by {record.holder!r}, not by staff "
            f"member {account.staff}; give the label of their own key"
        )
        raise AccountError(msg)


def _password(login: str, from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    else:
        password = typer.prompt(
            f"Password for {login}", hide_input=True, confirmation_prompt=True
        )
    from api.server.demo_accounts import DEMO_PASSWORD

    if password == DEMO_PASSWORD:
        msg = "that is the demo password, printed by `serve --demo`; choose another"
        raise AccountError(msg)
    check_password(login, password)
    return password


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in a bare container
        return "cli"


def _json(version: AccountVersion) -> dict[str, Any]:
    a = version.account
    return {
        "login": a.name,
        "display_name": a.display_name,
        "roles": list(a.roles),
        "staff": str(a.staff) if a.staff else None,
        "pupils": [str(p) for p in a.pupils],
        "key_label": a.key_label,
        "active": version.active,
        "version": version.version,
        "change": version.change,
        "changed_by": version.changed_by,
        "since": version.created_at,
    }


def _table(versions: list[AccountVersion]) -> Table:
    table = Table(title="API accounts")
    for column in ("login", "name", "roles", "links", "key", "active", "version"):
        table.add_column(column)
    for v in versions:
        a = v.account
        links = [f"staff {a.staff}"] if a.staff else []
        links += [f"pupil {p}" for p in a.pupils]
        table.add_row(
            a.name,
            a.display_name or "—",
            ", ".join(a.roles),
            "\n".join(links) or "—",
            a.key_label or "—",
            "yes" if v.active else "no",
            f"{v.version} ({v.change} {v.created_at[:19]})",
        )
    return table
