"""What every client-signed route shares: the record kinds a device may sign,
preparing their envelopes, and appending them once signed.

Two front ends sign on the author's own device: the HTTP API with a bearer
token (``/signed/{kind}``, ``routers.signed``) and the web pages with the
session cookie (``/app/signed/{kind}``, ``api.server.web.signed``, where the
browser signs with its non-extractable WebCrypto key). Both run these same
functions, so both take the same bodies, check the same keys and rules, and
refuse with the same problems.

A kind is a record command of the catalog (``api.commands``), or
``lesson-sheet``: one lesson with its marks and absences, the body of
``POST /lesson-sheets``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from api.commands import Body, Command
from api.commands.catalog import all_commands
from api.commands.catalog import command as command_named
from api.server.accounts import Account
from api.server.deps import require_role
from api.server.office import Office
from api.server.presigned import SubmissionError
from api.server.problems import ProblemError, refusal
from api.server.routers._appends import Appended, answer_of, idempotent
from api.server.routers.journal import SHEET_FIELDS, LessonSheet
from ledger.application import Signing
from ledger.domain.errors import DomainError
from ledger.errors import KeyNotValidError, UnknownKeyError
from ledger.records.office import SchoolRecords

LESSON_SHEET = "lesson-sheet"


class LessonSheetBody(Body, LessonSheet):
    """A lesson sheet as a record kind's body: unknown fields are refused."""


def _record_sheet(
    records: SchoolRecords, body: LessonSheetBody, signing: Signing
) -> Any:
    [lesson] = records.journal.record_lessons([body.as_input()], signed_by=signing)
    return lesson


LESSON_SHEET_COMMAND: Command[LessonSheetBody] = Command(
    name=LESSON_SHEET,
    resource="journal",
    path="/lesson-sheets",
    body=LessonSheetBody,
    roles=("teacher", "class_teacher"),
    run=_record_sheet,
    summary_ru="Урок с отметками и пропусками (лист урока)",
    summary_en="A lesson with its marks and absences (a lesson sheet)",
    fields=SHEET_FIELDS,
)


def signed_kinds() -> tuple[Command[Any], ...]:
    """Every kind a device may sign: the lesson sheet, then the catalog."""
    return (LESSON_SHEET_COMMAND, *all_commands())


def signed_command(kind: str, account: Account) -> Command[Any]:
    """The kind named ``kind`` if ``account`` may record it; else 404 or 403."""
    found = LESSON_SHEET_COMMAND if kind == LESSON_SHEET else command_named(kind)
    if found is None:
        msg = f"there is no record kind {kind!r}"
        raise ProblemError(
            404,
            "not-found",
            msg,
            field="path.kind",
            allowed=", ".join(sorted(c.name for c in signed_kinds())),
        )
    require_role(account, found.roles, f"record {kind}")
    return found


def read_body(command: Command[Any], raw: dict[str, Any]) -> Body:
    """The kind's body read by its own model; a 422 naming each wrong field
    (inside the request's ``body``)."""
    try:
        body: Body = command.body.model_validate(raw)
    except ValidationError as e:
        errors = [{**err, "loc": ("body", "body", *err["loc"])} for err in e.errors()]
        raise RequestValidationError(errors) from e
    return body


def check_own_key(office: Office, account: Account, key: str) -> None:
    """``key`` is registered to ``account``'s staff member and may sign now;
    else a 422 (not theirs, unknown) or 403 (revoked, outside its window)."""
    try:
        record = office.app.context.registry.get(key, fresh=True)
    except UnknownKeyError as e:
        raise ProblemError(
            422, "unknown-key", str(e), field="body.key", allowed="your own key id"
        ) from e
    if account.staff is None or record.holder != str(account.staff):
        msg = f"key {key} is not registered to account {account.name!r}"
        raise ProblemError(
            422, "not-your-key", msg, field="body.key", allowed="your own key id"
        )
    try:
        record.check_may_append(office.now())
    except KeyNotValidError as e:
        raise ProblemError(
            403,
            "key-not-valid",
            str(e),
            field="body.key",
            allowed="a key of yours that is registered and not revoked",
        ) from e


def prepare_signed(
    office: Office,
    account: Account,
    command: Command[Any],
    body: Body,
    key: str,
    cosigners: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """The unsigned envelopes the rules make of ``body`` now, authored by
    ``key`` (``account``'s own); nothing is written."""
    check_own_key(office, account, key)
    try:
        made = office.prepare_with(
            key,
            tuple(cosigners),
            lambda records, signing: command.run(records, body, signing),
        )
    except DomainError as e:
        raise refusal(command, e, within="body.body") from e
    return [e.unsigned_json() for e in made]


def append_signed(
    office: Office,
    account: Account,
    command: Command[Any],
    body: Body,
    envelopes: Sequence[dict[str, Any]],
    *,
    idempotency_key: str | None,
    payload: dict[str, Any],
) -> JSONResponse:
    """Append ``envelopes``, signed on the device for ``body``: the command
    runs again, and each signature counts only for the exact envelope the
    rules make (``Office.append_signed``); ``payload`` is what a retry with
    ``idempotency_key`` must repeat."""

    def run() -> Appended:
        try:
            names = office.append_signed(
                account,
                envelopes,
                lambda records, signing: command.run(records, body, signing),
            )
        except SubmissionError as e:
            raise bad_envelope(e) from e
        except DomainError as e:
            raise refusal(command, e, within="body.body") from e
        return Appended(events=names)

    return idempotent(office, account, idempotency_key, payload, run, answer_of())


def bad_envelope(error: SubmissionError) -> ProblemError:
    return ProblemError(
        422, "bad-envelope", str(error), field=error.field, allowed=error.allowed
    )
