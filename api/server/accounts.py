"""Accounts of the people who use the API: staff, pupils, guardians, auditors.

An account has a name, an argon2id password hash, its roles (DESIGN §4, plus
``pupil`` and ``guardian``) and links: the staff member it is (and the label
of their custodial key, if the server keeps it), or the pupils whose records
it may read (a pupil: their own; a guardian: their children, §6.2). Accounts
are rows that are never changed; the table refuses UPDATE and DELETE.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from api.server.tables import create, side_store
from ledger.application import LedgerApplication
from ledger.errors import LedgerError
from ledger.sqlstore import DUPLICATE_ERRORS

STAFF_ROLES = (
    "teacher",
    "class_teacher",
    "deputy_director",
    "director",
    "secretary",
    "importer",
)
AUDITOR = "auditor"
PUPIL = "pupil"
GUARDIAN = "guardian"
ROLES = (*STAFF_ROLES, AUDITOR, PUPIL, GUARDIAN)
OFFICE = ("deputy_director", "director", "secretary")  # read the whole school

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS {api_accounts} (name TEXT PRIMARY KEY, "
    "password_hash TEXT NOT NULL, roles TEXT NOT NULL, staff TEXT, "
    "pupils TEXT NOT NULL, key_label TEXT, created_at TEXT NOT NULL)",
)


class AccountError(LedgerError):
    """An account cannot be made as asked (the message says why)."""


@dataclass(frozen=True)
class Account:
    """Who signs in, with what roles, linked to whom."""

    name: str
    roles: tuple[str, ...]
    staff: UUID | None = None
    pupils: tuple[UUID, ...] = ()
    key_label: str | None = None

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_staff(self) -> bool:
        return self.staff is not None and self.has(*STAFF_ROLES)


def check_account(account: Account) -> None:
    """An account's roles and links fit together, or AccountError says how."""
    unknown = sorted(set(account.roles) - set(ROLES))
    if not account.roles or unknown:
        msg = f"roles {unknown or '(none)'} are not known; allowed: {', '.join(ROLES)}"
        raise AccountError(msg)
    staff = account.has(*STAFF_ROLES)
    reader = account.has(PUPIL, GUARDIAN)
    if staff and account.staff is None:
        msg = (
            "a staff account needs the staff member's id (people.StaffMemberRegistered)"
        )
        raise AccountError(msg)
    if (staff or account.has(AUDITOR)) and reader:
        msg = "a pupil or guardian account holds no other role"
        raise AccountError(msg)
    if account.has(PUPIL) and len(account.pupils) != 1:
        msg = "a pupil account names exactly one pupil: the pupil themselves"
        raise AccountError(msg)
    if account.has(GUARDIAN) and not account.pupils:
        msg = "a guardian account names at least one pupil (their child)"
        raise AccountError(msg)
    if account.has(AUDITOR) and staff:
        msg = "an auditor reads everything and writes nothing: no staff roles"
        raise AccountError(msg)


class AccountStore:
    """The accounts table, with argon2id hashes; accounts cached once read."""

    def __init__(self, app: LedgerApplication, hasher: PasswordHasher | None = None):
        self.store = side_store(app, ("api_accounts",))
        create(self.store, _SCHEMA, ("api_accounts",))
        self.hasher = hasher or PasswordHasher()
        self._cache: dict[str, Account] = {}
        self._lock = threading.Lock()

    def add(self, account: Account, password: str) -> Account:
        check_account(account)
        if len(password) < 8:
            msg = f"the password of {account.name!r} must have at least 8 characters"
            raise AccountError(msg)
        row = (
            account.name,
            self.hasher.hash(password),
            ",".join(account.roles),
            str(account.staff) if account.staff else None,
            ",".join(str(p) for p in account.pupils),
            account.key_label,
            datetime.now(UTC).isoformat(),
        )
        try:
            with self.store.transaction() as tx:
                tx.execute(
                    "INSERT INTO {api_accounts} (name, password_hash, roles, staff, "
                    "pupils, key_label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
        except DUPLICATE_ERRORS as e:
            msg = f"account {account.name!r} exists already; pick another name"
            raise AccountError(msg) from e
        return account

    def get(self, name: str) -> Account | None:
        with self._lock:
            cached = self._cache.get(name)
        if cached is not None:
            return cached
        found = self._row(name)
        if found is None:
            return None
        account = _account(found)
        with self._lock:
            self._cache[name] = account
        return account

    def authenticate(self, name: str, password: str) -> Account | None:
        """The account if ``password`` is its password, else None."""
        row = self._row(name)
        if row is None:
            self.hasher.hash(password)  # the same time whether or not the name exists
            return None
        try:
            self.hasher.verify(row["password_hash"], password)
        except (VerificationError, InvalidHashError):
            return None
        return _account(row)

    def _row(self, name: str) -> Any:
        rows = self.store.query(
            "SELECT name, password_hash, roles, staff, pupils, key_label "
            "FROM {api_accounts} WHERE name = ?",
            (name,),
        )
        return rows[0] if rows else None


def _account(row: Any) -> Account:
    r: dict[str, str | None] = dict(row)
    return Account(
        name=str(r["name"]),
        roles=tuple(str(r["roles"]).split(",")),
        staff=UUID(r["staff"]) if r["staff"] else None,
        pupils=tuple(UUID(p) for p in str(r["pupils"]).split(",") if p),
        key_label=r["key_label"],
    )
