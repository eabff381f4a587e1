"""The attestat issuance book («книга выдачи аттестатов», §7.3.5).

One book per level, numbered through across the years. Each entry shows its
registration number, the blank (series and number), the order, the council
decision and the final grades; a duplicate is its own entry naming the entry
it duplicates; the director's corrections are listed against the number of the
entry they correct, and spoiled blanks are accounted for below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from projections.reports.common import DASH, Inputs, check_parameters, day, protocol
from projections.reports.model import Report, Table
from projections.reports.school import LEVELS
from projections.reports.source import Record

NAME = "attestat-book"
PARAMETERS = ("level",)
REQUIRED = ("level",)
RECIPIENTS = {
    "graduate": "выпускник",
    "guardian": "родитель (законный представитель)",
    "proxy": "по доверенности",
}
FIELDS = {"issued_on": "дата выдачи", "order": "приказ", "received_by": "получатель"}
MEDALS = {"I": "медаль I степени", "II": "медаль II степени"}


def build(inputs: Inputs, params: Mapping[str, str]) -> Report:
    check_parameters(NAME, params, PARAMETERS, REQUIRED)
    school, source = inputs.school, inputs.source
    level = school.level(params.get("level"))
    rows = source.rows("view_book", "stream = ?", (school.book_stream(level),))
    entries = sorted(
        (
            r
            for r in rows
            if r.type in ("attestat.AttestatIssued", "attestat.DuplicateIssued")
        ),
        key=lambda r: r.data["number"],
    )
    corrections = [r for r in rows if r.type == "attestat.BookEntryCorrected"]
    spoiled = [r for r in rows if r.type == "attestat.BlankSpoiled"]
    subjects: dict[str, str] = {}
    for r in entries:
        for g in r.data.get("final_grades", ()):
            subjects.setdefault(g["subject"], g["name"])
    originals = {
        r.data["number"]: r for r in entries if r.type == "attestat.AttestatIssued"
    }
    corrected: dict[int, list[str]] = {}
    for c in corrections:
        corrected.setdefault(c.data["entry"], []).append(_correction_text(c))
    names = {p.id: p.name for p in school.pupils.values()}
    return Report(
        name=NAME,
        title=f"Книга выдачи аттестатов об {_level_title(level)} образовании",
        header=(
            ("Школа", school.name),
            ("Уровень", LEVELS[level]),
            ("Записей", str(len(entries))),
        ),
        provenance=source.provenance,
        tables=(
            Table(
                "Записи о выдаче",
                (
                    "№ записи",
                    "Вид записи",
                    "Класс",
                    "Год",
                    "Обучающийся",
                    "Бланк (серия, номер)",
                    "Дата выдачи",
                    "Приказ",
                    "Решение педсовета",
                    *subjects.values(),
                    "Отличие, медаль",
                    "Получил",
                    "Исправления",
                    "Событие",
                ),
                tuple(
                    _entry_row(r, originals, subjects, names, corrected)
                    for r in entries
                ),
            ),
            Table(
                "Исправления записей (заверены директором)",
                (
                    "№ записи",
                    "Поле",
                    "Новое значение",
                    "Причина",
                    "Когда (UTC)",
                    "Событие",
                ),
                tuple(
                    (
                        str(c.data["entry"]),
                        FIELDS.get(c.data["field"], c.data["field"]),
                        _value(c.data["field"], c.data["value"]),
                        c.data["reason"],
                        c.at,
                        c.event,
                    )
                    for c in corrections
                ),
            ),
            Table(
                "Испорченные бланки",
                ("Бланк (серия, номер)", "Причина", "Когда (UTC)", "Событие"),
                tuple(
                    (_blank(s.data["blank"]), s.data["reason"], s.at, s.event)
                    for s in spoiled
                ),
            ),
        ),
        notes=(
            "Сквозная нумерация; выпускники внесены в алфавитном порядке отдельно по "
            "каждому классу, номера бланков — в возрастающем порядке (§7.3.5). "
            "Дубликат — отдельная запись со ссылкой на номер исходной записи.",
        ),
        landscape=True,
        parameters={"level": level},
    )


def _level_title(level: str) -> str:
    return "основном общем" if level == "basic" else "среднем общем"


def _blank(blank: Mapping[str, str]) -> str:
    return f"{blank['series']} {blank['number']}"


def _value(field: str, value: str) -> str:
    if field == "issued_on":
        return day(value)
    if field == "received_by":
        return RECIPIENTS.get(value, value)
    return value


def _correction_text(c: Record) -> str:
    name = FIELDS.get(c.data["field"], c.data["field"])
    return f"{name}: {_value(c.data['field'], c.data['value'])} ({c.data['reason']})"


def _entry_row(
    r: Record,
    originals: dict[int, Record],
    subjects: dict[str, str],
    names: dict[str, str],
    corrected: dict[int, list[str]],
) -> tuple[str, ...]:
    d: dict[str, Any] = r.data
    duplicate = r.type == "attestat.DuplicateIssued"
    source = originals.get(d["original"]) if duplicate else r
    grades = {
        g["subject"]: g["grade"]
        for g in (source.data if source else {}).get("final_grades", ())
    }
    honours = []
    if d.get("with_honours"):
        honours.append("с отличием")
    if d.get("medal"):
        honours.append(MEDALS.get(d["medal"], d["medal"]))
    return (
        str(d["number"]),
        f"дубликат записи № {d['original']}: {d['reason']}"
        if duplicate
        else "аттестат",
        (source.data.get("class_name") if source else None) or DASH,
        (source.data.get("year") if source else None) or DASH,
        names.get(d["pupil"], d["pupil"]),
        _blank(d["blank"]),
        day(d["issued_on"]),
        protocol(d["order"]),
        DASH if duplicate else protocol(d["decision"]),
        *(grades.get(s, DASH) for s in subjects),
        ", ".join(honours) or DASH,
        RECIPIENTS.get(d["received_by"], d["received_by"]),
        "; ".join(corrected.get(d["number"], [])) or DASH,
        r.event,
    )
