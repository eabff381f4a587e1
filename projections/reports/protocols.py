"""Protocols of a class: intermediate attestation (§7.3.1) and state exams (§7.3.2).

The intermediate attestation protocol has one table per subject: each pupil's
result with its protocol, the retakes of a failed result (attempt 1 and 2, the
second before a commission; 273-ФЗ art. 58) and whether a debt remains. The
state exam protocol lists the class's results as the regional centre's
protocols gave them (ОГЭ, ЕГЭ, ГВЭ). A corrected result (a protocol's error,
an appeal) shows its current value with the number of its change («4¹»), and
the table of corrections below gives the history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from projections.reports.amendments import (
    Amended,
    amend,
    changes_table,
    with_corrections,
)
from projections.reports.common import DASH, Inputs, check_parameters, day, protocol
from projections.reports.model import Report, Signature, Table
from projections.reports.school import School
from projections.reports.source import Record

ATTESTATION_PARAMETERS = ("class", "year", "subject")
EXAM_PARAMETERS = ("class", "year")
REQUIRED = ("class",)
EXAMS = {"oge": "ОГЭ", "ege": "ЕГЭ", "gve": "ГВЭ"}
ATTESTATIONS_OF = (
    "SELECT stream FROM {view_grades} WHERE "
    "type = 'attestation.IntermediateAttestationRecorded' AND class_id = ? AND year = ?"
)


def build_attestation(inputs: Inputs, params: Mapping[str, str]) -> Report:
    name = "attestation-protocol"
    check_parameters(name, params, ATTESTATION_PARAMETERS, REQUIRED)
    school, source = inputs.school, inputs.source
    year = school.year(params.get("year"))
    klass = school.klass(params.get("class"), year)
    only = school.subject(params["subject"]).code if params.get("subject") else None
    rows = source.rows(
        "view_grades",
        f"stream IN ({ATTESTATIONS_OF})",
        (klass.id, year.label),
        types=with_corrections(
            (
                "attestation.IntermediateAttestationRecorded",
                "attestation.RetakeRecorded",
            )
        ),
    )
    amended = amend(rows)
    results: dict[str, list[Record]] = {}
    for r in amended.rows:
        results.setdefault(r.stream, []).append(r)
    by_subject: dict[str, dict[str, list[Record]]] = {}
    for stream_rows in results.values():
        first = stream_rows[0]
        if only is None or first.subject == only:
            by_subject.setdefault(first.subject or "", {})[first.pupil or ""] = (
                stream_rows
            )
    pupils = school.pupils_of(klass)
    tables = []
    for subject in (s for s in school.subjects if s in by_subject):
        held = by_subject[subject]
        tables.append(
            Table(
                f"{school.subject_name(subject)}",
                (
                    "№",
                    "Обучающийся",
                    "Форма",
                    "Результат",
                    "Протокол",
                    "Пересдача 1",
                    "Пересдача 2 (комиссия)",
                    "Итог",
                    "Академическая задолженность",
                ),
                tuple(
                    _attestation_row(n, p.name, held[p.id], amended)
                    for n, p in enumerate((p for p in pupils if p.id in held), 1)
                ),
            )
        )
    if not tables:
        tables.append(
            Table(
                f"Результаты промежуточной аттестации: записей нет ({klass.name}, "
                f"{year.label})",
                ("№", "Обучающийся", "Результат"),
                (),
            )
        )
    history = changes_table(
        amended, _describer(school), school.staff_member, zone=school.zone
    )
    if history is not None:
        tables.append(history)
    subject_title = f", {school.subject_name(only)}" if only else ""
    return Report(
        name=name,
        title=f"Протокол промежуточной аттестации: {klass.name}{subject_title}",
        header=(
            ("Школа", school.name),
            ("Учебный год", year.label),
            ("Класс", klass.name),
        ),
        provenance=source.provenance,
        tables=tuple(tables),
        notes=(
            "Пересдача академической задолженности — не более двух раз, вторая — "
            "комиссией (273-ФЗ, ст. 58).",
        ),
        landscape=True,
        parameters={
            "class": klass.name,
            "year": year.label,
            **({"subject": only} if only else {}),
        },
        signatures=(*_examiners(by_subject, school), *_director(school)),
        seal=True,
    )


def _examiners(
    by_subject: dict[str, dict[str, list[Record]]], school: School
) -> list[Signature]:
    """Who signs an attestation protocol: the teacher who assessed each subject
    and the members of each second retake's commission (273-ФЗ art. 58)."""
    signs: list[Signature] = []
    for subject in (s for s in school.subjects if s in by_subject):
        name = school.subject_name(subject)
        teachers: list[str] = []
        commission: list[str] = []
        for stream_rows in by_subject[subject].values():
            for r in stream_rows:
                if r.type == "attestation.IntermediateAttestationRecorded":
                    teachers.append(r.data["teacher"])
                else:
                    commission += r.data.get("commission") or ()
        signs += [
            Signature(f"Учитель ({name})", school.staff_name(t))
            for t in dict.fromkeys(teachers)
        ]
        signs += [
            Signature(f"Член комиссии ({name}, пересдача)", school.staff_name(m))
            for m in dict.fromkeys(commission)
        ]
    return signs


def _director(school: School) -> tuple[Signature, ...]:
    """The director, who certifies a printout of the electronic records (§7.3.6)."""
    director = school.director()
    return (
        Signature("Директор школы", school.staff_name(director) if director else ""),
    )


def _attestation_row(
    n: int, name: str, rows: list[Record], amended: Amended
) -> tuple[str, ...]:
    first, retakes = rows[0], rows[1:]

    def retake(attempt: int) -> str:
        found = [r for r in retakes if r.data["attempt"] == attempt]
        if not found:
            return DASH
        r = found[-1]
        result = amended.mark(r.event, r.data["result"])
        text = f"{result}, протокол {protocol(r.data['protocol'])}"
        if attempt == 2:
            text += f" (комиссия: {len(r.data['commission'])} чел.)"
        return text

    last = rows[-1]
    return (
        str(n),
        name,
        first.data["form"],
        amended.mark(first.event, first.data["result"]),
        protocol(first.data["protocol"]),
        retake(1),
        retake(2),
        last.data["result"],
        "да" if last.data["debt"] else "нет",
    )


def build_exams(inputs: Inputs, params: Mapping[str, str]) -> Report:
    name = "exam-protocol"
    check_parameters(name, params, EXAM_PARAMETERS, REQUIRED)
    school, source = inputs.school, inputs.source
    year = school.year(params.get("year"))
    klass = school.klass(params.get("class"), year)
    pupils = school.pupils_of(klass)
    order = {p.id: n for n, p in enumerate(pupils)}
    rows = [
        r
        for r in source.rows(
            "view_grades",
            f"year = ? AND pupil IN ({', '.join('?' * len(order)) or 'NULL'})",
            (year.label, *order),
            types=with_corrections(("attestation.ExamResultImported",)),
        )
        if r.pupil in order
    ]
    amended = amend(rows)
    rows = amended.rows
    rows.sort(key=lambda r: (order[r.pupil or ""], r.data["exam_date"], r.position))
    names = {p.id: p.name for p in pupils}
    return Report(
        name=name,
        title=f"Протокол результатов ГИА: {klass.name}",
        header=(
            ("Школа", school.name),
            ("Учебный год", year.label),
            ("Класс", klass.name),
        ),
        provenance=source.provenance,
        tables=(
            Table(
                "Результаты государственной итоговой аттестации",
                (
                    "Обучающийся",
                    "Форма",
                    "Предмет",
                    "Дата экзамена",
                    "Первичный балл",
                    "Тестовый балл",
                    "Отметка",
                    "Результат",
                    "Протокол РЦОИ",
                    "Центр",
                    "Событие",
                ),
                tuple(
                    (
                        names[r.pupil or ""],
                        EXAMS.get(r.data["exam"], r.data["exam"]),
                        school.subject_name(r.data["subject"]),
                        day(r.data["exam_date"]),
                        str(r.data["primary_score"]),
                        DASH
                        if r.data["score"] is None
                        else amended.mark(r.event, str(r.data["score"])),
                        amended.mark(r.event, r.data["mark"] or DASH),
                        "преодолен минимум" if r.data["passed"] else "не сдан",
                        protocol(r.data["protocol"]),
                        r.data["centre"],
                        r.event,
                    )
                    for r in rows
                ),
            ),
            *_appeals(amended, school),
        ),
        notes=(
            "Протоколы составляются региональным центром (РЦОИ) (§7.3.2). «4¹»: "
            "результат изменен по апелляции; история — в таблице «Апелляции».",
        ),
        landscape=True,
        parameters={"class": klass.name, "year": year.label},
        signatures=_director(school),
        seal=True,
    )


def _describer(school: School) -> Callable[[Record], tuple[str, str]]:
    def describe(r: Record) -> tuple[str, str]:
        pupil = school.pupils.get(r.pupil or "")
        name = pupil.name if pupil else (r.pupil or DASH)
        return name, school.subject_name(r.subject or "")

    return describe


def _appeals(amended: Amended, school: School) -> tuple[Table, ...]:
    history = changes_table(
        amended, _describer(school), school.staff_member, "Апелляции", zone=school.zone
    )
    return () if history is None else (history,)
