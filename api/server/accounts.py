"""Accounts of the people who use the API: staff, pupils, guardians, auditors.

An account has a name, an argon2id password hash, its roles (DESIGN §4, plus
``pupil`` and ``guardian``) and links: the staff member it is (and the label
of their custodial key, if the server keeps it), or the pupils whose records
it may read (a pupil: their own; a guardian: their children, §6.2).

Account rows are never changed; the table refuses UPDATE and DELETE. A new
password or a deactivation is a new row, the next version of the login, and
the latest version wins; the earlier ones stay as the account's history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from api.server.tables import ACCOUNTS, side_store
from ledger.application import LedgerApplication
from ledger.errors import LedgerError
from ledger.storage.sql import DUPLICATE_ERRORS

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
LOGIN_RULE = (
    "2-64 characters: a-z, 0-9, '.', '_' and '-', starting with a letter or digit"
)
_LOGIN = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
MIN_PASSWORD = 10
MAX_PASSWORD = 256
COMMON_PASSWORDS = frozenset(
    {"password123", "qwerty12345", "1234567890", "0123456789", "йцукенгшщз"}
)
_COLUMNS = (
    "name, version, change, password_hash, roles, staff, pupils, key_label, "
    "display_name, active, changed_by, created_at"
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
    display_name: str = ""

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_staff(self) -> bool:
        return self.staff is not None and self.has(*STAFF_ROLES)


def check_account(account: Account) -> None:
    """An account's roles and links fit together, or AccountError says how."""
    if not _LOGIN.fullmatch(account.name):
        msg = f"login {account.name!r} is not usable; use {LOGIN_RULE}"
        raise AccountError(msg)
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


def check_password(login: str, password: str) -> None:
    """A password strong enough for records of children, or AccountError."""
    if not password:
        msg = f"the password of {login!r} is empty; use {MIN_PASSWORD}+ characters"
        raise AccountError(msg)
    problem = None
    if len(password) < MIN_PASSWORD:
        problem = f"has {len(password)} characters; use at least {MIN_PASSWORD}"
    elif len(password) > MAX_PASSWORD:
        problem = f"is longer than {MAX_PASSWORD} characters"
    elif login.lower() in password.lower():
        problem = "contains the login; choose one that does not"
    elif len(set(password)) < 4 or password.lower() in COMMON_PASSWORDS:
        problem = "is too easy to guess; use a few unrelated words"
    if problem:
        msg = f"the password of {login!r} {problem}"
        raise AccountError(msg)


@dataclass(frozen=True)
class AccountVersion:
    """One row of an account's history: what it was from ``created_at`` on."""

    account: Account
    version: int
    change: str  # created, password, deactivated
    active: bool
    changed_by: str
    created_at: str


class AccountStore:
    """Account versions with argon2id hashes.

    Nothing is cached: every request reads the account's latest version (one
    primary-key lookup), so a password change or a deactivation, which makes
    a new version, revokes the tokens issued before it at once (a token
    carries the version it was issued for)."""

    def __init__(
        self, app: LedgerApplication, hasher: PasswordHasher | None = None
    ) -> None:
        self.app = app
        self.store = side_store(app, ACCOUNTS)
        self.hasher = hasher or PasswordHasher()

    def add(self, account: Account, password: str, *, by: str = "server") -> Account:
        """A new login (version 1); AccountError if it is taken or not valid."""
        check_account(account)
        check_password(account.name, password)
        if self.latest(account.name) is not None:
            msg = f"account {account.name!r} exists already; pick another login"
            raise AccountError(msg)
        first = AccountVersion(account, 1, "created", True, by, _now())
        self._append(first, self.hasher.hash(password))
        return account

    def change_password(
        self, name: str, password: str, *, by: str, drop_key: bool = False
    ) -> AccountVersion:
        """A new version of ``name`` with a new password (reactivates it);
        ``drop_key``: the account no longer names a key kept by the server."""
        latest, _ = self._require(name)
        check_password(name, password)
        account = latest.account
        new = replace(
            latest,
            account=replace(account, key_label=None) if drop_key else account,
            version=latest.version + 1,
            change="password",
            active=True,
            changed_by=by,
            created_at=_now(),
        )
        self._append(new, self.hasher.hash(password))
        return new

    def deactivate(self, name: str, *, by: str) -> AccountVersion:
        """A new version of ``name`` that can no longer sign in or use tokens."""
        latest, password_hash = self._require(name)
        if not latest.active:
            msg = f"account {name!r} is already deactivated"
            raise AccountError(msg)
        new = replace(
            latest,
            version=latest.version + 1,
            change="deactivated",
            active=False,
            changed_by=by,
            created_at=_now(),
        )
        self._append(new, password_hash)
        return new

    def latest(self, name: str) -> AccountVersion | None:
        row = self._row(name)
        return None if row is None else _version(row)

    def current(self) -> list[AccountVersion]:
        """The latest version of every login, by login."""
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM {{api_account_versions}} a JOIN "
            "(SELECT name AS n, MAX(version) AS v FROM {api_account_versions} "
            "GROUP BY name) m ON a.name = m.n AND a.version = m.v ORDER BY a.name"
        )
        return [_version(r) for r in rows]

    def history(self, name: str) -> list[AccountVersion]:
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM {{api_account_versions}} WHERE name = ? "
            "ORDER BY version",
            (name,),
        )
        return [_version(r) for r in rows]

    def get(self, name: str) -> Account | None:
        """The active account ``name``, or None."""
        found = self.active(name)
        return None if found is None else found.account

    def active(self, name: str) -> AccountVersion | None:
        """The latest version of ``name`` if it is active, else None."""
        latest = self.latest(name)
        return latest if latest is not None and latest.active else None

    def authenticate(self, name: str, password: str) -> Account | None:
        """The account if it is active and ``password`` is its password, else None."""
        found = self.sign_in(name, password)
        return None if found is None else found.account

    def sign_in(self, name: str, password: str) -> AccountVersion | None:
        """The account's latest version if it is active and ``password`` is its
        password, else None (a token names that version)."""
        row = self._row(name)
        if row is None or not row["active"]:
            self.hasher.hash(password)  # the same time whether or not the name exists
            return None
        try:
            self.hasher.verify(row["password_hash"], password)
        except (VerificationError, InvalidHashError):
            return None
        return _version(row)

    def _require(self, name: str) -> tuple[AccountVersion, str]:
        row = self._row(name)
        if row is None:
            known = ", ".join(v.account.name for v in self.current()) or "none"
            msg = f"no account {name!r}; known logins: {known}"
            raise AccountError(msg)
        return _version(row), str(row["password_hash"])

    def _append(self, v: AccountVersion, password_hash: str) -> None:
        a = v.account
        row = (
            a.name,
            v.version,
            v.change,
            password_hash,
            ",".join(a.roles),
            str(a.staff) if a.staff else None,
            ",".join(str(p) for p in a.pupils),
            a.key_label,
            a.display_name,
            1 if v.active else 0,
            v.changed_by,
            v.created_at,
        )
        try:
            with self.store.transaction() as tx:
                tx.execute(
                    f"INSERT INTO {{api_account_versions}} ({_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
        except DUPLICATE_ERRORS as e:
            msg = (
                f"account {a.name!r} was changed meanwhile (version {v.version} "
                "exists); look at it again and retry"
            )
            raise AccountError(msg) from e

    def _row(self, name: str) -> Any:
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM {{api_account_versions}} WHERE name = ? "
            "ORDER BY version DESC LIMIT 1",
            (name,),
        )
        return rows[0] if rows else None


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _version(row: Any) -> AccountVersion:
    r: dict[str, Any] = dict(row)
    account = Account(
        name=str(r["name"]),
        roles=tuple(str(r["roles"]).split(",")),
        staff=UUID(r["staff"]) if r["staff"] else None,
        pupils=tuple(UUID(p) for p in str(r["pupils"]).split(",") if p),
        key_label=r["key_label"],
        display_name=str(r["display_name"]),
    )
    return AccountVersion(
        account,
        int(r["version"]),
        str(r["change"]),
        bool(r["active"]),
        str(r["changed_by"]),
        str(r["created_at"]),
    )
