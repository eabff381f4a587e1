"""The signed notes an export carries besides the log, put back by a restore.

``letopis export`` writes the witnesses' cosigned checkpoints
(``data/cosigned/<size>``, kept beside the keys in ``KEYS/cosigned/<size>.note``
by ``ledger.log.witnesses``) and the renewal checkpoints with the log's
ML-DSA-65 public key (``data/renewals/<size>``, ``data/log-mldsa65.pub``; kept
in ``KEYS/renewals/<size>.note`` and ``KEYS/log-mldsa65.pub`` by
``ledger.log.renewal``). They live beside the keys, not in the store, so a
restore that made only the store would lose them, and the next export would
lack them. :func:`planned_notes` reads and checks them before anything is
written — each signed by the school's log key, each renewal by the archive's
ML-DSA-65 key, each root the archive's tree root at its size — and
:func:`write_notes` puts them back after the store is made: a cosigned note
merged with the one the key directory holds (the witnesses' lines of both),
a renewal or public key refused if the key directory holds another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import LedgerError
from ledger.keys.directory import KeyDirectory
from ledger.log.pqkey import PQ_PUBLIC
from ledger.log.renewal import RENEWALS
from ledger.log.witnesses import COSIGNED
from verify.errors import NoteError
from verify.note import parse_checkpoint
from verify.renewal import read_renewal


class NotesError(LedgerError):
    """A cosigned or renewal note of an archive does not check (nothing written)."""


@dataclass(frozen=True)
class PlannedNotes:
    """What a restore writes beside the keys: path → text, and the sizes and
    roots the notes claim (checked against the archive's tree)."""

    writes: Mapping[Path, str]
    roots: Mapping[str, tuple[int, bytes]]
    """Where each note was read → (its size, its root)."""


def note_sizes(data: Path) -> set[int]:
    """The tree sizes of the archive's cosigned and renewal notes."""
    return {size for folder in (COSIGNED, RENEWALS) for size in _listed(data / folder)}


def planned_notes(data: Path, directory: KeyDirectory) -> PlannedNotes:
    """The archive's notes checked against the log key (and the ML-DSA-65
    key), and what writing them back beside ``directory`` means; NotesError
    if one does not check or the key directory holds another."""
    keys = directory.path
    writes: dict[Path, str] = {}
    roots: dict[str, tuple[int, bytes]] = {}
    for size, where, note in _notes(data, COSIGNED):
        roots[where] = _signed(note, where, directory)
        writes[keys / COSIGNED / f"{size}.note"] = _merged(
            keys / COSIGNED / f"{size}.note", note
        )
    renewals = list(_notes(data, RENEWALS))
    if not renewals:
        return PlannedNotes(writes, roots)
    public = _pq_public(data, keys)
    for size, where, note in renewals:
        roots[where] = _signed(note, where, directory)
        try:
            read_renewal(note, directory.origin, public, where)
        except NoteError as e:
            msg = f"{where} is not a renewal under the archive's ML-DSA-65 key: {e}"
            raise NotesError(msg) from e
        target = keys / RENEWALS / f"{size}.note"
        if target.is_file() and target.read_text(encoding="utf-8") != note:
            msg = (
                f"{target} holds another renewal of size {size} than the archive's "
                f"{where}; nothing was restored: keep one of them and restore again"
            )
            raise NotesError(msg)
        writes[target] = note
    writes[keys / PQ_PUBLIC] = public.hex() + "\n"
    return PlannedNotes(writes, roots)


def write_notes(planned: PlannedNotes) -> int:
    """Write the planned notes (each through a temporary file); how many."""
    for path, text in planned.writes.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.restoring")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    return len(planned.writes)


def _listed(folder: Path) -> list[int]:
    if not folder.is_dir():
        return []
    return sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit())


def _notes(data: Path, folder: str) -> list[tuple[int, str, str]]:
    found = []
    for size in _listed(data / folder):
        where = f"data/{folder}/{size}"
        try:
            note = (data / folder / str(size)).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            msg = f"{where} cannot be read ({e}): the archive is damaged"
            raise NotesError(msg) from e
        found.append((size, where, note))
    return found


def _signed(note: str, where: str, directory: KeyDirectory) -> tuple[int, bytes]:
    """The note's size and root, once its log key signature holds."""
    try:
        checkpoint = parse_checkpoint(note)
        checkpoint.verify(directory.origin, directory.log_public_key)
    except NoteError as e:
        msg = f"{where} is not a checkpoint signed by this log's key: {e}"
        raise NotesError(msg) from e
    if not where.endswith(f"/{checkpoint.size}"):
        msg = f"{where} holds a checkpoint of size {checkpoint.size}"
        raise NotesError(msg)
    return checkpoint.size, checkpoint.root


def _merged(target: Path, note: str) -> str:
    """The archive's cosigned note with any witness lines only the key
    directory's copy of the same checkpoint holds."""
    if not target.is_file():
        return note
    kept = target.read_text(encoding="utf-8")
    body = note.split("\n\n", 1)[0]
    if kept.split("\n\n", 1)[0] != body:
        msg = (
            f"{target} is a cosigned note of another checkpoint than the archive's "
            "of the same size: the key directory is of another history"
        )
        raise NotesError(msg)
    extra = [line for line in kept.splitlines(keepends=True) if line not in note]
    return note + "".join(line for line in extra if line.startswith("— "))


def _pq_public(data: Path, keys: Path) -> bytes:
    path = data / PQ_PUBLIC
    if not path.is_file():
        msg = f"the archive has renewals but no data/{PQ_PUBLIC}: it is damaged"
        raise NotesError(msg)
    public = bytes.fromhex(path.read_text().strip())
    mine = keys / PQ_PUBLIC
    if mine.is_file() and bytes.fromhex(mine.read_text().strip()) != public:
        msg = (
            f"{mine} is another ML-DSA-65 key than the archive's data/{PQ_PUBLIC}: "
            "give the school's own --keys"
        )
        raise NotesError(msg)
    return public
