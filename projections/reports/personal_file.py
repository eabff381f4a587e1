"""A pupil's personal file («личное дело», §7.3.4).

Numbered as in the alphabetical book; it shows the pupil's movement (enrolment,
moves between classes, leaving, and the hand-over of the file to a parent on
written request), the yearly results per subject, the final grades of an
attestat, and the council's decision for each year («переведен в … класс»).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from projections.reports.amendments import Change, amend, basis, with_corrections
from projections.reports.common import (
    DASH,
    Inputs,
    check_parameters,
    class_teacher_signature,
    day,
    decision_text,
    director_signature,
)
from projections.reports.model import Report, Table
from projections.reports.school import LEVELS, Klass, Pupil, School
from projections.reports.source import Record

NAME = "personal-file"
PARAMETERS = ("pupil",)
REQUIRED = ("pupil",)
MOVES = {
    "promoted": "переведен",
    "promoted_conditionally": "условно переведен",
    "retained": "оставлен на повторное обучение",
    "parallel": "переведен в параллельный класс",
}
LEAVES = {
    "transferred": "выбыл в другую образовательную организацию",
    "graduated": "окончил школу",
    "expelled": "отчислен",
}


def build(inputs: Inputs, params: Mapping[str, str]) -> Report:
    check_parameters(NAME, params, PARAMETERS, REQUIRED)
    school, source = inputs.school, inputs.source
    pupil = school.pupil(params.get("pupil"))
    rows = source.rows(
        "view_grades",
        "pupil = ?",
        (pupil.id,),
        types=with_corrections(
            (
                "attestation.PeriodGradeRecorded",
                "attestation.FinalGradeRecorded",
                "decisions.CouncilDecisionRecorded",
            )
        ),
    )
    amended = amend(rows)
    years: dict[str, str] = {}  # year → class name
    results: dict[tuple[str, str], str] = {}
    finals: dict[tuple[str, str], tuple[str, str]] = {}
    decisions = []
    for r in amended.rows:
        year = r.year or ""
        if r.type == "attestation.PeriodGradeRecorded" and r.data["period"] == "Y":
            results[(r.subject or "", year)] = _shown(amended.changes, r)
            years.setdefault(year, school.class_name(r.class_id))
        elif r.type == "attestation.FinalGradeRecorded":
            finals[(r.data["level"], r.subject or "")] = (
                _shown(amended.changes, r),
                year,
            )
        elif r.type == "decisions.CouncilDecisionRecorded":
            klass = school.classes.get(r.class_id or "")
            grade = klass.grade if klass else 0
            text = decision_text(r.data, grade, school)
            if r.event in amended.changes:
                text += (
                    " (исправлено: "
                    + "; ".join(
                        f"основание {basis(c.record.data)}, {c.record.data['reason']}"
                        for c in amended.changes[r.event]
                    )
                    + ")"
                )
            decisions.append((year, r.data["class_name"], text))
            years.setdefault(year, r.data["class_name"])
    ordered_years = sorted(years)
    subjects = [
        s for s in school.subjects if any((s, y) in results for y in ordered_years)
    ]
    enrolled = pupil.placements[0] if pupil.placements else {}
    return Report(
        name=NAME,
        title=f"Личное дело № {pupil.personal_file}",
        header=(
            ("Школа", school.name),
            ("Обучающийся", pupil.name),
            ("Личное дело №", pupil.personal_file),
            (
                "Зачислен",
                f"{day(enrolled.get('on'))}, приказ {enrolled.get('order', DASH)}",
            ),
        ),
        provenance=source.provenance,
        tables=(
            Table(
                "Движение обучающегося",
                ("Дата", "Запись", "Класс", "Основание", "Событие"),
                tuple(_movement(p) for p in pupil.placements),
            ),
            Table(
                "Итоговые результаты по годам обучения",
                ("Предмет", *(f"{y} ({years[y]})" for y in ordered_years)),
                tuple(
                    (
                        school.subject_name(s),
                        *(results.get((s, y), DASH) for y in ordered_years),
                    )
                    for s in subjects
                ),
            ),
            Table(
                "Итоговые отметки (аттестат)",
                ("Уровень", "Предмет", "Итоговая отметка", "Учебный год"),
                tuple(
                    (LEVELS.get(level, level), school.subject_name(s), grade, year)
                    for (level, s), (grade, year) in finals.items()
                ),
            ),
            Table(
                "Решения педагогического совета",
                ("Учебный год", "Класс", "Решение"),
                tuple(decisions),
            ),
        ),
        notes=(
            "Итоговые результаты за год выставляются классным руководителем и "
            "заверяются печатью школы (§7.3.4).",
        ),
        parameters={"pupil": pupil.personal_file},
        signatures=(
            class_teacher_signature(school, _last_class(school, pupil)),
            director_signature(school),
        ),
        seal=True,
    )


def _last_class(school: School, pupil: Pupil) -> Klass | None:
    """The class the pupil was placed in last (its teacher keeps the file)."""
    found = None
    for placement in pupil.placements:
        found = school.classes.get(placement.get("class_id") or "") or found
    return found


def _movement(p: Mapping[str, Any]) -> tuple[str, ...]:
    kind = p["type"]
    if kind == "people.StudentEnrolled":
        return (day(p["on"]), "зачислен", p["class_name"], p["order"], p["event"])
    if kind == "people.StudentMovedToClass":
        what = MOVES.get(p["reason"], p["reason"])
        return (
            day(p["on"]),
            f"{what} в {p['class_name']} класс",
            p["class_name"],
            p["basis"],
            p["event"],
        )
    text = LEAVES.get(p["reason"], p["reason"])
    if p.get("file_handed_to_guardian"):
        text += (
            "; личное дело выдано родителям (законным представителям) по заявлению "
            f"от {day(p.get('guardian_request'))}"
        )
        if p.get("guardian_request_number"):
            text += f" № {p['guardian_request_number']}"
    return (day(p["on"]), text, DASH, p["order"], p["event"])


def _shown(changes: Mapping[str, list[Change]], r: Record) -> str:
    """The current grade and, beside it, its history: «4 (исправлено: было 3,
    основание приказ от 12.11.2024 № 45-о; ошибка в ведомости)»."""
    grade = str(r.data["grade"])
    found = changes.get(r.event)
    if not found:
        return grade
    history = "; ".join(
        f"было {c.before}, основание {basis(c.record.data)}, {c.record.data['reason']}"
        for c in found
    )
    return f"{grade} (исправлено: {history})"
