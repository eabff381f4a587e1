"""Sending a form: its body goes the HTTP API's own way into the log.

:func:`send` runs :func:`api.server.submit.submit`, the one path every record
route takes: the command's roles, the account's custodial key, the command
alone under the office's write lock, the co-signature hold when the signing
policy wants a second signature, and idempotency: the form's hidden
``submission`` key is the ``Idempotency-Key``, so a form sent twice (a double
click, a reload, the back button) is appended once and answered as the first
time. A refusal comes back as :class:`Refused` naming the body field it is
about, with a Russian lead; nothing was written.

:func:`post_form` is what every form's POST route does with it: bind what
was typed, validate, send, and then either the page again with the refusals
beside their inputs (422, the input kept) or a redirect to the page the form
came from with a notice of what was recorded (kept in the session).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from api.commands import Body, Command, catalog
from api.server.deps import require_role
from api.server.problems import ProblemError, ledger_status
from api.server.submit import submit
from api.server.web.forms import Form, FormSpec, Option
from api.server.web.forms_layout import build_form
from api.server.web.pages import WebUser, render
from ledger.errors import LedgerError

#: the key a web form's submission is kept under (beside an API client's keys)
KEY_PREFIX = "web-"
FLASH = "flash"
#: the Russian lead of each kind of refusal (the API's problem kinds)
LEADS = {
    "rule-broken": "Запись не принята: нарушено правило",
    "already-recorded": "Такая запись уже есть",
    "not-authorised-to-record": "Ваша подпись не может заверить такую запись",
    "signing-policy": "Политика подписей не разрешает вам такую запись",
    "key-not-valid": "Ваш ключ подписи сейчас не действует",
    "unknown-key": "Ваш ключ подписи не зарегистрирован",
    "concurrent-append": "Одновременно с вами записали другое: отправьте форму ещё раз",
    "idempotency-key-reused": "Эта форма уже отправлена с другими данными: "
    "откройте её заново",
    "no-custodial-key": "Сервер не хранит ваш ключ подписи: подпишите запись на "
    "своём устройстве",
    "role-not-allowed": "Ваша роль не позволяет эту запись",
}


@dataclass(frozen=True)
class Sent:
    """What a form's submission did: appended events, or a record held for a
    co-signature (its request and whom it waits for)."""

    events: tuple[str, ...] = ()
    made: tuple[str, ...] = ()
    held: str | None = None
    waiting_for: tuple[str, ...] = ()
    replayed: bool = False

    def notice(self) -> str:
        if self.held is not None:
            who = ", ".join(self.waiting_for) or "второй подписи"
            return (
                f"Запись ожидает подписи ({who}); в журнал она попадёт после неё. "
                f"Запрос {self.held}."
            )
        count = len(self.events)
        again = " Форма была отправлена повторно: записано один раз."
        if not self.replayed:
            again = ""
        return f"Записано в журнал: {count} {_records(count)}.{again}"


class Refused(Exception):
    """The form's record was refused; ``field`` names the body field."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def send(user: WebUser, command: Command[Any], body: Body, key: str) -> Sent:
    """Record ``body`` with ``command`` for the signed-in person, as the API's
    record route would (a retry with the same ``key`` appends nothing more)."""
    account, office = user.account, user.office
    try:
        require_role(account, command.roles, f"record {command.name}")
        answer = submit(office, command, body, account, KEY_PREFIX + key)
    except ProblemError as e:
        raise Refused(e.field, russian(e.kind, e.detail, e.allowed)) from e
    except LedgerError as e:
        kind = ledger_status(e)[1]
        raise Refused(getattr(e, "field", None), russian(kind, str(e), None)) from e
    data = json.loads(bytes(answer.body))
    if answer.status_code == 202:
        return Sent(
            held=str(data["cosignature"]),
            waiting_for=tuple(n["who"] or n["role"] for n in data["waiting_for"]),
        )
    return Sent(
        events=tuple(data["events"]),
        made=tuple(data.get("made", ())),
        replayed=answer.headers.get("Idempotent-Replayed") == "true",
    )


def russian(kind: str, detail: str, allowed: str | None) -> str:
    """A refusal as the form shows it: the Russian lead, then the rule's own
    words and what is allowed."""
    lead = LEADS.get(kind, "Запись не принята")
    text = f"{lead}: {detail}"
    return f"{text} (допустимо: {allowed})" if allowed else text


def post_form(
    request: Request,
    user: WebUser,
    form: Form,
    posted: FormData,
    back: str,
    template: str = "forms_page.html",
    **context: Any,
) -> Response:
    """Bind, check and send ``form``; the page again with its refusals (422),
    or a redirect to ``back`` with a notice of what was recorded."""
    form.bind(posted, posted.getlist)
    body = form.body()
    if body is not None:
        try:
            sent = send(user, form.command, body, form.submission)
        except Refused as refused:
            form.refuse(refused.field, refused.message)
        else:
            flash(user, sent.notice())
            return RedirectResponse(back, status_code=303)
    return form_page(
        request, user, form, back, status_code=422, template=template, **context
    )


def form_page(
    request: Request,
    user: WebUser,
    form: Form,
    back: str,
    status_code: int = 200,
    template: str = "forms_page.html",
    **context: Any,
) -> HTMLResponse:
    """The page of one form (``forms_page.html``, or ``template``)."""
    return render(
        request,
        template,
        user,
        status_code=status_code,
        form=form,
        back=back,
        title=form.spec.title,
        **context,
    )


def flash(user: WebUser, text: str) -> None:
    """A notice shown once, on the next page the person opens."""
    user.session.held.setdefault(FLASH, []).append(text)


def notices(user: WebUser) -> list[str]:
    """The notices waiting for the person (shown once)."""
    found: list[str] = user.session.held.pop(FLASH, [])
    return found


def _records(count: int) -> str:
    if count % 10 == 1 and count % 100 != 11:
        return "запись"
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return "записи"
    return "записей"


async def posted_form(request: Request) -> FormData:
    """The posted form (read once; the CSRF check has read it already)."""
    return await request.form()


Posted = Annotated[FormData, Depends(posted_form)]


def command_form(
    user: WebUser,
    spec: FormSpec,
    options: Mapping[str, Sequence[Option]],
    initial: Mapping[str, Any] | None = None,
) -> Form:
    """The form of ``spec``'s command, if the person's roles may record it
    (else the API's own 403, shown as a page)."""
    command = catalog.command(spec.command)
    if command is None:  # pragma: no cover - the specs name catalogue commands
        msg = f"no record command {spec.command!r}"
        raise LookupError(msg)
    require_role(user.account, command.roles, f"record {command.name}")
    return build_form(command, spec, options, initial)
