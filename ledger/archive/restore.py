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
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.application import LedgerApplication
from ledger.archive.export import archive_lines
from ledger.errors import LedgerError
from ledger.log import LogStore, Sealer, StoredCheckpoint, StoredTree
from ledger.storage.stores import open_ledger
from ledger.storage.tables import SQLITE_LOG_SCHEMA
from verify.errors import NoteError
from verify.note import parse_checkpoint

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


def _insert_events(app: LedgerApplication, bag: Path) -> None:
    batch: list[StoredEvent] = []
    for number, line in enumerate(archive_lines(bag), 1):
        try:
            envelope = json.loads(line)
            batch.append(
                StoredEvent(
                    originator_id=UUID(envelope["stream"]),
                    originator_version=int(envelope["seq"]),
                    topic=str(envelope["type"]),
                    state=line,
                )
            )
        except (ValueError, KeyError, TypeError) as e:
            msg = f"line {number} of data/log.jsonl is not an envelope ({e})"
            raise RestoreError(msg) from e
        if len(batch) >= BATCH:
            app.recorder.insert_events(batch)
            batch = []
    if batch:
        app.recorder.insert_events(batch)


def _seal_leaves(app: LedgerApplication) -> None:
    """Leaves and tree for every entry, each checked as the sealer checks it."""
    sealer = Sealer(app)
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
