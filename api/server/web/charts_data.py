"""The numbers behind the charts, read as the reports read them.

A pupil's dynamics: for every year the pupil was in a class, each subject's
period and year grades (corrections folded in, :func:`amend`) and the weighted
average of the marks of each period (the journal's own rule of which marks
count, :attr:`Entry.counts`, and :func:`weighted_average`). A class's results:
the period grades recorded in the class, counted by result, with the average,
the share of «4» and «5» and the results that leave an academic debt under the
grading policy of the period's last day (:meth:`GradingPolicy.is_failing`).
Read at the latest signed checkpoint, like the diary.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from api.server.office import Office
from api.server.web.charts import Distribution, Share, Slot, YearSlots
from api.server.web.diary_read import PupilRecords
from api.server.web.pages import PageError
from ledger.domain.grading import (
    EXCELLENT,
    FAILED,
    GOOD,
    NOT_ATTESTED,
    PASSED,
    GradingPolicy,
    weighted_average,
)
from projections.reports.amendments import amend, with_corrections
from projections.reports.diary import Marks, pupil_marks, pupil_year
from projections.reports.errors import ReportError
from projections.reports.journal import Entry
from projections.reports.school import Klass, Period, School, Year
from projections.reports.source import Source, open_source

PERIOD_GRADES = with_corrections(("attestation.PeriodGradeRecorded",))
SHORT = {"четверть": "", "триместр": "тр.", "полугодие": "пол."}


@dataclass(frozen=True)
class SubjectDynamics:
    """One subject of a pupil's dynamics: its years and their periods."""

    code: str
    name: str
    years: tuple[YearSlots, ...]

    @property
    def scored(self) -> bool:
        """Whether it has a mark to draw: a five-point grade or an average
        (a subject graded «зачёт» / «незачёт» is shown in the table only)."""
        slots = (s for y in self.years for s in y.slots)
        return any(s.average is not None or (s.grade or "").isdigit() for s in slots)


def short_title(period: Period) -> str:
    """«I» for «I четверть», «I пол.», «год»: what fits under the axis."""
    number, _, kind = period.title.partition(" ")
    if not kind:
        return period.title
    return f"{number} {SHORT.get(kind, kind)}".strip()


def pupil_dynamics(records: PupilRecords) -> list[SubjectDynamics]:
    """Each subject the pupil has grades or marks in, year by year."""
    school, pupil, source = records.school, records.pupil, records.source
    by_subject: dict[str, list[YearSlots]] = {}
    for listed in records.years():
        year, klass = pupil_year(school, pupil, listed.label)
        if klass is None:
            continue
        periods = year.periods(klass.grade)
        entries = pupil_marks(source, pupil, Period("Y", year.starts, year.ends))
        grades = _grades(source, pupil.id, year)
        subjects = {s for s, _ in grades} | {
            entries.lesson(e).data["subject"] for e in entries.entries if e.counts
        }
        for code in subjects:
            slots = tuple(
                Slot(
                    label=short_title(p),
                    title=f"{p.title} {year.label}",
                    grade=grades.get((code, p.code)),
                    average=_average(entries, code, p),
                    year=p.code == "Y",
                )
                for p in periods
            )
            by_subject.setdefault(code, []).append(
                YearSlots(f"{year.label}, {klass.name}", slots)
            )
    return [
        SubjectDynamics(code, school.subject_name(code), tuple(by_subject[code]))
        for code in school.subjects
        if code in by_subject
    ]


def _grades(source: Source, pupil: str, year: Year) -> dict[tuple[str, str], str]:
    """(subject, period) → the current grade (corrections folded in)."""
    graded = amend(
        source.rows(
            "view_grades",
            "pupil = ? AND year = ?",
            (pupil, year.label),
            types=PERIOD_GRADES,
        )
    )
    return {
        (g.subject or "", g.data["period"]): str(g.data["grade"]) for g in graded.rows
    }


def _average(marks: Marks, subject: str, period: Period) -> Decimal | None:
    """The weighted average of the marks that count in the subject's lessons
    of the period."""
    pairs = [
        (int(e.current), int(e.record.data["weight"]))
        for e in marks.entries
        if _counted(marks, e, subject, period)
    ]
    return weighted_average(pairs) if pairs else None


def _counted(marks: Marks, e: Entry, subject: str, period: Period) -> bool:
    lesson = marks.lesson(e).data
    return (
        e.counts
        and lesson["subject"] == subject
        and period.starts <= lesson["day"] <= period.ends
    )


# -- a class ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassResults:
    """A class's period grades by subject and period, counted."""

    klass: Klass
    year: Year
    periods: tuple[Period, ...]
    subjects: tuple[tuple[str, str], ...]  # (code, name), curriculum order
    cells: dict[tuple[str, str], Distribution]  # (subject code, period code)
    overall: dict[str, Distribution]  # period code → every subject together


def class_school(office: Office) -> tuple[Source, School]:
    """The school at the latest checkpoint (without pupils' names: the class
    charts show none)."""
    try:
        source = open_source(office.app, None, audited=False)
        return source, School(source, None)
    except ReportError as e:
        msg = (
            "Журнал записей ещё не заверен подписанной контрольной точкой; "
            "обновите страницу через несколько секунд."
        )
        raise PageError(503, "Записи ещё не готовы", msg) from e


def class_results(
    office: Office, source: Source, school: School, klass: Klass, year: Year
) -> ClassResults:
    """The period grades of ``klass`` counted by subject and period."""
    graded = amend(
        source.rows(
            "view_grades",
            "class_id = ? AND year = ?",
            (klass.id, year.label),
            types=PERIOD_GRADES,
        )
    )
    found: dict[tuple[str, str], list[str]] = {}
    for g in graded.rows:
        found.setdefault((g.subject or "", g.data["period"]), []).append(
            str(g.data["grade"])
        )
    periods = year.periods(klass.grade)
    taught = {s.code for s in school.taught(klass)} | {s for s, _ in found}
    subjects = tuple(
        (s.code, s.name) for s in school.subjects.values() if s.code in taught
    )
    cells, overall = {}, {}
    for p in periods:
        policy = _policy(office, date.fromisoformat(p.ends))
        every: list[str] = []
        for code, name in subjects:
            grades = found.get((code, p.code), [])
            every.extend(grades)
            cells[(code, p.code)] = distribution(name, grades, policy)
        overall[p.code] = distribution("все предметы", every, policy)
    return ClassResults(klass, year, periods, subjects, cells, overall)


def _policy(office: Office, day: date) -> GradingPolicy:
    with office.reading() as ctx:
        return ctx.school().policy_on(day)


def distribution(
    subject: str, grades: list[str], policy: GradingPolicy
) -> Distribution:
    """``grades`` counted by result, in the policy's order: marks from the
    highest, then «н/а», «зачёт», «незачёт» (those two only when given)."""
    counted = Counter(grades)
    order = [str(m) for m in sorted(policy.marks, reverse=True)] + [NOT_ATTESTED]
    order += [r for r in (PASSED, FAILED) if counted[r]]
    order += sorted(r for r in counted if r not in order)
    total = len(grades)
    numeric = [int(g) for g in grades if g.isdigit()]
    scored = [g for g in grades if g not in (PASSED, FAILED)]  # five-point
    good = counted[EXCELLENT] + counted[GOOD]
    failures = sum(1 for g in grades if policy.is_failing(g))
    return Distribution(
        subject=subject,
        shares=tuple(Share(r, counted[r]) for r in order),
        total=total,
        average=weighted_average((g, 1) for g in numeric) if numeric else None,
        quality=_share(good, len(scored)) if numeric else None,
        success=_share(total - failures, total),
        failures=failures,
    )


def _share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / whole).quantize(Decimal("0.1"))
