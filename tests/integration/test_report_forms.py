"""The reports in the regulations' own forms (§7.3.3, §7.3.5, §7.3.6).

The summary statement is one table: a row per pupil with the period, year and
final grades under each subject and the council's decision beside them, or
«выбыл(а)» for a pupil who left; the attestat book keeps every column of
Приказ 546 and prints each class's certification with its signatures; a
subject taught in subgroups has a journal per subgroup with its teacher; a
wide period continues on further sheets; times are the school's, with the
signature block naming who signs each form.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest

from ledger.domain.attestat import Blank
from ledger.domain.attestation import Protocol
from ledger.domain.people import LeaveReason
from ledger.log import Sealer
from ledger.records.attestats import AttestatRequest
from ledger.records.journal import LessonInput, MarkInput
from projections.reports import ReportError, render
from projections.reports.check import check
from projections.reports.claim import read_claim
from tests.support.marked import IVANOV, SMIRNOVA, Marked, marked_school
from tests.support.reports import DECISION, NAME, rows_of, statement
from tests.support.school import (
    ISSUED_ON,
    WORK,
    SmallSchool,
    build,
    graduate,
    stock_blanks,
)
from tests.support.stores import Store

KUZNETSOV = "Кузнецов Олег Павлович"


def report(s: SmallSchool, name: str, fmt: str = "json", **params: str) -> Any:
    Sealer(s.app).seal()  # reports read up to the latest signed checkpoint
    body = render(s.app, name, params, fmt).body
    return json.loads(body) if fmt == "json" else body.decode()


@pytest.fixture
def marked(store: Store) -> Marked:
    return marked_school(store)


def test_the_summary_is_a_row_per_pupil_and_a_leaver_shows_the_order(
    marked: Marked,
) -> None:
    s = marked.s
    s.clock.set(date(2024, 11, 12))
    s.records.people.leave(
        s.pupils[2],
        on=date(2024, 11, 12),
        reason=LeaveReason.TRANSFERRED,
        order="№ 40-в от 12.11.2024",
        signed_by=s.signing("secretary"),
    )
    document = report(s, "summary", **{"class": "9А"})
    rows = statement(document)
    assert [(r["№"], r[NAME]) for r in rows] == [
        ("1", IVANOV),
        ("2", KUZNETSOV),
        ("3", SMIRNOVA),
    ]
    columns = document["tables"][0]["columns"]
    assert columns[-1] == DECISION
    maths = [c for c in columns if c.startswith("Математика: ")]
    assert maths == [
        "Математика: I ч.",
        "Математика: II ч.",
        "Математика: III ч.",
        "Математика: IV ч.",
        "Математика: год",
    ]
    assert [r["Математика: I ч."] for r in rows] == ["5", "н/а", "4"]
    assert rows[1][DECISION] == "выбыл(а) 12.11.2024, приказ № 40-в от 12.11.2024"
    assert rows[0][DECISION] == "—"  # no decision yet, and still at school
    assert ("Классный руководитель", "Сотрудник maths") in document["header"].items()
    html = report(s, "summary", "html", **{"class": "9А"})
    assert "Классный руководитель</span> ______________________ / " in html
    assert "Сотрудник maths" in html
    assert "Директор школы</span>" in html
    assert "Сотрудник director" in html
    assert "М. П." in html


def test_the_summary_carries_exam_and_final_grades_under_each_subject(
    store: Store,
) -> None:
    s = build(store)
    graduate(s, s.pupils[0])
    [ivanov, *_] = statement(report(s, "summary", **{"class": "9А"}))
    assert ivanov["Математика: экзамен"] == "5"
    assert ivanov["Математика: итоговая"] == "5"
    assert ivanov[DECISION].startswith("допущен к ГИА, протокол от 20.05.2025")


def test_the_attestat_book_keeps_every_column_and_prints_each_class_certification(
    store: Store,
) -> None:
    s = build(store)
    ivanov = s.pupils[0]
    graduate(s, ivanov)
    stock_blanks(s, "09 0000007")
    s.records.attestats.issue(
        class_id=s.klass("9А"),
        requests=[AttestatRequest(ivanov, Blank("09", "0000007"))],
        order=Protocol("45-о", ISSUED_ON),
        issued_on=ISSUED_ON,
        signed_by=s.signing("maths", "director"),
    )
    document = report(s, "attestat-book", level="basic")
    [entry] = rows_of(document, "Записи о выдаче")
    for column in (
        "№ записи",
        "Фамилия, имя, отчество выпускника",
        "Дата рождения",
        "Номер бланка аттестата",
        "Номер бланка приложения",
        "Русский язык",
        "Математика",
        "История",
        "Отличие, медаль",
        "Дата выдачи",
        "Получил",
        "Подпись получателя",
        "Исправления",
    ):
        assert column in entry
    assert entry["Дата выдачи"] == "25.06.2025"
    html = report(s, "attestat-book", "html", level="basic")
    assert "Записи № 1 (9А класс, 2024/2025) заверяю" in html
    assert html.count("М. П.") == 1
    s.records.attestats.certify(
        class_id=s.klass("9А"),
        certified_on=ISSUED_ON,
        signed_by=s.signing("maths", "director"),
    )
    html = report(s, "attestat-book", "html", level="basic")
    assert "Записи № 1 (9А класс, 2024/2025) заверены 25.06.2025" in html
    assert re.search(
        r"Классный руководитель</span> _+ / <span class=\"name\">"
        r"Сотрудник maths",
        html,
    )
    assert "Сотрудник director" in html
    # the wide table continues on further sheets, each repeating the graduate
    assert 'Записи о выдаче <span class="sheet-number">(лист 1 из 2)' in html
    assert "(лист 2 из 2, продолжение)" in html
    printed = html.split('<script type="application/json"')[0]  # not the JSON
    assert printed.count(IVANOV) == 2


def english_lessons(s: SmallSchool, count: int) -> None:
    """``count`` English lessons of subgroup 1 (Иванов, Смирнова) from 2 September."""
    ivanov, smirnova, _ = s.pupils
    day = date(2024, 9, 2)
    entries: list[LessonInput] = []
    while len(entries) < count:
        if day.weekday() < 5:
            entries.append(
                LessonInput(
                    s.klass("9А"),
                    "eng",
                    day,
                    f"Unit {len(entries) + 1}",
                    subgroup="1",
                    marks=(
                        MarkInput(ivanov, "5", WORK),
                        MarkInput(smirnova, "4", WORK),
                    ),
                )
            )
        day += timedelta(days=1)
    s.clock.set(day)
    s.records.journal.record_lessons(entries, signed_by=s.signing("english"))


def test_a_subgroup_has_its_own_journal_with_its_teacher_and_continuation_sheets(
    store: Store,
) -> None:
    s = build(store)
    english_lessons(s, 25)
    params = {"class": "9А", "subject": "eng", "period": "Q1"}
    document = report(s, "journal", **params)
    header = document["header"]
    assert header["Учитель (подгруппа 1)"] == "Сотрудник english"
    grid = rows_of(document, "Отметки и посещаемость: подгруппа 1")
    assert [r["Обучающийся"] for r in grid] == [IVANOV, SMIRNOVA]  # not Кузнецов
    # headed by the date alone (no «гр.1»); «*»: entered later than the lesson
    assert [r["02.09"] for r in grid] == ["5*", "4*"]
    assert list(grid[0])[-1] == "Отметка за период (I четверть)"
    html = report(s, "journal", "html", **params)
    assert "(лист 1 из 2)" in html
    assert "(лист 2 из 2, продолжение)" in html
    printed = html.split('<script type="application/json"')[0]  # not the JSON
    assert printed.count(SMIRNOVA) == 2  # the pupils' column on every sheet
    assert "Подгруппа 1" in html
    assert "Учитель</span> ______________________ / " in html
    one = report(s, "journal", **params, subgroup="1")
    assert one["title"].endswith(", подгруппа 1")
    with pytest.raises(
        ReportError, match=r"subgroup '2' has no lessons .* subgroups: 1"
    ):
        render(s.app, "journal", {**params, "subgroup": "2"}, "json")


def test_times_print_in_the_schools_zone(marked: Marked) -> None:
    page = report(
        marked.s, "journal", **{"class": "9А", "subject": "math", "period": "Q1"}
    )
    [correction, void] = rows_of(page, "Исправления и аннулирования записей")
    assert correction["Когда"] == "04.10.2024 15:00 (МСК)"  # signed at 12:00 UTC
    assert void["Действие"] == "аннулировано"
    assert "Когда (UTC)" not in json.dumps(page, ensure_ascii=False)


def test_the_attestation_protocol_is_signed_by_the_teacher_and_the_director(
    marked: Marked,
) -> None:
    s = marked.s
    ivanov, smirnova, kuznetsov = s.pupils
    empty = report(s, "attestation-protocol", **{"class": "9А"})
    assert [t["title"] for t in empty["tables"]] == [
        "Результаты промежуточной аттестации: записей нет (9А, 2024/2025)"
    ]
    s.clock.set(date(2025, 5, 27))
    s.records.attestation.record_intermediate_attestation(
        class_id=s.klass("9А"),
        subject="math",
        form="годовая отметка",
        protocol=Protocol("7", date(2025, 5, 27)),
        results={ivanov: "5", smirnova: "4", kuznetsov: "4"},
        signed_by=s.signing("maths"),
    )
    html = report(s, "attestation-protocol", "html", **{"class": "9А"})
    assert "Учитель (Математика)</span> ______________________ / " in html
    assert html.count("М. П.") == 1
    assert "Сотрудник maths" in html
    assert "Сотрудник director" in html
    assert "Подпись ___" not in html


def test_a_statement_printed_on_several_sheets_is_checked_as_one_table(
    marked: Marked,
) -> None:
    s = marked.s
    html = report(s, "summary", "html", **{"class": "9А"})
    assert "(лист 2 из" in html
    assert check(s.app, read_claim(html.encode())).matches
    # Смирнова's I quarter grade in mathematics (a 4) printed as 5: named
    columns = report(s, "summary", **{"class": "9А"})["tables"][0]["columns"]
    cell = f'<td data-column="{columns.index("Математика: I ч.")}">'
    assert html.count(f"{cell}4</td>") == 1
    forged = html.replace(f"{cell}4</td>", f"{cell}5</td>")
    outcome = check(s.app, read_claim(forged.encode()))
    assert not outcome.matches
    assert any(
        "Математика: I ч.: в файле 5, по журналу 4" in d for d in outcome.differences
    )
