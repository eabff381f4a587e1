"""A pupil's achievements («портфолио достижений», §3.2.2, §4.9).

One :class:`Portfolio` stream per pupil and school year: olympiads, contests,
sport, with level and result. A withdrawal names the achievement and the reason
(a diploma found not to be the pupil's, a result annulled by the organisers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from ledger.domain.base import OpensStream, RecordStream, seq_in
from ledger.domain.errors import InvalidRecordError, PortfolioError
from ledger.events import register_event_types


class AchievementKind(StrEnum):
    """What the achievement was in (§3.2.2)."""

    OLYMPIAD = "olympiad"
    CONTEST = "contest"
    SPORT = "sport"
    GTO = "gto"  # нормативы ГТО
    CONFERENCE = "conference"
    VOLUNTEERING = "volunteering"
    # the «Папка достижений» of a primary school (progymnasium regulation §3.3)
    CREATIVE_WORK = "creative_work"  # творческая работа
    PROJECT = "project"  # проект (индивидуальный или групповой)
    METASUBJECT = "metasubject"  # метапредметный результат


ACHIEVEMENTS_FOLDER = (
    AchievementKind.CREATIVE_WORK,
    AchievementKind.PROJECT,
    AchievementKind.METASUBJECT,
)


class AchievementLevel(StrEnum):
    """How far the event reached."""

    SCHOOL = "school"
    MUNICIPAL = "municipal"
    REGIONAL = "regional"
    NATIONAL = "national"
    INTERNATIONAL = "international"


class AchievementResult(StrEnum):
    """The pupil's standing."""

    WINNER = "winner"  # победитель
    PRIZE = "prize"  # призёр
    PARTICIPANT = "participant"  # участник


@dataclass
class Achievement:
    seq: int
    title: str
    withdrawn: bool = False


@register_event_types
class Portfolio(RecordStream):
    """A pupil's achievements in one school year."""

    class AchievementRecorded(OpensStream):
        """portfolio.AchievementRecorded: an olympiad, contest or sports result with
        its level and the document that proves it (§3.2.2, §4.7)."""

        TOPIC: ClassVar[str] = "portfolio.AchievementRecorded"
        pupil: UUID
        kind: AchievementKind
        title: str
        level: AchievementLevel
        result: AchievementResult
        on: date
        document: str
        by: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.achievements[self.originator_version] = Achievement(
                self.originator_version, self.title
            )

    class AchievementWithdrawn(OpensStream):
        """portfolio.AchievementWithdrawn: an achievement recorded in error stops
        counting; names it and the reason (§3.2.2)."""

        TOPIC: ClassVar[str] = "portfolio.AchievementWithdrawn"
        withdraws: str
        reason: str
        by: UUID

        def apply(self, aggregate: Any) -> None:
            seq = seq_in(aggregate.id, self.withdraws, "achievement")
            aggregate.achievements[seq].withdrawn = True

    def __init__(self) -> None:
        self.achievements: dict[int, Achievement] = {}

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
        today: date,
        by: UUID,
        at: datetime,
    ) -> str:
        """Record an achievement of ``on`` (not after ``today``, with a title);
        its event name."""
        if on > today or not title.strip():
            msg = f"an achievement needs a title and a date not after today ({on})"
            raise InvalidRecordError(msg)
        return self._append(
            self.AchievementRecorded(
                *self._next(at),
                pupil=pupil,
                kind=kind,
                title=title,
                level=level,
                result=result,
                on=on,
                document=document,
                by=by,
            )
        )

    def withdraw(self, *, achievement: str, reason: str, by: UUID, at: datetime) -> str:
        """Withdraw the recorded, standing ``achievement`` of this portfolio, with
        the reason; the withdrawal's event name."""
        if not self.is_open:
            msg = f"achievement {achievement} is not recorded; nothing to withdraw"
            raise PortfolioError(msg)
        self.check_withdrawal(achievement, reason)
        return self._append(
            self.AchievementWithdrawn(
                *self._next(at), withdraws=achievement, reason=reason, by=by
            )
        )

    def check_withdrawal(self, name: str, reason: str) -> None:
        found = self.achievements.get(seq_in(self.id, name, "achievement"))
        if found is None or found.withdrawn:
            state = "was withdrawn already" if found else "is not recorded"
            msg = (
                f"achievement {name} {state}; only a recorded, standing achievement "
                "can be withdrawn"
            )
            raise PortfolioError(msg)
        if not reason.strip():
            msg = "a withdrawal needs the reason"
            raise InvalidRecordError(msg)
