"""The year's calendar, late entries, closed periods and the retake window as
pure rules (issue 13): no store, explicit times."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from ledger.domain.academic_year import AcademicYear
from ledger.domain.attestation import Protocol, SubjectRecord
from ledger.domain.errors import (
    AlreadyRecordedError,
    InvalidRecordError,
    NotSchoolDayError,
    PeriodNotClosedError,
    RetakeError,
)
from ledger.domain.grading import Assessment
from ledger.domain.schoolyear import (
    Holiday,
    Period,
    PeriodKind,
    PeriodScheme,
    is_school_day,
    why_not_school_day,
)
from tests.support.school import POLICY

AT = datetime(2025, 1, 10, 9, tzinfo=UTC)
SCHOOL = uuid4()
CLASS_9A, CLASS_10A = uuid4(), uuid4()
DEPUTY = uuid4()
WINTER = Holiday("зимние каникулы", date(2024, 12, 28), date(2025, 1, 8))
SCHEMES = (
    PeriodScheme(
        tuple(range(1, 10)),
        PeriodKind.QUARTERS,
        (
            Period("Q1", date(2024, 9, 2), date(2024, 10, 25)),
            Period("Q2", date(2024, 11, 5), date(2024, 12, 27)),
        ),
    ),
    PeriodScheme(
        (10, 11),
        PeriodKind.HALVES,
        (Period("H1", date(2024, 9, 2), date(2024, 12, 27)),),
    ),
)


def year(**kw: object) -> AcademicYear:
    fields: dict[str, object] = {
        "school": SCHOOL,
        "year": "2024/2025",
        "starts": date(2024, 9, 2),
        "ends": date(2025, 5, 26),
        "days_per_week": 5,
        "holidays": (WINTER,),
        "schemes": SCHEMES,
        "working_days": (date(2024, 11, 2),),  # a Saturday made a working day
        "at": AT,
    }
    return AcademicYear.open(**{**fields, **kw})  # type: ignore[arg-type]


def test_a_school_day_is_a_day_of_the_school_week_outside_every_holiday() -> None:
    holidays = (WINTER,)
    assert is_school_day(date(2024, 10, 1), holidays, 5)
    assert why_not_school_day(date(2024, 10, 6), holidays, 5) == (
        "it is a Sunday, a day off in a 5-day school week"
    )
    assert is_school_day(date(2024, 10, 5), holidays, 6)  # Saturday, 6-day week
    assert not is_school_day(date(2024, 11, 2), holidays, 5)
    assert is_school_day(date(2024, 11, 2), holidays, 5, (date(2024, 11, 2),))
    assert why_not_school_day(date(2025, 1, 1), holidays, 5) == (
        "it falls in «зимние каникулы» (28.12.2024–08.01.2025)"
    )


def test_the_year_refuses_a_lesson_on_a_day_without_lessons() -> None:
    opened = year()
    opened.check_lesson_day(date(2024, 11, 2), date(2024, 11, 5))  # transferred
    with pytest.raises(NotSchoolDayError, match=r"01.01.2025 is not a school day"):
        opened.check_lesson_day(date(2025, 1, 1), date(2025, 1, 10))
    assert opened.school_days(date(2024, 10, 31), date(2024, 11, 4)) == [
        date(2024, 10, 31),
        date(2024, 11, 1),
        date(2024, 11, 2),
        date(2024, 11, 4),
    ]


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"working_days": (date(2024, 11, 1),)}, r"must be a day off of the 5-day"),
        ({"late_after_days": 30}, r"allowed: 0 \(the day of the lesson, §7.3.6\)"),
    ],
    ids=["weekday-as-working-day", "grace-too-long"],
)
def test_a_calendar_that_does_not_fit_is_refused(
    kw: dict[str, object], match: str
) -> None:
    with pytest.raises(InvalidRecordError, match=match):
        year(**kw)


def test_an_entry_is_late_after_the_grace_period() -> None:
    same_day = year()
    assert not same_day.is_late(date(2024, 10, 1), date(2024, 10, 1))
    assert same_day.is_late(date(2024, 10, 1), date(2024, 10, 2))
    two_days = year(late_after_days=2)
    assert not two_days.is_late(date(2024, 10, 1), date(2024, 10, 3))
    assert two_days.is_late(date(2024, 10, 1), date(2024, 10, 4))


def test_closing_covers_its_scope_and_its_days() -> None:
    opened = year()
    with pytest.raises(PeriodNotClosedError, match=r"ends on 25.10.2024"):
        opened.close_period(
            period="Q1",
            class_id=None,
            grade=None,
            subject=None,
            by=DEPUTY,
            today=date(2024, 10, 25),
            at=AT,
        )
    opened.close_period(
        period="Q1",
        class_id=None,
        grade=None,
        subject="math",
        by=DEPUTY,
        today=date(2024, 10, 28),
        at=AT,
    )
    assert opened.closure_of_day(CLASS_9A, 9, "math", date(2024, 10, 1))
    assert opened.closure_of_day(CLASS_9A, 9, "rus", date(2024, 10, 1)) is None
    assert opened.closure_of_day(CLASS_9A, 9, "math", date(2024, 11, 6)) is None
    assert opened.closure_of_day(CLASS_10A, 10, "math", date(2024, 10, 1)) is None
    assert opened.closure_of_period(CLASS_9A, "math", "Q1") is not None
    assert opened.closure_of_period(CLASS_9A, "math", "Y") is None
    with pytest.raises(AlreadyRecordedError, match=r"closed already for this scope"):
        opened.close_period(
            period="Q1",
            class_id=CLASS_9A,
            grade=9,
            subject="math",
            by=DEPUTY,
            today=date(2024, 10, 28),
            at=AT,
        )
    opened.close_period(
        period="Y",
        class_id=CLASS_10A,
        grade=10,
        subject=None,
        by=DEPUTY,
        today=date(2025, 6, 1),
        at=AT,
    )
    assert opened.closure_of_day(CLASS_10A, 10, "rus", date(2025, 3, 3))
    assert opened.closure_of_period(CLASS_10A, "rus", "H1") is not None
    assert [type(e).__name__ for e in opened.collect_events()][-2:] == [
        "PeriodClosed",
        "YearClosed",
    ]


@pytest.mark.parametrize(
    ("debt_on", "retake_on", "allowed"),
    [
        (date(2025, 5, 15), date(2026, 5, 15), True),
        (date(2025, 5, 15), date(2026, 5, 16), False),
        (date(2024, 2, 29), date(2025, 2, 28), True),
        (date(2024, 2, 29), date(2025, 3, 1), False),
    ],
    ids=["last-day", "a-day-late", "leap-last-day", "leap-a-day-late"],
)
def test_a_retake_falls_within_a_year_of_the_debt(
    debt_on: date, retake_on: date, allowed: bool
) -> None:
    record = SubjectRecord.open(uuid4())
    record.record_attestation(
        pupil=uuid4(),
        subject="hist",
        year="2024/2025",
        class_id=CLASS_9A,
        form="тест",
        result="2",
        policy=POLICY,
        assessment=Assessment.FIVE_POINT,
        protocol=Protocol("1", debt_on),
        teacher=DEPUTY,
        at=AT,
    )
    if allowed:
        record.check_retake_window(retake_on)
    else:
        with pytest.raises(RetakeError, match=r"273-ФЗ art. 58 p. 5"):
            record.check_retake_window(retake_on)
