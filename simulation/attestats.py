"""Attestats: the council's decisions (with honours and medals where the
criteria hold), the issue class by class with one spoiled blank, a correction
of the book and a duplicate."""

from __future__ import annotations

from datetime import date

from ledger.domain.attestat import Blank, Recipient
from ledger.domain.attestation import Protocol
from ledger.domain.decisions import DecisionKind, Medal
from ledger.domain.errors import HonoursError
from ledger.domain.school import Level
from ledger.records.attestats import AttestatRequest
from ledger.records.council import DecisionInput
from simulation.people import Pupil
from simulation.state import SchoolState


def attestat_decisions(sim: SchoolState, on: date) -> None:
    """The council decides who gets an attestat (with honours or a medal where
    the criteria hold) and who a study certificate."""
    sim.clock.at(on, 15)
    protocol = sim.protocol(on)
    decisions = []
    for klass in sim.classes.values():
        if klass.grade not in (9, 11):
            continue
        level = Level.BASIC if klass.grade == 9 else Level.SECONDARY
        for pupil in klass.pupils:
            if pupil.debts or not _exams_passed(sim, pupil):
                decisions.append(
                    DecisionInput(
                        pupil.id,
                        DecisionKind.STUDY_CERTIFICATE,
                        note="не прошёл ГИА",
                    )
                )
                continue
            honours, medal = _honours(sim, pupil, level)
            kind = (
                DecisionKind.ATTESTAT_BASIC
                if level is Level.BASIC
                else DecisionKind.ATTESTAT_SECONDARY
            )
            decisions.append(
                DecisionInput(pupil.id, kind, with_honours=honours, medal=medal)
            )
    sim.records.council.record_decisions(
        protocol, decisions, signed_by=sim.director.signing()
    )
    sim.commands += 1


def _exams_passed(sim: SchoolState, pupil: Pupil) -> bool:
    return all(r.passed for (pid, _), r in sim.exam_marks.items() if pid == pupil.id)


def _honours(sim: SchoolState, pupil: Pupil, level: Level) -> tuple[bool, Medal | None]:
    """The best honours the criteria allow (checked with the ledger's rule)."""
    options: list[tuple[bool, Medal | None]] = (
        [(True, None)]
        if level is Level.BASIC
        else [(True, Medal.FIRST), (True, Medal.SECOND)]
    )
    for honours, medal in options:
        try:
            sim.records.council.check_honours(
                pupil.id, level, sim.calendar.label, honours, medal
            )
        except HonoursError:
            continue
        return honours, medal
    return False, None


def issue_attestats(sim: SchoolState, order_day: date, issue_day: date) -> None:
    """Class by class, alphabetically, blanks ascending; one blank spoiled."""
    sim.clock.at(issue_day, 11)
    sim.issued_basic = []
    order = Protocol(f"{80 + sim.protocols}-о", order_day)
    spoiled = False
    for klass in sim.classes.values():
        if klass.grade not in (9, 11):
            continue
        level = Level.BASIC if klass.grade == 9 else Level.SECONDARY
        graduates = sorted(
            (p for p in klass.pupils if decided_attestat(sim, p)),
            key=lambda p: (p.identity.surname, p.identity.name),
        )
        requests = []
        for i, pupil in enumerate(graduates):
            if not spoiled and klass.grade == 11 and i == 2:
                blank = _blank(sim, level)
                sim.records.attestats.spoil_blank(
                    level=level,
                    blank=blank,
                    reason="ошибка при заполнении бланка",
                    signed_by=sim.director.signing(),
                )
                sim.commands += 1
                spoiled = True
            requests.append(
                AttestatRequest(
                    pupil.id,
                    _blank(sim, level),
                    Recipient.GRADUATE
                    if sim.rng.random() < 0.9
                    else Recipient.GUARDIAN,
                )
            )
        if requests:
            numbers = sim.records.attestats.issue(
                class_id=klass.id,
                requests=requests,
                order=order,
                issued_on=issue_day,
                signed_by=klass.teacher.signing(sim.director),
            )
            sim.commands += 1
            if level is Level.BASIC:
                sim.issued_basic.extend(numbers)


def decided_attestat(sim: SchoolState, pupil: Pupil) -> bool:
    """Whether the council decided an attestat for ``pupil``: no debts, exams passed."""
    return not pupil.debts and _exams_passed(sim, pupil)


def _blank(sim: SchoolState, level: Level) -> Blank:
    sim.blanks[level] += 1
    form = "09" if level is Level.BASIC else "11"
    series = f"{form}{(sim.calendar.starts.year + 1) % 100:02d}"
    return Blank(series, f"{sim.blanks[level]:07d}")


def book_correction(sim: SchoolState, on: date) -> None:
    """The director corrects who received an attestat (§7.3.5)."""
    if not sim.issued_basic:
        return
    sim.clock.at(on, 10)
    sim.records.attestats.correct_entry(
        level=Level.BASIC,
        entry=sim.issued_basic[min(1, len(sim.issued_basic) - 1)],
        field="received_by",
        value=Recipient.GUARDIAN.value,
        reason="аттестат получен матерью выпускника; запись исправлена",
        signed_by=sim.director.signing(),
    )
    sim.commands += 1


def duplicate(sim: SchoolState, on: date, original: int) -> None:
    """A duplicate of the basic attestat ``original``, issued after its loss."""
    sim.clock.at(on, 11)
    sim.records.attestats.issue_duplicate(
        level=Level.BASIC,
        original=original,
        blank=_blank(sim, Level.BASIC),
        reason="утрата оригинала (заявление выпускника)",
        order=Protocol(f"{90 + sim.protocols}-о", on),
        issued_on=on,
        signed_by=sim.secretary.signing(sim.director),
    )
    sim.commands += 1
