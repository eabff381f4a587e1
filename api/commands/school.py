"""School set-up: registration, curriculum, grading policy, the academic year
with its calendar, classes, teaching and substitutions.

The records are the services' of ``ledger.records.setup``; who may sign them
is the signing policy's (``school.*``: the director; most set-up also the
deputy director; the registration also the seal, «печать школы», which is
how a new school starts before any staff key exists).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from api.commands import Body, Command
from api.commands.checks import (
    FieldError,
    NotEnrolledFieldError,
    about,
    check_distinct,
)
from api.commands.values import (
    Grade,
    Line,
    Subgroup,
    SubjectCode,
    Text,
    YearLabel,
    both,
)
from ledger.application import Signing
from ledger.domain.errors import (
    AlreadyRecordedError,
    InvalidRecordError,
    NotAssignedError,
    UnknownRecordError,
)
from ledger.domain.grading import Assessment, GradingPolicy, WorkType
from ledger.domain.ids import school_id
from ledger.domain.people import PersonalFile
from ledger.domain.school import Level, Subject
from ledger.domain.schoolyear import Holiday, Period, PeriodKind, PeriodScheme
from ledger.records.context import RecordsContext
from ledger.records.office import SchoolRecords, register_school
from ledger.records.setup import TeachingInput

SETTERS = ("director", "deputy_director")

#: the OpenAPI tags of this area: Russian, then English
TAGS = {
    "school": (
        "Школа: регистрация, учебный план (предметы), положение об оценивании.",
        "The school: registration, the curriculum's subjects, the grading policy.",
    ),
    "years": (
        "Учебные годы: периоды аттестации и календарь (каникулы, учебная неделя).",
        "Academic years: study periods and the calendar (holidays, school week).",
    ),
    "classes": (
        "Классы: открытие, распределение нагрузки (с подгруппами), замещения.",
        "Classes: opening, teaching assignments (with subgroups), substitutions.",
    ),
}


# -- the school -------------------------------------------------------------------


class SchoolIn(Body):
    """The school as it starts its records in Letopis."""

    code: Annotated[
        str,
        both(
            "Код школы (тот же, что в настройках сервера LETOPIS_SCHOOL)",
            "The school's code (the server's LETOPIS_SCHOOL)",
            min_length=1,
            max_length=50,
            pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        ),
    ]
    name: Annotated[Line, both("Полное наименование", "The school's full name")]
    region: Annotated[Line, both("Субъект РФ", "The region")]
    timezone: Annotated[
        str,
        both("Часовой пояс (IANA)", "Time zone (IANA)", examples=["Europe/Moscow"]),
    ] = "Europe/Moscow"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as e:
            msg = f"unknown time zone {value!r}; allowed: an IANA name (Europe/Moscow)"
            raise ValueError(msg) from e
        return value


def _register(records: SchoolRecords, body: SchoolIn, signing: Signing) -> str:
    ctx = records.context
    if school_id(body.code) != ctx.school_id:
        msg = (
            f"this records office keeps another school's records (its code is set "
            f"where the office is opened: LETOPIS_SCHOOL), not school {body.code!r}"
        )
        raise FieldError(msg, field="body.code", allowed="the office's school code")
    stream = register_school(
        ctx.app,
        code=body.code,
        name=body.name,
        region=body.region,
        timezone=body.timezone,
        at=ctx.now(),
        signed_by=signing,
    )
    return str(stream)


class SubjectIn(Body):
    """A subject of the curriculum («учебный план»)."""

    code: Annotated[SubjectCode, both("Код предмета", "The subject's code")]
    name: Annotated[Line, both("Название предмета", "The subject's name")]
    grades: Annotated[
        list[Grade],
        both("Классы, где преподаётся", "Grades it is taught in", min_length=1),
    ]
    assessment: Annotated[
        Assessment,
        both("Оценивание: отметки или зачёт", "Five-point marks or pass/fail"),
    ] = Assessment.FIVE_POINT
    attestat: Annotated[
        tuple[Level, ...],
        both("В какие аттестаты входит", "Attestats it appears in", max_length=2),
    ] = ()


class SubjectsIn(Body):
    """Subjects to add to the curriculum, in one save."""

    subjects: Annotated[
        list[SubjectIn], both("Предметы", "Subjects", min_length=1, max_length=60)
    ]


def _define_subjects(
    records: SchoolRecords, body: SubjectsIn, signing: Signing
) -> None:
    check_distinct(
        (s.code for s in body.subjects), field="body.subjects", what="subject"
    )
    subjects = [
        Subject(s.code, s.name, tuple(s.grades), s.assessment, tuple(s.attestat))
        for s in body.subjects
    ]
    with about("body.subjects", body.subjects, ("code", "name")):
        records.setup.define_subjects(subjects, signed_by=signing)


class WorkTypeIn(Body):
    """A kind of work marked in the journal, with its weight."""

    name: Annotated[Line, both("Вид работы", "Kind of work")]
    weight: Annotated[int, both("Вес", "Weight", strict=True, ge=1, le=10)]


class GradingPolicyIn(Body):
    """The school's grading rules from a date on («положение об оценивании»)."""

    effective_from: Annotated[date, both("Действует с", "In force from")]
    marks: Annotated[
        list[Annotated[int, Field(strict=True, ge=1, le=5)]],
        both("Отметки шкалы", "Marks of the scale", min_length=1, max_length=5),
    ]
    passing: Annotated[
        int, both("Наименьшая положительная", "Lowest passing mark", strict=True)
    ]
    work_types: Annotated[
        list[WorkTypeIn],
        both("Виды работ и веса", "Work types, weights", min_length=1, max_length=30),
    ]
    rounding_threshold: Annotated[
        Decimal,
        both("Порог округления", "Rounding threshold", gt=0, lt=1, max_digits=4),
    ]
    min_marks: Annotated[
        int, both("Минимум отметок за период", "Fewest marks", strict=True, ge=0, le=30)
    ] = 3
    unmarked_grades: Annotated[
        tuple[Grade, ...],
        both("Безотметочные классы", "Grades taught without marks"),
    ] = (1,)


def _set_policy(
    records: SchoolRecords, body: GradingPolicyIn, signing: Signing
) -> None:
    policy = GradingPolicy(
        effective_from=body.effective_from,
        marks=tuple(body.marks),
        passing=body.passing,
        work_types=tuple(WorkType(w.name, w.weight) for w in body.work_types),
        rounding_threshold=body.rounding_threshold,
        min_marks=body.min_marks,
        unmarked_grades=tuple(body.unmarked_grades),
    )
    records.setup.set_grading_policy(policy, signed_by=signing)


# -- the year -----------------------------------------------------------------------


class PeriodIn(Body):
    """A study period: Q1–Q4, T1–T3, H1, H2, with its first and last day."""

    code: Annotated[
        str,
        both("Код периода", "Period code", pattern=r"^(Q[1-4]|T[1-3]|H[12])$"),
    ]
    starts: Annotated[date, both("Первый день", "First day")]
    ends: Annotated[date, both("Последний день", "Last day")]


class SchemeIn(Body):
    """The periods of the grades that split the year alike."""

    grades: Annotated[list[Grade], both("Классы", "Grades", min_length=1)]
    kind: Annotated[
        PeriodKind, both("Четверти, триместры, полугодия", "Quarters, thirds, halves")
    ]
    periods: Annotated[
        list[PeriodIn], both("Периоды", "Periods", min_length=1, max_length=4)
    ]


class HolidayIn(Body):
    """Days without lessons: vacations («каникулы») and public holidays."""

    name: Annotated[Line, both("Название", "Name", examples=["осенние каникулы"])]
    starts: Annotated[date, both("Первый день", "First day")]
    ends: Annotated[date, both("Последний день", "Last day")]


class YearIn(Body):
    """An academic year with its calendar and study periods."""

    year: Annotated[YearLabel, both("Учебный год", "The year", examples=["2025/2026"])]
    starts: Annotated[date, both("Начало учебного года", "First day of the year")]
    ends: Annotated[date, both("Окончание учебного года", "Last day of the year")]
    days_per_week: Annotated[
        int,
        both("Учебных дней в неделе", "School days a week", strict=True, ge=5, le=6),
    ] = 5
    holidays: Annotated[
        tuple[HolidayIn, ...],
        both("Каникулы и праздники", "Holidays", max_length=40),
    ] = ()
    schemes: Annotated[
        list[SchemeIn],
        both("Периоды по классам", "Periods by grade", min_length=1, max_length=11),
    ]


def _open_year(records: SchoolRecords, body: YearIn, signing: Signing) -> str:
    stream = records.setup.open_year(
        year=body.year,
        starts=body.starts,
        ends=body.ends,
        days_per_week=body.days_per_week,
        holidays=tuple(Holiday(h.name, h.starts, h.ends) for h in body.holidays),
        schemes=tuple(
            PeriodScheme(
                tuple(s.grades),
                s.kind,
                tuple(Period(p.code, p.starts, p.ends) for p in s.periods),
            )
            for s in body.schemes
        ),
        signed_by=signing,
    )
    return str(stream)


# -- classes ------------------------------------------------------------------------


class ClassIn(Body):
    """A class of the year: its grade, letter and class teacher."""

    grade: Annotated[Grade, both("Параллель", "Grade")]
    letter: Annotated[
        str,
        both("Литера", "Letter", pattern=r"^[А-ЯЁ0-9]{1,3}$", examples=["А"]),
    ]
    class_teacher: Annotated[
        UUID, both("Классный руководитель (id)", "Class teacher's staff id")
    ]


class ClassesIn(Body):
    """Classes of one year, opened in one save."""

    year: Annotated[YearLabel, both("Учебный год", "The year")]
    classes: Annotated[
        list[ClassIn], both("Классы", "Classes", min_length=1, max_length=80)
    ]


def _open_classes(
    records: SchoolRecords, body: ClassesIn, signing: Signing
) -> list[str]:
    check_distinct(
        ((c.grade, c.letter) for c in body.classes), field="body.classes", what="class"
    )
    with about("body.classes", body.classes, ("class_teacher",)):
        made = records.setup.open_classes(
            body.year,
            [(c.grade, c.letter, c.class_teacher) for c in body.classes],
            signed_by=signing,
        )
    return [str(c) for c in made]


class AssignmentIn(Body):
    """A teacher of a class's subject, or of one subgroup of it, from a day."""

    class_id: Annotated[UUID, both("Класс (id)", "The class's id")]
    subject: Annotated[SubjectCode, both("Предмет", "The subject's code")]
    teacher: Annotated[UUID, both("Учитель (id)", "The teacher's staff id")]
    starts: Annotated[date, both("С какого дня", "From this day")]
    subgroup: Annotated[
        Subgroup | None, both("Подгруппа", "Subgroup (none: the whole class)")
    ] = None
    members: Annotated[
        tuple[UUID, ...],
        both("Ученики подгруппы (id)", "The subgroup's pupils", max_length=40),
    ] = ()


class TeachingIn(Body):
    """Teaching assignments («распределение учебной нагрузки»), in one save."""

    assignments: Annotated[
        list[AssignmentIn],
        both("Назначения", "Assignments", min_length=1, max_length=400),
    ]


def _assign(records: SchoolRecords, body: TeachingIn, signing: Signing) -> None:
    _check_members(records.context, body.assignments)
    names = ("teacher", "members", "class_id", "starts", "subject")
    with about("body.assignments", body.assignments, names):
        records.setup.assign_teaching(
            [
                TeachingInput(
                    a.class_id,
                    a.subject,
                    a.teacher,
                    a.starts,
                    a.subgroup,
                    tuple(a.members),
                )
                for a in body.assignments
            ],
            signed_by=signing,
        )


def _check_members(ctx: RecordsContext, assignments: list[AssignmentIn]) -> None:
    """Refuse a subgroup member who is no pupil of the assignment's class."""
    ctx.begin()
    for i, a in enumerate(assignments):
        for j, pupil in enumerate(a.members):
            if not _placed_in(ctx, pupil, a.class_id):
                msg = (
                    f"pupil {pupil} is not a pupil of class {a.class_id}; a "
                    "subgroup's members are pupils of its class"
                )
                raise NotEnrolledFieldError(
                    msg,
                    field=f"body.assignments.{i}.members.{j}",
                    allowed="pupils of the class",
                )


def _placed_in(ctx: RecordsContext, pupil: UUID, klass: UUID) -> bool:
    """Whether ``pupil`` is a pupil of this school placed in ``klass`` at some time."""
    try:
        file = ctx.view(PersonalFile, pupil)
    except UnknownRecordError:  # the stream holds another kind of record
        return False
    if file is None or file.school != ctx.school_id:
        return False
    return any(p.class_id == klass for p in file.placements)


class SubstitutionIn(Body):
    """A substitute teacher for a class's subject over some days
    («журнал замещения»)."""

    class_id: Annotated[UUID, both("Класс (id)", "The class's id")]
    subject: Annotated[SubjectCode, both("Предмет", "The subject's code")]
    substitute: Annotated[UUID, both("Замещающий учитель (id)", "Substitute's id")]
    starts: Annotated[date, both("С", "From")]
    ends: Annotated[date, both("По", "Until")]
    reason: Annotated[Text, both("Причина", "Why")]
    subgroup: Annotated[Subgroup | None, both("Подгруппа", "Subgroup")] = None


def _substitute(records: SchoolRecords, body: SubstitutionIn, signing: Signing) -> None:
    with about("body", body, ("substitute", "class_id", "starts", "ends", "subject")):
        records.setup.record_substitution(
            class_id=body.class_id,
            subject=body.subject,
            substitute=body.substitute,
            starts=body.starts,
            ends=body.ends,
            reason=body.reason,
            subgroup=body.subgroup,
            signed_by=signing,
        )


COMMANDS: tuple[Command[Any], ...] = (
    Command(
        name="school.register",
        resource="school",
        path="/school",
        body=SchoolIn,
        roles=("director",),
        run=_register,
        summary_ru="Зарегистрировать школу (подписывает директор или печать школы)",
        summary_en="Register the school (signed by the director or the school seal)",
        fields=((AlreadyRecordedError, "body.code"),),
    ),
    Command(
        name="school.define-subjects",
        resource="school",
        path="/school/subjects",
        body=SubjectsIn,
        roles=SETTERS,
        run=_define_subjects,
        summary_ru="Внести предметы учебного плана",
        summary_en="Define subjects of the curriculum",
        fields=((InvalidRecordError, "body.subjects"),),
    ),
    Command(
        name="school.set-grading-policy",
        resource="school",
        path="/school/grading-policies",
        body=GradingPolicyIn,
        roles=SETTERS,
        run=_set_policy,
        summary_ru="Установить положение об оценивании с даты",
        summary_en="Set the grading policy from a date on",
        fields=((InvalidRecordError, "body"),),
    ),
    Command(
        name="years.open",
        resource="years",
        path="/years",
        body=YearIn,
        roles=SETTERS,
        run=_open_year,
        summary_ru="Открыть учебный год с периодами и календарём",
        summary_en="Open an academic year with its periods and calendar",
        fields=((AlreadyRecordedError, "body.year"), (InvalidRecordError, "body")),
    ),
    Command(
        name="classes.open",
        resource="classes",
        path="/classes",
        body=ClassesIn,
        roles=SETTERS,
        run=_open_classes,
        summary_ru="Открыть классы учебного года",
        summary_en="Open classes of a year",
        fields=(
            (AlreadyRecordedError, "body.classes"),
            (UnknownRecordError, "body.classes"),
        ),
    ),
    Command(
        name="classes.assign-teaching",
        resource="classes",
        path="/classes/teaching",
        body=TeachingIn,
        roles=SETTERS,
        run=_assign,
        summary_ru="Назначить учителей на предметы классов (и подгрупп)",
        summary_en="Assign teachers to classes' subjects (and subgroups)",
        fields=(
            (NotAssignedError, "body.assignments"),
            (UnknownRecordError, "body.assignments"),
            (InvalidRecordError, "body.assignments"),
        ),
    ),
    Command(
        name="classes.record-substitution",
        resource="classes",
        path="/classes/substitutions",
        body=SubstitutionIn,
        roles=SETTERS,
        run=_substitute,
        summary_ru="Записать замещение учителя",
        summary_en="Record a substitution",
        fields=(
            (NotAssignedError, "body.subject"),
            (UnknownRecordError, "body.substitute"),
            (InvalidRecordError, "body.starts"),
        ),
    ),
)
