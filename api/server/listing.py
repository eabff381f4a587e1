"""What the lists a member of staff acts on are read from: the records view,
caught up to every acknowledged append.

Reports show the records as of a signed checkpoint; a list that gives the ids
to act on shows them as they are now, so that a lesson just recorded can be
corrected at once. The view (:mod:`projections.views`) is brought up to the
log's last event, then read with indexed queries (a class's people, its
lessons, one lesson's events). Pupils' names are sealed (152-ФЗ): they are
opened with the school's data keys, one pupil at a time, only for the pupils a
list shows; a pupil whose key is gone shows as «данные удалены».
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from weakref import WeakKeyDictionary

from ledger.application import LedgerApplication
from ledger.domain.schoolyear import PERIOD_NAMES, YEAR_PERIOD
from ledger.errors import LedgerError
from ledger.keys.personal import DataKeyStore
from projections.collation import file_number_key, russian_key
from projections.reports.school import ERASED, ERASURE, UNAVAILABLE
from projections.reports.source import Record, catch_up, views_runner
from projections.runner import ProjectionRunner

PEOPLE_EVENTS = (
    "people.StudentEnrolled",
    "people.StudentMovedToClass",
    "people.StudentLeft",
)


@dataclass
class _Live:
    """The records view's runner on one application, and the lock that lets
    one request of this process catch it up while the others wait for it."""

    runner: ProjectionRunner
    lock: threading.Lock = field(default_factory=threading.Lock)


_RUNNERS: WeakKeyDictionary[LedgerApplication, _Live] = WeakKeyDictionary()
_RUNNERS_LOCK = threading.Lock()


def _live(app: LedgerApplication) -> _Live:
    """The runner of ``app``, made once: making one checks the views' tables
    (several queries), which every list would otherwise repeat."""
    with _RUNNERS_LOCK:
        found = _RUNNERS.get(app)
        if found is None:
            found = _RUNNERS[app] = _Live(views_runner(app))
        return found


class LiveRecords:
    """The records view caught up to the log's last event, for one request.

    Requests that arrive together after an append catch the view up once: the
    first checks and applies the new entries, the others wait for it and then
    find nothing left to do (rather than each checking the same entries)."""

    def __init__(self, app: LedgerApplication) -> None:
        live = _live(app)
        self.runner: ProjectionRunner = live.runner
        self.position = int(app.recorder.max_notification_id() or 0)
        with live.lock:
            catch_up(self.runner, self.position)
        self._facts: SchoolFacts | None = None

    def facts(self) -> SchoolFacts:
        """The school's reference records, read once for this request."""
        if self._facts is None:
            self._facts = school_facts(self)
        return self._facts

    def rows(
        self, table: str, where: str = "", params: tuple[Any, ...] = ()
    ) -> list[Record]:
        """Rows of ``table`` (up to the caught-up position), in log order."""
        clause = "position <= ?" + (f" AND ({where})" if where else "")
        sql = f"SELECT * FROM {{{table}}} WHERE {clause} ORDER BY position"
        found = self.runner.store.query(sql, (self.position, *params))
        return [_record(r) for r in found]


def _record(row: Any) -> Record:
    return Record(
        position=int(row["position"]),
        at=row["at"],
        event=row["event"],
        type=row["type"],
        stream=row["stream"],
        class_id=row["class_id"],
        pupil=row["pupil"],
        subject=row["subject"],
        year=row["year"],
        day=row["day"],
        target=row["target"],
        data=json.loads(row["data"]),
    )


# -- the school: years, classes, subjects ---------------------------------------------


@dataclass(frozen=True)
class SchoolFacts:
    """Subjects, years and classes as the view holds them now."""

    subjects: dict[str, str]
    years: dict[str, dict[str, Any]]
    classes: dict[str, dict[str, Any]]
    courses: dict[str, list[dict[str, Any]]]
    substitutions: dict[str, list[dict[str, Any]]]


def school_facts(live: LiveRecords) -> SchoolFacts:
    """The school's reference records (small: read whole, once a request)."""
    facts = SchoolFacts({}, {}, {}, {}, {})
    for r in live.rows("view_school"):
        d = r.data
        if r.type == "school.SubjectDefined":
            facts.subjects[d["code"]] = d["name"]
        elif r.type == "school.AcademicYearOpened":
            facts.years[d["year"]] = d
        elif r.type == "school.ClassOpened":
            facts.classes[r.stream] = {**d, "id": r.stream}
        elif r.type == "school.TeachingAssigned":
            facts.courses.setdefault(r.stream, []).append(d)
        elif r.type == "school.SubstitutionRecorded":
            facts.substitutions.setdefault(r.stream, []).append(d)
    return facts


def current_year(facts: SchoolFacts, today: date) -> str | None:
    """The year ``today`` falls in; else the latest that has begun; else the
    latest opened."""
    years = sorted(facts.years.values(), key=lambda y: y["starts"])
    day = today.isoformat()
    inside = [y for y in years if y["starts"] <= day <= y["ends"]]
    begun = [y for y in years if y["starts"] <= day]
    chosen = inside or begun or years
    return str(chosen[-1]["year"]) if chosen else None


def period_title(code: str) -> str:
    return PERIOD_NAMES.get(code, code)


def year_periods(year: dict[str, Any], grade: int) -> list[dict[str, Any]]:
    """The periods of ``grade`` in ``year`` (code, starts, ends), then the year."""
    whole = {"code": YEAR_PERIOD, "starts": year["starts"], "ends": year["ends"]}
    for scheme in year["schemes"]:
        if grade in scheme["grades"]:
            return [*scheme["periods"], whole]
    return [whole]


# -- pupils ---------------------------------------------------------------------------


@dataclass
class Placed:
    """A pupil in one class of the year: how they came, and how they went."""

    pupil: str
    personal_file: str
    joined: str
    left: str | None = None
    left_how: str | None = None
    moved_to: str | None = None
    name: str = UNAVAILABLE
    sort_key: tuple[Any, ...] = field(default=())


def placed_in(
    live: LiveRecords, class_id: str, keys: DataKeyStore | None
) -> list[Placed]:
    """Every pupil placed in the class at any time, in Russian alphabetical
    order of their names (unreadable names last, by personal file number)."""
    ids = {
        r.pupil
        for r in live.rows("view_people", "class_id = ?", (class_id,))
        if r.pupil is not None
    }
    histories = people_histories(live, sorted(ids))
    found = []
    for pupil in sorted(ids):
        history = histories.get(pupil, [])
        placed = _placement(pupil, history, class_id)
        if placed is not None:
            _open_name(placed, history, keys)
            found.append(placed)
    return sorted(found, key=lambda p: p.sort_key)


def people_histories(live: LiveRecords, pupils: list[str]) -> dict[str, list[Record]]:
    """Each pupil's rows of the people view (enrolment, moves, leaving,
    erasure), in log order; a few queries for a whole class."""
    found: dict[str, list[Record]] = {}
    for start in range(0, len(pupils), 500):
        chunk = pupils[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for r in live.rows("view_people", f"pupil IN ({marks})", tuple(chunk)):
            found.setdefault(str(r.pupil), []).append(r)
    return found


def _placement(pupil: str, history: list[Record], class_id: str) -> Placed | None:
    enrolled = next((r for r in history if r.type == PEOPLE_EVENTS[0]), None)
    if enrolled is None:
        return None
    placed: Placed | None = None
    for r in history:
        here = r.data.get("class_id") == class_id
        if r.type in PEOPLE_EVENTS[:2] and here and placed is None:
            placed = Placed(pupil, enrolled.data["personal_file"], r.data["on"])
        elif placed is not None and placed.left is None:
            if r.type == PEOPLE_EVENTS[1] and not here:
                placed.left, placed.left_how = r.data["on"], r.data["reason"]
                placed.moved_to = r.data["class_name"]
            elif r.type == PEOPLE_EVENTS[2]:
                placed.left, placed.left_how = r.data["on"], r.data["reason"]
    return placed


def _open_name(
    placed: Placed, history: list[Record], keys: DataKeyStore | None
) -> None:
    enrolled = next(r for r in history if r.type == PEOPLE_EVENTS[0])
    erased = any(r.type == ERASURE for r in history)  # the log's own word
    identity = (
        ERASED if erased else open_identity(placed.pupil, enrolled.data["enc"], keys)
    )
    number = file_number_key(placed.personal_file)
    if isinstance(identity, str):
        placed.name = f"{identity} (л/д {placed.personal_file})"
        placed.sort_key = (1, (), (), (), number)
        return
    parts = [identity.get(k) or "" for k in ("surname", "name", "patronymic")]
    placed.name = " ".join(p for p in parts if p)
    placed.sort_key = (0, *(russian_key(p) for p in parts), number)


def open_identity(
    pupil: str, enc: dict[str, str], keys: DataKeyStore | None
) -> dict[str, Any] | str:
    """The pupil's opened identity, or the placeholder shown instead."""
    if keys is None:
        return UNAVAILABLE
    try:
        return keys.open(pupil, enc)
    except LedgerError as e:
        return ERASED if "destroyed" in str(e) else UNAVAILABLE


def pupil_names(
    live: LiveRecords, pupils: set[str], keys: DataKeyStore | None
) -> dict[str, str]:
    """«Фамилия Имя Отчество» of each of ``pupils`` (only those, no others)."""
    names = {}
    for pupil in sorted(pupils):
        rows = live.rows(
            "view_people", "pupil = ? AND type = ?", (pupil, PEOPLE_EVENTS[0])
        )
        if not rows:
            continue
        erased = live.rows("view_people", "pupil = ? AND type = ?", (pupil, ERASURE))
        identity = ERASED if erased else open_identity(pupil, rows[0].data["enc"], keys)
        if isinstance(identity, str):
            names[pupil] = identity
            continue
        parts = (identity.get(k) for k in ("surname", "name", "patronymic"))
        names[pupil] = " ".join(p for p in parts if p)
    return names


# -- staff ----------------------------------------------------------------------------

STAFF_EVENT = "people.StaffMemberRegistered"


def staff_names(
    live: LiveRecords, keys: DataKeyStore | None, only: set[str] | None = None
) -> dict[str, str]:
    """Each staff member's full name (of ``only``, or everyone), opened from
    the sealed registration; their position and personnel number where the
    name cannot be read."""
    names = {}
    for r in live.rows("view_school", "type = ?", (STAFF_EVENT,)):
        if only is None or r.stream in only:
            names[r.stream] = staff_name(r.stream, r.data, keys)
    return names


def staff_name(
    staff: str, registered: dict[str, Any], keys: DataKeyStore | None
) -> str:
    """A staff member's full name from their registration's data."""
    title = f"{registered['position']}, таб. № {registered['personnel_number']}"
    if keys is None:
        return title
    try:
        opened = keys.open(staff, registered["enc"])
    except LedgerError:
        return title
    return str(opened.get("full_name") or "") or title
