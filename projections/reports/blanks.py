"""The attestat blanks' stock («Учёт бланков аттестатов»; Приказ Минпросвещения
№ 546 of 05.10.2020: blanks are documents of strict accounting).

Rebuilt from the books' events: blanks received (by invoice or act), issued
(the attestat's and the supplement's blank of every entry and duplicate) and
spoiled. Per level, kind (attestat or supplement), form (the 2020 form of
Приказ № 545, 14 digits, or an older one with a series) and academic year: on
hand at the start, received, issued, spoiled, on hand at the end. The numbers
on hand are listed as runs, and the stock is reconciled: what was received less
what was issued or spoiled is what is on hand, blank by blank.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from projections.reports.book import KINDS, blank_text
from projections.reports.common import (
    DASH,
    Inputs,
    check_parameters,
    day,
    director_signature,
)
from projections.reports.model import Report, Signature, Table
from projections.reports.school import LEVELS
from projections.reports.source import Record

NAME = "blank-stock"
PARAMETERS = ("level",)
REQUIRED: tuple[str, ...] = ()
FORMS = {"2020": "образец 2020 г. (14 цифр)", "older": "прежний (серия и номер)"}
COLUMNS = ("received", "issued", "spoiled")

Line = tuple[str, str, str]  # level, kind, form


@dataclass
class _Stock:
    """Every blank's movements, counted per line and year."""

    moves: dict[tuple[Line, str], dict[str, int]] = field(default_factory=dict)
    received: dict[Line, set[str]] = field(default_factory=dict)
    used: dict[Line, set[str]] = field(default_factory=dict)

    def add(self, line: Line, year: str, column: str, key: str) -> None:
        counts = self.moves.setdefault((line, year), dict.fromkeys(COLUMNS, 0))
        counts[column] += 1
        found = self.received if column == "received" else self.used
        found.setdefault(line, set()).add(key)

    def on_hand(self, line: Line) -> set[str]:
        return self.received.get(line, set()) - self.used.get(line, set())


def build(inputs: Inputs, params: Mapping[str, str]) -> Report:
    check_parameters(NAME, params, PARAMETERS, REQUIRED)
    school, source = inputs.school, inputs.source
    wanted = params.get("level")
    levels = [school.level(wanted)] if wanted else list(LEVELS)
    stock, receipts = _Stock(), []
    for level in levels:
        rows = source.rows("view_book", "stream = ?", (school.book_stream(level),))
        for r in rows:
            receipts.extend(_count(stock, level, r))
    lines = sorted({line for line, _ in stock.moves})
    unreceived = sum(
        len(stock.used.get(x, set()) - stock.received.get(x, set())) for x in lines
    )
    return Report(
        name=NAME,
        title="Учёт бланков аттестатов и приложений к ним",
        header=(
            ("Школа", school.name),
            ("Уровень", ", ".join(LEVELS[x] for x in levels)),
            ("Сверка", _reconciled(unreceived)),
        ),
        provenance=source.provenance,
        tables=(
            Table(
                "Движение бланков по учебным годам",
                (
                    "Уровень",
                    "Бланк",
                    "Образец",
                    "Учебный год",
                    "Остаток на начало",
                    "Получено",
                    "Выдано",
                    "Испорчено",
                    "Остаток на конец",
                ),
                tuple(_movements(stock, lines)),
            ),
            Table(
                "Поступление бланков",
                ("Дата", "Уровень", "Бланк", "Накладная (акт)", "Количество", "Номера"),
                tuple(receipts),
            ),
            Table(
                "Бланки в наличии",
                ("Уровень", "Бланк", "Образец", "Количество", "Номера"),
                tuple(
                    (
                        LEVELS[level],
                        KINDS[kind],
                        FORMS[form],
                        str(len(stock.on_hand((level, kind, form)))),
                        runs(stock.on_hand((level, kind, form))) or DASH,
                    )
                    for level, kind, form in lines
                ),
            ),
        ),
        notes=(
            "Бланки аттестатов и приложений — документы строгой отчётности "
            "(Приказ Минпросвещения № 546). Остаток = получено − выдано − испорчено; "
            "выданным считается бланк записи или дубликата в книге выдачи.",
        ),
        parameters={"level": levels[0]} if wanted else {},
        signatures=(
            Signature("Ответственный за учёт бланков"),
            director_signature(school),
        ),
        seal=True,
    )


def _count(stock: _Stock, level: str, r: Record) -> list[tuple[str, ...]]:
    """Count the blanks ``r`` moves; a receipt's row for the receipts' table."""
    d = r.data
    if r.type == "attestat.BlanksReceived":
        keys = [blank_text(b) for b in d["blanks"]]
        for b, key in zip(d["blanks"], keys, strict=True):
            line = (level, d["kind"], _form(b))
            stock.add(line, school_year(d["received_on"]), "received", key)
        return [
            (
                day(d["received_on"]),
                LEVELS[level],
                KINDS[d["kind"]],
                d["invoice"],
                str(len(keys)),
                runs(keys),
            )
        ]
    if r.type in ("attestat.AttestatIssued", "attestat.DuplicateIssued"):
        year = school_year(d["issued_on"])
        for kind, b in (("attestat", d["blank"]), ("supplement", d.get("supplement"))):
            if b:
                stock.add((level, kind, _form(b)), year, "issued", blank_text(b))
    elif r.type == "attestat.BlankSpoiled":
        b, kind = d["blank"], d.get("kind", "attestat")
        stock.add(
            (level, kind, _form(b)), school_year(r.at[:10]), "spoiled", blank_text(b)
        )
    return []


def _movements(stock: _Stock, lines: list[Line]) -> Iterable[tuple[str, ...]]:
    """Per line, its years in order, the balance carried from year to year."""
    for line in lines:
        balance = 0
        years = sorted(y for x, y in stock.moves if x == line)
        for year in years:
            counts = stock.moves[(line, year)]
            start = balance
            balance += counts["received"] - counts["issued"] - counts["spoiled"]
            level, kind, form = line
            yield (
                LEVELS[level],
                KINDS[kind],
                FORMS[form],
                year,
                str(start),
                *(str(counts[c]) for c in COLUMNS),
                str(balance),
            )


def _reconciled(unreceived: int) -> str:
    if unreceived == 0:
        return "сходится: каждый выданный или испорченный бланк был получен"
    return (
        f"расхождение: {unreceived} бланк(ов) выдано или списано без записи о "
        "поступлении (записи, сделанные до учёта бланков в журнале)"
    )


def _form(blank: Mapping[str, str]) -> str:
    return "older" if blank["series"] else "2020"


def school_year(iso: str) -> str:
    """The academic year («2025/2026») a date falls in: from 1 September."""
    d = date.fromisoformat(iso)
    start = d.year if d.month >= 9 else d.year - 1
    return f"{start}/{start + 1}"


def runs(keys: Iterable[str]) -> str:
    """Blank numbers as runs of consecutive numbers within one series:
    «10224000000001–10224000000020, 09 0000150»."""
    by_series: dict[tuple[str, int], list[int]] = {}
    for key in keys:
        series, _, number = key.rpartition(" ")
        by_series.setdefault((series, len(number)), []).append(int(number))
    parts = []
    for (series, width), numbers in sorted(by_series.items()):
        start = prev = None
        for n in [*sorted(numbers), None]:
            if n is not None and prev is not None and n == prev + 1:
                prev = n
                continue
            if start is not None and prev is not None:
                parts.append(_run(series, width, start, prev))
            start = prev = n
    return ", ".join(parts)


def _run(series: str, width: int, first: int, last: int) -> str:
    def text(n: int) -> str:
        return f"{series} {n:0{width}d}".strip()

    return text(first) if first == last else f"{text(first)}–{text(last)}"
