"""The small school with a marked journal, as the report tests read it.

Pupils, alphabetically: Иванов Пётр (И-1), Кузнецов Олег (К-1), Смирнова Анна
(С-1); what ``marked_school`` writes is in its docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.domain.journal import AbsenceKind
from ledger.log import Sealer
from ledger.records.journal import AbsenceInput, LessonInput, MarkInput
from tests.support.school import TEST, WORK, SmallSchool, build
from tests.support.stores import Store

SELF_STUDY = "самостоятельная работа"  # weight 2; WORK 1, TEST 3
IVANOV, KUZNETSOV, SMIRNOVA = (
    "Иванов Пётр Сергеевич",
    "Кузнецов Олег Павлович",
    "Смирнова Анна Игоревна",
)


@dataclass
class Marked:
    """The small school with its journal marked; tree sizes of its seals."""

    s: SmallSchool
    before_correction: int  # sealed after three lessons, before corrections
    after_grades: int  # sealed after the Q1 grades


def lesson_on(s: SmallSchool, day: date, *marks: MarkInput, **kw: Any) -> str:
    s.clock.set(day)
    entry = LessonInput(s.klass("9А"), "math", day, f"Урок {day}", marks=marks, **kw)
    [stream] = s.records.journal.record_lessons([entry], signed_by=s.signing("maths"))
    return str(stream)


def marked_school(store: Store) -> Marked:
    """Lessons on 1–3 October 2024, corrections on 4 October, Q1 grades on 28th.

    Иванов: 5 (answer, w1), 3 (self-study, w2) corrected to 5, 4 (test, w3).
    Кузнецов: absent on 1 October. Смирнова: 4 (w1), 2 (test, w3) voided.
    """
    s = build(store)
    ivanov, smirnova, kuznetsov = s.pupils
    sealer = Sealer(s.app)
    lesson_on(
        s,
        date(2024, 10, 1),
        MarkInput(ivanov, "5", WORK),
        MarkInput(smirnova, "4", WORK),
        absences=(AbsenceInput(kuznetsov, AbsenceKind.UNEXCUSED),),
    )
    second = lesson_on(
        s,
        date(2024, 10, 2),
        MarkInput(ivanov, "3", SELF_STUDY),
        MarkInput(smirnova, "2", TEST),
    )
    lesson_on(s, date(2024, 10, 3), MarkInput(ivanov, "4", TEST))
    before = sealer.seal()
    s.clock.set(date(2024, 10, 4))
    maths = s.signing("maths")
    s.records.journal.correct_mark(
        f"{second}:2", mark="5", reason="описка", signed_by=maths
    )
    s.records.journal.void_entry(f"{second}:3", reason="ошибочно", signed_by=maths)
    s.clock.set(date(2024, 10, 28))
    s.records.attestation.record_period_grades(
        class_id=s.klass("9А"),
        subject="math",
        period="Q1",
        grades={ivanov: "5", smirnova: "4", kuznetsov: "н/а"},
        signed_by=maths,
    )
    after = sealer.seal()
    return Marked(s, _size(before), _size(after))


def _size(note: Any) -> int:
    return int(note.note.splitlines()[1])
