"""Which journal a person may open: a class's subject, or one subgroup of it.

The class is checked as every read of it is (:func:`readable_class`: the
152-ФЗ scope, refusals in the access log); the course then as the API's own
list of "my classes" gives it (:func:`class_of_mine`): a teacher opens the
courses they teach and those they substitute in, a class teacher every course
of their class (to read), the office every course. A subject taught in
subgroups has one journal per subgroup (§7.3.6: each subgroup's teacher keeps
their own records), so its page names the subgroup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from api.server.accounts import Account
from api.server.listing import LiveRecords
from api.server.office import Office
from api.server.routers.lists import (
    ClassOfMine,
    Course,
    Substitution,
    class_of_mine,
    readable_class,
)
from api.server.scope import reads_everything
from api.server.tokens import utcnow
from api.server.web.pages import PageError


@dataclass(frozen=True)
class JournalCourse:
    """One journal: a class's subject (or subgroup), and what the person may do."""

    klass: dict[str, Any]
    subject: str
    subject_name: str
    subgroup: str | None
    teacher: str  # the assigned teacher's staff id
    members: tuple[str, ...]  # the subgroup's pupils; () for the whole class
    records: bool  # the person teaches it or substitutes in it: may enter lessons
    substitutions: tuple[Substitution, ...] = field(default=())

    @property
    def class_id(self) -> UUID:
        return UUID(self.klass["id"])

    @property
    def title(self) -> str:
        group = f", подгруппа {self.subgroup}" if self.subgroup else ""
        return f"{self.klass['name']} · {self.subject_name}{group}"

    def query(self, **extra: str) -> str:
        """The page's query string: the subgroup and whatever else is asked."""
        parts = {"subgroup": self.subgroup or "", **extra}
        return urlencode({k: v for k, v in parts.items() if v})


class SubgroupsError(Exception):
    """The subject is taught in subgroups: the page asks which one."""

    def __init__(self, klass: dict[str, Any], courses: list[Course]) -> None:
        super().__init__(klass["name"])
        self.klass = klass
        self.courses = courses


def mine_in(
    office: Office, account: Account, live: LiveRecords, class_id: UUID, action: str
) -> tuple[dict[str, Any], ClassOfMine | None]:
    """The class (if ``account`` may read it) and its courses ``account`` may
    open, as ``/me/classes`` lists them."""
    klass = readable_class(office, account, live, class_id, action)
    everything = reads_everything(account)
    return klass, class_of_mine(live.facts(), klass, account, {}, everything=everything)


def open_course(
    office: Office,
    account: Account,
    live: LiveRecords,
    target: tuple[UUID, str, str | None],
    action: str,
) -> JournalCourse:
    """The journal of ``target`` (class, subject, subgroup) if ``account`` may
    open it; else a 403 page (and the refusal in the access log)."""
    class_id, subject, subgroup = target
    klass, mine = mine_in(office, account, live, class_id, action)
    me = str(account.staff) if account.staff else None
    courses = [c for c in (mine.courses if mine else []) if c.subject == subject]
    covering = tuple(
        s
        for s in (mine.substitutions if mine else [])
        if s.subject == subject and str(s.substitute) == me
    )
    try:
        return _chosen(klass, courses, covering, subject, subgroup, me)
    except PageError as e:
        about = f"class:{class_id}"
        office.access.refused(account, action, about, e.status, utcnow())
        raise


def _chosen(
    klass: dict[str, Any],
    courses: list[Course],
    covering: tuple[Substitution, ...],
    subject: str,
    subgroup: str | None,
    me: str | None,
) -> JournalCourse:
    if subgroup is None and len(courses) > 1:
        raise SubgroupsError(klass, courses)
    if subgroup is None and len(courses) == 1:
        subgroup = courses[0].subgroup
    if subgroup is None and not courses and len({s.subgroup for s in covering}) == 1:
        subgroup = covering[0].subgroup
    course = next((c for c in courses if c.subgroup == subgroup), None)
    mine = tuple(s for s in covering if s.subgroup == subgroup)
    if course is None and not mine:
        raise _not_yours(klass, subject, subgroup)
    name = course.subject_name if course else mine[0].subject_name
    return JournalCourse(
        klass=klass,
        subject=subject,
        subgroup=subgroup,
        subject_name=name,
        teacher=str(course.teacher if course else mine[0].absent_teacher),
        members=tuple(str(p) for p in course.members) if course else (),
        records=bool(mine) or (course is not None and str(course.teacher) == me),
        substitutions=mine,
    )


def _not_yours(klass: dict[str, Any], subject: str, subgroup: str | None) -> PageError:
    group = f" (подгруппа {subgroup})" if subgroup else ""
    return PageError(
        403,
        "Нет доступа",
        f"Вы не ведёте предмет «{subject}»{group} в классе {klass['name']} и не "
        "замещаете в нём: учитель открывает журнал только своих предметов и "
        "подгрупп (152-ФЗ, §6.2 положения).",
    )
