"""Many schools, one server: the open offices of a deployment's schools, by code.

A single-school server (the default) holds one office, as it always did. With
``LETOPIS_MANY_SCHOOLS`` the server serves every school under the keys root
(``ledger.storage.schools``): a school's office is opened the first time a
request needs it (an account of that school signs in, or a token or the
``X-Letopis-School`` header names it), so a school added by `letopis init
--school` on a running deployment is found without a restart. At most
``LETOPIS_OPEN_SCHOOLS`` offices are open at once; past that a new school is
refused (503), never an open one closed under a running request.

Which school a request acts on: the one its token was issued by (the account's
school), else the header's, else the default school. An account acts only on
its own school; the municipality's auditors (``LETOPIS_MUNICIPALITY``) may
read any school by naming it in the header. Each school keeps its own
sealing state; one loop seals every open school in turn, in a child process
unless ``LETOPIS_SEAL_PROCESS`` is off (``api.server.schools_sealing``).
"""

from __future__ import annotations

import threading

from api.server.accounts import AUDITOR, Account
from api.server.office import Clock, Office
from api.server.schools_sealing import SchoolsSealing
from api.server.settings import Settings
from ledger.errors import LedgerError
from ledger.storage.existing import StoreMissingError, require_store
from ledger.storage.schools import (
    SchoolCodeError,
    SchoolEntry,
    check_code,
    list_schools,
    school_keys,
    school_store,
)

SCHOOL_HEADER = "X-Letopis-School"
# Each school's pool: a school's appends take its write lock one at a time,
# so one kept connection and two more at a burst serve it; 100 open schools
# then keep 100 connections (up to 300 at once), not 100 × the library's
# default of 5 (+ 10). Past that, put PgBouncer in front (docs/scale.md).
SCHOOL_POOL = {"POSTGRES_POOL_SIZE": "1", "POSTGRES_MAX_OVERFLOW": "2"}


class UnknownSchoolError(LedgerError):
    """No school of that code in this deployment."""


class TooManySchoolsError(LedgerError):
    """The server has as many schools open as it may."""


class Schools:
    """The deployment's open offices, keyed by school code."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.many = settings.many_schools
        self._offices: dict[str, Office] = {}
        self._opening = threading.Lock()
        self.sealing = SchoolsSealing(
            self,
            settings.seal_interval,
            in_process=not settings.seal_process,
            passphrase=settings.key_passphrase.get_secret_value(),
        )
        self.default: Office | None = None
        if not self.many:
            self.default = Office(settings, clock)
            self._offices[settings.school] = self.default
        elif settings.school in self.codes():
            self.default = self.office(settings.school)

    # -- which schools ---------------------------------------------------------------

    def codes(self) -> list[str]:
        return [s.code for s in self.listing()]

    def listing(self) -> list[SchoolEntry]:
        """Every school of the deployment (the only look across schools)."""
        if not self.many:
            office = self._offices[self.settings.school]
            return [SchoolEntry(self.settings.school, office.origin)]
        return list_schools(self.settings.keys)

    def is_open(self, code: str) -> bool:
        return code in self._offices

    def open_office(self, code: str) -> Office | None:
        """The office of school ``code`` if it is open (never opens one)."""
        return self._offices.get(code)

    def open_offices(self) -> list[Office]:
        return list(self._offices.values())

    def school_settings(self, code: str) -> Settings:
        """The settings of one school: its store, its keys, its code."""
        base = self.settings
        state = base.verify_state  # /verify's record, one per school
        if state is not None:
            state = state.with_name(f"{state.stem}-{code}{state.suffix}")
        return base.model_copy(
            update={
                "store": school_store(base.store, code),
                "keys": school_keys(base.keys, code),
                "school": code,
                "seal_process": False,  # the deployment's loop seals it
                "verify_state": state,
            }
        )

    # -- the office of a school ------------------------------------------------------

    def office(self, code: str) -> Office:
        """The office of school ``code``, opened now if it is not open yet."""
        found = self._offices.get(code)
        if found is not None:
            return found
        if not self.many:
            msg = f"this server serves only school {self.settings.school!r}"
            raise UnknownSchoolError(msg)
        with self._opening:
            found = self._offices.get(code)
            if found is not None:
                return found
            return self._open(code)

    def _open(self, code: str) -> Office:
        try:
            check_code(code)
        except SchoolCodeError as e:
            raise UnknownSchoolError(str(e)) from e
        keys = school_keys(self.settings.keys, code)
        if not (keys / "letopis.json").is_file():
            msg = f"no school {code!r} in this deployment"
            raise UnknownSchoolError(msg)
        if len(self._offices) >= self.settings.open_schools:
            msg = (
                f"{len(self._offices)} schools are open, as many as "
                "LETOPIS_OPEN_SCHOOLS allows; try again later or raise it"
            )
            raise TooManySchoolsError(msg)
        settings = self.school_settings(code)
        try:
            require_store(settings.store)
        except StoreMissingError as e:  # keys made, store not (an init cut short)
            msg = f"school {code!r} has no store yet: run `letopis init --school`"
            raise UnknownSchoolError(msg) from e
        office = Office(settings, self.clock, extra_env=SCHOOL_POOL)
        office.sealed_by(self.sealing)
        self._offices[code] = office
        self.sealing.opened(office)
        return office

    def for_sign_in(self, username: str) -> tuple[Office, str]:
        """The office and login of ``login@school`` (or of a bare login, the
        default school's)."""
        login, at, code = username.rpartition("@")
        if not at:
            login, code = username, self.settings.school
        return self.office(code), login

    def may_read(self, home: Office, account: Account, school: Office) -> bool:
        """Whether ``account`` of ``home`` may act on ``school``: its own, or any
        school if it is an auditor of the municipality."""
        return home is school or self.municipal(home, account)

    def municipal(self, home: Office, account: Account) -> bool:
        """Whether ``account`` of ``home`` is an auditor of the municipality."""
        municipality = self.settings.municipality
        home_code = home.settings.school
        return self.many and home_code == municipality and account.has(AUDITOR)

    # -- running -----------------------------------------------------------------------

    def start(self) -> None:
        if self.many:
            self.sealing.start()
        elif self.default is not None:
            self.default.start()

    def stop(self) -> None:
        if self.many:
            self.sealing.stop()
        elif self.default is not None:
            self.default.stop()

    def close(self) -> None:
        self.sealing.stop()
        for office in self.open_offices():
            office.close()
