"""Attestat blanks («бланки аттестатов»): their numbers, forms and kinds.

A blank is a numbered form of strict accounting («документ строгой
отчётности»). Two forms are in use, told apart by the shape of the number:

- the current form (Приказ Минпросвещения № 545 of 05.10.2020): a number of
  14 digits and no series (region code, printer's licence, year of printing,
  serial number), e.g. ``10224000012345``;
- older forms (before 2021): a series of letters or digits and a number, e.g.
  ``09 0000123``; a school may still hold and issue them (duplicates of old
  attestats, left-over stock).

An attestat is printed on two blanks, the title («титул») and the supplement
(«приложение»), each of its own kind and numbered on its own (Приказ № 546 of
05.10.2020: the book records both numbers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ledger.domain.errors import InvalidRecordError

_SERIES = re.compile(r"[0-9A-Za-zА-ЯЁ]{1,10}")
_NUMBER = re.compile(r"[0-9]{1,12}")
_CURRENT = re.compile(r"[0-9]{14}")
#: most blanks one receipt or range may name (a school gets tens to hundreds)
MAX_BLANKS = 10_000

ALLOWED_FORMS = (
    "the current form (Приказ № 545): 14 digits and no series, e.g. "
    "«10224000012345»; an older form: a series of up to 10 letters or digits and "
    "a number of up to 12 digits, e.g. «09 0000123»"
)


class BlankForm(StrEnum):
    """The form a blank is printed to, as told by its number's shape."""

    CURRENT = "2020"  # Приказ № 545 of 05.10.2020: 14 digits, no series
    OLDER = "older"  # series and number


class BlankKind(StrEnum):
    """Which part of an attestat a blank is: the title or the supplement."""

    TITLE = "attestat"  # бланк титула аттестата
    SUPPLEMENT = "supplement"  # бланк приложения к аттестату


@dataclass(frozen=True)
class Blank:
    """A numbered attestat form («бланк»): an older one has a series and a
    number, a current one (``series == ""``) a 14-digit number only."""

    series: str
    number: str

    def __post_init__(self) -> None:
        if self.series == "":
            ok = bool(_CURRENT.fullmatch(self.number))
        else:
            ok = bool(_SERIES.fullmatch(self.series) and _NUMBER.fullmatch(self.number))
        if not ok:
            msg = f"blank {self.key!r} has no known form; allowed: {ALLOWED_FORMS}"
            raise InvalidRecordError(msg)

    @classmethod
    def current(cls, number: str) -> Blank:
        """A blank of the current form: 14 digits, no series."""
        return cls("", number)

    @classmethod
    def parse(cls, text: str) -> Blank:
        """A blank as written: «10224000012345» or «09 0000123»."""
        series, _, number = text.strip().rpartition(" ")
        return cls(series.strip(), number)

    @property
    def form(self) -> BlankForm:
        return BlankForm.CURRENT if self.series == "" else BlankForm.OLDER

    @property
    def key(self) -> str:
        """The blank as written: the number, after the series when it has one."""
        return f"{self.series} {self.number}" if self.series else self.number

    def stock_key(self, kind: BlankKind) -> str:
        """The blank's place in the school's stock (kind and number)."""
        return f"{kind.value}:{self.key}"


def blank_range(first: Blank, last: Blank) -> tuple[Blank, ...]:
    """Every blank from ``first`` to ``last``, both included (a pack as the
    invoice lists it): same series, same number width, at most
    :data:`MAX_BLANKS`."""
    if first.series != last.series or len(first.number) != len(last.number):
        msg = (
            f"blanks {first.key} and {last.key} are not of one series and number "
            "width; a range runs within one series"
        )
        raise InvalidRecordError(msg)
    low, high = int(first.number), int(last.number)
    if not 0 <= high - low < MAX_BLANKS:
        msg = (
            f"range {first.key}–{last.key} must run upwards and hold at most "
            f"{MAX_BLANKS} blanks"
        )
        raise InvalidRecordError(msg)
    width = len(first.number)
    return tuple(Blank(first.series, f"{n:0{width}d}") for n in range(low, high + 1))


@dataclass(frozen=True)
class Person:
    """A graduate's name and birth date as the book prints them (Приказ № 546);
    they reach the log only sealed (``enc``)."""

    surname: str
    name: str
    patronymic: str
    birth_date: str  # ISO date

    def sealed_fields(self) -> dict[str, str]:
        return {
            "surname": self.surname,
            "name": self.name,
            "patronymic": self.patronymic,
            "birth_date": self.birth_date,
        }

    @property
    def sort_key(self) -> tuple[tuple[int, ...], ...]:
        """Russian alphabetical order (ё after е), case ignored."""
        return tuple(
            alphabet_key(part) for part in (self.surname, self.name, self.patronymic)
        )

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p)


_ALPHABET = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_RANK = {c: i for i, c in enumerate(_ALPHABET)}


def alphabet_key(text: str) -> tuple[int, ...]:
    """``text`` in Russian alphabetical order: letters by the alphabet (ё after
    е), case ignored, anything else after the letters."""
    return tuple(_RANK.get(c, len(_ALPHABET) + ord(c)) for c in text.casefold())
