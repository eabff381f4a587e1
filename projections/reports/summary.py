"""The summary statement («сводная ведомость учета успеваемости», §7.3.3).

For a class and year: one table of pupils × subjects per period, one for the
year grades, one for the final grades (grades 9 and 11), and the teachers'
council decisions with the protocol's date and number as §7.3.6 words them.
"""

from __future__ import annotations

from collections.abc import Mapping

from projections.reports.common import DASH, Inputs, check_parameters, decision_text
from projections.reports.model import Report, Table
from projections.reports.school import Pupil

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
        types=(
            "attestation.PeriodGradeRecorded",
            "attestation.FinalGradeRecorded",
            "decisions.CouncilDecisionRecorded",
        ),
    )
    grades: dict[tuple[str, str, str], str] = {}
    finals: dict[tuple[str, str], str] = {}
    decisions: dict[str, list[str]] = {}
    for r in rows:
        pupil = r.pupil or ""
        if r.type == "attestation.PeriodGradeRecorded":
            grades[(r.data["period"], pupil, r.subject or "")] = r.data["grade"]
        elif r.type == "attestation.FinalGradeRecorded":
            finals[(pupil, r.subject or "")] = r.data["grade"]  # a later one replaces
        else:
            decisions.setdefault(pupil, []).append(
                decision_text(r.data, klass.grade, school)
            )
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
