"""The director's pages: records waiting for the director's signature.

An attestat entry, a duplicate, a class's certification and the corrections
the signing policy marks (``[cosign]``) wait on the co-signature desk
(:mod:`api.server.cosign`) until the director signs; nothing is in the log
before. Each request is shown in full before signing: the Russian text made
when it was submitted and what signing would append now (the desk's dry run,
:meth:`~api.server.cosign.CosignDesk.preview`); the signature carries the
digest of that preview, so what was read is what is signed. The director
signs or declines with a reason the submitter reads. Every step is the
desk's, as ``/cosignatures`` does it (the same refusals, the same access log).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.server.cosign import CosignDesk, PendingRequest, desk_for
from api.server.cosign_text import pupil_name
from api.server.routers.cosignatures import log_reading, problem_of
from api.server.web.director_text import EVENT_NAMES, data_lines
from api.server.web.forms_submit import Posted, flash, notices
from api.server.web.pages import CsrfDep, WebUser, render, roles
from ledger.errors import LedgerError

router = APIRouter(include_in_schema=False)
HOME = "/app/director"
Director = Annotated[WebUser, roles("director")]
KEY_REQUESTS = "/app/keys/requests"
STATES = {
    "pending": "ожидает подписи",
    "signed": "подписан и записан в журнал",
    "declined": "отклонён",
    "expired": "истёк срок ожидания",
    "superseded": "заменён новым запросом",
}


def _row(desk: CosignDesk, request: PendingRequest, user: WebUser) -> dict[str, Any]:
    """A request as the queue lists it."""
    now = desk.office.now()
    head, _, rest = request.summary.partition("\n")
    return {
        "id": str(request.id),
        "title": head.split(". Подаёт:", 1)[0],
        "lines": rest.splitlines(),
        "state": request.state_at(now),
        "submitted_by": request.submitted_by,
        "submitted_at": request.submitted_at,
        "expires_at": request.expires_at,
        "waiting_for": [n.who or n.role for n in request.open_needs()],
        "mine": request.may_be_signed_by(user.account),
        "types": [EVENT_NAMES.get(t, t) for t in request.event_types],
    }


@router.get("/app/director")
def director_queue(request: Request, user: Director) -> HTMLResponse:
    """The requests waiting for the director's signature, oldest first."""
    desk = desk_for(user.office)
    found = desk.visible(user.account)
    for pending in found:
        log_reading(desk, user.account, pending)
    rows = [_row(desk, r, user) for r in found]
    return render(
        request,
        "director_queue.html",
        user,
        title="Подпись директора",
        waiting=[r for r in rows if r["mine"]],
        others=[r for r in rows if not r["mine"]],
        keys=KEY_REQUESTS,
        notices=notices(user),
    )


def _detail(
    request: Request,
    user: WebUser,
    request_id: UUID,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """One request in full, with what signing would append now."""
    desk = desk_for(user.office)
    try:
        shown = desk.show(request_id, user.account)
    except LedgerError as e:
        raise problem_of(e) from e
    log_reading(desk, user.account, shown)
    row = _row(desk, shown, user)
    preview = desk.preview(shown) if row["state"] == "pending" else None
    envelopes = [
        {
            "type": EVENT_NAMES.get(e["type"], e["type"]),
            "code": e["type"],
            "name": f"{e['stream']}:{e['seq']}",
            "lines": data_lines(e["data"], lambda p: pupil_name(user.office, p)),
        }
        for e in (preview.envelopes if preview else ())
    ]
    return render(
        request,
        "director_request.html",
        user,
        status_code=status_code,
        title="Запрос на подпись",
        item=row,
        pending=shown,
        preview=preview,
        envelopes=envelopes,
        history=desk.history(shown.id),
        states=STATES,
        back=HOME,
        **context,
    )


@router.get("/app/director/requests/{request_id}")
def director_request(request: Request, request_id: UUID, user: Director) -> Response:
    return _detail(request, user, request_id)


@router.post("/app/director/requests/{request_id}/sign")
def director_sign(
    request: Request, request_id: UUID, user: CsrfDep, _: Director, posted: Posted
) -> Response:
    """Sign what was reviewed (the preview's digest); appended when it is the
    last signature missing."""
    reviewed = str(posted.get("reviewed") or "") or None
    desk = desk_for(user.office)
    try:
        signed = desk.sign(request_id, user.account, reviewed=reviewed)
    except LedgerError as e:
        problem = problem_of(e)
        return _detail(request, user, request_id, 422, sign_error=_text(problem))
    if signed.state == "signed":
        count = len(signed.events)
        flash(user, f"Подписано. В журнал записано: {count} (запрос {signed.id}).")
    else:
        who = ", ".join(n.who or n.role for n in signed.open_needs())
        flash(user, f"Подпись учтена; запрос {signed.id} ждёт ещё: {who}.")
    return RedirectResponse(HOME, status_code=303)


@router.post("/app/director/requests/{request_id}/decline")
def director_decline(
    request: Request, request_id: UUID, user: CsrfDep, _: Director, posted: Posted
) -> Response:
    """Decline with the reason the submitter reads; nothing is appended."""
    reason = str(posted.get("reason") or "")
    desk = desk_for(user.office)
    try:
        desk.decline(request_id, user.account, reason)
    except LedgerError as e:
        problem = problem_of(e)
        where = "reason" if problem.field == "body.reason" else "sign"
        return _detail(
            request,
            user,
            request_id,
            422,
            reason=reason,
            **{f"{where}_error": _text(problem)},
        )
    flash(user, f"Запрос {request_id} отклонён; причина передана подавшему.")
    return RedirectResponse(HOME, status_code=303)


REFUSALS = {
    "cosignature-closed": "Запрос уже закрыт (подписан, отклонён, истёк или заменён)",
    "cosignature-changed": "То, что будет записано, изменилось после просмотра: "
    "просмотрите запрос заново",
    "cosignature-own-request": "Свой запрос подписать нельзя",
    "cosignature-wrong-signer": "Этот запрос ждёт подписи другого сотрудника",
    "cosignature-not-runnable": "Запрос больше нельзя выполнить",
    "cosignature-invalid": "Укажите причину отказа (до 500 знаков)",
    "rule-broken": "Правила не принимают запись сейчас; запрос остаётся ожидающим",
}


def _text(problem: Any) -> str:
    lead = REFUSALS.get(problem.kind, "Подпись не принята")
    return f"{lead}: {problem.detail}"
