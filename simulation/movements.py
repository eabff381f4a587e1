"""Pupils coming and going: enrolment, transfers to and from other schools, a
move to the parallel class, graduates leaving, and the move up a grade on
1 September with a new first grade."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from ledger.domain.people import LeaveReason, MoveReason
from ledger.records.people import Identity, MoveInput
from ledger.records.setup import TeachingInput
from simulation import attestats
from simulation.chances import ABILITIES, choice
from simulation.curriculum import LETTERS
from simulation.people import Klass, Pupil
from simulation.state import SchoolState


def enrol_everyone(sim: SchoolState) -> None:
    """First year: every pupil of grades 1–11, on 1 September."""
    cal = sim.calendar
    sim.clock.at(cal.starts - timedelta(days=2), 9)
    for klass in sim.classes.values():
        _enrol(
            sim,
            klass,
            sim.scale.class_size,
            cal.starts,
            f"№ {klass.grade}-у от {cal.starts - timedelta(days=3):%d.%m.%Y}",
        )


def _enrol(
    sim: SchoolState, klass: Klass, count: int, on: date, order: str
) -> list[Pupil]:
    people = []
    for _ in range(count):
        male = sim.rng.random() < 0.5
        surname, name, patronymic = sim.person(male)
        born = date(
            on.year - 6 - klass.grade,
            sim.rng.randint(1, 12),
            sim.rng.randint(1, 28),
        )
        people.append((Identity(surname, name, patronymic, born), male))
    ids = sim.builder.enrol(
        klass.id,
        [identity for identity, _ in people],
        on=on,
        order=order,
        signed_by=sim.secretary.signing(),
    )
    sim.commands += 1
    made = []
    for pupil_id, (identity, male) in zip(ids, people, strict=True):
        ability = choice(sim.rng, ABILITIES)
        pupil = Pupil(pupil_id, identity, ability, male, klass.grade, klass)
        klass.pupils.append(pupil)
        made.append(pupil)
    if len(made) >= 8 and all(p.ability != "excellent" for p in made):
        sim.rng.choice(made).ability = "excellent"  # most classes have one
    return made


def transfers_out(sim: SchoolState, on: date) -> None:
    """Two pupils move to other schools; one family asks for the personal file."""
    sim.clock.at(on, 9)
    leaving = [k.pupils[-1] for k in sim.classes.values() if 3 <= k.grade <= 8][:2]
    for i, pupil in enumerate(leaving):
        request = on - timedelta(days=2) if i == 0 else None
        sim.records.people.leave(
            pupil.id,
            on=on,
            reason=LeaveReason.TRANSFERRED,
            order=f"№ {40 + i}-в от {on:%d.%m.%Y}",
            file_handed_to_guardian=request is not None,
            guardian_request=request,
            signed_by=sim.secretary.signing(),
        )
        sim.commands += 1
        _remove(pupil)


def _remove(pupil: Pupil) -> None:
    if pupil.klass is not None:
        pupil.klass.pupils.remove(pupil)
    pupil.klass = None


def arrivals(sim: SchoolState, on: date) -> None:
    """Two pupils arrive from other schools; English subgroup lists change."""
    sim.clock.at(on, 9)
    for klass in [k for k in sim.classes.values() if 5 <= k.grade <= 8][:2]:
        [pupil] = _enrol(sim, klass, 1, on, f"№ {klass.grade}-у от {on:%d.%m.%Y}")
        course = klass.courses["eng"][-1]
        course.members.append(pupil)
        sim.builder.assign_teaching(
            [
                TeachingInput(
                    klass.id,
                    "eng",
                    course.teacher.id,
                    on,
                    course.subgroup,
                    tuple(p.id for p in course.members),
                )
            ],
            signed_by=sim.deputy.signing(),
        )
        sim.commands += 1
        for c in (c for cs in klass.courses.values() for c in cs if c.subgroup is None):
            c.members.append(pupil)


def parallel_move(sim: SchoolState, on: date) -> None:
    """A pupil moves to the parallel class (7А → 7Б) at the family's request."""
    source, target = sim.classes.get("7А"), sim.classes.get("7Б")
    if source is None or target is None or not source.pupils:
        return
    sim.clock.at(on, 9)
    pupil = source.pupils[0]
    sim.records.people.move(
        [
            MoveInput(
                pupil.id,
                target.id,
                on,
                MoveReason.PARALLEL,
                f"приказ № 51-у от {on:%d.%m.%Y}",
            )
        ],
        signed_by=sim.secretary.signing(),
    )
    sim.commands += 1
    _remove(pupil)
    pupil.klass = target
    target.pupils.append(pupil)
    for course in (c for cs in source.courses.values() for c in cs):
        if pupil in course.members:
            course.members.remove(pupil)
    for subject, courses in target.courses.items():
        course = courses[-1]
        course.members.append(pupil)
        if course.subgroup is not None:
            sim.builder.assign_teaching(
                [
                    TeachingInput(
                        target.id,
                        subject,
                        course.teacher.id,
                        on,
                        course.subgroup,
                        tuple(p.id for p in course.members),
                    )
                ],
                signed_by=sim.deputy.signing(),
            )
            sim.commands += 1


def graduates_leave(sim: SchoolState, on: date) -> None:
    """Graduates leave, except about half of the ninth graders with an attestat,
    who stay for grade 10; those without one leave as transferred."""
    sim.clock.at(on, 12)
    for klass in sim.classes.values():
        if klass.grade not in (9, 11):
            continue
        for pupil in list(klass.pupils):
            staying = (
                klass.grade == 9
                and attestats.decided_attestat(sim, pupil)
                and sim.rng.random() < 0.55
            )
            if staying:
                continue
            reason = (
                LeaveReason.GRADUATED
                if attestats.decided_attestat(sim, pupil)
                else LeaveReason.TRANSFERRED
            )
            sim.records.people.leave(
                pupil.id,
                on=on,
                reason=reason,
                order=f"№ 60-в от {on:%d.%m.%Y}",
                signed_by=sim.secretary.signing(),
            )
            sim.commands += 1
            _remove(pupil)


def new_intake(sim: SchoolState, previous: dict[str, Klass]) -> None:
    """Pupils move up a grade on 1 September; a new 1st grade is enrolled."""
    cal = sim.calendar
    sim.clock.at(cal.starts, 8)
    moves: list[MoveInput] = []
    placed: dict[str, list[Pupil]] = defaultdict(list)
    for old in previous.values():
        for pupil in old.pupils:
            grade = pupil.grade + 1 if pupil.grade == old.grade else old.grade
            letter = (
                old.name[-1]
                if grade <= 9
                else LETTERS[len(placed[str(grade)]) % sim.scale.classes_in(grade)]
            )
            target = sim.classes.get(f"{grade}{letter}") or sim.classes[f"{grade}А"]
            reason = MoveReason.RETAINED if grade == old.grade else MoveReason.PROMOTED
            moves.append(
                MoveInput(
                    pupil.id,
                    target.id,
                    cal.starts,
                    reason,
                    f"протокол педсовета № {sim.protocols}",
                )
            )
            placed[str(grade)].append(pupil)
            pupil.grade, pupil.klass, pupil.debts = grade, target, []
            target.pupils.append(pupil)
    for i in range(0, len(moves), 200):
        sim.records.people.move(moves[i : i + 200], signed_by=sim.secretary.signing())
        sim.commands += 1
    for klass in sim.classes.values():
        missing = sim.scale.class_size - len(klass.pupils)
        if klass.grade == 1 or (klass.grade == 10 and missing > 0):
            _enrol(
                sim,
                klass,
                missing,
                cal.starts,
                f"№ {klass.grade}-у от {cal.starts - timedelta(days=2):%d.%m.%Y}",
            )
