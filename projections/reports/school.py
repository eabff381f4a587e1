"""The school as a report sees it at its cut: subjects, years, classes, pupils.

Reference facts are read once per report from the records view (they are
small: a school's subjects, years, classes and pupils), with pupils' names
opened through :mod:`ledger.keys.personal`. Names are personal data: without the
key directory or passphrase a pupil shows as «имя недоступно», and a pupil
whose data key was destroyed (crypto-shredding) as «данные удалены» — the
records stay, the identity is gone.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from ledger.domain.ids import attestat_book_id
from ledger.domain.schoolyear import PERIOD_NAMES, YEAR_PERIOD
from ledger.errors import LedgerError
from ledger.keys.directory import PASSPHRASE_ENV
from ledger.keys.personal import DataKeyStore
from ledger.mapper import KEYS_ENV
from projections.collation import file_number_key, russian_key
from projections.reports.errors import ReportError
from projections.reports.source import Source, school_zone

ERASED = "данные удалены"
#: a pupil's data key destroyed, by a signed entry (``ledger.records.erasure``)
ERASURE = "archive.DataKeyDestroyed"
UNAVAILABLE = "имя недоступно"
LEVELS = {"basic": "основное общее", "secondary": "среднее общее"}


@dataclass(frozen=True)
class Period:
    """A study period of a grade: code (Q1 … Y), Russian name, first and last day."""

    code: str
    starts: str
    ends: str

    @property
    def title(self) -> str:
        return PERIOD_NAMES.get(self.code, self.code)


@dataclass(frozen=True)
class Year:
    label: str
    starts: str
    ends: str
    schemes: tuple[dict[str, Any], ...]
    late_after_days: int = 0  # the grace period for journal entries (§7.3.6)
    stream: str = ""

    def periods(self, grade: int) -> tuple[Period, ...]:
        """The grade's periods in order; the year («год») last."""
        for scheme in self.schemes:
            if grade in scheme["grades"]:
                found = [
                    Period(p["code"], p["starts"], p["ends"]) for p in scheme["periods"]
                ]
                return (*found, Period(YEAR_PERIOD, self.starts, self.ends))
        return (Period(YEAR_PERIOD, self.starts, self.ends),)


@dataclass(frozen=True)
class Klass:
    id: str
    name: str
    grade: int
    year: str
    class_teacher: str


@dataclass(frozen=True)
class Course:
    """Who teaches a class's subject, or one subgroup of it, from a date on,
    and the subgroup's members (§7.3.6: each subgroup's teacher keeps its own
    journal)."""

    subject: str
    subgroup: str | None
    teacher: str
    starts: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Subject:
    code: str
    name: str
    assessment: str


@dataclass
class Pupil:
    id: str
    personal_file: str
    surname: str | None
    given: str | None
    patronymic: str | None
    placeholder: str = UNAVAILABLE
    placements: list[dict[str, Any]] = field(default_factory=list)
    pseudonymous: bool = False

    def erase(self) -> None:
        """The pupil's data key was destroyed: no name, «данные удалены»."""
        self.surname = self.given = self.patronymic = None
        self.placeholder = ERASED

    @property
    def name(self) -> str:
        """«Фамилия Имя Отчество», or the placeholder when it cannot be read;
        «л/д К-25» in a pseudonymous report."""
        if self.placeholder == ERASED:  # the erasure is no secret: say so
            return f"{ERASED} (л/д {self.personal_file})"
        if self.pseudonymous:
            return f"л/д {self.personal_file}"
        if self.surname is None:
            return f"{self.placeholder} (л/д {self.personal_file})"
        return " ".join(p for p in (self.surname, self.given, self.patronymic) if p)

    @property
    def sort_key(self) -> tuple[Any, ...]:
        """Alphabetical (ё after е); unreadable names last, by file number."""
        if self.surname is None:
            return (1, (), (), (), file_number_key(self.personal_file))
        return (
            0,
            russian_key(self.surname),
            russian_key(self.given or ""),
            russian_key(self.patronymic or ""),
            file_number_key(self.personal_file),
        )


class School:
    """Subjects, years, classes and pupils of the school, at the source's cut."""

    def __init__(
        self,
        source: Source,
        keys: DataKeyStore | None,
        *,
        pseudonymous: bool = False,
        only: Collection[str] | None = None,
    ) -> None:
        """``only``: open the names of these pupils alone (a page about one
        pupil need not decrypt the whole school's); the others show
        «имя недоступно»."""
        self.source = source
        self.keys = keys
        rows = source.rows("view_school")
        registered = [r for r in rows if r.type == "school.SchoolRegistered"]
        if not registered:
            msg = "the log holds no school yet at this point; nothing to report"
            raise ReportError(msg)
        self.id = registered[0].stream
        self.name: str = registered[0].data["name"]
        self.subjects: dict[str, Subject] = {}
        self.years: dict[str, Year] = {}
        self.classes: dict[str, Klass] = {}
        self.assigned: dict[str, set[str]] = {}
        self.courses: dict[str, list[Course]] = {}
        self.staff: dict[str, str] = {}
        self.staff_sealed: dict[str, dict[str, str]] = {}
        self.positions: dict[str, str] = {}
        for r in rows:
            self._add(r.type, r.stream, r.data)
        self.pupils = _pupils(source, keys, only)
        for pupil in self.pupils.values() if pseudonymous else ():
            pupil.pseudonymous = True
        self.zone = school_zone(source)
        self._names: dict[str, str] = {}

    def _add(self, kind: str, stream: str, d: dict[str, Any]) -> None:
        if kind == "school.SubjectDefined":
            self.subjects[d["code"]] = Subject(d["code"], d["name"], d["assessment"])
        elif kind == "school.AcademicYearOpened":
            self.years[d["year"]] = Year(
                d["year"],
                d["starts"],
                d["ends"],
                tuple(d["schemes"]),
                d.get("late_after_days", 0),
                stream,
            )
        elif kind == "people.StaffMemberRegistered":
            self.staff[stream] = f"{d['position']}, таб. № {d['personnel_number']}"
            self.staff_sealed[stream] = d["enc"]
            self.positions[stream] = d["position"]
        elif kind == "school.TeachingAssigned":
            self.assigned.setdefault(stream, set()).add(d["subject"])
            self.courses.setdefault(stream, []).append(
                Course(
                    d["subject"],
                    d["subgroup"],
                    d["teacher"],
                    d["starts"],
                    tuple(d.get("members") or ()),
                )
            )
        elif kind == "school.ClassOpened":
            self.classes[stream] = Klass(
                stream, d["name"], d["grade"], d["year"], d["class_teacher"]
            )

    # -- parameters -------------------------------------------------------------

    def year(self, value: str | None) -> Year:
        """The year named ``value`` («2025/2026»); the latest when not given."""
        if not self.years:
            msg = "no academic year is recorded yet at this point"
            raise ReportError(msg)
        if value is None:
            return max(self.years.values(), key=lambda y: y.starts)
        found = self.years.get(value.strip())
        if found is None:
            msg = (
                f"year {value!r} is not in the records; years: "
                f"{', '.join(sorted(self.years))} (written like 2025/2026)"
            )
            raise ReportError(msg)
        return found

    def classes_of(self, year: Year) -> list[Klass]:
        found = [c for c in self.classes.values() if c.year == year.label]
        return sorted(found, key=lambda c: (c.grade, russian_key(c.name)))

    def klass(self, value: str | None, year: Year) -> Klass:
        """The class ``value`` («9А», any case) of ``year``."""
        classes = self.classes_of(year)
        wanted = (value or "").strip().upper().replace(" ", "")
        for c in classes:
            if c.name.upper() == wanted:
                return c
        names = ", ".join(c.name for c in classes) or "none"
        msg = f"class {value!r} is not in year {year.label}; classes: {names}"
        raise ReportError(msg)

    def subject(self, value: str | None) -> Subject:
        """The subject by code («math») or name («Математика»), any case."""
        wanted = (value or "").strip().casefold()
        for s in self.subjects.values():
            if wanted in (s.code.casefold(), s.name.casefold()):
                return s
        known = ", ".join(f"{s.code} ({s.name})" for s in self.subjects.values())
        msg = f"subject {value!r} is not in the curriculum; subjects: {known}"
        raise ReportError(msg)

    def taught(self, klass: Klass) -> list[Subject]:
        """The subjects assigned to a teacher in the class, in curriculum order."""
        assigned = self.assigned.get(klass.id, set())
        return [s for s in self.subjects.values() if s.code in assigned]

    def taught_subject(self, value: str | None, klass: Klass) -> Subject:
        """A subject (as :meth:`subject`) that is taught in ``klass``."""
        subject = self.subject(value)
        taught = self.taught(klass)
        if subject not in taught:
            known = ", ".join(f"{s.code} ({s.name})" for s in taught) or "none yet"
            msg = (
                f"subject {value!r} is not taught in {klass.name} in {klass.year}; "
                f"subjects there: {known}"
            )
            raise ReportError(msg)
        return subject

    def period(self, value: str | None, year: Year, klass: Klass) -> Period:
        """A period of the class's grade by code («Q1», «Y») or name («I четверть»)."""
        periods = year.periods(klass.grade)
        wanted = (value or "").strip().casefold()
        for p in periods:
            if wanted in (p.code.casefold(), p.title.casefold()):
                return p
        allowed = ", ".join(f"{p.code} ({p.title})" for p in periods)
        msg = (
            f"period {value!r} does not exist for grade {klass.grade} in "
            f"{year.label}; periods: {allowed}"
        )
        raise ReportError(msg)

    def pupil(self, value: str | None) -> Pupil:
        """A pupil by personal file number («К-25») or pseudonymous id."""
        wanted = (value or "").strip()
        by_file = {p.personal_file.casefold(): p for p in self.pupils.values()}
        found = self.pupils.get(wanted) or by_file.get(wanted.casefold())
        if found is not None:
            return found
        files = sorted(by_file.values(), key=lambda p: file_number_key(p.personal_file))
        shown = ", ".join(p.personal_file for p in files[:40])
        more = f", … ({len(files)} in all)" if len(files) > 40 else ""
        msg = (
            f"pupil {value!r} is not in the records; name a pupil by personal file "
            f"number or id; personal files: {shown or 'none'}{more}"
        )
        raise ReportError(msg)

    def level(self, value: str | None) -> str:
        """An attestat book's level: ``basic`` or ``secondary``."""
        wanted = (value or "").strip().casefold()
        for code, name in LEVELS.items():
            if wanted in (code, name, name.split()[0]):
                return code
        msg = f"attestat book level {value!r} does not exist; levels: basic, secondary"
        raise ReportError(msg)

    def book_stream(self, level: str) -> str:
        return str(attestat_book_id(UUID(self.id), level))

    # -- pupils -----------------------------------------------------------------

    def pupils_of(self, klass: Klass) -> list[Pupil]:
        """Pupils placed in the class at any time of its year, alphabetically."""
        found = [
            p
            for p in self.pupils.values()
            if any(x.get("class_id") == klass.id for x in p.placements)
        ]
        return sorted(found, key=lambda p: p.sort_key)

    def staff_member(self, staff: str) -> str:
        """A staff member as the records name them: position and personnel
        number (the name is personal data, sealed in the log)."""
        return self.staff.get(staff, staff)

    def staff_name(self, staff: str) -> str:
        """A staff member's full name, opened from the sealed registration;
        their position and personnel number when the name cannot be read."""
        if staff not in self._names:
            self._names[staff] = self._open_staff(staff) or self.staff_member(staff)
        return self._names[staff]

    def _open_staff(self, staff: str) -> str | None:
        sealed = self.staff_sealed.get(staff)
        if self.keys is None or not sealed:
            return None
        try:
            return str(self.keys.open(staff, sealed).get("full_name") or "") or None
        except LedgerError:
            return None

    def director(self) -> str | None:
        """The staff member registered as the school's director, if any."""
        for staff, position in self.positions.items():
            if position.strip().casefold() == "директор":
                return staff
        return None

    def subgroups(self, klass: Klass, subject: str) -> list[Course]:
        """The latest assignment of each subgroup of ``subject`` in ``klass``
        (one, with subgroup ``None``, when the class is taught whole)."""
        latest: dict[str | None, Course] = {}
        for course in self.courses.get(klass.id, []):
            if course.subject == subject:
                was = latest.get(course.subgroup)
                if was is None or course.starts >= was.starts:
                    latest[course.subgroup] = course
        return [latest[g] for g in sorted(latest, key=lambda g: g or "")]

    def class_name(self, class_id: str | None) -> str:
        klass = self.classes.get(class_id or "")
        return klass.name if klass else "—"

    def subject_name(self, code: str) -> str:
        found = self.subjects.get(code)
        return found.name if found else code


def _pupils(
    source: Source, keys: DataKeyStore | None, only: Collection[str] | None
) -> dict[str, Pupil]:
    pupils: dict[str, Pupil] = {}
    for r in source.rows("view_people"):
        pupil = r.pupil or r.stream
        if r.type == ERASURE:  # the log says so: erased wherever it is read
            if pupil in pupils:
                pupils[pupil].erase()
            continue
        if r.type == "people.StudentEnrolled":
            opens = only is None or pupil in only
            pupils[pupil] = _opened(pupil, r.data, keys if opens else None)
        if pupil in pupils:
            pupils[pupil].placements.append(
                {"type": r.type, "event": r.event, **r.data}
            )
    return pupils


def _opened(pupil: str, data: dict[str, Any], keys: DataKeyStore | None) -> Pupil:
    person = Pupil(pupil, data["personal_file"], None, None, None)
    if keys is None:
        return person
    try:
        identity = keys.open(pupil, data["enc"])
    except LedgerError as e:
        person.placeholder = ERASED if "destroyed" in str(e) else UNAVAILABLE
        return person
    person.surname = identity.get("surname")
    person.given = identity.get("name")
    person.patronymic = identity.get("patronymic")
    return person


def data_keys(env: Any) -> DataKeyStore | None:
    """The pupils' data keys from the application's environment, if readable.

    Missing keys or passphrase are not an error: reports then show
    placeholders instead of names (nothing is created in the key directory).
    """
    folder = env.get(KEYS_ENV)
    passphrase = env.get(PASSPHRASE_ENV) or os.environ.get(PASSPHRASE_ENV)
    if not folder or not passphrase:
        return None
    path = Path(folder) / "data-keys"
    if not path.is_dir():
        return None
    return DataKeyStore(path, passphrase)
