"""The field types request bodies share: strict, bounded, described twice.

Every field says in Russian and in English what it is (``both``), so the
OpenAPI schema and ``letopis record kinds`` read in either language.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import Field, StringConstraints

YEAR_PATTERN = r"^[0-9]{4}/[0-9]{4}$"


def both(ru: str, en: str, **limits: Any) -> Any:
    """A field described in Russian and English, with its limits."""
    return Field(description=f"{ru} / {en}", **limits)


#: a line of text a person writes: no blanks around, 1–200 characters
Line = Annotated[str, StringConstraints(min_length=1, max_length=200)]
#: a longer text: a reason, a topic (1–500 characters)
Text = Annotated[str, StringConstraints(min_length=1, max_length=500)]
#: a school year «2025/2026»
YearLabel = Annotated[str, StringConstraints(pattern=YEAR_PATTERN)]
#: a subject's code in the curriculum («math», «rus»)
SubjectCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,29}$")]
#: a subgroup of a class («1», «англ-2»)
Subgroup = Annotated[str, StringConstraints(min_length=1, max_length=20)]
#: a grade of general education, 1 to 11
Grade = Annotated[int, Field(strict=True, ge=1, le=11)]
#: a day, written YYYY-MM-DD
Day = date
#: a journal entry or record event named «<stream uuid>:<seq>»
EventName = Annotated[
    str, StringConstraints(pattern=r"^[0-9a-f-]{36}:[1-9][0-9]{0,5}$")
]
