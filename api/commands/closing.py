"""Closing study periods and years («период закрыт», «год закрыт», §7.3.6, §8.1).

The deputy director (or the director) closes a period, or the year (``Y``),
for a class and subject, a class, or the whole school, after its last day.
From then on the journal's entries on the period's days and the period's
grades change only as corrections citing an order (``order`` in the
correction bodies). The rule and its errors are ``ledger.records.closing``'s.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import StringConstraints

from api.commands import Body, Command
from api.commands.checks import about
from api.commands.values import SubjectCode, YearLabel, both
from ledger.application import Signing
from ledger.domain.errors import (
    AlreadyRecordedError,
    InvalidRecordError,
    PeriodNotClosedError,
    UnknownRecordError,
)
from ledger.records.office import SchoolRecords

TAGS = {
    "periods": (
        "Закрытие периодов и учебного года: после него изменения — только "
        "исправлением по приказу.",
        "Closing study periods and the year: afterwards changes are corrections "
        "citing an order.",
    ),
}

#: a period's code in the year's scheme («1», «I»), or «Y» for the year
PeriodCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,10}$")]


class ClosingIn(Body):
    """A period (or the year) closed for a class and subject, a class, or the
    whole school."""

    year: Annotated[YearLabel, both("Учебный год «2025/2026»", "The school year")]
    period: Annotated[
        PeriodCode,
        both(
            "Код периода (четверти, полугодия) или «Y» — весь год",
            "The period's code (a term, a half-year) or «Y» for the whole year",
        ),
    ]
    class_id: Annotated[
        UUID | None,
        both("Класс (id); без него — вся школа", "The class's id; none: the school"),
    ] = None
    subject: Annotated[
        SubjectCode | None,
        both(
            "Предмет; без него — все предметы",
            "The subject's code; none: every subject",
        ),
    ] = None


def _close(records: SchoolRecords, body: ClosingIn, signing: Signing) -> str:
    with about("body", body, ("class_id", "subject", "year", "period")):
        return records.closing.close_period(
            year=body.year,
            period=body.period,
            class_id=body.class_id,
            subject=body.subject,
            signed_by=signing,
        )


COMMANDS: tuple[Command[Any], ...] = (
    Command(
        name="periods.close",
        resource="periods",
        path="/closings",
        body=ClosingIn,
        roles=("deputy_director", "director"),
        run=_close,
        summary_ru="Закрыть период или учебный год (класс и предмет, класс, школа)",
        summary_en="Close a period or the year (class and subject, class, school)",
        fields=(
            (PeriodNotClosedError, "body.period"),
            (AlreadyRecordedError, "body.period"),
            (InvalidRecordError, "body.class_id"),
            (UnknownRecordError, "body.period"),
        ),
    ),
)
