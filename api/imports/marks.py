"""An earlier journal («Журнал») as signed history: ``journal.record_lessons``.

One row per mark or absence (or per lesson without entries): the lesson (class,
subject, subgroup, date, its number that day, topic, homework), then the pupil
by personal file number, the mark or absence code and the kind of work. The
rows of one lesson stand together, as journals are exported. Each lesson is
recorded with ``imported`` naming the source file and its SHA-256, signed by
the teacher who imports their journal (the rules are a lesson's: the teacher
teaches or substitutes that course that day, the date is a school day of the
year and not in the future, each pupil was in the class and subgroup).

A year of a school is hundreds of thousands of rows: the check holds only what
a lesson needs and spools each checked lesson to a temporary file (plain values,
:mod:`marshal`); :meth:`MarksImport.append` reads the spool back and saves
:attr:`batch` lessons at a time, so memory stays flat and the file is parsed
once.
"""

from __future__ import annotations

import marshal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any, ClassVar
from uuid import UUID

from api.imports.columns import DATE_FORM, Column
from api.imports.kind import Importer, Progress, domain_problem
from api.imports.lookups import class_name
from api.imports.problems import Problems
from ledger.domain.academic_year import AcademicYear
from ledger.domain.classes import SchoolClass
from ledger.domain.errors import DomainError
from ledger.domain.grading import GradingPolicy
from ledger.domain.ids import lesson_id
from ledger.domain.journal import MAX_LESSONS_A_DAY, AbsenceKind, ImportSource
from ledger.domain.school import Subject
from ledger.records.closing import check_closed_change
from ledger.records.context import Author, RecordsContext
from ledger.records.journal import AbsenceInput, Journal, LessonInput, MarkInput

ABSENCES = {k.value: k for k in AbsenceKind}
#: views the append keeps: the school's classes, pupils and the latest lessons
CACHED_VIEWS = 2_500
LessonKey = tuple[str, str, str | None, date, int]


@dataclass
class _Lesson:
    """The lesson whose rows are being read, and what its rows hold so far."""

    key: LessonKey
    row: int
    values: dict[str, Any]
    ok: bool
    klass: SchoolClass | None = None
    subject: Subject | None = None
    marked: set[UUID] = field(default_factory=set)
    absent: set[UUID] = field(default_factory=set)
    entries: set[tuple[UUID, str, str]] = field(default_factory=set)
    marks: list[tuple[bytes, str, str]] = field(default_factory=list)
    absences: list[tuple[bytes, str]] = field(default_factory=list)
    rows: int = 0
    policy: GradingPolicy | None = None

    @property
    def topic(self) -> str:
        topic: str = self.values["topic"]
        return topic

    def spooled(self) -> tuple[Any, ...]:
        """The lesson as plain values for :mod:`marshal` (the append's input)."""
        assert self.klass is not None
        assert self.subject is not None
        v = self.values
        return (
            self.klass.id.bytes, self.subject.code, self.key[2],
            self.key[3].toordinal(), self.key[4], v["topic"],
            v.get("homework") or "", self.marks, self.absences, self.rows,
        )  # fmt: skip


def _kinds(policy: GradingPolicy) -> str:
    """The work types a mark may name (what a refusal says is allowed)."""
    return ", ".join(w.name for w in policy.work_types)


class MarksImport(Importer):
    """Lessons with their marks and absences, from an earlier journal."""

    name = "marks"
    title = "Журнал"
    columns: ClassVar[tuple[Column, ...]] = (
        Column("klass", "Класс", "класс, открытый в этом году: «5А»"),
        Column("subject", "Предмет", "код или название предмета учебного плана"),
        Column("subgroup", "Подгруппа", "подгруппа из нагрузки", required=False),
        Column("day", "Дата", f"{DATE_FORM}: учебный день года, не в будущем", "date"),
        Column(
            "number",
            "Урок №",
            f"номер урока предмета в этот день, 1–{MAX_LESSONS_A_DAY}",
            "int",
            required=False,
        ),
        Column("topic", "Тема урока", "тема урока, одна у всех строк урока"),
        Column("homework", "Домашнее задание", "домашнее задание", required=False),
        Column(
            "pupil",
            "Личное дело",
            "номер личного дела ученика класса: «К-25»",
            required=False,
        ),
        Column(
            "value",
            "Отметка",
            "отметка по шкале школы или пропуск: н, б, у, оп",
            required=False,
        ),
        Column(
            "work",
            "Вид работы",
            "вид работы из политики оценивания (для отметки)",
            required=False,
        ),
    )

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.author: Author | None = None
        self.today = date.min
        self.seen: dict[LessonKey, int] = {}
        self.current: _Lesson | None = None
        self.rows = 0
        # Checked lessons wait on disk for the append (marshal: plain values).
        self.spool: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()

    def start(self, problems: Problems) -> None:
        super().start(problems)
        ctx = self.look.ctx
        self.author = ctx.author(self.signing)
        self.today = ctx.today()

    def check(self, row: int, values: dict[str, Any], problems: Problems) -> None:
        self.rows += 1
        key = self._key(values)
        lesson = self.current
        if lesson is None or lesson.key != key:
            lesson = self._begin(row, key, values, problems)
        elif values["topic"] != lesson.topic:
            problems.add(
                row,
                self.column("topic"),
                f"тема «{values['topic']}» не та, что у урока (строка {lesson.row})",
                "одна тема у всех строк урока",
            )
        lesson.rows += 1
        if lesson.ok:
            self._entry(row, lesson, values, problems)

    def _flush(self) -> None:
        """Spool the lesson just read (if its rows passed so far)."""
        if self.current is not None and self.current.ok:
            marshal.dump(self.current.spooled(), self.spool)

    def finish(self, problems: Problems) -> None:
        self._flush()
        self.current = None

    def _key(self, values: dict[str, Any]) -> LessonKey:
        """The lesson a row belongs to, however its class and subject are
        written («5 а», «Математика» or «math»)."""
        parsed = class_name(values["klass"])
        subject = self.look.subject(values["subject"])
        return (
            f"{parsed[0]}{parsed[1]}" if parsed else values["klass"],
            subject.code if subject else values["subject"],
            values.get("subgroup"),
            values["day"],
            values.get("number") or 1,
        )

    def _begin(
        self, row: int, key: LessonKey, values: dict[str, Any], problems: Problems
    ) -> _Lesson:
        if key in self.seen:
            problems.add(
                row,
                self.column("day"),
                f"строки урока разнесены: урок начат в строке {self.seen[key]}",
                "строки одного урока подряд",
            )
            self._flush()
            self.current = _Lesson(key, row, values, ok=False)
            return self.current
        self.seen[key] = row
        self._flush()
        lesson = self.current = _Lesson(key, row, values, ok=False)
        klass = self.look.klass(values["klass"])
        subject = self.look.subject(values["subject"])
        if klass is None:
            problems.add(
                row,
                self.column("klass"),
                f"класс «{values['klass']}» не открыт в {self.source.year}",
                "класс, открытый в этом году: «5А»",
            )
        if subject is None:
            problems.add(
                row,
                self.column("subject"),
                f"нет предмета «{values['subject']}»",
                self.look.subjects_allowed(),
            )
        if klass is None or subject is None:
            return lesson
        lesson.klass, lesson.subject = klass, subject
        lesson.ok = self._lesson_rules(row, lesson, problems)
        return lesson

    def _lesson_rules(self, row: int, lesson: _Lesson, problems: Problems) -> bool:
        klass, subject = lesson.klass, lesson.subject
        assert klass is not None
        assert subject is not None
        assert self.author is not None
        _, _, subgroup, day, number = lesson.key
        year = self.look.ctx.year_of(klass)
        ok = domain_problem(
            problems,
            row,
            self.column("day"),
            "учебный день года по календарю, не в будущем",
            lambda: year.check_lesson_day(day, self.today),
        ) and domain_problem(
            problems,
            row,
            self.column("day"),
            "день незакрытого периода (закрытый меняют только исправлением)",
            lambda: self._check_open(year, klass, subject.code, day),
        )
        staff = self.author.staff
        ok &= domain_problem(
            problems,
            row,
            self.column("subject"),
            "курс, который импортирующий учитель ведёт или замещает в этот день",
            lambda: klass.check_teacher(staff, subject.code, subgroup, day),
        )
        if not 1 <= number <= MAX_LESSONS_A_DAY:
            problems.add(
                row,
                self.column("number"),
                f"номер урока {number}",
                f"1–{MAX_LESSONS_A_DAY}",
            )
            return False
        return ok and self._lesson_new(row, lesson, klass, subject, problems)

    def _check_open(
        self, year: AcademicYear, klass: SchoolClass, subject: str, day: date
    ) -> None:
        """The journal's own rule: nothing new on the days of a closed period."""
        assert self.author is not None
        closure = year.closure_of_day(klass.id, klass.grade, subject, day)
        what = f"{klass.name} {subject} on {day:%d.%m.%Y}"
        check_closed_change(year, closure, self.author, None, self.today, what)

    def _lesson_new(
        self,
        row: int,
        lesson: _Lesson,
        klass: SchoolClass,
        subject: Subject,
        problems: Problems,
    ) -> bool:
        _, _, subgroup, day, number = lesson.key
        ctx = self.look.ctx
        if ctx.exists(lesson_id(klass.id, subject.code, subgroup, day, number)):
            problems.add(
                row,
                self.column("number"),
                f"урок {number} {klass.name} {subject.name} {day:%d.%m.%Y} уже записан",
                "урок, ещё не записанный в журнал",
            )
            return False
        before = (*lesson.key[:4], number - 1)
        if (
            number > 1
            and before not in self.seen
            and not ctx.exists(
                lesson_id(klass.id, subject.code, subgroup, day, number - 1)
            )
        ):
            problems.add(
                row,
                self.column("number"),
                f"нет урока {number - 1} этого дня",
                "уроки дня нумеруются подряд с 1",
            )
            return False
        return True

    def _entry(
        self, row: int, lesson: _Lesson, values: dict[str, Any], problems: Problems
    ) -> None:
        number, value = values.get("pupil"), values.get("value")
        if not number:
            if value or values.get("work"):
                problems.add(
                    row,
                    self.column("pupil"),
                    "отметка без ученика",
                    "номер личного дела ученика класса",
                )
            return
        if not value:
            problems.add(
                row,
                self.column("value"),
                "ученик без отметки и без пропуска",
                "отметка по шкале школы или н, б, у, оп",
            )
            return
        pupil = self._pupil(row, lesson, number, problems)
        if pupil is None:
            return
        if value in ABSENCES:
            self._absence(row, lesson, pupil, value, problems)
        else:
            self._mark(row, lesson, pupil, value, values.get("work"), problems)

    def _pupil(
        self, row: int, lesson: _Lesson, number: str, problems: Problems
    ) -> UUID | None:
        klass, subject = lesson.klass, lesson.subject
        assert klass is not None
        assert subject is not None
        _, _, subgroup, day, _ = lesson.key
        file = self.look.pupil(number)
        header = self.column("pupil")
        if file is None:
            problems.add(
                row,
                header,
                f"нет личного дела «{number}»",
                "номер личного дела ученика класса: «К-25»",
            )
            return None
        ok = domain_problem(
            problems,
            row,
            header,
            f"ученик класса {klass.name} в этот день",
            lambda: file.check_in_class(klass.id, klass.name, day),
        ) and domain_problem(
            problems,
            row,
            header,
            "ученик подгруппы по нагрузке",
            lambda: klass.check_member(file.id, subject.code, subgroup, day),
        )
        return file.id if ok else None

    def _absence(
        self, row: int, lesson: _Lesson, pupil: UUID, value: str, problems: Problems
    ) -> None:
        if pupil in lesson.absent or pupil in lesson.marked:
            what = (
                "повтор пропуска" if pupil in lesson.absent else "и отметка, и пропуск"
            )
            problems.add(
                row,
                self.column("value"),
                f"{what} ученика на уроке",
                "у ученика на уроке либо отметки, либо один пропуск",
            )
            return
        lesson.absent.add(pupil)
        lesson.absences.append((pupil.bytes, value))

    def _mark(
        self,
        row: int,
        lesson: _Lesson,
        pupil: UUID,
        mark: str,
        work: str | None,
        problems: Problems,
    ) -> None:
        klass, subject = lesson.klass, lesson.subject
        assert klass is not None
        assert subject is not None
        policy = lesson.policy
        if policy is None:  # one grading policy for the lesson's day
            policy = lesson.policy = self.look.school.policy_on(lesson.key[3])
        if not domain_problem(
            problems,
            row,
            self.column("value"),
            "отметка по шкале школы или н, б, у, оп",
            lambda: policy.check_mark(mark, subject.assessment, klass.grade),
        ):
            return
        if not work:
            problems.add(row, self.column("work"), "нет вида работы", _kinds(policy))
            return
        try:
            policy.weight_of(work)
        except DomainError as e:
            problems.add(row, self.column("work"), str(e), _kinds(policy))
            return
        if pupil in lesson.absent or (pupil, mark, work) in lesson.entries:
            what = (
                "отметка отсутствующему" if pupil in lesson.absent else "повтор отметки"
            )
            problems.add(
                row,
                self.column("value"),
                f"{what} на уроке",
                "у ученика на уроке либо отметки, либо один пропуск",
            )
            return
        lesson.marked.add(pupil)
        lesson.marks.append((pupil.bytes, mark, work))
        lesson.entries.add((pupil, mark, work))

    # -- appending -------------------------------------------------------------------

    def append(self, progress: Progress) -> int:
        # The journal's own context caches every lesson it saves; a year of
        # them would fill the shared one, so the append has its own, small.
        ctx = self.look.ctx
        self.journal = Journal(
            RecordsContext(
                ctx.app,
                ctx.school_id,
                clock=ctx.clock,
                data_keys=ctx.data_keys,
                cache_size=CACHED_VIEWS,
            )
        )
        batch: list[LessonInput] = []
        written = 0
        for lesson, count in self._spooled():
            batch.append(lesson)
            if len(batch) == self.batch:
                self._save(batch)
                written, batch = written + len(batch), []
            progress(count)
        if batch:
            self._save(batch)
            written += len(batch)
        return written

    def close(self) -> None:
        self.spool.close()

    def _save(self, batch: list[LessonInput]) -> None:
        self.journal.record_lessons(batch, signed_by=self.signing)

    def _spooled(self) -> Iterator[tuple[LessonInput, int]]:
        """The checked lessons, each with the number of its rows."""
        imported = ImportSource(self.source.name, self.source.sha256)
        self.spool.seek(0)
        while True:
            try:
                found = marshal.load(self.spool)  # noqa: S302 - our own spool
            except EOFError:
                return
            klass, subject, subgroup, day, number, topic, homework = found[:7]
            marks, absences, rows = found[7:]
            yield (
                LessonInput(
                    class_id=UUID(bytes=klass),
                    subject=subject,
                    day=date.fromordinal(day),
                    topic=topic,
                    homework=homework,
                    subgroup=subgroup,
                    number=number,
                    marks=tuple(MarkInput(UUID(bytes=p), m, w) for p, m, w in marks),
                    absences=tuple(
                        AbsenceInput(UUID(bytes=p), ABSENCES[k]) for p, k in absences
                    ),
                    imported=imported,
                ),
                rows,
            )
