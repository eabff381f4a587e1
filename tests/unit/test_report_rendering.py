"""Report values without a store: collation, file names, the three renderers."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from projections.collation import ascii_name, file_number_key, russian_key
from projections.reports import (
    FORMATS,
    REPORT_NAMES,
    ReportError,
    file_name,
    report_parameters,
)
from projections.reports.common import day, moment
from projections.reports.model import Layout, Provenance, Report, Signature, Table
from projections.reports.render import csv_cell, to_csv, to_html, to_json

PROVENANCE = Provenance(
    origin="letopis.test/school-1",
    tree_size=42,
    root="cm9vdA==",
    checkpoint="letopis.test/school-1\n42\ncm9vdA==\n\n— letopis.test/school-1 AAAA\n",
    latest_size=42,
)
REPORT = Report(
    name="summary",
    title="Сводная ведомость <9А>",
    header=(("Класс", "9А"),),
    tables=(
        Table("Отметки", ("№", "Обучающийся"), (("1", "<script>alert(1)</script>"),)),
        Table("Решения", ("№", "Решение"), ()),
    ),
    provenance=PROVENANCE,
    notes=("примечание",),
    parameters={"class": "9А", "year": "2025/2026"},
)


def test_names_sort_by_the_russian_alphabet_with_yo_after_ye() -> None:
    names = ["Ёлкин", "Ефимов", "Жуков", "елисеев", "Яковлев", "Абрамов", "Erm"]
    assert sorted(names, key=russian_key) == [
        "Абрамов",
        "елисеев",
        "Ефимов",
        "Ёлкин",
        "Жуков",
        "Яковлев",
        "Erm",
    ]
    assert sorted(["К-10", "К-2", "Ё-1", "Е-3"], key=file_number_key) == [
        "Е-3",
        "Ё-1",
        "К-2",
        "К-10",
    ]


def test_file_names_are_ascii_and_stable() -> None:
    assert ascii_name("9А") == "9a"
    assert ascii_name("К-25") == "k-25"
    assert ascii_name("Щ-1") == "shch-1"
    assert ascii_name("2025/2026") == "2025-2026"
    assert file_name(REPORT) == "summary-2025-2026-9a"


def test_html_escapes_what_it_prints_and_carries_the_checkpoint() -> None:
    html = to_html(REPORT).decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Сводная ведомость &lt;9А&gt;" in html
    assert "@page { size: A4 portrait" in html
    assert "нет записей" in html  # the empty table says so
    assert PROVENANCE.checkpoint is not None
    assert PROVENANCE.checkpoint.splitlines()[0] in html
    assert "letopis verify --store URL --trusted-checkpoint checkpoint.txt" in html


def test_csv_has_one_block_per_table_and_the_provenance() -> None:
    text = to_csv(REPORT).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["Сводная ведомость <9А>"]
    assert rows[1] == ["Класс", "9А"]
    assert rows[3:6] == [
        ["Отметки"],
        ["№", "Обучающийся"],
        ["1", "<script>alert(1)</script>"],
    ]
    assert ["Размер журнала (записей)", "42"] in rows
    assert ["Корень (SHA-256, base64)", "cm9vdA=="] in rows


def test_json_is_the_model() -> None:
    document = json.loads(to_json(REPORT))
    assert document["report"] == "summary"
    assert document["tables"][1] == {
        "title": "Решения",
        "columns": ["№", "Решение"],
        "rows": [],
    }
    assert document["provenance"]["tree_size"] == 42
    assert document["provenance"]["verify"] == [
        "letopis verify --store URL --trusted-checkpoint checkpoint.txt"
        "  # checkpoint.txt — напечатанная здесь подписанная контрольная точка",
        "letopis checkpoint --store URL  # выводит ту же подписанную контрольную точку",
    ]


def test_an_unsigned_size_is_checked_by_a_consistency_proof() -> None:
    earlier = Provenance("o", 10, "cm9vdA==", None, 42)
    assert earlier.verify == (
        "letopis proof consistency --store URL --from 10"
        "  # root1 должен совпасть с cm9vdA==",
    )


def test_the_public_names_and_parameters() -> None:
    assert REPORT_NAMES == (
        "journal",
        "diary",
        "summary",
        "attestation-protocol",
        "exam-protocol",
        "attestat-book",
        "blank-stock",
        "personal-file",
        "portfolio",
        "changes",
    )
    assert FORMATS == ("html", "csv", "json", "pdf")
    assert report_parameters("journal") == (
        "class",
        "subject",
        "period",
        "year",
        "subgroup",
    )
    assert report_parameters("diary") == ("pupil", "year", "period")
    assert report_parameters("changes") == ("class", "year", "month")
    with pytest.raises(ReportError, match="reports: journal, diary"):
        report_parameters("ledger")


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+7 999 123-45-67", "'+7 999 123-45-67"),
        ("-2+3", "'-2+3"),
        ("-A1", "'-A1"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-2", "-2"),  # a plain negative number stays a number
        ("-0,5", "-0,5"),
        ("-12.75", "-12.75"),
        ("Квадратные уравнения", "Квадратные уравнения"),
        ("a=b", "a=b"),
        (5, 5),
        (None, None),
    ],
)
def test_csv_cells_never_start_a_formula(cell: object, written: object) -> None:
    assert csv_cell(cell) == written


def test_every_csv_cell_of_a_report_is_neutralised() -> None:
    table = Table("=cmd|' /C calc'!A0", ("@x", "-1", "+1"), (("=1", "-3", "ok"),))
    report = Report("r", "=Заголовок", (("+поле", "-значение"),), (table,), PROVENANCE)
    text = to_csv(report).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    cells = [c for row in rows for c in row]
    for safe in ("'=Заголовок", "'+поле", "'-значение", "'=1", "-3", "'@x"):
        assert safe in cells
    assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells)


def test_times_print_in_the_schools_zone_and_dates_the_russian_way() -> None:
    moscow, yekaterinburg = ZoneInfo("Europe/Moscow"), ZoneInfo("Asia/Yekaterinburg")
    assert moment("2026-06-30T07:00:00.000000Z", moscow) == "30.06.2026 10:00 (МСК)"
    assert moment("2026-06-30T07:00:00Z", yekaterinburg) == "30.06.2026 12:00 (МСК+2)"
    assert moment("2026-06-30T07:00:00Z", ZoneInfo("Europe/Kaliningrad")) == (
        "30.06.2026 09:00 (МСК−1)"
    )
    assert moment("2026-06-30T07:00:00Z", ZoneInfo("Asia/Kolkata")) == (
        "30.06.2026 12:30 (UTC+05:30)"
    )
    assert moment(None, moscow) == "—"
    assert day("2026-06-30") == "30.06.2026"
    dated = Provenance("o", 1, "cm9vdA==", None, 1).at_date(
        date(2026, 6, 30), "Europe/Moscow"
    )
    assert ("По состоянию на", "30.06.2026, конец дня (Europe/Moscow)") in (
        dated.fields()
    )


def test_the_footer_and_page_numbers_are_russian_and_name_the_checkpoint() -> None:
    html = to_html(REPORT).decode()
    assert (
        "Контрольная точка журнала letopis.test/school-1: размер 42, корень cm9vdA=="
        in html
    )
    assert 'content: "Лист " counter(page) " из " counter(pages)' in html
    for english in ("tree size", "(origin)", "(root"):
        assert english not in html


CLASS_9A = "Записи № 1–15 (9А класс, 2025/2026)"


def test_each_form_names_who_signs_and_the_seal() -> None:
    signed = replace(
        REPORT,
        signatures=(
            Signature(
                "Классный руководитель", "Карпова Анна Павловна", "Записи № 1–15"
            ),
            Signature(
                "Директор школы", "Галкина Александра Сергеевна", "Записи № 1–15"
            ),
            Signature("Директор школы", "", "Дубликат, запись № 28"),
        ),
        seal=True,
    )
    html = to_html(signed).decode()
    assert "Подпись ___" not in html
    assert html.count('class="purpose"') == 2
    assert "Классный руководитель</span> ______________________ / <span" in html
    assert "Карпова Анна Павловна" in html
    assert html.count("М. П.") == 2  # under each certified group
    unsealed = to_html(replace(signed, seal=False)).decode()
    assert "М. П." not in unsealed
    assert "Подпись" not in to_html(REPORT).decode()


def test_continuation_sheets_repeat_the_pupils_and_head_the_groups() -> None:
    table = Table(
        "Сводная ведомость",
        ("№", "Обучающийся", "Математика: I ч.", "Математика: год", "История: год"),
        (("1", "Иванов Пётр", "5", "5", "4"),),
        Layout(fixed=2, groups=(("Математика", 2), ("История", 1)), budget=2),
    )
    html = to_html(replace(REPORT, tables=(table,))).decode()
    assert "(лист 1 из 2)" in html
    assert "(лист 2 из 2, продолжение)" in html
    printed = html.split('<script type="application/json"')[0]
    assert printed.count("Иванов Пётр") == 2
    assert '<th colspan="2" class="group">Математика</th>' in html
    # under its subject, without it (the full heading for report check)
    assert (
        '<th data-column="2" data-heading="Математика: I ч."><span>I ч.</span>' in html
    )
    assert 'section class="sheet continued"' in html
    document = json.loads(to_json(replace(REPORT, tables=(table,))))
    assert document["tables"][0]["columns"][2] == "Математика: I ч."
