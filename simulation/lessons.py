"""School days: lessons with marks and absences, the next day's corrections and
voids, pupils' illnesses, and a teacher's sick week covered by a colleague."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from uuid import UUID

from ledger.domain.grading import FAILED, PASSED
from ledger.domain.journal import AbsenceKind
from ledger.records.journal import AbsenceInput, LessonInput, MarkInput
from simulation.chances import MARK_ODDS, choice
from simulation.closing import LATE_DAYS
from simulation.curriculum import POLICY, TEST_WORK, TOPICS, WORK_TYPES
from simulation.people import Course, Pupil, Staffer
from simulation.state import SchoolState, TrackKey

# teachers off sick: label -> (first day, last day, the colleague who covers)
Cover = dict[str, tuple[date, date, Staffer]]


def school_day(
    sim: SchoolState, day: date, sick: Cover, *, may_defer: bool = False
) -> None:
    """Lessons (one save per teacher), then yesterday's corrections; with
    ``may_defer``, now and then a teacher enters the day's lessons the next
    school day instead (:func:`record_late`)."""
    _illnesses(sim, day)
    batches: dict[str, list[LessonInput]] = defaultdict(list)
    tracked: dict[str, list[list[tuple[TrackKey, Pupil]]]] = defaultdict(list)
    for klass in sim.classes.values():
        counts: Counter[str] = Counter()
        for subject in klass.week[day.weekday()]:
            counts[subject] += 1
            for course in klass.courses[subject]:
                teacher = _teacher_on(course, day, sick)
                lesson, keys = _lesson(sim, course, day, counts[subject])
                batches[teacher.label].append(lesson)
                tracked[teacher.label].append(keys)
    for minute, label in enumerate(sorted(batches)):
        teacher = sim.staff[label]
        if may_defer and sim.rng.random() < LATE_DAYS:
            sim.late_batches.append((label, batches[label], tracked[label]))
            continue
        sim.clock.at(day, 14, minute % 60)
        lessons = sim.records.journal.record_lessons(
            batches[label], signed_by=teacher.signing()
        )
        sim.commands += 1
        for stream, lesson, keys in zip(
            lessons, batches[label], tracked[label], strict=True
        ):
            _track(sim, stream, lesson, keys, teacher)


def record_late(sim: SchoolState, day: date) -> None:
    """The lessons teachers did not enter on their day, entered this morning:
    late entries (§7.3.6: the journal is filled in on the day of the lesson)."""
    for minute, (label, batch, keys) in enumerate(sim.late_batches):
        teacher = sim.staff[label]
        sim.clock.at(day, 8, minute % 60)
        streams = sim.records.journal.record_lessons(batch, signed_by=teacher.signing())
        sim.commands += 1
        for stream, lesson, tracked in zip(streams, batch, keys, strict=True):
            _track(sim, stream, lesson, tracked, teacher)
    sim.late_batches = []


def _teacher_on(course: Course, day: date, sick: Cover) -> Staffer:
    absent = sick.get(course.teacher.label)
    if absent is not None and absent[0] <= day <= absent[1]:
        return absent[2]
    return course.teacher


def _illnesses(sim: SchoolState, day: date) -> None:
    for pupil in sim.pupils_now():
        if pupil.ill_until is not None and day > pupil.ill_until:
            pupil.ill_until = None
        if pupil.ill_until is None and sim.rng.random() < 0.006:
            pupil.ill_until = day + timedelta(days=sim.rng.randint(2, 8))


def _lesson(
    sim: SchoolState, course: Course, day: date, number: int
) -> tuple[LessonInput, list[tuple[TrackKey, Pupil]]]:
    course.given += 1
    klass = course.klass
    test = course.given % course.test_every == course.test_every - 1
    period = sim.calendar.period_of(klass.grade, day) or ""
    members = [p for p in course.members if p.klass is klass]
    marks, absences, keys = [], [], []
    for pupil in members:
        if pupil.ill_until is not None:
            absences.append(AbsenceInput(pupil.id, AbsenceKind.ILL))
            continue
        roll = sim.rng.random()
        if roll < 0.003:
            absences.append(AbsenceInput(pupil.id, AbsenceKind.UNEXCUSED))
            continue
        if roll < 0.006:
            absences.append(AbsenceInput(pupil.id, AbsenceKind.LATE))
        key = (course.key, period, pupil.id)
        chance = _mark_chance(sim, course, day, len(sim.marks.get(key, ())))
        if klass.grade == 1 or not (test or sim.rng.random() < chance):
            continue
        work = (
            TEST_WORK
            if test
            else choice(
                sim.rng,
                (
                    ("ответ на уроке", 0.65),
                    ("домашняя работа", 0.15),
                    ("самостоятельная работа", 0.2),
                ),
            )
        )
        marks.append(MarkInput(pupil.id, _mark(sim, pupil, course.subject), work))
        keys.append((key, pupil))
    topics = TOPICS.get(course.subject, ("Тема по программе",))
    kind = "контрольная работа" if test else f"урок {course.given}"
    topic = f"{sim.rng.choice(topics)} ({kind})"
    lesson = LessonInput(
        klass.id,
        course.subject,
        day,
        topic,
        f"§ {course.given}, упр. {sim.rng.randint(1, 30)}",
        course.subgroup,
        number,
        tuple(marks),
        tuple(absences),
    )
    return lesson, keys


def _mark_chance(sim: SchoolState, course: Course, day: date, marks: int) -> float:
    """A pupil's chance of a mark in a lesson: about four marks a period in
    every subject, and in the period's last three weeks the teacher questions
    whoever has fewer than the policy's minimum («опрос задолжников»)."""
    ends = next(
        (p.ends for p in sim.calendar.periods(course.klass.grade) if day in p), day
    )
    if marks < POLICY.min_marks and (ends - day).days <= 21:
        return 0.8
    return min(0.5, 0.33 / course.hours)


def _mark(sim: SchoolState, pupil: Pupil, subject: str) -> str:
    if subject in ("orkse", "odnknr"):
        return PASSED if sim.rng.random() < 0.96 else FAILED
    return choice(sim.rng, MARK_ODDS[pupil.ability])


def _track(
    sim: SchoolState,
    stream: UUID,
    lesson: LessonInput,
    keys: list[tuple[TrackKey, Pupil]],
    teacher: Staffer,
) -> None:
    weights = {w.name: w.weight for w in WORK_TYPES}
    for seq, (mark, (key, _)) in enumerate(
        zip(lesson.marks, keys, strict=True), start=2
    ):
        sim.marks[key].append([mark.mark, weights[mark.work_type], True])
        name = f"{stream}:{seq}"
        sim.entries[name] = (key, len(sim.marks[key]) - 1, teacher)
        sim.today_marks.append(name)
    first_absence = 2 + len(lesson.marks)
    for seq in range(first_absence, first_absence + len(lesson.absences)):
        sim.today_absences.append((f"{stream}:{seq}", teacher))


def corrections(
    sim: SchoolState,
    day: date,
    yesterday: list[str],
    absences: list[tuple[str, Staffer]],
) -> None:
    """About 2 % of yesterday's marks corrected, 0.4 % voided; a few absences
    voided (the pupil came late and was there)."""
    minute = 0
    for name in yesterday:
        roll = sim.rng.random()
        if roll >= 0.024:
            continue
        key, index, author = sim.entries[name]
        minute += 1
        sim.clock.at(day, 17, minute % 60)
        if roll < 0.004:
            sim.records.journal.void_entry(
                name,
                reason="отметка выставлена не тому ученику",
                signed_by=author.signing(),
            )
            sim.marks[key][index][2] = False
        else:
            old = str(sim.marks[key][index][0])
            new = _neighbour(old)
            by = sim.deputy if roll > 0.021 else author
            reason = (
                "по заявлению родителей, после проверки работы"
                if by is sim.deputy
                else "описка при выставлении"
            )
            sim.records.journal.correct_mark(
                name, mark=new, reason=reason, signed_by=by.signing()
            )
            sim.marks[key][index][0] = new
        sim.commands += 1
    for name, author in absences:
        if sim.rng.random() < 0.01:
            minute += 1
            sim.clock.at(day, 17, minute % 60)
            sim.records.journal.void_entry(
                name,
                reason="ученик опоздал, присутствовал на уроке",
                signed_by=author.signing(),
            )
            sim.commands += 1


def substitution(sim: SchoolState, day: date, days: list[date], sick: Cover) -> None:
    """A maths teacher falls ill for a school week; a colleague covers, and the
    deputy director records it in the substitution register."""
    ill = sim.staff["maths-1"]
    cover = sim.staff["maths-2"]
    later = [d for d in days if d >= day][:5]
    starts, ends = later[0], later[-1]
    sim.clock.at(starts, 8)
    for klass in sim.classes.values():
        for course in (c for cs in klass.courses.values() for c in cs):
            if course.teacher is ill:
                sim.records.setup.record_substitution(
                    class_id=klass.id,
                    subject=course.subject,
                    subgroup=course.subgroup,
                    substitute=cover.id,
                    starts=starts,
                    ends=ends,
                    reason="больничный лист учителя",
                    signed_by=sim.deputy.signing(),
                )
                sim.commands += 1
    sick[ill.label] = (starts, ends, cover)


def _neighbour(mark: str) -> str:
    if mark in (PASSED, FAILED):
        return FAILED if mark == PASSED else PASSED
    return {"5": "4", "4": "5", "3": "4", "2": "3"}[mark]
