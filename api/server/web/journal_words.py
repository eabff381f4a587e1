"""The teacher's pages in the school's words: refusals, dates, marks.

The rules refuse in the API's terms (a :class:`ProblemError` naming the field,
caused by the ledger's :class:`DomainError` with its English detail). A page
shows a Russian sentence for the kind of refusal next to the field, and the
rule's own detail below it in small print: the sentence says what to do, the
detail says exactly what the rule found.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from api.server.problems import ProblemError
from ledger.domain.errors import (
    AlreadyRecordedError,
    AuthorityError,
    CorrectionError,
    DomainError,
    InvalidRecordError,
    LessonDateError,
    NotAssignedError,
    NotEnrolledError,
    NotSchoolDayError,
    PeriodClosedError,
    PeriodNotClosedError,
    ScaleError,
    UnknownRecordError,
)

#: A rule's refusal → what the page says; the first matching class wins.
RULES: tuple[tuple[type[DomainError], str], ...] = (
    (
        NotSchoolDayError,
        "В этот день уроков нет: выходной, праздник или каникулы по календарю "
        "учебного года.",
    ),
    (
        LessonDateError,
        "Урок датируют днём, когда он прошёл: в пределах учебного года и не "
        "позже сегодняшнего дня (§7.3.6).",
    ),
    (
        PeriodClosedError,
        "Период закрыт: новые записи в нём не делаются, исправления вносит "
        "заместитель директора или директор по приказу (§8.1).",
    ),
    (
        PeriodNotClosedError,
        "Период ещё не окончен: отметки за период выставляют после его последнего дня.",
    ),
    (ScaleError, "Такой отметки или вида работы нет в положении об оценивании школы."),
    (
        NotEnrolledError,
        "Этот обучающийся не числится в классе (или в подгруппе) в этот день.",
    ),
    (
        NotAssignedError,
        "Вы не ведёте этот предмет в этом классе в этот день и никого в нём не "
        "замещаете.",
    ),
    (
        AuthorityError,
        "Изменить запись может только её автор или заместитель директора (§8.1).",
    ),
    (AlreadyRecordedError, "Это уже записано: второй раз запись не делается."),
    (
        CorrectionError,
        "Эту запись нельзя изменить: она аннулирована или её нет в журнале.",
    ),
    (UnknownRecordError, "Такой записи нет в журнале школы."),
    (InvalidRecordError, "Запись не соответствует правилам школы."),
    (DomainError, "Запись отклонена правилами школы."),
)

#: pydantic's error types → what a form says about the field
INVALID = {
    "missing": "Заполните это поле.",
    "string_too_short": "Заполните это поле.",
    "string_too_long": "Слишком длинно: не больше {max_length} знаков.",
    "int_parsing": "Нужно целое число.",
    "int_from_float": "Нужно целое число.",
    "greater_than_equal": "Не меньше {ge}.",
    "less_than_equal": "Не больше {le}.",
    "date_parsing": "Нужна дата (ДД.ММ.ГГГГ).",
    "date_from_datetime_parsing": "Нужна дата (ДД.ММ.ГГГГ).",
    "uuid_parsing": "Неизвестный обучающийся: откройте страницу заново.",
    "uuid_type": "Неизвестный обучающийся: откройте страницу заново.",
    "too_long": "Слишком много строк: не больше {max_length}.",
}


def rule_text(error: BaseException) -> str:
    """The Russian sentence for a rule's refusal (or a problem it caused)."""
    cause = error.__cause__ if isinstance(error, ProblemError) else error
    for cls, text in RULES:
        if isinstance(cause, cls):
            return text
    return "Запись отклонена."


def invalid_text(kind: str, ctx: dict[str, Any] | None) -> str:
    """The Russian sentence for a field a body model refused."""
    text = INVALID.get(kind, "Неверное значение.")
    try:
        return text.format(**(ctx or {}))
    except (KeyError, IndexError):
        return text.split(":")[0] + "."


def ru_date(value: date | str | None) -> str:
    """01.10.2024"""
    if value is None or value == "":
        return "—"
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day:%d.%m.%Y}"


def short_date(value: date | str) -> str:
    """01.10"""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day:%d.%m}"


WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


def weekday(value: date | str) -> str:
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return WEEKDAYS[day.weekday()]


def average_text(value: Decimal | None) -> str:
    """4,33 (the Russian comma); a dash where no average counts."""
    return "—" if value is None else str(value).replace(".", ",")


def install_filters(env: Any) -> None:
    """The filters the teacher's templates use."""
    env.filters["ru_date"] = ru_date
    env.filters["short_date"] = short_date
    env.filters["weekday"] = weekday
    env.filters["average"] = average_text
