"""Onboarding imports: staff, classes of a year, teaching assignments.

- staff («Сотрудники»): ``setup.register_staff``; a personnel number appears
  once and is not registered yet;
- classes («Классы»): ``setup.open_classes`` for the import's year; the class
  teacher is registered staff;
- teaching («Нагрузка»): ``setup.assign_teaching``; the class is opened, the
  subject taught in its grade, the teacher registered staff, the start inside
  the year; a subgroup lists its pupils by personal file number.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial
from typing import Any, ClassVar
from uuid import UUID

from api.imports.columns import DATE_FORM, Column
from api.imports.kind import HeldImporter, domain_problem
from api.imports.lookups import CLASS_FORM, class_name
from api.imports.problems import Problems
from ledger.domain.classes import SchoolClass
from ledger.records.setup import TeachingInput

STAFF_NUMBER = "табельный номер зарегистрированного сотрудника"


class StaffImport(HeldImporter[tuple[str, str, str]]):
    """Staff members: personnel number, position, full name."""

    name = "staff"
    title = "Сотрудники"
    needs_year = False
    columns: ClassVar[tuple[Column, ...]] = (
        Column("number", "Табельный номер", "табельный номер, не занятый в школе"),
        Column("position", "Должность", "должность: «учитель математики»"),
        Column("full_name", "ФИО", "фамилия, имя, отчество полностью"),
    )

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.seen: dict[str, int] = {}

    def check(self, row: int, values: dict[str, Any], problems: Problems) -> None:
        number = values["number"]
        header = self.column("number")
        if number in self.seen:
            problems.add(
                row,
                header,
                f"повтор табельного номера {number} (строка {self.seen[number]})",
                "каждый номер один раз",
            )
            return
        self.seen[number] = row
        if self.look.ctx.exists(self.look.staff_stream(number)):
            problems.add(
                row,
                header,
                f"сотрудник с табельным номером {number} уже зарегистрирован",
                "номер, не занятый в школе",
            )
            return
        self.items.append((number, values["position"], values["full_name"]))

    def save(self, items: Sequence[tuple[str, str, str]]) -> None:
        self.records.setup.register_staff(items, signed_by=self.signing)


class ClassesImport(HeldImporter[tuple[int, str, UUID]]):
    """Classes of the year: name and class teacher."""

    name = "classes"
    title = "Классы"
    columns: ClassVar[tuple[Column, ...]] = (
        Column("klass", "Класс", CLASS_FORM),
        Column("teacher", "Классный руководитель (табельный номер)", STAFF_NUMBER),
    )

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.seen: dict[str, int] = {}

    def check(self, row: int, values: dict[str, Any], problems: Problems) -> None:
        parsed = class_name(values["klass"])
        header = self.column("klass")
        if parsed is None:
            problems.add(row, header, f"«{values['klass']}» не класс", CLASS_FORM)
            return
        name = f"{parsed[0]}{parsed[1]}"
        if name in self.seen:
            problems.add(
                row,
                header,
                f"повтор класса {name} (строка {self.seen[name]})",
                "каждый класс один раз",
            )
            return
        self.seen[name] = row
        if self.source.year and self.look.ctx.exists(self.look.class_stream(name)):
            problems.add(
                row,
                header,
                f"класс {name} {self.source.year} уже открыт",
                "класс, ещё не открытый в этом году",
            )
            return
        teacher = self.look.staff(values["teacher"])
        if teacher is None:
            problems.add(
                row,
                self.column("teacher"),
                f"нет сотрудника с табельным номером {values['teacher']}",
                STAFF_NUMBER,
            )
            return
        self.items.append((parsed[0], parsed[1], teacher))

    def save(self, items: Sequence[tuple[int, str, UUID]]) -> None:
        assert self.source.year is not None
        self.records.setup.open_classes(self.source.year, items, signed_by=self.signing)


class TeachingImport(HeldImporter[TeachingInput]):
    """Teaching assignments: class, subject, teacher, start, subgroup."""

    name = "teaching"
    title = "Нагрузка"
    columns: ClassVar[tuple[Column, ...]] = (
        Column("klass", "Класс", "класс, открытый в этом году: «5А»"),
        Column("subject", "Предмет", "код или название предмета учебного плана"),
        Column("teacher", "Учитель (табельный номер)", STAFF_NUMBER),
        Column("starts", "С даты", f"{DATE_FORM} внутри учебного года", "date"),
        Column("subgroup", "Подгруппа", "номер или название подгруппы", required=False),
        Column(
            "members",
            "Ученики подгруппы (номера личных дел)",
            "номера личных дел через запятую: «К-1, С-4»",
            required=False,
        ),
    )

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.seen: dict[tuple[str, str, str | None, date], int] = {}

    def check(self, row: int, values: dict[str, Any], problems: Problems) -> None:
        klass = self.look.klass(values["klass"])
        if klass is None:
            problems.add(
                row,
                self.column("klass"),
                f"класс «{values['klass']}» не открыт в {self.source.year}",
                "класс, открытый в этом году: «5А»",
            )
            return
        subject = self.look.subject(values["subject"])
        if subject is None:
            problems.add(
                row,
                self.column("subject"),
                f"нет предмета «{values['subject']}»",
                self.look.subjects_allowed(),
            )
            return
        ok = domain_problem(
            problems,
            row,
            self.column("subject"),
            f"предмет, который изучают в {klass.grade} классе",
            lambda: subject.check_taught_in(klass.grade),
        )
        teacher = self.look.staff(values["teacher"])
        if teacher is None:
            problems.add(
                row,
                self.column("teacher"),
                f"нет сотрудника с табельным номером {values['teacher']}",
                STAFF_NUMBER,
            )
            ok = False
        starts: date = values["starts"]
        ok &= domain_problem(
            problems,
            row,
            self.column("starts"),
            "дата внутри учебного года",
            lambda: self.look.ctx.year_of(klass).check_within(starts, klass.name),
        )
        members = self._members(row, values.get("members"), klass, starts, problems)
        key = (klass.name, subject.code, values.get("subgroup"), starts)
        if key in self.seen:
            problems.add(
                row,
                self.column("subject"),
                f"повтор назначения (строка {self.seen[key]})",
                "каждое назначение один раз",
            )
            return
        self.seen[key] = row
        if ok and teacher is not None and members is not None:
            self.items.append(
                TeachingInput(
                    klass.id,
                    subject.code,
                    teacher,
                    starts,
                    values.get("subgroup"),
                    members,
                )
            )

    def _members(
        self,
        row: int,
        text: str | None,
        klass: SchoolClass,
        day: date,
        problems: Problems,
    ) -> tuple[UUID, ...] | None:
        if not text:
            return ()
        found = []
        for number in (n.strip() for n in text.split(",")):
            file = self.look.pupil(number) if number else None
            if file is None:
                problems.add(
                    row,
                    self.column("members"),
                    f"нет личного дела «{number}»",
                    "номера личных дел учеников класса через запятую",
                )
                return None
            if not domain_problem(
                problems,
                row,
                self.column("members"),
                f"ученики класса {klass.name}",
                partial(file.check_in_class, klass.id, klass.name, day),
            ):
                return None
            found.append(file.id)
        return tuple(found)

    def save(self, items: Sequence[TeachingInput]) -> None:
        self.records.setup.assign_teaching(items, signed_by=self.signing)
