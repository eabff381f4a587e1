"""The summary statement («сводная ведомость учета успеваемости», §7.3.3).

For a class and year: one table of pupils × subjects per period, one for the
year grades, one for the final grades (grades 9 and 11), and the teachers'
council decisions with the protocol's date and number as §7.3.6 words them.
A corrected grade or decision shows its current value with the number of its
change («4¹»); the table «Исправления» below gives each change's history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ledger.domain.schoolyear import PERIOD_NAMES
from projections.reports.amendments import amend, changes_table, with_corrections
from projections.reports.common import DASH, Inputs, check_parameters, decision_text
from projections.reports.model import Report, Table
from projections.reports.school import Pupil, School
from projections.reports.source import Record

NAME = "summary"
PARAMETERS = ("class", "year")
REQUIRED = ("class",)


def build(inputs: Inputs, params: Mapping[str, str]) -> Report:
    check_parameters(NAME, params, PARAMETERS, REQUIRED)
    school, source = inputs.school, inputs.source
    year = school.year(params.get("year"))
    klass = school.klass(params.get("class"), year)
    rows = source.rows(
        "view_grades",
        "class_id = ? AND year = ?",
        (klass.id, year.label),
        types=with_corrections(
            (
                "attestation.PeriodGradeRecorded",
                "attestation.FinalGradeRecorded",
                "decisions.CouncilDecisionRecorded",
            )
        ),
    )

    def shown(r: Record) -> str:
        if r.type.startswith("decisions."):
            return decision_text(r.data, klass.grade, school)
        return str(r.data["grade"])

    amended = amend(rows, shown)
    grades: dict[tuple[str, str, str], str] = {}
    finals: dict[tuple[str, str], str] = {}
    decisions: dict[str, list[str]] = {}
    for r in amended.rows:
        pupil = r.pupil or ""
        if r.type == "attestation.PeriodGradeRecorded":
            grades[(r.data["period"], pupil, r.subject or "")] = amended.mark(
                r.event, r.data["grade"]
            )
        elif r.type == "attestation.FinalGradeRecorded":
            finals[(pupil, r.subject or "")] = amended.mark(r.event, r.data["grade"])
        else:
            decisions.setdefault(pupil, []).append(amended.mark(r.event, shown(r)))
    taught = {s for _, _, s in grades} | {s for _, s in finals}
    subjects = [s for s in school.subjects if s in taught]
    pupils = school.pupils_of(klass)
    names = tuple(school.subject_name(s) for s in subjects)
    tables = []
    for period in year.periods(klass.grade):
        title = f"Отметки: {period.title}"
        of_period = {(p, s): g for (c, p, s), g in grades.items() if c == period.code}
        tables.append(_grid(title, pupils, names, of_period, subjects))
    if finals:
        tables.append(_grid("Итоговые отметки", pupils, names, finals, subjects))
    tables.append(
        Table(
            "Решение педагогического совета (дата и номер)",
            ("№", "Обучающийся", "Решение"),
            tuple(
                (str(n), p.name, "; ".join(decisions.get(p.id, [])) or DASH)
                for n, p in enumerate(pupils, 1)
            ),
        )
    )
    history = changes_table(amended, _describer(school), school.staff_member)
    if history is not None:
        tables.append(history)
    return Report(
        name=NAME,
        title=f"Сводная ведомость учета успеваемости обучающихся {klass.name} класса",
        header=(
            ("Школа", school.name),
            ("Учебный год", year.label),
            ("Класс", klass.name),
            ("Обучающихся", str(len(pupils))),
        ),
        provenance=source.provenance,
        tables=tuple(tables),
        notes=(
            "Хранится не менее 25 лет (§7.3.3). Отметка за год — годовая отметка "
            "учителя; итоговые отметки — для аттестата (9 и 11 классы).",
            "«4¹»: отметка (решение) исправлена; показано текущее значение, "
            "история — в таблице «Исправления» под номером 1.",
        ),
        landscape=True,
        parameters={"class": klass.name, "year": year.label},
    )


def _grid(
    title: str,
    pupils: list[Pupil],
    names: tuple[str, ...],
    cells: Mapping[tuple[str, str], str],
    subjects: list[str],
) -> Table:
    return Table(
        title,
        ("№", "Обучающийся", *names),
        tuple(
            (str(n), p.name, *(cells.get((p.id, s), DASH) for s in subjects))
            for n, p in enumerate(pupils, 1)
        ),
    )


def _describer(school: School) -> Callable[[Record], tuple[str, str]]:
    """The pupil and the record a correction changes, as the history names
    them: «Иванов Пётр», «Математика, I четверть»."""

    def describe(r: Record) -> tuple[str, str]:
        pupil = school.pupils.get(r.pupil or "")
        name = pupil.name if pupil else (r.pupil or DASH)
        if r.type == "decisions.CouncilDecisionCorrected":
            return name, "решение педагогического совета"
        what = school.subject_name(r.subject or "")
        if r.type == "attestation.PeriodGradeCorrected":
            return name, f"{what}, {PERIOD_NAMES.get(r.data['period'], '')}"
        return name, f"{what}, итоговая отметка"

    return describe
