"""The curriculum of the demo school: subjects, weekly hours, who teaches what.

The subjects and weekly hours of the federal curriculum (ФОП НОО/ООО/СОО 2023)
for a five-day week, the teachers' specialities and posts, the kinds of work
that get marks, the grading policy and the lesson topics.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledger.domain.grading import FAILED, PASSED, Assessment, GradingPolicy, WorkType
from ledger.domain.school import Level, Subject

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

POLICY = GradingPolicy(
    effective_from=date(2000, 9, 1),
    marks=(5, 4, 3, 2),
    passing=3,
    work_types=WORK_TYPES,
    rounding_threshold=Decimal("0.6"),
    min_marks=3,
    unmarked_grades=(1,),
)


def assessment(subject: str) -> Assessment:
    """How ``subject`` is assessed: five-point marks or pass/fail."""
    return next(s.assessment for s in SUBJECTS if s.code == subject)


def passing(subject: str) -> str:
    return PASSED if assessment(subject) is Assessment.PASS_FAIL else "3"


def failing(subject: str) -> str:
    return FAILED if assessment(subject) is Assessment.PASS_FAIL else "2"


def subject_name(subject: str) -> str:
    return next(s.name for s in SUBJECTS if s.code == subject)


def maths(grade: int) -> str:
    """The mathematics subject of ``grade`` (its year test is in it)."""
    return "math" if grade <= 6 else "alg" if grade <= 9 else "alg_an"


def subjects_of(grade: int) -> list[str]:
    """The subjects taught in ``grade``."""
    return list(HOURS[grade])
