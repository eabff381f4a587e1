"""A checkpoint from outside the log, checked against it.

An auditor holds a checkpoint the log cannot change: printed under a report,
kept from an earlier export, or scanned from a report's QR code. Pasted here,
it is checked in the steps an auditor would take by hand, each said plainly:

1. it is a checkpoint of this log (its origin);
2. it is signed by this log's key (a signed note; the QR code and the printed
   line carry no signature, so for them: the log holds a checkpoint signed
   for that size, with that root), and which witnesses cosigned it;
3. the log has not shrunk below it (its size is at most the latest signed
   checkpoint's);
4. the current log extends it: the consistency proof from its size to the
   latest signed checkpoint, made from the stored tree and checked with the
   independent verifier's ``verify.merkle.verify_consistency``, leads from
   its root to the latest root (whose own signature is checked too);
5. the log holds the same checkpoint for that size, not another one (a fork).

Nothing is written. For a report's QR code the report's digest is named: the
report itself is checked by uploading its file (``audit_report``).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from api.server.office import Office
from api.server.web.audit_scope import AuditedDep, AuditedFormDep, page
from api.server.web.audit_verify import normal_note
from ledger.log import StoredCheckpoint
from ledger.log.witnesses import load_witnesses
from verify import merkle
from verify.anchor import LogKey
from verify.cosignature import parse_cosigner_vkey, verify_cosignature
from verify.errors import NoteError, VerificationError
from verify.note import MAX_SIZE, parse_checkpoint

router = APIRouter(include_in_schema=False)
QR_MAGIC = "letopis-report"
#: the line a printed report carries under its tables
PRINTED = re.compile(
    r"Контрольная точка:\s*(?P<origin>\S+),\s*размер\s*(?P<size>\d+),\s*"
    r"корень\s*(?P<root>[A-Za-z0-9+/=]+)"
)
MAX_TEXT = 20_000


class NotACheckpointError(ValueError):
    """The text is none of the forms a checkpoint comes in."""


@dataclass(frozen=True)
class Claimed:
    """What the pasted text claims: origin, size, root; the note, if signed."""

    form: str  # "note", "qr" or "printed"
    origin: str
    size: int
    root: bytes
    note: str | None = None
    digest: str | None = None


@dataclass(frozen=True)
class Step:
    """One step of the check: passed (True), failed (False) or said (None)."""

    passed: bool | None
    text: str
    detail: str = ""


@dataclass
class Verdict:
    """The steps and the one sentence they add up to."""

    claimed: Claimed
    steps: list[Step] = field(default_factory=list)

    def add(self, passed: bool | None, text: str, detail: str = "") -> None:
        self.steps.append(Step(passed, text, detail))

    @property
    def ok(self) -> bool:
        return all(s.passed is not False for s in self.steps)

    @property
    def summary(self) -> str:
        if self.ok:
            return (
                "Контрольная точка подлинная: её подписал журнал, и текущий журнал "
                "её продолжает, ничего не изменив в первых "
                f"{self.claimed.size} записях."
            )
        failed = sum(1 for s in self.steps if s.passed is False)
        return (
            f"Контрольная точка НЕ подтверждена: не выполнено проверок — {failed} "
            "(отмечены ниже)."
        )


def read_claim(text: str) -> Claimed:
    """The checkpoint ``text`` holds: a signed note, a report's QR code text,
    or a printed report's line; NotACheckpointError naming the forms."""
    lines = text.split("\n")
    if lines[0].strip() == QR_MAGIC:
        return _qr(lines)
    printed = PRINTED.search(text)
    if printed is not None:
        return Claimed(
            "printed",
            printed["origin"],
            _size(printed["size"]),
            _root(printed["root"]),
        )
    try:
        note = parse_checkpoint(text)
    except NoteError as e:
        raise NotACheckpointError(str(e)) from e
    return Claimed("note", note.origin, note.size, note.root, note=text)


def _qr(lines: list[str]) -> Claimed:
    parts = [line.strip() for line in lines if line.strip()]
    if len(parts) != 5 or not parts[2].isdigit():
        msg = (
            "a report's QR code holds five lines: letopis-report, origin, size, "
            f"root, digest; found {len(parts)}"
        )
        raise NotACheckpointError(msg)
    return Claimed("qr", parts[1], _size(parts[2]), _root(parts[3]), digest=parts[4])


def _size(text: str) -> int:
    if len(text) > 19 or int(text) > MAX_SIZE:
        msg = f"the size {text} is beyond what a log holds (at most {MAX_SIZE})"
        raise NotACheckpointError(msg)
    return int(text)


def _root(text: str) -> bytes:
    try:
        root = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        msg = f"the root {text!r} is not base64"
        raise NotACheckpointError(msg) from e
    if len(root) != merkle.HASH_SIZE:
        msg = f"the root has {len(root)} bytes; a SHA-256 root has 32"
        raise NotACheckpointError(msg)
    return root


def check(office: Office, claimed: Claimed) -> Verdict:
    """Every step of the module's list, in order; stops where the rest
    would mean nothing (another log, no checkpoint in this one)."""
    verdict = Verdict(claimed)
    try:
        key = LogKey.from_key_directory(office.settings.keys)
    except VerificationError as e:
        verdict.add(False, "Ключ журнала на сервере не читается.", str(e))
        return verdict
    if claimed.origin != key.origin:
        verdict.add(
            False,
            f"Это контрольная точка другого журнала: «{claimed.origin}». "
            f"Этот журнал — «{key.origin}».",
        )
        return verdict
    verdict.add(True, f"Журнал тот же: «{key.origin}».")
    store = office.sealer.store
    stored = store.checkpoint(claimed.size)
    if claimed.note is not None:
        _signature(verdict, claimed.note, key)
        _witnesses(verdict, office, claimed.note)
    else:
        _stored_signature(verdict, stored, key)
    latest = store.latest_checkpoint()
    if latest is None:
        verdict.add(False, "В журнале нет ни одной подписанной контрольной точки.")
        return verdict
    _consistent(verdict, office, latest, key)
    _same_as_stored(verdict, stored)
    if claimed.digest:
        verdict.add(
            None,
            f"Контрольная сумма отчёта из QR-кода: {claimed.digest}. Чтобы сверить "
            "сам отчёт с журналом, загрузите его файл на странице «Проверка отчёта».",
        )
    return verdict


def _signature(verdict: Verdict, note: str, key: LogKey) -> None:
    try:
        parse_checkpoint(note).verify(key.origin, key.public_key)
    except NoteError as e:
        verdict.add(
            False,
            "Подпись ключом этого журнала не сходится: текст контрольной точки "
            "изменён или подпись подделана.",
            str(e),
        )
        return
    verdict.add(True, f"Подписана ключом этого журнала ({key.key_id}).")


def _stored_signature(
    verdict: Verdict, stored: StoredCheckpoint | None, key: LogKey
) -> None:
    """For a QR code or a printed line: the log's own signed checkpoint of
    that size is what vouches for it."""
    claimed = verdict.claimed
    if stored is None:
        verdict.add(
            False,
            f"В QR-коде и в напечатанной строке нет подписи, а подписанной "
            f"контрольной точки размера {claimed.size} в журнале нет.",
        )
        return
    try:
        parse_checkpoint(stored.note).verify(key.origin, key.public_key)
    except NoteError as e:
        verdict.add(
            False,
            f"Контрольная точка журнала размера {claimed.size} не подписана его "
            "ключом: журнал повреждён.",
            str(e),
        )
        return
    if stored.root != claimed.root:
        verdict.add(
            False,
            f"Журнал подписал для размера {claimed.size} другой корень, чем "
            "напечатан: отчёт не из этого журнала или журнал переписан.",
        )
        return
    verdict.add(
        True,
        f"Журнал подписал контрольную точку размера {claimed.size} с этим корнем "
        f"(ключ {key.key_id}); сама строка подписи не содержит.",
    )


def _witnesses(verdict: Verdict, office: Office, note: str) -> None:
    checkpoint = parse_checkpoint(note)
    try:
        witnesses = load_witnesses(office.app.context.keys.path)
    except (NoteError, ValueError):
        return
    for witness in witnesses:
        try:
            name, public_key = parse_cosigner_vkey(witness.vkey)
        except NoteError:
            continue
        if not any(s.name == name for s in checkpoint.signatures):
            continue
        try:
            verify_cosignature(checkpoint, name, public_key)
        except NoteError as e:
            verdict.add(False, f"Подпись свидетеля {name} не сходится.", str(e))
            continue
        verdict.add(True, f"Заверена свидетелем {name}.")


def _consistent(
    verdict: Verdict, office: Office, latest: StoredCheckpoint, key: LogKey
) -> None:
    claimed = verdict.claimed
    try:
        parse_checkpoint(latest.note).verify(key.origin, key.public_key)
    except NoteError as e:
        verdict.add(
            False,
            "Последняя контрольная точка журнала не подписана его ключом: журнал "
            "повреждён, согласованность проверить не с чем.",
            str(e),
        )
        return
    if claimed.size > latest.size:
        verdict.add(
            False,
            f"Контрольная точка покрывает {claimed.size} записей, а журнал подписал "
            f"только {latest.size}: записи удалены из журнала, или точка не его.",
        )
        return
    verdict.add(
        True,
        f"Журнал не короче неё: последняя подписанная точка — {latest.size} записей.",
    )
    if claimed.size == 0:
        verdict.add(True, "Пустое дерево продолжает любой журнал.")
        return
    if claimed.size == latest.size:
        same = claimed.root == latest.root
        verdict.add(
            same,
            "Это последняя контрольная точка журнала: корень тот же."
            if same
            else f"Журнал подписал для размера {latest.size} другой корень: "
            "записи изменены, или контрольная точка подделана.",
        )
        return
    proof = office.sealer.tree.consistency_proof(claimed.size, latest.size)
    try:
        merkle.verify_consistency(
            claimed.size, latest.size, proof, claimed.root, latest.root
        )
    except VerificationError as e:
        verdict.add(
            False,
            f"Текущий журнал её НЕ продолжает: первые {claimed.size} записей "
            "журнала дают другой корень. Записи до этой точки изменены, удалены "
            "или переставлены — или контрольная точка подделана.",
            str(e),
        )
        return
    verdict.add(
        True,
        f"Текущий журнал её продолжает: доказательство согласованности от "
        f"{claimed.size} до {latest.size} записей проверено "
        f"({len(proof)} хешей).",
    )


def _same_as_stored(verdict: Verdict, stored: StoredCheckpoint | None) -> None:
    claimed = verdict.claimed
    if stored is None:
        verdict.add(
            None,
            f"Контрольной точки ровно этого размера ({claimed.size}) журнал у себя "
            "не хранит: каждая подписанная им точка хранится, так что эта "
            "подписана не этим сервером или удалена из хранилища.",
        )
    elif stored.root != claimed.root:
        verdict.add(
            False,
            f"Журнал хранит для размера {claimed.size} другую контрольную точку: "
            "подписаны две разные истории (развилка).",
        )
    elif claimed.note is not None:
        verdict.add(True, "Журнал хранит ту же контрольную точку.")


@router.get("/app/audit/checkpoint")
def checkpoint_form(request: Request, audited: AuditedDep) -> HTMLResponse:
    return page(
        request,
        "audit_checkpoint.html",
        audited,
        "checkpoint",
        title="Аудит: проверка контрольной точки",
        text="",
    )


@router.post("/app/audit/checkpoint")
def checkpoint_check(
    request: Request,
    audited: AuditedFormDep,
    text: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Check the pasted checkpoint; a text that is none is said so, kept."""
    error, detail, verdict = "", "", None
    if len(text) > MAX_TEXT:
        error = f"Текст длиннее {MAX_TEXT} знаков: это не контрольная точка."
    elif not text.strip():
        error = "Вставьте текст контрольной точки или QR-кода отчёта."
    else:
        try:
            verdict = check(audited.office, read_claim(normal_note(text)))
        except NotACheckpointError as e:
            error = (
                "Это не контрольная точка. Подходит: подписанная контрольная точка "
                "целиком (происхождение, размер, корень, пустая строка, строки "
                "подписей «— …»), текст QR-кода отчёта (первая строка "
                "letopis-report) или строка «Контрольная точка: …, размер …, "
                "корень …» с напечатанного отчёта."
            )
            detail = str(e)
    return page(
        request,
        "audit_checkpoint.html",
        audited,
        "checkpoint",
        status_code=422 if error else 200,
        title="Аудит: проверка контрольной точки",
        text=text[:MAX_TEXT],
        error=error,
        detail=detail,
        verdict=verdict,
    )
