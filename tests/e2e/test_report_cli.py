"""`letopis report`, `report all` and `rebuild` end to end, in a real subprocess,
on the small school of ``tests/support/school.py`` (SQLite)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from ledger.log import Sealer
from projections.reports import REPORT_NAMES
from tests.support.cli import letopis
from tests.support.marked import IVANOV, marked_school
from tests.support.stores import PASSPHRASE, Store


@pytest.fixture
def where(sqlite_store: Store) -> list[str]:
    marked = marked_school(sqlite_store)
    Sealer(marked.s.app).seal()
    marked.s.app.close()
    return ["--store", sqlite_store.url, "--keys", str(sqlite_store.keys)]


def report(*args: str) -> tuple[int, str, str]:
    done = letopis("report", *args, passphrase=PASSPHRASE)
    return done.returncode, done.stdout, done.stderr


def folder(path: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(path)): p.read_bytes()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def test_help_names_every_report() -> None:
    code, out, _ = report("--help")
    assert code == 0
    for name in (*REPORT_NAMES, "all"):
        assert name in out
    code, out, _ = report("journal", "--help")
    assert code == 0
    for option in ("--class", "--subject", "--period", "--year", "--as-of-size"):
        assert option in out


def test_a_report_goes_to_stdout_or_a_file(where: list[str], tmp_path: Path) -> None:
    code, out, err = report(
        "journal", *where, "--class", "9а", "--subject", "Математика",
        "--period", "I четверть", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    page = json.loads(out)
    assert page["tables"][0]["rows"][0][:6] == ["1", IVANOV, "5", "3→5", "4", "4,50"]
    target = tmp_path / "out" / "book.csv"
    code, _, err = report(
        "attestat-book", *where, "--level", "basic", "--format", "csv",
        "--out", str(target),
    )  # fmt: skip
    assert code == 0, err
    title = "\ufeffКнига для учёта и записи выданных аттестатов"
    assert target.read_bytes().startswith(title.encode())


def test_report_all_twice_with_a_rebuild_between_writes_identical_folders(
    where: list[str], tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    code, out, err = report("all", *where, "--out", str(first))
    assert code == 0, err
    assert "index.html" in out
    rebuilt = letopis("rebuild", *where, passphrase=PASSPHRASE)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "rebuilt the report views" in rebuilt.stdout
    code, _, err = report("all", *where, "--out", str(second))
    assert code == 0, err
    written = folder(first)
    assert written == folder(second)
    assert {
        "summary/summary-2024-2025-9a.html",
        "journal/journal-2024-2025-9a-math-Q1.html",
        "diary/diary-2024-2025-i-1.html",
        "personal-file/personal-file-s-1.html",
        "portfolio/portfolio-k-1.html",
        "attestat-book/attestat-book-secondary.html",
        "exam-protocol/exam-protocol-2024-2025-9b.html",
        "attestation-protocol/attestation-protocol-2024-2025-1a.html",
        "index.html",
        "index.json",
    } <= set(written)
    code, _, err = report("all", *where, "--out", str(first), "--format", "json")
    assert code == 0, err
    assert {n.rsplit(".", 1)[1] for n in folder(first) if n != "index.html"} == {"json"}


BAD_INPUT = [
    (["journal", "--class", "9В", "--subject", "math", "--period", "Q1"], "9А, 9Б"),
    (["summary", "--class", "9А", "--year", "2023/2024"], "years: 2024/2025"),
    (["diary", "--pupil", "Ж-1"], "personal files: И-1, К-1"),
    (["summary", "--class", "9А", "--as-of-size", "100000"], "allowed: 1 to"),
    (["summary", "--class", "9А", "--as-of", "2031-01-01"], "ends on 2024-10-28"),
    (["summary", "--class", "9А", "--format", "docx"], "formats: html, csv, json, pdf"),
    (["summary", "--class", "9А", "--bound"], "a bound file is a PDF"),
]


def test_bad_input_exits_2_naming_what_exists_and_writes_nothing(
    where: list[str], tmp_path: Path
) -> None:
    target = tmp_path / "new" / "report.html"
    for args, message in BAD_INPUT:
        code, _, err = report(*args, *where, "--out", str(target))
        assert code == 2, args
        assert message in " ".join(err.split())
        assert not target.parent.exists()


def test_report_all_with_bad_input_writes_no_folder(
    where: list[str], tmp_path: Path
) -> None:
    out_dir = tmp_path / "reports"
    code, _, err = report("all", *where, "--out", str(out_dir), "--as-of-size", "0")
    assert code == 2
    assert "allowed: 1 to" in err
    assert not out_dir.exists()
    assert not any(p.name.startswith(".reports") for p in tmp_path.iterdir())
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.txt").write_text("not a report")
    code, _, err = report("all", *where, "--out", str(mine))
    assert code == 2
    assert "does not hold reports" in " ".join(err.split())
    assert [p.name for p in mine.iterdir()] == ["thesis.txt"]


def test_report_all_as_pdf_in_worker_processes_writes_what_one_process_writes(
    where: list[str], tmp_path: Path
) -> None:
    """The PDFs laid out by two worker processes are the files one process
    writes: the same folder layout and index, and each PDF the same pages of
    text and the same attachments (its bytes differ only in the attachments'
    creation times, which WeasyPrint writes even within one process)."""
    one, two = tmp_path / "one", tmp_path / "two"
    code, _, err = report("all", *where, "--format", "pdf", "--workers", "1",
                          "--out", str(one))  # fmt: skip
    assert code == 0, err
    code, _, err = report("all", *where, "--format", "pdf", "--workers", "2",
                          "--out", str(two))  # fmt: skip
    assert code == 0, err
    written, parallel = folder(one), folder(two)
    assert written.keys() == parallel.keys()
    assert "summary/summary-2024-2025-9a.pdf" in written
    for name, body in written.items():
        if name.endswith(".pdf"):
            assert pdf_content(body) == pdf_content(parallel[name]), name
        else:
            assert body == parallel[name], name
    code, _, err = report("all", *where, "--workers", "0", "--out", str(tmp_path / "x"))
    assert code == 2
    assert "--workers" in err
    assert not (tmp_path / "x").exists()


def pdf_content(body: bytes) -> tuple[list[str], dict[str, list[bytes]]]:
    """A PDF's text, page by page, and its attached files."""
    reader = PdfReader(io.BytesIO(body))
    return [page.extract_text() for page in reader.pages], dict(reader.attachments)
