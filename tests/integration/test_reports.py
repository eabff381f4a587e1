"""Reports against hand-computed expectations, on SQLite and PostgreSQL.

The small school of ``tests/support/school.py`` gets a marked journal in 9А
mathematics (weights 1, 2, 3; a correction, a void, an absence), Q1 grades,
an attestat with a duplicate and a book correction, and a withdrawn
achievement; each report is read back as JSON and compared with what was
worked out by hand below. Pupils, alphabetically: Иванов Пётр (И-1),
Кузнецов Олег (К-1), Смирнова Анна (С-1).
"""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any

import pytest

from ledger.domain.attestat import Blank
from ledger.domain.attestation import Protocol
from ledger.domain.portfolio import AchievementKind, AchievementLevel, AchievementResult
from ledger.domain.school import Level
from ledger.keys.personal import DataKeyStore
from ledger.log import LogStore, Sealer, StoredTree
from ledger.records.attestats import AttestatRequest
from ledger.records.journal import MarkInput
from projections.reports import AsOf, ReportError, Reports, render
from tests.support.marked import (
    IVANOV,
    KUZNETSOV,
    SELF_STUDY,
    SMIRNOVA,
    Marked,
    lesson_on,
    marked_school,
)
from tests.support.reports import DECISION, NAME, statement
from tests.support.school import (
    ISSUED_ON,
    TEST,
    WORK,
    build,
    graduate,
    stock_blanks,
)
from tests.support.stores import PASSPHRASE, Store


def report(app: Any, name: str, as_of: AsOf | None = None, /, **params: str) -> Any:
    rendered = render(app, name, params, "json", as_of)
    return json.loads(rendered.body)


def table(document: Any, title: str) -> list[list[str]]:
    for t in document["tables"]:
        if t["title"] == title:
            return list(t["rows"])
    raise AssertionError(f"no table {title!r}")


@pytest.fixture
def marked(store: Store) -> Marked:
    return marked_school(store)


def test_journal_page_shows_weighted_averages_and_corrections(marked: Marked) -> None:
    page = report(
        marked.s.app, "journal", **{"class": "9А", "subject": "math"}, period="Q1"
    )
    grid = table(page, "Отметки и посещаемость")
    assert page["tables"][0]["columns"] == [
        "№",
        "Обучающийся",
        "01.10",
        "02.10",
        "03.10",
        "Средний балл (взвешенный)",
        "Отметка за период (I четверть)",
    ]
    # Иванов: (5·1 + 5·2 + 4·3) / 6 = 27/6 = 4.50; Смирнова: 4·1 / 1 = 4.00
    assert grid == [
        ["1", IVANOV, "5", "3→5", "4", "4,50", "5"],
        ["2", KUZNETSOV, "н", "", "", "—", "н/а"],
        ["3", SMIRNOVA, "4", "(2) анн.", "", "4,00", "4"],
    ]
    changes = table(page, "Исправления и аннулирования записей")
    assert [(c[1], c[3], c[4], c[5]) for c in changes] == [
        (IVANOV, "3", "исправлено на 5", "описка"),
        (SMIRNOVA, "2", "аннулировано", "ошибочно"),
    ]
    assert {c[6] for c in changes} == {"Учитель математики, таб. № maths"}
    assert changes[0][2].endswith(":2")  # the second event of the lesson
    assert changes[1][2].endswith(":3")


def test_as_of_a_date_before_the_correction_shows_the_marks_as_they_were(
    marked: Marked,
) -> None:
    page = report(
        marked.s.app,
        "journal",
        AsOf(date=date(2024, 10, 3)),
        **{"class": "9А", "subject": "math", "period": "Q1"},
    )
    # before: Иванов (5·1 + 3·2 + 4·3) / 6 = 23/6 = 3.83; Смирнова (4 + 2·3) / 4 = 2.50
    assert [row[2:] for row in table(page, "Отметки и посещаемость")] == [
        ["5", "3", "4", "3,83", "—"],
        ["н", "", "", "—", "—"],
        ["4", "2", "", "2,50", "—"],
    ]
    assert table(page, "Исправления и аннулирования записей") == []
    assert page["provenance"]["as_of_date"] == "2024-10-03"
    assert page["provenance"]["time_zone"] == "Europe/Moscow"


def test_as_of_a_tree_size_names_that_checkpoint_or_the_computed_root(
    marked: Marked,
) -> None:
    app, size = marked.s.app, marked.before_correction
    params = {"class": "9А", "subject": "math", "period": "Q1"}
    signed = report(app, "journal", AsOf(tree_size=size), **params)
    assert table(signed, "Отметки и посещаемость")[0][2:5] == ["5", "3", "4"]
    provenance = signed["provenance"]
    assert provenance["tree_size"] == size
    assert provenance["checkpoint"].splitlines()[1] == str(size)
    root = StoredTree(LogStore(app.recorder)).root(size - 1)
    unsigned = report(app, "journal", AsOf(tree_size=size - 1), **params)["provenance"]
    assert unsigned["checkpoint"] is None
    assert unsigned["root"] == base64.b64encode(root).decode()
    assert any("proof consistency" in c for c in unsigned["verify"])


def test_a_report_holds_only_what_the_latest_checkpoint_covers(marked: Marked) -> None:
    s = marked.s
    lesson_on(s, date(2024, 11, 5), MarkInput(s.pupils[0], "2", WORK))
    params = {"class": "9А", "subject": "math", "period": "Q2"}
    unsealed = report(s.app, "journal", **params)
    assert unsealed["tables"][0]["columns"][2:3] == ["Средний балл (взвешенный)"]
    assert unsealed["provenance"]["tree_size"] == marked.after_grades
    Sealer(s.app).seal()
    sealed = report(s.app, "journal", **params)
    assert table(sealed, "Отметки и посещаемость")[0][2:4] == ["2", "2,00"]


def test_diary_lists_a_pupils_marks_with_history(marked: Marked) -> None:
    diary = report(marked.s.app, "diary", pupil="и-1")
    assert [
        (r[0], r[3], r[4], r[5], r[6]) for r in table(diary, "Отметки и посещаемость")
    ] == [
        ("01.10.2024", "5", WORK, "1", ""),
        ("02.10.2024", "3→5", SELF_STUDY, "2", "описка"),
        ("03.10.2024", "4", TEST, "3", ""),
    ]
    assert table(diary, "Отметки за периоды") == [
        ["Математика", "5", "—", "—", "—", "—", "4,50"]
    ]


def test_a_destroyed_data_key_shows_a_placeholder(marked: Marked) -> None:
    keys = DataKeyStore.in_key_directory(marked.s.store.keys, PASSPHRASE)
    keys.destroy(str(marked.s.pupils[2]))  # Кузнецов
    page = report(marked.s.app, "summary", **{"class": "9А"})
    names = [row[NAME] for row in statement(page)]
    assert names == [IVANOV, SMIRNOVA, "данные удалены (л/д К-1)"]


BAD_PARAMETERS = [
    ("journal", {"class": "9В", "subject": "math", "period": "Q1"}, r"es: 1А, 9А, 9Б$"),
    (
        "journal",
        {"class": "9А", "subject": "art", "period": "Q1"},
        r"math \(Математика",
    ),
    ("journal", {"class": "9А", "subject": "math", "period": "Q5"}, r"Q4 \(IV четв"),
    ("summary", {"class": "9А", "year": "2030/2031"}, r"years: 2024/2025"),
    ("diary", {"pupil": "Я-9"}, r"personal files: И-1, К-1, О-1, С-1$"),
    ("attestat-book", {"level": "higher"}, r"levels: basic, secondary"),
    ("portfolio", {"pupil": "И-1", "colour": "red"}, r"it takes: pupil, year"),
    ("personal-file", {}, r"needs pupil"),
    ("register", {}, r"reports: journal, diary, summary, attestation-protocol"),
]


def test_bad_parameters_name_what_exists(marked: Marked) -> None:
    for name, params, message in BAD_PARAMETERS:
        with pytest.raises(ReportError, match=message):
            render(marked.s.app, name, params, "html")
    with pytest.raises(ReportError, match=r"formats: html, csv, json, pdf"):
        render(marked.s.app, "summary", {"class": "9А"}, "docx")


def test_as_of_points_beyond_the_log_are_refused(marked: Marked) -> None:
    app = marked.s.app
    params = {"class": "9А"}
    with pytest.raises(ReportError, match=rf"allowed: 1 to {marked.after_grades}"):
        render(app, "summary", params, "json", AsOf(tree_size=marked.after_grades + 1))
    with pytest.raises(ReportError, match=r"ends on 2024-10-28 \(school time"):
        render(app, "summary", params, "json", AsOf(date=date(2024, 10, 29)))


def test_book_marks_duplicates_and_corrections_with_their_entry(store: Store) -> None:
    s = build(store)
    ivanov = s.pupils[0]
    graduate(s, ivanov)
    stock_blanks(s, "09 0000007", "09 0000010")
    s.records.attestats.issue(
        class_id=s.klass("9А"),
        requests=[AttestatRequest(ivanov, Blank("09", "0000007"))],
        order=Protocol("45-о", ISSUED_ON),
        issued_on=ISSUED_ON,
        signed_by=s.signing("maths", "director"),
    )
    s.records.attestats.correct_entry(
        level=Level.BASIC,
        entry=1,
        field="received_by",
        value="guardian",
        reason="получила мать",
        signed_by=s.signing("director"),
    )
    s.clock.set(date(2025, 7, 1))
    s.records.attestats.issue_duplicate(
        level=Level.BASIC,
        original=1,
        blank=Blank("09", "0000010"),
        reason="утрата оригинала",
        order=Protocol("50-о", date(2025, 7, 1)),
        issued_on=date(2025, 7, 1),
        signed_by=s.signing("secretary", "director"),
    )
    Sealer(s.app).seal()
    book = report(s.app, "attestat-book", level="basic")
    columns = book["tables"][0]["columns"]
    rows = [dict(zip(columns, r, strict=True)) for r in table(book, "Записи о выдаче")]
    assert [
        (r["№ записи"], r["Вид записи"], r["Номер бланка аттестата"]) for r in rows
    ] == [
        ("1", "аттестат", "09 0000007"),
        ("2", "дубликат записи № 1 (утрата: утрата оригинала)", "09 0000010"),
    ]
    assert [r["Фамилия, имя, отчество выпускника"] for r in rows] == [IVANOV, IVANOV]
    assert [r["Дата рождения"] for r in rows] == ["01.03.2009", "01.03.2009"]
    assert [(r["Русский язык"], r["Математика"], r["История"]) for r in rows] == [
        ("5", "5", "5"),
        ("5", "5", "5"),
    ]
    assert (
        rows[0]["Исправления"]
        == "получатель: родитель (законный представитель) (получила мать)"
    )
    assert rows[0]["Решение педсовета"] == "от 20.06.2025 № 9"
    corrections = table(book, "Исправления записей (заверены директором)")
    assert [c[:4] for c in corrections] == [
        ["1", "получатель", "родитель (законный представитель)", "получила мать"]
    ]
    summary = report(s.app, "summary", **{"class": "9А"})
    first = statement(summary)[0]
    assert (first["№"], first[NAME], first[DECISION]) == (
        "1",
        IVANOV,
        "допущен к ГИА, протокол от 20.05.2025 № 7; выдан аттестат об основном "
        "общем образовании, протокол от 20.06.2025 № 9",
    )
    finals = {k: v for k, v in first.items() if k.endswith(": итоговая")}
    assert list(finals.values()) == ["5", "5", "5"]
    exams = table(
        report(s.app, "exam-protocol", **{"class": "9А"}),
        "Результаты государственной итоговой аттестации",
    )
    assert [(e[0], e[1], e[2], e[6]) for e in exams] == [
        (IVANOV, "ОГЭ", "Русский язык", "5"),
        (IVANOV, "ОГЭ", "История", "5"),
        (IVANOV, "ОГЭ", "Математика", "5"),
        (IVANOV, "ОГЭ", "Английский язык", "5"),
    ]
    personal = report(s.app, "personal-file", pupil="И-1")
    assert table(personal, "Итоговые отметки (аттестат)")[0] == [
        "основное общее",
        "Русский язык",
        "5",
        "2024/2025",
    ]
    assert table(personal, "Движение обучающегося")[0][:2] == ["01.09.2024", "зачислен"]


def test_a_withdrawn_achievement_stays_listed_with_its_reason(store: Store) -> None:
    s = build(store)
    name = s.records.portfolio.record_achievement(
        pupil=s.pupils[1],
        kind=AchievementKind.OLYMPIAD,
        title="Олимпиада по математике",
        level=AchievementLevel.MUNICIPAL,
        result=AchievementResult.PRIZE,
        on=date(2024, 9, 30),
        document="диплом № 5",
        signed_by=s.signing("maths"),
    )
    s.records.portfolio.withdraw_achievement(
        name, reason="результат аннулирован", signed_by=s.signing("deputy")
    )
    Sealer(s.app).seal()
    rows = table(report(s.app, "portfolio", pupil="С-1"), "Достижения")
    assert rows == [
        [
            "30.09.2024",
            "олимпиада",
            "Олимпиада по математике",
            "муниципальный",
            "призер",
            "диплом № 5",
            f"отозвано: результат аннулирован ({name.rsplit(':', 1)[0]}:2)",
            name,
        ]
    ]


def test_every_format_carries_the_checkpoint(marked: Marked) -> None:
    reports = Reports(marked.s.app)
    params = {"class": "9А"}
    html = reports.render("summary", params, "html")
    csv = reports.render("summary", params, "csv")
    root = reports.inputs.source.provenance.root
    assert html.media_type.startswith("text/html")
    assert html.filename == "summary-2024-2025-9a.html"
    for body in (html.body, csv.body):
        text = body.decode("utf-8-sig")
        assert root in text
        assert "letopis verify --store URL --trusted-checkpoint" in text
        assert marked.s.app.context.origin in text
