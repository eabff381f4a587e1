"""`letopis demo`: a simulated Russian school, written through the records services.

A school with grades 1–11 (two to four classes a grade), the subjects and weekly
hours of the federal curriculum, a timetable, and one or more school years
(1 September to late May, with the usual holidays). Every record goes through
the same application services a real client uses (``ledger.records.office``),
signed by the staff member who makes it, at simulated times:

- lessons on every school day, with marks, absences (illnesses, truancy, late
  arrivals), next-day corrections and voids, a teacher's sick week covered by a
  substitute;
- quarter/half and year grades, the intermediate attestation with protocols,
  retakes of academic debts (the second before a commission);
- council decisions in May and June, state exams (ОГЭ, ЕГЭ) from the regional
  centre, final grades, attestats for grades 9 and 11 with honours and medals
  where the criteria hold, a spoiled blank, a book correction, a duplicate;
- olympiad and sports achievements (one withdrawn), transfers, arrivals.

Deterministic for a given ``--seed``: the same school, people, ids, records and
times (the random parts are the AES-GCM nonces of identity fields, the data
keys, and the real times of key registrations and of the seal's checkpoint).
Identity fields are sealed with per-person data keys; the DEMO passphrase is
used unless ``LETOPIS_KEY_PASSPHRASE`` is set, and the demo says so.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from pathlib import Path
from time import perf_counter
from typing import Annotated
from uuid import UUID

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli import KeysOpt, StoreOpt, app, err, out, reports_errors
from api.server.tables import API_TABLES
from ledger.application import LedgerApplication, Signing
from ledger.domain.attestat import Blank, Recipient
from ledger.domain.attestation import ExamKind, ExamResult, Protocol, SubjectRecord
from ledger.domain.decisions import DecisionKind, Medal
from ledger.domain.errors import HonoursError, InvalidRecordError
from ledger.domain.grading import (
    EXCELLENT,
    FAILED,
    NOT_ATTESTED,
    PASSED,
    Assessment,
    GradingPolicy,
    WorkType,
)
from ledger.domain.ids import class_id as class_stream
from ledger.domain.ids import school_id as school_stream
from ledger.domain.ids import staff_id as staff_stream
from ledger.domain.ids import subject_record_id
from ledger.domain.journal import AbsenceKind
from ledger.domain.people import LeaveReason, MoveReason
from ledger.domain.portfolio import AchievementKind, AchievementLevel, AchievementResult
from ledger.domain.school import Level, Subject
from ledger.domain.schoolyear import (
    YEAR_PERIOD,
    Holiday,
    Period,
    PeriodKind,
    PeriodScheme,
    days_between,
    is_school_day,
    year_label,
)
from ledger.errors import LedgerError
from ledger.keys.directory import (
    DEMO_PASSPHRASE,
    PASSPHRASE_ENV,
    KeyDirectory,
    SigningKey,
)
from ledger.keys.personal import DataKeyStore
from ledger.keys.services import register_signer
from ledger.log import Sealer
from ledger.records.attestation import ExamImport, PeriodSheet
from ledger.records.attestats import AttestatRequest
from ledger.records.council import DecisionInput
from ledger.records.journal import AbsenceInput, LessonInput, MarkInput
from ledger.records.office import SchoolRecords, register_school
from ledger.records.people import EnrolmentInput, Identity, MoveInput
from ledger.records.setup import TeachingInput
from ledger.storage.init import initialise
from ledger.storage.stores import open_ledger

ORIGIN = "letopis.example/school-131"
SCHOOL_CODE = "school-131"
TIMEZONE = "Europe/Moscow"
MSK = timedelta(hours=3)
LAST_YEAR_STARTS = 2025  # the last simulated school year is 2025/2026, fixed
DEFAULT_STUDENTS = 330

# -- the school as data --------------------------------------------------------------

BASIC, BOTH = (Level.BASIC,), (Level.BASIC, Level.SECONDARY)
PRIMARY, MIDDLE, SENIOR = (1, 2, 3, 4), (5, 6, 7, 8, 9), (10, 11)


def _subject(
    code: str,
    name: str,
    grades: tuple[int, ...],
    attestat: tuple[Level, ...] = (),
    assessment: Assessment = Assessment.FIVE_POINT,
) -> Subject:
    return Subject(code, name, grades, assessment, attestat)


# The federal curriculum (ФОП НОО/ООО/СОО 2023) for a five-day week; the
# attestat lists the subjects of its level with their final grades.
SUBJECTS = (
    _subject("rus", "Русский язык", PRIMARY + MIDDLE + SENIOR, BOTH),
    _subject("lit_read", "Литературное чтение", PRIMARY),
    _subject("lit", "Литература", MIDDLE + SENIOR, BOTH),
    _subject("eng", "Иностранный язык (английский)", (2, 3, 4, *MIDDLE, *SENIOR), BOTH),
    _subject("math", "Математика", (*PRIMARY, 5, 6)),
    _subject("world", "Окружающий мир", PRIMARY),
    _subject(
        "orkse",
        "Основы религиозных культур и светской этики",
        (4,),
        (),
        Assessment.PASS_FAIL,
    ),
    _subject("alg", "Алгебра", (7, 8, 9), BASIC),
    _subject("geom", "Геометрия", (7, 8, 9, *SENIOR), BOTH),
    _subject("prob", "Вероятность и статистика", (7, 8, 9, *SENIOR), BOTH),
    _subject(
        "alg_an", "Алгебра и начала математического анализа", SENIOR, (Level.SECONDARY,)
    ),
    _subject("inf", "Информатика", (7, 8, 9, *SENIOR), BOTH),
    _subject("hist", "История", MIDDLE + SENIOR, BOTH),
    _subject("soc", "Обществознание", (6, 7, 8, 9, *SENIOR), BOTH),
    _subject("geo", "География", MIDDLE + SENIOR, BOTH),
    _subject("bio", "Биология", MIDDLE + SENIOR, BOTH),
    _subject("phys", "Физика", (7, 8, 9, *SENIOR), BOTH),
    _subject("chem", "Химия", (8, 9, *SENIOR), BOTH),
    _subject("art", "Изобразительное искусство", (*PRIMARY, 5, 6, 7), BASIC),
    _subject("music", "Музыка", (*PRIMARY, 5, 6, 7, 8), BASIC),
    _subject("tech", "Труд (технология)", PRIMARY + MIDDLE, BASIC),
    _subject("obzr", "Основы безопасности и защиты Родины", (8, 9, *SENIOR), BOTH),
    _subject("pe", "Физическая культура", PRIMARY + MIDDLE + SENIOR, BOTH),
    _subject(
        "odnknr",
        "Основы духовно-нравственной культуры народов России",
        (5, 6),
        (),
        Assessment.PASS_FAIL,
    ),
    _subject("project", "Индивидуальный проект", SENIOR, (Level.SECONDARY,)),
)


def _hours(text: str) -> dict[str, int]:
    """Weekly hours from ``"rus 5, lit 3, …"`` (the federal curriculum, 5-day week)."""
    pairs = (item.split() for item in text.split(","))
    return {code: int(h) for code, h in pairs}


_PRIMARY = "rus 5, lit_read 4, math 4, world 2, art 1, music 1, tech 1, pe 2"
_SENIOR = (
    "rus 2, lit 3, eng 3, alg_an 3, geom 2, prob 1, inf 1, hist 2, soc 2, geo 1, "
    "bio 1, phys 2, chem 1, obzr 1, pe 2, project 1"
)
HOURS: dict[int, dict[str, int]] = {
    1: _hours(_PRIMARY),
    2: _hours(_PRIMARY + ", eng 2"),
    3: _hours(_PRIMARY + ", eng 2"),
    4: {**_hours(_PRIMARY + ", eng 2, orkse 1"), "lit_read": 3},
    5: _hours(
        "rus 5, lit 3, eng 3, math 5, hist 2, geo 1, bio 1, art 1, music 1, tech 2, "
        "pe 2, odnknr 1"
    ),
    6: _hours(
        "rus 6, lit 3, eng 3, math 5, hist 2, soc 1, geo 1, bio 1, art 1, music 1, "
        "tech 2, pe 2, odnknr 1"
    ),
    7: _hours(
        "rus 4, lit 2, eng 3, alg 3, geom 2, prob 1, inf 1, hist 2, soc 1, geo 2, "
        "bio 1, phys 2, art 1, music 1, tech 2, pe 2"
    ),
    8: _hours(
        "rus 3, lit 2, eng 3, alg 3, geom 2, prob 1, inf 1, hist 2, soc 1, geo 2, "
        "bio 2, phys 2, chem 2, music 1, tech 1, obzr 1, pe 2"
    ),
    9: _hours(
        "rus 3, lit 3, eng 3, alg 3, geom 2, prob 1, inf 1, hist 2, soc 1, geo 2, "
        "bio 2, phys 3, chem 2, tech 1, obzr 1, pe 2"
    ),
    10: _hours(_SENIOR),
    11: _hours(_SENIOR),
}

# who teaches what: a speciality per subject; in grades 1–4 the class teacher
# teaches everything but English, music and PE
SPECIALITY = {
    "rus": "russian",
    "lit": "russian",
    "eng": "english",
    "math": "maths",
    "alg": "maths",
    "geom": "maths",
    "prob": "maths",
    "alg_an": "maths",
    "inf": "informatics",
    "project": "informatics",
    "hist": "history",
    "soc": "history",
    "odnknr": "history",
    "geo": "geography",
    "bio": "biology",
    "chem": "chemistry",
    "phys": "physics",
    "art": "art",
    "music": "music",
    "tech": "technology",
    "obzr": "safety",
    "pe": "pe",
}
PRIMARY_SPECIALISTS = {"eng", "music", "pe"}
POSITIONS = {
    "russian": "учитель русского языка и литературы",
    "english": "учитель английского языка",
    "maths": "учитель математики",
    "informatics": "учитель информатики",
    "history": "учитель истории и обществознания",
    "geography": "учитель географии",
    "biology": "учитель биологии",
    "chemistry": "учитель химии",
    "physics": "учитель физики",
    "art": "учитель изобразительного искусства",
    "music": "учитель музыки",
    "technology": "учитель труда (технологии)",
    "safety": "преподаватель-организатор ОБЗР",
    "pe": "учитель физической культуры",
    "primary": "учитель начальных классов",
}
LETTERS = "АБВГ"
WORK_TYPES = (
    WorkType("ответ на уроке", 1),
    WorkType("домашняя работа", 1),
    WorkType("самостоятельная работа", 2),
    WorkType("контрольная работа", 3),
)
TEST_WORK = "контрольная работа"
SURNAMES = tuple(
    """Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров
    Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов
    Андреев Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов
    Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин
    Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков
    Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев
    Титов Марков Миронов Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов
    Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов Абрамов Мартынов Ефимов
    Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов Родионов Коновалов
    Лазарев Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов
    Журавлёв Овчинников Трофимов Леонов Соболев Ермаков Колесников Гончаров Емельянов
    Никифоров Грачёв Котов Гришин Ефремов Архипов Громов Кириллов Малышев Панов Моисеев
    Румянцев Акимов Кондратьев Бирюков Горбунов Анисимов Еремин Тихомиров Галкин
    Лукьянов Михеев Скворцов Юдин Белоусов Нестеров Симонов Прокофьев Харитонов Князев
    Цветков Левин Митрофанов Шубин Эминов Юсупов Ягудин Ушаков Хабибуллин Шарипов
    """.split()  # noqa: SIM905 - compact data
)
MALE = tuple(
    """Александр Михаил Максим Артём Иван Даниил Дмитрий Кирилл Андрей Егор Никита Илья
    Алексей Матвей Тимофей Роман Владимир Ярослав Фёдор Георгий Константин Лев Николай
    Степан Марк Павел Арсений""".split()  # noqa: SIM905 - compact data
)
FEMALE = tuple(
    """Анастасия Мария Анна Виктория Екатерина Наталья Марина Полина София Дарья Алиса
    Ксения Александра Елена Варвара Ульяна Алёна Вероника Василиса Милана Ева Арина
    Елизавета Таисия""".split()  # noqa: SIM905 - compact data
)
FATHERS = tuple(
    (root + "ич", root + "на")
    for root in """Александров Сергеев Дмитриев Андреев Алексеев Иванов Михайлов
    Владимиров Николаев Евгеньев Олегов Игорев Павлов Викторов Юрьев""".split()  # noqa: SIM905  # noqa: SIM905 - compact data
)
# year grades of earlier years, as the personal file has them
EARLIER = {
    "excellent": (("5", 0.97), ("4", 0.03)),
    "good": (("5", 0.35), ("4", 0.6), ("3", 0.05)),
    "average": (("5", 0.05), ("4", 0.45), ("3", 0.5)),
    "weak": (("4", 0.15), ("3", 0.85)),
}
ABILITIES = (("excellent", 0.08), ("good", 0.37), ("average", 0.43), ("weak", 0.12))
MARK_ODDS = {
    "excellent": (("5", 0.86), ("4", 0.14)),
    "good": (("5", 0.33), ("4", 0.55), ("3", 0.12)),
    "average": (("5", 0.10), ("4", 0.40), ("3", 0.44), ("2", 0.06)),
    "weak": (("4", 0.15), ("3", 0.65), ("2", 0.20)),
}
TOPICS = {
    "rus": (
        "Орфограммы в корне слова",
        "Сложноподчинённое предложение",
        "Причастный оборот",
        "Изложение",
        "Словосочетание",
    ),
    "lit": (
        "А. С. Пушкин. «Капитанская дочка»",
        "Н. В. Гоголь. «Шинель»",
        "Лирика М. Ю. Лермонтова",
        "Сочинение по роману",
    ),
    "math": (
        "Дроби",
        "Проценты",
        "Уравнения",
        "Координатная плоскость",
        "Решение задач",
    ),
    "alg": (
        "Квадратные уравнения",
        "Функция и её график",
        "Неравенства",
        "Арифметическая прогрессия",
    ),
    "geom": (
        "Признаки равенства треугольников",
        "Теорема Пифагора",
        "Подобие треугольников",
        "Окружность",
    ),
    "alg_an": (
        "Производная",
        "Логарифмы",
        "Тригонометрические уравнения",
        "Первообразная",
    ),
    "phys": (
        "Законы Ньютона",
        "Электрический ток",
        "Работа и мощность",
        "Лабораторная работа",
    ),
    "hist": (
        "Смутное время",
        "Реформы Петра I",
        "Великая Отечественная война",
        "Древняя Русь",
    ),
}
EGE_ELECTIVES = ("soc", "phys", "inf", "bio", "chem", "hist", "eng", "lit", "geo")
OGE_ELECTIVES = ("soc", "inf", "geo", "bio", "phys", "chem", "hist", "eng", "lit")


def _choice(rng: random.Random, odds: tuple[tuple[str, float], ...]) -> str:
    x, acc = rng.random(), 0.0
    for value, p in odds:
        acc += p
        if x < acc:
            return value
    return odds[-1][0]


# -- the calendar ----------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """One school year's dates: periods, holidays and school days."""

    label: str
    starts: date
    ends: date
    holidays: tuple[Holiday, ...]
    schemes: tuple[PeriodScheme, ...]

    @classmethod
    def of(cls, y: int) -> Calendar:
        ends = date(y + 1, 5, 26)
        while ends.weekday() >= 5:
            ends -= timedelta(days=1)
        holidays = (
            Holiday("осенние каникулы", date(y, 10, 26), date(y, 11, 4)),
            Holiday("зимние каникулы", date(y, 12, 29), date(y + 1, 1, 8)),
            Holiday("День защитника Отечества", date(y + 1, 2, 23), date(y + 1, 2, 23)),
            Holiday("Международный женский день", date(y + 1, 3, 9), date(y + 1, 3, 9)),
            Holiday("весенние каникулы", date(y + 1, 3, 22), date(y + 1, 3, 30)),
            Holiday("Праздник Весны и Труда", date(y + 1, 5, 1), date(y + 1, 5, 1)),
            Holiday("День Победы", date(y + 1, 5, 9), date(y + 1, 5, 9)),
        )
        quarters = (
            Period("Q1", date(y, 9, 1), date(y, 10, 25)),
            Period("Q2", date(y, 11, 5), date(y, 12, 28)),
            Period("Q3", date(y + 1, 1, 9), date(y + 1, 3, 21)),
            Period("Q4", date(y + 1, 3, 31), ends),
        )
        halves = (
            Period("H1", date(y, 9, 1), date(y, 12, 28)),
            Period("H2", date(y + 1, 1, 9), ends),
        )
        schemes = (
            PeriodScheme(tuple(range(1, 10)), PeriodKind.QUARTERS, quarters),
            PeriodScheme((10, 11), PeriodKind.HALVES, halves),
        )
        return cls(year_label(date(y, 9, 1)), date(y, 9, 1), ends, holidays, schemes)

    def school_days(self) -> list[date]:
        return [
            d
            for d in days_between(self.starts, self.ends)
            if is_school_day(d, self.holidays, 5)
        ]

    def periods(self, grade: int) -> tuple[Period, ...]:
        return next(s for s in self.schemes if grade in s.grades).periods

    def period_of(self, grade: int, day: date) -> str | None:
        return next((p.code for p in self.periods(grade) if day in p), None)


class DemoClock:
    """The simulated time every record of the demo is made at."""

    def __init__(self) -> None:
        self.now = datetime(2000, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def at(self, day: date, hour: int, minute: int = 0) -> None:
        """Moscow time ``hour:minute`` on ``day``; never earlier than before."""
        moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - MSK
        self.now = max(moment, self.now + timedelta(seconds=1))


# -- people and classes ---------------------------------------------------------------


@dataclass
class Staffer:
    """A member of staff with their signing key."""

    label: str
    number: str
    position: str
    roles: tuple[str, ...]
    speciality: str
    name: str
    key: SigningKey = field(repr=False)
    id: UUID
    hours: int = 0

    def signing(self, *cosigners: Staffer) -> Signing:
        return Signing(self.key, tuple(c.key for c in cosigners))


@dataclass
class Pupil:
    """A pupil as the simulation knows them (the ledger knows only the UUID)."""

    id: UUID
    identity: Identity
    ability: str
    male: bool
    grade: int = 0
    klass: Klass | None = None
    ill_until: date | None = None
    debts: list[str] = field(default_factory=list)


@dataclass
class Course:
    """A class's subject (or one subgroup of it) and its teacher."""

    klass: Klass
    subject: str
    subgroup: str | None
    teacher: Staffer
    hours: int
    members: list[Pupil]
    given: int = 0

    @property
    def key(self) -> tuple[UUID, str, str | None]:
        return (self.klass.id, self.subject, self.subgroup)

    @property
    def test_every(self) -> int:
        return max(5, round(8 * self.hours))


@dataclass
class Klass:
    """A class of one year, its pupils, courses and weekly timetable."""

    id: UUID
    name: str
    grade: int
    teacher: Staffer
    pupils: list[Pupil] = field(default_factory=list)
    courses: dict[str, list[Course]] = field(default_factory=dict)
    week: list[list[str]] = field(default_factory=list)


@dataclass
class Scale:
    """How big the simulated school is."""

    students: int
    years: int

    @property
    def per_grade(self) -> int:
        return min(4, max(2, round(self.students / (11 * 25))))

    @property
    def class_size(self) -> int:
        return max(8, round(self.students / (11 * self.per_grade)))

    def classes_in(self, grade: int) -> int:
        """Senior grades (10–11) have one class fewer: many leave after grade 9."""
        return max(1, self.per_grade - 1) if grade >= 10 else self.per_grade


POLICY = GradingPolicy(
    effective_from=date(2000, 9, 1),
    marks=(5, 4, 3, 2),
    passing=3,
    work_types=WORK_TYPES,
    rounding_threshold=Decimal("0.6"),
    min_marks=3,
    unmarked_grades=(1,),
)
TrackKey = tuple[tuple[UUID, str, str | None], str, UUID]


class SchoolSimulation:
    """Runs school years through the records services, deterministically."""

    def __init__(
        self,
        ledger: LedgerApplication,
        directory: KeyDirectory,
        data_keys: DataKeyStore,
        scale: Scale,
        seed: int,
    ) -> None:
        self.ledger = ledger
        self.directory = directory
        self.scale = scale
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - a simulation, not secrets
        self.clock = DemoClock()
        self.school = school_stream(SCHOOL_CODE)
        self.records = SchoolRecords(
            ledger, self.school, clock=self.clock, data_keys=data_keys
        )
        self.first_year = LAST_YEAR_STARTS - scale.years + 1
        self.staff: dict[str, Staffer] = {}
        self.classes: dict[str, Klass] = {}
        self.calendar = Calendar.of(self.first_year)
        self.marks: dict[TrackKey, list[list[object]]] = defaultdict(list)
        self.entries: dict[str, tuple[TrackKey, int, Staffer]] = {}
        self.today_marks: list[str] = []
        self.today_absences: list[tuple[str, Staffer]] = []
        self.issued_basic: list[int] = []
        self.exam_marks: dict[tuple[UUID, str], ExamResult] = {}
        self.grades: dict[tuple[UUID, str], dict[str, str]] = defaultdict(dict)
        self.protocols = 0
        self.blanks = {
            Level.BASIC: 1_000_000 + seed % 1000 * 100,
            Level.SECONDARY: 2_000_000 + seed % 1000 * 100,
        }
        self.commands = 0
        self.achievements: list[str] = []

    # -- helpers -------------------------------------------------------------------

    @property
    def director(self) -> Staffer:
        return self.staff["director"]

    @property
    def deputy(self) -> Staffer:
        return self.staff["deputy"]

    @property
    def secretary(self) -> Staffer:
        return self.staff["secretary"]

    def protocol(self, on: date) -> Protocol:
        self.protocols += 1
        return Protocol(str(self.protocols), on)

    def pupils_now(self) -> list[Pupil]:
        return [p for k in self.classes.values() for p in k.pupils]

    def _person(self, male: bool) -> tuple[str, str, str]:
        surname = self.rng.choice(SURNAMES)
        father = self.rng.choice(FATHERS)
        if male:
            return surname, self.rng.choice(MALE), father[0]
        female = (
            surname + "а" if surname.endswith(("ов", "ев", "ёв", "ин")) else surname
        )
        return female, self.rng.choice(FEMALE), father[1]

    # -- staff and the school --------------------------------------------------------

    def hire(self) -> None:
        """Staff keys (in the key directory), registered by the seal, valid from
        1 August of the first simulated year."""
        plan: list[tuple[str, str, tuple[str, ...], str]] = [
            ("director", "директор", ("director",), "admin"),
            (
                "deputy",
                "заместитель директора по учебной работе",
                ("deputy_director",),
                "admin",
            ),
            ("secretary", "секретарь учебной части", ("secretary",), "admin"),
            ("exams", "ответственный за ГИА (оператор РЦОИ)", ("importer",), "admin"),
            ("auditor", "член экспертной комиссии", ("auditor",), "admin"),
        ]
        for speciality, count in sorted(self._teacher_counts().items()):
            for i in range(1, count + 1):
                plan.append(
                    (
                        f"{speciality}-{i}",
                        POSITIONS[speciality],
                        ("teacher", "class_teacher"),
                        speciality,
                    )
                )
        seal = self.directory.log_key()
        valid_from = datetime(self.first_year, 8, 1, tzinfo=UTC)
        for n, (label, position, roles, speciality) in enumerate(plan, start=1):
            number = f"{n:03d}"
            member = staff_stream(self.school, number)
            key = SigningKey.from_seed(
                hashlib.sha256(f"{self.seed}/{label}".encode()).digest()
            )
            self.directory.add_signer(label, key)
            register_signer(
                self.ledger,
                seal,
                public_key=key.public_bytes,
                holder=str(member),
                roles=roles,
                valid_from=valid_from,
            )
            name = " ".join(self._person(self.rng.random() < 0.3))
            self.staff[label] = Staffer(
                label, number, position, roles, speciality, name, key, member
            )

    def _teacher_counts(self) -> dict[str, int]:
        hours: Counter[str] = Counter()
        for grade, subjects in HOURS.items():
            classes = self.scale.classes_in(grade)
            for subject, h in subjects.items():
                if grade <= 4 and subject not in PRIMARY_SPECIALISTS:
                    continue
                split = 2 if subject == "eng" and grade >= 5 else 1
                hours[SPECIALITY[subject]] += h * classes * split
        counts = {
            s: max(2 if s in ("maths", "russian") else 1, math.ceil(h / 22))
            for s, h in hours.items()
        }
        counts["primary"] = 4 * self.scale.per_grade
        return counts

    def found_school(self) -> None:
        self.clock.at(date(self.first_year, 8, 20), 10)
        register_school(
            self.ledger,
            code=SCHOOL_CODE,
            name="МБОУ «Средняя общеобразовательная школа № 131»",
            region="Республика Татарстан",
            timezone=TIMEZONE,
            at=self.clock(),
            signed_by=self.director.signing(),
        )
        staff = [(s.number, s.position, s.name) for s in self.staff.values()]
        self.records.setup.register_staff(staff, signed_by=self.director.signing())
        self.records.setup.define_subjects(SUBJECTS, signed_by=self.deputy.signing())
        self.records.setup.set_grading_policy(POLICY, signed_by=self.deputy.signing())
        self.commands += 5

    # -- a year's set-up -------------------------------------------------------------

    def open_year(self, y: int) -> None:
        self.calendar = cal = Calendar.of(y)
        self.clock.at(date(y, 8, 28), 10)
        self.records.setup.open_year(
            year=cal.label,
            starts=cal.starts,
            ends=cal.ends,
            holidays=cal.holidays,
            schemes=cal.schemes,
            signed_by=self.director.signing(),
        )
        for s in self.staff.values():
            s.hours = 0
        self.classes = {}
        senior = [
            s for s in self.staff.values() if s.speciality not in ("admin", "primary")
        ]
        primary = [s for s in self.staff.values() if s.speciality == "primary"]
        plan: list[tuple[int, str, Staffer]] = []
        for grade in range(1, 12):
            for i in range(self.scale.classes_in(grade)):
                teacher = (
                    primary.pop(0) if grade <= 4 else senior[len(plan) % len(senior)]
                )
                plan.append((grade, LETTERS[i], teacher))
        self.records.setup.open_classes(
            cal.label,
            [(g, letter, t.id) for g, letter, t in plan],
            signed_by=self.deputy.signing(),
        )
        for grade, letter, teacher in plan:
            name = f"{grade}{letter}"
            self.classes[name] = Klass(
                class_stream(self.school, cal.label, name), name, grade, teacher
            )
        self.commands += 2

    def staff_courses(self) -> None:
        """Teachers for every class's subjects (English in two subgroups from 5th)."""
        cal = self.calendar
        self.clock.at(cal.starts - timedelta(days=1), 11)
        for klass in self.classes.values():
            assignments = []
            pupils = sorted(klass.pupils, key=lambda p: p.identity.surname)
            for subject, h in HOURS[klass.grade].items():
                groups: list[tuple[str | None, list[Pupil]]] = [(None, list(pupils))]
                if subject == "eng" and klass.grade >= 5:
                    half = (len(pupils) + 1) // 2
                    groups = [("1", pupils[:half]), ("2", pupils[half:])]
                for subgroup, members in groups:
                    teacher = self._teacher_for(klass, subject, h)
                    course = Course(klass, subject, subgroup, teacher, h, members)
                    klass.courses.setdefault(subject, []).append(course)
                    assignments.append(
                        TeachingInput(
                            klass.id,
                            subject,
                            teacher.id,
                            cal.starts,
                            subgroup,
                            tuple(p.id for p in members) if subgroup else (),
                        )
                    )
            self.records.setup.assign_teaching(
                assignments, signed_by=self.deputy.signing()
            )
            self.commands += 1
            klass.week = self._timetable(klass)

    def _teacher_for(self, klass: Klass, subject: str, hours: int) -> Staffer:
        if klass.grade <= 4 and subject not in PRIMARY_SPECIALISTS:
            return klass.teacher
        pool = [s for s in self.staff.values() if s.speciality == SPECIALITY[subject]]
        teacher = min(pool, key=lambda s: (s.hours, s.label))
        teacher.hours += hours
        return teacher

    def _timetable(self, klass: Klass) -> list[list[str]]:
        slots = [s for s, h in HOURS[klass.grade].items() for _ in range(h)]
        self.rng.shuffle(slots)
        return [slots[d::5] for d in range(5)]

    def enrol_everyone(self) -> None:
        """First year: every pupil of grades 1–11, on 1 September."""
        cal = self.calendar
        self.clock.at(cal.starts - timedelta(days=2), 9)
        for klass in self.classes.values():
            self._enrol(
                klass,
                self.scale.class_size,
                cal.starts,
                f"№ {klass.grade}-у от {cal.starts - timedelta(days=3):%d.%m.%Y}",
            )

    def _enrol(self, klass: Klass, count: int, on: date, order: str) -> list[Pupil]:
        people = []
        for _ in range(count):
            male = self.rng.random() < 0.5
            surname, name, patronymic = self._person(male)
            born = date(
                on.year - 6 - klass.grade,
                self.rng.randint(1, 12),
                self.rng.randint(1, 28),
            )
            people.append((Identity(surname, name, patronymic, born), male))
        ids = self.records.people.enrol(
            [EnrolmentInput(identity, klass.id, on, order) for identity, _ in people],
            signed_by=self.secretary.signing(),
        )
        self.commands += 1
        made = []
        for pupil_id, (identity, male) in zip(ids, people, strict=True):
            ability = _choice(self.rng, ABILITIES)
            pupil = Pupil(pupil_id, identity, ability, male, klass.grade, klass)
            klass.pupils.append(pupil)
            made.append(pupil)
        if len(made) >= 8 and all(p.ability != "excellent" for p in made):
            self.rng.choice(made).ability = "excellent"  # most classes have one
        return made

    # -- school days -----------------------------------------------------------------

    def school_day(
        self, day: date, sick: dict[str, tuple[date, date, Staffer]]
    ) -> None:
        """Lessons (one save per teacher), then yesterday's corrections."""
        self._illnesses(day)
        batches: dict[str, list[LessonInput]] = defaultdict(list)
        tracked: dict[str, list[list[tuple[TrackKey, Pupil]]]] = defaultdict(list)
        for klass in self.classes.values():
            counts: Counter[str] = Counter()
            for subject in klass.week[day.weekday()]:
                counts[subject] += 1
                for course in klass.courses[subject]:
                    teacher = self._teacher_on(course, day, sick)
                    lesson, keys = self._lesson(course, day, counts[subject])
                    batches[teacher.label].append(lesson)
                    tracked[teacher.label].append(keys)
        for minute, label in enumerate(sorted(batches)):
            teacher = self.staff[label]
            self.clock.at(day, 14, minute % 60)
            lessons = self.records.journal.record_lessons(
                batches[label], signed_by=teacher.signing()
            )
            self.commands += 1
            for stream, lesson, keys in zip(
                lessons, batches[label], tracked[label], strict=True
            ):
                self._track(stream, lesson, keys, teacher)

    def _teacher_on(
        self, course: Course, day: date, sick: dict[str, tuple[date, date, Staffer]]
    ) -> Staffer:
        absent = sick.get(course.teacher.label)
        if absent is not None and absent[0] <= day <= absent[1]:
            return absent[2]
        return course.teacher

    def _illnesses(self, day: date) -> None:
        for pupil in self.pupils_now():
            if pupil.ill_until is not None and day > pupil.ill_until:
                pupil.ill_until = None
            if pupil.ill_until is None and self.rng.random() < 0.006:
                pupil.ill_until = day + timedelta(days=self.rng.randint(2, 8))

    def _lesson(
        self, course: Course, day: date, number: int
    ) -> tuple[LessonInput, list[tuple[TrackKey, Pupil]]]:
        course.given += 1
        klass = course.klass
        test = course.given % course.test_every == course.test_every - 1
        period = self.calendar.period_of(klass.grade, day) or ""
        members = [p for p in course.members if p.klass is klass]
        marks, absences, keys = [], [], []
        for pupil in members:
            if pupil.ill_until is not None:
                absences.append(AbsenceInput(pupil.id, AbsenceKind.ILL))
                continue
            roll = self.rng.random()
            if roll < 0.003:
                absences.append(AbsenceInput(pupil.id, AbsenceKind.UNEXCUSED))
                continue
            if roll < 0.006:
                absences.append(AbsenceInput(pupil.id, AbsenceKind.LATE))
            key = (course.key, period, pupil.id)
            chance = self._mark_chance(course, day, len(self.marks.get(key, ())))
            if klass.grade == 1 or not (test or self.rng.random() < chance):
                continue
            work = (
                TEST_WORK
                if test
                else _choice(
                    self.rng,
                    (
                        ("ответ на уроке", 0.65),
                        ("домашняя работа", 0.15),
                        ("самостоятельная работа", 0.2),
                    ),
                )
            )
            marks.append(MarkInput(pupil.id, self._mark(pupil, course.subject), work))
            keys.append((key, pupil))
        topics = TOPICS.get(course.subject, ("Тема по программе",))
        kind = "контрольная работа" if test else f"урок {course.given}"
        topic = f"{self.rng.choice(topics)} ({kind})"
        lesson = LessonInput(
            klass.id,
            course.subject,
            day,
            topic,
            f"§ {course.given}, упр. {self.rng.randint(1, 30)}",
            course.subgroup,
            number,
            tuple(marks),
            tuple(absences),
        )
        return lesson, keys

    def _mark_chance(self, course: Course, day: date, marks: int) -> float:
        """A pupil's chance of a mark in a lesson: about four marks a period in
        every subject, and in the period's last three weeks the teacher questions
        whoever has fewer than the policy's minimum («опрос задолжников»)."""
        ends = next(
            (p.ends for p in self.calendar.periods(course.klass.grade) if day in p), day
        )
        if marks < POLICY.min_marks and (ends - day).days <= 21:
            return 0.8
        return min(0.5, 0.33 / course.hours)

    def _mark(self, pupil: Pupil, subject: str) -> str:
        if subject in ("orkse", "odnknr"):
            return PASSED if self.rng.random() < 0.96 else FAILED
        return _choice(self.rng, MARK_ODDS[pupil.ability])

    def _track(
        self,
        stream: UUID,
        lesson: LessonInput,
        keys: list[tuple[TrackKey, Pupil]],
        teacher: Staffer,
    ) -> None:
        weights = {w.name: w.weight for w in WORK_TYPES}
        for seq, (mark, (key, _)) in enumerate(
            zip(lesson.marks, keys, strict=True), start=2
        ):
            self.marks[key].append([mark.mark, weights[mark.work_type], True])
            name = f"{stream}:{seq}"
            self.entries[name] = (key, len(self.marks[key]) - 1, teacher)
            self.today_marks.append(name)
        first_absence = 2 + len(lesson.marks)
        for seq in range(first_absence, first_absence + len(lesson.absences)):
            self.today_absences.append((f"{stream}:{seq}", teacher))

    def corrections(
        self, day: date, yesterday: list[str], absences: list[tuple[str, Staffer]]
    ) -> None:
        """About 2 % of yesterday's marks corrected, 0.4 % voided; a few absences
        voided (the pupil came late and was there)."""
        minute = 0
        for name in yesterday:
            roll = self.rng.random()
            if roll >= 0.024:
                continue
            key, index, author = self.entries[name]
            minute += 1
            self.clock.at(day, 17, minute % 60)
            if roll < 0.004:
                self.records.journal.void_entry(
                    name,
                    reason="отметка выставлена не тому ученику",
                    signed_by=author.signing(),
                )
                self.marks[key][index][2] = False
            else:
                old = str(self.marks[key][index][0])
                new = _neighbour(old)
                by = self.deputy if roll > 0.021 else author
                reason = (
                    "по заявлению родителей, после проверки работы"
                    if by is self.deputy
                    else "описка при выставлении"
                )
                self.records.journal.correct_mark(
                    name, mark=new, reason=reason, signed_by=by.signing()
                )
                self.marks[key][index][0] = new
            self.commands += 1
        for name, author in absences:
            if self.rng.random() < 0.01:
                minute += 1
                self.clock.at(day, 17, minute % 60)
                self.records.journal.void_entry(
                    name,
                    reason="ученик опоздал, присутствовал на уроке",
                    signed_by=author.signing(),
                )
                self.commands += 1

    def substitution(
        self, day: date, days: list[date], sick: dict[str, tuple[date, date, Staffer]]
    ) -> None:
        """A maths teacher falls ill for a school week; a colleague covers, and the
        deputy director records it in the substitution register."""
        ill = self.staff["maths-1"]
        cover = self.staff["maths-2"]
        later = [d for d in days if d >= day][:5]
        starts, ends = later[0], later[-1]
        self.clock.at(starts, 8)
        for klass in self.classes.values():
            for course in (c for cs in klass.courses.values() for c in cs):
                if course.teacher is ill:
                    self.records.setup.record_substitution(
                        class_id=klass.id,
                        subject=course.subject,
                        subgroup=course.subgroup,
                        substitute=cover.id,
                        starts=starts,
                        ends=ends,
                        reason="больничный лист учителя",
                        signed_by=self.deputy.signing(),
                    )
                    self.commands += 1
        sick[ill.label] = (starts, ends, cover)

    # -- period and year grades ------------------------------------------------------

    def period_grades(self, code: str, grades_in: tuple[int, ...]) -> None:
        """Each teacher records the closed period's grades of all their courses
        in one save."""
        sheets: dict[str, list[PeriodSheet]] = defaultdict(list)
        for klass in self.classes.values():
            if klass.grade not in grades_in or klass.grade == 1:
                continue
            for course in (c for cs in klass.courses.values() for c in cs):
                grades = {
                    pupil.id: self._period_grade(pupil, course, code)
                    for pupil in course.members
                    if pupil.klass is klass
                }
                if grades:
                    sheet = PeriodSheet(
                        klass.id, course.subject, grades, course.subgroup
                    )
                    sheets[course.teacher.label].append(sheet)
        for label in sorted(sheets):
            self.records.attestation.record_period_sheets(
                code, sheets[label], signed_by=self.staff[label].signing()
            )
            self.commands += 1

    def _period_grade(self, pupil: Pupil, course: Course, code: str) -> str:
        """The teacher's grade: the policy's suggestion, now and then rounded up."""
        assessment = _assessment(course.subject)
        if code == YEAR_PERIOD:
            known = self.grades[(pupil.id, course.subject)]
            codes = [p.code for p in self.calendar.periods(course.klass.grade)]
            suggestion = POLICY.suggest_year(
                [known[c] for c in codes if c in known], assessment
            )
        else:
            tracked = self.marks.get((course.key, code, pupil.id), [])
            alive = [(str(m), int(str(w))) for m, w, ok in tracked if ok]
            suggestion = POLICY.suggest(alive, assessment)
        grade = self._teachers_grade(suggestion.grade, suggestion.average)
        self.grades[(pupil.id, course.subject)][code] = grade
        return grade

    def _teachers_grade(self, suggested: str, average: Decimal | None) -> str:
        """Mostly the suggested grade; now and then the teacher rounds a
        borderline average up (the teacher's signed grade is what counts)."""
        borderline = average is not None and average % 1 >= Decimal("0.5")
        if borderline and suggested in ("2", "3", "4") and self.rng.random() < 0.3:
            return str(int(suggested) + 1)
        return suggested

    # -- the end of the year ---------------------------------------------------------

    def intermediate_attestation(self, on: date) -> None:
        """Grades 2–8 and 10, every subject (§7.3.1): a year test in Russian and
        mathematics, the year grade elsewhere; a failed result is a debt."""
        self.clock.at(on, 11)
        for klass in self.classes.values():
            if klass.grade in (1, 9, 11):
                continue
            protocol = self.protocol(on)
            for course in (c for cs in klass.courses.values() for c in cs):
                tested = course.subject in ("rus", _maths(klass.grade))
                results = {
                    p.id: self.grades[(p.id, course.subject)].get(
                        YEAR_PERIOD, NOT_ATTESTED
                    )
                    for p in course.members
                    if p.klass is klass
                }
                self.records.attestation.record_intermediate_attestation(
                    class_id=klass.id,
                    subject=course.subject,
                    subgroup=course.subgroup,
                    form="годовая контрольная работа" if tested else "годовая отметка",
                    protocol=protocol,
                    results=results,
                    signed_by=course.teacher.signing(),
                )
                self.commands += 1
        for pupil in self.pupils_now():
            pupil.debts = [
                s
                for s in _subjects(pupil.grade)
                if POLICY.is_failing(
                    self.grades[(pupil.id, s)].get(YEAR_PERIOD, EXCELLENT)
                )
            ]

    def admit_to_exams(self, on: date) -> None:
        self.clock.at(on, 15)
        protocol = self.protocol(on)
        admitted = [
            DecisionInput(p.id, DecisionKind.ADMITTED_TO_STATE_EXAMS)
            for k in self.classes.values()
            if k.grade in (9, 11)
            for p in k.pupils
            if not p.debts
        ]
        self.records.council.record_decisions(
            protocol, admitted, signed_by=self.deputy.signing()
        )
        self.commands += 1

    def promote(self, on: date) -> None:
        self.clock.at(on, 15)
        protocol = self.protocol(on)
        decisions = []
        for klass in self.classes.values():
            if klass.grade in (9, 11):
                continue
            to = f"{klass.grade + 1}{klass.name[-1]}"
            for p in klass.pupils:
                kind = (
                    DecisionKind.PROMOTED_CONDITIONALLY
                    if p.debts
                    else DecisionKind.PROMOTED
                )
                decisions.append(DecisionInput(p.id, kind, to, tuple(p.debts)))
        self.records.council.record_decisions(
            protocol, decisions, signed_by=self.director.signing()
        )
        self.commands += 1

    def retakes(self, on: date, attempt: int) -> list[Pupil]:
        """Retakes of the intermediate attestation's debts; who still owes."""
        self.clock.at(on, 12)
        owing = []
        for pupil in self.pupils_now():
            if pupil.klass is None or pupil.grade in (9, 11):
                continue
            for subject in list(pupil.debts):
                passed = self.rng.random() < (0.6 if attempt == 1 else 0.8)
                course = next(
                    c for c in pupil.klass.courses[subject] if pupil in c.members
                )
                commission: tuple[UUID, ...] = ()
                if attempt == 2:
                    others = [
                        s
                        for s in self.staff.values()
                        if s.speciality == course.teacher.speciality
                        and s is not course.teacher
                    ]
                    commission = (
                        course.teacher.id,
                        self.deputy.id,
                        *(s.id for s in others[:1]),
                        self.director.id,
                    )
                self.records.attestation.record_retake(
                    pupil=pupil.id,
                    subject=subject,
                    year=self.calendar.label,
                    retakes=self._last_result(pupil, subject),
                    result=_passing(course.subject)
                    if passed
                    else _failing(course.subject),
                    protocol=self.protocol(on),
                    commission=commission,
                    signed_by=course.teacher.signing(),
                )
                self.commands += 1
                if passed:
                    pupil.debts.remove(subject)
                elif pupil not in owing:
                    owing.append(pupil)
        return owing

    def _last_result(self, pupil: Pupil, subject: str) -> str:
        record = self.records.context.view(
            SubjectRecord, subject_record_id(pupil.id, subject, self.calendar.label)
        )
        assert record is not None
        return f"{record.id}:{record.results[-1].seq}"

    # -- state exams, final grades, attestats ---------------------------------------

    def state_exams(self, y: int) -> None:
        """ОГЭ (9th) and ЕГЭ (11th) results imported from the regional centre."""
        self.exam_marks = {}
        sittings: list[tuple[date, str, list[tuple[Pupil, ExamKind, str]]]] = []
        nines = [
            p
            for k in self.classes.values()
            if k.grade == 9
            for p in k.pupils
            if not p.debts
        ]
        elevens = [
            p
            for k in self.classes.values()
            if k.grade == 11
            for p in k.pupils
            if not p.debts
        ]
        electives = {p.id: self.rng.sample(OGE_ELECTIVES, 2) for p in nines}
        ege = {
            p.id: self.rng.sample(EGE_ELECTIVES, self.rng.choice((1, 2)))
            for p in elevens
        }
        maths = {
            p.id: "math_prof"
            if p.ability in ("excellent", "good") or self.rng.random() < 0.3
            else "math_base"
            for p in elevens
        }
        sittings.append(
            (
                date(y + 1, 5, 30),
                "elective-1",
                [(p, ExamKind.OGE, electives[p.id][0]) for p in nines]
                + [(p, ExamKind.EGE, ege[p.id][0]) for p in elevens],
            )
        )
        sittings.append(
            (
                date(y + 1, 6, 3),
                "rus",
                [(p, ExamKind.OGE, "rus") for p in nines]
                + [(p, ExamKind.EGE, "rus") for p in elevens],
            )
        )
        sittings.append(
            (
                date(y + 1, 6, 6),
                "math",
                [(p, ExamKind.OGE, "math") for p in nines]
                + [(p, ExamKind.EGE, maths[p.id]) for p in elevens],
            )
        )
        sittings.append(
            (
                date(y + 1, 6, 10),
                "elective-2",
                [(p, ExamKind.OGE, electives[p.id][1]) for p in nines]
                + [
                    (p, ExamKind.EGE, ege[p.id][1])
                    for p in elevens
                    if len(ege[p.id]) > 1
                ],
            )
        )
        for day, _, sitting in sittings:
            self._import(day, sitting)
        by_id = {p.id: p for p in nines + elevens}
        failed = [
            (by_id[pid], r.exam, s)
            for (pid, s), r in self.exam_marks.items()
            if not r.passed
        ]
        if failed:  # the reserve day («резервный день»)
            self._import(date(y + 1, 6, 18), failed)

    def _import(self, day: date, sitting: list[tuple[Pupil, ExamKind, str]]) -> None:
        protocol_day = day + timedelta(days=10 if day.month == 5 or day.day < 15 else 4)
        self.clock.at(protocol_day, 12)
        lines = []
        for pupil, exam, subject in sitting:
            result = self._exam_result(pupil, exam, subject, day)
            self.exam_marks[(pupil.id, subject)] = result
            lines.append(
                ExamImport(
                    pupil.id,
                    self.calendar.label,
                    result,
                    Protocol(
                        f"{exam.value.upper()}-{subject}-{day:%m%d}", protocol_day
                    ),
                    "РЦОИ Республики Татарстан",
                )
            )
        self.records.attestation.import_exam_results(
            lines, signed_by=self.staff["exams"].signing()
        )
        self.commands += 1

    def _exam_result(
        self, pupil: Pupil, exam: ExamKind, subject: str, day: date
    ) -> ExamResult:
        band = {
            "excellent": (78, 98),
            "good": (60, 84),
            "average": (42, 70),
            "weak": (28, 56),
        }[pupil.ability]
        score = self.rng.randint(*band)
        if exam is ExamKind.EGE and subject != "math_base":
            minimum = 24 if subject == "rus" else 27 if subject == "math_prof" else 36
            return ExamResult(
                exam, subject, day, score // 2, score, None, score >= minimum
            )
        mark = (
            "5" if score >= 80 else "4" if score >= 62 else "3" if score >= 38 else "2"
        )
        return ExamResult(exam, subject, day, score // 3, None, mark, mark != "2")

    def final_grades(self, on: date) -> None:
        self.clock.at(on, 10)
        for klass in self.classes.values():
            if klass.grade not in (9, 11):
                continue
            level = Level.BASIC if klass.grade == 9 else Level.SECONDARY
            for pupil in klass.pupils:
                if pupil.debts:
                    continue
                grades = {
                    s.code: self._final(pupil, s.code, level)
                    for s in SUBJECTS
                    if level in s.attestat
                }
                self.records.attestation.record_final_grades(
                    pupil=pupil.id,
                    level=level,
                    grades=grades,
                    signed_by=klass.teacher.signing(),
                )
                self.commands += 1

    def _final(self, pupil: Pupil, subject: str, level: Level) -> str:
        year = self.grades[(pupil.id, subject)].get(YEAR_PERIOD)
        if year is None or not year.isdigit():  # a subject of earlier years
            year = _choice(self.rng, EARLIER[pupil.ability])
        parts = [int(year)]
        if level is Level.SECONDARY:  # grade 10's year grade, from the personal file
            parts.append(int(_choice(self.rng, EARLIER[pupil.ability])))
        exam_subject = "math" if subject in ("alg", "geom") else subject
        exam = self.exam_marks.get((pupil.id, exam_subject))
        if level is Level.BASIC and exam is not None and exam.mark is not None:
            parts.append(int(exam.mark))
        mean = Decimal(sum(parts)) / len(parts)
        return str(max(3, int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP))))

    def attestat_decisions(self, on: date) -> None:
        self.clock.at(on, 15)
        protocol = self.protocol(on)
        decisions = []
        for klass in self.classes.values():
            if klass.grade not in (9, 11):
                continue
            level = Level.BASIC if klass.grade == 9 else Level.SECONDARY
            for pupil in klass.pupils:
                if pupil.debts or not self._exams_passed(pupil):
                    decisions.append(
                        DecisionInput(
                            pupil.id,
                            DecisionKind.STUDY_CERTIFICATE,
                            note="не прошёл ГИА",
                        )
                    )
                    continue
                honours, medal = self._honours(pupil, level)
                kind = (
                    DecisionKind.ATTESTAT_BASIC
                    if level is Level.BASIC
                    else DecisionKind.ATTESTAT_SECONDARY
                )
                decisions.append(
                    DecisionInput(pupil.id, kind, with_honours=honours, medal=medal)
                )
        self.records.council.record_decisions(
            protocol, decisions, signed_by=self.director.signing()
        )
        self.commands += 1

    def _exams_passed(self, pupil: Pupil) -> bool:
        return all(
            r.passed for (pid, _), r in self.exam_marks.items() if pid == pupil.id
        )

    def _honours(self, pupil: Pupil, level: Level) -> tuple[bool, Medal | None]:
        """The best honours the criteria allow (checked with the ledger's rule)."""
        options: list[tuple[bool, Medal | None]] = (
            [(True, None)]
            if level is Level.BASIC
            else [(True, Medal.FIRST), (False, Medal.SECOND)]
        )
        for honours, medal in options:
            try:
                self.records.council.check_honours(
                    pupil.id, level, self.calendar.label, honours, medal
                )
            except HonoursError:
                continue
            return honours, medal
        return False, None

    def issue_attestats(self, order_day: date, issue_day: date) -> None:
        """Class by class, alphabetically, blanks ascending; one blank spoiled."""
        self.clock.at(issue_day, 11)
        self.issued_basic = []
        order = Protocol(f"{80 + self.protocols}-о", order_day)
        spoiled = False
        for klass in self.classes.values():
            if klass.grade not in (9, 11):
                continue
            level = Level.BASIC if klass.grade == 9 else Level.SECONDARY
            graduates = sorted(
                (p for p in klass.pupils if self._decided_attestat(p)),
                key=lambda p: (p.identity.surname, p.identity.name),
            )
            requests = []
            for i, pupil in enumerate(graduates):
                if not spoiled and klass.grade == 11 and i == 2:
                    blank = self._blank(level)
                    self.records.attestats.spoil_blank(
                        level=level,
                        blank=blank,
                        reason="ошибка при заполнении бланка",
                        signed_by=self.director.signing(),
                    )
                    self.commands += 1
                    spoiled = True
                requests.append(
                    AttestatRequest(
                        pupil.id,
                        self._blank(level),
                        Recipient.GRADUATE
                        if self.rng.random() < 0.9
                        else Recipient.GUARDIAN,
                    )
                )
            if requests:
                numbers = self.records.attestats.issue(
                    class_id=klass.id,
                    requests=requests,
                    order=order,
                    issued_on=issue_day,
                    signed_by=klass.teacher.signing(self.director),
                )
                self.commands += 1
                if level is Level.BASIC:
                    self.issued_basic.extend(numbers)

    def _decided_attestat(self, pupil: Pupil) -> bool:
        return not pupil.debts and self._exams_passed(pupil)

    def _blank(self, level: Level) -> Blank:
        self.blanks[level] += 1
        form = "09" if level is Level.BASIC else "11"
        series = f"{form}{(self.calendar.starts.year + 1) % 100:02d}"
        return Blank(series, f"{self.blanks[level]:07d}")

    def book_correction(self, on: date) -> None:
        """The director corrects who received an attestat (§7.3.5)."""
        if not self.issued_basic:
            return
        self.clock.at(on, 10)
        self.records.attestats.correct_entry(
            level=Level.BASIC,
            entry=self.issued_basic[min(1, len(self.issued_basic) - 1)],
            field="received_by",
            value=Recipient.GUARDIAN.value,
            reason="аттестат получен матерью выпускника; запись исправлена",
            signed_by=self.director.signing(),
        )
        self.commands += 1

    def duplicate(self, on: date, original: int) -> None:
        self.clock.at(on, 11)
        self.records.attestats.issue_duplicate(
            level=Level.BASIC,
            original=original,
            blank=self._blank(Level.BASIC),
            reason="утрата оригинала (заявление выпускника)",
            order=Protocol(f"{90 + self.protocols}-о", on),
            issued_on=on,
            signed_by=self.secretary.signing(self.director),
        )
        self.commands += 1

    # -- pupils coming and going, achievements --------------------------------------

    def transfers_out(self, on: date) -> None:
        """Two pupils move to other schools; one family asks for the personal file."""
        self.clock.at(on, 9)
        leaving = [k.pupils[-1] for k in self.classes.values() if 3 <= k.grade <= 8][:2]
        for i, pupil in enumerate(leaving):
            request = on - timedelta(days=2) if i == 0 else None
            self.records.people.leave(
                pupil.id,
                on=on,
                reason=LeaveReason.TRANSFERRED,
                order=f"№ {40 + i}-в от {on:%d.%m.%Y}",
                file_handed_to_guardian=request is not None,
                guardian_request=request,
                signed_by=self.secretary.signing(),
            )
            self.commands += 1
            self._remove(pupil)

    def _remove(self, pupil: Pupil) -> None:
        if pupil.klass is not None:
            pupil.klass.pupils.remove(pupil)
        pupil.klass = None

    def arrivals(self, on: date) -> None:
        """Two pupils arrive from other schools; English subgroup lists change."""
        self.clock.at(on, 9)
        for klass in [k for k in self.classes.values() if 5 <= k.grade <= 8][:2]:
            [pupil] = self._enrol(klass, 1, on, f"№ {klass.grade}-у от {on:%d.%m.%Y}")
            course = klass.courses["eng"][-1]
            course.members.append(pupil)
            self.records.setup.assign_teaching(
                [
                    TeachingInput(
                        klass.id,
                        "eng",
                        course.teacher.id,
                        on,
                        course.subgroup,
                        tuple(p.id for p in course.members),
                    )
                ],
                signed_by=self.deputy.signing(),
            )
            self.commands += 1
            for c in (
                c for cs in klass.courses.values() for c in cs if c.subgroup is None
            ):
                c.members.append(pupil)

    def parallel_move(self, on: date) -> None:
        """A pupil moves to the parallel class (7А → 7Б) at the family's request."""
        source, target = self.classes.get("7А"), self.classes.get("7Б")
        if source is None or target is None or not source.pupils:
            return
        self.clock.at(on, 9)
        pupil = source.pupils[0]
        self.records.people.move(
            [
                MoveInput(
                    pupil.id,
                    target.id,
                    on,
                    MoveReason.PARALLEL,
                    f"приказ № 51-у от {on:%d.%m.%Y}",
                )
            ],
            signed_by=self.secretary.signing(),
        )
        self.commands += 1
        self._remove(pupil)
        pupil.klass = target
        target.pupils.append(pupil)
        for course in (c for cs in source.courses.values() for c in cs):
            if pupil in course.members:
                course.members.remove(pupil)
        for subject, courses in target.courses.items():
            course = courses[-1]
            course.members.append(pupil)
            if course.subgroup is not None:
                self.records.setup.assign_teaching(
                    [
                        TeachingInput(
                            target.id,
                            subject,
                            course.teacher.id,
                            on,
                            course.subgroup,
                            tuple(p.id for p in course.members),
                        )
                    ],
                    signed_by=self.deputy.signing(),
                )
                self.commands += 1

    def olympiad(self, on: date, level: AchievementLevel, share: float) -> None:
        """All-Russian olympiad stages, contests and ГТО badges (§3.2.2)."""
        self.clock.at(on, 16)
        kind = (
            AchievementKind.GTO
            if level is AchievementLevel.SCHOOL and on.month >= 4
            else AchievementKind.OLYMPIAD
        )
        for klass in self.classes.values():
            if klass.grade < 4:
                continue
            for pupil in klass.pupils:
                if (
                    pupil.ability not in ("excellent", "good")
                    or self.rng.random() >= share
                ):
                    continue
                subject = self.rng.choice(list(HOURS[klass.grade]))
                result = (
                    AchievementResult.WINNER
                    if self.rng.random() < 0.3
                    else AchievementResult.PRIZE
                )
                title = (
                    "Знак отличия ГТО"
                    if kind is AchievementKind.GTO
                    else f"ВсОШ, {level.value} этап: {_subject_name(subject)}"
                )
                name = self.records.portfolio.record_achievement(
                    pupil=pupil.id,
                    kind=kind,
                    title=title,
                    level=level,
                    result=result,
                    on=on,
                    document=f"диплом № {self.rng.randint(100, 9999)}",
                    signed_by=klass.teacher.signing(),
                )
                self.achievements.append(name)
                self.commands += 1

    def withdraw_one(self, on: date) -> None:
        if not self.achievements:
            return
        self.clock.at(on, 16)
        name = self.achievements[len(self.achievements) // 2]
        self.records.portfolio.withdraw_achievement(
            name,
            reason="результат аннулирован оргкомитетом олимпиады",
            signed_by=self.deputy.signing(),
        )
        self.commands += 1

    # -- the year --------------------------------------------------------------------

    def run_year(
        self, y: int, progress: Callable[[str], None], until: date | None = None
    ) -> None:
        """One school year; with ``until``, only the school days up to it."""
        previous = self.classes
        self.open_year(y)
        if y == self.first_year:
            self.enrol_everyone()
        else:
            self.new_intake(previous)
        self.staff_courses()
        cal = self.calendar
        days = [d for d in cal.school_days() if until is None or d <= until]
        sick: dict[str, tuple[date, date, Staffer]] = {}
        plan = self._plan(y, days)
        pending = sorted(
            {
                (p.ends, p.code)
                for s in cal.schemes
                for p in s.periods
                if p.ends < cal.ends
            }
        )
        marks: list[str] = []
        absences: list[tuple[str, Staffer]] = []
        for day in days:
            while pending and pending[0][0] < day:
                ends, code = pending.pop(0)
                self.clock.at(ends + timedelta(days=1), 10)
                self.period_grades(code, _grades_with(cal, code))
            for action in plan.get(day, []):
                action(day)
            if day == self._sick_day(cal):
                self.substitution(day, days, sick)
            self.today_marks, self.today_absences = [], []
            self.school_day(day, sick)
            self.corrections(day, marks, absences)
            marks, absences = self.today_marks, self.today_absences
            progress(f"{day:%d.%m.%Y}")
        if until is None or until > cal.ends:
            self.year_end(y, progress)

    def _sick_day(self, cal: Calendar) -> date:
        """The Monday after the autumn holidays: a teacher falls ill."""
        return next(d for d in cal.school_days() if d >= date(cal.starts.year, 11, 10))

    def _plan(
        self, y: int, days: list[date]
    ) -> dict[date, list[Callable[[date], None]]]:
        wanted: list[tuple[date, Callable[[date], None]]] = [
            (
                date(y, 10, 15),
                lambda d: self.olympiad(d, AchievementLevel.SCHOOL, 0.15),
            ),
            (date(y, 11, 12), self.transfers_out),
            (
                date(y, 12, 10),
                lambda d: self.olympiad(d, AchievementLevel.MUNICIPAL, 0.04),
            ),
            (date(y + 1, 1, 13), self.arrivals),
            (date(y + 1, 2, 3), self.parallel_move),
            (
                date(y + 1, 2, 12),
                lambda d: self.olympiad(d, AchievementLevel.REGIONAL, 0.01),
            ),
            (
                date(y + 1, 4, 20),
                lambda d: self.olympiad(d, AchievementLevel.SCHOOL, 0.05),
            ),
            (date(y + 1, 5, 12), self.withdraw_one),
        ]
        plan: dict[date, list[Callable[[date], None]]] = defaultdict(list)
        for wanted_day, action in wanted:
            day = next((d for d in days if d >= wanted_day), None)
            if day is not None:
                plan[day].append(action)
        return plan

    def year_end(self, y: int, progress: Callable[[str], None]) -> None:
        cal = self.calendar
        after = cal.ends + timedelta(days=1)
        self.clock.at(after, 10)
        last = sorted(
            {p.code for s in cal.schemes for p in s.periods if p.ends == cal.ends}
        )
        for code in last:
            self.period_grades(code, _grades_with(cal, code))
        self.clock.at(after, 12)
        self.period_grades(YEAR_PERIOD, tuple(range(1, 12)))
        progress("годовые отметки")
        self.intermediate_attestation(after + timedelta(days=1))
        self.admit_to_exams(after + timedelta(days=1))
        self.promote(after + timedelta(days=3))
        progress("педсовет: перевод, допуск к ГИА")
        self.state_exams(y)
        progress("ГИА")
        self.retakes(date(y + 1, 6, 16), attempt=1)
        self.final_grades(date(y + 1, 6, 23))
        self.attestat_decisions(date(y + 1, 6, 24))
        self.issue_attestats(date(y + 1, 6, 26), date(y + 1, 6, 27))
        self.book_correction(date(y + 1, 6, 30))
        self.graduates_leave(date(y + 1, 6, 30))
        progress("аттестаты")
        if self.issued_basic:
            self.duplicate(date(y + 1, 8, 20), original=self.issued_basic[0])
        still = self.retakes(date(y + 1, 8, 25), attempt=2)
        self.retain(date(y + 1, 8, 27), still)
        progress("пересдачи")

    def graduates_leave(self, on: date) -> None:
        self.clock.at(on, 12)
        for klass in self.classes.values():
            if klass.grade not in (9, 11):
                continue
            for pupil in list(klass.pupils):
                staying = (
                    klass.grade == 9
                    and self._decided_attestat(pupil)
                    and self.rng.random() < 0.55
                )
                if staying:
                    continue
                reason = (
                    LeaveReason.GRADUATED
                    if self._decided_attestat(pupil)
                    else LeaveReason.TRANSFERRED
                )
                self.records.people.leave(
                    pupil.id,
                    on=on,
                    reason=reason,
                    order=f"№ 60-в от {on:%d.%m.%Y}",
                    signed_by=self.secretary.signing(),
                )
                self.commands += 1
                self._remove(pupil)

    def retain(self, on: date, pupils: list[Pupil]) -> None:
        if not pupils:
            return
        self.clock.at(on, 15)
        self.records.council.record_decisions(
            self.protocol(on),
            [DecisionInput(p.id, DecisionKind.RETAINED) for p in pupils],
            signed_by=self.director.signing(),
        )
        self.commands += 1
        for pupil in pupils:
            pupil.grade -= 1  # stays in the same grade next year

    def new_intake(self, previous: dict[str, Klass]) -> None:
        """Pupils move up a grade on 1 September; a new 1st grade is enrolled."""
        cal = self.calendar
        self.clock.at(cal.starts, 8)
        moves: list[MoveInput] = []
        placed: dict[str, list[Pupil]] = defaultdict(list)
        for old in previous.values():
            for pupil in old.pupils:
                grade = pupil.grade + 1 if pupil.grade == old.grade else old.grade
                letter = (
                    old.name[-1]
                    if grade <= 9
                    else LETTERS[len(placed[str(grade)]) % self.scale.classes_in(grade)]
                )
                target = (
                    self.classes.get(f"{grade}{letter}") or self.classes[f"{grade}А"]
                )
                reason = (
                    MoveReason.RETAINED if grade == old.grade else MoveReason.PROMOTED
                )
                moves.append(
                    MoveInput(
                        pupil.id,
                        target.id,
                        cal.starts,
                        reason,
                        f"протокол педсовета № {self.protocols}",
                    )
                )
                placed[str(grade)].append(pupil)
                pupil.grade, pupil.klass, pupil.debts = grade, target, []
                target.pupils.append(pupil)
        for i in range(0, len(moves), 200):
            self.records.people.move(
                moves[i : i + 200], signed_by=self.secretary.signing()
            )
            self.commands += 1
        for klass in self.classes.values():
            missing = self.scale.class_size - len(klass.pupils)
            if klass.grade == 1 or (klass.grade == 10 and missing > 0):
                self._enrol(
                    klass,
                    missing,
                    cal.starts,
                    f"№ {klass.grade}-у от {cal.starts - timedelta(days=2):%d.%m.%Y}",
                )


def _neighbour(mark: str) -> str:
    if mark in (PASSED, FAILED):
        return FAILED if mark == PASSED else PASSED
    return {"5": "4", "4": "5", "3": "4", "2": "3"}[mark]


def _assessment(subject: str) -> Assessment:
    return next(s.assessment for s in SUBJECTS if s.code == subject)


def _passing(subject: str) -> str:
    return PASSED if _assessment(subject) is Assessment.PASS_FAIL else "3"


def _failing(subject: str) -> str:
    return FAILED if _assessment(subject) is Assessment.PASS_FAIL else "2"


def _subject_name(subject: str) -> str:
    return next(s.name for s in SUBJECTS if s.code == subject)


def _maths(grade: int) -> str:
    return "math" if grade <= 6 else "alg" if grade <= 9 else "alg_an"


def _subjects(grade: int) -> list[str]:
    return list(HOURS[grade])


def _grades_with(cal: Calendar, code: str) -> tuple[int, ...]:
    return next(s.grades for s in cal.schemes if any(p.code == code for p in s.periods))


# -- the command ---------------------------------------------------------------------


@app.command()
@reports_errors
def demo(
    store: StoreOpt,
    keys: KeysOpt,
    students: Annotated[
        int, typer.Option(help="Pupils in the school (2–4 classes a grade).", min=60)
    ] = DEFAULT_STUDENTS,
    years: Annotated[
        int,
        typer.Option(
            help="School years to simulate, ending in 2025/2026.", min=1, max=20
        ),
    ] = 1,
    seed: Annotated[
        int, typer.Option(help="Seed: the same seed, the same school.")
    ] = 131,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Write summary.json and the checkpoint here."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(hidden=True, help="Stop after this date (YYYY-MM-DD); tests."),
    ] = None,
) -> None:
    """Simulate a school's records through the ledger's services, seal, and show it."""
    passphrase = _demo_passphrase()
    started = perf_counter()
    done = initialise(
        store, keys, origin=ORIGIN, passphrase=passphrase, side_tables=API_TABLES
    )
    directory = KeyDirectory.open(keys, passphrase)
    ledger = open_ledger(done.app_url, keys=keys, passphrase=passphrase)
    try:
        _check_fresh(ledger, directory)
        data_keys = DataKeyStore.in_key_directory(keys, passphrase)
        scale = Scale(students, years)
        simulation = SchoolSimulation(ledger, directory, data_keys, scale, seed)
        simulate(simulation, until=_date(until))
        counts = _counts(ledger)
        # -- seal the log: every event gets a leaf, then a signed checkpoint --
        checkpoint = _seal(ledger, sum(counts.values()))
    finally:
        ledger.close()
    seconds = perf_counter() - started
    _report(counts, simulation, done.app_url, keys, checkpoint, seconds)
    if out_dir is not None:
        _write_summary(out_dir, counts, simulation, done.app_url, checkpoint, seconds)


def simulate(simulation: SchoolSimulation, *, until: date | None = None) -> None:
    """Run the simulation's years (up to ``until``) with a progress bar."""
    scale = simulation.scale
    years = range(simulation.first_year, LAST_YEAR_STARTS + 1)
    total = sum(len(Calendar.of(y).school_days()) + 5 for y in years)
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        task = progress.add_task("school set-up", total=total)
        simulation.hire()
        simulation.found_school()
        for y in years:
            label = year_label(date(y, 9, 1))

            def step(what: str, label: str = label) -> None:
                progress.update(task, advance=1, description=f"{label} · {what}")

            simulation.run_year(y, step, until)
    err.print(
        f"simulated {scale.years} year(s), {len(simulation.pupils_now())} pupils now, "
        f"{len(simulation.classes)} classes, {len(simulation.staff)} staff, "
        f"{simulation.commands:,} service calls"
    )


def _seal(ledger: LedgerApplication, events: int) -> str:
    """Seal the log («печать»): a Merkle leaf for every event, then a checkpoint
    signed with the school's log key (DESIGN §3), as ``ledger.log`` says."""
    columns = (TextColumn("sealing the log"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err) as progress:
        task = progress.add_task("seal", total=events)
        sealer = Sealer(ledger)
        checkpoint = sealer.seal(progress=lambda n: progress.advance(task, n))
    return checkpoint.note


def _counts(ledger: LedgerApplication) -> Counter[str]:
    counts: Counter[str] = Counter()
    start = 1
    while page := ledger.recorder.select_notifications(start=start, limit=10_000):
        counts.update(n.topic for n in page)
        start = page[-1].id + 1
    return counts


def _report(
    counts: Counter[str],
    simulation: SchoolSimulation,
    url: str,
    keys: Path,
    checkpoint: str,
    seconds: float,
) -> None:
    table = Table(
        title=(
            f"Events in the log · {simulation.scale.years} year(s), "
            f"seed {simulation.seed}"
        )
    )
    table.add_column("area")
    table.add_column("event type")
    table.add_column("count", justify="right")
    for event_type, n in sorted(counts.items()):
        table.add_row(event_type.split(".")[0], event_type, f"{n:,}")
    total = sum(counts.values())
    table.add_row("", "[b]total[/b]", f"[b]{total:,}[/b]")
    out.print(table)
    out.print(
        f"built in {seconds:.0f} s ({total / seconds:,.0f} events/s, each signed, "
        "and checked against the rules before it was appended)"
    )
    # verbatim, never wrapped at the terminal's width: a wrapped checkpoint or
    # command no longer works when copied
    say = partial(out.print, soft_wrap=True, markup=False, highlight=False)
    say(f"store: {url}\nkeys:  {Path(keys).resolve()}")
    say("sealed; the latest checkpoint:")
    say(checkpoint, end="")
    say(
        f"look further (with {PASSPHRASE_ENV} set):\n"
        f"  letopis verify --store {url} --keys {keys}\n"
        f"  letopis checkpoint --store {url}\n"
        f"  letopis keys list --store {url} --keys {keys}\n"
        f"  letopis export --store {url} --keys {keys} --out demo-export\n"
        f"  letopis report all --store {url} --keys {keys} --out demo-reports\n"
        f"  letopis serve --demo --store {url} --keys {keys}"
        "   (the HTTP API: /docs)"
    )


def _write_summary(
    out_dir: Path,
    counts: Counter[str],
    simulation: SchoolSimulation,
    url: str,
    checkpoint: str,
    seconds: float,
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = {
        "store": url,
        "seed": simulation.seed,
        "students": simulation.scale.students,
        "years": simulation.scale.years,
        "seconds": round(seconds, 1),
        "events": dict(sorted(counts.items())),
        "service_calls": simulation.commands,
    }
    (out_dir / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
    )
    (out_dir / "checkpoint").write_text(checkpoint)


def _check_fresh(ledger: LedgerApplication, directory: KeyDirectory) -> None:
    """The demo builds its school once: refuse a store or key directory that has
    it already, before writing anything."""
    school = school_stream(SCHOOL_CODE)
    if ledger.recorder.select_events(school, limit=1) or directory.signer_labels():
        msg = (
            f"the store or the key directory {directory.path} holds a demo school "
            "already; run the demo on a new --store and --keys (`make demo` "
            "removes demo-school/ first)"
        )
        raise LedgerError(msg)


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        msg = f"--until {text!r} is not a date; use YYYY-MM-DD"
        raise InvalidRecordError(msg) from e


def _demo_passphrase() -> str:
    passphrase = os.environ.get(PASSPHRASE_ENV)
    if passphrase:
        return passphrase
    err.print(
        f"[yellow]NOTE:[/yellow] {PASSPHRASE_ENV} is not set; the demo uses the "
        f"DEMO passphrase {DEMO_PASSPHRASE!r}. Never use it for a real school."
    )
    os.environ[PASSPHRASE_ENV] = DEMO_PASSPHRASE
    return DEMO_PASSPHRASE
