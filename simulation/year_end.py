"""The end of the year: the intermediate attestation and its debts, the
council's admission to state exams and promotion, retakes (the second before a
commission), and retention of those who still owe."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ledger.domain.attestation import SubjectRecord
from ledger.domain.decisions import DecisionKind
from ledger.domain.grading import NOT_ATTESTED
from ledger.domain.ids import subject_record_id
from ledger.domain.schoolyear import YEAR_PERIOD
from ledger.records.council import DecisionInput
from simulation.curriculum import failing, maths, passing
from simulation.people import Pupil
from simulation.state import SchoolState


def intermediate_attestation(sim: SchoolState, on: date) -> None:
    """Grades 2–11, every subject (§7.3.1): a year test in Russian and
    mathematics, the year grade elsewhere and in the graduating grades 9 and 11
    (whose pupils are admitted to the state exams only without a debt); a
    failed result is a debt. The first grade is taught without marks."""
    sim.clock.at(on, 11)
    for klass in sim.classes.values():
        if klass.grade == 1:
            continue
        protocol = sim.protocol(on)
        graduating = klass.grade in (9, 11)
        for course in (c for cs in klass.courses.values() for c in cs):
            tested = not graduating and course.subject in ("rus", maths(klass.grade))
            results = {
                p.id: sim.grades[(p.id, course.subject)].get(YEAR_PERIOD, NOT_ATTESTED)
                for p in course.members
                if p.klass is klass
            }
            sim.records.attestation.record_intermediate_attestation(
                class_id=klass.id,
                subject=course.subject,
                subgroup=course.subgroup,
                form="годовая контрольная работа" if tested else "годовая отметка",
                protocol=protocol,
                results=results,
                signed_by=course.teacher.signing(),
            )
            sim.commands += 1
    for pupil in sim.pupils_now():  # as the ledger holds them (and the council reads)
        pupil.debts = sorted(
            {
                d.subject
                for d in sim.records.council.open_debts(pupil.id, sim.calendar.label)
            }
        )


def admit_to_exams(sim: SchoolState, on: date) -> None:
    """The council admits ninth and eleventh graders without debts to state exams."""
    sim.clock.at(on, 15)
    protocol = sim.protocol(on)
    admitted = [
        DecisionInput(p.id, DecisionKind.ADMITTED_TO_STATE_EXAMS)
        for k in sim.classes.values()
        if k.grade in (9, 11)
        for p in k.pupils
        if not p.debts
    ]
    sim.records.council.record_decisions(
        protocol, admitted, signed_by=sim.deputy.signing()
    )
    sim.commands += 1


def promote(sim: SchoolState, on: date) -> None:
    """The council promotes grades 1–8 and 10, conditionally those with debts."""
    sim.clock.at(on, 15)
    protocol = sim.protocol(on)
    decisions = []
    for klass in sim.classes.values():
        if klass.grade in (9, 11):
            continue
        to = f"{klass.grade + 1}{klass.name[-1]}"
        for p in klass.pupils:
            kind = (
                DecisionKind.PROMOTED_CONDITIONALLY
                if p.debts
                else DecisionKind.PROMOTED
            )
            decisions.append(DecisionInput(p.id, kind, to, tuple(p.debts)))
    sim.records.council.record_decisions(
        protocol, decisions, signed_by=sim.director.signing()
    )
    sim.commands += 1


def retakes(sim: SchoolState, on: date, attempt: int) -> list[Pupil]:
    """Retakes of the intermediate attestation's debts; who still owes."""
    sim.clock.at(on, 12)
    owing = []
    for pupil in sim.pupils_now():
        if pupil.klass is None or pupil.grade in (9, 11):
            continue
        for subject in list(pupil.debts):
            passed = sim.rng.random() < (0.6 if attempt == 1 else 0.8)
            course = next(c for c in pupil.klass.courses[subject] if pupil in c.members)
            commission: tuple[UUID, ...] = ()
            if attempt == 2:
                others = [
                    s
                    for s in sim.staff.values()
                    if s.speciality == course.teacher.speciality
                    and s is not course.teacher
                ]
                commission = (
                    course.teacher.id,
                    sim.deputy.id,
                    *(s.id for s in others[:1]),
                    sim.director.id,
                )
            sim.records.attestation.record_retake(
                pupil=pupil.id,
                subject=subject,
                year=sim.calendar.label,
                retakes=_last_result(sim, pupil, subject),
                result=passing(course.subject) if passed else failing(course.subject),
                protocol=sim.protocol(on),
                commission=commission,
                signed_by=course.teacher.signing(),
            )
            sim.commands += 1
            if passed:
                pupil.debts.remove(subject)
            elif pupil not in owing:
                owing.append(pupil)
    return owing


def _last_result(sim: SchoolState, pupil: Pupil, subject: str) -> str:
    record = sim.records.context.view(
        SubjectRecord, subject_record_id(pupil.id, subject, sim.calendar.label)
    )
    assert record is not None
    return f"{record.id}:{record.results[-1].seq}"


def retain(sim: SchoolState, on: date, pupils: list[Pupil]) -> None:
    """The council retains ``pupils`` who still owe after the second retake."""
    if not pupils:
        return
    sim.clock.at(on, 15)
    sim.records.council.record_decisions(
        sim.protocol(on),
        [DecisionInput(p.id, DecisionKind.RETAINED) for p in pupils],
        signed_by=sim.director.signing(),
    )
    sim.commands += 1
    for pupil in pupils:
        pupil.grade -= 1  # stays in the same grade next year
