"""Attestation commands: period and year grades, the intermediate attestation,
retakes, state exam results and final grades (DESIGN §5, area "attestation").

Each command runs one service of :class:`ledger.records.attestation.Attestation`
in one signed save; the rules (a closed period, the teacher of the course, the
scale, a retake of the latest failed result, admission to state exams…) are
the services' and refuse with a :class:`DomainError`, writing nothing. The
bodies only hold the shape: types, lengths, no unknown fields, no pupil or
subject named twice.

The :class:`ProtocolIn` body («протокол от … № …») is shared with the council
and attestat book commands.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, Field, StrictBool, StrictInt, field_validator

from api.commands import Body, Command
from api.commands.checks import about
from ledger.application import Signing
from ledger.domain.attestation import Protocol
from ledger.domain.errors import (
    AlreadyRecordedError,
    AuthorityError,
    DomainError,
    ExamAdmissionError,
    InvalidRecordError,
    NotAssignedError,
    NotEnrolledError,
    PeriodNotClosedError,
    RetakeError,
    ScaleError,
    UnknownRecordError,
)
from ledger.domain.exams import ExamKind, ExamResult
from ledger.domain.honours import COMPULSORY
from ledger.domain.ids import exam_sheet_id, final_grades_id, subject_record_id
from ledger.domain.school import Level
from ledger.domain.schoolyear import YEAR_PERIOD
from ledger.records.attestation import ExamImport
from ledger.records.office import SchoolRecords

#: Resource → its OpenAPI tag description, Russian and English.
TAGS = {
    "grades": (
        "Отметки за четверть (триместр, полугодие) и за год.",
        "Period (quarter, trimester, half) and year grades.",
    ),
    "attestation": (
        "Промежуточная аттестация с протоколом; пересдачи, вторая — комиссии.",
        "Intermediate attestation with its protocol; retakes, the second before "
        "a commission.",
    ),
    "exams": (
        "Результаты ГИА (ОГЭ, ЕГЭ, ГВЭ) из протоколов РЦОИ.",
        "State exam results (ОГЭ, ЕГЭ, ГВЭ) from the regional centre's protocols.",
    ),
    "final-grades": (
        "Итоговые отметки выпускника для аттестата.",
        "A graduate's final grades for the attestat.",
    ),
}

SUBJECT = r"^[A-Za-z0-9_-]{1,50}$"
PERIOD = r"^[A-Za-z0-9]{1,8}$"
YEAR = r"^[0-9]{4}/[0-9]{4}$"
EVENT = r"^[0-9a-fA-F-]{36}:[1-9][0-9]{0,5}$"
MAX_PUPILS = 60  # a class sheet: more pupils than any class holds
# The compulsory state exams' codes (Russian; ОГЭ mathematics; ЕГЭ mathematics,
# basic or profile): accepted even where the curriculum has no such subject
# (algebra and geometry are taught, mathematics is examined).
STATE_EXAM_SUBJECTS = frozenset(
    code for options in COMPULSORY.values() for group in options for code in group
)

Subject = Annotated[
    str,
    Field(
        pattern=SUBJECT,
        description="Код предмета учебного плана (rus, math…) / "
        "the curriculum subject's code",
    ),
]
Grade = Annotated[
    str,
    Field(
        min_length=1,
        max_length=16,
        description="Отметка по шкале школы («5», «4», «зачёт», «н/а»…) / "
        "a grade on the school's scale",
    ),
]
Subgroup = Annotated[
    str | None,
    Field(
        min_length=1,
        max_length=20,
        description="Подгруппа, если предмет ведётся по подгруппам / "
        "the subgroup, when the subject is taught in subgroups",
    ),
]
ClassId = Annotated[UUID, Field(description="Класс (id) / the class (its id)")]
PupilId = Annotated[
    UUID, Field(description="Обучающийся (id личного дела) / the pupil (file id)")
]
AcademicYear = Annotated[
    str, Field(pattern=YEAR, description="Учебный год «2024/2025» / academic year")
]


class ProtocolIn(Body):
    """A numbered, dated protocol or order («протокол от … № …»)."""

    number: Annotated[
        str,
        Field(
            min_length=1,
            max_length=50,
            description="Номер протокола (приказа) / the protocol's (order's) number",
        ),
    ]
    date: Annotated[
        dt.date,
        Field(description="Дата протокола (приказа) / the protocol's (order's) date"),
    ]

    def protocol(self) -> Protocol:
        return Protocol(self.number, self.date)


def unique(values: Sequence[Any], what: str) -> None:
    """Raise ValueError when ``values`` repeats one (a pupil named twice)."""
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            msg = f"{what} {value} is named twice; name each once"
            raise ValueError(msg)
        seen.add(value)


# -- period and year grades ---------------------------------------------------------


class PupilGradeIn(Body):
    """One pupil's grade on a sheet."""

    pupil: PupilId
    grade: Grade


class _CourseIn(Body):
    """A course of a class: the class, subject and subgroup."""

    class_id: ClassId
    subject: Subject
    subgroup: Subgroup = None


class _SheetIn(_CourseIn):
    """A course's sheet: each pupil's grade, each pupil once."""

    grades: Annotated[
        list[PupilGradeIn],
        Field(
            min_length=1,
            max_length=MAX_PUPILS,
            description="Отметки учеников, каждый один раз / each pupil's grade, once",
        ),
    ]

    @field_validator("grades")
    @classmethod
    def _each_pupil_once(cls, grades: list[PupilGradeIn]) -> list[PupilGradeIn]:
        unique([g.pupil for g in grades], "pupil")
        return grades

    def by_pupil(self) -> dict[UUID, str]:
        return {g.pupil: g.grade for g in self.grades}


def _not_year(period: str) -> str:
    if period == YEAR_PERIOD:
        msg = f"period {YEAR_PERIOD!r} is the year: record year grades with grades.year"
        raise ValueError(msg)
    return period


Period = Annotated[
    str,
    Field(
        pattern=PERIOD,
        description="Код закрытого периода (Q1…Q4, T1…T3, H1, H2); отметка за год — "
        "grades.year / a closed period's code; the year grade is grades.year",
    ),
    AfterValidator(_not_year),
]


class PeriodGradeSheetIn(_SheetIn):
    """A class's grades in a subject for a closed period, by its teacher."""

    period: Period


class PeriodGradeIn(_CourseIn):
    """One pupil's grade in a subject for a closed period."""

    period: Period
    pupil: PupilId
    grade: Grade


class YearGradeSheetIn(_SheetIn):
    """A class's year grades in a subject, after the year's last day."""


class YearGradeIn(_CourseIn):
    """One pupil's year grade in a subject."""

    pupil: PupilId
    grade: Grade


def _records(pupils: Sequence[UUID], subject: str, year: str) -> dict[str, Any]:
    """What a grade command made: each pupil's subject record (stream id)."""
    return {
        "records": {str(p): str(subject_record_id(p, subject, year)) for p in pupils}
    }


def _record_grades(
    records: SchoolRecords,
    course: _CourseIn,
    period: str,
    grades: dict[UUID, str],
    signing: Signing,
) -> dict[str, Any]:
    # A refusal naming a pupil of a sheet is about that line's pupil.
    lines = course.grades if isinstance(course, _SheetIn) else []
    with about("body.grades", lines, ("pupil",)):
        records.attestation.record_period_grades(
            class_id=course.class_id,
            subject=course.subject,
            period=period,
            grades=grades,
            subgroup=course.subgroup,
            signed_by=signing,
        )
    year = records.context.school_class(course.class_id).year
    return _records(list(grades), course.subject, year)


def _period_sheet(
    records: SchoolRecords, body: PeriodGradeSheetIn, signing: Signing
) -> dict[str, Any]:
    return _record_grades(records, body, body.period, body.by_pupil(), signing)


def _period_grade(
    records: SchoolRecords, body: PeriodGradeIn, signing: Signing
) -> dict[str, Any]:
    return _record_grades(records, body, body.period, {body.pupil: body.grade}, signing)


def _year_sheet(
    records: SchoolRecords, body: YearGradeSheetIn, signing: Signing
) -> dict[str, Any]:
    return _record_grades(records, body, YEAR_PERIOD, body.by_pupil(), signing)


def _year_grade(
    records: SchoolRecords, body: YearGradeIn, signing: Signing
) -> dict[str, Any]:
    return _record_grades(records, body, YEAR_PERIOD, {body.pupil: body.grade}, signing)


Fields = tuple[tuple[type[DomainError], str], ...]


def _grade_fields(grades: str) -> Fields:
    return (
        (PeriodNotClosedError, "body.period"),
        (NotAssignedError, "body.subject"),
        (NotEnrolledError, grades),
        (ScaleError, grades),
        (AlreadyRecordedError, grades),
        (UnknownRecordError, "body.subject"),
    )


TEACHER = ("teacher",)

GRADES: list[Command[Any]] = [
    Command(
        name="grades.period-sheet",
        resource="grades",
        path="/grades/period-sheets",
        body=PeriodGradeSheetIn,
        roles=TEACHER,
        run=_period_sheet,
        summary_ru="Ведомость отметок класса по предмету за закрытый период",
        summary_en="A class's grades in a subject for a closed period",
        fields=_grade_fields("body.grades"),
    ),
    Command(
        name="grades.period",
        resource="grades",
        path="/grades/period",
        body=PeriodGradeIn,
        roles=TEACHER,
        run=_period_grade,
        summary_ru="Отметка ученика по предмету за закрытый период",
        summary_en="A pupil's grade in a subject for a closed period",
        fields=_grade_fields("body.grade"),
    ),
    Command(
        name="grades.year-sheet",
        resource="grades",
        path="/grades/year-sheets",
        body=YearGradeSheetIn,
        roles=TEACHER,
        run=_year_sheet,
        summary_ru="Годовые отметки класса по предмету",
        summary_en="A class's year grades in a subject",
        fields=_grade_fields("body.grades"),
    ),
    Command(
        name="grades.year",
        resource="grades",
        path="/grades/year",
        body=YearGradeIn,
        roles=TEACHER,
        run=_year_grade,
        summary_ru="Годовая отметка ученика по предмету",
        summary_en="A pupil's year grade in a subject",
        fields=_grade_fields("body.grade"),
    ),
]


# -- intermediate attestation and retakes -------------------------------------------


class PupilResultIn(Body):
    """One pupil's result in the intermediate attestation."""

    pupil: PupilId
    result: Grade


class AttestationIn(_CourseIn):
    """A class's intermediate attestation in a subject, with its protocol (§7.3.1)."""

    form: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            description="Форма аттестации («годовая контрольная работа», «годовая "
            "отметка»…) / the form of the attestation",
        ),
    ]
    protocol: Annotated[
        ProtocolIn, Field(description="Протокол аттестации / its protocol")
    ]
    results: Annotated[
        list[PupilResultIn],
        Field(
            min_length=1,
            max_length=MAX_PUPILS,
            description="Результаты учеников, каждый один раз; неудовлетворительный "
            "— академическая задолженность / each pupil's result, once; a failing "
            "one is an academic debt",
        ),
    ]

    @field_validator("results")
    @classmethod
    def _each_pupil_once(cls, results: list[PupilResultIn]) -> list[PupilResultIn]:
        unique([r.pupil for r in results], "pupil")
        return results


def _attestation(
    records: SchoolRecords, body: AttestationIn, signing: Signing
) -> dict[str, Any]:
    with about("body.results", body.results, ("pupil",)):
        names = records.attestation.record_intermediate_attestation(
            class_id=body.class_id,
            subject=body.subject,
            form=body.form,
            protocol=body.protocol.protocol(),
            results={r.pupil: r.result for r in body.results},
            subgroup=body.subgroup,
            signed_by=signing,
        )
    # The result events, in the body's order: a retake names a failed one.
    return {
        "results": {str(r.pupil): n for r, n in zip(body.results, names, strict=True)}
    }


class RetakeIn(Body):
    """A retake of a failed result (273-ФЗ art. 58): the second before a
    commission of at least three teachers."""

    pupil: PupilId
    subject: Subject
    year: AcademicYear
    retakes: Annotated[
        str,
        Field(
            pattern=EVENT,
            description="Пересдаваемый результат «<id записи>:<номер>» (последний "
            "неудовлетворительный) / the failed result retaken, as the attestation "
            "or the previous retake returned it",
        ),
    ]
    result: Grade
    protocol: Annotated[
        ProtocolIn, Field(description="Протокол пересдачи / the retake's protocol")
    ]
    commission: Annotated[
        tuple[UUID, ...],
        Field(
            max_length=10,
            description="Члены комиссии (id сотрудников); для второй пересдачи не "
            "менее трёх / the commission's members (staff ids), at least three for "
            "the second retake",
        ),
    ] = ()

    @field_validator("commission")
    @classmethod
    def _each_member_once(cls, members: tuple[UUID, ...]) -> tuple[UUID, ...]:
        unique(members, "commission member")
        return members


def _retake(records: SchoolRecords, body: RetakeIn, signing: Signing) -> dict[str, Any]:
    name = records.attestation.record_retake(
        pupil=body.pupil,
        subject=body.subject,
        year=body.year,
        retakes=body.retakes.lower(),
        result=body.result,
        protocol=body.protocol.protocol(),
        commission=body.commission,
        signed_by=signing,
    )
    return {"result": name}


ATTESTATION: list[Command[Any]] = [
    Command(
        name="attestation.record",
        resource="attestation",
        path="/attestation/protocols",
        body=AttestationIn,
        roles=("teacher", "deputy_director"),
        run=_attestation,
        summary_ru="Протокол промежуточной аттестации класса по предмету",
        summary_en="A class's intermediate attestation protocol in a subject",
        fields=(
            (NotAssignedError, "body.subject"),
            (NotEnrolledError, "body.results"),
            (ScaleError, "body.results"),
            (AlreadyRecordedError, "body.results"),
            (InvalidRecordError, "body.protocol"),
            (UnknownRecordError, "body.subject"),
        ),
    ),
    Command(
        name="attestation.retake",
        resource="attestation",
        path="/attestation/retakes",
        body=RetakeIn,
        roles=("teacher", "deputy_director"),
        run=_retake,
        summary_ru="Пересдача академической задолженности (ст. 58 273-ФЗ)",
        summary_en="A retake of an academic debt (273-ФЗ art. 58)",
        fields=(
            (RetakeError, "body.retakes"),
            (AuthorityError, "body.commission"),
            (ScaleError, "body.result"),
            (InvalidRecordError, "body.protocol"),
            (UnknownRecordError, "body.commission"),
        ),
    ),
]


# -- state exams --------------------------------------------------------------------


class ExamResultIn(Body):
    """One state exam result of a regional centre's protocol."""

    exam: Annotated[
        ExamKind, Field(description="Форма ГИА: oge (ОГЭ), ege (ЕГЭ), gve (ГВЭ) / form")
    ]
    subject: Annotated[
        str,
        Field(
            pattern=SUBJECT,
            description="Предмет экзамена: код учебного плана или math_base, "
            "math_prof (ЕГЭ) / the exam's subject: a curriculum code or math_base, "
            "math_prof",
        ),
    ]
    exam_date: Annotated[dt.date, Field(description="Дата экзамена / exam date")]
    primary_score: Annotated[
        StrictInt, Field(ge=0, le=100, description="Первичный балл / primary score")
    ]
    score: Annotated[
        StrictInt | None,
        Field(
            ge=0,
            le=100,
            description="Тестовый балл (ЕГЭ, кроме базовой математики) / test score",
        ),
    ] = None
    mark: Annotated[
        str | None,
        Field(
            pattern=r"^[2-5]$",
            description="Отметка «2»…«5» (ОГЭ, ГВЭ, базовая математика) / mark",
        ),
    ] = None
    passed: Annotated[
        StrictBool,
        Field(description="Преодолён минимальный порог / passed the minimum"),
    ]
    protocol: Annotated[
        ProtocolIn, Field(description="Протокол РЦОИ / the centre's protocol")
    ]

    def result(self) -> ExamResult:
        return ExamResult(
            self.exam,
            self.subject,
            self.exam_date,
            self.primary_score,
            self.score,
            self.mark,
            self.passed,
        )


class ExamResultsIn(Body):
    """One pupil's state exam results from the regional centre (§7.3.2)."""

    pupil: PupilId
    year: AcademicYear
    centre: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            description="Региональный центр (РЦОИ) / the regional exam centre",
        ),
    ]
    results: Annotated[
        list[ExamResultIn],
        Field(min_length=1, max_length=20, description="Результаты / the results"),
    ]


def _exams(
    records: SchoolRecords, body: ExamResultsIn, signing: Signing
) -> dict[str, Any]:
    with about("body.results", body.results, ("subject",)):
        _check_exam_subjects(records, [r.subject for r in body.results])
    records.attestation.import_exam_results(
        [
            ExamImport(
                body.pupil, body.year, r.result(), r.protocol.protocol(), body.centre
            )
            for r in body.results
        ],
        signed_by=signing,
    )
    return {"sheet": str(exam_sheet_id(body.pupil, body.year))}


def _check_exam_subjects(records: SchoolRecords, subjects: Sequence[str]) -> None:
    """:class:`UnknownRecordError` for an exam subject that is neither a subject
    of the school's curriculum nor a state exam's own (ЕГЭ mathematics)."""
    ctx = records.context
    ctx.begin()
    known = set(ctx.school().subjects) | STATE_EXAM_SUBJECTS
    for subject in subjects:
        if subject not in known:
            msg = (
                f"exam subject {subject!r} is not a subject of the curriculum nor "
                f"a state exam's; allowed: {', '.join(sorted(known))}"
            )
            raise UnknownRecordError(msg)


EXAMS: list[Command[Any]] = [
    Command(
        name="exams.record",
        resource="exams",
        path="/exams/results",
        body=ExamResultsIn,
        roles=("importer",),
        run=_exams,
        summary_ru="Результаты ГИА ученика из протокола РЦОИ",
        summary_en="A pupil's state exam results from the regional centre's protocol",
        fields=(
            (ExamAdmissionError, "body.pupil"),
            (InvalidRecordError, "body.results"),
            (UnknownRecordError, "body.results"),
        ),
    )
]


# -- final grades -------------------------------------------------------------------


class FinalGradeIn(Body):
    """A final grade in one subject of the attestat."""

    subject: Subject
    grade: Grade
    basis: Annotated[
        str,
        Field(
            max_length=200,
            description="Основание (годовые отметки, экзамен) / what it rests on",
        ),
    ] = ""


class FinalGradesIn(Body):
    """A graduate's final grades for the attestat of a level (§7.3.5)."""

    pupil: PupilId
    level: Annotated[
        Level,
        Field(
            description="Уровень: basic (основное общее, 9 класс), secondary "
            "(среднее общее, 11 класс) / the attestat's level"
        ),
    ]
    grades: Annotated[
        list[FinalGradeIn],
        Field(
            min_length=1,
            max_length=40,
            description="Итоговые отметки, каждый предмет один раз / one per subject",
        ),
    ]

    @field_validator("grades")
    @classmethod
    def _each_subject_once(cls, grades: list[FinalGradeIn]) -> list[FinalGradeIn]:
        unique([g.subject for g in grades], "subject")
        return grades


def _final_grades(
    records: SchoolRecords, body: FinalGradesIn, signing: Signing
) -> dict[str, Any]:
    with about("body.grades", body.grades, ("subject",)):
        records.attestation.record_final_grades(
            pupil=body.pupil,
            level=body.level,
            grades={g.subject: g.grade for g in body.grades},
            basis={g.subject: g.basis for g in body.grades if g.basis},
            signed_by=signing,
        )
    return {"record": str(final_grades_id(body.pupil, body.level.value))}


FINAL_GRADES: list[Command[Any]] = [
    Command(
        name="final-grades.record",
        resource="final-grades",
        path="/final-grades",
        body=FinalGradesIn,
        roles=("class_teacher", "deputy_director", "director"),
        run=_final_grades,
        summary_ru="Итоговые отметки выпускника для аттестата",
        summary_en="A graduate's final grades for the attestat",
        fields=(
            (NotEnrolledError, "body.pupil"),
            (InvalidRecordError, "body.level"),
            (ScaleError, "body.grades"),
            (UnknownRecordError, "body.grades"),
        ),
    )
]


COMMANDS: list[Command[Any]] = [
    *GRADES,
    *ATTESTATION,
    *EXAMS,
    *FINAL_GRADES,
]
