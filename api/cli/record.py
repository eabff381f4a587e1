"""`letopis record KIND BODY.json --as WHO`: any record command of the table
(``api.commands.catalog``) from the command line, the same body as over HTTP.

``letopis record kinds`` (or ``--list``) lists the kinds. The body is a JSON
file (``-``: standard input), checked by the command's own model; it is signed
with the key of ``--as``: a key label in the key directory, ``seal`` (the log
key, «печать школы», which registers the school), or a staff member's
personnel number (their valid key kept in the key directory). A refusal names
the field and what is allowed, exits 2, and writes nothing.

A kind the signing policy wants co-signed (``[cosign]``: an attestat entry,
a class's certification, a final grade's correction…) is signed at one desk
with both keys: ``--cosigner WHO`` names the co-signer's key the same way as
``--as`` (the class teacher and the director at one computer). Without it
such a kind is refused, naming the role that must co-sign and how: here with
``--cosigner``, or through the server's co-signature queue (POST it to its
endpoint; the co-signer signs it at ``/cosignatures``).

``letopis record staff-id NUMBER`` prints the id a staff member gets, which a
new school's first staff need for their keys before anyone is registered
(``letopis keys add LABEL --holder ID --role director --first-staff``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from api.cli.common import err, out, passphrase, require_store

if TYPE_CHECKING:
    from pydantic import ValidationError

    from api.commands import Body, Command
    from ledger.application import LedgerApplication
    from ledger.bootstrap import OpenSchool
    from ledger.errors import PolicyError
    from ledger.keys.directory import KeyDirectory, SigningKey

KINDS = "kinds"
STAFF_ID = "staff-id"
SEAL = "seal"

SchoolOpt = Annotated[
    str | None,
    typer.Option(
        "--school",
        envvar="LETOPIS_SCHOOL",
        help="The school's code (default: the school registered in the log).",
    ),
]


def record(
    kind: Annotated[
        str | None,
        typer.Argument(
            help="The kind of record, e.g. pupils.enrol; `kinds` lists them."
        ),
    ] = None,
    body_file: Annotated[
        str | None,
        typer.Argument(
            metavar="[BODY.json|-]", help="The body as JSON; `-` reads stdin."
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            envvar="LETOPIS_STORE",
            help="sqlite:///path.db or postgresql://…",
        ),
    ] = None,
    keys: Annotated[
        Path | None,
        typer.Option(
            "--keys", envvar="LETOPIS_KEYS", help="The school's key directory."
        ),
    ] = None,
    signer: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Who signs: a key label, a personnel number, or `seal`.",
        ),
    ] = None,
    cosigners: Annotated[
        list[str] | None,
        typer.Option(
            "--cosigner",
            help="Who co-signs, for kinds the signing policy wants co-signed "
            "(a key label or personnel number; repeatable).",
        ),
    ] = None,
    school: SchoolOpt = None,
    list_kinds: Annotated[
        bool, typer.Option("--list", help="List the kinds of record.")
    ] = False,
) -> None:
    """Record one school record (set-up, people, portfolio…) from a JSON body."""
    if list_kinds or kind in (KINDS, None):
        _print_kinds()
        return
    if kind == STAFF_ID:
        _print_staff_id(body_file, school)
        return
    from api.commands.catalog import command

    found = command(kind)
    if found is None:
        _refuse("kind", f"no kind of record {kind!r}", "see `letopis record kinds`")
    if not store or keys is None:
        _refuse("--store", "no store or keys given", "--store URL --keys DIR")
    if signer is None:
        _refuse("--as", "no signer given", "a key label, personnel number or seal")
    body = _body(found, body_file)
    result = _run(found, body, store, keys, (signer, *(cosigners or ())), school)
    out.print_json(json.dumps({"recorded": kind, "result": result}, default=str))


def _refuse(field: str, detail: str, allowed: str | None = None) -> NoReturn:
    """One line naming the field and what is allowed; exit 2, nothing written."""
    from rich.markup import escape

    tail = f" [dim](allowed: {escape(allowed)})[/dim]" if allowed else ""
    err.print(
        f"[red]refused:[/red] {escape(field)}: {escape(detail)}{tail}",
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(2)


def _body(command: Command[Any], source: str | None) -> Body:
    from pydantic import ValidationError

    if source is None:
        _refuse("body", "no body given", "a JSON file, or - for standard input")
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        _refuse("BODY", f"cannot read {source}: {e}", "a UTF-8 JSON file, or -")
    try:
        body: Body = command.body.model_validate_json(text)
    except ValidationError as e:
        _refuse_invalid(e)
    return body


def _refuse_invalid(error: ValidationError) -> NoReturn:
    for e in error.errors():
        place = ".".join(["body", *(str(p) for p in e["loc"])])
        limits = e.get("ctx") or {}
        allowed = next(
            (
                f"{k} {limits[k]}"
                for k in ("expected", "pattern", "ge", "le", "max_length")
                if k in limits
            ),
            None,
        )
        tail = f" (allowed: {allowed})" if allowed else ""
        err.print(
            f"[red]refused:[/red] {place}: {e['msg']}{tail}",
            highlight=False,
            soft_wrap=True,
        )
    raise typer.Exit(2)


def _run(
    command: Command[Any],
    body: Body,
    store: str,
    keys: Path,
    signers: tuple[str, ...],
    school: str | None,
) -> Any:
    """Run ``command`` signed by ``signers`` (the author first, then any
    co-signers) and seal; a refusal exits 2 with nothing written."""
    from api.commands.checks import located
    from api.commands.school import SchoolIn
    from ledger.application import Signing
    from ledger.domain.errors import DomainError
    from ledger.errors import PolicyError
    from ledger.log import Sealer

    registering = body.code if isinstance(body, SchoolIn) else None
    opened = _open(store, keys, school, registering)
    try:
        author, *others = (_signing_key(opened, keys, who) for who in signers)
        signing = Signing(author, tuple(others))
        try:
            result = command.run(opened.records, body, signing)
        except DomainError as e:
            field, allowed = located(e)
            _refuse(field or command.field_of(e), str(e), allowed)
        except PolicyError as e:
            _refuse_unsigned(command, e, cosigned=bool(others))
        Sealer(opened.app).seal()
    finally:
        opened.close()
    return result


def _refuse_unsigned(
    command: Command[Any], error: PolicyError, *, cosigned: bool
) -> NoReturn:
    """The signing policy refused the signers: say which role must co-sign and
    how, when a co-signature is what is missing."""
    import re

    missing = re.search(r"needs a co-signature by the (\w+)", str(error))
    if missing is None:
        who = "--cosigner" if cosigned else "--as"
        _refuse(who, str(error), "a key whose role the signing policy allows")
    role = missing.group(1)
    _refuse(
        "--cosigner",
        f"{command.name} needs the {role}'s co-signature besides the author's "
        f"({error})",
        f"--cosigner LABEL with the {role}'s key from the key directory, or POST "
        f"it to {command.path} on the server and the {role} signs it in the "
        "co-signature queue (/cosignatures)",
    )


def _open(
    store: str, keys: Path, given: str | None, registering: str | None
) -> OpenSchool:
    """The school: ``--school``, else the one the log holds, else (when the
    body registers one) the body's."""
    from datetime import UTC, datetime

    from ledger.bootstrap import open_school, wire_school
    from ledger.domain.ids import school_id

    require_store(store)
    code = given or registering or ""
    opened = open_school(
        store,
        keys=keys,
        passphrase=passphrase(),
        school_code=code,
        clock=lambda: datetime.now(UTC),
        verify_on_read=True,
    )
    found = _registered_school(opened.app)
    if given is None and found is not None and found != school_id(code):
        return wire_school(
            opened.app, found, opened.records.context.clock, opened.data_keys
        )
    if found is None and registering is None:
        opened.close()
        _refuse(
            "--school",
            "the log holds no school yet",
            "register it first: letopis record school.register BODY.json --as seal",
        )
    return opened


def _registered_school(app: LedgerApplication) -> Any:
    from uuid import UUID

    from ledger.domain.school import School

    found = app.recorder.select_notifications(
        start=1, limit=1, topics=[School.Registered.TOPIC]
    )
    return UUID(str(found[0].originator_id)) if found else None


def _signing_key(opened: OpenSchool, keys: Path, who: str) -> SigningKey:
    """The key of ``--as``: the seal, a key label, or a staff member's key."""
    from ledger.keys.directory import KeyDirectory

    directory = KeyDirectory.open(keys, passphrase())
    if who == SEAL:
        return directory.log_key()
    labels = directory.signer_labels()
    if who in labels:
        return directory.signer(who)
    return _staff_key(opened, directory, who, labels)


def _staff_key(
    opened: OpenSchool, directory: KeyDirectory, number: str, labels: list[str]
) -> SigningKey:
    from datetime import UTC, datetime

    from ledger.domain.ids import staff_id
    from ledger.keys.services import list_signers

    holder = str(staff_id(opened.school, number))
    now = datetime.now(UTC)
    valid = {
        r.key
        for r in list_signers(opened.app)
        if r.holder == holder
        and r.valid_from <= now
        and (r.ends is None or now < r.ends)
    }
    for label in labels:
        key = directory.signer(label)
        if key.key_id in valid:
            return key
    known = ", ".join(labels) or "none"
    _refuse(
        "--as",
        f"{number!r} is no key label here and no staff member with that personnel "
        f"number has a valid key in {directory.path}",
        f"a key label ({known}), a personnel number, or {SEAL}",
    )


def _print_kinds() -> None:
    from rich.table import Table

    from api.commands.catalog import all_commands

    table = Table(title="Виды записей (letopis record KIND BODY.json --as …)")
    for column in ("вид / kind", "что записывает", "роли / roles", "HTTP"):
        table.add_column(column)
    for c in all_commands():
        table.add_row(c.name, c.summary_ru, ", ".join(c.roles), f"POST {c.path}")
    out.print(table)


def _print_staff_id(number: str | None, school: str | None) -> None:
    from ledger.domain.ids import school_id, staff_id

    if not number:
        _refuse("NUMBER", "no personnel number given", "letopis record staff-id 0001")
    if not school:
        _refuse("--school", "no school code given", "--school CODE or LETOPIS_SCHOOL")
    out.print(str(staff_id(school_id(school), number)))
