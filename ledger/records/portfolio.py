"""Achievements: recorded for a pupil of the school on the day, of a kind the
school's type keeps (a primary school's «Папка достижений»), withdrawn by name."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ledger.application import Signing
from ledger.domain.base import stream_of
from ledger.domain.errors import NotEnrolledError
from ledger.domain.ids import portfolio_id
from ledger.domain.people import PersonalFile
from ledger.domain.portfolio import (
    AchievementKind,
    AchievementLevel,
    AchievementResult,
    Portfolio,
)
from ledger.domain.schoolyear import year_label
from ledger.records.context import RecordsContext


def school_year_of(day: date) -> str:
    """The school year a date falls in: September to August."""
    return year_label(date(day.year if day.month >= 9 else day.year - 1, 9, 1))


class Portfolios:
    """Pupils' achievements (§3.2.2)."""

    def __init__(self, ctx: RecordsContext) -> None:
        self.ctx = ctx

    def record_achievement(
        self,
        *,
        pupil: UUID,
        kind: AchievementKind,
        title: str,
        level: AchievementLevel,
        result: AchievementResult,
        on: date,
        document: str,
        signed_by: Signing,
    ) -> str:
        """Record an achievement; its event name."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            file = ctx.view(PersonalFile, pupil)
            if (
                file is None
                or file.school != ctx.school_id
                or file.class_on(on) is None
            ):
                msg = (
                    f"pupil {pupil} was not a pupil of this school on {on}; "
                    "achievements are recorded for the school's pupils"
                )
                raise NotEnrolledError(msg)
            ctx.school().school_type.check_achievement(kind)
            stream = portfolio_id(pupil, school_year_of(on))
            record = ctx.record(Portfolio, stream)
            name = record.record_achievement(
                pupil=pupil,
                kind=kind,
                title=title,
                level=level,
                result=result,
                on=on,
                document=document,
                today=ctx.today(),
                by=cmd.author.staff,
                at=ctx.now(),
            )
            cmd.save(record)
        return name

    def withdraw_achievement(
        self, achievement: str, *, reason: str, signed_by: Signing
    ) -> None:
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            stream = stream_of(achievement, "achievement")
            record = ctx.record(Portfolio, stream)
            record.withdraw(
                achievement=achievement,
                reason=reason,
                by=cmd.author.staff,
                at=ctx.now(),
            )
            cmd.save(record)
