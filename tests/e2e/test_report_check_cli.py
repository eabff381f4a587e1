"""`letopis report check` and the PDF forms end to end, in a real subprocess, on
the small school of ``tests/support/school.py`` (SQLite): exit 0 for a file
that matches its log, 1 naming the changed cell, 2 for what cannot be checked;
against the store and against an exported archive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.log import Sealer
from tests.support.cli import letopis
from tests.support.marked import marked_school
from tests.support.stores import PASSPHRASE, Store

JOURNAL = ["journal", "--class", "9А", "--subject", "math", "--period", "Q1"]


@pytest.fixture
def where(sqlite_store: Store) -> list[str]:
    marked = marked_school(sqlite_store)
    Sealer(marked.s.app).seal()
    marked.s.app.close()
    return ["--store", sqlite_store.url, "--keys", str(sqlite_store.keys)]


def run(*args: str) -> tuple[int, str, str]:
    done = letopis(*args, passphrase=PASSPHRASE)
    return done.returncode, " ".join(done.stdout.split()), done.stderr


def test_check_says_match_then_names_the_changed_cell(
    where: list[str], tmp_path: Path
) -> None:
    target = tmp_path / "journal.json"
    code, _, err = run(
        "report", *JOURNAL, *where, "--format", "json", "--out", str(target)
    )
    assert code == 0, err
    code, out, err = run("report", "check", str(target), *where)
    assert code == 0, err
    assert "совпадает с журналом" in out
    document = json.loads(target.read_text())
    assert document["tables"][0]["rows"][0][4] == "4"
    document["tables"][0]["rows"][0][4] = "5"
    target.write_text(json.dumps(document, ensure_ascii=False))
    code, out, err = run("report", "check", str(target), *where)
    assert code == 1, err
    assert "НЕ СОВПАДАЕТ" in out
    assert (
        "строка 1 (Иванов Пётр Сергеевич), столбец 03.10: в файле 5, по журналу 4"
        in out
    )


def test_check_of_a_pdf_against_an_exported_archive(
    where: list[str], tmp_path: Path
) -> None:
    target = tmp_path / "summary.pdf"
    code, _, err = run(
        "report", "summary", "--class", "9А", *where, "--format", "pdf", "--bound",
        "--out", str(target),
    )  # fmt: skip
    assert code == 0, err
    assert target.read_bytes().startswith(b"%PDF")
    bag = tmp_path / "bag"
    code, _, err = run("export", *where, "--out", str(bag))
    assert code == 0, err
    keys = where[where.index("--keys") + 1]
    code, out, err = run(
        "report", "check", str(target), "--archive", str(bag), "--keys", keys
    )
    assert code == 0, err
    assert f"сверка с архивом {bag}" in out
    assert "PDF/A: XMP PDF/A-3B, output intent, шрифты встроены" in out
    assert "совпадает с журналом" in out


def test_what_cannot_be_checked_exits_2(where: list[str], tmp_path: Path) -> None:
    target = tmp_path / "journal.json"
    code, _, err = run(
        "report", *JOURNAL, *where, "--format", "json", "--out", str(target)
    )
    assert code == 0, err
    document = json.loads(target.read_text())
    document["provenance"]["tree_size"] = 100_000
    beyond = tmp_path / "beyond.json"
    beyond.write_text(json.dumps(document, ensure_ascii=False))
    code, _, err = run("report", "check", str(beyond), *where)
    assert code == 2
    assert "is not in this log" in " ".join(err.split())
    garbage = tmp_path / "notes.txt"
    garbage.write_text("just some notes\n")
    code, _, err = run("report", "check", str(garbage), *where)
    assert code == 2
    assert "not a Letopis report CSV" in " ".join(err.split())
    code, _, err = run("report", "check", str(target), "--keys", where[-1])
    assert code == 2
    assert "give --store URL or --archive DIR" in " ".join(err.split())
