"""Attestats: the council's decisions (with honours and medals where the
criteria hold), the blanks received into stock, the issue class by class
(14-digit blanks of the 2020 form, alphabetically) with one spoiled blank and
each class's certification, a correction of the book and a duplicate."""

from __future__ import annotations

from datetime import date

from ledger.domain.attestat import (
    Blank,
    BlankKind,
    DuplicateCause,
    Recipient,
    blank_range,
)
from ledger.domain.attestation import Protocol
from ledger.domain.blanks import alphabet_key
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
    """Blanks received into stock; then class by class, alphabetically, blanks
    ascending, one blank spoiled; each class's entries certified by its class
    teacher and the director."""
    receive_blanks(sim, order_day, spare=3)
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
            key=lambda p: tuple(
                alphabet_key(part)
                for part in (
                    p.identity.surname,
                    p.identity.name,
                    p.identity.patronymic,
                )
            ),
        )
        requests = []
        for i, pupil in enumerate(graduates):
            if not spoiled and klass.grade == 11 and i == 2:
                sim.records.attestats.spoil_blank(
                    level=level,
                    blank=_blank(sim, level),
                    reason="ошибка при заполнении бланка",
                    signed_by=sim.director.signing(),
                )
                sim.commands += 1
                spoiled = True
            requests.append(_request(sim, pupil, level))
        if requests:
            numbers = sim.records.attestats.issue(
                class_id=klass.id,
                requests=requests,
                order=order,
                issued_on=issue_day,
                signed_by=klass.teacher.signing(sim.director),
            )
            sim.records.attestats.certify(
                class_id=klass.id,
                certified_on=issue_day,
                signed_by=klass.teacher.signing(sim.director),
            )
            sim.commands += 2
            if level is Level.BASIC:
                sim.issued_basic.extend(numbers)


def receive_blanks(sim: SchoolState, on: date, *, spare: int) -> None:
    """The secretary takes the year's blanks (attestats and supplements, the
    2020 form) into stock by the education department's invoice: enough for
    the graduates, with ``spare`` over for spoiled ones and duplicates."""
    sim.clock.at(on, 10)
    for level, grade in ((Level.BASIC, 9), (Level.SECONDARY, 11)):
        graduates = sum(len(k.pupils) for k in sim.classes.values() if k.grade == grade)
        for kind in (BlankKind.TITLE, BlankKind.SUPPLEMENT):
            key = (level, kind)
            needed = graduates + spare - (sim.received[key] - sim.blanks[key])
            if needed <= 0:
                continue
            first, last = sim.received[key] + 1, sim.received[key] + needed
            sim.received[key] = last
            letter = "а" if kind is BlankKind.TITLE else "п"
            sim.records.attestats.receive_blanks(
                level=level,
                kind=kind,
                blanks=blank_range(_numbered(sim, first), _numbered(sim, last)),
                invoice=f"накладная № {on.year % 100}-{grade}{letter} от {on:%d.%m.%Y}",
                received_on=on,
                signed_by=sim.secretary.signing(),
            )
            sim.commands += 1


def _request(sim: SchoolState, pupil: Pupil, level: Level) -> AttestatRequest:
    """The pupil's attestat and supplement blanks; now and then a parent
    receives it instead (the book names them)."""
    blank, supplement = _blank(sim, level), _blank(sim, level, BlankKind.SUPPLEMENT)
    if sim.rng.random() < 0.9:
        return AttestatRequest(pupil.id, blank, supplement=supplement)
    return AttestatRequest(
        pupil.id,
        blank,
        Recipient.GUARDIAN,
        supplement=supplement,
        recipient_name=_parent(sim, pupil),
    )


def _parent(sim: SchoolState, pupil: Pupil) -> str:
    """A mother's name for the book: the family name in its feminine form."""
    surname = pupil.identity.surname
    if pupil.male and surname.endswith(("ов", "ев", "ин", "ын")):
        surname += "а"
    name, patronymic = sim.rng.choice(MOTHERS)
    return f"{surname} {name} {patronymic}"


MOTHERS = (
    ("Елена", "Викторовна"),
    ("Ольга", "Николаевна"),
    ("Наталья", "Сергеевна"),
    ("Ирина", "Александровна"),
)


def decided_attestat(sim: SchoolState, pupil: Pupil) -> bool:
    """Whether the council decided an attestat for ``pupil``: no debts, exams passed."""
    return not pupil.debts and _exams_passed(sim, pupil)


def _blank(sim: SchoolState, level: Level, kind: BlankKind = BlankKind.TITLE) -> Blank:
    """The next blank of the stock: the 2020 form's 14 digits (region 116,
    printer's licence 24, year of printing, a serial number)."""
    sim.blanks[(level, kind)] += 1
    return _numbered(sim, sim.blanks[(level, kind)])


def _numbered(sim: SchoolState, serial: int) -> Blank:
    printed = sim.first_year % 100  # one print run serves the demo's years
    return Blank.current(f"11624{printed:02d}{serial:07d}")


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
        cause=DuplicateCause.LOST,
        supplement=_blank(sim, Level.BASIC, BlankKind.SUPPLEMENT),
    )
    sim.commands += 1
