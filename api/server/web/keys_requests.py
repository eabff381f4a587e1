"""«Заявки на ключи»: the deputy director or the director approves keys.

Each pending request shows the person, their roles, the device and the key's
fingerprint (to compare with what the person's own page shows), and the very
registration signing would append; the approver signs it (the registration
enters the log signed by the school's log key and by them) or declines it
with a reason. These are requests of the co-signature desk
(``api.server.cosign``, kind ``keys.enrol``): the general queue lists them
too. The page also lists the browser keys in force, to revoke one.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.server.cosign import CosignError, desk_for
from api.server.cosign_requests import PENDING, PendingRequest
from api.server.custody import NoCustodialKeyError
from api.server.key_requests import (
    APPROVERS,
    KIND,
    MAX_REASON,
    Enrolment,
    EnrolmentError,
    fingerprint,
)
from api.server.routers.cosignatures import STATUSES
from api.server.signer_keys import keys_of, revoke
from api.server.web.keys import STATES_RU
from api.server.web.nav import ROLE_NAMES
from api.server.web.pages import CsrfDep, WebUser, render, roles
from ledger.errors import LedgerError

router = APIRouter(include_in_schema=False)
Approver = Annotated[WebUser, roles(*APPROVERS)]
DECIDED_SHOWN = 20


def requests_page(
    request: Request, user: WebUser, status_code: int = 200, **context: Any
) -> HTMLResponse:
    desk = desk_for(user.office)
    now = user.office.now()
    mine = [r for r in desk.visible(user.account, closed=True) if r.command == KIND]
    pending = [_shown(user, r) for r in mine if r.state_at(now) == PENDING]
    decided = [_shown(user, r) for r in reversed(mine) if r.state_at(now) != PENDING]
    return render(
        request,
        "keys_requests.html",
        user,
        status_code=status_code,
        title="Заявки на ключи подписи",
        pending=pending,
        decided=decided[:DECIDED_SHOWN],
        in_force=_in_force(user),
        states=STATES_RU,
        max_reason=MAX_REASON,
        **context,
    )


def _shown(user: WebUser, request: PendingRequest) -> dict[str, Any]:
    """What the page shows of a request: the person, the key, the preview."""
    enrolment = Enrolment.of(request)
    person = user.office.accounts.latest(request.submitted_by)
    name = person.account.display_name if person else ""
    desk = desk_for(user.office)
    pending = request.state_at(user.office.now()) == PENDING
    return {
        "request": request,
        "person": name or request.submitted_by,
        "login": request.submitted_by,
        "roles": ", ".join(ROLE_NAMES.get(r, r) for r in enrolment.roles),
        "device": enrolment.device,
        "fingerprint": fingerprint(request.submitter_key),
        "state": request.state_at(user.office.now()),
        "own": request.submitted_by_account(user.account),
        "preview": desk.preview(request) if pending else None,
    }


def _in_force(user: WebUser) -> list[dict[str, Any]]:
    """Every browser key in force, with whose it is (to revoke one)."""
    desk = desk_for(user.office)
    found: dict[str, dict[str, Any]] = {}
    for request in desk.requests.current():
        if request.command != KIND or request.submitted_by in found:
            continue
        account = user.office.accounts.get(request.submitted_by)
        if account is None:
            continue
        for row in keys_of(user.office, account):
            if row.browser and row.state == "active" and row.key not in found:
                found[row.key] = {
                    "row": row,
                    "person": account.display_name or account.name,
                }
    return list(found.values())


@router.get("/app/keys/requests")
def key_requests(request: Request, user: Approver, done: str = "") -> HTMLResponse:
    notices = {
        "signed": "Ключ зарегистрирован: запись подписана печатью школы и вами.",
        "declined": "Заявка отклонена; в журнал ничего не записано.",
        "revoked": "Ключ отозван.",
    }
    return requests_page(request, user, notice=notices.get(done, ""))


@router.post("/app/keys/requests/{request_id}/sign")
def sign_request(
    request: Request,
    request_id: UUID,
    user: CsrfDep,
    reviewed: Annotated[str, Form()] = "",
) -> Response:
    """Approve: the registration is appended, signed by the seal and by you."""
    if not user.has(*APPROVERS):
        return requests_page(request, user, status_code=403, error="Нет доступа.")
    try:
        desk_for(user.office).sign(request_id, user.account, reviewed=reviewed or None)
    except NoCustodialKeyError as e:
        return _refused(request, user, request_id, 409, _no_key_text(e))
    except CosignError as e:
        return _refused(request, user, request_id, _status(e), str(e))
    except LedgerError as e:  # the registration's own check, at signing
        return _refused(request, user, request_id, 422, str(e))
    return RedirectResponse("/app/keys/requests?done=signed", status_code=303)


@router.post("/app/keys/requests/{request_id}/decline")
def decline_request(
    request: Request,
    request_id: UUID,
    user: CsrfDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Decline, saying why; nothing is appended."""
    if not user.has(*APPROVERS):
        return requests_page(request, user, status_code=403, error="Нет доступа.")
    try:
        desk_for(user.office).decline(request_id, user.account, reason)
    except CosignError as e:
        if e.field == "body.reason":
            return requests_page(
                request,
                user,
                status_code=422,
                reason_error=f"Укажите причину отказа (1–{MAX_REASON} символов).",
                failed=str(request_id),
                reason=reason,
            )
        return _refused(request, user, request_id, _status(e), str(e))
    return RedirectResponse("/app/keys/requests?done=declined", status_code=303)


@router.post("/app/keys/requests/revoke/{key}")
def revoke_in_force(
    request: Request,
    key: str,
    user: CsrfDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Revoke a staff member's browser key (a lost device, a leaver)."""
    if not user.has(*APPROVERS):
        return requests_page(request, user, status_code=403, error="Нет доступа.")
    try:
        revoke(user.office, user.account, key, reason)
    except EnrolmentError as e:
        return requests_page(
            request,
            user,
            status_code=422,
            revoke_error=f"Ключ не отозван: {e}",
            revoke_key=key,
            reason=reason,
        )
    return RedirectResponse("/app/keys/requests?done=revoked", status_code=303)


def _refused(
    request: Request, user: WebUser, request_id: UUID, status: int, message: str
) -> HTMLResponse:
    return requests_page(
        request, user, status_code=status, error=message, failed=str(request_id)
    )


def _status(error: CosignError) -> int:
    return next(s for cls, s, _ in STATUSES if isinstance(error, cls))


def _no_key_text(error: NoCustodialKeyError) -> str:
    return (
        "Подписать заявку можно ключом, который сервер хранит для вас, а его "
        f"сейчас нет: {error}"
    )
