"""The people and classes of the simulated school, as the simulation knows them.

The ledger knows pupils and staff by pseudonymous ids only; the simulation also
keeps what drives its choices: a pupil's ability and debts, a teacher's
speciality and hours, a class's courses and weekly timetable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from ledger.application import Signing
from ledger.records.people import Identity
from simulation.builder import StaffMember


@dataclass
class Staffer:
    """A member of staff: as registered (with their signing key), their
    speciality and the weekly hours they teach this year."""

    label: str
    member: StaffMember = field(repr=False)
    speciality: str
    id: UUID
    hours: int = 0

    def signing(self, *cosigners: Staffer) -> Signing:
        return Signing(self.member.key, tuple(c.member.key for c in cosigners))


@dataclass
class Pupil:
    """A pupil as the simulation knows them (the ledger knows only the UUID)."""

    id: UUID
    identity: Identity
    ability: str
    male: bool
    grade: int = 0
    klass: Klass | None = None
    ill_until: date | None = None
    debts: list[str] = field(default_factory=list)


@dataclass
class Course:
    """A class's subject (or one subgroup of it) and its teacher."""

    klass: Klass
    subject: str
    subgroup: str | None
    teacher: Staffer
    hours: int
    members: list[Pupil]
    given: int = 0

    @property
    def key(self) -> tuple[UUID, str, str | None]:
        return (self.klass.id, self.subject, self.subgroup)

    @property
    def test_every(self) -> int:
        return max(5, round(8 * self.hours))


@dataclass
class Klass:
    """A class of one year, its pupils, courses and weekly timetable."""

    id: UUID
    name: str
    grade: int
    teacher: Staffer
    pupils: list[Pupil] = field(default_factory=list)
    courses: dict[str, list[Course]] = field(default_factory=dict)
    week: list[list[str]] = field(default_factory=list)
