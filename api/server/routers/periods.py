"""The periods of the academic year by grade, and where each stands today
(upcoming, open, ended, closed: with the closings that cover it).

Part of the lists to act on (``api.server.routers.lists``, the same tag): a
period's code is what a lesson list or a period grade names.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.server.deps import CurrentAccount, OfficeDep
from api.server.listing import LiveRecords, period_title
from api.server.problems import PROBLEM_RESPONSES
from api.server.routers.lists import TAG, YearParam, chosen_year
from ledger.domain.academic_year import AcademicYear
from ledger.domain.ids import academic_year_id
from ledger.domain.schoolyear import YEAR_PERIOD

router = APIRouter(tags=[TAG], responses=PROBLEM_RESPONSES)


class PeriodState(StrEnum):
    """Where a period stands. ``closed``: closed for the whole school by the
    deputy director or the director (its closing event, or the year's, named
    in ``closed_by``); a period whose last day has passed and that is not
    closed is ``ended``: its period grades may be recorded (§4.1). Closings
    of one class or subject are listed in the period's ``closings``."""

    UPCOMING = "upcoming"
    OPEN = "open"
    ENDED = "ended"
    CLOSED = "closed"


class ClosingPublic(BaseModel):
    """A closing of a period or the year («период закрыт», «год закрыт»): its
    scope (the whole school, a class, or a class's subject) and event."""

    event: str = Field(description="<year stream>:<seq>")
    period: str = Field(description="The period closed, or Y: the whole year")
    class_id: UUID | None = Field(default=None, description="None: every class")
    subject: str | None = Field(default=None, description="None: every subject")
    by: UUID


class PeriodPublic(BaseModel):
    """A study period: code, Russian name, days and state."""

    code: str = Field(description="Q1…Q4, T1…T3, H1, H2, or Y for the year")
    name: str = Field(description="«I четверть»")
    starts: date
    ends: date
    state: PeriodState
    closed_by: str | None = Field(
        default=None,
        description="The event that closed it for the whole school "
        "(«период закрыт» or «год закрыт»)",
    )
    closings: list[ClosingPublic] = Field(
        default_factory=list,
        description="Every closing that covers the period, for the school, a "
        "class or a class's subject, with its event",
    )


class SchemePublic(BaseModel):
    """The periods of the grades that share one split of the year."""

    grades: list[int]
    kind: str = Field(description="quarters, trimesters or halves")
    periods: list[PeriodPublic]


class YearPeriods(BaseModel):
    """An academic year, its days and its periods by grade."""

    year: str
    starts: date
    ends: date
    today: date
    schemes: list[SchemePublic]


@router.get("/periods")
def periods(
    office: OfficeDep, _: CurrentAccount, year: YearParam = None
) -> YearPeriods:
    """The periods of the academic year by grade, and their state today."""
    live = LiveRecords(office.app)
    facts = live.facts()
    chosen = chosen_year(office, facts, year)
    with office.reading() as ctx:
        today = ctx.today()
        record = ctx.replay(AcademicYear, academic_year_id(ctx.school_id, chosen))
        closings = [] if record is None else _closings(record)
    y = facts.years[chosen]
    whole = {"code": "Y", "starts": y["starts"], "ends": y["ends"]}
    return YearPeriods(
        year=chosen,
        starts=y["starts"],
        ends=y["ends"],
        today=today,
        schemes=[
            SchemePublic(
                grades=s["grades"],
                kind=s["kind"],
                periods=[
                    _period_public(p, today, closings) for p in [*s["periods"], whole]
                ],
            )
            for s in y["schemes"]
        ],
    )


def _closings(record: AcademicYear) -> list[ClosingPublic]:
    """The year's closings, in the order they were recorded."""
    return [
        ClosingPublic(
            event=record.closed_name(c),
            period=c.period,
            class_id=c.class_id,
            subject=c.subject,
            by=c.by,
        )
        for c in record.closures
    ]


def _period_public(
    p: dict[str, Any], today: date, closings: list[ClosingPublic]
) -> PeriodPublic:
    """A period's state today: the closings that cover it (its own or the
    year's) decide ``closed``; the days decide the rest."""
    starts, ends = date.fromisoformat(p["starts"]), date.fromisoformat(p["ends"])
    covering = [c for c in closings if c.period in (p["code"], YEAR_PERIOD)]
    school = next((c for c in covering if c.class_id is None and not c.subject), None)
    if school is not None:
        state = PeriodState.CLOSED
    elif today < starts:
        state = PeriodState.UPCOMING
    elif today <= ends:
        state = PeriodState.OPEN
    else:
        state = PeriodState.ENDED
    return PeriodPublic(
        code=p["code"],
        name=period_title(p["code"]),
        starts=starts,
        ends=ends,
        state=state,
        closed_by=school.event if school is not None else None,
        closings=covering,
    )
