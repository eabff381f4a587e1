"""Who may read whose records (152-ФЗ; §6.2 and §6.4 of the regulation).

Pupils read only their own records and guardians only their children's; a
teacher reads the classes they teach (or lead as class teacher, or
substitute in) and those classes' pupils; the deputy director, the director,
the secretary and auditors read the whole school.
"""

from __future__ import annotations

from uuid import UUID

from api.server.accounts import AUDITOR, GUARDIAN, OFFICE, PUPIL, Account
from api.server.problems import ProblemError
from ledger.domain.classes import SchoolClass
from ledger.domain.ids import personal_file_id
from ledger.domain.people import PersonalFile
from ledger.records.context import RecordsContext


def pupil_ref(school: UUID, text: str) -> UUID:
    """The pupil a request names, parsed once at the edge: an id in any spelling
    Python's UUID reads (upper case, braces, ``urn:uuid:``, no hyphens; in any
    case) becomes the canonical id; anything else is a personal file number
    («К-25»), whose id is derived from it. Scope checks and lookups both use
    the result."""
    cleaned = text.strip()
    try:
        return UUID(cleaned.lower())
    except ValueError:
        return personal_file_id(school, cleaned)


def reads_everything(account: Account) -> bool:
    return account.has(AUDITOR, *OFFICE)


def teaches(klass: SchoolClass, staff: UUID) -> bool:
    """Whether ``staff`` leads, teaches or substituted in ``klass``."""
    if klass.class_teacher == staff:
        return True
    assigned = (a.teacher for course in klass.assignments.values() for a in course)
    return staff in assigned or any(s.substitute == staff for s in klass.substitutions)


def check_class_reader(ctx: RecordsContext, account: Account, class_id: UUID) -> None:
    """403 unless ``account`` may read the records of the class."""
    if reads_everything(account):
        return
    klass = ctx.view(SchoolClass, class_id)
    if klass is None:
        msg = f"class {class_id} is not opened in this school"
        raise ProblemError(404, "not-found", msg, field="class")
    if account.staff is not None and teaches(klass, account.staff):
        return
    msg = (
        f"account {account.name!r} does not teach {klass.name}; a teacher reads "
        "only the classes they teach (152-ФЗ, §6.2)"
    )
    raise ProblemError(403, "not-your-class", msg, allowed="classes you teach")


def check_pupil_reader(ctx: RecordsContext, account: Account, pupil: UUID) -> None:
    """403 unless ``account`` may read the records of ``pupil``."""
    if reads_everything(account):
        return
    if account.has(PUPIL, GUARDIAN):
        if pupil in account.pupils:
            return
        msg = (
            f"account {account.name!r} may read only "
            + ("its own records" if account.has(PUPIL) else "its children's records")
            + " (152-ФЗ, §6.2)"
        )
        raise ProblemError(403, "not-your-pupil", msg, allowed="your own records")
    file = ctx.view(PersonalFile, pupil)
    if file is None or file.school != ctx.school_id:
        msg = f"pupil {pupil} has no personal file in this school"
        raise ProblemError(404, "not-found", msg, field="pupil")
    classes = {p.class_id for p in file.placements}
    for class_id in classes:
        klass = ctx.view(SchoolClass, class_id)
        if klass and account.staff is not None and teaches(klass, account.staff):
            return
    msg = (
        f"account {account.name!r} does not teach pupil {pupil}; a teacher reads "
        "only the pupils of the classes they teach (152-ФЗ, §6.2)"
    )
    raise ProblemError(403, "not-your-pupil", msg, allowed="pupils you teach")
