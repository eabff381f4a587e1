"""State exams and final grades: the final essay (11th, December) and interview
(9th, February) that admit to them, with an additional date for those who got
«незачёт»; ОГЭ (9th) and ЕГЭ (11th) results imported from the regional centre,
with a reserve day; the final grades of the attestat, as Приказ 546 derives
them from the ledger."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ledger.domain.admission import AdmissionTestKind
from ledger.domain.attestation import Protocol
from ledger.domain.exams import ExamKind, ExamResult
from ledger.domain.grading import FAILED, PASSED
from ledger.domain.graduation import Derivation
from ledger.domain.school import Level
from ledger.domain.schoolyear import YEAR_PERIOD
from ledger.records.attestation import ExamImport
from simulation.chances import EARLIER, choice
from simulation.curriculum import EGE_ELECTIVES, OGE_ELECTIVES, SUBJECTS
from simulation.people import Pupil
from simulation.state import SchoolState


def admission_test(sim: SchoolState, day: date, kind: AdmissionTestKind) -> None:
    """The final essay (grade 11) or interview (grade 9): on the main date every
    pupil of the grade sits it, a few weak ones get «незачёт»; on the additional
    date (a later call) those sit it again and pass. The essay's results come
    from the regional centre, the interview's from the school's commission."""
    sim.clock.at(day, 17)
    again = sim.admission_failed.pop(kind.value, None)
    signer = sim.deputy if kind is AdmissionTestKind.INTERVIEW else sim.staff["exams"]
    protocol = Protocol(f"{kind.value}-{day:%m%d}", day)
    for klass in (k for k in sim.classes.values() if k.grade == kind.grade):
        results = {
            p.id: PASSED if again is not None or _passes(sim, p) else FAILED
            for p in klass.pupils
            if again is None or p.id in again
        }
        if not results:
            continue
        sim.records.attestation.record_admission_tests(
            class_id=klass.id,
            kind=kind,
            held_on=day,
            protocol=protocol,
            results=results,
            signed_by=signer.signing(),
        )
        sim.commands += 1
        if again is None:
            failed = [p for p, r in results.items() if r == FAILED]
            sim.admission_failed.setdefault(kind.value, []).extend(failed)


def _passes(sim: SchoolState, pupil: Pupil) -> bool:
    return pupil.ability != "weak" or sim.rng.random() < 0.85


def state_exams(sim: SchoolState, y: int) -> None:
    """ОГЭ (9th) and ЕГЭ (11th) results imported from the regional centre."""
    sim.exam_marks = {}
    sittings: list[tuple[date, str, list[tuple[Pupil, ExamKind, str]]]] = []
    nines = [
        p for k in sim.classes.values() if k.grade == 9 for p in k.pupils if not p.debts
    ]
    elevens = [
        p
        for k in sim.classes.values()
        if k.grade == 11
        for p in k.pupils
        if not p.debts
    ]
    electives = {p.id: sim.rng.sample(OGE_ELECTIVES, 2) for p in nines}
    ege = {p.id: sim.rng.sample(EGE_ELECTIVES, sim.rng.choice((1, 2))) for p in elevens}
    maths = {
        p.id: "math_prof"
        if p.ability in ("excellent", "good") or sim.rng.random() < 0.3
        else "math_base"
        for p in elevens
    }
    sittings.append(
        (
            date(y + 1, 5, 30),
            "elective-1",
            [(p, ExamKind.OGE, electives[p.id][0]) for p in nines]
            + [(p, ExamKind.EGE, ege[p.id][0]) for p in elevens],
        )
    )
    sittings.append(
        (
            date(y + 1, 6, 3),
            "rus",
            [(p, ExamKind.OGE, "rus") for p in nines]
            + [(p, ExamKind.EGE, "rus") for p in elevens],
        )
    )
    sittings.append(
        (
            date(y + 1, 6, 6),
            "math",
            [(p, ExamKind.OGE, "math") for p in nines]
            + [(p, ExamKind.EGE, maths[p.id]) for p in elevens],
        )
    )
    sittings.append(
        (
            date(y + 1, 6, 10),
            "elective-2",
            [(p, ExamKind.OGE, electives[p.id][1]) for p in nines]
            + [(p, ExamKind.EGE, ege[p.id][1]) for p in elevens if len(ege[p.id]) > 1],
        )
    )
    for day, _, sitting in sittings:
        _import(sim, day, sitting)
    by_id = {p.id: p for p in nines + elevens}
    failed = [
        (by_id[pid], r.exam, s)
        for (pid, s), r in sim.exam_marks.items()
        if not r.passed
    ]
    if failed:  # the reserve day («резервный день»)
        _import(sim, date(y + 1, 6, 18), failed)


def _import(
    sim: SchoolState, day: date, sitting: list[tuple[Pupil, ExamKind, str]]
) -> None:
    protocol_day = day + timedelta(days=10 if day.month == 5 or day.day < 15 else 4)
    sim.clock.at(protocol_day, 12)
    lines = []
    for pupil, exam, subject in sitting:
        result = _exam_result(sim, pupil, exam, subject, day)
        sim.exam_marks[(pupil.id, subject)] = result
        lines.append(
            ExamImport(
                pupil.id,
                sim.calendar.label,
                result,
                Protocol(f"{exam.value.upper()}-{subject}-{day:%m%d}", protocol_day),
                "РЦОИ Республики Татарстан",
            )
        )
    sim.records.attestation.import_exam_results(
        lines, signed_by=sim.staff["exams"].signing()
    )
    sim.commands += 1


def _exam_result(
    sim: SchoolState, pupil: Pupil, exam: ExamKind, subject: str, day: date
) -> ExamResult:
    band = {
        "excellent": (78, 98),
        "good": (60, 84),
        "average": (42, 70),
        "weak": (28, 56),
    }[pupil.ability]
    score = sim.rng.randint(*band)
    if exam is ExamKind.EGE and subject != "math_base":
        minimum = 24 if subject == "rus" else 27 if subject == "math_prof" else 36
        return ExamResult(exam, subject, day, score // 2, score, None, score >= minimum)
    mark = "5" if score >= 80 else "4" if score >= 62 else "3" if score >= 38 else "2"
    return ExamResult(exam, subject, day, score // 3, None, mark, mark != "2")


def final_grades(sim: SchoolState, on: date) -> None:
    """The class teacher records each graduate's final grades of the attestat."""
    sim.clock.at(on, 10)
    for klass in sim.classes.values():
        if klass.grade not in (9, 11):
            continue
        level = Level.BASIC if klass.grade == 9 else Level.SECONDARY
        for pupil in klass.pupils:
            if pupil.debts:
                continue
            derived = sim.records.attestation.derived_final_grades(pupil.id, level)
            grades = {
                s.code: _final(sim, pupil, s.code, level, derived.get(s.code))
                for s in SUBJECTS
                if level in s.attestat
            }
            sim.records.attestation.record_final_grades(
                pupil=pupil.id,
                level=level,
                grades=grades,
                signed_by=klass.teacher.signing(),
            )
            sim.commands += 1


def _final(
    sim: SchoolState,
    pupil: Pupil,
    subject: str,
    level: Level,
    found: Derivation | None,
) -> str:
    """The grade Приказ 546 derives from the ledger (``found``); where the
    ledger lacks an input (a year before it, grade 10 of a one-year demo), the
    personal file's earlier grades as the simulation imagines them."""
    if found is not None and found.value is not None:
        return found.value
    year = sim.grades[(pupil.id, subject)].get(YEAR_PERIOD)
    if year is None or not year.isdigit():  # a subject of earlier years
        year = choice(sim.rng, EARLIER[pupil.ability])
    parts = [int(year)]
    if level is Level.SECONDARY:  # grade 10's year grade, from the personal file
        parts.append(int(choice(sim.rng, EARLIER[pupil.ability])))
    exam_subject = "math" if subject in ("alg", "geom") else subject
    exam = sim.exam_marks.get((pupil.id, exam_subject))
    if level is Level.BASIC and exam is not None and exam.mark is not None:
        parts.append(int(exam.mark))
    mean = Decimal(sum(parts)) / len(parts)
    return str(max(3, int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP))))
