"""Demo accounts for `letopis serve --demo`: one per role, on the demo school.

Staff accounts use the demo's signer keys (custodial: kept encrypted in the
key directory). The pupil and guardian accounts are linked to one pupil with
the most to read (the first enrolled in a class of the 9th grade: marks,
period grades, the state exam, the attestat; else of the highest grade), and
the class teacher's account is that pupil's class teacher, so the pupil's
diary, the guardian's and the class page tell one story. The auditor reads
everything. All share one demo password, printed at start-up. Never for a
real school.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from api.server.accounts import AUDITOR, GUARDIAN, PUPIL, STAFF_ROLES, Account
from api.server.office import Office

DEMO_PASSWORD = "letopis-demo"  # noqa: S105 - printed at start-up, demo only


@dataclass(frozen=True)
class DemoAccount:
    name: str
    roles: tuple[str, ...]
    who: str


def create_demo_accounts(office: Office) -> list[DemoAccount]:
    """Make (or keep) one account per role; the accounts to try."""
    made = []
    for account, who in _plan(office):
        if office.accounts.get(account.name) is None:
            office.accounts.add(account, DEMO_PASSWORD)
        made.append(DemoAccount(account.name, account.roles, who))
    return made


def _plan(office: Office) -> list[tuple[Account, str]]:
    registry = office.app.context.registry
    pupil, leader = _shown_pupil(office)
    labels = office.directory.signer_labels()
    records = {
        label: registry.get(office.directory.signer(label).key_id) for label in labels
    }
    chosen: dict[str, tuple[Account, str]] = {}  # role → its account
    # the pupil's class teacher takes the class teacher's account first
    for label in sorted(labels, key=lambda label: records[label].holder != leader):
        record = records[label]
        role = next(
            (
                r
                for r in _roles_first(record.roles, record.holder == leader)
                if r in STAFF_ROLES and r not in chosen
            ),
            None,
        )
        if role is None:
            continue
        staff = UUID(record.holder)
        account = Account(role.replace("_", "-"), record.roles, staff, (), label)
        chosen[role] = (account, f"staff {label}, key {record.key}")
    plan = [chosen[role] for role in STAFF_ROLES if role in chosen]
    plan.append((Account("auditor", (AUDITOR,)), "reads everything, writes nothing"))
    if pupil is not None:
        plan.append((Account("pupil", (PUPIL,), pupils=(pupil,)), f"pupil {pupil}"))
        plan.append(
            (Account("guardian", (GUARDIAN,), pupils=(pupil,)), f"guardian of {pupil}")
        )
    return plan


def _roles_first(roles: tuple[str, ...], leads: bool) -> tuple[str, ...]:
    """A person's roles, the class teacher's first when they lead the class."""
    if leads and "class_teacher" in roles:
        return ("class_teacher", *(r for r in roles if r != "class_teacher"))
    return roles


def _shown_pupil(office: Office) -> tuple[UUID | None, str | None]:
    """The pupil the demo's family accounts read, and their class teacher's
    staff id: the first pupil enrolled in the 9th grade, else in the highest
    grade with pupils (the classes are opened before anyone is enrolled)."""
    classes: dict[str, dict[str, Any]] = {}
    first: dict[str, str] = {}  # class id → its first pupil
    start = 1
    topics = ("school.ClassOpened", "people.StudentEnrolled")
    recorder = office.app.recorder
    while page := recorder.select_notifications(start, 5000, topics=topics):
        for n in page:
            if n.topic == "school.ClassOpened":
                classes[str(n.originator_id)] = _data(n.state)
            elif n.topic == "people.StudentEnrolled":
                klass = str(_data(n.state).get("class_id"))
                first.setdefault(klass, str(n.originator_id))
        start = page[-1].id + 1
    if not first:
        return None, None

    def rank(klass: str) -> tuple[bool, int]:
        grade = int(classes.get(klass, {}).get("grade", 0))
        return grade == 9, grade

    chosen = max(first, key=rank)
    leader = classes.get(chosen, {}).get("class_teacher")
    return UUID(first[chosen]), None if leader is None else str(leader)


def _data(state: bytes) -> dict[str, Any]:
    """An envelope's data (the staff ids and grades here are not sealed)."""
    data: dict[str, Any] = json.loads(state)["data"]
    return data
