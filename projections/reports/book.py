"""The attestat book («книга для учёта и записи выданных аттестатов и дубликатов
аттестатов», §7.3.5; Приказ Минпросвещения № 546 of 05.10.2020).

One book per level, numbered through across the years. Each entry shows the
columns the order requires: registration number, the graduate's surname, name
and patronymic and date of birth, the numbers of the attestat's and the
supplement's blanks, the final grades, the issue date, who received it when
not the graduate (by proxy: the power of attorney), a column for the
recipient's signature, and the corrections; besides, the order, the council's
decision and honours. A duplicate is its own entry naming the entry it
duplicates, with its own grades. The class's certification by the class
teacher and the director, the director's corrections (listed against the
number of the entry they correct) and spoiled blanks follow.

On A4 landscape the entries continue on further sheets, as the paper book's
spreads do: the graduate and blanks, the final grades (over as many sheets
as the subjects need), the issue; each sheet repeats the entry's number and
the graduate's name, so no column is lost at the margin. The signatures are
printed as the book carries them: the class teacher and the director under
each class's entries with the seal, the director under each duplicate and
each correction (§7.3.5).

Names and birth dates come from the entry itself (sealed under the book's own
data key of the pupil), so they last as long as the book; an entry made before
the book kept them shows the name from the personal file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.domain.attestat import book_subject
from ledger.errors import LedgerError
from ledger.keys.personal import DataKeyStore
from projections.reports.amendments import amend, with_corrections
from projections.reports.common import (
    DASH,
    Inputs,
    check_parameters,
    day,
    moment,
    protocol,
)
from projections.reports.model import Layout, Report, Signature, Table
from projections.reports.school import ERASED, LEVELS, UNAVAILABLE, School
from projections.reports.source import Record

NAME = "attestat-book"
PARAMETERS = ("level",)
REQUIRED = ("level",)
RECIPIENTS = {
    "graduate": "выпускник",
    "guardian": "родитель (законный представитель)",
    "proxy": "по доверенности",
}
CAUSES = {
    "lost": "утрата",
    "damaged": "порча",
    "error": "ошибка в оригинале",
    "name_changed": "смена фамилии (имени, отчества)",
}
FIELDS = {"issued_on": "дата выдачи", "order": "приказ", "received_by": "получатель"}
MEDALS = {"I": "медаль I степени", "II": "медаль II степени"}
KINDS = {"attestat": "аттестат", "supplement": "приложение"}
ENTRY_TYPES = ("attestat.AttestatIssued", "attestat.DuplicateIssued")
SIGNATURE = "________"
#: the graduate and the blanks; each final grade; the issue (narrow columns)
PERSON_WIDTHS = (4, 1, 3, 2, 4, 4)
GRADE_WIDTH = 2
ISSUE_WIDTHS = (3, 2, 3, 3, 4, 2, 4, 5)
#: narrow columns a sheet of A4 landscape holds beside the number and name
SHEET_COLUMNS = 26


def build(inputs: Inputs, params: Mapping[str, str]) -> Report:
    check_parameters(NAME, params, PARAMETERS, REQUIRED)
    school, source = inputs.school, inputs.source
    level = school.level(params.get("level"))
    rows = source.rows("view_book", "stream = ?", (school.book_stream(level),))
    entries = sorted(
        (r for r in rows if r.type in ENTRY_TYPES), key=lambda r: r.data["number"]
    )
    of_type = _by_type(rows)
    corrections = of_type.get("attestat.BookEntryCorrected", [])
    subjects: dict[str, str] = {}
    for r in entries:
        for g in r.data.get("final_grades", ()):
            subjects.setdefault(g["subject"], g["name"])
    book = _Book(entries, corrections, subjects, school.keys, school)
    disagreeing = _disagreements(entries, source, level, book)
    return Report(
        name=NAME,
        title=f"Книга для учёта и записи выданных аттестатов об {_level_title(level)} "
        "образовании и дубликатов аттестатов",
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
                    "Фамилия, имя, отчество выпускника",
                    "Вид записи",
                    "Класс",
                    "Год",
                    "Дата рождения",
                    "Номер бланка аттестата",
                    "Номер бланка приложения",
                    *subjects.values(),
                    "Отличие, медаль",
                    "Дата выдачи",
                    "Приказ",
                    "Решение педсовета",
                    "Получил",
                    "Подпись получателя",
                    "Исправления",
                    "Событие",
                ),
                tuple(book.row(r) for r in entries),
                entries_layout(len(subjects)),
            ),
            Table(
                "Заверение записей по классам (классный руководитель, директор, "
                "печать школы)",
                (
                    "Класс",
                    "Год",
                    "Записи №",
                    "Классный руководитель",
                    "Директор",
                    "Дата",
                    "Событие",
                ),
                _certifications(entries, of_type, school),
            ),
            Table(
                "Исправления записей (заверены директором)",
                (
                    "№ записи",
                    "Поле",
                    "Новое значение",
                    "Причина",
                    "Когда",
                    "Событие",
                ),
                tuple(
                    (
                        str(c.data["entry"]),
                        FIELDS.get(c.data["field"], c.data["field"]),
                        _value(c.data["field"], c.data["value"]),
                        c.data["reason"],
                        moment(c.at, school.zone),
                        c.event,
                    )
                    for c in corrections
                ),
            ),
            Table(
                "Расхождения с итоговыми отметками (нужен дубликат или исправление)",
                (
                    "№ записи",
                    "Фамилия, имя, отчество выпускника",
                    "Предмет",
                    "В книге",
                    "Итоговая отметка сейчас",
                    "Событие исправления",
                ),
                disagreeing,
            ),
            Table(
                "Испорченные бланки",
                ("Бланк", "Номер", "Причина", "Когда", "Событие"),
                tuple(
                    (
                        KINDS[s.data.get("kind", "attestat")],
                        blank_text(s.data["blank"]),
                        s.data["reason"],
                        moment(s.at, school.zone),
                        s.event,
                    )
                    for s in of_type.get("attestat.BlankSpoiled", [])
                ),
            ),
        ),
        notes=(
            "Сквозная нумерация; выпускники текущего года внесены в алфавитном "
            "порядке отдельно по каждому классу, номера бланков — в возрастающем "
            "порядке (§7.3.5; Приказ Минпросвещения № 546). Аттестат, выданный "
            "позже списка класса, — запись в конце книги со своим номером и "
            "причиной. Дубликат — отдельная запись со ссылкой на номер исходной "
            "записи и со своими отметками. Бланк образца 2020 г. (Приказ № 545) — "
            "14 цифр без серии.",
        ),
        landscape=True,
        parameters={"level": level},
        signatures=_signatures(entries, of_type, corrections, school),
        seal=True,
    )


def _disagreements(
    entries: list[Record], source: Any, level: str, book: _Book
) -> tuple[tuple[str, ...], ...]:
    """Each grade of a pupil's latest entry (the attestat or its latest
    duplicate) that differs from the pupil's current final grade: a final
    grade corrected after the entry was made, which the book must not hide
    (issue 13). A duplicate issued for the error, or a correction of the entry,
    carries the current grade and clears the row."""
    latest: dict[str, Record] = {}
    for r in entries:
        latest[r.data["pupil"]] = r
    if not latest:
        return ()
    pupils = sorted(latest)
    found = source.rows(
        "view_grades",
        f"pupil IN ({', '.join('?' * len(pupils))})",
        pupils,
        types=with_corrections(("attestation.FinalGradeRecorded",)),
    )
    current: dict[tuple[str, str], tuple[str, str]] = {}
    amended = amend(
        [r for r in found if r.data.get("level", level) == level],
        lambda r: str(r.data["grade"]),
    )
    for r in amended.rows:
        changed = amended.changes.get(r.event)
        where = changed[-1].record.event if changed else ""
        current[(r.pupil or "", r.data["subject"])] = (str(r.data["grade"]), where)
    rows = []
    for pupil, entry in sorted(latest.items(), key=lambda x: x[1].data["number"]):
        for g in entry.data.get("final_grades", ()):
            now, where = current.get((pupil, g["subject"]), (str(g["grade"]), ""))
            if now != str(g["grade"]):
                name = book.person(entry.data).get("name", DASH)
                rows.append(
                    (
                        str(entry.data["number"]),
                        name,
                        g["name"],
                        str(g["grade"]),
                        now,
                        where,
                    )
                )
    return tuple(rows)


def entries_layout(subjects: int) -> Layout:
    """The entries on A4, as the paper book's spreads: the graduate and the
    blanks, the final grades, the issue; the number and name on every sheet."""
    return Layout(
        fixed=2,
        groups=(
            ("Выпускник, бланки", len(PERSON_WIDTHS)),
            ("Итоговые отметки", subjects),
            ("Выдача", len(ISSUE_WIDTHS)),
        ),
        budget=SHEET_COLUMNS,
        widths=(*PERSON_WIDTHS, *(GRADE_WIDTH for _ in range(subjects)), *ISSUE_WIDTHS),
    )


class _Book:
    """What an entry row needs besides its own event: the originals, the
    corrections, the subjects' columns and the names."""

    def __init__(
        self,
        entries: list[Record],
        corrections: list[Record],
        subjects: dict[str, str],
        keys: DataKeyStore | None,
        school: School,
    ) -> None:
        self.originals = {
            r.data["number"]: r for r in entries if r.type == ENTRY_TYPES[0]
        }
        self.corrected: dict[int, list[str]] = {}
        for c in corrections:
            self.corrected.setdefault(c.data["entry"], []).append(_correction_text(c))
        self.subjects = subjects
        self.keys = keys
        self.pupils = school.pupils

    def row(self, r: Record) -> tuple[str, ...]:
        d: dict[str, Any] = r.data
        duplicate = r.type == "attestat.DuplicateIssued"
        original = self.originals.get(d["original"]) if duplicate else r
        source = original.data if original else {}
        lines = d.get("final_grades") or source.get("final_grades", ())
        grades = {g["subject"]: g["grade"] for g in lines}
        person = self.person(d)
        return (
            str(d["number"]),
            person.get("name", DASH),
            _kind(d) if duplicate else _late(d),
            source.get("class_name") or DASH,
            source.get("year") or DASH,
            day(person.get("birth_date")),
            blank_text(d["blank"]),
            blank_text(d.get("supplement")),
            *(grades.get(s, DASH) for s in self.subjects),
            _honours(d),
            day(d["issued_on"]),
            protocol(d["order"]),
            DASH if duplicate else protocol(d["decision"]),
            _recipient(d["received_by"], person),
            SIGNATURE,
            "; ".join(self.corrected.get(d["number"], [])) or DASH,
            r.event,
        )

    def person(self, d: Mapping[str, Any]) -> dict[str, str]:
        """The entry's sealed fields, or the personal file's name for an entry
        that has none; placeholders when the key is gone or not at hand."""
        enc = d.get("enc")
        if not enc:
            pupil = self.pupils.get(d["pupil"])
            return {"name": pupil.name} if pupil else {"name": d["pupil"]}
        if self.keys is None:
            return {"name": UNAVAILABLE}
        try:
            opened = self.keys.open(book_subject(d["pupil"]), enc)
        except LedgerError as e:
            return {"name": ERASED if "destroyed" in str(e) else UNAVAILABLE}
        parts = (opened.get("surname"), opened.get("name"), opened.get("patronymic"))
        return {**opened, "name": " ".join(p for p in parts if p)}


def _by_type(rows: list[Record]) -> dict[str, list[Record]]:
    found: dict[str, list[Record]] = {}
    for r in rows:
        found.setdefault(r.type, []).append(r)
    return found


def _certifications(
    entries: list[Record], of_type: dict[str, list[Record]], school: School
) -> tuple[tuple[str, ...], ...]:
    """One row per certification; then a row per class with entries nobody has
    certified yet."""
    rows: list[tuple[str, ...]] = []
    covered: set[int] = set()
    for c in of_type.get("attestat.ClassEntriesCertified", []):
        d = c.data
        covered.update(d["entries"])
        rows.append(
            (
                d["class_name"],
                d["year"],
                _numbers(d["entries"]),
                school.staff_member(d["class_teacher"]),
                school.staff_member(d["director"]) if d.get("director") else "—",
                day(d["certified_on"]),
                c.event,
            )
        )
    waiting: dict[tuple[str, str], list[int]] = {}
    for r in entries:
        if r.type == ENTRY_TYPES[0] and r.data["number"] not in covered:
            key = (r.data["class_name"], r.data["year"])
            waiting.setdefault(key, []).append(r.data["number"])
    for (name, year), numbers in waiting.items():
        rows.append((name, year, _numbers(numbers), "не заверены", DASH, DASH, DASH))
    return tuple(rows)


def _signatures(
    entries: list[Record],
    of_type: dict[str, list[Record]],
    corrections: list[Record],
    school: School,
) -> tuple[Signature, ...]:
    """The book's signatures as the paper book carries them (§7.3.5): under
    each class's entries the class teacher and the director, under each
    duplicate and each correction the director, each with the seal."""
    director = school.director()
    head = school.staff_name(director) if director else ""
    signs: list[Signature] = []
    certified = of_type.get("attestat.ClassEntriesCertified", [])
    for c in certified:
        d = c.data
        what = (
            f"Записи № {_numbers(d['entries'])} ({d['class_name']} класс, "
            f"{d['year']}) заверены {day(d['certified_on'])}"
        )
        signs += [
            Signature(
                "Классный руководитель", school.staff_name(d["class_teacher"]), what
            ),
            Signature("Директор школы", school.staff_name(d["director"]), what),
        ]
    covered = {n for c in certified for n in c.data["entries"]}
    waiting: dict[tuple[str, str], list[int]] = {}
    for r in entries:
        if r.type == ENTRY_TYPES[0] and r.data["number"] not in covered:
            key = (r.data["class_name"], r.data["year"])
            waiting.setdefault(key, []).append(r.data["number"])
    for (name, year), numbers in waiting.items():
        what = f"Записи № {_numbers(numbers)} ({name} класс, {year}) заверяю"
        teacher = _class_teacher(school, name, year)
        signs += [
            Signature("Классный руководитель", teacher, what),
            Signature("Директор школы", head, what),
        ]
    for r in entries:
        if r.type == ENTRY_TYPES[1]:
            what = f"Дубликат, запись № {r.data['number']}"
            signs.append(Signature("Директор школы", head, what))
    for c in corrections:
        what = f"Исправление в записи № {c.data['entry']}"
        signs.append(Signature("Директор школы", head, what))
    return tuple(signs)


def _class_teacher(school: School, name: str, year: str) -> str:
    for klass in school.classes.values():
        if klass.name == name and klass.year == year:
            return school.staff_name(klass.class_teacher)
    return ""


def _numbers(numbers: list[int]) -> str:
    """Entry numbers as runs: «1–24, 31»."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)


def _level_title(level: str) -> str:
    return "основном общем" if level == "basic" else "среднем общем"


def blank_text(blank: Mapping[str, str] | None) -> str:
    """A blank as printed: «09 0000123» (older form) or «10224000012345»."""
    if not blank:
        return DASH
    if blank["series"]:
        return f"{blank['series']} {blank['number']}"
    return blank["number"]


def _kind(d: Mapping[str, Any]) -> str:
    cause = CAUSES.get(d.get("cause", "lost"), "")  # the codec leaves out defaults
    why = f"{cause}: {d['reason']}" if cause else d["reason"]
    return f"дубликат записи № {d['original']} ({why})"


def _late(d: Mapping[str, Any]) -> str:
    late = d.get("late_reason")
    return f"аттестат (выдан позже списка класса: {late})" if late else "аттестат"


def _honours(d: Mapping[str, Any]) -> str:
    honours = []
    if d.get("with_honours"):
        honours.append("с отличием")
    if d.get("medal"):
        honours.append(MEDALS.get(d["medal"], d["medal"]))
    return ", ".join(honours) or DASH


def _recipient(received_by: str, person: Mapping[str, str]) -> str:
    who = RECIPIENTS.get(received_by, received_by)
    name = person.get("recipient_name")
    if name:
        who = f"{who}: {name}"
    document = person.get("proxy_document")
    return f"{who}, {document}" if document else who


def _value(field: str, value: str) -> str:
    if field == "issued_on":
        return day(value)
    if field == "received_by":
        return RECIPIENTS.get(value, value)
    return value


def _correction_text(c: Record) -> str:
    name = FIELDS.get(c.data["field"], c.data["field"])
    return f"{name}: {_value(c.data['field'], c.data['value'])} ({c.data['reason']})"
