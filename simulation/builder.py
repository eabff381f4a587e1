"""A small school, set up through the records services: the one school builder.

The demo, the tests and the benchmarks all set their school up here: the school
registered, its staff's signing keys registered by the seal, the staff list,
subjects and grading policy, a school year, its classes, pupils and who teaches
what. Each step is one records-service call signed by whoever the caller names,
so a caller may interleave steps with its own clock, as the demo does;
:func:`build_school` runs the usual first steps in one go.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from ledger.application import LedgerApplication, Signing
from ledger.bootstrap import wire_school
from ledger.domain.grading import GradingPolicy
from ledger.domain.ids import class_id, school_id, staff_id
from ledger.domain.school import SchoolType, Subject
from ledger.domain.schoolyear import Holiday, PeriodScheme
from ledger.keys.directory import SigningKey
from ledger.keys.personal import DataKeyStore
from ledger.keys.services import register_signer
from ledger.records.context import Clock
from ledger.records.office import register_school
from ledger.records.people import EnrolmentInput, Identity
from ledger.records.setup import TeachingInput


def derived_key(seed: str) -> SigningKey:
    """A signing key derived from ``seed``: the same seed, the same key (for
    simulated and test schools only; a real school generates its keys)."""
    return SigningKey.from_seed(hashlib.sha256(seed.encode()).digest())


@dataclass(frozen=True)
class StaffMember:
    """A member of staff: staff number, post, name, signing roles and key."""

    number: str
    position: str
    name: str
    roles: tuple[str, ...]
    key: SigningKey


@dataclass(frozen=True)
class SchoolProfile:
    """Who the school is, as its registration says."""

    code: str
    name: str
    region: str
    timezone: str
    school_type: SchoolType = SchoolType.SECONDARY


@dataclass(frozen=True)
class YearPlan:
    """A school year: its label, first and last day, holidays and periods."""

    label: str
    starts: date
    ends: date
    holidays: tuple[Holiday, ...]
    schemes: tuple[PeriodScheme, ...]


class SchoolBuilder:
    """Sets one school up on ``app``, step by step, through its records services."""

    def __init__(
        self,
        app: LedgerApplication,
        code: str,
        *,
        seal: SigningKey,
        clock: Clock,
        data_keys: DataKeyStore | None,
    ) -> None:
        self.app = app
        self.seal = seal
        self.school = school_id(code)
        self.records = wire_school(app, self.school, clock, data_keys).records

    def staff_id(self, number: str) -> UUID:
        return staff_id(self.school, number)

    def class_id(self, year: str, name: str) -> UUID:
        return class_id(self.school, year, name)

    def register_keys(
        self, staff: Iterable[StaffMember], *, valid_from: datetime
    ) -> None:
        """Each member's public key and roles, registered by the school's seal."""
        for member in staff:
            register_signer(
                self.app,
                self.seal,
                public_key=member.key.public_bytes,
                holder=str(self.staff_id(member.number)),
                roles=member.roles,
                valid_from=valid_from,
            )

    def register_school(
        self, profile: SchoolProfile, *, at: datetime, signed_by: Signing
    ) -> None:
        register_school(
            self.app,
            code=profile.code,
            name=profile.name,
            region=profile.region,
            timezone=profile.timezone,
            at=at,
            signed_by=signed_by,
            school_type=profile.school_type,
        )

    def register_staff(
        self, staff: Iterable[StaffMember], *, signed_by: Signing
    ) -> None:
        self.records.setup.register_staff(
            [(m.number, m.position, m.name) for m in staff], signed_by=signed_by
        )

    def define_curriculum(
        self,
        subjects: Sequence[Subject],
        policy: GradingPolicy,
        *,
        signed_by: Signing,
    ) -> None:
        """The subjects taught and the grading policy, one save each."""
        self.records.setup.define_subjects(subjects, signed_by=signed_by)
        self.records.setup.set_grading_policy(policy, signed_by=signed_by)

    def open_year(self, year: YearPlan, *, signed_by: Signing) -> None:
        self.records.setup.open_year(
            year=year.label,
            starts=year.starts,
            ends=year.ends,
            holidays=year.holidays,
            schemes=year.schemes,
            signed_by=signed_by,
        )

    def open_classes(
        self,
        year: str,
        classes: Sequence[tuple[int, str, UUID]],
        *,
        signed_by: Signing,
    ) -> list[UUID]:
        """Classes ``(grade, letter, class teacher)`` of ``year``; their ids."""
        return self.records.setup.open_classes(year, classes, signed_by=signed_by)

    def enrol(
        self,
        klass: UUID,
        pupils: Iterable[Identity],
        *,
        on: date,
        order: str,
        signed_by: Signing,
    ) -> list[UUID]:
        """``pupils`` enrolled in ``klass`` on ``on`` by ``order``; their ids."""
        return self.records.people.enrol(
            [EnrolmentInput(identity, klass, on, order) for identity in pupils],
            signed_by=signed_by,
        )

    def assign_teaching(
        self, assignments: Sequence[TeachingInput], *, signed_by: Signing
    ) -> None:
        self.records.setup.assign_teaching(assignments, signed_by=signed_by)


@dataclass(frozen=True)
class SchoolPlan:
    """A small school: who it is, its staff, curriculum, year and classes
    (``(grade, letter, class teacher's staff number)``)."""

    profile: SchoolProfile
    staff: tuple[StaffMember, ...]
    keys_from: datetime
    subjects: tuple[Subject, ...]
    policy: GradingPolicy
    year: YearPlan
    classes: tuple[tuple[int, str, str], ...]

    def member(self, role: str) -> StaffMember:
        return next(m for m in self.staff if role in m.roles)


def build_school(
    app: LedgerApplication,
    plan: SchoolPlan,
    *,
    seal: SigningKey,
    clock: Clock,
    data_keys: DataKeyStore | None,
) -> SchoolBuilder:
    """The school registered (signed by the seal), its staff's keys (valid from
    ``plan.keys_from``), staff, curriculum, year and classes (signed by the
    director); pupils and teaching are the caller's next steps."""
    builder = SchoolBuilder(
        app, plan.profile.code, seal=seal, clock=clock, data_keys=data_keys
    )
    builder.register_school(plan.profile, at=clock(), signed_by=Signing(seal))
    builder.register_keys(plan.staff, valid_from=plan.keys_from)
    director = Signing(plan.member("director").key)
    builder.register_staff(plan.staff, signed_by=director)
    builder.define_curriculum(plan.subjects, plan.policy, signed_by=director)
    builder.open_year(plan.year, signed_by=director)
    builder.open_classes(
        plan.year.label,
        [(g, letter, builder.staff_id(t)) for g, letter, t in plan.classes],
        signed_by=director,
    )
    return builder
