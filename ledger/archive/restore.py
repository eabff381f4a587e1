"""An exported archive restored into a throwaway SQLite store, for reading.

``letopis report check FILE --archive DIR`` re-derives a report from an
export (:mod:`ledger.archive.export`), not from the live store: the reports
are projections of the log, so the cleanest way is to give the archive's
``data/log.jsonl`` to the same projection code. :func:`restore_archive`

1. writes every envelope, byte for byte, into a new SQLite store opened with
   the school's key directory (whose log the archive must be);
2. seals them as leaves through the sealer's own path
   (:meth:`~ledger.log.Sealer.append_pending`), which checks each entry
   (canonical envelope, chain, signature by a key registered before it) and
   builds the stored tree; nothing is signed anew;
3. adds the archive's checkpoints (``data/checkpoint`` and
   ``data/checkpoints/<size>``), each verified against the log key and
   against the root the rebuilt tree has at its size.

An archive that fails any step is refused (:class:`RestoreError`) naming what
did not check. The store lives in a folder the caller owns and removes.

``letopis restore`` (:func:`restore_store`) goes the same way into a real
store that the log then continues in (§7.3.5: backup and restore by the
system administrator): the tables, triggers, roles and grants are made as
`letopis init` makes them (:func:`ledger.storage.init.prepare_store`), and
nothing is signed anew, so the restored store holds byte-identical envelopes
in the same order, the same checkpoints and the same tree. Before anything is
written it refuses a store that is not empty, an archive of another log, an
archive whose lines do not recompute to its own checkpoint, and one that is
not the log the school's key signed (the sealer's remembered checkpoint,
``ledger.log.remembered``, must be a prefix of the archive: an older archive
would fork the log, and the sealer would refuse to sign after it).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.application import LedgerApplication
from ledger.archive.export import archive_lines
from ledger.archive.notes import PlannedNotes, note_sizes, planned_notes, write_notes
from ledger.errors import LedgerError
from ledger.keys.directory import KeyDirectory
from ledger.log import LogStore, Sealer, StoredCheckpoint, StoredTree
from ledger.log.remembered import SealerMemory
from ledger.storage.existing import probe
from ledger.storage.init import SideTable, prepare_store
from ledger.storage.stores import open_ledger
from ledger.storage.tables import SQLITE_LOG_SCHEMA
from verify import merkle
from verify.disposal import ACT_MARK, DisposalError, is_tombstone, stored_leaf_hash
from verify.errors import NoteError
from verify.note import Checkpoint, parse_checkpoint

BATCH = 5000


class RestoreError(LedgerError):
    """The archive cannot be restored (the message says why)."""


def restore_archive(
    bag: Path | str, keys: Path | str, passphrase: str | None, into: Path | str
) -> LedgerApplication:
    """The archive ``bag`` as a SQLite store in the folder ``into`` (new or
    empty), opened for reading with the key directory ``keys``."""
    data = Path(bag) / "data"
    if not (data / "log.jsonl").is_file():
        msg = f"{bag} has no data/log.jsonl: it is not a Letopis export"
        raise RestoreError(msg)
    folder = Path(into)
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "letopis.db"
    url = f"sqlite:///{database}"
    open_ledger(url, keys=keys, passphrase=passphrase).close()  # the event tables
    with sqlite3.connect(database) as connection:
        for statement in SQLITE_LOG_SCHEMA:
            connection.execute(statement)
    connection.close()
    app = open_ledger(url, keys=keys, passphrase=passphrase, verify_on_read=False)
    try:
        _insert_events(app, Path(bag))
        _seal_leaves(app)
        _add_checkpoints(app, data)
    except BaseException:
        app.close()
        raise
    return app


@dataclass(frozen=True)
class Restored:
    """What `letopis restore` made: the URL the application uses from now on,
    and the archive's latest checkpoint, which now covers the store."""

    app_url: str
    entries: int
    checkpoint: str
    notes: int = 0
    """Cosigned and renewal notes (and the ML-DSA-65 public key) written back
    beside the keys (``ledger.archive.notes``)."""


def restore_store(
    bag: Path | str,
    url: str,
    keys: Path | str,
    *,
    passphrase: str,
    owner_role: str = "letopis_owner",
    app_role: str = "letopis_app",
    app_password: str | None = None,
    side_tables: Sequence[SideTable] = (),
) -> Restored:
    """The exported archive ``bag`` as the store at ``url`` (which must be
    empty), made as `init` makes a store; the log continues from there."""
    data = Path(bag) / "data"
    directory = KeyDirectory.open(keys, passphrase)
    latest, notes = _checked_archive(data, directory)
    _check_empty(url)
    app_url = prepare_store(
        url,
        keys,
        passphrase=passphrase,
        owner_role=owner_role,
        app_role=app_role,
        app_password=app_password,
        side_tables=side_tables,
    )
    app = open_ledger(app_url, keys=keys, passphrase=passphrase)
    try:
        _insert_events(app, Path(bag))
        _seal_leaves(app)
        _add_checkpoints(app, data)
    finally:
        app.close()
    written = write_notes(notes)
    return Restored(app_url, latest.size, latest.text, written)


def _checked_archive(
    data: Path, directory: KeyDirectory
) -> tuple[Checkpoint, PlannedNotes]:
    """The archive's latest checkpoint and its notes to put back beside the
    keys, after reading the whole archive once: the checkpoint is the log
    key's for this log, the lines recompute to its root, every disposed entry
    is covered by an act of the archive, every note is signed and agrees with
    the tree, and the archive extends what the sealer remembers signing."""
    if not (data / "log.jsonl").is_file() or not (data / "checkpoint").is_file():
        msg = (
            f"--archive {data.parent} has no data/log.jsonl or data/checkpoint: "
            "it is not a Letopis export (`letopis export` writes one)"
        )
        raise RestoreError(msg)
    latest = _latest(data, directory)
    try:
        notes = planned_notes(data, directory)
    except LedgerError as e:
        raise RestoreError(str(e)) from e
    remembered = SealerMemory(
        directory.path, directory.origin, directory.log_public_key
    ).load()
    wanted = note_sizes(data) | ({remembered.size} if remembered else set())
    roots, disposals = _scan(data.parent, wanted)
    if latest.size not in roots or roots[latest.size] != latest.root:
        msg = (
            f"the archive's data/log.jsonl ({disposals.lines} lines) does not "
            f"recompute to its data/checkpoint (size {latest.size}): the archive is "
            "damaged; run `letopis verify --archive` on it"
        )
        raise RestoreError(msg)
    if disposals.lines != latest.size:
        msg = (
            f"the archive's data/log.jsonl has {disposals.lines} lines but its "
            f"data/checkpoint covers {latest.size}: the archive is damaged"
        )
        raise RestoreError(msg)
    disposals.check()
    for where, (size, root) in notes.roots.items():
        if roots.get(size) != root:
            msg = (
                f"{where} is a checkpoint of size {size} whose root is not the "
                "archive's tree root at that size: the archive is damaged"
            )
            raise RestoreError(msg)
    if remembered is not None and roots.get(remembered.size) != remembered.root:
        msg = (
            f"the log key signed a checkpoint of size {remembered.size} "
            f"({directory.path}/log-state/checkpoint) that this archive of "
            f"{latest.size} entries does not extend: restoring it would fork the "
            "log; restore the latest archive of this log"
        )
        raise RestoreError(msg)
    return latest, notes


def _latest(data: Path, directory: KeyDirectory) -> Checkpoint:
    origin, public_key = directory.origin, directory.log_public_key
    try:
        latest = parse_checkpoint((data / "checkpoint").read_text(encoding="utf-8"))
        if latest.origin != origin:
            msg = (
                f"--archive is of log {latest.origin!r}, the key directory of "
                f"{origin!r}: give the school's own --keys"
            )
            raise RestoreError(msg)
        latest.verify(origin, public_key)
    except NoteError as e:
        msg = (
            f"the archive's data/checkpoint is not signed by the log key of "
            f"{directory.path} ({e}): give the school's own --keys"
        )
        raise RestoreError(msg) from e
    return latest


class _Disposals:
    """The archive's disposed entries and its acts' ranges, to check that an
    act of the archive covers each (the verifier judges the acts in full)."""

    def __init__(self) -> None:
        self.lines = 0
        self.disposed: list[tuple[int, str]] = []
        self.acts: dict[str, list[tuple[int, int]]] = {}

    def see(self, line: bytes, index: int) -> bytes:
        """The leaf hash of line ``index``, noting a tombstone or an act."""
        self.lines = index + 1
        if is_tombstone(line):
            self.disposed.append((index, json.loads(line)["disposed"]))
        elif ACT_MARK in line:
            act = json.loads(line)
            name = f"{act['stream']}:{act['seq']}"
            files = act.get("data", {}).get("files", [])
            self.acts[name] = [(int(a), int(b)) for f in files for a, b in f["entries"]]
        try:
            return stored_leaf_hash(line)
        except DisposalError as e:
            msg = f"line {index + 1} of data/log.jsonl is no tombstone: {e}"
            raise RestoreError(msg) from e

    def check(self) -> None:
        for index, act in self.disposed:
            ranges = self.acts.get(act, [])
            if not any(a <= index <= b for a, b in ranges):
                msg = (
                    f"line {index + 1} of data/log.jsonl is a disposed entry that "
                    f"act {act} of the archive does not cover: the archive is "
                    "damaged; run `letopis verify --archive` on it"
                )
                raise RestoreError(msg)


def _scan(bag: Path, wanted: set[int]) -> tuple[dict[int, bytes], _Disposals]:
    """One pass over data/log.jsonl: the tree roots at the ``wanted`` sizes
    and at the end, and the disposed entries and acts."""
    builder = merkle.TreeBuilder()
    roots = {0: builder.root()} if 0 in wanted else {}
    disposals = _Disposals()
    for index, line in enumerate(archive_lines(bag)):
        _envelope(line, index + 1)
        builder.append(disposals.see(line, index))
        if builder.size in wanted:
            roots[builder.size] = builder.root()
    roots[builder.size] = builder.root()
    return roots, disposals


def _check_empty(url: str) -> None:
    """Refuse a store that holds anything of a log (nothing is written)."""
    found = probe(url)  # None: no file, database or schema there yet
    if found is None:
        return
    if found.events or found.leaves or found.checkpoint is not None:
        msg = (
            f"--store {url} is not empty ({found.events} events, {found.leaves} "
            "leaves): an archive is restored only into a new, empty store, so that "
            "nothing there is overwritten or mixed in; give a new one"
        )
        raise RestoreError(msg)


def _envelope(line: bytes, number: int) -> StoredEvent:
    try:
        envelope = json.loads(line)
        return StoredEvent(
            originator_id=UUID(envelope["stream"]),
            originator_version=int(envelope["seq"]),
            topic=str(envelope["type"]),
            state=line,
        )
    except (ValueError, KeyError, TypeError) as e:
        msg = f"line {number} of data/log.jsonl is not an envelope ({e})"
        raise RestoreError(msg) from e


def _insert_events(app: LedgerApplication, bag: Path) -> None:
    batch: list[StoredEvent] = []
    for number, line in enumerate(archive_lines(bag), 1):
        batch.append(_envelope(line, number))
        if len(batch) >= BATCH:
            app.recorder.insert_events(batch)
            batch = []
    if batch:
        app.recorder.insert_events(batch)


def _seal_leaves(app: LedgerApplication) -> None:
    """Leaves and tree for every entry, each checked as the sealer checks it."""
    sealer = Sealer(app, restoring=True)
    while sealer.append_pending(batch=BATCH):
        pass
    total = app.recorder.max_notification_id() or 0
    if sealer.store.size() != total:
        msg = (
            f"only {sealer.store.size()} of the archive's {total} entries could "
            "be sealed: run `letopis verify --archive` for the reason"
        )
        raise RestoreError(msg)


def _add_checkpoints(app: LedgerApplication, data: Path) -> None:
    log = LogStore(app.recorder)
    tree = StoredTree(log)
    origin = app.context.origin
    public_key = app.context.keys.log_public_key
    folder = data / "checkpoints"
    paths = sorted(folder.iterdir()) if folder.is_dir() else []
    notes = {path.read_text(encoding="utf-8") for path in [*paths, data / "checkpoint"]}
    for note in sorted(notes):
        try:
            checkpoint = parse_checkpoint(note)
            checkpoint.verify(origin, public_key)
        except NoteError as e:
            msg = f"a checkpoint of the archive does not check: {e}"
            raise RestoreError(msg) from e
        if checkpoint.origin != origin:
            msg = (
                f"the archive is of log {checkpoint.origin!r}, the key directory "
                f"of {origin!r}: give the school's own --keys"
            )
            raise RestoreError(msg)
        if (
            checkpoint.size > log.size()
            or tree.root(checkpoint.size) != checkpoint.root
        ):
            msg = (
                f"the archive's checkpoint of size {checkpoint.size} does not "
                "match its data/log.jsonl: run `letopis verify --archive`"
            )
            raise RestoreError(msg)
        log.add_checkpoint(StoredCheckpoint(checkpoint.size, checkpoint.root, note, ""))
