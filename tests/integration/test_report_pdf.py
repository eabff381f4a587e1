"""PDF/A reports with their evidence inside, and `report check`, in process.

Rendering needs only SQLite; re-deriving a file from the store runs on SQLite
and PostgreSQL (the ``store`` fixture). PDF/A conformance is checked with
what WeasyPrint writes and ``pypdf`` reads back (veraPDF is not available
here): the XMP metadata names PDF/A-3B, an output intent is present, every
font is embedded, the attachments are associated files, nothing is
encrypted.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar
from pypdf import PdfReader

from ledger.log import LogStore, Sealer
from projections.reports import AsOf, Reports, render
from projections.reports.check import UncheckableError, check, read_claim
from projections.reports.evidence import DIGEST, digest_of
from projections.reports.model import Report, Table
from projections.reports.paper import sheets_in_words
from projections.reports.pdf import to_pdf
from projections.reports.pdfa import pdfa_problems
from tests.support.marked import IVANOV, Marked, marked_school
from tests.support.stores import Store

JOURNAL = {"class": "9А", "subject": "math", "period": "Q1"}
EVENT = re.compile(r"[0-9a-f-]{36}:[0-9]+")


@pytest.fixture
def marked(store: Store) -> Marked:
    marked = marked_school(store)
    Sealer(marked.s.app).seal()
    return marked


@pytest.fixture
def sealed(sqlite_store: Store) -> Marked:
    marked = marked_school(sqlite_store)
    Sealer(marked.s.app).seal()
    return marked


def flat(text: str) -> str:
    """Text without whitespace: a header broken over lines still matches."""
    return re.sub(r"\s+", "", text)


def visible_text(pdf: bytes) -> str:
    """The text of the glyphs that lie inside their page, by their boxes as
    ``pdfminer.six`` lays them out (a table cut at the sheet's edge still has
    its text in the file, beyond the edge; ``pypdf`` would read that too)."""
    found: list[str] = []

    def walk(item: Any, width: float) -> None:
        if isinstance(item, LTChar):
            if item.x0 >= 0 and item.x1 <= width + 0.5:
                found.append(item.get_text())
        elif isinstance(item, Iterable):
            for inner in item:
                walk(inner, width)

    for page in extract_pages(io.BytesIO(pdf)):
        walk(page, page.width)
    return flat("".join(found))


def test_a_pdf_is_pdfa_3b_and_carries_json_checkpoint_and_leaves(
    sealed: Marked,
) -> None:
    app = sealed.s.app
    reports = Reports(app)
    report = reports.build("journal", JOURNAL, leaves=True)
    pdf = to_pdf(report)
    reader = PdfReader(io.BytesIO(pdf))
    assert pdfa_problems(pdf) == []
    attached = reader.attachments
    assert set(attached) == {"report.json", "checkpoint.txt", "leaves.json"}
    as_json = render(app, "journal", JOURNAL, "json").body
    assert attached["report.json"][0] == as_json
    assert json.loads(as_json)[DIGEST] == digest_of(json.loads(as_json))
    assert attached["checkpoint.txt"][0].decode() == report.provenance.checkpoint
    leaves = json.loads(attached["leaves.json"][0])
    assert leaves["tree_size"] == report.provenance.tree_size
    # the corrected mark the journal shows (its event is named in the table)
    corrected = next(
        cell
        for t in report.tables
        for row in t.rows
        if IVANOV in row
        for cell in row
        if EVENT.fullmatch(cell)
    )
    stream, seq = corrected.split(":")
    leaf = LogStore(app.recorder).leaf_of(stream, int(seq))
    assert leaf is not None
    assert leaf.index in leaves["leaves"]
    assert all(0 <= i < report.provenance.tree_size for i in leaves["leaves"])
    text = "".join(page.extract_text() for page in reader.pages)
    assert f"Лист 1 из {len(reader.pages)}" in text
    assert report.provenance.root in text  # the evidence, as text
    assert json.loads(as_json)[DIGEST] in text


def wide(report: Report, columns: int) -> Report:
    """``report`` with its widest table made ``columns`` wide, the way the
    demo's widest forms are (a subgroup journal of 110 lessons, an attestat
    book with every subject of the curriculum)."""
    table = report.tables[0]
    names = tuple(f"{1 + i // 28:02d}.{1 + i % 28:02d}" for i in range(columns))
    grown = Table(
        table.title,
        (*table.columns, *names),
        tuple((*row, *("5" for _ in names)) for row in table.rows),
    )
    tables = tuple(grown if t is table else t for t in report.tables)
    return replace(report, tables=tables)


@pytest.mark.parametrize(
    ("name", "params", "extra"),
    [
        ("journal", JOURNAL, 110),
        ("attestat-book", {"level": "secondary"}, 12),
        ("summary", {"class": "9А"}, 30),
    ],
)
def test_every_column_header_of_the_widest_forms_is_on_some_page(
    sealed: Marked, name: str, params: dict[str, str], extra: int
) -> None:
    report = wide(Reports(sealed.s.app).build(name, params), extra)
    text = visible_text(to_pdf(report))
    for table in report.tables:
        for column in table.columns:
            # a header wrapped over lines is read line by line across the
            # row of headers, so each of its words is looked for
            missing = [w for w in column.split() if flat(w) not in text]
            assert not missing, (table.title, column)


def test_a_bound_summary_counts_its_sheets_on_its_certification_sheet(
    sealed: Marked,
) -> None:
    report = Reports(sealed.s.app).build("summary", {"class": "9А"}, leaves=True)
    pdf = to_pdf(report, bound=True)
    reader = PdfReader(io.BytesIO(pdf))
    sheets = len(reader.pages)
    words, noun = sheets_in_words(sheets)
    last = flat(reader.pages[-1].extract_text())
    assert flat("Заверительный лист") in last
    assert flat(f"{sheets} ({words}) {noun}") in last
    assert flat("Директор") in last
    for number, page in enumerate(reader.pages, 1):
        assert f"Лист {number} из {sheets}" in page.extract_text()
    assert pdfa_problems(pdf) == []


def test_sheets_in_words() -> None:
    assert sheets_in_words(1) == ("один", "лист")
    assert sheets_in_words(3) == ("три", "листа")
    assert sheets_in_words(11) == ("одиннадцать", "листов")
    assert sheets_in_words(21) == ("двадцать один", "лист")
    assert sheets_in_words(112) == ("сто двенадцать", "листов")
    assert sheets_in_words(344) == ("триста сорок четыре", "листа")


# -- report check ---------------------------------------------------------------


def rendered(app: Any, fmt: str) -> bytes:
    return render(app, "journal", JOURNAL, fmt).body


@pytest.mark.parametrize("fmt", ["json", "csv", "html", "pdf"])
def test_an_untouched_report_file_matches_its_log(marked: Marked, fmt: str) -> None:
    app = marked.s.app
    outcome = check(app, read_claim(rendered(app, fmt)))
    assert outcome.matches, outcome.differences
    assert outcome.claim.report == "journal"


def one_cell_changed(fmt: str, body: bytes) -> bytes:
    """Иванов's mark of 03.10 (a 4) printed as 5, in the file's own form."""
    text = body.decode("utf-8-sig" if fmt == "csv" else "utf-8")
    if fmt == "json":
        document = json.loads(text)
        document["tables"][0]["rows"][0][4] = "5"
        return json.dumps(document, ensure_ascii=False).encode()
    cell = '<td data-column="4">'  # a lesson's cell names its column
    old = {"csv": ",3→5,4,", "html": f">3→5</td>{cell}4</td>"}[fmt]
    new = {"csv": ",3→5,5,", "html": f">3→5</td>{cell}5</td>"}[fmt]
    assert text.count(old) == 1
    changed = text.replace(old, new).encode()
    return b"\xef\xbb\xbf" + changed if fmt == "csv" else changed


@pytest.mark.parametrize("fmt", ["json", "csv", "html"])
def test_a_changed_cell_is_named(marked: Marked, fmt: str) -> None:
    app = marked.s.app
    forged = one_cell_changed(fmt, rendered(app, fmt))
    outcome = check(app, read_claim(forged))
    assert not outcome.matches
    cell = (
        "таблица «Отметки и посещаемость», строка 1 (Иванов Пётр Сергеевич), "
        "столбец 03.10: в файле 5, по журналу 4"
    )
    assert any(cell in d for d in outcome.differences), outcome.differences
    assert all("Кузнецов" not in d and "Смирнова" not in d for d in outcome.differences)


def test_a_pdf_whose_printed_text_differs_from_its_attachment_is_named(
    sealed: Marked,
) -> None:
    app = sealed.s.app
    claim = read_claim(rendered(app, "pdf"))
    assert claim.sheets is not None
    first = claim.sheets[0]
    row = next(line for line in first.splitlines() if line.startswith(f"1 {IVANOV}"))
    assert row.split()[-5:] == ["5", "3→5", "4", "4,50", "5"]
    forged = row.replace("3→5 4 4,50", "3→5 5 4,50")
    sheets = (first.replace(row, forged), *claim.sheets[1:])
    outcome = check(app, replace(claim, sheets=sheets))
    assert outcome.differences == [
        "Классный журнал: 9А, Математика, I четверть: напечатано в файле, но не по "
        "журналу: «5» (1 раз; лист 1)",
        "Классный журнал: 9А, Математика, I четверть: по журналу, но не напечатано "
        "в файле: «4» (1 раз)",
    ]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_report_as_of_a_day_is_checked_as_of_that_day(
    marked: Marked, fmt: str
) -> None:
    app = marked.s.app
    day = AsOf(date=date(2024, 10, 2))
    body = render(app, "journal", JOURNAL, fmt, day).body
    claim = read_claim(body)
    assert claim.as_of_date == date(2024, 10, 2)
    outcome = check(app, claim)
    assert outcome.matches, outcome.differences
    # the same page today shows the mark of 3 October too: not what the file says
    whole = json.loads(render(app, "journal", JOURNAL, "json").body)
    assert whole[DIGEST] != outcome.expected_digest


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        ("tree_size", 10_000, "is not in this log"),
        ("root", "A" * 43 + "=", "is not in this log"),
        ("origin", "letopis.example/other", "names log 'letopis.example/other'"),
    ],
)
def test_a_checkpoint_not_in_the_log_cannot_be_checked(
    marked: Marked, where: str, value: Any, message: str
) -> None:
    app = marked.s.app
    document = json.loads(rendered(app, "json"))
    document["provenance"][where] = value
    with pytest.raises(UncheckableError, match=message):
        check(app, read_claim(json.dumps(document).encode()))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"%PDF-1.7 not really", "not a readable PDF"),
        (b"<!DOCTYPE html><p>hi</p>", "no <script"),
        (b'{"report": "journal"}', "not a Letopis report"),
        (b"a,b\r\n1,2\r\n", "no row"),
    ],
)
def test_a_file_that_is_no_report_cannot_be_checked(
    sealed: Marked, body: bytes, message: str
) -> None:
    with pytest.raises(UncheckableError, match=message):
        check(sealed.s.app, read_claim(body))
