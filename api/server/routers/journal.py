"""The journal: lesson sheets signed by the server for staff whose key it keeps
(custodial), corrections and voids, and reading one lesson."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.commands.attestation import ProtocolIn
from api.server.accounts import AUDITOR, OFFICE, Account
from api.server.deps import OfficeDep, role
from api.server.problems import PROBLEM_RESPONSES, ProblemError, ledger_status
from api.server.routers._appends import (
    IDEMPOTENCY_HEADER,
    KEY_PATTERN,
    Appended,
    answer_of,
    idempotent,
)
from api.server.scope import check_class_reader
from api.server.tokens import utcnow
from ledger.domain.errors import (
    AlreadyRecordedError,
    DomainError,
    LessonDateError,
    NotAssignedError,
    NotEnrolledError,
    ScaleError,
    UnknownRecordError,
)
from ledger.domain.journal import AbsenceKind, Lesson
from ledger.records.context import RecordsContext
from ledger.records.journal import AbsenceInput, LessonInput, MarkInput

router = APIRouter(tags=["journal"], responses=PROBLEM_RESPONSES)
Text = Annotated[str, Field(min_length=1, max_length=200)]
ENTRY = r"^[0-9a-f-]{36}:[1-9][0-9]{0,5}$"

NUMBER_DOC = (
    "The n-th lesson of this subject (and subgroup) in this class that day, "
    "1–8 («второй урок алгебры за день»), not the timetable period: two "
    "lessons of algebra on one day are 1 and 2 whatever periods they took."
)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_HEADER,
        pattern=KEY_PATTERN,
        description="Retries with the same key and body append only once.",
    ),
]
Teacher = Annotated[Account, Depends(role("teacher", "class_teacher"))]
Corrector = Annotated[Account, Depends(role("teacher", "deputy_director"))]


class MarkIn(BaseModel):
    """A mark: the pupil, the mark on the school's scale, the kind of work."""

    pupil: UUID
    mark: Annotated[str, Field(min_length=1, max_length=16)]
    work_type: Text


class AbsenceIn(BaseModel):
    """An absence: the pupil and its journal code (н, б, у, оп)."""

    pupil: UUID
    kind: AbsenceKind = AbsenceKind.UNEXCUSED


class LessonSheet(BaseModel):
    """One lesson of a class with its marks and absences, saved at once."""

    class_id: UUID
    subject: Annotated[str, Field(min_length=1, max_length=50)]
    day: date
    number: Annotated[int, Field(ge=1, le=8, description=NUMBER_DOC)] = 1
    topic: Annotated[str, Field(min_length=1, max_length=500)]
    homework: Annotated[str, Field(max_length=500)] = ""
    subgroup: Annotated[str | None, Field(min_length=1, max_length=20)] = None
    marks: Annotated[list[MarkIn], Field(max_length=60)] = []
    absences: Annotated[list[AbsenceIn], Field(max_length=60)] = []

    def as_input(self) -> LessonInput:
        return LessonInput(
            class_id=self.class_id,
            subject=self.subject,
            day=self.day,
            topic=self.topic,
            homework=self.homework,
            subgroup=self.subgroup,
            number=self.number,
            marks=tuple(MarkInput(m.pupil, m.mark, m.work_type) for m in self.marks),
            absences=tuple(AbsenceInput(a.pupil, a.kind) for a in self.absences),
        )


class Correction(BaseModel):
    """A new mark for an entry, and why; in a closed period (§8.1) also the
    order («приказ») the deputy or the director cites."""

    mark: Annotated[str, Field(min_length=1, max_length=16)]
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    order: Annotated[
        ProtocolIn | None,
        Field(description="Приказ (после закрытия периода) / the order, if closed"),
    ] = None


class Void(BaseModel):
    """Why an entry stops counting; in a closed period, the order cited."""

    reason: Annotated[str, Field(min_length=1, max_length=500)]
    order: Annotated[
        ProtocolIn | None,
        Field(description="Приказ (после закрытия периода) / the order, if closed"),
    ] = None


class EntryPublic(BaseModel):
    """A mark or absence as it stands after corrections."""

    entry: str
    kind: str
    pupil: UUID
    value: str
    work_type: str | None
    weight: int
    voided: bool


class LessonPublic(BaseModel):
    """A lesson with its entries."""

    lesson: UUID
    class_id: UUID
    subject: str
    subgroup: str | None
    day: date
    number: int
    teacher: UUID
    entries: list[EntryPublic]


#: The field of a lesson sheet each rule's rejection is about.
SHEET_FIELDS: tuple[tuple[type[DomainError], str], ...] = (
    (LessonDateError, "body.day"),
    (ScaleError, "body.marks"),
    (NotEnrolledError, "body.marks"),
    (NotAssignedError, "body.class_id"),
    (AlreadyRecordedError, "body.number"),
    (UnknownRecordError, "body.class_id"),
)


def sheet_problem(error: DomainError, sheet: LessonSheet) -> ProblemError:
    """A rule's rejection of a lesson sheet, naming the field it is about: for
    a pupil not in the class or a mark off the scale, the line it names (the
    pupil's id, or the mark or work type it quotes)."""
    status, kind = ledger_status(error)
    field = next((f for cls, f in SHEET_FIELDS if isinstance(error, cls)), "body")
    if isinstance(error, ScaleError | NotEnrolledError):
        field = _line_named(str(error), sheet) or field
    return ProblemError(status, kind, str(error), field=field)


def _line_named(message: str, sheet: LessonSheet) -> str | None:
    """The first mark or absence whose pupil, mark or work type the message
    names (the lines are checked in order, so the first named is the one)."""
    for i, m in enumerate(sheet.marks):
        for name, shown in (
            ("pupil", str(m.pupil)),
            ("mark", repr(m.mark)),
            ("work_type", repr(m.work_type)),
        ):
            if shown in message:
                return f"body.marks.{i}.{name}"
    for i, a in enumerate(sheet.absences):
        if str(a.pupil) in message:
            return f"body.absences.{i}.pupil"
    return None


CREATED: dict[int | str, dict[str, Any]] = {
    201: {"model": Appended, "description": "Appended"}
}


@router.post("/lesson-sheets", status_code=201, responses=CREATED)
def record_lesson_sheet(
    sheet: LessonSheet,
    office: OfficeDep,
    account: Teacher,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record a lesson with its marks and absences in one signed save (custodial)."""

    def run() -> Appended:
        signing = office.custodial(account)
        try:
            [lesson] = office.run(
                lambda r: r.journal.record_lessons(
                    [sheet.as_input()], signed_by=signing
                )
            )
        except DomainError as e:
            raise sheet_problem(e, sheet) from e
        count = 1 + len(sheet.marks) + len(sheet.absences)
        return Appended(
            events=[f"{lesson}:{seq}" for seq in range(1, count + 1)], lesson=lesson
        )

    return idempotent(
        office,
        account,
        idempotency_key,
        sheet.model_dump(mode="json"),
        run,
        answer_of(lesson=True),
    )


EntryName = Annotated[str, Path(pattern=ENTRY, description="<lesson uuid>:<seq>")]


@router.post("/entries/{entry}/correction", status_code=201, responses=CREATED)
def correct_mark(
    entry: EntryName,
    correction: Correction,
    office: OfficeDep,
    account: Corrector,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Replace a mark, naming it and why; by its author or the deputy director."""

    def run() -> Appended:
        signing = office.custodial(account)
        name = office.run(
            lambda r: r.journal.correct_mark(
                entry,
                mark=correction.mark,
                reason=correction.reason,
                order=correction.order.protocol() if correction.order else None,
                signed_by=signing,
            )
        )
        return Appended(events=[name])

    body = {"entry": entry, **correction.model_dump(mode="json")}
    return idempotent(office, account, idempotency_key, body, run, answer_of())


@router.post("/entries/{entry}/void", status_code=201, responses=CREATED)
def void_entry(
    entry: EntryName,
    void: Void,
    office: OfficeDep,
    account: Corrector,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Void a mark or absence entered in error; by its author or the deputy."""

    def run() -> Appended:
        signing = office.custodial(account)
        name = office.run(
            lambda r: r.journal.void_entry(
                entry,
                reason=void.reason,
                order=void.order.protocol() if void.order else None,
                signed_by=signing,
            )
        )
        return Appended(events=[name])

    body = {"entry": entry, **void.model_dump(mode="json")}
    return idempotent(office, account, idempotency_key, body, run, answer_of())


Reader = Annotated[Account, Depends(role("teacher", "class_teacher", *OFFICE, AUDITOR))]


def _readable_lesson(ctx: RecordsContext, account: Account, lesson: UUID) -> Lesson:
    """The lesson, if ``account`` may read it; else a problem saying whom the
    refused read was about."""
    try:
        found = ctx.view(Lesson, lesson)
    except UnknownRecordError:
        found = None  # the stream holds another kind of record
    if found is None:
        msg = f"lesson {lesson} is not recorded"
        raise ProblemError(404, "not-found", msg, field="path.lesson")
    try:
        check_class_reader(ctx, account, found.class_id)
    except ProblemError as e:
        e.about = f"class:{found.class_id}"
        raise
    return found


@router.get("/lessons/{lesson}")
def read_lesson(lesson: UUID, office: OfficeDep, account: Reader) -> LessonPublic:
    """One lesson with its entries, for its class's teachers, the office, auditors."""
    try:
        with office.reading() as ctx:
            found = _readable_lesson(ctx, account, lesson)
    except ProblemError as e:
        subject = e.about or f"lesson:{lesson}"
        office.access.refused(account, f"lesson {lesson}", subject, e.status, utcnow())
        raise
    office.access.record(
        account, f"lesson {lesson}", f"class:{found.class_id}", utcnow()
    )
    return LessonPublic(
        lesson=lesson,
        class_id=found.class_id,
        subject=found.subject,
        subgroup=found.subgroup,
        day=found.day,
        number=found.number,
        teacher=found.teacher,
        entries=[
            EntryPublic(
                entry=f"{lesson}:{e.seq}",
                kind=e.kind,
                pupil=e.pupil,
                value=e.value,
                work_type=e.work_type,
                weight=e.weight,
                voided=e.voided,
            )
            for e in found.entries.values()
        ],
    )
