"""`letopis export frdo`: the year's attestats and duplicates in the ФИС ФРДО
upload file, rebuilt from the log, read back with openpyxl; and bad input
refused with a clear message, exit 2 and no file written."""

from __future__ import annotations

import base64
from datetime import date, datetime
from pathlib import Path
from uuid import UUID

import openpyxl
import pytest

from ledger.domain.attestat import Blank
from ledger.domain.attestation import Protocol
from ledger.domain.school import Level
from ledger.log import LogStore, Sealer
from ledger.records.attestats import AttestatRequest
from ledger.records.people import EnrolmentInput, Identity
from projections.frdo import ABOUT_SHEET, DATA_SHEET, HEADERS
from tests.support.cli import letopis
from tests.support.school import (
    ISSUED_ON,
    SmallSchool,
    build,
    graduate,
    stock_blanks,
)
from tests.support.stores import PASSPHRASE, Store

SNILS = "112-233-445 95"


def _school(store: Store) -> tuple[SmallSchool, UUID]:
    """9А with Иванов (enrolled without sex, СНИЛС, citizenship) and Яковлева
    (with them); both get attestats on 25 June 2025, Яковлева a duplicate on
    1 July 2025 and Иванов one on 2 February 2026."""
    s = build(store)
    [belova] = s.records.people.enrol(
        [
            EnrolmentInput(
                Identity(
                    "Яковлева",
                    "Дарья",
                    "Олеговна",
                    date(2009, 4, 2),
                    sex="Ж",
                    snils=SNILS,
                    citizenship="Россия",
                ),
                s.klass("9А"),
                date(2024, 10, 1),
                "№ 30-у",
            )
        ],
        signed_by=s.signing("secretary"),
    )
    ivanov = s.pupils[0]
    graduate(s, ivanov)
    graduate(s, belova)
    stock_blanks(s, *(f"09 {n:07d}" for n in (7, 8, 10, 11)))
    s.records.attestats.issue(
        class_id=s.klass("9А"),
        requests=[
            AttestatRequest(ivanov, Blank("09", "0000007")),
            AttestatRequest(belova, Blank("09", "0000008")),
        ],
        order=Protocol("45-о", ISSUED_ON),
        issued_on=ISSUED_ON,
        signed_by=s.signing("maths", "director"),
    )
    for day, original, blank in (
        (date(2025, 7, 1), 2, "0000010"),
        (date(2026, 2, 2), 1, "0000011"),
    ):
        s.clock.set(day)
        s.records.attestats.issue_duplicate(
            level=Level.BASIC,
            original=original,
            blank=Blank("09", blank),
            reason="утрата оригинала",
            order=Protocol("50-о", day),
            issued_on=day,
            signed_by=s.signing("secretary", "director"),
        )
    Sealer(s.app).seal()
    return s, belova


def _export(store: Store, out: Path, *args: str) -> tuple[int, str, str]:
    done = letopis(
        "export",
        "frdo",
        "--store",
        store.url,
        "--keys",
        str(store.keys),
        "--out",
        str(out),
        *args,
        passphrase=PASSPHRASE,
    )
    return done.returncode, done.stdout, done.stderr


def _day(value: object) -> date:
    assert isinstance(value, datetime)
    return value.date()


def test_the_years_attestats_and_duplicates_are_one_row_each(
    store: Store, tmp_path: Path
) -> None:
    s, _ = _school(store)
    out = tmp_path / "frdo-2025.xlsx"
    code, said, warned = _export(store, out, "--year", "2025", "--level", "basic")
    assert code == 0, warned
    assert "3 documents of 2025 (1 duplicates)" in said
    assert "warning: 1 rows lack" in warned
    assert "№ 1: пол, СНИЛС, гражданство" in warned
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [DATA_SHEET, ABOUT_SHEET]
    sheet = book[DATA_SHEET]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert tuple(header) == HEADERS
    got = [dict(zip(HEADERS, r, strict=True)) for r in rows]
    assert [
        (
            r["Вид документа"],
            r["Регистрационный номер"],
            r["Серия документа"],
            r["Номер документа"],
            _day(r["Дата выдачи"]),
            r["Фамилия получателя"],
        )
        for r in got
    ] == [
        ("Оригинал", "1", "09", "0000007", ISSUED_ON, "Иванов"),
        ("Оригинал", "2", "09", "0000008", ISSUED_ON, "Яковлева"),
        ("Дубликат", "3", "09", "0000010", date(2025, 7, 1), "Яковлева"),
    ]
    ivanov, belova, duplicate = got
    assert ivanov["Название документа"] == "Аттестат об основном общем образовании"
    assert ivanov["Уровень образования"] == "Основное общее образование"
    assert (ivanov["Имя получателя"], ivanov["Отчество получателя"]) == (
        "Пётр",
        "Сергеевич",
    )
    assert _day(ivanov["Дата рождения получателя"]) == date(2009, 3, 1)
    assert ivanov["Пол получателя"] is None  # empty: not given at enrolment
    assert ivanov["СНИЛС"] is None
    assert ivanov["Год окончания"] == 2025
    assert (belova["Пол получателя"], belova["СНИЛС"]) == ("Ж", SNILS)
    assert belova["Гражданство получателя (код страны по ОКСМ)"] == "643"
    assert belova["Серия (оригинала)"] is None
    assert (
        duplicate["Серия (оригинала)"],
        duplicate["Номер (оригинала)"],
        duplicate["Регистрационный N (оригинала)"],
        _day(duplicate["Дата выдачи (оригинала)"]),
        duplicate["Год окончания"],
    ) == ("09", "0000008", "2", ISSUED_ON, 2025)
    latest = LogStore(s.app.recorder).latest_checkpoint()
    assert latest is not None
    about: dict[object, object] = {
        row[0]: row[1] for row in book[ABOUT_SHEET].iter_rows(values_only=True)
    }
    assert about["Размер дерева (tree size)"] == str(latest.size)
    assert (
        about["Корень (root, SHA-256, base64)"]
        == base64.b64encode(latest.root).decode()
    )
    assert about["Журнал (origin)"] == s.app.context.origin
    assert about["Контрольная точка"] == latest.note
    assert about["Контрольная точка подписана (UTC)"] == latest.signed_at
    assert about["Из них дубликатов"] == "1"
    assert about["Выгрузка сформирована (UTC)"]


def test_another_year_holds_only_its_own_documents(
    store: Store, tmp_path: Path
) -> None:
    _school(store)
    out = tmp_path / "frdo-2026.xlsx"
    code, _, warned = _export(store, out, "--year", "2026", "--level", "basic")
    assert code == 0, warned
    rows = list(openpyxl.load_workbook(out)[DATA_SHEET].iter_rows(values_only=True))
    [row] = [dict(zip(HEADERS, r, strict=True)) for r in rows[1:]]
    assert (row["Вид документа"], row["Фамилия получателя"]) == ("Дубликат", "Иванов")
    assert row["Регистрационный N (оригинала)"] == "1"
    assert row["Год окончания"] == 2025


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--year", "20x5", "--level", "basic"), "--year '20x5' is not a year"),
        (("--year", "2025", "--level", "middle"), "allowed: basic, secondary"),
        (
            ("--year", "2023", "--level", "basic"),
            "no basic attestat or duplicate was issued in 2023",
        ),
        (
            ("--year", "2025", "--level", "secondary"),
            "no secondary attestat or duplicate was issued in 2025",
        ),
    ],
    ids=["not-a-year", "unknown-level", "no-attestats-that-year", "other-level"],
)
def test_bad_input_is_refused_and_no_file_is_written(
    store: Store, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    _school(store)
    out = tmp_path / "frdo.xlsx"
    code, _, warned = _export(store, out, *args)
    assert code == 2
    assert warned.startswith("error: ")
    assert message in warned
    assert "Traceback" not in warned
    assert not out.exists()
    assert list(tmp_path.glob("*.xlsx")) == []
