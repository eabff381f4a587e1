"""How reports order Russian names and name their files.

Python's default string order puts «Ё» after «Я» (its code point is outside the
А–я block) and uppercase before lowercase. Reports sort names the way a Russian
reader expects instead: by the alphabet with «ё» right after «е», ignoring case,
then by the exact text so that equal names still come out in one fixed order.
The key is defined here, not taken from the platform's locale, so that the same
log gives the same report on every machine.

File names in ``report all`` are ASCII: Cyrillic is transliterated letter by
letter (a fixed table close to ГОСТ 7.79-2000 system B, «Ё» → ``yo``,
«Х» → ``kh``), so «9А» becomes ``9a`` and the personal file «К-25» ``k-25``.
"""

from __future__ import annotations

ALPHABET = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_RANK = {letter: i for i, letter in enumerate(ALPHABET)}
_AFTER_LETTERS = len(ALPHABET)

TRANSLIT = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "yo",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "j",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "eh",
    "ю": "yu",
    "я": "ya",
}


def russian_key(text: str) -> tuple[tuple[int, ...], str]:
    """A sort key: Russian alphabetical order (ё after е), case ignored, then
    the text itself as a tie-breaker."""
    ranks = []
    for char in text.casefold():
        rank = _RANK.get(char)
        ranks.append(rank if rank is not None else _AFTER_LETTERS + ord(char))
    return tuple(ranks), text


def ascii_name(text: str) -> str:
    """``text`` as a lowercase ASCII file name part: transliterated, anything
    but letters, digits, ``-`` and ``_`` becomes ``-``."""
    out = []
    for char in text.casefold():
        if char in TRANSLIT:
            out.append(TRANSLIT[char])
        elif char.isascii() and (char.isalnum() or char in "-_"):
            out.append(char)
        else:
            out.append("-")
    return "".join(out).strip("-") or "-"


def file_number_key(number: str) -> tuple[tuple[tuple[int, ...], str], int, str]:
    """Personal file numbers («К-25») by letter, then numerically (К-2 < К-10)."""
    letter, _, digits = number.partition("-")
    return russian_key(letter), int(digits) if digits.isdigit() else 0, number
