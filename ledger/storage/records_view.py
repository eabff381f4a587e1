"""The records view as data, and the owner's SQL that builds it on PostgreSQL.

The records view (``projections/views.py``) turns every event it follows into
one row of one of six tables. Which table, and which columns the row takes
from the event's data, is data here (:data:`FOLLOWED`), read by two
projections:

- the Python one (``projections.views.rows_of``): what a SQLite store writes,
  and what the views check (``projections.audit``) recomputes from the checked
  log on every store before a report is rendered;
- the SQL one in the owner role's functions on PostgreSQL
  (:func:`postgres_view_functions`, installed by `letopis init`), which read
  the stored events themselves.

On PostgreSQL the application role may only read the view tables. It cannot
write a row; it can only ask the owner's functions to bring the views up to
the log (``letopis_views_apply``) or to build a new set from the log and swap
it in whole (``letopis_views_rebuild``). So a row says what the stored log
says, whoever asked; whether the log itself is genuine is the verifier's
question, which the runner asks before it calls them (``projections.checked``)
and every report asks again, comparing the views with the Python projection of
the checked log (``projections.audit``): the two projections are compared on
every report. Why this design, and what the roles can still do, is in
``docs/postgres.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ledger.storage.tables import (
    RECORDS_POSITION,
    RECORDS_POSITION_DDL,
    VIEW_COLUMNS,
    VIEW_COLUMNS_DDL,
    VIEW_INDEXES,
    VIEW_TABLES,
    index_name,
    postgres_name,
    view_protection_ddl,
)
from verify.disposal import TOMBSTONE_PREFIX


@dataclass(frozen=True)
class Followed:
    """Where one event type goes: its table, the columns it fills from the
    event's ``data`` (column, key), and the column that takes the event's own
    stream (a pupil's personal file, a class), if any. A key the data lacks
    leaves its column empty."""

    table: str
    fields: tuple[tuple[str, str], ...] = ()
    stream: str | None = None


def _keys(*names: str) -> tuple[tuple[str, str], ...]:
    """Columns filled from the data keys of the same name."""
    return tuple((name, name) for name in names)


_RECORD = _keys("pupil", "class_id", "subject", "year")


def _grades(target: str | None = None) -> Followed:
    fields = _RECORD if target is None else (*_RECORD, ("target", target))
    return Followed("view_grades", fields)


#: event type → where it goes (the types the records view does not follow make
#: no row)
FOLLOWED: Mapping[str, Followed] = {
    "school.SchoolRegistered": Followed("view_school"),
    "school.SubjectDefined": Followed("view_school"),
    "school.GradingPolicySet": Followed("view_school"),
    "school.AcademicYearOpened": Followed("view_school", _keys("year")),
    "school.ClassOpened": Followed("view_school", _keys("year"), "class_id"),
    "school.TeachingAssigned": Followed("view_school", _keys("subject"), "class_id"),
    "school.SubstitutionRecorded": Followed(
        "view_school", _keys("subject"), "class_id"
    ),
    "school.PeriodClosed": Followed("view_school", _keys("class_id", "subject")),
    "school.YearClosed": Followed("view_school", _keys("class_id", "subject")),
    "people.StaffMemberRegistered": Followed("view_school"),
    "people.StudentEnrolled": Followed("view_people", _keys("class_id"), "pupil"),
    "people.StudentMovedToClass": Followed("view_people", _keys("class_id"), "pupil"),
    "people.StudentLeft": Followed("view_people", (), "pupil"),
    "archive.DataKeyDestroyed": Followed("view_people", _keys("pupil")),
    "journal.LessonHeld": Followed("view_journal", _keys("class_id", "subject", "day")),
    "journal.MarkRecorded": Followed("view_journal", _keys("pupil")),
    "journal.AbsenceRecorded": Followed("view_journal", _keys("pupil")),
    "journal.MarkCorrected": Followed("view_journal", (("target", "corrects"),)),
    "journal.MarkVoided": Followed("view_journal", (("target", "voids"),)),
    "attestation.PeriodGradeRecorded": _grades(),
    "attestation.IntermediateAttestationRecorded": _grades(),
    "attestation.RetakeRecorded": Followed("view_grades", (("target", "retakes"),)),
    "attestation.ExamResultImported": _grades(),
    "attestation.AdmissionTestRecorded": _grades(),
    "attestation.FinalGradeRecorded": _grades(),
    "decisions.CouncilDecisionRecorded": _grades(),
    "attestation.PeriodGradeCorrected": _grades("corrects"),
    "attestation.AttestationResultCorrected": _grades("corrects"),
    "attestation.ExamResultCorrected": _grades("corrects"),
    "attestation.FinalGradeCorrected": _grades("corrects"),
    "decisions.CouncilDecisionCorrected": _grades("corrects"),
    "attestat.AttestatIssued": Followed("view_book", _RECORD),
    "attestat.DuplicateIssued": Followed("view_book", _RECORD),
    "attestat.BookEntryCorrected": Followed("view_book"),
    "attestat.BlankSpoiled": Followed("view_book"),
    "attestat.BlanksReceived": Followed("view_book"),
    "attestat.ClassEntriesCertified": Followed("view_book", _RECORD),
    "portfolio.AchievementRecorded": Followed("view_portfolio", _keys("pupil")),
    "portfolio.AchievementWithdrawn": Followed(
        "view_portfolio", (("target", "withdraws"),)
    ),
}

#: The columns a row takes from the event's data or stream (the others are the
#: event's place in the log, its name, type, ``at``, data text and leaf).
FILTER_COLUMNS = ("class_id", "pupil", "subject", "year", "day", "target")

# -- the owner's functions ------------------------------------------------------------

VIEWS_PREPARE = "letopis_views_prepare"
VIEWS_APPLY = "letopis_views_apply"
VIEWS_REBUILD = "letopis_views_rebuild"
#: The functions older versions installed (the application role wrote the rows).
OLD_VIEW_FUNCTIONS = ("letopis_views_create(boolean)", "letopis_views_replace()")
#: Every table the functions make: the six views and their position.
OWNED_TABLES = (*VIEW_TABLES, RECORDS_POSITION)
#: Suffix of the fresh set a rebuild fills before it swaps it in.
NEXT = "_next"

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_.]*")
_DEFINER = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp"


def postgres_view_functions(
    views: str, events_schema: str, events_table: str, app: str
) -> tuple[str, ...]:
    """The owner's statements that install the records view's functions in
    schema ``views`` over the events table ``events_schema.events_table`` (all
    checked identifiers), executable by the application role ``app`` only:

    - ``letopis_views_prepare()``: makes an empty set of views when the current
      one is missing, not all the owner's, or writable by the application role
      (made by an older version); whether it did;
    - ``letopis_views_apply(from_position, to_position)``: applies the stored
      events after ``from_position`` up to ``to_position``, if the views are at
      ``from_position`` (else SQLSTATE 40001: another runner moved them);
    - ``letopis_views_rebuild(to_position)``: fills a fresh set from the events
      up to ``to_position``, indexes and protects it, and swaps it in for the
      current one in the caller's transaction.

    Each returns how many events it read (apply and rebuild)."""
    sql = _Sql(views, events_schema, events_table, app)
    functions = (
        (VIEWS_PREPARE, "", "boolean", sql.prepare_body()),
        (
            VIEWS_APPLY,
            "from_position bigint, to_position bigint",
            "bigint",
            sql.apply_body(),
        ),
        (VIEWS_REBUILD, "to_position bigint", "bigint", sql.rebuild_body()),
    )
    statements = [
        f'DROP FUNCTION IF EXISTS "{views}".{old}' for old in OLD_VIEW_FUNCTIONS
    ]
    for name, args, returns, body in functions:
        signature = f'"{views}".{name}({args})'
        statements += [
            f"CREATE OR REPLACE FUNCTION {signature} RETURNS {returns} {_DEFINER} "
            f"AS $$ {body} $$",
            f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC",
            f'GRANT EXECUTE ON FUNCTION {signature} TO "{app}"',
        ]
    return tuple(statements)


def _literal(text: str) -> str:
    """A type name, data key or identifier as an SQL string literal (only plain
    names are allowed here, so nothing needs escaping)."""
    if not _PLAIN.fullmatch(text):
        msg = f"{text!r} is not a plain name"
        raise ValueError(msg)
    return f"'{text}'"


def _listed(names: list[str]) -> str:
    return ", ".join(_literal(n) for n in names)


class _Sql:
    """The bodies of the owner's functions (see :func:`postgres_view_functions`)."""

    def __init__(self, views: str, events_schema: str, events_table: str, app: str):
        self.views = views
        self.events = f'"{events_schema}".{events_table}'
        self.trigger_schema = events_schema
        self.app = app
        # one lock per views schema: apply, rebuild and prepare take turns
        self.lock = (
            f"PERFORM pg_advisory_xact_lock(hashtext('letopis views'), "
            f"'\"{views}\"'::regnamespace::oid::integer)"
        )

    def table(self, name: str, suffix: str = "") -> str:
        return f'"{self.views}".{postgres_name(name)}{suffix}'

    # -- prepare --------------------------------------------------------------

    def prepare_body(self) -> str:
        names = _listed([postgres_name(t) for t in OWNED_TABLES])
        current = (
            "(SELECT count(*) FROM pg_class AS c WHERE c.relnamespace = "
            f"'\"{self.views}\"'::regnamespace AND c.relkind = 'r' "
            f"AND c.relname = ANY (ARRAY[{names}]) "
            "AND c.relowner = to_regrole(current_user) "
            f"AND NOT has_table_privilege({_literal(self.app)}, c.oid, "
            "'INSERT, UPDATE, DELETE, TRUNCATE')) = "
            f"{len(OWNED_TABLES)}"
        )
        return (
            f"BEGIN IF {current} THEN RETURN false; END IF; {self.lock}; "
            f"IF {current} THEN RETURN false; END IF; "
            f'PERFORM "{self.views}".{VIEWS_REBUILD}(0); RETURN true; END'
        )

    # -- apply ----------------------------------------------------------------

    def apply_body(self) -> str:
        position = self.table(RECORDS_POSITION)
        return (
            "DECLARE tracked bigint; start_entries bigint; applied bigint; "
            f"last_position bigint; BEGIN {self.lock}; "
            "SELECT p.position, p.entries INTO tracked, start_entries "
            f"FROM {position} AS p ORDER BY p.position DESC LIMIT 1; "
            "IF NOT FOUND THEN RAISE EXCEPTION 'letopis: the report views were "
            "never built' USING HINT = 'run `letopis rebuild`'; END IF; "
            "IF tracked <> from_position THEN RAISE EXCEPTION 'letopis: the report "
            "views are at position %, not %: another runner moved them', tracked, "
            "from_position USING ERRCODE = 'serialization_failure'; END IF; "
            f"{self.fill('')}; "
            f"IF last_position IS NOT NULL THEN INSERT INTO {position} "
            "(position, entries) VALUES (last_position, start_entries + applied); "
            "END IF; RETURN applied; END"
        )

    # -- rebuild --------------------------------------------------------------

    def rebuild_body(self) -> str:
        fresh = [self.table(t, NEXT) for t in OWNED_TABLES]
        steps = [
            "DECLARE from_position bigint := 0; start_entries bigint := 0; "
            f"applied bigint; last_position bigint; BEGIN {self.lock}",
            f"DROP TABLE IF EXISTS {', '.join(fresh)}",
            *(
                f"CREATE TABLE {self.table(t, NEXT)} "
                f"(position BIGINT NOT NULL, {VIEW_COLUMNS_DDL})"
                for t in VIEW_TABLES
            ),
            f"CREATE TABLE {self.table(RECORDS_POSITION, NEXT)} "
            f"({RECORDS_POSITION_DDL})",
            self.fill(NEXT),
            f"INSERT INTO {self.table(RECORDS_POSITION, NEXT)} (position, entries) "
            "VALUES (coalesce(last_position, 0), applied)",
            *self._indexes(),
            *self._protection(),
            f"DROP TABLE IF EXISTS {', '.join(self.table(t) for t in OWNED_TABLES)}",
            *self._swap(),
            "RETURN applied; END",
        ]
        return "; ".join(steps)

    def _index_names(self) -> list[tuple[str, str, str]]:
        """(final index name, table, columns) of every index of the fresh set;
        a fresh index is named ``<final>_next`` until the swap."""
        found = [
            (f"{postgres_name(t)}_pkey", t, "position") for t in VIEW_TABLES
        ]  # the name PostgreSQL gives a table's primary key
        found += [
            (index_name(t, columns), t, columns)
            for t, lists in VIEW_INDEXES.items()
            for columns in lists
        ]
        return found

    def _indexes(self) -> list[str]:
        made = []
        for name, table, columns in self._index_names():
            if name.endswith("_pkey"):
                made.append(
                    f"ALTER TABLE {self.table(table, NEXT)} ADD CONSTRAINT "
                    f"{name}{NEXT} PRIMARY KEY ({columns})"
                )
            else:
                made.append(
                    f"CREATE INDEX {name}{NEXT} ON {self.table(table, NEXT)} "
                    f"({columns})"
                )
        return made

    def _protection(self) -> list[str]:
        """The append-only triggers (UPDATE, DELETE, TRUNCATE refused) and the
        application role's SELECT, on every fresh table."""
        statements = []
        for t in OWNED_TABLES:
            fresh = self.table(t, NEXT)
            statements += [
                ddl.replace(f"{{{t}}}", fresh)
                for ddl in view_protection_ddl(t, "postgresql", self.trigger_schema)
            ]
            statements += [
                f'REVOKE ALL ON TABLE {fresh} FROM PUBLIC, "{self.app}"',
                f'GRANT SELECT ON TABLE {fresh} TO "{self.app}"',
            ]
        return statements

    def _swap(self) -> list[str]:
        renamed = [
            f"ALTER TABLE {self.table(t, NEXT)} RENAME TO {postgres_name(t)}"
            for t in OWNED_TABLES
        ]
        renamed.append(
            f'ALTER INDEX "{self.views}".{postgres_name(RECORDS_POSITION)}{NEXT}'
            f"_pkey RENAME TO {postgres_name(RECORDS_POSITION)}_pkey"
        )
        renamed += [
            f'ALTER INDEX "{self.views}".{name}{NEXT} RENAME TO {name}'
            for name, _, _ in self._index_names()
        ]
        return renamed

    # -- the projection ---------------------------------------------------------

    def fill(self, suffix: str) -> str:
        """One statement (in a block that names a malformed entry): the rows
        of the events after ``from_position`` up to ``to_position`` into the
        tables ``<table><suffix>``; ``applied`` and ``last_position`` get how
        many events it read and the last one's position. An entry's leaf index
        counts on from ``start_entries``."""
        inserts = ", ".join(f"{t} AS ({self._insert(t, suffix)})" for t in VIEW_TABLES)
        return (
            f"BEGIN WITH followed (type, tbl, stream_as, {', '.join(FILTER_COLUMNS)}) "
            f"AS (VALUES {_followed_values()}), "
            f"entries AS MATERIALIZED ({self._entries()}), {inserts} "
            "SELECT count(*), max(position) INTO applied, last_position FROM entries; "
            "EXCEPTION WHEN not_null_violation OR data_exception THEN "
            "RAISE EXCEPTION 'letopis: an entry after position % (up to %) is not "
            "a canonical envelope: %', from_position, to_position, SQLERRM "
            "USING HINT = 'run `letopis verify`'; END"
        )

    def _entries(self) -> str:
        """Each event in range as the view's row (and ``tbl``, the table it
        goes to; none for a type not followed): its position, leaf index and
        hash, the columns from the parsed envelope as :data:`FOLLOWED` says
        (``followed``, the same data as a table), and its ``data`` member as
        the text it is stored as. Canonical JSON keys are sorted, so that lies
        between the first ``,"data":`` and the last ``,"log":"`` (as
        ``projections.runner._data_text`` slices it). A ``\\u0000`` escape,
        which ``jsonb`` refuses, is parsed as U+2400: only the filter columns
        come from the parsed envelope, the data text is sliced from the bytes.

        ``OFFSET 0`` keeps each inner query a step of its own: flattened, the
        text and the parsed envelope would be computed once per reference."""
        log_back = _sql_text(',"log":"'[::-1])
        shaped = "ds > 8 AND back > 0 AND n - back - 6 >= ds AND substr(t, ds, 1) = '{'"
        columns = ", ".join(
            f"CASE WHEN f.stream_as = {_literal(c)} THEN env->>'stream' "
            f"ELSE env->'data'->>f.{c} END AS {c}"
            for c in FILTER_COLUMNS
        )
        return (
            "SELECT position, leaf_index, leaf_hash, r.type, f.tbl, "
            "env->>'at' AS at, (env->>'stream') || ':' || (env->>'seq') AS event, "
            f"env->>'stream' AS stream, {columns}, "
            f"CASE WHEN {shaped} THEN substr(t, ds, n - back - 6 - ds) END AS data "
            "FROM (SELECT position, leaf_index, leaf_hash, t, env, "
            "env->>'type' AS type, strpos(t, ',\"data\":') + 8 AS ds, "
            f"strpos(reverse(t), {log_back}) AS back, length(t) AS n "
            "FROM (SELECT position, leaf_index, leaf_hash, t, "
            "replace(t, '\\u0000', '\\u2400')::jsonb AS env "
            "FROM (SELECT e.notification_id AS position, "
            "convert_from(e.state, 'UTF8') AS t, "
            "encode(sha256('\\x00'::bytea || e.state), 'hex') AS leaf_hash, "
            "start_entries + row_number() OVER (ORDER BY e.notification_id) - 1 "
            f"AS leaf_index FROM {self.events} AS e "
            "WHERE e.notification_id > from_position "
            "AND e.notification_id <= to_position OFFSET 0) AS raw OFFSET 0) "
            "AS parsed OFFSET 0) AS r LEFT JOIN followed AS f ON f.type = r.type "
            # a disposed entry's tombstone keeps its place and type, not its data
            f"AND left(r.t, {len(TOMBSTONE_START)}) <> {_sql_text(TOMBSTONE_START)}"
        )

    def _insert(self, table: str, suffix: str) -> str:
        names = ", ".join(VIEW_COLUMNS)
        return (
            f"INSERT INTO {self.table(table, suffix)} ({names}) "
            f"SELECT {names} FROM entries WHERE tbl = {_literal(table)}"
        )


def _followed_values() -> str:
    """:data:`FOLLOWED` as the rows of a VALUES list: type, table, the column
    that takes the stream, then the data key of each filter column (or NULL)."""
    rows = []
    for kind, followed in sorted(FOLLOWED.items()):
        keys = dict(followed.fields)
        cells = [kind, followed.table, followed.stream]
        cells += [keys.get(column) for column in FILTER_COLUMNS]
        rows.append(
            "("
            + ", ".join("NULL::text" if c is None else _literal(c) for c in cells)
            + ")"
        )
    return ", ".join(rows)


TOMBSTONE_START = TOMBSTONE_PREFIX.decode()


def _sql_text(text: str) -> str:
    """``text`` (no quote marks in it) as an SQL string literal."""
    if "'" in text:
        msg = f"{text!r} holds a quote mark"
        raise ValueError(msg)
    return f"'{text}'"
