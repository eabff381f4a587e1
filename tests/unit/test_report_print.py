"""The wide forms printed on A4 landscape lose no column.

Reports of the demo school's widest shapes (a ninth grade's summary statement
with every subject's periods, exam and final grade; the basic attestat book
with 24 subjects; a journal period of 110 lessons) go through the real HTML
renderer and WeasyPrint; the PDF's text, read back with pypdf with where each
piece is drawn, must hold every column heading, inside the page.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from projections.reports import book, journal, summary
from projections.reports.model import Layout, Provenance, Report, Signature, Table
from projections.reports.render import to_html

weasyprint = pytest.importorskip("weasyprint")
pypdf = pytest.importorskip("pypdf")

SUBJECTS = (
    "Русский язык",
    "Литература",
    "Иностранный язык (английский)",
    "Математика",
    "Алгебра",
    "Геометрия",
    "Вероятность и статистика",
    "Информатика",
    "История",
    "Обществознание",
    "География",
    "Биология",
    "Физика",
    "Химия",
    "Изобразительное искусство",
    "Музыка",
    "Труд (технология)",
    "Основы безопасности и защиты Родины",
    "Физическая культура",
    "Родной язык (русский)",
    "Литературное чтение на родном языке",
    "Второй иностранный язык (немецкий)",
    "Астрономия",
    "Индивидуальный проект",
)
PERIODS = ("I ч.", "II ч.", "III ч.", "IV ч.", "год", "экзамен", "итоговая")
PUPILS = tuple(
    f"{surname} {name} Владимирович"
    for surname, name in (
        ("Хабибуллин", "Константин"),
        ("Колесников", "Александр"),
        ("Никифоров", "Даниил"),
        ("Иванов", "Пётр"),
        ("Тимофеев", "Алексей"),
        ("Лебедев", "Степан"),
    )
)
DECISION = (
    "допущен к ГИА, протокол от 28.05.2026 № 16; выдан аттестат об основном "
    "общем образовании с отличием, протокол от 24.06.2026 № 37"
)
PROVENANCE = Provenance("letopis.example/school-131", 108538, "cm9vdA==", None, 108538)


@dataclass(frozen=True)
class Drawn:
    """A piece of text on a printed page and where it starts (points)."""

    page: int
    text: str
    x: float
    width: float


def printed(report: Report) -> list[Drawn]:
    pdf = weasyprint.HTML(string=to_html(report).decode()).write_pdf()
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    drawn: list[Drawn] = []
    for n, page in enumerate(reader.pages, 1):
        width = float(page.mediabox.width)

        def seen(text: str, cm: list[float], tm: list[float], *_: object) -> None:
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                drawn.append(Drawn(n, text.strip(), x, width))  # noqa: B023

        page.extract_text(visitor_text=seen)
    return drawn


#: spaces, line breaks and the hyphens a narrow heading is broken with
BREAKS = re.compile(r"[\s\-\u2010\u00ad]")


def compact(text: str) -> str:
    return BREAKS.sub("", text)


def heading_words(heading: str) -> Iterator[str]:
    """The words of a heading (of a grouped column, the part under its group)."""
    for word in heading.split(": ")[-1].split():
        yield compact(word)


def assert_every_heading_printed_inside_the_page(
    report: Report, drawn: list[Drawn]
) -> None:
    outside = [d for d in drawn if not 0 <= d.x < d.width]
    assert outside == [], f"text drawn beyond the page: {outside[:5]}"
    text = compact(" ".join(d.text for d in drawn))
    for table in report.tables:
        for heading in table.columns:
            for word in heading_words(heading):
                assert word in text, (table.title, heading, word)


def test_the_summary_statement_of_a_ninth_grade_prints_every_column() -> None:
    groups = tuple((name, len(PERIODS)) for name in SUBJECTS)
    columns = tuple(f"{s}: {p}" for s in SUBJECTS for p in PERIODS)
    report = Report(
        name="summary",
        title="Сводная ведомость учета успеваемости обучающихся 9А класса",
        header=(("Класс", "9А"),),
        tables=(
            Table(
                "Сводная ведомость",
                (
                    "№",
                    "Фамилия, имя, отчество обучающегося",
                    *columns,
                    summary.DECISION,
                ),
                tuple(
                    (str(n), name, *("5¹" for _ in columns), DECISION)
                    for n, name in enumerate(PUPILS, 1)
                ),
                summary.statement_layout(groups),
            ),
        ),
        provenance=PROVENANCE,
        landscape=True,
        signatures=(Signature("Классный руководитель", "Карпова Анна Павловна"),),
        seal=True,
    )
    drawn = printed(report)
    assert_every_heading_printed_inside_the_page(report, drawn)
    text = compact(" ".join(d.text for d in drawn))
    for name in SUBJECTS:  # the group headings over each subject's columns
        assert compact(name) in text
    # the pupils' names are repeated on every sheet of the statement
    sheets = report.tables[0].sheets()
    assert len(sheets) > 1
    on_pages = {d.page for d in drawn if "Хабибуллин" in d.text}
    assert len(on_pages) >= len(sheets)


def test_the_attestat_book_prints_every_subject_and_the_issue_columns() -> None:
    columns = (
        "№ записи",
        "Фамилия, имя, отчество выпускника",
        "Вид записи",
        "Класс",
        "Год",
        "Дата рождения",
        "Номер бланка аттестата",
        "Номер бланка приложения",
        *SUBJECTS,
        "Отличие, медаль",
        "Дата выдачи",
        "Приказ",
        "Решение педсовета",
        "Получил",
        "Подпись получателя",
        "Исправления",
        "Событие",
    )
    row = (
        "аттестат",
        "9А",
        "2025/2026",
        "18.10.2010",
        "11624251013101",
        "11624256013101",
        *("5" for _ in SUBJECTS),
        "с отличием",
        "27.06.2026",
        "от 26.06.2026 № 117-о",
        "от 24.06.2026 № 37",
        "по доверенности: Иванова Мария Петровна, доверенность № 12",
        "________",
        "дата выдачи: 28.06.2026 (ошибка при заполнении)",
        "15467b6f-1cab-592e-bd1d-f4751557ff30:16",
    )
    report = Report(
        name="attestat-book",
        title="Книга для учёта и записи выданных аттестатов",
        header=(),
        tables=(
            Table(
                "Записи о выдаче",
                columns,
                tuple((str(n), name, *row) for n, name in enumerate(PUPILS, 1)),
                book.entries_layout(len(SUBJECTS)),
            ),
        ),
        provenance=PROVENANCE,
        landscape=True,
    )
    drawn = printed(report)
    assert_every_heading_printed_inside_the_page(report, drawn)
    text = compact(" ".join(d.text for d in drawn))
    for heading in ("Изобразительноеискусство", "Отличие", "Получил", "Исправления"):
        assert heading in text


def test_a_journal_period_of_110_lessons_continues_on_further_sheets() -> None:
    lessons = tuple(f"{d:02d}.{m:02d}" for m in (9, 10, 11, 12) for d in range(1, 29))
    lessons = lessons[:110]
    report = Report(
        name="journal",
        title="Классный журнал: 10А, Алгебра, I полугодие",
        header=(),
        tables=(
            Table(
                "Отметки и посещаемость",
                (
                    "№",
                    "Обучающийся",
                    *lessons,
                    "Средний балл (взвешенный)",
                    "Отметка за период (I полугодие)",
                ),
                tuple(
                    (str(n), name, *("3→4*" for _ in lessons), "4,33", "4 (было 3)")
                    for n, name in enumerate(PUPILS, 1)
                ),
                journal.marks_layout(len(lessons)),
            ),
        ),
        provenance=PROVENANCE,
        landscape=True,
    )
    drawn = printed(report)
    assert_every_heading_printed_inside_the_page(report, drawn)
    sheets = report.tables[0].sheets()
    assert len(sheets) >= 5
    assert all(s.columns[:2] == (0, 1) for s in sheets)
    assert compact("4 (было 3)") in compact(" ".join(d.text for d in drawn))


def test_a_table_without_a_layout_stays_one_sheet() -> None:
    table = Table("Уроки", ("Дата", "Тема"), (("01.09.2025", "Введение"),))
    assert [s.columns for s in table.sheets()] == [(0, 1)]


def test_sheets_keep_groups_whole_and_repeat_the_fixed_columns() -> None:
    table = Table(
        "t",
        ("№", "ФИО", "a1", "a2", "b1", "b2", "b3", "c"),
        (),
        Layout(fixed=2, groups=(("A", 2), ("B", 3), ("", 1)), budget=4),
    )
    sheets = table.sheets()
    assert [s.columns for s in sheets] == [(0, 1, 2, 3), (0, 1, 4, 5, 6, 7)]
    assert [s.groups for s in sheets] == [(("A", 2),), (("B", 3), ("", 1))]
    assert [(s.number, s.count) for s in sheets] == [(1, 2), (2, 2)]


def test_a_group_wider_than_a_sheet_is_split_and_named_on_each_sheet() -> None:
    table = Table(
        "t",
        ("№", "x1", "x2", "x3", "x4", "x5"),
        (),
        Layout(fixed=1, groups=(("X", 5),), budget=2),
    )
    sheets = table.sheets()
    assert [s.columns for s in sheets] == [(0, 1, 2), (0, 3, 4), (0, 5)]
    assert [s.groups for s in sheets] == [(("X", 2),), (("X", 2),), (("X", 1),)]


def test_wide_columns_count_by_their_width() -> None:
    table = Table(
        "t",
        ("№", "a", "b", "decision"),
        (),
        Layout(fixed=1, budget=4, widths=(1, 1, 3)),
    )
    assert [s.columns for s in table.sheets()] == [(0, 1, 2), (0, 3)]
