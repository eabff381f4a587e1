"""«Ключи подписи»: a staff member's own signing keys.

The page lists the person's keys (each browser key with its device, state
and fingerprint; the key the server keeps for them, and under which secret)
and enrols a new key in this browser: ``static/keys.js`` makes it with
WebCrypto as non-extractable, keeps it in IndexedDB, and sends its public key
with a proof of possession to ``POST /app/keys/enrol``, which files the
request the deputy director or the director approves
(``api.server.key_requests``). A key of a lost device is revoked here (a plain
form). ``GET /app/keys/state`` tells ``static/signing.js`` whose session this
is, its CSRF token, and which of the person's browser keys may sign now.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from api.server.accounts import STAFF_ROLES
from api.server.custody import custody_of
from api.server.key_requests import (
    MAX_DEVICE,
    MAX_REASON,
    EnrolmentError,
    enrol,
    fingerprint,
)
from api.server.problems import ProblemError
from api.server.signer_keys import keys_of, revoke
from api.server.web.pages import CsrfDep, WebUser, render, roles
from api.server.web.signed import ScriptUser, SessionUser

router = APIRouter(include_in_schema=False)
Staff = Annotated[WebUser, roles(*STAFF_ROLES)]

STATES_RU = {
    "pending": "ждёт подтверждения",
    "active": "действует",
    "revoked": "отозван",
    "ended": "срок действия истёк",
    "declined": "отклонён",
    "expired": "заявка просрочена",
    "superseded": "заявка заменена",
    "signed": "подтверждён",
}
CUSTODY_RU = {
    "client": "только в браузере (не покидает его)",
    "password": "на сервере, под вашим паролем",
    "passphrase": "на сервере, под общим паролем сервера",
}


#: What the keys page says when an enrolment is refused, by the field.
ENROLMENT_REFUSALS = {
    "device": f"Назовите устройство: от 1 до {MAX_DEVICE} печатных символов "
    "(«Ноутбук, кабинет 12»).",
    "public_key": "Этот ключ нельзя зарегистрировать: он уже заявлен или "
    "зарегистрирован, или это не открытый ключ Ed25519. Создайте новый ключ.",
    "proof": "Браузер не подтвердил, что ключ хранится у него: создайте ключ "
    "заново в этом браузере.",
    "account": "Вашей учётной записи ключ подписи не положен: ключи бывают "
    "только у сотрудников с ролями подписи.",
}


class EnrolBody(BaseModel):
    """A key made in this browser: its public key, device, and proof."""

    public_key: Annotated[str, Field(max_length=200)]
    device: Annotated[str, Field(max_length=200)]
    proof: Annotated[str, Field(max_length=200)]


def keys_page(
    request: Request,
    user: WebUser,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The keys page, with ``context`` (a notice, a refusal and the input)."""
    rows = keys_of(user.office, user.account)
    return render(
        request,
        "keys.html",
        user,
        status_code=status_code,
        title="Ключи подписи",
        rows=rows,
        states=STATES_RU,
        custodies=CUSTODY_RU,
        kept=custody_of(user.office.directory, user.account.key_label),
        max_device=MAX_DEVICE,
        max_reason=MAX_REASON,
        **context,
    )


@router.get("/app/keys")
def keys(
    request: Request, user: Staff, revoked: str = "", enrolled: str = ""
) -> HTMLResponse:
    notice = ""
    if revoked:
        notice = (
            f"Ключ {fingerprint(revoked[:32])} отозван: им больше нельзя подписать."
        )
    elif enrolled:
        notice = (
            "Заявка на ключ подана. Подпись станет возможной, когда её подтвердит "
            "заместитель директора или директор."
        )
    return keys_page(request, user, notice=notice)


@router.get("/app/keys/state")
def state(user: SessionUser) -> dict[str, Any]:
    """Whose session this is and which of their browser keys may sign now
    (for ``static/signing.js``; a script of another site cannot read it)."""
    account = user.account
    rows = keys_of(user.office, account)
    return {
        "school": user.office.settings.school,
        "origin": user.office.origin,
        "login": account.name,
        "staff": str(account.staff) if account.staff else None,
        "csrf": user.csrf,
        "keys": [
            {"key": r.key, "state": r.state, "device": r.device}
            for r in rows
            if r.browser
        ],
    }


@router.post("/app/keys/enrol", status_code=201)
def enrol_key(body: EnrolBody, user: ScriptUser) -> dict[str, Any]:
    """File a request to register a key made in this browser; nothing enters
    the log until the deputy director or the director signs it."""
    if not user.has(*STAFF_ROLES):
        msg = f"account {user.account.name!r} is no staff member's; it signs nothing"
        raise ProblemError(403, "role-not-allowed", msg, allowed="staff roles")
    try:
        request = enrol(
            user.office,
            user.account,
            public_key=body.public_key,
            device=body.device,
            proof=body.proof,
        )
    except EnrolmentError as e:
        raise ProblemError(
            422,
            "key-enrolment-refused",
            ENROLMENT_REFUSALS.get(e.field, str(e)),
            field=f"body.{e.field}",
            allowed=str(e),  # the API's own words: what exactly was wrong
        ) from e
    return {
        "request": str(request.id),
        "state": request.state,
        "key": request.submitter_key,
        "fingerprint": fingerprint(request.submitter_key),
    }


@router.post("/app/keys/{key}/revoke")
def revoke_key(
    request: Request,
    key: str,
    user: CsrfDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Revoke a key enrolled in a browser (a lost or replaced device)."""
    if not user.has(*STAFF_ROLES):
        return keys_page(request, user, status_code=403, error="Нет доступа.")
    try:
        revoke(user.office, user.account, key, reason)
    except EnrolmentError as e:
        return keys_page(
            request,
            user,
            status_code=422,
            refused_key=key,
            reason=reason,
            error=_revocation_text(e),
        )
    return RedirectResponse(f"/app/keys?revoked={key}", status_code=303)


def _revocation_text(error: EnrolmentError) -> str:
    if error.field == "reason":
        return f"Укажите причину отзыва (от 1 до {MAX_REASON} символов)."
    if error.field == "key":
        return f"Этот ключ отозвать нельзя: {error}"
    return str(error)
