"""Custodial keys kept per person: opened at that person's sign-in, held for
that session (DESIGN §4, custody).

A staff member who lets the server sign for them may have their key wrapped
by their *own* password (``ledger.keys.wrapped``) instead of the server's one
passphrase. Such a key opens only when they sign in: the web sign-in holds it
in the session (``WebSession.held``), ``POST /token`` holds it for the token's
lifetime. :class:`Holds` is the office's index of what is held: the web
session (or the token's entry) keeps the only strong reference, so a key
leaves memory when the session ends, times out, or the token expires, and it
is used only while the account is at the version (the password) that opened
it. Keys still wrapped by the server's passphrase (schools that have not
moved, the demo) keep working as before.

A password change re-wraps the key: the current password opens it, the new
one wraps it again (:func:`change_password`).
"""

from __future__ import annotations

import hashlib
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from api.server.accounts import Account, AccountError, AccountStore, AccountVersion
from ledger.errors import LedgerError, TrustError
from ledger.keys.directory import KeyDirectory, SigningKey
from ledger.keys.wrapped import (
    KdfCost,
    WrappedKey,
    destroy_wrapped,
    is_wrapped,
    move_to_password,
    read_wrapped,
    rewrap,
    write_wrapped,
)

#: Where a key is kept (``letopis keys list``, the keys page).
PASSPHRASE = "passphrase"  # noqa: S105 - a name; the server's passphrase opens it (before moving)
PASSWORD = "password"  # noqa: S105 - a name; its holder's own password opens it, at sign-in
CLIENT = "client"  # not kept by the server: a browser's or a device's own
SESSION_KEY = "signer"  # where a web session holds its person's key


class NoCustodialKeyError(LedgerError):
    """The server holds no key for the account: sign on the client (or, for a
    key wrapped by its holder's password, sign in again)."""


@dataclass(eq=False)
class HeldKey:
    """A key opened at a sign-in: whose, at which account version, which label."""

    login: str
    version: int
    label: str
    key: SigningKey


class Holds:
    """The keys held open in this server process, by login.

    Only weak references are kept here; the web session (``held``) or the
    token entry keeps the key alive, and its end drops it."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._by_login: dict[str, weakref.WeakSet[HeldKey]] = {}
        self._tokens: dict[str, tuple[HeldKey, float]] = {}
        self._lock = threading.Lock()

    def keep(self, held: HeldKey) -> HeldKey:
        """Index ``held``; the caller keeps it alive (a session's ``held``)."""
        with self._lock:
            self._by_login.setdefault(held.login, weakref.WeakSet()).add(held)
        return held

    def keep_for_token(self, token: str, held: HeldKey, seconds: float) -> None:
        """Hold ``held`` for ``seconds``, the lifetime of the token it was
        opened for (the token itself is not kept, only its digest)."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self._lock:
            self._tokens[digest] = (held, self.clock() + seconds)
        self.keep(held)

    def signer(self, login: str, version: int, label: str) -> SigningKey | None:
        """A key ``label`` held for ``login`` at account ``version``, if any."""
        self._expire()
        with self._lock:
            for held in list(self._by_login.get(login, ())):
                if held.version == version and held.label == label:
                    return held.key
        return None

    def count(self) -> int:
        """How many keys are held (for tests and health)."""
        self._expire()
        with self._lock:
            return sum(len(s) for s in self._by_login.values())

    def _expire(self) -> None:
        now = self.clock()
        with self._lock:
            for digest in [d for d, (_, ends) in self._tokens.items() if ends <= now]:
                del self._tokens[digest]


def custody_of(directory: KeyDirectory, label: str | None) -> str:
    """Which path the key of ``label`` uses (None: none kept by the server)."""
    if label is None:
        return CLIENT
    return PASSWORD if is_wrapped(directory, label) else PASSPHRASE


def sign_in(
    accounts: AccountStore, directory: KeyDirectory, login: str, password: str
) -> tuple[AccountVersion | None, HeldKey | None]:
    """The account's version if ``password`` is its password (as
    :meth:`AccountStore.sign_in`), and its key opened by that password when
    the key is wrapped by it (run off the event loop: both hash)."""
    found = accounts.sign_in(login, password)
    if found is None:
        return None, None
    return found, open_at_sign_in(directory, found, password)


def open_at_sign_in(
    directory: KeyDirectory, found: AccountVersion, password: str
) -> HeldKey | None:
    """The account's password-wrapped key, opened with the password it just
    signed in with; None when its key is not wrapped by its password (or does
    not open: the account still signs in; signing then says why)."""
    label = found.account.key_label
    if label is None or not is_wrapped(directory, label):
        return None
    try:
        key = read_wrapped(directory, label).unwrap(password)
    except TrustError:
        return None
    return HeldKey(found.account.name, found.version, label, key)


def change_password(
    accounts: AccountStore,
    directory: KeyDirectory,
    login: str,
    new_password: str,
    *,
    by: str,
    current_password: str | None,
    cost: KdfCost,
) -> AccountVersion:
    """A new password for ``login``; a key wrapped by the old password is
    wrapped by the new one. Refused, with nothing changed, when the key is
    wrapped and ``current_password`` does not open it."""
    latest = accounts.latest(login)
    label = latest.account.key_label if latest else None
    if latest is None or label is None or not is_wrapped(directory, label):
        return accounts.change_password(login, new_password, by=by)
    if current_password is None:
        msg = (
            f"the signing key of {login!r} is wrapped by the current password: "
            "give it (it opens the key, the new password wraps it again), or, if "
            "it is forgotten, revoke the key and enrol a new one"
        )
        raise AccountError(msg)
    again, _ = rewrap(directory, label, current_password, new_password, cost=cost)
    version = accounts.change_password(login, new_password, by=by)
    write_wrapped(directory, again)
    return version


def drop_wrapped_key(
    accounts: AccountStore,
    directory: KeyDirectory,
    login: str,
    new_password: str,
    *,
    by: str,
) -> AccountVersion:
    """A new password for ``login`` whose current one is forgotten: the key
    that password wraps can no longer be opened, so (once it is revoked in
    the log) its file is destroyed and the account names no key."""
    latest = accounts.latest(login)
    label = latest.account.key_label if latest else None
    if latest is None or label is None or not is_wrapped(directory, label):
        msg = f"account {login!r} has no key wrapped by its password to drop"
        raise AccountError(msg)
    wrapped = read_wrapped(directory, label)
    if not _revoked(accounts, wrapped.key):
        msg = (
            f"key {wrapped.key} of {login!r} is still in force: revoke it first "
            f"(`letopis keys revoke {wrapped.key} --reason 'пароль забыт'`), then "
            "drop it; a new key is then enrolled in the browser"
        )
        raise AccountError(msg)
    version = accounts.change_password(login, new_password, by=by, drop_key=True)
    destroy_wrapped(directory, label)
    return version


def _revoked(accounts: AccountStore, key: str) -> bool:
    try:
        record = accounts.app.context.registry.get(key, fresh=True)
    except TrustError:
        return True  # never registered: nothing signs with it
    return record.revoked_at is not None


def move_key(
    accounts: AccountStore,
    directory: KeyDirectory,
    login: str,
    password: str,
    *,
    cost: KdfCost,
) -> WrappedKey:
    """Move the passphrase-wrapped key of ``login`` to wrapping by their own
    sign-in password (checked against the account's hash first)."""
    found = accounts.active(login)
    if found is None:
        msg = f"no active account {login!r}; `letopis accounts list` shows them"
        raise AccountError(msg)
    label = found.account.key_label
    if label is None:
        msg = (
            f"account {login!r} has no key kept by the server (no key label); "
            "nothing to move"
        )
        raise AccountError(msg)
    if accounts.authenticate(login, password) is None:
        msg = (
            f"that is not the password of {login!r}: the key is wrapped by the "
            "password they sign in with, so type that one"
        )
        raise AccountError(msg)
    return move_to_password(directory, label, password, login=login, cost=cost)


def held_signer(holds: Holds, account: Account, version: int) -> SigningKey:
    """The account's password-wrapped key held open for it;
    NoCustodialKeyError if no session or token of it at this version holds it."""
    label = str(account.key_label)
    key = holds.signer(account.name, version, label)
    if key is None:
        msg = (
            f"the key of {account.name!r} is wrapped by their own password and "
            "is open only while they are signed in: sign in again (the password "
            "opens it), or sign in the browser with a key of your own"
        )
        raise NoCustodialKeyError(msg)
    return key
