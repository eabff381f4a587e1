"""The records view on PostgreSQL: the owner role writes it, the application reads.

`letopis init` installs three ``SECURITY DEFINER`` functions that belong to the
owner role (``ledger.storage.records_view``); the application role may read
the view tables and execute the functions, and nothing else: no INSERT,
UPDATE, DELETE or TRUNCATE on a view row. So the runner still checks every
entry through the verifier's rules first (``projections.checked``), but it
does not write rows: it asks the owner's function to apply the stored events
up to the last entry it checked, and the function reads them from the events
table itself. A rebuild is checked the same way, then built by the owner into
a fresh set of tables that replaces the current one in one transaction.

What the application role can do with the functions is ask for the log as it
is stored, sooner or later; never for a row of its own. Why this design, and
what it does not stop, is in ``docs/postgres.md``.
"""

from __future__ import annotations

from typing import Any

from ledger.errors import LedgerError
from ledger.storage.records_view import VIEWS_APPLY, VIEWS_PREPARE, VIEWS_REBUILD
from ledger.storage.sql import SqlStore
from ledger.storage.tables import RECORDS_POSITION

INIT_AGAIN = (
    "run `letopis init` again (as the administrator, with the same --store, "
    "--owner-role and --app-role) to install them"
)


class OwnerViewsError(LedgerError):
    """The owner's view functions are missing or refused; the message says why."""


class ViewsMovedError(OwnerViewsError):
    """The views were not where the runner found them: another runner moved them."""


class OwnerBuilt:
    """The owner's functions over the records view in the views schema."""

    def __init__(self, store: SqlStore, schema: str) -> None:
        self.schema = schema
        self.store = store

    @staticmethod
    def installed(store: SqlStore, schema: str) -> bool:
        """Whether `init` installed the functions in ``schema``."""
        function = f'"{schema}".{VIEWS_APPLY}(bigint, bigint)'
        found = store.query("SELECT to_regprocedure(?) AS f", (function,))
        return found[0]["f"] is not None

    @classmethod
    def missing(cls, schema: str) -> OwnerViewsError:
        msg = (
            "the report views of this PostgreSQL store are written by the owner "
            f"role's functions, which schema {schema!r} lacks (the store was "
            f"prepared by an older version): {INIT_AGAIN}"
        )
        return OwnerViewsError(msg)

    def prepare(self) -> None:
        """Make an empty set of views if the current one is missing or not
        the owner role's alone (made by an older version)."""
        self._call(f"{VIEWS_PREPARE}()")

    def position(self) -> int:
        """The notification id of the last event the views hold (0: none)."""
        rows = self.store.query(
            f"SELECT coalesce(max(position), 0) AS p FROM {{{RECORDS_POSITION}}}"
        )
        return int(rows[0]["p"])

    def apply(self, after: int, upto: int) -> int:
        """Apply the stored events after ``after`` up to ``upto`` (checked by
        the caller); ViewsMovedError if the views are not at ``after``."""
        return int(self._call(f"{VIEWS_APPLY}(?, ?)", (after, upto)))

    def rebuild(self, upto: int) -> int:
        """Build a fresh set from the events up to ``upto`` (checked by the
        caller) and swap it in for the current one, in one transaction."""
        return int(self._call(f"{VIEWS_REBUILD}(?)", (upto,)))

    def _call(self, call: str, params: tuple[int, ...] = ()) -> Any:
        import psycopg
        from eventsourcing.persistence import PersistenceError

        try:
            with self.store.transaction() as tx:
                rows = tx.fetch(f'SELECT "{self.schema}".{call} AS r', params)
        except (psycopg.Error, PersistenceError) as e:
            # the datastore passes most driver errors on, some wrapped in its own
            cause = e if isinstance(e, psycopg.Error) else e.__cause__
            if isinstance(cause, psycopg.errors.SerializationFailure):
                raise ViewsMovedError(_said(cause)) from e
            if isinstance(cause, psycopg.errors.UndefinedFunction):
                raise self.missing(self.schema) from e
            msg = f"the owner's view function refused: {_said(e)}"
            raise OwnerViewsError(msg) from e
        return rows[0]["r"]


def _said(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
