"""Journal lessons and rejected appends for the records tests.

``rejected`` runs an action that must fail and proves, row by row, that it
wrote nothing; ``lesson`` is a 9А maths lesson of the small school
(``tests/support/school.py``) on ``DAY`` unless told otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from ledger.records.journal import AbsenceInput, LessonInput, MarkInput
from tests.support import rawsql
from tests.support.school import SmallSchool

DAY = date(2024, 10, 1)


def rejected(
    s: SmallSchool, error: type[Exception], match: str, action: Callable[[], Any]
) -> None:
    """``action`` raises ``error`` matching ``match`` and writes nothing."""
    before = rawsql.rows(s.store.url, s.store.admin_url)
    with pytest.raises(error, match=match):
        action()
    assert rawsql.rows(s.store.url, s.store.admin_url) == before


def lesson(
    s: SmallSchool,
    *marks: MarkInput,
    day: date = DAY,
    subject: str = "math",
    klass: str = "9А",
    absences: tuple[AbsenceInput, ...] = (),
) -> LessonInput:
    return LessonInput(
        s.klass(klass),
        subject,
        day,
        "Квадратные уравнения",
        marks=marks,
        absences=absences,
    )
