"""Portfolio: pupils' achievements (§3.2.2) and their withdrawal."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from api.commands import Body, Command
from api.commands.checks import about
from api.commands.values import EventName, Line, Text, both
from ledger.application import Signing
from ledger.domain.errors import (
    InvalidRecordError,
    NotEnrolledError,
    PortfolioError,
    UnknownRecordError,
)
from ledger.domain.portfolio import (
    AchievementKind,
    AchievementLevel,
    AchievementResult,
)
from ledger.records.office import SchoolRecords

TAGS = {
    "portfolio": (
        "Портфолио: достижения учеников (олимпиады, конкурсы, ГТО…) и их отзыв.",
        "Portfolio: pupils' achievements (olympiads, contests, GTO…), withdrawals.",
    ),
}


class AchievementIn(Body):
    """An achievement of a pupil, with the document that proves it."""

    pupil: Annotated[UUID, both("Ученик (id)", "The pupil's id")]
    kind: Annotated[AchievementKind, both("Вид", "Kind")]
    title: Annotated[Line, both("Название мероприятия", "The event's title")]
    level: Annotated[AchievementLevel, both("Уровень", "Level")]
    result: Annotated[AchievementResult, both("Результат", "Result")]
    on: Annotated[date, both("Дата", "Date")]
    document: Annotated[Line, both("Подтверждающий документ", "The proving document")]


def _record(records: SchoolRecords, body: AchievementIn, signing: Signing) -> str:
    with about("body", body, ("pupil", "on")):
        return records.portfolio.record_achievement(
            pupil=body.pupil,
            kind=body.kind,
            title=body.title,
            level=body.level,
            result=body.result,
            on=body.on,
            document=body.document,
            signed_by=signing,
        )


class WithdrawalIn(Body):
    """An achievement recorded in error, withdrawn, and why."""

    achievement: Annotated[
        EventName, both("Достижение «<id>:<номер>»", "The achievement «<id>:<seq>»")
    ]
    reason: Annotated[Text, both("Причина", "Why")]


def _withdraw(records: SchoolRecords, body: WithdrawalIn, signing: Signing) -> None:
    records.portfolio.withdraw_achievement(
        body.achievement, reason=body.reason, signed_by=signing
    )


COMMANDS: tuple[Command[Any], ...] = (
    Command(
        name="portfolio.record-achievement",
        resource="portfolio",
        path="/portfolio/achievements",
        body=AchievementIn,
        roles=("teacher", "class_teacher"),
        run=_record,
        summary_ru="Записать достижение ученика в портфолио",
        summary_en="Record a pupil's achievement",
        fields=((NotEnrolledError, "body.pupil"), (InvalidRecordError, "body.on")),
    ),
    Command(
        name="portfolio.withdraw-achievement",
        resource="portfolio",
        path="/portfolio/withdrawals",
        body=WithdrawalIn,
        roles=("class_teacher", "deputy_director"),
        run=_withdraw,
        summary_ru="Отозвать ошибочно записанное достижение",
        summary_en="Withdraw an achievement recorded in error",
        fields=(
            (PortfolioError, "body.achievement"),
            (UnknownRecordError, "body.achievement"),
            (InvalidRecordError, "body.achievement"),
        ),
    ),
)
