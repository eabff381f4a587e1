"""The composition root: one school's ledger, keys and records services, wired once.

What cosmicpython calls ``bootstrap.py``. Everything a front end needs to act
for a school is built here from three inputs — the store URL, the key
directory and its passphrase — plus the clock the commands run by:

- the ledger application on the store (``ledger.storage.stores.open_ledger``:
  the recorders, the envelope mapper, the key registry and the signing policy
  the log holds);
- the personal data keys that seal identity fields
  (``ledger.keys.personal.DataKeyStore``), from the same key directory;
- the records services of the school (``ledger.records.office.SchoolRecords``)
  and a read context beside them, sharing that clock and those data keys.

The command line, the HTTP server and the simulation open a school through
:func:`open_school`; nothing else decides how these parts fit together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from ledger.application import LedgerApplication
from ledger.domain.ids import school_id
from ledger.keys.personal import DataKeyStore
from ledger.records.context import Clock, RecordsContext
from ledger.records.office import SchoolRecords
from ledger.storage.stores import open_ledger

__all__ = ["OpenSchool", "open_school", "wire_school"]


@dataclass
class OpenSchool:
    """One school's ledger and services; :meth:`close` releases the store."""

    app: LedgerApplication
    school: UUID
    data_keys: DataKeyStore | None
    records: SchoolRecords
    reads: RecordsContext

    def close(self) -> None:
        self.app.close()


def open_school(
    store: str,
    *,
    keys: Path | str,
    passphrase: str,
    school_code: str,
    clock: Clock,
    verify_on_read: bool = False,
    extra_env: Mapping[str, str] | None = None,
) -> OpenSchool:
    """The school with code ``school_code`` on the store at ``store``."""
    app = open_ledger(
        store,
        keys=keys,
        passphrase=passphrase,
        verify_on_read=verify_on_read,
        extra_env=extra_env,
    )
    try:
        data_keys = DataKeyStore.in_key_directory(keys, passphrase)
        return wire_school(app, school_id(school_code), clock, data_keys)
    except BaseException:
        app.close()
        raise


def wire_school(
    app: LedgerApplication, school: UUID, clock: Clock, data_keys: DataKeyStore | None
) -> OpenSchool:
    """The services of ``school`` on an application already open."""
    records = SchoolRecords(app, school, clock=clock, data_keys=data_keys)
    reads = RecordsContext(app, school, clock=clock, data_keys=data_keys)
    return OpenSchool(app, school, data_keys, records, reads)
