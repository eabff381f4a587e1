"""`letopis archive dispose`: the expert commission's act, applied (§7.3.4;
DESIGN §6; issue 16).

The act is given as a JSON file (:func:`read_act`)::

    {"number": "3-Э", "date": "2031-02-10", "class": "journal",
     "files": ["2024/2025"], "entries": "all", "kept": [],
     "reason": "истёк срок хранения; протокол ЭК № 2 от 03.02.2031"}

``files`` are school years for a class kept per year file (the journal, the
summary statements, protocols) and personal file numbers (К-25), pupil ids or
stream ids for a class kept per closed file (personal files, the book);
``entries`` is ``"all"`` (every entry of the class in those files but the
kept ones) or a list of leaf indexes, ``[first, last]`` ranges and event
names (``<stream>:<seq>``); ``kept`` names the personal files the commission
selected for keeping (2–3 %), which stay whole.

:func:`dispose` then, in this order:

1. checks everything against the log before anything is written: the owner
   can act on the store, the class and its clock in the retention policy in
   force, every file closed and its retention run out by the act's date,
   every entry sealed, of the class, in a named file and not a kept one, not
   disposed of before, and not the whole log (``ledger.domain.disposal``);
2. appends ``archive.DisposalActApproved``, signed by the commission as the
   signing policy requires (its members on distinct keys of distinct
   people), and seals it;
3. as the owner role, replaces the stored bytes of exactly those entries by
   their tombstones and drops the snapshots they leave stale
   (``ledger.storage.disposal``, whose triggers admit nothing else).

An act whose number the log holds already is not appended twice: if some of
its entries still hold their payload (the removal failed after the act was
appended), they are disposed of now; if none does, it is refused as applied.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from ledger.application import LedgerApplication, Signing
from ledger.archive.signers import check_signers
from ledger.domain.disposal import (
    ActClass,
    DisposalAct,
    FileFacts,
    KeptFile,
    NamedEntry,
    check_act,
    check_class,
)
from ledger.domain.errors import DisposalError
from ledger.domain.ids import disposal_act_id, personal_file_id
from ledger.domain.school import School
from ledger.log import LogStore, Sealer, StoredCheckpoint
from ledger.log.store import HeadedLeaf
from ledger.policy_log import RETENTION, load_policy
from ledger.storage.disposal import Tombstoned, check_owner, remove_payloads
from verify.disposal import (
    TOMBSTONE_PREFIX,
    parse_tombstone,
    stored_leaf_hash,
    tombstone_for,
)
from verify.retention import RetentionPolicy

BATCH = 5000
FIELDS = ("number", "date", "class", "files", "entries", "kept", "reason")
ALL = "all"


@dataclass(frozen=True)
class ActRequest:
    """The act as the commission gives it (``ACT.json``), read, not yet checked."""

    number: str
    dated: date
    record_class: str
    files: tuple[str, ...]
    entries: tuple[int | str | tuple[int, int], ...] | None
    """None: every entry of the class in the files (``"all"``)."""
    kept: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Disposed:
    """What a disposal did: the act's event, its files and entries, the
    checkpoint that covers the act, whether an act recorded before was
    finished now."""

    act: str
    number: str
    record_class: str
    files: int
    entries: int
    kept: int
    checkpoint: StoredCheckpoint
    resumed: bool = False


def read_act(path: Path) -> ActRequest:
    """``ACT.json``; :class:`DisposalError` naming the field and what is allowed."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        msg = f"--act {path} cannot be read as JSON ({e}); give the act as a JSON file"
        raise DisposalError(msg) from e
    if not isinstance(raw, dict):
        msg = f"--act {path} must hold one JSON object with {', '.join(FIELDS)}"
        raise DisposalError(msg)
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        msg = f"the act has unknown fields {unknown}; allowed: {', '.join(FIELDS)}"
        raise DisposalError(msg)
    record_class = _text(raw, "class")
    if record_class in ("*", ALL, ""):
        msg = (
            "the act names no single record class: the whole log is never "
            "disposed of; name one class of the retention policy (journal, …)"
        )
        raise DisposalError(msg)
    return ActRequest(
        number=_text(raw, "number"),
        dated=_date(raw),
        record_class=record_class,
        files=tuple(_texts(raw, "files")),
        entries=_entries(raw.get("entries")),
        kept=tuple(_texts(raw, "kept", required=False)),
        reason=_text(raw, "reason"),
    )


def _text(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str):
        msg = f"the act's {name!r} must be a string, not {value!r}"
        raise DisposalError(msg)
    return value.strip()


def _texts(raw: dict[str, Any], name: str, *, required: bool = True) -> list[str]:
    value = raw.get(name, None if required else [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        msg = f"the act's {name!r} must be a list of strings, not {value!r}"
        raise DisposalError(msg)
    return [v.strip() for v in value]


def _date(raw: dict[str, Any]) -> date:
    value = raw.get("date")
    try:
        return date.fromisoformat(str(value))
    except ValueError as e:
        msg = f"the act's 'date' {value!r} is not a date; use YYYY-MM-DD"
        raise DisposalError(msg) from e


def _entries(value: Any) -> tuple[int | str | tuple[int, int], ...] | None:
    allowed = (
        '"all", or a list of leaf indexes, [first, last] ranges and event names '
        "(<stream>:<seq>)"
    )
    if value == ALL:
        return None
    if not isinstance(value, list) or not value:
        msg = f"the act's 'entries' is {value!r}; allowed: {allowed}"
        raise DisposalError(msg)
    found: list[int | str | tuple[int, int]] = []
    for item in value:
        if type(item) is int and item >= 0:
            found.append(item)
        elif isinstance(item, str) and item.count(":") == 1:
            found.append(item.strip())
        elif (
            isinstance(item, list)
            and len(item) == 2
            and all(type(i) is int and i >= 0 for i in item)
            and item[0] <= item[1]
        ):
            found.append((item[0], item[1]))
        else:
            msg = f"the act's entry {item!r} is not usable; allowed: {allowed}"
            raise DisposalError(msg)
    return tuple(found)


# -- the log as the act sees it ------------------------------------------------------


@dataclass(frozen=True)
class _Logged:
    """A sealed entry: where it is, what it is, its file under the act's clock,
    the act that disposed of it if one did."""

    leaf: HeadedLeaf
    at: str
    file: str
    disposed_by: str | None


class _Log:
    """The sealed entries under the latest checkpoint, read in batches."""

    def __init__(self, app: LedgerApplication, policy: RetentionPolicy) -> None:
        self.store = LogStore(app.recorder)
        latest = self.store.latest_checkpoint()
        if latest is None:
            msg = "the log has no signed checkpoint yet: run `letopis seal` first"
            raise DisposalError(msg)
        self.checkpoint = latest
        self.policy = policy

    def entries(self, clock: str) -> Iterator[_Logged]:
        for start in range(0, self.checkpoint.size, BATCH):
            stop = min(start + BATCH, self.checkpoint.size)
            leaves = self.store.headed_leaves(start, stop)
            stones = self.states(
                [x for x in leaves if x.head.startswith(TOMBSTONE_PREFIX)]
            )
            for leaf in leaves:
                yield self._logged(leaf, clock, stones.get(leaf.notification_id))

    def _logged(self, leaf: HeadedLeaf, clock: str, stone: bytes | None) -> _Logged:
        """An entry's file under ``clock``, from the time its head (or, once
        disposed of, its tombstone) gives."""
        act = None
        if stone is not None:
            found = parse_tombstone(stone)
            at, act = found.recorded, found.act
        else:
            at = leaf.head[7:].split(b'"', 1)[0].decode()  # {"at":"<time>",…
        if clock != "year_file":
            return _Logged(leaf, at, leaf.stream, act)
        end = self.policy.year_end(date.fromisoformat(at[:10]))
        return _Logged(leaf, at, f"{end.year - 1}/{end.year}", act)

    def states(self, leaves: Sequence[HeadedLeaf]) -> dict[int, bytes]:
        return self.store.states_of([x.notification_id for x in leaves])


# -- disposal -------------------------------------------------------------------------


def dispose(
    app: LedgerApplication,
    url: str,
    request: ActRequest,
    signing: Signing,
    *,
    owner_role: str = "letopis_owner",
    now: datetime,
) -> Disposed:
    """Check ``request``, append the act signed by ``signing``, seal, and
    remove the payloads of exactly the entries it names, as the owner of the
    store at ``url`` (see the module docstring)."""
    check_owner(url, owner_role)
    check_signers(app, DisposalAct.Approved.TOPIC, signing)
    stream = disposal_act_id(app.context.origin, request.number)
    recorded = _recorded_act(app, stream)
    if recorded is not None:
        return _resume(app, url, request, recorded, owner_role)
    policy = _retention(app)
    act_class = _act_class(policy, request.record_class)
    check_class(act_class, request.kept)
    log = _Log(app, policy)
    files = _files(app, request, act_class)
    kept = _files(app, request, act_class, kept=True)
    logged, facts = _named(log, request, act_class, files, kept)
    checked = check_act(
        number=request.number,
        dated=request.dated,
        today=now.date(),
        reason=request.reason,
        act_class=act_class,
        files=facts,
        kept=[k.file for k in kept],
        entries=[_named_entry(e, policy) for e in logged],
        log_size=log.checkpoint.size,
    )
    name = f"{stream}:1"
    tombstones = _tombstones(log, [e.leaf for e in logged], name)
    act = DisposalAct.approve(
        stream=stream,
        number=request.number,
        dated=request.dated,
        act_class=act_class,
        files=checked,
        kept=tuple(kept),
        reason=request.reason,
        commission=_commission(app, signing),
        at=now,
    )
    app.save(act, signed_by=signing)
    checkpoint = Sealer(app).seal()
    removed = remove_payloads(url, tombstones, owner_role=owner_role)
    return Disposed(
        name, act.number, act.record_class, len(checked), removed, len(kept), checkpoint
    )


def _retention(app: LedgerApplication) -> RetentionPolicy:
    record = load_policy(app, RETENTION)
    if record is None:
        msg = (
            "the log holds no retention policy: an act is judged by the policy in "
            "force; adopt one with `letopis policy set`"
        )
        raise DisposalError(msg)
    return RetentionPolicy.from_toml(record.toml, where="the retention policy in force")


def _act_class(policy: RetentionPolicy, name: str) -> ActClass:
    for found in policy.classes:
        if found.name == name:
            return ActClass(found.name, found.clock, found.keep_years)
    names = ", ".join(c.name for c in policy.classes)
    msg = f"class {name!r} is not in the retention policy in force; classes: {names}"
    raise DisposalError(msg)


def _files(
    app: LedgerApplication,
    request: ActRequest,
    act_class: ActClass,
    *,
    kept: bool = False,
) -> list[KeptFile]:
    """The files named (or kept) as streams or school years, with their
    personal file numbers where they have one."""
    given = request.kept if kept else request.files
    if act_class.clock == "year_file":  # check_act refuses kept year files
        return [KeptFile(label if kept else _year(label), "") for label in given]
    school = _school(app)
    found = []
    for name in given:
        try:
            stream = UUID(name)
            number = ""
        except ValueError:
            stream, number = personal_file_id(school, name), name
        found.append(KeptFile(str(stream), number))
    return found


def _year(label: str) -> str:
    parts = label.split("/")
    if (
        len(parts) != 2
        or not all(p.isdigit() and len(p) == 4 for p in parts)
        or (int(parts[1]) != int(parts[0]) + 1)
    ):
        msg = f"file {label!r} is not a school year; name year files as 2024/2025"
        raise DisposalError(msg)
    return label


def _school(app: LedgerApplication) -> UUID:
    found = app.recorder.select_notifications(
        start=1, limit=1, topics=[School.Registered.TOPIC]
    )
    if not found:
        msg = "the log holds no school: personal files are named by a school's numbers"
        raise DisposalError(msg)
    return UUID(str(found[0].originator_id))


def _named(
    log: _Log,
    request: ActRequest,
    act_class: ActClass,
    files: list[KeptFile],
    kept: list[KeptFile],
) -> tuple[list[_Logged], list[FileFacts]]:
    """The sealed entries the act names, and what the log says of its files."""
    names = {f.file for f in files}
    keeping = {k.file for k in kept}
    wanted = _wanted(request.entries)
    closing = log.policy.classes[_index(log.policy, act_class.name)].closed_by
    chosen: list[_Logged] = []
    closings: dict[str, HeadedLeaf] = {}
    seen: set[int | str] = set()
    present: set[str] = set()
    for entry in log.entries(act_class.clock):
        leaf = entry.leaf
        present.add(entry.file)
        if entry.file in names and leaf.topic in closing and entry.disposed_by is None:
            closings[entry.file] = leaf
        if wanted is None:
            if (
                entry.file in names
                and entry.file not in keeping
                and entry.disposed_by is None
                and _class_of(log.policy, leaf.topic) == act_class.name
            ):
                chosen.append(entry)
            continue
        hit = wanted.pick(leaf)
        if hit is not None:
            seen.add(hit)
            chosen.append(entry)
    if wanted is not None:
        wanted.require_all(seen, log.checkpoint.size)
    for file in [*files, *kept]:
        if file.file not in present:
            named = file.personal_file or file.file
            msg = (
                f"file {named} holds no entry of the log: name the files as the "
                "log knows them (a school year 2024/2025, a personal file К-25)"
            )
            raise DisposalError(msg)
    return chosen, _facts(log, files, act_class, closings)


def _facts(
    log: _Log,
    files: list[KeptFile],
    act_class: ActClass,
    closings: dict[str, HeadedLeaf],
) -> list[FileFacts]:
    if act_class.clock == "year_file":
        month, day = log.policy.school_year_ends
        return [FileFacts(f.file, date(int(f.file[5:]), month, day)) for f in files]
    states = log.states(list(closings.values()))
    facts = []
    for f in files:
        leaf = closings.get(f.file)
        facts.append(
            FileFacts(
                f.file,
                None if leaf is None else _closed_on(states[leaf.notification_id]),
            )
        )
    return facts


def _closed_on(state: bytes) -> date:
    envelope = json.loads(state)
    on = envelope.get("data", {}).get("on")
    return date.fromisoformat(on if isinstance(on, str) else envelope["at"][:10])


def _index(policy: RetentionPolicy, name: str) -> int:
    return next(i for i, c in enumerate(policy.classes) if c.name == name)


def _class_of(policy: RetentionPolicy, topic: str) -> str:
    return policy.names[policy.classify(topic)]


def _named_entry(entry: _Logged, policy: RetentionPolicy) -> NamedEntry:
    leaf = entry.leaf
    return NamedEntry(
        leaf=leaf.index,
        name=f"{leaf.stream}:{leaf.seq}",
        type=leaf.topic,
        record_class=_class_of(policy, leaf.topic),
        file=entry.file,
        disposed_by=entry.disposed_by,
    )


class _Wanted:
    """The entries an act lists: leaf indexes, ranges and event names."""

    def __init__(self, items: Sequence[int | str | tuple[int, int]]) -> None:
        self.indexes = {i for i in items if isinstance(i, int)}
        self.ranges = [r for r in items if isinstance(r, tuple)]
        self.names = {n for n in items if isinstance(n, str)}

    def pick(self, leaf: HeadedLeaf) -> int | str | None:
        """What names ``leaf`` in the act (its index or its event name)."""
        if leaf.index in self.indexes or any(
            a <= leaf.index <= b for a, b in self.ranges
        ):
            return leaf.index
        name = f"{leaf.stream}:{leaf.seq}"
        return name if name in self.names else None

    def require_all(self, seen: set[int | str], size: int) -> None:
        """Every listed entry is a sealed entry of the log."""
        listed: set[int | str] = {*self.indexes, *self.names}
        listed |= {i for a, b in self.ranges for i in range(a, min(b, size) + 1)}
        if any(b >= size for _, b in self.ranges):
            listed.add(max(b for _, b in self.ranges))
        missing = sorted(listed - seen, key=str)
        if missing:
            msg = (
                f"the act names {', '.join(map(str, missing[:5]))}, which no signed "
                f"checkpoint covers (the log's latest covers leaves 0 to {size - 1}): "
                "an act names sealed entries only; run `letopis seal`, or correct "
                "the act"
            )
            raise DisposalError(msg)


def _wanted(items: tuple[int | str | tuple[int, int], ...] | None) -> _Wanted | None:
    return None if items is None else _Wanted(items)


def _commission(app: LedgerApplication, signing: Signing) -> tuple[str, ...]:
    """The holders of the act's keys, author first; distinct people."""
    registry = app.context.registry
    holders = tuple(registry.get(s.key_id, fresh=True).holder for s in signing.signers)
    if len(set(holders)) != len(holders):
        msg = (
            "the act's signers are not distinct people (one holder signs with two "
            "keys): the commission's members and the director each sign once"
        )
        raise DisposalError(msg)
    return holders


def _tombstones(log: _Log, leaves: Sequence[HeadedLeaf], act: str) -> list[Tombstoned]:
    """Each entry's tombstone under ``act``, after checking its stored bytes
    are still what its leaf sealed."""
    found = []
    for start in range(0, len(leaves), BATCH):
        batch = leaves[start : start + BATCH]
        states = log.states(batch)
        sealed = log.store.hashes([(0, leaf.index) for leaf in batch])
        for leaf in batch:
            state = states[leaf.notification_id]
            if stored_leaf_hash(state) != sealed[(0, leaf.index)]:
                msg = (
                    f"entry {leaf.stream}:{leaf.seq} no longer matches its sealed "
                    f"leaf {leaf.index}: the store is damaged, nothing was disposed "
                    "of; run `letopis verify --store`"
                )
                raise DisposalError(msg)
            stone = tombstone_for(state, act)
            found.append(Tombstoned(leaf.notification_id, UUID(leaf.stream), stone))
    return found


def _recorded_act(app: LedgerApplication, stream: UUID) -> DisposalAct | None:
    try:
        act: DisposalAct = app.repository.get(stream)
    except AggregateNotFoundError:
        return None
    return act


def _resume(
    app: LedgerApplication,
    url: str,
    request: ActRequest,
    act: DisposalAct,
    owner_role: str,
) -> Disposed:
    """An act the log holds: finish it if some of its entries still hold their
    payloads, else refuse it as applied."""
    name = f"{act.id}:1"
    if act.record_class != request.record_class or act.dated != request.dated:
        msg = (
            f"act № {act.number} is recorded already ({name}) with class "
            f"{act.record_class} and date {act.dated}: an act number is used once"
        )
        raise DisposalError(msg)
    checkpoint = Sealer(app).seal()
    store = LogStore(app.recorder)
    pending = [
        leaf
        for first, last in act.ranges
        for start in range(first, last + 1, BATCH)
        for leaf in store.headed_leaves(start, min(start + BATCH, last + 1))
        if not leaf.head.startswith(TOMBSTONE_PREFIX)
    ]
    if not pending:
        msg = (
            f"act № {act.number} was applied already ({name}): its {act.entries} "
            "entries are disposed of; an act is applied once"
        )
        raise DisposalError(msg)
    log = _Log(app, _retention(app))
    removed = remove_payloads(
        url, _tombstones(log, pending, name), owner_role=owner_role
    )
    return Disposed(
        name,
        act.number,
        act.record_class,
        len(act.files),
        removed,
        len(act.kept),
        checkpoint,
        resumed=True,
    )
