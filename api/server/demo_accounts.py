"""Demo accounts for `letopis serve --demo`: one per role, on the demo school.

Staff accounts use the demo's signer keys (custodial: kept encrypted in the
key directory); the pupil and guardian accounts are linked to the first pupil
enrolled; the auditor reads everything. All share one demo password, printed
at start-up. Never for a real school.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    plan: list[tuple[Account, str]] = []
    taken: set[str] = set()
    registry = office.app.context.registry
    for label in office.directory.signer_labels():
        record = registry.get(office.directory.signer(label).key_id)
        role = next(
            (r for r in record.roles if r in STAFF_ROLES and r not in taken), None
        )
        if role is None:
            continue
        taken.add(role)
        staff = UUID(record.holder)
        account = Account(role.replace("_", "-"), record.roles, staff, (), label)
        plan.append((account, f"staff {label}, key {record.key}"))
    pupil = _first_pupil(office)
    plan.append((Account("auditor", (AUDITOR,)), "reads everything, writes nothing"))
    if pupil is not None:
        plan.append((Account("pupil", (PUPIL,), pupils=(pupil,)), f"pupil {pupil}"))
        plan.append(
            (Account("guardian", (GUARDIAN,), pupils=(pupil,)), f"guardian of {pupil}")
        )
    return plan


def _first_pupil(office: Office) -> UUID | None:
    start = 1
    while page := office.app.recorder.select_notifications(start=start, limit=5000):
        for n in page:
            if n.topic == "people.StudentEnrolled":
                return UUID(str(n.originator_id))
        start = page[-1].id + 1
    return None
