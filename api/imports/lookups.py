"""What the rows name, looked up in the ledger: staff by personnel number,
classes by name, subjects by code or Russian name, pupils by personal file
number or by their identity (surname, name, patronymic, birth date).

Reads go through the services' :class:`~ledger.records.context.RecordsContext`
(cached views), so checking a row costs what the service's own check costs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from uuid import UUID

from ledger.domain.academic_year import AcademicYear
from ledger.domain.classes import SchoolClass
from ledger.domain.errors import DomainError
from ledger.domain.ids import (
    academic_year_id,
    class_id,
    personal_file_id,
    staff_id,
)
from ledger.domain.people import PersonalFile
from ledger.domain.school import School, Subject
from ledger.records.context import RecordsContext
from ledger.records.people import CYRILLIC_CAPITALS

CLASS_NAME = re.compile(r"^(1[01]|[1-9])\s*-?\s*([А-ЯЁ])$")
CLASS_FORM = "номер параллели 1–11 и буква: «5А», «11Б»"
IdentityKey = tuple[str, str, str, date]


def class_name(text: str) -> tuple[int, str] | None:
    """``(grade, letter)`` of a class written «5А» (or «5 а», «5-А»)."""
    found = CLASS_NAME.match(text.strip().upper())
    return (int(found.group(1)), found.group(2)) if found else None


def identity_key(surname: str, name: str, patronymic: str, born: date) -> IdentityKey:
    """How two rows or files are compared as the same person."""
    return (surname.casefold(), name.casefold(), patronymic.casefold(), born)


class Lookup:
    """The school's records as the rows of one import name them."""

    def __init__(self, ctx: RecordsContext, year: str | None) -> None:
        ctx.begin()
        self.ctx = ctx
        self.year_label = year
        self._subjects: dict[str, Subject] | None = None
        self._roster: dict[IdentityKey, list[UUID]] | None = None
        self._pupils: dict[str, PersonalFile] = {}

    @property
    def school(self) -> School:
        return self.ctx.school()

    def year(self) -> AcademicYear | None:
        if self.year_label is None:
            return None
        stream = academic_year_id(self.ctx.school_id, self.year_label)
        return self.ctx.view(AcademicYear, stream)

    def staff(self, number: str) -> UUID | None:
        stream = staff_id(self.ctx.school_id, number)
        return stream if self.ctx.staff_exists(stream) else None

    def staff_stream(self, number: str) -> UUID:
        return staff_id(self.ctx.school_id, number)

    def class_stream(self, name: str) -> UUID:
        assert self.year_label is not None
        return class_id(self.ctx.school_id, self.year_label, name)

    def klass(self, text: str) -> SchoolClass | None:
        """The class of the import's year written ``text`` («5А»), if opened."""
        parsed = class_name(text)
        if parsed is None or self.year_label is None:
            return None
        try:
            found = self.ctx.view(
                SchoolClass, self.class_stream(f"{parsed[0]}{parsed[1]}")
            )
        except DomainError:
            return None
        return (
            found if found is not None and found.school == self.ctx.school_id else None
        )

    def subject(self, text: str) -> Subject | None:
        """The subject whose code or Russian name is ``text`` (any case)."""
        if self._subjects is None:
            self._subjects = {}
            for code, subject in self.school.subjects.items():
                self._subjects[code.casefold()] = subject
                self._subjects[subject.name.casefold()] = subject
        return self._subjects.get(text.strip().casefold())

    def subjects_allowed(self) -> str:
        return (
            ", ".join(f"{s.code} ({s.name})" for s in self.school.subjects.values())
            or "предметы не определены"
        )

    def pupil(self, number: str) -> PersonalFile | None:
        """The personal file numbered ``number`` («К-25»), if this school's.

        Files found are kept for the import (a year of marks names each pupil
        hundreds of times; the check writes nothing, so none changes)."""
        known = self._pupils.get(number)
        if known is not None:
            return known
        stream = personal_file_id(self.ctx.school_id, number.strip().upper())
        try:
            found = self.ctx.view(PersonalFile, stream)
        except DomainError:
            return None
        if found is None or found.school != self.ctx.school_id:
            return None
        self._pupils[number] = found
        return found

    def pupils_named(self, key: IdentityKey) -> list[UUID]:
        """Pupils of this school with that identity (files opened with the data
        keys, once per import)."""
        if self._roster is None:
            self._roster = {}
            keys = self.ctx.identities()
            for file in self._files():
                fields = keys.open(str(file.id), file.enc)
                found = identity_key(
                    fields["surname"],
                    fields["name"],
                    fields.get("patronymic", ""),
                    date.fromisoformat(fields["birth_date"]),
                )
                self._roster.setdefault(found, []).append(file.id)
        return self._roster.get(key, [])

    def _files(self) -> Iterator[PersonalFile]:
        """Every personal file of the school: the numbers of each letter are
        taken without gaps («К-1», «К-2», …), so each letter is read to its end."""
        for letter in CYRILLIC_CAPITALS:
            n = 1
            while (file := self.pupil(f"{letter}-{n}")) is not None:
                yield file
                n += 1
