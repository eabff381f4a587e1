"""Staffing: the school's staff and their keys, its founding, a year's classes
and who teaches each class's subjects."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from ledger.records.setup import TeachingInput
from simulation.builder import StaffMember, derived_key
from simulation.calendar import Calendar
from simulation.curriculum import (
    HOURS,
    LETTERS,
    POLICY,
    POSITIONS,
    PRIMARY_SPECIALISTS,
    SPECIALITY,
    SUBJECTS,
)
from simulation.people import Course, Klass, Pupil, Staffer
from simulation.state import PROFILE, SchoolState


def hire(sim: SchoolState) -> None:
    """Staff keys (in the key directory), registered by the seal, valid from
    1 August of the first simulated year."""
    plan: list[tuple[str, str, tuple[str, ...], str]] = [
        ("director", "директор", ("director",), "admin"),
        (
            "deputy",
            "заместитель директора по учебной работе",
            ("deputy_director",),
            "admin",
        ),
        ("secretary", "секретарь учебной части", ("secretary",), "admin"),
        ("exams", "ответственный за ГИА (оператор РЦОИ)", ("importer",), "admin"),
        ("auditor", "член экспертной комиссии", ("auditor",), "admin"),
    ]
    for speciality, count in sorted(_teacher_counts(sim).items()):
        for i in range(1, count + 1):
            plan.append(
                (
                    f"{speciality}-{i}",
                    POSITIONS[speciality],
                    ("teacher", "class_teacher"),
                    speciality,
                )
            )
    members = []
    for n, (label, position, roles, speciality) in enumerate(plan, start=1):
        key = derived_key(f"{sim.seed}/{label}")
        sim.directory.add_signer(label, key)
        name = " ".join(sim.person(sim.rng.random() < 0.3))
        member = StaffMember(f"{n:03d}", position, name, roles, key)
        members.append(member)
        sim.staff[label] = Staffer(
            label, member, speciality, sim.builder.staff_id(member.number)
        )
    sim.builder.register_keys(
        members, valid_from=datetime(sim.first_year, 8, 1, tzinfo=UTC)
    )


def _teacher_counts(sim: SchoolState) -> dict[str, int]:
    hours: Counter[str] = Counter()
    for grade, subjects in HOURS.items():
        classes = sim.scale.classes_in(grade)
        for subject, h in subjects.items():
            if grade <= 4 and subject not in PRIMARY_SPECIALISTS:
                continue
            split = 2 if subject == "eng" and grade >= 5 else 1
            hours[SPECIALITY[subject]] += h * classes * split
    counts = {
        s: max(2 if s in ("maths", "russian") else 1, math.ceil(h / 22))
        for s, h in hours.items()
    }
    counts["primary"] = 4 * sim.scale.per_grade
    return counts


def found_school(sim: SchoolState) -> None:
    """The school registered by its director, with its staff and curriculum."""
    sim.clock.at(date(sim.first_year, 8, 20), 10)
    sim.builder.register_school(
        PROFILE, at=sim.clock(), signed_by=sim.director.signing()
    )
    sim.builder.register_staff(
        [s.member for s in sim.staff.values()], signed_by=sim.director.signing()
    )
    sim.builder.define_curriculum(SUBJECTS, POLICY, signed_by=sim.deputy.signing())
    sim.commands += 5


def open_year(sim: SchoolState, y: int) -> None:
    """The year ``y``/``y + 1`` opened with its classes and class teachers."""
    sim.calendar = cal = Calendar.of(y)
    sim.clock.at(date(y, 8, 28), 10)
    sim.builder.open_year(cal, signed_by=sim.director.signing())
    for s in sim.staff.values():
        s.hours = 0
    sim.classes = {}
    senior = [s for s in sim.staff.values() if s.speciality not in ("admin", "primary")]
    primary = [s for s in sim.staff.values() if s.speciality == "primary"]
    plan: list[tuple[int, str, Staffer]] = []
    for grade in range(1, 12):
        for i in range(sim.scale.classes_in(grade)):
            teacher = primary.pop(0) if grade <= 4 else senior[len(plan) % len(senior)]
            plan.append((grade, LETTERS[i], teacher))
    ids = sim.builder.open_classes(
        cal.label,
        [(g, letter, t.id) for g, letter, t in plan],
        signed_by=sim.deputy.signing(),
    )
    for (grade, letter, teacher), class_id in zip(plan, ids, strict=True):
        name = f"{grade}{letter}"
        sim.classes[name] = Klass(class_id, name, grade, teacher)
    sim.commands += 2


def staff_courses(sim: SchoolState) -> None:
    """Teachers for every class's subjects (English in two subgroups from 5th)."""
    cal = sim.calendar
    sim.clock.at(cal.starts - timedelta(days=1), 11)
    for klass in sim.classes.values():
        assignments = []
        pupils = sorted(klass.pupils, key=lambda p: p.identity.surname)
        for subject, h in HOURS[klass.grade].items():
            groups: list[tuple[str | None, list[Pupil]]] = [(None, list(pupils))]
            if subject == "eng" and klass.grade >= 5:
                half = (len(pupils) + 1) // 2
                groups = [("1", pupils[:half]), ("2", pupils[half:])]
            for subgroup, members in groups:
                teacher = _teacher_for(sim, klass, subject, h)
                course = Course(klass, subject, subgroup, teacher, h, members)
                klass.courses.setdefault(subject, []).append(course)
                assignments.append(
                    TeachingInput(
                        klass.id,
                        subject,
                        teacher.id,
                        cal.starts,
                        subgroup,
                        tuple(p.id for p in members) if subgroup else (),
                    )
                )
        sim.builder.assign_teaching(assignments, signed_by=sim.deputy.signing())
        sim.commands += 1
        klass.week = _timetable(sim, klass)


def _teacher_for(sim: SchoolState, klass: Klass, subject: str, hours: int) -> Staffer:
    if klass.grade <= 4 and subject not in PRIMARY_SPECIALISTS:
        return klass.teacher
    pool = [s for s in sim.staff.values() if s.speciality == SPECIALITY[subject]]
    teacher = min(pool, key=lambda s: (s.hours, s.label))
    teacher.hours += hours
    return teacher


def _timetable(sim: SchoolState, klass: Klass) -> list[list[str]]:
    slots = [s for s, h in HOURS[klass.grade].items() for _ in range(h)]
    sim.rng.shuffle(slots)
    return [slots[d::5] for d in range(5)]
