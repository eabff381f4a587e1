"""`letopis keys list | add | revoke | rotate`: the school's signer keys (DESIGN §4);
`letopis keys destroy-data-key`: a pupil's personal data erased
(``ledger.records.erasure``).

A key's holder is a registered staff member of this school, named by their id
(``people.StaffMemberRegistered``), and its roles are roles of the signing
policy that the staff member's registered position allows
(:func:`ledger.keys.services.check_holder`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import typer
from rich.table import Table

from api.cli.common import JsonOpt, KeysOpt, StoreOpt, moment, open_app, out, passphrase
from ledger.errors import LedgerError
from ledger.keys.directory import KeyDirectory, SigningKey
from ledger.keys.registry import KeyRecord
from ledger.keys.services import (
    check_holder,
    list_signers,
    register_signer,
    revoke_signer,
    rotate_signer,
)
from ledger.keys.wrapped import Kept, kept_keys

if TYPE_CHECKING:
    from ledger.application import LedgerApplication

app = typer.Typer(
    name="keys",
    help="List, add, rotate and revoke signer keys.",
    no_args_is_help=True,
)


@app.command("list")
def keys_list(store: StoreOpt, keys: KeysOpt, as_json: JsonOpt = False) -> None:
    """Every registered key with its holder, roles and validity window, and
    where its private key is kept: by the server under its passphrase, by the
    server under its holder's own password, or not by the server at all (a
    browser's or a device's own key)."""
    ledger = open_app(store, keys)
    try:
        records = list_signers(ledger)
    finally:
        ledger.close()
    kept = kept_keys(KeyDirectory.open(keys))
    if as_json:
        rows = [{**_record_json(r), "custody": _custody_json(r, kept)} for r in records]
        out.print_json(json.dumps(rows))
        return
    out.print(_keys_table(records, kept))


@app.command("add")
def keys_add(
    label: Annotated[
        str, typer.Argument(help="File label for a new key, e.g. ivanova")
    ],
    store: StoreOpt,
    keys: KeysOpt,
    holder: Annotated[
        str, typer.Option(help="The staff member's id (people.StaffMemberRegistered).")
    ],
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
    first_staff: Annotated[
        bool,
        typer.Option(
            "--first-staff",
            help="The holder is not registered yet: one of the first staff, who "
            "register the staff (only while no staff member is registered).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Register a signer key (a new one kept in the key directory, or a given one)."""
    ledger = open_app(store, keys)
    new_key = None if public_key else SigningKey.generate()
    try:
        directory = KeyDirectory.open(keys, passphrase())
        if new_key is not None:
            directory.check_new_label(label)
        staff = check_holder(ledger, holder, role, first_staff=first_staff)
        record = register_signer(
            ledger,
            directory.log_key(),
            public_key=new_key.public_bytes if new_key else _public_key(public_key),
            holder=staff,
            roles=role,
            valid_from=moment(valid_from, "--valid-from") or datetime.now(UTC),
            valid_until=moment(valid_until, "--valid-until"),
        )
        if new_key is not None:
            directory.add_signer(label, new_key)
        _seal(ledger)
    finally:
        ledger.close()
    _print_record(record, as_json)


@app.command("revoke")
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
    ledger = open_app(store, keys)
    try:
        directory = KeyDirectory.open(keys, passphrase())
        revoke_signer(
            ledger,
            directory.log_key(),
            key,
            revoked_at=datetime.now(UTC),
            compromised_at=moment(compromised_at, "--compromised-at"),
            reason=reason,
        )
        _seal(ledger)
    finally:
        ledger.close()
    out.print(f"key {key} revoked")


@app.command("rotate")
def keys_rotate(
    key: Annotated[str, typer.Argument(help="Key id to replace.")],
    label: Annotated[str, typer.Argument(help="File label for the successor key.")],
    store: StoreOpt,
    keys: KeysOpt,
    as_json: JsonOpt = False,
) -> None:
    """Replace a key by a new one: old revoked and successor registered at once."""
    ledger = open_app(store, keys)
    successor = SigningKey.generate()
    try:
        directory = KeyDirectory.open(keys, passphrase())
        directory.check_new_label(label)
        record = rotate_signer(
            ledger,
            directory.log_key(),
            key,
            new_public_key=successor.public_bytes,
            at=datetime.now(UTC),
        )
        directory.add_signer(label, successor)
        _seal(ledger)
    finally:
        ledger.close()
    _print_record(record, as_json)


def _seal(ledger: LedgerApplication) -> None:
    """Seal the key change at once (the sealer loads only for a change)."""
    from ledger.log import Sealer

    Sealer(ledger).seal()


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
        out.print(_keys_table([record], None))


def _custody_json(record: KeyRecord, kept: dict[str, Kept]) -> dict[str, Any]:
    found = kept.get(record.key)
    if found is None:
        kind = "seal" if "seal" in record.roles else "client"
        return {"path": kind, "label": None, "login": None}
    return {"path": found.path, "label": found.label, "login": found.login}


def _custody_text(record: KeyRecord, kept: dict[str, Kept]) -> str:
    shown = _custody_json(record, kept)
    return {
        "seal": "log key (passphrase)",
        "client": "not kept here (browser or device)",
        "passphrase": f"server: passphrase ({shown['label']})",
        "password": f"server: password of {shown['login']} ({shown['label']})",
    }[shown["path"]]


def _keys_table(records: list[KeyRecord], kept: dict[str, Kept] | None) -> Table:
    table = Table(title="Signer keys")
    for column in (
        "key id",
        "holder",
        "roles",
        "valid from",
        "until",
        "revoked",
        "compromised",
        "kept",
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
            "—" if kept is None else _custody_text(r, kept),
        )
    return table


@app.command("destroy-data-key")
def keys_destroy_data_key(
    pupil: Annotated[
        str,
        typer.Argument(help="The pupil: personal file number (К-25) or pupil id."),
    ],
    store: StoreOpt,
    keys: KeysOpt,
    reason: Annotated[
        str,
        typer.Option(
            help="The act or request the erasure follows (number and date).",
        ),
    ],
    signer: Annotated[
        str, typer.Option("--as", help="The director's key label or personnel number.")
    ],
    ground: Annotated[
        str,
        typer.Option(
            help="retention (the personal file's retention has run out) or "
            "request (a lawful request, named in --reason).",
        ),
    ] = "retention",
) -> None:
    """Erase a pupil's personal data: a signed archive.DataKeyDestroyed by the
    director, then the data key destroyed; reports show «данные удалены»."""
    from api.cli.record import _open, _signing_key  # the school, the signer
    from ledger.application import Signing
    from ledger.domain.errors import DomainError
    from ledger.log import Sealer

    opened = _open(store, keys, None, None)
    try:
        records = opened.records
        signing = Signing(_signing_key(opened, keys, signer))
        try:
            done = records.erasure.destroy_data_key(
                _pupil_id(records.context.school_id, pupil),
                ground=ground,
                reason=reason,
                signed_by=signing,
            )
        except DomainError as e:
            raise LedgerError(str(e)) from e
        Sealer(opened.app).seal()
    finally:
        opened.close()
    kept = "destroyed" if done.key_was_here else "had been destroyed before"
    out.print(
        f"recorded {done.event} (archive.DataKeyDestroyed); data key {done.key} "
        f"{kept}: the pupil's names now read «данные удалены»",
        soft_wrap=True,
        highlight=False,
    )


def _pupil_id(school: UUID, given: str) -> UUID:
    """A pupil named by personal file number or by id."""
    from ledger.domain.ids import personal_file_id

    try:
        return UUID(given)
    except ValueError:
        return personal_file_id(school, given.strip())
