"""The summary statement («сводная ведомость учета успеваемости», §7.3.3).

One table for a class and year, as the archive keeps it: a row per pupil in
the order of the class list (the journal's numbers), and under each subject
the year's period grades, the year grade and, where they exist, the state exam
mark and the final grade for the attestat; the last column is «Решение
педагогического совета (дата и номер)» worded as §7.3.6 words it. A pupil who
left during the year has «выбыл(а) 05.11.2025, приказ № …» (or the class they
moved to) there instead of a decision. On A4 the table continues on further
sheets, subject by subject, repeating the pupils' column. A corrected grade or
decision shows its current value with the number of its change («4¹»); the
table «Исправления» below gives each change's history. The classroom teacher
and the director sign it, with the school's seal (§7.3.3).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ledger.domain.schoolyear import PERIOD_NAMES
from projections.reports.amendments import amend, changes_table, with_corrections
from projections.reports.common import (
    DASH,
    Inputs,
    check_parameters,
    day,
    decision_text,
)
from projections.reports.model import Layout, Report, Signature, Table
from projections.reports.school import Klass, Pupil, School, Year
from projections.reports.source import Record

NAME = "summary"
PARAMETERS = ("class", "year")
REQUIRED = ("class",)
DECISION = "Решение педагогического совета (дата и номер)"
EXAM = "экзамен"
FINAL = "итоговая"
#: a sheet of A4 landscape holds about this many narrow (one-mark) columns
#: beside the pupils' column; the decision takes eight of them
SHEET_COLUMNS = 26
DECISION_WIDTH = 8
SHORT = {"четверть": "ч.", "триместр": "тр.", "полугодие": "пол."}
MOVED = "people.StudentMovedToClass"
LEFT = "people.StudentLeft"


def build(inputs: Inputs, params: Mapping[str, str]) -> Report:
    check_parameters(NAME, params, PARAMETERS, REQUIRED)
    school, source = inputs.school, inputs.source
    year = school.year(params.get("year"))
    klass = school.klass(params.get("class"), year)
    pupils = school.pupils_of(klass)
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
    rows += _exams(inputs, year, pupils)

    def shown(r: Record) -> str:
        if r.type.startswith("decisions."):
            return decision_text(r.data, klass.grade, school)
        if r.type == "attestation.ExamResultImported":
            return str(r.data["mark"] or DASH)
        return str(r.data["grade"])

    amended = amend(rows, shown)
    cells: dict[tuple[str, str, str], str] = {}  # (pupil, subject, column)
    decisions: dict[str, list[str]] = {}
    for r in amended.rows:
        pupil, subject = r.pupil or "", r.subject or r.data.get("subject", "")
        if r.type == "attestation.PeriodGradeRecorded":
            column = r.data["period"]
        elif r.type == "attestation.FinalGradeRecorded":
            column = FINAL
        elif r.type == "attestation.ExamResultImported":
            column = EXAM
        else:
            decisions.setdefault(pupil, []).append(amended.mark(r.event, shown(r)))
            continue
        cells[(pupil, subject, column)] = amended.mark(r.event, shown(r))
    grid = _columns(school, year, klass, cells)
    table_rows = tuple(
        (
            str(n),
            p.name,
            *(cells.get((p.id, s, c), DASH) for s, c in grid),
            "; ".join(decisions.get(p.id, [])) or _departure(p, klass, school),
        )
        for n, p in enumerate(pupils, 1)
    )
    groups = _groups(school, grid)
    tables = [
        Table(
            "Сводная ведомость",
            (
                "№",
                "Фамилия, имя, отчество обучающегося",
                *(f"{school.subject_name(s)}: {_heading(c)}" for s, c in grid),
                DECISION,
            ),
            table_rows,
            statement_layout(groups),
        )
    ]
    history = changes_table(
        amended, _describer(school), school.staff_member, zone=school.zone
    )
    if history is not None:
        tables.append(history)
    director = school.director()
    return Report(
        name=NAME,
        title=f"Сводная ведомость учета успеваемости обучающихся {klass.name} класса",
        header=(
            ("Школа", school.name),
            ("Учебный год", year.label),
            ("Класс", klass.name),
            ("Классный руководитель", school.staff_name(klass.class_teacher)),
            ("Обучающихся", str(len(pupils))),
        ),
        provenance=source.provenance,
        tables=tuple(tables),
        notes=(
            "Хранится не менее 25 лет (§7.3.3). Под каждым предметом — отметки "
            "за периоды, годовая отметка, отметка на экзамене (ГИА) и итоговая "
            "отметка для аттестата (9 и 11 классы), где они есть.",
            "«4¹»: отметка (решение) исправлена; показано текущее значение, "
            "история — в таблице «Исправления» под номером 1.",
        ),
        landscape=True,
        parameters={"class": klass.name, "year": year.label},
        signatures=(
            Signature("Классный руководитель", school.staff_name(klass.class_teacher)),
            Signature(
                "Директор школы", school.staff_name(director) if director else ""
            ),
        ),
        seal=True,
    )


def statement_layout(subjects: tuple[tuple[str, int], ...]) -> Layout:
    """The statement on A4: the number and name repeated on every sheet, each
    subject's columns kept together under its name, the decision last."""
    columns = sum(span for _, span in subjects)
    return Layout(
        fixed=2,
        groups=(*subjects, ("", 1)),
        budget=SHEET_COLUMNS,
        widths=(*(1 for _ in range(columns)), DECISION_WIDTH),
    )


def _exams(inputs: Inputs, year: Year, pupils: list[Pupil]) -> list[Record]:
    """The class's state exam results of the year (ОГЭ, ЕГЭ, ГВЭ), by pupil."""
    ids = [p.id for p in pupils]
    if not ids:
        return []
    return inputs.source.rows(
        "view_grades",
        f"year = ? AND pupil IN ({', '.join('?' * len(ids))})",
        (year.label, *ids),
        types=with_corrections(("attestation.ExamResultImported",)),
    )


def _columns(
    school: School, year: Year, klass: Klass, cells: Mapping[tuple[str, str, str], Any]
) -> list[tuple[str, str]]:
    """(subject, column) of the statement: per subject in curriculum order, its
    periods and the year always, the exam and final grade where any pupil has
    one."""
    held = {(s, c) for _, s, c in cells}
    taught = {s for s, _ in held} | {s.code for s in school.taught(klass)}
    periods = [p.code for p in year.periods(klass.grade)]
    found = []
    for subject in (s for s in school.subjects if s in taught):
        found += [(subject, p) for p in periods]
        found += [(subject, c) for c in (EXAM, FINAL) if (subject, c) in held]
    return found


def _groups(school: School, grid: list[tuple[str, str]]) -> tuple[tuple[str, int], ...]:
    groups: list[tuple[str, int]] = []
    for subject, _ in grid:
        name = school.subject_name(subject)
        if groups and groups[-1][0] == name:
            groups[-1] = (name, groups[-1][1] + 1)
        else:
            groups.append((name, 1))
    return tuple(groups)


def _heading(column: str) -> str:
    """A period's short heading («I ч.», «год»), «экзамен» or «итоговая»."""
    title = PERIOD_NAMES.get(column, column)
    for word, short in SHORT.items():
        title = title.replace(word, short)
    return title


def _departure(pupil: Pupil, klass: Klass, school: School) -> str:
    """What the decision column says of a pupil who left the class during the
    year without a decision: «выбыл(а) 05.11.2025, приказ № 40-в от …» or
    «переведен(а) в 9Б класс 12.01.2026 (…)»; «—» otherwise."""
    placements = pupil.placements
    mine = [i for i, x in enumerate(placements) if x.get("class_id") == klass.id]
    for later in placements[mine[-1] + 1 :] if mine else ():
        if later["type"] == LEFT and later.get("reason") != "graduated":
            order = str(later.get("order") or "")
            if order and not order.startswith("№"):
                order = f"№ {order}"
            return f"выбыл(а) {day(later['on'])}, приказ {order or DASH}"
        if later["type"] == MOVED:
            moved_to = school.classes.get(later["class_id"])
            if moved_to is not None and moved_to.year == klass.year:
                return (
                    f"переведен(а) в {later['class_name']} класс {day(later['on'])}"
                    f" ({later['basis']})"
                )
    return DASH


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
        if r.type == "attestation.ExamResultCorrected":
            return name, f"{what}, экзамен"
        return name, f"{what}, итоговая отметка"

    return describe
