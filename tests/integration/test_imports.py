"""Imports from spreadsheets on SQLite and PostgreSQL: a filled template gives
the records (read back), CSV and ODS too; every bad row is listed with its
sheet, row and column, and nothing is written (the stored rows unchanged)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from api.imports import ImportRefusedError, run_import
from api.imports.run import sha256_of
from ledger.domain.classes import SchoolClass
from ledger.domain.exams import ExamSheet
from ledger.domain.ids import class_id, exam_sheet_id, lesson_id, staff_id
from ledger.domain.journal import ImportSource, Lesson
from ledger.domain.people import PersonalFile
from tests.support import rawsql
from tests.support.school import TEST, WORK, YEAR, SmallSchool, admit, build
from tests.support.sheets import (
    filled_template,
    headers,
    write_csv,
    write_ods,
)
from tests.support.stores import Store

MON, TUE = date(2024, 9, 2), date(2024, 9, 3)
SATURDAY, AUTUMN_BREAK = date(2024, 9, 7), date(2024, 10, 28)


@pytest.fixture
def school(store: Store) -> SmallSchool:
    return build(store)


def files(s: SmallSchool) -> list[str]:
    """The personal file numbers of 9А's pupils (and 9Б's) in enrolment order."""
    ctx = s.records.context
    assert s.other_pupil is not None
    found = [ctx.view(PersonalFile, p) for p in [*s.pupils, s.other_pupil]]
    return [f.personal_file for f in found if f is not None]


def refused(
    s: SmallSchool, kind: str, path: Path, signer: str, source_name: str | None = None
) -> ImportRefusedError:
    """The import's refusal, having proved that nothing was written."""
    before = rawsql.rows(s.store.url, s.store.admin_url)
    with pytest.raises(ImportRefusedError) as caught:
        run_import(
            kind, path, s.records, s.signing(signer), year=YEAR, source_name=source_name
        )
    assert rawsql.rows(s.store.url, s.store.admin_url) == before
    return caught.value


def where(error: ImportRefusedError) -> set[tuple[int, str]]:
    return {(p.row, p.column) for p in error.problems}


def test_filled_templates_give_staff_classes_and_imported_marks(
    school: SmallSchool, tmp_path: Path
) -> None:
    s, ctx = school, school.records.context
    staff = filled_template(
        "staff", tmp_path / "staff.xlsx", [["Т-101", "учитель физики", "Петров П. П."]]
    )
    done = run_import("staff", staff, s.records, s.signing("secretary"))
    assert done.written == 1
    assert ctx.staff_exists(staff_id(s.school, "Т-101"))
    classes = filled_template("classes", tmp_path / "c.xlsx", [["5 а", "Т-101"]])
    run_import("classes", classes, s.records, s.signing("deputy"), year=YEAR)
    opened = ctx.view(SchoolClass, class_id(s.school, YEAR, "5А"))
    assert opened is not None
    assert opened.class_teacher == staff_id(s.school, "Т-101")
    ivanov, smirnova, kuznetsov, _ = files(s)
    journal = filled_template(
        "marks",
        tmp_path / "journal.xlsx",
        [
            ["9А", "math", None, MON, 1, "Повторение", "№ 1", ivanov, "5", WORK],
            [
                "9А",
                "Математика",
                None,
                MON,
                1,
                "Повторение",
                "№ 1",
                smirnova,
                "н",
                None,
            ],
            ["9А", "math", None, MON, 1, "Повторение", "№ 1", kuznetsov, "4", TEST],
            ["9А", "math", None, MON, 2, "Дроби", None, ivanov, "3", WORK],
            ["9А", "math", None, TUE, 1, "Уравнения", None, None, None, None],
        ],
    )
    done = run_import("marks", journal, s.records, s.signing("maths"), year=YEAR)
    assert (done.rows, done.written) == (5, 3)
    ctx.begin()  # a read after others appended (the import's own context)
    first = lesson_id(s.klass("9А"), "math", None, MON, 1)
    lesson = ctx.view(Lesson, first)
    assert lesson is not None
    assert sorted(e.value for e in lesson.entries.values()) == ["4", "5", "н"]
    held = next(iter(s.app.events.get(first)))
    assert held.imported == ImportSource("journal.xlsx", sha256_of(journal))  # type: ignore[attr-defined]
    assert ctx.exists(lesson_id(s.klass("9А"), "math", None, TUE, 1))


def test_pupils_from_csv_and_teaching_from_ods(
    school: SmallSchool, tmp_path: Path
) -> None:
    s, ctx = school, school.records.context
    pupils = write_csv(
        tmp_path / "pupils.csv",
        [
            headers("pupils"),
            [
                "Абрамова",
                "Мария",
                "Олеговна",
                date(2009, 4, 1),
                "Ж",
                "",
                "Россия",
                "9Б",
                date(2024, 9, 1),
                "№ 14-у от 30.08.2024",
            ],
            [
                "Борисов",
                "Илья",
                "",
                date(2009, 7, 9),
                "М",
                "112-233-445 95",
                "",
                "9Б",
                date(2024, 9, 1),
                "№ 14-у от 30.08.2024",
            ],
        ],
    )
    done = run_import("pupils", pupils, s.records, s.signing("secretary"), year=YEAR)
    assert done.written == 2
    keys = ctx.identities()
    abramova = ctx.view(PersonalFile, _file_stream(s, "А-1"))
    assert abramova is not None
    assert keys.open(str(abramova.id), abramova.enc)["surname"] == "Абрамова"
    teaching = write_ods(
        tmp_path / "teaching.ods",
        [headers("teaching"), ["9Б", "История", "history", MON, "", ""]],
    )
    run_import("teaching", teaching, s.records, s.signing("deputy"), year=YEAR)
    klass = ctx.view(SchoolClass, s.klass("9Б"))
    assert klass is not None
    assert klass.teacher_on("hist", None, MON) == s.staff("history")


def _file_stream(s: SmallSchool, number: str):  # type: ignore[no-untyped-def]
    from ledger.domain.ids import personal_file_id

    return personal_file_id(s.school, number)


def test_exam_results_by_name_and_birth_date(
    school: SmallSchool, tmp_path: Path
) -> None:
    s = school
    admit(s, s.pupils[0])
    s.clock.set(date(2025, 6, 20))
    protocol = write_csv(
        tmp_path / "rcoi.csv",
        [
            headers("exams"),
            [
                "",
                "Иванов",
                "Пётр",
                "Сергеевич",
                "01.03.2009",
                "9А",
                "ОГЭ",
                "Русский язык",
                "27.05.2025",
                "30",
                "",
                "5",
                "РЦОИ-17",
                "10.06.2025",
                "РЦОИ Республики Татарстан",
            ],
        ],
        delimiter=",",
        bom=False,
    )
    run_import("exams", protocol, s.records, s.signing("importer"), year=YEAR)
    sheet = s.records.context.view(ExamSheet, exam_sheet_id(s.pupils[0], YEAR))
    assert sheet is not None
    assert sheet.latest()["rus"].mark == "5"


def test_every_bad_journal_row_is_listed_and_nothing_written(
    school: SmallSchool, tmp_path: Path
) -> None:
    s = school
    ivanov, _, _, orlova = files(s)
    ok = ["9А", "math", None, MON, 1, "Тема", None]
    journal = filled_template(
        "marks",
        tmp_path / "bad.xlsx",
        [
            [*ok, ivanov, "5", WORK],  # row 2: fine
            [*ok, ivanov, "6", WORK],  # 3: unknown grade
            [*ok, orlova, "5", WORK],  # 4: a pupil not in the class
            [*ok, ivanov, "5", WORK],  # 5: a duplicate
            ["9Я", "math", None, TUE, 1, "Тема", None, ivanov, "5", WORK],  # 6
            ["9А", "chem", None, TUE, 1, "Тема", None, ivanov, "5", WORK],  # 7
            ["9А", "math", None, date(2024, 8, 30), 1, "Т", None, None, None, None],
            ["9А", "math", None, SATURDAY, 1, "Т", None, None, None, None],  # 9
            ["9А", "math", None, AUTUMN_BREAK, 1, "Т", None, None, None, None],
            ["9А", "rus", None, TUE, 1, "Т", None, ivanov, "5", WORK],  # 11: not his
            ["9А", "math", None, date(2024, 9, 4), 1, "Т", None, ivanov, "5", "=A1"],
            ["9А", "math", None, date(2024, 9, 5), 1, "Т", None, ivanov, "5", WORK],
        ],
    )
    book = load_workbook(journal)
    book.worksheets[0].merge_cells("H13:I13")
    book.save(journal)
    error = refused(s, "marks", journal, "maths")
    assert where(error) >= {
        (3, "Отметка"),
        (4, "Личное дело"),
        (5, "Отметка"),
        (6, "Класс"),
        (7, "Предмет"),
        (8, "Дата"),
        (9, "Дата"),
        (10, "Дата"),
        (11, "Предмет"),
        (12, "Вид работы"),
        (13, "Личное дело"),
    }
    assert 2 not in {p.row for p in error.problems}
    grade = next(p for p in error.problems if p.row == 3)
    assert grade.sheet == "Журнал"
    assert "5, 4, 3, 2" in grade.message
    assert "формула" in next(p for p in error.problems if p.row == 12).message
    merged = [p for p in error.problems if "объединённые" in p.message]
    assert [(p.row, p.column) for p in merged] == [(13, "Личное дело")]


def test_wrong_header_unknown_teacher_duplicates_and_ods_flaws(
    school: SmallSchool, tmp_path: Path
) -> None:
    s = school
    wrong = write_csv(tmp_path / "staff.csv", [["Номер", "Должность"], ["1", "x"]])
    error = refused(s, "staff", wrong, "secretary")
    assert where(error) == {(1, "Табельный номер"), (1, "ФИО")}
    staff = filled_template(
        "staff",
        tmp_path / "staff.xlsx",
        [["Т-1", "учитель", "А"], ["Т-1", "учитель", "Б"], ["maths", "учитель", "В"]],
    )
    assert where(refused(s, "staff", staff, "secretary")) == {
        (3, "Табельный номер"),
        (4, "Табельный номер"),
    }
    classes = filled_template(
        "classes", tmp_path / "c.xlsx", [["5А", "нет-такого"], ["12Ж", "maths"]]
    )
    assert where(refused(s, "classes", classes, "deputy")) == {
        (2, "Классный руководитель (табельный номер)"),
        (3, "Класс"),
    }
    teaching = write_ods(
        tmp_path / "t.ods",
        [
            headers("teaching"),
            ["9Б", "history", ("=", "1+1", 2), MON, "", ""],
            [("merge", "9Б"), "covered", "history", MON, "", ""],
        ],
        name="Нагрузка",
    )
    error = refused(s, "teaching", teaching, "deputy")
    assert where(error) == {
        (2, "Учитель (табельный номер)"),
        (3, "Класс"),
        (3, "Предмет"),
    }
    assert {p.sheet for p in error.problems} == {"Нагрузка"}


def test_marks_of_a_closed_period_are_refused(
    school: SmallSchool, tmp_path: Path
) -> None:
    s = school
    s.clock.set(date(2024, 11, 6))
    s.records.closing.close_period(
        year=YEAR, period="Q1", class_id=s.klass("9А"), signed_by=s.signing("deputy")
    )
    ivanov = files(s)[0]
    journal = filled_template(
        "marks",
        tmp_path / "q1.xlsx",
        [
            ["9А", "math", None, MON, 1, "Тема", None, ivanov, "5", WORK],
            ["9А", "math", None, date(2024, 11, 5), 1, "Тема", None, ivanov, "4", WORK],
        ],
    )
    error = refused(s, "marks", journal, "maths")
    assert where(error) == {(2, "Дата")}
    assert "closed period" in error.problems[0].message
