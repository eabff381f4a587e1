"""Corrections of attestation records and the appeal of an exam result (issue
13), as record commands: a period or year grade, an intermediate attestation or
retake result, a final grade, and a state exam result after an appeal. Each
names the event it corrects (``<stream>:<seq>``) and gives the reason; the
originals stay. The bodies share their parts with ``api.commands.attestation``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StrictBool, StrictInt

from api.commands import Body, Command
from api.commands.attestation import (
    EVENT,
    AcademicYear,
    Fields,
    Grade,
    ProtocolIn,
    PupilId,
    Subject,
)
from ledger.application import Signing
from ledger.domain.errors import (
    CorrectionError,
    InvalidRecordError,
    PeriodClosedError,
    ScaleError,
)
from ledger.domain.school import Level
from ledger.records.office import SchoolRecords

Reason = Annotated[
    str, Field(min_length=1, max_length=500, description="Причина / the reason")
]


def _corrects(what: str) -> Any:
    return Field(
        pattern=EVENT,
        description=f"Исправляемая запись «<id записи>:<номер>» ({what}) / the "
        "event corrected",
    )


class PeriodGradeCorrectionIn(Body):
    """A period or year grade replaced: by the course's teacher before the
    period is closed, after it only by the deputy or director citing an order."""

    pupil: PupilId
    subject: Subject
    year: AcademicYear
    corrects: Annotated[str, _corrects("отметка за период / the grade")]
    grade: Grade
    reason: Reason
    order: Annotated[
        ProtocolIn | None,
        Field(description="Приказ (после закрытия периода) / the order, if closed"),
    ] = None


def _correct_period_grade(
    records: SchoolRecords, body: PeriodGradeCorrectionIn, signing: Signing
) -> dict[str, Any]:
    name = records.attestation.correct_period_grade(
        pupil=body.pupil,
        subject=body.subject,
        year=body.year,
        corrects=body.corrects.lower(),
        grade=body.grade,
        reason=body.reason,
        order=body.order.protocol() if body.order else None,
        signed_by=signing,
    )
    return {"correction": name}


class ResultCorrectionIn(Body):
    """The latest intermediate attestation or retake result replaced, with the
    corrected protocol (the director co-signs)."""

    pupil: PupilId
    subject: Subject
    year: AcademicYear
    corrects: Annotated[str, _corrects("результат / the result")]
    result: Grade
    reason: Reason
    protocol: Annotated[
        ProtocolIn, Field(description="Исправленный протокол / corrected protocol")
    ]


def _correct_result(
    records: SchoolRecords, body: ResultCorrectionIn, signing: Signing
) -> dict[str, Any]:
    name = records.attestation.correct_attestation_result(
        pupil=body.pupil,
        subject=body.subject,
        year=body.year,
        corrects=body.corrects.lower(),
        result=body.result,
        reason=body.reason,
        protocol=body.protocol.protocol(),
        signed_by=signing,
    )
    return {"correction": name}


class FinalGradeCorrectionIn(Body):
    """A final grade replaced (the director co-signs)."""

    pupil: PupilId
    level: Annotated[Level, Field(description="Уровень / the attestat's level")]
    corrects: Annotated[str, _corrects("итоговая отметка / the final grade")]
    grade: Grade
    reason: Reason


def _correct_final_grade(
    records: SchoolRecords, body: FinalGradeCorrectionIn, signing: Signing
) -> dict[str, Any]:
    name = records.attestation.correct_final_grade(
        pupil=body.pupil,
        level=body.level,
        corrects=body.corrects.lower(),
        grade=body.grade,
        reason=body.reason,
        signed_by=signing,
    )
    return {"correction": name}


class ExamAppealIn(Body):
    """A state exam result changed on appeal, from the regional centre's
    protocol after the conflict commission's decision (§7.3.2)."""

    pupil: PupilId
    year: AcademicYear
    corrects: Annotated[str, _corrects("результат ГИА / the exam result")]
    primary_score: Annotated[
        StrictInt, Field(ge=0, le=100, description="Первичный балл / primary score")
    ]
    score: Annotated[
        StrictInt | None,
        Field(ge=0, le=100, description="Тестовый балл / test score"),
    ] = None
    mark: Annotated[
        str | None,
        Field(pattern=r"^[2-5]$", description="Отметка «2»…«5» / mark"),
    ] = None
    passed: Annotated[
        StrictBool, Field(description="Преодолён минимальный порог / passed")
    ]
    protocol: Annotated[
        ProtocolIn, Field(description="Протокол РЦОИ / the centre's protocol")
    ]
    reason: Reason


def _appeal(
    records: SchoolRecords, body: ExamAppealIn, signing: Signing
) -> dict[str, Any]:
    name = records.attestation.appeal_exam_result(
        pupil=body.pupil,
        year=body.year,
        corrects=body.corrects.lower(),
        primary_score=body.primary_score,
        score=body.score,
        mark=body.mark,
        passed=body.passed,
        protocol=body.protocol.protocol(),
        reason=body.reason,
        signed_by=signing,
    )
    return {"correction": name}


CORRECTION_FIELDS: Fields = (
    (CorrectionError, "body.corrects"),
    (PeriodClosedError, "body.order"),
    (ScaleError, "body.grade"),
    (InvalidRecordError, "body.reason"),
)
CORRECTIONS: list[Command[Any]] = [
    Command(
        name="grades.correct",
        resource="grades",
        path="/grades/corrections",
        body=PeriodGradeCorrectionIn,
        roles=("teacher", "deputy_director", "director"),
        run=_correct_period_grade,
        summary_ru="Исправление отметки за период (год)",
        summary_en="A period (year) grade corrected",
        fields=CORRECTION_FIELDS,
    ),
    Command(
        name="attestation.correct",
        resource="attestation",
        path="/attestation/corrections",
        body=ResultCorrectionIn,
        roles=("teacher", "deputy_director"),
        run=_correct_result,
        summary_ru="Исправление результата аттестации (с подписью директора)",
        summary_en="An attestation result corrected (director co-signs)",
        fields=((ScaleError, "body.result"), *CORRECTION_FIELDS),
    ),
    Command(
        name="final-grades.correct",
        resource="final-grades",
        path="/final-grades/corrections",
        body=FinalGradeCorrectionIn,
        roles=("class_teacher", "deputy_director"),
        run=_correct_final_grade,
        summary_ru="Исправление итоговой отметки (с подписью директора)",
        summary_en="A final grade corrected (director co-signs)",
        fields=CORRECTION_FIELDS,
    ),
    Command(
        name="exams.appeal",
        resource="exams",
        path="/exams/appeals",
        body=ExamAppealIn,
        roles=("deputy_director", "importer"),
        run=_appeal,
        summary_ru="Результат ГИА после апелляции (протокол РЦОИ)",
        summary_en="A state exam result after an appeal (the centre's protocol)",
        fields=(
            (CorrectionError, "body.corrects"),
            (InvalidRecordError, "body.protocol"),
        ),
    ),
]

COMMANDS: list[Command[Any]] = CORRECTIONS
