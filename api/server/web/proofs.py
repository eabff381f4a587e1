"""The proof of one entry of a pupil's records, checked in the browser.

``/app/proof/{entry}`` (an entry named ``<stream>:<seq>``, as the diary links
it): the entry as the log stores it (its envelope's bytes), its leaf index
and leaf hash, its RFC 6962 inclusion proof against the latest signed
checkpoint (the same code as ``GET /proofs/inclusion`` and ``GET /checkpoint``,
:mod:`api.proofs`), the checkpoint's signed note and the log's public key.
``static/proof.js`` then checks it all in the browser with WebCrypto: the
leaf hash from the bytes, the audit path up to the root, the root against the
checkpoint, the checkpoint's Ed25519 signature, and that the envelope says
what the diary shows (a changed view would show there). Without JavaScript
the page still shows the proof and how to check it with ``letopis``.

Scoped like the diary: the entry's pupil must be one the person may read
(:func:`api.server.scope.check_pupil_reader`); the read is in the access log.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api import proofs as log_proofs
from api.server.listing import LiveRecords
from api.server.routers.log import QUERY
from api.server.web.diary_read import readable_pupil
from api.server.web.pages import PageError, WebUser, WebUserDep, render
from ledger.log import Leaf, StoredCheckpoint
from projections.reports.source import Record
from verify.note import verifier_key

router = APIRouter(include_in_schema=False)

#: what each kind of entry is, and the fields of its data the page shows
#: (the browser checks the stored envelope says the same)
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "journal.MarkRecorded": ("Отметка", ("pupil", "mark", "work_type", "weight")),
    "journal.AbsenceRecorded": ("Отсутствие на уроке", ("pupil", "kind")),
    "journal.MarkCorrected": ("Исправление отметки", ("corrects", "mark", "reason")),
    "journal.MarkVoided": ("Аннулирование записи", ("voids", "reason")),
    "attestation.PeriodGradeRecorded": (
        "Отметка за период",
        ("pupil", "subject", "period", "grade"),
    ),
    "attestation.PeriodGradeCorrected": (
        "Исправление отметки за период",
        ("corrects", "grade", "reason"),
    ),
}
TABLES = ("view_journal", "view_grades")
NOT_FOUND = (
    "Такой записи нет в журнале школы. Доказательство открывается по ссылке "
    "у отметки в дневнике (запись называется «поток:номер»)."
)


@dataclass(frozen=True)
class Found:
    """The entry's row in the records view, its stream's rows, its pupil."""

    row: Record
    rows: list[Record]
    pupil: str


def find_entry(live: LiveRecords, entry: str) -> Found:
    """The entry ``<stream>:<seq>`` and the pupil it concerns; 404 otherwise."""
    try:
        stream, seq = log_proofs.event_name(entry)
    except log_proofs.ProofRequestError as e:
        raise PageError(404, "Не найдено", NOT_FOUND) from e
    name = f"{stream}:{seq}"
    for table in TABLES:
        rows = live.rows(table, "stream = ?", (stream,))
        row = next((r for r in rows if r.event == name), None)
        if row is not None and row.type in KINDS:
            target = next((r for r in rows if r.event == row.target), None)
            pupil = row.pupil or (target.pupil if target else None)
            if pupil is not None:
                return Found(row, rows, pupil)
    raise PageError(404, "Не найдено", NOT_FOUND)


@router.get("/app/proof/{entry}", response_class=HTMLResponse)
def proof_page(request: Request, entry: str, user: WebUserDep) -> HTMLResponse:
    """One entry's proof, for the browser to check (``static/proof.js``)."""
    office = user.office
    live = LiveRecords(office.app)
    found = find_entry(live, entry[:100])
    readable_pupil(user, found.pupil, f"proof {found.row.event}")
    about = describe(live, found)
    log = office.sealer.store
    latest = log.latest_checkpoint()
    leaf = log.leaf_of(*log_proofs.event_name(found.row.event))
    if latest is None or leaf is None or leaf.index >= latest.size:
        return render(
            request,
            "proofs_entry.html",
            user,
            title="Доказательство записи",
            about=about,
            sealed=False,
        )
    data = proof_data(user, found, latest, leaf)
    return render(
        request,
        "proofs_entry.html",
        user,
        title="Доказательство записи",
        about=about,
        sealed=True,
        proof=data,
        envelope=json.dumps(
            json.loads(base64.b64decode(data["envelope"])),
            ensure_ascii=False,
            indent=2,
        ),
        checkpoint=latest,
    )


def proof_data(
    user: WebUser, found: Found, latest: StoredCheckpoint, leaf: Leaf
) -> dict[str, Any]:
    """What the browser checks: the stored envelope, the inclusion proof at the
    latest checkpoint, its signed note, the log's key, and what to expect."""
    office = user.office
    proof = log_proofs.inclusion(
        office.sealer.store,
        office.sealer.tree,
        event=found.row.event,
        index=None,
        tree_size=latest.size,
        names=QUERY,
    )
    [stored] = office.app.recorder.select_notifications(
        start=leaf.notification_id, limit=1
    )
    if stored.id != leaf.notification_id:
        msg = f"the log has no event {leaf.notification_id} for leaf {leaf.index}"
        raise PageError(503, "Журнал повреждён", msg)
    directory = office.directory
    _, fields = KINDS[found.row.type]
    stream, seq = log_proofs.event_name(found.row.event)
    return {
        "entry": found.row.event,
        "envelope": base64.b64encode(bytes(stored.state)).decode(),
        **proof,
        "checkpoint": latest.note,
        "logKey": verifier_key(directory.origin, directory.log_public_key),
        "expect": {
            "log": directory.origin,
            "stream": stream,
            "seq": seq,
            "type": found.row.type,
            "data": {f: found.row.data[f] for f in fields if f in found.row.data},
        },
    }


@dataclass(frozen=True)
class About:
    """The entry in words, as the diary shows it."""

    entry: str
    kind: str
    subject: str
    day: str
    value: str
    detail: str
    pupil: str
    amendments: list[tuple[str, str]]  # (entry, what it did)


def describe(live: LiveRecords, found: Found) -> About:
    """What the entry is: kind, subject, day, value, and its later amendments."""
    row, rows = found.row, found.rows
    kind, _ = KINDS[row.type]
    lesson = next((r for r in rows if r.type == "journal.LessonHeld"), None)
    subjects = live.facts().subjects
    code = lesson.data["subject"] if lesson else row.data.get("subject") or ""
    d = row.data
    value = d.get("mark") or d.get("grade") or d.get("kind") or ""
    detail = d.get("work_type") or d.get("reason") or ""
    if "period" in d:
        detail = f"период {d['period']}, {d['year']}"
    return About(
        entry=row.event,
        kind=kind,
        subject=subjects.get(code, code),
        day=lesson.data["day"] if lesson else row.at[:10],
        value=str(value),
        detail=str(detail),
        pupil=found.pupil,
        amendments=[(r.event, amendment(r)) for r in rows if r.target == row.event],
    )


def amendment(r: Record) -> str:
    """A correction or void in words: «исправление отметки на «5»: описка»."""
    kind, _ = KINDS.get(r.type, (r.type, ()))
    value = r.data.get("mark") or r.data.get("grade")
    changed = f" на «{value}»" if value else ""
    return f"{kind}{changed}: {r.data.get('reason', '')}"
