"""The PostgreSQL events recorder: the library's, with a save's rows sent in binary.

eventsourcing's ``PostgresApplicationRecorder`` sends the rows of a save as one
array of its composite type, in text: psycopg writes each envelope's bytes as
hex and escapes that text twice in Python (once for the row, once for the
array), so a save costs Python time per byte. Letopis stores whole signed
envelopes (about 650 bytes for a mark, twice the library's own JSON), which
made that escaping the largest cost of an append after the signature.

This recorder inserts the same rows with the same statement shape, ``INSERT …
SELECT … FROM unnest(…) RETURNING notification_id``, but from four parallel
arrays bound in binary (``%b``): the bytes go to the server as they are. The
table lock, the NOTIFY, the pipeline, the order of the returned ids and every
other statement stay the library's. A PostgreSQL store URL names this class
(``ledger.storage.stores.POSTGRES_RECORDER_TOPIC``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier


class BinaryInsertRecorder(PostgresApplicationRecorder):
    """The library's application recorder; a save's rows go in binary arrays."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.insert_arrays_statement = SQL(
            "INSERT INTO {schema}.{table} "
            "(originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::{id_type}[], %b::bigint[], %b::text[], "
            "%b::bytea[]) RETURNING notification_id"
        ).format(
            schema=Identifier(datastore.schema),
            table=Identifier(events_table_name),
            id_type=Identifier(datastore.originator_id_type),
        )

    def _insert_stored_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        **_: Any,
    ) -> None:
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(
            self.insert_arrays_statement,
            (
                [e.originator_id for e in stored_events],
                [e.originator_version for e in stored_events],
                [e.topic for e in stored_events],
                [e.state for e in stored_events],
            ),
            prepare=True,
        )
