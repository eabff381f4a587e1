"""Closing study periods and years («период закрыт», «год закрыт», §7.3.6, §8.1).

The deputy director (or the director) closes a period, or the year, for a class
and subject, a class, or the whole school, after its last day. After that the
journal's entries on the period's days and the period's grades change only as
corrections by the deputy or the director that cite an order («приказ»):
:func:`check_closed_change` is the rule the journal and attestation services
apply. Retakes and appeals are not closed: they follow their own windows
(273-ФЗ art. 58 p. 5; the appeal's protocol).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ledger.application import Signing
from ledger.domain.academic_year import AcademicYear, Closure
from ledger.domain.attestation import Protocol, check_protocol
from ledger.domain.errors import (
    AuthorityError,
    InvalidRecordError,
    PeriodClosedError,
    UnknownRecordError,
)
from ledger.domain.ids import academic_year_id
from ledger.records.context import DEPUTY, DIRECTOR, Author, RecordsContext


class Closing:
    """Closes periods and years; the deputy director's."""

    def __init__(self, ctx: RecordsContext) -> None:
        self.ctx = ctx

    def close_period(
        self,
        *,
        year: str,
        period: str,
        class_id: UUID | None = None,
        subject: str | None = None,
        signed_by: Signing,
    ) -> str:
        """Close ``period`` (``Y``: the year) of ``year`` for a class and
        subject, a class, or the whole school; its event name."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            if not (cmd.author.has(DEPUTY) or cmd.author.has(DIRECTOR)):
                msg = (
                    "a period or year is closed by the deputy director or the "
                    "director (§8.1)"
                )
                raise AuthorityError(msg)
            stream = academic_year_id(ctx.school_id, year)
            record = ctx.replay(AcademicYear, stream)
            if record is None:
                msg = f"academic year {year} is not opened in this school"
                raise UnknownRecordError(msg)
            grade = None
            if class_id is not None:
                klass = ctx.school_class(class_id)
                if klass.year != year:
                    msg = (
                        f"class {klass.name} is a class of {klass.year}, not of "
                        f"{year}; a period is closed for the classes of its year"
                    )
                    raise InvalidRecordError(msg)
                grade = klass.grade
            if subject is not None:
                ctx.school().subject(subject)
            name = record.close_period(
                period=period,
                class_id=class_id,
                grade=grade,
                subject=subject,
                by=cmd.author.staff,
                today=ctx.today(),
                at=ctx.now(),
            )
            cmd.save(record)
        return name


def check_closed_change(
    year: AcademicYear,
    closure: Closure | None,
    author: Author,
    order: Protocol | None,
    today: date,
    what: str,
) -> None:
    """After ``closure``, ``what`` changes only as a correction by the deputy
    director or the director citing an order (number and date, not in the
    future); :class:`PeriodClosedError` otherwise. Nothing to check when the
    period is open (``closure`` None)."""
    if closure is None:
        return
    closed = year.closed_name(closure)
    if not (author.has(DEPUTY) or author.has(DIRECTOR)) or order is None:
        msg = (
            f"{what} is in a closed period ({closure.period}, closed by {closed}); "
            "after closing it changes only as a correction by the deputy director "
            "or the director citing an order («приказ»: number and date)"
        )
        raise PeriodClosedError(msg)
    check_protocol(order, today, "order")
