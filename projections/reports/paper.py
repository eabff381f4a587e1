"""Paper: how a report's tables go onto A4 sheets, and sheet counts in words.

:func:`print_tables` cuts a table wider than a sheet into parts of whole
columns, as paper forms continue «на обороте», each part repeating the
columns that name a row (a table whose form lays it out in sheets itself,
``model.Layout``, is left to that); :func:`sheets_in_words` writes the count of a bound
file's sheets as its certification sheet states it («восемь листов»). Both
serve the PDF (:mod:`.pdf`); a report's data, JSON and digest never change.
"""

from __future__ import annotations

import re

from projections.reports.errors import ReportError
from projections.reports.model import Report, Table

#: characters of 8.5 pt text a sheet holds across, inside its margins
LINE_CHARS = {True: 125, False: 85}  # landscape, portrait
#: what a cell costs across beyond its text (padding, borders), in characters
CELL_CHARS = 2
_BREAKS = re.compile(r"[\s-]+")


def print_tables(report: Report) -> tuple[Table, ...]:
    """The tables as printed: a table wider than a sheet is cut into parts of
    whole columns, each part repeating the leading key columns (№ and the
    pupil) and titled with the columns it holds, the way paper forms go on
    «на обороте». The report itself (its JSON, its digest) is not changed."""
    budget = LINE_CHARS[report.landscape]
    printed: list[Table] = []
    for table in report.tables:
        if table.layout.budget:  # laid out in sheets by its form (model.Layout)
            printed.append(table)
            continue
        widths = [_width(table, i) for i in range(len(table.columns))]
        if sum(widths) <= budget or len(table.columns) < 2:
            printed.append(table)
            continue
        keys = _key_columns(table)
        rest = [i for i in range(len(table.columns)) if i not in keys]
        room = budget - sum(widths[i] for i in keys)
        for part in _parts(rest, widths, room):
            printed.append(_part(table, keys, part))
    return tuple(printed)


def _parts(columns: list[int], widths: list[int], room: int) -> list[list[int]]:
    """``columns`` in order, in runs whose widths add up to at most ``room``
    (a column wider than ``room`` alone makes a run of its own)."""
    parts: list[list[int]] = [[]]
    used = 0
    for index in columns:
        if parts[-1] and used + widths[index] > room:
            parts.append([])
            used = 0
        parts[-1].append(index)
        used += widths[index]
    return parts


def _part(table: Table, keys: list[int], part: list[int]) -> Table:
    columns = [*keys, *part]
    total = len(table.columns)
    return Table(
        f"{table.title} (столбцы {part[0] + 1}–{part[-1] + 1} из {total})",
        tuple(table.columns[i] for i in columns),
        tuple(tuple(row[i] for i in columns) for row in table.rows),
    )


#: how the column naming a row's person begins (journal, statement, book)
NAME_COLUMNS = ("Обучающийся", "Фамилия", "Ф. И. О.", "ФИО")


def _key_columns(table: Table) -> list[int]:
    """The columns that name a row, repeated in every part: the leading «№…»
    column and the person's name when the table has one early on, else the
    leading columns up to the first that is not «№»."""
    columns = [c.strip() for c in table.columns]
    numbered = [0] if columns[0].startswith("№") else []
    for index, column in enumerate(columns[:6]):
        if column.startswith(NAME_COLUMNS):
            return [*numbered, index] if index else [index]
    for index, column in enumerate(columns):
        if column != "№":
            return list(range(index + 1))
    return [0]


def _width(table: Table, index: int) -> int:
    """A column's width in characters: its longest unbreakable piece of text
    (a header's counts a fifth more: headers are bold)."""
    header = max((len(w) for w in _BREAKS.split(table.columns[index])), default=1)
    cells = (row[index] for row in table.rows)
    longest = max((len(w) for t in cells for w in _BREAKS.split(t)), default=1)
    return max(round(header * 1.2), longest, 1) + CELL_CHARS


_ONES = (
    "",
    "один",
    "два",
    "три",
    "четыре",
    "пять",
    "шесть",
    "семь",
    "восемь",
    "девять",
)
_TEENS = (
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
)
_TENS = (
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
)
_HUNDREDS = (
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
)


def sheets_in_words(count: int) -> tuple[str, str]:
    """``count`` sheets in words, as a certification writes them, and the
    noun's form: ``(«двадцать один», «лист»)``, ``(«три», «листа»)``. A bound
    file of 1000 sheets or more is not a thing an archive binds; refused."""
    if not 1 <= count <= 999:
        msg = f"a bound file has 1 to 999 sheets, not {count}"
        raise ReportError(msg)
    hundreds, rest = divmod(count, 100)
    tens, ones = divmod(rest, 10)
    words = [_HUNDREDS[hundreds]]
    if tens == 1:
        words.append(_TEENS[ones])
    else:
        words += [_TENS[tens], _ONES[ones]]
    if tens != 1 and ones == 1:
        noun = "лист"
    elif tens != 1 and 2 <= ones <= 4:
        noun = "листа"
    else:
        noun = "листов"
    return " ".join(w for w in words if w), noun
