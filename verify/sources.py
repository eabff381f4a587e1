"""Where the entries come from: a live SQLite or PostgreSQL store, or an archive.

All three sit behind one small interface, `Source`:

- `Source.survey` (in the verifying process) reads what is small: the signed
  checkpoints, the candidate trust events, how many entries there are, and
  splits them into chunks of consecutive entries;
- `Source.read` (in a worker process) reads one chunk: the stored rows, and on a
  live store the Merkle leaf rows of the same events.

A live store is read through its own tables (SQLite ``stored_events`` and
``log_*``; PostgreSQL ``<schema>.letopis_events`` and ``letopis_log_*``), never
through the writer's code. ``psycopg`` is imported only for a ``postgresql://``
store, so the standalone verifier runs on an archive with the standard library
and ``cryptography`` alone.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from verify.bag import Bag, BagError
from verify.disposal import ACT_MARK, ACT_TYPE
from verify.errors import VerificationError
from verify.registry import TrustRow
from verify.report import Finding

__all__ = [
    "ArchiveSource",
    "Chunk",
    "LeafRow",
    "LeafSummary",
    "NodeRow",
    "PostgresSource",
    "Row",
    "SQLiteSource",
    "Source",
    "SourceError",
    "StoredCheckpoint",
    "Survey",
    "open_store",
]


class Row(NamedTuple):
    """One stored entry, its values as stored, unchecked.

    ``order`` is the notification id (a live store) or the line index (an
    archive); the columns are None in an archive.
    """

    order: int
    state: Any
    stream: Any
    version: Any
    topic: Any


class LeafRow(NamedTuple):
    """One Merkle leaf row, as stored."""

    leaf_index: int
    notification_id: int
    stream: str
    seq: int
    hash: bytes


class NodeRow(NamedTuple):
    """One stored subtree hash of the log's proof index."""

    level: int
    idx: int
    hash: bytes


_new = tuple.__new__  # builds a NamedTuple from a row without its Python __new__

_DIGITS = re.compile(r"[0-9]{1,19}", re.ASCII)
TRUST_MARK = b'"type":"trust.'
_LOWEST, _HIGHEST = -(2**63), 2**63 - 1


class SourceError(VerificationError):
    """The store or archive cannot be read at all (exit code 2)."""


@dataclass(frozen=True)
class Chunk:
    """Consecutive entries: the ordinal of the first, and where they are stored.

    Live store: notification ids ``[lo, hi)``, leaf rows of notification ids
    ``[leaf_lo, leaf_hi)`` with a leaf index below ``leaf_limit``. Archive: the
    bytes ``[lo, hi)`` of ``log.jsonl``.
    """

    start: int
    lo: int
    hi: int
    leaf_lo: int = 0
    leaf_hi: int = 0
    leaf_limit: int = 0


@dataclass(frozen=True)
class StoredCheckpoint:
    """A signed note as stored, where it was found, and the size it claims there."""

    size: int | None
    text: str | None
    where: str
    root: bytes | None = None
    error: str | None = None


@dataclass(frozen=True)
class LeafSummary:
    """The leaf table at a glance: rows, lowest and highest index, last sealed id."""

    count: int
    lowest: int | None
    highest: int | None
    sealed_id: int


@dataclass(frozen=True)
class Survey:
    """What the verifying process needs before the chunks are checked."""

    entries: int
    chunks: tuple[Chunk, ...]
    checkpoints: tuple[StoredCheckpoint, ...]
    trust_rows: tuple[TrustRow, ...]
    leaves: LeafSummary | None = None
    act_rows: tuple[TrustRow, ...] = ()
    """The candidate disposal acts (``archive.DisposalActApproved``)."""
    latest: StoredCheckpoint | None = None
    findings: tuple[Finding, ...] = ()
    files: dict[str, str] = field(default_factory=dict)


class Source(Protocol):
    """A store or an archive, read chunk by chunk (see the module docstring)."""

    location: str
    live: bool
    hex_stream_ids: bool

    def survey(self, chunk_size: int) -> Survey:
        """Checkpoints, trust candidates and chunks; SourceError if unreadable."""
        ...

    def read(self, chunk: Chunk) -> tuple[list[Row], list[LeafRow]]:
        """The rows of one chunk in log order, and its leaf rows by notification id."""
        ...

    def read_leaf_hashes(self, lo: int, hi: int) -> list[tuple[int, bytes]]:
        """(leaf index, leaf hash) of the stored leaves ``[lo, hi)`` (live store)."""
        ...

    def read_nodes(self, lo: int, hi: int, top: int) -> list[NodeRow] | None:
        """The stored subtree hashes of levels 1 to ``top`` starting in
        ``[lo, hi)``; None where none are stored (an archive)."""
        ...

    def upper_nodes(self, above: int) -> list[NodeRow]:
        """Every stored subtree hash of a level above ``above``."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...


def open_store(url: str) -> Source:
    """The source for a store URL: ``sqlite:///path`` or ``postgresql://...``."""
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme == "sqlite":
        path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
        if not path or path == ":memory:":
            msg = f"store URL {url!r} names no database file; use sqlite:///path.db"
            raise SourceError(msg)
        return SQLiteSource(Path(path))
    if scheme in ("postgresql", "postgres"):
        return PostgresSource(url)
    msg = (
        f"store URL {url!r} is not usable; use sqlite:///path.db or "
        "postgresql://user@host[:port]/dbname[?schema=name]"
    )
    raise SourceError(msg)


# -- live stores ----------------------------------------------------------------


class _LiveStore:
    """What SQLite and PostgreSQL share: the survey and chunk queries."""

    location: str
    live = True
    hex_stream_ids = False
    id_column = "notification_id"
    stream_column = "originator_id"
    events: str
    leaves: str
    nodes: str
    checkpoints: str
    mark: str
    modulo: str

    missing: frozenset[str] = frozenset()
    """The store's tables that are not there (set by `survey`)."""

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _present(self) -> set[str]:
        """Which of the store's four tables exist."""
        raise NotImplementedError

    def _has(self, table: str) -> bool:
        return table not in self.missing

    def survey(self, chunk_size: int) -> Survey:
        """Checkpoints first, then leaves, then events: later reads see more."""
        findings = self._check_tables()
        checkpoints = self._checkpoints()
        leaves = self._leaf_summary()
        last_id = first_id = entries = 0
        column, mark = self.id_column, self.mark
        if self._has(self.events):
            found = self._query(
                f"SELECT max({column}), min({column}) FROM {self.events}"
            )
            last_id, first_id = int(found[0][0] or 0), int(found[0][1] or 0)
            entries = int(
                self._query(
                    f"SELECT count(*) FROM {self.events} WHERE {column} <= {mark}",
                    (last_id,),
                )[0][0]
            )
        if entries and entries == last_id - first_id + 1:
            # Distinct integers filling first..last: every chunk_size-th id from
            # the first is where a chunk starts, as the window query finds.
            starts = list(range(first_id, last_id + 1, chunk_size))
        else:  # gaps in the ids (PostgreSQL's sequence skips, say): count them
            starts = [int(row[0]) for row in self._boundaries(last_id, chunk_size)]
        if entries == 0 and self.missing >= {self.leaves, self.checkpoints}:
            msg = (
                f"{self.location} is not a Letopis store: it has no "
                f"{', '.join(sorted(self.missing))} table (create one with "
                "letopis init)"
            )
            raise SourceError(msg)
        highest = leaves.highest
        trust, acts = self._trust_rows(last_id)
        return Survey(
            entries=entries,
            chunks=_live_chunks(
                starts, last_id, chunk_size, 0 if highest is None else highest + 1
            ),
            checkpoints=checkpoints,
            trust_rows=trust,
            act_rows=acts,
            leaves=leaves,
            latest=checkpoints[-1] if checkpoints else None,
            findings=findings,
        )

    def _check_tables(self) -> tuple[Finding, ...]:
        """Note which tables are missing; each one missing from a store that has
        the others is a finding (a dropped table is tampering, not a new store)."""
        tables = (self.events, self.leaves, self.nodes, self.checkpoints)
        present = self._present()
        self.missing = frozenset(t for t in tables if t not in present)
        if not present:
            return ()  # no Letopis table at all: `survey` says so
        others = ", ".join(sorted(present & set(tables)))
        return tuple(
            Finding(
                "tables",
                None,
                None,
                f"the store's table {name} is missing although {others} exist: "
                "it was dropped. This is damage to the log, not a new store: do "
                "not run letopis init on it; restore the table from a backup or "
                "an export",
            )
            for name in tables
            if name in self.missing
        )

    def _checkpoints(self) -> tuple[StoredCheckpoint, ...]:
        if not self._has(self.checkpoints):
            return ()
        return tuple(
            StoredCheckpoint(
                int(size), str(note), f"checkpoint row {size}", bytes(root)
            )
            for size, root, note in self._query(
                f"SELECT tree_size, root, note FROM {self.checkpoints} "
                "ORDER BY tree_size"
            )
        )

    def _leaf_summary(self) -> LeafSummary:
        if not self._has(self.leaves):
            return LeafSummary(0, None, None, 0)
        count, lowest, highest, sealed = self._query(
            f"SELECT count(*), min(leaf_index), max(leaf_index), "
            f"max(notification_id) FROM {self.leaves}"
        )[0]
        return LeafSummary(int(count), lowest, highest, int(sealed or 0))

    def _boundaries(self, last_id: int, chunk_size: int) -> list[tuple[Any, ...]]:
        if not self._has(self.events):
            return []
        column, mark = self.id_column, self.mark
        return self._query(
            f"SELECT nid FROM (SELECT {column} AS nid, row_number() OVER "
            f"(ORDER BY {column}) AS rn FROM {self.events} WHERE {column} <= {mark}) "
            f"AS numbered WHERE (rn - 1) {self.modulo} {mark} = 0 ORDER BY nid",
            (last_id, chunk_size),
        )

    def _trust_rows(
        self, last_id: int
    ) -> tuple[tuple[TrustRow, ...], tuple[TrustRow, ...]]:
        """The candidate trust events, by topic or content (a forged topic
        column does not hide one), and disposal acts, by topic: an act whose
        topic column was forged is missed, so what it covers is a finding,
        never the other way round."""
        if not self._has(self.events):
            return (), ()
        column, mark = self.id_column, self.mark
        rows = self._query(
            f"SELECT {column}, state FROM {self.events} WHERE {column} <= {mark} AND "
            f"(topic LIKE {mark} OR topic = {mark} OR "
            f"{self._contains('state', mark)}) ORDER BY {column}",
            (last_id, "trust.%", ACT_TYPE, TRUST_MARK),
        )
        return _split_rows(
            TrustRow(int(order), _as_bytes(state)) for order, state in rows
        )

    def _contains(self, column: str, mark: str) -> str:
        raise NotImplementedError

    def read(self, chunk: Chunk) -> tuple[list[Row], list[LeafRow]]:
        """The events with notification ids in ``[lo, hi)`` and their leaf rows."""
        column, mark = self.id_column, self.mark
        rows: list[Any] = []
        leaves: list[Any] = []
        if self._has(self.events):
            rows = self._query(
                f"SELECT {column}, state, {self.stream_column}, originator_version, "
                f"topic FROM {self.events} WHERE {column} >= {mark} AND "
                f"{column} < {mark} ORDER BY {column}",
                (chunk.lo, chunk.hi),
            )
        if self._has(self.leaves):
            leaves = self._query(
                f"SELECT leaf_index, notification_id, stream, seq, leaf_hash "
                f"FROM {self.leaves} WHERE notification_id >= {mark} AND "
                f"notification_id < {mark} AND leaf_index < {mark} "
                "ORDER BY notification_id",
                (chunk.leaf_lo, chunk.leaf_hi, chunk.leaf_limit),
            )
        return [_new(Row, r) for r in rows], [_new(LeafRow, r) for r in leaves]

    def read_leaf_hashes(self, lo: int, hi: int) -> list[tuple[int, bytes]]:
        """(leaf index, leaf hash) of the stored leaves ``[lo, hi)``, in order."""
        if not self._has(self.leaves):
            return []
        mark = self.mark
        rows = self._query(
            f"SELECT leaf_index, leaf_hash FROM {self.leaves} WHERE leaf_index >= "
            f"{mark} AND leaf_index < {mark} ORDER BY leaf_index",
            (lo, hi),
        )
        return [(int(i), bytes(h)) for i, h in rows]

    def read_nodes(self, lo: int, hi: int, top: int) -> list[NodeRow] | None:
        """Stored subtree hashes of levels 1 to ``top`` starting in ``[lo, hi)``:
        one range of the (level, idx) primary key per level, in one query."""
        if not self._has(self.nodes):
            return None  # the missing table is a finding of its own
        if top < 1:
            return []
        mark = self.mark
        levels = " UNION ALL ".join(
            f"SELECT level, idx, hash FROM {self.nodes} WHERE level = {mark} "
            f"AND idx >= {mark} AND idx < {mark}"
            for _ in range(top)
        )
        params = tuple(
            v for k in range(1, top + 1) for v in (k, lo >> k, (hi - 1 >> k) + 1)
        )
        rows = self._query(levels, params)
        return [NodeRow(int(k), int(i), bytes(h)) for k, i, h in rows]

    def upper_nodes(self, above: int) -> list[NodeRow]:
        """The stored subtree hashes of the levels above ``above``, in order."""
        if not self._has(self.nodes):
            return []
        rows = self._query(
            f"SELECT level, idx, hash FROM {self.nodes} WHERE level > {self.mark} "
            "ORDER BY level, idx",
            (above,),
        )
        return [NodeRow(int(k), int(i), bytes(h)) for k, i, h in rows]


def _live_chunks(
    starts: list[int], last_id: int, chunk_size: int, leaf_limit: int
) -> tuple[Chunk, ...]:
    if not starts:  # no events: one chunk still reads any leaf rows left over
        return (Chunk(0, _LOWEST, _LOWEST, _LOWEST, _HIGHEST, leaf_limit),)
    chunks = []
    for i, lo in enumerate(starts):
        last = i == len(starts) - 1
        hi = last_id + 1 if last else starts[i + 1]
        chunks.append(
            Chunk(
                start=i * chunk_size,
                lo=lo,
                hi=hi,
                leaf_lo=_LOWEST if i == 0 else lo,
                leaf_hi=_HIGHEST if last else hi,
                leaf_limit=leaf_limit,
            )
        )
    return tuple(chunks)


def _split_rows(
    rows: Iterable[TrustRow],
) -> tuple[tuple[TrustRow, ...], tuple[TrustRow, ...]]:
    """Candidate rows as disposal acts (by their bytes) and trust events (the
    rest: the registry skips what is no trust event)."""
    trust: list[TrustRow] = []
    acts: list[TrustRow] = []
    for row in rows:
        (acts if ACT_MARK in row.state else trust).append(row)
    return tuple(trust), tuple(acts)


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode("utf-8", "surrogatepass")


class SQLiteSource(_LiveStore):
    """A live SQLite store (``sqlite:///path.db``), opened read-only."""

    hex_stream_ids = True  # eventsourcing keeps SQLite stream ids as uuid.hex
    mark, modulo = "?", "%"
    events, leaves, checkpoints = "stored_events", "log_leaves", "log_checkpoints"
    nodes = "log_nodes"
    id_column = "rowid"

    def __init__(self, path: Path) -> None:
        """A source for the SQLite database file at ``path``."""
        self.path = path
        self.location = f"sqlite:///{path.absolute()}"
        self._db: sqlite3.Connection | None = None

    def __getstate__(self) -> dict[str, Any]:
        """Picklable for worker processes; each opens its own connection."""
        return {**self.__dict__, "_db": None}

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            if not self.path.is_file():
                msg = f"SQLite store {self.path} does not exist"
                raise SourceError(msg)
            uri = self.path.resolve().as_uri() + "?mode=ro"
            try:
                self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
                self._db.execute("SELECT count(*) FROM sqlite_master").fetchall()
            except sqlite3.Error as e:
                msg = f"cannot read SQLite store {self.path}: {e}"
                raise SourceError(msg) from e
        return self._db

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._connect().execute(sql, params).fetchall()
        except sqlite3.Error as e:
            msg = f"cannot read SQLite store {self.path}: {e}"
            raise SourceError(msg) from e

    def _present(self) -> set[str]:
        rows = self._query("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {str(name) for (name,) in rows}

    def _contains(self, column: str, mark: str) -> str:
        return f"instr({column}, {mark}) > 0"

    def close(self) -> None:
        """Close the connection, if open."""
        if self._db is not None:
            self._db.close()
            self._db = None


_SCHEMA = re.compile(r"[a-z_][a-z0-9_]*")


class PostgresSource(_LiveStore):
    """A live PostgreSQL store (``postgresql://user@host/db?schema=name``).

    ``psycopg`` is imported here, lazily: only a PostgreSQL store needs it.
    """

    mark, modulo = "%s", "%%"  # psycopg placeholders: a literal % is doubled
    stream_column = "originator_id::text"

    def __init__(self, url: str) -> None:
        """A source for the store at ``url``; the default schema is ``letopis``."""
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        schema = query.pop("schema", ["letopis"])[0]
        if not _SCHEMA.fullmatch(schema):
            msg = f"schema {schema!r} in the store URL is not a lowercase name"
            raise SourceError(msg)
        self.conninfo = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
        netloc = parts.netloc.rsplit("@", 1)
        user = netloc[0].split(":", 1)[0] + "@" if len(netloc) == 2 else ""
        self.location = f"postgresql://{user}{netloc[-1]}{parts.path}?schema={schema}"
        self.schema = schema
        self.events = f'"{schema}".letopis_events'
        self.leaves = f'"{schema}".letopis_log_leaves'
        self.nodes = f'"{schema}".letopis_log_nodes'
        self.checkpoints = f'"{schema}".letopis_log_checkpoints'
        self._conn: Any = None

    def __getstate__(self) -> dict[str, Any]:
        """Picklable for worker processes; each opens its own connection."""
        return {**self.__dict__, "_conn": None}

    @contextmanager
    def _errors(self) -> Iterator[Any]:
        import psycopg

        try:
            yield psycopg
        except psycopg.Error as e:
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            msg = f"cannot read PostgreSQL store {self.location}: {first}"
            raise SourceError(msg) from e

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._errors() as psycopg:
            if self._conn is None:
                self._conn = psycopg.connect(
                    self.conninfo, autocommit=True, connect_timeout=10
                )
            # Binary results: bytea arrives as its bytes, not as hex to decode.
            cursor = self._conn.execute(sql, params, binary=True)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            return rows

    def _present(self) -> set[str]:
        rows = self._query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (self.schema,),
        )
        return {f'"{self.schema}".{name}' for (name,) in rows}

    def _contains(self, column: str, mark: str) -> str:
        return f"position({mark}::bytea in {column}) > 0"

    def close(self) -> None:
        """Close the connection, if open."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


# -- archives ---------------------------------------------------------------------


class ArchiveSource:
    """An exported archive: a BagIt bag with ``data/log.jsonl`` (DESIGN §7)."""

    live = False
    hex_stream_ids = False
    FILES = (
        "log.vkey",
        "keys.json",
        "policy/signing.toml",
        "policy/retention.toml",
    )

    def __init__(self, path: Path) -> None:
        """A source for the bag at ``path`` (the folder holding bagit.txt)."""
        self.path = path
        self.location = f"archive {path.absolute()}"
        self.log = path / "data" / "log.jsonl"

    def survey(self, chunk_size: int) -> Survey:
        """Check the bag, scan log.jsonl once, read checkpoints and small files."""
        try:
            bag = Bag.open(self.path)
        except BagError as e:
            raise SourceError(str(e)) from e
        if not self.log.is_file():
            msg = (
                f"archive {self.path} has no data/log.jsonl: it is not a Letopis export"
            )
            raise SourceError(msg)
        findings = bag.check(skip={"data/log.jsonl"})
        algorithm = bag.algorithm or "sha256"
        entries, chunks, found, digest = self._scan(chunk_size, algorithm)
        trust, acts = _split_rows(found)
        expected = bag.checksum("data/log.jsonl")
        if expected is not None and expected.lower() != digest:
            detail = f"data/log.jsonl does not match its {algorithm} checksum"
            findings.append(Finding("archive", None, None, detail))
        checkpoints, latest = self._checkpoints()
        return Survey(
            entries=entries,
            chunks=chunks,
            checkpoints=checkpoints,
            trust_rows=trust,
            act_rows=acts,
            latest=latest,
            findings=tuple(findings),
            files=self._small_files(),
        )

    def _scan(
        self, chunk_size: int, algorithm: str
    ) -> tuple[int, tuple[Chunk, ...], tuple[TrustRow, ...], str]:
        """One pass over log.jsonl: line count, chunk offsets, trust lines, digest."""
        digest = hashlib.new(algorithm)
        update = digest.update
        starts, trust = [0], []
        line = offset = 0
        try:
            with self.log.open("rb") as lines:
                for raw in lines:
                    update(raw)
                    if TRUST_MARK in raw or ACT_MARK in raw:
                        trust.append(TrustRow(line, raw.removesuffix(b"\n")))
                    line += 1
                    offset += len(raw)
                    if line % chunk_size == 0:
                        starts.append(offset)
        except OSError as e:
            msg = f"cannot read {self.log}: {e.strerror or e}"
            raise SourceError(msg) from e
        if starts[-1] == offset and len(starts) > 1:
            starts.pop()
        ends = [*starts[1:], offset]
        chunks = tuple(
            Chunk(i * chunk_size, lo, hi)
            for i, (lo, hi) in enumerate(zip(starts, ends, strict=True))
        )
        return line, chunks, tuple(trust), digest.hexdigest()

    def _checkpoints(self) -> tuple[tuple[StoredCheckpoint, ...], StoredCheckpoint]:
        data = self.path / "data"
        latest = _read_checkpoint(data / "checkpoint", "data/checkpoint", None)
        folder = data / "checkpoints"
        found = []
        for path in sorted(folder.iterdir() if folder.is_dir() else ()):
            where = f"data/checkpoints/{path.name}"
            digits = path.name
            size = int(digits) if _DIGITS.fullmatch(digits) else None
            found.append(_read_checkpoint(path, where, size))
        return tuple(found), latest

    def _small_files(self) -> dict[str, str]:
        found = {name: self.file(name) for name in self.FILES}
        return {name: text for name, text in found.items() if text is not None}

    def file(self, name: str) -> str | None:
        """The text of ``data/<name>``, or None if it is absent or unreadable."""
        try:
            return (self.path / "data" / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None  # whoever needs it says so

    def read(self, chunk: Chunk) -> tuple[list[Row], list[LeafRow]]:
        """The lines of ``log.jsonl`` in bytes ``[lo, hi)``, numbered from start."""
        try:
            with self.log.open("rb") as f:
                f.seek(chunk.lo)
                data = f.read(chunk.hi - chunk.lo)
        except OSError as e:
            msg = f"cannot read {self.log}: {e.strerror or e}"
            raise SourceError(msg) from e
        lines = data.split(b"\n")
        if data.endswith(b"\n"):
            lines.pop()
        start = chunk.start
        rows = [
            _new(Row, (start + n, line, None, None, None))
            for n, line in enumerate(lines)
        ]
        return rows, []

    def read_leaf_hashes(self, lo: int, hi: int) -> list[tuple[int, bytes]]:
        """An archive keeps no leaf rows: its leaves are the lines themselves."""
        return []

    def read_nodes(self, lo: int, hi: int, top: int) -> list[NodeRow] | None:
        """An archive keeps no proof index: its tree is recomputed, not stored."""
        return None

    def upper_nodes(self, above: int) -> list[NodeRow]:
        """An archive keeps no proof index."""
        return []

    def close(self) -> None:
        """Nothing stays open between reads."""


def _read_checkpoint(path: Path, where: str, size: int | None) -> StoredCheckpoint:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return StoredCheckpoint(size, None, where, error=f"{where} is missing")
    except (OSError, UnicodeDecodeError) as e:
        reason = getattr(e, "strerror", None) or str(e)
        return StoredCheckpoint(
            size, None, where, error=f"{where} is unreadable: {reason}"
        )
    return StoredCheckpoint(size, text, where)
