"""`letopis archive close-year YYYY/YYYY`: a school year closed into the archive
(§7.3.6; DESIGN §5–§6; issue 16).

The electronic successor of the sealed disc the year's journal was written to.
The year must be closed (``school.YearClosed`` for the whole school, and the
school year over: its file closes on 31 August, the retention policy's
``school_year_ends``), a signed checkpoint of the whole log must cover every
entry of it, and it is archived once. Then the year's archive is written, a
BagIt bag (``data/``):

    entries.jsonl        the year's entries (recorded in the school year, as
                         the retention policy's year files count them), byte
                         for byte as stored (a disposed one: its tombstone),
                         in leaf order
    proofs.json          the checkpoint, the entries' leaf indexes as ranges,
                         and for each complete subtree the ranges split into
                         (``verify.merkle.subtree_ranges``) its RFC 6962 audit
                         path to the checkpoint's root: the inclusion proofs
                         of every entry, without repeating a shared hash
    checkpoint           the whole log's signed checkpoint that covers the year
    log.vkey, keys.json  the log key and the key history, as in an export
    statements/*.pdf     the bound PDF/A summary statements of the year's
                         classes as of that checkpoint (made by the caller:
                         the reports live above the ledger)
    act.json             ``archive.YearArchived`` as stored: sealed by the log
                         key, signed by the director, listing every file above
                         with its size and SHA-256
    act.txt              the act as a person reads it (Russian)
    act-proof.json       the act's inclusion proof in act-checkpoint
    act-checkpoint       the checkpoint signed after the act, covering it
    act-consistency.json its consistency proof from the year's checkpoint
    verifier/verify/     a copy of the independent verifier
    README.txt           how to verify it (`python -m verify --year-archive`)

Everything is checked before anything is written; the bag is built beside
the target and moved into place at the end. The act is appended only after
every file of the year is written and hashed, so a failure before it leaves
nothing behind; a refusal by the signing policy too.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib.resources import files
from pathlib import Path
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Notification

from ledger.application import LedgerApplication, Signing
from ledger.archive.export import (
    checked_target,
    copy_verifier,
    key_history,
    make_bag,
    write_json,
)
from ledger.archive.signers import check_signers
from ledger.archive.year_text import act_text
from ledger.domain.academic_year import AcademicYear
from ledger.domain.archive import ArchivedFile, YearArchive
from ledger.domain.errors import YearArchiveError
from ledger.domain.ids import academic_year_id, year_archive_id
from ledger.domain.school import School
from ledger.domain.schoolyear import YEAR_PERIOD
from ledger.log import LogStore, Sealer, StoredCheckpoint, StoredTree
from ledger.policy_log import RETENTION, load_policy
from verify import merkle
from verify.disposal import TOMBSTONE_PREFIX, parse_tombstone
from verify.note import verifier_key
from verify.retention import RetentionPolicy

BATCH = 5000

Statement = tuple[str, Callable[[], bytes]]
"""A bound summary statement: its file name, and how to render it."""
Statements = Callable[[StoredCheckpoint], Sequence[Statement]]
"""The year's bound summary statements as of a checkpoint (the caller's)."""
Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: entries, then statements (each stage
first with ``done`` 0 when it starts; the statements' total is known once
their reports are read)."""


@dataclass(frozen=True)
class YearArchived:
    """What closing a year wrote: the bag, the act, what it holds, and the
    checkpoints of the year and of the act."""

    path: Path
    act: str
    year: str
    entries: int
    statements: int
    checkpoint: StoredCheckpoint
    act_checkpoint: StoredCheckpoint


def close_year(
    app: LedgerApplication,
    year: str,
    out: Path | str,
    signing: Signing,
    *,
    statements: Statements,
    now: datetime,
    progress: Progress | None = None,
) -> YearArchived:
    """Close ``year`` into the archive at ``out`` (see the module docstring);
    ``signing``: the log key, co-signed by the director."""
    target = checked_target(Path(out))
    check_signers(app, YearArchive.Archived.TOPIC, signing)
    origin = app.context.origin
    policy = _retention(app)
    ends = _check_closed(app, policy, year, now.date())
    stream = year_archive_id(origin, year)
    if app.recorder.select_events(stream, limit=1):
        msg = (
            f"year {year} was closed into the archive already (event {stream}:1); "
            "a year is archived once"
        )
        raise YearArchiveError(msg)
    log = LogStore(app.recorder)
    checkpoint = _covering(app, log, policy, ends, year)
    ranges = _year_ranges(log, checkpoint.size, policy, ends)
    if not ranges:
        msg = f"the log holds no entry recorded in the school year {year}"
        raise YearArchiveError(msg)
    staging = target.parent / f".{target.name}.partial-{uuid4().hex[:12]}"
    try:
        staging.mkdir()
        data = staging
        made = _write_year(app, data, log, checkpoint, ranges, statements, progress)
        act = YearArchive.archive(
            log=origin,
            year=year,
            checkpoint_size=checkpoint.size,
            checkpoint_root=base64.b64encode(checkpoint.root).decode(),
            ranges=ranges,
            files=made,
            at=now,
        )
        app.save(act, signed_by=signing)
        sealed = Sealer(app).seal()
        _write_act(app, data, log, stream, (checkpoint, sealed), now)
        make_bag(staging, _bag_info(origin, year, checkpoint))
        if target.exists():
            target.rmdir()  # checked empty above
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    statements_made = sum(1 for f in made if f.path.startswith("statements/"))
    return YearArchived(
        target, f"{stream}:1", year, act.entries, statements_made, checkpoint, sealed
    )


# -- checks ---------------------------------------------------------------------------


def _retention(app: LedgerApplication) -> RetentionPolicy:
    record = load_policy(app, RETENTION)
    if record is None:
        msg = "the log holds no retention policy: a school year's file is its policy's"
        raise YearArchiveError(msg)
    return RetentionPolicy.from_toml(record.toml, where="the retention policy")


def _check_closed(
    app: LedgerApplication, policy: RetentionPolicy, year: str, today: date
) -> date:
    """The last day of the year's file; YearArchiveError unless the year is
    closed for the whole school and its file closed (the school year over)."""
    parts = year.split("/")
    if (
        len(parts) != 2
        or not all(p.isdigit() and len(p) == 4 for p in parts)
        or (int(parts[1]) != int(parts[0]) + 1)
    ):
        msg = f"year {year!r} is not a school year; write it like 2025/2026"
        raise YearArchiveError(msg)
    school = _school(app)
    try:
        record: AcademicYear = app.repository.get(academic_year_id(school, year))
    except AggregateNotFoundError as e:
        msg = f"academic year {year} is not opened in this school"
        raise YearArchiveError(msg) from e
    whole = [
        c
        for c in record.closures
        if c.period == YEAR_PERIOD and c.class_id is None and c.subject is None
    ]
    if not whole:
        msg = (
            f"year {year} is not closed: the deputy director closes it for the whole "
            "school first (school.YearClosed, period Y, no class, no subject)"
        )
        raise YearArchiveError(msg)
    month, day = policy.school_year_ends
    ends = date(int(parts[1]), month, day)
    if today <= ends:
        msg = (
            f"the file of year {year} closes at the end of the school year, on "
            f"{ends:%d.%m.%Y}; entries may still be recorded in it until then "
            f"(today is {today:%d.%m.%Y})"
        )
        raise YearArchiveError(msg)
    return ends


def _school(app: LedgerApplication) -> UUID:
    found = app.recorder.select_notifications(
        start=1, limit=1, topics=[School.Registered.TOPIC]
    )
    if not found:
        msg = "the log holds no school: there is no school year to archive"
        raise YearArchiveError(msg)
    return UUID(str(found[0].originator_id))


def _covering(
    app: LedgerApplication,
    log: LogStore,
    policy: RetentionPolicy,
    ends: date,
    year: str,
) -> StoredCheckpoint:
    """The latest signed checkpoint, if it covers every entry of the year."""
    latest = log.latest_checkpoint()
    late: list[Notification] = []
    after = log.last_notification_id()
    while not late:
        unsealed = app.recorder.select_notifications(start=after + 1, limit=BATCH)
        if not unsealed:
            break
        late = [n for n in unsealed if _in_year(n.state, policy, ends)]
        after = unsealed[-1].id
    if latest is None or late or latest.size < log.size():
        name = f"{late[0].originator_id}:{late[0].originator_version}" if late else ""
        what = f" (e.g. {name})" if name else ""
        msg = (
            f"no signed checkpoint covers every entry of year {year} yet{what}: "
            "run `letopis seal`, then close the year"
        )
        raise YearArchiveError(msg)
    return latest


def _in_year(state: bytes, policy: RetentionPolicy, ends: date) -> bool:
    return policy.year_end(date.fromisoformat(_recorded(state)[:10])) == ends


def _recorded(state: bytes) -> str:
    """When stored bytes were recorded: the envelope's (or tombstone's) time."""
    if state.startswith(TOMBSTONE_PREFIX):
        return parse_tombstone(state).recorded
    return state[7:].split(b'"', 1)[0].decode()


def _year_ranges(
    log: LogStore, size: int, policy: RetentionPolicy, ends: date
) -> tuple[tuple[int, int], ...]:
    """The leaf indexes of the year's entries under ``size``, as ranges."""
    from ledger.domain.disposal import ranges_of

    found = []
    for start in range(0, size, BATCH):
        leaves = log.headed_leaves(start, min(start + BATCH, size))
        stones = [x for x in leaves if x.head.startswith(TOMBSTONE_PREFIX)]
        full = log.states_of([x.notification_id for x in stones]) if stones else {}
        for leaf in leaves:
            state = full.get(leaf.notification_id, leaf.head)
            if _in_year(state, policy, ends):
                found.append(leaf.index)
    return ranges_of(found)


# -- the files ------------------------------------------------------------------------


def _write_year(
    app: LedgerApplication,
    data: Path,
    log: LogStore,
    checkpoint: StoredCheckpoint,
    ranges: tuple[tuple[int, int], ...],
    statements: Statements,
    progress: Progress | None,
) -> tuple[ArchivedFile, ...]:
    """Every file of the year before the act; each listed with its digest."""
    origin, public_key = app.context.origin, app.context.keys.log_public_key
    _write_entries(log, data / "entries.jsonl", ranges, progress)
    write_json(data / "proofs.json", _proofs(log, checkpoint, ranges))
    (data / "checkpoint").write_text(checkpoint.note, encoding="utf-8")
    (data / "log.vkey").write_text(verifier_key(origin, public_key) + "\n")
    write_json(data / "keys.json", key_history(app, origin, public_key))
    if progress is not None:  # the statements' stage starts with their reports
        progress("statements", 0, 0)
    jobs = statements(checkpoint)
    folder = data / "statements"
    folder.mkdir()
    for done, (name, render) in enumerate(jobs, 1):
        (folder / name).write_bytes(render())
        if progress is not None:
            progress("statements", done, len(jobs))
    copy_verifier(data / "verifier" / "verify")
    readme = files("ledger.archive").joinpath("YEAR-README.txt")
    (data / "README.txt").write_text(
        readme.read_text(encoding="utf-8").format(origin=origin),
        encoding="utf-8",
    )
    return tuple(
        _listed(data, path)
        for path in sorted(data.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    )


def _write_entries(
    log: LogStore,
    path: Path,
    ranges: tuple[tuple[int, int], ...],
    progress: Progress | None,
) -> None:
    total = sum(b - a + 1 for a, b in ranges)
    written = 0
    if progress is not None:
        progress("entries", 0, total)
    with path.open("wb") as lines:
        for first, last in ranges:
            for start in range(first, last + 1, BATCH):
                leaves = log.leaves(start, min(start + BATCH, last + 1))
                states = log.states_of([x.notification_id for x in leaves])
                for leaf in leaves:
                    lines.write(states[leaf.notification_id] + b"\n")
                written += len(leaves)
                if progress is not None:
                    progress("entries", written, total)


def _proofs(
    log: LogStore, checkpoint: StoredCheckpoint, ranges: tuple[tuple[int, int], ...]
) -> dict[str, object]:
    """Each complete subtree of the ranges with its audit path to the root."""
    tree, size = StoredTree(log), checkpoint.size
    subtrees = []
    for first, last in ranges:
        for start, end in merkle.subtree_ranges(first, last + 1):
            level = (end - start).bit_length() - 1
            path = tree.inclusion_proof(start, size)[level:]
            subtrees.append(
                {"start": start, "end": end, "proof": [_b64(h) for h in path]}
            )
    return {
        "treeSize": size,
        "root": _b64(checkpoint.root),
        "ranges": [list(r) for r in ranges],
        "subtrees": subtrees,
    }


def _write_act(
    app: LedgerApplication,
    data: Path,
    log: LogStore,
    stream: UUID,
    checkpoints: tuple[StoredCheckpoint, StoredCheckpoint],
    now: datetime,
) -> None:
    """The act as stored, as a person reads it, its proof in the checkpoint
    sealed after it, and that checkpoint's consistency with the year's."""
    year, sealed = checkpoints
    [stored] = app.recorder.select_events(stream, limit=1)
    (data / "act.json").write_bytes(stored.state + b"\n")
    leaf = log.leaf_of(str(stream), 1)
    assert leaf is not None  # sealed just now
    proof = StoredTree(log).inclusion_proof(leaf.index, sealed.size)
    write_json(
        data / "act-proof.json",
        {
            "leafIdx": leaf.index,
            "treeSize": sealed.size,
            "root": _b64(sealed.root),
            "leafHash": _b64(leaf.hash),
            "proof": [_b64(h) for h in proof],
        },
    )
    (data / "act-checkpoint").write_text(sealed.note, encoding="utf-8")
    consistency = StoredTree(log).consistency_proof(year.size, sealed.size)
    write_json(
        data / "act-consistency.json",
        {
            "size1": year.size,
            "size2": sealed.size,
            "root1": _b64(year.root),
            "root2": _b64(sealed.root),
            "proof": [_b64(h) for h in consistency],
        },
    )
    envelope = json.loads(stored.state)
    registry = app.context.registry
    holders = {s["key"]: registry.get(s["key"]).holder for s in envelope["sigs"]}
    (data / "act.txt").write_text(
        act_text(envelope, leaf.index, sealed, holders, now), encoding="utf-8"
    )


def _listed(data: Path, path: Path) -> ArchivedFile:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    relative = path.relative_to(data).as_posix()
    return ArchivedFile(relative, path.stat().st_size, digest.hexdigest())


def _bag_info(origin: str, year: str, checkpoint: StoredCheckpoint) -> dict[str, str]:
    return {
        "Source-Organization": origin,
        "External-Description": (
            f"Letopis log {origin}: school year {year} closed into the archive: its "
            "entries with their proofs against the whole log's checkpoint of size "
            f"{checkpoint.size}, the bound summary statements and the signed act "
            "(data/act.json, data/act.txt). How to verify it: data/README.txt."
        ),
        "External-Identifier": f"{origin}/year/{year}",
    }


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()
